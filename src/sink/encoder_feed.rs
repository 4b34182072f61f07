//! The encoder beside the loop: graded frames reach ffmpeg from a thread of
//! their own, through a bounded queue, so the encoder never slows the
//! picture.
//!
//! How it works: the frame loop copies each frame into one of at most
//! [`QUEUE_FRAMES`] buffers and queues it with its slot (its timestamp, in
//! frames of the file); the `encoder-feed` thread writes it to ffmpeg's
//! stdin in IVF framing (`ivf.rs`) and hands the buffer back. The buffers
//! are the queue's bound, so the memory held never grows with how far
//! behind the encoder is. What a full queue does is the [`WhenFull`]
//! policy: an offline render waits (every frame is written); a live
//! recording leaves the frame out and counts it, and the frame before it
//! lasts until the next one in the file (its timestamps keep the file as
//! long as the capture). The newest frame left out is kept (one buffer,
//! reused): closing the feed writes it after the queued ones when nothing
//! newer reached the file, so the file ends where the capture ended.
//! Closing sends nothing more, lets the thread write the few frames queued
//! and closes the pipe; dropping the feed never waits (killing ffmpeg
//! breaks the pipe and ends the thread).

use super::ivf;
use crossbeam_channel::{Receiver, Sender, TryRecvError};
use std::io::Write;
use std::thread::JoinHandle;

/// Frames that may wait for the encoder (the bound on the memory held).
pub const QUEUE_FRAMES: usize = 3;

/// What a frame that finds the queue full does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenFull {
    /// Waits for room: every frame is written (offline renders).
    Wait,
    /// Is left out of the file and counted: the picture never waits (live).
    Drop,
}

/// The encoder's thread stopped: its pipe broke (ffmpeg ended) or a frame
/// could not be framed. The encoder's own messages tell why.
#[derive(Debug)]
pub struct FeedStopped(pub String);

type Queued = (u64, Vec<u8>);

/// The frame loop's end of the queue; see the module comment.
pub struct EncoderFeed {
    queue: Option<Sender<Queued>>,
    free: Receiver<Vec<u8>>,
    buffers: usize,
    when_full: WhenFull,
    thread: Option<JoinHandle<Result<(), String>>>,
    /// The slot of the newest frame queued.
    last_queued: Option<u64>,
    /// The newest frame left out, with its slot (live only).
    left_out: Option<Queued>,
}

impl EncoderFeed {
    /// Starts the thread writing `header` and then each queued frame to `pipe`.
    pub fn start(
        pipe: impl Write + Send + 'static,
        header: [u8; 32],
        when_full: WhenFull,
    ) -> std::io::Result<EncoderFeed> {
        let (queue, frames) = crossbeam_channel::bounded::<Queued>(QUEUE_FRAMES);
        let (give_back, free) = crossbeam_channel::bounded(QUEUE_FRAMES);
        let thread = std::thread::Builder::new()
            .name("encoder-feed".into())
            .spawn(move || feed(pipe, header, frames, give_back))?;
        Ok(EncoderFeed {
            queue: Some(queue),
            free,
            buffers: 0,
            when_full,
            thread: Some(thread),
            last_queued: None,
            left_out: None,
        })
    }

    /// Queues `pixels` to be shown from `slot`. `Ok(false)`: the queue was
    /// full and the policy is [`WhenFull::Drop`]: the frame is not in the
    /// file.
    pub fn push(&mut self, slot: u64, pixels: &[u8]) -> Result<bool, FeedStopped> {
        let stopped = || FeedStopped("the encoder stopped taking frames".into());
        let mut buffer = match self.free.try_recv() {
            Ok(buffer) => buffer,
            Err(TryRecvError::Disconnected) => return Err(stopped()),
            Err(TryRecvError::Empty) if self.buffers < QUEUE_FRAMES => {
                self.buffers += 1;
                Vec::with_capacity(pixels.len())
            }
            Err(TryRecvError::Empty) => match self.when_full {
                WhenFull::Drop => {
                    let (kept_slot, kept) = self.left_out.get_or_insert_with(|| (slot, Vec::new()));
                    *kept_slot = slot;
                    kept.clear();
                    kept.extend_from_slice(pixels);
                    return Ok(false);
                }
                WhenFull::Wait => self.free.recv().map_err(|_| stopped())?,
            },
        };
        buffer.clear();
        buffer.extend_from_slice(pixels);
        self.send(slot, buffer)?;
        Ok(true)
    }

    fn send(&mut self, slot: u64, buffer: Vec<u8>) -> Result<(), FeedStopped> {
        let queue = self
            .queue
            .as_ref()
            .ok_or_else(|| FeedStopped("the encoder is closed".into()))?;
        // Never waits: the queue has room for every buffer there is.
        queue
            .send((slot, buffer))
            .map_err(|_| FeedStopped("the encoder stopped taking frames".into()))?;
        self.last_queued = Some(slot);
        Ok(())
    }

