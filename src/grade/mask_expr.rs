//! Mask expressions: what a `[[secondary]]` keys, written as the masks it
//! combines (`mask = "skin & person"`, `"background - face"`,
//! `"(eyes | lips) & !shine"`, `"qualifier & background"`).
//!
//! How it works: a small recursive-descent parser reads names and the
//! operators `!` (invert, `1 - a`), `&` (intersect, `min(a, b)`), `-`
//! (subtract, `min(a, 1 - b)`) and `|` (union, `max(a, b)`), tightest first
//! in that order, with brackets; the fuzzy-logic min/max keep a soft edge
//! soft. The analysis masks live on the masks' grid, so the expression is
//! compiled into a short stack program ([`Op`]) that the keying pass runs
//! per mask texel (CPU twin: [`Program::eval`]). The HSL qualifier keys the
//! graded picture per pixel instead: it may only be intersected with the
//! rest (`qualifier & ...`, `... - qualifier`), and [`Compiled::qualifier`]
//! says whether and how (inverted after `-` or `!`). A single name is the
//! look file's contract (`mask = "face"`); expressions extend it.

use crate::masks::MaskChannel;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The names a mask expression may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskKind {
    Face,
    Skin,
    Person,
    Background,
    DepthNear,
    DepthFar,
    Eyes,
    Lips,
    UnderEyes,
    Shine,
    Object,
    Qualifier,
}

impl MaskKind {
    pub const ALL: [MaskKind; 12] = [
        MaskKind::Face,
        MaskKind::Skin,
        MaskKind::Person,
        MaskKind::Background,
        MaskKind::DepthNear,
        MaskKind::DepthFar,
        MaskKind::Eyes,
        MaskKind::Lips,
        MaskKind::UnderEyes,
        MaskKind::Shine,
        MaskKind::Object,
        MaskKind::Qualifier,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MaskKind::Face => "face",
            MaskKind::Skin => "skin",
            MaskKind::Person => "person",
            MaskKind::Background => "background",
            MaskKind::DepthNear => "depth-near",
            MaskKind::DepthFar => "depth-far",
            MaskKind::Eyes => "eyes",
            MaskKind::Lips => "lips",
            MaskKind::UnderEyes => "under-eyes",
            MaskKind::Shine => "shine",
            MaskKind::Object => "object",
            MaskKind::Qualifier => "qualifier",
        }
    }

    /// The analysis mask channel it reads and whether inverted (`None`:
    /// the qualifier, keyed per pixel).
    pub fn channel(self) -> Option<(MaskChannel, bool)> {
        Some(match self {
            MaskKind::Face => (MaskChannel::Face, false),
            MaskKind::Skin => (MaskChannel::Skin, false),
            MaskKind::Person => (MaskChannel::Person, false),
            MaskKind::Background => (MaskChannel::Person, true),
            MaskKind::DepthNear => (MaskChannel::Depth, false),
            MaskKind::DepthFar => (MaskChannel::Depth, true),
            MaskKind::Eyes => (MaskChannel::Eyes, false),
            MaskKind::Lips => (MaskChannel::Lips, false),
            MaskKind::UnderEyes => (MaskChannel::UnderEyes, false),
            MaskKind::Shine => (MaskChannel::Shine, false),
            MaskKind::Object => (MaskChannel::Object, false),
            MaskKind::Qualifier => return None,
        })
    }

    /// Whether the mask is a part of the face that the tonal controls
    /// reshape (a look grading it changes how a person looks): one drawn
    /// from the faces (`MaskChannel::follows_faces`).
    pub fn is_face_part(self) -> bool {
        self.channel().is_some_and(|(c, _)| c.follows_faces())
    }
}

/// A parsed mask expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaskExpr {
    Mask(MaskKind),
    Not(Box<MaskExpr>),
    And(Box<MaskExpr>, Box<MaskExpr>),
    Minus(Box<MaskExpr>, Box<MaskExpr>),
    Or(Box<MaskExpr>, Box<MaskExpr>),
}

