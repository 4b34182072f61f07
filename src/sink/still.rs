//! One graded picture into a still file: PNG (8/16-bit), TIFF (8/16-bit,
//! float), OpenEXR (half/float) or DPX (8/10/16-bit, written by ffmpeg).
//!
//! How it works: the pixels arrive packed RGBA in the readback layout the
//! sink asked for ([`StillFormat::readback`]); alpha is dropped, the rest
//! written by the `image` / `exr` crates, or piped to ffmpeg's DPX encoder.
//! Every write goes through [`crate::output`], so a still appears whole
//! under its name or not at all.

use super::depth::Depth;
use super::SinkError;
use crate::gpu::OutputFormat;
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// A still file type, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StillType {
    Png,
    Tiff,
    Exr,
    Dpx,
}

impl StillType {
    pub fn of_extension(ext: &str) -> Option<StillType> {
        match ext.to_ascii_lowercase().as_str() {
            "png" => Some(StillType::Png),
            "tif" | "tiff" => Some(StillType::Tiff),
            "exr" => Some(StillType::Exr),
            "dpx" => Some(StillType::Dpx),
            _ => None,
        }
    }
}

/// A still type at a depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StillFormat {
    pub kind: StillType,
    pub depth: Depth,
}

impl StillFormat {
    /// `depth` for this type, `Auto` following the input's bits a sample
    /// (`input_bits`: 8, 10, 12, 16, or 32 for float). Errors name the
    /// depths the type takes.
    pub fn new(kind: StillType, depth: Depth, input_bits: u32) -> Result<StillFormat, String> {
        let depth = match (depth, kind) {
            (Depth::Auto, StillType::Exr) if input_bits >= 32 => Depth::Float,
            (Depth::Auto, StillType::Exr) => Depth::Half,
            (Depth::Auto, StillType::Dpx) if input_bits > 10 => Depth::Sixteen,
            (Depth::Auto, StillType::Dpx) => Depth::Ten,
            (Depth::Auto, StillType::Tiff) if input_bits >= 32 => Depth::Float,
            (Depth::Auto, _) if input_bits > 8 => Depth::Sixteen,
            (Depth::Auto, _) => Depth::Eight,
            (d, _) => d,
        };
        let allowed = match kind {
            StillType::Png => &[Depth::Eight, Depth::Sixteen][..],
            StillType::Tiff => &[Depth::Eight, Depth::Sixteen, Depth::Float][..],
            StillType::Exr => &[Depth::Half, Depth::Float][..],
            StillType::Dpx => &[Depth::Eight, Depth::Ten, Depth::Sixteen][..],
        };
        if !allowed.contains(&depth) {
            let names: Vec<String> = allowed.iter().map(|d| d.to_string()).collect();
            return Err(format!(
                "{depth} is not possible for {kind:?} (expected {})",
                names.join(", ")
            ));
        }
        Ok(StillFormat { kind, depth })
    }

    /// The packed layout to read the picture back in.
    pub fn readback(self) -> OutputFormat {
        match self.depth {
            Depth::Eight => OutputFormat::Rgba8,
            Depth::Half => OutputFormat::RgbaF16,
            Depth::Float => OutputFormat::RgbaF32,
            _ => OutputFormat::Rgba16,
        }
    }

    /// Writes one picture (packed in [`Self::readback`]) to `path`.
    pub fn write(
        self,
        path: &Path,
        width: u32,
        height: u32,
        pixels: &[u8],
    ) -> Result<(), SinkError> {
        let error = |e: std::io::Error| SinkError::Write {
            path: path.into(),
            message: e.to_string().replace('\n', " "),
        };
        crate::output::write_with(path, |tmp| self.encode(tmp, width, height, pixels))
            .map_err(error)
    }

