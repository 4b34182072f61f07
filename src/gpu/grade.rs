//! The look as the GPU reads it (colour functions: `shaders/grade.wgsl` and
//! `shaders/transform.wgsl`, CPU twins: `src/grade/reference.rs`,
//! `src/grade/primary.rs`).
//!
//! How it works: the look becomes two small uniform blocks (the operators'
//! parameters, and the matrices and curve constants of the transforms),
//! written every frame so live changes (control surfaces) take effect on the
//! next frame. What changes the shader's code is a [`KernelVariant`]: the
//! LUT mode, the transfer curves and working space, whether the
//! operators that cost a pow per pixel (CDL power, gamma, video mode's
//! linear-light matrix) are away from identity, and how many secondaries
//! the look has (their corrections are a third block; their keys go to the
//! mask keying pass, `src/gpu/masks.rs`).

use crate::grade::atmosphere::defocus_radius;
use crate::grade::bake::{live_shaper, LiveBake};
use crate::grade::gamut::{Gamut, Mat3};
use crate::grade::lut::{Interpolation, Lut, Lut1d};
use crate::grade::mask_expr::{Op, MAX_OPS};
use crate::grade::ocio::DisplayRendering;
use crate::grade::primary::{apply_exposure, linear_matrix};
use crate::grade::refine::radius_texels;
use crate::grade::secondary::{feather_radius, grow_texels, MAX_SECONDARIES};
use crate::grade::soften::soften_step;
use crate::grade::transfer::Transfer;
use crate::grade::transform::SceneTransforms;
use crate::grade::{Look, Primary};
use crate::masks::{MaskChannel, MASK_CHANNELS};
use bytemuck::Zeroable;

/// Everything the frame kernel reads about the look, per frame.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeUniforms {
    pub params: GradeParams,
    pub transform: TransformParams,
    /// The secondaries' corrections.
    pub secondaries: SecondaryGains,
    /// Their keying, with the feather still a share of the picture height
    /// ([`KeyBlock::for_picture`] makes it uv units).
    pub keys: KeyBlock,
    /// The kernel specialisation these values need.
    pub variant: KernelVariant,
    /// The per-channel grade at the 256 8-bit codes, for the 8-bit route
    /// ([`channel_table`]); shared, so a frame pipeline tells a
    /// new table from the one it holds without comparing them.
    pub channel_table: std::sync::Arc<Vec<[f32; 4]>>,
    /// The OpenColorIO display rendering compiled into the kernel's module
    /// (`src/gpu/display.rs`), when the look has one.
    pub display: Option<std::sync::Arc<DisplayRendering>>,
    /// Noise reduction before the kernel (`src/gpu/denoise.rs`), when the
    /// look's `[nr]` does anything.
    pub nr: Option<crate::grade::denoise::NrSection>,
    /// How the look bakes for the live path, or why it cannot
    /// (`src/gpu/bake.rs`).
    pub bake: Result<LiveBake, &'static str>,
    /// The shaper in front of its lattice (shared by every look with the
    /// same input encoding).
    pub bake_shaper: std::sync::Arc<Lut1d>,
}

impl GradeUniforms {
    pub fn from_look(look: &Look) -> GradeUniforms {
        // Resolved once: it looks the display rendering up.
        let scene = look.scene();
        GradeUniforms {
            params: GradeParams::from_look(look),
            transform: TransformParams::of(look, scene.as_ref()),
            secondaries: SecondaryGains::from_look(look),
            keys: KeyBlock::from_look(look),
            variant: KernelVariant::of(look, scene.as_ref()),
            channel_table: std::sync::Arc::new(channel_table(look, scene.as_ref())),
            bake: LiveBake::of(look, scene.as_ref()),
            display: scene.and_then(|s| s.display),
            nr: look.nr.filter(|n| n.is_active()),
            bake_shaper: live_shaper_of(look),
        }
    }
}

