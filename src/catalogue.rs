//! The indicator catalogue as data: definitions (id, title, numerator and denominator with
//! filters, unit, direction, time logic) read from the built-in `katalog.toml` and from the
//! project's `[indikatoren.ID]` sections, which add or override entries without recompiling.

use crate::diag::{Diagnostic, Diagnostics, Location};
use crate::schema::{self, FieldType, Role, TableKind};
use crate::suggest::did_you_mean;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The built-in catalogue (ships in the binary).
const BUILTIN: &str = include_str!("katalog.toml");

/// Unit of an indicator's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Einheit {
    /// A share in percent (numerator / denominator × 100).
    Prozent,
    /// A count.
    Anzahl,
    /// An index, first period of the series = 100.
    Index,
    /// A ratio shown as "1 : x" (numerator / denominator).
    Verhaeltnis,
}

impl Einheit {
    /// German label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Einheit::Prozent => "%",
            Einheit::Anzahl => "Anzahl",
            Einheit::Index => "Index",
            Einheit::Verhaeltnis => "1 : x",
        }
    }
}

/// Which direction of change is good; drives the wording of key statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Richtung {
    /// Higher values are better (Betreuungsquote).
    HoeherBesser,
    /// Lower values are better (ohne Abschluss).
    NiedrigerBesser,
    /// No judgement (Ausländeranteil).
    Neutral,
}

/// How numerator and denominator combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Art {
    /// Derived from the unit (share, count, index, ratio).
    #[default]
    Standard,
    /// Sum of age-specific shares (Quotensummenverfahren): Σ_a num_a / den_a.
    Quotensumme,
}

/// Topic; groups indicators in exports (one XLSX sheet per topic) and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Thema {
    /// Demography and social situation.
    Kontext,
    /// Early childhood education.
    Kita,
    /// School entry examination.
    Schuleingang,
    /// Pupils.
    Schule,
    /// Special needs and inclusion (shown together).
    Inklusion,
    /// School leavers.
    Abschluesse,
    /// Transitions.
    Uebergaenge,
}

impl Thema {
    /// German title.
    pub fn label(self) -> &'static str {
        match self {
            Thema::Kontext => "Rahmenbedingungen",
            Thema::Kita => "Frühkindliche Bildung",
            Thema::Schuleingang => "Schuleingang",
            Thema::Schule => "Allgemeinbildende Schulen",
            Thema::Inklusion => "Förderbedarf und Inklusion",
            Thema::Abschluesse => "Schulabschlüsse",
            Thema::Uebergaenge => "Übergänge",
        }
    }
}

/// To which Stichtag the denominator refers, relative to the numerator's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Zeitbezug {
    /// The same period.
    #[default]
    Gleich,
    /// 31.12. of the previous year (KJH: Kita 1.3. over population 31.12. Vorjahr).
    #[serde(rename = "vorjahr_31_12")]
    Vorjahr3112,
    /// 31.12. of the numerator's year (school year start year, Kalenderjahr).
    #[serde(rename = "jahr_31_12")]
    Jahr3112,
}

/// Numerator or denominator.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Teil {
    /// Canonical table.
    pub tabelle: TableKind,
    /// Measure that is summed.
    pub wert: String,
    /// Field → accepted values; ranges `0-2` for whole-number fields, `!x` excludes.
    #[serde(default)]
    pub filter: BTreeMap<String, Vec<String>>,
    /// Time alignment to the numerator.
    #[serde(default)]
    pub zeitbezug: Zeitbezug,
    /// Multiplier applied to the sum (hours / 40 → Ganztagsbetreuungsäquivalente).
    #[serde(default = "one")]
    pub faktor: f64,
    /// Weights per value of `alter` (Konstanz: age 6 counts half).
    #[serde(default)]
    pub gewichte: BTreeMap<String, f64>,
}

fn one() -> f64 {
    1.0
}

