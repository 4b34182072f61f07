//! Where graded pictures are written: a file (a still, an image sequence,
//! a video) or nowhere (benchmarks). The window and the operator view are
//! the monitoring station's (`crate::monitor`).
//!
//! How it works: file and null sinks implement [`Sink`] and receive each
//! graded frame as packed bytes read back from the GPU, in the layout they
//! ask for ([`Sink::output_format`]).

pub mod depth;
pub mod encoder;
mod encoder_feed;
pub mod file;
mod ivf;
pub mod null;
pub mod still;
pub mod video;

pub use crate::engine::output::{FrameMeta, RecordingReport, Sink, SinkError, SinkSpec};
