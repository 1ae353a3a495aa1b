//! The `bildungsmonitor` binary: parse the command line, run, exit with the documented code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = bildungsmonitor::cli::Cli::parse();
    bildungsmonitor::run(cli).into()
}
