//! MIDI bytes to control events: a byte-stream parser and a decoder for
//! 14-bit controllers, NRPN / RPN, pitch bend and notes.
//!
//! How it works: [`MidiParser`] takes bytes as they come off a port or out
//! of a file, in any chunking, and yields whole channel messages. It follows
//! the MIDI 1.0 Detailed Specification (4.2, 1996): running status (a data
//! byte after a complete message repeats the last channel status), real-time
//! bytes (0xF8-0xFF) may appear anywhere, even inside another message, and
//! leave it intact; System Exclusive (0xF0 ... 0xF7) is skipped as a block;
//! system common messages cancel running status. A status byte that cuts a
//! message short drops the partial message and counts it in
//! [`MidiParser::errors`]; nothing panics whatever the bytes.
//!
//! [`ControlDecoder`] turns messages into [`ControlEvent`]s, one per control
//! moved. CC 0-31 paired with CC 32-63 become one 14-bit value for the
//! controllers a profile declares as 14-bit (the MSB resets the LSB to zero,
//! as the spec asks; the MSB is held until its LSB or any other message
//! arrives, so a fader never dips to the bottom of an MSB step). CC 99/98 (NRPN) and 101/100 (RPN) select a parameter that data
//! entry (CC 6 / 38) sets and data increment / decrement (CC 96 / 97) steps.
//! Pitch bend (a motor fader on Mackie Control surfaces) is a 14-bit value
//! per channel. Relative encoders send plain CCs; [`Relative`] reads their
//! value in the three common encodings.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// One MIDI channel message (channel 0-15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MidiMessage {
    NoteOff {
        channel: u8,
        note: u8,
        velocity: u8,
    },
    NoteOn {
        channel: u8,
        note: u8,
        velocity: u8,
    },
    PolyPressure {
        channel: u8,
        note: u8,
        value: u8,
    },
    ControlChange {
        channel: u8,
        controller: u8,
        value: u8,
    },
    ProgramChange {
        channel: u8,
        program: u8,
    },
    ChannelPressure {
        channel: u8,
        value: u8,
    },
    /// 0-16383, centre 8192.
    PitchBend {
        channel: u8,
        value: u16,
    },
}

impl MidiMessage {
    /// The message as MIDI bytes (full status, no running status).
    pub fn to_bytes(self) -> Vec<u8> {
        match self {
            MidiMessage::NoteOff {
                channel,
                note,
                velocity,
            } => vec![0x80 | channel, note, velocity],
            MidiMessage::NoteOn {
                channel,
                note,
                velocity,
            } => vec![0x90 | channel, note, velocity],
            MidiMessage::PolyPressure {
                channel,
                note,
                value,
            } => vec![0xA0 | channel, note, value],
            MidiMessage::ControlChange {
                channel,
                controller,
                value,
            } => vec![0xB0 | channel, controller, value],
            MidiMessage::ProgramChange { channel, program } => vec![0xC0 | channel, program],
            MidiMessage::ChannelPressure { channel, value } => vec![0xD0 | channel, value],
            MidiMessage::PitchBend { channel, value } => {
                vec![
                    0xE0 | channel,
                    (value & 0x7F) as u8,
                    (value >> 7) as u8 & 0x7F,
                ]
            }
        }
    }
}

/// A stateful MIDI byte-stream parser; see the module comment.
#[derive(Debug, Default)]
pub struct MidiParser {
    /// The channel status in force (running status), if any.
    running: Option<u8>,
    /// Data bytes of the message being read.
    data: [u8; 2],
    len: usize,
    in_sysex: bool,
    /// A system common message's data bytes still to skip.
    skip: usize,
    errors: u64,
}

/// Data bytes a channel status takes.
fn data_len(status: u8) -> usize {
    match status & 0xF0 {
        0xC0 | 0xD0 => 1,
        _ => 2,
    }
}

impl MidiParser {
    pub fn new() -> MidiParser {
        MidiParser::default()
    }

    /// Bytes that could not be used: data with no status, messages cut short.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Feeds bytes (in any chunking); returns the messages they complete.
    pub fn parse(&mut self, bytes: &[u8]) -> Vec<MidiMessage> {
        bytes.iter().filter_map(|&b| self.byte(b)).collect()
    }

