//! bildungsmonitor: kommunales Bildungsmonitoring from municipal statistics to accessible,
//! reproducible reports. `docs/architecture.md` describes the pipeline and the modules.

pub mod cache;
pub mod catalogue;
pub mod charts;
pub mod cli;
pub mod commands;
pub mod diag;
pub mod disclosure;
pub mod domain;
pub mod exit;
pub mod export;
pub mod format;
pub(crate) mod fxhash;
pub mod indicators;
pub mod ingest;
pub mod inspect;
pub mod labels;
pub mod output;
pub mod project;
pub mod render;
pub mod report;
pub mod sample;
pub mod schema;
pub mod suggest;

use cli::{Cli, Command};
use exit::ExitStatus;
use output::printer::Printer;

/// Runs one command line: the single dispatch point.
pub fn run(cli: Cli) -> ExitStatus {
    // Typst lays out long tables and deep content recursively; rayon's default 2 MB worker
    // stacks overflow on a module with 220 areas. Workers get the main thread's 8 MB and more.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(64 * 1024 * 1024)
        .build_global();
    // Ctrl+C ends the process without unwinding: the staged outputs are removed first
    // (a second handler in the same process, as in tests, is refused and not needed)
    let _ = ctrlc::set_handler(|| {
        output::atomic::remove_staged();
        std::process::exit(ExitStatus::Interrupted.code().into());
    });
    let g = &cli.global;
    commands::datenordner(g.daten.clone());
    let printer = Printer::new(g.format, g.color, g.verbose, g.quiet);
    let result = match &cli.command {
        Command::Validate(a) => commands::validate::run(a, &g.config, &printer),
        Command::Indicators(a) => commands::indicators::run(a, &g.config, &printer, g.no_cache),
        Command::Catalogue(_) => commands::catalogue::run(&g.config, &printer),
        Command::Export(a) => commands::export::run(a, &g.config, &printer, g.no_cache),
        Command::Report(a) => commands::report::run(a, &g.config, &printer, g.no_cache),
        Command::Faktencheck(a) => commands::faktencheck::run(a, &g.config, &printer, g.no_cache),
        Command::Bench(a) => commands::bench::run(a, &printer),
        Command::Init(a) => commands::init::run(a, &printer),
        Command::Sample(a) => commands::sample::run(a, &printer),
        Command::Completions(a) => commands::completions::completions(a.shell, &printer),
        Command::Man(_) => commands::completions::man(&printer),
    };
    match result {
        Ok(status) => status,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitStatus::Success;
            }
            printer.failure(&err);
            // the templates are the user's input like the data (docs/cli.md)
            if err.chain().any(|c| c.is::<render::Vorlagenfehler>()) {
                ExitStatus::DataProblems
            } else {
                ExitStatus::Failed
            }
        }
    }
}

/// `bildungsmonitor … | head` closes stdout early; that is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
