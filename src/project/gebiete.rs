//! The Gebietsgliederung: Stadtteile with their Sozialraum, read from the configuration
//! and/or a CSV file, plus the check that the GeoJSON has a polygon for each Stadtteil.

use super::{Ctx, toml_date};
use crate::diag::{Diagnostic, Diagnostics, Location};
use crate::domain::Date;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// One Stadtteil (or Gemeinde, Kreis: the lowest reporting unit).
#[derive(Debug, Clone, Serialize)]
pub struct Stadtteil {
    /// Number as used in the data.
    pub nr: String,
    /// Name.
    pub name: String,
    /// Id of its Sozialraum (empty in a Gliederung without a middle level).
    pub sozialraum: String,
    /// Id of the Bezirk above its Sozialraum (empty without a third level).
    pub bezirk: String,
    /// AGS, if any.
    pub ags: Option<String>,
    /// First day of validity.
    pub gueltig_ab: Option<Date>,
    /// Last day of validity.
    pub gueltig_bis: Option<Date>,
}

/// One Sozialraum (or Stadtbezirk).
#[derive(Debug, Clone, Serialize)]
pub struct Sozialraum {
    /// Id.
    pub nr: String,
    /// Name.
    pub name: String,
}

/// The hierarchy Stadtteil → Sozialraum → Stadt.
#[derive(Debug, Clone, Serialize)]
pub struct Gebietsgliederung {
    /// Stadtteile in the order given.
    pub stadtteile: Vec<Stadtteil>,
    /// Sozialräume sorted by id.
    pub sozialraeume: Vec<Sozialraum>,
    /// Bezirke above the Sozialräume, sorted by id (empty: no third level).
    pub bezirke: Vec<Sozialraum>,
    /// Sozialraum id → Bezirk id.
    pub bezirk_of: BTreeMap<String, String>,
    /// GeoJSON file.
    pub geojson: Option<PathBuf>,
    /// GeoJSON property holding the number.
    pub geojson_schluessel: String,
    /// Name of the lowest level ("Stadtteil").
    pub ebene1: String,
    /// Name of the middle level ("Sozialraum").
    pub ebene2: String,
    /// Name of the level above the Sozialräume ("Stadtbezirk").
    pub ebene3: String,
    /// Keys of a delivered row for the whole city, as configured (compared without case and
    /// outer blanks).
    pub gesamtstadt: Vec<String>,
    /// Stadtteil number → position, built on first use (11,000 Gemeinden make a linear
    /// search per lookup quadratic).
    #[serde(skip)]
    pub index: std::sync::OnceLock<std::collections::HashMap<String, usize>>,
}

impl Gebietsgliederung {
    /// Whether an area key of a delivery stands for the whole city.
    pub fn is_gesamtstadt(&self, key: &str) -> bool {
        let key = key.trim();
        self.gesamtstadt
            .iter()
            .any(|k| k.to_lowercase() == key.to_lowercase())
    }

    /// A Stadtteil by number.
    pub fn by_nr(&self, nr: &str) -> Option<&Stadtteil> {
        let index = self.index.get_or_init(|| {
            self.stadtteile
                .iter()
                .enumerate()
                .map(|(i, s)| (s.nr.clone(), i))
                .collect()
        });
        index.get(nr).map(|&i| &self.stadtteile[i])
    }

    /// A Bezirk by id.
    pub fn bezirk(&self, id: &str) -> Option<&Sozialraum> {
        self.bezirke
            .binary_search_by(|s| s.nr.as_str().cmp(id))
            .ok()
            .map(|i| &self.bezirke[i])
    }

    /// A Sozialraum by id.
    pub fn sozialraum(&self, id: &str) -> Option<&Sozialraum> {
        // sorted by id
        self.sozialraeume
            .binary_search_by(|s| s.nr.as_str().cmp(id))
            .ok()
            .map(|i| &self.sozialraeume[i])
    }
}

const CSV_COLUMNS: [&str; 9] = [
    "nr",
    "name",
    "sozialraum",
    "sozialraum_name",
    "bezirk",
    "bezirk_name",
    "ags",
    "gueltig_ab",
    "gueltig_bis",
];

