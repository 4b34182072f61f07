//! Frames as they travel from a source to the GPU.
//!
//! A [`Frame`] is one picture in the layout its source delivered it in
//! ([`PixelFormat`]): packed RGB, 16-bit, float, or camera YUV. Nothing is
//! converted on the CPU; the GPU ingest pass (`src/gpu/ingest.rs`) reads these
//! bytes as they are. Every frame carries its [`FrameId`] and the [`Instant`]
//! it was captured, so the engine can measure capture-to-ready latency.

use std::time::Instant;

/// Monotonic number of a frame within one source, starting at 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct FrameId(pub u64);

/// Byte layout of a frame. Multi-byte samples are little-endian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// 8-bit R, G, B (3 bytes a pixel).
    Rgb8,
    /// 8-bit B, G, R (3 bytes a pixel), as some cameras deliver.
    Bgr8,
    /// 8-bit R, G, B, A (4 bytes a pixel).
    Rgba8,
    /// 8-bit luma only (1 byte a pixel).
    Gray8,
    /// 16-bit R, G, B (6 bytes a pixel).
    Rgb16,
    /// 16-bit R, G, B, A (8 bytes a pixel).
    Rgba16,
    /// IEEE half-float R, G, B, A (8 bytes a pixel).
    RgbaF16,
    /// IEEE float R, G, B, A (16 bytes a pixel).
    RgbaF32,
    /// YUV 4:2:2 packed Y0 U Y1 V (2 bytes a pixel; width must be even).
    Yuyv,
    /// YUV 4:2:0: a Y plane, then an interleaved U V plane at half size
    /// (width and height must be even).
    Nv12,
}

impl PixelFormat {
    /// Bytes needed for one picture of `width` x `height` in this layout.
    pub fn frame_bytes(self, width: u32, height: u32) -> usize {
        let pixels = width as usize * height as usize;
        match self {
            PixelFormat::Gray8 => pixels,
            PixelFormat::Yuyv => pixels * 2,
            PixelFormat::Nv12 => pixels + pixels / 2,
            PixelFormat::Rgb8 | PixelFormat::Bgr8 => pixels * 3,
            PixelFormat::Rgba8 => pixels * 4,
            PixelFormat::Rgb16 => pixels * 6,
            PixelFormat::Rgba16 | PixelFormat::RgbaF16 => pixels * 8,
            PixelFormat::RgbaF32 => pixels * 16,
        }
    }

    /// Whether this layout is chroma-subsampled YUV (needs even sizes).
    pub fn is_yuv(self) -> bool {
        matches!(self, PixelFormat::Yuyv | PixelFormat::Nv12)
    }

    /// The number the ingest shader's `FORMAT` override uses for this layout.
    pub fn shader_code(self) -> u32 {
        match self {
            PixelFormat::Rgb8 => 0,
            PixelFormat::Bgr8 => 1,
            PixelFormat::Rgba8 => 2,
            PixelFormat::Gray8 => 3,
            PixelFormat::Rgb16 => 4,
            PixelFormat::Rgba16 => 5,
            PixelFormat::RgbaF16 => 6,
            PixelFormat::RgbaF32 => 7,
            PixelFormat::Yuyv => 8,
            PixelFormat::Nv12 => 9,
        }
    }
}

/// How YUV samples map to R'G'B' (ITU-R BT.601-7 / BT.709-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct YuvEncoding {
    pub matrix: YuvMatrix,
    /// Full range (0-255) rather than studio/limited range (16-235 / 16-240).
    pub full_range: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum YuvMatrix {
    Bt601,
    Bt709,
}

impl YuvEncoding {
    /// The usual convention: BT.601 for SD, BT.709 for HD and up, limited range.
    pub fn for_height(height: u32) -> Self {
        let matrix = if height >= 720 {
            YuvMatrix::Bt709
        } else {
            YuvMatrix::Bt601
        };
        YuvEncoding {
            matrix,
            full_range: false,
        }
    }

