//! The operator view: the graded picture with the station's UI around it
//! (egui through egui-wgpu): status, every look parameter, scopes,
//! exposure aids, the engine's log and a help panel.
//!
//! How it works: the window's event loop (main thread) feeds egui-winit,
//! whose input is collected in [`SharedInput`]; the render thread runs the
//! UI once per drawn frame ([`OperatorView::draw`]): it counts the scopes
//! of a new picture on the GPU, lays out the panels, draws the picture into
//! the space they leave with the present pass (so its colour is exactly
//! the grade's, as on the program output), then egui over it. Edits go to
//! the control thread as typed commands ([`ControlLink::send_operator`]), so
//! the UI shares the panels' session: undo, A/B, autosave, feedback to
//! motor faders. Keys work when no text field has focus (see [`HELP`]).

mod grade;
mod keys;
pub use keys::HELP;
mod overlays;
mod scope_panel;
mod status;
mod stills;

use super::reference::{Against, Reference};
use crate::control::osc::OscCommand;
use crate::control::profile::Action;
use crate::control::ControlLink;
use crate::engine::driver::LoopState;
use crate::frame::Frame;
use crate::gpu::present::{Compare, MaskViews, Overlays, Placement, PresentPass};
use crate::gpu::scopes::ScopePass;
use crate::gpu::{FramePipeline, GpuContext, GpuError};
use crate::scopes::ExposureAids;
use crate::stills::Still;
use grade::grade_panel;
use overlays::draw_analysis;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use stills::StillsBrowser;

/// egui input gathered on the main thread, taken by the render thread.
pub type SharedInput = Arc<Mutex<Option<egui::RawInput>>>;

/// Default zebra level when zebras are switched on without one.
const DEFAULT_ZEBRA_IRE: f32 = 95.0;

/// What the operator has chosen to see.
#[derive(Debug, Clone)]
pub struct ViewSettings {
    pub aids: ExposureAids,
    /// The zebra level used when zebras are switched on.
    pub zebra_ire: f32,
    /// Waveform, parade, vectorscope, histogram.
    pub scopes: [bool; 4],
    pub help: bool,
    pub log: bool,
    pub compare: Compare,
    /// Where the split line is (0..1 of the picture's width).
    pub wipe: f32,
    pub against: Against,
    /// The scopes read the source (ungraded) rather than the graded picture.
    pub scopes_of_source: bool,
    pub stills: bool,
    /// Each secondary's mask and depth, shown over the picture.
    pub overlays: Overlays,
    /// Face boxes with their track ids and landmarks.
    pub faces: bool,
}

impl ViewSettings {
    pub fn new(aids: ExposureAids) -> ViewSettings {
        ViewSettings {
            zebra_ire: aids.zebra_high.unwrap_or(DEFAULT_ZEBRA_IRE),
            aids,
            scopes: [true, false, true, true],
            help: false,
            log: false,
            compare: Compare::Off,
            wipe: 0.5,
            against: Against::Source,
            scopes_of_source: false,
            stills: false,
            overlays: Overlays::default(),
            faces: false,
        }
    }
}

const SCOPE_NAMES: [&str; 4] = ["Waveform", "Parade", "Vectorscope", "Histogram"];

pub struct OperatorView {
    egui: egui::Context,
    renderer: egui_wgpu::Renderer,
    input: SharedInput,
    platform: crossbeam_channel::Sender<egui::PlatformOutput>,
    scopes: ScopePass,
    scope_ids: [egui::TextureId; 4],
    pub settings: ViewSettings,
    /// The picture's area of the last layout, in points.
    picture_area: egui::Rect,
    /// The size of the picture shown.
    picture_size: Option<(u32, u32)>,
    /// Where each scope was drawn in the last layout (points; NOTHING when
    /// hidden).
    scope_areas: [egui::Rect; 4],
    pixels_per_point: f32,
    /// A screenshot was asked for (F12) and not taken yet.
    pub screenshot_asked: bool,
    reference: Reference,
    /// A still was asked for (S) and not grabbed yet.
    grab_asked: bool,
    /// A Color Match to this still was asked for (made from the next frame).
    match_asked: Option<Still>,
    /// A still chosen to compare against, to upload at the next draw.
    pending_still: Option<Still>,
    /// The analysis masks and keyed weights of the last frame.
    mask_views: Option<(wgpu::TextureView, wgpu::TextureView, (u32, u32))>,
    stills: Option<StillsBrowser>,
}

/// What one draw of the operator view puts where.
pub struct Target<'a> {
    pub view: &'a wgpu::TextureView,
    pub size: (u32, u32),
}

