//! Display rendering through OpenColorIO: the production's colour pipeline
//! (an OCIO config with its displays, views and looks, or one of OCIO's
//! built-in ACES configs) takes the graded picture to the display.
//!
//! How it works: the grade runs in the working space (ACEScct by default);
//! its result, decoded to ACES AP1 linear (ACEScg), goes through an OCIO
//! processor from the config's ACEScg colour space to a (display, view) pair,
//! with the `[ocio] looks` applied before the view as OCIO's viewing
//! pipeline does. The `ocio` crate (a pure-Rust port of OpenColorIO 2.5/2.6)
//! builds that processor; its CPU processor is the CPU twin, and its WGSL
//! (`src/gpu/display.rs`) runs inside the frame kernel. The ACES output
//! transforms named in `[output] transform` (`aces2-rec709`, ...) are the
//! same thing with OCIO's built-in studio config.
//!
//! Processors are made once per (config, display, view, looks) and shared
//! ([`DisplayRendering::resolve`]): a look change that keeps its display
//! costs a table lookup, and two pipelines grading with the same rendering
//! hold the same `Arc`.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

/// OCIO's built-in studio config with the ACES 2.0 output transforms.
pub const ACES2_STUDIO_CONFIG: &str = "ocio://studio-config-v4.0.0_aces-v2.0_ocio-v2.5";
/// OCIO's built-in studio config with the ACES 1.3 output transforms.
pub const ACES13_STUDIO_CONFIG: &str = "ocio://studio-config-v2.2.0_aces-v1.3_ocio-v2.4";

/// The `[ocio]` section: a display and view of an OCIO config.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OcioSection {
    /// A config file (`.ocio` or `.ocioz`; relative to the look's folder)
    /// or a built-in config (`ocio://studio-config-latest`, the default).
    #[serde(default = "default_config")]
    pub config: String,
    /// One of the config's displays, e.g. `"Rec.1886 Rec.709 - Display"`.
    pub display: String,
    /// One of the display's views, e.g. `"ACES 2.0 - SDR 100 nits (Rec.709)"`.
    pub view: String,
    /// The config's looks to apply before the view (OCIO's look syntax:
    /// names separated by commas, `+` / `-` for direction); empty for none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub looks: String,
}

fn default_config() -> String {
    "ocio://studio-config-latest".into()
}

impl OcioSection {
    /// The section of a built-in config's display and view.
    pub fn builtin(config: &str, display: &str, view: &str) -> OcioSection {
        OcioSection {
            config: config.into(),
            display: display.into(),
            view: view.into(),
            looks: String::new(),
        }
    }

    /// True when `config` names one of OCIO's built-in configs, not a file.
    pub fn is_builtin(&self) -> bool {
        self.config.starts_with("ocio://")
    }

    /// The section with a relative config path made relative to `folder`.
    pub fn relative_to_folder(&self, folder: &Path) -> OcioSection {
        let mut resolved = self.clone();
        if !self.is_builtin() && Path::new(&self.config).is_relative() {
            resolved.config = folder.join(&self.config).to_string_lossy().into_owned();
        }
        resolved
    }
}

/// Why a display rendering could not be made.
#[derive(Debug, Clone, thiserror::Error)]
#[error("OCIO config {config}: {message}")]
pub struct OcioError {
    pub config: String,
    pub message: String,
}

/// An OCIO processor from ACEScg to a display and view.
pub struct DisplayRendering {
    section: OcioSection,
    processor: ocio::Processor,
    cpu: ocio::CpuProcessor,
}

impl std::fmt::Debug for DisplayRendering {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DisplayRendering({:?})", self.section)
    }
}

impl PartialEq for DisplayRendering {
    fn eq(&self, other: &Self) -> bool {
        self.section == other.section
    }
}

type Cache = Mutex<HashMap<OcioSection, Arc<DisplayRendering>>>;

