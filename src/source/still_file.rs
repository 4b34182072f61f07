//! Decoding a still file: PNG by the `png` crate with every checksum
//! verified (a damaged file is an error, never a damaged picture), TIFF and
//! JPEG by `image`, OpenEXR by `exr`, DPX by ffmpeg; each reads its header
//! first and refuses a size past the engine's limits before it allocates.

use super::probe::{check_size, extension, probe_video, unreadable, Chroma, InputInfo, InputKind};
use super::SourceError;
use crate::ffmpeg::ColourTags;
use crate::frame::PixelFormat;
use std::path::Path;
use std::process::Command;

/// A decoded still picture.
#[derive(Debug, Clone)]
pub struct Still {
    pub width: u32,
    pub height: u32,
    pub format: PixelFormat,
    pub data: Vec<u8>,
    /// Bits a channel in the file (8, 16 or 32 for float).
    pub bits: u32,
}

/// Says that a picture's alpha is not carried (graded and written opaque).
fn alpha_left_out(path: &Path) {
    tracing::warn!(
        "{}: its alpha channel is left out: the picture is graded and written opaque",
        path.display()
    );
}

/// An EXR's first part's size, bits a sample (16 for half) and whether it
/// has alpha, from its header alone.
fn exr_header(path: &Path) -> Result<(u32, u32, u32, bool), SourceError> {
    let meta = exr::meta::MetaData::read_from_file(path, false)
        .map_err(|e| unreadable(path, "OpenEXR", e))?;
    let header = meta
        .headers
        .first()
        .ok_or_else(|| unreadable(path, "OpenEXR", "no picture in the file"))?;
    let side = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    let (w, h) = (side(header.layer_size.x()), side(header.layer_size.y()));
    check_size(path, "OpenEXR", w, h)?;
    let list = &header.channels.list;
    let red = list.iter().find(|c| c.name.eq("R")).or(list.first());
    let half = red.is_some_and(|c| c.sample_type == exr::meta::attribute::SampleType::F16);
    let alpha = list.iter().any(|c| c.name.eq("A"));
    Ok((w, h, if half { 16 } else { 32 }, alpha))
}

/// An image crate decoder for `path`, its header read and its size
/// checked; nothing of the picture decoded yet.
fn image_decoder(path: &Path) -> Result<impl image::ImageDecoder, SourceError> {
    let decoder = image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| unreadable(path, "an image", e))?
        .into_decoder()
        .map_err(|e| unreadable(path, "an image", e))?;
    let (w, h) = image::ImageDecoder::dimensions(&decoder);
    check_size(path, "an image", w, h)?;
    Ok(decoder)
}

fn bits_per_channel(color: image::ColorType) -> u32 {
    u32::from(color.bits_per_pixel() / u16::from(color.channel_count()))
}

pub(super) fn still_info(path: &Path) -> Result<InputInfo, SourceError> {
    let info = |width, height, bits, chroma| InputInfo {
        kind: InputKind::Still,
        width,
        height,
        frames: Some(1),
        fps: None,
        rate: None,
        bits,
        chroma,
        codec: None,
        colour: ColourTags::default(),
        timecode: None,
        audio: Vec::new(),
        subtitles: Vec::new(),
    };
    match extension(path).as_deref() {
        Some("exr") => {
            let (width, height, bits, alpha) = exr_header(path)?;
            if alpha {
                alpha_left_out(path);
            }
            Ok(info(width, height, bits, Chroma::Rgb))
        }
        Some("dpx") => {
            let video = probe_video(path)?;
            Ok(InputInfo {
                kind: InputKind::Still,
                frames: Some(1),
                fps: None,
                rate: None,
                codec: None,
                ..video
            })
        }
        _ => {
            let decoder = image_decoder(path)?;
            let (w, h) = image::ImageDecoder::dimensions(&decoder);
            let color = image::ImageDecoder::color_type(&decoder);
            if color.has_alpha() {
                alpha_left_out(path);
            }
            let chroma = if color.has_color() {
                Chroma::Rgb
            } else {
                Chroma::Gray
            };
            Ok(info(w, h, bits_per_channel(color), chroma))
        }
    }
}