pub(super) fn resolve(
    ctx: &Ctx,
    raw: &super::config::GebieteConfig,
    diags: &mut Diagnostics,
) -> Option<Gebietsgliederung> {
    let mut stadtteile = Vec::new();
    let mut sr_names: BTreeMap<String, String> = raw
        .sozialraum
        .iter()
        .map(|s| (s.nr.clone(), s.name.clone()))
        .collect();
    let mut bz_names: BTreeMap<String, String> = raw
        .bezirk
        .iter()
        .map(|s| (s.nr.clone(), s.name.clone()))
        .collect();
    let mut ok = true;

    if let Some(datei) = &raw.datei {
        let path = ctx.check_file(datei, "Gebietsdatei", diags);
        if path.is_file() {
            ok &= read_csv(&path, &mut stadtteile, &mut sr_names, &mut bz_names, diags);
        } else {
            ok = false;
        }
    }
    for s in &raw.stadtteil {
        stadtteile.push(Stadtteil {
            nr: s.nr.clone(),
            name: s.name.clone(),
            sozialraum: s.sozialraum.clone(),
            bezirk: s.bezirk.clone(),
            ags: s.ags.clone(),
            gueltig_ab: s.gueltig_ab.as_ref().and_then(toml_date),
            gueltig_bis: s.gueltig_bis.as_ref().and_then(toml_date),
        });
    }
    if stadtteile.is_empty() && ok {
        diags.push(
            Diagnostic::error("C007", ctx.at_offset(super::find_section(ctx.text, "gebiete")), "keine Stadtteile definiert")
                .hint("Unter [gebiete] eine Datei (datei = \"gebiete.csv\") oder [[gebiete.stadtteil]]-Einträge angeben."),
        );
        return None;
    }
    check_numbers_and_validity(&stadtteile, ctx, diags);
    ok &= one_level_or_two(&stadtteile, ctx, diags);
    let bezirk_of = third_level(&stadtteile, ctx, diags);
    ok &= bezirk_of.is_some();
    let bezirk_of = bezirk_of.unwrap_or_default();
    let bezirke = named(bezirk_of.values().map(String::as_str), &bz_names);
    let sozialraeume = named(
        stadtteile
            .iter()
            .map(|s| s.sozialraum.as_str())
            .filter(|s| !s.is_empty()),
        &sr_names,
    );

    let geojson = raw.geojson.as_ref().map(|g| {
        let path = ctx.check_file(g, "GeoJSON-Datei", diags);
        if path.is_file() {
            check_geojson(&path, &raw.geojson_schluessel, &stadtteile, diags);
        }
        path
    });

    let gesamtstadt = gesamtstadt_keys(raw, &stadtteile, ctx, diags);
    ok.then_some(Gebietsgliederung {
        index: Default::default(),
        stadtteile,
        sozialraeume,
        bezirke,
        bezirk_of,
        geojson,
        geojson_schluessel: raw.geojson_schluessel.clone(),
        ebene1: raw.ebene1.clone(),
        ebene2: raw.ebene2.clone(),
        ebene3: raw.ebene3.clone(),
        gesamtstadt,
    })
}

/// Every number once, every validity period in order (C007).
fn check_numbers_and_validity(stadtteile: &[Stadtteil], ctx: &Ctx, diags: &mut Diagnostics) {
    let mut seen = BTreeSet::new();
    for s in stadtteile {
        if !seen.insert(s.nr.as_str()) {
            diags.push(Diagnostic::error(
                "C007",
                ctx.at_offset(super::find_section(ctx.text, "gebiete")),
                format!("Stadtteil-Nr. „{}“ ist mehrfach vergeben", s.nr),
            ));
        }
        if let (Some(a), Some(b)) = (s.gueltig_ab, s.gueltig_bis)
            && a > b
        {
            diags.push(Diagnostic::error(
                "C007",
                ctx.at_offset(super::find_section(ctx.text, "gebiete")),
                format!(
                    "Stadtteil „{}“: gueltig_ab {a} liegt nach gueltig_bis {b}",
                    s.name
                ),
            ));
        }
    }
}

/// The distinct ids, sorted, with their names (the id where none is given).
fn named<'a>(
    ids: impl Iterator<Item = &'a str>,
    names: &BTreeMap<String, String>,
) -> Vec<Sozialraum> {
    ids.collect::<BTreeSet<_>>()
        .into_iter()
        .map(|id| Sozialraum {
            nr: id.to_string(),
            name: names.get(id).cloned().unwrap_or_else(|| id.to_string()),
        })
        .collect()
}

