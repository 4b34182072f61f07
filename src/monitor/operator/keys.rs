//! The operator view's keys: [`HELP`] lists them for the help panel, and
//! `keys` does what it says; grade edits go to the session as commands.

use super::{toggle, OperatorView};
use crate::control::osc::OscCommand;
use crate::control::profile::Action;
use crate::control::ControlLink;
use crate::gpu::present::Compare;
use crate::monitor::reference::Against;

/// The keys of the operator view, for the help panel.
pub const HELP: &[(&str, &str)] = &[
    ("B", "bypass the grade (input and output transforms stay)"),
    ("C", "compare: show the last stored snapshot (A/B)"),
    ("Ctrl+Z / Ctrl+Shift+Z", "undo / redo"),
    (
        "W",
        "wipe: split against the reference (drag the slider to move the line)",
    ),
    ("D", "side by side with the reference"),
    (
        "Ctrl+click",
        "on the picture: the object to mask (mask = \"object\"), found and followed",
    ),
    (
        "Shift+click",
        "on a face: the face secondaries grade that face alone (its number, F2); away from the faces: every face again",
    ),
    (
        "R",
        "the reference: the source, the A/B look, the selected still",
    ),
    (
        "S",
        "grab a still (graded and ungraded, full resolution, with the look)",
    ),
    ("T", "the stills library"),
    (
        "A",
        "propose exposure and balance from the picture (accept or reject it in the grade panel)",
    ),
    (
        "F2",
        "face boxes, track numbers and landmarks; the object's box",
    ),
    ("F3", "depth as a false-colour map"),
    ("X", "false colour"),
    ("Z", "zebras"),
    ("1 2 3 4", "waveform, parade, vectorscope, histogram"),
    ("L", "the engine's log"),
    (
        "F12",
        "screenshot (the operator view and the program output, PNG)",
    ),
    ("H or F1", "this help"),
    ("F", "fullscreen"),
    ("Esc", "quit"),
];

impl OperatorView {
    pub(super) fn keys(&mut self, ui: &mut egui::Ui, control: Option<&ControlLink>) {
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        use egui::{Key, Modifiers};
        let pressed = |key| ui.input_mut(|i| i.consume_key(Modifiers::NONE, key));
        let send = |command| {
            if let Some(c) = control {
                c.send_operator(command);
            }
        };
        let panel = control.map(|c| c.live().1).unwrap_or_default();
        if ui.input_mut(|i| i.consume_key(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z)) {
            send(OscCommand::Action(Action::Redo));
        }
        if ui.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::Z)) {
            send(OscCommand::Action(Action::Undo));
        }
        if pressed(Key::B) {
            send(toggle(Action::Bypass, !panel.bypass));
        }
        if pressed(Key::C) {
            send(toggle(Action::Compare, !panel.compare));
        }
        if pressed(Key::X) {
            self.settings.aids.false_colour ^= true;
        }
        if pressed(Key::W) {
            self.settings.compare = match self.settings.compare {
                Compare::Split(_) => Compare::Off,
                _ => Compare::Split(self.settings.wipe),
            };
        }
        if pressed(Key::D) {
            self.settings.compare = match self.settings.compare {
                Compare::SideBySide => Compare::Off,
                _ => Compare::SideBySide,
            };
        }
        if pressed(Key::R) {
            self.settings.against = match &self.settings.against {
                Against::Source => Against::AbLook,
                _ => Against::Source,
            };
        }
        if pressed(Key::S) {
            self.grab_asked = true;
        }
        if pressed(Key::A) {
            send(OscCommand::Action(Action::Propose));
        }
        if pressed(Key::T) {
            self.settings.stills ^= true;
        }
        if pressed(Key::F2) {
            self.settings.faces ^= true;
        }
        if pressed(Key::F3) {
            self.settings.overlays.depth ^= true;
        }
        if pressed(Key::Z) {
            self.toggle_zebra();
        }
        for (i, key) in [Key::Num1, Key::Num2, Key::Num3, Key::Num4]
            .into_iter()
            .enumerate()
        {
            if pressed(key) {
                self.settings.scopes[i] ^= true;
            }
        }
        if pressed(Key::L) {
            self.settings.log ^= true;
        }
        if pressed(Key::H) || pressed(Key::F1) {
            self.settings.help ^= true;
        }
        if pressed(Key::F12) {
            self.screenshot_asked = true;
        }
    }

    pub(super) fn toggle_zebra(&mut self) {
        let aids = &mut self.settings.aids;
        aids.zebra_high = match aids.zebra_high {
            Some(_) => None,
            None => Some(self.settings.zebra_ire),
        };
    }
}
