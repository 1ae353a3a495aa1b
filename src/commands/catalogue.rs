//! `bildungsmonitor catalogue`: the indicator definitions (human, JSON or Markdown).

use crate::catalogue::{Catalogue, Einheit, Richtung, Teil, Zeitbezug};
use crate::cli::OutputFormat;
use crate::exit::ExitStatus;
use crate::output::printer::Printer;
use std::fmt::Write as _;
use std::path::Path;

/// Prints the catalogue of the project (or the built-in one without a project file).
pub fn run(config: &Path, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let katalog = if config.exists() {
        match super::load_project(config, printer) {
            Ok((p, _)) => p.katalog,
            Err(status) => return Ok(status),
        }
    } else {
        Catalogue::builtin()
    };
    match printer.format {
        OutputFormat::Json => {
            printer.json(&serde_json::json!({ "version": 1, "indikatoren": katalog.indicators }))?
        }
        OutputFormat::Markdown => printer.raw_stdout(markdown(&katalog).as_bytes())?,
        OutputFormat::Csv | OutputFormat::Xlsx => {
            anyhow::bail!(
                "--format csv/xlsx gibt es nur für `indicators` und `export`; für den Katalog human, json oder markdown wählen"
            )
        }
        OutputFormat::Human => {
            let mut out = String::new();
            for i in &katalog.indicators {
                let _ = writeln!(
                    out,
                    "{:<6} {:<60} {:<8} {:<14} {}",
                    i.id,
                    i.def.titel,
                    i.def.einheit.label(),
                    i.def.thema.label(),
                    braucht(&i.def).replace('`', "")
                );
            }
            printer.raw_stdout(out.as_bytes())?;
        }
    }
    Ok(ExitStatus::Success)
}

/// `schulen.schueler, schulen.klassenstufe`: what a source must give for the indicator.
fn braucht(d: &crate::catalogue::Definition) -> String {
    let list: Vec<String> = d
        .needs()
        .iter()
        .map(|(t, f)| format!("`{}.{f}`", t.id()))
        .collect();
    list.join(", ")
}

fn teil(t: &Teil) -> String {
    let mut s = format!("Summe von `{}` aus `{}`", t.wert, t.tabelle);
    if !t.filter.is_empty() {
        let f: Vec<String> = t
            .filter
            .iter()
            .map(|(k, v)| format!("{k} = {}", v.join(", ")))
            .collect();
        let _ = write!(s, " mit {}", f.join("; "));
    }
    if !t.gewichte.is_empty() {
        let g: Vec<String> = t
            .gewichte
            .iter()
            .map(|(a, w)| format!("Alter {a} × {w}"))
            .collect();
        let _ = write!(s, ", gewichtet: {}", g.join(", "));
    }
    if t.faktor != 1.0 {
        let _ = write!(s, ", mal {}", t.faktor);
    }
    match t.zeitbezug {
        Zeitbezug::Gleich => {}
        Zeitbezug::Vorjahr3112 => s.push_str(", Stand 31.12. des Vorjahres"),
        Zeitbezug::Jahr3112 => s.push_str(", Stand 31.12. desselben Jahres"),
    }
    s
}

/// The catalogue as Markdown (`docs/indicators.md` is this output).
pub fn markdown(k: &Catalogue) -> String {
    let mut s = String::from(
        "# Indikatorenkatalog\n\nErzeugt mit `bildungsmonitor catalogue --format markdown`; ein Test hält diese Datei aktuell.\n\
         Ein Projekt ergänzt oder überschreibt Kennzahlen unter `[indikatoren.ID]` in `bildungsmonitor.toml`\n\
         (gleiche Felder wie in `src/katalog.toml`).\n\n| Kennung | Kennzahl | Einheit | Thema |\n|---|---|---|---|\n",
    );
    for i in &k.indicators {
        let _ = writeln!(
            s,
            "| [{}](#{}) | {} | {} | {} |",
            i.id,
            i.id.to_lowercase(),
            i.def.titel,
            i.def.einheit.label(),
            i.def.thema.label()
        );
    }
    for i in &k.indicators {
        let d = &i.def;
        let _ = write!(s, "\n## {}\n\n**{}**. {}\n\n", i.id, d.titel, d.definition);
        let _ = writeln!(s, "- Einheit: {}", d.einheit.label());
        let _ = writeln!(s, "- Zähler: {}", teil(&d.zaehler));
        if let Some(n) = &d.nenner {
            let _ = writeln!(s, "- Nenner: {}", teil(n));
        }
        let formel = match (d.einheit, &d.nenner) {
            (_, _) if d.art == crate::catalogue::Art::Quotensumme => {
                "Σ über die Altersjahre des Zählers (Zähler je Alter / Nenner je Alter) × 100; der Nenner zählt nur vom jüngsten bis zum ältesten Alter, das im Zähler vorkommt"
            }
            (Einheit::Prozent, _) => "Zähler / Nenner × 100",
            (Einheit::Verhaeltnis, _) => "1 : (Zähler / Nenner)",
            (Einheit::Index, _) => "Zähler / Zähler im ersten Zeitpunkt der Reihe × 100",
            (Einheit::Anzahl, _) => "Zähler",
        };
        let _ = writeln!(s, "- Formel: {formel}");
        if let Some(a) = &d.aufschluesselung {
            let _ = write!(s, "- Aufschlüsselung nach `{}`", a.feld);
            if !a.gruppen.is_empty() {
                let g: Vec<String> = a
                    .gruppen
                    .iter()
                    .map(|(l, v)| format!("{l} ({v})"))
                    .collect();
                let _ = write!(s, ": {}", g.join(", "));
            }
            s.push('\n');
        }
        let richtung = match d.richtung {
            Richtung::HoeherBesser => "höhere Werte sind günstiger",
            Richtung::NiedrigerBesser => "niedrigere Werte sind günstiger",
            Richtung::Neutral => "keine Wertung",
        };
        let _ = writeln!(s, "- Lesart: {richtung}");
        let _ = writeln!(s, "- Braucht die Felder: {}", braucht(d));
        let _ = writeln!(
            s,
            "- Ebenen: Stadtteil, Sozialraum, Stadt (Summen aus Fallzahlen, nie Mittel von Quoten)"
        );
        if let Some(m) = d.mindestbasis {
            let _ = writeln!(s, "- Mindestbasis: {m}");
        }
        if let Some(q) = &d.quelle {
            let _ = writeln!(s, "- Quelle: {q}");
        }
    }
    s
}