/// Either every Stadtteil has a Sozialraum or none has: the Sozialräume must add up to the
/// city, or the city's sum and the published Sozialräume would give back a Stadtteil.
fn one_level_or_two(stadtteile: &[Stadtteil], ctx: &Ctx, diags: &mut Diagnostics) -> bool {
    let ohne: Vec<&Stadtteil> = stadtteile
        .iter()
        .filter(|s| s.sozialraum.is_empty())
        .collect();
    if ohne.is_empty() || ohne.len() == stadtteile.len() {
        return true;
    }
    let names: Vec<String> = ohne
        .iter()
        .take(5)
        .map(|s| format!("{} {}", s.nr, s.name))
        .collect();
    let more = if ohne.len() > 5 {
        format!(" und {} weitere", ohne.len() - 5)
    } else {
        String::new()
    };
    diags.push(
        Diagnostic::error(
            "C007",
            ctx.at_offset(super::find_section(ctx.text, "gebiete")),
            format!(
                "{} von {} Stadtteilen haben keinen Sozialraum: {}{more}",
                ohne.len(),
                stadtteile.len(),
                names.join(", ")
            ),
        )
        .hint("Jedem Stadtteil einen Sozialraum geben oder keinem (die Spalte „sozialraum“ weglassen): die Sozialräume müssen zusammen die Stadt ergeben."),
    );
    false
}

/// Sozialraum → Bezirk where the Gliederung has a third level: every Stadtteil has a Bezirk
/// or none, a Bezirk only above a Sozialraum, and every Sozialraum in one Bezirk (the Bezirke
/// must add up to the city, each from whole Sozialräume). `None` after an error.
fn third_level(
    stadtteile: &[Stadtteil],
    ctx: &Ctx,
    diags: &mut Diagnostics,
) -> Option<BTreeMap<String, String>> {
    let at = || ctx.at_offset(super::find_section(ctx.text, "gebiete"));
    let mit = stadtteile.iter().filter(|s| !s.bezirk.is_empty()).count();
    if mit == 0 {
        return Some(BTreeMap::new());
    }
    let mut err = |msg: String, hint: &str| {
        diags.push(Diagnostic::error("C007", at(), msg).hint(hint.to_string()));
        None
    };
    if mit < stadtteile.len() {
        return err(
            format!(
                "{} von {} Stadtteilen haben keinen Bezirk",
                stadtteile.len() - mit,
                stadtteile.len()
            ),
            "Jedem Stadtteil einen Bezirk geben oder keinem: die Bezirke müssen zusammen die Stadt ergeben.",
        );
    }
    if stadtteile.iter().any(|s| s.sozialraum.is_empty()) {
        return err(
            "Bezirke ohne Sozialräume".into(),
            "Für eine einzige mittlere Ebene die Spalte „sozialraum“ verwenden (ebene2 = \"Stadtbezirk\"); „bezirk“ ist die Ebene über den Sozialräumen.",
        );
    }
    let mut of: BTreeMap<String, String> = BTreeMap::new();
    for s in stadtteile {
        let e = of
            .entry(s.sozialraum.clone())
            .or_insert_with(|| s.bezirk.clone());
        if *e != s.bezirk {
            return err(
                format!(
                    "Sozialraum „{}“ liegt in zwei Bezirken: „{e}“ und „{}“ (Stadtteil {} {})",
                    s.sozialraum, s.bezirk, s.nr, s.name
                ),
                "Jeder Sozialraum gehört zu genau einem Bezirk.",
            );
        }
    }
    Some(of)
}

/// Labels of a Gesamtstadt row that deliveries use when `gesamtstadt` is not set.
pub const GESAMTSTADT_STANDARD: [&str; 5] = [
    "Gesamtstadt",
    "Stadt insgesamt",
    "Insgesamt",
    "Gesamt",
    "Summe",
];

