//! OSC over UDP (TouchOSC and other tablet surfaces): the parameter tree
//! by the look file's key paths, and feedback to every client heard.
//!
//! How it works: [`OscServer::bind`] opens a UDP socket (localhost unless
//! told otherwise) and a receive thread that hands each message, with its
//! sender, to the control thread. [`interpret`] reads one message:
//!
//! - `/primary/exposure 0.5` sets a key; `/cdl/slope 1.1 1.0 0.9` sets its
//!   three channels; `/primary/gain/r 1.2` one channel; a key with no
//!   argument is a query, answered with its value.
//! - `/bypass`, `/compare`, `/fine` (0 / 1 sets; no argument is a query,
//!   like every key), `/undo`, `/redo`, `/store N`, `/recall N`,
//!   `/reset PATH|primary|cdl|grade`, `/bank N`, `/learn PATH` (the next
//!   MIDI control moved is bound to PATH).
//! - `/propose` (an auto exposure and balance proposal from the picture),
//!   `/accept` (the pending proposal becomes the live look, one undo
//!   step), `/reject`, `/match N` (a Color Match to still N of the
//!   library, fitted beside the loop, then proposed like the others).
//!
//! A flood cannot hurt: packets that are not OSC are counted and logged
//! once a second at most, `/error` replies are short (a hostile address or
//! argument is never echoed whole), and the control thread applies only
//! the newest of several queued values for one key.
//!
//! After every change [`OscServer::feedback`] sends each key whose value
//! changed to every client heard from, except the one that just set it
//! (so a dragging fader on a tablet is never pulled back).

use super::mapping::PanelState;
use super::params::{Param, Section};
use super::profile::Action;
use crate::grade::Look;
use rosc::{OscMessage, OscPacket, OscType};
use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Clients remembered for feedback (the newest are kept).
const MAX_CLIENTS: usize = 8;

/// What one OSC message asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum OscCommand {
    Set {
        param: Param,
        values: Vec<f32>,
    },
    Query(Param),
    Action(Action),
    /// `/bypass 1`, `/compare 0`: a toggle to a given state.
    Toggle {
        action: Action,
        on: bool,
    },
    /// `/fine 1`: fine mode on or off.
    Fine(bool),
    /// `/bypass`, `/compare`, `/fine` without an argument: their state.
    PanelQuery(PanelSwitch),
    Learn(Param),
}

/// The switches of the panel that OSC can ask about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelSwitch {
    Bypass,
    Compare,
    Fine,
}

impl PanelSwitch {
    pub fn address(self) -> &'static str {
        match self {
            PanelSwitch::Bypass => "/bypass",
            PanelSwitch::Compare => "/compare",
            PanelSwitch::Fine => "/fine",
        }
    }
}

/// The longest part of a received address or argument an error echoes.
const ECHO: usize = 64;

/// What an argument is, in words (never its value: a hostile client's
/// blob is not sent back).
fn kind_of(arg: &OscType) -> &'static str {
    match arg {
        OscType::Int(_) | OscType::Long(_) => "an integer",
        OscType::Float(_) | OscType::Double(_) => "a number",
        OscType::String(_) => "a string",
        OscType::Blob(_) => "a blob",
        OscType::Bool(_) => "a boolean",
        _ => "a value of another type",
    }
}