impl From<MaskKind> for MaskExpr {
    fn from(kind: MaskKind) -> MaskExpr {
        MaskExpr::Mask(kind)
    }
}

/// Why a mask expression was refused, with the place in it (a long
/// expression is shown around that place only).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("mask \"{}\": {message} at character {at}", excerpt(.text, *.at))]
pub struct MaskExprError {
    pub text: String,
    pub at: usize,
    pub message: String,
}

/// The longest expression text taken (a program holds [`MAX_OPS`] steps,
/// so a usable expression is far shorter).
pub const MAX_TEXT: usize = 256;

/// How deep `!` and brackets may nest; checked while parsing, so that no
/// text can recurse further.
pub const MAX_DEPTH: usize = 16;

/// At most 60 characters of `text` around byte `at`, marked where cut.
fn excerpt(text: &str, at: usize) -> String {
    const SHOWN: usize = 60;
    if text.chars().count() <= SHOWN {
        return text.to_string();
    }
    let at_char = text[..at.min(text.len())].chars().count();
    let start = at_char.saturating_sub(SHOWN / 2);
    let part: String = text.chars().skip(start).take(SHOWN).collect();
    let before = if start > 0 { "…" } else { "" };
    let after = if start + SHOWN < text.chars().count() {
        "…"
    } else {
        ""
    };
    format!("{before}{part}{after}")
}

/// One step of the compiled program, run on a stack of mask values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Push a mask channel's value, inverted or not.
    Push(MaskChannel, bool),
    /// Push 1 (the whole picture: `mask = "qualifier"`).
    One,
    Not,
    And,
    Minus,
    Or,
}

/// The most steps a program may have (the keying pass's uniform holds this
/// many).
pub const MAX_OPS: usize = 8;

/// The grid part of an expression, as a stack program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub ops: Vec<Op>,
}

impl Program {
    /// Runs the program with `value` giving each channel's value (0..1).
    /// CPU twin of `run_program` in shaders/masks.wgsl.
    pub fn eval(&self, value: impl Fn(MaskChannel) -> f32) -> f32 {
        let mut stack = [0.0f32; MAX_OPS];
        let mut top = 0;
        for op in &self.ops {
            match *op {
                Op::Push(channel, inverted) => {
                    let v = value(channel);
                    stack[top] = if inverted { 1.0 - v } else { v };
                    top += 1;
                }
                Op::One => {
                    stack[top] = 1.0;
                    top += 1;
                }
                Op::Not => stack[top - 1] = 1.0 - stack[top - 1],
                Op::And | Op::Minus | Op::Or => {
                    let (a, b) = (stack[top - 2], stack[top - 1]);
                    top -= 1;
                    stack[top - 1] = match op {
                        Op::And => a.min(b),
                        Op::Minus => a.min(1.0 - b),
                        _ => a.max(b),
                    };
                }
            }
        }
        stack[0]
    }

    /// The channels it reads.
    pub fn channels(&self) -> impl Iterator<Item = MaskChannel> + '_ {
        self.ops.iter().filter_map(|op| match op {
            Op::Push(channel, _) => Some(*channel),
            _ => None,
        })
    }
}

/// An expression split into what the grid keys and what the pixel keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    pub program: Program,
    /// `Some(inverted)` when the qualifier narrows the mask.
    pub qualifier: Option<bool>,
}

impl MaskExpr {
    /// Parses `text`; see the module comment for the grammar.
    pub fn parse(text: &str) -> Result<MaskExpr, MaskExprError> {
        let length = text.chars().count();
        if length > MAX_TEXT {
            return Err(MaskExprError {
                text: text.to_string(),
                at: 0,
                message: format!("{length} characters, at most {MAX_TEXT}"),
            });
        }
        let mut parser = Parser {
            text,
            tokens: tokenize(text)?,
            next: 0,
            depth: 0,
        };
        let expr = parser.union()?;
        if let Some(token) = parser.tokens.get(parser.next) {
            return Err(parser.error_at(token.at, "expected an operator (& - |) or the end"));
        }
        let compiled = expr.compile().map_err(|message| MaskExprError {
            text: text.to_string(),
            at: 0,
            message,
        })?;
        if compiled.program.ops.len() > MAX_OPS {
            return Err(MaskExprError {
                text: text.to_string(),
                at: 0,
                message: format!(
                    "{} steps, at most {MAX_OPS} (names and operators together)",
                    compiled.program.ops.len()
                ),
            });
        }
        Ok(expr)
    }

