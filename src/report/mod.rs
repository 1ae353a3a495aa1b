//! From the published table (after disclosure control) to the data of a document: report
//! modules, Faktenchecks and Stadtteilprofile. This stage picks periods and areas, draws the
//! charts, formats every number in German and writes the sentences; the Typst templates
//! only lay out what they get as JSON.

mod auswahl;
mod faktencheck;
mod glossar;
mod modul;
mod profil;
mod text;

pub use auswahl::{ziel_gueltig, ziel_jahr};
pub use faktencheck::faktencheck;
pub use modul::modul;
pub use profil::{Profilgebiet, profil};

use crate::catalogue::Einheit;
use crate::charts::{Chart, Geometrie};
use crate::disclosure::{Ergebnis, Veroeffentlicht};
use crate::indicators::Ebene;
use crate::project::Project;
use crate::render::PdfEinstellungen;
use auswahl::Auswahl;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Everything a document is made from.
pub struct Kontext<'a> {
    /// The project.
    pub project: &'a Project,
    /// The published numbers.
    pub ergebnis: &'a Ergebnis,
    /// Polygons of the Stadtteile (maps are left out without them).
    pub flaechen: Option<&'a Geometrie>,
    /// `--period`: latest period at or before it (default: the latest of each indicator).
    pub ziel: Option<&'a str>,
    /// Build line for drafts ("Daten sha256:… · bildungsmonitor 0.1.0"); `None`: final.
    pub entwurf: Option<String>,
    /// PDF date.
    pub pdf: &'a PdfEinstellungen,
    /// Index of the published rows.
    index: auswahl::Index<'a>,
}

impl<'a> Kontext<'a> {
    /// Prepares the context (indexes the published rows once).
    pub fn new(
        project: &'a Project,
        ergebnis: &'a Ergebnis,
        flaechen: Option<&'a Geometrie>,
        ziel: Option<&'a str>,
        entwurf: Option<String>,
        pdf: &'a PdfEinstellungen,
    ) -> Kontext<'a> {
        Kontext {
            project,
            ergebnis,
            flaechen,
            ziel,
            entwurf,
            pdf,
            index: auswahl::Index::new(ergebnis),
        }
    }

    fn auswahl(&self, id: &str) -> Option<Auswahl<'_>> {
        auswahl::Auswahl::new(self, id)
    }
}

/// A document ready for the renderer.
#[derive(Debug, Clone)]
pub struct Dokument {
    /// Main template file (`modul.typ`).
    pub vorlage: String,
    /// Document title (PDF metadata, file list).
    pub titel: String,
    /// The data for the template.
    pub daten: Value,
    /// SVG images referenced by index from the data.
    pub bilder: Vec<Vec<u8>>,
    /// Table cells shown as "." in this document.
    pub gesperrt: usize,
}

/// Collects the SVGs of a document and hands out their index.
#[derive(Default)]
struct Bilder {
    liste: Vec<Vec<u8>>,
}

impl Bilder {
    fn add(&mut self, chart: Chart, titel: String, label: String, breite: u32) -> Value {
        self.liste.push(chart.svg.into_bytes());
        json!({
            "bild": self.liste.len() - 1,
            "alt": chart.alt,
            "titel": titel,
            "label": label,
            "breite": breite,
        })
    }
}

