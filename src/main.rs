//! The `neurograde` command line: parse, dispatch to `cli/` (one file per
//! subcommand), and turn the outcome into an exit status: 0 done, 2 an
//! error (printed on one line), 128 + the signal's number when a signal
//! stopped the command. `anyhow` lives in this layer and nowhere else.

mod cli;

use clap::Parser;
use neurograde::shutdown::Shutdown;
use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Mesa's Vulkan device-select layer probes Wayland and X11 to order the
    // GPUs, printing errors on a machine without a display; the engine
    // chooses its adapter itself. (Set before any thread starts.)
    if std::env::var_os("NODEVICE_SELECT").is_none() {
        std::env::set_var("NODEVICE_SELECT", "1");
    }
    {
        use tracing_subscriber::prelude::*;
        let printed = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,neurograde=info"));
        let kept = tracing_subscriber::filter::Targets::new()
            .with_target("neurograde", tracing::Level::INFO);
        tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    // Colour codes only for a person at a terminal, never in a log file.
                    .with_ansi(std::io::stderr().is_terminal())
                    .with_filter(printed),
            )
            // The operator view's log of what the engine did.
            .with(neurograde::event_log::EventLogLayer.with_filter(kept))
            .init();
    }
    let cli = cli::Cli::parse();
    let shutdown = match Shutdown::install() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot take the stop signals: {e}");
            return ExitCode::from(2);
        }
    };
    let result = cli.command.run(&shutdown);
    if let Err(e) = &result {
        eprintln!("error: {}", one_line(e));
    }
    match (shutdown.signal(), result) {
        (Some(signal), _) => {
            eprintln!("stopped by {signal}");
            ExitCode::from(signal.exit_code())
        }
        (None, Ok(())) => ExitCode::SUCCESS,
        (None, Err(_)) => ExitCode::from(2),
    }
}

/// The error and its causes on one line, leaving out a cause whose text the
/// message already carries (our errors name their cause in their message).
fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !line.contains(&text) {
            if !line.is_empty() {
                line += ": ";
            }
            line += &text;
        }
    }
    line.replace('\n', " ")
}
