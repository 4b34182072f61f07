//! Logging that a flood cannot turn into a flood of log lines: a message
//! that repeats faster than once a period is held back and counted, and
//! the next one that is let through says how many were held.

use std::time::{Duration, Instant};

/// One kind of message's rate limit.
#[derive(Debug)]
pub struct LogThrottle {
    every: Duration,
    last: Option<Instant>,
    held: u64,
}

impl LogThrottle {
    pub const fn new(every: Duration) -> LogThrottle {
        LogThrottle {
            every,
            last: None,
            held: 0,
        }
    }

    /// `Some(held)` when a message may be logged now (`held` were held
    /// back since the last one), `None` when it is to be held back.
    pub fn admit(&mut self, now: Instant) -> Option<u64> {
        if self
            .last
            .is_some_and(|last| now.saturating_duration_since(last) < self.every)
        {
            self.held += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.held))
    }
}

/// `text` cut to at most `max` bytes (at a character boundary), marked
/// with an ellipsis when cut: what an error message echoes of a hostile
/// input.
pub fn shorten(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_message_a_period_and_the_count_held() {
        let mut t = LogThrottle::new(Duration::from_secs(1));
        let t0 = Instant::now();
        assert_eq!(t.admit(t0), Some(0));
        for i in 1..=500 {
            assert_eq!(t.admit(t0 + Duration::from_millis(i)), None);
        }
        assert_eq!(t.admit(t0 + Duration::from_millis(1001)), Some(500));
        assert_eq!(shorten("abcdef", 3), "abc...");
        assert_eq!(shorten("ééé", 3), "é...");
        assert_eq!(shorten("ok", 3), "ok");
    }
}
