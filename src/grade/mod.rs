//! Colour maths: the look model and the CPU reference of every GPU operation.
//!
//! How it works: a [`Look`] (TOML, keys in docs/looks.md) is parsed and validated
//! once; the GPU grade pass (`src/gpu/grade.rs` + `shaders/grade.wgsl`) turns
//! it into a uniform block. [`reference`] holds the same operations as plain,
//! readable f32 code; tests hold the two equal on the software GPU.
//!
//! Two signal paths. Video mode (a look without `[input]`, `[output]` or
//! `working_space`): the picture stays in its display encoding, the
//! linear-light primaries ([`primary`]) go through the sRGB curve, the ASC
//! CDL and the other working-space operators act on the encoded signal, as a
//! DIT's LUT box runs it. Scene-referred (`transform.rs`): camera decode
//! ([`transfer`]), ACES AP1 ([`gamut`]) with the linear-light primaries in
//! the same matrix, the working space (ACEScct by default), then the display
//! transform or a display LUT. Both end with the optional creative LUT
//! ([`lut`]) in the space the grade runs in, then the mask-gated
//! [`secondary`] grades.

pub mod assist;
pub mod atmosphere;
pub mod bake;
pub mod cdl_xml;
pub mod denoise;
pub mod gamut;
mod keys;
pub mod lab;
pub mod look;
pub mod lut;
pub mod mask_expr;
pub mod ocio;
pub mod primary;
pub mod qualifier;
pub mod ranges;
pub mod reference;
pub mod refine;
pub mod secondary;
pub mod soften;
pub mod transfer;
pub mod transform;

pub use look::{Cdl, Look, LookError};
pub use primary::Primary;
