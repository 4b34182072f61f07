//! Control surfaces: real MIDI byte streams through the parser, decoder,
//! mapping and grade session; a Standard MIDI File written by mido replayed
//! by `run`; a python-osc client driving a running engine over loopback;
//! bad profiles and recordings.

mod common;

use common::{assert_clear_error, bin, neurograde, outcome};
use neurograde::control::mapping::Mapper;
use neurograde::control::midi::{ControlDecoder, MidiParser};
use neurograde::control::profile::Profile;
use neurograde::control::session::GradeSession;
use neurograde::control::Param;
use neurograde::grade::Look;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn profiles() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/controllers")
}

/// The parse -> decode -> map -> session path the control thread runs.
struct Panel {
    parser: MidiParser,
    decoder: ControlDecoder,
    mapper: Mapper,
    session: GradeSession,
    clock: Instant,
}

impl Panel {
    fn new(profile: &str) -> Panel {
        let (profile, bindings) =
            Profile::load(&profiles().join(format!("{profile}.toml"))).unwrap();
        let mapper = Mapper::new(profile, bindings);
        Panel {
            parser: MidiParser::new(),
            decoder: ControlDecoder::new(mapper.cc14_controls()),
            mapper,
            session: GradeSession::new(Look::default(), None, None),
            clock: Instant::now(),
        }
    }

    /// Feeds bytes as they would come off the port, one move a call.
    fn send(&mut self, bytes: &[u8]) {
        self.clock += Duration::from_millis(5);
        let mut events = Vec::new();
        for m in self.parser.parse(bytes) {
            self.decoder.decode(m, |e| events.push(e));
        }
        self.decoder.flush(|e| events.push(e));
        for e in events {
            for c in self.mapper.handle(e, self.session.live()) {
                if self
                    .session
                    .dispatch(&mut self.mapper, c, self.clock)
                    .changed
                {
                    self.mapper.sync(self.session.live());
                }
            }
        }
    }

    fn get(&self, path: &str) -> f32 {
        Param::parse(path).unwrap().get(self.session.live())
    }
}

#[test]
fn shipped_profiles_load() {
    for name in ["nanokontrol2", "xtouch-mini", "mcu", "midimix", "generic"] {
        let (profile, bindings) = Profile::load(&profiles().join(format!("{name}.toml"))).unwrap();
        assert!(bindings.len() >= 20, "{name}: {} bindings", bindings.len());
        println!("{name}: {} ({} bindings)", profile.name, bindings.len());
    }
}

#[test]
fn pickup_running_status_and_banks_on_a_nanokontrol2() {
    let mut p = Panel::new("nanokontrol2");
    // Fader 1 (CC 0, exposure -4..4, neutral 0 at 63.5) starts at the
    // bottom: soft takeover ignores it until it reaches the value.
    p.send(&[0xB0, 0, 10]);
    p.send(&[0, 30]); // running status
    assert_eq!(p.get("primary/exposure"), 0.0, "not picked up yet");
    p.send(&[0, 70]); // crossed the value: picked up
    let e = p.get("primary/exposure");
    assert!((e - (-4.0 + 8.0 * 70.0 / 127.0)).abs() < 1e-4, "{e}");
    // Through the detent at the centre (snaps to 0) and on: still picked up.
    p.send(&[0xB0, 0, 64]);
    assert_eq!(p.get("primary/exposure"), 0.0, "detent");
    p.send(&[0xB0, 0, 66]);
    p.send(&[0xB0, 0, 70]);
    // A one-code reversal (pot jitter) is ignored; a real move is not.
    p.send(&[0xB0, 0, 69]);
    assert_eq!(p.get("primary/exposure"), e);
    p.send(&[0xB0, 0, 90]);
    assert!(p.get("primary/exposure") > e);
    // Bank 2 (track >): fader 1 drives slope R, with its own pickup.
    p.send(&[0xB0, 59, 127, 0xB0, 59, 0]);
    assert_eq!(p.mapper.bank(), 1);
    let exposure = p.get("primary/exposure");
    p.send(&[0xB0, 0, 100]);
    assert_eq!(
        p.get("primary/exposure"),
        exposure,
        "bank 2 does not touch exposure"
    );
    assert_eq!(
        p.get("cdl/slope/r"),
        1.0,
        "slope not picked up (fader at 100, slope at 63.5)"
    );
    p.send(&[0xB0, 0, 64]);
    p.send(&[0xB0, 0, 80]);
    assert!(p.get("cdl/slope/r") > 1.0);
    // Stop = bypass, then undo takes back the last gesture.
    p.send(&[0xB0, 42, 127, 0xB0, 42, 0]);
    assert!(p.session.panel().bypass);
    assert_eq!(p.session.shown().cdl.slope[0], 1.0);
    p.send(&[0xB0, 61, 127]);
    assert_eq!(p.get("cdl/slope/r"), 1.0);
}

