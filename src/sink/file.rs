//! The file sink: stills (PNG 8/16, TIFF 8/16, OpenEXR half/float) and video
//! (an `ffmpeg` encoder fed raw frames on a pipe).
//!
//! How it works: a still is written when the run ends, from the last graded
//! frame; a video gets every frame. Both are written under a temporary
//! `.name.partial.ext` and renamed into place only when complete, so an
//! interrupted run never leaves a broken file under the real name.

use super::{FrameMeta, Sink, SinkError};
use crate::atomic::{partial_path, write_atomically};
use crate::ffmpeg::FfmpegProcess;
use crate::gpu::OutputFormat;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command};

/// Bits a channel of the written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// As the file type and the source suggest: 16-bit for TIFF or a 16-bit
    /// source, half for EXR, else 8-bit.
    Auto,
    Eight,
    Sixteen,
    Half,
    Float,
}

impl std::str::FromStr for Depth {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Depth::Auto),
            "8" => Ok(Depth::Eight),
            "16" => Ok(Depth::Sixteen),
            "half" => Ok(Depth::Half),
            "float" => Ok(Depth::Float),
            _ => Err(format!("depth `{s}`: expected auto, 8, 16, half or float")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Png,
    Tiff,
    Exr,
    Video,
}

fn kind_of(path: &Path) -> Result<Kind, SinkError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("png") => Ok(Kind::Png),
        Some("tif" | "tiff") => Ok(Kind::Tiff),
        Some("exr") => Ok(Kind::Exr),
        Some("mp4" | "mov" | "mkv" | "avi" | "nut") => Ok(Kind::Video),
        _ => Err(SinkError::UnknownExtension { path: path.into() }),
    }
}

/// A running video encode.
struct Encoder {
    process: FfmpegProcess,
    stdin: Option<ChildStdin>,
}

pub struct FileSink {
    path: PathBuf,
    kind: Kind,
    format: OutputFormat,
    fps: f64,
    /// Last frame, for stills.
    last: Option<(FrameMeta, Vec<u8>)>,
    encoder: Option<Encoder>,
    frames: u64,
}

fn write_error(path: &Path, e: impl ToString) -> SinkError {
    SinkError::Write {
        path: path.into(),
        message: e.to_string().replace('\n', " "),
    }
}

impl FileSink {
    /// `source_bits` (8, 16, 32) guides [`Depth::Auto`].
    pub fn create(
        path: &Path,
        fps: f64,
        depth: Depth,
        source_bits: u32,
    ) -> Result<FileSink, SinkError> {
        let kind = kind_of(path)?;
        let depth = match (depth, kind) {
            (Depth::Auto, Kind::Exr) => Depth::Half,
            (Depth::Auto, Kind::Tiff) => Depth::Sixteen,
            (Depth::Auto, Kind::Png) if source_bits > 8 => Depth::Sixteen,
            (Depth::Auto, _) => Depth::Eight,
            (d, _) => d,
        };
        let format = match (kind, depth) {
            (Kind::Png | Kind::Tiff | Kind::Video, Depth::Eight) => OutputFormat::Rgba8,
            (Kind::Png | Kind::Tiff | Kind::Video, Depth::Sixteen) => OutputFormat::Rgba16,
            (Kind::Exr, Depth::Half) => OutputFormat::RgbaF16,
            (Kind::Exr, Depth::Float) => OutputFormat::RgbaF32,
            (kind, depth) => {
                return Err(SinkError::DepthNotSupported {
                    path: path.into(),
                    depth: format!("{depth:?}"),
                    allowed: if kind == Kind::Exr {
                        "half or float"
                    } else {
                        "8 or 16"
                    },
                })
            }
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(write_error(
                    path,
                    format!("folder {} does not exist", dir.display()),
                ));
            }
        }
        Ok(FileSink {
            path: path.into(),
            kind,
            format,
            fps,
            last: None,
            encoder: None,
            frames: 0,
        })
    }

    fn start_encoder(&self, meta: &FrameMeta) -> Result<Encoder, SinkError> {
        let deep = self.format == OutputFormat::Rgba16;
        let mut cmd = Command::new("ffmpeg");
        cmd.args(["-y", "-v", "error", "-f", "rawvideo", "-pix_fmt"])
            .arg(if deep { "rgba64le" } else { "rgba" })
            .args(["-s", &format!("{}x{}", meta.width, meta.height)])
            .args(["-framerate", &format!("{:.6}", self.fps)])
            .args(["-i", "-"]);
        let ext = self
            .path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match (ext.as_deref(), deep) {
            (Some("mp4" | "mkv" | "mov"), false) => {
                cmd.args([
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "14", "-pix_fmt", "yuv420p",
                ]);
            }
            (Some("mov"), true) => {
                cmd.args([
                    "-c:v",
                    "prores_ks",
                    "-profile:v",
                    "3",
                    "-pix_fmt",
                    "yuv422p10le",
                ]);
            }
            (_, true) => {
                cmd.args(["-c:v", "ffv1", "-pix_fmt", "rgb48le"]);
            }
            _ => {}
        }
        cmd.arg(partial_path(&self.path));
        let mut process =
            FfmpegProcess::spawn(cmd, true).map_err(|e| SinkError::FfmpegMissing(e.to_string()))?;
        let stdin = process.child.stdin.take();
        Ok(Encoder { process, stdin })
    }

    fn write_still(&self, meta: &FrameMeta, pixels: &[u8]) -> Result<(), SinkError> {
        let (w, h) = (meta.width, meta.height);
        let result = match self.format {
            OutputFormat::Rgba8 => {
                let rgb: Vec<u8> = pixels
                    .chunks_exact(4)
                    .flat_map(|p| [p[0], p[1], p[2]])
                    .collect();
                let format = if self.kind == Kind::Png {
                    image::ImageFormat::Png
                } else {
                    image::ImageFormat::Tiff
                };
                let img = image::RgbImage::from_raw(w, h, rgb)
                    .ok_or_else(|| write_error(&self.path, "frame size mismatch"))?;
                write_atomically(&self.path, |tmp| {
                    img.save_with_format(tmp, format)
                        .map_err(std::io::Error::other)
                })
            }
            OutputFormat::Rgba16 => {
                let rgb: Vec<u16> = pixels
                    .chunks_exact(8)
                    .flat_map(|p| [0, 2, 4].map(|i| u16::from_le_bytes([p[i], p[i + 1]])))
                    .collect();
                let format = if self.kind == Kind::Png {
                    image::ImageFormat::Png
                } else {
                    image::ImageFormat::Tiff
                };
                let img = image::ImageBuffer::<image::Rgb<u16>, _>::from_raw(w, h, rgb)
                    .ok_or_else(|| write_error(&self.path, "frame size mismatch"))?;
                write_atomically(&self.path, |tmp| {
                    img.save_with_format(tmp, format)
                        .map_err(std::io::Error::other)
                })
            }
            OutputFormat::RgbaF16 | OutputFormat::RgbaF32 => {
                write_atomically(&self.path, |tmp| write_exr(tmp, self.format, w, h, pixels))
            }
        };
        result.map_err(|e| write_error(&self.path, e))
    }
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