/// [`live_shaper`] of `look`, made again only when the input encoding
/// differs from the last look's (a look ridden on a fader keeps it).
fn live_shaper_of(look: &Look) -> std::sync::Arc<Lut1d> {
    type Key = (bool, Option<crate::grade::transform::InputSection>);
    thread_local! {
        static LAST: std::cell::RefCell<Option<(Key, std::sync::Arc<Lut1d>)>> =
            const { std::cell::RefCell::new(None) };
    }
    let key = (look.is_scene_referred(), look.input.clone());
    LAST.with_borrow_mut(|last| match last {
        Some((k, shaper)) if *k == key => std::sync::Arc::clone(shaper),
        _ => {
            let shaper = std::sync::Arc::new(live_shaper(look));
            *last = Some((key, std::sync::Arc::clone(&shaper)));
            shaper
        }
    })
}

/// `Secondaries` in WGSL: each secondary's correction, gain with 2^exposure
/// folded in, then saturation.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct SecondaryGains {
    gain_saturation: [[f32; 4]; MAX_SECONDARIES],
    /// The weights grid's width and height (set per frame).
    weights_size: [u32; 4],
    /// 1 for a secondary keyed from the masks, 0 for a whole-picture one ...
    from_masks: [f32; MAX_SECONDARIES],
    /// ... and then its weight.
    whole: [f32; MAX_SECONDARIES],
    /// Skin smoothing strengths.
    soften: [f32; MAX_SECONDARIES],
    /// `[atmosphere]`: the haze colour, then the widest defocus tap
    /// spacing in pixels (set per frame).
    haze: [f32; 4],
    qualifiers: [QualifierParams; MAX_SECONDARIES],
    /// Matte refinement amounts.
    refine: [f32; MAX_SECONDARIES],
}

/// `Qualifier` in grade.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
struct QualifierParams {
    hue: [f32; 4],
    ranges: [f32; 4],
    soft_flags: [f32; 4],
}

impl SecondaryGains {
    fn from_look(look: &Look) -> SecondaryGains {
        let mut block = SecondaryGains::zeroed();
        if let Some(a) = &look.atmosphere {
            block.haze = [a.haze[0], a.haze[1], a.haze[2], 0.0];
        }
        for (i, s) in look.secondaries.iter().take(MAX_SECONDARIES).enumerate() {
            let gain = s.linear_gain();
            block.gain_saturation[i] = [gain[0], gain[1], gain[2], s.saturation];
            block.soften[i] = if s.enabled { s.soften } else { 0.0 };
            block.refine[i] = s.refine_amount();
            match s.whole_picture_weight() {
                Some(weight) => block.whole[i] = weight,
                None => block.from_masks[i] = 1.0,
            }
            if let Some((q, inverted)) = s.qualifier_key() {
                let (hue, ranges, soft) = q.gpu_ranges();
                block.qualifiers[i] = QualifierParams {
                    hue,
                    ranges,
                    soft_flags: [soft[0], soft[1], 1.0, f32::from(u8::from(inverted))],
                };
            }
        }
        block
    }

    /// The block for a weights grid of `grid` texels and a picture
    /// `picture_height` pixels high (the soften taps' spacing).
    pub fn with_weights(mut self, grid: (u32, u32), picture_height: u32) -> SecondaryGains {
        self.weights_size = [grid.0, grid.1, soften_step(picture_height), 0];
        self.haze[3] = defocus_radius(picture_height);
        self
    }
}

/// `Key` in shaders/masks.wgsl: how one secondary keys its mask.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
struct Key {
    /// The smooth ramp's ends, then the feather radius (uv units).
    ramp_feather: [f32; 4],
    /// On (enabled and its masks present), inverted (`invert`), enabled
    /// (the look's switch), the face number its face masks are narrowed to
    /// (0: every face; `Secondary::face_code`).
    flags: [u32; 4],
    /// The grow radius (a share of the height until the grid's size is
    /// known, then texels), the refine amount, unused x2.
    grow: [f32; 4],
    /// The mask program, one step a word (see [`encode_op`]).
    program: [u32; MAX_OPS],
}