#[test]
fn nanokontrol2_banks_drive_the_secondaries() {
    let mut p = Panel::new("nanokontrol2");
    let look = Look::parse(
        "[[secondary]]\nmask = \"skin\"\n[[secondary]]\nmask = \"background\"\n",
        Path::new("two.toml"),
    )
    .unwrap();
    p.session = GradeSession::new(look, None, None);
    // Track > three times: bank 4, secondary 2.
    for _ in 0..3 {
        p.send(&[0xB0, 59, 127, 0xB0, 59, 0]);
    }
    assert_eq!(p.mapper.bank(), 3);
    // Fader 2 (saturation 0..2, neutral 1 at the centre): picked up at the
    // centre, then down to a quarter of its travel.
    p.send(&[0xB0, 1, 64]);
    p.send(&[0xB0, 1, 32]);
    let saturation = p.get("secondary/2/saturation");
    assert!(
        (saturation - 2.0 * 32.0 / 127.0).abs() < 1e-4,
        "{saturation}"
    );
    assert_eq!(
        p.get("secondary/1/saturation"),
        1.0,
        "secondary 1 untouched"
    );
    // S: each press toggles the secondary off and on; its light follows.
    p.send(&[0xB0, 32, 127, 0xB0, 32, 0]);
    assert!(!p.session.live().secondaries[1].enabled);
    let lights = p.mapper.feedback(p.session.live(), p.session.panel());
    assert!(
        lights.iter().any(|m| m.to_bytes() == [0xB0, 32, 0]),
        "{lights:?}"
    );
    p.send(&[0xB0, 32, 127, 0xB0, 32, 0]);
    assert!(p.session.live().secondaries[1].enabled);
    // M: invert; R: reset the secondary's corrections (the switches stay).
    p.send(&[0xB0, 48, 127, 0xB0, 48, 0]);
    assert!(p.session.live().secondaries[1].invert);
    p.send(&[0xB0, 64, 127, 0xB0, 64, 0]);
    assert_eq!(p.get("secondary/2/saturation"), 1.0);
    assert!(p.session.live().secondaries[1].invert);
    // Bank 5 drives secondary 3, which this look lacks: nothing happens.
    p.send(&[0xB0, 59, 127, 0xB0, 59, 0]);
    p.send(&[0xB0, 0, 64]);
    p.send(&[0xB0, 0, 100]);
    assert_eq!(p.session.live().secondaries.len(), 2);
    p.session.live().validate("panel").unwrap();
}

#[test]
fn mackie_control_secondaries_bank() {
    let mut p = Panel::new("mcu");
    let look = Look::parse("[[secondary]]\nmask = \"face\"\n", Path::new("one.toml")).unwrap();
    p.session = GradeSession::new(look, None, None);
    // Bank > twice: bank 3. Every secondary control there is sent its value.
    p.send(&[0x90, 47, 127, 0x90, 47, 0]);
    p.send(&[0x90, 47, 127, 0x90, 47, 0]);
    assert_eq!(p.mapper.bank(), 2);
    let shown = p.mapper.feedback(p.session.live(), p.session.panel());
    assert!(
        shown.iter().any(|m| m.to_bytes() == [0x90, 16, 127]),
        "MUTE 1 lit: {shown:?}"
    );
    // Fader 1 (pitch bend, exposure -2..2) from the centre up: picked up at
    // once (motor faders sit on the value), then a quarter of the travel up.
    p.send(&[0xE0, 0, 64]);
    p.send(&[0xE0, 0, 96]);
    let exposure = p.get("secondary/1/exposure");
    assert!((exposure - 1.0).abs() < 0.01, "{exposure}");
    // V-pot 1 (saturation) three steps down; MUTE 1 turns the secondary
    // off; V-pot push resets it, the switch kept.
    p.send(&[0xB0, 16, 0x43]);
    assert!(p.get("secondary/1/saturation") < 1.0);
    p.send(&[0x90, 16, 127, 0x90, 16, 0]);
    assert!(!p.session.live().secondaries[0].enabled);
    p.send(&[0x90, 32, 127, 0x90, 32, 0]);
    assert_eq!(p.get("secondary/1/exposure"), 0.0);
    assert_eq!(p.get("secondary/1/saturation"), 1.0);
    assert!(!p.session.live().secondaries[0].enabled);
}

