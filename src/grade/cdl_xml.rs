//! ASC CDL interchange: `.cc` (one ColorCorrection), `.ccc` (a
//! ColorCorrectionCollection) and `.cdl` (a ColorDecisionList), per the ASC
//! CDL v1.2 XML schema (namespace `urn:ASC:CDL:v1.01`).
//!
//! How it works: the file is parsed whole (`roxmltree`, which keeps source
//! positions) and every ColorCorrection found is checked: a SOPNode with
//! three finite numbers each for Slope, Offset and Power, and an optional
//! SatNode (saturation 1 when absent). Any problem is one error naming the
//! file and line; nothing is returned half-read. Writing uses Rust's
//! shortest round-trip float formatting, so export then import gives the
//! identical numbers.

use super::look::{Cdl, Look};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CdlError {
    #[error("CDL file {path}: cannot read: {message}")]
    Read { path: PathBuf, message: String },
    #[error("CDL file {path}, line {line}: {message}")]
    Syntax {
        path: PathBuf,
        line: u32,
        message: String,
    },
    #[error("CDL file {path}: cannot write: {message}")]
    Write { path: PathBuf, message: String },
    #[error("{look}: {what} cannot be carried by ASC CDL (slope, offset, power and saturation); reset it or export a .cube, which bakes the whole look")]
    NotCarried { look: String, what: String },
    #[error("CDL file {path}: unknown type; expected .cc, .ccc or .cdl")]
    UnknownType { path: PathBuf },
    #[error("CDL file {path}: no ColorCorrection with id `{id}`; ids in the file: {found}")]
    NoSuchId {
        path: PathBuf,
        id: String,
        found: String,
    },
}

/// One ColorCorrection: its id, descriptions and values.
#[derive(Debug, Clone, PartialEq)]
pub struct ColorCorrection {
    pub id: Option<String>,
    pub descriptions: Vec<String>,
    pub cdl: Cdl,
}

/// The three XML forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CdlFormat {
    /// `.cc`: a single ColorCorrection.
    Cc,
    /// `.ccc`: a ColorCorrectionCollection.
    Ccc,
    /// `.cdl`: a ColorDecisionList of ColorDecisions.
    Cdl,
}

impl CdlFormat {
    pub fn of(path: &Path) -> Result<CdlFormat, CdlError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("cc") => Ok(CdlFormat::Cc),
            Some("ccc") => Ok(CdlFormat::Ccc),
            Some("cdl") => Ok(CdlFormat::Cdl),
            _ => Err(CdlError::UnknownType { path: path.into() }),
        }
    }
}

/// Reads every ColorCorrection in a `.cc`, `.ccc` or `.cdl` file.
pub fn read(path: &Path) -> Result<Vec<ColorCorrection>, CdlError> {
    CdlFormat::of(path)?;
    let text = std::fs::read_to_string(path).map_err(|e| CdlError::Read {
        path: path.into(),
        message: e.to_string(),
    })?;
    parse(&text, path)
}

/// Reads one ColorCorrection: the one with `id`, or the only/first one.
pub fn read_one(path: &Path, id: Option<&str>) -> Result<ColorCorrection, CdlError> {
    let all = read(path)?;
    match id {
        Some(id) => {
            let found = all
                .iter()
                .filter_map(|c| c.id.clone())
                .collect::<Vec<_>>()
                .join(", ");
            all.into_iter()
                .find(|c| c.id.as_deref() == Some(id))
                .ok_or(CdlError::NoSuchId {
                    path: path.into(),
                    id: id.into(),
                    found: if found.is_empty() {
                        "none".into()
                    } else {
                        found
                    },
                })
        }
        None => Ok(all.into_iter().next().expect("parse returns at least one")),
    }
}

/// Deepest element nesting a CDL file may have: a ColorDecisionList is
/// five levels deep; the margin allows vendors' wrappers.
const MAX_DEPTH: usize = 64;