    /// Y'CbCr 8-bit codes to R'G'B', the CPU twin of `yuv_to_rgb` in
    /// `shaders/ingest.wgsl`. ITU-R BT.601-7 table 2 / BT.709-6 item 3:
    /// `R = Y + 2(1-Kr) Cr`, `B = Y + 2(1-Kb) Cb`, `G = (Y - Kr R - Kb B) / Kg`,
    /// with studio range (Y 16-235, C 16-240) or full range codes.
    pub fn to_rgb(self, y: u8, u: u8, v: u8) -> [f32; 3] {
        let (y, cb, cr) = if self.full_range {
            (
                f32::from(y) / 255.0,
                (f32::from(u) - 128.0) / 255.0,
                (f32::from(v) - 128.0) / 255.0,
            )
        } else {
            (
                (f32::from(y) - 16.0) / 219.0,
                (f32::from(u) - 128.0) / 224.0,
                (f32::from(v) - 128.0) / 224.0,
            )
        };
        let (kr, kb) = match self.matrix {
            YuvMatrix::Bt601 => (0.299, 0.114),
            YuvMatrix::Bt709 => (0.2126, 0.0722),
        };
        let r = y + 2.0 * (1.0 - kr) * cr;
        let b = y + 2.0 * (1.0 - kb) * cb;
        let g = (y - kr * r - kb * b) / (1.0 - kr - kb);
        [r, g, b]
    }
}

/// One picture and where it came from.
#[derive(Debug)]
pub struct Frame {
    pub id: FrameId,
    /// When the source had the picture (camera delivery, decode, or render).
    pub captured: Instant,
    pub width: u32,
    pub height: u32,
    pub format: PixelFormat,
    /// Only read for YUV layouts.
    pub yuv: YuvEncoding,
    /// Exactly `format.frame_bytes(width, height)` bytes.
    pub data: Vec<u8>,
}

impl Frame {
    /// The pixel at (x, y) as normalised RGBA: the CPU twin of
    /// `decode_pixel` in `shaders/ingest.wgsl`, used by tests and checks.
    pub fn pixel(&self, x: u32, y: u32) -> [f32; 4] {
        let d = &self.data;
        let p = (y * self.width + x) as usize;
        let u8n = |i: usize| f32::from(d[i]) / 255.0;
        let u16n = |i: usize| f32::from(u16::from_le_bytes([d[i], d[i + 1]])) / 65535.0;
        let f16 = |i: usize| half::f16::from_le_bytes([d[i], d[i + 1]]).to_f32();
        let f32at = |i: usize| f32::from_le_bytes([d[i], d[i + 1], d[i + 2], d[i + 3]]);
        let rgb1 = |c: [f32; 3]| [c[0], c[1], c[2], 1.0];
        match self.format {
            PixelFormat::Rgb8 => [u8n(p * 3), u8n(p * 3 + 1), u8n(p * 3 + 2), 1.0],
            PixelFormat::Bgr8 => [u8n(p * 3 + 2), u8n(p * 3 + 1), u8n(p * 3), 1.0],
            PixelFormat::Rgba8 => [0, 1, 2, 3].map(|c| u8n(p * 4 + c)),
            PixelFormat::Gray8 => [u8n(p), u8n(p), u8n(p), 1.0],
            PixelFormat::Rgb16 => [u16n(p * 6), u16n(p * 6 + 2), u16n(p * 6 + 4), 1.0],
            PixelFormat::Rgba16 => [0, 1, 2, 3].map(|c| u16n(p * 8 + c * 2)),
            PixelFormat::RgbaF16 => [0, 1, 2, 3].map(|c| f16(p * 8 + c * 2)),
            PixelFormat::RgbaF32 => [0, 1, 2, 3].map(|c| f32at(p * 16 + c * 4)),
            PixelFormat::Yuyv => {
                let pair = (p / 2) * 4;
                let luma = if x % 2 == 1 { d[pair + 2] } else { d[pair] };
                rgb1(self.yuv.to_rgb(luma, d[pair + 1], d[pair + 3]))
            }
            PixelFormat::Nv12 => {
                let (w, h) = (self.width as usize, self.height as usize);
                let chroma = w * h + (y as usize / 2) * w + (x as usize & !1);
                rgb1(self.yuv.to_rgb(d[p], d[chroma], d[chroma + 1]))
            }
        }
    }

    /// Checks that the byte count matches the layout and size.
    pub fn is_consistent(&self) -> bool {
        self.data.len() == self.format.frame_bytes(self.width, self.height)
            && (!self.format.is_yuv() || (self.width % 2 == 0 && self.height % 2 == 0))
    }
}

/// Frames a second: the one check every frame rate given on the command
/// line or in the settings goes through (`--fps`, `[run] fps`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct FrameRate(f64);

impl TryFrom<f64> for FrameRate {
    type Error = String;
    fn try_from(fps: f64) -> Result<FrameRate, String> {
        FrameRate::new(fps)
    }
}

impl From<FrameRate> for f64 {
    fn from(rate: FrameRate) -> f64 {
        rate.0
    }
}

impl FrameRate {
    /// What a rate must be, in words.
    pub const EXPECTED: &'static str = "1 <= fps <= 240";