/// Reads one message; the error names the address and what was expected.
pub fn interpret(message: &OscMessage) -> Result<OscCommand, String> {
    let numbers: Vec<f32> = message
        .args
        .iter()
        .filter_map(|a| match a {
            OscType::Float(v) => Some(*v),
            OscType::Double(v) => Some(*v as f32),
            OscType::Int(v) => Some(*v as f32),
            OscType::Long(v) => Some(*v as f32),
            OscType::Bool(b) => Some(f32::from(u8::from(*b))),
            _ => None,
        })
        .collect();
    let text = message.args.iter().find_map(|a| match a {
        OscType::String(s) => Some(s.as_str()),
        _ => None,
    });
    let short = super::throttle::shorten(&message.addr, ECHO);
    let addr = short.as_str();
    let slot = |what: &str| -> Result<u8, String> {
        numbers
            .first()
            .filter(|v| v.fract() == 0.0 && (0.0..=255.0).contains(*v))
            .map(|v| *v as u8)
            .ok_or_else(|| format!("OSC {addr}: expected a {what} number 0-255"))
    };
    let toggle = |action, switch| match numbers.first() {
        None => Ok(OscCommand::PanelQuery(switch)),
        Some(v) => Ok(OscCommand::Toggle {
            action,
            on: *v >= 0.5,
        }),
    };
    match message.addr.as_str() {
        "/bypass" => toggle(Action::Bypass, PanelSwitch::Bypass),
        "/compare" => toggle(Action::Compare, PanelSwitch::Compare),
        "/undo" => Ok(OscCommand::Action(Action::Undo)),
        "/propose" => Ok(OscCommand::Action(Action::Propose)),
        "/accept" => Ok(OscCommand::Action(Action::Accept)),
        "/reject" => Ok(OscCommand::Action(Action::Reject)),
        "/match" => match numbers.first() {
            Some(n) if *n >= 1.0 && *n <= f32::from(u16::MAX) && n.fract() == 0.0 => {
                Ok(OscCommand::Action(Action::Match(*n as u16)))
            }
            _ => Err(format!("OSC {addr}: expected a still's number (1 or more)")),
        },
        "/redo" => Ok(OscCommand::Action(Action::Redo)),
        "/object" => match numbers.as_slice() {
            [x, y] if (0.0..=1.0).contains(x) && (0.0..=1.0).contains(y) => {
                Ok(OscCommand::Action(Action::PointObject([*x, *y])))
            }
            _ => Err(format!(
                "OSC {addr}: expected the object's point: two numbers 0-1 (x, y from the top left)"
            )),
        },
        "/face" => match numbers.as_slice() {
            [n] if *n == -1.0 => Ok(OscCommand::Action(Action::SelectFace(None))),
            [n] if *n >= 0.0 && *n <= 16_777_216.0 && n.fract() == 0.0 => {
                Ok(OscCommand::Action(Action::SelectFace(Some(*n as u32))))
            }
            _ => Err(format!(
                "OSC {addr}: expected a face's number (as the operator view shows it), or -1 for every face"
            )),
        },
        "/store" => Ok(OscCommand::Action(Action::Store(slot("snapshot")?))),
        "/recall" => Ok(OscCommand::Action(Action::Recall(slot("snapshot")?))),
        "/bank" => match slot("bank")? {
            0 => Err(format!("OSC {addr}: banks are numbered from 1")),
            n => Ok(OscCommand::Action(Action::Bank(usize::from(n) - 1))),
        },
        "/fine" => match numbers.first() {
            None => Ok(OscCommand::PanelQuery(PanelSwitch::Fine)),
            Some(v) => Ok(OscCommand::Fine(*v >= 0.5)),
        },
        "/reset" => {
            let what = text.ok_or_else(|| {
                format!("OSC {addr}: expected a string: a key path or primary, cdl, grade")
            })?;
            match Section::parse(what) {
                Some(section) => Ok(OscCommand::Action(Action::ResetSection(section))),
                None => Param::parse(what)
                    .map(|p| OscCommand::Action(Action::ResetParam(p)))
                    .map_err(|e| {
                        format!(
                            "OSC {addr}: {}",
                            super::throttle::shorten(&e.to_string(), 2 * ECHO)
                        )
                    }),
            }
        }
        "/learn" => {
            let what = text.ok_or_else(|| format!("OSC {addr}: expected the key path to learn"))?;
            Param::parse(what).map(OscCommand::Learn).map_err(|e| {
                format!(
                    "OSC {addr}: {}",
                    super::throttle::shorten(&e.to_string(), 2 * ECHO)
                )
            })
        }
        _ => {
            let param = Param::parse(&message.addr).map_err(|_| {
                format!("OSC {addr}: not a grade parameter or action (addresses are the look's keys, e.g. /primary/exposure)")
            })?;
            if let Some(other) = message.args.iter().find(|a| {
                !matches!(
                    a,
                    OscType::Float(_)
                        | OscType::Double(_)
                        | OscType::Int(_)
                        | OscType::Long(_)
                        | OscType::Bool(_)
                )
            }) {
                return Err(format!(
                    "OSC {addr}: expected numbers, got {}",
                    kind_of(other)
                ));
            }
            match numbers.len() {
                0 => Ok(OscCommand::Query(param)),
                1 => Ok(OscCommand::Set {
                    param,
                    values: numbers,
                }),
                3 if param.is_master() => Ok(OscCommand::Set {
                    param,
                    values: numbers,
                }),
                n => Err(format!(
                    "OSC {addr}: expected 1 number{}, got {n}",
                    if param.is_master() {
                        " (the master) or 3 (r g b)"
                    } else {
                        ""
                    }
                )),
            }
        }
    }
}

