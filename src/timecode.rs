//! SMPTE timecode arithmetic (SMPTE ST 12-1): the timecode of a picture
//! some frames after a start, non-drop and drop-frame, and a file source's
//! timecode at each of its frames.

/// A source's timecode: its first frame's, its rate and length.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceTimecode {
    pub start: String,
    pub fps: f64,
    /// Pictures in the file (a looping source starts again after them).
    pub frames: Option<u64>,
}

impl SourceTimecode {
    /// The timecode of the source's picture numbered `index` from 0 (a
    /// looping source's count goes on past its end).
    pub fn at(&self, index: u64) -> Option<String> {
        let index = match self.frames {
            Some(n) if n > 0 => index % n,
            _ => index,
        };
        timecode_after(&self.start, index, self.fps)
    }
}

/// The SMPTE timecode `frames` frames after `start` (`HH:MM:SS:FF`, or
/// `HH:MM:SS;FF` drop-frame at 29.97 / 59.94) at `fps`. `None` when
/// `start` is not a timecode.
pub fn timecode_after(start: &str, frames: u64, fps: f64) -> Option<String> {
    let drop = start.contains(';');
    let parts: Vec<u64> = start
        .split([':', ';', '.'])
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s, f] = parts[..] else {
        return None;
    };
    let base = fps.round() as u64;
    if base == 0 || f >= base || s >= 60 || m >= 60 {
        return None;
    }
    // Drop-frame skips 2 (29.97) or 4 (59.94) frame numbers each minute
    // but every tenth (SMPTE ST 12-1).
    let skip = if drop { base / 15 } else { 0 };
    let to_count = |h: u64, m: u64, s: u64, f: u64| {
        let minutes = h * 60 + m;
        (minutes * 60 + s) * base + f - skip * (minutes - minutes / 10)
    };
    let count = to_count(h, m, s, f) + frames;
    let (h, m, s, f) = if drop {
        let per_ten = base * 600 - skip * 9;
        let per_minute = base * 60 - skip;
        let tens = count / per_ten;
        let rest = count % per_ten;
        let adjusted = if rest < skip {
            count + skip * 9 * tens
        } else {
            count + skip * 9 * tens + skip * ((rest - skip) / per_minute)
        };
        (
            adjusted / (base * 3600) % 24,
            adjusted / (base * 60) % 60,
            adjusted / base % 60,
            adjusted % base,
        )
    } else {
        (
            count / (base * 3600) % 24,
            count / (base * 60) % 60,
            count / base % 60,
            count % base,
        )
    };
    let sep = if drop { ';' } else { ':' };
    Some(format!("{h:02}:{m:02}:{s:02}{sep}{f:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timecode_counts_on_in_both_forms() {
        assert_eq!(
            timecode_after("01:00:00:00", 25, 25.0).unwrap(),
            "01:00:01:00"
        );
        assert_eq!(
            timecode_after("00:59:59:23", 1, 24.0).unwrap(),
            "01:00:00:00"
        );
        // Drop-frame: 00:00:59;29 + 1 skips ;00 and ;01.
        assert_eq!(
            timecode_after("00:00:59;29", 1, 29.97).unwrap(),
            "00:01:00;02"
        );
        // ... but not on the tenth minute.
        assert_eq!(
            timecode_after("00:09:59;29", 1, 29.97).unwrap(),
            "00:10:00;00"
        );
        // One hour of drop-frame is 107892 frames.
        assert_eq!(
            timecode_after("00:00:00;00", 107_892, 29.97).unwrap(),
            "01:00:00;00"
        );
        assert_eq!(timecode_after("not a timecode", 1, 25.0), None);
        assert_eq!(timecode_after("00:00:00:30", 1, 25.0), None);
    }

    #[test]
    fn a_looping_source_starts_its_timecode_again() {
        let tc = SourceTimecode {
            start: "10:00:00:00".into(),
            fps: 25.0,
            frames: Some(50),
        };
        assert_eq!(tc.at(49).unwrap(), "10:00:01:24");
        assert_eq!(tc.at(50).unwrap(), "10:00:00:00");
    }
}