    /// Every name it uses.
    pub fn kinds(&self) -> Vec<MaskKind> {
        let mut out = Vec::new();
        self.visit(&mut |kind| out.push(kind));
        out
    }

    /// The names whose insides it grades: those not inverted an odd
    /// number of times (`!`, the right of `-`, and `inverted` for the
    /// secondary's own `invert`). `"background - face"` grades no face.
    pub fn graded_kinds(&self, inverted: bool) -> Vec<MaskKind> {
        fn walk(e: &MaskExpr, inverted: bool, out: &mut Vec<MaskKind>) {
            match e {
                MaskExpr::Mask(kind) => {
                    if !inverted {
                        out.push(*kind);
                    }
                }
                MaskExpr::Not(a) => walk(a, !inverted, out),
                MaskExpr::And(a, b) | MaskExpr::Or(a, b) => {
                    walk(a, inverted, out);
                    walk(b, inverted, out);
                }
                MaskExpr::Minus(a, b) => {
                    walk(a, inverted, out);
                    walk(b, !inverted, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(self, inverted, &mut out);
        out
    }

    fn visit(&self, f: &mut impl FnMut(MaskKind)) {
        match self {
            MaskExpr::Mask(kind) => f(*kind),
            MaskExpr::Not(a) => a.visit(f),
            MaskExpr::And(a, b) | MaskExpr::Minus(a, b) | MaskExpr::Or(a, b) => {
                a.visit(f);
                b.visit(f);
            }
        }
    }

    /// The program for the grid and the qualifier's part. Only checked
    /// expressions reach the GPU: [`MaskExpr::parse`] refuses the rest.
    pub fn compile(&self) -> Result<Compiled, String> {
        // The top-level intersection's terms: the qualifier may be one of
        // them (possibly inverted), and nowhere else.
        let mut terms = Vec::new();
        self.conjuncts(false, &mut terms);
        let mut qualifier = None;
        let mut ops = Vec::new();
        for (term, negated) in terms {
            let inverted_qualifier = match term {
                MaskExpr::Mask(MaskKind::Qualifier) => Some(negated),
                MaskExpr::Not(inner) if **inner == MaskExpr::Mask(MaskKind::Qualifier) => {
                    Some(!negated)
                }
                _ => None,
            };
            if let Some(inverted) = inverted_qualifier {
                if qualifier.replace(inverted).is_some() {
                    return Err("the qualifier is named twice".into());
                }
                continue;
            }
            let empty = ops.is_empty();
            term.emit(&mut ops)?;
            if negated {
                ops.push(Op::Not);
            }
            if !empty {
                ops.push(Op::And);
            }
        }
        if ops.is_empty() {
            ops.push(Op::One);
        }
        Ok(Compiled {
            program: Program { ops },
            qualifier,
        })
    }

    /// Splits a top-level chain of `&` and `-` into its terms, each with
    /// whether it is subtracted (`a - b` is `a & !b`).
    fn conjuncts<'a>(&'a self, negated: bool, out: &mut Vec<(&'a MaskExpr, bool)>) {
        match (self, negated) {
            (MaskExpr::And(a, b), false) => {
                a.conjuncts(false, out);
                b.conjuncts(false, out);
            }
            (MaskExpr::Minus(a, b), false) => {
                a.conjuncts(false, out);
                out.push((b, true));
            }
            _ => out.push((self, negated)),
        }
    }

    fn emit(&self, ops: &mut Vec<Op>) -> Result<(), String> {
        match self {
            MaskExpr::Mask(kind) => match kind.channel() {
                Some((channel, inverted)) => ops.push(Op::Push(channel, inverted)),
                None => {
                    return Err(
                        "the qualifier keys each pixel, so it can only be intersected with the rest (\"qualifier & person\", \"person - qualifier\")"
                            .into(),
                    )
                }
            },
            MaskExpr::Not(a) => {
                a.emit(ops)?;
                ops.push(Op::Not);
            }
            MaskExpr::And(a, b) | MaskExpr::Minus(a, b) | MaskExpr::Or(a, b) => {
                a.emit(ops)?;
                b.emit(ops)?;
                ops.push(match self {
                    MaskExpr::And(..) => Op::And,
                    MaskExpr::Minus(..) => Op::Minus,
                    _ => Op::Or,
                });
            }
        }
        Ok(())
    }

    fn precedence(&self) -> u8 {
        match self {
            MaskExpr::Or(..) => 1,
            MaskExpr::Minus(..) => 2,
            MaskExpr::And(..) => 3,
            MaskExpr::Not(..) | MaskExpr::Mask(..) => 4,
        }
    }
}

/// The canonical text: names, spaced operators, brackets only where needed;
/// it parses back to the same expression.
impl fmt::Display for MaskExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let operand = |f: &mut fmt::Formatter<'_>, e: &MaskExpr, min: u8| {
            if e.precedence() < min {
                write!(f, "({e})")
            } else {
                write!(f, "{e}")
            }
        };
        match self {
            MaskExpr::Mask(kind) => f.write_str(kind.name()),
            MaskExpr::Not(a) => {
                f.write_str("!")?;
                operand(f, a, 4)
            }
            MaskExpr::And(a, b) | MaskExpr::Minus(a, b) | MaskExpr::Or(a, b) => {
                let p = self.precedence();
                let symbol = match self {
                    MaskExpr::And(..) => "&",
                    MaskExpr::Minus(..) => "-",
                    _ => "|",
                };
                // Left-associative: the right operand needs brackets at
                // the same level.
                operand(f, a, p)?;
                write!(f, " {symbol} ")?;
                operand(f, b, p + 1)
            }
        }
    }
}

impl Serialize for MaskExpr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MaskExpr {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<MaskExpr, D::Error> {
        let text = String::deserialize(deserializer)?;
        MaskExpr::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(MaskKind),
    Symbol(char),
}

struct Spanned {
    token: Token,
    at: usize,
}

fn tokenize(text: &str) -> Result<Vec<Spanned>, MaskExprError> {
    let error = |at: usize, message: String| MaskExprError {
        text: text.to_string(),
        at,
        message,
    };
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(at, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if "!&|-()".contains(c) {
            chars.next();
            tokens.push(Spanned {
                token: Token::Symbol(c),
                at,
            });
        } else if c.is_ascii_alphabetic() {
            // The longest known name here: "depth-near" is one name,
            // "person-face" two names and an operator.
            let rest = &text[at..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(rest.len());
            let word = &rest[..end];
            let known = |w: &str| {
                let wanted = w.to_ascii_lowercase().replace('_', "-");
                MaskKind::ALL.into_iter().find(|k| k.name() == wanted)
            };
            let found = std::iter::once(end)
                .chain(word.rmatch_indices('-').map(|(i, _)| i))
                .find_map(|len| known(&word[..len]).map(|kind| (kind, len)));
            let Some((kind, len)) = found else {
                let shown = word.split('-').next().unwrap_or(word);
                let names: Vec<&str> = MaskKind::ALL.iter().map(|k| k.name()).collect();
                return Err(error(
                    at,
                    format!(
                        "unknown mask \"{shown}\" (expected one of: {})",
                        names.join(", ")
                    ),
                ));
            };
            tokens.push(Spanned {
                token: Token::Name(kind),
                at,
            });
            for _ in 0..len {
                chars.next();
            }
        } else {
            return Err(error(
                at,
                format!("unexpected '{c}' (expected a mask name, ! & - | or brackets)"),
            ));
        }
    }
    Ok(tokens)
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Spanned>,
    next: usize,
    /// `!` and brackets open around the current place.
    depth: usize,
}

impl Parser<'_> {
    fn error_at(&self, at: usize, message: &str) -> MaskExprError {
        MaskExprError {
            text: self.text.to_string(),
            at,
            message: message.to_string(),
        }
    }

    fn eat(&mut self, symbol: char) -> bool {
        let found = self
            .tokens
            .get(self.next)
            .is_some_and(|t| t.token == Token::Symbol(symbol));
        if found {
            self.next += 1;
        }
        found
    }

    /// Binary operators of one level, left-associative.
    fn level(
        &mut self,
        symbol: char,
        tighter: fn(&mut Self) -> Result<MaskExpr, MaskExprError>,
        make: fn(Box<MaskExpr>, Box<MaskExpr>) -> MaskExpr,
    ) -> Result<MaskExpr, MaskExprError> {
        let mut left = tighter(self)?;
        while self.eat(symbol) {
            let right = tighter(self)?;
            left = make(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn union(&mut self) -> Result<MaskExpr, MaskExprError> {
        self.level('|', Self::difference, MaskExpr::Or)
    }

    fn difference(&mut self) -> Result<MaskExpr, MaskExprError> {
        self.level('-', Self::intersection, MaskExpr::Minus)
    }

    fn intersection(&mut self) -> Result<MaskExpr, MaskExprError> {
        self.level('&', Self::unary, MaskExpr::And)
    }

    fn unary(&mut self) -> Result<MaskExpr, MaskExprError> {
        let Some(token) = self.tokens.get(self.next) else {
            return Err(self.error_at(self.text.len(), "expected a mask name"));
        };
        let at = token.at;
        let token = token.token.clone();
        if matches!(token, Token::Symbol('!' | '(')) {
            if self.depth == MAX_DEPTH {
                return Err(self.error_at(
                    at,
                    &format!("nested more than {MAX_DEPTH} deep (! and brackets)"),
                ));
            }
            self.depth += 1;
        }
        let parsed = match token {
            Token::Name(kind) => {
                self.next += 1;
                return Ok(MaskExpr::Mask(kind));
            }
            Token::Symbol('!') => {
                self.next += 1;
                self.unary().map(|inner| MaskExpr::Not(Box::new(inner)))
            }
            Token::Symbol('(') => {
                self.next += 1;
                let inner = self.union()?;
                if !self.eat(')') {
                    let at = self.tokens.get(self.next).map_or(self.text.len(), |t| t.at);
                    return Err(self.error_at(at, "expected ')'"));
                }
                Ok(inner)
            }
            Token::Symbol(c) => {
                return Err(self.error_at(at, &format!("expected a mask name, found '{c}'")))
            }
        };
        self.depth -= 1;
        parsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::noise::SplitMix64;

    fn program(text: &str) -> Compiled {
        MaskExpr::parse(text).unwrap().compile().unwrap()
    }

    #[test]
    fn names_and_operators_parse_with_precedence() {
        assert_eq!(
            MaskExpr::parse("face").unwrap(),
            MaskExpr::Mask(MaskKind::Face)
        );
        assert_eq!(
            MaskExpr::parse("depth-near").unwrap(),
            MaskExpr::Mask(MaskKind::DepthNear)
        );
        // `&` binds tighter than `-`, which binds tighter than `|`.
        let e = MaskExpr::parse("eyes | skin & person - face").unwrap();
        assert_eq!(e.to_string(), "eyes | skin & person - face");
        let MaskExpr::Or(_, right) = &e else {
            panic!("{e:?}")
        };
        assert!(matches!(**right, MaskExpr::Minus(..)));
        assert_eq!(
            MaskExpr::parse("person-face").unwrap().to_string(),
            "person - face"
        );
        assert_eq!(
            MaskExpr::parse("!(eyes|lips)").unwrap().to_string(),
            "!(eyes | lips)"
        );
    }

    #[test]
    fn programs_are_fuzzy_set_operations() {
        let values = |c: MaskChannel| match c {
            MaskChannel::Skin => 0.8,
            MaskChannel::Person => 0.5,
            MaskChannel::Face => 0.3,
            _ => 0.0,
        };
        let eval = |text: &str| program(text).program.eval(values);
        assert_eq!(eval("skin & person"), 0.5);
        assert_eq!(eval("skin | face"), 0.8);
        assert!((eval("skin - face") - 0.7).abs() < 1e-6);
        assert_eq!(eval("background"), 0.5);
        assert!((eval("!face") - 0.7).abs() < 1e-6);
        assert!((eval("person - (skin | face)") - 0.2).abs() < 1e-6);
    }

    #[test]
    fn graded_kinds_follow_inversion() {
        let graded = |text: &str, invert: bool| MaskExpr::parse(text).unwrap().graded_kinds(invert);
        assert_eq!(
            graded("skin & person", false),
            vec![MaskKind::Skin, MaskKind::Person]
        );
        assert_eq!(
            graded("background - face", false),
            vec![MaskKind::Background]
        );
        assert_eq!(graded("!face", false), Vec::<MaskKind>::new());
        assert_eq!(graded("!face", true), vec![MaskKind::Face]);
        assert_eq!(graded("background", true), Vec::<MaskKind>::new());
    }

    #[test]
    fn the_qualifier_is_only_intersected() {
        assert_eq!(program("qualifier").qualifier, Some(false));
        assert_eq!(program("qualifier").program.ops, vec![Op::One]);
        let c = program("qualifier & background");
        assert_eq!(c.qualifier, Some(false));
        assert_eq!(c.program.ops, vec![Op::Push(MaskChannel::Person, true)]);
        assert_eq!(program("person - qualifier").qualifier, Some(true));
        assert_eq!(program("!qualifier & skin").qualifier, Some(true));
        for bad in [
            "qualifier | face",
            "!(qualifier & face)",
            "face - (skin & qualifier)",
        ] {
            let e = MaskExpr::parse(bad).unwrap_err();
            assert!(e.message.contains("intersected"), "{bad}: {e}");
        }
        assert!(MaskExpr::parse("qualifier & qualifier")
            .unwrap_err()
            .message
            .contains("twice"));
    }

    #[test]
    fn errors_name_the_place_and_what_was_expected() {
        let e = MaskExpr::parse("skin & nose").unwrap_err();
        assert_eq!(e.at, 7);
        assert!(e.to_string().contains("unknown mask \"nose\""), "{e}");
        assert!(e.to_string().contains("under-eyes"), "{e}");
        assert_eq!(MaskExpr::parse("skin &").unwrap_err().at, 6);
        assert_eq!(
            MaskExpr::parse("(skin").unwrap_err().message,
            "expected ')'"
        );
        assert!(MaskExpr::parse("skin person")
            .unwrap_err()
            .message
            .contains("operator"));
        assert!(MaskExpr::parse("").is_err());
        assert!(MaskExpr::parse("skin * face")
            .unwrap_err()
            .message
            .contains('*'));
        let long = "face | skin | person | eyes | lips";
        assert!(MaskExpr::parse(long)
            .unwrap_err()
            .message
            .contains("at most"));
    }

    #[test]
    fn nesting_and_length_are_bounded_before_recursing() {
        // 100,000 deep would overflow the stack if parsing recursed first.
        for deep in [
            format!("{}skin{}", "(".repeat(100_000), ")".repeat(100_000)),
            format!("{}skin", "!".repeat(100_000)),
        ] {
            let e = MaskExpr::parse(&deep).unwrap_err();
            assert!(e.message.contains("at most 256"), "{}", e.message);
            // The one-line error stays short.
            assert!(e.to_string().len() < 200, "{}", e.to_string().len());
        }
        let nested = format!("{}skin{}", "(".repeat(17), ")".repeat(17));
        let e = MaskExpr::parse(&nested).unwrap_err();
        assert!(e.message.contains("16 deep"), "{}", e.message);
        assert_eq!(e.at, 16);
        let fine = format!("{}skin{}", "(".repeat(16), ")".repeat(16));
        assert!(MaskExpr::parse(&fine).is_ok());
        assert!(MaskExpr::parse(&format!("{}skin", "!".repeat(17))).is_err());
        // A long error shows the place, cut short around it.
        let terms = vec!["skin"; 30].join(" | ") + " | nose";
        let e = MaskExpr::parse(&terms).unwrap_err();
        let shown = e.to_string();
        assert!(shown.contains("…") && shown.contains("nose"), "{shown}");
    }

    /// A random expression of depth up to `depth` (names without the
    /// qualifier).
    fn random_expr(rng: &mut SplitMix64, depth: u32) -> MaskExpr {
        let pick = rng.next_u64();
        if depth == 0 || pick % 3 == 0 {
            return MaskExpr::Mask(MaskKind::ALL[(pick / 3 % 10) as usize]);
        }
        let mut sub = || Box::new(random_expr(rng, depth - 1));
        match pick / 3 % 4 {
            0 => MaskExpr::Not(sub()),
            1 => MaskExpr::And(sub(), sub()),
            2 => MaskExpr::Minus(sub(), sub()),
            _ => MaskExpr::Or(sub(), sub()),
        }
    }

    // Property: printing then parsing gives the same expression back, and
    // the program computes what the expression says.
    #[test]
    fn canonical_text_round_trips_and_programs_agree() {
        let mut rng = SplitMix64(16);
        let mut checked = 0;
        for _ in 0..3000 {
            let e = random_expr(&mut rng, 3);
            let text = e.to_string();
            match MaskExpr::parse(&text) {
                Ok(back) => assert_eq!(back, e, "{text}"),
                Err(err) => {
                    assert!(err.message.contains("at most"), "{text}: {err}");
                    continue;
                }
            }
            let values: Vec<f32> = (0..8).map(|_| rng.next_unit() as f32).collect();
            let value = |c: MaskChannel| values[c as usize];
            let direct = direct_eval(&e, &value);
            let run = e.compile().unwrap().program.eval(value);
            assert!((direct - run).abs() < 1e-6, "{text}: {direct} vs {run}");
            checked += 1;
        }
        assert!(checked > 1000, "{checked}");
    }

    fn direct_eval(e: &MaskExpr, value: &impl Fn(MaskChannel) -> f32) -> f32 {
        match e {
            MaskExpr::Mask(kind) => {
                let (channel, inverted) = kind.channel().unwrap();
                let v = value(channel);
                if inverted {
                    1.0 - v
                } else {
                    v
                }
            }
            MaskExpr::Not(a) => 1.0 - direct_eval(a, value),
            MaskExpr::And(a, b) => direct_eval(a, value).min(direct_eval(b, value)),
            MaskExpr::Minus(a, b) => direct_eval(a, value).min(1.0 - direct_eval(b, value)),
            MaskExpr::Or(a, b) => direct_eval(a, value).max(direct_eval(b, value)),
        }
    }

    // Any text from the expression alphabet: a result or an error, never a
    // panic (the look_toml fuzz target covers arbitrary bytes).
    #[test]
    fn any_text_parses_or_is_refused() {
        let alphabet: Vec<char> = "face skin-person!&|()qualifier-under-eyes depth-near_x"
            .chars()
            .collect();
        let mut rng = SplitMix64(7);
        for _ in 0..20000 {
            let len = (rng.next_u64() % 40) as usize;
            let text: String = (0..len)
                .map(|_| alphabet[(rng.next_u64() % alphabet.len() as u64) as usize])
                .collect();
            let _ = MaskExpr::parse(&text);
        }
    }
}
