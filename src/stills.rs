//! The stills library: grabbed pictures (graded and ungraded, full
//! resolution) with the look that made them, when they were taken, the
//! source's timecode and name; browsed, recalled, compared against,
//! exported and deleted from the operator view and `neurograde stills`.
//!
//! How it works: each still is a folder in the library, `0001/`, `0002/`,
//! holding `graded.png` and `ungraded.png` (16-bit RGB, display-encoded,
//! as the monitor shows them), `thumb.png`, `look.toml` and `still.json`
//! ([`StillInfo`]). A still is written whole into a hidden folder beside
//! the others (`.partial-0003-PID/`), every file flushed to disk, and the
//! folder renamed to its number only then: a crash, a kill or a full disk
//! leaves either the complete still or nothing under its number, and the
//! next [`Library::open`] removes the partial folder. Deleting renames the
//! still away first (`.deleted-0003-PID/`), so a still is either listed
//! whole or gone.

use crate::grade::Look;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The width of a still's thumbnail, in pixels.
pub const THUMB_WIDTH: u32 = 192;

/// What a still's `still.json` says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StillInfo {
    /// Its number in the library (`0007`).
    pub id: String,
    /// When it was taken: seconds since 1970 (UTC) and as a time of day,
    /// `HH:MM:SS` UTC.
    pub taken_unix: u64,
    pub time_of_day: String,
    /// The source: camera or clip name, as the run describes it.
    pub source: String,
    /// The source's SMPTE timecode at this picture, when it has one.
    pub timecode: Option<String>,
    pub width: u32,
    pub height: u32,
    /// The look's name.
    pub look: String,
}

/// One still in the library.
#[derive(Debug, Clone)]
pub struct Still {
    pub dir: PathBuf,
    pub info: StillInfo,
}

impl Still {
    pub fn graded(&self) -> PathBuf {
        self.dir.join("graded.png")
    }
    pub fn ungraded(&self) -> PathBuf {
        self.dir.join("ungraded.png")
    }
    pub fn thumbnail(&self) -> PathBuf {
        self.dir.join("thumb.png")
    }
    /// The look the still was graded with.
    pub fn look(&self) -> Result<Look, crate::grade::look::LookError> {
        Look::load(&self.dir.join("look.toml"))
    }
}

/// A picture to keep: display-encoded RGB, 16 bits, row-major.
#[derive(Debug, Clone)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u16>,
}

impl Picture {
    /// From display-encoded float RGBA (the working texture's values).
    pub fn from_rgba_f32(width: u32, height: u32, rgba: &[f32]) -> Picture {
        let rgb = rgba
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .map(|v| (0.5 + 65535.0 * v.clamp(0.0, 1.0)).floor() as u16)
            .collect();
        Picture { width, height, rgb }
    }

    fn png(&self) -> std::io::Result<Vec<u8>> {
        let image = image::ImageBuffer::<image::Rgb<u16>, _>::from_raw(
            self.width,
            self.height,
            self.rgb.clone(),
        )
        .ok_or_else(|| std::io::Error::other("the still's pixels do not match its size"))?;
        encode_png(image::DynamicImage::ImageRgb16(image))
    }

    /// A small 8-bit copy, [`THUMB_WIDTH`] wide.
    fn thumbnail_png(&self) -> std::io::Result<Vec<u8>> {
        let image = image::ImageBuffer::<image::Rgb<u16>, _>::from_raw(
            self.width,
            self.height,
            self.rgb.clone(),
        )
        .ok_or_else(|| std::io::Error::other("the still's pixels do not match its size"))?;
        let width = THUMB_WIDTH.min(self.width).max(1);
        let height = (self.height * width / self.width.max(1)).max(1);
        let small = image::imageops::thumbnail(&image, width, height);
        encode_png(image::DynamicImage::ImageRgb16(small).into_rgb8().into())
    }
}

fn encode_png(image: image::DynamicImage) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(std::io::Error::other)?;
    Ok(bytes)
}

/// What is grabbed into a still.
pub struct Grab<'a> {
    pub graded: &'a Picture,
    pub ungraded: &'a Picture,
    pub look: &'a Look,
    pub source: &'a str,
    pub timecode: Option<String>,
}

/// A folder of stills; see the module comment.
pub struct Library {
    root: PathBuf,
}

const PARTIAL: &str = ".partial-";
const DELETED: &str = ".deleted-";

