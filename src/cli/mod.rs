//! The command line: one file per subcommand, each with its typed clap
//! arguments and the function that runs it. `main.rs` parses, dispatches
//! and turns the result into an exit status; `anyhow` lives in this layer
//! only.

pub mod analyze;
pub mod auto;
pub mod grade;
pub mod look;
pub mod midi;
pub mod models;
pub mod options;
pub mod run;
pub mod stills;

use anyhow::Result;
use clap::{Parser, Subcommand};
use neurograde::grade::Look;
use neurograde::shutdown::Shutdown;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "neurograde",
    version,
    about = "Live grading for camera feeds: capture, grade on the GPU, monitor or record.",
    long_about = "Live grading for camera feeds: capture, grade on the GPU, monitor or record.\n\n\
        Logs go to stderr (RUST_LOG=debug for more). GPU choice: WGPU_ADAPTER_NAME=<part of name>, \
        WGPU_BACKEND=vulkan|gl|metal|dx12.\n\n\
        Exit status: 0 done, 2 an error (one line on stderr naming the file, key or value), \
        128 + the signal's number when stopped by a signal (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Grade a live source and show or record it, with latency figures.
    Run(Box<run::RunArgs>),
    /// Grade a file offline (still, image sequence or video), every frame,
    /// as fast as possible.
    Grade(Box<grade::GradeArgs>),
    /// Move looks to and from ASC CDL (.cc .ccc .cdl) and LUTs (.cube).
    #[command(subcommand)]
    Look(look::LookCommand),
    /// The neural models: list them, fetch them into the cache, verify them.
    #[command(subcommand)]
    Models(models::ModelsCommand),
    /// Find faces, people and depth in every frame of a file; write JSON.
    Analyze(analyze::AnalyzeArgs),
    /// MIDI control surfaces: list ports, watch what a panel sends, learn a
    /// control into a profile.
    #[command(subcommand)]
    Midi(midi::MidiCommand),
    /// The stills library: grab, list, delete, export a still's look.
    #[command(subcommand)]
    Stills(stills::StillsCommand),
    /// Propose exposure and white balance for a picture, as a look.
    Auto(auto::AutoArgs),
    /// Match a picture's colours to a reference (a file or a still), as a
    /// look: a fitted CDL, or a LUT.
    Match(Box<auto::MatchArgs>),
}

impl Command {
    pub fn run(self, shutdown: &Shutdown) -> Result<()> {
        match self {
            Command::Run(args) => run::run(*args, shutdown),
            Command::Grade(args) => grade::grade(*args, shutdown),
            Command::Look(command) => look::look(command),
            Command::Models(command) => models::models(command),
            Command::Analyze(args) => analyze::analyze(args, shutdown),
            Command::Midi(command) => midi::midi(command, shutdown),
            Command::Stills(command) => stills::stills(command, shutdown),
            Command::Auto(args) => auto::auto(args),
            Command::Match(args) => auto::color_match(*args),
        }
    }
}

/// A look a command reads (`flag` `--look`), with the LUTs and the
/// OpenColorIO config it reads in turn.
pub fn read_look(files: &mut neurograde::output::Files, path: Option<&Path>, look: &Look) {
    if let Some(path) = path {
        files.read("--look", path);
        for file in look.files() {
            files.read("--look (a file it reads)", &file);
        }
    }
}

pub fn load_look(path: Option<&Path>) -> Result<Look> {
    Ok(match path {
        Some(p) => Look::load(p)?,
        None => Look::default(),
    })
}

/// Frames in a video or sequence, for a progress bar (`None` for stills
/// and unknowns).
pub fn frame_count(input: &Path) -> Result<Option<u64>> {
    Ok(neurograde::source::file::frame_count(input)?)
}

pub fn progress_bar(total: Option<u64>) -> Result<indicatif::ProgressBar> {
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

/// The folder of autosaves and snapshots: $NEUROGRADE_DATA, else
/// $XDG_DATA_HOME/neurograde, else ~/.local/share/neurograde.
pub fn data_dir() -> Option<PathBuf> {
    let env = |k| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("NEUROGRADE_DATA")
        .or_else(|| env("XDG_DATA_HOME").map(|d| d.join("neurograde")))
        .or_else(|| env("HOME").map(|h| h.join(".local/share/neurograde")))
}
