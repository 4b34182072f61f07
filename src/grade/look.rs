//! The look file: what a colourist's grade is, as TOML.
//!
//! Keys are the look file's contract (docs/looks.md). Unknown keys are errors
//! (`deny_unknown_fields`), and [`Look::validate`] checks every number
//! against its allowed range before anything starts, naming the file, the key
//! and the range in its message. A `[lut]` file is read completely by
//! [`Look::load`], so a broken LUT stops the look from loading at all.

use super::assist::{AutoSection, StabiliseSection};
use super::atmosphere::AtmosphereSection;
use super::denoise::NrSection;
use super::keys::{is_false, rgb};
use super::lut::{Interpolation, Lut};
use super::ocio::{DisplayRendering, OcioError, OcioSection};
use super::primary::Primary;
use super::ranges::*;
use super::secondary::{MaskKind, Secondary, MAX_SECONDARIES};
use super::transfer::logc3_exposure_indices;
use super::transform::{
    InputSection, InputTransform, OutputSection, OutputTransform, SceneTransforms, WorkingSpace,
};
use crate::toml_file::{toml_error, TomlError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Errors from reading or checking a look.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LookError {
    #[error("look file {path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("look file {0}")]
    Parse(TomlError),
    #[error(transparent)]
    Lut(#[from] super::lut::LutError),
    #[error("look file {path}: {source}")]
    Ocio { path: PathBuf, source: OcioError },
    #[error("look {origin}: {message}")]
    Conflict { origin: String, message: String },
    #[error("look {origin}: `{key}` = {value} is out of range: expected {expected}")]
    OutOfRange {
        origin: String,
        key: String,
        value: String,
        expected: &'static str,
    },
}

/// A whole grade.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Look {
    /// Free text shown to the colourist (e.g. "Day ext A").
    #[serde(default)]
    pub name: String,
    /// Says that the look changes how people look (skin smoothing, face
    /// tonal changes: [`Look::appearance_changes`]). Not a setting: `save`
    /// writes it and `parse` sets it from the look's content, so a look
    /// file that retouches always says so on its first lines.
    #[serde(default, skip_serializing_if = "is_false")]
    pub retouching: bool,
    /// Where the grade runs (default ACEScct); setting it, like `[input]` or
    /// `[output]`, makes the grade scene-referred.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_space: Option<WorkingSpace>,
    /// The camera encoding; with `[output]`, makes the grade scene-referred.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<InputSection>,
    /// The display encoding of a scene-referred grade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<OutputSection>,
    /// A display and view of an OpenColorIO config, in place of
    /// `[output]`'s transform (makes the grade scene-referred).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocio: Option<OcioSection>,
    #[serde(default)]
    pub cdl: Cdl,
    #[serde(default)]
    pub primary: Primary,
    /// An optional creative LUT, applied after the CDL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lut: Option<LutRef>,
    /// The LUT's contents once [`Look::load`] has read it (not in the file).
    #[serde(skip)]
    pub loaded_lut: Option<Arc<Lut>>,
    /// The `[output] lut` display LUT's contents, read by [`Look::load`].
    #[serde(skip)]
    pub loaded_display_lut: Option<Arc<Lut>>,
    /// Mask-gated grades (`[[secondary]]`), after the working-space
    /// operators, in order.
    #[serde(default, rename = "secondary", skip_serializing_if = "Vec::is_empty")]
    pub secondaries: Vec<Secondary>,
    /// `[auto]`: what the exposure and balance proposals aim for, and
    /// live follow (see `assist.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto: Option<AutoSection>,
    /// `[stabilise]`: flicker removal on top of the grade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stabilise: Option<StabiliseSection>,
    /// `[nr]`: noise reduction of the source before the grade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nr: Option<NrSection>,
    /// `[atmosphere]`: haze and defocus by depth (see `atmosphere.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub atmosphere: Option<AtmosphereSection>,
}

/// The `[lut]` section: a .cube (1D or 3D) or .spi3d file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LutRef {
    /// Relative paths are relative to the look file's folder.
    pub file: PathBuf,
    #[serde(default)]
    pub interpolation: Interpolation,
}

