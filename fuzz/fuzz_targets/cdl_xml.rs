//! Any text as ASC CDL XML (.cc / .ccc / .cdl): the parser never panics
//! or overflows its stack, and what it accepts writes back to XML that
//! parses to the same corrections, in every form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neurograde::grade::cdl_xml::{parse, to_xml, CdlFormat};
use std::path::Path;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(corrections) = parse(text, Path::new("fuzz.ccc")) else {
        return;
    };
    assert!(!corrections.is_empty());
    for format in [CdlFormat::Ccc, CdlFormat::Cdl] {
        let xml = to_xml(&corrections, format);
        let again = parse(&xml, Path::new("again.ccc")).expect("written XML parses");
        assert_eq!(again.len(), corrections.len());
        for (a, b) in again.iter().zip(&corrections) {
            assert_eq!(a.cdl, b.cdl);
            // Control characters XML cannot carry become spaces.
            let clean = |s: &Option<String>| {
                s.as_ref().map(|s| {
                    s.chars()
                        .map(|c| if c.is_control() { ' ' } else { c })
                        .collect::<String>()
                })
            };
            assert_eq!(clean(&a.id), clean(&b.id));
        }
    }
});