    fn byte(&mut self, b: u8) -> Option<MidiMessage> {
        match b {
            // Real-time: a one-byte message that may arrive anywhere.
            0xF8..=0xFF => None,
            0xF0 => {
                self.cut_short();
                self.in_sysex = true;
                self.running = None;
                None
            }
            0xF7 => {
                self.in_sysex = false;
                None
            }
            0xF1..=0xF6 => {
                // System common: cancels running status; skip its data.
                self.cut_short();
                self.in_sysex = false;
                self.running = None;
                self.skip = match b {
                    0xF1 | 0xF3 => 1,
                    0xF2 => 2,
                    _ => 0,
                };
                None
            }
            0x80..=0xEF => {
                self.cut_short();
                self.in_sysex = false;
                self.skip = 0;
                self.running = Some(b);
                None
            }
            _ if self.in_sysex => None,
            _ if self.skip > 0 => {
                self.skip -= 1;
                None
            }
            data => {
                let Some(status) = self.running else {
                    self.errors += 1;
                    return None;
                };
                self.data[self.len] = data;
                self.len += 1;
                if self.len < data_len(status) {
                    return None;
                }
                self.len = 0;
                Some(message(status, self.data))
            }
        }
    }

    /// A status byte arrived while a message was half read.
    fn cut_short(&mut self) {
        if self.len > 0 {
            self.errors += 1;
            self.len = 0;
        }
    }
}

fn message(status: u8, [a, b]: [u8; 2]) -> MidiMessage {
    let channel = status & 0x0F;
    match status & 0xF0 {
        // Note on with velocity 0 is note off (MIDI 1.0, running-status idiom).
        0x90 if b == 0 => MidiMessage::NoteOff {
            channel,
            note: a,
            velocity: 0,
        },
        0x90 => MidiMessage::NoteOn {
            channel,
            note: a,
            velocity: b,
        },
        0x80 => MidiMessage::NoteOff {
            channel,
            note: a,
            velocity: b,
        },
        0xA0 => MidiMessage::PolyPressure {
            channel,
            note: a,
            value: b,
        },
        0xB0 => MidiMessage::ControlChange {
            channel,
            controller: a,
            value: b,
        },
        0xC0 => MidiMessage::ProgramChange {
            channel,
            program: a,
        },
        0xD0 => MidiMessage::ChannelPressure { channel, value: a },
        _ => MidiMessage::PitchBend {
            channel,
            value: u16::from(a) | (u16::from(b) << 7),
        },
    }
}

/// A physical control on a MIDI surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ControlId {
    /// A 7-bit controller (also relative encoders).
    Cc {
        channel: u8,
        controller: u8,
    },
    /// A 14-bit controller: MSB `controller` (0-31), LSB `controller + 32`.
    Cc14 {
        channel: u8,
        controller: u8,
    },
    Nrpn {
        channel: u8,
        number: u16,
    },
    Rpn {
        channel: u8,
        number: u16,
    },
    PitchBend {
        channel: u8,
    },
    Note {
        channel: u8,
        note: u8,
    },
}

/// A control moved: its new raw position, a relative step or a button.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ControlEvent {
    pub control: ControlId,
    pub input: ControlInput,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ControlInput {
    /// A position `value` out of `max` (127 for 7-bit, 16383 for 14-bit).
    Position { value: u16, max: u16 },
    /// Steps of a data increment / decrement (NRPN / RPN).
    Steps(i32),
    /// A button pressed (`true`) or let go.
    Button(bool),
}

/// NRPN / RPN selection on one channel.
#[derive(Debug, Clone, Copy, Default)]
struct ParameterSelect {
    nrpn: [Option<u8>; 2],
    rpn: [Option<u8>; 2],
    /// Whether the last selected was an RPN (CC 101/100) or an NRPN.
    rpn_last: bool,
    data_msb: u8,
}

impl ParameterSelect {
    fn selected(&self, channel: u8) -> Option<ControlId> {
        let (pair, rpn) = if self.rpn_last {
            (self.rpn, true)
        } else {
            (self.nrpn, false)
        };
        let number = (u16::from(pair[0]?) << 7) | u16::from(pair[1]?);
        // RPN 127/127 is "null": deselects (MIDI 1.0 RP-018 practice).
        if rpn && number == 0x3FFF {
            return None;
        }
        Some(if rpn {
            ControlId::Rpn { channel, number }
        } else {
            ControlId::Nrpn { channel, number }
        })
    }
}

