//! The control thread and its link to the render loop.
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

use super::learn;
use super::mapping::{Command, Mapper, PanelState};
use super::midi::{ControlDecoder, ControlEvent, ControlId, MidiParser};
use super::osc::{self, OscCommand, OscServer};
use super::params::Param;
use super::profile::{Binding, BindingSpec, Profile, ProfileSource};
use super::replay::{self, ControlInputEvent, Recorder, Timed};
use super::session::GradeSession;
use super::ControlError;
use crate::grade::Look;
use crate::latency::{latency_of, LatencyMs};
use arc_swap::ArcSwap;
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};
use hdrhistogram::Histogram;
use rosc::{OscMessage, OscType};
use serde::Serialize;
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
    fn empty(midi: String) -> ControlReport {
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
struct Published {
    look: Arc<Look>,
    /// The look being edited (what `look` is when neither bypass nor
    /// compare is on) and the panel's switches.
    live: Arc<Look>,
    panel: PanelState,
    /// The A/B reference (the last snapshot stored or recalled).
    reference: Option<Arc<Look>>,
    generation: u64,
    /// Arrival of the oldest event not yet picked up by the render thread.
    since: Instant,
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
pub struct Offerer(Arc<Shared>);

impl Offerer {
    /// See [`ControlLink::offer`].
    pub fn offer(&self, proposed: Proposed) {
        tracing::info!("proposal: {} (accept or reject)", proposed.summary);
        self.0.proposal.store(Some(Arc::new(proposed)));
    }
}

struct Shared {
    slot: ArcSwap<Published>,
    /// The pending proposal.
    proposal: arc_swap::ArcSwapOption<Proposed>,
    /// A proposal was asked for (`/propose`, a panel button, the operator
    /// view): the render thread makes one from its next frame.
    propose_asked: AtomicBool,
    /// A Color Match was asked for: the reference picture (a still's
    /// graded picture) the render thread matches its next frame to.
    match_asked: std::sync::Mutex<Option<(String, PathBuf)>>,
    /// The generation the render thread has picked up.
    seen: AtomicU64,
    dropped: AtomicU64,
    /// Where the panels stand, for the operator view.
    status: ArcSwap<ControlStatus>,
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
enum Input {
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

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("static histogram bounds are valid")
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

/// MIDI ports, or why there are none.
enum Midi {
    Off(String),
    #[cfg(feature = "midi")]
    Ports(Box<super::midi_port::MidiPorts>, Instant),
}

impl Midi {
    fn open(wanted: bool, port: Option<String>, tx: &Sender<Input>, shared: &Arc<Shared>) -> Midi {
        if !wanted {
            return Midi::Off("off".into());
        }
        let Some(port) = port else {
            return Midi::Off("off (no port named: --midi-port or the profile's `port`)".into());
        };
        Self::open_port(&port, tx, shared)
    }

    #[cfg(feature = "midi")]
    fn open_port(port: &str, tx: &Sender<Input>, shared: &Arc<Shared>) -> Midi {
        use super::midi_port::{MidiPorts, PortChoice};
        let (tx, shared) = (tx.clone(), Arc::clone(shared));
        let deliver: super::midi_port::Deliver = Arc::new(move |bytes, at| {
            let input = Input::Event {
                event: ControlInputEvent::Midi(bytes),
                from: None,
                at,
            };
            if tx.try_send(input).is_err() {
                shared.dropped.fetch_add(1, Ordering::Relaxed);
            }
        });
        match MidiPorts::open(PortChoice::parse(port), deliver) {
            Ok(ports) => Midi::Ports(Box::new(ports), Instant::now()),
            Err(e) => {
                tracing::warn!("{e}");
                Midi::Off(e)
            }
        }
    }

    #[cfg(not(feature = "midi"))]
    fn open_port(_: &str, _: &Sender<Input>, _: &Arc<Shared>) -> Midi {
        Midi::Off("off (built without the `midi` feature)".into())
    }

    fn status(&self) -> String {
        match self {
            Midi::Off(why) => why.clone(),
            #[cfg(feature = "midi")]
            Midi::Ports(ports, _) => match ports.connected() {
                Some(name) => format!("connected: {name}"),
                None => "waiting for the port".into(),
            },
        }
    }
}

struct ControlThread {
    session: GradeSession,
    mapper: Mapper,
    profile_path: Option<PathBuf>,
    parser: MidiParser,
    decoder: ControlDecoder,
    midi: Midi,
    osc: Option<OscServer>,
    recorder: Option<Recorder>,
    /// In-app learn: the parameter the next unbound control is bound to.
    learn_param: Option<Param>,
    shared: Arc<Shared>,
    wake: Wake,
    generation: u64,
    report: ControlReport,
    replay_total: Option<usize>,
    replayed: usize,
    save_look: Option<PathBuf>,
    /// The stills library (`/match N`).
    stills: Option<PathBuf>,
    /// Notes are logged once a second at most (a flood of bad messages).
    notice_log: super::throttle::LogThrottle,
    /// When the status for the operator view was last published.
    status_at: Instant,
}

/// How often the control thread looks for ports and the autosave.
const HOUSEKEEPING: Duration = Duration::from_millis(50);
/// The most queued inputs taken in one batch.
const MAX_BATCH: usize = 4096;

/// For each input of a batch, whether it is an OSC value for a key that a
/// later OSC value in the same batch sets again (only the newest is
/// applied). Queries, actions and MIDI are never skipped.
fn superseded_sets(batch: &[Input]) -> Vec<bool> {
    let set_address = |input: &Input| match input {
        Input::Event {
            event: ControlInputEvent::Osc(m),
            ..
        } if !m.args.is_empty()
            && m.args.iter().all(|a| {
                matches!(
                    a,
                    OscType::Float(_) | OscType::Double(_) | OscType::Int(_) | OscType::Long(_)
                )
            })
            && Param::parse(&m.addr).is_ok() =>
        {
            Some(m.addr.clone())
        }
        _ => None,
    };
    let mut seen = std::collections::HashSet::new();
    let mut skip = vec![false; batch.len()];
    for (i, input) in batch.iter().enumerate().rev() {
        if let Some(addr) = set_address(input) {
            skip[i] = !seen.insert(addr);
        }
    }
    skip
}

/// How long a held 14-bit MSB waits for its LSB.
const MSB_WAIT: Duration = Duration::from_millis(2);

impl ControlThread {
    fn run(mut self, rx: Receiver<Input>, stop: &AtomicBool) -> ControlReport {
        self.report.profile = Some(self.mapper.profile.name.clone());
        self.report.osc = self.osc.as_ref().map(|o| o.local.to_string());
        // Bring motor faders and lights to the starting grade.
        self.feedback(None);
        let mut held_msb = false;
        loop {
            let timeout = if held_msb { MSB_WAIT } else { HOUSEKEEPING };
            match rx.recv_timeout(timeout) {
                Ok(first) => {
                    // Whatever else is already queued goes in the same
                    // batch, so a flood of values for one key costs one
                    // change (the newest), not one each.
                    let mut batch = vec![first];
                    batch.extend(rx.try_iter().take(MAX_BATCH));
                    let superseded = superseded_sets(&batch);
                    for (input, skip) in batch.into_iter().zip(superseded) {
                        self.handle(input, skip, &mut held_msb);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    if held_msb {
                        held_msb = false;
                        let mut events = Vec::new();
                        self.decoder.flush(|e| events.push(e));
                        for e in events {
                            self.control_event(e, Instant::now());
                        }
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    std::thread::sleep(HOUSEKEEPING);
                }
            }
            if stop.load(Ordering::Relaxed) {
                break;
            }
            self.housekeeping();
        }
        self.conclude()
    }

    /// One input: recorded, then applied unless a newer value for the same
    /// key is in the same batch (`superseded`).
    fn handle(&mut self, input: Input, superseded: bool, held_msb: &mut bool) {
        let (event, from, at) = match input {
            Input::Event { event, from, at } => (event, from, at),
            Input::Operator { command, at } => {
                // Recorded as the OSC it stands for, so a replay repeats it.
                self.report.events += 1;
                if let Some(message) = osc::message_of(&command) {
                    self.record(at, &ControlInputEvent::Osc(message));
                }
                match self.check_exists(command) {
                    Ok(command) => self.osc_command(command, None, at),
                    Err(e) => self.notice(e),
                }
                return;
            }
            Input::Recall { look, at } => {
                let outcome = self.session.recall_look(*look, at);
                if let Some(n) = outcome.notice {
                    self.notice(n);
                }
                if outcome.changed {
                    self.publish(at);
                }
                self.feedback(None);
                return;
            }
            Input::ReplayDone => {
                tracing::info!("control replay finished");
                return;
            }
        };
        self.report.events += 1;
        self.record(at, &event);
        if from.is_none() && self.replay_total.is_some() {
            self.replayed += 1;
        }
        match event {
            ControlInputEvent::Midi(bytes) => *held_msb = self.midi_bytes(&bytes, at),
            ControlInputEvent::Osc(_) if superseded => self.report.coalesced += 1,
            ControlInputEvent::Osc(message) => self.osc_message(message, from, at),
        }
    }

    /// Adds `event` to the control recording, if there is one.
    fn record(&mut self, at: Instant, event: &ControlInputEvent) {
        let failed = self.recorder.as_mut().and_then(|r| {
            let e = r.record(at, event).err()?;
            Some(format!("recording to {} stopped: {e}", r.path().display()))
        });
        if let Some(e) = failed {
            self.notice(e);
            self.recorder = None;
        }
    }

    fn housekeeping(&mut self) {
        let now = Instant::now();
        if now.duration_since(self.status_at) > Duration::from_secs(1) {
            self.status_at = now;
            self.shared.status.store(Arc::new(ControlStatus {
                midi: self.midi.status(),
                osc: self.osc.as_ref().map(|o| o.local.to_string()),
                events: self.report.events,
                notices: self.report.notices.iter().rev().take(8).cloned().collect(),
            }));
        }
        if let Some(e) = self.session.autosave(now, false) {
            self.notice(e);
        }
        #[cfg(feature = "midi")]
        if let Midi::Ports(ports, last) = &mut self.midi {
            if now.duration_since(*last) > Duration::from_secs(1) {
                *last = now;
                if let Some(line) = ports.poll() {
                    tracing::info!("{line}");
                    // A panel (re)connected shows the grade afresh.
                    self.mapper.forget_feedback();
                    self.feedback(None);
                }
            }
        }
    }

    /// Parses, decodes and maps MIDI bytes; returns whether a 14-bit MSB
    /// is held for its LSB.
    fn midi_bytes(&mut self, bytes: &[u8], at: Instant) -> bool {
        let mut events = Vec::new();
        for message in self.parser.parse(bytes) {
            self.decoder.decode(message, |e| events.push(e));
        }
        for e in events {
            self.control_event(e, at);
        }
        self.decoder.is_holding()
    }

    fn control_event(&mut self, event: ControlEvent, at: Instant) {
        for command in self.mapper.handle(event, self.session.live()) {
            self.command(command, at, None);
        }
    }

    fn command(&mut self, command: Command, at: Instant, origin: Option<(SocketAddr, Param)>) {
        use super::profile::Action;
        match command {
            Command::Learned(control) => self.learned(control),
            Command::Action(Action::Propose) => {
                self.shared.propose_asked.store(true, Ordering::Release);
                let _ = self.wake.try_send(());
            }
            Command::Action(Action::Accept) => match self.shared.proposal.swap(None) {
                Some(proposed) => {
                    tracing::info!("proposal accepted: {}", proposed.summary);
                    let outcome = self.session.recall_look((*proposed.look).clone(), at);
                    if outcome.changed {
                        self.publish(at);
                    }
                    self.feedback(origin);
                }
                None => self.notice("no proposal to accept (/propose makes one)".into()),
            },
            Command::Action(Action::Match(n)) => match self.still_picture(n) {
                Ok(found) => {
                    if let Ok(mut asked) = self.shared.match_asked.lock() {
                        *asked = Some(found);
                    }
                    let _ = self.wake.try_send(());
                }
                Err(e) => self.notice(e),
            },
            Command::Action(Action::Reject) => {
                if let Some(proposed) = self.shared.proposal.swap(None) {
                    tracing::info!("proposal rejected: {}", proposed.summary);
                }
            }
            command => {
                let outcome = self.session.dispatch(&mut self.mapper, command, at);
                if let Some(n) = outcome.notice {
                    self.notice(n);
                }
                if outcome.changed {
                    self.publish(at);
                }
                self.feedback(origin);
            }
        }
    }

    /// Still `n`'s number and graded picture, from the run's library.
    fn still_picture(&self, n: u16) -> Result<(String, PathBuf), String> {
        let root = self
            .stills
            .as_ref()
            .ok_or("match: this run has no stills library (--stills DIR)")?;
        let library = crate::stills::Library::open(root)
            .map_err(|e| format!("match: stills library {}: {e}", root.display()))?;
        let still = library
            .get(&n.to_string())
            .map_err(|e| format!("match: still {n}: {e}"))?;
        Ok((still.info.id.clone(), still.graded()))
    }

    /// Hands the look to show to the render thread and wakes it.
    fn publish(&mut self, at: Instant) {
        let previous = self.shared.slot.load();
        // Changes not yet picked up keep the arrival of the oldest.
        let since = if self.shared.seen.load(Ordering::Acquire) < previous.generation {
            previous.since
        } else {
            at
        };
        self.generation += 1;
        self.shared.slot.store(Arc::new(Published {
            look: Arc::new(self.session.shown()),
            live: Arc::new(self.session.live().clone()),
            panel: self.session.panel(),
            reference: self.session.reference().map(|l| Arc::new(l.clone())),
            generation: self.generation,
            since,
        }));
        let _ = self.wake.try_send(());
        self.report.changes += 1;
        self.mapper.sync(self.session.live());
    }

    fn feedback(&mut self, origin: Option<(SocketAddr, Param)>) {
        let panel = self.session.panel();
        let messages = self.mapper.feedback(self.session.live(), panel);
        #[cfg(feature = "midi")]
        if let Midi::Ports(ports, _) = &mut self.midi {
            ports.send(&messages);
        }
        #[cfg(not(feature = "midi"))]
        drop(messages);
        if let Some(osc) = &mut self.osc {
            osc.feedback(self.session.live(), panel, origin);
        }
    }

    /// A parameter of a secondary the look lacks is an error to the sender.
    fn check_exists(&self, command: OscCommand) -> Result<OscCommand, String> {
        let param = match &command {
            OscCommand::Set { param, .. } | OscCommand::Query(param) => param,
            _ => return Ok(command),
        };
        let look = self.session.live();
        if param.exists(look) {
            return Ok(command);
        }
        Err(format!(
            "OSC /{param}: the look has {} [[secondary]] table(s); secondaries are added in the look file",
            look.secondaries.len()
        ))
    }

    fn osc_message(&mut self, message: OscMessage, from: Option<SocketAddr>, at: Instant) {
        if let (Some(osc), Some(from)) = (&mut self.osc, from) {
            osc.heard(from);
        }
        match osc::interpret(&message).and_then(|c| self.check_exists(c)) {
            Ok(command) => self.osc_command(command, from, at),
            Err(e) => {
                if let (Some(osc), Some(to)) = (&self.osc, from) {
                    osc.reply(to, "/error", vec![OscType::String(e.clone())]);
                }
                self.notice(e);
            }
        }
    }

    /// Applies a command from OSC (a client at `from`) or the operator view.
    fn osc_command(&mut self, command: OscCommand, from: Option<SocketAddr>, at: Instant) {
        match command {
            OscCommand::Set { param, values } => {
                let origin = from.map(|f| (f, param));
                let crate::grade::ranges::Range { lo, hi, .. } = param.info().limit;
                let refused = values.iter().find(|v| !(**v >= lo && **v <= hi)).copied();
                if let [r, g, b] = values[..] {
                    let outcome = self.session.set_all(param, [r, g, b], at);
                    if outcome.changed {
                        self.publish(at);
                    }
                    self.feedback(origin);
                } else {
                    self.command(
                        Command::Set {
                            param,
                            value: values[0],
                        },
                        at,
                        origin,
                    );
                }
                self.learn_param = self.learn_param.map(|_| param);
                if let Some(bad) = refused {
                    let now = param.values(self.session.live());
                    let e = format!(
                        "OSC /{param}: {bad} is outside {lo} to {hi}: {} {now:?}",
                        // Not a number or infinite: set() keeps the value.
                        if bad.is_finite() {
                            "clamped to"
                        } else {
                            "ignored, it stays"
                        }
                    );
                    if let (Some(osc), Some(to)) = (&self.osc, from) {
                        osc.reply(to, "/error", vec![OscType::String(e.clone())]);
                    }
                    self.notice(e);
                }
            }
            OscCommand::PanelQuery(switch) => {
                if let (Some(osc), Some(to)) = (&self.osc, from) {
                    let panel = self.session.panel();
                    let on = match switch {
                        osc::PanelSwitch::Bypass => panel.bypass,
                        osc::PanelSwitch::Compare => panel.compare,
                        osc::PanelSwitch::Fine => self.mapper.fine(),
                    };
                    osc.reply(
                        to,
                        switch.address(),
                        vec![OscType::Float(f32::from(u8::from(on)))],
                    );
                }
            }
            OscCommand::Query(param) => {
                if let (Some(osc), Some(to)) = (&self.osc, from) {
                    let values = param.values(self.session.live());
                    let args = values.into_iter().map(OscType::Float).collect();
                    osc.reply(to, &format!("/{param}"), args);
                }
            }
            OscCommand::Action(action) => self.command(Command::Action(action), at, None),
            OscCommand::Toggle { action, on } => {
                let panel = self.session.panel();
                let state = match action {
                    super::profile::Action::Bypass => panel.bypass,
                    _ => panel.compare,
                };
                if state != on {
                    self.command(Command::Action(action), at, None);
                }
            }
            OscCommand::Fine(on) => {
                if self.mapper.fine() != on {
                    self.command(
                        Command::Action(super::profile::Action::FineToggle),
                        at,
                        None,
                    );
                }
            }
            OscCommand::Learn(param) => {
                self.learn_param = Some(param);
                self.mapper.set_learning(true);
                self.notice(format!("learn: move a control to bind it to {param}"));
            }
        }
    }

    /// In-app learn: binds `control` to the armed parameter and writes the
    /// profile.
    fn learned(&mut self, control: ControlId) {
        let Some(param) = self.learn_param.take() else {
            return self.notice("learn: touch a parameter first (OSC /learn PATH)".into());
        };
        let banked = !self.mapper.profile.banks.is_empty();
        let spec = spec_for(control, param, banked.then_some(self.mapper.bank() + 1));
        let binding: Binding = match spec.check(self.mapper.profile.banks.len()) {
            Ok(b) => b,
            Err(e) => return self.notice(format!("learn: {e}")),
        };
        let written = match &self.profile_path {
            Some(path) => match learn::learn_into(path, spec.clone()) {
                Ok(_) => format!(" and written to {}", path.display()),
                Err(e) => format!(" for this run only ({e})"),
            },
            None => " for this run only (no --controller profile to write)".into(),
        };
        self.mapper.profile.bindings.push(spec.clone());
        if let ControlId::Cc14 { .. } = control {
            self.decoder = ControlDecoder::new(self.mapper.cc14_controls());
        }
        self.mapper.add_binding(binding);
        self.notice(format!(
            "learn: {} bound to {param}{written}",
            spec.describe()
        ));
    }

    fn notice(&mut self, text: String) {
        if let Some(held) = self.notice_log.admit(Instant::now()) {
            if held > 0 {
                tracing::info!("{text} ({held} more notes in the last second, not shown)");
            } else {
                tracing::info!("{text}");
            }
        }
        if self.report.notices.len() < 50 {
            self.report.notices.push(text);
        }
    }

    fn conclude(mut self) -> ControlReport {
        if let Some(e) = self.session.autosave(Instant::now(), true) {
            self.notice(e);
        }
        if let Some(path) = self.save_look.take() {
            match self.session.save_to(&path) {
                Ok(()) => self.report.saved.push(format!("look: {}", path.display())),
                Err(e) => self.notice(format!("cannot write the look to {}: {e}", path.display())),
            }
        }
        if let Some(r) = self.recorder.take() {
            let (path, events) = (r.path().to_path_buf(), r.events);
            match r.finish() {
                Ok(()) => self
                    .report
                    .saved
                    .push(format!("recording: {} ({events} events)", path.display())),
                Err(e) => self.notice(format!("recording {}: {e}", path.display())),
            }
        }
        self.report.midi = self.midi.status();
        self.report.replay = self
            .replay_total
            .map(|total| format!("{} of {total} events played", self.replayed));
        self.report
    }
}

/// The binding in-app learn makes for a control that moved (in `bank`,
/// 1-based, on a profile with banks).
fn spec_for(control: ControlId, param: Param, bank: Option<usize>) -> BindingSpec {
    let mut spec = BindingSpec {
        pickup: true,
        param: Some(param.to_string()),
        bank,
        ..BindingSpec::default()
    };
    let channel = match control {
        ControlId::Cc {
            channel,
            controller,
        } => {
            spec.cc = Some(controller);
            channel
        }
        ControlId::Cc14 {
            channel,
            controller,
        } => {
            spec.cc14 = Some(controller);
            channel
        }
        ControlId::Nrpn { channel, number } => {
            spec.nrpn = Some(number);
            channel
        }
        ControlId::Rpn { channel, number } => {
            spec.rpn = Some(number);
            channel
        }
        ControlId::PitchBend { channel } => {
            spec.pitch_bend = true;
            spec.feedback = super::profile::Feedback::Value;
            channel
        }
        ControlId::Note { channel, note } => {
            spec.note = Some(note);
            spec.action = Some("reset".into());
            channel
        }
    };
    spec.channel = Some(channel + 1);
    spec
}
