//! The parameter tree a control surface drives: the look file's keys.
//!
//! How it works: a [`Param`] names one number of the grade by its look-file
//! key path (`primary/exposure`, `cdl/slope/g`), the same words OSC
//! addresses use (`/primary/exposure 0.5`). A three-channel key without a
//! channel (`primary/gain`) is the channel *master*: reading it gives the
//! mean of the three, setting it moves all three by the same amount, so a
//! master fader never wipes out a colour balance. Each key has a panel range
//! (what a fader's throw covers by default) inside the look's validated
//! range (`grade::ranges`, the table `Look::validate` reads; a set value is
//! clamped to it, so a panel can never make an invalid look), and its
//! neutral value is the look file's own default for the key. Secondaries
//! are numbered from 1 as in the look file (`secondary/1/exposure`); a
//! secondary the look does not have is not
//! there to drive ([`Param::exists`]). Its `enabled` and `invert` switches
//! are 0 / 1 values, which a button toggles. The `[atmosphere]` keys
//! (`atmosphere/density`) are there when the look has that section.

use crate::grade::atmosphere::AtmosphereSection;
use crate::grade::ranges::*;
use crate::grade::secondary::{MaskKind, Secondary, MAX_SECONDARIES};
use crate::grade::Look;
use std::fmt;
use std::sync::LazyLock;

/// One number (or a channel master) of the look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Param {
    pub key: Key,
    /// 0, 1, 2 for red, green, blue; `None` is the master of a
    /// three-channel key (and the only choice for a scalar key).
    pub channel: Option<u8>,
    /// The secondary (0-based) of a secondary's key; `None` otherwise.
    pub secondary: Option<u8>,
}

/// The look keys a panel can drive (the look file's keys, docs/looks.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Exposure,
    Contrast,
    Pivot,
    Temperature,
    Tint,
    PrimarySaturation,
    Lift,
    Gamma,
    Gain,
    Slope,
    Offset,
    Power,
    CdlSaturation,
    SecondaryExposure,
    SecondarySaturation,
    SecondaryGain,
    SecondarySoften,
    SecondaryGrow,
    SecondaryRefine,
    SecondaryFeather,
    SecondarySmooth,
    SecondaryEnabled,
    SecondaryInvert,
    AtmosphereDensity,
    AtmosphereStart,
    AtmosphereHaze,
    AtmosphereDefocus,
    AtmosphereFocus,
}

impl Key {
    /// A key of one `[[secondary]]` table.
    pub fn of_secondary(self) -> bool {
        self.info().path.starts_with("secondary/")
    }

    /// A key of the `[atmosphere]` section.
    pub fn of_atmosphere(self) -> bool {
        self.info().path.starts_with("atmosphere/")
    }

    /// A 0 / 1 switch (a button toggles it).
    pub fn is_switch(self) -> bool {
        matches!(self, Key::SecondaryEnabled | Key::SecondaryInvert)
    }

    fn info(self) -> &'static KeyInfo {
        KEYS.iter()
            .find(|k| k.key == self)
            .expect("every key has an entry in KEYS")
    }
}

/// What a key is: its path, whether it has three channels, its ranges.
pub struct KeyInfo {
    pub key: Key,
    /// The look-file path with `/` (`primary/exposure`); a secondary's
    /// keys take its number after `secondary/`.
    pub path: &'static str,
    pub channels: bool,
    /// What a fader covers unless a profile says otherwise.
    pub panel: (f32, f32),
    /// The look's validated range (`grade::ranges`, which
    /// `Look::validate` reads too); set values are clamped to it.
    pub limit: Range,
}