impl DisplayRendering {
    /// The rendering of `section` (with an absolute or built-in config),
    /// made on first use and shared afterwards.
    pub fn resolve(section: &OcioSection) -> Result<Arc<DisplayRendering>, OcioError> {
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let cache = CACHE.get_or_init(Cache::default);
        if let Some(found) = cache.lock().expect("cache lock").get(section) {
            return Ok(Arc::clone(found));
        }
        let made = Arc::new(DisplayRendering::make(section)?);
        cache
            .lock()
            .expect("cache lock")
            .insert(section.clone(), Arc::clone(&made));
        Ok(made)
    }

    fn make(section: &OcioSection) -> Result<DisplayRendering, OcioError> {
        let error = |message: String| OcioError {
            config: section.config.clone(),
            message,
        };
        let config = ocio::Config::create_from_file(&section.config)
            .map_err(|e| error(format!("cannot be read: {e}")))?;
        // Every display and view, active or not (a config's active lists
        // only trim menus; OpenColorIO renders the others too).
        let displays: Vec<String> = (0..config.num_displays_all())
            .map(|i| config.display_all(i).to_string())
            .collect();
        if !displays.contains(&section.display) {
            return Err(error(format!(
                "has no display \"{}\"; its displays: {}",
                section.display,
                displays.join(", ")
            )));
        }
        let views: Vec<String> = [ocio::ViewType::DisplayDefined, ocio::ViewType::Shared]
            .into_iter()
            .flat_map(|ty| {
                (0..config.num_views_by_type(ty, &section.display)).map(move |i| (ty, i))
            })
            .map(|(ty, i)| config.view_by_type(ty, &section.display, i).to_string())
            .collect();
        if !views.contains(&section.view) {
            return Err(error(format!(
                "display \"{}\" has no view \"{}\"; its views: {}",
                section.display,
                section.view,
                views.join(", ")
            )));
        }
        let source = scene_linear_ap1(&config).map_err(error)?;
        let transform = ocio::DisplayViewTransform {
            src: source,
            display: section.display.clone(),
            view: section.view.clone(),
            ..Default::default()
        };
        let mut pipeline = ocio::apphelpers::LegacyViewingPipeline::new();
        pipeline.set_display_view_transform(Some(&transform));
        if !section.looks.is_empty() {
            pipeline.set_looks_override_enabled(true);
            pipeline.set_looks_override(&section.looks);
        }
        let processor = pipeline.get_processor(&config).map_err(|e| {
            error(format!(
                "cannot render display \"{}\" view \"{}\"{}: {e}",
                section.display,
                section.view,
                if section.looks.is_empty() {
                    String::new()
                } else {
                    format!(" with looks \"{}\"", section.looks)
                }
            ))
        })?;
        let cpu = processor.default_cpu_processor();
        Ok(DisplayRendering {
            section: section.clone(),
            processor,
            cpu,
        })
    }

    /// The config, display, view and looks this renders.
    pub fn section(&self) -> &OcioSection {
        &self.section
    }

    /// The OCIO processor (for its GPU shader).
    pub fn processor(&self) -> &ocio::Processor {
        &self.processor
    }

    /// ACES AP1 linear (ACEScg) to display code values, on OCIO's CPU
    /// processor: the CPU twin of the WGSL the kernel runs.
    pub fn apply(&self, ap1_linear: [f32; 3]) -> [f32; 3] {
        let mut rgb = ap1_linear;
        self.cpu.apply_rgb(&mut rgb);
        rgb
    }
}

