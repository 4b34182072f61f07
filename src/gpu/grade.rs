//! The look as the GPU reads it (colour functions: `shaders/grade.wgsl`,
//! CPU twin: `src/grade/reference.rs`).
//!
//! How it works: the look becomes a small uniform block, written every frame
//! so live changes (control surfaces) take effect on the next frame. Flags
//! let the shader skip operators at identity with uniform branches.

use crate::grade::reference::linear_to_srgb;
use crate::grade::Look;

/// `GradeParams` in WGSL (std140-compatible layout).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct GradeUniforms {
    slope: [f32; 4],
    offset: [f32; 4],
    power: [f32; 4],
    exposure_gain: f32,
    saturation: f32,
    power_is_identity: u32,
    exposure_root: f32,
    exposure_knee: f32,
    _pad: [f32; 3],
}

impl GradeUniforms {
    pub fn from_look(look: &Look) -> GradeUniforms {
        let rgb0 = |v: [f32; 3]| [v[0], v[1], v[2], 0.0];
        let gain = look.primary.exposure.exp2();
        GradeUniforms {
            slope: rgb0(look.cdl.slope),
            offset: rgb0(look.cdl.offset),
            power: rgb0(look.cdl.power),
            exposure_gain: gain,
            saturation: look.cdl.saturation,
            power_is_identity: u32::from(look.cdl.power == [1.0; 3]),
            exposure_root: gain.powf(1.0 / 2.4),
            exposure_knee: linear_to_srgb(0.003_130_8 / gain),
            _pad: [0.0; 3],
        }
    }
}
