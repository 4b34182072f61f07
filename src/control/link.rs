//! The render thread's end of the control thread (`control_thread.rs`),
//! and how a run's control surfaces start.
//!
//! How it works:
//! ```text
//!  MIDI port callback --+                      control thread
//!  OSC receive thread --+--bounded(4096)--> parse -> decode -> map -> GradeSession
//!  replay thread -------+   (try_send)        |                        |
//!                                             |  feedback: MIDI out, OSC replies
//!                                             +--> ArcSwap<Published> --> render thread
//!                                                  + wake the render loop
//! ```
//! Every input is stamped with its arrival time where it arrives. When the
//! grade changes, the control thread publishes the look to show in a
//! latest-value slot and wakes the render loop (a monitor window re-grades
//! the picture it holds at once, rather than wait for the next frame). The
//! render thread takes the newest look without waiting
//! ([`ControlLink::poll`]) and records, for the first frame graded with it,
//! the time from the arrival of the oldest event it carries to that frame
//! being ready: the control-to-picture latency in the run's report. A
//! failing or missing panel is a line in the report; it never stops the
//! picture. When the run ends, the thread writes the autosave, the
//! `--save-look` file and the recording, then reports.

use super::control_thread::{ControlThread, Midi};
use super::mapping::{Mapper, PanelState};
use super::midi::{ControlDecoder, MidiParser};
use super::osc::{self, OscCommand, OscServer};
use super::profile::{Profile, ProfileSource};
use super::replay::{self, ControlInputEvent, Recorder, Timed};
use super::session::GradeSession;
use super::shared::{
    new_histogram, ControlReport, ControlStatus, Input, Offerer, Proposed, Published, Shared, Wake,
};
use super::ControlError;
use crate::grade::Look;
use crate::latency::latency_of;
use arc_swap::ArcSwap;
use crossbeam_channel::{bounded, Sender};
use hdrhistogram::Histogram;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What a run's control surfaces are.
#[derive(Debug, Clone, Default)]
pub struct ControlOptions {
    /// A controller profile (shipped or a file).
    pub profile: Option<ProfileSource>,
    /// MIDI port: a name part, an index, or "virtual"; default the
    /// profile's `port`.
    pub midi_port: Option<String>,
    /// Open MIDI at all (off with `--no-midi`).
    pub midi: bool,
    pub osc: Option<SocketAddr>,
    pub replay: Option<PathBuf>,
    pub record: Option<PathBuf>,
    pub save_look: Option<PathBuf>,
    pub autosave: Option<PathBuf>,
    pub snapshots: Option<PathBuf>,
    /// The operator view edits the grade (its edits reach the session as
    /// OSC messages from no client: [`ControlLink::send_operator`]).
    pub operator: bool,
    /// The stills library `/match N` takes its reference from.
    pub stills: Option<PathBuf>,
}

impl ControlOptions {
    /// Whether anything can change the grade during the run.
    pub fn active(&self) -> bool {
        self.profile.is_some()
            || self.midi_port.is_some()
            || self.osc.is_some()
            || self.replay.is_some()
            || self.record.is_some()
            || self.save_look.is_some()
            || self.operator
    }
}

/// The render thread's end of the control thread.
pub struct ControlLink {
    shared: Arc<Shared>,
    /// The operator view's way in.
    input: Sender<Input>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<ControlReport>>,
    seen: u64,
    latency_us: Histogram<u64>,
}

