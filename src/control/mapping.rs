//! Controller profiles (`config/controllers/*.toml`) and the mapper that
//! turns control events into grade commands and the grade back into panel
//! feedback.
//!
//! How it works: a [`Profile`] lists bindings, each one physical control
//! (`cc`, `cc14`, `nrpn`, `rpn`, `pitch_bend`, `note`, on a `channel`) and
//! one target (a look `param` or an `action`). [`Profile::load`] checks every
//! binding and names the file, the binding and the allowed values when one
//! is wrong. The [`Mapper`] keeps per-binding state:
//!
//! - **Absolute controls** (faders, pots) map their position through the
//!   binding's range and curve (`linear`, or `log` for multiplicative keys
//!   such as gain and slope). *Pickup* (soft takeover): after the value
//!   changed elsewhere (snapshot, undo, OSC, bank change), a fader does
//!   nothing until it reaches or crosses the value, so the picture never
//!   jumps. *Jitter*: a reversal of one step (a worn pot flickering between
//!   two codes) is ignored; a move in the same direction applies at once,
//!   so the filter adds no latency. *Detent*: near the neutral value the
//!   fader snaps to it. *Fine mode* turns a fader's moves into deltas of a
//!   tenth of its span.
//! - **Relative controls** (encoders in one of the [`Relative`] encodings,
//!   NRPN increment / decrement) add `step` per tick (a tenth in fine mode).
//! - **Banks**: a binding with `bank = N` acts only while bank N is
//!   selected; bindings without one act in every bank.
//! - **Feedback**: [`Mapper::feedback`] turns the current grade into the
//!   messages that set motor faders, LED rings and button lights, sending a
//!   message only when what the control shows would change; a fader being
//!   moved is never sent its own value back (no feedback loop).

use super::midi::{ControlEvent, ControlId, ControlInput, MidiMessage, Relative};
use super::params::Param;
use crate::grade::Look;
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

/// What the mapper asks of the grade session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command {
    Set {
        param: Param,
        value: f32,
    },
    Nudge {
        param: Param,
        delta: f32,
    },
    Action(Action),
    /// Leave in-app learn: bind `control` to the parameter touched last.
    Learned(ControlId),
    /// The momentary fine button was let go.
    FineReleased,
}

/// Toggle states the surface's lights show.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PanelState {
    pub bypass: bool,
    pub compare: bool,
}

#[derive(Debug, Clone, Default)]
struct BindingState {
    /// Last travel (0..1) and raw code of an absolute control.
    last: Option<(f32, u16)>,
    /// Last direction of travel: +1, -1 or 0.
    direction: i8,
    /// Soft takeover: the control has met the value.
    picked_up: bool,
    /// The feedback bytes last sent (or known to be shown).
    shown: Option<Vec<u8>>,
    /// The travel the control itself was moved to: feedback of that value
    /// would only echo the hand's move back (and fight a motor fader).
    moved_to: Option<f32>,
    /// The last change was this control's own move (a detent may have
    /// snapped the value off its travel: that is no reason to lose pickup).
    own_move: bool,
}

impl BindingState {
    /// A CC used as a button: pressed above half travel, let go below.
    /// Returns the new state when it changed.
    fn cc_button(&mut self, value: u16, max: u16) -> Option<bool> {
        let pressed = u32::from(value) * 2 > u32::from(max);
        let was = self.last.is_some_and(|(t, _)| t > 0.5);
        self.last = Some((if pressed { 1.0 } else { 0.0 }, value));
        (pressed != was).then_some(pressed)
    }
}

/// Control events to commands, and the grade back to feedback.
#[derive(Debug)]
pub struct Mapper {
    pub profile: Profile,
    bindings: Vec<Binding>,
    states: Vec<BindingState>,
    bank: usize,
    fine_hold: bool,
    fine_toggle: bool,
    learning: bool,
}

