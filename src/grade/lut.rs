//! LUTs: reading `.cube` (1D and 3D) and `.spi3d`, interpolating (tetrahedral
//! or trilinear), and writing `.cube` for LUT boxes and monitors.
//!
//! How it works: a file is parsed completely into a [`Lut`] before anything
//! uses it, so a bad file is one precise error (file, line, what was
//! expected) and never a half-loaded LUT. `.cube` follows the Adobe "Cube LUT
//! Specification 1.0" (2013): keywords, then data lines with red changing
//! fastest; Resolve's `LUT_3D_INPUT_RANGE` is read as the domain.
//! Interpolation follows the same cell and tetrahedron choice as ffmpeg's
//! `lut3d` filter, which the tests use as the independent reference.

use std::path::{Path, PathBuf};

/// Allowed sizes (the Cube specification's ranges).
pub const CUBE_3D_SIZES: std::ops::RangeInclusive<usize> = 2..=256;
pub const CUBE_1D_SIZES: std::ops::RangeInclusive<usize> = 2..=65536;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LutError {
    #[error("LUT file {path}: cannot read: {message}")]
    Read { path: PathBuf, message: String },
    #[error("LUT file {path}, line {line}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("LUT file {path}: {message}")]
    Shape { path: PathBuf, message: String },
    #[error("LUT file {path}: unknown LUT type; expected .cube or .spi3d")]
    UnknownType { path: PathBuf },
}

/// A 3D LUT: `size`^3 entries, red index fastest, optionally behind a 1D
/// shaper (DaVinci Resolve's .cube form: `LUT_1D_SIZE` and `LUT_3D_SIZE`
/// in one file, the 1D applied first), which spends the grid's points
/// where the input's values lie.
#[derive(Debug, Clone, PartialEq)]
pub struct Lut3d {
    pub title: String,
    pub size: usize,
    pub domain_min: [f32; 3],
    pub domain_max: [f32; 3],
    pub table: Vec<[f32; 3]>,
    pub shaper: Option<Lut1d>,
}

/// A 1D LUT: `size` entries per channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Lut1d {
    pub title: String,
    pub domain_min: [f32; 3],
    pub domain_max: [f32; 3],
    pub table: Vec<[f32; 3]>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lut {
    OneD(Lut1d),
    ThreeD(Lut3d),
}

/// How a 3D LUT is interpolated between its grid points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interpolation {
    /// Six tetrahedra per cell: smoother on the neutral axis, the usual
    /// choice of grading systems.
    #[default]
    Tetrahedral,
    /// Eight corners per cell.
    Trilinear,
}

impl Lut {
    /// Reads a `.cube` or `.spi3d` file completely.
    pub fn read(path: &Path) -> Result<Lut, LutError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let text = std::fs::read_to_string(path).map_err(|e| LutError::Read {
            path: path.into(),
            message: e.to_string(),
        })?;
        match ext.as_deref() {
            Some("cube") => parse_cube(&text, path),
            Some("spi3d") => parse_spi3d(&text, path).map(Lut::ThreeD),
            _ => Err(LutError::UnknownType { path: path.into() }),
        }
    }

    /// The 1D shaper in front of a 3D LUT, if it has one.
    pub fn shaper(&self) -> Option<&Lut1d> {
        match self {
            Lut::OneD(_) => None,
            Lut::ThreeD(l) => l.shaper.as_ref(),
        }
    }

    /// The entries: a 1D LUT's in order, a 3D LUT's red index fastest
    /// (without its shaper's).
    pub fn table(&self) -> &[[f32; 3]] {
        match self {
            Lut::OneD(l) => &l.table,
            Lut::ThreeD(l) => &l.table,
        }
    }

    pub fn apply(&self, rgb: [f32; 3], interpolation: Interpolation) -> [f32; 3] {
        match self {
            Lut::OneD(l) => l.apply(rgb),
            Lut::ThreeD(l) => l.apply(rgb, interpolation),
        }
    }
}

/// Position of `v` on a grid of `size` points over [min, max], clamped.
fn grid_position(v: f32, min: f32, max: f32, size: usize) -> f32 {
    let scaled = (v - min) / (max - min) * (size - 1) as f32;
    if scaled.is_nan() {
        0.0
    } else {
        scaled.clamp(0.0, (size - 1) as f32)
    }
}

