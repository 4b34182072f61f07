# neurograde: the two commands a new user needs are `make demo` and `make test`.
# Both run scripts/setup first (installs missing Debian packages, fetches the
# ONNX Runtime library and real footage into a cache outside the clone).

CARGO ?= cargo
# Offline mirror of the models with no registry source (CI: ../shared/models).
export NEUROGRADE_MIRROR ?= $(wildcard ../shared/models)

.PHONY: setup demo test bench soak check

setup:
	@scripts/setup

## Build and run the engine on its embedded demo footage (a window when there
## is a display, else a graded video file and a still, with latency figures).
demo: setup
	@$(CARGO) build --release --quiet
	@target/release/neurograde models fetch
	@scripts/demo

## Unit and integration tests (GPU tests run on Mesa's lavapipe without a GPU),
## a short fuzz run of every parser of outside input (MIDI, OSC, LUTs, CDL,
## looks, mask expressions, picture headers), and a 45-second soak of the
## live loop with everything moving.
test: setup
	$(CARGO) run --quiet -- models fetch --with rvm
	$(CARGO) test --all-targets
	scripts/fuzz 16
	NEUROGRADE_BIN=target/debug/neurograde scripts/soak 45 640x360

## Criterion benches of the grade pass (1080p, 4K) and of each analysis
## model's latency, the whole-loop comparison against ffmpeg's lut3d filter
## on the same input, the loop with the analysis on against off, and the
## control-to-picture latency of a replayed panel session.
bench: setup
	$(CARGO) bench --bench grade_pass
	$(CARGO) bench --bench analysis_models
	scripts/bench-loop
	scripts/bench-analysis
	scripts/bench-control

## The hour-long soak: memory, frame rate and latency of the live loop with
## analysis, secondaries and a control session moving the look throughout
## (SOAK_RECORD=1: recording, the file held to the run; SOAK_SCENE=1: the
## look scene-referred through ACES 2.0, baked on a CPU rasteriser).
soak: setup
	$(CARGO) build --release --quiet
	target/release/neurograde models fetch
	scripts/soak 3600 1280x720

## What CI and a reviewer check besides the tests.
check:
	$(CARGO) fmt --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
