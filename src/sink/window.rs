//! The monitor window: winit on the main thread, the frame loop on a render
//! thread drawing into a wgpu surface.
//!
//! How it works: the event loop (main thread, as every OS wants) opens the
//! window and hands an `Arc<Window>` to the render thread, which creates the
//! surface, picks an adapter that can draw to it and runs the engine's frame
//! loop (`crate::engine::render`) with a [`PresentDriver`]: each frame is
//! graded into the working texture and drawn letterboxed into the surface,
//! then presented. Keys: `F` toggles fullscreen, `Esc` quits; closing the
//! window quits. When no new frame comes (a stalled camera), the last
//! picture stays and is redrawn on resize; a grade change regrades it at
//! once (the frame loop does that for any output that holds its picture).
//! The title shows the live fps and latency.

use crate::engine::driver::{Driver, GradeStep, Tag};
use crate::engine::stats::{RunReport, Stats};
use crate::engine::EngineError;
use crate::gpu::device::new_instance;
use crate::gpu::present::PresentPass;
use crate::gpu::{FramePipeline, GpuContext, GpuError};
use crate::sink::{SinkError, WindowOptions};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use winit::application::ApplicationHandler;
use winit::dpi::PhysicalSize;
use winit::event::{ElementState, KeyEvent, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::keyboard::{Key, NamedKey};
use winit::window::{Fullscreen, Window, WindowId};

type RenderResult = Result<RunReport, EngineError>;

/// What the render thread runs once the window's GPU and driver are ready:
/// the engine's frame loop into `driver`.
pub type RunLoop = Box<dyn FnOnce(&GpuContext, &mut dyn Driver) -> RenderResult + Send + 'static>;

struct App {
    options: WindowOptions,
    run_loop: Option<RunLoop>,
    stop: Arc<AtomicBool>,
    window: Option<Arc<Window>>,
    render: Option<JoinHandle<RenderResult>>,
    result: Option<RenderResult>,
}

/// Opens the window and runs `run_loop` on a render thread drawing into it,
/// until the loop ends or the window is closed. Call on the main thread.
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
        window: None,
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

impl ApplicationHandler for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.window.is_some() {
            return;
        }
        let attributes = Window::default_attributes()
            .with_title("neurograde")
            .with_inner_size(winit::dpi::LogicalSize::new(1280.0, 720.0));
        let window = match event_loop.create_window(attributes) {
            Ok(w) => Arc::new(w),
            Err(e) => {
                self.result = Some(Err(SinkError::Window(e.to_string()).into()));
                event_loop.exit();
                return;
            }
        };
        if self.options.fullscreen {
            window.set_fullscreen(Some(Fullscreen::Borderless(None)));
        }
        let Some(run_loop) = self.run_loop.take() else {
            return;
        };
        let (thread_window, vsync, stop) = (
            Arc::clone(&window),
            self.options.vsync,
            Arc::clone(&self.stop),
        );
        let spawned = std::thread::Builder::new()
            .name("render".into())
            .spawn(move || render_thread(thread_window, vsync, run_loop, stop));
        match spawned {
            Ok(handle) => self.render = Some(handle),
            Err(e) => {
                self.result = Some(Err(SinkError::Window(e.to_string()).into()));
                event_loop.exit();
            }
        }
        self.window = Some(window);
    }

    fn window_event(&mut self, _event_loop: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
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
            } => match logical_key {
                Key::Named(NamedKey::Escape) => self.stop.store(true, Ordering::Relaxed),
                Key::Character(c) if c.eq_ignore_ascii_case("f") => {
                    if let Some(w) = &self.window {
                        let next = if w.fullscreen().is_some() {
                            None
                        } else {
                            Some(Fullscreen::Borderless(None))
                        };
                        w.set_fullscreen(next);
                    }
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
        event_loop.set_control_flow(ControlFlow::WaitUntil(
            Instant::now() + Duration::from_millis(30),
        ));
    }
}

/// The surface and how it is configured.
struct Screen {
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    present: PresentPass,
}