/// The keys of a Gesamtstadt row; a key that is also a Stadtteil's number, name or AGS is an
/// error (a row could not say which it means).
fn gesamtstadt_keys(
    raw: &super::config::GebieteConfig,
    stadtteile: &[Stadtteil],
    ctx: &Ctx,
    diags: &mut Diagnostics,
) -> Vec<String> {
    let Some(list) = &raw.gesamtstadt else {
        let taken = |k: &str| {
            stadtteile.iter().any(|s| {
                s.nr.eq_ignore_ascii_case(k)
                    || s.name.to_lowercase() == k.to_lowercase()
                    || s.ags.as_deref() == Some(k)
            })
        };
        return GESAMTSTADT_STANDARD
            .iter()
            .filter(|k| !taken(k))
            .map(|k| k.to_string())
            .collect();
    };
    let mut keys = Vec::new();
    for k in list {
        let key = k.get_ref().trim();
        let clash = stadtteile.iter().find(|s| {
            s.nr == key
                || s.name.to_lowercase() == key.to_lowercase()
                || s.ags.as_deref() == Some(key)
        });
        if key.is_empty() {
            diags.push(
                Diagnostic::error("C007", ctx.at(k), "leerer Schlüssel in gebiete.gesamtstadt")
                    .hint("Den Schlüssel der Gesamtstadt-Zeile angeben, z. B. gesamtstadt = [\"00\", \"Gesamtstadt\"]."),
            );
        } else if let Some(s) = clash {
            diags.push(
                Diagnostic::error("C007", ctx.at(k), format!("„{key}“ in gebiete.gesamtstadt ist zugleich der Stadtteil {} {}", s.nr, s.name))
                    .hint("Ein Schlüssel der Gesamtstadt darf keinen Stadtteil bezeichnen; den Eintrag streichen oder ändern."),
            );
        } else {
            keys.push(key.to_string());
        }
    }
    keys
}

fn read_csv(
    path: &std::path::Path,
    out: &mut Vec<Stadtteil>,
    sr_names: &mut BTreeMap<String, String>,
    bz_names: &mut BTreeMap<String, String>,
    diags: &mut Diagnostics,
) -> bool {
    let text = match std::fs::read(path).map(String::from_utf8) {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => {
            // name the first byte that is not UTF-8 (an umlaut saved as Windows-1252)
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let text = std::str::from_utf8(valid).unwrap_or_default();
            let (line, column) = crate::diag::line_column(text, text.len());
            diags.push(
                Diagnostic::error(
                    "C007",
                    Location::text(path, line, column),
                    "Gebietsdatei ist nicht UTF-8 (z. B. Umlaute in Windows-1252 gespeichert)",
                )
                .hint("Als UTF-8-CSV mit Semikolon speichern (Excel: „CSV UTF-8“)."),
            );
            return false;
        }
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "C007",
                    Location::file(path),
                    format!("Gebietsdatei ist nicht lesbar: {e}"),
                )
                .hint("Pfad unter [gebiete] datei prüfen."),
            );
            return false;
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(_) => return false,
    };
    let idx = |name: &str| headers.iter().position(|h| h == name);
    let mut ok = true;
    for required in ["nr", "name"] {
        if idx(required).is_none() {
            diags.push(
                Diagnostic::error(
                    "C007",
                    Location::text(path, 1, 1),
                    format!("Spalte „{required}“ fehlt in der Gebietsdatei"),
                )
                .hint(format!(
                    "Erwartete Spalten (Semikolon-getrennt): {}.",
                    CSV_COLUMNS.join(";")
                )),
            );
            ok = false;
        }
    }
    if !ok {
        return false;
    }
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let Ok(rec) = rec else {
            diags.push(Diagnostic::error(
                "C007",
                Location::text(path, line, 1),
                "Zeile nicht lesbar",
            ));
            ok = false;
            continue;
        };
        match record(path, line, &headers, &rec, sr_names, bz_names, diags) {
            Some(s) => out.push(s),
            None => ok = false,
        }
    }
    ok
}

