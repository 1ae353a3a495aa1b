//! Which indicators the data cannot fill, and why: a missing table, a missing field, a
//! numerator whose periods never meet the denominator's. `validate` names each one, so an
//! indicator does not stay silently empty in every output.

use super::{Kennzahl, align};
use crate::catalogue::{Art, Indicator, Teil};
use crate::domain::Period;
use crate::ingest::Dataset;
use crate::schema::TableKind;
use std::collections::BTreeSet;

/// An indicator without a single value, with the reason and what to do.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Leer {
    /// Indicator id.
    pub id: String,
    /// Why it stays empty, in German.
    pub grund: String,
    /// What to do, in German.
    pub hinweis: String,
}

/// The indicators of `katalog` that no row of `rows` gives a value, each with its reason.
pub fn empty(indicators: &[Indicator], data: &Dataset, rows: &[Kennzahl]) -> Vec<Leer> {
    let filled: BTreeSet<&str> = rows
        .iter()
        .filter(|r| r.wert.is_some())
        .map(|r| &*r.indikator)
        .collect();
    indicators
        .iter()
        .filter(|i| !filled.contains(i.id.as_str()))
        .map(|i| {
            let (grund, hinweis) = reason(i, data);
            Leer {
                id: i.id.clone(),
                grund,
                hinweis,
            }
        })
        .collect()
}

fn reason(ind: &Indicator, data: &Dataset) -> (String, String) {
    let def = &ind.def;
    let mut parts: Vec<(&str, &Teil)> = vec![("Zähler", &def.zaehler)];
    if let Some(n) = &def.nenner {
        parts.push(("Nenner", n));
    }
    if let Some(((a, b), (lo, hi))) = super::cut_age_group(def, data) {
        return (
            format!(
                "die Lieferung hat die Altersgruppe {lo}–{hi}, die Kennzahl fragt Alter {a}–{b}: welcher Teil der Gruppe gemeint ist, ist unbekannt"
            ),
            "Eine Lieferung nach Einzelaltern oder passenden Gruppen besorgen oder eine eigene Kennzahl mit den Altersgrenzen der Lieferung anlegen ([indikatoren.ID]).".into(),
        );
    }
    let needs = def.needs();
    for (rolle, teil) in &parts {
        if let Some(r) = missing(rolle, teil, &needs, data) {
            return r;
        }
    }
    if def.art == Art::Quotensumme && !has_values(data, def.zaehler.tabelle, "alter") {
        return (
            format!(
                "das Quotensummenverfahren braucht Altersjahre (Feld „alter“ der Tabelle „{}“), die Lieferung hat keine",
                def.zaehler.tabelle.id()
            ),
            "Eine Lieferung nach Altersjahren zuordnen (spalten.alter) oder die Kennzahl aus Berichten nehmen.".into(),
        );
    }
    if let Some(n) = &def.nenner {
        let num = periods(data, &def.zaehler);
        let den = periods(data, n);
        let aligned: BTreeSet<Period> = num.iter().map(|&p| align(p, n.zeitbezug)).collect();
        if !num.is_empty() && !den.is_empty() && aligned.is_disjoint(&den) {
            return (
                format!(
                    "Zähler und Nenner treffen sich zeitlich nie: der Zähler braucht den Nenner zu {}, geliefert ist er zu {}",
                    span(&aligned),
                    span(&den)
                ),
                "Zeitpunkte der Lieferungen prüfen (zeit.art, Stichtag) oder den zeitbezug des Nenners anpassen (docs/config.md, Zeitbezug).".into(),
            );
        }
    }
    (
        "keine Zeile der Daten erfüllt die Filter der Kennzahl".into(),
        "Filter der Kennzahl und die Codes der Lieferung vergleichen (bildungsmonitor catalogue zeigt die Filter).".into(),
    )
}

/// The reason a part cannot be summed: no table, or a field it reads is absent.
fn missing(
    rolle: &str,
    teil: &Teil,
    needs: &BTreeSet<(TableKind, String)>,
    data: &Dataset,
) -> Option<(String, String)> {
    let table = teil.tabelle.id();
    if !data.tables.contains_key(&teil.tabelle) {
        return Some((
            format!("{rolle}: keine Quelle liefert die Tabelle „{table}“"),
            format!(
                "Eine Quelle mit tabelle = \"{table}\" anlegen (docs/config.md) oder die Kennzahl aus Berichten nehmen."
            ),
        ));
    }
    let fields = needs
        .iter()
        .filter(|(t, _)| *t == teil.tabelle)
        .map(|(_, f)| f);
    for field in fields {
        if !has_values(data, teil.tabelle, field) {
            return Some((
                format!(
                    "{rolle}: die Kennzahl braucht das Feld „{field}“ der Tabelle „{table}“, keine Quelle liefert es"
                ),
                format!(
                    "Eine Spalte der Lieferung dem Feld „{field}“ zuordnen (spalten.{field}) oder die Kennzahl aus Berichten nehmen."
                ),
            ));
        }
    }
    None
}

/// Whether `field` of `table` holds at least one value.
fn has_values(data: &Dataset, table: TableKind, field: &str) -> bool {
    data.tables
        .get(&table)
        .and_then(|df| df.column(field).ok())
        .is_some_and(|c| c.null_count() < c.len())
}

/// The periods the sources of a part's table deliver.
fn periods(data: &Dataset, teil: &Teil) -> BTreeSet<Period> {
    data.sources
        .iter()
        .filter(|s| s.table == teil.tabelle)
        .flat_map(|s| s.periods.iter().copied())
        .collect()
}

/// `31.12.2015 bis 31.12.2024` or the one period.
fn span(p: &BTreeSet<Period>) -> String {
    match (p.first(), p.last()) {
        (Some(a), Some(b)) if a != b => format!("{a} bis {b}"),
        (Some(a), _) => a.to_string(),
        _ => "–".into(),
    }
}

/// A field one source does not give, and the indicators that need it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Fehlend {
    /// Source profile name.
    pub quelle: String,
    /// Canonical field.
    pub feld: String,
    /// Indicators that read the field from the source's table.
    pub kennzahlen: Vec<String>,
}

/// Per source, each field of its table that it does not give while an indicator of
/// `indicators` needs it.
pub fn lacking(indicators: &[Indicator], sources: &[crate::ingest::SourceSummary]) -> Vec<Fehlend> {
    let needs: Vec<(&str, BTreeSet<(TableKind, String)>)> = indicators
        .iter()
        .map(|i| (i.id.as_str(), i.def.needs()))
        .collect();
    let mut out = Vec::new();
    for s in sources {
        for f in crate::schema::schema(s.table).fields {
            if s.fields.contains(&f.name) {
                continue;
            }
            let key = (s.table, f.name.to_string());
            let mut kennzahlen: Vec<String> = needs
                .iter()
                .filter(|(_, n)| n.contains(&key))
                .map(|(id, _)| id.to_string())
                .collect();
            kennzahlen.sort();
            if !kennzahlen.is_empty() {
                out.push(Fehlend {
                    quelle: s.name.clone(),
                    feld: f.name.to_string(),
                    kennzahlen,
                });
            }
        }
    }
    out
}
