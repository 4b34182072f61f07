//! Input and output transforms of the scene-referred grade: which camera
//! encoding comes in, which display encoding goes out, and the matrices
//! through the ACES AP1 working gamut.
//!
//! How it works: a look with an `[input]` or `[output]` section (or a
//! `working_space`) is graded scene-referred: camera code values are decoded
//! to linear, taken to ACES AP1 (adapted as the camera maker's ACES input
//! transform does: CAT02 or Bradford, see `gamut.rs`) with the linear-light
//! primaries (exposure, white balance, saturation; `primary.rs`) folded into
//! the same 3x3 matrix, encoded into the working space (ACEScct by default,
//! S-2016-001), graded, then decoded, taken to the display gamut and encoded
//! for the display. A look with none of these is graded on the display
//! signal as it is ("video mode", see `reference.rs`).

use super::gamut::{conversion, mul, Gamut, Mat3};
use super::lut::Interpolation;
use super::ocio::{DisplayRendering, OcioSection, ACES13_STUDIO_CONFIG, ACES2_STUDIO_CONFIG};
use super::primary::linear_matrix;
use super::primary::Primary;
use super::transfer::Transfer;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Camera or source encodings, by their look-file names (read
/// case-insensitively, with or without the maker and separators: `LogC3`,
/// `S-Log3 S-Gamut3.Cine`, `Rec709`; see [`NAMES`](InputTransform::NAMES)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", try_from = "String")]
pub enum InputTransform {
    Linear,
    Srgb,
    Rec709,
    ArriLogc3,
    ArriLogc4,
    SonySlog3Sgamut3cine,
    SonySlog3Sgamut3,
    PanasonicVlog,
    CanonClog3,
    RedLog3g10Rwg,
    Acescct,
    Acescc,
}

/// Display encodings, by their look-file names (read like
/// [`InputTransform`]'s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", try_from = "String")]
pub enum OutputTransform {
    /// Scene-linear Rec. 709 primaries (for compositing, EXR).
    Linear,
    /// IEC 61966-2-1 sRGB display.
    Srgb,
    /// ITU-R BT.709 primaries through the BT.1886 inverse EOTF (gamma 2.4).
    Rec709,
    /// P3 primaries, D65 white, the sRGB curve: Apple's Display P3 (Macs,
    /// iPads and phones showing wide-gamut SDR).
    DisplayP3,
    /// P3 primaries, D65 white, gamma 2.6: a P3-D65 mastering display or
    /// projector (SMPTE EG 432-1 primaries, RP 431-2 gamma).
    P3D65,
    /// ITU-R BT.2020 primaries through BT.1886 (gamma 2.4): wide-gamut SDR.
    Rec2020,
    /// BT.709 primaries through a pure 2.2 power: a computer monitor.
    Gamma22,
    /// ITU-R BT.2100 PQ, BT.2020 primaries, diffuse white at 203 cd/m² and
    /// the BT.2390 roll-off to a 1000 cd/m² display ([`Transfer::Rec2100Pq`]).
    #[serde(rename = "rec2100-pq")]
    Rec2100Pq,
    /// ITU-R BT.2100 HLG, BT.2020 primaries, diffuse white at 75% signal.
    #[serde(rename = "rec2100-hlg")]
    Rec2100Hlg,
    /// SMPTE ST 2084 PQ on P3-D65 primaries (a P3-D65 HDR mastering
    /// display), with `rec2100-pq`'s white and roll-off.
    #[serde(rename = "p3-d65-pq")]
    P3D65Pq,
    /// The ACES 2.0 SDR output transform (100 cd/m², Rec. 709 limited) on a
    /// BT.1886 Rec. 709 display, through OpenColorIO (`ocio.rs`).
    Aces2Rec709,
    /// The same on an sRGB display.
    Aces2Srgb,
    /// ACES 2.0 SDR 100 cd/m², P3-D65 limited, on a gamma 2.6 P3-D65 display.
    #[serde(rename = "aces2-p3-d65")]
    Aces2P3D65,
    /// The same on a Display P3 screen (sRGB curve).
    #[serde(rename = "aces2-display-p3")]
    Aces2DisplayP3,
    /// ACES 2.0 HDR 1000 cd/m², P3-D65 limited, in Rec. 2100 PQ.
    #[serde(rename = "aces2-rec2100-pq-1000")]
    Aces2Rec2100Pq1000,
    /// ACES 2.0 HDR 1000 cd/m², P3-D65 limited, on an ST 2084 P3-D65 display.
    #[serde(rename = "aces2-p3-d65-pq-1000")]
    Aces2P3D65Pq1000,
    /// The ACES 1.3 SDR video output transform (RRT + ODT) on BT.1886 Rec. 709.
    #[serde(rename = "aces13-rec709")]
    Aces13Rec709,
    /// The same on an sRGB display.
    #[serde(rename = "aces13-srgb")]
    Aces13Srgb,
}

impl OutputTransform {
    /// The display and view of an OpenColorIO built-in config that render
    /// this output, for the ACES output transforms (`None`: our own display
    /// encoding).
    pub fn ocio_section(self) -> Option<OcioSection> {
        use OutputTransform::*;
        const SDR709: &str = "ACES 2.0 - SDR 100 nits (Rec.709)";
        const SDR_P3: &str = "ACES 2.0 - SDR 100 nits (P3 D65)";
        const HDR_P3: &str = "ACES 2.0 - HDR 1000 nits (P3 D65)";
        const SDR13: &str = "ACES 1.0 - SDR Video";
        let (config, display, view) = match self {
            Aces2Rec709 => (ACES2_STUDIO_CONFIG, "Rec.1886 Rec.709 - Display", SDR709),
            Aces2Srgb => (ACES2_STUDIO_CONFIG, "sRGB - Display", SDR709),
            Aces2P3D65 => (ACES2_STUDIO_CONFIG, "P3-D65 - Display", SDR_P3),
            Aces2DisplayP3 => (ACES2_STUDIO_CONFIG, "Display P3 - Display", SDR_P3),
            Aces2Rec2100Pq1000 => (ACES2_STUDIO_CONFIG, "Rec.2100-PQ - Display", HDR_P3),
            Aces2P3D65Pq1000 => (ACES2_STUDIO_CONFIG, "ST2084-P3-D65 - Display", HDR_P3),
            Aces13Rec709 => (ACES13_STUDIO_CONFIG, "Rec.1886 Rec.709 - Display", SDR13),
            Aces13Srgb => (ACES13_STUDIO_CONFIG, "sRGB - Display", SDR13),
            _ => return None,
        };
        Some(OcioSection::builtin(config, display, view))
    }

    /// The display encoding a picture of this output is in: itself for our
    /// own encodings, that of the display an ACES output transform renders
    /// for (the built-in config's display, by [`Self::of_ocio_display`]).
    pub fn display_encoding(self) -> OutputTransform {
        self.ocio_section()
            .map(|s| {
                OutputTransform::of_ocio_display(&s.display)
                    .expect("every ACES output renders for a display of ours")
            })
            .unwrap_or(self)
    }

    /// What a look's `[output]` transform, else its `[ocio]` display, says
    /// the picture is encoded for (`None`: a display LUT, an unknown
    /// display, or neither section).
    pub fn of_sections(
        output: Option<&OutputSection>,
        ocio: Option<&OcioSection>,
    ) -> Option<OutputTransform> {
        output
            .and_then(|o| o.transform)
            .or_else(|| ocio.and_then(|s| OutputTransform::of_ocio_display(&s.display)))
    }

    /// The display encoding of an OCIO built-in config's display, by the
    /// display's name (for the colour tags of an `[ocio]` look).
    pub fn of_ocio_display(display: &str) -> Option<OutputTransform> {
        use OutputTransform::*;
        Some(match display {
            "sRGB - Display" => Srgb,
            "Rec.1886 Rec.709 - Display" => Rec709,
            "Display P3 - Display" => DisplayP3,
            "P3-D65 - Display" => P3D65,
            "Rec.1886 Rec.2020 - Display" => Rec2020,
            "Gamma 2.2 Rec.709 - Display" => Gamma22,
            "Rec.2100-PQ - Display" => Rec2100Pq,
            "Rec.2100-HLG - Display" => Rec2100Hlg,
            "ST2084-P3-D65 - Display" => P3D65Pq,
            _ => return None,
        })
    }

    /// The colour tags (ITU-T H.273 names, as ffmpeg writes them) of a
    /// picture this transform encodes.
    pub fn colour_tags(self) -> crate::ffmpeg::ColourTags {
        let (primaries, transfer, matrix) = match self.display_encoding() {
            OutputTransform::Linear => ("bt709", "linear", "bt709"),
            OutputTransform::Srgb => ("bt709", "iec61966-2-1", "bt709"),
            OutputTransform::Rec709 => ("bt709", "bt709", "bt709"),
            OutputTransform::DisplayP3 => ("smpte432", "iec61966-2-1", "bt709"),
            // H.273 has no code for a pure 2.6 power: the transfer is left
            // unspecified rather than tagged wrong.
            OutputTransform::P3D65 => ("smpte432", "", "bt709"),
            OutputTransform::Rec2020 => ("bt2020", "bt2020-10", "bt2020nc"),
            OutputTransform::Gamma22 => ("bt709", "gamma22", "bt709"),
            OutputTransform::Rec2100Pq => ("bt2020", "smpte2084", "bt2020nc"),
            OutputTransform::Rec2100Hlg => ("bt2020", "arib-std-b67", "bt2020nc"),
            OutputTransform::P3D65Pq => ("smpte432", "smpte2084", "bt709"),
            rendered => unreachable!("{rendered:?} has a display encoding"),
        };
        crate::ffmpeg::ColourTags {
            primaries: Some(primaries.into()),
            transfer: (!transfer.is_empty()).then(|| transfer.into()),
            matrix: Some(matrix.into()),
            full_range: Some(false),
        }
    }
}

impl InputTransform {
    /// Every input transform with its canonical name (the one a saved look
    /// writes).
    pub const NAMES: [(InputTransform, &'static str); 12] = [
        (InputTransform::Linear, "linear"),
        (InputTransform::Srgb, "srgb"),
        (InputTransform::Rec709, "rec709"),
        (InputTransform::ArriLogc3, "arri-logc3"),
        (InputTransform::ArriLogc4, "arri-logc4"),
        (
            InputTransform::SonySlog3Sgamut3cine,
            "sony-slog3-sgamut3cine",
        ),
        (InputTransform::SonySlog3Sgamut3, "sony-slog3-sgamut3"),
        (InputTransform::PanasonicVlog, "panasonic-vlog"),
        (InputTransform::CanonClog3, "canon-clog3"),
        (InputTransform::RedLog3g10Rwg, "red-log3g10-rwg"),
        (InputTransform::Acescct, "acescct"),
        (InputTransform::Acescc, "acescc"),
    ];
}

impl OutputTransform {
    /// Every output transform with its canonical name.
    pub const NAMES: [(OutputTransform, &'static str); 18] = [
        (OutputTransform::Linear, "linear"),
        (OutputTransform::Srgb, "srgb"),
        (OutputTransform::Rec709, "rec709"),
        (OutputTransform::DisplayP3, "display-p3"),
        (OutputTransform::P3D65, "p3-d65"),
        (OutputTransform::Rec2020, "rec2020"),
        (OutputTransform::Gamma22, "gamma22"),
        (OutputTransform::Rec2100Pq, "rec2100-pq"),
        (OutputTransform::Rec2100Hlg, "rec2100-hlg"),
        (OutputTransform::P3D65Pq, "p3-d65-pq"),
        (OutputTransform::Aces2Rec709, "aces2-rec709"),
        (OutputTransform::Aces2Srgb, "aces2-srgb"),
        (OutputTransform::Aces2P3D65, "aces2-p3-d65"),
        (OutputTransform::Aces2DisplayP3, "aces2-display-p3"),
        (OutputTransform::Aces2Rec2100Pq1000, "aces2-rec2100-pq-1000"),
        (OutputTransform::Aces2P3D65Pq1000, "aces2-p3-d65-pq-1000"),
        (OutputTransform::Aces13Rec709, "aces13-rec709"),
        (OutputTransform::Aces13Srgb, "aces13-srgb"),
    ];
}

/// Looks a transform name up the way users write them: any case, with or
/// without separators (`-`, `_`, `.`, spaces) and the camera maker's name.
/// The error names every canonical name.
fn by_name<T: Copy>(name: &str, names: &[(T, &'static str)], what: &str) -> Result<T, String> {
    const MAKERS: [&str; 5] = ["arri", "sony", "panasonic", "canon", "red"];
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let wanted = squash(name);
    names
        .iter()
        .find(|(_, canonical)| {
            let full = squash(canonical);
            full == wanted
                || MAKERS
                    .iter()
                    .any(|m| full.strip_prefix(m).is_some_and(|rest| rest == wanted))
        })
        .map(|(t, _)| *t)
        .ok_or_else(|| {
            let all: Vec<&str> = names.iter().map(|(_, n)| *n).collect();
            format!(
                "unknown {what} \"{name}\"; expected one of: {}",
                all.join(", ")
            )
        })
}

impl TryFrom<String> for InputTransform {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        by_name(&name, &Self::NAMES, "input transform")
    }
}

impl TryFrom<String> for OutputTransform {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        by_name(&name, &Self::NAMES, "output transform")
    }
}

/// The log or linear encoding of ACES AP1 the grade runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorkingSpace {
    /// ACEScct (S-2016-001): log with a linear toe, the grading standard.
    #[default]
    Acescct,
    /// ACEScc (S-2014-003): pure log, shadows stretched further.
    Acescc,
    /// ACEScg (S-2014-004): linear AP1; CDL offset acts as a light offset.
    Acescg,
}

impl WorkingSpace {
    /// The name as the ACES documents write it.
    pub fn name(self) -> &'static str {
        match self {
            WorkingSpace::Acescct => "ACEScct",
            WorkingSpace::Acescc => "ACEScc",
            WorkingSpace::Acescg => "ACEScg",
        }
    }

    pub fn transfer(self) -> Transfer {
        match self {
            WorkingSpace::Acescct => Transfer::AcesCct,
            WorkingSpace::Acescc => Transfer::AcesCc,
            WorkingSpace::Acescg => Transfer::Linear,
        }
    }
}

/// The `[input]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSection {
    pub transform: InputTransform,
    /// ARRI LogC3 exposure index (160 to 1600); 800 when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ei: Option<u32>,
}

