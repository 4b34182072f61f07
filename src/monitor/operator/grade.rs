//! The grade panel: every key of the live look as a slider or switch,
//! undo and redo, proposals to accept or reject, and how each secondary's
//! mask is shown.

use crate::control::osc::OscCommand;
use crate::control::params::Param;
use crate::control::profile::Action;
use crate::engine::driver::LoopState;
use crate::gpu::present::{MaskView, OVERLAY_COLOURS};

/// Every look parameter the panels drive, grouped as the look file is.
/// The look's controls; true when the colourist asks to see the pending
/// proposal side by side.
pub(super) fn grade_panel(
    ui: &mut egui::Ui,
    state: &LoopState<'_>,
    views: &mut [MaskView; 4],
) -> bool {
    let Some(control) = state.control else {
        ui.label("The grade is read-only: this run has no control thread.");
        return false;
    };
    let (live, _) = control.live();
    // What the look file sets beyond the numbers (changed in the file).
    ui.label(format!("look: {}", live.name));
    if let Some(lut) = &live.lut {
        ui.label(format!("LUT: {}", lut.file.display()));
    }
    ui.label(format!(
        "output: {}",
        if live.is_scene_referred() {
            "scene-referred (see the look's [input] / [output] / [ocio])"
        } else {
            "video (display-referred)"
        }
    ));
    let send = |action| control.send_operator(OscCommand::Action(action));
    let mut compare_proposal = false;
    ui.horizontal(|ui| {
        for (label, action) in [("Undo", Action::Undo), ("Redo", Action::Redo)] {
            if ui.button(label).clicked() {
                send(action);
            }
        }
        if ui
            .button("Propose (A)")
            .on_hover_text("auto exposure and white balance from the picture")
            .clicked()
        {
            send(Action::Propose);
        }
    });
    // The machine proposes; the colourist decides.
    if let Some(proposed) = control.proposal() {
        ui.group(|ui| {
            ui.strong("Proposal");
            ui.label(&proposed.summary);
            ui.horizontal(|ui| {
                if ui.button("Side by side").clicked() {
                    compare_proposal = true;
                }
                if ui.button("Accept").clicked() {
                    send(Action::Accept);
                }
                if ui.button("Reject").clicked() {
                    send(Action::Reject);
                }
            });
        });
    }
    let mut section = String::new();
    for param in Param::all().filter(|p| p.exists(&live)) {
        let info = param.info();
        let group = match param.secondary {
            Some(i) => format!(
                "secondary {} ({})",
                i + 1,
                live.secondaries[usize::from(i)].mask
            ),
            None => info.path.split('/').next().unwrap_or("").to_string(),
        };
        if group != section {
            ui.separator();
            ui.horizontal(|ui| {
                ui.strong(&group);
                if let Some(i) = param.secondary.map(usize::from).filter(|i| *i < 4) {
                    mask_view_choice(ui, i, &mut views[i]);
                }
            });
            section = group;
        }
        // The key's last part, with its channel: "gain r", "exposure".
        let name = param.to_string();
        let parts = if param.channel.is_some() { 2 } else { 1 };
        let mut label: Vec<&str> = name.rsplit('/').take(parts).collect();
        label.reverse();
        let label = label.join(" ");
        let mut value = param.get(&live);
        let (lo, hi) = info.panel;
        let changed = if param.key.is_switch() {
            let mut on = value >= 0.5;
            let r = ui.checkbox(&mut on, label).changed();
            value = f32::from(u8::from(on));
            r
        } else {
            ui.add(egui::Slider::new(&mut value, lo..=hi).text(label))
                .changed()
        };
        if changed {
            control.send_operator(OscCommand::Set {
                param,
                values: vec![value],
            });
        }
    }
    compare_proposal
}

/// How secondary `i`'s mask is shown over the picture.
pub(super) fn mask_view_choice(ui: &mut egui::Ui, i: usize, view: &mut MaskView) {
    let [r, g, b] = OVERLAY_COLOURS[i].map(|c| (c * 255.0) as u8);
    let name = |v: MaskView| match v {
        MaskView::Off => "mask: hidden",
        MaskView::Tint => "mask: tint",
        MaskView::Matte => "mask: matte",
        MaskView::Outline => "mask: outline",
    };
    egui::ComboBox::from_id_salt(("mask view", i))
        .selected_text(egui::RichText::new(name(*view)).color(egui::Color32::from_rgb(r, g, b)))
        .show_ui(ui, |ui| {
            for v in [
                MaskView::Off,
                MaskView::Tint,
                MaskView::Matte,
                MaskView::Outline,
            ] {
                ui.selectable_value(view, v, name(v));
            }
        });
}