/// A mask program step as masks.wgsl reads it: the opcode in the low four
/// bits, the channel in bits 4..7, inverted in bit 8.
fn encode_op(op: Op) -> u32 {
    match op {
        Op::Push(channel, inverted) => ((channel as u32) << 4) | (u32::from(inverted) << 8),
        Op::One => 1,
        Op::Not => 2,
        Op::And => 3,
        Op::Minus => 4,
        Op::Or => 5,
    }
}

/// The opcode of the steps past a program's end.
const OP_NONE: u32 = 15;

/// `Keys` in shaders/masks.wgsl: the keying of every secondary.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct KeyBlock {
    items: [Key; MAX_SECONDARIES],
    /// `[atmosphere]`: density, start, focus, defocus.
    atmosphere: [f32; 4],
    /// 1 when the look has one (and, once [`Self::for_picture`] knows,
    /// the run has depth); the refine window's radius in texels (once the
    /// grid is known); unused x2.
    atmosphere_on: [u32; 4],
}

impl KeyBlock {
    fn from_look(look: &Look) -> KeyBlock {
        let mut block = KeyBlock::zeroed();
        if let Some(a) = &look.atmosphere {
            block.atmosphere = [a.density, a.start, a.focus, a.defocus];
            block.atmosphere_on[0] = 1;
        }
        for (item, s) in block.items.iter_mut().zip(&look.secondaries) {
            let (lo, hi) = s.ramp();
            let mut program = [OP_NONE; MAX_OPS];
            for (slot, op) in program.iter_mut().zip(&s.program().ops) {
                *slot = encode_op(*op);
            }
            *item = Key {
                // The feather and grow stay shares of the height until the
                // picture's and the grid's sizes are known.
                ramp_feather: [lo, hi, s.feather, 0.0],
                flags: [
                    0,
                    u32::from(s.invert),
                    u32::from(s.enabled),
                    u32::from(s.face_code()),
                ],
                grow: [s.grow, s.refine, 0.0, 0.0],
                program,
            };
        }
        block
    }

    /// How many secondaries the look keys and the longest of their mask
    /// programs: the keying pass computes the first this many keys and
    /// this many steps of each (masks.wgsl's `KEYS` and `PROGRAM_STEPS`); the
    /// rest weigh nothing and change nothing.
    pub fn extent(&self) -> (u32, u32) {
        let keys = self
            .items
            .iter()
            .rposition(|k| k.program[0] != OP_NONE)
            .map_or(0, |last| last + 1);
        let steps = self.items[..keys]
            .iter()
            .map(|k| k.program.iter().take_while(|&&op| op != OP_NONE).count())
            .max()
            .unwrap_or(0);
        (keys as u32, steps as u32)
    }

    /// Whether a secondary grows or shrinks its mask (the keying pass
    /// runs its grow steps only then).
    pub fn grows(&self) -> bool {
        self.items
            .iter()
            .any(|k| k.flags[0] == 1 && k.grow[0] != 0.0)
    }

    /// Whether a secondary refines its matte (the keying pass runs its
    /// refine steps only then).
    pub fn refines(&self) -> bool {
        self.items
            .iter()
            .any(|k| k.flags[0] == 1 && k.grow[1] > 0.0)
    }

    /// The keys for a picture of `width` x `height` keyed on a mask grid
    /// `grid_height` texels high, with the masks `present` (by mask
    /// channel): a secondary reading a mask that is absent is off.
    pub fn for_picture(
        mut self,
        (width, height): (u32, u32),
        grid_height: u32,
        present: [bool; MASK_CHANNELS],
    ) -> KeyBlock {
        self.atmosphere_on[0] &= u32::from(present[MaskChannel::Depth as usize]);
        self.atmosphere_on[1] = radius_texels(grid_height) as u32;
        for item in &mut self.items {
            let radius = feather_radius(item.ramp_feather[2], width, height);
            item.ramp_feather[2] = radius[0];
            item.ramp_feather[3] = radius[1];
            item.grow[0] = grow_texels(item.grow[0], grid_height);
            let reads_present = item
                .program
                .iter()
                .all(|step| step & 15 != 0 || present[((step >> 4) & 15) as usize]);
            let has_program = item.program[0] != OP_NONE;
            item.flags[0] = u32::from(item.flags[2] == 1 && has_program && reads_present);
        }
        self
    }
}

