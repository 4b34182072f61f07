//! The scopes panel: waveform, parade, vectorscope and histogram, each
//! switched on or off.

use super::{OperatorView, SCOPE_NAMES};
use crate::gpu::scopes;

impl OperatorView {
    pub(super) fn scopes_panel(&mut self, ui: &mut egui::Ui) {
        let height = (ui.available_height() - 8.0).max(32.0);
        self.scope_areas = [egui::Rect::NOTHING; 4];
        ui.horizontal(|ui| {
            let sizes = [
                scopes::WAVEFORM_SIZE,
                scopes::PARADE_SIZE,
                scopes::VECTOR_SIZE,
                scopes::HISTOGRAM_SIZE,
            ];
            for i in 0..4 {
                if !self.settings.scopes[i] {
                    continue;
                }
                let (w, h) = sizes[i];
                let size = egui::vec2(height * w as f32 / h as f32, height);
                let shown = ui
                    .add(egui::Image::new((self.scope_ids[i], size)))
                    .on_hover_text(SCOPE_NAMES[i]);
                self.scope_areas[i] = shown.rect;
            }
            if self.settings.log {
                egui::ScrollArea::vertical()
                    .stick_to_bottom(true)
                    .show(ui, |ui| {
                        for entry in crate::event_log::recent(100) {
                            let text = format!("{} {}", entry.level, entry.message);
                            let text = if entry.level == tracing::Level::WARN {
                                egui::RichText::new(text).color(egui::Color32::YELLOW)
                            } else {
                                egui::RichText::new(text)
                            };
                            ui.label(text.monospace());
                        }
                    });
            }
        });
    }
}
