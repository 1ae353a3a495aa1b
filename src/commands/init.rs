//! `bildungsmonitor init DIR`: scaffold a project an analyst can start from.

use crate::cli::InitArgs;
use crate::exit::ExitStatus;
use crate::output::{atomic, printer::Printer};
use crate::sample::{self, Options};
use anyhow::{Context, bail};

/// Creates `DIR/bildungsmonitor.toml` and `DIR/daten/` with the sample data.
pub fn run(args: &InitArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let dir = &args.dir;
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir)
            .with_context(|| format!("{} ist kein lesbarer Ordner", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} ist nicht leer; `init` legt Projekte nur in leeren oder neuen Ordnern an, damit nichts überschrieben wird",
                dir.display()
            );
        }
    }
    let opts = Options {
        stadtteile: 40,
        sozialraeume: None,
        jahre: 10,
        seed: 2026,
    };
    super::sample::write_sample(opts, &dir.join("daten"))?;
    let config = dir.join("bildungsmonitor.toml");
    atomic::write(
        &config,
        sample::project_config("daten", &args.kommune).as_bytes(),
    )?;
    if printer.format == crate::cli::OutputFormat::Json {
        printer.json(&serde_json::json!({
            "version": 1,
            "config": config.display().to_string(),
            "daten": dir.join("daten").display().to_string(),
        }))?;
    } else {
        printer.success(&format!("Projekt angelegt in {}", dir.display()));
        printer.info(&format!(
            "Weiter mit:  cd {} && bildungsmonitor validate",
            dir.display()
        ));
    }
    Ok(ExitStatus::Success)
}