/// Breakdown of an indicator by a field.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Aufschluesselung {
    /// Field of the numerator table.
    pub feld: String,
    /// Optional bands: label → range or value (`"0 bis unter 3" = "0-2"`).
    #[serde(default)]
    pub gruppen: BTreeMap<String, String>,
    /// Whether the denominator is broken down the same way (ESU: examined per Befund).
    #[serde(default)]
    pub nenner_aufgeschluesselt: bool,
}

/// One indicator definition.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// German title.
    pub titel: String,
    /// One or two sentences for the definition box.
    pub definition: String,
    /// Topic.
    pub thema: Thema,
    /// Unit.
    pub einheit: Einheit,
    /// Good direction.
    pub richtung: Richtung,
    /// Computation kind.
    #[serde(default)]
    pub art: Art,
    /// Numerator (or the count itself).
    pub zaehler: Teil,
    /// Denominator for shares and ratios.
    #[serde(default)]
    pub nenner: Option<Teil>,
    /// Breakdown.
    #[serde(default)]
    pub aufschluesselung: Option<Aufschluesselung>,
    /// Minimum denominator for publication (default from `[geheimhaltung]`).
    #[serde(default)]
    pub mindestbasis: Option<u32>,
    /// Source note (default: the `quelle` texts of the sources feeding the tables).
    #[serde(default)]
    pub quelle: Option<String>,
}

impl Definition {
    /// The fields an indicator reads, per table: the summed measures, the filtered and
    /// weighted fields, the breakdown and the ages of a Quotensumme. A source without one of
    /// them cannot contribute to the indicator.
    pub fn needs(&self) -> BTreeSet<(TableKind, String)> {
        let mut out = BTreeSet::new();
        let mut teil = |t: &Teil, broken_down: bool| {
            out.insert((t.tabelle, t.wert.clone()));
            out.extend(t.filter.keys().map(|f| (t.tabelle, f.clone())));
            if !t.gewichte.is_empty() {
                out.insert((t.tabelle, "alter".to_string()));
            }
            if broken_down && let Some(a) = &self.aufschluesselung {
                out.insert((t.tabelle, a.feld.clone()));
            }
        };
        teil(&self.zaehler, true);
        if let Some(n) = &self.nenner {
            let nach_gruppe = self
                .aufschluesselung
                .as_ref()
                .is_some_and(|a| a.nenner_aufgeschluesselt);
            teil(n, nach_gruppe);
        }
        if self.art == Art::Quotensumme {
            out.insert((self.zaehler.tabelle, "alter".to_string()));
            if let Some(n) = &self.nenner {
                out.insert((n.tabelle, "alter".to_string()));
            }
        }
        out
    }
}

impl Definition {
    /// The first age group of `groups` (first, last age) of `table` that this indicator cuts:
    /// a filter range, breakdown band or weighted age that holds part of the group but not
    /// all of it, or (Quotensumme) any group wider than one age; with the range it asked for.
    pub fn cut_age_group(
        &self,
        table: TableKind,
        groups: &[(i64, i64)],
    ) -> Option<((i64, i64), (i64, i64))> {
        let wide = || groups.iter().copied().filter(|(lo, hi)| hi > lo);
        if self.art == Art::Quotensumme
            && (self.zaehler.tabelle == table
                || self.nenner.as_ref().is_some_and(|n| n.tabelle == table))
        {
            return wide().next().map(|g| (g, g));
        }
        let ty = FieldType::Int {
            min: 0,
            max: i64::MAX,
        };
        let mut ranges: Vec<(i64, i64)> = Vec::new();
        let mut teil = |t: &Teil, broken_down: bool| {
            if t.tabelle != table {
                return;
            }
            let mut texts: Vec<&str> = t
                .filter
                .get("alter")
                .map(|v| v.iter().map(|s| s.trim_start_matches('!')).collect())
                .unwrap_or_default();
            texts.extend(t.gewichte.keys().map(String::as_str));
            if broken_down
                && let Some(a) = self.aufschluesselung.as_ref().filter(|a| a.feld == "alter")
            {
                texts.extend(a.gruppen.values().map(String::as_str));
            }
            for v in texts {
                if let Some(FilterValue::Range(a, b)) = parse_filter_value(ty, v) {
                    ranges.push((a, b));
                }
            }
        };
        teil(&self.zaehler, true);
        if let Some(n) = &self.nenner {
            teil(
                n,
                self.aufschluesselung
                    .as_ref()
                    .is_some_and(|a| a.nenner_aufgeschluesselt),
            );
        }
        for (lo, hi) in wide() {
            for &(a, b) in &ranges {
                let overlaps = lo <= b && a <= hi;
                let inside = a <= lo && hi <= b;
                if overlaps && !inside {
                    return Some(((a, b), (lo, hi)));
                }
            }
        }
        None
    }
}

