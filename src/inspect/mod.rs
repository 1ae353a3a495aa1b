//! `init --from ORDNER`: inspect every delivery in a folder and write the project that reads
//! them – source profiles, value maps, a Gebietsdatei from the area numbers and names, and
//! the questions it could not decide, as comments in the file.

mod profile;

use crate::ingest::sniff::{self, Roh};
use crate::schema::TableKind;
use profile::{Vorschlag, indent};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One file of the folder and what became of it.
#[derive(Debug)]
pub struct Datei {
    /// Path relative to the project folder.
    pub pfad: String,
    /// What it is.
    pub art: Art,
}

/// What a file of the folder is.
#[derive(Debug)]
pub enum Art {
    /// A delivery with its profile.
    Quelle(Box<(Roh, Vorschlag)>),
    /// A Gebietsdatei already in the folder (`nr;name;…`).
    Gebiete,
    /// Polygons for maps.
    Geojson,
    /// Not read, with the reason.
    Unbekannt(String),
}

/// Everything found in the folder.
#[derive(Debug)]
pub struct Befund {
    /// The files, sorted by name.
    pub dateien: Vec<Datei>,
    /// Area number → name, from the deliveries (when the folder has no Gebietsdatei).
    pub gebiete: BTreeMap<String, String>,
    /// Keys of rows for the whole area (GENESIS: the level above the lowest).
    pub gesamtstadt: Vec<String>,
    /// Name of the whole area where a delivery names it.
    pub kommune: Option<String>,
    /// Latest modification day of the files (the Datenstand proposed).
    pub stand: Option<crate::domain::Date>,
}

/// Inspects every CSV, XLSX and GeoJSON file of `ordner`; paths relative to `projekt`.
pub fn inspect(ordner: &Path, projekt: &Path) -> std::io::Result<Befund> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(ordner)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut befund = Befund {
        dateien: Vec::new(),
        gebiete: BTreeMap::new(),
        gesamtstadt: Vec::new(),
        kommune: None,
        stand: None,
    };
    for path in files {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_lowercase();
        let art = match ext.as_str() {
            "csv" | "txt" => match sniff::text(&path) {
                Some(roh) if is_gebiete(&roh) => Art::Gebiete,
                Some(roh) => source(roh, &path),
                None => Art::Unbekannt("keine Tabelle mit Trennzeichen".into()),
            },
            "xlsx" => match sniff::xlsx(&path) {
                Some(roh) => source(roh, &path),
                None => Art::Unbekannt("Excel-Mappe nicht lesbar".into()),
            },
            "geojson" => Art::Geojson,
            _ => continue,
        };
        if let Ok(m) = std::fs::metadata(&path).and_then(|m| m.modified()) {
            let day = crate::domain::Date::from_system_time(m);
            befund.stand = befund.stand.max(Some(day));
        }
        if let Art::Quelle(q) = &art {
            collect_areas(&q.0, &q.1, &mut befund);
        }
        befund.dateien.push(Datei {
            pfad: relative(&path, projekt),
            art,
        });
    }
    Ok(befund)
}

fn source(roh: Roh, path: &Path) -> Art {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    match profile::vorschlag(&roh, name) {
        Ok(v) => Art::Quelle(Box::new((roh, v))),
        Err(why) => Art::Unbekannt(why),
    }
}

fn is_gebiete(roh: &Roh) -> bool {
    let h: Vec<&str> = roh.koepfe.iter().map(|h| h.trim()).collect();
    h.contains(&"nr") && h.contains(&"name")
}

