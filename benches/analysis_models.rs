//! Criterion benches of each analysis model's latency on the CPU execution
//! provider (what a machine without a GPU runs): preprocessing, inference
//! and decoding of one picture, the 512 x 512 astronaut portrait, with the
//! one intra-op thread the analysis worker gets by default on small
//! machines.

use criterion::{criterion_group, criterion_main, Criterion};
use neurograde::analysis::depth::DepthEstimator;
use neurograde::analysis::face::{FaceDetector, FaceRange};
use neurograde::analysis::matte::PersonSegmenter;
use neurograde::analysis::picture::RgbPicture;
use neurograde::analysis::runtime::Runtime;
use neurograde::analysis::store::ModelStore;

fn astronaut() -> RgbPicture {
    let path = neurograde::assets::footage("astronaut.png");
    let image = image::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/setup)", path.display()))
        .to_rgb8();
    RgbPicture::from_rgb8(image.width(), image.height(), image.as_raw())
}

fn models(c: &mut Criterion) {
    let runtime = Runtime::load_default().expect("ONNX Runtime (run scripts/setup)");
    let store = ModelStore::open_default().expect("manifest");
    let picture = astronaut();
    let mut group = c.benchmark_group("model");
    group.sample_size(30);
    for (name, range) in [
        ("face-short", FaceRange::Short),
        ("face-full", FaceRange::Full),
    ] {
        let mut detector = FaceDetector::open(&runtime, &store, range, 1).expect(name);
        group.bench_function(name, |b| b.iter(|| detector.detect(&picture).unwrap()));
    }
    let mut matte = PersonSegmenter::open(&runtime, &store, 1).expect("selfie");
    group.bench_function("selfie", |b| b.iter(|| matte.segment(&picture).unwrap()));
    let mut depth = DepthEstimator::open(&runtime, &store, 1).expect("depth");
    group.bench_function("depth", |b| b.iter(|| depth.estimate(&picture).unwrap()));
    group.finish();
}

criterion_group!(benches, models);
criterion_main!(benches);
