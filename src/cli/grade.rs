//! `neurograde grade`: an offline render of a still, an image sequence or a
//! video, every frame, with the whole look.

use super::options::{self, AnalysisArgs, FileArgs};
use super::{load_look, progress_bar};
use anyhow::{bail, Result};
use clap::Args;
use neurograde::analysis::AnalysisMode;
use neurograde::frame::FrameRate;
use neurograde::grade::Look;
use neurograde::launch::{self, GradeJob};
use neurograde::output::{self, sequence::Pattern};
use neurograde::shutdown::Shutdown;
use neurograde::source::file::inspect;
use neurograde::source::probe::{InputInfo, InputKind};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct GradeArgs {
    /// Input: a still (PNG, TIFF, JPEG, EXR, DPX), an image sequence
    /// (shot_%06d.exr) or a video (anything ffmpeg reads).
    #[arg(long, value_name = "IN")]
    input: PathBuf,
    /// Output: a still (.png .tif .exr .dpx), an image sequence
    /// (out_%06d.png), a video (.mp4 .mov .mkv .avi .nut), or - for a
    /// Matroska stream on stdout. A single still takes a single picture.
    #[arg(long, value_name = "OUT")]
    output: PathBuf,
    /// Look file to apply (default: no grade, a straight pass-through).
    #[arg(long, value_name = "L")]
    look: Option<PathBuf>,
    #[command(flatten)]
    file: FileArgs,
    /// Frame rate of a video made from stills or a sequence.
    #[arg(long, value_name = "FPS", default_value = "24")]
    fps: FrameRate,
    /// Engine settings file (the analysis settings a look's secondaries use).
    #[arg(long, value_name = "C")]
    config: Option<PathBuf>,
    #[command(flatten)]
    analysis: AnalysisArgs,
}

/// Refuses an output that would destroy or lose a picture: one still for
/// many frames, and anything [`output::Files`] refuses (a file the grade
/// reads, an existing file without --overwrite).
fn check_output(args: &GradeArgs, info: &InputInfo, look: &Look) -> Result<()> {
    let out = &args.output;
    let still_out = Pattern::parse(out).is_none() && neurograde::source::probe::is_still(out);
    if still_out && info.is_moving() {
        let frames = match info.kind {
            InputKind::Video => {
                neurograde::source::probe::count_frames(&args.input).or(info.frames)
            }
            _ => info.frames,
        };
        bail!(
            "--output {}: a single still cannot hold the input's {} frames; name an image sequence (e.g. {}) or a video",
            out.display(),
            frames.map_or("many".to_string(), |n| n.to_string()),
            sequence_example(out)
        );
    }
    let mut files = output::Files::new(args.file.overwrite);
    files.read("--input", &args.input);
    super::read_look(&mut files, args.look.as_deref(), look);
    if let Some(config) = &args.config {
        files.read("--config", config);
    }
    files.write("--output", out);
    Ok(files.check()?)
}

fn sequence_example(still: &Path) -> String {
    let stem = still
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let ext = still
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| "png".into());
    still
        .with_file_name(format!("{stem}_%06d.{ext}"))
        .display()
        .to_string()
}

pub fn grade(args: GradeArgs, shutdown: &Shutdown) -> Result<()> {
    let look = load_look(args.look.as_deref())?;
    let info = inspect(&args.input)?;
    check_output(&args, &info, &look)?;
    let config = options::config(args.config.as_deref())?;
    let job = GradeJob {
        input: args.input.clone(),
        output: args.output.clone(),
        look,
        file: args.file.options(),
        fps: args.fps.fps(),
        analysis: args.analysis.options(&config, AnalysisMode::Sync)?,
    };
    let bar = progress_bar(info.frames.filter(|n| *n > 1))?;
    let report = launch::grade_file(&job, shutdown.stop_flag(), &mut |n| bar.set_position(n));
    bar.finish_and_clear();
    let report = report?;
    let line = format!(
        "{} -> {}: {}",
        args.input.display(),
        args.output.display(),
        report.summary()
    );
    if args.output.as_os_str() == "-" {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
    Ok(())
}
