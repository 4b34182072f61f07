//! What the operator view compares the picture against, and grabbing
//! stills from the live picture.
//!
//! How it works: a second frame pipeline grades each new frame with the
//! reference look when one is needed: the look without its grade (the
//! source as the camera gives it, through the same input and output
//! transforms: `control::session::ungraded`) or the session's A/B
//! reference look. A still from the library is uploaded once as a texture
//! instead. Grabbing reads the graded and the ungraded picture back at full
//! resolution and saves them on a thread of their own, so the picture
//! never waits for PNG encoding or the disk.

use crate::control::session::ungraded;
use crate::engine::driver::LoopState;
use crate::frame::Frame;
use crate::gpu::grade::GradeUniforms;
use crate::gpu::readback::{read_rgba16f, upload_rgba16f};
use crate::gpu::{FramePipeline, GpuContext, GpuError};
use crate::grade::Look;
use crate::stills::{Grab, Library, Picture, Still};
use std::sync::Arc;
use std::thread::JoinHandle;

/// What the picture is compared against.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Against {
    /// The source without the grade.
    #[default]
    Source,
    /// The A/B reference look (the last snapshot stored or recalled).
    AbLook,
    /// A still from the library (its graded picture), by number.
    Still(String),
    /// The pending proposal (auto exposure and balance, Color Match).
    Proposal,
}

/// The reference picture and how it is made.
pub struct Reference {
    pipeline: FramePipeline,
    /// The look the pipeline was last set up with.
    look: Option<Arc<Look>>,
    /// The graded reference of the last frame.
    graded: Option<(wgpu::TextureView, (u32, u32))>,
    /// The still shown as reference: its number and picture.
    still: Option<(String, wgpu::TextureView, (u32, u32))>,
    /// A still being saved.
    saving: Option<JoinHandle<std::io::Result<Still>>>,
}

impl Reference {
    pub fn new(ctx: &GpuContext) -> Reference {
        Reference {
            pipeline: FramePipeline::new(ctx),
            look: None,
            graded: None,
            still: None,
            saving: None,
        }
    }

    /// Grades `frame` with `look` into the reference pipeline.
    fn grade(&mut self, ctx: &GpuContext, frame: &Frame, look: Look) -> Result<(), GpuError> {
        let look = Arc::new(look);
        if !self
            .look
            .as_ref()
            .is_some_and(|l| l.shares_luts_with(&look))
        {
            self.pipeline.set_look(ctx, &look)?;
        }
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        let view = self
            .pipeline
            .encode_texture(ctx, &mut encoder, frame, &GradeUniforms::from_look(&look))?
            .clone();
        ctx.queue.submit([encoder.finish()]);
        self.graded = Some((view, (frame.width, frame.height)));
        self.look = Some(look);
        Ok(())
    }

    /// Brings the reference up to date for a new frame: graded with the
    /// look `against` names when the view needs it (`needed`), or the
    /// ungraded source when `ungraded` is asked (scopes of the source, a
    /// grab).
    pub fn prepare(
        &mut self,
        ctx: &GpuContext,
        frame: &Frame,
        state: &LoopState<'_>,
        against: &Against,
        needed: bool,
        ungraded_asked: bool,
    ) -> Result<(), GpuError> {
        let look = match against {
            Against::AbLook if needed && !ungraded_asked => state
                .control
                .and_then(|c| c.reference())
                .map(|l| (*l).clone()),
            Against::Proposal if needed && !ungraded_asked => state
                .control
                .and_then(|c| c.proposal())
                .map(|p| (*p.look).clone()),
            _ if needed || ungraded_asked => Some(ungraded(state.look)),
            _ => None,
        };
        match look {
            Some(look) => self.grade(ctx, frame, look),
            None => {
                self.graded = None;
                Ok(())
            }
        }
    }

    /// The reference picture to show against `against`, if there is one.
    pub fn picture(&self, against: &Against) -> Option<(&wgpu::TextureView, (u32, u32))> {
        match against {
            Against::Still(id) => self
                .still
                .as_ref()
                .filter(|(shown, ..)| shown == id)
                .map(|(_, view, size)| (view, *size)),
            _ => self.graded.as_ref().map(|(view, size)| (view, *size)),
        }
    }

    /// Shows `still`'s graded picture as the reference.
    pub fn show_still(&mut self, ctx: &GpuContext, still: &Still) -> Result<(), String> {
        let image = image::open(still.graded())
            .map_err(|e| format!("{}: {e}", still.graded().display()))?
            .into_rgba32f();
        let size = (image.width(), image.height());
        let view = upload_rgba16f(ctx, size, image.as_raw());
        self.still = Some((still.info.id.clone(), view, size));
        Ok(())
    }

    /// Starts saving a still of the picture on screen: `graded` and this
    /// frame's ungraded reference (prepared with `ungraded_asked`), with
    /// the source's timecode at it. False when a save is still running.
    pub fn grab(
        &mut self,
        ctx: &GpuContext,
        graded: (&wgpu::TextureView, (u32, u32)),
        library: &std::path::Path,
        look: &Look,
        source: &str,
        timecode: Option<String>,
    ) -> Result<bool, String> {
        if self.saving.as_ref().is_some_and(|h| !h.is_finished()) {
            return Ok(false);
        }
        let ungraded = self
            .graded
            .as_ref()
            .ok_or("the ungraded picture is not ready")?;
        let read = |(view, (w, h)): (&wgpu::TextureView, (u32, u32))| {
            let encoder = ctx.device.create_command_encoder(&Default::default());
            read_rgba16f(ctx, encoder, view, (w, h))
                .map(|rgba| Picture::from_rgba_f32(w, h, &rgba))
                .map_err(|e| e.to_string())
        };
        let graded = read(graded)?;
        let ungraded = read((&ungraded.0, ungraded.1))?;
        let (root, look, source) = (library.to_path_buf(), look.clone(), source.to_string());
        let thread = std::thread::Builder::new()
            .name("still".into())
            .spawn(move || {
                Library::open(&root)?.save(&Grab {
                    graded: &graded,
                    ungraded: &ungraded,
                    look: &look,
                    source: &source,
                    timecode,
                })
            })
            .map_err(|e| e.to_string())?;
        self.saving = Some(thread);
        Ok(true)
    }

    /// The still saved since the last call, or why it was not.
    pub fn saved(&mut self) -> Option<std::io::Result<Still>> {
        if !self.saving.as_ref()?.is_finished() {
            return None;
        }
        let handle = self.saving.take()?;
        Some(
            handle
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the still thread panicked"))),
        )
    }
}
