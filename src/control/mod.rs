//! Control surfaces: MIDI and OSC panels drive the grade.
//!
//! How it works: bytes from a MIDI port ([`midi_port`]), messages from an
//! OSC socket ([`osc`]) and events from a recording ([`replay`]) reach one
//! control thread ([`link`]). MIDI bytes are parsed and decoded into control
//! events ([`midi`]), a controller profile maps them to grade commands
//! ([`mapping`]), and the [`session`] applies them to the live look (undo,
//! bypass, A/B, snapshots, autosave). OSC addresses are the look's key paths
//! ([`params`]). The newest look goes to the render thread through a
//! latest-value slot; feedback goes back to motor faders, LED rings and
//! tablets. [`learn`] writes new bindings into a profile.

mod control_thread;
pub mod learn;
pub mod link;
pub mod mapping;
pub mod midi;
#[cfg(feature = "midi")]
pub mod midi_port;
pub mod osc;
pub mod params;
pub mod profile;
pub mod replay;
pub mod session;
pub mod shared;
pub mod throttle;

pub use link::{ControlLink, ControlOptions};
pub use params::Param;
pub use profile::{Profile, ProfileError, ProfileSource};
pub use shared::ControlReport;

use std::net::SocketAddr;
use std::path::PathBuf;

/// Errors that stop a run from starting its control surfaces.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Replay(#[from] replay::ReplayError),
    #[error("cannot listen for OSC on {addr}: {source} (is another program using the port? pick another with --osc-port)")]
    OscBind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start the control thread: {source}")]
    Thread { source: std::io::Error },
}