/// An RGB triple as a WGSL `vec4<f32>` (the fourth lane unused).
fn rgb0(v: [f32; 3]) -> [f32; 4] {
    [v[0], v[1], v[2], 0.0]
}

/// `GradeParams` in WGSL (std140-compatible layout).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct GradeParams {
    slope: [f32; 4],
    offset: [f32; 4],
    power: [f32; 4],
    /// The creative LUT, the display LUT, then their shapers (see
    /// [`lut_tables`]).
    luts: [LutParams; 4],
    lift: [f32; 4],
    gain: [f32; 4],
    gamma_exponent: [f32; 4],
    exposure_gain: f32,
    saturation: f32,
    exposure_root: f32,
    exposure_knee: f32,
    cdl_min: f32,
    cdl_max: f32,
    contrast: f32,
    pivot: f32,
    _pad: [f32; 4],
}

impl GradeParams {
    pub fn from_look(look: &Look) -> GradeParams {
        let p = &look.primary;
        let gain = p.exposure.exp2();
        let tables = lut_tables(look);
        let mut base = 0;
        let mut next_base = |table: &[[f32; 3]]| {
            let at = base;
            base += table.len() as u32;
            at
        };
        let (creative, display) = (
            look.loaded_lut.as_deref(),
            look.loaded_display_lut.as_deref(),
        );
        let luts = [
            LutParams::of(creative, tables[0], next_base(tables[0])),
            LutParams::of(display, tables[1], next_base(tables[1])),
            LutParams::of_shaper(creative, tables[2], next_base(tables[2])),
            LutParams::of_shaper(display, tables[3], next_base(tables[3])),
        ];
        GradeParams {
            slope: rgb0(look.cdl.slope),
            offset: rgb0(look.cdl.offset),
            power: rgb0(look.cdl.power),
            luts,
            lift: rgb0(p.lift),
            gain: rgb0(p.gain),
            gamma_exponent: rgb0(p.gamma.map(|g| (-g).exp2())),
            exposure_gain: gain,
            saturation: look.cdl.saturation,
            exposure_root: gain.powf(1.0 / 2.4),
            exposure_knee: Transfer::Srgb.encode(0.003_130_8 / gain),
            cdl_min: look.cdl.bounds().0,
            cdl_max: look.cdl.bounds().1,
            contrast: p.contrast,
            pivot: p.pivot,
            _pad: [0.0; 4],
        }
    }
}

/// `LutParams` in WGSL: where one LUT sits in the table buffer, its domain
/// and its packing.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct LutParams {
    domain_min: [f32; 4],
    domain_max: [f32; 4],
    code_min: [f32; 4],
    code_step: [f32; 4],
    size: u32,
    base: u32,
    _pad: [u32; 2],
}

impl LutParams {
    fn of(lut: Option<&Lut>, table: &[[f32; 3]], base: u32) -> LutParams {
        let (size, domain_min, domain_max) = match lut {
            Some(Lut::ThreeD(l)) => (l.size, l.domain_min, l.domain_max),
            Some(Lut::OneD(l)) => (l.table.len(), l.domain_min, l.domain_max),
            None => (1, [0.0; 3], [1.0; 3]),
        };
        LutParams::new(size, domain_min, domain_max, table, base)
    }

    /// The shaper in front of a 3D LUT (a placeholder when there is none).
    fn of_shaper(lut: Option<&Lut>, table: &[[f32; 3]], base: u32) -> LutParams {
        match lut.and_then(Lut::shaper) {
            Some(s) => LutParams::new(s.table.len(), s.domain_min, s.domain_max, table, base),
            None => LutParams::new(1, [0.0; 3], [1.0; 3], table, base),
        }
    }

    fn new(
        size: usize,
        domain_min: [f32; 3],
        domain_max: [f32; 3],
        table: &[[f32; 3]],
        base: u32,
    ) -> LutParams {
        let packing = LutPacking::of(table);
        LutParams {
            domain_min: rgb0(domain_min),
            domain_max: rgb0(domain_max),
            code_min: rgb0(packing.min),
            code_step: rgb0(packing.step),
            size: size as u32,
            base,
            _pad: [0; 2],
        }
    }
}

