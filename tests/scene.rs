//! The scene-referred grade end to end: published code values through the
//! whole pipeline, and precise errors for bad names. (GPU against the CPU
//! reference for every transform: tests/operators.rs.)

use neurograde::grade::reference::grade_pixel;
use neurograde::grade::Look;
use std::path::Path;

fn look(toml: &str) -> Look {
    Look::parse(toml, Path::new("test.toml")).unwrap()
}

#[test]
fn published_grey_code_values_come_out_as_18_percent() {
    // Each camera's 18% grey code value (see transfer.rs), through the whole
    // neutral pipeline to scene-linear Rec. 709: grey stays 0.18.
    let grey = [
        ("arri-logc3", 0.391_007),
        ("arri-logc4", 0.278_396),
        ("sony-slog3-sgamut3cine", 420.0 / 1023.0),
        ("panasonic-vlog", 0.423_311),
        ("canon-clog3", 0.343_389),
        ("red-log3g10-rwg", 1.0 / 3.0),
        ("acescct", 0.413_588_4),
        ("srgb", 0.461_356),
    ];
    for (input, code) in grey {
        let l = look(&format!(
            "[input]\ntransform = \"{input}\"\n[output]\ntransform = \"linear\"\n"
        ));
        let out = grade_pixel([code; 3], &l);
        for c in out {
            assert!((c - 0.18).abs() < 2e-4, "{input}: {code} -> {out:?}");
        }
    }
}

#[test]
fn bad_transform_names_and_exposure_indices_are_precise_errors() {
    let err = Look::parse(
        "[input]\ntransform = \"arri-logc9\"\n",
        Path::new("shot.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("shot.toml")
            && err.contains("line 2")
            && err.contains("arri-logc9")
            && err.contains("arri-logc3"),
        "{err}"
    );
    let l = look("[input]\ntransform = \"arri-logc3\"\nei = 777\n");
    let err = l.validate("shot.toml").unwrap_err().to_string();
    assert!(
        err.contains("input.ei") && err.contains("777") && err.contains("1600"),
        "{err}"
    );
    let l = look("[input]\ntransform = \"sony-slog3-sgamut3cine\"\nei = 800\n");
    assert!(l
        .validate("shot.toml")
        .unwrap_err()
        .to_string()
        .contains("arri-logc3 only"));
}