impl LutRef {
    /// Resolves a relative path against the look's folder and reads the LUT.
    fn read_from(&mut self, folder: &Path) -> Result<Arc<Lut>, LookError> {
        if self.file.is_relative() {
            self.file = folder.join(&self.file);
        }
        Ok(Arc::new(Lut::read(&self.file)?))
    }
}

/// ASC CDL v1.2 slope / offset / power per channel, then saturation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cdl {
    #[serde(deserialize_with = "rgb")]
    pub slope: [f32; 3],
    #[serde(deserialize_with = "rgb")]
    pub offset: [f32; 3],
    #[serde(deserialize_with = "rgb")]
    pub power: [f32; 3],
    pub saturation: f32,
    /// `true`: ASC CDL v1.2, clamped to [0, 1] after slope/offset and
    /// after saturation. `false`: the no-clamp style, values below 0 pass
    /// the power untouched and nothing is clipped. Unwritten, it follows
    /// the look's mode ([`Look::parse`]): a scene-referred look's CDL does
    /// not clamp (OpenColorIO's CDLTransform default, `CDL_NO_CLAMP`, and
    /// how ACES applies a CDL in ACEScct, whose values run past [0, 1]); a
    /// video-mode look's CDL clamps as ASC CDL v1.2 says of code values.
    pub clamp: bool,
}

impl Cdl {
    /// ASC CDL v1.2's slope / offset / power, per channel (the part
    /// before saturation; `reference::apply_cdl` is the whole CDL).
    pub fn apply_sop(&self, rgb: [f32; 3]) -> [f32; 3] {
        let (lo, hi) = self.bounds();
        [0, 1, 2].map(|c| {
            let v = (rgb[c] * self.slope[c] + self.offset[c]).clamp(lo, hi);
            if v >= 0.0 {
                v.powf(self.power[c])
            } else {
                v
            }
        })
    }

    /// The range the CDL clips to: [0, 1] when it clamps (ASC CDL v1.2) and
    /// does something; an identity CDL is no operator at all, so a look
    /// without one passes highlights and negative values untouched.
    pub fn bounds(&self) -> (f32, f32) {
        let identity = Cdl {
            clamp: self.clamp,
            ..Cdl::default()
        };
        if self.clamp && *self != identity {
            (0.0, 1.0)
        } else {
            (f32::MIN, f32::MAX)
        }
    }
}

impl Default for Cdl {
    fn default() -> Self {
        Cdl {
            slope: [1.0; 3],
            offset: [0.0; 3],
            power: [1.0; 3],
            saturation: 1.0,
            clamp: true,
        }
    }
}

impl Look {
    /// Reads, parses and validates a look file.
    pub fn load(path: &Path) -> Result<Look, LookError> {
        let text = std::fs::read_to_string(path).map_err(|source| LookError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut look = Look::parse(&text, path)?;
        look.validate(&path.display().to_string())?;
        let folder = path.parent().unwrap_or(Path::new(""));
        if let Some(lut) = &mut look.lut {
            look.loaded_lut = Some(lut.read_from(folder)?);
        }
        if let Some(output) = &mut look.output {
            if let Some(file) = &output.lut {
                let mut lut = LutRef {
                    file: file.clone(),
                    interpolation: output.interpolation,
                };
                look.loaded_display_lut = Some(lut.read_from(folder)?);
                output.lut = Some(lut.file);
            }
        }
        if let Some(section) = &mut look.ocio {
            *section = section.relative_to_folder(folder);
            DisplayRendering::resolve(section).map_err(|source| LookError::Ocio {
                path: path.to_path_buf(),
                source,
            })?;
        }
        Ok(look)
    }

    /// The files a loaded look reads besides itself: its LUTs and its
    /// OpenColorIO config (none for a built-in config).
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self.lut.iter().map(|l| l.file.clone()).collect();
        files.extend(self.output.as_ref().and_then(|o| o.lut.clone()));
        files.extend(
            self.ocio
                .as_ref()
                .filter(|s| !s.is_builtin())
                .map(|s| PathBuf::from(&s.config)),
        );
        files
    }