/// A trend figure of the city, one series per (name, group); `None` with fewer than two
/// periods or no published value.
fn trend_abbildung(
    ctx: &Kontext,
    a: &Auswahl,
    reihen: &[(String, Option<&str>)],
    groesse: (u32, u32),
    bilder: &mut Bilder,
) -> anyhow::Result<Option<Value>> {
    let kommune = &ctx.project.kommune;
    let reihen: Vec<(String, Vec<Option<f64>>)> = reihen
        .iter()
        .map(|(name, gruppe)| (name.clone(), a.reihe(Ebene::Stadt, "stadt", *gruppe)))
        .collect();
    if a.perioden.len() < 2 || !reihen.iter().any(|r| r.1.iter().any(Option::is_some)) {
        return Ok(None);
    }
    let achse = a.achse();
    let titel = &a.ind.def.titel;
    let chart = crate::charts::line(&crate::charts::Linie {
        titel: format!("{titel} in {kommune}"),
        einheit: a.ind.def.einheit,
        labels: achse.clone(),
        reihen,
        groesse,
    })?;
    Ok(Some(bilder.add(
        chart,
        format!(
            "{titel}, {kommune}, {} bis {}",
            achse.first().cloned().unwrap_or_default(),
            achse.last().cloned().unwrap_or_default()
        ),
        label(&a.ind.id, "trend"),
        100,
    )))
}

/// A choropleth of the Stadtteile for the current period; areas without a row have no data
/// (no school, no Kita there) and stay out of the values. `None` without polygons or rows,
/// and for Schulort indicators (a Stadtteil with only a Förderschule would be the darkest).
fn karte_abbildung(
    ctx: &Kontext,
    a: &Auswahl,
    gruppe: Option<&str>,
    groesse: (u32, u32),
    bilder: &mut Bilder,
) -> anyhow::Result<Option<Value>> {
    if a.schulort {
        return Ok(None);
    }
    let g = &ctx.project.gebiete;
    let mit_zeile: Vec<&crate::project::Stadtteil> = g
        .stadtteile
        .iter()
        .filter(|s| {
            a.zeile(a.aktuell, Ebene::Stadtteil, &s.nr, gruppe)
                .is_some()
        })
        .collect();
    let Some(flaechen) = ctx.flaechen.filter(|_| !mit_zeile.is_empty()) else {
        return Ok(None);
    };
    let titel = &a.ind.def.titel;
    // a suppressed area is hatched; an area whose row has no value (no data, base 0) has no
    // data like one without a row
    let mut werte: BTreeMap<String, Option<f64>> = BTreeMap::new();
    for s in &mit_zeile {
        let v = a.zeile(a.aktuell, Ebene::Stadtteil, &s.nr, gruppe);
        match v {
            Some(v) if v.gesperrt => {
                werte.insert(s.nr.clone(), None);
            }
            Some(v) if v.kennzahl.wert.is_some() => {
                werte.insert(s.nr.clone(), v.kennzahl.wert);
            }
            _ => {}
        }
    }
    // with most Stadtteile suppressed a Stadtteil map shows mostly hatching: each Stadtteil
    // then takes its Sozialraum's value
    let gezeigt = werte.values().filter(|v| v.is_some()).count();
    let nach_sozialraum = 2 * gezeigt < werte.len();
    if nach_sozialraum {
        for s in &mit_zeile {
            let v = a.wert(a.aktuell, Ebene::Sozialraum, &s.sozialraum, gruppe);
            werte.insert(s.nr.clone(), v);
        }
    }
    let ebene_plural = if nach_sozialraum {
        plural_dativ(&g.ebene2)
    } else {
        plural_dativ(&g.ebene1)
    };
    let chart = crate::charts::map(&crate::charts::Karte {
        titel: titel.clone(),
        periode: a.aktuell.to_string(),
        einheit: a.ind.def.einheit,
        flaechen,
        namen: g
            .stadtteile
            .iter()
            .map(|s| (s.nr.clone(), s.name.clone()))
            .collect(),
        werte,
        hervorheben: Vec::new(),
        klassen: crate::charts::Klassierung::Quantile,
        groesse,
    })?;
    Ok(Some(bilder.add(
        chart,
        format!("Karte: {titel} nach {ebene_plural}, {}", a.aktuell),
        label(&a.ind.id, "karte"),
        100,
    )))
}

/// A numbered table for the templates: header, rows of text cells, bold rows.
fn tabelle(
    titel: String,
    label: String,
    kopf: Vec<String>,
    zeilen: Vec<Vec<String>>,
    fett: Vec<usize>,
) -> Value {
    json!({ "titel": titel, "label": label, "kopf": kopf, "zeilen": zeilen, "fett": fett })
}

