//! IVF framing: how graded frames reach the encoder with their timestamps.
//!
//! How it works: IVF is the smallest container ffmpeg reads from a pipe
//! that gives every frame its own presentation time: a 32-byte header
//! (a four-character code naming the picture layout, the size, the time
//! base) and, before each frame, 12 bytes (the frame's length and its
//! timestamp in time-base units). Raw frames are named by the codes of
//! ffmpeg's raw video table: `RGBA` for 8-bit RGBA, `RBA@` (`RBA` and the
//! number 64) for 16-bit little-endian RGBA. The time base is one frame
//! of the file's rate, so a timestamp is a slot of the file: a frame at
//! slot 7 after one at slot 3 makes the earlier picture last four slots.
//! The container holds a picture over a gap; nothing is encoded twice.

use crate::gpu::OutputFormat;

/// The 32-byte stream header.
pub fn stream_header(
    layout: OutputFormat,
    (width, height): (u32, u32),
    (rate_num, rate_den): (u32, u32),
) -> Result<[u8; 32], String> {
    let fourcc: &[u8; 4] = match layout {
        OutputFormat::Rgba8 => b"RGBA",
        OutputFormat::Rgba16 => b"RBA@",
        other => return Err(format!("{other:?} frames cannot go to the encoder")),
    };
    let side = |v: u32| {
        u16::try_from(v).map_err(|_| format!("{width}x{height}: a video side is at most 65535"))
    };
    let (w, h) = (side(width)?, side(height)?);
    let mut header = [0u8; 32];
    header[0..4].copy_from_slice(b"DKIF");
    header[4..6].copy_from_slice(&0u16.to_le_bytes()); // version
    header[6..8].copy_from_slice(&32u16.to_le_bytes()); // header length
    header[8..12].copy_from_slice(fourcc);
    header[12..14].copy_from_slice(&w.to_le_bytes());
    header[14..16].copy_from_slice(&h.to_le_bytes());
    // The time base is den/num seconds: one frame at num/den frames a second.
    header[16..20].copy_from_slice(&rate_num.to_le_bytes());
    header[20..24].copy_from_slice(&rate_den.to_le_bytes());
    // Frame count (unknown on a live pipe) and a reserved word stay 0.
    Ok(header)
}

/// The 12-byte header before a frame of `len` bytes shown from slot `pts`.
pub fn frame_header(len: usize, pts: u64) -> Result<[u8; 12], String> {
    let len = u32::try_from(len).map_err(|_| format!("a frame of {len} bytes (at most 4 GiB)"))?;
    let mut header = [0u8; 12];
    header[0..4].copy_from_slice(&len.to_le_bytes());
    header[4..12].copy_from_slice(&pts.to_le_bytes());
    Ok(header)
}

/// A rate as ffmpeg writes it (`25`, `24000/1001`, `29970000/1000000`) as
/// a fraction of two 32-bit numbers.
pub fn rate_fraction(rate: &str) -> Option<(u32, u32)> {
    let (n, d) = rate.split_once('/').unwrap_or((rate, "1"));
    let (n, d): (u32, u32) = (n.trim().parse().ok()?, d.trim().parse().ok()?);
    (n > 0 && d > 0).then_some((n, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_carry_size_rate_and_slot() {
        let h = stream_header(OutputFormat::Rgba16, (1920, 1080), (30000, 1001)).unwrap();
        assert_eq!(&h[0..4], b"DKIF");
        assert_eq!(&h[8..12], b"RBA@");
        assert_eq!(u16::from_le_bytes([h[12], h[13]]), 1920);
        assert_eq!(u32::from_le_bytes(h[16..20].try_into().unwrap()), 30000);
        assert_eq!(u32::from_le_bytes(h[20..24].try_into().unwrap()), 1001);
        assert!(stream_header(OutputFormat::Rgba8, (70000, 2), (25, 1)).is_err());
        let f = frame_header(12, 7).unwrap();
        assert_eq!(u32::from_le_bytes(f[0..4].try_into().unwrap()), 12);
        assert_eq!(u64::from_le_bytes(f[4..12].try_into().unwrap()), 7);
        assert_eq!(rate_fraction("24000/1001"), Some((24000, 1001)));
        assert_eq!(rate_fraction("25"), Some((25, 1)));
        assert_eq!(rate_fraction("0/1"), None);
    }
}
