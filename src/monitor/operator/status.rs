//! The status bar: the source, the frame rate and latency, the analysis,
//! the panel switches and the exposure aids, on one line that never wraps.

use super::{toggle, OperatorView, SCOPE_NAMES};
use crate::control::profile::Action;
use crate::engine::driver::LoopState;
use crate::gpu::present::Compare;
use crate::monitor::reference::Against;

impl OperatorView {
    pub(super) fn status_bar(&mut self, ui: &mut egui::Ui, state: &LoopState<'_>) {
        // One line that never wraps: figures that change length every
        // frame must not move the picture under the operator's pointer.
        // The source's name goes last and is cut short when the line is
        // full.
        ui.horizontal(|ui| {
            let l = state.stats.latency();
            ui.strong("neurograde");
            ui.separator();
            let retouching = state.look.appearance_changes();
            if !retouching.is_empty() {
                // Never missed: the seed keeps correcting the light apart
                // from changing how a person looks.
                ui.label(
                    egui::RichText::new("RETOUCHING")
                        .strong()
                        .color(egui::Color32::BLACK)
                        .background_color(egui::Color32::from_rgb(255, 176, 0)),
                )
                .on_hover_text(format!(
                    "this look changes how people look:\n{}",
                    retouching.join("\n")
                ));
                ui.separator();
            }
            ui.label(format!(
                "{:.1} fps | capture->ready p50 {:.1} ms, p99 {:.1} ms | {} frames",
                state.stats.fps(),
                l.p50,
                l.p99,
                state.stats.frames()
            ));
            ui.separator();
            match state.control {
                Some(c) => {
                    let s = c.status();
                    let midi = if s.midi.starts_with("off") {
                        "off"
                    } else {
                        &s.midi
                    };
                    ui.label(format!("MIDI: {midi}"));
                    if let Some(osc) = &s.osc {
                        ui.label(format!("OSC: {osc}"));
                    }
                }
                None => {
                    ui.label("no control surfaces");
                }
            }
            ui.separator();
            let analysis = match state.analysis {
                Some(a) => a.status(),
                None => "analysis off".into(),
            };
            ui.add(egui::Label::new(format!("{analysis} | {}", state.source)).truncate())
                .on_hover_text(state.source);
        });
        ui.add(egui::Label::new(state.stats.budget_line()).truncate())
            .on_hover_text("each stage's mean time a frame on the render thread, and which one takes the longest in the frames over the source's frame interval");
        ui.horizontal_wrapped(|ui| {
            let panel = state.control.map(|c| c.live().1).unwrap_or_default();
            let send = |action, on| {
                if let Some(c) = state.control {
                    c.send_operator(toggle(action, on));
                }
            };
            if ui.selectable_label(panel.bypass, "Bypass (B)").clicked() {
                send(Action::Bypass, !panel.bypass);
            }
            if ui.selectable_label(panel.compare, "A/B (C)").clicked() {
                send(Action::Compare, !panel.compare);
            }
            ui.separator();
            ui.toggle_value(&mut self.settings.aids.false_colour, "False colour (X)");
            let mut zebra = self.settings.aids.zebra_high.is_some();
            if ui.toggle_value(&mut zebra, "Zebra (Z)").changed() {
                self.toggle_zebra();
            }
            let level = egui::DragValue::new(&mut self.settings.zebra_ire)
                .range(0.0..=109.0)
                .suffix(" IRE");
            if ui.add(level).changed() && self.settings.aids.zebra_high.is_some() {
                self.settings.aids.zebra_high = Some(self.settings.zebra_ire);
            }
            ui.separator();
            let compare = &mut self.settings.compare;
            egui::ComboBox::from_id_salt("compare")
                .selected_text(match compare {
                    Compare::Off => "Compare: off",
                    Compare::Split(_) => "Compare: wipe (W)",
                    Compare::SideBySide => "Compare: side by side (D)",
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(compare, Compare::Off, "off");
                    ui.selectable_value(compare, Compare::Split(self.settings.wipe), "wipe (W)");
                    ui.selectable_value(compare, Compare::SideBySide, "side by side (D)");
                });
            let against = &mut self.settings.against;
            let still_name = match against {
                Against::Still(id) => format!("still {id}"),
                _ => String::new(),
            };
            egui::ComboBox::from_id_salt("against")
                .selected_text(match against {
                    Against::Source => "against the source",
                    Against::AbLook => "against the A/B look",
                    Against::Still(_) => still_name.as_str(),
                    Against::Proposal => "against the proposal",
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(against, Against::Source, "the source (ungraded)");
                    ui.selectable_value(against, Against::AbLook, "the A/B look");
                    ui.selectable_value(against, Against::Proposal, "the proposal");
                });
            if matches!(self.settings.compare, Compare::Split(_)) {
                ui.add(egui::Slider::new(&mut self.settings.wipe, 0.0..=1.0).text("wipe"));
            }
            ui.separator();
            ui.toggle_value(&mut self.settings.scopes_of_source, "Scopes of the source");
            for (shown, name) in self.settings.scopes.iter_mut().zip(SCOPE_NAMES) {
                ui.toggle_value(shown, name);
            }
            ui.toggle_value(&mut self.settings.stills, "Stills (T)");
            if let Some(analysis) = state.analysis {
                ui.separator();
                ui.toggle_value(&mut self.settings.faces, "Faces (F2)");
                ui.toggle_value(&mut self.settings.overlays.depth, "Depth map (F3)");
                ui.label("use:");
                for (channel, name) in ["face", "skin", "person", "depth"].into_iter().enumerate() {
                    let mut used = !analysis.is_muted(channel);
                    if ui
                        .checkbox(&mut used, name)
                        .on_hover_text("turn this analysis result off for the grade")
                        .changed()
                    {
                        analysis.set_muted(channel, !used);
                        tracing::info!(
                            "the {name} mask is {} for the grade",
                            if used { "used" } else { "off" }
                        );
                    }
                }
            }
            if ui.button("Grab still (S)").clicked() {
                self.grab_asked = true;
            }
            ui.toggle_value(&mut self.settings.log, "Log (L)");
            ui.toggle_value(&mut self.settings.help, "Keys (H)");
        });
    }
}
