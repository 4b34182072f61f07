//! `neurograde look export|import`: looks to and from ASC CDL XML, and
//! baked into a .cube.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use neurograde::grade::cdl_xml::{self, ColorCorrection};
use neurograde::grade::Look;
use std::path::PathBuf;

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
    look: PathBuf,
    /// Where to write: .cc, .ccc or .cdl (ASC CDL), or .cube (baked 3D LUT).
    #[arg(long, value_name = "OUT")]
    output: PathBuf,
    /// The ColorCorrection id (default: the look's name).
    #[arg(long)]
    id: Option<String>,
    /// Grid size of a baked .cube: 17, 33 or 65.
    #[arg(long, default_value_t = 33, value_parser = cube_size)]
    size: usize,
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
}

fn cube_size(s: &str) -> Result<usize, String> {
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

fn export(args: LookExportArgs) -> Result<()> {
    let look = Look::load(&args.look)?;
    if neurograde::output::same_file(&args.look, &args.output) {
        bail!(
            "{}: is the look being exported; choose another --output",
            args.output.display()
        );
    }
    if !look.secondaries.is_empty() {
        eprintln!(
            "note: {}: the {} [[secondary]] table(s) are left out: they grade through the live analysis masks, which no LUT or CDL can carry",
            args.look.display(),
            look.secondaries.len()
        );
    }
    let is_cube = args
        .output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("cube"));
    if is_cube {
        neurograde::grade::bake::bake_cube(&look, args.size)
            .write_cube(&args.output)
            .with_context(|| format!("{}: cannot write", args.output.display()))?;
    } else {
        let correction =
            ColorCorrection::from_look(&look, &args.look.display().to_string(), args.id)?;
        cdl_xml::write(&args.output, &[correction])?;
    }
    eprintln!("{} -> {}", args.look.display(), args.output.display());
    Ok(())
}

fn import(args: LookImportArgs) -> Result<()> {
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
