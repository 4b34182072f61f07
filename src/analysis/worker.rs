//! The analysis worker: a thread beside the frame loop that runs the models
//! on the newest picture it is offered and publishes its newest result.
//!
//! How it works: the render thread offers a downscaled picture over a
//! `crossbeam_channel::bounded(1)` with `try_send` ([`AnalysisWorker::offer`]),
//! and only when the worker is idle ([`AnalysisWorker::wants_picture`]), so
//! the picture analysed is always fresh and the loop never waits: a busy
//! worker simply misses frames. Results go to a latest-value slot (an
//! `ArcSwapOption`: a pointer swap) that the render thread reads on every
//! frame without locking ([`AnalysisWorker::latest`]). The models open on
//! the worker's own thread, so a slow start never delays the first frame.
//! On Linux the thread lowers its own scheduling priority (nice), so on a
//! small machine inference takes the time the loop leaves, not the loop's.
//! Dropping the worker closes the channel; the thread ends after the step
//! it is in, and `Drop` never waits for it.

use super::analyzer::{Analysis, AnalysisInput, Analyzer, AnalyzerSettings};
use arc_swap::ArcSwapOption;
use crossbeam_channel::{Sender, TrySendError};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

/// State shared between the worker thread and the render thread.
#[derive(Default)]
struct Shared {
    latest: ArcSwapOption<Analysis>,
    busy: AtomicBool,
    analysed: AtomicU64,
    /// Why models asked for are not running (set once they opened).
    problems: OnceLock<Vec<String>>,
}

pub struct AnalysisWorker {
    sender: Option<Sender<AnalysisInput>>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl AnalysisWorker {
    /// Starts the thread; `nice` is the priority it drops to (0 = none).
    pub fn start(settings: AnalyzerSettings, nice: i32) -> std::io::Result<AnalysisWorker> {
        let (sender, receiver) = crossbeam_channel::bounded::<AnalysisInput>(1);
        let shared = Arc::new(Shared::default());
        let worker_shared = Arc::clone(&shared);
        // Busy until the models are open, so no picture waits on the start.
        shared.busy.store(true, Ordering::Release);
        let thread = std::thread::Builder::new()
            .name("analysis".into())
            .spawn(move || {
                lower_priority(nice);
                let mut analyzer = Analyzer::open(settings);
                let _ = worker_shared.problems.set(analyzer.problems.clone());
                let active = analyzer.is_active();
                worker_shared.busy.store(!active, Ordering::Release);
                if !active {
                    return;
                }
                for input in receiver {
                    let result = analyzer.analyse(&input);
                    worker_shared.latest.store(Some(Arc::new(result)));
                    worker_shared.analysed.fetch_add(1, Ordering::Relaxed);
                    worker_shared.busy.store(false, Ordering::Release);
                }
            })?;
        Ok(AnalysisWorker {
            sender: Some(sender),
            shared,
            thread: Some(thread),
        })
    }

    /// Whether a picture offered now would be analysed at once.
    pub fn wants_picture(&self) -> bool {
        !self.shared.busy.load(Ordering::Acquire)
            && self.sender.as_ref().is_some_and(|s| s.is_empty())
    }

    /// Hands a picture over without waiting; false if the worker was busy
    /// (the picture is dropped) or has stopped.
    pub fn offer(&self, input: AnalysisInput) -> bool {
        let Some(sender) = &self.sender else {
            return false;
        };
        self.shared.busy.store(true, Ordering::Release);
        match sender.try_send(input) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
        }
    }

    /// The newest result, without waiting.
    pub fn latest(&self) -> Option<Arc<Analysis>> {
        self.shared.latest.load_full()
    }

    /// Pictures analysed so far.
    pub fn analysed(&self) -> u64 {
        self.shared.analysed.load(Ordering::Relaxed)
    }

    /// Why models are not running, once the worker has opened them.
    pub fn problems(&self) -> Option<&[String]> {
        self.shared.problems.get().map(Vec::as_slice)
    }

    /// Closes the channel, waits for the thread (end of a run), and says
    /// how many pictures it analysed and which models could not run.
    pub fn stop_and_join(mut self) -> (u64, Vec<String>) {
        self.sender = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let problems = self.problems().map(<[String]>::to_vec).unwrap_or_default();
        (self.analysed(), problems)
    }
}

impl Drop for AnalysisWorker {
    fn drop(&mut self) {
        // Closing the channel ends the thread after its current step.
        self.sender = None;
    }
}

/// Lowers the calling thread's scheduling priority by `nice` steps.
fn lower_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    if nice > 0 {
        // SAFETY: gettid and setpriority take plain integers and touch no
        // memory of ours; a failure only leaves the priority as it was.
        let result = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, nice)
        };
        if result != 0 {
            tracing::debug!("analysis thread keeps its priority (setpriority failed)");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}