/// A catalogue entry.
#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    /// Stable id (FK01).
    pub id: String,
    /// Whether it comes from the project file.
    pub projekt: bool,
    /// The definition.
    #[serde(flatten)]
    pub def: Definition,
}

/// The catalogue, ordered by topic, then id.
#[derive(Debug, Clone, Serialize)]
pub struct Catalogue {
    /// Entries.
    pub indicators: Vec<Indicator>,
}

impl Catalogue {
    /// The built-in catalogue only.
    pub fn builtin() -> Catalogue {
        let map: BTreeMap<String, Definition> =
            toml::from_str(BUILTIN).expect("the built-in catalogue is valid TOML (tested)");
        let mut indicators: Vec<Indicator> = map
            .into_iter()
            .map(|(id, def)| Indicator {
                id,
                projekt: false,
                def,
            })
            .collect();
        sort(&mut indicators);
        Catalogue { indicators }
    }

    /// The built-in catalogue with the project's additions and overrides.
    pub fn with_project(project: &BTreeMap<String, Definition>) -> Catalogue {
        let mut c = Catalogue::builtin();
        for (id, def) in project {
            c.indicators.retain(|i| &i.id != id);
            c.indicators.push(Indicator {
                id: id.clone(),
                projekt: true,
                def: def.clone(),
            });
        }
        sort(&mut c.indicators);
        c
    }

    /// An indicator by id.
    pub fn get(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// Ids, for suggestions.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.indicators.iter().map(|i| i.id.as_str())
    }
}

fn sort(v: &mut [Indicator]) {
    v.sort_by(|a, b| a.def.thema.cmp(&b.def.thema).then_with(|| a.id.cmp(&b.id)));
}

/// A parsed filter entry.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    /// An inclusive range of whole numbers.
    Range(i64, i64),
    /// One value.
    Exact(String),
}

/// Parses `"0-2"`, `"6"` or `"kita"` for a field of the given type.
pub fn parse_filter_value(ty: FieldType, v: &str) -> Option<FilterValue> {
    match ty {
        FieldType::Int { .. } => {
            let (a, b) = v.split_once('-').unwrap_or((v, v));
            Some(FilterValue::Range(
                a.trim().parse().ok()?,
                b.trim().parse().ok()?,
            ))
        }
        FieldType::Code(codes) => codes
            .contains(&v)
            .then(|| FilterValue::Exact(v.to_string())),
        _ => Some(FilterValue::Exact(v.to_string())),
    }
}