/// The `[output]` section: a display transform, or a display LUT.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform: Option<OutputTransform>,
    /// A display LUT file taking the working space (e.g. ACEScct) to
    /// display code values, in place of `transform` (as a monitor LUT from
    /// a show's colour pipeline is built). Relative to the look's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lut: Option<std::path::PathBuf>,
    /// How the display LUT is interpolated.
    #[serde(default, skip_serializing_if = "is_tetrahedral")]
    pub interpolation: Interpolation,
}

fn is_tetrahedral(i: &Interpolation) -> bool {
    *i == Interpolation::Tetrahedral
}

impl InputTransform {
    /// The transfer function and gamut; `ei` only matters for LogC3.
    pub fn parts(self, ei: u32) -> (Transfer, Gamut) {
        match self {
            InputTransform::Linear => (Transfer::Linear, Gamut::Rec709),
            InputTransform::Srgb => (Transfer::Srgb, Gamut::Rec709),
            InputTransform::Rec709 => (Transfer::Bt1886, Gamut::Rec709),
            InputTransform::ArriLogc3 => (Transfer::ArriLogC3 { ei }, Gamut::ArriWideGamut3),
            InputTransform::ArriLogc4 => (Transfer::ArriLogC4, Gamut::ArriWideGamut4),
            InputTransform::SonySlog3Sgamut3cine => (Transfer::SonySLog3, Gamut::SonySGamut3Cine),
            InputTransform::SonySlog3Sgamut3 => (Transfer::SonySLog3, Gamut::SonySGamut3),
            InputTransform::PanasonicVlog => (Transfer::PanasonicVLog, Gamut::PanasonicVGamut),
            InputTransform::CanonClog3 => (Transfer::CanonLog3, Gamut::CanonCinemaGamut),
            InputTransform::RedLog3g10Rwg => (Transfer::RedLog3G10, Gamut::RedWideGamutRgb),
            InputTransform::Acescct => (Transfer::AcesCct, Gamut::AcesAp1),
            InputTransform::Acescc => (Transfer::AcesCc, Gamut::AcesAp1),
        }
    }
}

