//! ONNX Runtime, as fetched by the set-up, loads and opens a real model.

mod common;

use common::mirror;
use neurograde::analysis::runtime::Runtime;
use neurograde::analysis::AnalysisError;
use std::path::Path;

#[test]
fn runtime_loads_and_opens_the_person_matte_model() {
    let runtime =
        Runtime::load_default().expect("ONNX Runtime from the set-up's cache (run scripts/setup)");
    let model = mirror().join("selfie_segmentation.onnx");
    assert!(
        model.exists(),
        "{} missing: set NEUROGRADE_MIRROR to the model mirror",
        model.display()
    );
    let session = runtime.open_model(&model, 1).expect("the model opens");
    let inputs: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
    assert_eq!(inputs, ["input_1:0"]);
}

#[test]
fn missing_runtime_and_model_are_clear_errors() {
    let err = Runtime::load(Path::new("/nonexistent/libonnxruntime.so"))
        .err()
        .unwrap();
    assert!(matches!(err, AnalysisError::RuntimeMissing { .. }));
    assert!(err.to_string().contains("scripts/setup"), "{err}");
    let runtime = Runtime::load_default().expect("runtime");
    let err = runtime
        .open_model(Path::new("/nonexistent/model.onnx"), 1)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("/nonexistent/model.onnx") && err.contains("not found"),
        "{err}"
    );
}