impl Screen {
    fn new(
        ctx: &GpuContext,
        surface: wgpu::Surface<'static>,
        window: &Window,
        vsync: bool,
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
            surface,
            config,
            present: PresentPass::new(&ctx.device, format),
        })
    }

    /// Draws `picture` (recorded after whatever `encoder` holds) and presents.
    fn draw(
        &mut self,
        ctx: &GpuContext,
        window: &Window,
        mut encoder: wgpu::CommandEncoder,
        picture: &wgpu::TextureView,
        picture_size: (u32, u32),
    ) -> Result<(), GpuError> {
        let size = window.inner_size();
        if size.width == 0 || size.height == 0 {
            ctx.queue.submit([encoder.finish()]);
            return Ok(()); // minimised
        }
        if (self.config.width, self.config.height) != (size.width, size.height) {
            self.config.width = size.width;
            self.config.height = size.height;
            self.surface.configure(&ctx.device, &self.config);
        }
        let texture = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(t)
            | wgpu::CurrentSurfaceTexture::Suboptimal(t) => t,
            wgpu::CurrentSurfaceTexture::Timeout | wgpu::CurrentSurfaceTexture::Occluded => {
                ctx.queue.submit([encoder.finish()]);
                return Ok(());
            }
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                self.surface.configure(&ctx.device, &self.config);
                ctx.queue.submit([encoder.finish()]);
                return Ok(());
            }
            wgpu::CurrentSurfaceTexture::Validation => {
                return Err(GpuError::Surface(
                    "validation error acquiring the window's next image".into(),
                ))
            }
        };
        let view = texture
            .texture
            .create_view(&wgpu::TextureViewDescriptor::default());
        self.present.encode(
            ctx,
            &mut encoder,
            picture,
            picture_size,
            &view,
            (size.width, size.height),
        );
        ctx.queue.submit([encoder.finish()]);
        ctx.queue.present(texture);
        Ok(())
    }
}

/// The frame loop's driver for the window; see the module comment.
pub struct PresentDriver {
    window: Arc<Window>,
    screen: Screen,
    /// The window size last drawn at (a resize redraws the held picture).
    drawn_size: PhysicalSize<u32>,
    last_title: Instant,
}

impl Driver for PresentDriver {
    fn submit(
        &mut self,
        step: GradeStep<'_>,
        tag: Tag,
        delivered: &mut Vec<Tag>,
    ) -> Result<(), EngineError> {
        let ctx = step.ctx;
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        let size = (step.frame.width, step.frame.height);
        let graded = step
            .pipeline
            .encode_texture(ctx, &mut encoder, step.frame, step.uniforms)?;
        self.drawn_size = self.window.inner_size();
        self.screen.draw(ctx, &self.window, encoder, graded, size)?;
        delivered.push(tag);
        Ok(())
    }

    fn idle(
        &mut self,
        ctx: &GpuContext,
        pipeline: &FramePipeline,
        _delivered: &mut Vec<Tag>,
    ) -> Result<(), EngineError> {
        // Keep the last picture on screen through a resize.
        let size = self.window.inner_size();
        if size != self.drawn_size {
            self.drawn_size = size;
            if let Some((graded, picture_size)) = pipeline.working() {
                let encoder = ctx.device.create_command_encoder(&Default::default());
                self.screen
                    .draw(ctx, &self.window, encoder, graded, picture_size)?;
            }
        }
        Ok(())
    }

    fn holds_picture(&self) -> bool {
        true
    }

    fn status(&mut self, source: &str, stats: &Stats) {
        if self.last_title.elapsed() > Duration::from_secs(1) {
            self.last_title = Instant::now();
            let l = stats.latency();
            self.window.set_title(&format!(
                "neurograde | {source} | {:.1} fps | latency p50 {:.1} ms, p99 {:.1} ms",
                stats.fps(),
                l.p50,
                l.p99
            ));
        }
    }

    fn describe(&self) -> String {
        format!(
            "window ({:?}, {:?})",
            self.screen.config.format, self.screen.config.present_mode
        )
    }
}

fn render_thread(
    window: Arc<Window>,
    vsync: bool,
    run_loop: RunLoop,
    stop: Arc<AtomicBool>,
) -> RenderResult {
    let result = open_and_run(window, vsync, run_loop);
    // However the loop ended, the event loop must learn that it did.
    stop.store(true, Ordering::Relaxed);
    result
}

/// Opens the GPU for the window's surface and runs the loop into it.
fn open_and_run(window: Arc<Window>, vsync: bool, run_loop: RunLoop) -> RenderResult {
    let instance = new_instance();
    let surface = instance
        .create_surface(Arc::clone(&window))
        .map_err(|e| GpuError::Surface(e.to_string()))?;
    let ctx = GpuContext::open(instance, Some(&surface))?;
    let screen = Screen::new(&ctx, surface, &window, vsync)?;
    let mut driver = PresentDriver {
        drawn_size: window.inner_size(),
        window,
        screen,
        last_title: Instant::now(),
    };
    run_loop(&ctx, &mut driver)
}