    /// Whether `other` holds the very same loaded LUTs (creative and
    /// display), so a pipeline set up for one need not upload them again.
    pub fn shares_luts_with(&self, other: &Look) -> bool {
        let same = |a: &Option<Arc<Lut>>, b: &Option<Arc<Lut>>| match (a, b) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        same(&self.loaded_lut, &other.loaded_lut)
            && same(&self.loaded_display_lut, &other.loaded_display_lut)
    }

    /// Whether the grade runs on scene light (`[input]`, `[output]`,
    /// `[ocio]` or `working_space` written) rather than on video code values.
    pub fn is_scene_referred(&self) -> bool {
        self.input.is_some()
            || self.output.is_some()
            || self.ocio.is_some()
            || self.working_space.is_some()
    }

    /// The CDL's clamp where a look file does not write one: none for a
    /// scene-referred look, ASC CDL v1.2's for video mode (see [`Cdl::clamp`]).
    pub fn default_cdl_clamp(&self) -> bool {
        !self.is_scene_referred()
    }

    /// The scene-referred transforms, for a look with `[input]`, `[output]`,
    /// `[ocio]` or `working_space`; `None` grades the display signal as it
    /// is (video mode).
    pub fn scene(&self) -> Option<SceneTransforms> {
        self.is_scene_referred().then(|| {
            SceneTransforms::new(
                self.input.as_ref(),
                self.output.as_ref(),
                self.ocio.as_ref(),
                self.working_space.unwrap_or_default(),
                &self.primary,
            )
        })
    }

    /// The colour tags of what this look outputs, when its `[output]`
    /// transform says (a display LUT or video mode keep the input's).
    pub fn output_colour_tags(&self) -> Option<crate::ffmpeg::ColourTags> {
        OutputTransform::of_sections(self.output.as_ref(), self.ocio.as_ref())
            .map(|t| t.colour_tags())
    }

