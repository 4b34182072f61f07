//! Controller profiles (`config/controllers/*.toml`): what each physical
//! control of a panel does.
//!
//! How it works: a [`Profile`] lists bindings, each one physical control
//! (`cc`, `cc14`, `nrpn`, `rpn`, `pitch_bend`, `note`, on a `channel`) and
//! one target (a look `param` or an `action`), with its range, curve,
//! pickup, feedback and bank. [`Profile::load`] checks every binding and
//! names the file, the binding and the allowed values when one is wrong;
//! the shipped profiles are built in ([`SHIPPED_PROFILES`]). The mapper
//! (`mapping.rs`) runs them.

use super::midi::{ControlId, Relative};
use super::params::Param;
use crate::toml_file::{toml_error, TomlError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Errors from reading or checking a controller profile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    #[error("controller profile {path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("controller profile {0}")]
    Parse(TomlError),
    #[error("controller profile {path}, binding {index} ({what}): {message}")]
    Binding {
        path: PathBuf,
        /// 1-based, in file order.
        index: usize,
        what: String,
        message: String,
    },
    #[error("controller profile {path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no controller profile `{name}`: expected a file path or one of {known}")]
    Unknown { name: String, known: String },
}

/// The profiles shipped inside the binary (config/controllers/), by name.
pub const SHIPPED_PROFILES: [(&str, &str); 5] = [
    (
        "generic",
        include_str!("../../config/controllers/generic.toml"),
    ),
    ("mcu", include_str!("../../config/controllers/mcu.toml")),
    (
        "midimix",
        include_str!("../../config/controllers/midimix.toml"),
    ),
    (
        "nanokontrol2",
        include_str!("../../config/controllers/nanokontrol2.toml"),
    ),
    (
        "xtouch-mini",
        include_str!("../../config/controllers/xtouch-mini.toml"),
    ),
];

/// Where a profile comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileSource {
    /// One of [`SHIPPED_PROFILES`], by name.
    Shipped(&'static str),
    /// A profile file (the one `learn` writes to).
    File(PathBuf),
}

impl ProfileSource {
    /// The file a learnt binding is written to (none for a shipped profile).
    pub fn file(&self) -> Option<&Path> {
        match self {
            ProfileSource::File(p) => Some(p),
            ProfileSource::Shipped(_) => None,
        }
    }

    /// How errors name it.
    pub fn origin(&self) -> PathBuf {
        match self {
            ProfileSource::File(p) => p.clone(),
            ProfileSource::Shipped(name) => {
                PathBuf::from(format!("config/controllers/{name}.toml (built in)"))
            }
        }
    }
}

fn unknown_profile(name: &str) -> ProfileError {
    ProfileError::Unknown {
        name: name.to_string(),
        known: SHIPPED_PROFILES
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A controller profile as written in TOML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    /// Part of the MIDI port name to open (case-insensitive), e.g.
    /// "nanoKONTROL2"; `--midi-port` overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// Names of the banks (layers); `bank = 1` is the first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub banks: Vec<String>,
    /// Fine mode divides moves by this (default 10).
    #[serde(default = "default_fine", skip_serializing_if = "is_default_fine")]
    pub fine_divisor: f32,
    #[serde(default, rename = "binding", skip_serializing_if = "Vec::is_empty")]
    pub bindings: Vec<BindingSpec>,
}

fn default_fine() -> f32 {
    10.0
}

fn is_default_fine(v: &f32) -> bool {
    *v == 10.0
}

fn is_false(v: &bool) -> bool {
    !*v
}

fn is_true(v: &bool) -> bool {
    *v
}

fn yes() -> bool {
    true
}

/// One `[[binding]]`: a control and what it drives.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindingSpec {
    /// MIDI channel 1-16 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cc: Option<u8>,
    /// A 14-bit controller: the MSB number (0-31); its LSB is `cc14 + 32`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cc14: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nrpn: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpn: Option<u16>,
    /// The channel's pitch bend (Mackie Control motor faders).
    #[serde(default, skip_serializing_if = "is_false")]
    pub pitch_bend: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<u8>,

    /// A look key path (`primary/exposure`, `cdl/slope/r`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// `bypass`, `compare`, `undo`, `redo`, `fine`, `fine-toggle`,
    /// `bank-next`, `bank-prev`, `bank:N`, `store:N`, `recall:N`,
    /// `reset` (the binding's `param`), `reset:primary|cdl|grade`, `learn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,

    /// A relative encoder's encoding (absolute when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative: Option<Relative>,
    /// Value change per encoder tick (default: a 200th of the range).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<f32>,
    /// The values the control's travel covers (default: the key's panel range).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f32; 2]>,
    #[serde(default, skip_serializing_if = "Curve::is_linear")]
    pub curve: Curve,
    /// Snap to the neutral value near it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub detent: bool,
    /// Soft takeover for absolute controls (default on).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub pickup: bool,
    #[serde(default, skip_serializing_if = "Feedback::is_none")]
    pub feedback: Feedback,
    /// Active only in this bank (1-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank: Option<usize>,
}

