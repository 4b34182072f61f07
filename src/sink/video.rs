//! What a video file will be: codec, layout, depth and preset
//! ([`VideoPlan`]); `encoder.rs` runs ffmpeg to write it.
//!
//! How it works: [`VideoPlan::new`] chooses the codec and its pixel layout
//! from the container, `--codec` and `--depth`, and from the input when
//! there is one, so a 10-bit source stays 10-bit and a 4:4:4 source keeps
//! its chroma:
//!
//! | container | 8-bit input | deeper input |
//! |---|---|---|
//! | .mov | H.264 | ProRes 422 HQ (4444 for 4:4:4 / RGB input) |
//! | .mp4 | H.264 | H.265 Main 10 |
//! | .mkv | H.264 | FFV1 (the input's layout and depth, lossless) |
//! | .nut, .avi | FFV1 | FFV1 |
//!
//! A picture whose size a subsampled layout cannot hold (4:2:0 and 4:2:2
//! need even sizes) is written 4:4:4. The RGB frames become Y'CbCr in the
//! encoder with the matrix and range written in the stream's tags.
//! A live recording (`run --sink file:`) must keep up with the camera on a
//! small machine whose CPU may also be grading (a software GPU): H.264 and
//! H.265 are encoded `ultrafast` with `zerolatency` (no look-ahead, no
//! B-frames: a frame leaves the encoder as it enters, so stopping is
//! immediate), from 8-bit frames. Measured on a 2-core machine, 1080p:
//! 17 ms of CPU a frame with the Y'CbCr conversion, against 105 ms for
//! `medium` and 29 ms for the 16-bit conversion alone. `--preset` chooses
//! another.

use super::depth::Depth;
use crate::gpu::OutputFormat;
use crate::source::probe::{Chroma, InputInfo};

/// A video codec to write (`--codec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    H264,
    H265,
    /// Apple ProRes 422 HQ.
    Prores,
    /// Apple ProRes 4444.
    Prores4444,
    /// FFV1: lossless, any size and depth.
    Ffv1,
}

impl std::str::FromStr for Codec {
    type Err = String;
    fn from_str(s: &str) -> Result<Codec, String> {
        match s {
            "h264" => Ok(Codec::H264),
            "h265" | "hevc" => Ok(Codec::H265),
            "prores" => Ok(Codec::Prores),
            "prores4444" => Ok(Codec::Prores4444),
            "ffv1" => Ok(Codec::Ffv1),
            _ => Err(format!(
                "codec `{s}`: expected h264, h265, prores, prores4444 or ffv1"
            )),
        }
    }
}

/// A video container, from the file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Mp4,
    Mov,
    Mkv,
    Avi,
    Nut,
}

impl Container {
    pub fn of_extension(ext: &str) -> Option<Container> {
        match ext.to_ascii_lowercase().as_str() {
            "mp4" | "m4v" => Some(Container::Mp4),
            "mov" => Some(Container::Mov),
            "mkv" => Some(Container::Mkv),
            "avi" => Some(Container::Avi),
            "nut" => Some(Container::Nut),
            _ => None,
        }
    }

    /// ffmpeg's muxer name (needed when writing to a pipe).
    pub(super) fn muxer(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Mov => "mov",
            Container::Mkv => "matroska",
            Container::Avi => "avi",
            Container::Nut => "nut",
        }
    }
}

/// An x264 / x265 speed preset (`--preset`): slower ones compress better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Ultrafast,
    Superfast,
    Veryfast,
    Faster,
    Fast,
    Medium,
    Slow,
    Slower,
    Veryslow,
}

impl Preset {
    const ALL: [Preset; 9] = [
        Preset::Ultrafast,
        Preset::Superfast,
        Preset::Veryfast,
        Preset::Faster,
        Preset::Fast,
        Preset::Medium,
        Preset::Slow,
        Preset::Slower,
        Preset::Veryslow,
    ];

    fn name(self) -> &'static str {
        match self {
            Preset::Ultrafast => "ultrafast",
            Preset::Superfast => "superfast",
            Preset::Veryfast => "veryfast",
            Preset::Faster => "faster",
            Preset::Fast => "fast",
            Preset::Medium => "medium",
            Preset::Slow => "slow",
            Preset::Slower => "slower",
            Preset::Veryslow => "veryslow",
        }
    }
}