    /// Writes the look as TOML, atomically. The LUT files it names are
    /// written relative to the new file's folder (or absolute where no
    /// relative path leads there), so the saved look loads from wherever
    /// it is written.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let folder = crate::output::resolve(path)?
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut portable = self.clone();
        portable.retouching = !self.appearance_changes().is_empty();
        if let Some(lut) = &mut portable.lut {
            lut.file = relative_to(&lut.file, &folder);
        }
        if let Some(file) = portable.output.as_mut().and_then(|o| o.lut.as_mut()) {
            *file = relative_to(file, &folder);
        }
        if let Some(section) = portable.ocio.as_mut().filter(|s| !s.is_builtin()) {
            section.config = relative_to(Path::new(&section.config), &folder)
                .to_string_lossy()
                .into_owned();
        }
        // Through the text, not `Table::try_from`: the text writes each f32
        // as its shortest form (1.1, not 1.100000023841858).
        let text = toml::to_string(&portable).map_err(std::io::Error::other)?;
        let mut table: toml::Table = toml::from_str(&text).map_err(std::io::Error::other)?;
        if self.cdl.clamp == self.default_cdl_clamp() {
            // Left to the mode, so the look reads the same and follows its
            // mode if that is changed by hand.
            if let Some(toml::Value::Table(cdl)) = table.get_mut("cdl") {
                cdl.remove("clamp");
            }
        }
        let text = toml::to_string(&table).map_err(std::io::Error::other)?;
        crate::output::write_file(path, text.as_bytes())
    }

    /// The face tracks its enabled secondaries grade alone (their `face`
    /// keys), each once.
    pub fn graded_faces(&self) -> Vec<u32> {
        let mut faces: Vec<u32> = self
            .secondaries
            .iter()
            .filter(|s| s.enabled)
            .filter_map(|s| s.face)
            .collect();
        faces.sort_unstable();
        faces.dedup();
        faces
    }

    /// The point of the object the look masks: the first enabled
    /// secondary that reads the object mask and has a `point`.
    pub fn object_point(&self) -> Option<[f32; 2]> {
        self.secondaries
            .iter()
            .take(MAX_SECONDARIES)
            .filter(|s| s.enabled && s.reads_object())
            .find_map(|s| s.point)
    }
    /// What the look changes in how people look, one line a secondary
    /// ("secondary 1 (skin): skin smoothed 0.60"); empty for a look that
    /// only corrects. Shown by the run report, the operator view and
    /// `look export`, and written as `retouching = true` in the file.
    pub fn appearance_changes(&self) -> Vec<String> {
        self.secondaries
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.appearance_change()
                    .map(|change| format!("secondary {} ({}): {change}", i + 1, s.mask))
            })
            .collect()
    }

    /// Parses TOML text; `path` only names the origin in errors. An
    /// unwritten `[cdl] clamp` follows the look's mode
    /// ([`Look::default_cdl_clamp`]).
    pub fn parse(text: &str, path: &Path) -> Result<Look, LookError> {
        let parse_error = |e: toml::de::Error| LookError::Parse(toml_error(path, text, &e));
        let mut look: Look = toml::from_str(text).map_err(parse_error)?;
        let table: toml::Table = toml::from_str(text).map_err(parse_error)?;
        let written = table
            .get("cdl")
            .and_then(toml::Value::as_table)
            .is_some_and(|cdl| cdl.contains_key("clamp"));
        if !written {
            look.cdl.clamp = look.default_cdl_clamp();
        }
        let changes = look.appearance_changes();
        if !changes.is_empty() && !look.retouching {
            tracing::warn!(
                "{}: this look changes how people look ({}) and does not say so: saving it adds `retouching = true`",
                path.display(),
                changes.join("; ")
            );
        }
        look.retouching = !changes.is_empty();
        Ok(look)
    }

    /// Checks every value against its allowed range. `origin` names the file
    /// (or "built-in") in the message.
    pub fn validate(&self, origin: &str) -> Result<(), LookError> {
        let one = std::slice::from_ref;
        let p = &self.primary;
        let checks: [(&'static str, &[f32], Range); 13] = [
            ("cdl.slope", &self.cdl.slope, SLOPE_RANGE),
            ("cdl.offset", &self.cdl.offset, OFFSET_RANGE),
            ("cdl.power", &self.cdl.power, POWER_RANGE),
            (
                "cdl.saturation",
                one(&self.cdl.saturation),
                SATURATION_RANGE,
            ),
            ("primary.exposure", one(&p.exposure), EXPOSURE_RANGE),
            ("primary.contrast", one(&p.contrast), CONTRAST_RANGE),
            ("primary.pivot", one(&p.pivot), PIVOT_RANGE),
            (
                "primary.temperature",
                one(&p.temperature),
                TEMPERATURE_RANGE,
            ),
            ("primary.tint", one(&p.tint), TINT_RANGE),
            (
                "primary.saturation",
                one(&p.saturation),
                PRIMARY_SATURATION_RANGE,
            ),
            ("primary.lift", &p.lift, LIFT_RANGE),
            ("primary.gamma", &p.gamma, GAMMA_RANGE),
            ("primary.gain", &p.gain, GAIN_RANGE),
        ];
        if self.name.chars().any(char::is_control) {
            return Err(LookError::OutOfRange {
                origin: origin.to_string(),
                key: "name".into(),
                value: format!("{:?}", self.name),
                expected: "text without control characters (tabs, line breaks, escapes)",
            });
        }
        if let Some(output) = &self.output {
            if output.transform.is_some() == output.lut.is_some() {
                return Err(LookError::OutOfRange {
                    origin: origin.to_string(),
                    key: "output".into(),
                    value: if output.lut.is_some() {
                        "both `transform` and `lut`".into()
                    } else {
                        "neither `transform` nor `lut`".into()
                    },
                    expected: "either `transform` (a display encoding) or `lut` (a display LUT)",
                });
            }
            if self.ocio.is_some() {
                return Err(LookError::Conflict {
                    origin: origin.to_string(),
                    message: "both [ocio] and [output] say how the picture is displayed; \
                              keep one (an [ocio] display and view, or an [output] transform or LUT)"
                        .into(),
                });
            }
        }
        if let Some(input) = &self.input {
            let logc3 = input.transform == InputTransform::ArriLogc3;
            match input.ei {
                Some(ei) if !logc3 => {
                    return Err(LookError::OutOfRange {
                        origin: origin.to_string(),
                        key: "input.ei".into(),
                        value: ei.to_string(),
                        expected: "no exposure index: it applies to arri-logc3 only",
                    })
                }
                Some(ei) if !logc3_exposure_indices().any(|e| e == ei) => {
                    return Err(LookError::OutOfRange {
                        origin: origin.to_string(),
                        key: "input.ei".into(),
                        value: ei.to_string(),
                        expected: "one of ARRI's exposure indices 160, 200, 250, 320, 400, 500, 640, 800, 1000, 1280, 1600",
                    })
                }
                _ => {}
            }
        }
        let out_of_range = |key: String, values: &[f32], range: &Range| {
            if values
                .iter()
                .any(|v| !v.is_finite() || *v < range.lo || *v > range.hi)
            {
                return Err(LookError::OutOfRange {
                    origin: origin.to_string(),
                    key,
                    value: format!("{values:?}"),
                    expected: range.expected,
                });
            }
            Ok(())
        };
        for (key, values, range) in &checks {
            out_of_range(key.to_string(), values, range)?;
        }
        let assist_checks = self
            .auto
            .iter()
            .flat_map(AutoSection::checks)
            .chain(self.stabilise.iter().flat_map(StabiliseSection::checks))
            .chain(self.nr.iter().flat_map(NrSection::checks))
            .chain(self.atmosphere.iter().flat_map(AtmosphereSection::checks));
        for (key, value, range) in assist_checks {
            out_of_range(key.to_string(), &[value], &range)?;
        }
        if self.secondaries.len() > MAX_SECONDARIES {
            return Err(LookError::OutOfRange {
                origin: origin.to_string(),
                key: "secondary".into(),
                value: format!("{} tables", self.secondaries.len()),
                expected: "at most 4 [[secondary]] tables",
            });
        }
        for (i, s) in self.secondaries.iter().enumerate() {
            let key = |name: &str| format!("secondary[{}].{name}", i + 1);
            out_of_range(key("exposure"), one(&s.exposure), &SECONDARY_EXPOSURE_RANGE)?;
            out_of_range(
                key("saturation"),
                one(&s.saturation),
                &SECONDARY_SATURATION_RANGE,
            )?;
            out_of_range(key("gain"), &s.gain, &GAIN_RANGE)?;
            out_of_range(key("grow"), one(&s.grow), &GROW_RANGE)?;
            out_of_range(key("feather"), one(&s.feather), &FEATHER_RANGE)?;
            out_of_range(key("smooth"), one(&s.smooth), &SMOOTH_RANGE)?;
            out_of_range(key("soften"), one(&s.soften), &SOFTEN_RANGE)?;
            out_of_range(key("refine"), one(&s.refine), &REFINE_RANGE)?;
            if let Some(point) = &s.point {
                out_of_range(key("point"), point, &POINT_RANGE)?;
                if !s.reads_object() {
                    return Err(LookError::OutOfRange {
                        origin: origin.to_string(),
                        key: key("point"),
                        value: format!("{point:?}"),
                        expected: "a point only with a mask that reads \"object\"",
                    });
                }
            }
            if let (Some(face), false) = (s.face, s.reads_faces()) {
                return Err(LookError::OutOfRange {
                    origin: origin.to_string(),
                    key: key("face"),
                    value: face.to_string(),
                    expected: "a face only with a mask that reads a face mask (face, skin, eyes, lips, under-eyes, shine)",
                });
            }
            if let Some(q) = &s.qualifier {
                let ranges = [
                    ("qualifier.hue", q.hue, HUE_RANGE, false),
                    (
                        "qualifier.saturation",
                        q.saturation,
                        QUALIFIER_SATURATION_RANGE,
                        true,
                    ),
                    ("qualifier.luma", q.luma, QUALIFIER_LUMA_RANGE, true),
                ];
                for (name, values, range, ordered) in ranges {
                    let Some(values) = values else { continue };
                    out_of_range(key(name), &values, &range)?;
                    if ordered && values[0] > values[1] {
                        return Err(LookError::OutOfRange {
                            origin: origin.to_string(),
                            key: key(name),
                            value: format!("{values:?}"),
                            expected: range.expected,
                        });
                    }
                }
                out_of_range(key("qualifier.softness"), one(&q.softness), &SOFTNESS_RANGE)?;
            }
            let names_qualifier = s.mask.kinds().contains(&MaskKind::Qualifier);
            let message = match (names_qualifier, s.qualifier.is_some()) {
                (true, false) => Some(format!(
                    "{}: mask \"{}\" names the qualifier: add a [secondary.qualifier] table (hue, saturation, luma, softness)",
                    key("mask"),
                    s.mask
                )),
                (false, true) => Some(format!(
                    "{}: the table keys only a mask that names it (mask = \"qualifier & {}\")",
                    key("qualifier"),
                    s.mask
                )),
                _ => None,
            };
            if let Some(message) = message {
                return Err(LookError::Conflict {
                    origin: origin.to_string(),
                    message,
                });
            }
        }
        Ok(())
    }
}

