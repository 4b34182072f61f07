//! The HSL qualifier: a key on the picture's own colours (a hue arc, a
//! saturation range and a luma range, each with soft edges), the
//! `[secondary.qualifier]` table that `mask = "qualifier & ..."` uses.
//!
//! How it works: the qualifier keys the graded working-space value each
//! pixel has before the secondaries (ACEScct in a scene-referred look, the
//! display signal in video mode), at full resolution in the frame kernel,
//! so its edges are the picture's own. Hue is the hexcone hue of that
//! R'G'B' (0..360 degrees, red at 0, green at 120), saturation the hexcone
//! saturation (max - min) / max, luma the working space's luma weights on
//! the encoded values. Each range passes 1 inside and falls linearly to 0
//! over `softness` outside its edges (the hue arc over `softness` x 180
//! degrees); a grey has no hue, so a hue arc fades out below saturation
//! 0.05. The key is the product of the three. CPU twin of
//! `qualifier_weight` in shaders/grade.wgsl.

use serde::{Deserialize, Serialize};

/// Below this saturation the hue arc fades out (a grey has no hue).
pub const HUE_FADE_SATURATION: f32 = 0.05;

/// One `[secondary.qualifier]` table. A range left out passes everything.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qualifier {
    /// The hue arc in degrees, from one end round to the other in the
    /// direction of increasing hue (`[340, 20]` is the reds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hue: Option<[f32; 2]>,
    /// Low and high saturation, 0..1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saturation: Option<[f32; 2]>,
    /// Low and high luma of the working-space signal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub luma: Option<[f32; 2]>,
    /// The ramp outside each edge: in saturation and luma units, and
    /// `softness` x 180 degrees of hue.
    #[serde(default = "default_softness")]
    pub softness: f32,
}

fn default_softness() -> f32 {
    0.05
}

/// A range no value leaves: what an omitted range becomes on the GPU.
const EVERYTHING: [f32; 2] = [-1e30, 1e30];
/// The least ramp width: a softness of 0 keys hard at the edge.
const HARDEST: f32 = 1e-6;

impl Qualifier {
    /// The ranges as the kernel reads them: hue from, to and ramp in turns
    /// (0 to 1) and whether an arc is set; saturation low, high, luma low,
    /// high; saturation and luma ramps.
    pub fn gpu_ranges(&self) -> ([f32; 4], [f32; 4], [f32; 2]) {
        let (hue, hue_used) = match self.hue {
            Some([from, to]) => ([from / 360.0, to / 360.0], 1.0),
            None => ([0.0, 0.0], 0.0),
        };
        let saturation = self.saturation.unwrap_or(EVERYTHING);
        let luma = self.luma.unwrap_or(EVERYTHING);
        let soft = self.softness.max(HARDEST);
        (
            [hue[0], hue[1], (self.softness * 0.5).max(HARDEST), hue_used],
            [saturation[0], saturation[1], luma[0], luma[1]],
            [soft, soft],
        )
    }

    /// The key (0..1) of a working-space value `rgb` with luma weights
    /// `luma_weights`. CPU twin of `qualifier_weight` in grade.wgsl.
    pub fn weight(&self, rgb: [f32; 3], luma_weights: [f32; 3]) -> f32 {
        let (hue_arc, ranges, soft) = self.gpu_ranges();
        let (hue, saturation) = hue_saturation(rgb);
        let luma = rgb[0] * luma_weights[0] + rgb[1] * luma_weights[1] + rgb[2] * luma_weights[2];
        let in_hue = if hue_arc[3] == 1.0 {
            arc_weight(hue, hue_arc[0], hue_arc[1], hue_arc[2])
                * (saturation / HUE_FADE_SATURATION).clamp(0.0, 1.0)
        } else {
            1.0
        };
        in_hue
            * range_weight(saturation, ranges[0], ranges[1], soft[0])
            * range_weight(luma, ranges[2], ranges[3], soft[1])
    }
}

