//! MIDI learn: touch a parameter, move a control, the binding is written.
//!
//! How it works: [`infer`] reads the messages a control sent while it was
//! moved (a burst of about half a second) and says what it is: pitch bend
//! (a motor fader), a note (a button), NRPN / RPN (CC 99/98 or 101/100
//! then data entry), a 14-bit pair (CC n and n + 32), a relative encoder
//! (a step value sent again and again, read in the encoding whose step
//! values it uses), or a plain absolute CC. [`learn_into`] puts the
//! binding in the profile, replacing what that control did in that bank,
//! and writes the profile atomically. `neurograde midi learn` and the
//! in-app learn (`/learn PATH` over OSC, or a `learn` button, then move a
//! control) both end here.

use super::midi::{MidiMessage, Relative};
use super::profile::{BindingSpec, Feedback, Profile, ProfileError};
use std::path::Path;

/// What a control is, from the messages it sent while moved; `None` when
/// nothing usable came.
pub fn infer(messages: &[MidiMessage]) -> Option<BindingSpec> {
    let mut spec = BindingSpec {
        pickup: true,
        ..BindingSpec::default()
    };
    let ccs: Vec<(u8, u8, u8)> = messages
        .iter()
        .filter_map(|m| match *m {
            MidiMessage::ControlChange {
                channel,
                controller,
                value,
            } => Some((channel, controller, value)),
            _ => None,
        })
        .collect();
    let first = messages.iter().find(|m| {
        matches!(
            m,
            MidiMessage::ControlChange { .. }
                | MidiMessage::PitchBend { .. }
                | MidiMessage::NoteOn { .. }
        )
    })?;
    match *first {
        MidiMessage::PitchBend { channel, .. } => {
            spec.channel = Some(channel + 1);
            spec.pitch_bend = true;
            // Pitch-bend faders are Mackie Control motor faders: move them.
            spec.feedback = Feedback::Value;
        }
        MidiMessage::NoteOn { channel, note, .. } => {
            spec.channel = Some(channel + 1);
            spec.note = Some(note);
        }
        MidiMessage::ControlChange { channel, .. } => {
            spec.channel = Some(channel + 1);
            let on_channel: Vec<(u8, u8)> = ccs
                .iter()
                .filter(|c| c.0 == channel)
                .map(|c| (c.1, c.2))
                .collect();
            let value_of = |cc: u8| on_channel.iter().rev().find(|c| c.0 == cc).map(|c| c.1);
            let number = |msb: u8, lsb: u8| {
                Some((u16::from(value_of(msb)?) << 7) | u16::from(value_of(lsb)?))
            };
            if let Some(n) = number(99, 98) {
                spec.nrpn = Some(n);
            } else if let Some(n) = number(101, 100) {
                spec.rpn = Some(n);
            } else {
                let controller = on_channel[0].0;
                let values: Vec<u8> = on_channel
                    .iter()
                    .filter(|c| c.0 == controller)
                    .map(|c| c.1)
                    .collect();
                if controller < 32 && on_channel.iter().any(|c| c.0 == controller + 32) {
                    spec.cc14 = Some(controller);
                } else {
                    spec.cc = Some(controller);
                    spec.relative = relative_encoding(&values);
                    if spec.relative.is_some() {
                        spec.feedback = Feedback::Value;
                    }
                }
            }
        }
        _ => return None,
    }
    Some(spec)
}

/// A relative encoder sends the same small step again and again; an
/// absolute control sends a new position each message.
fn relative_encoding(values: &[u8]) -> Option<Relative> {
    let repeats = values.windows(2).filter(|w| w[0] == w[1]).count();
    // Absolute controls send on change, so they never repeat a value.
    if values.len() < 3 || repeats == 0 {
        return None;
    }
    let all = |ok: &dyn Fn(u8) -> bool| values.iter().all(|v| ok(*v));
    if all(&|v| (1..=15).contains(&v) || (113..=127).contains(&v)) {
        Some(Relative::TwosComplement)
    } else if all(&|v| (1..=15).contains(&v) || (65..=79).contains(&v)) {
        Some(Relative::SignMagnitude)
    } else if all(&|v| (49..=79).contains(&v) && v != 64) {
        Some(Relative::BinaryOffset)
    } else {
        None
    }
}

/// Puts `binding` in the profile at `path` (replacing whatever the same
/// control did in the same bank) and writes the file atomically.
pub fn learn_into(path: &Path, binding: BindingSpec) -> Result<Profile, ProfileError> {
    let (mut profile, _) = Profile::load(path)?;
    let same_control = |b: &BindingSpec| {
        (
            b.channel.unwrap_or(1),
            b.cc,
            b.cc14,
            b.nrpn,
            b.rpn,
            b.pitch_bend,
            b.note,
            b.bank,
        ) == (
            binding.channel.unwrap_or(1),
            binding.cc,
            binding.cc14,
            binding.nrpn,
            binding.rpn,
            binding.pitch_bend,
            binding.note,
            binding.bank,
        )
    };
    profile.bindings.retain(|b| !same_control(b));
    profile.bindings.push(binding);
    profile.check(path)?;
    profile.save(path)?;
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(controller: u8, value: u8) -> MidiMessage {
        MidiMessage::ControlChange {
            channel: 0,
            controller,
            value,
        }
    }

    #[test]
    fn controls_are_recognised_from_their_messages() {
        let fader: Vec<_> = (40..60).map(|v| cc(7, v)).collect();
        let spec = infer(&fader).unwrap();
        assert_eq!((spec.cc, spec.relative), (Some(7), None));
        let encoder: Vec<_> = [1, 1, 2, 1, 1].iter().map(|v| cc(16, *v)).collect();
        assert_eq!(
            infer(&encoder).unwrap().relative,
            Some(Relative::TwosComplement)
        );
        let vpot: Vec<_> = [0x41, 0x41, 0x42, 0x41]
            .iter()
            .map(|v| cc(16, *v))
            .collect();
        assert_eq!(
            infer(&vpot).unwrap().relative,
            Some(Relative::SignMagnitude)
        );
        let wide = [cc(3, 10), cc(35, 5), cc(3, 11), cc(35, 0)];
        assert_eq!(infer(&wide).unwrap().cc14, Some(3));
        let nrpn = [cc(99, 1), cc(98, 2), cc(6, 64), cc(38, 0)];
        assert_eq!(infer(&nrpn).unwrap().nrpn, Some(130));
        let bend = [MidiMessage::PitchBend {
            channel: 2,
            value: 9000,
        }];
        let spec = infer(&bend).unwrap();
        assert!(spec.pitch_bend && spec.channel == Some(3));
        assert_eq!(
            infer(&[MidiMessage::ProgramChange {
                channel: 0,
                program: 1
            }]),
            None
        );
    }
}
