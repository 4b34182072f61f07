//! `neurograde analyze`: faces, people and depth in every frame of a file,
//! as JSON for checks and for post.

use super::options::{self, AnalysisArgs};
use super::{frame_count, progress_bar};
use anyhow::{bail, Context, Result};
use clap::Args;
use neurograde::analysis::AnalysisMode;
use neurograde::engine::analysis_link::AnalysisReport;
use neurograde::launch;
use neurograde::shutdown::Shutdown;
use std::path::PathBuf;

#[derive(Args)]
pub struct AnalyzeArgs {
    /// Input still or video.
    #[arg(long, value_name = "IN")]
    input: PathBuf,
    /// Where to write the per-frame results (JSON).
    #[arg(long, value_name = "OUT")]
    json: PathBuf,
    /// Engine settings file (default: the built-in config/default.toml).
    #[arg(long, value_name = "C")]
    config: Option<PathBuf>,
    /// Replace an existing --json file (once the new one is complete).
    #[arg(long)]
    overwrite: bool,
    #[command(flatten)]
    analysis: AnalysisArgs,
}

pub fn analyze(args: AnalyzeArgs, shutdown: &Shutdown) -> Result<()> {
    let config = options::config(args.config.as_deref())?;
    let mut options = args.analysis.options(&config, AnalysisMode::Sync)?;
    // No look here, so no object is pointed at.
    options.models.objects = false;
    let mut files = neurograde::output::Files::new(args.overwrite);
    files.read("--input", &args.input);
    if let Some(config) = &args.config {
        files.read("--config", config);
    }
    files.write("--json", &args.json).check()?;
    let bar = progress_bar(frame_count(&args.input)?)?;
    let report = launch::analyze_file(&args.input, options, shutdown.stop_flag(), &mut |n| {
        bar.set_position(n)
    });
    bar.finish_and_clear();
    if let Some(signal) = shutdown.signal() {
        let frames = match &report {
            Ok(report) => report.analysis_frames.len() as u64,
            Err(neurograde::engine::EngineError::Interrupted { frames, .. }) => *frames,
            Err(_) => 0,
        };
        bail!(
            "{signal} after {frames} frames: the analysis is incomplete, --json {} not written",
            args.json.display()
        );
    }
    let report = report?;
    let summary = report
        .analysis
        .as_ref()
        .context("the analysis did not run")?;
    if summary.analysed == 0 {
        bail!(
            "{}: no model could run ({}); `neurograde models verify` says what to fetch",
            args.input.display(),
            summary.problems.join("; ")
        );
    }
    let json = serde_json::to_vec_pretty(&serde_json::json!({
        "input": args.input.display().to_string(),
        "summary": summary,
        "frames": report.analysis_frames,
    }))?;
    neurograde::output::write_file(&args.json, &json)
        .with_context(|| format!("{}: cannot write", args.json.display()))?;
    let cuts: Vec<u64> = report
        .analysis_frames
        .iter()
        .filter(|f| f.scene_cut)
        .map(|f| f.frame)
        .collect();
    let faces: std::collections::BTreeSet<u32> = report
        .analysis_frames
        .iter()
        .flat_map(|f| f.faces.iter().map(|face| face.id))
        .collect();
    println!(
        "{} -> {}: {} frames, {} face tracks, scene cuts at frames {:?}; {:.1} ms a picture",
        args.input.display(),
        args.json.display(),
        report.analysis_frames.len(),
        faces.len(),
        cuts,
        summary.compute_ms_mean
    );
    for line in print_analysis(summary).into_iter().skip(1) {
        println!("{line}");
    }
    Ok(())
}

/// The analysis lines of a run's report.
pub fn print_analysis(a: &AnalysisReport) -> Vec<String> {
    let mut lines = vec![format!(
        "analysis ({:?}): {} pictures analysed, {:.1} ms each; {} frames graded with a result {:.1} frames ({:.1} ms) old on average, {} at most",
        a.mode, a.analysed, a.compute_ms_mean, a.frames_with_result, a.age_frames_mean, a.age_ms_mean, a.age_frames_max
    )];
    // One line per provider, device and reason, naming its models.
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for p in &a.providers {
        let place = format!("{} ({}): {}", p.provider, p.device, p.why);
        match groups.iter_mut().find(|(g, _)| *g == place) {
            Some((_, models)) => models.push(&p.model),
            None => groups.push((place, vec![&p.model])),
        }
    }
    lines.extend(
        groups
            .into_iter()
            .map(|(place, models)| format!("analysis: {} run on {place}", models.join(", "))),
    );
    lines.extend(
        a.problems
            .iter()
            .map(|p| format!("analysis: not running: {p}")),
    );
    lines
}
