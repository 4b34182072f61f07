//! `neurograde look export|import`: looks to and from ASC CDL XML, and
//! baked into a .cube.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use neurograde::frame::{Frame, FrameId, YuvEncoding};
use neurograde::grade::bake;
use neurograde::grade::cdl_xml::{self, ColorCorrection};
use neurograde::grade::lut::cube_title;
use neurograde::grade::Look;
use neurograde::source::still_file::load_still;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand)]
pub enum LookCommand {
    /// Write a look as ASC CDL XML (.cc, .ccc, .cdl) or bake it into a .cube.
    Export(LookExportArgs),
    /// Make a look file from an ASC CDL XML file (.cc, .ccc, .cdl).
    Import(LookImportArgs),
}

#[derive(Args)]
pub struct LookExportArgs {
    /// The look file (TOML).
    #[arg(long, value_name = "L")]
    pub look: PathBuf,
    /// Where to write: .cc, .ccc or .cdl (ASC CDL), or .cube (baked 3D LUT).
    #[arg(long, value_name = "OUT")]
    pub output: PathBuf,
    /// The ColorCorrection id (default: the look's name).
    #[arg(long)]
    pub id: Option<String>,
    /// Grid size of a baked .cube: 17, 33 or 65.
    #[arg(long, default_value_t = 33, value_parser = cube_size)]
    pub size: usize,
    /// Put a 1D shaper in front of the .cube's 3D grid, fitted to where the
    /// look's input values lie (DaVinci Resolve's .cube form: nearer the
    /// live grade, read by OpenColorIO and Resolve but not by ffmpeg's
    /// lut3d or most LUT boxes).
    #[arg(long)]
    pub shaper: bool,
    /// A picture in the look's input encoding (any still `grade` reads:
    /// PNG, TIFF, JPEG, EXR, DPX) to measure the baked .cube against the
    /// live grade on, besides the built-in test colours.
    #[arg(long, value_name = "PICTURE")]
    pub check: Option<PathBuf>,
    /// Replace an existing --output (once the new file is complete).
    #[arg(long)]
    pub overwrite: bool,
}

#[derive(Args)]
pub struct LookImportArgs {
    /// An ASC CDL file: .cc, .ccc or .cdl.
    #[arg(long, value_name = "IN")]
    input: PathBuf,
    /// Which ColorCorrection of a collection or list (default: the first).
    #[arg(long)]
    id: Option<String>,
    /// The look file to write (TOML).
    #[arg(long, value_name = "L")]
    output: PathBuf,
    /// Replace an existing --output (once the new file is complete).
    #[arg(long)]
    overwrite: bool,
}

pub fn cube_size(s: &str) -> Result<usize, String> {
    match s.parse() {
        Ok(n @ (17 | 33 | 65)) => Ok(n),
        _ => Err(format!("{s}: expected 17, 33 or 65")),
    }
}

pub fn look(command: LookCommand) -> Result<()> {
    match command {
        LookCommand::Export(args) => export(args),
        LookCommand::Import(args) => import(args),
    }
}