/// `file` (relative to the working folder, or absolute) as a path from
/// `folder` (absolute), e.g. `../luts/show.cube`; absolute when they share
/// no root.
fn relative_to(file: &Path, folder: &Path) -> PathBuf {
    let absolute = std::fs::canonicalize(file).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|cwd| cwd.join(file))
            .unwrap_or_else(|_| file.to_path_buf())
    });
    let (a, b): (Vec<_>, Vec<_>) = (
        absolute.components().collect(),
        folder.components().collect(),
    );
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return absolute;
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &a[common..] {
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An unwritten `clamp` follows the mode: none in a scene-referred
    /// look, ASC CDL v1.2's in video mode; a written one is kept, and a
    /// saved look writes it only where it is not the mode's.
    #[test]
    fn cdl_clamp_follows_the_looks_mode_unless_written() {
        let dir = tempfile::tempdir().unwrap();
        let cdl = "[cdl]\nslope = [1.1, 1.0, 0.9]\n";
        let scene = "[input]\ntransform = \"arri-logc3\"\n";
        for (text, clamps) in [
            (cdl.to_string(), true),
            (format!("{scene}{cdl}"), false),
            (format!("working_space = \"acescg\"\n{cdl}"), false),
            (format!("{cdl}clamp = false\n"), false),
            (format!("{scene}{cdl}clamp = true\n"), true),
        ] {
            let look = Look::parse(&text, Path::new("t.toml")).unwrap();
            assert_eq!(look.cdl.clamp, clamps, "{text}");
            let path = dir.path().join("saved.toml");
            look.save(&path).unwrap();
            let saved = std::fs::read_to_string(&path).unwrap();
            assert!(saved.contains("slope = [1.1, 1.0, 0.9]"), "{saved}");
            assert_eq!(
                saved.contains("clamp"),
                clamps != look.default_cdl_clamp(),
                "{saved}"
            );
            assert_eq!(Look::load(&path).unwrap(), look, "{saved}");
        }
        // Built in code, a look keeps what it was given.
        assert!(Look::default().cdl.clamp);
    }

    #[test]
    fn unknown_key_names_file_and_line() {
        let text = "name = \"x\"\n[cdl]\nslope = [1,1,1]\nslop = 2\n";
        let err = Look::parse(text, Path::new("a.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("a.toml") && err.contains("line 4") && err.contains("slop"),
            "{err}"
        );
        assert!(!err.contains('\n'));
    }

    #[test]
    fn an_object_point_needs_an_object_mask() {
        let text = "[[secondary]]\nmask = \"skin\"\n[[secondary]]\nmask = \"object - person\"\npoint = [0.4, 0.6]\n";
        let look = Look::parse(text, Path::new("o.toml")).unwrap();
        look.validate("o.toml").unwrap();
        assert_eq!(look.object_point(), Some([0.4, 0.6]));
        let saved = toml::to_string(&look).unwrap();
        assert!(saved.contains("point = [0.4, 0.6]"), "{saved}");
        let wrong = Look::parse(
            "[[secondary]]\nmask = \"skin\"\npoint = [0.4, 0.6]\n",
            Path::new("o.toml"),
        )
        .unwrap();
        let err = wrong.validate("o.toml").unwrap_err().to_string();
        assert!(
            err.contains("secondary[1].point") && err.contains("object"),
            "{err}"
        );
        let outside = Look::parse(
            "[[secondary]]\nmask = \"object\"\npoint = [1.4, 0.6]\n",
            Path::new("o.toml"),
        )
        .unwrap();
        let err = outside.validate("o.toml").unwrap_err().to_string();
        assert!(err.contains("0 <= x, y <= 1"), "{err}");
    }

    #[test]
    fn a_face_number_needs_a_face_mask() {
        let text = "[[secondary]]\nmask = \"skin & person\"\nface = 3\nexposure = 0.2\n";
        let look = Look::parse(text, Path::new("f.toml")).unwrap();
        look.validate("f.toml").unwrap();
        assert_eq!(look.secondaries[0].face, Some(3));
        assert!(toml::to_string(&look).unwrap().contains("face = 3"));
        let disclosed = look.secondaries[0].appearance_change().unwrap();
        assert_eq!(disclosed, "exposure +0.20 (face 3)");
        let wrong = Look::parse(
            "[[secondary]]\nmask = \"background\"\nface = 3\n",
            Path::new("f.toml"),
        )
        .unwrap();
        let err = wrong.validate("f.toml").unwrap_err().to_string();
        assert!(
            err.contains("secondary[1].face") && err.contains("3") && err.contains("face mask"),
            "{err}"
        );
        let negative = Look::parse(
            "[[secondary]]\nmask = \"face\"\nface = -1\n",
            Path::new("f.toml"),
        );
        assert!(negative.is_err());
    }

    #[test]
    fn out_of_range_names_key_and_range() {
        let mut look = Look::default();
        look.cdl.power = [1.0, 0.0, 1.0];
        let err = look.validate("b.toml").unwrap_err().to_string();
        assert!(
            err.contains("cdl.power") && err.contains("0.01 <= power"),
            "{err}"
        );
        look.cdl.power = [1.0; 3];
        look.primary.exposure = f32::NAN;
        assert!(look
            .validate("b.toml")
            .unwrap_err()
            .to_string()
            .contains("primary.exposure"));
    }

    #[test]
    fn saved_looks_find_their_luts_from_anywhere() {
        let dir = tempfile::tempdir().unwrap();
        let looks = dir.path().join("looks");
        let elsewhere = dir.path().join("saved/deeper");
        std::fs::create_dir_all(&looks).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        crate::grade::lut::Lut3d::identity(2)
            .write_cube(&looks.join("show.cube"))
            .unwrap();
        std::fs::write(
            looks.join("a.toml"),
            "name = \"a\"\n[lut]\nfile = \"show.cube\"\n",
        )
        .unwrap();
        let look = Look::load(&looks.join("a.toml")).unwrap();
        look.save(&elsewhere.join("b.toml")).unwrap();
        let text = std::fs::read_to_string(elsewhere.join("b.toml")).unwrap();
        assert!(text.contains("../../looks/show.cube"), "{text}");
        let again = Look::load(&elsewhere.join("b.toml")).unwrap();
        assert_eq!(again.loaded_lut, look.loaded_lut);
        // Saved beside the LUT, the path is the bare name again.
        again.save(&looks.join("c.toml")).unwrap();
        let text = std::fs::read_to_string(looks.join("c.toml")).unwrap();
        assert!(text.contains("file = \"show.cube\""), "{text}");
    }

    #[test]
    fn three_channel_keys_take_exactly_three() {
        for bad in ["[primary]\ngain = [1, 1, 1, 1]", "[cdl]\nslope = [1, 1]"] {
            let err = Look::parse(bad, Path::new("d.toml"))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("line 2") && err.contains("expected 3 numbers"),
                "{err}"
            );
        }
        let text = "[[secondary]]\nmask = \"face\"\ngain = [1, 1, 1, 2]";
        let err = Look::parse(text, Path::new("d.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn names_with_control_characters_are_refused() {
        let look = Look::parse("name = \"day\\u0007ext\"", Path::new("e.toml")).unwrap();
        let err = look.validate("e.toml").unwrap_err().to_string();
        assert!(err.contains("name") && err.contains("control"), "{err}");
    }

    #[test]
    fn missing_sections_are_identity() {
        let look = Look::parse("name = \"flat\"", Path::new("c.toml")).unwrap();
        assert_eq!(look.cdl, Cdl::default());
        assert_eq!(look.primary.exposure, 0.0);
    }
}