impl OutputTransform {
    /// The curve and gamut of the display encoding (for an ACES output
    /// transform, those of the display it renders for).
    pub fn parts(self) -> (Transfer, Gamut) {
        match self.display_encoding() {
            OutputTransform::Linear => (Transfer::Linear, Gamut::Rec709),
            OutputTransform::Srgb => (Transfer::Srgb, Gamut::Rec709),
            OutputTransform::Rec709 => (Transfer::Bt1886, Gamut::Rec709),
            OutputTransform::DisplayP3 => (Transfer::Srgb, Gamut::P3D65),
            OutputTransform::P3D65 => (Transfer::Gamma26, Gamut::P3D65),
            OutputTransform::Rec2020 => (Transfer::Bt1886, Gamut::Rec2020),
            OutputTransform::Gamma22 => (Transfer::Gamma22, Gamut::Rec709),
            OutputTransform::Rec2100Pq => (Transfer::Rec2100Pq, Gamut::Rec2020),
            OutputTransform::Rec2100Hlg => (Transfer::Rec2100Hlg, Gamut::Rec2020),
            OutputTransform::P3D65Pq => (Transfer::Rec2100Pq, Gamut::P3D65),
            rendered => unreachable!("{rendered:?} has a display encoding"),
        }
    }
}

/// The scene-referred ends of a look, resolved: curves and matrices.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneTransforms {
    pub input: Transfer,
    /// Camera linear -> AP1 linear, times the linear-light primaries.
    pub input_matrix: Mat3,
    /// The working space's encoding of AP1.
    pub working: Transfer,
    /// AP1 linear -> display linear.
    pub output_matrix: Mat3,
    pub output: Transfer,
    /// An OpenColorIO display rendering from AP1 linear, in place of the
    /// matrix and curve above (an ACES output transform or `[ocio]`).
    pub display: Option<Arc<DisplayRendering>>,
}