/// The line of the first element nested deeper than `limit`, found by a
/// quick scan of the tags (comments, CDATA, processing instructions and
/// declarations skipped) before the real parse, whose tree building
/// recurses and would exhaust the stack on a hostile file.
fn too_deep(text: &str, limit: usize) -> Option<u32> {
    let bytes = text.as_bytes();
    let (mut depth, mut line, mut i) = (0usize, 1u32, 0usize);
    let skip_to = |from: usize, end: &str| {
        text[from..]
            .find(end)
            .map_or(bytes.len(), |k| from + k + end.len())
    };
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'<' => {
                let rest = &text[i..];
                let end = if rest.starts_with("<!--") {
                    skip_to(i, "-->")
                } else if rest.starts_with("<![CDATA[") {
                    skip_to(i, "]]>")
                } else if rest.starts_with("<?") || rest.starts_with("<!") {
                    skip_to(i, ">")
                } else {
                    let close = skip_to(i, ">");
                    let tag = &text[i..close];
                    if tag.starts_with("</") {
                        depth = depth.saturating_sub(1);
                    } else if !tag.ends_with("/>") {
                        depth += 1;
                        if depth > limit {
                            return Some(line);
                        }
                    }
                    close
                };
                line += text[i..end].matches('\n').count() as u32;
                i = end;
            }
            _ => i += 1,
        }
    }
    None
}

pub fn parse(text: &str, path: &Path) -> Result<Vec<ColorCorrection>, CdlError> {
    let syntax = |line: u32, message: String| CdlError::Syntax {
        path: path.into(),
        line,
        message,
    };
    if let Some(line) = too_deep(text, MAX_DEPTH) {
        return Err(syntax(
            line,
            format!("elements nested more than {MAX_DEPTH} deep; a CDL file needs five"),
        ));
    }
    let doc = roxmltree::Document::parse(text).map_err(|e| syntax(e.pos().row, e.to_string()))?;
    let line_of = |node: roxmltree::Node| doc.text_pos_at(node.range().start).row;
    let root = doc.root_element();
    if ![
        "ColorCorrection",
        "ColorCorrectionCollection",
        "ColorDecisionList",
    ]
    .contains(&root.tag_name().name())
    {
        return Err(syntax(
            line_of(root),
            format!(
                "root element <{}>: expected ColorCorrection, ColorCorrectionCollection or ColorDecisionList",
                root.tag_name().name()
            ),
        ));
    }
    let numbers = |node: roxmltree::Node, name: &str, count: usize| -> Result<Vec<f32>, CdlError> {
        let element = child(node, &[name]).ok_or_else(|| {
            syntax(
                line_of(node),
                format!("<{}> has no <{name}>", node.tag_name().name()),
            )
        })?;
        let text = element.text().unwrap_or("");
        let values: Vec<f32> = text
            .split_whitespace()
            .map(|w| w.parse::<f32>().ok().filter(|v| v.is_finite()))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                syntax(
                    line_of(element),
                    format!("<{name}> `{}`: expected finite numbers", text.trim()),
                )
            })?;
        if values.len() != count {
            return Err(syntax(
                line_of(element),
                format!("<{name}> has {} numbers, expected {count}", values.len()),
            ));
        }
        Ok(values)
    };
    let mut corrections = Vec::new();
    for cc in root
        .descendants()
        .filter(|n| n.has_tag_name("ColorCorrection"))
    {
        let id = cc.attribute("id").map(str::to_string);
        let name = id.as_deref().map_or(String::new(), |i| format!(" `{i}`"));
        let sop = child(cc, &["SOPNode"])
            .ok_or_else(|| syntax(line_of(cc), format!("ColorCorrection{name} has no SOPNode")))?;
        let triple = |v: Vec<f32>| [v[0], v[1], v[2]];
        let saturation = match child(cc, &["SatNode", "SATNode"]) {
            Some(sat) => numbers(sat, "Saturation", 1)?[0],
            None => 1.0,
        };
        let descriptions = cc
            .children()
            .chain(sop.children())
            .filter(|n| n.has_tag_name("Description"))
            .filter_map(|n| n.text().map(|t| t.trim().to_string()))
            .collect();
        corrections.push(ColorCorrection {
            id,
            descriptions,
            cdl: Cdl {
                slope: triple(numbers(sop, "Slope", 3)?),
                offset: triple(numbers(sop, "Offset", 3)?),
                power: triple(numbers(sop, "Power", 3)?),
                saturation,
                clamp: true,
            },
        });
    }
    if corrections.is_empty() {
        return Err(syntax(
            line_of(root),
            "no ColorCorrection in the file".into(),
        ));
    }
    Ok(corrections)
}

/// The first child element of `node` named one of `names`.
fn child<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    names: &[&str],
) -> Option<roxmltree::Node<'a, 'input>> {
    node.children()
        .find(|c| c.is_element() && names.contains(&c.tag_name().name()))
}