pub fn export(args: LookExportArgs) -> Result<()> {
    let look = Look::load(&args.look)?;
    let mut files = neurograde::output::Files::new(args.overwrite);
    super::read_look(&mut files, Some(&args.look), &look);
    if let Some(picture) = &args.check {
        files.read("--check", picture);
    }
    files.write("--output", &args.output).check()?;
    let is_cube = args
        .output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("cube"));
    // A secondary keyed by the qualifier alone is a function of colour, so
    // a baked .cube carries it; one reading masks needs the live analysis.
    let (colour_only, masked): (Vec<_>, Vec<_>) = look
        .secondaries
        .iter()
        .partition(|s| s.whole_picture_weight().is_some());
    let left_out = if is_cube {
        masked.len()
    } else {
        look.secondaries.len()
    };
    if left_out > 0 {
        eprintln!(
            "note: {}: {left_out} [[secondary]] table(s) left out: {}",
            args.look.display(),
            if is_cube {
                "they grade through the live analysis masks, which no LUT can carry"
            } else {
                "a CDL carries no mask or qualifier"
            }
        );
    }
    if is_cube && !colour_only.is_empty() {
        eprintln!(
            "note: {}: {} qualifier-only [[secondary]] table(s) baked into the .cube (a function of colour alone)",
            args.look.display(),
            colour_only.len()
        );
    }
    // Retouching is never carried (it needs the masks), but what is
    // exported comes from a look that does it: the file says so, so that
    // nobody takes it for the whole look.
    let changes = look.appearance_changes();
    let retouching: Vec<String> = if changes.is_empty() {
        Vec::new()
    } else {
        eprintln!(
            "note: {}: the look changes how people look ({}); that retouching is left out of the export, and the file says so",
            args.look.display(),
            changes.join("; ")
        );
        std::iter::once(format!(
            "neurograde: exported from a retouching look ({}); the retouching is not in this file",
            look.name
        ))
        .chain(
            changes
                .into_iter()
                .map(|c| format!("retouching left out: {c}")),
        )
        .collect()
    };
    let temporal: Vec<&str> = [
        ("[nr]", look.nr.is_some()),
        ("[stabilise]", look.stabilise.is_some()),
        ("[auto] follow", look.auto.is_some_and(|a| a.follow)),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    if !temporal.is_empty() {
        eprintln!(
            "note: {}: {} left out: they act frame by frame on the live picture, which no LUT or CDL can carry",
            args.look.display(),
            temporal.join(", ")
        );
    }
    if (args.check.is_some() || args.shaper) && !is_cube {
        bail!(
            "--check and --shaper are for a baked .cube; {} is not one",
            args.output.display()
        );
    }
    // The picture is read first: a bad --check writes no .cube.
    let check = match &args.check {
        Some(picture) => Some((picture, still_pixels(picture)?)),
        None => None,
    };
    if is_cube {
        let form = if args.shaper {
            bake::CubeForm::Shaped
        } else {
            bake::CubeForm::Plain
        };
        let lut = bake::bake_cube(&look, args.size, form);
        // Comment lines ahead of the table: every .cube reader skips them.
        let disclosure: String = retouching
            .iter()
            .map(|line| format!("# {}\n", cube_title(line)))
            .collect();
        neurograde::output::write_file(
            &args.output,
            format!("{disclosure}{}", lut.to_cube()).as_bytes(),
        )
        .with_context(|| format!("{}: cannot write", args.output.display()))?;
        let colours = bake::test_colours(&look, 20_000);
        let error = bake::bake_error(&look, &lut, &colours);
        eprintln!("bake error against the live grade, test colours: {error}");
        if error.p99 > 2.0 {
            eprintln!(
                "warning: {}: this .cube is more than 2 10-bit codes from the live grade on {:.1} % of the test colours: the look bends more sharply between the grid points than a {}-point cube can follow{}",
                args.output.display(),
                100.0 * error.over_two_codes,
                args.size,
                match (args.size < 65, args.shaper) {
                    (true, false) => " (try --size 65, or --shaper for OpenColorIO and Resolve)",
                    (true, true) => " (try --size 65)",
                    (false, false) => " (try --shaper for OpenColorIO and Resolve)",
                    (false, true) => "",
                }
            );
        }
        if let Some((picture, pixels)) = &check {
            eprintln!(
                "bake error against the live grade, {}: {}",
                picture.display(),
                bake::bake_error(&look, &lut, pixels)
            );
        }
    } else {
        let mut correction =
            ColorCorrection::from_look(&look, &args.look.display().to_string(), args.id)?;
        correction.descriptions.extend(retouching.iter().cloned());
        cdl_xml::write(&args.output, &[correction])?;
        let style = if look.cdl.clamp {
            "with ASC CDL v1.2's clamp to [0, 1] (`clamp = true`); OpenColorIO applies a .cc without one, so the two part only where the grade passes black or white"
        } else {
            "without a clamp (`clamp = false`, OpenColorIO's CDLTransform default); a tool that applies ASC CDL v1.2's clamp to [0, 1] parts from it where the grade passes black or white"
        };
        let space = if look.is_scene_referred() {
            format!(
                " in the look's working space ({})",
                look.working_space.unwrap_or_default().name()
            )
        } else {
            String::new()
        };
        eprintln!("note: the CDL is meant to be applied{space} {style}");
    }
    eprintln!("{} -> {}", args.look.display(), args.output.display());
    Ok(())
}

/// A still's pixels as normalised RGB, read as `grade` and `run` read it.
fn still_pixels(path: &Path) -> Result<Vec<[f32; 3]>> {
    let still = load_still(path)?;
    let frame = Frame {
        id: FrameId(0),
        captured: Instant::now(),
        width: still.width,
        height: still.height,
        format: still.format,
        yuv: YuvEncoding::for_height(still.height),
        data: still.data,
    };
    Ok((0..frame.height)
        .flat_map(|y| (0..frame.width).map(move |x| (x, y)))
        .map(|(x, y)| {
            let [r, g, b, _] = frame.pixel(x, y);
            [r, g, b]
        })
        .collect())
}

fn import(args: LookImportArgs) -> Result<()> {
    neurograde::output::Files::new(args.overwrite)
        .read("--input", &args.input)
        .write("--output", &args.output)
        .check()?;
    let correction = cdl_xml::read_one(&args.input, args.id.as_deref())?;
    let look = Look {
        name: correction
            .id
            .clone()
            .or_else(|| correction.descriptions.first().cloned())
            .unwrap_or_default(),
        cdl: correction.cdl,
        ..Look::default()
    };
    look.validate(&args.input.display().to_string())?;
    look.save(&args.output)
        .with_context(|| format!("{}: cannot write", args.output.display()))?;
    eprintln!("{} -> {}", args.input.display(), args.output.display());
    Ok(())
}