/// The entries of the creative LUT (one zero entry when there is none, so
/// the buffer is never empty), of the display LUT, and of the shapers in
/// front of each (none when absent), in the order the GPU's table buffer
/// holds them.
pub fn lut_tables(look: &Look) -> [&[[f32; 3]]; 4] {
    let (creative, display) = (
        look.loaded_lut.as_deref(),
        look.loaded_display_lut.as_deref(),
    );
    fn shaper(lut: Option<&Lut>) -> &[[f32; 3]] {
        lut.and_then(Lut::shaper).map_or(&[], |s| &s.table)
    }
    [
        creative.map_or(&[[0.0; 3]], Lut::table),
        display.map_or(&[], Lut::table),
        shaper(creative),
        shaper(display),
    ]
}

/// How a LUT's entries are packed for the GPU: per channel, a code from 0
/// to 2^21 - 1 (2^22 - 1 for blue) spanning the channel's range in the table.
#[derive(Debug, Clone, PartialEq)]
pub struct LutPacking {
    pub min: [f32; 3],
    pub step: [f32; 3],
}

/// The largest code of each channel: red and green 21 bits, blue 22.
const LUT_CODE_MAX: [u32; 3] = [(1 << 21) - 1, (1 << 21) - 1, (1 << 22) - 1];

impl LutPacking {
    pub fn of(table: &[[f32; 3]]) -> LutPacking {
        let mut min = [f32::MAX; 3];
        let mut max = [f32::MIN; 3];
        for entry in table {
            for c in 0..3 {
                min[c] = min[c].min(entry[c]);
                max[c] = max[c].max(entry[c]);
            }
        }
        if table.is_empty() {
            (min, max) = ([0.0; 3], [0.0; 3]);
        }
        let step = [0, 1, 2].map(|c| (max[c] - min[c]) / LUT_CODE_MAX[c] as f32);
        LutPacking { min, step }
    }
}

/// The table's entries as two words each (see `lut_at` in grade.wgsl).
pub struct PackedLut {
    pub words: Vec<[u32; 2]>,
}

/// Packs a LUT table for the GPU, rounding each value to the nearest code.
pub fn pack_lut(table: &[[f32; 3]]) -> PackedLut {
    let packing = LutPacking::of(table);
    let code = |v: f32, c: usize| {
        if packing.step[c] > 0.0 {
            (((v - packing.min[c]) / packing.step[c]).round() as u32).min(LUT_CODE_MAX[c])
        } else {
            0
        }
    };
    let words = table
        .iter()
        .map(|e| {
            let (r, g, b) = (code(e[0], 0), code(e[1], 1), code(e[2], 2));
            [r | (g << 21), (g >> 11) | (b << 10)]
        })
        .collect();
    PackedLut { words }
}

/// The WGSL `LUT_MODE` constant for a LUT: 0 none, 1 3D tetrahedral, 2 3D
/// trilinear, 3 1D; 4 and 5 a 3D LUT behind a shaper, tetrahedral and
/// trilinear.
pub fn lut_mode(lut: Option<&Lut>, interpolation: Option<Interpolation>) -> u32 {
    let shaped = |l: &crate::grade::lut::Lut3d| if l.shaper.is_some() { 3 } else { 0 };
    match (lut, interpolation) {
        (Some(Lut::ThreeD(l)), Some(Interpolation::Trilinear)) => 2 + shaped(l),
        (Some(Lut::ThreeD(l)), _) => 1 + shaped(l),
        (Some(Lut::OneD(_)), _) => 3,
        (None, _) => 0,
    }
}

/// `TransformParams` in WGSL: the matrices (column-major, each column padded
/// to four floats) and ARRI LogC3's exposure-index constants. In video mode
/// the input matrix holds the linear-light primaries in Rec. 709 RGB.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct TransformParams {
    input_matrix: [[f32; 4]; 3],
    output_matrix: [[f32; 4]; 3],
    logc3_cut_a_b_c: [f32; 4],
    logc3_d_e_f: [f32; 4],
}

