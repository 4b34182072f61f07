//! One rule for every file a command writes: never a file the command
//! reads, never two of its outputs to one file, an existing file only with
//! `--overwrite`. Every subcommand that writes files runs with each of its
//! outputs pointed at each file it reads, at each of its other outputs and
//! at an existing unrelated file, each spelt a way drawn at random (as
//! given, through `..`, through a symbolic link, through a hard link); each
//! run must be refused with a one-line error naming the output's flag, and
//! no file given may change.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file under `dir` with its bytes (links followed), and the links.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            let kind = std::fs::symlink_metadata(&path).unwrap().file_type();
            if kind.is_dir() {
                folders.push(path);
            } else if kind.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                files.insert(path, target.to_string_lossy().as_bytes().to_vec());
            } else {
                files.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// A subcommand: its arguments with `{NAME}` placeholders for its outputs.
struct Subcommand {
    args: Vec<String>,
    /// Each output: its placeholder, its flag, its default (new) file name,
    /// and a prefix its value takes (`file:` for `--sink`).
    outputs: Vec<(&'static str, &'static str, &'static str, &'static str)>,
    /// The files it reads (names in the folder).
    reads: Vec<&'static str>,
}

impl Subcommand {
    fn new(args: &str, reads: &[&'static str]) -> Subcommand {
        Subcommand {
            args: args.split(' ').map(String::from).collect(),
            outputs: Vec::new(),
            reads: reads.to_vec(),
        }
    }

    fn output(mut self, flag: &'static str, default: &'static str, prefix: &'static str) -> Self {
        self.outputs.push((flag, flag, default, prefix));
        self
    }

    /// The command line with outputs at the given paths (others at their
    /// defaults).
    fn line(&self, dir: &Path, chosen: &BTreeMap<&str, String>) -> Vec<String> {
        let mut line: Vec<String> = self
            .args
            .iter()
            .map(|a| match a.split_once('@') {
                Some((prefix, name)) => format!("{prefix}{}", dir.join(name).display()),
                None => a.clone(),
            })
            .collect();
        for (key, flag, default, prefix) in &self.outputs {
            let path = chosen
                .get(key)
                .cloned()
                .unwrap_or_else(|| dir.join(default).to_str().unwrap().to_string());
            line.push(flag.to_string());
            line.push(format!("{prefix}{path}"));
        }
        line
    }
}

/// `name` in `dir`, spelt one of four ways (links made here, before the
/// snapshot is taken).
fn spelt(dir: &Path, name: &str, way: u64, n: usize) -> String {
    let target = dir.join(name);
    let path = match way {
        1 => dir.join("sub").join("..").join(name),
        2 => {
            let link = dir.join(format!("alias{n}-{name}"));
            std::os::unix::fs::symlink(&target, &link).unwrap();
            link
        }
        3 if target.is_file() => {
            let link = dir.join(format!("hard{n}-{name}"));
            std::fs::hard_link(&target, &link).unwrap();
            link
        }
        _ => target,
    };
    path.to_str().unwrap().to_string()
}

fn setup(dir: &Path) {
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::fs::copy(footage("astronaut.png"), dir.join("pic.png")).unwrap();
    std::fs::copy(footage("building.jpg"), dir.join("ref.jpg")).unwrap();
    look_with_cube(dir, "name = \"rule\"\n[lut]\nfile = \"look.cube\"\n");
    std::fs::write(dir.join("config.toml"), "[analysis]\nthreads = 1\n").unwrap();
    std::fs::write(
        dir.join("replay.jsonl"),
        "{\"t\":0.0,\"osc\":\"/primary/exposure\",\"args\":[0.25]}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("grade.cdl"),
        "<ColorDecisionList xmlns=\"urn:ASC:CDL:v1.01\"><ColorDecision><ColorCorrection id=\"a\">\
         <SOPNode><Slope>1.1 1 0.9</Slope><Offset>0 0 0</Offset><Power>1 1 1</Power></SOPNode>\
         <SatNode><Saturation>1</Saturation></SatNode></ColorCorrection></ColorDecision></ColorDecisionList>\n",
    )
    .unwrap();
    std::fs::write(dir.join("unrelated.txt"), b"someone's file").unwrap();
}

fn subcommands() -> Vec<Subcommand> {
    let look = ["look.toml", "look.cube"];
    vec![
        Subcommand::new(
            "grade --input @pic.png --look @look.toml --config @config.toml",
            &["pic.png", look[0], look[1], "config.toml"],
        )
        .output("--output", "out.png", ""),
        Subcommand::new(
            "run --source file:@pic.png --look @look.toml --config @config.toml --control-replay @replay.jsonl --frames 1",
            &["pic.png", look[0], look[1], "config.toml", "replay.jsonl"],
        )
        .output("--sink", "out.png", "file:")
        .output("--stats-json", "stats.json", "")
        .output("--save-look", "saved.toml", "")
        .output("--control-record", "record.jsonl", ""),
        Subcommand::new(
            "analyze --input @pic.png --config @config.toml",
            &["pic.png", "config.toml"],
        )
        .output("--json", "faces.json", ""),
        Subcommand::new(
            "auto --input @pic.png --look @look.toml",
            &["pic.png", look[0], look[1]],
        )
        .output("--look-out", "proposal.toml", ""),
        Subcommand::new(
            "match --input @pic.png --reference @ref.jpg --look @look.toml --fit lut",
            &["pic.png", "ref.jpg", look[0], look[1]],
        )
        .output("--look-out", "matched.toml", ""),
        Subcommand::new("look import --input @grade.cdl", &["grade.cdl"])
            .output("--output", "imported.toml", ""),
        Subcommand::new(
            "look export --look @look.toml --check @pic.png",
            &[look[0], look[1], "pic.png"],
        )
        .output("--output", "exported.cube", ""),
    ]
}

/// Runs `line` and holds the rule: refused naming `flag`, nothing changed.
fn refused(dir: &Path, line: &[String], flags: &[&str]) {
    let before = snapshot(dir);
    let args: Vec<&str> = line.iter().map(String::as_str).collect();
    let o = neurograde(&args);
    assert_eq!(o.code, 2, "{}: {}", line.join(" "), o.stderr);
    let error = o
        .stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("{}: no error line: {}", line.join(" "), o.stderr));
    assert!(
        flags.iter().any(|f| error.contains(f)),
        "{}: the error names none of {flags:?}: {error}",
        line.join(" ")
    );
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
    let after = snapshot(dir);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "{}: files came or went",
        line.join(" ")
    );
    for (path, bytes) in &before {
        assert!(
            &after[path] == bytes,
            "{}: {} changed",
            line.join(" "),
            path.display()
        );
    }
}

