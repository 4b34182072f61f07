//! The mapper: control events into grade commands, through a controller
//! profile (`profile.rs`), and the grade back into panel feedback.
//!
//! How it works: the [`Mapper`] keeps per-binding state:
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
//! - **Relative controls** (encoders in one of the `midi::Relative` encodings,
//!   NRPN increment / decrement) add `step` per tick (a tenth in fine mode).
//! - **Banks**: a binding with `bank = N` acts only while bank N is
//!   selected; bindings without one act in every bank.
//! - **Feedback**: [`Mapper::feedback`] turns the current grade into the
//!   messages that set motor faders, LED rings and button lights, sending a
//!   message only when what the control shows would change; a fader being
//!   moved is never sent its own value back (no feedback loop).

use super::midi::{ControlEvent, ControlId, ControlInput, MidiMessage};
use super::params::Param;
use super::profile::{Action, Binding, Feedback, Profile, Target};
use crate::grade::Look;

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