/// Checks one definition against the data contract; `at` locates messages.
pub fn check(id: &str, def: &Definition, at: &Location) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let mut err = |msg: String| {
        diags.push(Diagnostic::error(
            "C010",
            at.clone(),
            format!("Kennzahl {id}: {msg}"),
        ))
    };
    if def.nenner.is_none() && matches!(def.einheit, Einheit::Prozent | Einheit::Verhaeltnis) {
        err(format!(
            "Einheit „{}“ braucht einen Nenner",
            def.einheit.label()
        ));
    }
    if def.art == Art::Quotensumme && def.nenner.is_none() {
        err("das Quotensummenverfahren braucht einen Nenner".into());
    }
    let parts = std::iter::once(("zaehler", &def.zaehler))
        .chain(def.nenner.as_ref().map(|n| ("nenner", n)));
    for (name, teil) in parts {
        let s = schema::schema(teil.tabelle);
        match s.field(&teil.wert) {
            Some(f) if f.role == Role::Measure => {}
            _ => {
                let measures: Vec<&str> = s
                    .fields
                    .iter()
                    .filter(|f| f.role == Role::Measure)
                    .map(|f| f.name)
                    .collect();
                let hint = did_you_mean(&teil.wert, measures.iter().copied())
                    .map(|m| format!(" (meinten Sie „{m}“?)"))
                    .unwrap_or_default();
                err(format!(
                    "{name}.wert „{}“ ist keine Zählgröße der Tabelle „{}“{hint}; möglich: {}",
                    teil.wert,
                    s.id,
                    measures.join(", ")
                ));
            }
        }
        for (field, values) in &teil.filter {
            let Some(f) = s.field(field) else {
                err(format!(
                    "{name}.filter: „{field}“ ist kein Feld der Tabelle „{}“",
                    s.id
                ));
                continue;
            };
            for v in values {
                if parse_filter_value(f.ty, v.strip_prefix('!').unwrap_or(v)).is_none() {
                    err(format!(
                        "{name}.filter.{field}: „{v}“ ist kein gültiger Wert"
                    ));
                }
            }
        }
        for age in teil.gewichte.keys() {
            if s.field("alter").is_none() || age.parse::<i64>().is_err() {
                err(format!(
                    "{name}.gewichte: „{age}“ muss ein Alter der Tabelle „{}“ sein",
                    s.id
                ));
            }
        }
        if !(teil.faktor.is_finite() && teil.faktor > 0.0) {
            err(format!("{name}.faktor muss größer als 0 sein"));
        }
    }
    if let Some(a) = &def.aufschluesselung {
        let s = schema::schema(def.zaehler.tabelle);
        match s.field(&a.feld) {
            Some(f) if f.role != Role::Measure => {
                for (label, v) in &a.gruppen {
                    if parse_filter_value(f.ty, v).is_none() {
                        err(format!(
                            "aufschluesselung.gruppen: „{label}“ = „{v}“ ist kein gültiger Wert für „{}“",
                            a.feld
                        ));
                    }
                }
            }
            _ => err(format!(
                "aufschluesselung.feld „{}“ ist kein Schlüsselfeld der Tabelle „{}“",
                a.feld, s.id
            )),
        }
    }
    diags
}

/// Checks the whole catalogue; project entries are located in the config file.
pub fn check_all(c: &Catalogue, config: &Path) -> Diagnostics {
    let mut d = Diagnostics::new();
    for i in &c.indicators {
        let at = if i.projekt {
            Location::file(config)
        } else {
            Location::None
        };
        d.extend(check(&i.id, &i.def, &at));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_is_valid_and_large_enough() {
        let c = Catalogue::builtin();
        assert!(c.indicators.len() >= 30, "{}", c.indicators.len());
        let d = check_all(&c, Path::new("x"));
        assert!(d.is_empty(), "{:?}", d.sorted());
        for i in &c.indicators {
            assert!(
                i.def.titel.len() > 5 && i.def.definition.len() > 20,
                "{}",
                i.id
            );
        }
    }

    #[test]
    fn filter_values() {
        assert_eq!(
            parse_filter_value(FieldType::Int { min: 0, max: 9 }, "0-2"),
            Some(FilterValue::Range(0, 2))
        );
        assert_eq!(
            parse_filter_value(FieldType::Int { min: 0, max: 9 }, "6"),
            Some(FilterValue::Range(6, 6))
        );
        assert_eq!(
            parse_filter_value(FieldType::Code(schema::SCHULFORM), "gymnasium"),
            Some(FilterValue::Exact("gymnasium".into()))
        );
        assert_eq!(
            parse_filter_value(FieldType::Code(schema::SCHULFORM), "gym"),
            None
        );
    }
}
