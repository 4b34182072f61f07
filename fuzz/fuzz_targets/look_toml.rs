//! Any text as a look file: parsing and validation never panic; a look
//! that validates builds its GPU parameters and CPU reference (no panic),
//! and saves to TOML that loads back to the same look.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neurograde::gpu::grade::GradeUniforms;
use neurograde::grade::reference::Grader;
use neurograde::grade::Look;
use std::path::Path;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(look) = Look::parse(text, Path::new("fuzz.toml")) else {
        return;
    };
    if look.validate("fuzz.toml").is_err() || look.lut.is_some() {
        // (A LUT file would be read from disk: not part of this target.)
        return;
    }
    let _ = GradeUniforms::from_look(&look);
    let grader = Grader::new(&look);
    for v in [0.0f32, 0.18, 0.5, 1.0] {
        let _ = grader.pixel([v, v * 0.5, 1.0 - v]);
    }
    let saved = toml::to_string(&look).expect("a valid look serialises");
    let again = Look::parse(&saved, Path::new("again.toml")).expect("a saved look parses");
    again.validate("again.toml").expect("and validates");
    assert_eq!(again, look, "the TOML round trip");
});