/// The config's colour space for ACES AP1 linear: OCIO's own identification
/// against its built-in ACEScg (interchange roles or a matching transform),
/// else a colour space named ACEScg.
fn scene_linear_ap1(config: &ocio::Config) -> Result<String, String> {
    let builtin = ocio::Config::create_from_builtin_config("ocio://cg-config-latest")
        .map_err(|e| format!("OCIO's built-in config is missing: {e}"))?;
    if let Ok(name) = ocio::Config::identify_builtin_color_space(config, &builtin, "ACEScg") {
        return Ok(name);
    }
    (0..config.num_color_spaces())
        .map(|i| config.color_space_name_by_index(i))
        .find(|name| name.contains("ACEScg"))
        .map(str::to_string)
        .ok_or_else(|| {
            "has no colour space for ACES AP1 linear (ACEScg): give it the \
             aces_interchange role or an ACEScg colour space"
                .to_string()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::Look;

    fn load(dir: &Path, text: &str) -> Result<Look, String> {
        let path = dir.join("look.toml");
        std::fs::write(&path, text).unwrap();
        Look::load(&path).map_err(|e| e.to_string())
    }

    #[test]
    fn a_wrong_config_display_or_view_is_named_with_what_there_is() {
        let dir = tempfile::tempdir().unwrap();
        let e = load(
            dir.path(),
            "[ocio]\nconfig = \"show.ocio\"\ndisplay = \"d\"\nview = \"v\"\n",
        )
        .unwrap_err();
        assert!(
            e.contains("show.ocio") && e.contains("cannot be read"),
            "{e}"
        );
        let e = load(dir.path(), "[ocio]\ndisplay = \"Rec709\"\nview = \"v\"\n").unwrap_err();
        assert!(
            e.contains("no display \"Rec709\"") && e.contains("Rec.1886 Rec.709 - Display"),
            "{e}"
        );
        let e = load(
            dir.path(),
            "[ocio]\ndisplay = \"sRGB - Display\"\nview = \"ACES\"\nlooks = \"\"\n",
        )
        .unwrap_err();
        assert!(e.contains("ACES 2.0 - SDR 100 nits (Rec.709)"), "{e}");
        let e = load(
            dir.path(),
            "[ocio]\ndisplay = \"sRGB - Display\"\nview = \"ACES 2.0 - SDR 100 nits (Rec.709)\"\nlooks = \"nope\"\n",
        )
        .unwrap_err();
        assert!(e.contains("looks \"nope\""), "{e}");
        let e = load(
            dir.path(),
            "[ocio]\ndisplay = \"sRGB - Display\"\nview = \"Un-tone-mapped\"\n[output]\ntransform = \"srgb\"\n",
        )
        .unwrap_err();
        assert!(e.contains("both [ocio] and [output]"), "{e}");
    }

    #[test]
    fn a_saved_look_keeps_its_config_relative_and_renders_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let config = ocio::Config::create_from_file(ACES2_STUDIO_CONFIG).unwrap();
        std::fs::write(dir.path().join("show.ocio"), config.serialize().unwrap()).unwrap();
        let look = load(
            dir.path(),
            "[input]\ntransform = \"acescct\"\n[ocio]\nconfig = \"show.ocio\"\ndisplay = \"sRGB - Display\"\nview = \"ACES 2.0 - SDR 100 nits (Rec.709)\"\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("saved")).unwrap();
        let saved = dir.path().join("saved/look.toml");
        look.save(&saved).unwrap();
        let text = std::fs::read_to_string(&saved).unwrap();
        assert!(text.contains("config = \"../show.ocio\""), "{text}");
        let again = Look::load(&saved).unwrap();
        let grey = [0.4135884f32; 3]; // ACEScct of 0.18
        let (a, b) = (
            crate::grade::reference::Grader::new(&look).pixel(grey),
            crate::grade::reference::Grader::new(&again).pixel(grey),
        );
        assert_eq!(a, b);
        // Mid grey lands where ACES 2.0 puts it on an sRGB display (about
        // 10 cd/m2 of 100), neutral.
        let spread = a.iter().fold(0f32, |m, c| m.max((c - a[0]).abs()));
        assert!((a[0] - 0.35).abs() < 0.03 && spread < 1e-5, "{a:?}");
    }
}
