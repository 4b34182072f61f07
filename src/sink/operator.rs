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
//! the control thread as OSC messages ([`ControlLink::send_operator`]), so
//! the UI shares the panels' session: undo, A/B, autosave, feedback to
//! motor faders. Keys work when no text field has focus (see [`HELP`]).

use super::reference::{Against, Reference};
use crate::control::params::Param;
use crate::control::ControlLink;
use crate::engine::driver::LoopState;
use crate::frame::Frame;
use crate::gpu::present::{
    Compare, MaskView, MaskViews, Overlays, Placement, PresentPass, OVERLAY_COLOURS,
};
use crate::gpu::scopes::{self, ScopePass};
use crate::gpu::{FramePipeline, GpuContext, GpuError};
use crate::scopes::ExposureAids;
use crate::stills::{Library, Still};
use rosc::{OscMessage, OscType};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// egui input gathered on the main thread, taken by the render thread.
pub type SharedInput = Arc<Mutex<Option<egui::RawInput>>>;

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
    mask_views: Option<(wgpu::TextureView, wgpu::Buffer, (u32, u32))>,
    stills: Option<StillsBrowser>,
}

/// The stills library as the operator view shows it.
struct StillsBrowser {
    root: PathBuf,
    list: Vec<Still>,
    thumbnails: HashMap<String, egui::TextureHandle>,
    /// Read the library again at the next layout.
    stale: bool,
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
        let (addr, args) = if modifiers.ctrl {
            ("/object", vec![OscType::Float(u), OscType::Float(v)])
        } else if modifiers.shift {
            let face = analysis.and_then(|a| {
                let [x, y] = [u * a.picture_size[0] as f32, v * a.picture_size[1] as f32];
                a.faces.iter().find(|f| {
                    (f.bbox.x0..=f.bbox.x1).contains(&x) && (f.bbox.y0..=f.bbox.y1).contains(&y)
                })
            });
            let number = face.map_or(-1, |f| i32::try_from(f.id).unwrap_or(i32::MAX));
            ("/face", vec![OscType::Int(number)])
        } else {
            return;
        };
        control.send_operator(OscMessage {
            addr: addr.into(),
            args,
        });
    }

    fn keys(&mut self, ui: &mut egui::Ui, control: Option<&ControlLink>) {
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        use egui::{Key, Modifiers};
        let pressed = |key| ui.input_mut(|i| i.consume_key(Modifiers::NONE, key));
        let send = |addr: &str, args: Vec<OscType>| {
            if let Some(c) = control {
                c.send_operator(OscMessage {
                    addr: addr.into(),
                    args,
                });
            }
        };
        let panel = control.map(|c| c.live().1).unwrap_or_default();
        if ui.input_mut(|i| i.consume_key(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z)) {
            send("/redo", vec![]);
        }
        if ui.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::Z)) {
            send("/undo", vec![]);
        }
        if pressed(Key::B) {
            send("/bypass", vec![switch(!panel.bypass)]);
        }
        if pressed(Key::C) {
            send("/compare", vec![switch(!panel.compare)]);
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
            send("/propose", vec![]);
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

    fn toggle_zebra(&mut self) {
        let aids = &mut self.settings.aids;
        aids.zebra_high = match aids.zebra_high {
            Some(_) => None,
            None => Some(self.settings.zebra_ire),
        };
    }

    fn status_bar(&mut self, ui: &mut egui::Ui, state: &LoopState<'_>) {
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
        ui.horizontal_wrapped(|ui| {
            let panel = state.control.map(|c| c.live().1).unwrap_or_default();
            let send = |addr: &str, on: bool| {
                if let Some(c) = state.control {
                    c.send_operator(OscMessage {
                        addr: addr.into(),
                        args: vec![switch(on)],
                    });
                }
            };
            if ui.selectable_label(panel.bypass, "Bypass (B)").clicked() {
                send("/bypass", !panel.bypass);
            }
            if ui.selectable_label(panel.compare, "A/B (C)").clicked() {
                send("/compare", !panel.compare);
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

    /// The library as thumbnails, newest first: compare against a still,
    /// recall its look, export it, delete it.
    fn stills_panel(&mut self, ui: &mut egui::Ui, state: &LoopState<'_>) {
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

    fn still_action(&mut self, action: StillAction, state: &LoopState<'_>) {
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

    fn scopes_panel(&mut self, ui: &mut egui::Ui) {
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

/// What the stills panel asked for.
enum StillAction {
    Compare(Still),
    Match(Still),
    Recall(Still),
    Export(Still),
    Delete(Still),
}

/// Where things are in an operator view screenshot (pixels: x0, y0, x1, y1).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Layout {
    /// The area the picture is fitted into (letterboxed, aspect kept).
    pub picture_area: Option<[f32; 4]>,
    /// Each scope shown: its name and where.
    pub scopes: Vec<(String, [f32; 4])>,
}

fn switch(on: bool) -> OscType {
    OscType::Float(f32::from(u8::from(on)))
}

/// Every look parameter the panels drive, grouped as the look file is.
/// The look's controls; true when the colourist asks to see the pending
/// proposal side by side.
fn grade_panel(ui: &mut egui::Ui, state: &LoopState<'_>, views: &mut [MaskView; 4]) -> bool {
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
    let send = |addr: &str| {
        control.send_operator(OscMessage {
            addr: addr.into(),
            args: vec![],
        })
    };
    let mut compare_proposal = false;
    ui.horizontal(|ui| {
        for (label, addr) in [("Undo", "/undo"), ("Redo", "/redo")] {
            if ui.button(label).clicked() {
                send(addr);
            }
        }
        if ui
            .button("Propose (A)")
            .on_hover_text("auto exposure and white balance from the picture")
            .clicked()
        {
            send("/propose");
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
                    send("/accept");
                }
                if ui.button("Reject").clicked() {
                    send("/reject");
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
            control.send_operator(OscMessage {
                addr: format!("/{name}"),
                args: vec![OscType::Float(value)],
            });
        }
    }
    compare_proposal
}

/// How secondary `i`'s mask is shown over the picture.
fn mask_view_choice(ui: &mut egui::Ui, i: usize, view: &mut MaskView) {
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

/// Face boxes with their track ids, keypoints and mesh landmarks, drawn
/// over the picture's rectangle `shown` (analysis picture pixels mapped
/// into it).
/// Each face's box, number, score and points (a face the look's face
/// secondaries grade alone, `graded`, drawn bold and labelled so), and the
/// box of the object pointed at.
fn draw_analysis(
    ui: &egui::Ui,
    shown: egui::Rect,
    analysis: &crate::analysis::analyzer::Analysis,
    graded: &[u32],
) {
    let painter = ui.painter_at(shown);
    let [w, h] = analysis.picture_size.map(|v| v.max(1) as f32);
    let at = |x: f32, y: f32| {
        egui::pos2(
            shown.min.x + x / w * shown.width(),
            shown.min.y + y / h * shown.height(),
        )
    };
    let colour = egui::Color32::from_rgb(255, 210, 0);
    for face in &analysis.faces {
        let b = face.bbox;
        let rect = egui::Rect::from_min_max(at(b.x0, b.y0), at(b.x1, b.y1));
        let chosen = graded.contains(&face.id);
        painter.rect_stroke(
            rect,
            0.0,
            egui::Stroke::new(if chosen { 3.5 } else { 1.5 }, colour),
            egui::StrokeKind::Middle,
        );
        let graded_alone = if chosen { ", graded alone" } else { "" };
        painter.text(
            rect.left_top() - egui::vec2(0.0, 2.0),
            egui::Align2::LEFT_BOTTOM,
            format!("face {} ({:.2}){graded_alone}", face.id, face.score),
            egui::FontId::proportional(12.0),
            colour,
        );
        for [x, y] in face.keypoints {
            painter.circle_filled(at(x, y), 2.5, egui::Color32::RED);
        }
        for p in face.landmarks.iter().flatten() {
            painter.circle_filled(at(p[0], p[1]), 0.8, egui::Color32::from_rgb(0, 255, 180));
        }
    }
    if let Some(object) = &analysis.object {
        let [x0, y0, x1, y1] = object.bbox;
        let rect = egui::Rect::from_min_max(at(x0, y0), at(x1, y1));
        let colour = egui::Color32::from_rgb(0, 200, 255);
        painter.rect_stroke(
            rect,
            0.0,
            egui::Stroke::new(2.0, colour),
            egui::StrokeKind::Middle,
        );
        painter.text(
            rect.left_top() - egui::vec2(0.0, 2.0),
            egui::Align2::LEFT_BOTTOM,
            "object",
            egui::FontId::proportional(12.0),
            colour,
        );
    } else if analysis.object_tracked {
        painter.text(
            shown.left_top() + egui::vec2(8.0, 8.0),
            egui::Align2::LEFT_TOP,
            "object: looking for it again",
            egui::FontId::proportional(12.0),
            egui::Color32::from_rgb(0, 200, 255),
        );
    }
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
