//! The window's driver: each frame graded once into the working texture
//! and drawn into every window's surface (the operator view around the
//! picture, or the bare picture letterboxed; the program output texel for
//! texel), then presented; the frame's latency is taken when all are
//! presented. Screenshots (`--screenshot`, `F12`) read the windows back to
//! PNG.

use super::operator::{OperatorView, Target};
use crate::engine::budget::{Stage, StageTimes};
use crate::engine::driver::{Driver, GradeStep, LoopState, Tag};
use crate::engine::EngineError;
use crate::gpu::present::{Placement, PresentPass};
use crate::gpu::{FramePipeline, GpuContext, GpuError};
use crate::sink::SinkError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use winit::dpi::PhysicalSize;
use winit::window::Window;

/// A window's surface, how it is configured and how the picture is placed.
pub(super) struct Screen {
    window: Arc<Window>,
    surface: wgpu::Surface<'static>,
    pub(super) config: wgpu::SurfaceConfiguration,
    present: PresentPass,
    placement: Placement,
    /// The size last drawn at (a resize redraws the held picture).
    drawn_size: PhysicalSize<u32>,
}

impl Screen {
    pub(super) fn new(
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
    /// Time in each stage since the frame loop last asked.
    times: StageTimes,
}

impl PresentDriver {
    /// A driver drawing into `screens` (the main window first), the main
    /// one through the operator view when there is one.
    pub(super) fn new(
        screens: Vec<Screen>,
        operator: Option<OperatorView>,
        screenshot: Option<PathBuf>,
    ) -> PresentDriver {
        PresentDriver {
            screens,
            operator,
            picture: None,
            screenshot,
            last_title: Instant::now(),
            times: StageTimes::default(),
        }
    }

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
        let started = std::time::Instant::now();
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        let size = (step.frame.width, step.frame.height);
        let graded = step
            .pipeline
            .encode_texture(ctx, &mut encoder, step.frame, step.uniforms)?
            .clone();
        self.times.add(Stage::Record, started.elapsed());
        let submitting = std::time::Instant::now();
        ctx.queue.submit([encoder.finish()]);
        if let Some(op) = &mut self.operator {
            op.prepare(ctx, step.frame, step.pipeline, (&graded, size), state)?;
        }
        self.times.add(Stage::Submit, submitting.elapsed());
        self.picture = Some((graded, size));
        // Drawing waits for the surface, and so for the grade before it.
        let shown = std::time::Instant::now();
        self.show(ctx, state, true)?;
        self.times.add(Stage::Output, shown.elapsed());
        delivered.push(tag);
        self.title(state);
        Ok(())
    }

    fn take_times(&mut self) -> StageTimes {
        self.times.take()
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
