//! Recorded control sessions: record what the panels sent, replay it.
//!
//! How it works: the project's own format is JSON Lines, one event a line,
//! `t` in seconds from the start of the session:
//!
//! ```text
//! {"t":0.0125,"midi":[176,7,100]}
//! {"t":0.5,"osc":"/primary/exposure","args":[0.5]}
//! ```
//!
//! MIDI events are the bytes as they came off the port (so a replay goes
//! through the same parser, decoder and mapping as a live panel), OSC
//! events the address and arguments. [`read`] also takes a Standard MIDI
//! File (format 0 or 1, any number of tracks): its events are merged in
//! time order and timed by its tempo map (ticks per beat with Set Tempo
//! meta events, default 120 bpm, or SMPTE ticks per second), per the
//! Standard MIDI File 1.0 specification. A [`Recorder`] writes the own
//! format as events arrive, flushed every second, so a crash loses at most
//! a second.

use rosc::{OscMessage, OscType};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Errors from reading a control recording.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    #[error("control recording {path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("control recording {path}, line {line}: {message}")]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("control recording {path}: not a readable Standard MIDI File: {message}")]
    Smf { path: PathBuf, message: String },
}

/// One event of a session.
#[derive(Debug, Clone, PartialEq)]
pub enum ControlInputEvent {
    Midi(Vec<u8>),
    Osc(OscMessage),
}

/// An event at its time from the start.
#[derive(Debug, Clone, PartialEq)]
pub struct Timed {
    pub at: Duration,
    pub event: ControlInputEvent,
}

/// A line of the own format.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    t: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    midi: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    osc: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    args: Vec<serde_json::Value>,
}

