//! The look as the GPU reads it (colour functions: `shaders/grade.wgsl`,
//! CPU twin: `src/grade/reference.rs`).
//!
//! How it works: the look becomes a small uniform block, written every frame
//! so live changes (control surfaces) take effect on the next frame. Flags
//! let the shader skip operators at identity with uniform branches.

use crate::grade::gamut::{Mat3, IDENTITY};
use crate::grade::lut::{Interpolation, Lut};
use crate::grade::reference::linear_to_srgb;
use crate::grade::transfer::Transfer;
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

/// `TransformParams` in WGSL: the scene-referred matrices (column-major, each
/// column padded to four floats) and ARRI LogC3's exposure-index constants.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct TransformUniforms {
    input_matrix: [[f32; 4]; 3],
    output_matrix: [[f32; 4]; 3],
    logc3_cut_a_b_c: [f32; 4],
    logc3_d_e_f: [f32; 4],
}

/// Which specialised kernel a look needs (the WGSL pipeline constants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KernelVariant {
    pub lut_mode: u32,
    /// 1 for a scene-referred look.
    pub scene: u32,
    pub input_transfer: u32,
    pub output_transfer: u32,
}

impl KernelVariant {
    pub fn of(look: &Look) -> KernelVariant {
        let scene = look.scene();
        KernelVariant {
            lut_mode: lut_mode(look),
            scene: u32::from(scene.is_some()),
            input_transfer: scene.as_ref().map_or(0, |s| s.input.shader_code()),
            output_transfer: scene.as_ref().map_or(0, |s| s.output.shader_code()),
        }
    }

    /// The values of the WGSL override constants.
    pub fn constants(self) -> [(&'static str, f64); 4] {
        [
            ("LUT_MODE", f64::from(self.lut_mode)),
            ("SCENE", f64::from(self.scene)),
            ("INPUT_TRANSFER", f64::from(self.input_transfer)),
            ("OUTPUT_TRANSFER", f64::from(self.output_transfer)),
        ]
    }
}

impl TransformUniforms {
    pub fn from_look(look: &Look) -> TransformUniforms {
        let columns =
            |m: Mat3| [0, 1, 2].map(|j| [m[0][j] as f32, m[1][j] as f32, m[2][j] as f32, 0.0]);
        let scene = look.scene();
        let (input, output, logc3) = match &scene {
            Some(s) => (s.input_matrix, s.output_matrix, s.input.logc3_parameters()),
            None => (IDENTITY, IDENTITY, Transfer::Linear.logc3_parameters()),
        };
        let p = logc3.map(|v| v as f32);
        TransformUniforms {
            input_matrix: columns(input),
            output_matrix: columns(output),
            logc3_cut_a_b_c: [p[0], p[1], p[2], p[3]],
            logc3_d_e_f: [p[4], p[5], p[6], 0.0],
        }
    }
}
