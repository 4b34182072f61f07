//! `neurograde midi list|monitor|learn`: MIDI ports, what a panel sends,
//! and learning a control into a profile.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use neurograde::control::{Param, Profile};
use neurograde::grade::Look;
use neurograde::shutdown::Shutdown;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

#[derive(Subcommand)]
pub enum MidiCommand {
    /// The MIDI input and output ports (indexes for --midi-port).
    List,
    /// Print what a panel sends, decoded, and what its profile maps it to.
    Monitor(MidiMonitorArgs),
    /// Move a control: its binding to a parameter or action is written to
    /// the profile (atomically).
    Learn(MidiLearnArgs),
}

/// Where MIDI comes from for `midi monitor` and `midi learn`.
#[derive(Args)]
pub struct MidiInputArgs {
    /// Port: part of its name, its index in `midi list`, or "virtual".
    #[arg(long, value_name = "P")]
    port: Option<String>,
    /// Read a recording instead of a port (Standard MIDI File or the
    /// .jsonl of run --control-record).
    #[arg(long, value_name = "FILE", conflicts_with = "port")]
    from: Option<PathBuf>,
}

#[derive(Args)]
pub struct MidiMonitorArgs {
    #[command(flatten)]
    input: MidiInputArgs,
    /// Show what this profile maps each control to.
    #[arg(long, value_name = "NAME|PATH")]
    controller: Option<String>,
    /// Stop after this many seconds (default: Ctrl-C).
    #[arg(long, value_name = "S")]
    seconds: Option<f64>,
}

#[derive(Args)]
pub struct MidiLearnArgs {
    #[command(flatten)]
    input: MidiInputArgs,
    /// The profile to write (a path; created if missing).
    #[arg(long, value_name = "PATH")]
    controller: PathBuf,
    /// The parameter to bind (a look key path, e.g. primary/exposure).
    #[arg(long, value_name = "KEY", required_unless_present = "action")]
    param: Option<String>,
    /// Or an action (bypass, compare, undo, redo, fine, bank-next, store:N, recall:N, ...).
    #[arg(long, value_name = "A", conflicts_with = "param")]
    action: Option<String>,
    /// Bind in this bank only (1-based; the profile's `banks`).
    #[arg(long, value_name = "N")]
    bank: Option<usize>,
    /// How long to wait for a control to move, in seconds.
    #[arg(long, value_name = "S", default_value = "30")]
    wait: f64,
}

pub fn midi(command: MidiCommand, shutdown: &Shutdown) -> Result<()> {
    match command {
        MidiCommand::List => list(),
        MidiCommand::Monitor(args) => monitor(args, shutdown),
        MidiCommand::Learn(args) => learn(args, shutdown),
    }
}

fn list() -> Result<()> {
    #[cfg(feature = "midi")]
    {
        let (inputs, outputs) =
            neurograde::control::midi_port::list().map_err(anyhow::Error::msg)?;
        println!("MIDI inputs ({}):", inputs.len());
        for (i, name) in inputs.iter().enumerate() {
            println!("  {i}: {name}");
        }
        println!("MIDI outputs ({}):", outputs.len());
        for (i, name) in outputs.iter().enumerate() {
            println!("  {i}: {name}");
        }
        Ok(())
    }
    #[cfg(not(feature = "midi"))]
    anyhow::bail!("this build has no MIDI (built without the `midi` feature)")
}

/// Raw MIDI chunks from a recording (all at once) or a port (as they come,
/// until `until` says stop).
fn midi_chunks(
    input: &MidiInputArgs,
    mut until: impl FnMut(&[u8], Option<std::time::Instant>) -> bool,
    stop: &AtomicBool,
) -> Result<()> {
    if let Some(path) = &input.from {
        for timed in neurograde::control::replay::read(path)? {
            if let neurograde::control::replay::ControlInputEvent::Midi(bytes) = timed.event {
                if until(&bytes, None) {
                    break;
                }
            }
        }
        return Ok(());
    }
    #[cfg(feature = "midi")]
    {
        use neurograde::control::midi_port::{MidiPorts, PortChoice};
        let port = input.port.as_deref().context(
            "name a MIDI port with --port (see `neurograde midi list`) or a file with --from",
        )?;
        let (tx, rx) = crossbeam_channel::bounded::<(Vec<u8>, std::time::Instant)>(4096);
        let mut ports = MidiPorts::open(
            PortChoice::parse(port),
            std::sync::Arc::new(move |bytes, at| {
                let _ = tx.try_send((bytes, at));
            }),
        )
        .map_err(anyhow::Error::msg)?;
        match ports.connected() {
            Some(name) => eprintln!("listening to {name} (Ctrl-C ends)"),
            None => eprintln!("waiting for a port matching `{port}` (Ctrl-C ends)"),
        }
        let mut last_poll = std::time::Instant::now();
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            match rx.recv_timeout(std::time::Duration::from_millis(50)) {
                Ok((bytes, at)) => {
                    if until(&bytes, Some(at)) {
                        break;
                    }
                }
                Err(_) => {
                    if until(&[], None) {
                        break;
                    }
                }
            }
            if last_poll.elapsed() > std::time::Duration::from_secs(1) {
                last_poll = std::time::Instant::now();
                if let Some(line) = ports.poll() {
                    eprintln!("{line}");
                }
            }
        }
        Ok(())
    }
    #[cfg(not(feature = "midi"))]
    {
        let _ = stop;
        anyhow::bail!("this build has no MIDI (built without the `midi` feature); use --from FILE")
    }
}