/// Which specialised kernel a look needs (the WGSL pipeline constants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KernelVariant {
    pub lut_mode: u32,
    /// The same for the `[output]` display LUT.
    pub display_lut_mode: u32,
    /// 1 for a scene-referred look.
    pub scene: u32,
    /// 1 when the CDL power is not (1, 1, 1).
    pub cdl_power: u32,
    /// Contrast and lift/gamma/gain: 0 neutral, 1 without gamma, 2 with.
    pub log_primaries: u32,
    /// 1 for a video-mode look whose linear-light primaries are a matrix.
    pub video_matrix: u32,
    /// 1 for a video-mode look whose exposure alone is set.
    pub exposure: u32,
    pub input_transfer: u32,
    pub working_transfer: u32,
    pub output_transfer: u32,
    /// 1 when an OpenColorIO display rendering replaces the output curve.
    pub ocio_display: u32,
    /// The number of secondaries (0 compiles them out).
    pub secondaries: u32,
    /// 1 when a secondary has a qualifier.
    pub qualifiers: u32,
    /// 1 when a secondary softens skin.
    pub soften: u32,
    /// 1 when the look has an `[atmosphere]`.
    pub atmosphere: u32,
    /// Which secondaries refine their mattes, a bit each.
    pub refine: u32,
}

impl KernelVariant {
    /// The variant `look` needs; `scene` is its `Look::scene()`.
    pub fn of(look: &Look, scene: Option<&SceneTransforms>) -> KernelVariant {
        let code = |f: fn(&SceneTransforms) -> Transfer, default| {
            scene.map_or(default, |s| f(s).shader_code())
        };
        KernelVariant {
            lut_mode: lut_mode(
                look.loaded_lut.as_deref(),
                look.lut.as_ref().map(|r| r.interpolation),
            ),
            display_lut_mode: lut_mode(
                look.loaded_display_lut.as_deref(),
                look.output.as_ref().map(|o| o.interpolation),
            ),
            scene: u32::from(scene.is_some()),
            cdl_power: u32::from(look.cdl.power != [1.0; 3]),
            log_primaries: log_primaries(&look.primary),
            video_matrix: u32::from(scene.is_none() && !look.primary.linear_is_gain()),
            exposure: u32::from(
                scene.is_none() && look.primary.linear_is_gain() && look.primary.exposure != 0.0,
            ),
            input_transfer: code(|s| s.input, 0),
            working_transfer: code(|s| s.working, Transfer::AcesCct.shader_code()),
            output_transfer: code(|s| s.output, 0),
            ocio_display: u32::from(scene.as_ref().is_some_and(|s| s.display.is_some())),
            secondaries: look.secondaries.len().min(MAX_SECONDARIES) as u32,
            qualifiers: u32::from(look.secondaries.iter().any(|s| s.qualifier_key().is_some())),
            soften: u32::from(
                look.secondaries
                    .iter()
                    .take(MAX_SECONDARIES)
                    .any(|s| s.enabled && s.soften > 0.0),
            ),
            atmosphere: u32::from(look.atmosphere.is_some()),
            refine: look
                .secondaries
                .iter()
                .take(MAX_SECONDARIES)
                .enumerate()
                .filter(|(_, s)| s.refine_amount() > 0.0)
                .fold(0, |bits, (i, _)| bits | 1 << i),
        }
    }

    /// Whether the 8-bit route's channel table leaves only cheap maths per
    /// pixel (a video-mode look without a LUT): there the exact route is
    /// faster than a lattice (1080p on lavapipe: 47 against 26 fps).
    pub fn cheap_after_channel_table(self) -> bool {
        self.scene == 0 && self.lut_mode == 0
    }

