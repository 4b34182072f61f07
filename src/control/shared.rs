//! What the control thread and the render thread share: the published look
//! (a latest-value slot), the proposal waiting for a person, the panels'
//! status, the inputs the thread takes, and the run's control report.

use super::mapping::PanelState;
use super::osc::OscCommand;
use super::replay::ControlInputEvent;
use crate::grade::Look;
use crate::latency::{latency_of, LatencyMs};
use arc_swap::ArcSwap;
use crossbeam_channel::Sender;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;
use std::time::Instant;

/// What the control thread did, in the run's report.
#[derive(Debug, Clone, Serialize)]
pub struct ControlReport {
    /// "connected: PORT", "waiting for PORT", "off", or why there is no MIDI.
    pub midi: String,
    /// The address OSC listens on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub osc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Inputs received (MIDI chunks, OSC messages, replayed events).
    pub events: u64,
    /// Inputs lost because the control thread was behind (should be 0).
    pub dropped: u64,
    /// OSC values not applied because a newer one for the same key was
    /// already queued.
    pub coalesced: u64,
    /// Grade changes published to the picture.
    pub changes: u64,
    /// Event arrival to the first frame ready with the change.
    pub latency_ms: LatencyMs,
    pub latency_samples: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<String>,
    /// Messages for the colourist (bad OSC, missing snapshots, writes).
    pub notices: Vec<String>,
    /// Files written when the run ended.
    pub saved: Vec<String>,
}

impl ControlReport {
    pub(super) fn empty(midi: String) -> ControlReport {
        ControlReport {
            midi,
            osc: None,
            profile: None,
            events: 0,
            dropped: 0,
            coalesced: 0,
            changes: 0,
            latency_ms: latency_of(&new_histogram()),
            latency_samples: 0,
            replay: None,
            notices: Vec::new(),
            saved: Vec::new(),
        }
    }
}

/// The newest look for the picture.
pub(super) struct Published {
    pub(super) look: Arc<Look>,
    /// The look being edited (what `look` is when neither bypass nor
    /// compare is on) and the panel's switches.
    pub(super) live: Arc<Look>,
    pub(super) panel: PanelState,
    /// The A/B reference (the last snapshot stored or recalled).
    pub(super) reference: Option<Arc<Look>>,
    pub(super) generation: u64,
    /// Arrival of the oldest event not yet picked up by the render thread.
    pub(super) since: Instant,
}

/// A look the machine proposes, waiting for a person to accept or reject
/// it (an auto exposure and balance proposal, a Color Match).
#[derive(Debug, Clone)]
pub struct Proposed {
    pub look: Arc<Look>,
    /// What it changes and how sure it is, in a line.
    pub summary: String,
}

/// Offers proposals to the control thread from any thread.
#[derive(Clone)]
pub struct Offerer(pub(super) Arc<Shared>);

impl Offerer {
    /// See [`ControlLink::offer`].
    pub fn offer(&self, proposed: Proposed) {
        tracing::info!("proposal: {} (accept or reject)", proposed.summary);
        self.0.proposal.store(Some(Arc::new(proposed)));
    }
}

pub(super) struct Shared {
    pub(super) slot: ArcSwap<Published>,
    /// The pending proposal.
    pub(super) proposal: arc_swap::ArcSwapOption<Proposed>,
    /// A proposal was asked for (`/propose`, a panel button, the operator
    /// view): the render thread makes one from its next frame.
    pub(super) propose_asked: AtomicBool,
    /// A Color Match was asked for: the reference picture (a still's
    /// graded picture) the render thread matches its next frame to.
    pub(super) match_asked: std::sync::Mutex<Option<(String, PathBuf)>>,
    /// The generation the render thread has picked up.
    pub(super) seen: AtomicU64,
    pub(super) dropped: AtomicU64,
    /// Where the panels stand, for the operator view.
    pub(super) status: ArcSwap<ControlStatus>,
}

/// Where the control surfaces stand (refreshed every second).
#[derive(Debug, Clone, Default)]
pub struct ControlStatus {
    pub midi: String,
    pub osc: Option<String>,
    pub events: u64,
    /// The newest messages for the colourist.
    pub notices: Vec<String>,
}

/// An input for the control thread.
pub(super) enum Input {
    Event {
        event: ControlInputEvent,
        from: Option<SocketAddr>,
        at: Instant,
    },
    /// An edit from the operator view: the command OSC would give.
    Operator {
        command: OscCommand,
        at: Instant,
    },
    /// A whole look to make live (a still recalled in the operator view).
    Recall {
        look: Box<Look>,
        at: Instant,
    },
    ReplayDone,
}

/// Wakes the render loop (a clone of the frame ring's "frame ready").
pub type Wake = Sender<()>;

pub(super) fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("static histogram bounds are valid")
}