/// Every key, in the order `neurograde midi learn` lists them.
pub const KEYS: [KeyInfo; 28] = [
    info(
        Key::Exposure,
        "primary/exposure",
        false,
        (-4.0, 4.0),
        EXPOSURE_RANGE,
    ),
    info(
        Key::Contrast,
        "primary/contrast",
        false,
        (0.25, 4.0),
        CONTRAST_RANGE,
    ),
    info(Key::Pivot, "primary/pivot", false, (0.0, 1.0), PIVOT_RANGE),
    info(
        Key::Temperature,
        "primary/temperature",
        false,
        (-100.0, 100.0),
        TEMPERATURE_RANGE,
    ),
    info(Key::Tint, "primary/tint", false, (-30.0, 30.0), TINT_RANGE),
    info(
        Key::PrimarySaturation,
        "primary/saturation",
        false,
        (0.0, 2.0),
        PRIMARY_SATURATION_RANGE,
    ),
    info(Key::Lift, "primary/lift", true, (-0.25, 0.25), LIFT_RANGE),
    info(Key::Gamma, "primary/gamma", true, (-1.0, 1.0), GAMMA_RANGE),
    info(Key::Gain, "primary/gain", true, (0.25, 4.0), GAIN_RANGE),
    info(Key::Slope, "cdl/slope", true, (0.25, 4.0), SLOPE_RANGE),
    info(Key::Offset, "cdl/offset", true, (-0.25, 0.25), OFFSET_RANGE),
    info(Key::Power, "cdl/power", true, (0.25, 4.0), POWER_RANGE),
    info(
        Key::CdlSaturation,
        "cdl/saturation",
        false,
        (0.0, 2.0),
        SATURATION_RANGE,
    ),
    info(
        Key::SecondaryExposure,
        "secondary/exposure",
        false,
        (-2.0, 2.0),
        SECONDARY_EXPOSURE_RANGE,
    ),
    info(
        Key::SecondarySaturation,
        "secondary/saturation",
        false,
        (0.0, 2.0),
        SECONDARY_SATURATION_RANGE,
    ),
    info(
        Key::SecondaryGain,
        "secondary/gain",
        true,
        (0.5, 2.0),
        GAIN_RANGE,
    ),
    info(
        Key::SecondarySoften,
        "secondary/soften",
        false,
        (0.0, 1.0),
        SOFTEN_RANGE,
    ),
    info(
        Key::SecondaryGrow,
        "secondary/grow",
        false,
        (-0.02, 0.02),
        GROW_RANGE,
    ),
    info(
        Key::SecondaryRefine,
        "secondary/refine",
        false,
        (0.0, 1.0),
        REFINE_RANGE,
    ),
    info(
        Key::SecondaryFeather,
        "secondary/feather",
        false,
        (0.0, 0.1),
        FEATHER_RANGE,
    ),
    info(
        Key::SecondarySmooth,
        "secondary/smooth",
        false,
        (0.0, 1.0),
        SMOOTH_RANGE,
    ),
    info(
        Key::SecondaryEnabled,
        "secondary/enabled",
        false,
        (0.0, 1.0),
        SWITCH_RANGE,
    ),
    info(
        Key::SecondaryInvert,
        "secondary/invert",
        false,
        (0.0, 1.0),
        SWITCH_RANGE,
    ),
    info(
        Key::AtmosphereDensity,
        "atmosphere/density",
        false,
        (0.0, 6.0),
        ATMOSPHERE_DENSITY_RANGE,
    ),
    info(
        Key::AtmosphereStart,
        "atmosphere/start",
        false,
        (0.0, 1.0),
        ATMOSPHERE_START_RANGE,
    ),
    info(
        Key::AtmosphereHaze,
        "atmosphere/haze",
        true,
        (0.0, 1.0),
        HAZE_RANGE,
    ),
    info(
        Key::AtmosphereDefocus,
        "atmosphere/defocus",
        false,
        (0.0, 1.0),
        ATMOSPHERE_DEFOCUS_RANGE,
    ),
    info(
        Key::AtmosphereFocus,
        "atmosphere/focus",
        false,
        (0.0, 1.0),
        ATMOSPHERE_FOCUS_RANGE,
    ),
];

const fn info(
    key: Key,
    path: &'static str,
    channels: bool,
    panel: (f32, f32),
    limit: Range,
) -> KeyInfo {
    KeyInfo {
        key,
        path,
        channels,
        panel,
        limit,
    }
}

/// A secondary's `enabled` and `invert` switches as numbers (a button
/// toggles them; on from one half up).
const SWITCH_RANGE: Range = Range {
    lo: 0.0,
    hi: 1.0,
    expected: "0 or 1 (off or on)",
};