#[test]
fn fourteen_bit_nrpn_and_relative_on_the_generic_profile() {
    let mut p = Panel::new("generic");
    // 14-bit CC 1 / 33 (exposure -2..2): MSB 96 LSB 64 = 12352 of 16383.
    // Picked up from the centre first: 8192 = exposure 0.
    p.send(&[0xB0, 1, 64, 0xB0, 33, 0]);
    p.send(&[0xB0, 1, 96, 33, 64]);
    let expected = -2.0 + 4.0 * 12352.0 / 16383.0;
    assert!(
        (p.get("primary/exposure") - expected).abs() < 1e-4,
        "{}",
        p.get("primary/exposure")
    );
    // SysEx in the middle of the stream, then a lone LSB refines.
    p.send(&[0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7, 0xB0, 33, 127]);
    let fine = -2.0 + 4.0 * ((96 << 7) | 127) as f32 / 16383.0;
    assert!((p.get("primary/exposure") - fine).abs() < 1e-4);
    // NRPN 300 (temperature -100..100): select, data entry MSB + LSB.
    p.send(&[0xB0, 99, 2, 98, 44, 6, 64, 38, 0]);
    p.send(&[0xB0, 6, 80, 38, 0]);
    let t = -100.0 + 200.0 * (80 << 7) as f32 / 16383.0;
    assert!(
        (p.get("primary/temperature") - t).abs() < 1e-3,
        "{}",
        p.get("primary/temperature")
    );
    // Data increment (CC 96) steps it by the binding's step (range/200).
    p.send(&[0xB0, 96, 0]);
    assert!((p.get("primary/temperature") - (t + 1.0)).abs() < 1e-3);
    // Relative encoder, two's complement: +3 then -1 ticks of 0.005 gain.
    p.send(&[0xB0, 30, 3]);
    p.send(&[0xB0, 30, 127]);
    assert!(
        (p.get("primary/gain") - 1.01).abs() < 1e-5,
        "{}",
        p.get("primary/gain")
    );
    // Fine (held note 66): ticks are a tenth.
    p.send(&[0x90, 66, 127]);
    p.send(&[0xB0, 30, 10]);
    p.send(&[0x80, 66, 0]);
    assert!(
        (p.get("primary/gain") - 1.015).abs() < 1e-5,
        "{}",
        p.get("primary/gain")
    );
    // Truncated message then a new status: dropped, counted, no panic.
    p.send(&[0xB0, 20, 0x90, 60, 127]);
    assert!(p.session.panel().bypass);
    assert!(p.parser.errors() >= 1);
}

#[test]
fn mackie_control_faders_vpots_and_feedback() {
    let mut p = Panel::new("mcu");
    // Motor faders get the grade at start: fader 1 (exposure) to centre.
    let look = p.session.live().clone();
    let feedback = p.mapper.feedback(&look, p.session.panel());
    assert!(
        feedback.contains(&neurograde::control::midi::MidiMessage::PitchBend {
            channel: 0,
            value: 8192
        }),
        "{feedback:?}"
    );
    // Fader 1 moved (pitch bend, 14-bit): exposure follows.
    p.send(&[0xE0, 0x00, 0x40]);
    p.send(&[0xE0, 0x00, 0x60]);
    let e = -4.0 + 8.0 * (0x60 << 7) as f32 / 16383.0;
    assert!(
        (p.get("primary/exposure") - e).abs() < 1e-4,
        "{}",
        p.get("primary/exposure")
    );
    // The fader being moved is not sent its own value back (no loop) ...
    let after_move = p
        .mapper
        .feedback(&p.session.live().clone(), p.session.panel());
    assert!(
        after_move.iter().all(|m| !matches!(
            m,
            neurograde::control::midi::MidiMessage::PitchBend { channel: 0, .. }
        )),
        "{after_move:?}"
    );
    // V-pot 1 (lift R, sign-magnitude, 0.0025 a tick): 20 clockwise, 1
    // back; its LED ring moves a step.
    p.send(&[0xB0, 16, 0x14]);
    p.send(&[0xB0, 16, 0x41]);
    assert!(
        (p.get("primary/lift/r") - 0.0475).abs() < 1e-6,
        "{}",
        p.get("primary/lift/r")
    );
    let rings = p
        .mapper
        .feedback(&p.session.live().clone(), p.session.panel());
    assert!(
        rings.iter().any(|m| matches!(
            m,
            neurograde::control::midi::MidiMessage::ControlChange { controller: 48, .. }
        )),
        "{rings:?}"
    );
    // Undo (rewind) twice takes back the V-pot gesture, then the fader
    // move; the motor fader is sent the restored value.
    p.send(&[0x90, 91, 127]);
    p.send(&[0x90, 91, 127]);
    assert_eq!(p.get("primary/exposure"), 0.0);
    let moved_back = p
        .mapper
        .feedback(&p.session.live().clone(), p.session.panel());
    assert!(
        moved_back.contains(&neurograde::control::midi::MidiMessage::PitchBend {
            channel: 0,
            value: 8192
        }),
        "{moved_back:?}"
    );
    // Stop = bypass: its button light follows.
    p.send(&[0x90, 93, 127]);
    let lights = p
        .mapper
        .feedback(&p.session.live().clone(), p.session.panel());
    assert!(
        lights.contains(&neurograde::control::midi::MidiMessage::NoteOn {
            channel: 0,
            note: 93,
            velocity: 127
        })
    );
}

/// PYTHONPATH holding the set-up's mido and python-osc wheels.
fn python_tools() -> String {
    let dir = neurograde::assets::cache_dir().join("python");
    let wheels: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|_| {
            panic!(
                "{} missing: run scripts/setup (make test does)",
                dir.display()
            )
        })
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".whl"))
        .collect();
    assert!(
        wheels.len() >= 3,
        "mido, packaging and python-osc wheels in {}",
        dir.display()
    );
    wheels.join(":")
}