impl std::str::FromStr for Preset {
    type Err = String;
    fn from_str(s: &str) -> Result<Preset, String> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
                format!("preset `{s}`: expected one of {}", names.join(", "))
            })
    }
}

/// Encoder choices of `grade` and `run` (`--codec`, `--preset`, `--crf`,
/// `--bitrate`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VideoOptions {
    pub codec: Option<Codec>,
    /// H.264 / H.265 speed (default: medium offline, ultrafast live).
    pub preset: Option<Preset>,
    /// Constant quality for H.264 / H.265 (lower is better; default 14 / 16).
    pub crf: Option<u32>,
    /// A target bitrate (e.g. `50M`) instead of constant quality.
    pub bitrate: Option<String>,
}

/// What will be written: codec, layout, depth.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoPlan {
    pub codec: Codec,
    /// ffmpeg's pixel format of the coded picture.
    pub pix_fmt: &'static str,
    /// Whether the picture is coded at more than 8 bits.
    pub deep: bool,
    /// The picture size.
    pub size: (u32, u32),
    /// A live recording (see the module comment).
    pub live: bool,
}

impl VideoPlan {
    /// See the module comment. `input` is the file being graded, if any.
    pub fn new(
        container: Container,
        options: &VideoOptions,
        depth: Depth,
        input: Option<&InputInfo>,
        (width, height): (u32, u32),
        live: bool,
    ) -> Result<VideoPlan, String> {
        let input_bits = input.map_or(8, |i| i.bits.min(16));
        let deep = match depth {
            Depth::Auto => input_bits > 8,
            Depth::Eight => false,
            Depth::Ten | Depth::Sixteen => true,
            Depth::Half | Depth::Float => {
                return Err(format!(
                    "{depth} is for EXR stills; video takes 8, 10 or 16"
                ))
            }
        };
        let chroma = input.map_or(Chroma::Yuv420, |i| i.chroma);
        let codec = options.codec.unwrap_or(match (container, deep) {
            (Container::Nut | Container::Avi, _) => Codec::Ffv1,
            (_, false) => Codec::H264,
            (Container::Mov, true) if matches!(chroma, Chroma::Yuv444 | Chroma::Rgb) => {
                Codec::Prores4444
            }
            (Container::Mov, true) => Codec::Prores,
            (Container::Mp4, true) => Codec::H265,
            (Container::Mkv, true) => Codec::Ffv1,
        });
        let even = width % 2 == 0 && height % 2 == 0;
        let even_width = width % 2 == 0;
        let pix_fmt = match codec {
            Codec::H264 | Codec::H265 => {
                let layout = match chroma {
                    Chroma::Gray => "gray",
                    Chroma::Yuv422 if even_width => "yuv422p",
                    Chroma::Yuv444 => "yuv444p",
                    _ if even => "yuv420p",
                    _ => "yuv444p",
                };
                match (layout, deep) {
                    ("gray", true) => "gray10le",
                    ("gray", false) => "gray",
                    ("yuv422p", true) => "yuv422p10le",
                    ("yuv444p", true) => "yuv444p10le",
                    ("yuv420p", true) => "yuv420p10le",
                    ("yuv422p", false) => "yuv422p",
                    ("yuv444p", false) => "yuv444p",
                    _ => "yuv420p",
                }
            }
            Codec::Prores if even_width => "yuv422p10le",
            Codec::Prores | Codec::Prores4444 => "yuv444p10le",
            Codec::Ffv1 => ffv1_layout(chroma, input_bits, deep, (width, height)),
        };
        if codec == Codec::Prores && pix_fmt == "yuv444p10le" {
            tracing::info!("{width}x{height}: an odd width cannot be 4:2:2; writing ProRes 4444");
        }
        let codec = if codec == Codec::Prores && pix_fmt == "yuv444p10le" {
            Codec::Prores4444
        } else {
            codec
        };
        Ok(VideoPlan {
            codec,
            pix_fmt,
            // ProRes is 10-bit whatever is asked.
            deep: deep || matches!(codec, Codec::Prores | Codec::Prores4444),
            size: (width, height),
            live,
        })
    }