/// The look every key's neutral value comes from: the look file's own
/// defaults (with four default secondaries and a default `[atmosphere]`),
/// so "reset" restores what a look without the key holds.
static NEUTRAL: LazyLock<Look> = LazyLock::new(|| Look {
    secondaries: vec![Secondary::new(MaskKind::Face); MAX_SECONDARIES],
    atmosphere: Some(AtmosphereSection::default()),
    ..Look::default()
});

const CHANNEL_NAMES: [&str; 3] = ["r", "g", "b"];

/// A path that names no look key, with what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{path}` is not a grade parameter: expected one of {expected}, with /r, /g or /b after a three-channel key and a secondary's number (1-4) after secondary/")]
pub struct UnknownParam {
    pub path: String,
    pub expected: String,
}

impl Param {
    /// Parses `primary/exposure`, `/cdl/slope/g`, `primary.gain.r`,
    /// `cdl/power/2`, `secondary/1/exposure`.
    pub fn parse(path: &str) -> Result<Param, UnknownParam> {
        let unknown = || UnknownParam {
            path: path.to_string(),
            expected: KEYS.iter().map(|k| k.path).collect::<Vec<_>>().join(", "),
        };
        let normalised = path.trim().trim_start_matches('/').replace('.', "/");
        let mut parts: Vec<&str> = normalised.split('/').collect();
        let secondary = if parts.first() == Some(&"secondary") && parts.len() > 1 {
            let n = parts.remove(1).parse::<usize>().map_err(|_| unknown())?;
            if !(1..=MAX_SECONDARIES).contains(&n) {
                return Err(unknown());
            }
            Some(n as u8 - 1)
        } else {
            None
        };
        let (key_path, channel) = match parts.as_slice() {
            [section, key] => (format!("{section}/{key}"), None),
            [section, key, channel] => (format!("{section}/{key}"), Some(*channel)),
            _ => return Err(unknown()),
        };
        let info = KEYS
            .iter()
            .find(|k| k.path == key_path)
            .filter(|k| k.key.of_secondary() == secondary.is_some())
            .ok_or_else(unknown)?;
        let channel = match channel {
            None => None,
            Some(_) if !info.channels => return Err(unknown()),
            Some(c) => Some(
                CHANNEL_NAMES
                    .iter()
                    .position(|n| *n == c)
                    .or_else(|| c.parse::<usize>().ok().filter(|i| *i < 3))
                    .ok_or_else(unknown)? as u8,
            ),
        };
        Ok(Param {
            key: info.key,
            channel,
            secondary,
        })
    }

