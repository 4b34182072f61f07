//! Ingest: getting a frame's bytes onto the GPU as they are
//! (decode functions: `shaders/ingest.wgsl`, CPU twin: `Frame::pixel`).
//!
//! How it works: the bytes go into a storage buffer with one
//! `queue.write_buffer`; the frame kernel (`pipeline.rs`) decodes them per
//! pixel, specialised for the layout by the WGSL `FORMAT` override. Nothing
//! is converted on the CPU, YUV included.

use crate::frame::{Frame, YuvMatrix};

/// What the decode functions need besides the bytes (`IngestParams` in WGSL).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct IngestUniforms {
    width: u32,
    height: u32,
    yuv_matrix: u32,
    yuv_full_range: u32,
}

impl IngestUniforms {
    pub fn of(frame: &Frame) -> IngestUniforms {
        IngestUniforms {
            width: frame.width,
            height: frame.height,
            yuv_matrix: u32::from(frame.yuv.matrix == YuvMatrix::Bt709),
            yuv_full_range: u32::from(frame.yuv.full_range),
        }
    }
}

/// Writes a frame's bytes into `buffer`. Buffer writes must be a multiple of
/// 4 bytes, so an odd tail (e.g. 3-byte RGB at an odd pixel count) is padded.
pub fn upload(queue: &wgpu::Queue, buffer: &wgpu::Buffer, data: &[u8]) {
    let whole = data.len() & !3;
    if whole > 0 {
        queue.write_buffer(buffer, 0, &data[..whole]);
    }
    if whole < data.len() {
        let mut tail = [0u8; 4];
        tail[..data.len() - whole].copy_from_slice(&data[whole..]);
        queue.write_buffer(buffer, whole as u64, &tail);
    }
}

/// Size of the input buffer needed for a frame (rounded up to whole words).
pub fn input_buffer_size(frame_bytes: usize) -> u64 {
    (frame_bytes as u64).div_ceil(4).max(1) * 4
}