    /// Frames come back at 16 bits for a deep codec, and for any Y'CbCr one
    /// of a render too: the RGB to Y'CbCr step (and its chroma filter) then
    /// starts from the graded values, not from 8-bit RGB, and loses no more
    /// than an ffmpeg-only conversion of the same picture. A live 8-bit
    /// recording takes 8-bit frames: the 16-bit conversion alone costs
    /// more CPU than its encoder (see the module comment).
    pub fn readback(&self) -> OutputFormat {
        if self.deep || (self.is_yuv() && !self.live) {
            OutputFormat::Rgba16
        } else {
            OutputFormat::Rgba8
        }
    }

    pub(super) fn is_yuv(&self) -> bool {
        self.pix_fmt.starts_with("yuv")
    }

    /// The x264 / x265 preset: the one asked for, else `ultrafast` live
    /// and `medium` offline.
    fn preset(&self, options: &VideoOptions) -> Preset {
        options.preset.unwrap_or(if self.live {
            Preset::Ultrafast
        } else {
            Preset::Medium
        })
    }

    /// The encoder in words, for the run's report.
    pub fn encoder_name(&self, options: &VideoOptions) -> String {
        let codec = match self.codec {
            Codec::H264 => "H.264",
            Codec::H265 => "H.265",
            Codec::Prores => "ProRes 422 HQ",
            Codec::Prores4444 => "ProRes 4444",
            Codec::Ffv1 => "FFV1",
        };
        match self.codec {
            Codec::H264 | Codec::H265 => format!(
                "{codec} {} {}{}",
                self.pix_fmt,
                self.preset(options).name(),
                if self.live { ", zero latency" } else { "" }
            ),
            _ => format!("{codec} {}", self.pix_fmt),
        }
    }

    /// The codec's ffmpeg options.
    pub(super) fn codec_args(&self, options: &VideoOptions) -> Vec<String> {
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        let preset = self.preset(options).name();
        let mut args = match self.codec {
            Codec::H264 => s(&["-c:v", "libx264", "-preset", preset]),
            Codec::H265 => s(&[
                "-c:v",
                "libx265",
                "-preset",
                preset,
                "-x265-params",
                "log-level=error",
            ]),
            Codec::Prores => s(&["-c:v", "prores_ks", "-profile:v", "3", "-vendor", "apl0"]),
            Codec::Prores4444 => s(&["-c:v", "prores_ks", "-profile:v", "4", "-vendor", "apl0"]),
            Codec::Ffv1 => {
                let mut args = s(&["-c:v", "ffv1", "-level", "3", "-g", "1", "-slicecrc", "1"]);
                // FFV1's own choice of slices fails on some small pictures
                // (5x7 4:2:0, 2x2 4:2:2); one slice always fits.
                if self.size.0 < 128 || self.size.1 < 128 {
                    args.extend(s(&["-slices", "1"]));
                }
                args
            }
        };
        if matches!(self.codec, Codec::H264 | Codec::H265) {
            if self.live {
                args.extend(s(&["-tune", "zerolatency"]));
            }
            match &options.bitrate {
                Some(rate) => args.extend(["-b:v".to_string(), rate.clone()]),
                None => {
                    let crf =
                        options
                            .crf
                            .unwrap_or(if self.codec == Codec::H264 { 14 } else { 16 });
                    args.extend(["-crf".to_string(), crf.to_string()]);
                }
            }
        } else if let Some(rate) = &options.bitrate {
            args.extend(["-b:v".to_string(), rate.clone()]);
        }
        args.extend(["-pix_fmt".to_string(), self.pix_fmt.to_string()]);
        args
    }
}

