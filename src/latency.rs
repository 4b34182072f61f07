//! Latency figures: percentiles in milliseconds of an HDR histogram of
//! microseconds. A leaf module, shared by the frame loop's statistics and
//! the control link's control-to-picture latency.

use hdrhistogram::Histogram;
use serde::Serialize;

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct LatencyMs {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

/// Percentiles of a histogram of microseconds, in milliseconds (all zero
/// when it is empty).
pub fn latency_of(us: &Histogram<u64>) -> LatencyMs {
    let ms = |quantile| us.value_at_quantile(quantile) as f64 / 1000.0;
    if us.is_empty() {
        return LatencyMs {
            p50: 0.0,
            p95: 0.0,
            p99: 0.0,
            max: 0.0,
            mean: 0.0,
        };
    }
    LatencyMs {
        p50: ms(0.50),
        p95: ms(0.95),
        p99: ms(0.99),
        max: us.max() as f64 / 1000.0,
        mean: us.mean() / 1000.0,
    }
}