impl Mapper {
    pub fn new(profile: Profile, bindings: Vec<Binding>) -> Mapper {
        let states = vec![BindingState::default(); bindings.len()];
        Mapper {
            profile,
            bindings,
            states,
            bank: 0,
            fine_hold: false,
            fine_toggle: false,
            learning: false,
        }
    }

    /// The (channel, MSB) pairs the decoder must read as 14-bit.
    pub fn cc14_controls(&self) -> Vec<(u8, u8)> {
        self.bindings
            .iter()
            .filter_map(|b| match b.control {
                ControlId::Cc14 {
                    channel,
                    controller,
                } => Some((channel, controller)),
                _ => None,
            })
            .collect()
    }

    pub fn bank(&self) -> usize {
        self.bank
    }

    pub fn fine(&self) -> bool {
        self.fine_hold || self.fine_toggle
    }

    /// Arms (or disarms) in-app learn.
    pub fn set_learning(&mut self, on: bool) {
        self.learning = on;
    }

    fn banks(&self) -> usize {
        self.profile.banks.len().max(1)
    }

    fn active(&self, b: &Binding) -> bool {
        b.bank.is_none_or(|bank| bank == self.bank)
    }

    /// Selects a bank: its controls must pick their values up again and
    /// their feedback is sent afresh.
    pub fn select_bank(&mut self, bank: usize) {
        self.bank = bank.min(self.banks() - 1);
        for (b, s) in self.bindings.iter().zip(&mut self.states) {
            if b.bank.is_some() {
                s.picked_up = false;
                s.last = None;
                s.shown = None;
            }
        }
    }

    /// Adds a binding (in-app learn); returns its index.
    pub fn add_binding(&mut self, binding: Binding) {
        self.bindings.push(binding);
        self.states.push(BindingState::default());
    }

    /// The commands a control event asks for, given the current grade.
    pub fn handle(&mut self, event: ControlEvent, look: &Look) -> Vec<Command> {
        let fine = if self.fine() {
            self.profile.fine_divisor
        } else {
            1.0
        };
        let mut commands = Vec::new();
        let mut bound = false;
        for i in 0..self.bindings.len() {
            let b = &self.bindings[i];
            if b.control != event.control || !self.active(b) {
                continue;
            }
            bound = true;
            let state = &mut self.states[i];
            match (b.target, event.input) {
                (Target::Action(action), ControlInput::Button(pressed)) => {
                    if let Some(c) = action_command(action, pressed) {
                        commands.push(c);
                    }
                }
                (Target::Action(action), ControlInput::Position { value, max }) => {
                    if let Some(pressed) = state.cc_button(value, max) {
                        commands.extend(action_command(action, pressed));
                    }
                }
                (Target::Action(action), ControlInput::Steps(n)) if n > 0 => {
                    commands.extend(action_command(action, true));
                }
                (Target::Action(_), ControlInput::Steps(_)) => {}
                (Target::Param(param), ControlInput::Steps(n)) => commands.push(Command::Nudge {
                    param,
                    delta: n as f32 * b.step / fine,
                }),
                (Target::Param(param), ControlInput::Position { value, max })
                    if param.key.is_switch() && b.relative.is_none() =>
                {
                    // A switch on a CC button: each press toggles it.
                    if state.cc_button(value, max) == Some(true) {
                        commands.push(toggle(param, look));
                    }
                }
                (Target::Param(param), ControlInput::Position { value, .. })
                    if b.relative.is_some() =>
                {
                    let steps = b.relative.map_or(0, |r| r.steps(value as u8));
                    commands.push(Command::Nudge {
                        param,
                        delta: steps as f32 * b.step / fine,
                    });
                }
                (Target::Param(param), ControlInput::Position { value, max }) => {
                    if let Some(c) = absolute(b, state, param, value, max, look, fine) {
                        commands.push(c);
                    }
                }
                (Target::Param(param), ControlInput::Button(true)) if param.key.is_switch() => {
                    commands.push(toggle(param, look));
                }
                (Target::Param(param), ControlInput::Button(true)) => {
                    commands.push(Command::Action(Action::ResetParam(param)));
                }
                (Target::Param(_), ControlInput::Button(false)) => {}
            }
        }
        if !bound && self.learning && is_movement(event.input) {
            self.learning = false;
            commands.push(Command::Learned(event.control));
        }
        commands
    }