#[test]
fn no_command_writes_over_what_it_reads_another_output_or_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    setup(dir);
    let mut noise = Noise::new(0x2b17e5);
    let mut runs = 0;
    for command in subcommands() {
        for (i, (key, flag, _, _)) in command.outputs.iter().enumerate() {
            // At each file it reads, and at an unrelated existing file.
            for target in command.reads.iter().chain(["unrelated.txt"].iter()) {
                let path = spelt(dir, target, noise.below(4), runs);
                let chosen = BTreeMap::from([(*key, path)]);
                refused(dir, &command.line(dir, &chosen), &[flag]);
                runs += 1;
            }
            // At each of its other outputs (a new name both point at).
            for (other_key, other_flag, _, _) in &command.outputs[i + 1..] {
                let name = format!("both{runs}.json");
                let chosen = BTreeMap::from([
                    (*key, dir.join(&name).to_str().unwrap().to_string()),
                    (*other_key, spelt(dir, &name, noise.below(2), runs)),
                ]);
                refused(dir, &command.line(dir, &chosen), &[flag, other_flag]);
                assert!(!dir.join(&name).exists());
                runs += 1;
            }
        }
    }
    println!("{runs} refused runs, nothing changed");
    assert!(runs > 40);
}

#[test]
fn a_match_lut_never_shares_a_name_with_its_look_or_replaces_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    setup(dir);
    let line = |look_out: &str| {
        [
            "match",
            "--input",
            dir.join("pic.png").to_str().unwrap(),
            "--reference",
            dir.join("ref.jpg").to_str().unwrap(),
            "--fit",
            "lut",
            "--look-out",
            dir.join(look_out).to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    // The look and its LUT would both be m.cube.
    refused(dir, &line("m.cube"), &["the match LUT"]);
    // keep.cube is someone else's: the LUT beside keep.toml would replace it.
    std::fs::write(dir.join("keep.cube"), b"someone's LUT").unwrap();
    refused(dir, &line("keep.toml"), &["the match LUT"]);
}
