//! `neurograde run`: grade a live source and show or record it.

use super::analyze::print_analysis;
use super::load_look;
use super::options::{self, AnalysisArgs, ControlArgs, FileArgs};
use anyhow::{bail, Context, Result};
use clap::Args;
use neurograde::analysis::AnalysisMode;
use neurograde::control::ControlReport;
use neurograde::frame::{FrameRate, Size};
use neurograde::gpu::bake::GradePath;
use neurograde::launch::{self, RunOptions, WindowOptions};
use neurograde::monitor::display_available;
use neurograde::output;
use neurograde::shutdown::Shutdown;
use neurograde::sink::SinkSpec;
use neurograde::source::{SourceOptions, SourceSpec};
use std::path::PathBuf;

/// How the operator view starts showing the secondaries' masks.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum MaskViewArg {
    Tint,
    Matte,
    Outline,
}

/// `--grade-path`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum GradePathArg {
    Auto,
    Exact,
    Baked,
}

/// How the operator view starts comparing.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum CompareArg {
    Wipe,
    SideBySide,
}

#[derive(Args)]
pub struct RunArgs {
    /// Picture source: camera[:INDEX] (default when a camera exists),
    /// file:PATH (still, image sequence or video), pattern:bars|ramp|gradient,
    /// or demo (real footage; the default when no camera is found).
    #[arg(long, value_name = "S")]
    source: Option<SourceSpec>,
    /// Output: window (default with a display), null (grade and read back,
    /// then discard: for benchmarks), or file:PATH (a video .mp4 .mov .mkv
    /// .avi .nut, an image sequence out_%06d.png, a still for a still
    /// source or --frames 1 (the run ends once it is written), or - for
    /// stdout). Without a display the
    /// default is null.
    #[arg(long, value_name = "K")]
    sink: Option<SinkSpec>,
    /// Look file (TOML, keys as in config/looks/demo.toml).
    #[arg(long, value_name = "L")]
    look: Option<PathBuf>,
    /// Stop after N graded frames (default: run until the source ends, the
    /// window closes, Esc, or Ctrl-C).
    #[arg(long, value_name = "N")]
    frames: Option<u64>,
    /// Stop once SECS seconds have been captured (capture time: a
    /// recording of --duration 12 plays for 12 s however many frames the
    /// machine could grade).
    #[arg(long, value_name = "SECS")]
    duration: Option<f64>,
    /// Picture size for patterns and the demo, asked of cameras (e.g. 1920x1080).
    #[arg(long, value_name = "WxH")]
    size: Option<Size>,
    /// Frame rate for patterns, the demo and stills; asked of cameras.
    #[arg(long, value_name = "FPS")]
    fps: Option<FrameRate>,
    /// Ignore the source's frame rate: grade every frame in order as fast as
    /// the GPU allows (benchmarks, offline). Live sources never drop then.
    #[arg(long)]
    fast: bool,
    /// Play a video file again from the start when it ends.
    #[arg(long = "loop")]
    looping: bool,
    /// Log the frame rate and latency of every stretch of SECS seconds as
    /// the run goes (long runs, soaks).
    #[arg(long, value_name = "SECS")]
    stats_every: Option<f64>,
    /// How the look is evaluated: exact (per pixel), baked (the look's
    /// colour part as a 65-point lattice made on the GPU when the look
    /// changes, one lookup a pixel; the report gives its measured error),
    /// or auto (baked for a live run on a CPU rasteriser, exact on a GPU
    /// and with --fast).
    #[arg(long, value_name = "PATH", default_value = "auto")]
    grade_path: GradePathArg,
    /// Write the run's figures (fps, latency percentiles, drops) as JSON here.
    #[arg(long, value_name = "P")]
    stats_json: Option<PathBuf>,
    /// Engine settings file: any part of config/default.toml, the rest as
    /// built in.
    #[arg(long, value_name = "C")]
    config: Option<PathBuf>,
    /// Do not wait for the display's refresh (lowest latency; may tear).
    #[arg(long)]
    no_vsync: bool,
    /// Start the window fullscreen (F toggles, Esc quits).
    #[arg(long)]
    fullscreen: bool,
    /// The window shows the bare picture, as a client monitor would,
    /// instead of the operator view (UI, scopes, exposure aids).
    #[arg(long)]
    clean: bool,
    /// Also show a clean program output full screen on this monitor (an
    /// index from 0 or part of its name): the picture texel for texel,
    /// nothing over it.
    #[arg(long, value_name = "MONITOR")]
    program: Option<String>,
    /// Scale the program output's picture to fit its monitor (aspect
    /// kept, bilinear) instead of showing it texel for texel.
    #[arg(long, requires = "program")]
    program_fit: bool,
    /// Write the window (and the program output, as NAME-program.png) to
    /// PNG when the run ends. F12 takes one at any time.
    #[arg(long, value_name = "PATH")]
    screenshot: Option<PathBuf>,
    /// Start the operator view with false colour on (X toggles).
    #[arg(long)]
    false_colour: bool,
    /// Start with zebras over luma at or above IRE (Z toggles).
    #[arg(long, value_name = "IRE")]
    zebra: Option<f32>,
    /// A second zebra over a luma band, e.g. 70-80 (skin).
    #[arg(long, value_name = "LO-HI")]
    zebra_band: Option<String>,
    /// Start the operator view comparing against the ungraded source:
    /// wipe (a split line, W) or side-by-side (D).
    #[arg(long, value_name = "MODE")]
    compare: Option<CompareArg>,
    /// Start the operator view showing every secondary's mask over the
    /// picture (each can be changed in its panel).
    #[arg(long, value_name = "VIEW")]
    masks: Option<MaskViewArg>,
    /// The scopes the operator view starts with: a comma list of waveform,
    /// parade, vectorscope, histogram, or none (keys 1-4 toggle them).
    #[arg(long, value_name = "LIST")]
    scopes: Option<String>,
    /// Start with face boxes, track ids and landmarks shown (F2).
    #[arg(long)]
    faces: bool,
    /// Start with depth shown as a false-colour map (F3).
    #[arg(long)]
    depth_map: bool,
    /// The stills library the operator view grabs into (S) and browses (T)
    /// (default: stills/ in the data folder).
    #[arg(long, value_name = "DIR")]
    stills: Option<PathBuf>,
    #[command(flatten)]
    file: FileArgs,
    /// Faces, people and depth: off, sync (each frame waits for its own
    /// analysis) or async (beside the loop, newest result reused). Default:
    /// `[analysis] mode` of the config (off).
    #[arg(long, value_name = "MODE")]
    analysis: Option<AnalysisMode>,
    #[command(flatten)]
    analysis_settings: AnalysisArgs,
    #[command(flatten)]
    control: ControlArgs,
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

/// Whether a file sink is a single still (the run then ends after its one
/// frame); refuses a still for a moving picture.
fn single_still_sink(args: &RunArgs, source: &SourceSpec, path: &std::path::Path) -> Result<bool> {
    let source_file = match source {
        SourceSpec::File { path } => Some(path),
        _ => None,
    };
    let single_picture = args.frames == Some(1)
        || source_file.is_some_and(|p| neurograde::source::probe::is_still(p) && !args.looping);
    let still_sink = output::sequence::Pattern::parse(path).is_none()
        && neurograde::source::probe::is_still(path);
    if still_sink && !single_picture {
        bail!(
            "--sink file:{}: a single still holds one picture; name an image sequence (out_%06d.png) or a video, or add --frames 1",
            path.display()
        );
    }
    Ok(still_sink)
}

/// Every file the run reads and writes, under the one rule of
/// [`output::Files`].
fn run_files(args: &RunArgs, options: &RunOptions) -> output::Files {
    let mut files = output::Files::new(args.file.overwrite);
    if let SourceSpec::File { path } = &options.source {
        files.read("--source", path);
    }
    super::read_look(&mut files, args.look.as_deref(), &options.look);
    if let Some(config) = &args.config {
        files.read("--config", config);
    }
    let control = &options.control;
    if let Some(replay) = &control.replay {
        files.read("--control-replay", replay);
    }
    if let SinkSpec::File { path } = &options.sink {
        files.write("--sink", path);
    }
    for (flag, path) in [
        ("--stats-json", args.stats_json.as_ref()),
        ("--save-look", control.save_look.as_ref()),
        ("--control-record", control.record.as_ref()),
        ("--screenshot", options.window.screenshot.as_ref()),
    ] {
        if let Some(path) = path {
            files.write(flag, path);
        }
    }
    #[cfg(feature = "window")]
    if let (Some(shot), Some(_)) = (&options.window.screenshot, &options.window.program) {
        files.write(
            "--screenshot (the program output)",
            &neurograde::monitor::present_driver::program_path(shot),
        );
    }
    if let Some(autosave) = &control.autosave {
        files.update("the autosave", autosave);
    }
    // The profile learning writes bindings into as the run goes.
    if let Some(profile) = control.profile.as_ref().and_then(|p| p.file()) {
        files.update("--controller", profile);
    }
    files
}

pub fn run(args: RunArgs, shutdown: &Shutdown) -> Result<()> {
    let config = options::config(args.config.as_deref())?;
    let look = load_look(args.look.as_deref())?;
    let size = args.size.unwrap_or(config.run.size);
    let fps = args.fps.unwrap_or(config.run.fps).fps();
    let analysis_mode = match args.analysis {
        Some(mode) => mode,
        None => config.analysis.mode,
    };
    let stats_every = match args.stats_every {
        Some(s) if s.is_finite() && s >= 0.1 => Some(std::time::Duration::from_secs_f64(s)),
        Some(s) => bail!("--stats-every {s}: expected a number of seconds, at least 0.1"),
        None => None,
    };
    let duration = match args.duration {
        Some(s) if s.is_finite() && s > 0.0 && s <= 1e7 => {
            Some(std::time::Duration::from_secs_f64(s))
        }
        Some(s) => bail!("--duration {s}: expected a number of seconds above 0"),
        None => None,
    };
    let source = args.source.clone().unwrap_or_else(default_source);
    source.preflight()?;
    let sink = match &args.sink {
        Some(s) => s.clone(),
        None if display_available() && cfg!(feature = "window") => SinkSpec::Window,
        None => {
            tracing::info!("no display: grading to the null sink (use --sink file:PATH to record)");
            SinkSpec::Null
        }
    };
    let still_sink = match &sink {
        SinkSpec::File { path } => single_still_sink(&args, &source, path)?,
        _ => false,
    };
    let to_stdout = matches!(&sink, SinkSpec::File { path } if path.as_os_str() == "-");
    let window = window_options(&args, &config, &sink)?;
    let looping = args.looping
        || matches!(&source, SourceSpec::File { path } if neurograde::source::probe::is_still(path));
    let options = RunOptions {
        source,
        source_options: SourceOptions { size, fps, looping },
        sink,
        look,
        // A still holds one picture: the run ends once it is written.
        frames: args.frames.or(still_sink.then_some(1)),
        duration,
        fast: args.fast,
        ring_capacity: config.run.ring_capacity,
        readback_depth: config.run.readback_depth,
        control: neurograde::control::ControlOptions {
            // `/match N` takes its reference from the library the
            // operator view grabs into.
            stills: window.stills.clone(),
            ..args.control.options(window.operator)?
        },
        window,
        file: args.file.options(),
        analysis: args.analysis_settings.options(&config, analysis_mode)?,
        stats_every,
        grade_path: match args.grade_path {
            GradePathArg::Auto => GradePath::Auto,
            GradePathArg::Exact => GradePath::Exact,
            GradePathArg::Baked => GradePath::Baked,
        },
    };
    run_files(&args, &options).check()?;
    let report = launch::run(options, shutdown.stop_flag())?;
    let mut lines = vec![
        format!("source: {}", report.source),
        format!("sink:   {}", report.sink),
    ];
    if let Some(a) = &report.adapter {
        lines.push(format!(
            "GPU:    {} ({}, {})",
            a.name, a.backend, a.device_type
        ));
    }
    lines.push(report.summary());
    lines.push(format!(
        "frame budget on the render thread: {}",
        report.budget.line()
    ));
    if let Some(a) = &report.analysis {
        lines.extend(print_analysis(a));
    }
    if let Some(c) = &report.control {
        lines.extend(control_lines(c));
    }
    for line in lines {
        if to_stdout {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }
    if let Some(path) = &args.stats_json {
        let json = serde_json::to_vec_pretty(&report)?;
        output::write_file(path, &json)
            .with_context(|| format!("{}: cannot write stats", path.display()))?;
    }
    Ok(())
}

/// The window options of a run: the operator view unless `--clean`, the
/// program output, the screenshot, the exposure aids it starts with.
fn window_options(
    args: &RunArgs,
    config: &neurograde::config::Config,
    sink: &SinkSpec,
) -> Result<WindowOptions> {
    let is_window = *sink == SinkSpec::Window;
    for (given, flag) in [
        (args.program.is_some(), "--program"),
        (args.screenshot.is_some(), "--screenshot"),
        (args.clean, "--clean"),
        (args.compare.is_some(), "--compare"),
        (args.masks.is_some(), "--masks"),
        (args.scopes.is_some(), "--scopes"),
        (args.faces, "--faces"),
        (args.depth_map, "--depth-map"),
    ] {
        if given && !is_window {
            bail!("{flag} needs the window (--sink window)");
        }
    }
    let ire = |v: f32, flag: &str| -> Result<f32> {
        if v.is_finite() && (0.0..=110.0).contains(&v) {
            Ok(v)
        } else {
            bail!("{flag} {v}: expected a level in IRE, 0 to 110")
        }
    };
    let zebra_high = args.zebra.map(|v| ire(v, "--zebra")).transpose()?;
    let zebra_band = match &args.zebra_band {
        None => None,
        Some(text) => {
            let parsed = text
                .split_once('-')
                .and_then(|(lo, hi)| Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?)));
            match parsed {
                Some((lo, hi)) if lo < hi => {
                    Some((ire(lo, "--zebra-band")?, ire(hi, "--zebra-band")?))
                }
                _ => bail!("--zebra-band {text}: expected LO-HI in IRE, e.g. 70-80"),
            }
        }
    };
    Ok(WindowOptions {
        vsync: config.window.vsync && !args.no_vsync,
        fullscreen: config.window.fullscreen || args.fullscreen,
        operator: is_window && !args.clean,
        program: args.program.clone(),
        program_fit: args.program_fit,
        screenshot: args.screenshot.clone(),
        compare: match args.compare {
            None => neurograde::gpu::present::Compare::Off,
            Some(CompareArg::Wipe) => neurograde::gpu::present::Compare::Split(0.5),
            Some(CompareArg::SideBySide) => neurograde::gpu::present::Compare::SideBySide,
        },
        overlays: neurograde::gpu::present::Overlays {
            secondaries: [match args.masks {
                None => neurograde::gpu::present::MaskView::Off,
                Some(MaskViewArg::Tint) => neurograde::gpu::present::MaskView::Tint,
                Some(MaskViewArg::Matte) => neurograde::gpu::present::MaskView::Matte,
                Some(MaskViewArg::Outline) => neurograde::gpu::present::MaskView::Outline,
            }; 4],
            depth: args.depth_map,
        },
        faces: args.faces,
        scopes: match &args.scopes {
            None => None,
            Some(list) => Some(scope_list(list)?),
        },
        stills: args
            .stills
            .clone()
            .or_else(|| super::data_dir().map(|d| d.join("stills"))),
        aids: neurograde::scopes::ExposureAids {
            false_colour: args.false_colour,
            zebra_high,
            zebra_band,
        },
    })
}

