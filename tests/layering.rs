//! The layering of ARCHITECTURE.md, held against the code: every module of
//! the crate has a layer there, a module imports only modules of its own
//! layer or below, and no two files import each other, directly or around a
//! circle. The order is read from ARCHITECTURE.md's `layers` block, so the
//! document and this guard cannot drift apart.
//!
//! How it works: each source file's comments, string literals and test
//! modules are blanked; its `use` trees are expanded and its inline paths
//! (`crate::a::b`, `super::x`) collected; each path is resolved to the file
//! of the longest module it names. Re-exports (`pub use`) only give a
//! module's names another spelling and make no edge; a module's own child
//! files are part of it (a type in `mod.rs` with its impls spread over its
//! children), so a bare `child::item` path is not read as an import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Source text with comments, string and char literals blanked (kept the
/// same length, lines intact).
fn blank(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(if b[i] == '\n' { '\n' } else { ' ' });
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !ident(b.get(i.wrapping_sub(1)))
        {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            let closing: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            while j < b.len()
                && !b[j..]
                    .iter()
                    .take(closing.len())
                    .copied()
                    .eq(closing.chars())
            {
                j += 1;
            }
            j = (j + closing.len()).min(b.len());
            for &k in &b[i..j] {
                out.push(if k == '\n' { '\n' } else { ' ' });
            }
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(if b[i] == '\n' { '\n' } else { ' ' });
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}'), not a lifetime.
            let end = match (next, b.get(i + 2)) {
                (Some('\\'), _) => b[i + 2..]
                    .iter()
                    .position(|&k| k == '\'')
                    .map(|p| i + 2 + p),
                (Some(_), Some('\'')) => Some(i + 2),
                _ => None,
            };
            match end {
                Some(end) => {
                    for _ in i..=end {
                        out.push(' ');
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// `text` without its `#[cfg(test)]` items (a test module's imports do not
/// count: tests may reach anywhere).
fn without_tests(text: &str) -> String {
    let mut out = text.to_string();
    while let Some(at) = out.find("#[cfg(test)]") {
        let open = match out[at..].find('{') {
            Some(o) => at + o,
            None => break,
        };
        let semi = out[at..].find(';').map(|s| at + s);
        let end = if semi.is_some_and(|s| s < open) {
            semi.unwrap() + 1
        } else {
            let mut depth = 0;
            let mut end = out.len();
            for (k, ch) in out[open..].char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = open + k + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            end
        };
        out.replace_range(at..end, &" ".repeat(end - at));
    }
    out
}

/// Every path a `use` tree names, e.g. `super::{a::B, c}` -> `super::a::B`,
/// `super::c`.
fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let base = join(prefix, head);
        let mut depth = 0;
        let mut start = 0;
        for (k, ch) in inner.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&base, &inner[start..k], out);
                    start = k + 1;
                }
                _ => {}
            }
        }
        expand(&base, &inner[start..], out);
    } else if !tree.is_empty() {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        out.push(join(prefix, path));
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}::{b}"),
    }
}

/// A source file: its module path in the crate (the binary's files under
/// `cli`), whether it is the binary's.
struct Source {
    path: PathBuf,
    module: Vec<String>,
    binary: bool,
}