impl Lut1d {
    /// Linear interpolation per channel.
    pub fn apply(&self, rgb: [f32; 3]) -> [f32; 3] {
        let n = self.table.len();
        [0, 1, 2].map(|c| {
            let s = grid_position(rgb[c], self.domain_min[c], self.domain_max[c], n);
            let i = (s as usize).min(n - 2);
            let t = s - i as f32;
            self.table[i][c] * (1.0 - t) + self.table[i + 1][c] * t
        })
    }
}

impl Lut3d {
    /// The identity LUT of `size` points over [0, 1].
    pub fn identity(size: usize) -> Lut3d {
        let n = size;
        let step = |i: usize| i as f32 / (n - 1) as f32;
        let mut table = Vec::with_capacity(n * n * n);
        for b in 0..n {
            for g in 0..n {
                for r in 0..n {
                    table.push([step(r), step(g), step(b)]);
                }
            }
        }
        Lut3d {
            title: "identity".into(),
            size,
            domain_min: [0.0; 3],
            domain_max: [1.0; 3],
            table,
            shaper: None,
        }
    }

    /// Where `rgb` (through the shaper, if any) falls on the grid: the
    /// lower corner of its cell, the upper one (the same at the top edge)
    /// and the fractions between.
    fn cell(&self, rgb: [f32; 3]) -> ([usize; 3], [usize; 3], [f32; 3]) {
        let rgb = self.shaper.as_ref().map_or(rgb, |s| s.apply(rgb));
        let n = self.size;
        let s = [0, 1, 2].map(|c| grid_position(rgb[c], self.domain_min[c], self.domain_max[c], n));
        let lo = s.map(|v| v as usize);
        let hi = lo.map(|i| (i + 1).min(n - 1));
        (lo, hi, [0, 1, 2].map(|c| s[c] - lo[c] as f32))
    }

    fn index(&self, r: usize, g: usize, b: usize) -> usize {
        (b * self.size + g) * self.size + r
    }

    /// The four table entries tetrahedral interpolation mixes for `rgb`,
    /// with their weights: six tetrahedra per cell, the one containing the
    /// point chosen by the order of the fractional parts (as ffmpeg's
    /// `interp_tetrahedral` and OpenColorIO's CPU renderer).
    pub fn tetrahedral_weights(&self, rgb: [f32; 3]) -> [(usize, f32); 4] {
        let (lo, hi, [dr, dg, db]) = self.cell(rgb);
        let corner = |r: bool, g: bool, b: bool| {
            let pick = |c: usize, up: bool| if up { hi[c] } else { lo[c] };
            self.index(pick(0, r), pick(1, g), pick(2, b))
        };
        let (c000, c111) = (corner(false, false, false), corner(true, true, true));
        if dr > dg {
            if dg > db {
                [
                    (c000, 1.0 - dr),
                    (corner(true, false, false), dr - dg),
                    (corner(true, true, false), dg - db),
                    (c111, db),
                ]
            } else if dr > db {
                [
                    (c000, 1.0 - dr),
                    (corner(true, false, false), dr - db),
                    (corner(true, false, true), db - dg),
                    (c111, dg),
                ]
            } else {
                [
                    (c000, 1.0 - db),
                    (corner(false, false, true), db - dr),
                    (corner(true, false, true), dr - dg),
                    (c111, dg),
                ]
            }
        } else if db > dg {
            [
                (c000, 1.0 - db),
                (corner(false, false, true), db - dg),
                (corner(false, true, true), dg - dr),
                (c111, dr),
            ]
        } else if db > dr {
            [
                (c000, 1.0 - dg),
                (corner(false, true, false), dg - db),
                (corner(false, true, true), db - dr),
                (c111, dr),
            ]
        } else {
            [
                (c000, 1.0 - dg),
                (corner(false, true, false), dg - dr),
                (corner(true, true, false), dr - db),
                (c111, db),
            ]
        }
    }