/// The OSC message that [`interpret`] reads as `command`: the operator
/// view's edits reach the session as commands, and a control recording
/// keeps them in this form, so a replay repeats them. `None` for what OSC
/// has no address for (a panel's bank steps and fine hold, a bare toggle).
pub fn message_of(command: &OscCommand) -> Option<OscMessage> {
    let message = |addr: &str, args: Vec<OscType>| {
        Some(OscMessage {
            addr: addr.to_string(),
            args,
        })
    };
    let switch = |on: bool| OscType::Float(f32::from(u8::from(on)));
    match command {
        OscCommand::Set { param, values } => message(
            &format!("/{param}"),
            values.iter().map(|v| OscType::Float(*v)).collect(),
        ),
        OscCommand::Query(param) => message(&format!("/{param}"), vec![]),
        OscCommand::Toggle { action, on } => {
            let addr = match action {
                Action::Bypass => PanelSwitch::Bypass.address(),
                Action::Compare => PanelSwitch::Compare.address(),
                _ => return None,
            };
            message(addr, vec![switch(*on)])
        }
        OscCommand::Fine(on) => message("/fine", vec![switch(*on)]),
        OscCommand::PanelQuery(panel) => message(panel.address(), vec![]),
        OscCommand::Learn(param) => message("/learn", vec![OscType::String(param.to_string())]),
        OscCommand::Action(action) => match *action {
            Action::Undo => message("/undo", vec![]),
            Action::Redo => message("/redo", vec![]),
            Action::Propose => message("/propose", vec![]),
            Action::Accept => message("/accept", vec![]),
            Action::Reject => message("/reject", vec![]),
            Action::Match(n) => message("/match", vec![OscType::Int(i32::from(n))]),
            Action::PointObject([x, y]) => {
                message("/object", vec![OscType::Float(x), OscType::Float(y)])
            }
            Action::SelectFace(face) => {
                let n = face.map_or(-1, |n| i32::try_from(n).unwrap_or(i32::MAX));
                message("/face", vec![OscType::Int(n)])
            }
            Action::Store(n) => message("/store", vec![OscType::Int(i32::from(n))]),
            Action::Recall(n) => message("/recall", vec![OscType::Int(i32::from(n))]),
            Action::Bank(i) => message("/bank", vec![OscType::Int(i32::try_from(i + 1).ok()?)]),
            Action::ResetParam(param) => {
                message("/reset", vec![OscType::String(param.to_string())])
            }
            Action::ResetSection(section) => {
                message("/reset", vec![OscType::String(section.name())])
            }
            Action::Bypass
            | Action::Compare
            | Action::FineHold
            | Action::FineToggle
            | Action::BankNext
            | Action::BankPrev
            | Action::Learn => None,
        },
    }
}

/// A received message and who sent it.
pub struct Received {
    pub message: OscMessage,
    pub from: SocketAddr,
    pub at: Instant,
}

