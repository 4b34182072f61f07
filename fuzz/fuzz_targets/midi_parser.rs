//! Any bytes through the MIDI parser, the 14-bit / NRPN decoder, the
//! generic profile's mapping and the grade session: no panic, and the look
//! stays valid whatever a panel (or a broken cable) sends.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neurograde::control::mapping::Mapper;
use neurograde::control::midi::{ControlDecoder, MidiParser};
use neurograde::control::profile::Profile;
use neurograde::control::session::GradeSession;
use neurograde::grade::Look;
use std::time::Instant;

const GENERIC: &str = include_str!("../../config/controllers/generic.toml");

fuzz_target!(|bytes: &[u8]| {
    let profile: Profile = toml::from_str(GENERIC).expect("the shipped profile parses");
    let bindings = profile
        .check(std::path::Path::new("generic.toml"))
        .expect("and checks");
    let mut mapper = Mapper::new(profile, bindings);
    let mut parser = MidiParser::new();
    let mut decoder = ControlDecoder::new(mapper.cc14_controls());
    let mut session = GradeSession::new(Look::default(), None, None);
    let now = Instant::now();
    // Chunked as a port would deliver it: split at every 0xF7.
    for chunk in bytes.split_inclusive(|b| *b == 0xF7) {
        let mut events = Vec::new();
        for m in parser.parse(chunk) {
            decoder.decode(m, |e| events.push(e));
        }
        decoder.flush(|e| events.push(e));
        for e in events {
            for c in mapper.handle(e, session.live()) {
                session.dispatch(&mut mapper, c, now);
            }
            let _ = mapper.feedback(session.live(), session.panel());
        }
    }
    session
        .live()
        .validate("fuzzed")
        .expect("the live look stays valid");
});