/// How a control's travel maps onto its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Curve {
    #[default]
    Linear,
    /// Equal travel for equal ratios (gain, slope, power, contrast):
    /// `lo * (hi / lo)^t`. Needs `0 < lo < hi`.
    Log,
}

impl Curve {
    fn is_linear(&self) -> bool {
        *self == Curve::Linear
    }
}

/// What the surface shows of the binding's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Feedback {
    #[default]
    None,
    /// The value sent back on the same control (motor fader, LED ring by CC).
    Value,
    /// A Mackie Control V-pot LED ring (CC 48-55 for V-pots CC 16-23).
    McuRing,
    /// A button light: on while its toggle (bypass, compare, fine, its bank)
    /// is on.
    Led,
}

impl Feedback {
    fn is_none(&self) -> bool {
        *self == Feedback::None
    }
}

/// What a button or control does besides setting a parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    Bypass,
    Compare,
    Undo,
    Redo,
    /// Fine mode while held.
    FineHold,
    FineToggle,
    BankNext,
    BankPrev,
    /// 0-based.
    Bank(usize),
    Store(u8),
    Recall(u8),
    ResetParam(Param),
    ResetSection(super::params::Section),
    /// Arm in-app learn: the next unbound control moved is bound to the
    /// parameter touched last (over OSC).
    Learn,
    /// Ask for an auto exposure and balance proposal from the picture.
    Propose,
    /// Make the pending proposal the live look (one undo step).
    Accept,
    /// Drop the pending proposal.
    Reject,
    /// Ask for a Color Match of the picture to still N of the library.
    Match(u16),
    /// The object to mask is at this point (picture fractions from the top
    /// left): the first secondary that masks an object follows it (OSC
    /// `/object x y`, a click in the operator view).
    PointObject([f32; 2]),
    /// The secondaries that grade face masks grade this face track alone
    /// (`None`: every face again): OSC `/face N`, a Shift+click on a face
    /// in the operator view.
    SelectFace(Option<u32>),
}

const ACTIONS: &str = "bypass, compare, undo, redo, fine, fine-toggle, bank-next, bank-prev, bank:N, store:N, recall:N, reset, reset:primary, reset:cdl, reset:secondary/N, reset:grade, learn, propose, accept, reject, match:N";

impl Action {
    /// Parses an action name; `param` is the binding's parameter (for `reset`).
    pub fn parse(name: &str, param: Option<Param>) -> Result<Action, String> {
        let bad = || format!("action `{name}` is not one of {ACTIONS}");
        let number = |n: &str| n.trim().parse::<usize>().map_err(|_| bad());
        Ok(match name.split_once(':') {
            None => match name {
                "bypass" => Action::Bypass,
                "compare" => Action::Compare,
                "undo" => Action::Undo,
                "redo" => Action::Redo,
                "fine" => Action::FineHold,
                "fine-toggle" => Action::FineToggle,
                "bank-next" => Action::BankNext,
                "bank-prev" => Action::BankPrev,
                "learn" => Action::Learn,
                "propose" => Action::Propose,
                "accept" => Action::Accept,
                "reject" => Action::Reject,
                "reset" => Action::ResetParam(
                    param.ok_or_else(|| "action `reset` needs the `param` to reset".to_string())?,
                ),
                _ => return Err(bad()),
            },
            Some(("bank", n)) => match number(n)? {
                0 => return Err("banks are numbered from 1".into()),
                n => Action::Bank(n - 1),
            },
            Some(("store", n)) => Action::Store(u8::try_from(number(n)?).map_err(|_| bad())?),
            Some(("recall", n)) => Action::Recall(u8::try_from(number(n)?).map_err(|_| bad())?),
            Some(("match", n)) => Action::Match(u16::try_from(number(n)?).map_err(|_| bad())?),
            Some(("reset", section)) => {
                Action::ResetSection(super::params::Section::parse(section).ok_or_else(bad)?)
            }
            Some(_) => return Err(bad()),
        })
    }
}

