//! `bildungsmonitor faktencheck`: topic sheets and Stadtteil-/Sozialraumprofile, all sheets
//! of a run in one process, in parallel, with one engine and one atomic write.

use super::pdf::{self, Lauf};
use crate::cli::FaktencheckArgs;
use crate::exit::ExitStatus;
use crate::output::printer::Printer;
use crate::project::Project;
use crate::report::Profilgebiet;
use anyhow::{Result, bail};
use std::path::Path;
use std::time::Instant;

/// One sheet of the batch.
enum Blatt<'a> {
    Thema(&'a crate::project::Faktencheck),
    Profil(Profilgebiet, String),
}

/// Renders every requested sheet.
pub fn run(
    args: &FaktencheckArgs,
    config: &Path,
    printer: &Printer,
    no_cache: bool,
) -> Result<ExitStatus> {
    let t0 = Instant::now();
    let pruefen = |p: &Project| auswahl(p, args).map(drop);
    let lauf = match pdf::vorbereiten(config, printer, &args.pdf, &pruefen, no_cache)? {
        Ok(l) => l,
        Err(status) => return Ok(status),
    };
    let blaetter = auswahl(&lauf.project, args)?;
    let ctx = lauf.kontext(args.pdf.period.as_deref());
    let jahr = jahr(&lauf, args);
    let ausgaben = pdf::rendern(
        &lauf,
        &blaetter,
        |b| {
            let (name, doc) = match b {
                Blatt::Thema(f) => (
                    format!("faktencheck-{jahr}-{}.pdf", pdf::dateiname(&f.id)),
                    crate::report::faktencheck(&ctx, f)?,
                ),
                Blatt::Profil(g, name) => {
                    let (art, nr) = match g {
                        Profilgebiet::Stadtteil(nr) => ("stadtteil", nr),
                        Profilgebiet::Sozialraum(nr) => ("sozialraum", nr),
                    };
                    (
                        format!(
                            "faktencheck-{jahr}-{art}-{}-{}.pdf",
                            pdf::dateiname(nr),
                            pdf::dateiname(name)
                        ),
                        crate::report::profil(&ctx, g)?,
                    )
                }
            };
            Ok((args.pdf.out.join(name), doc))
        },
        printer,
    )?;
    pdf::melden(printer, &ausgaben, &lauf, t0.elapsed())?;
    Ok(ExitStatus::Success)
}

/// The year in the file names: `--period` or the newest year of the published table.
fn jahr(lauf: &Lauf, args: &FaktencheckArgs) -> i32 {
    if let Some(y) = args
        .pdf
        .period
        .as_deref()
        .and_then(crate::report::ziel_jahr)
    {
        return y;
    }
    lauf.ergebnis
        .zeilen
        .iter()
        .map(|z| z.kennzahl.zeit.year())
        .max()
        .unwrap_or(lauf.project.stand.year)
}

fn unbekannt(what: &str, x: &str, known: Vec<&str>) -> anyhow::Error {
    let hint = crate::suggest::did_you_mean(x, known.iter().copied())
        .map(|s| format!(" Meinten Sie „{s}“?"))
        .unwrap_or_default();
    anyhow::anyhow!("{what} „{x}“ ist nicht konfiguriert.{hint}")
}

fn auswahl<'a>(p: &'a Project, args: &FaktencheckArgs) -> Result<Vec<Blatt<'a>>> {
    let g = &p.gebiete;
    let mut out = Vec::new();
    if (args.all_topics || !args.topic.is_empty()) && p.faktenchecks.is_empty() {
        bail!(
            "keine Faktenchecks konfiguriert; in {} Abschnitte [faktenchecks.<id>] mit titel und 2 bis 6 indikatoren anlegen (docs/config.md)",
            p.config_path.display()
        );
    }
    for t in &args.topic {
        let Some(f) = p.faktenchecks.iter().find(|f| &f.id == t) else {
            return Err(unbekannt(
                "Thema",
                t,
                p.faktenchecks.iter().map(|f| f.id.as_str()).collect(),
            ));
        };
        out.push(Blatt::Thema(f));
    }
    if args.all_topics {
        out.extend(p.faktenchecks.iter().map(Blatt::Thema));
    }
    for nr in &args.stadtteil {
        let Some(s) = g.by_nr(nr) else {
            return Err(unbekannt(
                &g.ebene1,
                nr,
                g.stadtteile.iter().map(|s| s.nr.as_str()).collect(),
            ));
        };
        out.push(Blatt::Profil(
            Profilgebiet::Stadtteil(s.nr.clone()),
            s.name.clone(),
        ));
    }
    if args.all_stadtteile {
        out.extend(
            g.stadtteile
                .iter()
                .map(|s| Blatt::Profil(Profilgebiet::Stadtteil(s.nr.clone()), s.name.clone())),
        );
    }
    if (args.all_sozialraeume || !args.sozialraum.is_empty()) && g.sozialraeume.is_empty() {
        bail!(
            "die Gebietsgliederung hat keine mittlere Ebene ({}): die Gebietsdatei hat keine Spalte „sozialraum“; Profile gibt es mit --stadtteil oder --all-stadtteile",
            g.ebene2
        );
    }
    for id in &args.sozialraum {
        let Some(s) = g.sozialraum(id) else {
            return Err(unbekannt(
                &g.ebene2,
                id,
                g.sozialraeume.iter().map(|s| s.nr.as_str()).collect(),
            ));
        };
        out.push(Blatt::Profil(
            Profilgebiet::Sozialraum(s.nr.clone()),
            s.name.clone(),
        ));
    }
    if args.all_sozialraeume {
        out.extend(
            g.sozialraeume
                .iter()
                .map(|s| Blatt::Profil(Profilgebiet::Sozialraum(s.nr.clone()), s.name.clone())),
        );
    }
    Ok(out)
}