/// Text for an XML attribute or element. Markup characters become
/// entities, tab and line breaks character references (kept through an
/// attribute), and the control characters XML 1.0 cannot carry at all
/// (section 2.2) become spaces, so the file always parses.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn color_correction(cc: &ColorCorrection, indent: &str) -> String {
    let id = cc
        .id
        .as_deref()
        .map_or(String::new(), |i| format!(" id=\"{}\"", escape(i)));
    let three = |v: [f32; 3]| format!("{} {} {}", v[0], v[1], v[2]);
    let mut out = format!("{indent}<ColorCorrection{id}>\n");
    for d in &cc.descriptions {
        out.push_str(&format!(
            "{indent}  <Description>{}</Description>\n",
            escape(d)
        ));
    }
    out.push_str(&format!(
        "{indent}  <SOPNode>\n{indent}    <Slope>{}</Slope>\n{indent}    <Offset>{}</Offset>\n{indent}    <Power>{}</Power>\n{indent}  </SOPNode>\n",
        three(cc.cdl.slope),
        three(cc.cdl.offset),
        three(cc.cdl.power)
    ));
    out.push_str(&format!(
        "{indent}  <SatNode>\n{indent}    <Saturation>{}</Saturation>\n{indent}  </SatNode>\n{indent}</ColorCorrection>\n",
        cc.cdl.saturation
    ));
    out
}

/// The XML text of `corrections` in `format` (`.cc` takes exactly one).
pub fn to_xml(corrections: &[ColorCorrection], format: CdlFormat) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    match format {
        CdlFormat::Cc => {
            let cc = color_correction(&corrections[0], "");
            out.push_str(&cc.replacen(
                "<ColorCorrection",
                "<ColorCorrection xmlns=\"urn:ASC:CDL:v1.01\"",
                1,
            ));
        }
        CdlFormat::Ccc => {
            out.push_str("<ColorCorrectionCollection xmlns=\"urn:ASC:CDL:v1.01\">\n");
            for cc in corrections {
                out.push_str(&color_correction(cc, "  "));
            }
            out.push_str("</ColorCorrectionCollection>\n");
        }
        CdlFormat::Cdl => {
            out.push_str("<ColorDecisionList xmlns=\"urn:ASC:CDL:v1.01\">\n");
            for cc in corrections {
                out.push_str("  <ColorDecision>\n");
                out.push_str(&color_correction(cc, "    "));
                out.push_str("  </ColorDecision>\n");
            }
            out.push_str("</ColorDecisionList>\n");
        }
    }
    out
}

/// Writes `corrections` to `path` (form from its extension), atomically.
pub fn write(path: &Path, corrections: &[ColorCorrection]) -> Result<(), CdlError> {
    let format = CdlFormat::of(path)?;
    let text = to_xml(corrections, format);
    crate::output::write_file(path, text.as_bytes()).map_err(|e| CdlError::Write {
        path: path.into(),
        message: e.to_string(),
    })
}

