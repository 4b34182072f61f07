//! The monitor windows: winit on the main thread, the frame loop on a
//! render thread drawing into wgpu surfaces.
//!
//! How it works: the event loop (main thread, as every OS wants) opens the
//! main window, the operator view (or, with `--clean`, the bare picture),
//! and with `--program MONITOR` a second, clean window full screen on that
//! monitor: the program output for the client monitor, the picture texel
//! for texel, nothing over it. It hands the windows to the render thread,
//! which creates their surfaces, picks an adapter that can draw to them and
//! runs the engine's frame loop (`crate::engine::render`) with a
//! [`PresentDriver`]: each frame is graded once into the working texture
//! and drawn into every window, then presented; the frame's latency is
//! taken when all are presented. egui's input is gathered here and drawn
//! by the render thread (`operator/`). Keys: `F` toggles fullscreen,
//! `Esc` quits (the operator view adds its own, `H` lists them); closing a
//! window quits. When no new frame comes (a stalled camera), the last
//! picture stays and is redrawn on resize or UI input; a grade change
//! regrades it at once (the frame loop does that for any output that holds
//! its picture). `--screenshot PATH` (and `F12`) writes the windows to PNG.

use super::operator::{OperatorView, SharedInput, Target, ViewSettings};
use super::WindowOptions;
use crate::engine::driver::{Driver, GradeStep, LoopState, Tag};
use crate::engine::stats::RunReport;
use crate::engine::EngineError;
use crate::gpu::device::new_instance;
use crate::gpu::present::{Placement, PresentPass};
use crate::gpu::{FramePipeline, GpuContext, GpuError};
use crate::sink::SinkError;
use crossbeam_channel::{Receiver, Sender};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use winit::application::ApplicationHandler;
use winit::dpi::PhysicalSize;
use winit::event::{ElementState, KeyEvent, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::keyboard::{Key, NamedKey};
use winit::monitor::MonitorHandle;
use winit::window::{Fullscreen, Window, WindowId};

type RenderResult = Result<RunReport, EngineError>;

/// What the render thread runs once the windows' GPU and driver are ready:
/// the engine's frame loop into `driver`.
pub type RunLoop = Box<dyn FnOnce(&GpuContext, &mut dyn Driver) -> RenderResult + Send + 'static>;

/// The main thread's side of the operator view's UI.
struct OperatorInput {
    state: egui_winit::State,
    shared: SharedInput,
    platform: Receiver<egui::PlatformOutput>,
}

/// What the render thread needs to build the operator view.
struct OperatorSetup {
    egui: egui::Context,
    shared: SharedInput,
    platform: Sender<egui::PlatformOutput>,
}

struct App {
    options: WindowOptions,
    run_loop: Option<RunLoop>,
    stop: Arc<AtomicBool>,
    /// The main window, then the program output if there is one.
    windows: Vec<Arc<Window>>,
    operator: Option<OperatorInput>,
    render: Option<JoinHandle<RenderResult>>,
    result: Option<RenderResult>,
}

/// Opens the windows and runs `run_loop` on a render thread drawing into
/// them, until the loop ends or a window is closed. Call on the main thread.
pub fn run(
    options: WindowOptions,
    stop: Arc<AtomicBool>,
    run_loop: impl FnOnce(&GpuContext, &mut dyn Driver) -> RenderResult + Send + 'static,
) -> RenderResult {
    let event_loop = EventLoop::new().map_err(|e| SinkError::Window(e.to_string()))?;
    let mut app = App {
        options,
        run_loop: Some(Box::new(run_loop)),
        stop,
        windows: Vec::new(),
        operator: None,
        render: None,
        result: None,
    };
    event_loop
        .run_app(&mut app)
        .map_err(|e| SinkError::Window(e.to_string()))?;
    app.result.unwrap_or_else(|| {
        Err(SinkError::Window("the window closed before the engine started".into()).into())
    })
}

/// The monitor a `--program` value names: an index from 0 or part of its
/// name.
fn find_monitor(event_loop: &ActiveEventLoop, wanted: &str) -> Result<MonitorHandle, String> {
    let monitors: Vec<MonitorHandle> = event_loop.available_monitors().collect();
    let name = |m: &MonitorHandle| m.name().unwrap_or_else(|| "unnamed".into());
    let found = match wanted.parse::<usize>() {
        Ok(i) => monitors.get(i).cloned(),
        Err(_) => monitors
            .iter()
            .find(|m| name(m).to_lowercase().contains(&wanted.to_lowercase()))
            .cloned(),
    };
    found.ok_or_else(|| {
        let list: Vec<String> = monitors
            .iter()
            .enumerate()
            .map(|(i, m)| format!("{i}: {}", name(m)))
            .collect();
        format!(
            "--program {wanted}: no such monitor; there are {}",
            if list.is_empty() {
                "none".into()
            } else {
                list.join(", ")
            }
        )
    })
}

impl App {
    fn fail(&mut self, event_loop: &ActiveEventLoop, message: String) {
        self.result = Some(Err(SinkError::Window(message).into()));
        event_loop.exit();
    }

    fn open_windows(&mut self, event_loop: &ActiveEventLoop) -> Result<(), String> {
        let title = if self.options.operator {
            "neurograde operator"
        } else {
            "neurograde"
        };
        let attributes = Window::default_attributes()
            .with_title(title)
            .with_inner_size(winit::dpi::LogicalSize::new(1280.0, 720.0));
        let main = Arc::new(
            event_loop
                .create_window(attributes)
                .map_err(|e| e.to_string())?,
        );
        if self.options.fullscreen {
            main.set_fullscreen(Some(Fullscreen::Borderless(None)));
        }
        self.windows.push(main);
        if let Some(wanted) = &self.options.program {
            let monitor = find_monitor(event_loop, wanted)?;
            let attributes = Window::default_attributes()
                .with_title("neurograde program")
                .with_fullscreen(Some(Fullscreen::Borderless(Some(monitor))));
            let program = event_loop
                .create_window(attributes)
                .map_err(|e| e.to_string())?;
            self.windows.push(Arc::new(program));
        }
        Ok(())
    }
}

impl ApplicationHandler for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if !self.windows.is_empty() {
            return;
        }
        if let Err(e) = self.open_windows(event_loop) {
            return self.fail(event_loop, e);
        }
        let setup = self.options.operator.then(|| {
            let egui = egui::Context::default();
            let window = &self.windows[0];
            let state = egui_winit::State::new(
                egui.clone(),
                egui::ViewportId::ROOT,
                window,
                Some(window.scale_factor() as f32),
                None,
                None,
            );
            let shared: SharedInput = Arc::new(Mutex::new(None));
            let (tx, rx) = crossbeam_channel::bounded(16);
            self.operator = Some(OperatorInput {
                state,
                shared: Arc::clone(&shared),
                platform: rx,
            });
            OperatorSetup {
                egui,
                shared,
                platform: tx,
            }
        });
        let Some(run_loop) = self.run_loop.take() else {
            return;
        };
        let (windows, options, stop) = (
            self.windows.clone(),
            self.options.clone(),
            Arc::clone(&self.stop),
        );
        let spawned = std::thread::Builder::new()
            .name("render".into())
            .spawn(move || render_thread(windows, options, setup, run_loop, stop));
        match spawned {
            Ok(handle) => self.render = Some(handle),
            Err(e) => self.fail(event_loop, e.to_string()),
        }
    }

    fn window_event(&mut self, _event_loop: &ActiveEventLoop, id: WindowId, event: WindowEvent) {
        let Some(window) = self.windows.iter().find(|w| w.id() == id).cloned() else {
            return;
        };
        let mut typing = false;
        if let (Some(op), true) = (&mut self.operator, id == self.windows[0].id()) {
            let _ = op.state.on_window_event(&window, &event);
            typing = op.state.egui_ctx().egui_wants_keyboard_input();
        }
        match event {
            WindowEvent::CloseRequested => self.stop.store(true, Ordering::Relaxed),
            WindowEvent::KeyboardInput {
                event:
                    KeyEvent {
                        logical_key,
                        state: ElementState::Pressed,
                        repeat: false,
                        ..
                    },
                ..
            } if !typing => match logical_key {
                Key::Named(NamedKey::Escape) => self.stop.store(true, Ordering::Relaxed),
                Key::Character(c) if c.eq_ignore_ascii_case("f") => {
                    let next = if window.fullscreen().is_some() {
                        None
                    } else {
                        Some(Fullscreen::Borderless(None))
                    };
                    window.set_fullscreen(next);
                }
                _ => {}
            },
            _ => {}
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        if self.render.as_ref().is_some_and(|h| h.is_finished()) {
            let handle = self.render.take().expect("checked above");
            self.result = Some(handle.join().unwrap_or_else(|_| {
                Err(SinkError::Window("the render thread panicked".into()).into())
            }));
            event_loop.exit();
            return;
        }
        if let (Some(op), Some(window)) = (&mut self.operator, self.windows.first()) {
            let raw = op.state.take_egui_input(window);
            if let Ok(mut slot) = op.shared.lock() {
                match slot.as_mut() {
                    Some(waiting) => waiting.append(raw),
                    None => *slot = Some(raw),
                }
            }
            while let Ok(output) = op.platform.try_recv() {
                op.state.handle_platform_output(window, output);
            }
        }
        event_loop.set_control_flow(ControlFlow::WaitUntil(
            Instant::now() + Duration::from_millis(15),
        ));
    }
}