    /// `fps` if it is a usable rate.
    pub fn new(fps: f64) -> Result<FrameRate, String> {
        if fps.is_finite() && (1.0..=240.0).contains(&fps) {
            Ok(FrameRate(fps))
        } else {
            Err(format!("{fps}: expected {}", FrameRate::EXPECTED))
        }
    }

    pub fn fps(self) -> f64 {
        self.0
    }
}

impl std::str::FromStr for FrameRate {
    type Err = String;
    fn from_str(s: &str) -> Result<FrameRate, String> {
        let fps: f64 = s
            .trim()
            .parse()
            .map_err(|_| format!("`{s}`: expected frames a second, e.g. 25 or 29.97"))?;
        FrameRate::new(fps)
    }
}

/// A picture size in pixels, parsed from `WIDTHxHEIGHT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

/// Largest picture side the engine makes (`--size` of patterns and the
/// demo, asked of cameras; 8K DCI is 8192).
pub const MAX_SIDE: u32 = 8192;

/// Largest picture side a file may have (a reader refuses more before it
/// allocates anything).
pub const MAX_FILE_SIDE: u32 = 32768;

/// Most pixels a file's picture may have: 16384 x 8192 (12K cameras'
/// 12288 x 6480 fit; 2 GiB as float RGBA, the widest layout held).
pub const MAX_FILE_PIXELS: u64 = 1 << 27;

/// Refuses a picture size past the file limits, in words for an error.
pub fn check_file_picture(width: u32, height: u32) -> Result<(), String> {
    if width == 0 || height == 0 {
        return Err(format!(
            "a picture of {width}x{height} pixels has nothing in it"
        ));
    }
    if width > MAX_FILE_SIDE
        || height > MAX_FILE_SIDE
        || u64::from(width) * u64::from(height) > MAX_FILE_PIXELS
    {
        return Err(format!(
            "a picture of {width}x{height} pixels is larger than the engine takes (at most {MAX_FILE_SIDE} on a side and {} million pixels)",
            MAX_FILE_PIXELS / 1_000_000
        ));
    }
    Ok(())
}

impl Size {
    pub const HD: Size = Size {
        width: 1920,
        height: 1080,
    };
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

impl std::str::FromStr for Size {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "size `{s}`: expected WIDTHxHEIGHT, each 2..={MAX_SIDE} and even, e.g. 1920x1080"
            )
        };
        let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
        let width: u32 = w.trim().parse().map_err(|_| bad())?;
        let height: u32 = h.trim().parse().map_err(|_| bad())?;
        if !(2..=MAX_SIDE).contains(&width)
            || !(2..=MAX_SIDE).contains(&height)
            || width % 2 != 0
            || height % 2 != 0
        {
            return Err(bad());
        }
        Ok(Size { width, height })
    }
}

impl TryFrom<String> for Size {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Size> for (u32, u32) {
    fn from(s: Size) -> (u32, u32) {
        (s.width, s.height)
    }
}

impl From<Size> for String {
    fn from(s: Size) -> String {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuv_reference_points() {
        let studio = |m| YuvEncoding {
            matrix: m,
            full_range: false,
        };
        // Studio-range black and white are exact in both matrices.
        for m in [YuvMatrix::Bt601, YuvMatrix::Bt709] {
            let black = studio(m).to_rgb(16, 128, 128);
            let white = studio(m).to_rgb(235, 128, 128);
            assert!(
                black.iter().all(|c| c.abs() < 1e-6)
                    && white.iter().all(|c| (c - 1.0).abs() < 1e-6)
            );
        }
        // BT.709 100% red: Y' 63, Cb 102, Cr 240 (BT.709-6 code values).
        let red = studio(YuvMatrix::Bt709).to_rgb(63, 102, 240);
        assert!(
            (red[0] - 1.0).abs() < 0.01 && red[1].abs() < 0.01 && red[2].abs() < 0.01,
            "{red:?}"
        );
    }

    #[test]
    fn sizes_parse_and_reject() {
        assert_eq!("1920x1080".parse::<Size>().unwrap(), Size::HD);
        for bad in ["0x0", "1920", "99999x10", "1921x1080", "axb", "-2x2"] {
            let err = bad.parse::<Size>().unwrap_err();
            assert!(err.contains(bad), "{err}");
        }
    }

    #[test]
    fn byte_counts_match_layouts() {
        assert_eq!(PixelFormat::Nv12.frame_bytes(4, 2), 12);
        assert_eq!(PixelFormat::Yuyv.frame_bytes(4, 2), 16);
        assert_eq!(PixelFormat::RgbaF32.frame_bytes(1, 1), 16);
    }
}