impl OperatorView {
    pub fn new(
        ctx: &GpuContext,
        egui: egui::Context,
        format: wgpu::TextureFormat,
        input: SharedInput,
        platform: crossbeam_channel::Sender<egui::PlatformOutput>,
        settings: ViewSettings,
        stills: Option<PathBuf>,
    ) -> OperatorView {
        let mut renderer = egui_wgpu::Renderer::new(
            &ctx.device,
            format,
            egui_wgpu::RendererOptions {
                dithering: false,
                ..Default::default()
            },
        );
        let scopes = ScopePass::new(&ctx.device);
        let images = scopes.images();
        let scope_ids = [
            &images.waveform,
            &images.parade,
            &images.vectorscope,
            &images.histogram,
        ]
        .map(|view| renderer.register_native_texture(&ctx.device, view, wgpu::FilterMode::Linear));
        OperatorView {
            egui,
            renderer,
            input,
            platform,
            scopes,
            scope_ids,
            settings,
            picture_area: egui::Rect::NOTHING,
            picture_size: None,
            scope_areas: [egui::Rect::NOTHING; 4],
            pixels_per_point: 1.0,
            screenshot_asked: false,
            reference: Reference::new(ctx),
            grab_asked: false,
            match_asked: None,
            pending_still: None,
            mask_views: None,
            stills: stills.map(|root| StillsBrowser {
                root,
                list: Vec::new(),
                thumbnails: HashMap::new(),
                stale: true,
            }),
        }
    }

    /// For a newly graded frame (`graded`): grades the reference the view
    /// needs and grabs a still when one was asked for.
    pub fn prepare(
        &mut self,
        ctx: &GpuContext,
        frame: &Frame,
        pipeline: &FramePipeline,
        graded: (&wgpu::TextureView, (u32, u32)),
        state: &LoopState<'_>,
    ) -> Result<(), GpuError> {
        self.mask_views = pipeline.mask_views();
        let settings = &self.settings;
        let needed =
            settings.compare != Compare::Off && !matches!(settings.against, Against::Still(_));
        let ungraded = settings.scopes_of_source || self.grab_asked;
        self.reference
            .prepare(ctx, frame, state, &settings.against, needed, ungraded)?;
        if let Some(still) = self.match_asked.take() {
            match state.control {
                Some(control) => crate::engine::proposals::match_in_background(
                    frame,
                    &control.live().0,
                    (still.info.id.clone(), still.graded()),
                    control.offerer(),
                ),
                None => tracing::warn!("match: this run has no control thread to propose to"),
            }
        }
        if std::mem::take(&mut self.grab_asked) {
            let Some(stills) = &self.stills else {
                tracing::warn!("grab: no stills library (set NEUROGRADE_DATA or --stills DIR)");
                return Ok(());
            };
            let timecode = state.timecode.and_then(|t| t.at(frame.id.0));
            match self.reference.grab(
                ctx,
                graded,
                &stills.root,
                state.look,
                state.source,
                timecode,
            ) {
                Ok(true) => {}
                Ok(false) => tracing::warn!("grab: the last still is still being saved"),
                Err(e) => tracing::warn!("grab: {e}"),
            }
        }
        Ok(())
    }

    /// Whether input is waiting for the UI.
    pub fn has_input(&self) -> bool {
        self.input
            .lock()
            .map(|i| i.as_ref().is_some_and(|raw| !raw.events.is_empty()))
            .unwrap_or(false)
    }