/// One row of the Gebietsdatei as a Stadtteil; `None` after an error (C007). The names of
/// Sozialräume and Bezirke go to their maps.
fn record(
    path: &std::path::Path,
    line: usize,
    headers: &[String],
    rec: &csv::StringRecord,
    sr_names: &mut BTreeMap<String, String>,
    bz_names: &mut BTreeMap<String, String>,
    diags: &mut Diagnostics,
) -> Option<Stadtteil> {
    let idx = |name: &str| headers.iter().position(|h| h == name);
    let get = |name: &str| {
        idx(name)
            .and_then(|j| rec.get(j))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let date = |name: &str, diags: &mut Diagnostics| {
        let v = get(name)?;
        let d = Date::parse(v);
        if d.is_none() {
            let col = idx(name).map_or(1, |j| j + 1);
            diags.push(
                Diagnostic::error(
                    "C007",
                    Location::text(path, line, col),
                    format!("„{v}“ ist kein Datum ({name})"),
                )
                .hint("Datum als 2024-01-01 oder 01.01.2024 schreiben."),
            );
        }
        d
    };
    let (Some(nr), Some(name)) = (get("nr"), get("name")) else {
        diags.push(Diagnostic::error(
            "C007",
            Location::text(path, line, 1),
            "nr und name müssen ausgefüllt sein",
        ));
        return None;
    };
    let sr = get("sozialraum").unwrap_or_default();
    if !without_control_characters(path, line, headers, rec, diags) {
        return None;
    }
    let bz = get("bezirk").unwrap_or_default();
    if let Some(n) = get("bezirk_name").filter(|_| !bz.is_empty()) {
        bz_names
            .entry(bz.to_string())
            .or_insert_with(|| n.to_string());
    }
    if let Some(srn) = get("sozialraum_name").filter(|_| !sr.is_empty()) {
        sr_names
            .entry(sr.to_string())
            .or_insert_with(|| srn.to_string());
    }
    let gueltig_ab = date("gueltig_ab", diags);
    let gueltig_bis = date("gueltig_bis", diags);
    Some(Stadtteil {
        nr: nr.to_string(),
        name: name.to_string(),
        sozialraum: sr.to_string(),
        bezirk: bz.to_string(),
        ags: get("ags").map(str::to_string),
        gueltig_ab,
        gueltig_bis,
    })
}

/// A control character breaks every PDF later, blamed on the template: C007 for each.
fn without_control_characters(
    path: &std::path::Path,
    line: usize,
    headers: &[String],
    rec: &csv::StringRecord,
    diags: &mut Diagnostics,
) -> bool {
    let mut clean = true;
    for (j, h) in headers.iter().enumerate() {
        let Some(v) = rec.get(j) else { continue };
        if let Some((k, c)) = v.chars().enumerate().find(|(_, c)| c.is_control()) {
            diags.push(
                Diagnostic::error(
                    "C007",
                    Location::text(path, line, j + 1),
                    format!("Steuerzeichen U+{:04X} in „{h}“ (Zeichen {})", c as u32, k + 1),
                )
                .hint("Das Zeichen aus der Gebietsdatei entfernen (oft ein Tabulator oder ein Zeilenumbruch aus Excel)."),
            );
            clean = false;
        }
    }
    clean
}

/// Every Stadtteil should have a polygon, and every polygon a Stadtteil.
fn check_geojson(
    path: &std::path::Path,
    key: &str,
    stadtteile: &[Stadtteil],
    diags: &mut Diagnostics,
) {
    let parsed: Result<serde_json::Value, _> = std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()));
    let json = match parsed {
        Ok(j) => j,
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "C009",
                    Location::file(path),
                    format!("GeoJSON nicht lesbar: {e}"),
                )
                .hint("Die Datei als GeoJSON (FeatureCollection) aus dem GIS exportieren."),
            );
            return;
        }
    };
    let Some(features) = json.get("features").and_then(|f| f.as_array()) else {
        diags.push(Diagnostic::error(
            "C009",
            Location::file(path),
            "GeoJSON ohne „features“ (keine FeatureCollection)",
        ));
        return;
    };
    // the rules the maps use: what passes here draws
    if let Err(e) = std::fs::read(path)
        .map_err(anyhow::Error::from)
        .and_then(|b| crate::charts::geometry(&b, key))
    {
        diags.push(
            Diagnostic::error("C009", Location::file(path), format!("{e:#}"))
                .hint("Die Datei als GeoJSON (FeatureCollection, WGS84 oder ein metrisches Koordinatensystem) aus dem GIS exportieren."),
        );
        return;
    }
    let ids: BTreeSet<String> = features
        .iter()
        .filter_map(|f| f.get("properties")?.get(key))
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        .collect();
    if ids.is_empty() {
        diags.push(
            Diagnostic::error(
                "C009",
                Location::file(path),
                format!("keine Fläche hat die Eigenschaft „{key}“"),
            )
            .hint(
                "„geojson_schluessel“ auf den Namen der Eigenschaft mit der Stadtteil-Nr. setzen.",
            ),
        );
        return;
    }
    for s in stadtteile {
        if !ids.contains(&s.nr) {
            diags.push(Diagnostic::warning(
                "C009",
                Location::file(path),
                format!(
                    "kein Polygon für Stadtteil {} {}; er fehlt in Karten",
                    s.nr, s.name
                ),
            ));
        }
    }
}