impl Sink for FileSink {
    fn describe(&self) -> String {
        format!(
            "file {} ({:?}, {:?})",
            self.path.display(),
            self.kind,
            self.format
        )
    }

    fn output_format(&self) -> OutputFormat {
        self.format
    }

    fn write(&mut self, meta: &FrameMeta, pixels: &[u8]) -> Result<(), SinkError> {
        self.frames += 1;
        if self.kind != Kind::Video {
            let (_, buf) = self.last.get_or_insert_with(|| (*meta, Vec::new()));
            buf.clear();
            buf.extend_from_slice(pixels);
            self.last.as_mut().expect("set above").0 = *meta;
            return Ok(());
        }
        if self.encoder.is_none() {
            self.encoder = Some(self.start_encoder(meta)?);
        }
        let encoder = self.encoder.as_mut().expect("started above");
        let stdin = encoder
            .stdin
            .as_mut()
            .ok_or_else(|| write_error(&self.path, "encoder closed"))?;
        if let Err(e) = stdin.write_all(pixels) {
            let _ = encoder.process.child.wait();
            let why = encoder.process.messages();
            return Err(write_error(
                &self.path,
                format!("ffmpeg stopped ({e}): {why}"),
            ));
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        if let Some((meta, pixels)) = self.last.take() {
            return self.write_still(&meta, &pixels);
        }
        let Some(mut encoder) = self.encoder.take() else {
            return Err(write_error(&self.path, "no frame reached the sink"));
        };
        drop(encoder.stdin.take());
        let status = encoder
            .process
            .child
            .wait()
            .map_err(|e| write_error(&self.path, e))?;
        let partial = partial_path(&self.path);
        if !status.success() {
            let _ = std::fs::remove_file(&partial);
            return Err(write_error(
                &self.path,
                format!("ffmpeg failed: {}", encoder.process.messages()),
            ));
        }
        std::fs::rename(&partial, &self.path).map_err(|e| write_error(&self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_and_type_checks() {
        assert!(matches!(
            kind_of(Path::new("a.jpg")),
            Err(SinkError::UnknownExtension { .. })
        ));
        let png16 = FileSink::create(Path::new("a.png"), 24.0, Depth::Auto, 16).unwrap();
        assert_eq!(png16.output_format(), OutputFormat::Rgba16);
        let exr = FileSink::create(Path::new("a.exr"), 24.0, Depth::Auto, 8).unwrap();
        assert_eq!(exr.output_format(), OutputFormat::RgbaF16);
        let err = FileSink::create(Path::new("a.exr"), 24.0, Depth::Eight, 8)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("a.exr") && err.contains("half or float"),
            "{err}"
        );
        let err = FileSink::create(Path::new("/no/such/dir/a.png"), 24.0, Depth::Auto, 8)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("does not exist"), "{err}");
    }
}
