//! `completions` and `man`: generated at run time from the clap definition (no build.rs).

use crate::cli::Cli;
use crate::exit::ExitStatus;
use crate::output::printer::Printer;
use clap::CommandFactory;

/// Prints the completion script for `shell` to stdout.
pub fn completions(shell: clap_complete::Shell, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "bildungsmonitor", &mut buf);
    printer.raw_stdout(&buf)?;
    Ok(ExitStatus::Success)
}

/// Prints the man page (roff) to stdout.
pub fn man(printer: &Printer) -> anyhow::Result<ExitStatus> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
    printer.raw_stdout(&buf)?;
    Ok(ExitStatus::Success)
}