/// A window's surface, how it is configured and how the picture is placed.
struct Screen {
    window: Arc<Window>,
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    present: PresentPass,
    placement: Placement,
    /// The size last drawn at (a resize redraws the held picture).
    drawn_size: PhysicalSize<u32>,
}

impl Screen {
    fn new(
        ctx: &GpuContext,
        surface: wgpu::Surface<'static>,
        window: Arc<Window>,
        vsync: bool,
        placement: Placement,
    ) -> Result<Screen, GpuError> {
        let caps = surface.get_capabilities(&ctx.adapter);
        // A non-sRGB format: the graded values are already display-encoded.
        let format = caps
            .formats
            .iter()
            .copied()
            .find(|f| !f.is_srgb())
            .or_else(|| caps.formats.first().copied())
            .ok_or_else(|| GpuError::Surface("the window surface offers no formats".into()))?;
        let present_mode = if vsync {
            wgpu::PresentMode::Fifo
        } else if caps.present_modes.contains(&wgpu::PresentMode::Immediate) {
            wgpu::PresentMode::Immediate
        } else if caps.present_modes.contains(&wgpu::PresentMode::Mailbox) {
            wgpu::PresentMode::Mailbox
        } else {
            wgpu::PresentMode::Fifo
        };
        let size = window.inner_size();
        let config = wgpu::SurfaceConfiguration {
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            format,
            width: size.width.max(1),
            height: size.height.max(1),
            present_mode,
            desired_maximum_frame_latency: 1,
            alpha_mode: caps
                .alpha_modes
                .first()
                .copied()
                .unwrap_or(wgpu::CompositeAlphaMode::Auto),
            view_formats: vec![],
            ..surface
                .get_default_config(&ctx.adapter, size.width.max(1), size.height.max(1))
                .ok_or_else(|| GpuError::Surface("the adapter cannot draw to this window".into()))?
        };
        surface.configure(&ctx.device, &config);
        Ok(Screen {
            drawn_size: size,
            window,
            surface,
            config,
            present: PresentPass::new(&ctx.device, format),
            placement,
        })
    }