impl ControlLink {
    /// Loads the profile and the replay, binds OSC, opens MIDI and starts
    /// the control thread. Errors are bad files or an OSC port that cannot
    /// be bound; a missing MIDI subsystem or panel is not an error.
    pub fn start(
        options: &ControlOptions,
        look: &Look,
        wake: Wake,
    ) -> Result<ControlLink, ControlError> {
        let (profile, bindings, profile_path) = match &options.profile {
            Some(source) => {
                let (profile, bindings) = Profile::load_from(source)?;
                (profile, bindings, source.file().map(Path::to_path_buf))
            }
            None => (Profile::empty("none", None), Vec::new(), None),
        };
        let replay = options.replay.as_deref().map(replay::read).transpose()?;
        let start = Instant::now();
        let recorder = options
            .record
            .as_deref()
            .map(|path| {
                Recorder::create(path, start).map_err(|source| ControlError::Write {
                    path: path.to_path_buf(),
                    source,
                })
            })
            .transpose()?;
        let shared = Arc::new(Shared {
            slot: ArcSwap::from_pointee(Published {
                look: Arc::new(look.clone()),
                live: Arc::new(look.clone()),
                panel: PanelState::default(),
                reference: None,
                generation: 0,
                since: start,
            }),
            seen: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            status: ArcSwap::from_pointee(ControlStatus::default()),
            proposal: arc_swap::ArcSwapOption::empty(),
            propose_asked: AtomicBool::new(false),
            match_asked: std::sync::Mutex::new(None),
        });
        let (tx, rx) = bounded::<Input>(4096);
        let stop = Arc::new(AtomicBool::new(false));
        let osc = match options.osc {
            Some(addr) => {
                let tx = tx.clone();
                let shared = Arc::clone(&shared);
                let server = OscServer::bind(addr, move |r: osc::Received| {
                    let input = Input::Event {
                        event: ControlInputEvent::Osc(r.message),
                        from: Some(r.from),
                        at: r.at,
                    };
                    if tx.try_send(input).is_err() {
                        shared.dropped.fetch_add(1, Ordering::Relaxed);
                    }
                })
                .map_err(|source| ControlError::OscBind { addr, source })?;
                tracing::info!("OSC listening on {}", server.local);
                Some(server)
            }
            None => None,
        };
        let mapper = Mapper::new(profile, bindings);
        let port = options
            .midi_port
            .clone()
            .or_else(|| mapper.profile.port.clone());
        let midi = Midi::open(options.midi, port, &tx, &shared);
        // Where the panels stand from the start (the thread refreshes it).
        shared.status.store(Arc::new(ControlStatus {
            midi: midi.status(),
            osc: osc.as_ref().map(|o| o.local.to_string()),
            ..ControlStatus::default()
        }));
        let replay_info = replay.map(|events| {
            let count = events.len();
            spawn_replay(events, tx.clone(), Arc::clone(&stop), start);
            count
        });
        let thread = ControlThread {
            session: GradeSession::new(
                look.clone(),
                options.snapshots.clone(),
                options.autosave.clone(),
            ),
            decoder: ControlDecoder::new(mapper.cc14_controls()),
            mapper,
            profile_path,
            parser: MidiParser::new(),
            midi,
            osc,
            recorder,
            learn_param: None,
            shared: Arc::clone(&shared),
            wake,
            generation: 0,
            report: ControlReport::empty(String::new()),
            replay_total: replay_info,
            replayed: 0,
            save_look: options.save_look.clone(),
            stills: options.stills.clone(),
            notice_log: super::throttle::LogThrottle::new(Duration::from_secs(1)),
            status_at: start,
        };
        let thread_stop = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("control".into())
            .spawn(move || thread.run(rx, &thread_stop))
            .map_err(|source| ControlError::Thread { source })?;
        Ok(ControlLink {
            input: tx,
            shared,
            stop,
            thread: Some(handle),
            seen: 0,
            latency_us: new_histogram(),
        })
    }

    /// The newest look if it changed since the last call, with the arrival
    /// of the oldest event it carries (for [`Self::record_latency`]).
    pub fn poll(&mut self) -> Option<(Arc<Look>, Instant)> {
        let published = self.shared.slot.load();
        if published.generation == self.seen {
            return None;
        }
        self.seen = published.generation;
        self.shared.seen.store(self.seen, Ordering::Release);
        Some((Arc::clone(&published.look), published.since))
    }

