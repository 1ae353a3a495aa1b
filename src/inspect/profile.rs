//! From a read delivery to a source profile: what each column holds (by its header and its
//! values), which canonical table the file fills, and what the profile must say about it.

use crate::domain::PeriodKind;
use crate::ingest::sniff::Roh;
use crate::ingest::values::parse_age_group;
use crate::schema::{
    self, FieldType, Role, TableKind, USUAL_SPELLINGS as CODES, code_for, normalise_text as norm,
};

/// A proposed source profile.
#[derive(Debug, Clone)]
pub struct Vorschlag {
    /// Canonical table.
    pub tabelle: TableKind,
    /// Field → column (header, or `#n` for an empty header).
    pub spalten: Vec<(&'static str, String)>,
    /// Field → (delivered value → canonical value).
    pub werte: Vec<(&'static str, Vec<(String, String)>)>,
    /// Kind of the time key and what a bare year means.
    pub zeit: (PeriodKind, Option<&'static str>),
    /// Wide columns: (header, key values) feeding the main measure.
    pub entpivotieren: Vec<(String, Vec<(&'static str, String)>)>,
    /// Column of the area key and of the area name.
    pub gebiet: usize,
    pub name: Option<usize>,
    /// Whether the area key is a number in front of the name (`01 Altstadt`).
    pub fuehrende_zahl: bool,
    /// Columns the profile does not use, and questions for the analyst.
    pub fragen: Vec<String>,
    /// Counts are all multiples of this (rounded deliveries).
    pub gerundet_auf: Option<u32>,
    /// (column header, value) of rows skipped until a question is answered.
    pub ausschliessen: Vec<(String, String)>,
}

/// Headers (normalised, as substrings) that name a field, by table.
const HEADERS: &[(&str, &[&str])] = &[
    (
        "zeit",
        &[
            "stichtag",
            "schuljahr",
            "berichtsjahr",
            "jahr",
            "datum",
            "zeit",
            "monat",
            "zeitraum",
        ],
    ),
    ("alter", &["altersgruppe", "altersjahr", "alter"]),
    ("geschlecht", &["geschlecht"]),
    (
        "betreuungsart",
        &["betreuungsart", "betreuungsform", "art der betreuung"],
    ),
    ("schulform", &["schulform", "schulart"]),
    ("abschlussart", &["abschlussart", "abschluss"]),
    ("traeger", &["traeger"]),
    (
        "staatsangehoerigkeit",
        &["staatsangehoerigkeit", "nationalitaet"],
    ),
    ("befund", &["befund"]),
    (
        "klassenstufe",
        &["klassenstufe", "jahrgangsstufe", "schuljahrgang", "klasse"],
    ),
    (
        "schule",
        &["schulnummer", "schul nr", "schule nr", "schule"],
    ),
    ("schulname", &["schulname", "name der schule"]),
    (
        "einrichtung",
        &[
            "einrichtungs nr",
            "einrichtung nr",
            "einrichtungsnummer",
            "kita nr",
            "einrichtung",
        ],
    ),
    ("name", &["name der einrichtung", "einrichtungsname"]),
    (
        "nichtdeutsch",
        &["nichtdeutsch", "auslaender", "ohne deutsche"],
    ),
    ("migrationshintergrund", &["migration"]),
    ("familiensprache_nichtdeutsch", &["familiensprache"]),
    ("ganztags", &["ganztag"]),
    ("ganztag", &["ganztag"]),
    ("plaetze", &["plaetze", "platzzahl"]),
    ("personalstunden", &["wochenstunden", "personalstunden"]),
    ("betreuungsstunden", &["betreuungsstunden", "gebuchte"]),
    ("fachkraefte", &["fachkraft", "fachkraefte"]),
    ("personal", &["personal"]),
    ("weiblich", &["weiblich"]),
    ("foerderbedarf", &["foerder"]),
    ("wiederholer", &["wiederhol"]),
    ("schueler", &["schueler"]),
    ("einwohner", &["einwohner", "bevoelkerung"]),
    ("kinder", &["kinder", "betreute"]),
    ("schulpflichtig", &["schulpflichtig"]),
    ("untersucht", &["untersucht"]),
    ("auffaellig", &["auffaellig"]),
    ("zurueckgestellt", &["zurueckgestellt", "rueckstellung"]),
    ("vorzeitig", &["vorzeitig"]),
    ("eingeschult", &["eingeschult", "einschulung"]),
    ("kita_2jahre", &["2 jahre kita", "kita 2"]),
    ("sgb2_unter15", &["sgb", "leistungsberechtigt"]),
    ("geburten", &["geburten", "lebendgeboren"]),
    (
        "anzahl",
        &[
            "anzahl",
            "absolvent",
            "absolvierende",
            "abgaenger",
            "abgehende",
            "uebergaeng",
            "uebergang",
        ],
    ),
];

/// Words in file names and headers that point to a table.
const KEYWORDS: &[(TableKind, &[&str])] = &[
    (
        TableKind::Bevoelkerung,
        &["einwohner", "bevoelkerung", "melderegister"],
    ),
    (
        TableKind::KitaKinder,
        &["kita", "betreut", "betreuung", "tagespflege", "krippe"],
    ),
    (TableKind::KitaEinrichtungen, &["einrichtung", "plaetze"]),
    (
        TableKind::Schulen,
        &["schueler", "klassenstufe", "schulnummer"],
    ),
    (
        TableKind::Abgaenger,
        &[
            "abgaenger",
            "absolvent",
            "absolvierende",
            "abgehende",
            "abschluss",
        ],
    ),
    (
        TableKind::Uebergaenge,
        &["uebergaeng", "uebergang", "wechsel"],
    ),
    (
        TableKind::Schuleingang,
        &["schuleingang", "einschulung", "schulpflichtig"],
    ),
    (TableKind::EsuBefunde, &["befund"]),
    (
        TableKind::Kontext,
        &["sgb", "leistungsberechtigt", "geburten", "kontext"],
    ),
];

/// The measure a count column without a telling header feeds.
pub fn main_measure(t: TableKind) -> &'static str {
    match t {
        TableKind::Bevoelkerung => "einwohner",
        TableKind::KitaKinder | TableKind::KitaEinrichtungen => "kinder",
        TableKind::Schulen => "schueler",
        TableKind::Abgaenger | TableKind::Uebergaenge => "anzahl",
        TableKind::Schuleingang | TableKind::EsuBefunde => "untersucht",
        TableKind::Kontext => "sgb2_unter15",
    }
}

/// What the values of one column look like.
#[derive(Debug, Default, Clone)]
struct Inhalt {
    filled: usize,
    numbers: usize,
    years: usize,
    dates: usize,
    school_years: usize,
    months: usize,
    ages: usize,
    distinct: Vec<String>,
    /// Text starting with a number and a name (`01 Altstadt`).
    numbered_names: usize,
    /// Numbers with a decimal part (`0,24`): shares or hours, no counts of persons.
    decimals: usize,
    /// Whole numbers from 1 to 13 (Klassenstufen).
    grades: usize,
}

fn inhalt(rows: &[Vec<String>], c: usize) -> Inhalt {
    let mut i = Inhalt::default();
    for r in rows {
        let t = r.get(c).map(|s| s.trim()).unwrap_or("");
        if t.is_empty() {
            continue;
        }
        i.filled += 1;
        let symbol = matches!(t, "." | "-" | "–" | "x" | "X" | "/" | "..." | "…");
        if symbol
            || t.replace(['.', ','], "")
                .chars()
                .all(|c| c.is_ascii_digit())
        {
            i.numbers += 1;
            if let Some((_, frac)) = t.rsplit_once([',', '.']).filter(|_| !symbol)
                && frac.len() != 3
            {
                i.decimals += 1;
            }
        }
        if t.parse::<u8>().is_ok_and(|g| (1..=13).contains(&g)) {
            i.grades += 1;
        }
        if t.len() == 4 && t.starts_with(['1', '2']) && t.chars().all(|c| c.is_ascii_digit()) {
            i.years += 1;
        }
        if crate::domain::Date::parse(t).is_some() {
            i.dates += 1;
        }
        if crate::ingest::values::parse_period(t, PeriodKind::Schuljahr, None).is_ok() {
            i.school_years += 1;
        }
        if t.len() >= 6 && crate::ingest::values::parse_period(t, PeriodKind::Monat, None).is_ok() {
            i.months += 1;
        }
        if parse_age_group(t, 0, 120).is_some() || t.parse::<u8>().is_ok_and(|a| a <= 120) {
            i.ages += 1;
        }
        let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits > 0
            && t[digits..].starts_with(' ')
            && t[digits..].trim().chars().any(char::is_alphabetic)
        {
            i.numbered_names += 1;
        }
        if i.distinct.len() < 300 && !i.distinct.iter().any(|d| d == t) {
            i.distinct.push(t.to_string());
        }
    }
    i
}

fn mostly(n: usize, of: usize) -> bool {
    of > 0 && 10 * n >= 9 * of
}

/// The column reference of a profile: the header, or `#n` where the header is empty or not
/// unique.
fn reference(koepfe: &[String], c: usize) -> String {
    let h = &koepfe[c];
    if h.is_empty() || koepfe.iter().filter(|x| *x == h).count() > 1 {
        format!("#{}", c + 1)
    } else {
        h.clone()
    }
}

/// A profile for one delivery, or why there is none.
pub fn vorschlag(roh: &Roh, datei: &str) -> Result<Vorschlag, String> {
    let koepfe = &roh.koepfe;
    let n = koepfe.len();
    let inhalte: Vec<Inhalt> = (0..n).map(|c| inhalt(&roh.zeilen, c)).collect();
    let normed: Vec<String> = koepfe.iter().map(|h| norm(h)).collect();
    let mut used = vec![false; n];

    let zeit = time_column(roh, &inhalte, &normed)?;
    used[zeit] = true;
    let (gebiet, name, fuehrende_zahl) = area_columns(roh, &inhalte, &normed, &used)
        .ok_or("keine Spalte mit Stadtteilnummern oder -namen gefunden")?;
    used[gebiet] = true;
    if let Some(nc) = name {
        used[nc] = true;
    }
    let mut felder = key_fields(koepfe, &inhalte, &normed, &mut used);
    let tabelle = choose_table(datei, &normed, &felder, &inhalte, &used)?;
    let s = schema::schema(tabelle);
    felder.retain(|(f, _)| s.field(f).is_some());
    // measures of this table by header; the first count column left feeds the main measure
    let counts: Vec<usize> = (0..n)
        .filter(|&c| !used[c] && !felder.iter().any(|&(_, fc)| fc == c))
        .filter(|&c| inhalte[c].filled > 0 && mostly(inhalte[c].numbers, inhalte[c].filled))
        // decimals are shares or rates, not counts (hours excepted)
        .filter(|&c| {
            inhalte[c].decimals == 0
                || header_is(&normed[c], "personalstunden")
                || header_is(&normed[c], "betreuungsstunden")
        })
        .collect();
    // stacked headers over several count columns: a wide table, unpivoted by its headers
    // stacked headers over several count columns: a wide table, unpivoted by its headers;
    // one-row headers naming codes (`ohne_hauptschulabschluss_weiblich`) only where no
    // header names the table's main measure
    let mut entpivotieren = if roh.kopfzeilen > 1 && counts.len() > 1 {
        wide(roh, &counts, tabelle)
    } else {
        Vec::new()
    };
    let mut messgroessen = if entpivotieren.is_empty() {
        measures(tabelle, &counts, &normed)
    } else {
        Vec::new()
    };
    if entpivotieren.is_empty()
        && !messgroessen
            .iter()
            .any(|(m, _)| *m == main_measure(tabelle))
    {
        let free: Vec<usize> = counts
            .iter()
            .copied()
            .filter(|c| !messgroessen.iter().any(|(_, x)| x == c))
            .collect();
        entpivotieren = wide_flat(koepfe, &normed, &free, tabelle);
        if !entpivotieren.is_empty() {
            messgroessen.clear();
        }
    }
    let main = main_measure(tabelle);
    if entpivotieren.is_empty() && !messgroessen.iter().any(|(m, _)| *m == main) {
        let left: Vec<usize> = counts
            .iter()
            .copied()
            .filter(|c| !messgroessen.iter().any(|(_, x)| x == c))
            .collect();
        if left.len() > 1 && roh.kopfzeilen > 1 {
            entpivotieren = wide(roh, &left, tabelle);
        } else if let Some(&c) = left.first() {
            messgroessen.insert(0, (main, c));
        }
    }
    if messgroessen.is_empty() && entpivotieren.is_empty() {
        return Err(format!(
            "keine Zählgröße der Tabelle „{}“ erkannt",
            tabelle.id()
        ));
    }
    let mut v = Vorschlag {
        tabelle,
        spalten: Vec::new(),
        werte: Vec::new(),
        zeit: zeit_art(tabelle, &inhalte[zeit]),
        entpivotieren,
        gebiet,
        name,
        fuehrende_zahl,
        fragen: Vec::new(),
        gerundet_auf: rounded(roh, &counts),
        ausschliessen: Vec::new(),
    };
    v.spalten.push(("zeit", reference(koepfe, zeit)));
    v.spalten.push(("gebiet", reference(koepfe, gebiet)));
    let mapped: Vec<(&'static str, usize)> = felder.iter().chain(&messgroessen).copied().collect();
    map_columns(&mut v, koepfe, &inhalte, &mapped);
    ask_unread(&mut v, koepfe, &used, &mapped);
    Ok(v)
}

/// The mapped columns with the value maps of their coded fields.
fn map_columns(
    v: &mut Vorschlag,
    koepfe: &[String],
    inhalte: &[Inhalt],
    mapped: &[(&'static str, usize)],
) {
    let s = schema::schema(v.tabelle);
    for &(f, c) in mapped {
        v.spalten.push((f, reference(koepfe, c)));
        if let Some(FieldType::Code(codes)) = s.field(f).map(|x| x.ty) {
            let column = koepfe[c].clone();
            let map = value_map(f, codes, &inhalte[c], &column, v);
            v.werte.push((f, map));
        }
    }
    v.werte.retain(|(_, m)| !m.is_empty());
}

/// A question for every column the profile does not read.
fn ask_unread(
    v: &mut Vorschlag,
    koepfe: &[String],
    used: &[bool],
    mapped: &[(&'static str, usize)],
) {
    for c in 0..koepfe.len() {
        let wide_col = v
            .entpivotieren
            .iter()
            .any(|(h, _)| *h == reference(koepfe, c));
        let read = used[c] || mapped.iter().any(|&(_, m)| m == c) || wide_col;
        if !read && !koepfe[c].is_empty() {
            v.fragen.push(format!(
                "Spalte „{}“ wird nicht gelesen: gehört sie zu einem Feld der Tabelle „{}“? Dann unter spalten eintragen.",
                koepfe[c],
                v.tabelle.id()
            ));
        }
    }
}

/// The column of the time key: a column of periods with a telling header (GENESIS: the
/// first), else the first of dates, school years or months.
fn time_column(roh: &Roh, inhalte: &[Inhalt], normed: &[String]) -> Result<usize, String> {
    let n = normed.len();
    (0..n)
        .find(|&c| {
            let i = &inhalte[c];
            let periodic = mostly(i.dates + i.school_years + i.years + i.months, i.filled);
            periodic && (header_is(&normed[c], "zeit") || roh.format == "genesis" && c == 0)
        })
        .or_else(|| {
            (0..n).find(|&c| {
                let i = &inhalte[c];
                i.filled > 0 && mostly(i.dates + i.school_years + i.months, i.filled)
            })
        })
        .ok_or_else(|| "keine Spalte mit Jahren, Stichtagen oder Schuljahren gefunden".into())
}

/// Key, coded and text fields, by header or (coded fields) by their values.
fn key_fields(
    koepfe: &[String],
    inhalte: &[Inhalt],
    normed: &[String],
    used: &mut [bool],
) -> Vec<(&'static str, usize)> {
    let n = normed.len();
    let mut felder: Vec<(&'static str, usize)> = Vec::new();
    for c in 0..n {
        // stacked headers (GENESIS) name the values of a count column, not a key
        if used[c] || koepfe[c].contains(" | ") {
            continue;
        }
        let i = &inhalte[c];
        let numeric = mostly(i.numbers, i.filled);
        let field = [
            "alter",
            "geschlecht",
            "betreuungsart",
            "schulform",
            "abschlussart",
            "traeger",
            "staatsangehoerigkeit",
            "befund",
            "klassenstufe",
            "schule",
            "schulname",
            "einrichtung",
            "name",
        ]
        .into_iter()
        // a count column's header ("ohne deutsche Staatsangehörigkeit") names no coded key
        .filter(|f| !numeric || !CODES.iter().any(|(c, _)| c == f))
        .find(|f| key_header_is(&normed[c], f, i) && !felder.iter().any(|(g, _)| g == f))
        .or_else(|| {
            (!numeric)
                .then(|| {
                    [
                        "geschlecht",
                        "betreuungsart",
                        "schulform",
                        "abschlussart",
                        "traeger",
                    ]
                    .into_iter()
                    .find(|f| {
                        !felder.iter().any(|(g, _)| g == f)
                            && mostly(
                                i.distinct
                                    .iter()
                                    .filter(|v| code_for(f, v).is_some())
                                    .count(),
                                i.distinct.len(),
                            )
                    })
                })
                .flatten()
        });
        if let Some(f) = field {
            felder.push((f, c));
            used[c] = true;
        }
    }
    felder
}

/// Count columns → measures of the table: the field's own name, else the field whose
/// longest word the header holds (`darunter …` read as the part itself).
fn measures(tabelle: TableKind, counts: &[usize], normed: &[String]) -> Vec<(&'static str, usize)> {
    let s = schema::schema(tabelle);
    let mut messgroessen: Vec<(&'static str, usize)> = Vec::new();
    for &c in counts {
        let h = normed[c]
            .trim_start_matches("darunter ")
            .trim_start_matches("dar ")
            .trim_start_matches("davon ");
        // the most specific free measure: its own name, else the longest matching word
        let m = s
            .fields
            .iter()
            .filter(|f| f.role == Role::Measure && !messgroessen.iter().any(|(x, _)| *x == f.name))
            .filter_map(|f| {
                let score = if h == f.name {
                    usize::MAX
                } else {
                    header_match(h, f.name)?
                };
                Some((score, f.name))
            })
            .max_by_key(|&(score, _)| score)
            .map(|(_, f)| f);
        if let Some(m) = m {
            messgroessen.push((m, c));
        }
    }
    messgroessen
}

/// The length of the longest word of `field` that the header holds.
fn header_match(h: &str, field: &str) -> Option<usize> {
    HEADERS
        .iter()
        .filter(|(f, _)| *f == field)
        .flat_map(|(_, words)| words.iter())
        .filter(|w| h == **w || h.split(' ').any(|x| x == **w) || (w.len() > 5 && h.contains(*w)))
        .map(|w| w.len())
        .max()
}

fn header_is(h: &str, field: &str) -> bool {
    HEADERS
        .iter()
        .filter(|(f, _)| *f == field)
        .flat_map(|(_, words)| words.iter())
        .any(|w| h == *w || h.split(' ').any(|x| x == *w) || (w.len() > 5 && h.contains(w)))
}

/// A key field's header: the whole header or one of its words (`schulen` is no `schule`,
/// `schueler klassenstufe 7` counts pupils), and values that fit the field.
fn key_header_is(h: &str, field: &str, i: &Inhalt) -> bool {
    let named = HEADERS
        .iter()
        .filter(|(f, _)| *f == field)
        .flat_map(|(_, words)| words.iter())
        .any(|w| {
            h == *w
                || h.starts_with(&format!("{w} "))
                || h.ends_with(&format!(" {w}")) && h.split(' ').count() <= 3
        });
    named
        && match field {
            "alter" => mostly(i.ages, i.filled),
            "klassenstufe" => mostly(i.grades, i.filled),
            _ => true,
        }
}

/// The area key column, its name column, and whether the key leads a label (`01 Altstadt`).
fn area_columns(
    roh: &Roh,
    inhalte: &[Inhalt],
    normed: &[String],
    used: &[bool],
) -> Option<(usize, Option<usize>, bool)> {
    let n = normed.len();
    let area_word = |h: &str| {
        [
            "stadtteil",
            "gebiet",
            "bezirk",
            "gemeinde",
            "kreis",
            "ortsteil",
            "sozialraum",
            "ags",
            "regionalschluessel",
            "schluessel",
            "viertel",
            "quartier",
            "kennziffer",
            "raumeinheit",
            "region",
            "stadtgebiet",
        ]
        .iter()
        // short words whole ("ganztags" holds no AGS)
        .any(|w| {
            if w.len() <= 4 {
                h.split(' ').any(|x| x == *w)
            } else {
                h.contains(w)
            }
        })
    };
    let code_like = |i: &Inhalt| {
        i.filled > 0
            && i.distinct.iter().all(|d| d.len() <= 12 && !d.contains(' '))
            && i.distinct.len() > 1
    };
    if roh.format == "genesis" && n > 2 {
        return Some((1, Some(2), false));
    }
    let candidate = |c: usize| {
        !used[c]
            && (area_word(&normed[c]) || normed[c] == "nr")
            && code_like(&inhalte[c])
            && !normed[c].contains("name")
    };
    // numbers before names: "Stadtteil-Nr." rather than "Stadtteil" (one-word names)
    let key = (0..n)
        .find(|&c| candidate(c) && mostly(inhalte[c].numbers, inhalte[c].filled))
        .or_else(|| (0..n).find(|&c| candidate(c)));
    if let Some(k) = key {
        let name = (0..n).filter(|&c| !used[c] && c != k).find(|&c| {
            let i = &inhalte[c];
            (area_word(&normed[c])
                || normed[c].contains("name")
                || normed[c].contains("bezeichnung"))
                && !mostly(i.numbers, i.filled)
                && i.distinct.len() <= inhalte[k].distinct.len()
        });
        return Some((k, name, false));
    }
    // a label with the number in front
    (0..n)
        .filter(|&c| !used[c])
        .find(|&c| area_word(&normed[c]) && mostly(inhalte[c].numbered_names, inhalte[c].filled))
        .map(|c| (c, None, true))
        .or_else(|| {
            (0..n)
                .filter(|&c| !used[c])
                .find(|&c| area_word(&normed[c]) && !mostly(inhalte[c].numbers, inhalte[c].filled))
                .map(|c| (c, None, false))
        })
}

fn choose_table(
    datei: &str,
    normed: &[String],
    felder: &[(&'static str, usize)],
    inhalte: &[Inhalt],
    used: &[bool],
) -> Result<TableKind, String> {
    let file = norm(datei);
    let score = |t: TableKind| -> i32 {
        let s = schema::schema(t);
        let mut score = 0;
        for (f, _) in felder {
            score += if s.field(f).is_some() { 3 } else { -4 };
        }
        for (c, h) in normed.iter().enumerate() {
            if used[c] || !mostly(inhalte[c].numbers, inhalte[c].filled) {
                continue;
            }
            if s.fields
                .iter()
                .any(|f| f.role == Role::Measure && (f.name == h || header_is(h, f.name)))
            {
                score += 2;
            }
        }
        // wide columns whose headers name this table's codes (Geschlecht is in every table)
        score += 3 * normed
            .iter()
            .enumerate()
            .filter(|&(c, _)| !used[c] && mostly(inhalte[c].numbers, inhalte[c].filled))
            .filter(|(_, h)| {
                decode_header(h, t).is_some_and(|d| d.iter().any(|(f, _)| *f != "geschlecht"))
            })
            .count() as i32;
        let (_, words) = KEYWORDS
            .iter()
            .find(|(k, _)| *k == t)
            .expect("every table has keywords");
        for w in *words {
            if file.contains(w) {
                score += 4;
            }
            if normed.iter().any(|h| h.contains(w)) {
                score += 2;
            }
        }
        score
    };
    let mut best: Vec<(i32, TableKind)> = TableKind::ALL.iter().map(|&t| (score(t), t)).collect();
    best.sort_by_key(|&(s, t)| (std::cmp::Reverse(s), t));
    match best.as_slice() {
        [(s, t), rest @ ..] if *s > 0 && rest.first().is_none_or(|(r, _)| r < s) => Ok(*t),
        [(s, t), (r, u), ..] if *s > 0 && s == r => Err(format!(
            "nicht zu entscheiden, ob die Datei die Tabelle „{}“ oder „{}“ füllt",
            t.id(),
            u.id()
        )),
        _ => Err("keine kanonische Tabelle passt zu den Spalten".into()),
    }
}

/// What a bare year means for this table (see docs/data-format.md, Zeitschlüssel).
fn zeit_art(t: TableKind, i: &Inhalt) -> (PeriodKind, Option<&'static str>) {
    let kinds = schema::schema(t).period_kinds;
    if mostly(i.school_years, i.filled) && !mostly(i.years, i.filled) {
        return (PeriodKind::Schuljahr, None);
    }
    if mostly(i.dates, i.filled) {
        return (PeriodKind::Stichtag, None);
    }
    if mostly(i.months, i.filled)
        && !mostly(i.years, i.filled)
        && kinds.contains(&PeriodKind::Monat)
    {
        return (PeriodKind::Monat, None);
    }
    match t {
        TableKind::KitaKinder | TableKind::KitaEinrichtungen => {
            (PeriodKind::Stichtag, Some("01.03."))
        }
        TableKind::Abgaenger => (PeriodKind::Schuljahr, Some("ende")),
        _ if kinds[0] == PeriodKind::Schuljahr => (PeriodKind::Schuljahr, Some("beginn")),
        _ => (PeriodKind::Stichtag, Some("31.12.")),
    }
}

/// Delivered texts that are not the code itself → the code; unknown texts become questions.
fn value_map(
    field: &str,
    codes: &[&str],
    i: &Inhalt,
    column: &str,
    v: &mut Vorschlag,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for text in &i.distinct {
        if codes.contains(&text.as_str()) {
            continue;
        }
        match code_for(field, text) {
            Some(c) => out.push((text.clone(), c.to_string())),
            None => {
                v.ausschliessen.push((column.to_string(), text.clone()));
                v.fragen.push(format!(
                    "Zeilen mit „{text}“ in „{field}“ werden übersprungen: welchem Code entspricht der Wert (erlaubt: {})? Dann unter werte.{field} eintragen und aus ausschliessen nehmen.",
                    codes.join(", ")
                ));
            }
        }
    }
    out
}

/// The codes a one-row header names for the coded fields of `t`: `mit mittlerem abschluss
/// weiblich` → abschlussart msa, geschlecht w. `None` for a `darunter` column.
fn decode_header(h: &str, t: TableKind) -> Option<Vec<(&'static str, &'static str)>> {
    if h.starts_with("dar ") || h.starts_with("darunter ") || h.starts_with("davon ") {
        return None;
    }
    let padded = format!(" {h} ");
    let mut out = Vec::new();
    for f in schema::schema(t)
        .fields
        .iter()
        .filter(|f| matches!(f.ty, FieldType::Code(_)))
    {
        let Some((_, list)) = CODES.iter().find(|(x, _)| *x == f.name) else {
            continue;
        };
        // the longest spelling that stands as whole words in the header
        let found = list
            .iter()
            .filter(|(k, c)| *c != "insgesamt" && k.len() > 1 && padded.contains(&format!(" {k} ")))
            .max_by_key(|(k, _)| k.len());
        if let Some((_, c)) = found {
            out.push((f.name, *c));
        }
    }
    Some(out)
}

/// Wide columns under a one-row header (`insgesamt`, `ohne_hauptschulabschluss_weiblich` …):
/// each column's codes from its header, `insgesamt` for a field it does not name.
fn wide_flat(
    koepfe: &[String],
    normed: &[String],
    cols: &[usize],
    t: TableKind,
) -> Vec<(String, Vec<(&'static str, String)>)> {
    let decoded: Vec<(usize, Vec<(&'static str, &'static str)>)> = cols
        .iter()
        .filter_map(|&c| decode_header(&normed[c], t).map(|d| (c, d)))
        .collect();
    let fields: Vec<&'static str> = decoded
        .iter()
        .flat_map(|(_, d)| d.iter().map(|(f, _)| *f))
        .fold(Vec::new(), |mut acc, f| {
            if !acc.contains(&f) {
                acc.push(f);
            }
            acc
        });
    let named = decoded.iter().filter(|(_, d)| !d.is_empty()).count();
    if named < 2 || fields.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (c, d) in decoded {
        let rest: String = normed[c]
            .split(' ')
            .filter(|w| !["insgesamt", "zusammen", "gesamt", "anzahl"].contains(w))
            .collect();
        if d.is_empty() && !rest.is_empty() {
            continue; // a count column of its own, not a cell of the wide table
        }
        let keys = fields
            .iter()
            .map(|f| {
                let code = d
                    .iter()
                    .find(|(g, _)| g == f)
                    .map_or("insgesamt", |(_, c)| c);
                (*f, code.to_string())
            })
            .collect();
        out.push((reference(koepfe, c), keys));
    }
    out
}

/// Wide columns (GENESIS): each header row names the values of one coded field.
fn wide(roh: &Roh, cols: &[usize], t: TableKind) -> Vec<(String, Vec<(&'static str, String)>)> {
    let s = schema::schema(t);
    let coded: Vec<&'static str> = s
        .fields
        .iter()
        .filter(|f| matches!(f.ty, FieldType::Code(_)))
        .map(|f| f.name)
        .collect();
    let parts: Vec<Vec<&str>> = cols
        .iter()
        .map(|&c| roh.koepfe[c].split(" | ").collect())
        .collect();
    let depth = parts.iter().map(Vec::len).max().unwrap_or(0);
    // the field of each header row: the one whose codes name most of its distinct texts
    let row_field: Vec<Option<&'static str>> = (0..depth)
        .map(|r| {
            let texts: Vec<&str> = parts.iter().filter_map(|p| p.get(r).copied()).collect();
            coded
                .iter()
                .copied()
                .max_by_key(|f| {
                    texts
                        .iter()
                        .filter(|t| code_for(f, t).is_some_and(|c| c != "insgesamt"))
                        .count()
                })
                .filter(|f| {
                    texts
                        .iter()
                        .any(|t| code_for(f, t).is_some_and(|c| c != "insgesamt"))
                })
        })
        .collect();
    let mut out = Vec::new();
    for (&c, p) in cols.iter().zip(&parts) {
        let mut keys = Vec::new();
        let mut ok = true;
        for (r, text) in p.iter().enumerate() {
            let Some(f) = row_field.get(r).copied().flatten() else {
                continue;
            };
            match code_for(f, text) {
                Some(code) => keys.push((f, code.to_string())),
                None => ok = false,
            }
        }
        if ok && !keys.is_empty() {
            out.push((reference(&roh.koepfe, c), keys));
        }
    }
    out
}

/// The rounding base when nine in ten counts are multiples of 3 or 5 (GENESIS: of the
/// lowest areas, the most indented names; totals above them are exact).
fn rounded(roh: &Roh, counts: &[usize]) -> Option<u32> {
    let deepest = roh
        .zeilen
        .iter()
        .filter_map(|r| r.get(2))
        .map(|n| indent(n))
        .max();
    let values: Vec<u64> = roh
        .zeilen
        .iter()
        .filter(|r| roh.format != "genesis" || r.get(2).map(|n| indent(n)) == deepest)
        .flat_map(|r| {
            let cols: Vec<usize> = if roh.format == "genesis" {
                (3..r.len()).collect()
            } else {
                counts.to_vec()
            };
            cols.into_iter()
                .filter_map(|c| r.get(c)?.trim().parse().ok())
        })
        .filter(|&v: &u64| v > 0)
        .collect();
    if values.len() < 20 {
        return None;
    }
    [3, 5].into_iter().find(|&b| {
        let multiples = values.iter().filter(|&&v| v % u64::from(b) == 0).count();
        10 * multiples >= 9 * values.len()
    })
}

/// Leading blanks of a GENESIS area name: its level.
pub fn indent(name: &str) -> usize {
    name.len() - name.trim_start().len()
}
