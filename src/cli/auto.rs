//! `neurograde auto` and `neurograde match`: the machine's proposals as
//! looks. `auto` measures exposure and white balance; `match` fits a
//! correction that makes a picture look like a reference (a file or a
//! still of the library). Both print what they found and how sure they
//! are, and write a new look; the base look is never changed.

use super::load_look;
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use neurograde::auto::matching::{self, MatchError, MatchSamples, Quality};
use neurograde::auto::regions::{block_weights, sample_codes, Region, RegionMask};
use neurograde::auto::{propose, LinearGrid};
use neurograde::frame::Frame;
use neurograde::grade::assist::AutoSection;
use neurograde::output::Files;
use std::path::{Path, PathBuf};

/// Samples Color Match takes from each picture.
const MATCH_SAMPLES: usize = 40_000;

/// The picture a proposal is made for.
#[derive(Args)]
pub struct InputPicture {
    /// A still, an image sequence or a video.
    #[arg(long, value_name = "IN")]
    input: PathBuf,
    /// Which picture of a sequence or video, from 1.
    #[arg(long, value_name = "N", default_value_t = 1)]
    picture: u64,
}

impl InputPicture {
    fn read(&self) -> Result<Frame> {
        picture(&self.input, self.picture, "--picture")
    }
}

#[derive(Args)]
pub struct AutoArgs {
    #[command(flatten)]
    source: InputPicture,
    /// The look to start from (default: no grade); its other settings are
    /// kept, its exposure, temperature and tint replaced by the proposal.
    #[arg(long, value_name = "BASE")]
    look: Option<PathBuf>,
    /// Where to write the proposed look (TOML).
    #[arg(long, value_name = "OUT")]
    look_out: PathBuf,
    /// What to propose.
    #[arg(long, value_enum, default_value_t = AutoWhat::Both)]
    only: AutoWhat,
    /// Which of the look's controls carry the proposal: `primaries`
    /// (exposure, temperature, tint: the pipeline's physical model) or
    /// `cdl` (the CDL fitted to grade the picture the same, for CDL-only
    /// interchange; the base look's CDL is replaced).
    #[arg(long = "as", value_enum, default_value_t = AutoControls::Primaries)]
    controls: AutoControls,
    /// Also use the skin the face models find (keeps skin at a plausible
    /// tone; needs the face models).
    #[arg(long)]
    skin: bool,
    /// Print the proposal as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Replace an existing --look-out file (once the new one is complete).
    #[arg(long)]
    overwrite: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AutoControls {
    Primaries,
    Cdl,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AutoWhat {
    Both,
    Exposure,
    Balance,
}

#[derive(Args)]
pub struct MatchArgs {
    /// The picture to match to: a still, a video, or a still of the stills
    /// library by its number (7 or 0007; its graded picture).
    #[arg(long, value_name = "REF")]
    reference: String,
    /// Which picture of a reference sequence or video, from 1.
    #[arg(long, value_name = "N", default_value_t = 1)]
    reference_picture: u64,
    /// The picture to correct.
    #[command(flatten)]
    source: InputPicture,
    /// The look the input is graded with (default: no grade); the match is
    /// fitted on top of it. The reference is taken as a picture in this
    /// look's display encoding.
    #[arg(long, value_name = "BASE")]
    look: Option<PathBuf>,
    /// Where to write the matched look (TOML). With `--fit lut` the match
    /// LUT is written beside it as OUT's name with `.cube`.
    #[arg(long, value_name = "OUT")]
    look_out: PathBuf,
    /// `cdl`: the look's CDL replaced by the fit (interchange); `lut`: a
    /// 3D LUT in its creative LUT slot (closer, for the creative case).
    #[arg(long, value_enum, default_value_t = MatchFit::Cdl)]
    fit: MatchFit,
    /// Match only these parts of both pictures (the face or person models
    /// find them); the correction applies to the whole picture.
    #[arg(long, default_value = "all", value_parser = clap::value_parser!(Region))]
    region: Region,
    /// The stills library (for a still number; default: stills/ in the
    /// data folder).
    #[arg(long, value_name = "DIR")]
    library: Option<PathBuf>,
    /// Print the figures as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Replace existing outputs (--look-out, the match LUT), each once
    /// the new one is complete.
    #[arg(long)]
    overwrite: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MatchFit {
    Cdl,
    Lut,
}

/// Picture `n` (from 1) of a file, read on the CPU.
fn picture(path: &Path, n: u64, flag: &str) -> Result<Frame> {
    if n == 0 {
        bail!("{flag} 0: pictures are numbered from 1");
    }
    Ok(neurograde::source::read_picture(path, n - 1)?)
}

pub fn auto(args: AutoArgs) -> Result<()> {
    let base = load_look(args.look.as_deref())?;
    let mut files = Files::new(args.overwrite);
    files.read("--input", &args.source.input);
    super::read_look(&mut files, args.look.as_deref(), &base);
    files.write("--look-out", &args.look_out).check()?;
    let frame = args.source.read()?;
    // The base look's [auto] says what to propose and aim for; --only
    // narrows it.
    let section = base.auto.unwrap_or_default();
    let target = AutoSection {
        exposure: section.exposure && args.only != AutoWhat::Balance,
        balance: section.balance && args.only != AutoWhat::Exposure,
        ..section
    };
    let grid = LinearGrid::of_frame(&frame, &base, neurograde::auto::grid::PROPOSAL_COLUMNS);
    let skin = if args.skin {
        let mask = RegionMask::of_frame(&frame, Region::Skin)
            .map_err(|e| anyhow::anyhow!("--skin: the face models cannot run: {e}"))?;
        Some(block_weights(&mask, grid.columns, grid.rows))
    } else {
        None
    };
    let proposal = propose(&grid, skin.as_deref(), &target);
    if proposal.usable == 0.0 {
        eprintln!(
            "warning: {} picture {}: nothing in it can be measured ({:.0} % clipped, the rest too dark): the proposal changes nothing",
            args.source.input.display(),
            args.source.picture,
            proposal.clipped * 100.0
        );
    }
    let primaries = proposal.apply_to(&base, &target);
    let mut look = primaries.clone();
    let mut cdl_error = None;
    if args.controls == AutoControls::Cdl {
        let codes = sample_codes(&frame, &RegionMask::all(), MATCH_SAMPLES);
        let (as_cdl, error) = matching::cdl_equivalent(&base, &primaries, &codes);
        look = as_cdl;
        cdl_error = Some(error);
    }
    look.name = named(
        &base,
        &format!(
            "auto from {} picture {}",
            file_name(&args.source.input),
            args.source.picture
        ),
    );
    look.save(&args.look_out)
        .with_context(|| format!("--look-out {}", args.look_out.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&proposal)?);
    }
    if let Some(error) = cdl_error {
        eprintln!(
            "as a CDL: slope {:?}, offset {:?}, power {:?}, saturation {} (grades the picture within {error:.2} CIEDE2000 of the primaries on average)",
            look.cdl.slope, look.cdl.offset, look.cdl.power, look.cdl.saturation
        );
    }
    let p = &base.primary;
    eprintln!(
        "proposal for {} picture {}:\n  exposure    {:+.2} stops (was {:+.2}), confidence {:.2}\n  temperature {:+.1} mired (was {:+.1}), tint {:+.1} (was {:+.1}), confidence {:.2} (estimates {:.1} degrees apart)\n  {:.0} % of the picture clipped, {:.0} % measured\nwrote {}",
        args.source.input.display(),
        args.source.picture,
        primaries.primary.exposure,
        p.exposure,
        proposal.exposure_confidence,
        primaries.primary.temperature,
        p.temperature,
        primaries.primary.tint,
        p.tint,
        proposal.balance_confidence,
        proposal.spread_degrees,
        proposal.clipped * 100.0,
        proposal.usable * 100.0,
        args.look_out.display()
    );
    Ok(())
}

/// A proposal's look name: the base look's, then what was proposed.
fn named(base: &neurograde::grade::Look, what: &str) -> String {
    if base.name.is_empty() {
        what.to_string()
    } else {
        format!("{} + {what}", base.name)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The reference picture: a file, or the graded picture of a still.
fn reference_file(args: &MatchArgs) -> Result<PathBuf> {
    let as_path = PathBuf::from(&args.reference);
    if as_path.exists() || !args.reference.chars().all(|c| c.is_ascii_digit()) {
        return Ok(as_path);
    }
    let root = match &args.library {
        Some(dir) => dir.clone(),
        None => super::data_dir()
            .map(|d| d.join("stills"))
            .context("no data folder: set NEUROGRADE_DATA or HOME, or name --library")?,
    };
    let library = neurograde::stills::Library::open(&root)
        .with_context(|| format!("{}: cannot open the stills library", root.display()))?;
    let still = library
        .get(&args.reference)
        .with_context(|| format!("--reference {}: no such file or still", args.reference))?;
    Ok(still.graded())
}

/// The code values of a region of a picture, checked for enough of them.
fn region_codes(frame: &Frame, region: Region, what: &str) -> Result<Vec<[f32; 3]>> {
    let name = format!("{region:?}").to_lowercase();
    let mask = RegionMask::of_frame(frame, region).map_err(|e| {
        anyhow::anyhow!("--region {name}: the models cannot run on the {what}: {e}")
    })?;
    if mask.coverage() < 0.005 {
        bail!(
            "--region {name}: the {what} has none ({:.2} % of the picture)",
            mask.coverage() * 100.0
        );
    }
    Ok(sample_codes(frame, &mask, MATCH_SAMPLES))
}

pub fn color_match(args: MatchArgs) -> Result<()> {
    let base = load_look(args.look.as_deref())?;
    let reference_path = reference_file(&args)?;
    // With --fit lut, the LUT is written beside the look, named after it.
    let lut_path = args.look_out.with_extension("cube");
    let mut files = Files::new(args.overwrite);
    files.read("--input", &args.source.input);
    files.read("--reference", &reference_path);
    super::read_look(&mut files, args.look.as_deref(), &base);
    files.write("--look-out", &args.look_out);
    if args.fit == MatchFit::Lut {
        files.write("the match LUT (--look-out's name with .cube)", &lut_path);
    }
    files.check()?;
    let source = args.source.read()?;
    let reference = picture(
        &reference_path,
        args.reference_picture,
        "--reference-picture",
    )?;
    let samples = MatchSamples::new(
        &base,
        &region_codes(
            &source,
            args.region,
            &format!("input ({})", args.source.input.display()),
        )?,
        &region_codes(
            &reference,
            args.region,
            &format!("reference ({})", reference_path.display()),
        )?,
    )
    .map_err(|e| match &e {
        MatchError::Featureless { what, .. } => {
            let path = if *what == "the reference" {
                &reference_path
            } else {
                &args.source.input
            };
            anyhow::anyhow!("{}: {e}", path.display())
        }
        _ => e.into(),
    })?;
    let fitted = matching::fit(&base, &samples, &lut_path)?;
    let mut look = match args.fit {
        MatchFit::Cdl => fitted.cdl_look.clone(),
        MatchFit::Lut => {
            if let neurograde::grade::lut::Lut::ThreeD(cube) = &*fitted.lut {
                cube.write_cube(&lut_path)
                    .with_context(|| format!("{}", lut_path.display()))?;
            }
            fitted.lut_look.clone()
        }
    };
    look.name = named(&base, &format!("matched to {}", file_name(&reference_path)));
    look.save(&args.look_out)
        .with_context(|| format!("--look-out {}", args.look_out.display()))?;
    if args.json {
        let figures = serde_json::json!({
            "region": args.region,
            "samples": { "input": samples.source.len(), "reference": samples.reference.len() },
            "before": fitted.before,
            "baseline": fitted.baseline,
            "cdl": fitted.cdl,
            "lut": fitted.rich,
        });
        println!("{}", serde_json::to_string_pretty(&figures)?);
    }
    let row = |name: &str, q: &Quality| {
        format!(
            "  {name:<28} {:>6.2} ΔE*ab  {:>5.0} % of the difference removed\n",
            q.distance,
            q.score * 100.0
        )
    };
    eprintln!(
        "colour distance to {} ({} samples of the input, {} of the reference):\n{}{}{}{}wrote {}{}",
        reference_path.display(),
        samples.source.len(),
        samples.reference.len(),
        row("as graded", &fitted.before),
        row("baseline (mean and std)", &fitted.baseline),
        row("CDL fit", &fitted.cdl),
        row("LUT fit", &fitted.rich),
        args.look_out.display(),
        if args.fit == MatchFit::Lut {
            format!(" and {}", lut_path.display())
        } else {
            String::new()
        }
    );
    Ok(())
}