/// Area numbers and names of one delivery (GENESIS: the most indented level; the level
/// above it is the whole area).
fn collect_areas(roh: &Roh, v: &Vorschlag, b: &mut Befund) {
    let cell = |r: &Vec<String>, c: usize| r.get(c).cloned().unwrap_or_default();
    if roh.format == "genesis" {
        let deepest = roh
            .zeilen
            .iter()
            .map(|r| indent(&cell(r, 2)))
            .max()
            .unwrap_or(0);
        let above = roh
            .zeilen
            .iter()
            .map(|r| indent(&cell(r, 2)))
            .filter(|&i| i < deepest)
            .max();
        for r in &roh.zeilen {
            let (nr, name) = (cell(r, 1).trim().to_string(), cell(r, 2));
            let level = indent(&name);
            if level == deepest {
                b.gebiete.insert(nr, clean_name(&name));
            } else if Some(level) == above && !b.gesamtstadt.contains(&nr) {
                b.gesamtstadt.push(nr);
                b.kommune.get_or_insert(clean_name(&name));
            }
        }
        return;
    }
    for r in &roh.zeilen {
        let key = cell(r, v.gebiet).trim().to_string();
        if key.is_empty()
            || crate::project::GESAMTSTADT_STANDARD
                .iter()
                .any(|k| k.eq_ignore_ascii_case(&key))
        {
            continue;
        }
        let (nr, name) = if v.fuehrende_zahl {
            let digits = key.chars().take_while(char::is_ascii_digit).count();
            let rest = key[digits..].trim().trim_start_matches(['-', '–']).trim();
            (key[..digits].to_string(), rest.to_string())
        } else {
            let name = v
                .name
                .map(|c| cell(r, c).trim().to_string())
                .unwrap_or_default();
            (
                key.clone(),
                if name.is_empty() { key.clone() } else { name },
            )
        };
        let e = b.gebiete.entry(nr).or_insert_with(|| name.clone());
        if *e == *e.trim() && e.chars().all(|c| c.is_ascii_digit()) && !name.is_empty() {
            *e = name;
        }
    }
}

/// "Halle (Saale), kreisfreie Stadt" → "Halle (Saale)".
fn clean_name(n: &str) -> String {
    let n = n.trim();
    for suffix in [
        ", kreisfreie Stadt",
        ", Landkreis",
        ", Stadt",
        ", Landeshauptstadt",
    ] {
        if let Some(i) = n.find(suffix) {
            return n[..i].trim().to_string();
        }
    }
    n.to_string()
}

/// `path` relative to the folder `base` (both made absolute), with `/`.
pub fn relative(path: &Path, base: &Path) -> String {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (p, b) = (abs(path), abs(base));
    let pc: Vec<_> = p.components().collect();
    let bc: Vec<_> = b.components().collect();
    let common = pc.iter().zip(&bc).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); bc.len() - common];
    parts.extend(
        pc[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// A report id from a title: "Frühkindliche Bildung" → `fruehkindliche_bildung`.
pub fn norm_id(title: &str) -> String {
    crate::schema::normalise_text(title).replace(' ', "_")
}

/// A TOML string literal.
fn lit(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The project file for the findings; `gebiete_datei` is the Gebietsdatei to reference,
/// `berichte` the reports (title → indicators) the data fill.
pub fn project_text(
    b: &Befund,
    kommune: &str,
    gebiete_datei: &str,
    berichte: &[(String, String, Vec<String>)],
) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Erzeugt von `bildungsmonitor init --from`. Zeilen mit „FRAGE“ bitte prüfen;"
    );
    let _ = writeln!(t, "# danach: bildungsmonitor validate\n");
    let _ = writeln!(t, "[projekt]\nkommune = {}", lit(kommune));
    let stand = b.stand.unwrap_or(crate::domain::Date {
        year: 2026,
        month: 1,
        day: 1,
    });
    let _ = writeln!(
        t,
        "# Datenstand: der Tag der neuesten Lieferung; FRAGE: stimmt er?"
    );
    let _ = writeln!(
        t,
        "stand = {:04}-{:02}-{:02}\n",
        stand.year, stand.month, stand.day
    );
    let _ = writeln!(t, "[gebiete]\ndatei = {}", lit(gebiete_datei));
    if let Some(g) = b.dateien.iter().find(|d| matches!(d.art, Art::Geojson)) {
        let _ = writeln!(t, "geojson = {}", lit(&g.pfad));
    }
    if !b.gesamtstadt.is_empty() {
        let keys: Vec<String> = b.gesamtstadt.iter().map(|k| lit(k)).collect();
        let _ = writeln!(t, "gesamtstadt = [{}]", keys.join(", "));
    }
    let _ = writeln!(
        t,
        "\n[geheimhaltung]\nverfahren = \"sperrung\"\nmindestfallzahl = 3\nmindestbasis = 10"
    );
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for d in &b.dateien {
        match &d.art {
            Art::Quelle(q) => source_text(&mut t, d, &q.0, &q.1, b, &mut names),
            Art::Unbekannt(why) => {
                let _ = writeln!(
                    t,
                    "\n# FRAGE: {} wird nicht gelesen ({why}). Welche Tabelle füllt die Datei? Dann ein Quellprofil anlegen (docs/config.md).",
                    d.pfad
                );
            }
            Art::Gebiete | Art::Geojson => {}
        }
    }
    for (id, titel, inds) in berichte {
        let list: Vec<String> = inds.iter().map(|i| lit(i)).collect();
        let _ = writeln!(
            t,
            "\n[berichte.{id}]\ntitel = {}\nindikatoren = [{}]",
            lit(titel),
            list.join(", ")
        );
    }
    t
}

fn source_text(
    t: &mut String,
    d: &Datei,
    roh: &Roh,
    v: &Vorschlag,
    b: &Befund,
    names: &mut BTreeMap<String, usize>,
) {
    let stem = Path::new(&d.pfad)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("quelle");
    let mut name: String = crate::schema::normalise_text(stem).replace(' ', "_");
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name = format!("q_{name}");
    }
    let n = names.entry(name.clone()).or_insert(0);
    *n += 1;
    if *n > 1 {
        name = format!("{name}_{n}");
    }
    let _ = writeln!(
        t,
        "\n[quellen.{name}]\ntabelle = {}\ndatei = {}",
        lit(v.tabelle.id()),
        lit(&d.pfad)
    );
    let _ = writeln!(
        t,
        "# FRAGE: wer liefert die Datei? Für Fußnoten und das Kapitel Datenquellen:\n# quelle = \"Amt, Statistik, Stichtag\""
    );
    layout_lines(t, roh, v);
    time_and_area_lines(t, roh, v, b);
    for q in &v.fragen {
        let _ = writeln!(t, "# FRAGE: {q}");
    }
    mapping_lines(t, &name, v);
}

