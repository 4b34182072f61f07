//! The model store: the models `make test` fetched (PyPI wheels converted by
//! tflite2onnx, and the offline mirror) open in ONNX Runtime with the inputs
//! the manifest declares; `models verify|fetch` on a damaged cache say what
//! is wrong and repair it.

mod common;

use common::*;
use neurograde::analysis::runtime::Runtime;
use neurograde::analysis::store::{ModelStore, Status};
use std::path::Path;

#[test]
fn every_fetched_model_opens_with_the_declared_input() {
    let store = ModelStore::open_default().unwrap();
    let runtime = Runtime::load_default().expect("ONNX Runtime (run scripts/setup)");
    for model in store.models.iter().filter(|m| !m.optional) {
        assert_eq!(
            store.status(model).unwrap(),
            Status::Verified,
            "{}: run `neurograde models fetch` (make test does)",
            model.name
        );
        runtime
            .open_from_store(&store, model, 1)
            .unwrap_or_else(|e| panic!("{}: {e}", model.name));
    }
}

#[test]
fn a_model_with_another_input_is_refused() {
    // The depth model with its entry's input shape changed: the file's hash
    // matches, its input does not.
    let real = ModelStore::open_default().unwrap();
    let depth = real.model("depth").unwrap();
    let mut entry = depth.clone();
    entry.input.shape = vec![1, 3, 256, 256];
    let runtime = Runtime::load_default().unwrap();
    let Err(err) = runtime.open_from_store(&real, &entry, 1) else {
        panic!("a different input shape is refused")
    };
    let err = err.to_string();
    assert!(
        err.contains("input `input` [1, 3, 256, 256] expected") && err.contains("192, 320"),
        "{err}"
    );
}

/// Runs the binary with its cache in `cache`.
fn models_cli(cache: &Path, args: &[&str], mirror: Option<&Path>) -> Outcome {
    let mut command = bin();
    command
        .arg("models")
        .args(args)
        .env("NEUROGRADE_CACHE", cache)
        .env_remove("NEUROGRADE_MIRROR");
    if let Some(m) = mirror {
        command.env("NEUROGRADE_MIRROR", m);
    }
    outcome(&mut command)
}

#[test]
fn verify_names_what_is_wrong_and_fetch_repairs_it_from_the_mirror() {
    let cache = tempfile::tempdir().unwrap();
    let models = cache.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    // The converted face models and the object model from the real cache
    // (fetching them again would run pip and tflite2onnx); the mirror
    // models are left out or damaged.
    let real = ModelStore::open_default().unwrap();
    for name in ["face-short", "face-full", "face-mesh", "object"] {
        let m = real.model(name).unwrap();
        std::fs::copy(real.path(m), models.join(&m.file)).unwrap();
    }
    std::fs::write(
        models.join("tcmonodepth_tcsmallnet_192x320.onnx"),
        b"truncated",
    )
    .unwrap();

    let o = models_cli(cache.path(), &["verify"], None);
    assert_clear_error(&o, "models selfie, depth are missing or damaged");
    assert!(o.stderr.contains("neurograde models fetch"), "{}", o.stderr);
    assert!(o.stdout.contains("depth: SHA-256"), "{}", o.stdout);
    assert!(o.stdout.contains("selfie: missing"), "{}", o.stdout);

    // Without the mirror, the models with no registry source cannot come.
    let o = models_cli(cache.path(), &["fetch"], None);
    assert_clear_error(&o, "selfie_segmentation.onnx has no registry source");
    assert!(o.stderr.contains("NEUROGRADE_MIRROR"), "{}", o.stderr);

    let o = models_cli(cache.path(), &["fetch"], Some(&mirror()));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o
        .stdout
        .contains("depth: tcmonodepth_tcsmallnet_192x320.onnx (from mirror)"));
    let o = models_cli(cache.path(), &["verify"], None);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("rvm: not fetched (optional"),
        "{}",
        o.stdout
    );

    let o = models_cli(cache.path(), &["fetch", "--with", "yolo"], None);
    assert_clear_error(&o, "no model named `yolo`");
}