    fn encode(self, tmp: &Path, w: u32, h: u32, pixels: &[u8]) -> std::io::Result<()> {
        let image_format = match self.kind {
            StillType::Png => image::ImageFormat::Png,
            StillType::Tiff => image::ImageFormat::Tiff,
            StillType::Exr => return write_exr(tmp, self.readback(), w, h, pixels),
            StillType::Dpx => return write_dpx(tmp, self.depth, w, h, pixels),
        };
        let mismatch = || std::io::Error::other("frame size mismatch");
        let saved = match self.readback() {
            OutputFormat::Rgba8 => image::RgbImage::from_raw(w, h, rgb8(pixels))
                .ok_or_else(mismatch)?
                .save_with_format(tmp, image_format),
            OutputFormat::Rgba16 => {
                image::ImageBuffer::<image::Rgb<u16>, _>::from_raw(w, h, rgb16(pixels))
                    .ok_or_else(mismatch)?
                    .save_with_format(tmp, image_format)
            }
            _ => image::Rgb32FImage::from_raw(w, h, rgb32f(pixels))
                .ok_or_else(mismatch)?
                .save_with_format(tmp, image_format),
        };
        saved.map_err(std::io::Error::other)
    }
}

fn rgb8(pixels: &[u8]) -> Vec<u8> {
    pixels
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect()
}

fn rgb16(pixels: &[u8]) -> Vec<u16> {
    pixels
        .chunks_exact(8)
        .flat_map(|p| [0, 2, 4].map(|i| u16::from_le_bytes([p[i], p[i + 1]])))
        .collect()
}

fn rgb32f(pixels: &[u8]) -> Vec<f32> {
    pixels
        .chunks_exact(16)
        .flat_map(|p| [0, 4, 8].map(|i| f32::from_le_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]])))
        .collect()
}

fn write_exr(
    path: &Path,
    format: OutputFormat,
    width: u32,
    height: u32,
    pixels: &[u8],
) -> std::io::Result<()> {
    use exr::prelude::*;
    let w = width as usize;
    let result = if format == OutputFormat::RgbaF16 {
        let at = |x: usize, y: usize, c: usize| {
            let i = ((y * w + x) * 4 + c) * 2;
            f16::from_le_bytes([pixels[i], pixels[i + 1]])
        };
        write_rgb_file(path, w, height as usize, |x, y| {
            (at(x, y, 0), at(x, y, 1), at(x, y, 2))
        })
    } else {
        let at = |x: usize, y: usize, c: usize| {
            let i = ((y * w + x) * 4 + c) * 4;
            f32::from_le_bytes([pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]])
        };
        write_rgb_file(path, w, height as usize, |x, y| {
            (at(x, y, 0), at(x, y, 1), at(x, y, 2))
        })
    };
    result.map_err(std::io::Error::other)
}

/// DPX through ffmpeg's encoder: 8-bit from RGBA8, 10-bit (the usual
/// film-scan depth, packed by ffmpeg) and 16-bit from RGBA16.
fn write_dpx(path: &Path, depth: Depth, w: u32, h: u32, pixels: &[u8]) -> std::io::Result<()> {
    let (input, output) = match depth {
        Depth::Eight => ("rgba", "rgb24"),
        Depth::Ten => ("rgba64le", "gbrp10le"),
        _ => ("rgba64le", "rgb48le"),
    };
    let mut command = Command::new("ffmpeg");
    command
        .args([
            "-v", "error", "-nostdin", "-y", "-f", "rawvideo", "-pix_fmt", input,
        ])
        .args(["-s", &format!("{w}x{h}"), "-i", "-"])
        .args([
            "-frames:v",
            "1",
            "-c:v",
            "dpx",
            "-pix_fmt",
            output,
            "-f",
            "image2",
        ])
        .args(["-update", "1"])
        .arg(path);
    let mut process = crate::ffmpeg::FfmpegProcess::spawn(command, true)?;
    let mut stdin = process.child.stdin.take().expect("stdin is piped");
    let written = stdin.write_all(pixels);
    drop(stdin);
    let finished = process.finish();
    written?;
    finished.map_err(|e| std::io::Error::other(format!("DPX encoder: {e}")))?;
    Ok(())
}