    /// Applies the mapper's own actions (fine, banks); the rest are the
    /// session's. Returns whether the action was the mapper's.
    pub fn apply_own(&mut self, action: Action) -> bool {
        match action {
            Action::FineHold => self.fine_hold = true,
            Action::FineToggle => self.fine_toggle = !self.fine_toggle,
            Action::BankNext => self.select_bank((self.bank + 1) % self.banks()),
            Action::BankPrev => self.select_bank((self.bank + self.banks() - 1) % self.banks()),
            Action::Bank(n) => self.select_bank(n),
            Action::Learn => self.learning = !self.learning,
            _ => return false,
        }
        true
    }

    /// Fine mode ends when its momentary button is let go.
    pub fn release_fine(&mut self) {
        self.fine_hold = false;
    }

    /// After the grade changed: absolute controls whose position no longer
    /// matches their value must pick it up again.
    pub fn sync(&mut self, look: &Look) {
        for (b, s) in self.bindings.iter().zip(&mut self.states) {
            let Target::Param(param) = b.target else {
                continue;
            };
            if std::mem::take(&mut s.own_move) {
                continue;
            }
            if let Some((t, _)) = s.last {
                if (b.travel_of(param.get(look)) - t).abs() > PICKUP_TOLERANCE {
                    s.picked_up = false;
                }
            }
        }
    }

    /// The messages that bring the surface's faders, rings and lights to
    /// the grade, sending only what changed.
    pub fn feedback(&mut self, look: &Look, panel: PanelState) -> Vec<MidiMessage> {
        let mut out = Vec::new();
        let (bank, fine) = (self.bank, self.fine());
        for (b, s) in self.bindings.iter().zip(&mut self.states) {
            if b.feedback == Feedback::None || b.bank.is_some_and(|k| k != bank) {
                continue;
            }
            let messages = feedback_messages(b, look, panel, bank, fine);
            let bytes: Vec<u8> = messages.iter().flat_map(|m| m.to_bytes()).collect();
            let travel = match b.target {
                Target::Param(p) => Some(b.travel_of(p.get(look))),
                Target::Action(_) => None,
            };
            if let (Some(t), Some(moved)) = (travel, s.moved_to.take()) {
                if (t - moved).abs() < 0.5 / 127.0 {
                    s.shown = Some(bytes);
                    continue;
                }
            }
            if s.shown.as_ref() != Some(&bytes) {
                s.shown = Some(bytes);
                out.extend(messages);
            }
        }
        out
    }

    /// Forgets what the surface shows, so the next feedback sends it all
    /// (a panel plugged back in).
    pub fn forget_feedback(&mut self) {
        for s in &mut self.states {
            s.shown = None;
        }
    }
}

/// How close (in travel) a fader must come to the value to pick it up.
const PICKUP_TOLERANCE: f32 = 1.5 / 127.0;

fn is_movement(input: ControlInput) -> bool {
    !matches!(input, ControlInput::Button(false))
}

/// Flips a 0 / 1 switch.
fn toggle(param: Param, look: &Look) -> Command {
    Command::Set {
        param,
        value: 1.0 - param.get(look),
    }
}

fn action_command(action: Action, pressed: bool) -> Option<Command> {
    match (action, pressed) {
        (_, true) => Some(Command::Action(action)),
        (Action::FineHold, false) => Some(Command::FineReleased),
        _ => None,
    }
}