/// Format, encoding, delimiter and layout of the file, where not the default.
fn layout_lines(t: &mut String, roh: &Roh, v: &Vorschlag) {
    if roh.format != "csv" {
        let _ = writeln!(t, "format = {}", lit(roh.format));
    }
    if roh.kodierung != "utf-8" && roh.format != "genesis" {
        let _ = writeln!(t, "kodierung = {}", lit(roh.kodierung));
    }
    if roh.trennzeichen != ';' {
        let d = if roh.trennzeichen == '\t' {
            "\\t".to_string()
        } else {
            roh.trennzeichen.to_string()
        };
        let _ = writeln!(t, "trennzeichen = \"{d}\"");
    }
    if roh.dezimalzeichen != ',' {
        let _ = writeln!(t, "dezimalzeichen = \"{}\"", roh.dezimalzeichen);
    }
    if roh.ueberspringen > 0 {
        let _ = writeln!(t, "ueberspringen = {}", roh.ueberspringen);
    }
    if roh.kopfzeilen != 1 {
        let _ = writeln!(t, "kopfzeilen = {}", roh.kopfzeilen);
    }
    if let Some(s) = &roh.start {
        let _ = writeln!(t, "start = {}", lit(s));
    }
    if let Some(r) = v.gerundet_auf {
        let _ = writeln!(
            t,
            "# alle Fallzahlen der Kreise sind Vielfache von {r}: FRAGE: rundet die Quelle?\ngerundet_auf = {r}"
        );
    }
}

