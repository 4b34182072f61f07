//! What the engine did, for the operator view's log: the newest info and
//! warning lines of the run (scene cuts, model fallbacks, panels that
//! came and went), kept in memory as well as printed.
//!
//! How it works: [`EventLogLayer`] is a `tracing` layer beside the one that
//! prints; it keeps the last [`KEPT`] events at info level or above from
//! the engine's own modules in one global ring, which [`recent`] reads.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::SystemTime;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// Lines the log keeps.
pub const KEPT: usize = 200;

/// One logged event.
#[derive(Debug, Clone)]
pub struct Entry {
    pub at: SystemTime,
    pub level: Level,
    pub message: String,
}

static LOG: Mutex<VecDeque<Entry>> = Mutex::new(VecDeque::new());

/// The newest `n` entries, oldest first.
pub fn recent(n: usize) -> Vec<Entry> {
    let log = LOG.lock().unwrap_or_else(|e| e.into_inner());
    log.iter()
        .skip(log.len().saturating_sub(n))
        .cloned()
        .collect()
}

/// Adds an entry (the layer does this for every event it sees).
pub fn push(level: Level, message: String) {
    let mut log = LOG.lock().unwrap_or_else(|e| e.into_inner());
    if log.len() == KEPT {
        log.pop_front();
    }
    log.push_back(Entry {
        at: SystemTime::now(),
        level,
        message,
    });
}

/// Keeps the engine's info and warning events (see the module comment).
pub struct EventLogLayer;

impl<S: Subscriber> Layer<S> for EventLogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if *meta.level() > Level::INFO || !meta.target().starts_with("neurograde") {
            return;
        }
        let mut text = MessageText(String::new());
        event.record(&mut text);
        push(*meta.level(), text.0);
    }
}

/// The event's message and its fields as `name=value`.
struct MessageText(String);

impl Visit for MessageText {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, "{}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn the_layer_keeps_the_engines_events_and_drops_the_oldest() {
        let subscriber = tracing_subscriber::registry().with(EventLogLayer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "neurograde::analysis", frame = 7, "scene cut");
            tracing::debug!(target: "neurograde::analysis", "not kept: debug");
            tracing::warn!(target: "wgpu", "not kept: not ours");
            for i in 0..KEPT {
                tracing::warn!(target: "neurograde::test", "line {i}");
            }
        });
        let all = recent(KEPT + 10);
        assert_eq!(all.len(), KEPT);
        assert_eq!(all.last().unwrap().message, format!("line {}", KEPT - 1));
        assert!(all.iter().all(|e| !e.message.contains("not kept")));
        // Within the kept lines, the oldest went first.
        assert_eq!(all[0].message, "line 0");
    }
}