    /// The surface's next image, the surface reconfigured to the window's
    /// size first; `None` when there is nothing to draw into now
    /// (minimised, occluded, just reconfigured).
    fn acquire(&mut self, ctx: &GpuContext) -> Result<Option<wgpu::SurfaceTexture>, GpuError> {
        let size = self.window.inner_size();
        self.drawn_size = size;
        if size.width == 0 || size.height == 0 {
            return Ok(None); // minimised
        }
        if (self.config.width, self.config.height) != (size.width, size.height) {
            self.config.width = size.width;
            self.config.height = size.height;
            self.surface.configure(&ctx.device, &self.config);
        }
        match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(t)
            | wgpu::CurrentSurfaceTexture::Suboptimal(t) => Ok(Some(t)),
            wgpu::CurrentSurfaceTexture::Timeout | wgpu::CurrentSurfaceTexture::Occluded => {
                Ok(None)
            }
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                self.surface.configure(&ctx.device, &self.config);
                Ok(None)
            }
            wgpu::CurrentSurfaceTexture::Validation => Err(GpuError::Surface(
                "validation error acquiring the window's next image".into(),
            )),
        }
    }

    fn size(&self) -> (u32, u32) {
        (self.config.width, self.config.height)
    }
}

/// The frame loop's driver for the windows; see the module comment.
pub struct PresentDriver {
    /// The main window, then the program output if there is one.
    screens: Vec<Screen>,
    /// Draws the main window when it is the operator view.
    operator: Option<OperatorView>,
    /// The picture on screen (the working texture of the last grade).
    picture: Option<(wgpu::TextureView, (u32, u32))>,
    /// `--screenshot`: written when the run ends.
    screenshot: Option<PathBuf>,
    last_title: Instant,
}