    pub fn apply(&self, rgb: [f32; 3], interpolation: Interpolation) -> [f32; 3] {
        let mix = |terms: &[(usize, f32)]| -> [f32; 3] {
            [0, 1, 2].map(|c| terms.iter().map(|(i, w)| w * self.table[*i][c]).sum())
        };
        match interpolation {
            Interpolation::Tetrahedral => mix(&self.tetrahedral_weights(rgb)),
            Interpolation::Trilinear => {
                let (lo, hi, [dr, dg, db]) = self.cell(rgb);
                let at = |r: usize, g: usize, b: usize| self.index(r, g, b);
                mix(&[
                    (
                        at(lo[0], lo[1], lo[2]),
                        (1.0 - dr) * (1.0 - dg) * (1.0 - db),
                    ),
                    (at(hi[0], lo[1], lo[2]), dr * (1.0 - dg) * (1.0 - db)),
                    (at(lo[0], hi[1], lo[2]), (1.0 - dr) * dg * (1.0 - db)),
                    (at(hi[0], hi[1], lo[2]), dr * dg * (1.0 - db)),
                    (at(lo[0], lo[1], hi[2]), (1.0 - dr) * (1.0 - dg) * db),
                    (at(hi[0], lo[1], hi[2]), dr * (1.0 - dg) * db),
                    (at(lo[0], hi[1], hi[2]), (1.0 - dr) * dg * db),
                    (at(hi[0], hi[1], hi[2]), dr * dg * db),
                ])
            }
        }
    }

    /// The file text of this LUT in `.cube` form.
    pub fn to_cube(&self) -> String {
        let mut out = String::new();
        if !self.title.is_empty() {
            // Resolve's form has no TITLE keyword (OpenColorIO refuses one
            // there): the title goes in a comment.
            let keyword = if self.shaper.is_some() { "#" } else { "TITLE" };
            out.push_str(&format!("{keyword} \"{}\"\n", cube_title(&self.title)));
        }
        let entries = |out: &mut String, table: &[[f32; 3]]| {
            for [r, g, b] in table {
                out.push_str(&format!("{r:.7} {g:.7} {b:.7}\n"));
            }
        };
        // Resolve's form carries one range for all three channels.
        let range = |min: [f32; 3], max: [f32; 3]| format!("{} {}", min[0], max[0]);
        if let Some(shaper) = &self.shaper {
            out.push_str(&format!(
                "LUT_1D_SIZE {}\nLUT_1D_INPUT_RANGE {}\nLUT_3D_SIZE {}\nLUT_3D_INPUT_RANGE {}\n",
                shaper.table.len(),
                range(shaper.domain_min, shaper.domain_max),
                self.size,
                range(self.domain_min, self.domain_max)
            ));
            entries(&mut out, &shaper.table);
            entries(&mut out, &self.table);
            return out;
        }
        out.push_str(&format!("LUT_3D_SIZE {}\n", self.size));
        if self.domain_min != [0.0; 3] || self.domain_max != [1.0; 3] {
            let [a, b, c] = self.domain_min;
            let [d, e, f] = self.domain_max;
            out.push_str(&format!("DOMAIN_MIN {a} {b} {c}\nDOMAIN_MAX {d} {e} {f}\n"));
        }
        entries(&mut out, &self.table);
        out
    }

    /// Writes this LUT as a `.cube` file, atomically.
    pub fn write_cube(&self, path: &Path) -> std::io::Result<()> {
        let text = self.to_cube();
        crate::output::write_file(path, text.as_bytes())
    }
}

