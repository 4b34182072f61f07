//! Colour maths: the look model and the CPU reference of every GPU operation.
//!
//! How it works: a [`Look`] (TOML, keys per DESIGN.md) is parsed and validated
//! once; the GPU grade pass (`src/gpu/grade.rs` + `shaders/grade.wgsl`) turns
//! it into a uniform block. [`reference`] holds the same operations as plain,
//! readable f32 code; tests hold the two equal on the software GPU.
//!
//! The signal path of this first grade is "video mode" (as a DIT's LUT box
//! runs it): the picture stays in its display encoding, exposure is applied in
//! linear light through the sRGB curve, and the ASC CDL acts on the encoded
//! signal. Camera log input transforms and a scene-referred working space slot
//! in front of and behind these two operators.

pub mod bake;
pub mod cdl_xml;
pub mod gamut;
pub mod look;
pub mod lut;
pub mod reference;
pub mod transfer;
pub mod transform;

pub use look::{Cdl, Look, LookError, Primary};
