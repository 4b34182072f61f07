//! The null sink: reads every graded frame back and discards it, so a
//! benchmark pays the full upload + grade + readback cost of a real sink.

use super::{FrameMeta, Sink, SinkError};
use crate::gpu::OutputFormat;

#[derive(Debug, Default)]
pub struct NullSink {
    /// A running sum over one byte of each frame, so the read is never
    /// optimised away.
    touched: u64,
}

impl Sink for NullSink {
    fn describe(&self) -> String {
        "null (read back, then discarded)".into()
    }

    fn output_format(&self) -> OutputFormat {
        OutputFormat::Rgba8
    }

    fn write(&mut self, _meta: &FrameMeta, pixels: &[u8]) -> Result<(), SinkError> {
        self.touched = self
            .touched
            .wrapping_add(u64::from(pixels.last().copied().unwrap_or(0)));
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        std::hint::black_box(self.touched);
        Ok(())
    }
}