    /// The values of the WGSL override constants.
    pub fn constants(self) -> [(&'static str, f64); 16] {
        [
            ("LUT_MODE", f64::from(self.lut_mode)),
            ("DISPLAY_LUT_MODE", f64::from(self.display_lut_mode)),
            ("SCENE", f64::from(self.scene)),
            ("CDL_POWER", f64::from(self.cdl_power)),
            ("LOG_PRIMARIES", f64::from(self.log_primaries)),
            ("VIDEO_MATRIX", f64::from(self.video_matrix)),
            ("EXPOSURE", f64::from(self.exposure)),
            ("INPUT_TRANSFER", f64::from(self.input_transfer)),
            ("WORKING_TRANSFER", f64::from(self.working_transfer)),
            ("OUTPUT_TRANSFER", f64::from(self.output_transfer)),
            ("OCIO_DISPLAY", f64::from(self.ocio_display)),
            ("SECONDARIES", f64::from(self.secondaries)),
            ("QUALIFIERS", f64::from(self.qualifiers)),
            ("SOFTEN", f64::from(self.soften)),
            ("ATMOSPHERE", f64::from(self.atmosphere)),
            ("REFINE", f64::from(self.refine)),
        ]
    }
}

/// The `LOG_PRIMARIES` constant: 0 when contrast and lift/gamma/gain are
/// neutral, 2 when gamma is set, 1 otherwise.
fn log_primaries(p: &Primary) -> u32 {
    let neutral = Primary::default();
    if p.gamma != neutral.gamma {
        2
    } else if p.contrast != neutral.contrast || p.lift != neutral.lift || p.gain != neutral.gain {
        1
    } else {
        0
    }
}

impl TransformParams {
    /// The transforms of `look`, whose `Look::scene()` is `scene`.
    pub fn of(look: &Look, scene: Option<&SceneTransforms>) -> TransformParams {
        let columns =
            |m: Mat3| [0, 1, 2].map(|j| [m[0][j] as f32, m[1][j] as f32, m[2][j] as f32, 0.0]);
        let (input, output, logc3) = match scene {
            Some(s) => (s.input_matrix, s.output_matrix, s.input.logc3_parameters()),
            None => (
                linear_matrix(&look.primary, Gamut::Rec709),
                crate::grade::gamut::IDENTITY,
                Transfer::Linear.logc3_parameters(),
            ),
        };
        let p = logc3.map(|v| v as f32);
        TransformParams {
            input_matrix: columns(input),
            output_matrix: columns(output),
            logc3_cut_a_b_c: [p[0], p[1], p[2], p[3]],
            logc3_d_e_f: [p[4], p[5], p[6], 0.0],
        }
    }
}

/// The per-channel part of the grade (each output channel depends on the
/// same input channel only) at the 256 8-bit codes: the table the frame
/// kernel's 8-bit route reads before it mixes channels
/// (`shaders/pipeline.wgsl`). CPU twin of `grade_channels` in grade.wgsl:
/// the camera decode of a scene-referred look; the sRGB decode when video
/// mode's linear-light primaries are a matrix; else exposure, then the
/// CDL's slope / offset / power. `scene` is the look's `Look::scene()`.
fn channel_table(look: &Look, scene: Option<&SceneTransforms>) -> Vec<[f32; 4]> {
    (0..256)
        .map(|code| {
            let v = code as f32 / 255.0;
            let [r, g, b] = match scene {
                Some(scene) => [scene.input.decode(v); 3],
                None if !look.primary.linear_is_gain() => [Transfer::Srgb.decode(v); 3],
                None => look
                    .cdl
                    .apply_sop(apply_exposure([v; 3], look.primary.exposure)),
            };
            [r, g, b, 0.0]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uniform_blocks_are_the_wgsl_structs() {
        use crate::gpu::layout_check::same_size;
        let kernel = crate::gpu::pipeline::frame_kernel_wgsl(
            &crate::gpu::display::DisplayShader::identity(),
        );
        same_size::<GradeParams>(&kernel, "GradeParams");
        same_size::<LutParams>(&kernel, "LutParams");
        same_size::<SecondaryGains>(&kernel, "Secondaries");
        same_size::<TransformParams>(&kernel, "TransformParams");
        same_size::<crate::gpu::ingest::IngestUniforms>(&kernel, "IngestParams");
        same_size::<KeyBlock>(crate::gpu::masks::KEY_PASS_WGSL, "Keys");
    }
}
