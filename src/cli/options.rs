//! Argument groups shared by several subcommands: the file outputs of
//! `run` and `grade` (one set of flags, one help text), the analysis
//! settings (`run`, `grade`, `analyze`) and the control surfaces of `run`.

use super::data_dir;
use anyhow::{Context, Result};
use clap::Args;
use neurograde::analysis::runtime::Inference;
use neurograde::analysis::{AnalysisMode, AnalysisModel, MatteModel};
use neurograde::config::Config;
use neurograde::control::{ControlOptions, Profile};
use neurograde::engine::analysis_link::AnalysisOptions;
use neurograde::launch::FileOptions;
use neurograde::sink::depth::Depth;
use neurograde::sink::video::{Codec, Preset, VideoOptions};
use std::path::PathBuf;

/// How `run --sink file:` and `grade --output` write: the same flags for
/// both.
#[derive(Args)]
pub struct FileArgs {
    /// Bit depth: auto (the input's), 8, 10 or 16 (PNG, TIFF, DPX, video),
    /// half or float (EXR).
    #[arg(long, value_name = "D", default_value = "auto")]
    pub depth: Depth,
    /// Video codec: h264, h265, prores (422 HQ), prores4444 or ffv1
    /// (default: by container and depth, see docs/files.md).
    #[arg(long, value_name = "C")]
    pub codec: Option<Codec>,
    /// H.264 / H.265 speed preset, ultrafast .. veryslow (default: medium
    /// for a render, ultrafast for a live recording, which keeps up on a
    /// small machine).
    #[arg(long, value_name = "P")]
    pub preset: Option<Preset>,
    /// Constant quality for H.264 / H.265 (lower is better; default 14 / 16).
    #[arg(long, value_name = "N", conflicts_with = "bitrate")]
    pub crf: Option<u32>,
    /// Target video bitrate instead, e.g. 50M.
    #[arg(long, value_name = "RATE")]
    pub bitrate: Option<String>,
    /// Replace existing outputs, each only once the new one is complete.
    /// What the command reads is never replaced.
    #[arg(long)]
    pub overwrite: bool,
}

impl FileArgs {
    pub fn options(&self) -> FileOptions {
        FileOptions {
            depth: self.depth,
            video: VideoOptions {
                codec: self.codec,
                preset: self.preset,
                crf: self.crf,
                bitrate: self.bitrate.clone(),
            },
        }
    }
}

/// Analysis settings (defaults: `[analysis]` of the config).
#[derive(Args)]
pub struct AnalysisArgs {
    /// ONNX Runtime threads per model.
    #[arg(long, value_name = "N")]
    pub analysis_threads: Option<usize>,
    /// Run the face detector every N analysed pictures (the mesh tracks between).
    #[arg(long, value_name = "N")]
    pub detect_every: Option<u32>,
    /// Which analyses run, comma-separated: faces, mesh, matte, depth, object.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub analysis_models: Option<Vec<AnalysisModel>>,
    /// The person matte: selfie (fast) or rvm (recurrent; `models fetch --with rvm`).
    #[arg(long, value_name = "M")]
    pub matte_model: Option<MatteModel>,
    /// Where the models run: auto (a GPU through ONNX Runtime's WebGPU
    /// provider when it finds one, else the CPU), cpu, or gpu (a GPU or an
    /// error). The report names each model's provider.
    #[arg(long, value_name = "WHERE")]
    pub inference: Option<Inference>,
    /// Add this many milliseconds to every analysis (a stand-in for a slow
    /// model or machine: shows that the loop reuses results and never waits).
    #[arg(long, value_name = "MS", hide = true)]
    pub analysis_delay_ms: Option<u64>,
}

