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
//! taken when all are presented (`present_driver.rs`). egui's input is
//! gathered here and drawn by the render thread (`operator/`). Keys: `F`
//! toggles fullscreen, `Esc` quits (the operator view adds its own, `H`
//! lists them); closing a window quits. When no new frame comes (a stalled camera), the last
//! picture stays and is redrawn on resize or UI input; a grade change
//! regrades it at once (the frame loop does that for any output that holds
//! its picture). `--screenshot PATH` (and `F12`) writes the windows to PNG.

use super::operator::{OperatorView, SharedInput, ViewSettings};
use super::present_driver::{PresentDriver, Screen};
use super::WindowOptions;
use crate::engine::driver::Driver;
use crate::engine::stats::RunReport;
use crate::engine::EngineError;
use crate::gpu::device::new_instance;
use crate::gpu::present::Placement;
use crate::gpu::{GpuContext, GpuError};
use crate::sink::SinkError;
use crossbeam_channel::{Receiver, Sender};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use winit::application::ApplicationHandler;
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
    let mut driver = PresentDriver::new(screens, operator, options.screenshot.clone());
    run_loop(&ctx, &mut driver)
}
