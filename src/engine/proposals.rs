//! The machine's proposals during a run: an auto exposure and balance
//! proposal from the frame being graded, and a Color Match to a still
//! fitted beside the loop. Both are offered to the control thread, where
//! they wait for a person to accept or reject them.

use crate::control::shared::{Offerer, Proposed};
use crate::control::ControlLink;
use crate::frame::Frame;
use crate::grade::Look;
use std::path::PathBuf;
use std::sync::Arc;

/// Makes what `control` was asked for from `frame`: an auto proposal (on
/// this thread: a grid of the frame, milliseconds) and a Color Match (on a
/// thread of its own).
pub fn serve(control: &ControlLink, frame: &Frame) {
    if let Some(reference) = control.take_match_request() {
        match_in_background(frame, &control.live().0, reference, control.offerer());
    }
    if !control.take_propose_request() {
        return;
    }
    let (live, _) = control.live();
    let section = live.auto.unwrap_or_default();
    let grid = crate::auto::LinearGrid::of_frame(frame, &live, crate::auto::grid::PROPOSAL_COLUMNS);
    let p = crate::auto::propose(&grid, None, &section);
    let look = p.apply_to(&live, &section);
    let was = &live.primary;
    let summary = format!(
        "auto: exposure {:+.2} -> {:+.2} stops (confidence {:.2}), temperature {:+.1} -> {:+.1} mired, tint {:+.1} -> {:+.1} (confidence {:.2})",
        was.exposure,
        look.primary.exposure,
        p.exposure_confidence,
        was.temperature,
        look.primary.temperature,
        was.tint,
        look.primary.tint,
        p.balance_confidence
    );
    control.offer(Proposed {
        look: Arc::new(look),
        summary,
    });
}

/// Fits a Color Match of `frame` (graded by `live`) to a still's graded
/// picture (`id`, `picture`) on a thread of its own (it takes a few
/// seconds), and offers the CDL fit as a proposal.
pub fn match_in_background(
    frame: &Frame,
    live: &Look,
    (id, picture): (String, PathBuf),
    offerer: Offerer,
) {
    use crate::auto::matching::{fit, MatchSamples};
    use crate::auto::regions::{sample_codes, RegionMask};
    let copy = Frame {
        id: frame.id,
        captured: frame.captured,
        width: frame.width,
        height: frame.height,
        format: frame.format,
        yuv: frame.yuv,
        data: frame.data.clone(),
    };
    let live = live.clone();
    tracing::info!("matching the picture to still {id}");
    let spawned = std::thread::Builder::new()
        .name("colour-match".into())
        .spawn(move || {
            let made = crate::source::read_picture(&picture, 0)
                .map_err(|e| e.to_string())
                .and_then(|reference| {
                    let all = RegionMask::all();
                    let samples = MatchSamples::new(
                        &live,
                        &sample_codes(&copy, &all, MATCH_SAMPLES),
                        &sample_codes(&reference, &all, MATCH_SAMPLES),
                    )
                    .map_err(|e| e.to_string())?;
                    fit(&live, &samples, std::path::Path::new("match.cube"))
                        .map_err(|e| e.to_string())
                });
            match made {
                Ok(m) => offerer.offer(Proposed {
                    look: Arc::new(m.cdl_look),
                    summary: format!(
                        "match to still {id}: a CDL removing {:.0} % of the colour difference ({:.1} -> {:.1} ΔE*ab; mean/std baseline {:.0} %)",
                        m.cdl.score * 100.0,
                        m.before.distance,
                        m.cdl.distance,
                        m.baseline.score * 100.0
                    ),
                }),
                Err(e) => tracing::warn!("match to still {id}: {e}"),
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("match: cannot start its thread: {e}");
    }
}

/// Samples Color Match takes from each picture, live.
const MATCH_SAMPLES: usize = 20_000;