impl SceneTransforms {
    /// Resolves the sections of a look (defaults: sRGB in and out, ACEScct).
    /// An `[ocio]` section's config must be absolute or built in
    /// ([`crate::grade::Look::load`] makes it so and checks it loads).
    pub fn new(
        input: Option<&InputSection>,
        output: Option<&OutputSection>,
        ocio: Option<&OcioSection>,
        working: WorkingSpace,
        primary: &Primary,
    ) -> SceneTransforms {
        let ei = input.and_then(|i| i.ei).unwrap_or(800);
        let (in_transfer, in_gamut) = input
            .map_or(InputTransform::Srgb, |i| i.transform)
            .parts(ei);
        let output_transform =
            OutputTransform::of_sections(output, ocio).unwrap_or(OutputTransform::Srgb);
        let (out_transfer, out_gamut) = output_transform.parts();
        let rendering = ocio.cloned().or_else(|| output_transform.ocio_section());
        let display = rendering.and_then(|section| {
            DisplayRendering::resolve(&section)
                .inspect_err(|e| {
                    tracing::error!("{e}; showing the bare {output_transform:?} encoding instead")
                })
                .ok()
        });
        SceneTransforms {
            input: in_transfer,
            input_matrix: mul(
                &linear_matrix(primary, Gamut::AcesAp1),
                &conversion(in_gamut, Gamut::AcesAp1),
            ),
            working: working.transfer(),
            output_matrix: conversion(Gamut::AcesAp1, out_gamut),
            output: out_transfer,
            display,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transform_names_are_read_as_users_write_them() {
        for (written, want) in [
            ("LogC3", InputTransform::ArriLogc3),
            ("ARRI LogC4", InputTransform::ArriLogc4),
            ("S-Log3 S-Gamut3.Cine", InputTransform::SonySlog3Sgamut3cine),
            ("sony_slog3_sgamut3", InputTransform::SonySlog3Sgamut3),
            ("V-Log", InputTransform::PanasonicVlog),
            ("Canon C-Log3", InputTransform::CanonClog3),
            ("Rec709", InputTransform::Rec709),
            ("ACEScct", InputTransform::Acescct),
        ] {
            assert_eq!(
                InputTransform::try_from(written.to_string()),
                Ok(want),
                "{written}"
            );
        }
        assert_eq!(
            OutputTransform::try_from("Rec2100 PQ".to_string()),
            Ok(OutputTransform::Rec2100Pq)
        );
        // S-Log3 alone is two gamuts: refused, naming both.
        let e = InputTransform::try_from("S-Log3".to_string()).unwrap_err();
        assert!(
            e.contains("\"S-Log3\"") && e.contains("sony-slog3-sgamut3cine, sony-slog3-sgamut3"),
            "{e}"
        );
        // Every canonical name reads back as itself, and is what serde writes.
        for (t, name) in InputTransform::NAMES {
            assert_eq!(InputTransform::try_from(name.to_string()), Ok(t));
            assert_eq!(toml::Value::try_from(t).unwrap().as_str(), Some(name));
        }
        for (t, name) in OutputTransform::NAMES {
            assert_eq!(OutputTransform::try_from(name.to_string()), Ok(t));
            assert_eq!(toml::Value::try_from(t).unwrap().as_str(), Some(name));
        }
    }

    #[test]
    fn a_look_names_its_transforms_freely_and_errors_list_the_names() {
        let look = crate::grade::Look::parse(
            "[input]\ntransform = \"LogC3\"\n[output]\ntransform = \"Rec709\"\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap();
        assert_eq!(look.input.unwrap().transform, InputTransform::ArriLogc3);
        let e = crate::grade::Look::parse(
            "[input]\ntransform = \"logc9\"\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("t.toml") && e.contains("\"logc9\"") && e.contains("arri-logc3"),
            "{e}"
        );
    }
}