/// Messages to control events; see the module comment.
#[derive(Debug, Default)]
pub struct ControlDecoder {
    /// (channel, MSB controller) pairs read as 14-bit.
    cc14: HashSet<(u8, u8)>,
    msb: [[u8; 32]; 16],
    select: [ParameterSelect; 16],
    /// A 14-bit MSB (CC 0-31 or data entry) waiting for its LSB:
    /// the event as it stands and the (channel, controller) that completes it.
    pending: Option<(ControlEvent, u8, u8)>,
}

impl ControlDecoder {
    /// A decoder that reads the listed (channel, controller 0-31) as 14-bit.
    pub fn new(cc14: impl IntoIterator<Item = (u8, u8)>) -> ControlDecoder {
        ControlDecoder {
            cc14: cc14.into_iter().collect(),
            ..ControlDecoder::default()
        }
    }

    /// Decodes one message. A 14-bit MSB is held until its LSB arrives, or
    /// until any other message or [`Self::flush`] sends it as it stands, so
    /// a fader moving inside one MSB step never jumps to the step's bottom.
    pub fn decode(&mut self, message: MidiMessage, mut out: impl FnMut(ControlEvent)) {
        if let Some((event, channel, lsb)) = self.pending.take() {
            if let MidiMessage::ControlChange {
                channel: c,
                controller,
                value,
            } = message
            {
                if (c, controller) == (channel, lsb) {
                    if let ControlInput::Position { value: v, max } = event.input {
                        out(ControlEvent {
                            input: ControlInput::Position {
                                value: (v & !0x7F) | u16::from(value),
                                max,
                            },
                            ..event
                        });
                        return;
                    }
                }
            }
            out(event);
        }
        let event = |control, input| Some(ControlEvent { control, input });
        let decoded = match message {
            MidiMessage::NoteOn { channel, note, .. } => event(
                ControlId::Note { channel, note },
                ControlInput::Button(true),
            ),
            MidiMessage::NoteOff { channel, note, .. } => event(
                ControlId::Note { channel, note },
                ControlInput::Button(false),
            ),
            MidiMessage::PitchBend { channel, value } => event(
                ControlId::PitchBend { channel },
                ControlInput::Position { value, max: 16383 },
            ),
            MidiMessage::ControlChange {
                channel,
                controller,
                value,
            } => self.control_change(channel, controller, value),
            _ => None,
        };
        if let Some(e) = decoded {
            out(e);
        }
    }

    /// Whether an MSB is held for its LSB.
    pub fn is_holding(&self) -> bool {
        self.pending.is_some()
    }

    /// Sends a held MSB as it stands (call when the input goes quiet).
    pub fn flush(&mut self, mut out: impl FnMut(ControlEvent)) {
        if let Some((event, _, _)) = self.pending.take() {
            out(event);
        }
    }