/// FFV1 keeps the input's layout and depth (lossless), or RGB.
fn ffv1_layout(chroma: Chroma, bits: u32, deep: bool, (w, h): (u32, u32)) -> &'static str {
    let even = w % 2 == 0 && h % 2 == 0;
    let bits = if deep { bits.max(10) } else { 8 };
    match (chroma, bits) {
        (Chroma::Gray, 8) => "gray",
        (Chroma::Gray, 9..=10) => "gray10le",
        (Chroma::Gray, 11..=12) => "gray12le",
        (Chroma::Gray, _) => "gray16le",
        (Chroma::Yuv420, 8) if even => "yuv420p",
        (Chroma::Yuv420, 9..=10) if even => "yuv420p10le",
        (Chroma::Yuv420, 11..=12) if even => "yuv420p12le",
        (Chroma::Yuv420, _) if even => "yuv420p16le",
        (Chroma::Yuv422, 8) if w % 2 == 0 => "yuv422p",
        (Chroma::Yuv422, 9..=10) if w % 2 == 0 => "yuv422p10le",
        (Chroma::Yuv422, 11..=12) if w % 2 == 0 => "yuv422p12le",
        (Chroma::Yuv422, _) if w % 2 == 0 => "yuv422p16le",
        (Chroma::Yuv444 | Chroma::Yuv420 | Chroma::Yuv422, 8) => "yuv444p",
        (Chroma::Yuv444 | Chroma::Yuv420 | Chroma::Yuv422, 9..=10) => "yuv444p10le",
        (Chroma::Yuv444 | Chroma::Yuv420 | Chroma::Yuv422, 11..=12) => "yuv444p12le",
        (Chroma::Yuv444 | Chroma::Yuv420 | Chroma::Yuv422, _) => "yuv444p16le",
        (Chroma::Rgb, 8) => "bgr0",
        (Chroma::Rgb, 9..=10) => "gbrp10le",
        (Chroma::Rgb, 11..=12) => "gbrp12le",
        (Chroma::Rgb, _) => "gbrp16le",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffmpeg::ColourTags;
    use crate::source::probe::InputKind;

    fn input(chroma: Chroma, bits: u32) -> InputInfo {
        InputInfo {
            kind: InputKind::Video,
            width: 1920,
            height: 1080,
            frames: Some(10),
            fps: Some(25.0),
            rate: Some("25/1".into()),
            bits,
            chroma,
            codec: None,
            colour: ColourTags::default(),
            timecode: None,
            audio: Vec::new(),
            subtitles: Vec::new(),
        }
    }

    #[test]
    fn depth_and_layout_follow_the_input() {
        let plan = |c, bits, container, size| {
            VideoPlan::new(
                container,
                &VideoOptions::default(),
                Depth::Auto,
                Some(&input(c, bits)),
                size,
                false,
            )
            .unwrap()
        };
        let hd = (1920, 1080);
        let p = plan(Chroma::Yuv422, 10, Container::Mov, hd);
        assert_eq!(
            (p.codec, p.pix_fmt, p.deep),
            (Codec::Prores, "yuv422p10le", true)
        );
        let p = plan(Chroma::Yuv444, 12, Container::Mov, hd);
        assert_eq!(p.codec, Codec::Prores4444);
        let p = plan(Chroma::Yuv420, 10, Container::Mp4, hd);
        assert_eq!((p.codec, p.pix_fmt), (Codec::H265, "yuv420p10le"));
        let p = plan(Chroma::Yuv420, 8, Container::Mp4, hd);
        assert_eq!(
            (p.codec, p.pix_fmt, p.deep),
            (Codec::H264, "yuv420p", false)
        );
        // Odd sizes cannot be subsampled.
        let p = plan(Chroma::Yuv420, 8, Container::Mp4, (853, 480));
        assert_eq!(p.pix_fmt, "yuv444p");
        let p = plan(Chroma::Yuv420, 10, Container::Mkv, (853, 481));
        assert_eq!((p.codec, p.pix_fmt), (Codec::Ffv1, "yuv444p10le"));
        let p = plan(Chroma::Rgb, 16, Container::Nut, hd);
        assert_eq!(p.pix_fmt, "gbrp16le");
        let err = VideoPlan::new(
            Container::Mp4,
            &VideoOptions::default(),
            Depth::Half,
            None,
            hd,
            false,
        )
        .unwrap_err();
        assert!(err.contains("EXR"), "{err}");
    }
}