/// What a binding drives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    Param(Param),
    Action(Action),
}

/// A checked binding.
#[derive(Debug, Clone)]
pub struct Binding {
    pub control: ControlId,
    pub target: Target,
    pub relative: Option<Relative>,
    pub step: f32,
    pub range: (f32, f32),
    pub curve: Curve,
    pub detent: bool,
    pub pickup: bool,
    pub feedback: Feedback,
    /// 0-based bank, `None` in every bank.
    pub bank: Option<usize>,
}

impl Binding {
    /// The value at normalised travel `t` (0..1).
    pub fn value_at(&self, t: f32) -> f32 {
        let (lo, hi) = self.range;
        let t = t.clamp(0.0, 1.0);
        match self.curve {
            Curve::Linear => lo + (hi - lo) * t,
            Curve::Log => lo * (hi / lo).powf(t),
        }
    }

    /// The normalised travel (0..1) that gives `value`.
    pub fn travel_of(&self, value: f32) -> f32 {
        let (lo, hi) = self.range;
        let t = match self.curve {
            Curve::Linear => (value - lo) / (hi - lo),
            Curve::Log => (value.max(f32::MIN_POSITIVE) / lo).ln() / (hi / lo).ln(),
        };
        if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

impl Profile {
    /// A profile with no bindings (MIDI and OSC with nothing mapped yet).
    pub fn empty(name: &str, port: Option<String>) -> Profile {
        Profile {
            name: name.to_string(),
            port,
            banks: Vec::new(),
            fine_divisor: default_fine(),
            bindings: Vec::new(),
        }
    }

    /// Reads and checks a profile file.
    pub fn load(path: &Path) -> Result<(Profile, Vec<Binding>), ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Profile::parse(&text, path)
    }

    /// Reads and checks a shipped profile or a profile file.
    pub fn load_from(source: &ProfileSource) -> Result<(Profile, Vec<Binding>), ProfileError> {
        match source {
            ProfileSource::Shipped(name) => {
                let text = SHIPPED_PROFILES
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, text)| *text)
                    .ok_or_else(|| unknown_profile(name))?;
                Profile::parse(text, &source.origin())
            }
            ProfileSource::File(path) => Profile::load(path),
        }
    }

    /// Parses and checks profile TOML; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<(Profile, Vec<Binding>), ProfileError> {
        let profile: Profile =
            toml::from_str(text).map_err(|e| ProfileError::Parse(toml_error(origin, text, &e)))?;
        let bindings = profile.check(origin)?;
        Ok((profile, bindings))
    }

    /// Finds a profile by file path, else by the name of a shipped profile
    /// (`nanokontrol2`, `xtouch-mini`, `mcu`, `midimix`, `generic`).
    pub fn resolve(name: &str) -> Result<ProfileSource, ProfileError> {
        let as_path = Path::new(name);
        if as_path.is_file() {
            return Ok(ProfileSource::File(as_path.to_path_buf()));
        }
        SHIPPED_PROFILES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, _)| ProfileSource::Shipped(n))
            .ok_or_else(|| unknown_profile(name))
    }

    /// Writes the profile as TOML, atomically.
    pub fn save(&self, path: &Path) -> Result<(), ProfileError> {
        let write_error = |source| ProfileError::Write {
            path: path.to_path_buf(),
            source,
        };
        let text = toml::to_string(self).map_err(|e| write_error(std::io::Error::other(e)))?;
        crate::output::write_file(path, text.as_bytes()).map_err(write_error)
    }

    /// Checks every binding; names the first wrong one.
    pub fn check(&self, path: &Path) -> Result<Vec<Binding>, ProfileError> {
        if !(self.fine_divisor.is_finite() && self.fine_divisor >= 1.0) {
            return Err(ProfileError::Binding {
                path: path.into(),
                index: 0,
                what: "fine_divisor".into(),
                message: format!("fine_divisor = {} must be at least 1", self.fine_divisor),
            });
        }
        self.bindings
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                spec.check(self.banks.len())
                    .map_err(|message| ProfileError::Binding {
                        path: path.into(),
                        index: i + 1,
                        what: spec.describe(),
                        message,
                    })
            })
            .collect()
    }
}

impl BindingSpec {
    /// "cc 7 ch 1 -> primary/exposure", for messages.
    pub fn describe(&self) -> String {
        let control = self.control_name().unwrap_or_else(|| "no control".into());
        let target = self
            .param
            .clone()
            .or_else(|| self.action.clone())
            .unwrap_or_else(|| "no target".into());
        format!("{control} -> {target}")
    }

