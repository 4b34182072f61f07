//! Pipelines compiled beside the render thread.
//!
//! How it works: a live look change can need a kernel variant the frame
//! pipeline has not compiled yet (a fader leaves neutral, a secondary is
//! added). On a CPU rasteriser compiling one takes 0.4–0.6 s, which on the
//! render thread would be as long without a picture. [`Compiler`] runs such
//! work on its own thread, one job after another: a job is a closure that
//! creates the pipelines (wgpu's device, modules and layouts are shared
//! handles, usable from any thread) and returns them; the render thread
//! takes what finished at its next frame. Meanwhile the live loop grades
//! with the look it last showed (`engine::render`), so the picture keeps
//! moving and the new look appears with its first ready frame.

use std::collections::HashSet;
use std::hash::Hash;
use std::sync::mpsc;

type Job<K, T> = Box<dyn FnOnce() -> (K, T) + Send>;

/// A worker thread compiling jobs named by `K`, each returning a `T`.
pub struct Compiler<K, T> {
    jobs: Option<mpsc::Sender<Job<K, T>>>,
    done: Option<mpsc::Receiver<(K, T)>>,
    /// Jobs sent and not yet taken back.
    pending: HashSet<K>,
    /// The worker could not be started.
    unavailable: bool,
}

impl<K, T> Default for Compiler<K, T> {
    fn default() -> Self {
        Compiler {
            jobs: None,
            done: None,
            pending: HashSet::new(),
            unavailable: false,
        }
    }
}

impl<K: Hash + Eq + Clone + Send + 'static, T: Send + 'static> Compiler<K, T> {
    /// Whether a job for `key` was sent and has not been taken back.
    pub fn is_pending(&self, key: &K) -> bool {
        self.pending.contains(key)
    }

    /// Sends `job` to the worker (started at the first job) under `key`;
    /// false when there is no worker (the caller compiles in place).
    pub fn request(&mut self, key: K, job: impl FnOnce() -> T + Send + 'static) -> bool {
        if self.unavailable {
            return false;
        }
        if self.jobs.is_none() {
            let (jobs, inbox) = mpsc::channel::<Job<K, T>>();
            let (outbox, done) = mpsc::channel();
            let spawned = std::thread::Builder::new()
                .name("pipeline compiler".into())
                .spawn(move || {
                    for job in inbox {
                        let compiled = job();
                        release_freed_memory();
                        if outbox.send(compiled).is_err() {
                            break;
                        }
                    }
                });
            if let Err(e) = spawned {
                // No thread: the work compiles on the render thread when
                // the look is graded, as it would without a compiler.
                tracing::warn!("no pipeline compiler thread ({e}): look changes compile in place");
                self.unavailable = true;
                return false;
            }
            self.jobs = Some(jobs);
            self.done = Some(done);
        }
        let sent = self.jobs.as_ref().is_some_and(|jobs| {
            let key = key.clone();
            jobs.send(Box::new(move || (key, job()))).is_ok()
        });
        if sent {
            self.pending.insert(key);
        }
        sent
    }

    /// The jobs finished since the last call. A worker that died (a job
    /// panicked) is not replaced: what was pending is dropped and later
    /// work compiles in place, where its failure shows.
    pub fn finished(&mut self) -> Vec<(K, T)> {
        let mut finished = Vec::new();
        if let Some(done) = &self.done {
            loop {
                match done.try_recv() {
                    Ok(job) => finished.push(job),
                    Err(mpsc::TryRecvError::Empty) => break,
                    Err(mpsc::TryRecvError::Disconnected) => {
                        tracing::warn!(
                            "the pipeline compiler thread stopped: look changes compile in place"
                        );
                        self.unavailable = true;
                        self.jobs = None;
                        self.done = None;
                        self.pending.clear();
                        break;
                    }
                }
            }
        }
        for (key, _) in &finished {
            self.pending.remove(key);
        }
        finished
    }
}

/// Hands the memory a compile freed back to the system. A compile on a
/// CPU rasteriser (LLVM) passes through about 70 MB; on this thread the C
/// library would keep that in the thread's own arena for good, which the
/// render thread, compiling in place, never added.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases the allocator's own free pages.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_on_another_thread_and_come_back_once() {
        let mut compiler = Compiler::<u32, std::thread::ThreadId>::default();
        for key in [1, 2, 3] {
            assert!(compiler.request(key, || std::thread::current().id()));
        }
        assert!(compiler.is_pending(&2));
        let mut back = Vec::new();
        while back.len() < 3 {
            back.extend(compiler.finished());
            std::thread::yield_now();
        }
        let keys: Vec<u32> = back.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, [1, 2, 3], "in the order sent");
        assert!(back
            .iter()
            .all(|(_, id)| *id != std::thread::current().id()));
        assert!(!compiler.is_pending(&2));
        assert!(compiler.finished().is_empty());
    }

    #[test]
    fn a_job_that_panics_leaves_the_work_to_the_caller() {
        let mut compiler = Compiler::<u32, ()>::default();
        assert!(compiler.request(1, || panic!("a compile failed")));
        while compiler.is_pending(&1) {
            assert!(compiler.finished().is_empty());
            std::thread::yield_now();
        }
        assert!(
            !compiler.request(2, || ()),
            "no worker: the caller compiles in place"
        );
    }
}
