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
    lut_mode: u32,
    lut_size: u32,
    _pad: f32,
}

impl GradeUniforms {
    pub fn from_look(look: &Look) -> GradeUniforms {
        let rgb0 = |v: [f32; 3]| [v[0], v[1], v[2], 0.0];
        let gain = look.primary.exposure.exp2();
        let (lut_mode, lut_size, domain_min, domain_max) = match (&look.loaded_lut, &look.lut) {
            (Some(lut), Some(r)) => match (lut.as_ref(), r.interpolation) {
                (Lut::ThreeD(l), Interpolation::Tetrahedral) => {
                    (1, l.size, l.domain_min, l.domain_max)
                }
                (Lut::ThreeD(l), Interpolation::Trilinear) => {
                    (2, l.size, l.domain_min, l.domain_max)
                }
                (Lut::OneD(l), _) => (3, l.table.len(), l.domain_min, l.domain_max),
            },
            _ => (0, 1, [0.0; 3], [1.0; 3]),
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
            lut_mode,
            lut_size: lut_size as u32,
            _pad: 0.0,
        }
    }
}