/// The OSC socket: receives on its own thread, sends feedback from the
/// control thread.
pub struct OscServer {
    socket: UdpSocket,
    pub local: SocketAddr,
    clients: Vec<SocketAddr>,
    /// What each client was last sent (or sent us), by address.
    shown: HashMap<String, Vec<f32>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl OscServer {
    /// Binds `addr` and starts the receive thread, which calls `deliver`
    /// for every message (bundles are unpacked).
    pub fn bind(
        addr: SocketAddr,
        deliver: impl Fn(Received) + Send + 'static,
    ) -> std::io::Result<OscServer> {
        let socket = UdpSocket::bind(addr)?;
        socket.set_read_timeout(Some(Duration::from_millis(100)))?;
        let local = socket.local_addr()?;
        let receiver = socket.try_clone()?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("osc".into())
            .spawn(move || receive_loop(receiver, &thread_stop, deliver))?;
        Ok(OscServer {
            socket,
            local,
            clients: Vec::new(),
            shown: HashMap::new(),
            stop,
            thread: Some(thread),
        })
    }

    /// Remembers a client for feedback.
    pub fn heard(&mut self, from: SocketAddr) {
        if !self.clients.contains(&from) {
            if self.clients.len() == MAX_CLIENTS {
                self.clients.remove(0);
            }
            self.clients.push(from);
        }
    }

    /// Sends one message to one address (a query's answer, an error).
    pub fn reply(&self, to: SocketAddr, addr: &str, args: Vec<OscType>) {
        let packet = OscPacket::Message(OscMessage {
            addr: addr.to_string(),
            args,
        });
        if let Ok(bytes) = rosc::encoder::encode(&packet) {
            let _ = self.socket.send_to(&bytes, to);
        }
    }

    /// Sends every key whose value changed to every client except
    /// `origin`: the client that made the change and the parameter it set.
    pub fn feedback(
        &mut self,
        look: &Look,
        panel: PanelState,
        origin: Option<(SocketAddr, Param)>,
    ) {
        if self.clients.is_empty() {
            return;
        }
        let mut state: Vec<(String, Vec<f32>)> = Param::all()
            .filter(|p| p.exists(look))
            .map(|p| (format!("/{p}"), p.values(look)))
            .collect();
        state.push(("/bypass".into(), vec![f32::from(u8::from(panel.bypass))]));
        state.push(("/compare".into(), vec![f32::from(u8::from(panel.compare))]));
        for (addr, values) in state {
            if self.shown.get(&addr) == Some(&values) {
                continue;
            }
            let args: Vec<OscType> = values.iter().map(|v| OscType::Float(*v)).collect();
            for client in &self.clients {
                let echo =
                    origin.is_some_and(|(from, p)| from == *client && format!("/{p}") == addr);
                if !echo {
                    self.reply(*client, &addr, args.clone());
                }
            }
            self.shown.insert(addr, values);
        }
    }
}

impl Drop for OscServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The receive thread wakes within its read timeout; not joined here
        // so a drop never blocks.
        drop(self.thread.take());
    }
}