    /// Sends an edit from the operator view to the session, as a command
    /// OSC would give (`/primary/exposure 0.5`, `/undo`), answered as a
    /// panel's is.
    pub fn send_operator(&self, command: OscCommand) {
        let input = Input::Operator {
            command,
            at: Instant::now(),
        };
        if self.input.try_send(input).is_err() {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Makes `look` the live look (one undo step; the look it replaces
    /// becomes the A/B reference).
    pub fn send_look(&self, look: Look) {
        let input = Input::Recall {
            look: Box::new(look),
            at: Instant::now(),
        };
        if self.input.try_send(input).is_err() {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Whether a proposal was asked for since the last call.
    pub fn take_propose_request(&self) -> bool {
        self.shared.propose_asked.swap(false, Ordering::AcqRel)
    }

    /// The Color Match asked for since the last call: the still's number
    /// and its graded picture.
    pub fn take_match_request(&self) -> Option<(String, PathBuf)> {
        self.shared.match_asked.lock().ok()?.take()
    }

    /// Offers a proposed look: it waits, shown, until accepted or
    /// rejected; nothing changes the live look until then.
    pub fn offer(&self, proposed: Proposed) {
        self.offerer().offer(proposed);
    }

    /// A handle that offers proposals from another thread (a Color Match
    /// fitted beside the loop).
    pub fn offerer(&self) -> Offerer {
        Offerer(Arc::clone(&self.shared))
    }

    /// The pending proposal.
    pub fn proposal(&self) -> Option<Arc<Proposed>> {
        self.shared.proposal.load_full()
    }

    /// The A/B reference look, as last published.
    pub fn reference(&self) -> Option<Arc<Look>> {
        self.shared.slot.load().reference.clone()
    }

    /// The look being edited and the panel's switches, as last published.
    pub fn live(&self) -> (Arc<Look>, PanelState) {
        let published = self.shared.slot.load();
        (Arc::clone(&published.live), published.panel)
    }

    /// Where the control surfaces stand.
    pub fn status(&self) -> Arc<ControlStatus> {
        self.shared.status.load_full()
    }

    /// Whether a look newer than the last [`Self::poll`] is waiting.
    pub fn has_newer(&self) -> bool {
        self.shared.slot.load().generation != self.seen
    }

    /// The first frame graded with a change that arrived at `since` is
    /// ready at `ready`.
    pub fn record_latency(&mut self, since: Instant, ready: Instant) {
        let micros = ready.saturating_duration_since(since).as_micros() as u64;
        self.latency_us.saturating_record(micros.max(1));
    }

    /// Stops the control thread (it writes the autosave, `--save-look` and
    /// the recording) and returns its report.
    pub fn finish(mut self) -> ControlReport {
        self.stop.store(true, Ordering::Relaxed);
        let mut report = match self.thread.take().map(|h| h.join()) {
            Some(Ok(report)) => report,
            _ => {
                let mut report = ControlReport::empty("the control thread failed".into());
                report
                    .notices
                    .push("the control thread panicked; see the log".into());
                report
            }
        };
        report.latency_ms = latency_of(&self.latency_us);
        report.latency_samples = self.latency_us.len();
        report.dropped = self.shared.dropped.load(Ordering::Relaxed);
        report
    }
}

impl Drop for ControlLink {
    fn drop(&mut self) {
        // Never blocks: the thread sees the flag within its poll interval.
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Plays a recording's events at their times from `start`.
fn spawn_replay(events: Vec<Timed>, tx: Sender<Input>, stop: Arc<AtomicBool>, start: Instant) {
    let spawned = std::thread::Builder::new()
        .name("control-replay".into())
        .spawn(move || {
            for timed in events {
                let due = start + timed.at;
                while let Some(wait) = due.checked_duration_since(Instant::now()) {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    std::thread::sleep(wait.min(Duration::from_millis(20)));
                }
                let input = Input::Event {
                    event: timed.event,
                    from: None,
                    at: Instant::now(),
                };
                if tx.send(input).is_err() {
                    return;
                }
            }
            let _ = tx.send(Input::ReplayDone);
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the control replay: {e}");
    }
}
