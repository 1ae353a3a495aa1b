//! Which indicators the data cannot fill, and why: a missing table, a missing field, a
//! numerator whose periods never meet the denominator's. `validate` names each one, so an
//! indicator does not stay silently empty in every output.

use super::{Kennzahl, align};
use crate::catalogue::{Art, Indicator, Teil};
use crate::domain::Period;
use crate::ingest::Dataset;
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
    for (rolle, teil) in &parts {
        if let Some(r) = missing(rolle, teil, data) {
            return r;
        }
    }
    if def.art == Art::Quotensumme && !has_values(data, &def.zaehler, "alter") {
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

/// The reason a part cannot be summed: no table, or its measure or a filter field is absent.
fn missing(rolle: &str, teil: &Teil, data: &Dataset) -> Option<(String, String)> {
    let table = teil.tabelle.id();
    if !data.tables.contains_key(&teil.tabelle) {
        return Some((
            format!("{rolle}: keine Quelle liefert die Tabelle „{table}“"),
            format!(
                "Eine Quelle mit tabelle = \"{table}\" anlegen (docs/config.md) oder die Kennzahl aus Berichten nehmen."
            ),
        ));
    }
    if !has_values(data, teil, &teil.wert) {
        return Some((
            format!(
                "{rolle}: das Feld „{}“ der Tabelle „{table}“ hat in keiner Quelle einen Wert",
                teil.wert
            ),
            format!(
                "Eine Spalte der Lieferung dem Feld „{}“ zuordnen (spalten.{}) oder die Kennzahl aus Berichten nehmen.",
                teil.wert, teil.wert
            ),
        ));
    }
    for field in teil.filter.keys() {
        if !has_values(data, teil, field) {
            return Some((
                format!(
                    "{rolle}: die Kennzahl filtert nach „{field}“, die Tabelle „{table}“ hat dieses Feld nicht"
                ),
                format!("Eine Spalte der Lieferung dem Feld „{field}“ zuordnen (spalten.{field})."),
            ));
        }
    }
    None
}

/// Whether `field` of the part's table holds at least one value.
fn has_values(data: &Dataset, teil: &Teil, field: &str) -> bool {
    data.tables
        .get(&teil.tabelle)
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
