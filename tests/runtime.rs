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

/// `--inference`: where the models run, named in the report, never chosen
/// silently. Without a GPU device (this project's CI) `gpu` is a clear
/// error before the picture starts and `auto` says it runs on the CPU and
/// why; with one, both name the GPU provider.
#[test]
fn inference_names_the_provider_each_model_runs_on() {
    let runtime = Runtime::load_default().expect("ONNX Runtime from the set-up's cache");
    let has_gpu = runtime.require_gpu().is_ok();
    let webgpu = neurograde::assets::webgpu_provider_library();
    let dir = tempfile::tempdir().unwrap();
    let run = |inference: &str| {
        let stats = dir.path().join(format!("{inference}.json"));
        let outcome = common::neurograde(&[
            "run",
            "--source",
            "demo",
            "--size",
            "320x180",
            "--frames",
            "6",
            "--sink",
            "null",
            "--analysis",
            "sync",
            "--analysis-models",
            "faces,matte",
            "--inference",
            inference,
            "--stats-json",
            stats.to_str().unwrap(),
            "--overwrite",
        ]);
        let report = std::fs::read_to_string(&stats)
            .ok()
            .map(|s| serde_json::from_str::<serde_json::Value>(&s).unwrap());
        (outcome, report)
    };
    for inference in ["auto", "cpu", "gpu"] {
        let (outcome, report) = run(inference);
        if inference == "gpu" && !has_gpu {
            common::assert_clear_error(
                &outcome,
                "--inference gpu: ONNX Runtime found no GPU device",
            );
            assert!(report.is_none(), "nothing ran, so nothing was reported");
            continue;
        }
        assert_eq!(outcome.code, 0, "{}", outcome.stderr);
        let report = report.expect("the run wrote its stats");
        let providers = report["analysis"]["providers"].as_array().unwrap().clone();
        assert_eq!(
            providers.len(),
            3,
            "faces (short, full) and the matte: {providers:?}"
        );
        for p in &providers {
            let (provider, why) = (p["provider"].as_str().unwrap(), p["why"].as_str().unwrap());
            println!(
                "--inference {inference}: {} on {provider}: {why}",
                p["model"]
            );
            let on_cpu = provider == "CPUExecutionProvider";
            match inference {
                "cpu" => assert!(on_cpu && why == "--inference cpu", "{p}"),
                _ if has_gpu => assert!(!on_cpu, "{p}"),
                _ => {
                    assert!(
                        on_cpu && why.starts_with("auto: ONNX Runtime found no GPU device"),
                        "{p}"
                    );
                    if webgpu.exists() {
                        assert!(why.contains("the WebGPU provider is registered"), "{p}");
                    }
                }
            }
        }
        assert!(outcome.stdout.contains("run on"), "{}", outcome.stdout);
    }
    let bad = common::neurograde(&[
        "run",
        "--inference",
        "tpu",
        "--frames",
        "1",
        "--sink",
        "null",
    ]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("expected auto, cpu or gpu"),
        "{}",
        bad.stderr
    );
}
