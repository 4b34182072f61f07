//! Readback: brings graded pictures to the CPU for file and null sinks.
//!
//! How it works: the frame kernel packs each pixel in the sink's
//! [`OutputFormat`] into the buffer [`ReadbackQueue::target`] hands out;
//! [`ReadbackQueue::submit`] then maps one of a few "slots" asynchronously.
//! On a discrete GPU the target is a storage buffer in video memory, copied
//! into the slot; where the device's memory is the host's (lavapipe), the
//! target is the slot itself and no copy is made. Up to `depth` frames are in
//! flight so the CPU uploads frame N+1 while the GPU still works on frame N;
//! finished frames are handed to the caller in order, each with its tag.

use super::GpuError;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

/// Byte layout of a read-back picture (all RGBA, little-endian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// 8 bits a channel (PNG 8, video encodes).
    Rgba8,
    /// 16 bits a channel (PNG 16, TIFF 16).
    Rgba16,
    /// IEEE half float (EXR half).
    RgbaF16,
    /// IEEE float (EXR float, tests).
    RgbaF32,
}

impl OutputFormat {
    pub fn bytes_per_pixel(self) -> u64 {
        match self {
            OutputFormat::Rgba8 => 4,
            OutputFormat::Rgba16 | OutputFormat::RgbaF16 => 8,
            OutputFormat::RgbaF32 => 16,
        }
    }

    /// The number the WGSL `OUT_FORMAT` override uses for this layout.
    pub(crate) fn shader_code(self) -> u32 {
        match self {
            OutputFormat::Rgba8 => 0,
            OutputFormat::Rgba16 => 1,
            OutputFormat::RgbaF16 => 2,
            OutputFormat::RgbaF32 => 3,
        }
    }
}

const MAP_PENDING: u8 = 0;
const MAP_DONE: u8 = 1;
const MAP_FAILED: u8 = 2;

/// A mappable buffer and the state of its last map request.
struct Slot {
    buffer: wgpu::Buffer,
    state: Arc<AtomicU8>,
}

struct InFlight<T> {
    slot: Slot,
    bytes: u64,
    submission: wgpu::SubmissionIndex,
    tag: T,
}

/// Reads packed pictures back with `depth` frames in flight.
pub struct ReadbackQueue<T> {
    direct: bool,
    /// The kernel's output when it cannot write into a slot directly.
    staging: Option<wgpu::Buffer>,
    /// The slot `target` prepared for the next `submit`.
    next: Option<Slot>,
    free: Vec<Slot>,
    in_flight: VecDeque<InFlight<T>>,
    depth: usize,
}

impl<T> ReadbackQueue<T> {
    /// `depth` frames may be in flight at once (1 = fully synchronous).
    /// `direct`: the kernel may write into mappable buffers
    /// ([`GpuContext::direct_readback`](super::GpuContext)).
    pub fn new(depth: usize, direct: bool) -> ReadbackQueue<T> {
        ReadbackQueue {
            direct,
            staging: None,
            next: None,
            free: Vec::new(),
            in_flight: VecDeque::new(),
            depth: depth.max(1),
        }
    }

    /// Whether another frame may be submitted without waiting.
    pub fn has_room(&self) -> bool {
        self.in_flight.len() < self.depth
    }

    /// The buffer the frame kernel should write `bytes` of packed pixels
    /// into for the next [`submit`](Self::submit). Call only when
    /// [`has_room`](Self::has_room) is true.
    pub fn target(&mut self, device: &wgpu::Device, bytes: u64) -> &wgpu::Buffer {
        self.free.retain(|slot| slot.buffer.size() == bytes);
        if self.next.is_none() {
            let mut usage = wgpu::BufferUsages::MAP_READ;
            usage |= if self.direct {
                wgpu::BufferUsages::STORAGE
            } else {
                wgpu::BufferUsages::COPY_DST
            };
            self.next = Some(self.free.pop().unwrap_or_else(|| Slot {
                buffer: device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("readback slot"),
                    size: bytes,
                    usage,
                    mapped_at_creation: false,
                }),
                state: Arc::new(AtomicU8::new(MAP_PENDING)),
            }));
        }
        if self.direct {
            return &self.next.as_ref().expect("set above").buffer;
        }
        if self.staging.as_ref().is_none_or(|b| b.size() != bytes) {
            self.staging = Some(device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("packed output"),
                size: bytes,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            }));
        }
        self.staging.as_ref().expect("set above")
    }

    /// Submits `encoder` (which holds the frame kernel writing into
    /// [`target`](Self::target)), copying into the slot when needed, and
    /// starts mapping the slot.
    pub fn submit(&mut self, queue: &wgpu::Queue, mut encoder: wgpu::CommandEncoder, tag: T) {
        let slot = self
            .next
            .take()
            .expect("target() is called before submit()");
        let bytes = slot.buffer.size();
        if !self.direct {
            let staging = self.staging.as_ref().expect("target() created it");
            encoder.copy_buffer_to_buffer(staging, 0, &slot.buffer, 0, bytes);
        }
        let submission = queue.submit([encoder.finish()]);
        slot.state.store(MAP_PENDING, Ordering::Release);
        let state = Arc::clone(&slot.state);
        slot.buffer
            .map_async(wgpu::MapMode::Read, .., move |result| {
                state.store(
                    if result.is_ok() { MAP_DONE } else { MAP_FAILED },
                    Ordering::Release,
                );
            });
        self.in_flight.push_back(InFlight {
            slot,
            bytes,
            submission,
            tag,
        });
    }

    /// Hands finished frames to `deliver`, oldest first. With `block`, waits
    /// until at least the oldest frame in flight is done.
    pub fn complete(
        &mut self,
        device: &wgpu::Device,
        block: bool,
        mut deliver: impl FnMut(T, &[u8]),
    ) -> Result<usize, GpuError> {
        let poll = match self.in_flight.front() {
            // Wait for the oldest frame only, so younger ones keep working.
            Some(oldest) if block => wgpu::PollType::Wait {
                submission_index: Some(oldest.submission.clone()),
                timeout: None,
            },
            _ => wgpu::PollType::Poll,
        };
        device
            .poll(poll)
            .map_err(|e| GpuError::Readback(e.to_string()))?;
        let mut delivered = 0;
        while let Some(front) = self.in_flight.front() {
            match front.slot.state.load(Ordering::Acquire) {
                MAP_PENDING => break,
                MAP_FAILED => {
                    self.in_flight.pop_front();
                    return Err(GpuError::Readback(
                        "mapping the readback buffer failed".into(),
                    ));
                }
                _ => {}
            }
            let done = self
                .in_flight
                .pop_front()
                .expect("front exists: checked above");
            {
                let view = done
                    .slot
                    .buffer
                    .get_mapped_range(..done.bytes)
                    .map_err(|e| GpuError::Readback(e.to_string()))?;
                deliver(done.tag, &view);
            }
            done.slot.buffer.unmap();
            self.free.push(done.slot);
            delivered += 1;
        }
        Ok(delivered)
    }

    /// Waits for and delivers every frame in flight.
    pub fn flush(
        &mut self,
        device: &wgpu::Device,
        mut deliver: impl FnMut(T, &[u8]),
    ) -> Result<(), GpuError> {
        while !self.in_flight.is_empty() {
            self.complete(device, true, &mut deliver)?;
        }
        Ok(())
    }
}

