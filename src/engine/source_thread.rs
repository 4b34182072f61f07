//! The source thread: opens the source, paces it, feeds the ring.
//!
//! How it works: a named thread opens the [`SourceSpec`] (cameras must live
//! on the thread that reads them) and reports the negotiated mode, or the
//! error, before the loop starts. Clock-paced sources sleep to an absolute
//! deadline each frame (no drift); with `fast` they run unpaced and wait for
//! ring room instead. A device source (camera) that fails is reopened every
//! half second until it comes back or the run stops: the render thread keeps
//! showing the last frame meanwhile. Dropping the handle only raises the stop
//! flag; it never blocks.

use super::ring::FrameProducer;
use crate::source::{frame_interval, Pacing, SourceError, SourceOptions, SourceSpec};
use crossbeam_channel::bounded;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How the source ended, for the render thread.
#[derive(Default)]
pub struct SourceState {
    /// The thread has stopped sending frames (for whatever reason).
    pub ended: AtomicBool,
    /// The source itself ran out: every frame it had was sent.
    pub exhausted: AtomicBool,
    pub error: Mutex<Option<SourceError>>,
}

pub struct SourceThread {
    handle: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    pub state: Arc<SourceState>,
    pub description: String,
    /// The source's nominal frame rate (for encoders).
    pub fps: f64,
    /// The timecode of the source's pictures, when it has one (a file
    /// tagged with it).
    pub timecode: Option<crate::timecode::SourceTimecode>,
}

const REOPEN_DELAY: Duration = Duration::from_millis(500);

impl SourceThread {
    /// Starts the thread and waits until the source is open (or failed).
    pub fn start(
        spec: SourceSpec,
        options: SourceOptions,
        mut producer: FrameProducer,
        fast: bool,
        stop: Arc<AtomicBool>,
    ) -> Result<SourceThread, SourceError> {
        let (opened_tx, opened_rx) = bounded::<Result<(String, f64), SourceError>>(1);
        let state = Arc::new(SourceState::default());
        let thread_state = Arc::clone(&state);
        let thread_stop = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("source".into())
            .spawn(move || {
                let mut source = match spec.open(&options) {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = opened_tx.send(Err(e));
                        thread_state.ended.store(true, Ordering::Release);
                        return;
                    }
                };
                let _ = opened_tx.send(Ok((source.describe(), source.pacing().fps())));
                let pacing = source.pacing();
                let mut deadline = Instant::now();
                while !thread_stop.load(Ordering::Relaxed) {
                    match source.next_frame(producer.take_buffer()) {
                        Ok(Some(frame)) => {
                            if fast {
                                producer.push_wait(frame, &thread_stop);
                            } else {
                                producer.push_live(frame);
                            }
                        }
                        Ok(None) => {
                            thread_state.exhausted.store(true, Ordering::Release);
                            break;
                        }
                        Err(e) if matches!(pacing, Pacing::Device { .. }) => {
                            tracing::warn!("{e}; reopening");
                            std::thread::sleep(REOPEN_DELAY);
                            if let Ok(reopened) = spec.open(&options) {
                                tracing::info!("{} is back", reopened.describe());
                                source = reopened;
                            }
                            continue;
                        }
                        Err(e) => {
                            if let Ok(mut slot) = thread_state.error.lock() {
                                *slot = Some(e);
                            }
                            break;
                        }
                    }
                    if let (Pacing::Clock { fps }, false) = (pacing, fast) {
                        let interval = frame_interval(fps);
                        deadline += interval;
                        let now = Instant::now();
                        if deadline > now {
                            std::thread::sleep(deadline - now);
                        } else if now - deadline > interval {
                            // Far behind (e.g. the machine stalled): restart the clock.
                            deadline = now;
                        }
                    }
                }
                producer.flush_held();
                thread_state.ended.store(true, Ordering::Release);
            })
            .map_err(|e| SourceError::Thread(e.to_string()))?;
        let (description, fps) = match opened_rx.recv() {
            Ok(Ok(d)) => d,
            Ok(Err(e)) => {
                let _ = handle.join();
                return Err(e);
            }
            Err(_) => {
                let _ = handle.join();
                return Err(SourceError::Thread(
                    "stopped while opening the source".into(),
                ));
            }
        };
        Ok(SourceThread {
            handle: Some(handle),
            stop,
            state,
            description,
            fps,
            timecode: None,
        })
    }

    /// Stops the thread and waits for it (used at the end of a run).
    pub fn stop_and_join(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }

    /// The error that ended the source, if one did.
    pub fn take_error(&self) -> Option<SourceError> {
        self.state.error.lock().ok().and_then(|mut e| e.take())
    }
}

impl Drop for SourceThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
