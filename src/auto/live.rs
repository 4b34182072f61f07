//! The live assistance one stream gets, frame by frame: follow mode and
//! the stabiliser, as one correction added to the look's exposure,
//! temperature and tint.
//!
//! How it works: each new frame is measured on a coarse grid
//! ([`LIVE_COLUMNS`] blocks across, 4 reads a block: about ten thousand
//! pixel reads at 1080p, on the render thread), compared with the last one
//! ([`ShotTracker`]: its change of light, and whether it is a cut), then
//! follow ([`Follower`], from this frame's proposal) and the stabiliser
//! ([`Stabiliser`]) each give a correction; their sum is added to the look
//! the frame is graded with ([`with_correction`]). The manual look is never
//! changed. A look with neither `[auto] follow` nor `[stabilise]` costs
//! nothing.

use super::balance::{propose, Proposal};
use super::follow::{Correction, Follower};
use super::grid::{Decode, LinearGrid};
use super::shot::ShotTracker;
use super::stabilise::{Stabiliser, Steadied};
use crate::frame::Frame;
use crate::grade::Look;

/// Blocks across the live grid.
pub const LIVE_COLUMNS: usize = 64;
/// Reads along each side of a block in the live grid.
const LIVE_READS_PER_SIDE: u32 = 2;

/// What the assistance did on the last frame, for the operator and tests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveReport {
    /// The frame's proposal (follow on).
    pub proposal: Option<Proposal>,
    /// Follow's correction.
    pub follow: Correction,
    /// The stabiliser's correction and the flicker it measured.
    pub steadied: Steadied,
    /// The frame started a new shot.
    pub cut: bool,
    /// Everything added to the look.
    pub correction: Correction,
}

/// The assistance state of one stream.
#[derive(Default)]
pub struct LiveAssist {
    shot: ShotTracker,
    follower: Follower,
    stabiliser: Stabiliser,
    decode: Option<(Look, Decode)>,
    last_time: Option<f64>,
    /// The last frame's report.
    pub report: LiveReport,
}

impl LiveAssist {
    /// Whether `look` asks for any live assistance.
    pub fn wanted(look: &Look) -> bool {
        look.auto.is_some_and(|a| a.follow) || look.stabilise.is_some_and(|s| s.strength > 0.0)
    }

    /// The correction for `frame`, shown `time` seconds into the stream
    /// (media time: frame number over rate), graded with `look`.
    pub fn update(&mut self, frame: &Frame, look: &Look, time: f64) -> Correction {
        if !Self::wanted(look) {
            self.report = LiveReport::default();
            return Correction::default();
        }
        let decode = match &self.decode {
            Some((seen, decode)) if same_decode(seen, look) => *decode,
            _ => {
                let decode = Decode::of(look);
                self.decode = Some((look.clone(), decode));
                decode
            }
        };
        let grid = LinearGrid::measure(frame, &decode, LIVE_COLUMNS, LIVE_READS_PER_SIDE);
        let change = self.shot.update(&grid);
        let dt = self
            .last_time
            .map_or(0.0, |last| (time - last).max(0.0) as f32);
        self.last_time = Some(time);
        let mut report = LiveReport {
            cut: change.cut,
            ..LiveReport::default()
        };
        if let Some(section) = look.auto.filter(|a| a.follow) {
            let proposal = propose(&grid, None, &section);
            let target = Correction {
                exposure: proposal.exposure,
                temperature: proposal.temperature,
                tint: proposal.tint,
            };
            let confidence = proposal.confidence();
            report.follow = self
                .follower
                .update(&section, target, confidence, dt, change.cut);
            report.proposal = Some(proposal);
        }
        if let Some(section) = look.stabilise.filter(|s| s.strength > 0.0) {
            report.steadied = self.stabiliser.update(&section, &change, time, grid.gamut);
        }
        report.correction = report.follow.plus(report.steadied.correction);
        let correction = report.correction;
        self.report = report;
        correction
    }
}

/// Whether two looks decode their source alike (only the input side and
/// the mode matter).
fn same_decode(a: &Look, b: &Look) -> bool {
    a.input == b.input
        && a.is_scene_referred() == b.is_scene_referred()
        && a.working_space == b.working_space
}

/// `look` graded with `correction` added to its exposure, temperature and
/// tint (held to their ranges).
pub fn with_correction(look: &Look, correction: Correction) -> Look {
    let mut out = look.clone();
    let p = &mut out.primary;
    p.exposure = (p.exposure + correction.exposure).clamp(-16.0, 16.0);
    p.temperature = (p.temperature + correction.temperature).clamp(-170.0, 170.0);
    p.tint = (p.tint + correction.tint).clamp(-50.0, 50.0);
    out
}