fn receive_loop(socket: UdpSocket, stop: &AtomicBool, deliver: impl Fn(Received)) {
    let mut buf = vec![0u8; rosc::decoder::MTU];
    let mut bad_packets = super::throttle::LogThrottle::new(Duration::from_secs(1));
    while !stop.load(Ordering::Relaxed) {
        let (len, from) = match socket.recv_from(&mut buf) {
            Ok(got) => got,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(e) => {
                tracing::warn!("OSC receive failed: {e}");
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let at = Instant::now();
        match rosc::decoder::decode_udp(&buf[..len]) {
            Ok((_, packet)) => unpack(packet, &mut |message| {
                deliver(Received { message, from, at })
            }),
            Err(e) => {
                if let Some(held) = bad_packets.admit(at) {
                    let reason = super::throttle::shorten(&format!("{e:?}"), ECHO);
                    tracing::warn!(
                        "OSC from {from}: not an OSC packet ({reason}){}",
                        if held > 0 {
                            format!("; {held} more such packets in the last second")
                        } else {
                            String::new()
                        }
                    );
                }
            }
        }
    }
}

fn unpack(packet: OscPacket, out: &mut dyn FnMut(OscMessage)) {
    match packet {
        OscPacket::Message(m) => out(m),
        OscPacket::Bundle(b) => {
            for p in b.content {
                unpack(p, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(addr: &str, args: Vec<OscType>) -> OscMessage {
        OscMessage {
            addr: addr.into(),
            args,
        }
    }

    #[test]
    fn every_command_written_as_osc_reads_back_the_same() {
        use crate::control::params::Section;
        let mut commands: Vec<OscCommand> = Vec::new();
        for (i, param) in Param::all().enumerate() {
            let v = (i % 7) as f32 * 0.125;
            commands.push(OscCommand::Set {
                param,
                values: vec![v],
            });
            if param.is_master() {
                commands.push(OscCommand::Set {
                    param,
                    values: vec![v, v + 0.25, v + 0.5],
                });
            }
            commands.push(OscCommand::Query(param));
            commands.push(OscCommand::Learn(param));
            commands.push(OscCommand::Action(Action::ResetParam(param)));
        }
        for action in [
            Action::Undo,
            Action::Redo,
            Action::Propose,
            Action::Accept,
            Action::Reject,
            Action::Match(7),
            Action::PointObject([0.25, 0.75]),
            Action::SelectFace(None),
            Action::SelectFace(Some(3)),
            Action::Store(2),
            Action::Recall(255),
            Action::Bank(0),
            Action::ResetSection(Section::Primary),
            Action::ResetSection(Section::Cdl),
            Action::ResetSection(Section::Secondary(1)),
            Action::ResetSection(Section::Grade),
        ] {
            commands.push(OscCommand::Action(action));
        }
        for on in [false, true] {
            commands.push(OscCommand::Toggle {
                action: Action::Bypass,
                on,
            });
            commands.push(OscCommand::Toggle {
                action: Action::Compare,
                on,
            });
            commands.push(OscCommand::Fine(on));
        }
        for switch in [PanelSwitch::Bypass, PanelSwitch::Compare, PanelSwitch::Fine] {
            commands.push(OscCommand::PanelQuery(switch));
        }
        for command in &commands {
            let message = message_of(command).unwrap_or_else(|| panic!("{command:?}"));
            assert_eq!(interpret(&message).as_ref(), Ok(command), "{message:?}");
        }
        assert!(commands.len() > 300, "{}", commands.len());
        assert_eq!(message_of(&OscCommand::Action(Action::BankNext)), None);
    }

    #[test]
    fn addresses_are_the_look_keys() {
        let exposure = Param::parse("primary/exposure").unwrap();
        assert_eq!(
            interpret(&msg("/primary/exposure", vec![OscType::Float(0.5)])),
            Ok(OscCommand::Set {
                param: exposure,
                values: vec![0.5]
            })
        );
        let slope = interpret(&msg(
            "/cdl/slope",
            vec![OscType::Float(1.1), OscType::Int(1), OscType::Double(0.9)],
        ));
        assert!(matches!(slope, Ok(OscCommand::Set { ref values, .. }) if values.len() == 3));
        assert_eq!(
            interpret(&msg("/primary/exposure", vec![])),
            Ok(OscCommand::Query(exposure))
        );
        assert_eq!(
            interpret(&msg("/bypass", vec![OscType::Int(1)])),
            Ok(OscCommand::Toggle {
                action: Action::Bypass,
                on: true
            })
        );
        for (addr, args, expected) in [
            (
                "/primary/exposure",
                vec![OscType::Float(1.0), OscType::Float(2.0)],
                "expected 1 number",
            ),
            (
                "/primary/nope",
                vec![OscType::Float(1.0)],
                "not a grade parameter",
            ),
            (
                "/recall",
                vec![OscType::Float(1.5)],
                "expected a snapshot number",
            ),
            (
                "/primary/exposure",
                vec![OscType::String("x".into())],
                "expected numbers",
            ),
        ] {
            let e = interpret(&msg(addr, args)).unwrap_err();
            assert!(
                e.contains(expected)
                    && e.contains(addr.trim_start_matches('/').split('/').next().unwrap()),
                "{e}"
            );
        }
    }
}