/// A title as a .cube can carry it: no double quotes (they end it) and no
/// control characters.
pub fn cube_title(title: &str) -> String {
    title
        .chars()
        .map(|c| match c {
            '"' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// Parses the whole text of a `.cube` file.
pub fn parse_cube(text: &str, path: &Path) -> Result<Lut, LutError> {
    let syntax = |line: usize, message: String| LutError::Syntax {
        path: path.into(),
        line,
        message,
    };
    let mut title = String::new();
    let (mut size_1d, mut size_3d) = (None, None);
    let (mut domain_min, mut domain_max) = ([0f32; 3], [1f32; 3]);
    // Resolve's `LUT_1D_INPUT_RANGE` / `LUT_3D_INPUT_RANGE`, each LUT's own.
    let (mut range_1d, mut range_3d) = (None, None);
    let mut data: Vec<[f32; 3]> = Vec::new();
    let mut last_data_line = 0;
    let triple = |line: usize, words: &[&str]| -> Result<[f32; 3], LutError> {
        if words.len() != 3 {
            return Err(syntax(
                line,
                format!("expected three numbers, found {}", words.len()),
            ));
        }
        let mut v = [0f32; 3];
        for (slot, word) in v.iter_mut().zip(words) {
            *slot = word
                .parse::<f32>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| syntax(line, format!("`{word}` is not a finite number")))?;
        }
        Ok(v)
    };
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let words: Vec<&str> = content.split_whitespace().collect();
        let keyword = words[0];
        let size_of = |range: std::ops::RangeInclusive<usize>| -> Result<usize, LutError> {
            let n: usize = words
                .get(1)
                .and_then(|w| w.parse().ok())
                .filter(|n| range.contains(n))
                .ok_or_else(|| {
                    let found = words.get(1).copied().unwrap_or("nothing");
                    syntax(
                        line,
                        format!(
                            "{keyword} {found} is out of range: expected {}..={}",
                            range.start(),
                            range.end()
                        ),
                    )
                })?;
            Ok(n)
        };
        let data_started = !data.is_empty();
        match keyword {
            "TITLE" if !data_started => {
                title = content["TITLE".len()..]
                    .trim()
                    .trim_matches('"')
                    .to_string()
            }
            "LUT_3D_SIZE" if !data_started => size_3d = Some(size_of(CUBE_3D_SIZES)?),
            "LUT_1D_SIZE" if !data_started => size_1d = Some(size_of(CUBE_1D_SIZES)?),
            "DOMAIN_MIN" if !data_started => domain_min = triple(line, &words[1..])?,
            "DOMAIN_MAX" if !data_started => domain_max = triple(line, &words[1..])?,
            "LUT_3D_INPUT_RANGE" | "LUT_1D_INPUT_RANGE" if !data_started => {
                let [lo, hi, _] = triple(
                    line,
                    &[
                        words.get(1).copied().unwrap_or(""),
                        words.get(2).copied().unwrap_or(""),
                        "0",
                    ],
                )?;
                let range = Some(([lo; 3], [hi; 3]));
                if keyword == "LUT_1D_INPUT_RANGE" {
                    range_1d = range;
                } else {
                    range_3d = range;
                }
            }
            k if k.starts_with(|c: char| c.is_ascii_alphabetic()) => {
                return Err(syntax(line, format!("unexpected keyword `{k}`")));
            }
            _ => {
                if size_1d.is_none() && size_3d.is_none() {
                    return Err(syntax(
                        line,
                        "data before LUT_3D_SIZE or LUT_1D_SIZE".into(),
                    ));
                }
                data.push(triple(line, &words)?);
                last_data_line = line;
            }
        }
    }
    let shape = |message: String| LutError::Shape {
        path: path.into(),
        message,
    };
    // A lone LUT takes DOMAIN_MIN/MAX or its input range; a shaper in
    // front of a 3D LUT takes its own range (or the domain), the 3D LUT its.
    let domain = (domain_min, domain_max);
    let (first, second) = match (size_1d, size_3d) {
        (Some(_), Some(_)) => (
            range_1d.unwrap_or(domain),
            range_3d.unwrap_or(([0.0; 3], [1.0; 3])),
        ),
        _ => (range_1d.or(range_3d).unwrap_or(domain), domain),
    };
    for (min, max) in [first, second] {
        if (0..3).any(|c| max[c] <= min[c]) {
            return Err(shape(format!(
                "DOMAIN_MAX {max:?} must be above DOMAIN_MIN {min:?}"
            )));
        }
    }
    let expected = match (size_1d, size_3d) {
        (Some(n), Some(m)) => n + m * m * m,
        (Some(n), None) => n,
        (None, Some(m)) => m * m * m,
        (None, None) => return Err(shape("no LUT_3D_SIZE or LUT_1D_SIZE".into())),
    };
    if data.len() != expected {
        let kind = match (size_1d, size_3d) {
            (Some(_), Some(_)) => "1D shaper and 3D",
            (Some(_), None) => "1D",
            _ => "3D",
        };
        return Err(shape(format!(
            "{kind} LUT expects {expected} data lines, found {} (last data on line {last_data_line})",
            data.len()
        )));
    }
    Ok(match (size_1d, size_3d) {
        (None, Some(size)) => Lut::ThreeD(Lut3d {
            title,
            size,
            domain_min: first.0,
            domain_max: first.1,
            table: data,
            shaper: None,
        }),
        (Some(n), Some(size)) => {
            let table = data.split_off(n);
            Lut::ThreeD(Lut3d {
                title: title.clone(),
                size,
                domain_min: second.0,
                domain_max: second.1,
                table,
                shaper: Some(Lut1d {
                    title,
                    domain_min: first.0,
                    domain_max: first.1,
                    table: data,
                }),
            })
        }
        _ => Lut::OneD(Lut1d {
            title,
            domain_min: first.0,
            domain_max: first.1,
            table: data,
        }),
    })
}

/// Parses a Sony Pictures Imageworks `.spi3d` file: a `SPILUT 1.0` header,
/// `3 3`, the three grid sizes, then `i j k r g b` lines (any order).
pub fn parse_spi3d(text: &str, path: &Path) -> Result<Lut3d, LutError> {
    let syntax = |line: usize, message: String| LutError::Syntax {
        path: path.into(),
        line,
        message,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let mut next = |what: &str| {
        lines
            .next()
            .ok_or_else(|| syntax(0, format!("file ends before {what}")))
    };
    let (l1, header) = next("the SPILUT header")?;
    if !header.starts_with("SPILUT") {
        return Err(syntax(
            l1,
            format!("expected `SPILUT 1.0`, found `{header}`"),
        ));
    }
    let (l2, dims) = next("the dimensions line")?;
    if dims.split_whitespace().collect::<Vec<_>>() != ["3", "3"] {
        return Err(syntax(
            l2,
            format!("expected `3 3` (a 3D LUT), found `{dims}`"),
        ));
    }
    let (l3, sizes) = next("the grid sizes")?;
    let sizes: Vec<usize> = sizes
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    let size = match sizes.as_slice() {
        [a, b, c] if a == b && b == c && CUBE_3D_SIZES.contains(a) => *a,
        _ => {
            return Err(syntax(
                l3,
                "expected three equal grid sizes in 2..=256".into(),
            ))
        }
    };
    let mut table = vec![[f32::NAN; 3]; size * size * size];
    let mut filled = 0;
    for (line, content) in lines {
        let words: Vec<&str> = content.split_whitespace().collect();
        if words.len() != 6 {
            return Err(syntax(
                line,
                format!("expected `i j k r g b`, found {} fields", words.len()),
            ));
        }
        let index = |w: &str| w.parse::<usize>().ok().filter(|i| *i < size);
        let (Some(i), Some(j), Some(k)) = (index(words[0]), index(words[1]), index(words[2]))
        else {
            return Err(syntax(
                line,
                format!("grid indices must be integers below {size}"),
            ));
        };
        let mut v = [0f32; 3];
        for (slot, word) in v.iter_mut().zip(&words[3..]) {
            *slot = word
                .parse::<f32>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| syntax(line, format!("`{word}` is not a finite number")))?;
        }
        let entry = &mut table[(k * size + j) * size + i];
        if entry[0].is_nan() {
            filled += 1;
        }
        *entry = v;
    }
    if filled != size * size * size {
        return Err(LutError::Shape {
            path: path.into(),
            message: format!("{} of {} grid points are given", filled, size * size * size),
        });
    }
    Ok(Lut3d {
        title: String::new(),
        size,
        domain_min: [0.0; 3],
        domain_max: [1.0; 3],
        table,
        shaper: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cube(text: &str) -> Result<Lut, LutError> {
        parse_cube(text, Path::new("show.cube"))
    }

    fn identity_text(n: usize) -> String {
        let mut t = format!("# comment\nTITLE \"id\"\nLUT_3D_SIZE {n}\n");
        for b in 0..n {
            for g in 0..n {
                for r in 0..n {
                    let f = |i: usize| i as f32 / (n - 1) as f32;
                    t.push_str(&format!("{} {} {}\n", f(r), f(g), f(b)));
                }
            }
        }
        t
    }

    #[test]
    fn identity_cube_is_identity_in_both_interpolations() {
        let lut = cube(&identity_text(5)).unwrap();
        for v in [[0.1, 0.5, 0.9], [0.0, 1.0, 0.33], [0.77, 0.12, 0.45]] {
            for interp in [Interpolation::Tetrahedral, Interpolation::Trilinear] {
                let out = lut.apply(v, interp);
                assert!(
                    (0..3).all(|c| (out[c] - v[c]).abs() < 1e-6),
                    "{interp:?} {v:?} -> {out:?}"
                );
            }
        }
        let Lut::ThreeD(l) = lut else { panic!("3D") };
        assert_eq!(l.title, "id");
        assert_eq!(cube(&l.to_cube()).unwrap(), Lut::ThreeD(l));
    }

    /// Resolve's form: a 1D shaper, then the 3D LUT, each with its own
    /// input range; written and read back equal (the title rides in a
    /// comment, which that form has instead of TITLE), applied as the
    /// shaper then the cube.
    #[test]
    fn shaped_cubes_round_trip_and_apply_the_shaper_first() {
        let mut lut = Lut3d::identity(5);
        for v in &mut lut.table {
            *v = [v[0] * v[1], v[1], 1.0 - v[2]];
        }
        lut.title = "shaped".into();
        lut.domain_max = [2.0; 3];
        let shaper = Lut1d {
            title: String::new(),
            domain_min: [-0.5; 3],
            domain_max: [1.5; 3],
            table: (0..9).map(|i| [(i * i) as f32 / 32.0; 3]).collect(),
        };
        lut.shaper = Some(shaper.clone());
        let text = lut.to_cube();
        assert!(
            text.starts_with("# \"shaped\"\nLUT_1D_SIZE 9\nLUT_1D_INPUT_RANGE -0.5 1.5\nLUT_3D_SIZE 5\nLUT_3D_INPUT_RANGE 0 2\n"),
            "{text}"
        );
        let Lut::ThreeD(read) = cube(&text).unwrap() else {
            panic!("a 3D LUT")
        };
        let plain = Lut3d {
            shaper: None,
            ..lut.clone()
        };
        assert_eq!(
            read,
            Lut3d {
                title: String::new(),
                ..lut.clone()
            }
        );
        for v in [[0.1, 0.7, 1.2], [-0.5, 0.3, 1.5], [0.9, 0.05, 0.6]] {
            for interpolation in [Interpolation::Tetrahedral, Interpolation::Trilinear] {
                assert_eq!(
                    read.apply(v, interpolation),
                    plain.apply(shaper.apply(v), interpolation)
                );
            }
        }
    }

    #[test]
    fn bad_cubes_name_file_and_line() {
        let err = |t: &str| cube(t).unwrap_err().to_string();
        let e = err("LUT_3D_SIZE 1\n");
        assert!(
            e.contains("show.cube") && e.contains("line 1") && e.contains("2..=256"),
            "{e}"
        );
        let e = err("TITLE \"x\"\nLUT_3D_SIZE 300\n");
        assert!(e.contains("line 2") && e.contains("300"), "{e}");
        let e = err("LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 nan 0\n");
        assert!(e.contains("line 4") && e.contains("`nan`"), "{e}");
        let e = err("LUT_3D_SIZE 2\n0 0 0\n1 0 0\n");
        assert!(e.contains("expects 8 data lines, found 2"), "{e}");
        let e = err("LUT_1D_SIZE 2\nLUT_3D_SIZE 2\n0 0 0\n1 1 1\n0 0 0\n");
        assert!(
            e.contains("1D shaper and 3D LUT expects 10 data lines, found 3"),
            "{e}"
        );
        let e = err("LUT_1D_SIZE 2\nLUT_1D_INPUT_RANGE 1 0\nLUT_3D_SIZE 2\n");
        assert!(e.contains("must be above"), "{e}");
        let e = err(&(identity_text(2) + "0.5 0.5 0.5\n"));
        assert!(e.contains("found 9"), "{e}");
        let e = err("LUT_3D_SIZE 2\n0 0\n");
        assert!(e.contains("line 2") && e.contains("three numbers"), "{e}");
        let e = err("0 0 0\n");
        assert!(e.contains("before LUT_3D_SIZE"), "{e}");
        let e = err("LUT_3D_SIZE 2\nBOGUS 1\n");
        assert!(e.contains("`BOGUS`"), "{e}");
    }

    #[test]
    fn one_d_cube_and_domain() {
        let lut =
            cube("LUT_1D_SIZE 3\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 2 2 2\n0 0 0\n0.5 0.25 1\n1 1 1\n")
                .unwrap();
        let out = lut.apply([1.0, 0.5, 2.0], Interpolation::Tetrahedral);
        assert_eq!(out, [0.5, 0.125, 1.0]);
    }

    #[test]
    fn spi3d_reads_indexed_points() {
        let mut t = String::from("SPILUT 1.0\n3 3\n2 2 2\n");
        for i in 0..2 {
            for j in 0..2 {
                for k in 0..2 {
                    t.push_str(&format!(
                        "{i} {j} {k} {} {} {}\n",
                        i as f32,
                        j as f32 * 0.5,
                        k as f32
                    ));
                }
            }
        }
        let lut = parse_spi3d(&t, Path::new("a.spi3d")).unwrap();
        let out = lut.apply([1.0, 1.0, 0.0], Interpolation::Trilinear);
        assert_eq!(out, [1.0, 0.5, 0.0]);
        let short: String = t.lines().take(8).collect::<Vec<_>>().join("\n");
        let e = parse_spi3d(&short, Path::new("a.spi3d"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("5 of 8 grid points"), "{e}");
    }
}