    /// No more frames: writes the newest frame left out when nothing newer
    /// was queued (see the module comment), waits until the queued frames
    /// are written and the pipe is closed (at most [`QUEUE_FRAMES`] + 1
    /// frames). Returns the slot of that last frame, when it was written.
    pub fn close(mut self) -> Result<Option<u64>, FeedStopped> {
        let mut tail = None;
        if let Some((slot, pixels)) = self.left_out.take() {
            if self.last_queued.is_none_or(|last| slot > last) {
                // Room comes as the thread writes; an ended thread says so.
                if self.free.recv().is_ok() {
                    self.send(slot, pixels)?;
                    tail = Some(slot);
                }
            }
        }
        self.queue = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Ok(()))) | None => Ok(tail),
            Some(Ok(Err(e))) => Err(FeedStopped(e)),
            Some(Err(_)) => Err(FeedStopped("the encoder's thread panicked".into())),
        }
    }
}

impl Drop for EncoderFeed {
    fn drop(&mut self) {
        // Ends the thread once the queue is written, without waiting for it.
        self.queue = None;
    }
}

/// The thread: the header, then every queued frame with its slot.
fn feed(
    mut pipe: impl Write,
    header: [u8; 32],
    frames: Receiver<Queued>,
    give_back: Sender<Vec<u8>>,
) -> Result<(), String> {
    pipe.write_all(&header).map_err(|e| e.to_string())?;
    for (slot, buffer) in frames {
        pipe.write_all(&ivf::frame_header(buffer.len(), slot)?)
            .and_then(|()| pipe.write_all(&buffer))
            .map_err(|e| e.to_string())?;
        let _ = give_back.try_send(buffer);
    }
    pipe.flush().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A pipe that takes a write only when the test lets it.
    #[derive(Clone)]
    struct Gate {
        open: Arc<(Mutex<usize>, std::sync::Condvar)>,
        written: Arc<Mutex<Vec<u8>>>,
    }

    impl Write for Gate {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let (lock, cv) = &*self.open;
            let mut permits = lock.lock().unwrap();
            while *permits == 0 {
                permits = cv.wait(permits).unwrap();
            }
            *permits -= 1;
            self.written.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Gate {
        fn new() -> Gate {
            Gate {
                open: Arc::new((Mutex::new(0), std::sync::Condvar::new())),
                written: Arc::default(),
            }
        }
        fn allow(&self, writes: usize) {
            *self.open.0.lock().unwrap() += writes;
            self.open.1.notify_all();
        }
    }

    #[test]
    fn a_stalled_encoder_never_holds_the_loop_and_the_queue_stays_bounded() {
        let gate = Gate::new();
        let mut feed = EncoderFeed::start(gate.clone(), [7; 32], WhenFull::Drop).unwrap();
        // The encoder takes nothing: the header write blocks the thread.
        let frame = vec![1u8; 64];
        let taken: Vec<bool> = (0..50)
            .map(|slot| feed.push(slot, &frame).unwrap())
            .collect();
        // QUEUE_FRAMES buffers exist; every later frame is left out at once.
        assert_eq!(taken.iter().filter(|t| **t).count(), QUEUE_FRAMES);
        assert!(taken[..QUEUE_FRAMES].iter().all(|t| *t));
        // The encoder catches up: the queued frames are written, in order,
        // with their slots, then the newest frame left out (so the file
        // ends where the capture did), then the pipe closes.
        gate.allow(usize::MAX / 2);
        assert_eq!(feed.close().unwrap(), Some(49));
        let written = gate.written.lock().unwrap().clone();
        assert_eq!(written.len(), 32 + (QUEUE_FRAMES + 1) * (12 + 64));
        let slots: Vec<u64> = (0..=QUEUE_FRAMES)
            .map(|i| {
                let at = 32 + i * 76 + 4;
                u64::from_le_bytes(written[at..at + 8].try_into().unwrap())
            })
            .collect();
        assert_eq!(slots, vec![0, 1, 2, 49]);
    }

    #[test]
    fn offline_feeds_wait_and_lose_nothing() {
        let gate = Gate::new();
        gate.allow(usize::MAX / 2);
        let mut feed = EncoderFeed::start(gate.clone(), [0; 32], WhenFull::Wait).unwrap();
        for slot in 0..40 {
            assert!(feed.push(slot, &[slot as u8; 10]).unwrap());
        }
        assert_eq!(feed.close().unwrap(), None);
        assert_eq!(gate.written.lock().unwrap().len(), 32 + 40 * 22);
    }

    #[test]
    fn a_broken_pipe_is_reported_not_waited_on() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut feed = EncoderFeed::start(Broken, [0; 32], WhenFull::Wait).unwrap();
        // The thread ends at its first write; pushes then fail rather than wait.
        let mut failed = false;
        for slot in 0..10 {
            if feed.push(slot, &[0; 8]).is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed);
        let err = feed.close().unwrap_err();
        assert!(err.0.contains("roken pipe"), "{}", err.0);
    }
}