/// Runs `encoder`, then waits for the GPU and returns `buffer`'s bytes
/// (a `MAP_READ` buffer the encoder copied into): for stills,
/// screenshots, scopes read back in tests, never the frame loop.
pub fn wait_and_read(
    ctx: &super::GpuContext,
    encoder: wgpu::CommandEncoder,
    buffer: &wgpu::Buffer,
) -> Result<Vec<u8>, GpuError> {
    ctx.queue.submit([encoder.finish()]);
    buffer.map_async(wgpu::MapMode::Read, .., |_| {});
    ctx.device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| GpuError::Readback(e.to_string()))?;
    let bytes = buffer
        .get_mapped_range(..)
        .map_err(|e| GpuError::Readback(e.to_string()))?
        .to_vec();
    buffer.unmap();
    Ok(bytes)
}

/// Copies `texture` (`bytes_per_pixel` a texel) after what `encoder` holds,
/// runs it and returns the texels row after row, without the copy's row
/// padding (rows are copied 256-byte aligned). Waits (see
/// [`wait_and_read`]).
pub fn read_texture(
    ctx: &super::GpuContext,
    mut encoder: wgpu::CommandEncoder,
    texture: &wgpu::Texture,
    (w, h): (u32, u32),
    bytes_per_pixel: u32,
) -> Result<Vec<u8>, GpuError> {
    let packed = w * bytes_per_pixel;
    let row = packed.div_ceil(256) * 256;
    let buffer = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("texture readback"),
        size: u64::from(row * h),
        usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
        mapped_at_creation: false,
    });
    encoder.copy_texture_to_buffer(
        texture.as_image_copy(),
        wgpu::TexelCopyBufferInfo {
            buffer: &buffer,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(row),
                rows_per_image: Some(h),
            },
        },
        wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
    );
    let padded = wait_and_read(ctx, encoder, &buffer)?;
    Ok(padded
        .chunks_exact(row as usize)
        .flat_map(|r| &r[..packed as usize])
        .copied()
        .collect())
}

/// Runs `encoder`, then reads an rgba16float texture back as float RGBA,
/// row after row (see [`read_texture`]).
pub fn read_rgba16f(
    ctx: &super::GpuContext,
    encoder: wgpu::CommandEncoder,
    view: &wgpu::TextureView,
    size: (u32, u32),
) -> Result<Vec<f32>, GpuError> {
    let bytes = read_texture(ctx, encoder, view.texture(), size, 8)?;
    Ok(bytes
        .chunks_exact(2)
        .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
        .collect())
}

/// Uploads float RGBA as an rgba16float texture (a still to compare with).
pub fn upload_rgba16f(
    ctx: &super::GpuContext,
    (w, h): (u32, u32),
    rgba: &[f32],
) -> wgpu::TextureView {
    let texture = super::texture_2d(
        &ctx.device,
        "still",
        (w, h),
        super::WORKING_FORMAT,
        wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
    );
    let halves: Vec<half::f16> = rgba.iter().map(|v| half::f16::from_f32(*v)).collect();
    ctx.queue.write_texture(
        texture.as_image_copy(),
        bytemuck::cast_slice(&halves),
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(w * 8),
            rows_per_image: Some(h),
        },
        wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
    );
    texture.create_view(&Default::default())
}