/// `--scopes waveform,histogram` as waveform, parade, vectorscope,
/// histogram switches.
fn scope_list(list: &str) -> Result<[bool; 4]> {
    const NAMES: [&str; 4] = ["waveform", "parade", "vectorscope", "histogram"];
    let mut shown = [false; 4];
    for name in list
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty() && *n != "none")
    {
        match NAMES.iter().position(|n| *n == name) {
            Some(i) => shown[i] = true,
            None => bail!(
                "--scopes {list}: `{name}` is not a scope; expected {} or none",
                NAMES.join(", ")
            ),
        }
    }
    Ok(shown)
}

fn control_lines(c: &ControlReport) -> Vec<String> {
    let l = &c.latency_ms;
    let mut lines = vec![
        format!(
            "control: {} events, {} grade changes | control->picture latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} changes shown)",
            c.events, c.changes, l.p50, l.p99, l.max, c.latency_samples
        ),
        format!("  MIDI: {}", c.midi),
    ];
    if let Some(osc) = &c.osc {
        lines.push(format!("  OSC: listening on {osc}"));
    }
    if let Some(r) = &c.replay {
        lines.push(format!("  replay: {r}"));
    }
    lines.extend(c.saved.iter().map(|s| format!("  saved {s}")));
    lines.extend(c.notices.iter().map(|n| format!("  note: {n}")));
    lines
}