    pub fn info(&self) -> &'static KeyInfo {
        self.key.info()
    }

    /// Every parameter: each key, each channel of the three-channel keys,
    /// and each secondary's keys for as many secondaries as a look can have.
    pub fn all() -> impl Iterator<Item = Param> {
        KEYS.iter().flat_map(|k| {
            let channels: &[Option<u8>] = if k.channels {
                &[None, Some(0), Some(1), Some(2)]
            } else {
                &[None]
            };
            let of_secondary = k.key.of_secondary();
            let count = if of_secondary { MAX_SECONDARIES } else { 1 };
            let secondaries = (0..count as u8).map(move |i| of_secondary.then_some(i));
            secondaries.flat_map(move |secondary| {
                channels.iter().map(move |&channel| Param {
                    key: k.key,
                    channel,
                    secondary,
                })
            })
        })
    }

    /// Whether `look` has what the parameter names (a secondary's key
    /// needs that secondary, an `[atmosphere]` key that section).
    pub fn exists(&self, look: &Look) -> bool {
        let secondary = self
            .secondary
            .is_none_or(|i| usize::from(i) < look.secondaries.len());
        secondary && (!self.key.of_atmosphere() || look.atmosphere.is_some())
    }

    /// The value in `look` (a master reads the mean of its channels; a
    /// secondary the look lacks reads neutral).
    pub fn get(&self, look: &Look) -> f32 {
        match (self.slot(look), self.channel) {
            (None, _) => self.neutral(),
            (Some(Slot::Scalar(v)), _) => v,
            (Some(Slot::Channels(c)), Some(i)) => c[usize::from(i)],
            (Some(Slot::Channels(c)), None) => (c[0] + c[1] + c[2]) / 3.0,
        }
    }

    /// A three-channel key without a channel: it stands for R, G and B.
    pub fn is_master(&self) -> bool {
        self.info().channels && self.channel.is_none()
    }

    /// What OSC sends for the parameter: a master's three channels, else
    /// its one value.
    pub fn values(&self, look: &Look) -> Vec<f32> {
        match (self.slot(look), self.channel) {
            (Some(Slot::Channels(c)), None) => c.to_vec(),
            _ => vec![self.get(look)],
        }
    }

    /// Sets the value, clamped to the look's valid range. A master moves
    /// all three channels by the same amount; a switch is on from one half
    /// up. Returns the value set (neutral, and nothing set, for a secondary
    /// the look lacks).
    pub fn set(&self, look: &mut Look, value: f32) -> f32 {
        let Range { lo, hi, .. } = self.info().limit;
        let value = if value.is_finite() {
            value.clamp(lo, hi)
        } else {
            self.get(look)
        };
        match (self.field(look), self.channel) {
            (None, _) => {}
            (Some(Field::Switch(b)), _) => *b = value >= 0.5,
            (Some(Field::Scalar(v)), _) => *v = value,
            (Some(Field::Channels(c)), Some(i)) => c[usize::from(i)] = value,
            (Some(Field::Channels(c)), None) => {
                let delta = value - (c[0] + c[1] + c[2]) / 3.0;
                for v in c.iter_mut() {
                    *v = (*v + delta).clamp(lo, hi);
                }
            }
        }
        self.get(look)
    }

    /// Sets all three channels (OSC `/cdl/slope 1.1 1.0 0.9`); a scalar key
    /// takes the first.
    pub fn set_all(&self, look: &mut Look, values: [f32; 3]) {
        let Range { lo, hi, .. } = self.info().limit;
        match self.field(look) {
            None => {}
            Some(Field::Switch(b)) if values[0].is_finite() => *b = values[0] >= 0.5,
            Some(Field::Scalar(v)) if values[0].is_finite() => *v = values[0].clamp(lo, hi),
            Some(Field::Switch(_) | Field::Scalar(_)) => {}
            Some(Field::Channels(c)) => {
                for (v, new) in c.iter_mut().zip(values) {
                    if new.is_finite() {
                        *v = new.clamp(lo, hi);
                    }
                }
            }
        }
    }

    /// Its neutral value: what a look without the key holds (a master:
    /// the mean of the three channels').
    pub fn neutral(&self) -> f32 {
        self.get(&NEUTRAL)
    }

    /// Back to neutral (all three channels for a master).
    pub fn reset(&self, look: &mut Look) {
        let neutral = self.values(&NEUTRAL);
        match (self.field(look), self.channel) {
            (None, _) => {}
            (Some(Field::Switch(b)), _) => *b = neutral[0] >= 0.5,
            (Some(Field::Scalar(v)), _) => *v = neutral[0],
            (Some(Field::Channels(c)), Some(i)) => c[usize::from(i)] = neutral[0],
            (Some(Field::Channels(c)), None) => c.copy_from_slice(&neutral),
        }
    }

    fn slot(&self, look: &Look) -> Option<Slot> {
        let (p, c) = (&look.primary, &look.cdl);
        if let Some(i) = self.secondary {
            let s = look.secondaries.get(usize::from(i))?;
            let switch = |on: bool| Slot::Scalar(if on { 1.0 } else { 0.0 });
            return Some(match self.key {
                Key::SecondaryExposure => Slot::Scalar(s.exposure),
                Key::SecondarySaturation => Slot::Scalar(s.saturation),
                Key::SecondaryGain => Slot::Channels(s.gain),
                Key::SecondarySoften => Slot::Scalar(s.soften),
                Key::SecondaryGrow => Slot::Scalar(s.grow),
                Key::SecondaryRefine => Slot::Scalar(s.refine),
                Key::SecondaryFeather => Slot::Scalar(s.feather),
                Key::SecondarySmooth => Slot::Scalar(s.smooth),
                Key::SecondaryEnabled => switch(s.enabled),
                _ => switch(s.invert),
            });
        }
        if self.key.of_atmosphere() {
            let a = look.atmosphere.as_ref()?;
            return Some(match self.key {
                Key::AtmosphereDensity => Slot::Scalar(a.density),
                Key::AtmosphereStart => Slot::Scalar(a.start),
                Key::AtmosphereHaze => Slot::Channels(a.haze),
                Key::AtmosphereDefocus => Slot::Scalar(a.defocus),
                _ => Slot::Scalar(a.focus),
            });
        }
        Some(match self.key {
            Key::Exposure => Slot::Scalar(p.exposure),
            Key::Contrast => Slot::Scalar(p.contrast),
            Key::Pivot => Slot::Scalar(p.pivot),
            Key::Temperature => Slot::Scalar(p.temperature),
            Key::Tint => Slot::Scalar(p.tint),
            Key::PrimarySaturation => Slot::Scalar(p.saturation),
            Key::Lift => Slot::Channels(p.lift),
            Key::Gamma => Slot::Channels(p.gamma),
            Key::Gain => Slot::Channels(p.gain),
            Key::Slope => Slot::Channels(c.slope),
            Key::Offset => Slot::Channels(c.offset),
            Key::Power => Slot::Channels(c.power),
            Key::CdlSaturation => Slot::Scalar(c.saturation),
            // Parsing pairs a secondary's key with its number.
            _ => return None,
        })
    }

    fn field<'a>(&self, look: &'a mut Look) -> Option<Field<'a>> {
        if let Some(i) = self.secondary {
            let s = look.secondaries.get_mut(usize::from(i))?;
            return Some(match self.key {
                Key::SecondaryExposure => Field::Scalar(&mut s.exposure),
                Key::SecondarySaturation => Field::Scalar(&mut s.saturation),
                Key::SecondaryGain => Field::Channels(&mut s.gain),
                Key::SecondarySoften => Field::Scalar(&mut s.soften),
                Key::SecondaryGrow => Field::Scalar(&mut s.grow),
                Key::SecondaryRefine => Field::Scalar(&mut s.refine),
                Key::SecondaryFeather => Field::Scalar(&mut s.feather),
                Key::SecondarySmooth => Field::Scalar(&mut s.smooth),
                Key::SecondaryEnabled => Field::Switch(&mut s.enabled),
                _ => Field::Switch(&mut s.invert),
            });
        }
        if self.key.of_atmosphere() {
            let a = look.atmosphere.as_mut()?;
            return Some(match self.key {
                Key::AtmosphereDensity => Field::Scalar(&mut a.density),
                Key::AtmosphereStart => Field::Scalar(&mut a.start),
                Key::AtmosphereHaze => Field::Channels(&mut a.haze),
                Key::AtmosphereDefocus => Field::Scalar(&mut a.defocus),
                _ => Field::Scalar(&mut a.focus),
            });
        }
        let (p, c) = (&mut look.primary, &mut look.cdl);
        Some(match self.key {
            Key::Exposure => Field::Scalar(&mut p.exposure),
            Key::Contrast => Field::Scalar(&mut p.contrast),
            Key::Pivot => Field::Scalar(&mut p.pivot),
            Key::Temperature => Field::Scalar(&mut p.temperature),
            Key::Tint => Field::Scalar(&mut p.tint),
            Key::PrimarySaturation => Field::Scalar(&mut p.saturation),
            Key::Lift => Field::Channels(&mut p.lift),
            Key::Gamma => Field::Channels(&mut p.gamma),
            Key::Gain => Field::Channels(&mut p.gain),
            Key::Slope => Field::Channels(&mut c.slope),
            Key::Offset => Field::Channels(&mut c.offset),
            Key::Power => Field::Channels(&mut c.power),
            Key::CdlSaturation => Field::Scalar(&mut c.saturation),
            _ => return None,
        })
    }
}

