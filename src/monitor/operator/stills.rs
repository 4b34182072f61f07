//! The stills panel: the library's thumbnails, grabbing, recalling a
//! still's look, and comparing against its picture.

use super::OperatorView;
use crate::engine::driver::LoopState;
use crate::gpu::present::Compare;
use crate::monitor::reference::Against;
use crate::stills::{Library, Still};
use std::collections::HashMap;
use std::path::PathBuf;

/// The stills library as the operator view shows it.
pub(super) struct StillsBrowser {
    pub(super) root: PathBuf,
    pub(super) list: Vec<Still>,
    pub(super) thumbnails: HashMap<String, egui::TextureHandle>,
    /// Read the library again at the next layout.
    pub(super) stale: bool,
}

/// What the stills panel asked for.
pub(super) enum StillAction {
    Compare(Still),
    Match(Still),
    Recall(Still),
    Export(Still),
    Delete(Still),
}

impl OperatorView {
    /// The library as thumbnails, newest first: compare against a still,
    /// recall its look, export it, delete it.
    pub(super) fn stills_panel(&mut self, ui: &mut egui::Ui, state: &LoopState<'_>) {
        let Some(stills) = &mut self.stills else {
            ui.label("No stills library: set NEUROGRADE_DATA or HOME.");
            return;
        };
        if std::mem::take(&mut stills.stale) {
            match Library::open(&stills.root).and_then(|l| l.list()) {
                Ok(list) => stills.list = list,
                Err(e) => tracing::warn!("stills {}: {e}", stills.root.display()),
            }
        }
        ui.strong(format!("Stills ({})", stills.list.len()));
        let mut action = None;
        egui::ScrollArea::vertical().show(ui, |ui| {
            for still in stills.list.iter().rev() {
                let id = &still.info.id;
                if !stills.thumbnails.contains_key(id) {
                    if let Ok(image) = image::open(still.thumbnail()) {
                        let rgba = image.into_rgba8();
                        let size = [rgba.width() as usize, rgba.height() as usize];
                        let pixels = egui::ColorImage::from_rgba_unmultiplied(size, rgba.as_raw());
                        let handle = ui.ctx().load_texture(
                            format!("still {id}"),
                            pixels,
                            Default::default(),
                        );
                        stills.thumbnails.insert(id.clone(), handle);
                    }
                }
                if let Some(thumb) = stills.thumbnails.get(id) {
                    let width = ui.available_width().min(200.0);
                    let size = thumb.size_vec2() * (width / thumb.size_vec2().x);
                    ui.add(egui::Image::new((thumb.id(), size)));
                }
                let i = &still.info;
                ui.label(format!("{id}  {} UTC  {}", i.time_of_day, i.look));
                ui.label(egui::RichText::new(&i.source).small());
                ui.horizontal(|ui| {
                    if ui.button("Compare").clicked() {
                        action = Some(StillAction::Compare(still.clone()));
                    }
                    if ui
                        .button("Match")
                        .on_hover_text("propose a CDL that makes the picture look like this still")
                        .clicked()
                    {
                        action = Some(StillAction::Match(still.clone()));
                    }
                    if ui.button("Recall look").clicked() {
                        action = Some(StillAction::Recall(still.clone()));
                    }
                    if ui
                        .button("Export")
                        .on_hover_text("look.cube and look.cc beside the still")
                        .clicked()
                    {
                        action = Some(StillAction::Export(still.clone()));
                    }
                    if ui.button("Delete").clicked() {
                        action = Some(StillAction::Delete(still.clone()));
                    }
                });
                ui.separator();
            }
        });
        if let Some(action) = action {
            self.still_action(action, state);
        }
    }

    pub(super) fn still_action(&mut self, action: StillAction, state: &LoopState<'_>) {
        let Some(stills) = &mut self.stills else {
            return;
        };
        match action {
            StillAction::Compare(still) => {
                self.settings.against = Against::Still(still.info.id.clone());
                if self.settings.compare == Compare::Off {
                    self.settings.compare = Compare::Split(self.settings.wipe);
                }
                self.pending_still = Some(still);
            }
            StillAction::Match(still) => self.match_asked = Some(still),
            StillAction::Recall(still) => match (still.look(), state.control) {
                (Ok(look), Some(control)) => {
                    tracing::info!("recalled the look of still {}", still.info.id);
                    control.send_look(look);
                }
                (Err(e), _) => tracing::warn!("still {}: {e}", still.info.id),
                (_, None) => tracing::warn!("this run has no control thread to recall a look into"),
            },
            StillAction::Export(still) => {
                let written = still.look().map_err(|e| e.to_string()).and_then(|look| {
                    let cube = still.dir.join("look.cube");
                    crate::grade::bake::bake_cube(&look, 33, crate::grade::bake::CubeForm::Plain)
                        .write_cube(&cube)
                        .map_err(|e| e.to_string())?;
                    Ok(cube)
                });
                match written {
                    Ok(cube) => {
                        tracing::info!("still {}: exported {}", still.info.id, cube.display())
                    }
                    Err(e) => tracing::warn!("still {}: export: {e}", still.info.id),
                }
            }
            StillAction::Delete(still) => {
                match Library::open(&stills.root).and_then(|l| l.delete(&still.info.id)) {
                    Ok(()) => tracing::info!("deleted still {}", still.info.id),
                    Err(e) => tracing::warn!("delete still {}: {e}", still.info.id),
                }
                stills.thumbnails.remove(&still.info.id);
                stills.stale = true;
            }
        }
    }
}
