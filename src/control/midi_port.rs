//! MIDI ports through midir (ALSA sequencer on Linux, CoreMIDI, WinMM):
//! listing, opening by name or index, hot-plug, virtual ports.
//!
//! How it works: [`MidiPorts::open`] keeps one midir client for listing
//! ports and connects the input whose name matches (or the virtual port
//! "neurograde" where the OS has them); the input callback hands each
//! message's bytes, stamped with their arrival time, to the control thread.
//! The output port of the same name carries feedback. [`MidiPorts::poll`]
//! (about once a second, from the control thread) notices a port that went
//! away and connects it again when it comes back, so a panel unplugged and
//! plugged back resumes by itself. Where there is no MIDI subsystem (no
//! ALSA sequencer device) `open` says so once and the caller runs without
//! MIDI.

use super::midi::MidiMessage;
use midir::{Ignore, MidiInput, MidiInputConnection, MidiOutput, MidiOutputConnection};
use std::sync::Arc;
use std::time::Instant;

const CLIENT: &str = "neurograde";

/// Which port to open.
#[derive(Debug, Clone, PartialEq)]
pub enum PortChoice {
    /// The first port whose name contains this (case-insensitive).
    Name(String),
    /// The n-th input port of `neurograde midi list`.
    Index(usize),
    /// A virtual port named "neurograde" other programs connect to.
    Virtual,
}

impl PortChoice {
    pub fn parse(text: &str) -> PortChoice {
        match text {
            "virtual" => PortChoice::Virtual,
            t => t
                .parse()
                .map(PortChoice::Index)
                .unwrap_or_else(|_| PortChoice::Name(t.to_string())),
        }
    }
}

/// Bytes off the port and when they arrived.
pub type Deliver = Arc<dyn Fn(Vec<u8>, Instant) + Send + Sync>;

/// Input and output port names.
pub fn list() -> Result<(Vec<String>, Vec<String>), String> {
    let input = MidiInput::new(CLIENT).map_err(no_midi)?;
    let output = MidiOutput::new(CLIENT).map_err(no_midi)?;
    let names_in = input
        .ports()
        .iter()
        .filter_map(|p| input.port_name(p).ok())
        .collect();
    let names_out = output
        .ports()
        .iter()
        .filter_map(|p| output.port_name(p).ok())
        .collect();
    Ok((names_in, names_out))
}

fn no_midi(e: impl std::fmt::Display) -> String {
    format!("no MIDI subsystem ({e}); MIDI is off, everything else runs")
}

pub struct MidiPorts {
    choice: PortChoice,
    lister: MidiInput,
    input: Option<(String, MidiInputConnection<()>)>,
    output: Option<MidiOutputConnection>,
    deliver: Deliver,
}

impl MidiPorts {
    /// Opens the MIDI client; connects at once if the port is there (else
    /// [`Self::poll`] connects it when it appears).
    pub fn open(choice: PortChoice, deliver: Deliver) -> Result<MidiPorts, String> {
        let lister = MidiInput::new(CLIENT).map_err(no_midi)?;
        let mut ports = MidiPorts {
            choice,
            lister,
            input: None,
            output: None,
            deliver,
        };
        if ports.choice == PortChoice::Virtual {
            ports.open_virtual()?;
        } else {
            ports.poll();
        }
        Ok(ports)
    }

    /// The connected input's name, if any.
    pub fn connected(&self) -> Option<&str> {
        self.input.as_ref().map(|(name, _)| name.as_str())
    }

    #[cfg(unix)]
    fn open_virtual(&mut self) -> Result<(), String> {
        use midir::os::unix::{VirtualInput, VirtualOutput};
        let deliver = Arc::clone(&self.deliver);
        let mut input = MidiInput::new(CLIENT).map_err(no_midi)?;
        input.ignore(Ignore::None);
        let connection = input
            .create_virtual(
                CLIENT,
                move |_, bytes, _| deliver(bytes.to_vec(), Instant::now()),
                (),
            )
            .map_err(|e| format!("cannot create the virtual MIDI input: {e}"))?;
        self.input = Some((format!("{CLIENT} (virtual)"), connection));
        let output = MidiOutput::new(CLIENT).map_err(no_midi)?;
        self.output = output.create_virtual(CLIENT).ok();
        Ok(())
    }

    #[cfg(not(unix))]
    fn open_virtual(&mut self) -> Result<(), String> {
        Err("virtual MIDI ports are not available on this OS".into())
    }

    /// Checks the port is still there; connects it when it (re)appears.
    /// Returns a line for the log when something changed.
    pub fn poll(&mut self) -> Option<String> {
        if self.choice == PortChoice::Virtual {
            return None;
        }
        let names: Vec<String> = self
            .lister
            .ports()
            .iter()
            .filter_map(|p| self.lister.port_name(p).ok())
            .collect();
        if let Some((name, _)) = &self.input {
            if names.contains(name) {
                return None;
            }
            let gone = format!("MIDI port {name} went away; waiting for it to come back");
            self.input = None;
            self.output = None;
            return Some(gone);
        }
        let index = match &self.choice {
            PortChoice::Index(i) => (*i < names.len()).then_some(*i),
            PortChoice::Name(want) => {
                let want = want.to_lowercase();
                names.iter().position(|n| n.to_lowercase().contains(&want))
            }
            PortChoice::Virtual => None,
        }?;
        let name = names[index].clone();
        match self.connect(index, &name) {
            Ok(()) => Some(format!("MIDI port {name} connected")),
            Err(e) => Some(format!("MIDI port {name}: {e}")),
        }
    }

    fn connect(&mut self, index: usize, name: &str) -> Result<(), String> {
        let mut input = MidiInput::new(CLIENT).map_err(no_midi)?;
        input.ignore(Ignore::None);
        let port = input
            .ports()
            .get(index)
            .cloned()
            .ok_or_else(|| "the port went away".to_string())?;
        let deliver = Arc::clone(&self.deliver);
        let connection = input
            .connect(
                &port,
                CLIENT,
                move |_, bytes, _| deliver(bytes.to_vec(), Instant::now()),
                (),
            )
            .map_err(|e| format!("cannot connect: {e}"))?;
        self.input = Some((name.to_string(), connection));
        // Feedback goes to the output port of the same name, if there is one.
        let output = MidiOutput::new(CLIENT).map_err(no_midi)?;
        let out_port = output
            .ports()
            .into_iter()
            .find(|p| output.port_name(p).is_ok_and(|n| n == name));
        self.output = out_port.and_then(|p| output.connect(&p, CLIENT).ok());
        Ok(())
    }

    /// Sends feedback; a panel without an output port simply gets none.
    pub fn send(&mut self, messages: &[MidiMessage]) {
        if let Some(out) = &mut self.output {
            for m in messages {
                if let Err(e) = out.send(&m.to_bytes()) {
                    tracing::debug!("MIDI feedback not sent: {e}");
                }
            }
        }
    }
}