    fn control_change(&mut self, channel: u8, controller: u8, value: u8) -> Option<ControlEvent> {
        let ch = usize::from(channel & 0x0F);
        let position14 = |msb: u8, lsb: u8| ControlInput::Position {
            value: (u16::from(msb) << 7) | u16::from(lsb),
            max: 16383,
        };
        let select = &mut self.select[ch];
        match controller {
            99 | 98 => {
                select.nrpn[usize::from(99 - controller)] = Some(value);
                select.rpn_last = false;
                None
            }
            101 | 100 => {
                select.rpn[usize::from(101 - controller)] = Some(value);
                select.rpn_last = true;
                None
            }
            6 | 38 | 96 | 97 if select.selected(channel).is_some() => {
                let control = select.selected(channel)?;
                match controller {
                    6 => {
                        select.data_msb = value;
                        let event = ControlEvent {
                            control,
                            input: position14(value, 0),
                        };
                        self.pending = Some((event, channel, 38));
                        None
                    }
                    38 => Some(ControlEvent {
                        control,
                        input: position14(select.data_msb, value),
                    }),
                    96 => Some(ControlEvent {
                        control,
                        input: ControlInput::Steps(1),
                    }),
                    _ => Some(ControlEvent {
                        control,
                        input: ControlInput::Steps(-1),
                    }),
                }
            }
            0..=31 if self.cc14.contains(&(channel, controller)) => {
                self.msb[ch][usize::from(controller)] = value;
                let event = ControlEvent {
                    control: ControlId::Cc14 {
                        channel,
                        controller,
                    },
                    input: position14(value, 0),
                };
                self.pending = Some((event, channel, controller + 32));
                None
            }
            32..=63 if self.cc14.contains(&(channel, controller - 32)) => {
                // A lone LSB: a fine move within the last MSB.
                let msb = self.msb[ch][usize::from(controller - 32)];
                Some(ControlEvent {
                    control: ControlId::Cc14 {
                        channel,
                        controller: controller - 32,
                    },
                    input: position14(msb, value),
                })
            }
            _ => Some(ControlEvent {
                control: ControlId::Cc {
                    channel,
                    controller,
                },
                input: ControlInput::Position {
                    value: u16::from(value),
                    max: 127,
                },
            }),
        }
    }
}

/// How a relative encoder's CC value says which way and how far it turned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relative {
    /// 1..63 up, 127..64 down by 1..64 (value - 128). Behringer "relative 1",
    /// Akai, most DAW controllers.
    TwosComplement,
    /// Bit 6 is the sign (set = down), bits 0-5 the steps: Mackie Control
    /// V-pots (0x01 = one step clockwise, 0x41 = one step back).
    SignMagnitude,
    /// 64 is rest; 65.. up, 63.. down (value - 64). "Binary offset".
    BinaryOffset,
}

impl Relative {
    /// The signed steps a 7-bit value means.
    pub fn steps(self, value: u8) -> i32 {
        let v = i32::from(value & 0x7F);
        match self {
            Relative::TwosComplement => {
                if v >= 64 {
                    v - 128
                } else {
                    v
                }
            }
            Relative::SignMagnitude => {
                if v & 0x40 != 0 {
                    -(v & 0x3F)
                } else {
                    v & 0x3F
                }
            }
            Relative::BinaryOffset => v - 64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(channel: u8, controller: u8, value: u8) -> MidiMessage {
        MidiMessage::ControlChange {
            channel,
            controller,
            value,
        }
    }

    #[test]
    fn running_status_realtime_and_sysex() {
        let mut p = MidiParser::new();
        // CC 7 = 100, then running status CC 7 = 101, a clock byte inside
        // the second message, a SysEx block, then a data byte with no status
        // (SysEx cancels running status).
        let bytes = [0xB0, 7, 100, 7, 0xF8, 101, 0xF0, 0x7E, 0x01, 0xF7, 5];
        assert_eq!(p.parse(&bytes), vec![cc(0, 7, 100), cc(0, 7, 101)]);
        assert_eq!(p.errors(), 1);
        // A note cut short by a new status is dropped and counted.
        assert_eq!(p.parse(&[0x91, 60, 0xB1, 1, 2]), vec![cc(1, 1, 2)]);
        assert_eq!(p.errors(), 2);
        // Byte by byte gives the same as all at once.
        let mut q = MidiParser::new();
        let all: Vec<_> = [0xE3, 0x7F, 0x7F, 0x00, 0x40]
            .iter()
            .flat_map(|b| q.parse(&[*b]))
            .collect();
        assert_eq!(
            all,
            vec![
                MidiMessage::PitchBend {
                    channel: 3,
                    value: 16383
                },
                MidiMessage::PitchBend {
                    channel: 3,
                    value: 8192
                }
            ]
        );
    }

    #[test]
    fn relative_encodings() {
        use Relative::*;
        assert_eq!(
            [1, 63, 127, 64].map(|v| TwosComplement.steps(v)),
            [1, 63, -1, -64]
        );
        assert_eq!(
            [1, 0x41, 0x45, 0].map(|v| SignMagnitude.steps(v)),
            [1, -1, -5, 0]
        );
        assert_eq!(
            [65, 63, 64, 0].map(|v| BinaryOffset.steps(v)),
            [1, -1, 0, -64]
        );
    }
}