enum Slot {
    Scalar(f32),
    Channels([f32; 3]),
}

enum Field<'a> {
    Scalar(&'a mut f32),
    Channels(&'a mut [f32; 3]),
    Switch(&'a mut bool),
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.secondary {
            Some(i) => {
                let key = self.info().path.trim_start_matches("secondary/");
                write!(f, "secondary/{}/{key}", u16::from(i) + 1)?;
            }
            None => f.write_str(self.info().path)?,
        }
        match self.channel {
            Some(c) => write!(f, "/{}", CHANNEL_NAMES[usize::from(c)]),
            None => Ok(()),
        }
    }
}

/// A part of the grade that "reset" can clear at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Primary,
    Cdl,
    /// One secondary's corrections (0-based; its key stays: the mask and
    /// its qualifier, grow, feather, smooth, refine, the switches).
    Secondary(u8),
    /// Primary, CDL and every secondary's corrections (the input / output
    /// transforms, LUTs and the secondaries' masks stay).
    Grade,
}

impl Section {
    /// The name [`Section::parse`] reads.
    pub fn name(self) -> String {
        match self {
            Section::Primary => "primary".into(),
            Section::Cdl => "cdl".into(),
            Section::Secondary(i) => format!("secondary/{}", u16::from(i) + 1),
            Section::Grade => "grade".into(),
        }
    }

