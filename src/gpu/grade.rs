//! The look as the GPU reads it (colour functions: `shaders/grade.wgsl`,
//! CPU twin: `src/grade/reference.rs`).
//!
//! How it works: the look becomes a small uniform block, written every frame
//! so live changes (control surfaces) take effect on the next frame. Flags
//! let the shader skip operators at identity with uniform branches.

use crate::grade::lut::{Interpolation, Lut};
use crate::grade::reference::linear_to_srgb;
use crate::grade::Look;

/// `GradeParams` in WGSL (std140-compatible layout).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct GradeUniforms {
    slope: [f32; 4],
    offset: [f32; 4],
    power: [f32; 4],
    lut_domain_min: [f32; 4],
    lut_domain_max: [f32; 4],
    exposure_gain: f32,
    saturation: f32,
    power_is_identity: u32,
    exposure_root: f32,
    exposure_knee: f32,
    lut_size: u32,
    cdl_min: f32,
    cdl_max: f32,
}

impl GradeUniforms {
    pub fn from_look(look: &Look) -> GradeUniforms {
        let rgb0 = |v: [f32; 3]| [v[0], v[1], v[2], 0.0];
        let gain = look.primary.exposure.exp2();
        let (lut_size, domain_min, domain_max) = match look.loaded_lut.as_deref() {
            Some(Lut::ThreeD(l)) => (l.size, l.domain_min, l.domain_max),
            Some(Lut::OneD(l)) => (l.table.len(), l.domain_min, l.domain_max),
            None => (1, [0.0; 3], [1.0; 3]),
        };
        GradeUniforms {
            slope: rgb0(look.cdl.slope),
            offset: rgb0(look.cdl.offset),
            power: rgb0(look.cdl.power),
            lut_domain_min: rgb0(domain_min),
            lut_domain_max: rgb0(domain_max),
            exposure_gain: gain,
            saturation: look.cdl.saturation,
            power_is_identity: u32::from(look.cdl.power == [1.0; 3]),
            exposure_root: gain.powf(1.0 / 2.4),
            exposure_knee: linear_to_srgb(0.003_130_8 / gain),
            lut_size: lut_size as u32,
            cdl_min: if look.cdl.clamp { 0.0 } else { f32::MIN },
            cdl_max: if look.cdl.clamp { 1.0 } else { f32::MAX },
        }
    }
}

/// The WGSL `LUT_MODE` constant for a look's LUT: 0 none, 1 3D tetrahedral,
/// 2 3D trilinear, 3 1D.
pub fn lut_mode(look: &Look) -> u32 {
    let interpolation = look.lut.as_ref().map(|r| r.interpolation);
    match (look.loaded_lut.as_deref(), interpolation) {
        (Some(Lut::ThreeD(_)), Some(Interpolation::Trilinear)) => 2,
        (Some(Lut::ThreeD(_)), _) => 1,
        (Some(Lut::OneD(_)), _) => 3,
        (None, _) => 0,
    }
}
