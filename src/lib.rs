//! neurograde: a real-time live-grading engine for camera feeds.
//!
//! A low-latency frame loop captures camera input, grades it on the GPU
//! (wgpu, WGSL) and shows or sends it on. Module map:
//!
//! - [`frame`]: frames, pixel layouts, sizes.
//! - [`masks`]: the analysis masks' data (channels, layers), below the grade and the analysis.
//! - [`source`]: camera (nokhwa), files (stills, ffmpeg video), patterns, the demo.
//! - [`engine`]: the frame loop: source thread, ring, render loop, stats.
//! - [`gpu`]: adapter, passes (ingest, grade, readback, present) and their WGSL.
//! - [`grade`]: the look model and the CPU reference of every colour operation.
//! - [`sink`]: file and null outputs (stills, sequences, video).
//! - [`monitor`]: the window, the operator view and its panels, the program output.
//! - [`scopes`]: waveform, parade, vectorscope, histogram, false colour (CPU reference).
//! - [`launch`]: a run's outputs opened around the engine's frame loop.
//! - [`config`]: engine settings (`config/default.toml`), validated.
//! - [`analysis`]: the neural-model runtime (ONNX Runtime through `ort`).
//! - [`auto`]: auto exposure and balance, Color Match: proposals a person accepts.
//! - [`output`]: writing files safely (partial + rename, links, streams, sequences).
//! - [`stills`]: the stills library (graded and ungraded stills with their looks, crash-safe).
//! - [`timecode`]: SMPTE timecode arithmetic (a source's timecode at each frame).
//! - [`event_log`]: the run's recent info and warning lines, for the operator view.
//! - [`shutdown`]: signals stop a command cleanly, with the shell's exit status.
//! - [`assets`], [`ffmpeg`], [`toml_file`]: fetched files, the ffmpeg child, TOML files' errors.

pub mod analysis;
pub mod assets;
pub mod auto;
pub mod config;
pub mod control;
pub mod engine;
pub mod event_log;
pub mod ffmpeg;
pub mod frame;
pub mod gpu;
pub mod grade;
pub mod latency;
pub mod launch;
pub mod masks;
pub mod monitor;
pub mod noise;
pub mod output;
pub mod scopes;
pub mod shutdown;
pub mod sink;
pub mod source;
pub mod stills;
pub mod timecode;
pub mod toml_file;
