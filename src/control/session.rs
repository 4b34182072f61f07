//! The live grade a panel edits: undo / redo, bypass, A/B compare,
//! snapshots and autosave.
//!
//! How it works: [`GradeSession`] holds the live look and applies
//! [`Command`]s to it. Continuous moves of one parameter within
//! [`GESTURE_GAP`] are one gesture and one undo step, so undo takes back a
//! whole fader move, not one MIDI message. [`GradeSession::shown`] is the
//! look the picture gets: the live one, the grade switched off (bypass keeps
//! the input / output transforms and the display LUT, so the picture stays
//! viewable), or the reference being compared (A/B: the last snapshot
//! stored or recalled). Snapshots are look files in the snapshot folder,
//! written atomically. The autosave writes the live look (atomically) once
//! changes have settled for [`AUTOSAVE_SETTLE`], so a crash loses at most
//! that much of a session.

use super::mapping::{Command, Mapper, PanelState};
use super::params::Param;
use super::profile::Action;
use crate::grade::Look;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Moves of one parameter closer than this are one undo step.
pub const GESTURE_GAP: Duration = Duration::from_millis(700);
/// The autosave waits for changes to settle this long.
pub const AUTOSAVE_SETTLE: Duration = Duration::from_millis(500);
const UNDO_DEPTH: usize = 256;

/// `look` without its grade: the input and output transforms and the
/// display LUT stay, so the picture stays viewable (bypass, the stills'
/// ungraded picture, comparing against the source).
pub fn ungraded(look: &Look) -> Look {
    let mut look = look.clone();
    super::params::Section::Grade.reset(&mut look);
    look.secondaries.clear();
    look.lut = None;
    look.loaded_lut = None;
    // The picture as the camera gives it: no noise reduction, no depth
    // atmosphere, no stabiliser or follow correction either.
    look.nr = None;
    look.atmosphere = None;
    look.stabilise = None;
    look.auto = None;
    look
}

/// What a command did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    /// The shown look changed.
    pub changed: bool,
    /// Something the colourist should read (a snapshot missing, a write
    /// that failed).
    pub notice: Option<String>,
}

pub struct GradeSession {
    live: Look,
    bypass: bool,
    comparing: bool,
    reference: Option<Look>,
    undo: Vec<Look>,
    redo: Vec<Look>,
    gesture: Option<(Param, Instant)>,
    snapshots: BTreeMap<u8, Look>,
    snapshot_dir: Option<PathBuf>,
    autosave: Option<PathBuf>,
    dirty_since: Option<Instant>,
}

impl GradeSession {
    pub fn new(look: Look, snapshot_dir: Option<PathBuf>, autosave: Option<PathBuf>) -> Self {
        GradeSession {
            live: look,
            bypass: false,
            comparing: false,
            reference: None,
            undo: Vec::new(),
            redo: Vec::new(),
            gesture: None,
            snapshots: BTreeMap::new(),
            snapshot_dir,
            autosave,
            dirty_since: None,
        }
    }

    pub fn live(&self) -> &Look {
        &self.live
    }

    pub fn panel(&self) -> PanelState {
        PanelState {
            bypass: self.bypass,
            compare: self.comparing,
        }
    }

    /// The look the picture is graded with.
    pub fn shown(&self) -> Look {
        if self.comparing {
            if let Some(reference) = &self.reference {
                return reference.clone();
            }
        }
        if self.bypass {
            return ungraded(&self.live);
        }
        self.live.clone()
    }

    /// Applies a command (the mapper's own actions, fine and banks, are not
    /// the session's and are ignored here).
    pub fn apply(&mut self, command: Command, now: Instant) -> Outcome {
        match command {
            Command::Set { param, value } => self.edit(param, now, |look| {
                param.set(look, value);
            }),
            Command::Nudge { param, delta } => self.edit(param, now, |look| {
                let v = param.get(look);
                param.set(look, v + delta);
            }),
            Command::Action(action) => self.action(action, now),
            Command::Learned(_) | Command::FineReleased => Outcome::default(),
        }
    }

    /// Applies a mapper's command: its own actions (fine mode, banks,
    /// learn) go back to `mapper`, the rest to the session. `Learned` is
    /// the caller's to handle.
    pub fn dispatch(&mut self, mapper: &mut Mapper, command: Command, now: Instant) -> Outcome {
        match command {
            Command::Action(action) if mapper.apply_own(action) => Outcome::default(),
            Command::FineReleased => {
                mapper.release_fine();
                Outcome::default()
            }
            command => self.apply(command, now),
        }
    }

    /// Sets all three channels of a key (OSC with three arguments).
    pub fn set_all(&mut self, param: Param, values: [f32; 3], now: Instant) -> Outcome {
        self.edit(param, now, |look| param.set_all(look, values))
    }