impl PresentDriver {
    /// Draws the picture into every window and presents. `fresh`: the
    /// picture is newly graded (the scopes count it).
    fn show(
        &mut self,
        ctx: &GpuContext,
        state: &LoopState<'_>,
        fresh: bool,
    ) -> Result<(), GpuError> {
        let picture = self.picture.as_ref().map(|(v, s)| (v, *s));
        for (i, screen) in self.screens.iter_mut().enumerate() {
            let Some(texture) = screen.acquire(ctx)? else {
                continue;
            };
            let view = texture.texture.create_view(&Default::default());
            let mut encoder = ctx.device.create_command_encoder(&Default::default());
            draw_screen(
                ctx,
                &mut encoder,
                screen,
                self.operator.as_mut().filter(|_| i == 0),
                Target {
                    view: &view,
                    size: screen.size(),
                },
                picture,
                fresh,
                state,
            );
            ctx.queue.submit([encoder.finish()]);
            ctx.queue.present(texture);
        }
        if self.operator.as_ref().is_some_and(|o| o.screenshot_asked) {
            let path = PathBuf::from(format!(
                "neurograde-{}.png",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
            ));
            if let Some(op) = &mut self.operator {
                op.screenshot_asked = false;
            }
            match self.capture(ctx, state, &path) {
                Ok(written) => tracing::info!("screenshot: {}", written.join(", ")),
                Err(e) => tracing::warn!("screenshot {}: {e}", path.display()),
            }
        }
        Ok(())
    }

    /// Writes every window as it is drawn now to PNG: the main window to
    /// `path` (the operator view with `NAME.json` beside it: where the
    /// picture and the scopes are), the program output as `NAME-program.png`.
    /// Returns the files written.
    fn capture(
        &mut self,
        ctx: &GpuContext,
        state: &LoopState<'_>,
        path: &Path,
    ) -> Result<Vec<String>, String> {
        let picture = self.picture.as_ref().map(|(v, s)| (v, *s));
        let mut written = Vec::new();
        for (i, screen) in self.screens.iter_mut().enumerate() {
            let target = if i == 0 {
                path.to_path_buf()
            } else {
                program_path(path)
            };
            let size = screen.size();
            let texture = crate::gpu::texture_2d(
                &ctx.device,
                "screenshot",
                size,
                screen.config.format,
                wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            );
            let view = texture.create_view(&Default::default());
            let mut encoder = ctx.device.create_command_encoder(&Default::default());
            draw_screen(
                ctx,
                &mut encoder,
                screen,
                self.operator.as_mut().filter(|_| i == 0),
                Target { view: &view, size },
                picture,
                false,
                state,
            );
            let rgba = read_rgba8(ctx, encoder, &texture, size, screen.config.format)?;
            let mut png = Vec::new();
            image::RgbaImage::from_raw(size.0, size.1, rgba)
                .ok_or("the screenshot has the wrong size")?
                .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
                .map_err(|e| e.to_string())?;
            crate::output::write_file(&target, &png).map_err(|e| e.to_string())?;
            written.push(target.display().to_string());
            if let (0, Some(op)) = (i, &self.operator) {
                // Where the picture and the scopes are, for tools and tests.
                let json = serde_json::to_vec_pretty(&op.layout()).map_err(|e| e.to_string())?;
                let beside = target.with_extension("json");
                crate::output::write_file(&beside, &json).map_err(|e| e.to_string())?;
                written.push(beside.display().to_string());
            }
        }
        Ok(written)
    }
}

