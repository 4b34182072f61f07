//! `neurograde stills grab|list|delete|export`: the stills library from
//! the command line (the operator view grabs, browses and recalls too).

use super::look::{export, LookExportArgs};
use super::{data_dir, load_look};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use neurograde::shutdown::Shutdown;
use neurograde::stills::{Grab, Library};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum StillsCommand {
    /// Grab a still from a file: one picture graded with a look and without
    /// its grade, full resolution, with the look and the source's timecode.
    Grab(GrabArgs),
    /// The stills in the library.
    List(LibraryArg),
    /// Remove a still.
    Delete(StillArgs),
    /// Write a still's look as ASC CDL (.cc .ccc .cdl) or a baked .cube.
    Export(StillExportArgs),
}

#[derive(Args)]
pub struct LibraryArg {
    /// The stills library (default: stills/ in the data folder,
    /// $NEUROGRADE_DATA or ~/.local/share/neurograde).
    #[arg(long, value_name = "DIR")]
    library: Option<PathBuf>,
}

#[derive(Args)]
pub struct GrabArgs {
    /// A still, an image sequence or a video.
    #[arg(long, value_name = "IN")]
    input: PathBuf,
    /// The look file (default: no grade).
    #[arg(long, value_name = "L")]
    look: Option<PathBuf>,
    /// Which picture of a sequence or video, from 1.
    #[arg(long, value_name = "N", default_value_t = 1)]
    picture: u64,
    #[command(flatten)]
    library: LibraryArg,
}

#[derive(Args)]
pub struct StillArgs {
    /// The still's number (7 or 0007).
    id: String,
    #[command(flatten)]
    library: LibraryArg,
}

#[derive(Args)]
pub struct StillExportArgs {
    /// The still's number (7 or 0007).
    id: String,
    /// Where to write: .cc, .ccc or .cdl (ASC CDL), or .cube (baked 3D LUT).
    #[arg(long, value_name = "OUT")]
    output: PathBuf,
    /// Grid size of a baked .cube: 17, 33 or 65.
    #[arg(long, default_value_t = 33, value_parser = super::look::cube_size)]
    size: usize,
    /// A 1D shaper in front of the .cube's grid (see `look export`).
    #[arg(long)]
    shaper: bool,
    /// Replace an existing --output (once the new file is complete).
    #[arg(long)]
    overwrite: bool,
    #[command(flatten)]
    library: LibraryArg,
}

impl LibraryArg {
    fn open(&self) -> Result<Library> {
        let root = match &self.library {
            Some(dir) => dir.clone(),
            None => data_dir()
                .map(|d| d.join("stills"))
                .context("no data folder: set NEUROGRADE_DATA or HOME, or name --library")?,
        };
        Library::open(&root)
            .with_context(|| format!("{}: cannot open the stills library", root.display()))
    }
}

pub fn stills(command: StillsCommand, shutdown: &Shutdown) -> Result<()> {
    match command {
        StillsCommand::Grab(args) => grab(args, shutdown),
        StillsCommand::List(args) => {
            let library = args.open()?;
            let stills = library.list()?;
            if stills.is_empty() {
                println!("no stills in {}", library.root().display());
            }
            for s in stills {
                let i = &s.info;
                println!(
                    "{}  {} UTC  {}x{}  {}{}  look \"{}\"",
                    i.id,
                    i.time_of_day,
                    i.width,
                    i.height,
                    i.source,
                    i.timecode
                        .as_ref()
                        .map_or(String::new(), |t| format!("  TC {t}")),
                    i.look
                );
            }
            Ok(())
        }
        StillsCommand::Delete(args) => {
            let library = args.library.open()?;
            library.delete(&args.id)?;
            eprintln!("deleted still {}", args.id);
            Ok(())
        }
        StillsCommand::Export(args) => {
            let library = args.library.open()?;
            let still = library.get(&args.id)?;
            export(LookExportArgs {
                look: still.dir.join("look.toml"),
                output: args.output,
                id: Some(format!("{} still {}", still.info.look, still.info.id)),
                size: args.size,
                shaper: args.shaper,
                check: None,
                overwrite: args.overwrite,
            })
        }
    }
}

fn grab(args: GrabArgs, shutdown: &Shutdown) -> Result<()> {
    let look = load_look(args.look.as_deref())?;
    if args.picture == 0 {
        anyhow::bail!("--picture 0: pictures are numbered from 1");
    }
    let library = args.library.open()?;
    let (graded, ungraded, timecode) =
        neurograde::launch::grab_still(&args.input, &look, args.picture - 1, shutdown.stop_flag())?;
    let source = args
        .input
        .file_name()
        .map_or(args.input.display().to_string(), |n| {
            n.to_string_lossy().into_owned()
        });
    let still = library
        .save(&Grab {
            graded: &graded,
            ungraded: &ungraded,
            look: &look,
            source: &source,
            timecode,
        })
        .with_context(|| format!("{}: cannot save the still", library.root().display()))?;
    println!("still {} -> {}", still.info.id, still.dir.display());
    Ok(())
}
