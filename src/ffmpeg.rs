//! `ffmpeg` as a child process: video in (decode to raw frames on a pipe) and
//! out (raw frames on a pipe to an encoder).
//!
//! How it works: the child's stderr is drained by a small thread into a
//! string, so a chatty ffmpeg never blocks and its last words are at hand for
//! error messages. Dropping an [`FfmpegProcess`] kills the child (used on
//! error paths); a clean encode closes stdin and waits instead.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

pub struct FfmpegProcess {
    pub child: Child,
    stderr: Arc<Mutex<String>>,
}

impl FfmpegProcess {
    /// Spawns `command` with piped stdout/stderr (and stdin if `with_stdin`).
    pub fn spawn(mut command: Command, with_stdin: bool) -> std::io::Result<FfmpegProcess> {
        command
            .stdin(if with_stdin {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn()?;
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(mut pipe) = child.stderr.take() {
            let text = Arc::clone(&stderr);
            std::thread::Builder::new()
                .name("ffmpeg-stderr".into())
                .spawn(move || {
                    let mut buf = String::new();
                    let _ = pipe.read_to_string(&mut buf);
                    if let Ok(mut t) = text.lock() {
                        t.push_str(buf.trim());
                    }
                })?;
        }
        Ok(FfmpegProcess { child, stderr })
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
