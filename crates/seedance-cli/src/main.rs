//! `seedance`: generate videos with ByteDance Seedance models through Modellix, Jiekou.AI or
//! odkkk from the command line, resume tasks from their handles, run the simulator, and check a
//! setup (`doctor`).
//!
//! Exit codes: 0 on success; 2 when the input is refused before any request is sent (usage
//! errors, invalid requests, invalid handles, an untrusted, insecure or invalid base URL, invalid
//! options, an unusable `-o`, a missing API key, an operation the provider does not offer); 1 for
//! any other failure.

mod args;
mod commands;
mod history;
mod output;
mod progress;
mod text;

use std::{io::IsTerminal, process::ExitCode};

use clap::{Parser, error::ErrorKind};
use tracing_subscriber::EnvFilter;

use crate::args::Cli;

/// Input refused by the command line itself (exit code 2).
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    // Logs go to stderr; default `warn`. The API key is never logged: the client marks the
    // Authorization header sensitive and errors never contain it.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match commands::run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let (code, message) = describe(&err);
            eprintln!("error: {}", one_line(&text::printable(&message)));
            ExitCode::from(code)
        }
    }
}

/// The exit code of `err` and its message.
fn describe(err: &anyhow::Error) -> (u8, String) {
    if err.is::<UsageError>() {
        return (2, format!("{err:#}"));
    }
    match err.downcast_ref::<seedance_sdk::Error>() {
        Some(seedance_sdk::Error::MissingApiKey { provider, env }) => (
            2,
            format!("no API key for {provider}: set {env}, or try --sim to use the simulator"),
        ),
        // Refused before any request: the input or the configuration must change.
        Some(
            seedance_sdk::Error::InvalidRequest(_)
            | seedance_sdk::Error::InvalidHandle(_)
            | seedance_sdk::Error::UntrustedBaseUrl { .. }
            | seedance_sdk::Error::InsecureBaseUrl { .. }
            | seedance_sdk::Error::InvalidBaseUrl { .. }
            | seedance_sdk::Error::InvalidOptions { .. }
            | seedance_sdk::Error::Unsupported { .. },
        ) => (2, format!("{err:#}")),
        _ => (1, format!("{err:#}")),
    }
}

/// Prints a clap error: help and version as clap does, usage errors as one line (exit 2).
fn usage_error(err: &clap::Error) -> ExitCode {
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = err.print();
        return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
    }
    // Clap's message spans several lines (the value, the allowed values, usage); keep the
    // message and the allowed values, drop the usage.
    let rendered = err.render().to_string();
    let message: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("Usage:") && !line.starts_with("For more information"))
        .filter(|line| !line.is_empty())
        .collect();
    eprintln!("{}; see --help", text::printable(&message.join(" ")));
    ExitCode::from(2)
}

/// `text` on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