fn python(script: &str) -> std::process::Command {
    let mut c = std::process::Command::new("python3");
    c.env("PYTHONPATH", python_tools()).args(["-c", script]);
    c
}

fn read_look(path: &Path) -> Look {
    Look::load(path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_standard_midi_file_from_mido_replays_into_the_look() {
    let dir = tempfile::tempdir().unwrap();
    let smf = dir.path().join("moves.mid");
    // mido writes the file: 480 ticks a beat at 120 bpm, so 48 ticks = 50 ms.
    let script = format!(
        r#"
import mido
mid = mido.MidiFile(ticks_per_beat=480)
t = mido.MidiTrack(); mid.tracks.append(t)
t.append(mido.MetaMessage('set_tempo', tempo=500000, time=0))
t.append(mido.Message('control_change', control=20, value=64, time=48))   # exposure fader at centre: picked up
t.append(mido.Message('control_change', control=20, value=96, time=48))   # exposure up
t.append(mido.Message('control_change', control=99, value=2, time=48))    # NRPN 300 = temperature
t.append(mido.Message('control_change', control=98, value=44, time=0))
t.append(mido.Message('control_change', control=6, value=64, time=0))
t.append(mido.Message('control_change', control=38, value=0, time=0))
t.append(mido.Message('control_change', control=6, value=96, time=48))
t.append(mido.Message('control_change', control=38, value=0, time=0))
t.append(mido.Message('sysex', data=[0x7E, 0x7F, 0x06, 0x01], time=10))
t.append(mido.Message('control_change', control=30, value=4, time=48))    # gain encoder +4 ticks
t.append(mido.Message('note_on', note=64, velocity=127, time=48))         # store snapshot 1
t.append(mido.Message('note_off', note=64, velocity=0, time=10))
mid.save(r"{}")
"#,
        smf.display()
    );
    let out = outcome(&mut python(&script));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let saved = dir.path().join("live.toml");
    let snapshots = dir.path().join("snapshots");
    let run = neurograde(&[
        "run",
        "--source",
        "pattern:bars",
        "--size",
        "160x90",
        "--fps",
        "30",
        "--frames",
        "45",
        "--sink",
        "null",
        "--controller",
        "generic",
        "--no-midi",
        "--control-replay",
        smf.to_str().unwrap(),
        "--save-look",
        saved.to_str().unwrap(),
        "--autosave",
        dir.path().join("autosave.toml").to_str().unwrap(),
        "--snapshots",
        snapshots.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    println!("{}", run.stdout);
    assert!(
        run.stdout.contains("replay: 12 of 12 events played"),
        "{}",
        run.stdout
    );
    let look = read_look(&saved);
    let exposure = -4.0 + 8.0 * 96.0 / 127.0;
    assert!(
        (look.primary.exposure - exposure).abs() < 1e-4,
        "{}",
        look.primary.exposure
    );
    let temperature = -100.0 + 200.0 * (96 << 7) as f32 / 16383.0;
    assert!(
        (look.primary.temperature - temperature).abs() < 1e-3,
        "{}",
        look.primary.temperature
    );
    assert!(
        (look.primary.gain[0] - 1.02).abs() < 1e-5,
        "{:?}",
        look.primary.gain
    );
    // The snapshot and the autosave hold the same look.
    assert_eq!(read_look(&snapshots.join("snapshot-1.toml")), look);
    assert_eq!(read_look(&dir.path().join("autosave.toml")), look);
}

/// Starts `neurograde run ARGS` and waits until it says OSC listens; its
/// log from there on.
fn start_osc_engine(args: &[&str]) -> (std::process::Child, BufReader<std::process::ChildStderr>) {
    let mut engine = bin()
        .args(args)
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(engine.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "engine ended before listening"
        );
        if line.contains("OSC listening") {
            break;
        }
    }
    (engine, stderr)
}

/// Sends one OSC message to the engine on `port` (python-osc builds it;
/// `args` adds its arguments to the builder `b`, e.g. `b.add_arg(1)`).
fn send_osc(port: u16, address: &str, args: &str) {
    let script = format!(
        r#"
import socket
from pythonosc.osc_message_builder import OscMessageBuilder
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b = OscMessageBuilder(address="{address}")
{args}
s.sendto(b.build().dgram, ("127.0.0.1", {port}))
"#
    );
    let client = outcome(&mut python(&script));
    assert_eq!(client.code, 0, "{}", client.stderr);
}

/// A UDP port free right now on loopback.
fn free_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn python_osc_client_drives_a_running_engine() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let saved = dir.path().join("live.toml");
    let stats = dir.path().join("stats.json");
    let start = dir.path().join("start.toml");
    std::fs::write(
        &start,
        "[[secondary]]\nmask = \"skin\"\n[[secondary]]\nmask = \"object\"\n",
    )
    .unwrap();
    let (mut engine, mut stderr) = start_osc_engine(&[
        "run",
        "--look",
        start.to_str().unwrap(),
        "--source",
        "pattern:bars",
        "--size",
        "160x90",
        "--fps",
        "30",
        "--frames",
        "120",
        "--sink",
        "null",
        "--no-midi",
        "--osc-port",
        &port.to_string(),
        "--save-look",
        saved.to_str().unwrap(),
        "--autosave",
        dir.path().join("autosave.toml").to_str().unwrap(),
        "--snapshots",
        dir.path().join("snaps").to_str().unwrap(),
        "--stats-json",
        stats.to_str().unwrap(),
    ]);
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    // python-osc sends; the client's own socket receives the replies.
    let script = format!(
        r#"
import socket, time
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_message import OscMessage
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
def send(addr, *args):
    b = OscMessageBuilder(address=addr)
    for a in args: b.add_arg(a)
    s.sendto(b.build().dgram, ("127.0.0.1", {port}))
send("/primary/exposure", 0.5)
send("/cdl/slope", 1.1, 1.0, 0.9)
send("/primary/nope", 1.0)
send("/secondary/1/exposure", 0.3)
send("/face", 2)
send("/face", 1.5)
send("/secondary/1/enabled", 0.0)
send("/secondary/3/exposure", 1.0)
send("/object", 0.25, 0.75)
send("/object", 2.0, 0.0)
send("/primary/exposure")
got, errors = {{}}, []
deadline = time.time() + 3
while time.time() < deadline and not ("/primary/exposure" in got and len(errors) == 4):
    m = OscMessage(s.recv(65536))
    got[m.address] = m.params
    if m.address == "/error": errors.append(m.params[0])
print("exposure", got["/primary/exposure"][0])
for e in errors: print("error", e)
"#
    );
    let client = outcome(&mut python(&script));
    assert_eq!(client.code, 0, "{}", client.stderr);
    println!("{}", client.stdout);
    for answer in [
        "exposure 0.5",
        "primary/nope",
        "/secondary/3/exposure: the look has 2 [[secondary]]",
        "/object: expected the object's point",
        "/face: expected a face's number",
    ] {
        assert!(
            client.stdout.contains(answer),
            "{answer}: {}",
            client.stdout
        );
    }
    let status = engine.wait().unwrap();
    assert!(status.success());
    let look = read_look(&saved);
    assert_eq!(look.primary.exposure, 0.5);
    assert_eq!(look.cdl.slope, [1.1, 1.0, 0.9]);
    assert_eq!(look.secondaries.len(), 2);
    assert_eq!(look.secondaries[0].exposure, 0.3);
    assert!(!look.secondaries[0].enabled);
    // `/object x y` pointed the object secondary at the point.
    assert_eq!(look.secondaries[1].point, Some([0.25, 0.75]));
    // `/face 2` narrowed the face secondary (skin) to face 2, not the
    // object's.
    assert_eq!(look.secondaries[0].face, Some(2));
    assert_eq!(look.secondaries[1].face, None);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&stats).unwrap()).unwrap();
    let control = &report["control"];
    println!("{control}");
    assert_eq!(control["changes"], 6);
    assert!(control["latency_samples"].as_u64().unwrap() >= 1);
    assert!(control["midi"].as_str().unwrap().starts_with("off"));
}

