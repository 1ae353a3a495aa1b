//! `bildungsmonitor sample`: write the synthetic sample city.

use crate::cli::SampleArgs;
use crate::exit::ExitStatus;
use crate::output::{atomic::OutputBatch, printer::Printer};
use crate::sample::{self, Options};
use std::path::Path;

/// Generates the files and writes them all at once.
pub fn run(args: &SampleArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let opts = Options {
        stadtteile: usize::from(args.stadtteile),
        sozialraeume: args.sozialraeume.map(usize::from),
        jahre: usize::from(args.jahre),
        seed: args.seed,
    };
    let written = write_sample(opts, &args.out)?;
    if printer.format == crate::cli::OutputFormat::Json {
        printer.json(&serde_json::json!({
            "version": 1,
            "files": written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        }))?;
    } else {
        for p in &written {
            printer.detail(&format!("geschrieben: {}", p.display()));
        }
        printer.success(&format!(
            "{} Dateien mit {} Stadtteilen und {} Jahren in {}",
            written.len(),
            opts.stadtteile,
            opts.jahre,
            args.out.display()
        ));
    }
    Ok(ExitStatus::Success)
}

/// Generates the sample and writes it into `dir` atomically.
pub(crate) fn write_sample(opts: Options, dir: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let files = sample::generate(opts)?;
    let mut batch = OutputBatch::new();
    for (name, bytes) in &files {
        batch.add(&dir.join(name), bytes)?;
    }
    batch.commit()
}