/// Metadata shared by every document kind.
fn meta(ctx: &Kontext, titel: &str, untertitel: &str, schlagworte: &[String]) -> Value {
    let p = ctx.project;
    json!({
        "kommune": p.kommune,
        "titel": titel,
        "untertitel": untertitel,
        "reihe": format!("Bildungsmonitoring {}", p.kommune),
        "stand_text": datum_lang(p.stand),
        "datum": ctx.pdf.json(),
        "herausgeber": p.herausgeber.clone().unwrap_or_else(|| p.kommune.clone()),
        "schlagworte": schlagworte,
        "entwurf": ctx.entwurf.is_some(),
        "build": ctx.entwurf,
        "gestaltung": {
            "farbe": p.gestaltung.farbe,
            "schrift": p.gestaltung.schrift,
        },
        "logo_alt": format!("Logo: {}", p.kommune),
        "ebene1": p.gebiete.ebene1,
        "ebene2": p.gebiete.ebene2,
    })
}

/// "1. November 2026".
pub fn datum_lang(d: crate::domain::Date) -> String {
    const MONATE: [&str; 12] = [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ];
    format!(
        "{}. {} {}",
        d.day,
        MONATE[usize::from(d.month.clamp(1, 12)) - 1],
        d.year
    )
}

/// Plural of a level name: "Stadtteile", "Kreise", "Gemeinden", "Sozialräume".
fn plural_nominativ(ebene: &str) -> String {
    if let Some(stem) = ebene.strip_suffix("raum") {
        format!("{stem}räume")
    } else if ebene.ends_with('e') {
        format!("{ebene}n")
    } else if ebene.ends_with("el") || ebene.ends_with("er") {
        ebene.to_string()
    } else {
        format!("{ebene}e")
    }
}

/// Plural of a level name for captions: "nach Stadtteilen", "nach Kreisen".
fn plural_dativ(ebene: &str) -> String {
    if let Some(stem) = ebene.strip_suffix("raum") {
        format!("{stem}räumen")
    } else if ebene.ends_with('e') || ebene.ends_with("el") || ebene.ends_with("er") {
        format!("{ebene}n")
    } else {
        format!("{ebene}en")
    }
}

/// A value as printed in a table: the number, "." if suppressed, the gap symbol if missing.
fn zelle_wert(v: Option<&Veroeffentlicht>, einheit: Einheit) -> String {
    match v {
        None => "–".into(),
        Some(v) if v.gesperrt => ".".into(),
        Some(v) => match (v.kennzahl.wert, v.kennzahl.luecke) {
            (Some(w), _) => crate::format::value(w, einheit),
            (None, Some(l)) => l.symbol().into(),
            (None, None) => "–".into(),
        },
    }
}

/// The change to a year earlier: "." where a value involved is suppressed, "x" where
/// there is nothing to compare with.
fn zelle_veraenderung(v: Option<&Veroeffentlicht>, einheit: Einheit) -> String {
    match v {
        None => "–".into(),
        Some(v) if v.gesperrt => ".".into(),
        // without a value there is no change either: the value's own sign ("–" no data)
        Some(v) if v.kennzahl.wert.is_none() => v
            .kennzahl
            .luecke
            .map_or_else(|| "–".into(), |l| l.symbol().into()),
        Some(v) => v
            .kennzahl
            .veraenderung
            .map_or_else(|| "x".into(), |d| crate::format::change(d, einheit)),
    }
}

/// A numerator or denominator count.
fn zelle_zahl(v: Option<&Veroeffentlicht>, x: Option<f64>) -> String {
    match (v, x) {
        (None, _) => "–".into(),
        (_, Some(x)) => crate::format::count(x),
        (Some(v), None) if v.gesperrt => ".".into(),
        (Some(v), None) => v
            .kennzahl
            .luecke
            .map_or_else(|| ".".into(), |l| l.symbol().into()),
    }
}