/// `shot.png` -> `shot-program.png`.
pub fn program_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or("screenshot".into(), |s| s.to_string_lossy());
    path.with_file_name(format!("{stem}-program.png"))
}

/// Records one window's picture: the operator view with its UI, or the
/// bare picture placed as the screen says.
#[allow(clippy::too_many_arguments)]
fn draw_screen(
    ctx: &GpuContext,
    encoder: &mut wgpu::CommandEncoder,
    screen: &Screen,
    operator: Option<&mut OperatorView>,
    target: Target<'_>,
    picture: Option<(&wgpu::TextureView, (u32, u32))>,
    fresh: bool,
    state: &LoopState<'_>,
) {
    match (operator, picture) {
        (Some(op), _) => op.draw(ctx, encoder, target, picture, fresh, &screen.present, state),
        (None, Some((view, size))) => screen.present.encode(
            ctx,
            encoder,
            view,
            size,
            target.view,
            target.size,
            &screen.placement,
            None,
            None,
        ),
        (None, None) => {}
    }
}

/// Runs `encoder`, then reads an 8-bit colour texture back as RGBA.
fn read_rgba8(
    ctx: &GpuContext,
    encoder: wgpu::CommandEncoder,
    texture: &wgpu::Texture,
    size: (u32, u32),
    format: wgpu::TextureFormat,
) -> Result<Vec<u8>, String> {
    let bgra = match format {
        wgpu::TextureFormat::Bgra8Unorm | wgpu::TextureFormat::Bgra8UnormSrgb => true,
        wgpu::TextureFormat::Rgba8Unorm | wgpu::TextureFormat::Rgba8UnormSrgb => false,
        other => return Err(format!("cannot write a {other:?} surface to PNG")),
    };
    let mut pixels = crate::gpu::readback::read_texture(ctx, encoder, texture, size, 4)
        .map_err(|e| e.to_string())?;
    for px in pixels.chunks_exact_mut(4) {
        if bgra {
            px.swap(0, 2);
        }
        px[3] = 255;
    }
    Ok(pixels)
}

impl Driver for PresentDriver {
    fn submit(
        &mut self,
        step: GradeStep<'_>,
        state: &LoopState<'_>,
        tag: Tag,
        delivered: &mut Vec<Tag>,
    ) -> Result<(), EngineError> {
        let ctx = step.ctx;
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        let size = (step.frame.width, step.frame.height);
        let graded = step
            .pipeline
            .encode_texture(ctx, &mut encoder, step.frame, step.uniforms)?
            .clone();
        ctx.queue.submit([encoder.finish()]);
        if let Some(op) = &mut self.operator {
            op.prepare(ctx, step.frame, step.pipeline, (&graded, size), state)?;
        }
        self.picture = Some((graded, size));
        self.show(ctx, state, true)?;
        delivered.push(tag);
        self.title(state);
        Ok(())
    }