fn monitor(args: MidiMonitorArgs, shutdown: &Shutdown) -> Result<()> {
    use neurograde::control::mapping::Mapper;
    use neurograde::control::midi::{ControlDecoder, MidiParser};
    let mut mapper = match &args.controller {
        Some(name) => {
            let (profile, bindings) = Profile::load_from(&Profile::resolve(name)?)?;
            Some(Mapper::new(profile, bindings))
        }
        None => None,
    };
    let mut parser = MidiParser::new();
    let mut decoder = ControlDecoder::new(
        mapper
            .as_ref()
            .map(|m| m.cc14_controls())
            .unwrap_or_default(),
    );
    let look = Look::default();
    let started = std::time::Instant::now();
    let stop = shutdown.stop_flag();
    let mut print = |bytes: &[u8]| {
        for message in parser.parse(bytes) {
            let mut events = Vec::new();
            decoder.decode(message, |e| events.push(e));
            println!("{message:?}");
            for e in events {
                let mapped = mapper
                    .as_mut()
                    .map(|m| m.handle(e, &look))
                    .unwrap_or_default();
                println!("  -> {:?} {:?} {mapped:?}", e.control, e.input);
            }
        }
    };
    midi_chunks(
        &args.input,
        |bytes, _| {
            print(bytes);
            args.seconds
                .is_some_and(|s| started.elapsed().as_secs_f64() > s)
        },
        &stop,
    )?;
    if parser.errors() > 0 {
        println!(
            "{} bytes or messages could not be used (cut short, no status)",
            parser.errors()
        );
    }
    Ok(())
}

fn learn(args: MidiLearnArgs, shutdown: &Shutdown) -> Result<()> {
    use neurograde::control::learn;
    use neurograde::control::midi::MidiParser;
    if !args.controller.exists() {
        let name = args
            .controller
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Profile::empty(&name, args.input.port.clone()).save(&args.controller)?;
    }
    // Check the target before waiting for a control.
    if let Some(p) = &args.param {
        Param::parse(p)?;
    }
    let mut parser = MidiParser::new();
    let mut messages = Vec::new();
    let mut first: Option<std::time::Instant> = None;
    let started = std::time::Instant::now();
    let stop = shutdown.stop_flag();
    if args.input.from.is_none() {
        eprintln!(
            "move the control for {}",
            args.param
                .as_deref()
                .or(args.action.as_deref())
                .unwrap_or("?")
        );
    }
    midi_chunks(
        &args.input,
        |bytes, at| {
            let got = parser.parse(bytes);
            if !got.is_empty() {
                first.get_or_insert(at.unwrap_or_else(std::time::Instant::now));
            }
            messages.extend(got);
            // Gather half a second of the move, then stop.
            let done = first.is_some_and(|t| t.elapsed() > std::time::Duration::from_millis(500));
            done || started.elapsed().as_secs_f64() > args.wait
        },
        &stop,
    )?;
    let mut spec = learn::infer(&messages)
        .context("no control moved (a CC, pitch bend or note) before the wait ran out")?;
    spec.param = args.param.clone();
    spec.action = args.action.clone();
    if spec.note.is_some() && spec.action.is_none() {
        // A button on a parameter resets it.
        spec.action = Some("reset".into());
    }
    spec.bank = args.bank;
    let profile = learn::learn_into(&args.controller, spec.clone())?;
    println!(
        "{} written to {} ({} bindings)",
        spec.describe(),
        args.controller.display(),
        profile.bindings.len()
    );
    Ok(())
}