/// The legend of the symbols, for the Methodik section.
fn zeichen() -> Value {
    json!([
        { "zeichen": ".", "bedeutung": "Zahlenwert unbekannt oder geheimzuhalten (Geheimhaltung)" },
        { "zeichen": "–", "bedeutung": "nichts vorhanden bzw. keine Daten" },
        { "zeichen": "...", "bedeutung": "Angabe unvollständig oder fällt später an" },
        { "zeichen": "x", "bedeutung": "Tabellenfach gesperrt, weil Aussage nicht sinnvoll (z. B. Basis 0, kein Vorjahr)" },
    ])
}

/// Source notes of the tables an indicator reads, as list lines.
fn quellen(ctx: &Kontext, ids: &[String]) -> Vec<String> {
    let mut tables = std::collections::BTreeSet::new();
    let mut eigene = Vec::new();
    for id in ids {
        let Some(ind) = ctx.project.katalog.get(id) else {
            continue;
        };
        tables.insert(ind.def.zaehler.tabelle);
        if let Some(n) = &ind.def.nenner {
            tables.insert(n.tabelle);
        }
        if let Some(q) = &ind.def.quelle {
            eigene.push(format!("{} ({}): {q}", ind.def.titel, ind.id));
        }
    }
    let mut out = Vec::new();
    for t in tables {
        for q in ctx.project.quellen.iter().filter(|q| q.table == t) {
            let file = q
                .path
                .file_name()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default();
            out.push(format!(
                "{}: {} (Datei {file}; {}bezug)",
                crate::schema::schema(t).title,
                q.note
                    .clone()
                    .unwrap_or_else(|| "ohne Quellenangabe".into()),
                q.bezug.label()
            ));
        }
    }
    out.extend(eigene);
    out
}

/// The Stichtag/Bezug text of an indicator's definition box.
fn bezug(ctx: &Kontext, id: &str) -> String {
    let Some(ind) = ctx.project.katalog.get(id) else {
        return String::new();
    };
    let mut b: Vec<&str> = ctx
        .project
        .quellen
        .iter()
        .filter(|q| q.table == ind.def.zaehler.tabelle)
        .map(|q| q.bezug.label())
        .collect();
    b.dedup();
    if b.is_empty() {
        crate::schema::schema(ind.def.zaehler.tabelle)
            .default_bezug
            .label()
            .to_string()
    } else {
        b.join(", ")
    }
}

/// Title and definition fields of an indicator for the templates.
fn kopf(ctx: &Kontext, a: &Auswahl) -> Value {
    let def = &a.ind.def;
    json!({
        "id": a.ind.id,
        "titel": def.titel,
        "definition": def.definition,
        "einheit_text": einheit_text(def.einheit),
        "bezug": bezug(ctx, &a.ind.id),
        "periode": a.aktuell.to_string(),
        "quelle": quellen(ctx, std::slice::from_ref(&a.ind.id)).join("; "),
    })
}

fn einheit_text(e: Einheit) -> &'static str {
    match e {
        Einheit::Prozent => "Prozent",
        Einheit::Anzahl => "Anzahl",
        Einheit::Index => "Index (erstes Jahr = 100)",
        Einheit::Verhaeltnis => "Verhältnis 1 : x",
    }
}

/// A Typst label from an indicator id and a suffix (letters, digits and `-` only).
fn label(id: &str, suffix: &str) -> String {
    let clean: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{clean}-{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_words() {
        assert_eq!(plural_dativ("Stadtteil"), "Stadtteilen");
        assert_eq!(plural_dativ("Sozialraum"), "Sozialräumen");
        assert_eq!(plural_dativ("Gemeinde"), "Gemeinden");
        assert_eq!(plural_dativ("Kreis"), "Kreisen");
        assert_eq!(
            datum_lang(crate::domain::Date::new(2026, 11, 1).unwrap()),
            "1. November 2026"
        );
        assert_eq!(label("KN 01", "trend"), "KN-01-trend");
    }
}