    fn idle(
        &mut self,
        ctx: &GpuContext,
        _pipeline: &FramePipeline,
        state: &LoopState<'_>,
        _delivered: &mut Vec<Tag>,
    ) -> Result<(), EngineError> {
        // Keep the last picture on screen through a resize; answer the UI.
        let resized = self
            .screens
            .iter()
            .any(|s| s.window.inner_size() != s.drawn_size);
        let input = self.operator.as_ref().is_some_and(|o| o.has_input());
        if resized || input {
            self.show(ctx, state, false)?;
        }
        self.title(state);
        Ok(())
    }

    fn holds_picture(&self) -> bool {
        true
    }

    fn flush(
        &mut self,
        ctx: &GpuContext,
        state: &LoopState<'_>,
        _delivered: &mut Vec<Tag>,
    ) -> Result<(), EngineError> {
        if let Some(path) = self.screenshot.clone() {
            let written = self
                .capture(ctx, state, &path)
                .map_err(|e| SinkError::Write { path, message: e })?;
            tracing::info!("screenshot: {}", written.join(", "));
        }
        Ok(())
    }

    fn describe(&self) -> String {
        let screen = &self.screens[0];
        let main = if self.operator.is_some() {
            "operator view"
        } else {
            "clean"
        };
        let mut text = format!(
            "window ({main}, {:?}, {:?})",
            screen.config.format, screen.config.present_mode
        );
        if let Some(program) = self.screens.get(1) {
            text.push_str(if program.placement.native {
                " + program output (texel for texel)"
            } else {
                " + program output (scaled to fit)"
            });
        }
        text
    }
}

impl PresentDriver {
    fn title(&mut self, state: &LoopState<'_>) {
        if self.last_title.elapsed() < Duration::from_secs(1) {
            return;
        }
        self.last_title = Instant::now();
        let l = state.stats.latency();
        self.screens[0].window.set_title(&format!(
            "neurograde | {} | {:.1} fps | latency p50 {:.1} ms, p99 {:.1} ms",
            state.source,
            state.stats.fps(),
            l.p50,
            l.p99
        ));
    }
}

fn render_thread(
    windows: Vec<Arc<Window>>,
    options: WindowOptions,
    operator: Option<OperatorSetup>,
    run_loop: RunLoop,
    stop: Arc<AtomicBool>,
) -> RenderResult {
    let result = open_and_run(windows, options, operator, run_loop);
    // However the loop ended, the event loop must learn that it did.
    stop.store(true, Ordering::Relaxed);
    result
}

/// Opens the GPU for the windows' surfaces and runs the loop into them.
fn open_and_run(
    windows: Vec<Arc<Window>>,
    options: WindowOptions,
    operator: Option<OperatorSetup>,
    run_loop: RunLoop,
) -> RenderResult {
    let instance = new_instance();
    let surfaces = windows
        .iter()
        .map(|w| instance.create_surface(Arc::clone(w)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| GpuError::Surface(e.to_string()))?;
    let ctx = GpuContext::open(instance, surfaces.first())?;
    let mut screens = Vec::new();
    for (i, (surface, window)) in surfaces.into_iter().zip(windows).enumerate() {
        let program = i > 0;
        let placement = Placement {
            native: program && !options.program_fit,
            ..Placement::fit()
        };
        // Only the program output waits for its display's refresh when
        // asked: two windows waiting in turn would halve the rate.
        let vsync = options.vsync && (program || options.program.is_none());
        screens.push(Screen::new(&ctx, surface, window, vsync, placement)?);
    }
    let operator = operator.map(|setup| {
        OperatorView::new(
            &ctx,
            setup.egui,
            screens[0].config.format,
            setup.shared,
            setup.platform,
            ViewSettings {
                compare: options.compare,
                overlays: options.overlays,
                faces: options.faces,
                scopes: options
                    .scopes
                    .unwrap_or(ViewSettings::new(options.aids).scopes),
                ..ViewSettings::new(options.aids)
            },
            options.stills.clone(),
        )
    });
    let mut driver = PresentDriver {
        screens,
        operator,
        picture: None,
        screenshot: options.screenshot.clone(),
        last_title: Instant::now(),
    };
    run_loop(&ctx, &mut driver)
}