/// Bits a channel of a still (8, 16, or 32 for float), from its header only.
pub fn still_bits(path: &Path) -> Result<u32, SourceError> {
    Ok(still_info(path)?.bits)
}

/// Decodes a still: 8-bit grey as Gray8, other 8-bit pictures as RGB8,
/// 16-bit as RGBA16, float and EXR as float RGBA.
pub fn load_still(path: &Path) -> Result<Still, SourceError> {
    if !path.exists() {
        return Err(SourceError::NotFound { path: path.into() });
    }
    match extension(path).as_deref() {
        Some("exr") => return load_exr(path),
        Some("dpx") => return load_with_ffmpeg(path),
        Some("png") => return load_png(path),
        _ => {}
    }
    let decoded = image::DynamicImage::from_decoder(image_decoder(path)?)
        .map_err(|e| unreadable(path, "an image", e))?;
    let (width, height) = (decoded.width(), decoded.height());
    let bits = bits_per_channel(decoded.color());
    let (format, data) = match bits {
        8 if !decoded.color().has_color() => (PixelFormat::Gray8, decoded.into_luma8().into_raw()),
        8 => (PixelFormat::Rgb8, decoded.into_rgb8().into_raw()),
        16 => (
            PixelFormat::Rgba16,
            decoded
                .into_rgba16()
                .into_raw()
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
        _ => (
            PixelFormat::RgbaF32,
            decoded
                .into_rgba32f()
                .into_raw()
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
    };
    Ok(Still {
        width,
        height,
        format,
        data,
        bits,
    })
}

/// PNG with the chunk CRCs and the zlib checksum verified: a damaged file is
/// refused, never graded as it decodes. Palettes and low bit depths are
/// expanded; alpha is kept for 16-bit pictures and dropped for 8-bit ones.
fn load_png(path: &Path) -> Result<Still, SourceError> {
    let what = "PNG";
    let file = std::fs::File::open(path).map_err(|e| unreadable(path, what, e))?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.ignore_checksums(false);
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().map_err(|e| unreadable(path, what, e))?;
    let header = reader.info();
    check_size(path, what, header.width, header.height)?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| unreadable(path, what, "picture too large"))?;
    let mut buf = vec![0; size];
    let frame = reader
        .next_frame(&mut buf)
        .map_err(|e| unreadable(path, what, e))?;
    reader.finish().map_err(|e| unreadable(path, what, e))?;
    buf.truncate(frame.buffer_size());
    let (width, height) = (frame.width, frame.height);
    let channels = frame.color_type.samples();
    let bits = match frame.bit_depth {
        png::BitDepth::Sixteen => 16,
        _ => 8,
    };
    let (format, data) = if bits == 8 {
        match channels {
            1 => (PixelFormat::Gray8, buf),
            3 => (PixelFormat::Rgb8, buf),
            _ => (
                PixelFormat::Rgb8,
                buf.chunks_exact(channels)
                    .flat_map(|p| {
                        if channels == 2 {
                            [p[0], p[0], p[0]]
                        } else {
                            [p[0], p[1], p[2]]
                        }
                    })
                    .collect(),
            ),
        }
    } else {
        // Big-endian samples in the file, RGBA little-endian on the GPU.
        let samples: Vec<u16> = buf
            .chunks_exact(2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .collect();
        let data = samples
            .chunks_exact(channels)
            .flat_map(|p| match channels {
                1 => [p[0], p[0], p[0], u16::MAX],
                2 => [p[0], p[0], p[0], p[1]],
                3 => [p[0], p[1], p[2], u16::MAX],
                _ => [p[0], p[1], p[2], p[3]],
            })
            .flat_map(u16::to_le_bytes)
            .collect();
        (PixelFormat::Rgba16, data)
    };
    Ok(Still {
        width,
        height,
        format,
        data,
        bits,
    })
}

fn load_exr(path: &Path) -> Result<Still, SourceError> {
    use exr::prelude::*;
    exr_header(path)?;
    let image = read_first_rgba_layer_from_file(
        path,
        |resolution, _| {
            (
                resolution.width(),
                vec![0f32; resolution.width() * resolution.height() * 4],
            )
        },
        |(width, pixels), position, (r, g, b, a): (f32, f32, f32, f32)| {
            let i = (position.y() * *width + position.x()) * 4;
            pixels[i..i + 4].copy_from_slice(&[r, g, b, a]);
        },
    )
    .map_err(|e| unreadable(path, "OpenEXR", e))?;
    let size = image.layer_data.size;
    // Half-float pictures say 16 bits, so `--depth auto` writes half again.
    let bits = match image.layer_data.channel_data.channels.0.sample_type {
        SampleType::F16 => 16,
        _ => 32,
    };
    let (_, pixels) = image.layer_data.channel_data.pixels;
    Ok(Still {
        width: size.width() as u32,
        height: size.height() as u32,
        format: PixelFormat::RgbaF32,
        data: pixels.iter().flat_map(|v| v.to_le_bytes()).collect(),
        bits,
    })
}

/// A still only ffmpeg reads (DPX), decoded to 16-bit RGB.
fn load_with_ffmpeg(path: &Path) -> Result<Still, SourceError> {
    let info = probe_video(path)?;
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(path)
        .args([
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb48le",
            "-",
        ])
        .output()
        .map_err(|e| SourceError::ToolMissing {
            program: "ffmpeg",
            purpose: "reading DPX",
            message: e.to_string(),
        })?;
    let expected = PixelFormat::Rgb16.frame_bytes(info.width, info.height);
    if !out.status.success() || out.stdout.len() != expected {
        return Err(unreadable(
            path,
            "DPX",
            format!(
                "ffmpeg gave {} of {expected} bytes: {}",
                out.stdout.len(),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ));
    }
    Ok(Still {
        width: info.width,
        height: info.height,
        format: PixelFormat::Rgb16,
        data: out.stdout,
        bits: info.bits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_pngs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.png");
        let noise: Vec<u8> = (0..48 * 32 * 3)
            .map(|i: u32| (i * 7919 % 251) as u8)
            .collect();
        image::RgbImage::from_raw(48, 32, noise.clone())
            .unwrap()
            .save(&good)
            .unwrap();
        assert_eq!(load_still(&good).unwrap().data, noise);
        let bytes = std::fs::read(&good).unwrap();
        let idat = bytes.windows(4).position(|w| w == b"IDAT").unwrap();
        let len = u32::from_be_bytes(bytes[idat - 4..idat].try_into().unwrap()) as usize;
        // A flipped bit inside the compressed data, the chunk CRC redone:
        // only the zlib checksum can tell.
        let mut damaged = bytes.clone();
        damaged[idat + 4 + len / 2] ^= 0x01;
        let crc = crc32(&damaged[idat..idat + 4 + len]);
        damaged[idat + 4 + len..idat + 8 + len].copy_from_slice(&crc.to_be_bytes());
        let bad = dir.path().join("bad.png");
        std::fs::write(&bad, &damaged).unwrap();
        let err = load_still(&bad).unwrap_err().to_string();
        assert!(err.contains("bad.png"), "{err}");
        // A flipped CRC, and a file cut short.
        let mut crc_only = bytes.clone();
        crc_only[idat + 4 + len] ^= 0xff;
        std::fs::write(&bad, &crc_only).unwrap();
        assert!(load_still(&bad).is_err());
        std::fs::write(&bad, &bytes[..idat + len / 2]).unwrap();
        assert!(load_still(&bad).is_err());
    }

    /// CRC-32 as PNG chunks use it (ISO 3309).
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