/// `x - floor(x)`, as WGSL's `fract`.
fn fract(x: f32) -> f32 {
    x - x.floor()
}

/// Hexcone hue (turns, 0..1) and saturation ((max - min) / max, 0..1) of
/// an R'G'B' value; a grey's hue is 0. CPU twin of `hue_saturation`.
pub fn hue_saturation([r, g, b]: [f32; 3]) -> (f32, f32) {
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let chroma = max - min;
    let c = chroma.max(1e-20);
    let sextant = if max == r {
        (g - b) / c
    } else if max == g {
        (b - r) / c + 2.0
    } else {
        (r - g) / c + 4.0
    };
    let hue = if chroma > 0.0 {
        fract(sextant / 6.0 + 1.0)
    } else {
        0.0
    };
    let saturation = if max > 0.0 {
        (chroma / max).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (hue, saturation)
}

/// 1 inside `lo..hi`, falling to 0 over `soft` outside each edge.
fn range_weight(v: f32, lo: f32, hi: f32, soft: f32) -> f32 {
    ((v - lo) / soft + 1.0).clamp(0.0, 1.0) * ((hi - v) / soft + 1.0).clamp(0.0, 1.0)
}

/// 1 on the arc from `from` round to `to` (turns), falling to 0 over
/// `soft` turns beyond either end.
fn arc_weight(hue: f32, from: f32, to: f32, soft: f32) -> f32 {
    let width = fract(to - from);
    let d = fract(hue - from);
    let outside = (d - width).min(1.0 - d);
    if d <= width {
        1.0
    } else {
        (1.0 - outside / soft).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LUMA: [f32; 3] = [0.2126, 0.7152, 0.0722];

    #[test]
    fn hexcone_hue_and_saturation() {
        let (h, s) = hue_saturation([1.0, 0.0, 0.0]);
        assert_eq!((h, s), (0.0, 1.0));
        let (h, _) = hue_saturation([0.0, 1.0, 0.0]);
        assert!((h - 1.0 / 3.0).abs() < 1e-6);
        let (h, _) = hue_saturation([1.0, 0.0, 0.5]);
        assert!((h - 11.0 / 12.0).abs() < 1e-6, "{h}");
        assert_eq!(hue_saturation([0.4; 3]), (0.0, 0.0));
        let (_, s) = hue_saturation([0.8, 0.4, 0.4]);
        assert!((s - 0.5).abs() < 1e-6);
    }

    #[test]
    fn ranges_key_softly_and_the_arc_wraps() {
        let reds = Qualifier {
            hue: Some([340.0, 20.0]),
            saturation: Some([0.3, 1.0]),
            luma: None,
            softness: 0.1,
        };
        assert_eq!(reds.weight([0.8, 0.2, 0.3], LUMA), 1.0);
        // Hue 30 degrees: 10 past the arc, the ramp is 18 degrees.
        let orange = [0.8, 0.5, 0.2];
        let (h, _) = hue_saturation(orange);
        assert!((h * 360.0 - 30.0).abs() < 1e-3);
        assert!((reds.weight(orange, LUMA) - (1.0 - 10.0 / 18.0)).abs() < 1e-4);
        assert_eq!(reds.weight([0.2, 0.8, 0.3], LUMA), 0.0);
        // Saturation 0.25: 0.05 below the range's low end, ramp 0.1.
        assert!((reds.weight([0.8, 0.6, 0.6], LUMA) - 0.5).abs() < 1e-5);
        // A grey has no hue.
        assert_eq!(reds.weight([0.5; 3], LUMA), 0.0);
        let shadows = Qualifier {
            hue: None,
            saturation: None,
            luma: Some([0.0, 0.2]),
            softness: 0.0,
        };
        assert_eq!(shadows.weight([0.1; 3], LUMA), 1.0);
        assert_eq!(shadows.weight([0.21; 3], LUMA), 0.0);
    }
}