/// An absolute control moved: pickup, jitter, detent, fine.
fn absolute(
    b: &Binding,
    state: &mut BindingState,
    param: Param,
    value: u16,
    max: u16,
    look: &Look,
    fine: f32,
) -> Option<Command> {
    let t = f32::from(value) / f32::from(max.max(1));
    let last = state.last;
    state.last = Some((t, value));
    // Jitter: a one-code reversal is noise, not a move.
    if let Some((_, last_value)) = last {
        let diff = i32::from(value) - i32::from(last_value);
        if diff == 0 {
            return None;
        }
        let direction = diff.signum() as i8;
        let jitter = if max > 127 { 8 } else { 1 };
        if direction == -state.direction && diff.abs() <= jitter {
            state.last = last;
            return None;
        }
        state.direction = direction;
    }
    if fine > 1.0 {
        let (lt, _) = last?;
        let delta = (b.value_at(t) - b.value_at(lt)) / fine;
        return Some(Command::Nudge { param, delta });
    }
    let current = b.travel_of(param.get(look));
    if b.pickup && !state.picked_up {
        let crossed = last.is_some_and(|(lt, _)| (lt - current).signum() != (t - current).signum());
        if (t - current).abs() > PICKUP_TOLERANCE && !crossed {
            tracing::debug!(%param, at = t, value = current, "pickup: move the control to the value");
            return None;
        }
        state.picked_up = true;
    }
    state.moved_to = Some(t);
    state.own_move = true;
    let neutral = param.neutral();
    let value = if b.detent && (t - b.travel_of(neutral)).abs() < 1.0 / 64.0 {
        neutral
    } else {
        b.value_at(t)
    };
    Some(Command::Set { param, value })
}

/// The messages that show binding `b`'s state.
fn feedback_messages(
    b: &Binding,
    look: &Look,
    panel: PanelState,
    bank: usize,
    fine: bool,
) -> Vec<MidiMessage> {
    let travel = match b.target {
        Target::Param(p) => b.travel_of(p.get(look)),
        Target::Action(a) => {
            let on = match a {
                Action::Bypass => panel.bypass,
                Action::Compare => panel.compare,
                Action::FineHold | Action::FineToggle => fine,
                Action::Bank(n) => n == bank,
                _ => false,
            };
            if on {
                1.0
            } else {
                0.0
            }
        }
    };
    let code7 = (travel * 127.0).round() as u8;
    let code14 = (travel * 16383.0).round() as u16;
    let cc = |channel, controller, value| MidiMessage::ControlChange {
        channel,
        controller,
        value,
    };
    match (b.control, b.feedback) {
        (_, Feedback::None) => vec![],
        (
            ControlId::Cc {
                channel,
                controller,
            },
            Feedback::McuRing,
        ) => {
            // Mackie Control: ring CC 0x30 + n for V-pot CC 0x10 + n; value
            // bits 4-5 the mode (1 = boost/cut from the centre), 0-3 the LED
            // (1-11).
            let led = 1 + (travel * 10.0).round() as u8;
            vec![cc(channel, controller.wrapping_add(32) & 0x7F, 0x10 | led)]
        }
        (
            ControlId::Cc {
                channel,
                controller,
            },
            _,
        ) => vec![cc(channel, controller, code7)],
        (
            ControlId::Cc14 {
                channel,
                controller,
            },
            _,
        ) => vec![
            cc(channel, controller, (code14 >> 7) as u8),
            cc(channel, controller + 32, (code14 & 0x7F) as u8),
        ],
        (ControlId::Nrpn { channel, number }, _) | (ControlId::Rpn { channel, number }, _) => {
            let (msb, lsb) = if matches!(b.control, ControlId::Nrpn { .. }) {
                (99, 98)
            } else {
                (101, 100)
            };
            vec![
                cc(channel, msb, (number >> 7) as u8),
                cc(channel, lsb, (number & 0x7F) as u8),
                cc(channel, 6, (code14 >> 7) as u8),
                cc(channel, 38, (code14 & 0x7F) as u8),
            ]
        }
        (ControlId::PitchBend { channel }, _) => vec![MidiMessage::PitchBend {
            channel,
            value: code14,
        }],
        (ControlId::Note { channel, note }, _) => vec![MidiMessage::NoteOn {
            channel,
            note,
            // MCU and most surfaces: 127 lit, 0 dark.
            velocity: if travel > 0.5 { 127 } else { 0 },
        }],
    }
}