#[test]
fn bad_profiles_and_recordings_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "--source",
            "pattern:bars",
            "--size",
            "64x64",
            "--frames",
            "2",
            "--sink",
            "null",
            "--no-midi",
        ];
        args.extend_from_slice(extra);
        neurograde(&args)
    };
    let unknown_key = write(
        "a.toml",
        "name = \"x\"\n[[binding]]\ncc = 1\nparam = \"primary/exposure\"\nspeed = 2\n",
    );
    assert_clear_error(&run(&["--controller", &unknown_key]), "a.toml, line 5");
    let bad_param = write(
        "b.toml",
        "name = \"x\"\n[[binding]]\ncc = 1\nparam = \"primary/exposur\"\n",
    );
    assert_clear_error(
        &run(&["--controller", &bad_param]),
        "binding 1 (cc 1 ch 1 -> primary/exposur)",
    );
    let out_of_range = write(
        "c.toml",
        "name = \"x\"\n[[binding]]\ncc = 130\nparam = \"primary/exposure\"\n",
    );
    assert_clear_error(
        &run(&["--controller", &out_of_range]),
        "cc = 130: expected 0-127",
    );
    let two_controls = write(
        "d.toml",
        "name = \"x\"\n[[binding]]\ncc = 1\nnote = 2\naction = \"undo\"\n",
    );
    assert_clear_error(
        &run(&["--controller", &two_controls]),
        "more than one control",
    );
    assert_clear_error(&run(&["--controller", "no-such-panel"]), "nanokontrol2");
    let bad_line = write(
        "e.jsonl",
        "{\"t\":0.1,\"midi\":[176,1,2]}\n{\"t\":0.2,\"osc\":\"/x\",\"midi\":[1]}\n",
    );
    assert_clear_error(&run(&["--control-replay", &bad_line]), "e.jsonl, line 2");
    let port = free_port().to_string();
    let _holder = std::net::UdpSocket::bind(format!("127.0.0.1:{port}")).unwrap();
    assert_clear_error(&run(&["--osc-port", &port]), "cannot listen for OSC");
}