    fn control_name(&self) -> Option<String> {
        let ch = self.channel.unwrap_or(1);
        let names = [
            self.cc.map(|n| format!("cc {n}")),
            self.cc14.map(|n| format!("cc14 {n}")),
            self.nrpn.map(|n| format!("nrpn {n}")),
            self.rpn.map(|n| format!("rpn {n}")),
            self.pitch_bend.then(|| "pitch_bend".to_string()),
            self.note.map(|n| format!("note {n}")),
        ];
        let named: Vec<String> = names.into_iter().flatten().collect();
        (!named.is_empty()).then(|| format!("{} ch {ch}", named.join(" + ")))
    }

    /// Checks the binding for a profile with `banks` banks.
    pub fn check(&self, banks: usize) -> Result<Binding, String> {
        let channel = match self.channel.unwrap_or(1) {
            c @ 1..=16 => c - 1,
            c => return Err(format!("channel = {c}: expected 1-16")),
        };
        let seven = |what: &str, n: u8, max: u8| {
            if n <= max {
                Ok(n)
            } else {
                Err(format!("{what} = {n}: expected 0-{max}"))
            }
        };
        let fourteen = |what: &str, n: u16| {
            if n <= 16383 {
                Ok(n)
            } else {
                Err(format!("{what} = {n}: expected 0-16383"))
            }
        };
        let controls = [
            self.cc.map(|n| {
                seven("cc", n, 127).map(|controller| ControlId::Cc {
                    channel,
                    controller,
                })
            }),
            self.cc14.map(|n| {
                seven("cc14", n, 31).map(|controller| ControlId::Cc14 {
                    channel,
                    controller,
                })
            }),
            self.nrpn
                .map(|n| fourteen("nrpn", n).map(|number| ControlId::Nrpn { channel, number })),
            self.rpn
                .map(|n| fourteen("rpn", n).map(|number| ControlId::Rpn { channel, number })),
            self.pitch_bend
                .then_some(Ok(ControlId::PitchBend { channel })),
            self.note
                .map(|n| seven("note", n, 127).map(|note| ControlId::Note { channel, note })),
        ];
        let mut controls = controls.into_iter().flatten();
        let control = match (controls.next(), controls.next()) {
            (Some(c), None) => c?,
            (None, _) => {
                return Err("no control: expected one of cc, cc14, nrpn, rpn, pitch_bend, note".into())
            }
            (Some(_), Some(_)) => {
                return Err("more than one control: expected exactly one of cc, cc14, nrpn, rpn, pitch_bend, note".into())
            }
        };
        let param = self
            .param
            .as_deref()
            .map(Param::parse)
            .transpose()
            .map_err(|e| e.to_string())?;
        let target = match (&self.action, param) {
            (Some(action), param) => Target::Action(Action::parse(action, param)?),
            (None, Some(param)) => Target::Param(param),
            (None, None) => return Err("no target: expected `param` or `action`".into()),
        };
        if self.relative.is_some() && !matches!(control, ControlId::Cc { .. }) {
            return Err("`relative` applies to `cc` encoders only".into());
        }
        let panel = match target {
            Target::Param(p) => p.info().panel,
            Target::Action(_) => (0.0, 1.0),
        };
        let range = match self.range {
            Some([lo, hi]) if lo.is_finite() && hi.is_finite() && lo != hi => (lo, hi),
            Some(r) => {
                return Err(format!(
                    "range = {r:?}: expected two different finite numbers"
                ))
            }
            None => panel,
        };
        if self.curve == Curve::Log && !(range.0 > 0.0 && range.1 > 0.0) {
            return Err(format!(
                "curve = \"log\" needs a positive range, got {range:?}"
            ));
        }
        let step = match self.step {
            Some(s) if s.is_finite() && s > 0.0 => s,
            Some(s) => return Err(format!("step = {s}: expected a positive number")),
            None => (range.1 - range.0).abs() / 200.0,
        };
        let bank = match self.bank {
            None => None,
            Some(b) if (1..=banks.max(1)).contains(&b) => Some(b - 1),
            Some(b) => {
                return Err(format!(
                    "bank = {b}: expected 1-{} (the profile's `banks`)",
                    banks.max(1)
                ))
            }
        };
        Ok(Binding {
            control,
            target,
            relative: self.relative,
            step,
            range,
            curve: self.curve,
            detent: self.detent,
            pickup: self.pickup,
            feedback: self.feedback,
            bank,
        })
    }
}
