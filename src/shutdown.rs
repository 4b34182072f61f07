//! Stopping on a signal without losing or half-writing anything.
//!
//! How it works: [`Shutdown::install`] takes SIGINT (Ctrl-C), SIGTERM and
//! SIGHUP (a closed terminal or ssh session) away from their default
//! (killing the process on the spot) and hands them to a small thread. The
//! first signal raises the run's stop flag and is remembered: every loop
//! checks that flag, so the command ends its work the way it would at the
//! end of its input (a live recording is finalised, the live look saved),
//! or, for a render that did not finish, removes its partial files. The
//! command then exits with 128 + the signal's number (130 for SIGINT, 143
//! for SIGTERM, 129 for SIGHUP), the shell convention. A second signal
//! means "now": the partial files still open are removed
//! ([`crate::output::remove_all_partials`]) and the process exits at once.
//! Child processes (ffmpeg) run in their own process group, so Ctrl-C in
//! a terminal reaches this process only and the children are ended by it.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;

/// The run's stop flag and the signal that raised it, if one did.
#[derive(Clone)]
pub struct Shutdown {
    stop: Arc<AtomicBool>,
    signal: Arc<AtomicI32>,
}

/// A signal that stopped a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal(pub i32);

impl Signal {
    /// The shell's exit status for a command ended by this signal.
    pub fn exit_code(self) -> u8 {
        (128 + self.0).clamp(0, 255) as u8
    }

    pub fn name(self) -> &'static str {
        match self.0 {
            2 => "SIGINT",
            15 => "SIGTERM",
            1 => "SIGHUP",
            _ => "a signal",
        }
    }
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Shutdown {
    /// A stop flag that no signal raises (tests, library use).
    pub fn manual() -> Shutdown {
        Shutdown {
            stop: Arc::new(AtomicBool::new(false)),
            signal: Arc::new(AtomicI32::new(0)),
        }
    }

    /// Takes SIGINT, SIGTERM and SIGHUP (see the module comment). Other
    /// systems than Unix keep their default Ctrl-C behaviour.
    #[cfg(unix)]
    pub fn install() -> std::io::Result<Shutdown> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let shutdown = Shutdown::manual();
        // A file larger than the process may write (`ulimit -f`) then fails
        // as a write error (EFBIG), as a full disk does, instead of killing
        // the process with its partial files in place.
        signal_hook::flag::register(
            signal_hook::consts::SIGXFSZ,
            Arc::new(AtomicBool::new(false)),
        )?;
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
        let (stop, signal) = (Arc::clone(&shutdown.stop), Arc::clone(&shutdown.signal));
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                for number in signals.forever() {
                    if signal.swap(number, Ordering::SeqCst) != 0 {
                        let removed = crate::output::remove_all_partials();
                        eprintln!(
                            "neurograde: {} again: stopping now ({removed} partial file(s) removed)",
                            Signal(number)
                        );
                        std::process::exit(i32::from(Signal(number).exit_code()));
                    }
                    tracing::info!("{}: stopping", Signal(number));
                    stop.store(true, Ordering::SeqCst);
                }
            })?;
        Ok(shutdown)
    }

    #[cfg(not(unix))]
    pub fn install() -> std::io::Result<Shutdown> {
        Ok(Shutdown::manual())
    }

    /// The flag every loop of the command checks (also raised by the
    /// command itself: a closed window, Esc).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    /// Raises the stop flag (as a signal would, without one).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// The signal that stopped the command, if one did.
    pub fn signal(&self) -> Option<Signal> {
        match self.signal.load(Ordering::SeqCst) {
            0 => None,
            n => Some(Signal(n)),
        }
    }
}