impl ColorCorrection {
    /// The look as one ColorCorrection (id: `id`, else the look's name),
    /// or why ASC CDL v1.2 cannot carry it: it holds slope, offset, power
    /// and saturation and nothing else. (`origin` names the look in the
    /// error.) The XML has no word for the clamp: a reader applies its own
    /// (OpenColorIO none, an ASC CDL v1.2 box [0, 1]), so the caller says
    /// which the look means. Secondaries are left out by the caller's
    /// choice: they need the live masks, which no CDL or LUT can carry.
    pub fn from_look(look: &Look, origin: &str, id: Option<String>) -> Result<Self, CdlError> {
        let refuse = |what: String| CdlError::NotCarried {
            look: origin.to_string(),
            what,
        };
        let primaries = look.primary.changed_keys();
        if !primaries.is_empty() {
            return Err(refuse(format!("[primary] {}", primaries.join(", "))));
        }
        if look.lut.is_some() {
            return Err(refuse("the [lut]".into()));
        }
        Ok(ColorCorrection {
            id: id
                .or_else(|| Some(look.name.clone()))
                .filter(|i| !i.is_empty()),
            descriptions: Some(look.name.clone())
                .filter(|n| !n.is_empty())
                .into_iter()
                .collect(),
            cdl: look.cdl.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ColorCorrection {
        ColorCorrection {
            id: Some("A001_C003 <day>".into()),
            descriptions: vec!["warm & bright".into()],
            cdl: Cdl {
                slope: [1.0812345, 0.97, 0.9012],
                offset: [-0.0123, 0.004, 0.1],
                power: [0.95, 1.0, 1.0634567],
                saturation: 1.1572,
                clamp: true,
            },
        }
    }

    #[test]
    fn every_form_round_trips_exactly() {
        for (format, name) in [
            (CdlFormat::Cc, "a.cc"),
            (CdlFormat::Ccc, "a.ccc"),
            (CdlFormat::Cdl, "a.cdl"),
        ] {
            let xml = to_xml(&[sample()], format);
            let back = parse(&xml, Path::new(name)).unwrap();
            assert_eq!(back, vec![sample()], "{format:?}:\n{xml}");
        }
    }

    #[test]
    fn reads_what_other_tools_write() {
        // v1.01-style uppercase SATNode, a description in the SOPNode,
        // several corrections in a collection.
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<ColorCorrectionCollection xmlns="urn:ASC:CDL:v1.01">
  <ColorCorrection id="cc1">
    <SOPNode>
      <Description>from the set</Description>
      <Slope>1.1 1.0 0.9</Slope><Offset>0 0 0</Offset><Power>1 1 1</Power>
    </SOPNode>
    <SATNode><Saturation>0.8</Saturation></SATNode>
  </ColorCorrection>
  <ColorCorrection id="cc2">
    <SOPNode><Slope>1 1 1</Slope><Offset>0.1 0.1 0.1</Offset><Power>1 1 1</Power></SOPNode>
  </ColorCorrection>
</ColorCorrectionCollection>"#;
        let all = parse(xml, Path::new("x.ccc")).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].cdl.saturation, 0.8);
        assert_eq!(all[0].descriptions, ["from the set"]);
        assert_eq!(all[1].cdl.saturation, 1.0);
        assert_eq!(all[1].cdl.offset, [0.1; 3]);
    }

    #[test]
    fn hostile_nesting_is_refused_by_line() {
        let deep = format!(
            "<ColorCorrection>\n{}{}</ColorCorrection>",
            "<a>".repeat(20_000),
            "</a>".repeat(20_000)
        );
        let err = parse(&deep, Path::new("deep.cc")).unwrap_err().to_string();
        assert!(
            err.contains("deep.cc, line 2") && err.contains("nested"),
            "{err}"
        );
        // Comments, CDATA and empty elements do not count.
        let fine = "<!-- <a><a> --><ColorCorrection id=\"x\"><SOPNode><Slope>1 1 1</Slope><Offset>0 0 0</Offset><Power>1 1 1</Power></SOPNode><SatNode><Saturation>1</Saturation></SatNode><Description><![CDATA[<<<]]></Description><e/></ColorCorrection>";
        assert!(too_deep(fine, 4).is_none());
        assert_eq!(parse(fine, Path::new("ok.cc")).unwrap().len(), 1);
    }

    #[test]
    fn errors_name_file_and_line() {
        let missing_sop = "<ColorCorrection id=\"x\">\n  <SatNode><Saturation>1</Saturation></SatNode>\n</ColorCorrection>";
        let e = parse(missing_sop, Path::new("shot.cc"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("shot.cc")
                && e.contains("line 1")
                && e.contains("no SOPNode")
                && e.contains("`x`"),
            "{e}"
        );
        let bad_number = "<ColorCorrection>\n<SOPNode>\n<Slope>1 one 1</Slope><Offset>0 0 0</Offset><Power>1 1 1</Power></SOPNode></ColorCorrection>";
        let e = parse(bad_number, Path::new("shot.cc"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("1 one 1"), "{e}");
        let short = "<ColorCorrection><SOPNode><Slope>1 1</Slope><Offset>0 0 0</Offset><Power>1 1 1</Power></SOPNode></ColorCorrection>";
        assert!(parse(short, Path::new("s.cc"))
            .unwrap_err()
            .to_string()
            .contains("2 numbers, expected 3"));
        let broken = "<ColorCorrection>\n<SOPNode>";
        assert!(parse(broken, Path::new("b.cc"))
            .unwrap_err()
            .to_string()
            .contains("b.cc, line"));
        let other = "<Look/>";
        assert!(parse(other, Path::new("o.cc"))
            .unwrap_err()
            .to_string()
            .contains("root element <Look>"));
    }
}
