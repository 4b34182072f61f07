//! The monitor window: winit on the main thread, the render loop on its own
//! thread drawing into a wgpu surface.
//!
//! How it works: the event loop (main thread, as every OS wants) opens the
//! window and hands an `Arc<Window>` to the render thread, which creates the
//! surface, picks an adapter that can draw to it, starts the source and runs
//! the loop: take the newest frame, ingest + grade, draw letterboxed into
//! the surface, present. Keys: `F` toggles fullscreen, `Esc` quits; closing
//! the window quits. When no new frame comes (a stalled camera), the last
//! picture stays and is redrawn on resize. When a control surface changes
//! the grade, the frame on screen is graded again and shown at once rather
//! than at the next frame (up to a frame interval sooner: 42 ms at 24 fps).
//! The title shows the live fps and latency.

use crate::engine::analysis_link::AnalysisLink;
use crate::engine::render::{meta_of, take_frame, LiveGrade, Take};
use crate::engine::ring::frame_ring;
use crate::engine::stats::{RunReport, Stats};
use crate::engine::{conclude, start_source, EngineError, RunOptions};
use crate::frame::Frame;
use crate::gpu::device::new_instance;
use crate::gpu::present::PresentPass;
use crate::gpu::{FramePipeline, GpuContext, GpuError};
use crate::sink::SinkError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use winit::application::ApplicationHandler;
use winit::event::{ElementState, KeyEvent, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::keyboard::{Key, NamedKey};
use winit::window::{Fullscreen, Window, WindowId};

type RenderResult = Result<RunReport, EngineError>;

struct App {
    options: RunOptions,
    stop: Arc<AtomicBool>,
    window: Option<Arc<Window>>,
    render: Option<JoinHandle<RenderResult>>,
    result: Option<RenderResult>,
}

/// Runs the engine with the window sink. Call on the main thread.
pub fn run(options: RunOptions, stop: Arc<AtomicBool>) -> RenderResult {
    let event_loop = EventLoop::new().map_err(|e| SinkError::Window(e.to_string()))?;
    let mut app = App {
        options,
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
        if self.options.window.fullscreen {
            window.set_fullscreen(Some(Fullscreen::Borderless(None)));
        }
        let (thread_window, options, stop) = (
            Arc::clone(&window),
            self.options.clone(),
            Arc::clone(&self.stop),
        );
        let spawned = std::thread::Builder::new()
            .name("render".into())
            .spawn(move || render_loop(thread_window, options, stop));
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

/// Grades `frame` with the newest look and shows it; records the
/// control-to-picture latency of a change it is the first to carry.
fn grade_and_show(
    ctx: &GpuContext,
    screen: &mut Screen,
    window: &Window,
    pipeline: &mut FramePipeline,
    grade: &mut LiveGrade,
    frame: &Frame,
) -> Result<(), GpuError> {
    grade.refresh(ctx, pipeline)?;
    let since = grade.take_pending();
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    let graded = pipeline.encode_texture(ctx, &mut encoder, frame, &grade.uniforms)?;
    screen.draw(ctx, window, encoder, graded, (frame.width, frame.height))?;
    grade.ready(since);
    Ok(())
}

fn render_loop(window: Arc<Window>, options: RunOptions, stop: Arc<AtomicBool>) -> RenderResult {
    let result = render_loop_inner(&window, &options, &stop);
    // However the loop ended, the event loop must learn that it did.
    stop.store(true, Ordering::Relaxed);
    result
}

fn render_loop_inner(
    window: &Arc<Window>,
    options: &RunOptions,
    stop: &Arc<AtomicBool>,
) -> RenderResult {
    let instance = new_instance();
    let surface = instance
        .create_surface(Arc::clone(window))
        .map_err(|e| GpuError::Surface(e.to_string()))?;
    let ctx = GpuContext::open(instance, Some(&surface))?;
    let mut screen = Screen::new(&ctx, surface, window, options.window.vsync)?;
    let mut pipeline = FramePipeline::new(&ctx);
    let settings = options.loop_settings();
    let (producer, mut consumer, drops) = frame_ring(options.ring_capacity);
    let mut grade = LiveGrade::start(&ctx, &mut pipeline, &settings, consumer.waker())?;
    let source = start_source(options, producer, stop)?;
    // The frame on screen, kept to grade again when the grade changes.
    let mut held: Option<Frame> = None;
    let mut stats = Stats::new().logging_every(settings.stats_every);
    let mut analysis = AnalysisLink::start(&ctx, &settings.analysis)?;
    let mut last_title = Instant::now();
    let mut last_size = window.inner_size();
    let result = loop {
        if settings.frames.is_some_and(|n| stats.frames() >= n) {
            break Ok(());
        }
        match take_frame(&mut consumer, settings.live, &source.state, stop) {
            Take::Frame(frame) => {
                let meta = meta_of(&frame);
                if let Some(link) = &mut analysis {
                    if let Err(e) = link.before_frame(&ctx, &mut pipeline, &frame) {
                        break Err(e);
                    }
                }
                if let Err(e) =
                    grade_and_show(&ctx, &mut screen, window, &mut pipeline, &mut grade, &frame)
                {
                    break Err(e);
                }
                stats.record(meta.captured);
                if let Some(link) = &mut analysis {
                    if let Err(e) = link.after_frame(&ctx, &pipeline, &meta, frame.format) {
                        break Err(e);
                    }
                }
                if let Some(previous) = held.replace(frame) {
                    consumer.recycle(previous.data);
                }
            }
            Take::Idle if held.is_some() && grade.changed() => {
                let frame = held.as_ref().expect("checked by the guard");
                if let Err(e) =
                    grade_and_show(&ctx, &mut screen, window, &mut pipeline, &mut grade, frame)
                {
                    break Err(e);
                }
            }
            Take::Idle => {
                // Keep the last picture on screen through a resize.
                let size = window.inner_size();
                if size != last_size {
                    last_size = size;
                    if let Some((graded, picture_size)) = pipeline.working() {
                        let encoder = ctx.device.create_command_encoder(&Default::default());
                        if let Err(e) = screen.draw(&ctx, window, encoder, graded, picture_size) {
                            break Err(e);
                        }
                    }
                }
            }
            Take::Done => break Ok(()),
        }
        if last_title.elapsed() > Duration::from_secs(1) {
            last_title = Instant::now();
            let l = stats.latency();
            window.set_title(&format!(
                "neurograde | {} | {:.1} fps | latency p50 {:.1} ms, p99 {:.1} ms",
                source.description,
                stats.fps(),
                l.p50,
                l.p99
            ));
        }
    };
    let sink = format!(
        "window ({:?}, {:?})",
        screen.config.format, screen.config.present_mode
    );
    if let Some(link) = analysis {
        stats.set_analysis(link);
    }
    grade.finish(&mut stats);
    let result = result.map(|()| stats).map_err(EngineError::from);
    conclude(source, result, sink, &ctx, &drops)
}