impl Library {
    /// Opens (creating) the library at `root` and removes what a crash
    /// left half-written or half-deleted.
    pub fn open(root: &Path) -> std::io::Result<Library> {
        std::fs::create_dir_all(root)?;
        for entry in std::fs::read_dir(root)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(PARTIAL) || name.starts_with(DELETED) {
                tracing::info!("stills: removing {name}, left by an interrupted save or delete");
                std::fs::remove_dir_all(entry.path())?;
            }
        }
        Ok(Library {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every complete still, oldest first. A still's folder (named by its
    /// number) whose `still.json` cannot be read is skipped with a warning
    /// (it was not written by a save, which renames only complete stills
    /// into place); other files and folders are not stills and are left
    /// alone without a word.
    pub fn list(&self) -> std::io::Result<Vec<Still>> {
        let mut stills = Vec::new();
        for entry in std::fs::read_dir(&self.root)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let numbered = !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit());
            if !numbered || !entry.path().is_dir() {
                continue;
            }
            match read_info(&entry.path()) {
                Ok(info) => stills.push(Still {
                    dir: entry.path(),
                    info,
                }),
                Err(e) => tracing::warn!("stills: {}: {e}", entry.path().display()),
            }
        }
        stills.sort_by(|a, b| a.info.id.cmp(&b.info.id));
        Ok(stills)
    }

    /// The still numbered `id` (`7` or `0007`).
    pub fn get(&self, id: &str) -> std::io::Result<Still> {
        let id = normalise_id(id)?;
        let dir = self.root.join(&id);
        let info = read_info(&dir).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("still {id} ({}): {e}", dir.display()),
            )
        })?;
        Ok(Still { dir, info })
    }

    /// Keeps a still; see the module comment for how it survives a crash.
    pub fn save(&self, grab: &Grab<'_>) -> std::io::Result<Still> {
        let number = self
            .list()?
            .last()
            .map_or(0, |s| s.info.id.parse::<u32>().unwrap_or(0))
            + 1;
        let id = format!("{number:04}");
        let partial = self
            .root
            .join(format!("{PARTIAL}{id}-{}", std::process::id()));
        std::fs::create_dir_all(&partial)?;
        let written = write_still(&partial, &id, grab);
        if let Err(e) = written {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
        let dir = self.root.join(&id);
        if let Err(e) = std::fs::rename(&partial, &dir) {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
        sync_dir(&self.root)?;
        self.get(&id)
    }

    /// Removes the still numbered `id`.
    pub fn delete(&self, id: &str) -> std::io::Result<()> {
        let still = self.get(id)?;
        let gone = self
            .root
            .join(format!("{DELETED}{}-{}", still.info.id, std::process::id()));
        std::fs::rename(&still.dir, &gone)?;
        sync_dir(&self.root)?;
        std::fs::remove_dir_all(&gone)
    }
}

fn normalise_id(id: &str) -> std::io::Result<String> {
    id.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .map(|n| format!("{n:04}"))
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("still `{id}`: expected a still's number, e.g. 7 or 0007"),
            )
        })
}

fn read_info(dir: &Path) -> Result<StillInfo, String> {
    let text = std::fs::read_to_string(dir.join("still.json")).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| format!("still.json: {e}"))
}

/// Writes every file of a still into `dir`, each flushed to disk,
/// `still.json` last.
fn write_still(dir: &Path, id: &str, grab: &Grab<'_>) -> std::io::Result<()> {
    let put = |name: &str, bytes: &[u8]| -> std::io::Result<()> {
        let mut file = std::fs::File::create(dir.join(name))?;
        file.write_all(bytes)?;
        file.sync_all()
    };
    put("graded.png", &grab.graded.png()?)?;
    put("ungraded.png", &grab.ungraded.png()?)?;
    put("thumb.png", &grab.graded.thumbnail_png()?)?;
    // LUT files it names are written relative to the still's folder,
    // which keeps its depth when renamed into place.
    grab.look.save(&dir.join("look.toml"))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let info = StillInfo {
        id: id.to_string(),
        taken_unix: now,
        time_of_day: format!(
            "{:02}:{:02}:{:02}",
            now / 3600 % 24,
            now / 60 % 60,
            now % 60
        ),
        source: grab.source.to_string(),
        timecode: grab.timecode.clone(),
        width: grab.graded.width,
        height: grab.graded.height,
        look: grab.look.name.clone(),
    };
    let json = serde_json::to_vec_pretty(&info).map_err(std::io::Error::other)?;
    put("still.json", &json)?;
    sync_dir(dir)
}

/// Flushes a folder's entries (a rename within it) to disk.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