    /// Records the operator view of `picture` into `target`: scopes (for a
    /// `fresh` picture), the UI's layout, the picture, the UI.
    #[allow(clippy::too_many_arguments)]
    pub fn draw(
        &mut self,
        gpu: &GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        target: Target<'_>,
        picture: Option<(&wgpu::TextureView, (u32, u32))>,
        fresh: bool,
        present: &PresentPass,
        state: &LoopState<'_>,
    ) {
        if let Some(result) = self.reference.saved() {
            match result {
                Ok(still) => {
                    tracing::info!("still {} saved in {}", still.info.id, still.dir.display())
                }
                Err(e) => tracing::warn!("the still was not saved: {e}"),
            }
            if let Some(stills) = &mut self.stills {
                stills.stale = true;
            }
        }
        if let Some(still) = self.pending_still.take() {
            if let Err(e) = self.reference.show_still(gpu, &still) {
                tracing::warn!("still {}: {e}", still.info.id);
            }
        }
        let source = self.reference.picture(&Against::Source);
        let counted = match (self.settings.scopes_of_source, source) {
            (true, Some(source)) => Some(source),
            _ => picture,
        };
        let any_scope = self.settings.scopes.iter().any(|s| *s);
        if let (Some((view, size)), true, true) = (counted, fresh, any_scope) {
            self.scopes
                .encode(gpu, encoder, view, size, self.settings.scopes);
        }
        let mut raw = self
            .input
            .lock()
            .ok()
            .and_then(|mut i| i.take())
            .unwrap_or_default();
        let ppp = raw
            .viewports
            .get(&raw.viewport_id)
            .and_then(|v| v.native_pixels_per_point)
            .unwrap_or(self.pixels_per_point);
        self.pixels_per_point = ppp;
        raw.screen_rect = Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(target.size.0 as f32, target.size.1 as f32) / ppp,
        ));
        self.picture_size = picture.map(|(_, size)| size);
        let egui = self.egui.clone();
        let mut full = egui.run_ui(raw, |ui| self.ui(ui, state));
        let _ = self
            .platform
            .try_send(std::mem::take(&mut full.platform_output));
        let mut textures = std::mem::take(&mut full.textures_delta);
        for (id, deltas) in textures.set.drain() {
            for delta in &deltas {
                self.renderer
                    .update_texture(&gpu.device, &gpu.queue, id, delta);
            }
        }
        let primitives = egui.tessellate(full.shapes, full.pixels_per_point);
        let screen = egui_wgpu::ScreenDescriptor {
            size_in_pixels: [target.size.0, target.size.1],
            pixels_per_point: full.pixels_per_point,
        };
        let commands =
            self.renderer
                .update_buffers(&gpu.device, &gpu.queue, encoder, &primitives, &screen);
        gpu.queue.submit(commands);
        if let Some((view, size)) = picture {
            let a = self.picture_area;
            let (w, h) = (target.size.0 as f32 / ppp, target.size.1 as f32 / ppp);
            let placement = Placement {
                area: [a.min.x / w, a.min.y / h, a.max.x / w, a.max.y / h],
                native: false,
                aids: self.settings.aids,
                compare: match self.settings.compare {
                    Compare::Split(_) => Compare::Split(self.settings.wipe),
                    other => other,
                },
                overlays: self.settings.overlays,
            };
            let reference = self.reference.picture(&self.settings.against);
            let masks = self
                .mask_views
                .as_ref()
                .map(|(masks, weights, size)| MaskViews {
                    masks,
                    weights,
                    size: *size,
                });
            present.encode(
                gpu,
                encoder,
                view,
                size,
                target.view,
                target.size,
                &placement,
                reference.map(|(v, _)| v),
                masks.as_ref(),
            );
        } else {
            clear(encoder, target.view);
        }
        {
            let pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("operator UI"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: target.view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Load,
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            self.renderer
                .render(&mut pass.forget_lifetime(), &primitives, &screen);
        }
        for id in textures.free.drain() {
            self.renderer.free_texture(&id);
        }
    }

    /// The whole UI; see the module comment.
    fn ui(&mut self, ui: &mut egui::Ui, state: &LoopState<'_>) {
        self.keys(ui, state.control);
        egui::Panel::top("status").show(ui, |ui| self.status_bar(ui, state));
        egui::Panel::right("grade")
            .default_size(320.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    if grade_panel(ui, state, &mut self.settings.overlays.secondaries) {
                        self.settings.against = Against::Proposal;
                        self.settings.compare = Compare::SideBySide;
                    }
                });
            });
        if self.settings.stills {
            egui::Panel::left("stills")
                .default_size(220.0)
                .show(ui, |ui| self.stills_panel(ui, state));
        }
        let any_scope = self.settings.scopes.iter().any(|s| *s);
        if any_scope || self.settings.log {
            egui::Panel::bottom("scopes")
                .resizable(true)
                .min_size(120.0)
                .default_size(220.0)
                .show(ui, |ui| self.scopes_panel(ui));
        }
        egui::CentralPanel::no_frame().show(ui, |ui| {
            self.picture_area = ui.max_rect();
            let analysis = state.analysis.and_then(|a| a.latest());
            self.picture_clicks(ui, state.control, analysis.map(|a| &**a));
            if let (true, Some(analysis), Some(size)) =
                (self.settings.faces, analysis, self.picture_size)
            {
                draw_analysis(
                    ui,
                    self.shown_rect(size),
                    analysis,
                    &state.look.graded_faces(),
                );
            }
        });
        if self.settings.help {
            egui::Window::new("Keys")
                .collapsible(false)
                .show(ui.ctx(), |ui| {
                    egui::Grid::new("keys").striped(true).show(ui, |ui| {
                        for (key, what) in HELP {
                            ui.strong(*key);
                            ui.label(*what);
                            ui.end_row();
                        }
                    });
                });
        }
    }

    /// Clicks on the picture with a modifier, sent as a panel would send
    /// them over OSC: Ctrl+click points at the object to mask (`/object x
    /// y` in picture fractions); Shift+click picks the face under the
    /// pointer for the face secondaries (`/face N`; `/face -1` away from
    /// every face).
    fn picture_clicks(
        &self,
        ui: &mut egui::Ui,
        control: Option<&ControlLink>,
        analysis: Option<&crate::analysis::analyzer::Analysis>,
    ) {
        let (Some(control), Some(size)) = (control, self.picture_size) else {
            return;
        };
        let response = ui.interact(
            self.picture_area,
            ui.scope_id().with("picture clicks"),
            egui::Sense::click(),
        );
        let (Some(at), true) = (response.interact_pointer_pos(), response.clicked()) else {
            return;
        };
        let shown = self.shown_rect(size);
        let u = (at.x - shown.min.x) / shown.width().max(1.0);
        let v = (at.y - shown.min.y) / shown.height().max(1.0);
        if !(0.0..=1.0).contains(&u) || !(0.0..=1.0).contains(&v) {
            return;
        }
        let modifiers = ui.input(|i| i.modifiers);
        let action = if modifiers.ctrl {
            Action::PointObject([u, v])
        } else if modifiers.shift {
            let face = analysis.and_then(|a| {
                let [x, y] = [u * a.picture_size[0] as f32, v * a.picture_size[1] as f32];
                a.faces.iter().find(|f| {
                    (f.bbox.x0..=f.bbox.x1).contains(&x) && (f.bbox.y0..=f.bbox.y1).contains(&y)
                })
            });
            Action::SelectFace(face.map(|f| f.id))
        } else {
            return;
        };
        control.send_operator(OscCommand::Action(action));
    }

    /// Where the picture (the graded side, when compared) is shown in the
    /// picture area, in points.
    fn shown_rect(&self, size: (u32, u32)) -> egui::Rect {
        let a = self.picture_area;
        let placement = Placement {
            area: [0.0, 0.0, 1.0, 1.0],
            compare: self.settings.compare,
            ..Placement::fit()
        };
        let pixels = (a.width().max(1.0) as u32, a.height().max(1.0) as u32);
        let [x0, y0, x1, y1] = placement.rect(size, pixels);
        let mut x1 = x1;
        if self.settings.compare == Compare::SideBySide {
            x1 = (x0 + x1) / 2.0;
        }
        egui::Rect::from_min_max(
            egui::pos2(a.min.x + x0 * a.width(), a.min.y + y0 * a.height()),
            egui::pos2(a.min.x + x1 * a.width(), a.min.y + y1 * a.height()),
        )
    }

    /// Where the last layout put the picture and the scopes, in pixels:
    /// written beside a screenshot so tools and tests can find them.
    pub fn layout(&self) -> Layout {
        let p = self.pixels_per_point;
        let px = |a: egui::Rect| {
            a.is_positive()
                .then_some([a.min.x * p, a.min.y * p, a.max.x * p, a.max.y * p])
        };
        Layout {
            picture_area: px(self.picture_area),
            scopes: SCOPE_NAMES
                .iter()
                .zip(self.scope_areas)
                .filter_map(|(name, a)| Some((name.to_lowercase(), px(a)?)))
                .collect(),
        }
    }
}

/// Where things are in an operator view screenshot (pixels: x0, y0, x1, y1).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Layout {
    /// The area the picture is fitted into (letterboxed, aspect kept).
    pub picture_area: Option<[f32; 4]>,
    /// Each scope shown: its name and where.
    pub scopes: Vec<(String, [f32; 4])>,
}

/// A panel switch set to `on`.
fn toggle(action: Action, on: bool) -> OscCommand {
    OscCommand::Toggle { action, on }
}

fn clear(encoder: &mut wgpu::CommandEncoder, view: &wgpu::TextureView) {
    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some("clear"),
        color_attachments: &[Some(wgpu::RenderPassColorAttachment {
            view,
            depth_slice: None,
            resolve_target: None,
            ops: wgpu::Operations {
                load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                store: wgpu::StoreOp::Store,
            },
        })],
        depth_stencil_attachment: None,
        timestamp_writes: None,
        occlusion_query_set: None,
        multiview_mask: None,
    });
}