/// Time key and area key, with the questions about them.
fn time_and_area_lines(t: &mut String, roh: &Roh, v: &Vorschlag, b: &Befund) {
    let art = match v.zeit.0 {
        crate::domain::PeriodKind::Stichtag => "stichtag",
        crate::domain::PeriodKind::Schuljahr => "schuljahr",
        crate::domain::PeriodKind::Kalenderjahr => "kalenderjahr",
        crate::domain::PeriodKind::Monat => "monat",
    };
    match v.zeit.1 {
        Some(bare) => {
            let meaning = match bare {
                "beginn" => "2023 = Schuljahr 2023/24",
                "ende" => "2023 = Schuljahr 2022/23",
                "01.03." => "Kita-Stichtag 1.3.",
                _ => "Stichtag 31.12.",
            };
            let _ = writeln!(t, "# die Datei nennt bloße Jahre; FRAGE: gilt {meaning}?");
            let _ = writeln!(t, "zeit = {{ art = \"{art}\", nacktes_jahr = \"{bare}\" }}");
        }
        None => {
            let _ = writeln!(t, "zeit = {{ art = \"{art}\" }}");
        }
    }
    let bezug = match schema_bezug(v.tabelle) {
        crate::domain::Bezug::Wohnort => "wohnort",
        crate::domain::Bezug::Schulort => "schulort",
        crate::domain::Bezug::Einrichtungsort => "einrichtungsort",
    };
    let _ = writeln!(
        t,
        "# FRAGE: zählt die Datei nach {}? (sonst bezug ändern)",
        schema_bezug(v.tabelle).label()
    );
    let _ = writeln!(t, "gebiet = {{ schluessel = \"nr\", bezug = \"{bezug}\" }}");
    if v.fuehrende_zahl {
        let _ = writeln!(t, "fuehrende_zahl = [\"gebiet\"]");
    }
    // rows to skip: higher levels of a GENESIS table, values without a code
    let mut skip: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if roh.format == "genesis" {
        for k in roh
            .zeilen
            .iter()
            .filter_map(|r| r.get(1).map(|k| k.trim().to_string()))
        {
            let list = skip.entry("#2".into()).or_default();
            if !b.gebiete.contains_key(&k) && !b.gesamtstadt.contains(&k) && !list.contains(&k) {
                list.push(k);
            }
        }
        if skip.get("#2").is_some_and(|l| !l.is_empty()) {
            let _ = writeln!(t, "# höhere Ebenen (Bund, Länder) werden übersprungen");
        }
    }
    for (column, value) in &v.ausschliessen {
        skip.entry(column.clone()).or_default().push(value.clone());
    }
    skip.retain(|_, l| !l.is_empty());
    if !skip.is_empty() {
        let parts: Vec<String> = skip
            .iter()
            .map(|(c, l)| {
                let l: Vec<String> = l.iter().map(|x| lit(x)).collect();
                format!("{} = [{}]", lit(c), l.join(", "))
            })
            .collect();
        let _ = writeln!(t, "ausschliessen = {{ {} }}", parts.join(", "));
    }
}

/// Columns, value maps and unpivoting.
fn mapping_lines(t: &mut String, name: &str, v: &Vorschlag) {
    let _ = writeln!(t, "\n[quellen.{name}.spalten]");
    for (f, c) in &v.spalten {
        let _ = writeln!(t, "{f} = {}", lit(c));
    }
    if !v.werte.is_empty() {
        let _ = writeln!(t, "\n[quellen.{name}.werte]");
    }
    for (f, map) in &v.werte {
        let pairs: Vec<String> = map
            .iter()
            .map(|(a, b)| format!("{} = {}", lit(a), lit(b)))
            .collect();
        let _ = writeln!(t, "{f} = {{ {} }}", pairs.join(", "));
    }
    if !v.entpivotieren.is_empty() {
        let main = profile::main_measure(v.tabelle);
        let _ = writeln!(
            t,
            "\n[quellen.{name}.entpivotieren]\nwert = \"{main}\"\n\n[quellen.{name}.entpivotieren.spalten]"
        );
        for (h, keys) in &v.entpivotieren {
            let k: Vec<String> = keys
                .iter()
                .map(|(f, c)| format!("{f} = {}", lit(c)))
                .collect();
            let _ = writeln!(t, "{} = {{ {} }}", lit(h), k.join(", "));
        }
    }
}

fn schema_bezug(t: TableKind) -> crate::domain::Bezug {
    crate::schema::schema(t).default_bezug
}

/// The Gebietsdatei from the deliveries' numbers and names (`nr;name`).
pub fn gebiete_csv(b: &Befund) -> String {
    let mut s = String::from("nr;name\n");
    for (nr, name) in &b.gebiete {
        let esc = |x: &str| {
            if x.contains([';', '"', '\n']) {
                format!("\"{}\"", x.replace('"', "\"\""))
            } else {
                x.to_string()
            }
        };
        let _ = writeln!(s, "{};{}", esc(nr), esc(name));
    }
    s
}