fn sources() -> Vec<Source> {
    let src = Path::new(ROOT).join("src");
    let mut files = Vec::new();
    let mut folders = vec![src.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(&src).unwrap();
                let mut module: Vec<String> = rel
                    .with_extension("")
                    .iter()
                    .map(|s| s.to_string_lossy().into_owned())
                    .collect();
                if module
                    .last()
                    .is_some_and(|m| m == "mod" || m == "lib" || m == "main")
                {
                    module.pop();
                }
                let binary = rel.starts_with("cli") || rel == Path::new("main.rs");
                files.push(Source {
                    path,
                    module,
                    binary,
                });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The layers of ARCHITECTURE.md's `layers` block, lowest first: each
/// line `N  module module ...`.
fn layers() -> BTreeMap<String, usize> {
    let text = std::fs::read_to_string(Path::new(ROOT).join("ARCHITECTURE.md")).unwrap();
    let block = text
        .split("```layers")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("ARCHITECTURE.md has a ```layers block");
    let mut layers = BTreeMap::new();
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        let mut words = line.split_whitespace();
        let n: usize = words.next().unwrap().parse().expect("a layer number first");
        for module in words {
            layers.insert(module.to_string(), n);
        }
    }
    layers
}

/// The file edges: which source file each file imports.
fn imports(files: &[Source]) -> BTreeMap<usize, BTreeSet<usize>> {
    let by_module: BTreeMap<(bool, Vec<String>), usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| ((f.binary, f.module.clone()), i))
        .collect();
    let mut edges: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (i, file) in files.iter().enumerate() {
        let raw = std::fs::read_to_string(&file.path).unwrap();
        let code = without_tests(&blank(&raw));
        let mut paths = Vec::new();
        // `use` trees (re-exports make no edge).
        let mut rest = code.as_str();
        while let Some(at) = rest.find("use ") {
            let before = &rest[..at];
            let starts_item = before.trim_end().is_empty()
                || before.ends_with(['\n', ';', '{', '}', ' '])
                    && !ident(before.chars().last().as_ref());
            let end = rest[at..].find(';').map_or(rest.len(), |e| at + e);
            let is_pub = before.trim_end().ends_with("pub") || before.trim_end().ends_with(')');
            if starts_item && !is_pub {
                expand("", &rest[at + 4..end], &mut paths);
            }
            rest = &rest[(end + 1).min(rest.len())..];
        }
        // Inline paths.
        for root in ["crate::", "super::", "neurograde::"] {
            let mut from = 0;
            while let Some(at) = code[from..].find(root) {
                let start = from + at;
                from = start + root.len();
                if ident(code[..start].chars().last().as_ref()) {
                    continue;
                }
                let end = code[start..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .map_or(code.len(), |e| start + e);
                paths.push(code[start..end].trim_end_matches(':').to_string());
            }
        }
        for path in paths {
            let segments: Vec<&str> = path.split("::").collect();
            let (binary, mut absolute): (bool, Vec<String>) = match segments[0] {
                "crate" => (file.binary, Vec::new()),
                "neurograde" => (false, Vec::new()),
                "super" => {
                    let mut m = file.module.clone();
                    m.pop();
                    (file.binary, m)
                }
                "self" => (file.binary, file.module.clone()),
                _ => continue,
            };
            let mut rest = &segments[1..];
            while rest.first() == Some(&"super") {
                absolute.pop();
                rest = &rest[1..];
            }
            absolute.extend(rest.iter().map(|s| s.to_string()));
            // The longest module the path names.
            let target = (0..=absolute.len())
                .rev()
                .find_map(|n| by_module.get(&(binary, absolute[..n].to_vec())));
            if let Some(&t) = target {
                if t != i && !files[t].module.is_empty() {
                    edges.entry(i).or_default().insert(t);
                }
            }
        }
    }
    edges
}

fn top_module(file: &Source) -> String {
    if file.binary {
        "cli".into()
    } else {
        file.module.first().cloned().unwrap_or_else(|| "lib".into())
    }
}

#[test]
fn every_import_goes_down_the_layers_and_no_files_import_each_other() {
    let files = sources();
    let layers = layers();
    let edges = imports(&files);
    let rel = |i: usize| {
        files[i]
            .path
            .strip_prefix(ROOT)
            .unwrap()
            .display()
            .to_string()
    };
    let mut wrong = Vec::new();
    for file in &files {
        let top = top_module(file);
        if top != "lib" && !layers.contains_key(&top) {
            wrong.push(format!(
                "{}: module `{top}` has no layer in ARCHITECTURE.md",
                file.path.display()
            ));
        }
    }
    for (&from, targets) in &edges {
        let a = top_module(&files[from]);
        for &to in targets {
            let b = top_module(&files[to]);
            if let (Some(la), Some(lb)) = (layers.get(&a), layers.get(&b)) {
                if lb > la {
                    wrong.push(format!(
                        "{} (layer {la}, {a}) imports {} (layer {lb}, {b}): a lower layer may not import a higher one",
                        rel(from),
                        rel(to)
                    ));
                }
            }
        }
    }
    // Circles: files that reach themselves through imports (Tarjan's
    // strongly connected components).
    let n = files.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0;
    let mut circles = Vec::new();
    fn visit(
        v: usize,
        edges: &BTreeMap<usize, BTreeSet<usize>>,
        state: (
            &mut Vec<usize>,
            &mut Vec<usize>,
            &mut Vec<bool>,
            &mut Vec<usize>,
            &mut usize,
        ),
        circles: &mut Vec<Vec<usize>>,
    ) {
        let (index, low, on_stack, stack, next) = state;
        index[v] = *next;
        low[v] = *next;
        *next += 1;
        stack.push(v);
        on_stack[v] = true;
        for &w in edges.get(&v).into_iter().flatten() {
            if index[w] == usize::MAX {
                visit(w, edges, (index, low, on_stack, stack, next), circles);
                low[v] = low[v].min(low[w]);
            } else if on_stack[w] {
                low[v] = low[v].min(index[w]);
            }
        }
        if low[v] == index[v] {
            let mut component = Vec::new();
            while let Some(w) = stack.pop() {
                on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                circles.push(component);
            }
        }
    }
    for v in 0..n {
        if index[v] == usize::MAX {
            visit(
                v,
                &edges,
                (&mut index, &mut low, &mut on_stack, &mut stack, &mut next),
                &mut circles,
            );
        }
    }
    for circle in circles {
        let names: Vec<String> = circle.iter().map(|&i| rel(i)).collect();
        wrong.push(format!(
            "these files import each other in a circle: {}",
            names.join(", ")
        ));
    }
    let edge_count: usize = edges.values().map(BTreeSet::len).sum();
    println!("{} files, {edge_count} imports between them", files.len());
    assert!(edge_count > 200, "the imports were not read ({edge_count})");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_guard_sees_a_circle_and_an_upward_import() {
    // The parser on a made-up pair: braces, aliases, inline paths.
    let mut out = Vec::new();
    expand("", "super::{a::{B, C as D}, e}", &mut out);
    assert_eq!(out, ["super::a::B", "super::a::C", "super::e"]);
    let code = blank("let s = \"crate::nope\"; // crate::nope\nlet c = '\"'; crate::yes::X");
    assert!(!code.contains("nope") && code.contains("crate::yes::X"));
    let stripped = without_tests("fn a() {}\n#[cfg(test)]\nmod tests { use crate::x; }\n");
    assert!(!stripped.contains("crate::x"));
}