/// Reads a recording: a Standard MIDI File (by its `MThd` header) or the
/// own JSON Lines format. Events come back in time order.
pub fn read(path: &Path) -> Result<Vec<Timed>, ReplayError> {
    let bytes = std::fs::read(path).map_err(|source| ReplayError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut events = if bytes.starts_with(b"MThd") {
        read_smf(&bytes).map_err(|message| ReplayError::Smf {
            path: path.to_path_buf(),
            message,
        })?
    } else {
        read_lines(&bytes, path)?
    };
    events.sort_by_key(|e| e.at);
    Ok(events)
}

fn read_lines(bytes: &[u8], path: &Path) -> Result<Vec<Timed>, ReplayError> {
    let text = String::from_utf8_lossy(bytes);
    let mut events = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let err = |message: String| ReplayError::Line {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        if raw.trim().is_empty() {
            continue;
        }
        let line: Line = serde_json::from_str(raw).map_err(|e| {
            err(format!(
                "{e}: expected {{\"t\": seconds, \"midi\": [bytes]}} or {{\"t\": seconds, \"osc\": \"/address\", \"args\": [...]}}"
            ))
        })?;
        if !(line.t.is_finite() && line.t >= 0.0) {
            return Err(err(format!("t = {}: expected seconds >= 0", line.t)));
        }
        let event = match (line.midi, line.osc) {
            (Some(bytes), None) => ControlInputEvent::Midi(bytes),
            (None, Some(addr)) => {
                let args = line
                    .args
                    .iter()
                    .map(osc_arg)
                    .collect::<Result<_, _>>()
                    .map_err(err)?;
                ControlInputEvent::Osc(OscMessage { addr, args })
            }
            _ => return Err(err("expected exactly one of `midi` and `osc`".into())),
        };
        events.push(Timed {
            at: Duration::from_secs_f64(line.t),
            event,
        });
    }
    Ok(events)
}

fn osc_arg(v: &serde_json::Value) -> Result<OscType, String> {
    match v {
        serde_json::Value::Number(n) if n.is_i64() => n
            .as_i64()
            .and_then(|i| i32::try_from(i).ok())
            .map(OscType::Int)
            .ok_or_else(|| format!("OSC argument {n} does not fit 32 bits")),
        serde_json::Value::Number(n) => Ok(OscType::Float(n.as_f64().unwrap_or(0.0) as f32)),
        serde_json::Value::String(s) => Ok(OscType::String(s.clone())),
        serde_json::Value::Bool(b) => Ok(OscType::Bool(*b)),
        other => Err(format!(
            "OSC argument {other}: expected a number, string or bool"
        )),
    }
}

fn json_arg(a: &OscType) -> serde_json::Value {
    match a {
        OscType::Int(i) => (*i).into(),
        OscType::Long(i) => (*i).into(),
        OscType::Float(f) => f64::from(*f).into(),
        OscType::Double(f) => (*f).into(),
        OscType::String(s) => s.clone().into(),
        OscType::Bool(b) => (*b).into(),
        other => format!("{other:?}").into(),
    }
}

/// A Standard MIDI File's channel and SysEx events, timed by its tempo map.
fn read_smf(bytes: &[u8]) -> Result<Vec<Timed>, String> {
    use midly::{MetaMessage, Timing, TrackEventKind};
    let smf = midly::Smf::parse(bytes).map_err(|e| e.to_string())?;
    // (absolute tick, event) over all tracks, and the tempo changes.
    let mut ticked: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut tempos: Vec<(u64, u32)> = Vec::new();
    for track in &smf.tracks {
        let mut tick = 0u64;
        for event in track {
            tick += u64::from(event.delta.as_int());
            match event.kind {
                TrackEventKind::Meta(MetaMessage::Tempo(t)) => tempos.push((tick, t.as_int())),
                kind => {
                    if let Some(live) = kind.as_live_event() {
                        let mut raw = Vec::new();
                        live.write_std(&mut raw).map_err(|e| e.to_string())?;
                        ticked.push((tick, raw));
                    }
                }
            }
        }
    }
    tempos.sort_by_key(|t| t.0);
    ticked.sort_by_key(|t| t.0);
    let seconds_at = |tick: u64| -> f64 {
        match smf.header.timing {
            Timing::Timecode(fps, sub) => tick as f64 / (f64::from(fps.as_f32()) * f64::from(sub)),
            Timing::Metrical(tpb) => {
                let tpb = f64::from(tpb.as_int().max(1));
                let (mut seconds, mut from, mut us_per_beat) = (0.0, 0u64, 500_000.0);
                for &(at, tempo) in tempos.iter().take_while(|t| t.0 < tick) {
                    seconds += (at - from) as f64 / tpb * us_per_beat / 1e6;
                    from = at;
                    us_per_beat = f64::from(tempo);
                }
                seconds + (tick - from) as f64 / tpb * us_per_beat / 1e6
            }
        }
    };
    Ok(ticked
        .into_iter()
        .map(|(tick, raw)| Timed {
            at: Duration::from_secs_f64(seconds_at(tick)),
            event: ControlInputEvent::Midi(raw),
        })
        .collect())
}

/// Writes a session's events in the own format as they arrive.
pub struct Recorder {
    path: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
    start: Instant,
    last_flush: Instant,
    pub events: u64,
}

impl Recorder {
    pub fn create(path: &Path, start: Instant) -> std::io::Result<Recorder> {
        let file = std::fs::File::create(path)?;
        Ok(Recorder {
            path: path.to_path_buf(),
            out: std::io::BufWriter::new(file),
            start,
            last_flush: start,
            events: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn record(&mut self, at: Instant, event: &ControlInputEvent) -> std::io::Result<()> {
        let t = at.saturating_duration_since(self.start).as_secs_f64();
        let line = match event {
            ControlInputEvent::Midi(bytes) => Line {
                t,
                midi: Some(bytes.clone()),
                osc: None,
                args: vec![],
            },
            ControlInputEvent::Osc(m) => Line {
                t,
                midi: None,
                osc: Some(m.addr.clone()),
                args: m.args.iter().map(json_arg).collect(),
            },
        };
        serde_json::to_writer(&mut self.out, &line).map_err(std::io::Error::other)?;
        self.out.write_all(b"\n")?;
        self.events += 1;
        if at.saturating_duration_since(self.last_flush) > Duration::from_secs(1) {
            self.last_flush = at;
            self.out.flush()?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> std::io::Result<()> {
        self.out.flush()?;
        self.out.get_ref().sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_format_round_trips_and_bad_lines_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.jsonl");
        let start = Instant::now();
        let mut rec = Recorder::create(&path, start).unwrap();
        let osc = ControlInputEvent::Osc(OscMessage {
            addr: "/cdl/slope".into(),
            args: vec![OscType::Float(1.5), OscType::Int(1), OscType::Float(0.5)],
        });
        rec.record(
            start + Duration::from_millis(250),
            &ControlInputEvent::Midi(vec![0xB0, 7, 100]),
        )
        .unwrap();
        rec.record(start + Duration::from_millis(500), &osc)
            .unwrap();
        rec.finish().unwrap();
        let events = read(&path).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].event, ControlInputEvent::Midi(vec![0xB0, 7, 100]));
        assert_eq!(events[1].event, osc);
        assert!((events[1].at.as_secs_f64() - 0.5).abs() < 1e-9);

        std::fs::write(
            &path,
            "{\"t\":0.1,\"midi\":[176,7,1]}\n{\"t\":-1,\"midi\":[1]}\n",
        )
        .unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("seconds >= 0"), "{e}");
        std::fs::write(&path, b"MThd\x00\x00").unwrap();
        let e = read(&path).unwrap_err().to_string();
        assert!(e.contains("Standard MIDI File"), "{e}");
    }
}
