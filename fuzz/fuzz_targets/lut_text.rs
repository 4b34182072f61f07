//! Any text as a .cube and as a .spi3d file: the parsers never panic, and
//! what they accept is a well-formed LUT (its table has the entries its
//! size declares, every value finite, a domain that is not empty) that
//! samples without panicking and survives a .cube round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neurograde::grade::lut::{cube_title, parse_cube, parse_spi3d, Interpolation, Lut};
use std::path::Path;

fn check(lut: &Lut) {
    let (table, min, max) = match lut {
        Lut::OneD(l) => (&l.table, l.domain_min, l.domain_max),
        Lut::ThreeD(l) => {
            assert_eq!(l.table.len(), l.size.pow(3), "3D table size");
            (&l.table, l.domain_min, l.domain_max)
        }
    };
    assert!(!table.is_empty());
    assert!(table.iter().flatten().all(|v| v.is_finite()));
    assert!((0..3).all(|c| min[c] < max[c]), "domain {min:?}..{max:?}");
    for probe in [[0.0f32; 3], [0.5; 3], [1.0; 3], [-1.0, 2.0, 0.3]] {
        for i in [Interpolation::Tetrahedral, Interpolation::Trilinear] {
            let _ = lut.apply(probe, i);
        }
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(lut) = parse_cube(text, Path::new("fuzz.cube")) {
        check(&lut);
        if let Lut::ThreeD(l) = &lut {
            let again =
                parse_cube(&l.to_cube(), Path::new("again.cube")).expect("a written .cube parses");
            let Lut::ThreeD(again) = again else {
                panic!("a 3D LUT came back 1D");
            };
            assert_eq!(again.size, l.size);
            // Resolve's shaped form has no TITLE keyword: the title is
            // written as a comment there, and a comment is not read back.
            let title = if l.shaper.is_some() {
                String::new()
            } else {
                cube_title(&l.title)
            };
            assert_eq!(again.title.trim(), title.trim());
            assert_eq!(
                (again.domain_min, again.domain_max),
                (l.domain_min, l.domain_max)
            );
            // Values are written with 7 decimals.
            for (a, b) in again.table.iter().flatten().zip(l.table.iter().flatten()) {
                assert!((a - b).abs() <= 5e-8 + 1e-6 * b.abs(), "{a} vs {b}");
            }
        }
    }
    if let Ok(lut) = parse_spi3d(text, Path::new("fuzz.spi3d")) {
        check(&Lut::ThreeD(lut));
    }
});