#[test]
fn midi_learn_writes_the_binding_from_a_recording() {
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("encoder.jsonl");
    // An encoder turned (two's complement +1 steps) on CC 16, channel 2.
    let lines: Vec<String> = (0..6)
        .map(|i| format!("{{\"t\":{},\"midi\":[177,16,1]}}", f64::from(i) * 0.02))
        .collect();
    std::fs::write(&recording, lines.join("\n")).unwrap();
    let profile = dir.path().join("mine.toml");
    let out = neurograde(&[
        "midi",
        "learn",
        "--controller",
        profile.to_str().unwrap(),
        "--param",
        "primary/gain/r",
        "--from",
        recording.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (_, bindings) = Profile::load(&profile).unwrap();
    assert_eq!(bindings.len(), 1);
    let b = &bindings[0];
    assert_eq!(
        b.relative,
        Some(neurograde::control::midi::Relative::TwosComplement)
    );
    assert_eq!(
        b.control,
        neurograde::control::midi::ControlId::Cc {
            channel: 1,
            controller: 16
        }
    );
    // No MIDI subsystem here or there: `midi list` says so, exit 2, no panic.
    let list = neurograde(&["midi", "list"]);
    if list.code != 0 {
        assert_clear_error(&list, "no MIDI subsystem");
    }
}

/// A hostile or runaway OSC client: thousands of packets that are not OSC,
/// a burst of valid values for one key, values out of range and not a
/// number. The engine logs a summary a second at most, applies only the
/// newest of the queued values, clamps and says so in short replies, and
/// answers a bare `/bypass` as the query docs/control.md says it is.
#[test]
fn osc_floods_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let saved = dir.path().join("live.toml");
    let stats = dir.path().join("stats.json");
    let (mut engine, mut stderr) = start_osc_engine(&[
        "run",
        "--source",
        "pattern:bars",
        "--size",
        "160x90",
        "--fps",
        "30",
        "--frames",
        "150",
        "--sink",
        "null",
        "--no-midi",
        "--osc-port",
        &port.to_string(),
        "--save-look",
        saved.to_str().unwrap(),
        "--autosave",
        dir.path().join("autosave.toml").to_str().unwrap(),
        "--snapshots",
        dir.path().join("snaps").to_str().unwrap(),
        "--stats-json",
        stats.to_str().unwrap(),
    ]);
    let log = std::thread::spawn(move || {
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
        rest
    });
    let script = format!(
        r#"
import socket, time, struct
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_message import OscMessage
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
dest = ("127.0.0.1", {port})
def send(addr, *args):
    b = OscMessageBuilder(address=addr)
    for a in args: b.add_arg(a)
    s.sendto(b.build().dgram, dest)
for i in range(5000):
    s.sendto(bytes([7, 1, 2, i % 256]) * 64, dest)
for i in range(3000):
    send("/primary/exposure", i / 3000.0)
send("/primary/exposure", 0.25)
time.sleep(0.5)
send("/primary/" + "x" * 1200, 1.0)
send("/primary/exposure", float("nan"))
send("/primary/contrast", float("inf"))
time.sleep(0.2)
send("/primary/exposure", 99.0)
send("/bypass")
replies = []
s.settimeout(0.5)
deadline = time.time() + 3
while time.time() < deadline:
    try:
        data = s.recv(65536)
    except socket.timeout:
        break
    m = OscMessage(data)
    if m.address in ("/error", "/bypass"):
        replies.append((m.address, m.params, len(data)))
for r in replies: print(r)
"#
    );
    let client = outcome(&mut python(&script));
    assert_eq!(client.code, 0, "{}", client.stderr);
    println!("{}", client.stdout);
    // Replies: short, naming the range, the value clamped, bypass off.
    assert!(
        client.stdout.contains("('/bypass', [0.0]"),
        "{}",
        client.stdout
    );
    assert!(
        client
            .stdout
            .contains("99 is outside -16 to 16: clamped to [16.0]"),
        "{}",
        client.stdout
    );
    assert!(
        client.stdout.contains("NaN is outside"),
        "{}",
        client.stdout
    );
    // Infinity is not clamped: it is ignored, and the reply says so.
    assert!(
        client
            .stdout
            .contains("inf is outside 0 to 10: ignored, it stays"),
        "{}",
        client.stdout
    );
    assert!(
        client.stdout.contains("xxx...: not a grade parameter"),
        "{}",
        client.stdout
    );
    for reply in client.stdout.lines().filter(|l| l.contains("/error")) {
        let size: usize = reply
            .trim_end_matches(')')
            .rsplit(", ")
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(size < 300, "a reply of {size} bytes: {reply}");
    }
    let status = engine.wait().unwrap();
    assert!(status.success());
    let log = log.join().unwrap();
    let bad_lines = log
        .lines()
        .filter(|l| l.contains("not an OSC packet"))
        .count();
    println!(
        "log: {} bytes, {bad_lines} lines about bad packets",
        log.len()
    );
    assert!(bad_lines <= 6, "{bad_lines} lines for 5000 bad packets");
    assert!(log.len() < 20_000, "{} bytes of log", log.len());
    assert_eq!(read_look(&saved).primary.exposure, 16.0);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&stats).unwrap()).unwrap();
    let control = &report["control"];
    println!("{control}");
    assert!(control["coalesced"].as_u64().unwrap() > 0, "{control}");
    assert!(control["changes"].as_u64().unwrap() < 3000, "{control}");
}