    /// `primary`, `cdl`, `secondary/N` (from 1), `grade` (or `all`).
    pub fn parse(name: &str) -> Option<Section> {
        let name = name.trim_matches('/').replace('.', "/");
        match name.as_str() {
            "primary" => Some(Section::Primary),
            "cdl" => Some(Section::Cdl),
            "grade" | "all" => Some(Section::Grade),
            _ => {
                let n: usize = name.strip_prefix("secondary/")?.parse().ok()?;
                (1..=MAX_SECONDARIES)
                    .contains(&n)
                    .then(|| Section::Secondary(n as u8 - 1))
            }
        }
    }

    pub fn reset(self, look: &mut Look) {
        match self {
            Section::Primary => look.primary = Default::default(),
            Section::Cdl => {
                // Keep the clamp style: it is how the CDL is meant, not a value.
                let clamp = look.cdl.clamp;
                look.cdl = Default::default();
                look.cdl.clamp = clamp;
            }
            Section::Secondary(i) => {
                if let Some(s) = look.secondaries.get_mut(usize::from(i)) {
                    let neutral = Secondary::new(s.mask.clone());
                    s.exposure = neutral.exposure;
                    s.saturation = neutral.saturation;
                    s.gain = neutral.gain;
                    s.soften = neutral.soften;
                }
            }
            Section::Grade => {
                Section::Primary.reset(look);
                Section::Cdl.reset(look);
                for i in 0..look.secondaries.len() {
                    Section::Secondary(i as u8).reset(look);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_in_every_spelling() {
        let gain_g = Param {
            key: Key::Gain,
            channel: Some(1),
            secondary: None,
        };
        for path in [
            "primary/gain/g",
            "/primary/gain/g",
            "primary.gain.g",
            "primary/gain/1",
        ] {
            assert_eq!(Param::parse(path), Ok(gain_g), "{path}");
        }
        assert_eq!(Param::parse("primary/gain").unwrap().channel, None);
        assert_eq!(gain_g.to_string(), "primary/gain/g");
        for bad in [
            "primary/exposure/r",
            "primary/gain/a",
            "primary",
            "cdl/slope/3",
            "x/y",
        ] {
            let e = Param::parse(bad).unwrap_err();
            assert!(e.to_string().contains("primary/exposure"), "{e}");
        }
        // Every parameter's display parses back to itself.
        for p in Param::all() {
            assert_eq!(Param::parse(&p.to_string()), Ok(p));
        }
    }

    #[test]
    fn atmosphere_keys_need_the_section() {
        let density = Param::parse("/atmosphere/density").unwrap();
        let haze_b = Param::parse("atmosphere/haze/b").unwrap();
        let mut look = Look::default();
        assert!(!density.exists(&look));
        density.set(&mut look, 2.0);
        assert_eq!(look, Look::default(), "no section: nothing set");
        look.atmosphere = Some(AtmosphereSection::default());
        assert!(density.exists(&look) && haze_b.exists(&look));
        let most = ATMOSPHERE_DENSITY_RANGE.hi;
        assert_eq!(density.set(&mut look, 40.0), most, "clamped");
        assert_eq!(haze_b.set(&mut look, 0.5), 0.5);
        let a = look.atmosphere.unwrap();
        assert_eq!((a.density, a.haze), (most, [0.7, 0.75, 0.5]));
        look.validate("panel")
            .expect("a panel never makes an invalid look");
        // Reset restores the look file's defaults, the haze colour's
        // channels each their own.
        let haze = Param::parse("atmosphere/haze").unwrap();
        haze.set(&mut look, 3.0);
        haze.reset(&mut look);
        assert_eq!(look.atmosphere.unwrap().haze, [0.7, 0.75, 0.8]);
    }

    #[test]
    fn every_key_spans_the_looks_own_range_from_its_default() {
        let mut look = NEUTRAL.clone();
        for p in Param::all() {
            // Neutral is what a look without the key holds.
            assert_eq!(p.get(&NEUTRAL), p.neutral(), "{p}");
            // Either end of the range makes a valid look; past it, clamped.
            let Range { lo, hi, .. } = p.info().limit;
            for (asked, landed) in [(lo, lo), (hi, hi), (hi + 1.0, hi), (lo - 1.0, lo)] {
                let mut moved = look.clone();
                let got = p.set(&mut moved, asked);
                // (A master moves its channels together, each clamped.)
                if !p.key.is_switch() && !p.is_master() {
                    assert_eq!(got, landed, "{p} set to {asked}");
                }
                moved
                    .validate("panel")
                    .unwrap_or_else(|e| panic!("{p} = {asked}: {e}"));
            }
            p.reset(&mut look);
            assert_eq!(look, *NEUTRAL, "{p} reset");
        }
    }

    #[test]
    fn secondaries_are_numbered_from_one_and_need_their_table() {
        let p = Param::parse("/secondary/2/gain/b").unwrap();
        assert_eq!(
            (p.key, p.channel, p.secondary),
            (Key::SecondaryGain, Some(2), Some(1))
        );
        assert_eq!(p.to_string(), "secondary/2/gain/b");
        assert_eq!(
            Param::parse("secondary.1.exposure").unwrap().secondary,
            Some(0)
        );
        for bad in [
            "secondary/0/exposure",
            "secondary/5/exposure",
            "secondary/exposure",
            "primary/1/exposure",
            "secondary/1/contrast",
        ] {
            assert!(Param::parse(bad).is_err(), "{bad}");
        }
        let mut look = Look {
            secondaries: vec![crate::grade::secondary::Secondary::new(
                crate::grade::secondary::MaskKind::Face,
            )],
            ..Look::default()
        };
        let enabled = Param::parse("secondary/1/enabled").unwrap();
        assert!(enabled.key.is_switch());
        assert_eq!(enabled.set(&mut look, 0.2), 0.0);
        assert!(!look.secondaries[0].enabled);
        let missing = Param::parse("secondary/2/exposure").unwrap();
        assert!(!missing.exists(&look));
        let before = look.clone();
        missing.set(&mut look, 1.0);
        assert_eq!(look, before);
        assert_eq!(Section::parse("secondary/1"), Some(Section::Secondary(0)));
        look.secondaries[0].exposure = 1.0;
        look.secondaries[0].soften = 0.5;
        look.secondaries[0].refine = 0.7;
        look.secondaries[0].feather = 0.02;
        Section::Grade.reset(&mut look);
        let s = &look.secondaries[0];
        assert_eq!((s.exposure, s.soften), (0.0, 0.0));
        assert!(!s.enabled, "a reset keeps the switch");
        assert_eq!((s.refine, s.feather), (0.7, 0.02), "and the key");
    }

    #[test]
    fn master_moves_channels_together_and_values_are_clamped() {
        let mut look = Look::default();
        look.primary.gain = [1.2, 1.0, 0.8];
        let master = Param::parse("primary/gain").unwrap();
        assert!((master.get(&look) - 1.0).abs() < 1e-6);
        master.set(&mut look, 1.5);
        let g = look.primary.gain;
        assert!(
            (g[0] - 1.7).abs() < 1e-6 && (g[2] - 1.3).abs() < 1e-6,
            "{g:?}"
        );
        let exposure = Param::parse("primary/exposure").unwrap();
        assert_eq!(exposure.set(&mut look, 99.0), 16.0);
        assert_eq!(exposure.set(&mut look, f32::NAN), 16.0);
        look.validate("test").unwrap();
        Section::Grade.reset(&mut look);
        assert_eq!(look, Look::default());
    }
}
