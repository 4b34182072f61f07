//! The frame ring between the source thread and the render thread.
//!
//! How it works: a small single-producer single-consumer ring (`ringbuf`)
//! carries frames. Two policies:
//! - **live** (cameras, paced sources): capture never blocks. When the ring
//!   is full the producer keeps the newest frame aside and drops the older
//!   one it held (counted); the render thread takes the newest frame in the
//!   ring and drops the older ones (counted). Latency stays at one frame.
//! - **every frame** (`--fast`, offline): the producer waits for room and
//!   the render thread takes frames in order; nothing is dropped.
//!
//! Frame buffers travel back to the source through a bounded recycle channel
//! so the steady state allocates nothing. Two one-slot "doorbell" channels
//! wake a waiting side without polling.

use crate::frame::Frame;
use crossbeam_channel::{bounded, Receiver, Sender};
use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Frames dropped, by where.
#[derive(Debug, Default)]
pub struct DropCounters {
    /// Dropped by the producer: the ring was full (render thread behind).
    pub ring_full: AtomicU64,
    /// Dropped by the render thread: a newer frame was already waiting.
    pub superseded: AtomicU64,
}

pub struct FrameProducer {
    ring: HeapProd<Frame>,
    held: Option<Frame>,
    counters: Arc<DropCounters>,
    recycled: Receiver<Vec<u8>>,
    frame_ready: Sender<()>,
    room_ready: Receiver<()>,
}

pub struct FrameConsumer {
    ring: HeapCons<Frame>,
    counters: Arc<DropCounters>,
    recycle: Sender<Vec<u8>>,
    frame_ready: Receiver<()>,
    /// Wakes [`FrameConsumer::wait`] from elsewhere (a control change).
    wake: Sender<()>,
    room_ready: Sender<()>,
}

/// A ring of `capacity` frames (at least 2).
pub fn frame_ring(capacity: usize) -> (FrameProducer, FrameConsumer, Arc<DropCounters>) {
    let capacity = capacity.max(2);
    let (prod, cons) = HeapRb::<Frame>::new(capacity).split();
    let counters = Arc::new(DropCounters::default());
    let (recycle, recycled) = bounded(capacity + 2);
    let (frame_ready_tx, frame_ready_rx) = bounded(1);
    let (room_tx, room_rx) = bounded(1);
    (
        FrameProducer {
            ring: prod,
            held: None,
            counters: Arc::clone(&counters),
            recycled,
            frame_ready: frame_ready_tx.clone(),
            room_ready: room_rx,
        },
        FrameConsumer {
            ring: cons,
            counters: Arc::clone(&counters),
            recycle,
            frame_ready: frame_ready_rx,
            wake: frame_ready_tx,
            room_ready: room_tx,
        },
        counters,
    )
}

impl FrameProducer {
    /// A buffer for the next frame: a recycled one when there is one.
    pub fn take_buffer(&self) -> Vec<u8> {
        self.recycled.try_recv().unwrap_or_default()
    }

    /// Live policy: never blocks. See the module comment.
    pub fn push_live(&mut self, frame: Frame) {
        if let Some(held) = self.held.take() {
            if let Err(held) = self.ring.try_push(held) {
                // Still full: the held frame is older than `frame`; drop it.
                self.counters.ring_full.fetch_add(1, Ordering::Relaxed);
                drop(held);
            }
        }
        if let Err(frame) = self.ring.try_push(frame) {
            self.held = Some(frame);
        }
        let _ = self.frame_ready.try_send(());
    }

    /// Every-frame policy: waits for room. Returns false if `stop` was set
    /// while waiting (the frame is then dropped).
    pub fn push_wait(&mut self, mut frame: Frame, stop: &AtomicBool) -> bool {
        loop {
            match self.ring.try_push(frame) {
                Ok(()) => {
                    let _ = self.frame_ready.try_send(());
                    return true;
                }
                Err(back) => frame = back,
            }
            if stop.load(Ordering::Relaxed) {
                return false;
            }
            let _ = self.room_ready.recv_timeout(Duration::from_millis(20));
        }
    }

