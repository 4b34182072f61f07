//! The operational and interpretive levels of assistance: the machine
//! measures the picture and proposes; the colourist decides.
//!
//! How it works: every measurement starts from a [`grid::LinearGrid`], the
//! picture reduced to block means in the light the look's primaries act
//! on. [`balance`] proposes exposure and white balance in the look's own
//! controls, with a confidence; [`matching`] fits a correction (a CDL, and a
//! LUT for the creative case) that makes a picture's colours look like a
//! reference's, and reports how close each gets; [`regions`] restricts
//! either to skin, the person or the background, from the models' masks.
//! Live, [`live`] runs follow mode ([`follow`]) and the stabiliser
//! ([`stabilise`]) on every frame, with cuts told from changes of light
//! ([`shot`]); their correction is added on top of the manual grade. Nothing here changes a look by itself: a
//! proposal becomes a look only when a person (or the CLI) applies it.

pub mod balance;
pub mod follow;
pub mod grid;
pub mod live;
pub mod matching;
pub mod regions;
pub mod shot;
pub mod stabilise;

pub use balance::{propose, Proposal};
pub use grid::{Decode, LinearGrid};