    /// A change of one parameter, grouped into gestures for undo.
    fn edit(&mut self, param: Param, now: Instant, change: impl FnOnce(&mut Look)) -> Outcome {
        let mut next = self.live.clone();
        change(&mut next);
        if next == self.live {
            return Outcome::default();
        }
        let same_gesture = self
            .gesture
            .is_some_and(|(p, at)| p == param && now.duration_since(at) < GESTURE_GAP);
        if !same_gesture {
            self.push_undo();
        }
        self.gesture = Some((param, now));
        self.replace(next, now)
    }

    /// Makes a whole look live (a still's, recalled from the operator
    /// view): one undo step, and the look it replaces becomes the A/B
    /// reference, as a snapshot recall does.
    pub fn recall_look(&mut self, look: Look, now: Instant) -> Outcome {
        self.gesture = None;
        self.push_undo();
        self.reference = Some(self.live.clone());
        self.replace(look, now)
    }

    /// The A/B reference (the last snapshot stored or recalled).
    pub fn reference(&self) -> Option<&Look> {
        self.reference.as_ref()
    }

    fn push_undo(&mut self) {
        self.undo.push(self.live.clone());
        if self.undo.len() > UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    /// Makes `next` the live look; moving the grade ends an A/B compare.
    fn replace(&mut self, next: Look, now: Instant) -> Outcome {
        self.live = next;
        self.comparing = false;
        self.dirty_since = Some(now);
        Outcome {
            changed: true,
            notice: None,
        }
    }

    fn action(&mut self, action: Action, now: Instant) -> Outcome {
        self.gesture = None;
        match action {
            Action::Bypass => {
                self.bypass = !self.bypass;
                changed()
            }
            Action::Compare => {
                if self.reference.is_none() {
                    return notice("compare: store or recall a snapshot first (it is the B side)");
                }
                self.comparing = !self.comparing;
                changed()
            }
            Action::Undo => match self.undo.pop() {
                Some(previous) => {
                    self.redo.push(self.live.clone());
                    self.replace(previous, now)
                }
                None => notice("undo: nothing to undo"),
            },
            Action::Redo => match self.redo.pop() {
                Some(next) => {
                    self.undo.push(self.live.clone());
                    self.replace(next, now)
                }
                None => notice("redo: nothing to redo"),
            },
            Action::Store(slot) => {
                self.snapshots.insert(slot, self.live.clone());
                self.reference = Some(self.live.clone());
                match self.snapshot_path(slot) {
                    Some(path) => match self.live.save(&path) {
                        Ok(()) => notice(&format!("snapshot {slot} stored in {}", path.display())),
                        Err(e) => notice(&format!(
                            "snapshot {slot} kept for this run only: cannot write {}: {e}",
                            path.display()
                        )),
                    },
                    None => notice(&format!("snapshot {slot} stored (this run only)")),
                }
            }
            Action::Recall(slot) => {
                let look = match self.snapshots.get(&slot) {
                    Some(look) => look.clone(),
                    None => match self.snapshot_path(slot).filter(|p| p.is_file()) {
                        Some(path) => match Look::load(&path) {
                            Ok(look) => look,
                            Err(e) => return notice(&format!("recall {slot}: {e}")),
                        },
                        None => {
                            return notice(&format!(
                                "recall {slot}: no snapshot stored in slot {slot}"
                            ))
                        }
                    },
                };
                self.push_undo();
                self.reference = Some(self.live.clone());
                self.replace(look, now)
            }
            Action::ResetParam(param) => {
                let mut next = self.live.clone();
                param.reset(&mut next);
                self.commit(next, now)
            }
            Action::ResetSection(section) => {
                let mut next = self.live.clone();
                section.reset(&mut next);
                self.commit(next, now)
            }
            Action::PointObject(point) => {
                let mut next = self.live.clone();
                match next
                    .secondaries
                    .iter_mut()
                    .find(|s| s.enabled && s.reads_object())
                {
                    Some(s) => s.point = Some(point.map(|v| v.clamp(0.0, 1.0))),
                    None => {
                        return notice(
                            "no secondary masks an object: add one with mask = \"object\"",
                        )
                    }
                }
                self.commit(next, now)
            }
            Action::SelectFace(face) => {
                let mut next = self.live.clone();
                let mut faces = next
                    .secondaries
                    .iter_mut()
                    .filter(|s| s.enabled && s.reads_faces())
                    .peekable();
                if faces.peek().is_none() {
                    return notice("no secondary grades a face mask (face, skin, eyes, lips, under-eyes, shine)");
                }
                faces.for_each(|s| s.face = face);
                self.commit(next, now)
            }
            // The mapper's own (fine mode, banks, learn).
            Action::FineHold
            | Action::FineToggle
            | Action::BankNext
            | Action::BankPrev
            | Action::Bank(_)
            | Action::Learn
            // Proposals live beside the session (link.rs); accepting one
            // comes back as a recall.
            | Action::Propose
            | Action::Accept
            | Action::Reject
            | Action::Match(_) => Outcome::default(),
        }
    }

    /// A one-step change (reset): its own undo step.
    fn commit(&mut self, next: Look, now: Instant) -> Outcome {
        if next == self.live {
            return Outcome::default();
        }
        self.push_undo();
        self.replace(next, now)
    }

    fn snapshot_path(&self, slot: u8) -> Option<PathBuf> {
        self.snapshot_dir
            .as_ref()
            .map(|d| d.join(format!("snapshot-{slot}.toml")))
    }

    /// Writes the autosave when changes have settled (or at once with
    /// `force`). Returns an error message to report, once per failure.
    pub fn autosave(&mut self, now: Instant, force: bool) -> Option<String> {
        let since = self.dirty_since?;
        if !force && now.duration_since(since) < AUTOSAVE_SETTLE {
            return None;
        }
        self.dirty_since = None;
        let path = self.autosave.as_ref()?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        self.live
            .save(path)
            .err()
            .map(|e| format!("autosave to {} failed: {e}", path.display()))
    }

    /// Writes the live look to `path` (atomically).
    pub fn save_to(&self, path: &Path) -> std::io::Result<()> {
        self.live.save(path)
    }
}

fn changed() -> Outcome {
    Outcome {
        changed: true,
        notice: None,
    }
}

fn notice(text: &str) -> Outcome {
    Outcome {
        changed: false,
        notice: Some(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gestures_undo_as_one_and_bypass_keeps_transforms() {
        let exposure = Param::parse("primary/exposure").unwrap();
        let t0 = Instant::now();
        let mut s = GradeSession::new(Look::default(), None, None);
        for (i, v) in [0.1, 0.2, 0.3].into_iter().enumerate() {
            let at = t0 + Duration::from_millis(10 * i as u64);
            s.apply(
                Command::Set {
                    param: exposure,
                    value: v,
                },
                at,
            );
        }
        let later = t0 + Duration::from_secs(2);
        s.apply(
            Command::Set {
                param: exposure,
                value: 0.5,
            },
            later,
        );
        s.apply(Command::Action(Action::Undo), later);
        assert!((s.live().primary.exposure - 0.3).abs() < 1e-6);
        s.apply(Command::Action(Action::Undo), later);
        assert_eq!(s.live().primary.exposure, 0.0);
        s.apply(Command::Action(Action::Redo), later);
        assert!((s.live().primary.exposure - 0.3).abs() < 1e-6);
        s.apply(Command::Action(Action::Bypass), later);
        assert_eq!(s.shown().primary.exposure, 0.0);
        assert!((s.live().primary.exposure - 0.3).abs() < 1e-6);
    }

    #[test]
    fn a_face_selection_narrows_the_face_secondaries_and_undoes() {
        use crate::grade::secondary::{MaskKind, Secondary};
        let look = Look {
            secondaries: vec![
                Secondary::new(MaskKind::Skin),
                Secondary::new(MaskKind::Background),
                Secondary::new(MaskKind::Eyes),
            ],
            ..Look::default()
        };
        let faces = |s: &GradeSession| {
            s.live()
                .secondaries
                .iter()
                .map(|s| s.face)
                .collect::<Vec<_>>()
        };
        let at = Instant::now();
        let mut s = GradeSession::new(look, None, None);
        s.apply(Command::Action(Action::SelectFace(Some(4))), at);
        assert_eq!(faces(&s), [Some(4), None, Some(4)]);
        s.apply(
            Command::Action(Action::SelectFace(None)),
            at + Duration::from_secs(2),
        );
        assert_eq!(faces(&s), [None; 3]);
        s.apply(Command::Action(Action::Undo), at + Duration::from_secs(3));
        assert_eq!(faces(&s), [Some(4), None, Some(4)]);
        let mut background = GradeSession::new(
            Look {
                secondaries: vec![Secondary::new(MaskKind::Background)],
                ..Look::default()
            },
            None,
            None,
        );
        let outcome = background.apply(Command::Action(Action::SelectFace(Some(1))), at);
        assert!(!outcome.changed);
        assert!(outcome
            .notice
            .unwrap()
            .contains("no secondary grades a face mask"));
    }

    #[test]
    fn the_ungraded_picture_has_no_secondaries_or_atmosphere() {
        let mut look = Look::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/config/looks/logc3-rec709.toml"
        )))
        .unwrap();
        look.secondaries = vec![crate::grade::secondary::Secondary::new(
            crate::grade::secondary::MaskKind::Skin,
        )];
        look.atmosphere = Some(crate::grade::atmosphere::AtmosphereSection {
            haze: [0.7, 0.75, 0.8],
            density: 2.0,
            start: 0.1,
            defocus: 0.5,
            focus: 0.3,
        });
        let bare = ungraded(&look);
        assert!(bare.secondaries.is_empty() && bare.atmosphere.is_none());
        assert_eq!(bare.input, look.input, "the camera decode stays");
    }
}