/// The operator view's edits take the panels' route: the same session
/// (undo, A/B reference, autosave), the same published look.
#[test]
fn operator_view_edits_go_through_the_session() {
    use neurograde::control::{ControlLink, ControlOptions};
    use rosc::{OscMessage, OscType};
    let dir = tempfile::tempdir().unwrap();
    let autosave = dir.path().join("autosave.toml");
    let options = ControlOptions {
        operator: true,
        autosave: Some(autosave.clone()),
        ..ControlOptions::default()
    };
    assert!(options.active());
    let (wake, woken) = crossbeam_channel::bounded(16);
    let mut link = ControlLink::start(&options, &Look::default(), wake).unwrap();
    assert!(link.status().midi.starts_with("off"), "{:?}", link.status());
    let wait_for = |link: &mut ControlLink, what: &dyn Fn(&Look) -> bool| {
        let started = std::time::Instant::now();
        loop {
            if let Some((look, _)) = link.poll() {
                if what(&look) {
                    return look;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "no such look came"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    // The operator view sends typed commands: the ones OSC would give.
    let send = |link: &ControlLink, addr: &str, args: Vec<OscType>| {
        let message = OscMessage {
            addr: addr.into(),
            args,
        };
        link.send_operator(neurograde::control::osc::interpret(&message).unwrap())
    };
    send(&link, "/primary/exposure", vec![OscType::Float(0.5)]);
    wait_for(&mut link, &|l| l.primary.exposure == 0.5);
    assert!(woken.try_recv().is_ok(), "the render loop is woken");
    assert_eq!(link.live().0.primary.exposure, 0.5);
    send(&link, "/undo", vec![]);
    wait_for(&mut link, &|l| l.primary.exposure == 0.0);
    // A still's look recalled: live, one undo step, the old look is B.
    let mut still_look = Look::default();
    still_look.primary.exposure = 1.5;
    link.send_look(still_look);
    wait_for(&mut link, &|l| l.primary.exposure == 1.5);
    assert_eq!(link.reference().unwrap().primary.exposure, 0.0);
    send(&link, "/bypass", vec![OscType::Float(1.0)]);
    let shown = wait_for(&mut link, &|l| l.primary.exposure == 0.0);
    assert_eq!(
        shown.primary.exposure, 0.0,
        "bypass shows the ungraded look"
    );
    let (live, panel) = link.live();
    assert!(panel.bypass);
    assert_eq!(
        live.primary.exposure, 1.5,
        "the edited look stays live under bypass"
    );
    send(&link, "/undo", vec![]);
    wait_for(&mut link, &|_| true);
    let report = link.finish();
    assert_eq!(report.dropped, 0);
    let saved = Look::load(&autosave).unwrap();
    assert_eq!(
        saved.primary.exposure, 0.0,
        "the autosave holds the undone look"
    );
}

#[test]
fn a_proposal_asked_over_osc_waits_until_accepted_and_is_one_undo_step() {
    let dir = tempfile::tempdir().unwrap();
    // A warm, overexposed portrait (a real picture with a known cast).
    let portrait = image::open(common::footage("astronaut.png"))
        .unwrap()
        .into_rgb8();
    let cast = Look::parse(
        "[primary]\nexposure = 0.7\ntemperature = 30.0\n",
        Path::new("cast.toml"),
    )
    .unwrap();
    let grader = neurograde::grade::reference::Grader::new(&cast);
    let warm: Vec<u8> = portrait
        .pixels()
        .flat_map(|p| {
            grader
                .pixel(p.0.map(|v| f32::from(v) / 255.0))
                .map(neurograde::grade::reference::quantize_u8)
        })
        .collect();
    let input = dir.path().join("warm.png");
    image::RgbImage::from_raw(portrait.width(), portrait.height(), warm)
        .unwrap()
        .save(&input)
        .unwrap();
    let start = dir.path().join("start.toml");
    std::fs::write(&start, "name = \"day\"\n[primary]\ncontrast = 1.1\n").unwrap();
    let port = free_port();
    let saved = dir.path().join("live.toml");
    let (mut engine, mut stderr) = start_osc_engine(&[
        "run",
        "--look",
        start.to_str().unwrap(),
        "--source",
        &format!("file:{}", input.display()),
        "--loop",
        "--fps",
        "30",
        "--frames",
        "300",
        "--sink",
        "null",
        "--no-midi",
        "--osc-port",
        &port.to_string(),
        "--save-look",
        saved.to_str().unwrap(),
        "--autosave",
        dir.path().join("autosave.toml").to_str().unwrap(),
    ]);
    // Accepting with nothing proposed is a notice; the proposal waits
    // (the look does not change) until accepted. The second message goes
    // once the engine has said it proposed (however busy the machine).
    send_osc(port, "/accept", "");
    send_osc(port, "/propose", "");
    let mut log = String::new();
    let mut line = String::new();
    while !line.contains("proposal: auto") {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "the engine ended before proposing: {log}"
        );
        log.push_str(&line);
    }
    send_osc(port, "/primary/exposure", "");
    send_osc(port, "/accept", "");
    std::io::Read::read_to_string(&mut stderr, &mut log).unwrap();
    assert!(engine.wait().unwrap().success());
    assert!(log.contains("no proposal to accept"), "{log}");
    assert!(log.contains("proposal: auto: exposure"), "{log}");
    assert!(log.contains("proposal accepted"), "{log}");
    // The accepted look is the CLI's proposal for the same picture, on top
    // of the base look (its contrast kept).
    let live = read_look(&saved);
    let cli = dir.path().join("auto.toml");
    let run = neurograde(&[
        "auto",
        "--input",
        input.to_str().unwrap(),
        "--look",
        start.to_str().unwrap(),
        "--look-out",
        cli.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let proposed = read_look(&cli);
    assert_eq!(live.primary.contrast, 1.1);
    assert!((live.primary.exposure - proposed.primary.exposure).abs() < 1e-6);
    assert!((live.primary.temperature - proposed.primary.temperature).abs() < 1e-4);
    assert!(
        live.primary.exposure < -0.3 && live.primary.temperature < -15.0,
        "{live:?}"
    );
}

#[test]
fn a_colour_match_to_a_still_asked_over_osc_recovers_the_stills_grade() {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("stills");
    let portrait = common::footage("astronaut.png");
    // The reference: the portrait graded cool and contrasty, grabbed into
    // the library as a colourist would.
    let graded = dir.path().join("graded.toml");
    std::fs::write(
        &graded,
        "[cdl]\nslope = [0.92, 1.0, 1.12]\noffset = [0.0, 0.01, 0.02]\npower = [1.1, 1.0, 0.95]\nsaturation = 1.2\n",
    )
    .unwrap();
    let grab = neurograde(&[
        "stills",
        "grab",
        "--input",
        portrait.to_str().unwrap(),
        "--look",
        graded.to_str().unwrap(),
        "--library",
        library.to_str().unwrap(),
    ]);
    assert_eq!(grab.code, 0, "{}", grab.stderr);
    let port = free_port();
    let saved = dir.path().join("live.toml");
    let (mut engine, mut stderr) = start_osc_engine(&[
        "run",
        "--source",
        &format!("file:{}", portrait.display()),
        "--loop",
        "--fps",
        "30",
        "--frames",
        "300",
        "--sink",
        "null",
        "--no-midi",
        "--osc-port",
        &port.to_string(),
        "--stills",
        library.to_str().unwrap(),
        "--save-look",
        saved.to_str().unwrap(),
        "--autosave",
        dir.path().join("autosave.toml").to_str().unwrap(),
    ]);
    let (tx, rx) = std::sync::mpsc::channel();
    let log = std::thread::spawn(move || {
        let mut all = String::new();
        let mut line = String::new();
        while stderr.read_line(&mut line).unwrap_or(0) > 0 {
            if line.contains("proposal: match to still") {
                let _ = tx.send(());
            }
            all.push_str(&line);
            line.clear();
        }
        all
    });
    send_osc(port, "/match", "b.add_arg(9)");
    send_osc(port, "/match", "b.add_arg(1)");
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the match is proposed");
    send_osc(port, "/accept", "");
    assert!(engine.wait().unwrap().success());
    let log = log.join().unwrap();
    assert!(log.contains("match: still 9"), "{log}");
    // The accepted look grades the portrait as the still's look did.
    let live = read_look(&saved);
    let want = read_look(&graded);
    let (a, b) = (
        neurograde::grade::reference::Grader::new(&live),
        neurograde::grade::reference::Grader::new(&want),
    );
    let img = image::open(&portrait).unwrap().into_rgb8();
    let mut total = 0.0;
    let mut n = 0.0;
    for p in img.pixels().step_by(7) {
        let c = p.0.map(|v| f32::from(v) / 255.0);
        total += neurograde::grade::lab::delta_e_2000(
            neurograde::grade::lab::srgb_to_lab(a.pixel(c)),
            neurograde::grade::lab::srgb_to_lab(b.pixel(c)),
        );
        n += 1.0;
    }
    println!(
        "matched look against the still's own: mean CIEDE2000 {:.2}; cdl {:?}",
        total / n,
        live.cdl
    );
    assert!(total / n < 2.0, "{}", total / n);
}
