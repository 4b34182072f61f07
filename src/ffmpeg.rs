//! `ffmpeg` as a child process: video in (decode to raw frames on a pipe) and
//! out (raw frames on a pipe to an encoder).
//!
//! How it works: the child's stderr is drained by a small thread into a
//! string, so a chatty ffmpeg never blocks and its last words are at hand for
//! error messages. The child runs in a process group of its own, so Ctrl-C
//! in a terminal reaches neurograde only, which then ends the child the
//! right way (an encoder is given the frames so far and closed; see
//! `crate::shutdown`). Dropping an [`FfmpegProcess`] kills the child (used
//! on error paths); a clean encode closes stdin and waits instead.
//! [`ColourTags`] are the colour properties of a stream in ffmpeg's words.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// ffmpeg ended badly: how, and what it said.
#[derive(Debug, thiserror::Error)]
#[error("ffmpeg failed {0}")]
pub struct FfmpegFailed(String);

pub struct FfmpegProcess {
    pub child: Child,
    stderr: Arc<Mutex<String>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
}

impl FfmpegProcess {
    /// Spawns `command` with piped stdout/stderr (and stdin if `with_stdin`).
    pub fn spawn(command: Command, with_stdin: bool) -> std::io::Result<FfmpegProcess> {
        FfmpegProcess::spawn_with(command, with_stdin, Stdio::piped())
    }

    /// As [`Self::spawn`], with the child's stdout given (an encoder
    /// writing to this process's stdout inherits it).
    pub fn spawn_with(
        mut command: Command,
        with_stdin: bool,
        stdout: Stdio,
    ) -> std::io::Result<FfmpegProcess> {
        command
            .stdin(if with_stdin {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(stdout)
            .stderr(Stdio::piped());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn()?;
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut stderr_reader = None;
        if let Some(mut pipe) = child.stderr.take() {
            let text = Arc::clone(&stderr);
            stderr_reader = Some(
                std::thread::Builder::new()
                    .name("ffmpeg-stderr".into())
                    .spawn(move || {
                        let mut buf = String::new();
                        let _ = pipe.read_to_string(&mut buf);
                        if let Ok(mut t) = text.lock() {
                            t.push_str(buf.trim());
                        }
                    })?,
            );
        }
        Ok(FfmpegProcess {
            child,
            stderr,
            stderr_reader,
        })
    }

    /// Waits for the child to end, with everything it printed. A run that
    /// exits 0 but reports a failed write (ffmpeg 5 does so when the disk
    /// fills while it writes the trailer) is a failure.
    pub fn finish(&mut self) -> Result<(), FfmpegFailed> {
        let status = self.child.wait().map_err(|e| FfmpegFailed(e.to_string()))?;
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        let messages = self.messages();
        let write_failed = [
            "Error writing",
            "Error closing",
            "No space left",
            "File too large",
        ]
        .iter()
        .any(|m| messages.contains(m));
        if status.success() && !write_failed {
            Ok(())
        } else {
            Err(FfmpegFailed(
                format!("({status}) {messages}").trim_end().to_string(),
            ))
        }
    }

    /// What ffmpeg printed on stderr (complete once it has exited), on one line.
    pub fn messages(&self) -> String {
        self.stderr
            .lock()
            .map(|s| s.replace('\n', "; "))
            .unwrap_or_default()
    }
}

impl Drop for FfmpegProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// A stream's colour properties, in ffmpeg's (and ITU-T H.273's) names:
/// `bt709`, `smpte170m`, `bt2020nc`, `smpte2084`, `arib-std-b67`, ...
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ColourTags {
    pub primaries: Option<String>,
    pub transfer: Option<String>,
    /// The Y'CbCr matrix (ffmpeg's `colorspace`).
    pub matrix: Option<String>,
    /// Full range (`pc`) rather than studio range (`tv`), when tagged.
    pub full_range: Option<bool>,
}

impl ColourTags {
    /// The matrix for swscale's `in_color_matrix` / `out_color_matrix`:
    /// the tagged one, else the usual convention (BT.709 from 720 lines up,
    /// BT.601 below).
    pub fn scale_matrix(&self, height: u32) -> &'static str {
        match self.matrix.as_deref() {
            Some("bt709") => "bt709",
            Some("bt2020nc" | "bt2020c") => "bt2020",
            Some("smpte170m" | "bt470bg") => "bt601",
            Some("smpte240m") => "smpte240m",
            Some("fcc") => "fcc",
            _ if height >= 720 => "bt709",
            _ => "bt601",
        }
    }

    /// The tag for the matrix [`Self::scale_matrix`] picks.
    pub fn matrix_tag(&self, height: u32) -> &'static str {
        match self.scale_matrix(height) {
            "bt2020" => "bt2020nc",
            "bt601" => "smpte170m",
            other => other,
        }
    }

    /// `tv` or `pc` for swscale and the tags (untagged is studio range).
    pub fn range(&self) -> &'static str {
        if self.full_range == Some(true) {
            "pc"
        } else {
            "tv"
        }
    }

    /// The tags as an ffmpeg `setparams` filter: the frames carry them into
    /// the encoder (some, e.g. ProRes, take the frames' tags and ignore the
    /// output options).
    pub fn setparams_filter(&self, height: u32) -> String {
        let mut filter = format!(
            "setparams=colorspace={}:range={}",
            self.matrix_tag(height),
            self.range()
        );
        if let Some(p) = &self.primaries {
            filter.push_str(&format!(":color_primaries={p}"));
        }
        if let Some(t) = &self.transfer {
            filter.push_str(&format!(":color_trc={t}"));
        }
        filter
    }

    /// The tags as ffmpeg output options.
    pub fn output_args(&self, height: u32) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(p) = &self.primaries {
            args.extend(["-color_primaries".to_string(), p.clone()]);
        }
        if let Some(t) = &self.transfer {
            args.extend(["-color_trc".to_string(), t.clone()]);
        }
        args.extend([
            "-colorspace".to_string(),
            self.matrix_tag(height).to_string(),
            "-color_range".to_string(),
            self.range().to_string(),
        ]);
        args
    }
}
