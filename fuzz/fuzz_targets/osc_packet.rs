//! Any bytes as an OSC packet, as the control thread takes them: decoded
//! (rosc), every message interpreted against the look's keys and applied
//! to a grade session. No panic, error replies stay short, and the live
//! look stays valid whatever a client sends.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neurograde::control::mapping::{Command, Mapper};
use neurograde::control::osc::{interpret, OscCommand};
use neurograde::control::profile::Profile;
use neurograde::control::session::GradeSession;
use neurograde::grade::secondary::{MaskKind, Secondary};
use neurograde::grade::Look;
use rosc::{OscMessage, OscPacket};
use std::time::Instant;

fn messages(packet: OscPacket, out: &mut Vec<OscMessage>) {
    match packet {
        OscPacket::Message(m) => out.push(m),
        OscPacket::Bundle(b) => b.content.into_iter().for_each(|p| messages(p, out)),
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Ok((_, packet)) = rosc::decoder::decode_udp(bytes) else {
        return;
    };
    let mut all = Vec::new();
    messages(packet, &mut all);
    let look = Look {
        secondaries: vec![Secondary::new(MaskKind::Skin)],
        ..Look::default()
    };
    let mut session = GradeSession::new(look, None, None);
    let mut mapper = Mapper::new(Profile::empty("fuzz", None), Vec::new());
    let now = Instant::now();
    for message in all {
        match interpret(&message) {
            Err(e) => assert!(e.len() < 400, "an error of {} bytes", e.len()),
            Ok(OscCommand::Set { param, values }) if param.exists(session.live()) => {
                if let [r, g, b] = values[..] {
                    session.set_all(param, [r, g, b], now);
                } else {
                    let command = Command::Set {
                        param,
                        value: values[0],
                    };
                    session.dispatch(&mut mapper, command, now);
                }
            }
            Ok(OscCommand::Action(action)) => {
                // Snapshots would touch the disk: not part of this target.
                let disk = matches!(
                    action,
                    neurograde::control::profile::Action::Store(_)
                        | neurograde::control::profile::Action::Recall(_)
                );
                if !disk {
                    session.dispatch(&mut mapper, Command::Action(action), now);
                }
            }
            Ok(_) => {}
        }
    }
    session
        .live()
        .validate("fuzzed")
        .expect("the live look stays valid");
});
