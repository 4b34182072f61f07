//! Image sequences named by a printf-style pattern: `shot_%06d.exr` is
//! `shot_000000.exr`, `shot_000001.exr`, ... (`%d` without a width is not
//! padded), as ffmpeg and most post tools name them.

use std::path::{Path, PathBuf};

/// A sequence's pattern: the folder and file name around one `%0Nd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    folder: PathBuf,
    before: String,
    after: String,
    /// Digits the number is padded to (0: not padded).
    width: usize,
}

impl Pattern {
    /// The pattern in `path`'s file name, if it has one `%d` or `%0Nd`.
    pub fn parse(path: &Path) -> Option<Pattern> {
        let name = path.file_name()?.to_str()?;
        let start = name.find('%')?;
        let rest = &name[start + 1..];
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        let after = rest[digits.len()..].strip_prefix('d')?;
        if after.contains('%') || (!digits.is_empty() && !digits.starts_with('0')) {
            return None;
        }
        let width = if digits.is_empty() {
            0
        } else {
            digits.parse().ok().filter(|w| *w <= 18)?
        };
        Some(Pattern {
            folder: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            before: name[..start].to_string(),
            after: after.to_string(),
            width,
        })
    }

    /// The file of frame `n`.
    pub fn frame_path(&self, n: u64) -> PathBuf {
        self.folder.join(format!(
            "{}{n:0w$}{}",
            self.before,
            self.after,
            w = self.width
        ))
    }

    /// The file extension, lower case (what the frames are).
    pub fn extension(&self) -> Option<String> {
        self.after
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
    }

    fn folder(&self) -> &Path {
        if self.folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &self.folder
        }
    }

    /// The frame number a file name has in this pattern, if it is one.
    fn number_in(&self, name: &str) -> Option<u64> {
        let digits = name.strip_prefix(&self.before)?.strip_suffix(&self.after)?;
        let padded = self.width == 0 || digits.len() == self.width;
        (padded && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse().ok())?
    }

    /// The frame number of `path` in this sequence (its folder reached
    /// however it is spelt), if it is one of its frames.
    pub fn number_of(&self, path: &Path) -> Option<u64> {
        let n = self.number_in(path.file_name()?.to_str()?)?;
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let same_folder =
            std::fs::canonicalize(folder).ok()? == std::fs::canonicalize(self.folder()).ok()?;
        same_folder.then_some(n)
    }

    /// The frames that exist, in number order.
    pub fn existing(&self) -> std::io::Result<Vec<(u64, PathBuf)>> {
        let mut frames: Vec<(u64, PathBuf)> = std::fs::read_dir(self.folder())?
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                Some((self.number_in(&name)?, self.folder.join(&name)))
            })
            .collect();
        frames.sort();
        Ok(frames)
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let width = if self.width == 0 {
            String::new()
        } else {
            format!("0{}", self.width)
        };
        let name = format!("{}%{width}d{}", self.before, self.after);
        write!(f, "{}", self.folder.join(name).display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_name_frames_and_find_them() {
        let p = Pattern::parse(Path::new("out/shot_%06d.exr")).unwrap();
        assert_eq!(p.frame_path(42), Path::new("out/shot_000042.exr"));
        assert_eq!(p.extension().as_deref(), Some("exr"));
        assert_eq!(p.to_string(), "out/shot_%06d.exr");
        let plain = Pattern::parse(Path::new("f%d.png")).unwrap();
        assert_eq!(plain.frame_path(7), Path::new("f7.png"));
        for not in ["a.png", "a%x.png", "a%6d.png", "%d%d.png", "50%.png"] {
            assert!(Pattern::parse(Path::new(not)).is_none(), "{not}");
        }
        let dir = tempfile::tempdir().unwrap();
        for n in [3, 1, 2, 10] {
            std::fs::write(dir.path().join(format!("s_{n:04}.png")), "").unwrap();
        }
        std::fs::write(dir.path().join("s_12.png"), "").unwrap();
        std::fs::write(dir.path().join("s_0005.tif"), "").unwrap();
        let p = Pattern::parse(&dir.path().join("s_%04d.png")).unwrap();
        let numbers: Vec<u64> = p.existing().unwrap().iter().map(|f| f.0).collect();
        assert_eq!(numbers, [1, 2, 3, 10]);
    }
}