impl AnalysisArgs {
    /// The analysis options of `config` with these flags over them, in `mode`.
    pub fn options(&self, config: &Config, mode: AnalysisMode) -> Result<AnalysisOptions> {
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
        if let Some(model) = self.matte_model {
            section.matte_model = model;
        }
        if let Some(inference) = self.inference {
            section.inference = inference;
        }
        let checked = Config {
            analysis: section,
            ..config.clone()
        };
        checked.validate("(command line and [analysis] settings)")?;
        if checked.analysis.inference == Inference::Gpu && mode != AnalysisMode::Off {
            // Said before the picture starts, not model by model after.
            let runtime = neurograde::analysis::runtime::Runtime::load_default()?;
            runtime.require_gpu().map_err(anyhow::Error::msg)?;
        }
        let mut options = checked.analysis.options(mode);
        if let Some(ms) = self.analysis_delay_ms {
            options.models.extra_latency = std::time::Duration::from_millis(ms);
        }
        Ok(options)
    }
}

/// Engine settings: the built-in ones, or a file layered over them.
pub fn config(path: Option<&std::path::Path>) -> Result<Config> {
    Ok(match path {
        Some(path) => Config::load(path)?,
        None => Config::builtin(),
    })
}

/// Control surfaces of `run`.
#[derive(Args)]
pub struct ControlArgs {
    /// Controller profile: a shipped one (nanokontrol2, xtouch-mini, mcu,
    /// midimix, generic) or a path.
    #[arg(long, value_name = "NAME|PATH")]
    pub controller: Option<String>,
    /// MIDI port: part of its name, its index in `midi list`, or "virtual"
    /// (default: the profile's `port`).
    #[arg(long, value_name = "P")]
    pub midi_port: Option<String>,
    /// Do not open MIDI.
    #[arg(long)]
    pub no_midi: bool,
    /// Listen for OSC on this UDP port (addresses are the look keys:
    /// /primary/exposure 0.5).
    #[arg(long, value_name = "N")]
    pub osc_port: Option<u16>,
    /// Address OSC binds to (default 127.0.0.1: this machine only; 0.0.0.0
    /// for tablets on the network).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub osc_bind: std::net::IpAddr,
    /// Replay a recorded control session (Standard MIDI File or .jsonl).
    #[arg(long, value_name = "FILE")]
    pub control_replay: Option<PathBuf>,
    /// Record the control session (timestamped, .jsonl) for replay.
    #[arg(long, value_name = "FILE")]
    pub control_record: Option<PathBuf>,
    /// Write the live look here when the run ends (also when it is stopped
    /// by a signal).
    #[arg(long, value_name = "PATH")]
    pub save_look: Option<PathBuf>,
    /// Where the live look autosaves (default: autosave.toml in the data
    /// folder, $NEUROGRADE_DATA or ~/.local/share/neurograde).
    #[arg(long, value_name = "PATH")]
    pub autosave: Option<PathBuf>,
    /// The snapshot library (default: snapshots/ in the data folder).
    #[arg(long, value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
}

impl ControlArgs {
    /// The control options, with the folders of the autosave and the
    /// snapshots made. `operator`: the operator view edits the grade too.
    pub fn options(&self, operator: bool) -> Result<ControlOptions> {
        let profile = self
            .controller
            .as_deref()
            .map(Profile::resolve)
            .transpose()?;
        let mut options = ControlOptions {
            profile,
            midi_port: self.midi_port.clone(),
            midi: !self.no_midi,
            osc: self
                .osc_port
                .map(|port| std::net::SocketAddr::new(self.osc_bind, port)),
            replay: self.control_replay.clone(),
            record: self.control_record.clone(),
            save_look: self.save_look.clone(),
            autosave: self.autosave.clone(),
            snapshots: self.snapshots.clone(),
            operator,
            stills: None,
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
                std::fs::create_dir_all(dir).with_context(|| {
                    format!("{}: cannot create the snapshot folder", dir.display())
                })?;
            }
            if let Some(autosave) = &options.autosave {
                if let Some(dir) = autosave.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).with_context(|| {
                        format!("{}: cannot create the autosave folder", dir.display())
                    })?;
                }
            }
        }
        Ok(options)
    }
}
