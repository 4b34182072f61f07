//! The control thread: takes the inputs (MIDI bytes, OSC messages, a
//! replay, the operator view's commands) in batches, parses, decodes and
//! maps them into grade commands on the session, publishes the look for the
//! picture and sends feedback to the panels; when the run ends it writes the
//! autosave, the `--save-look` file and the recording, then reports.

use super::learn;
use super::mapping::{Command, Mapper};
use super::midi::{ControlDecoder, ControlEvent, ControlId, MidiParser};
use super::osc::{self, OscCommand, OscServer};
use super::params::Param;
use super::profile::{Binding, BindingSpec};
use super::replay::{ControlInputEvent, Recorder};
use super::session::GradeSession;
use super::shared::{ControlReport, ControlStatus, Input, Published, Shared, Wake};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use rosc::{OscMessage, OscType};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// MIDI ports, or why there are none.
pub(super) enum Midi {
    Off(String),
    #[cfg(feature = "midi")]
    Ports(Box<super::midi_port::MidiPorts>, Instant),
}

impl Midi {
    pub(super) fn open(
        wanted: bool,
        port: Option<String>,
        tx: &Sender<Input>,
        shared: &Arc<Shared>,
    ) -> Midi {
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

    pub(super) fn status(&self) -> String {
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

pub(super) struct ControlThread {
    pub(super) session: GradeSession,
    pub(super) mapper: Mapper,
    pub(super) profile_path: Option<PathBuf>,
    pub(super) parser: MidiParser,
    pub(super) decoder: ControlDecoder,
    pub(super) midi: Midi,
    pub(super) osc: Option<OscServer>,
    pub(super) recorder: Option<Recorder>,
    /// In-app learn: the parameter the next unbound control is bound to.
    pub(super) learn_param: Option<Param>,
    pub(super) shared: Arc<Shared>,
    pub(super) wake: Wake,
    pub(super) generation: u64,
    pub(super) report: ControlReport,
    pub(super) replay_total: Option<usize>,
    pub(super) replayed: usize,
    pub(super) save_look: Option<PathBuf>,
    /// The stills library (`/match N`).
    pub(super) stills: Option<PathBuf>,
    /// Notes are logged once a second at most (a flood of bad messages).
    pub(super) notice_log: super::throttle::LogThrottle,
    /// When the status for the operator view was last published.
    pub(super) status_at: Instant,
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
    pub(super) fn run(mut self, rx: Receiver<Input>, stop: &AtomicBool) -> ControlReport {
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