    /// At the end of a source: queues the held frame if there is room,
    /// otherwise drops it (counted).
    pub fn flush_held(&mut self) {
        if let Some(held) = self.held.take() {
            if self.ring.try_push(held).is_err() {
                self.counters.ring_full.fetch_add(1, Ordering::Relaxed);
            }
            let _ = self.frame_ready.try_send(());
        }
    }
}

impl FrameConsumer {
    /// Live policy: the newest waiting frame; older ones are dropped.
    pub fn pop_latest(&mut self) -> Option<Frame> {
        let mut newest = self.ring.try_pop()?;
        while let Some(newer) = self.ring.try_pop() {
            self.counters.superseded.fetch_add(1, Ordering::Relaxed);
            self.recycle(std::mem::replace(&mut newest, newer).data);
        }
        let _ = self.room_ready.try_send(());
        Some(newest)
    }

    /// Every-frame policy: the oldest waiting frame.
    pub fn pop_next(&mut self) -> Option<Frame> {
        let frame = self.ring.try_pop();
        if frame.is_some() {
            let _ = self.room_ready.try_send(());
        }
        frame
    }

    /// Waits up to `timeout` for the producer to push something.
    pub fn wait(&self, timeout: Duration) {
        if self.ring.is_empty() {
            let _ = self.frame_ready.recv_timeout(timeout);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    /// A handle that ends a [`Self::wait`] early (for a control change).
    pub fn waker(&self) -> Sender<()> {
        self.wake.clone()
    }

    /// Hands a frame's buffer back to the source for reuse.
    pub fn recycle(&self, data: Vec<u8>) {
        let _ = self.recycle.try_send(data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{FrameId, PixelFormat, YuvEncoding};
    use std::time::Instant;

    fn frame(id: u64) -> Frame {
        Frame {
            id: FrameId(id),
            captured: Instant::now(),
            width: 2,
            height: 2,
            format: PixelFormat::Rgba8,
            yuv: YuvEncoding::for_height(2),
            data: vec![0; 16],
        }
    }

    #[test]
    fn live_ring_keeps_newest_and_counts_drops() {
        let (mut prod, mut cons, counters) = frame_ring(3);
        for id in 0..10 {
            prod.push_live(frame(id));
        }
        // Ring holds 0, 1, 2; frames 3..8 were each held then dropped; 9 is held.
        assert_eq!(counters.ring_full.load(Ordering::Relaxed), 6);
        let got = cons.pop_latest().unwrap();
        assert_eq!(got.id, FrameId(2));
        assert_eq!(counters.superseded.load(Ordering::Relaxed), 2);
        // The held frame goes in with the next push.
        prod.push_live(frame(10));
        assert_eq!(cons.pop_latest().unwrap().id, FrameId(10));
        assert_eq!(counters.superseded.load(Ordering::Relaxed), 3);
        let total = counters.ring_full.load(Ordering::Relaxed)
            + counters.superseded.load(Ordering::Relaxed);
        assert_eq!(
            total + 2,
            11,
            "every frame is either delivered or counted as dropped"
        );
    }

    #[test]
    fn every_frame_ring_blocks_instead_of_dropping() {
        let (mut prod, mut cons, counters) = frame_ring(2);
        let stop = Arc::new(AtomicBool::new(false));
        let consumer = std::thread::spawn(move || {
            let mut ids = Vec::new();
            while ids.len() < 50 {
                match cons.pop_next() {
                    Some(f) => ids.push(f.id.0),
                    None => cons.wait(Duration::from_millis(10)),
                }
            }
            ids
        });
        for id in 0..50 {
            assert!(prod.push_wait(frame(id), &stop));
        }
        assert_eq!(consumer.join().unwrap(), (0..50).collect::<Vec<_>>());
        assert_eq!(counters.ring_full.load(Ordering::Relaxed), 0);
    }
}
