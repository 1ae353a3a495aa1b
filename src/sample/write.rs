//! Turns the sample city into files, each in the shape of a real municipal delivery.

use super::SampleFile;
use super::city::{City, MAX_AGE};
use super::rng::Rng;
use super::{LAST_YEAR, STAND};
use anyhow::{Context, Result};
use std::fmt::Write as _;

/// All files of the sample, in a fixed order.
pub fn all_files(city: &City) -> Result<Vec<SampleFile>> {
    Ok(vec![
        ("README.md".into(), readme(city).into_bytes()),
        (
            "faktencheck_kita.md".into(),
            FAKTENCHECK_KITA.as_bytes().to_vec(),
        ),
        ("gebiete.csv".into(), gebiete(city).into_bytes()),
        ("stadtteile.geojson".into(), geojson(city).into_bytes()),
        ("bevoelkerung.csv".into(), bevoelkerung(city).into_bytes()),
        ("kita_kinder.csv".into(), kita_kinder(city).into_bytes()),
        ("kita_monat.csv".into(), kita_monat(city).into_bytes()),
        (
            "kita_einrichtungen.csv".into(),
            windows_1252(&kita_einrichtungen(city)),
        ),
        ("schulen.csv".into(), with_bom(&schulen(city))),
        ("abgaenger.xlsx".into(), abgaenger_xlsx(city)?),
        ("uebergaenge.csv".into(), uebergaenge(city).into_bytes()),
        ("schuleingang.csv".into(), schuleingang(city).into_bytes()),
        ("esu_befunde.csv".into(), esu_befunde(city).into_bytes()),
        ("kontext.csv".into(), kontext(city).into_bytes()),
    ])
}

/// The analyst's own text of the sample Faktencheck "Kita-Betreuung".
const FAKTENCHECK_KITA: &str = "# Einordnung

Der Ausbau der Kindertagesbetreuung für Kinder unter drei Jahren geht weiter. Seit dem
Rechtsanspruch auf einen Platz ab dem vollendeten ersten Lebensjahr steigt die Nachfrage
besonders in den innenstadtnahen Stadtteilen. Die Quoten beziehen sich auf den **Wohnort** der
Kinder, nicht auf den Standort der Kita.

- Neue Plätze entstehen vor allem in Stadtteilen mit niedriger Quote.
- Kleine Stadtteile erscheinen mit einem Punkt, wenn die Fallzahlen zu klein sind.
";

fn with_bom(text: &str) -> Vec<u8> {
    let mut v = "\u{feff}".as_bytes().to_vec();
    v.extend_from_slice(text.as_bytes());
    v
}

fn windows_1252(text: &str) -> Vec<u8> {
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    bytes.into_owned()
}

fn dezimal(v: f64) -> String {
    format!("{v:.1}").replace('.', ",")
}

fn school_year(y: i32) -> String {
    format!("{y}/{:02}", (y + 1).rem_euclid(100))
}

fn gebiete(city: &City) -> String {
    let mut s = String::from("nr;name;sozialraum;sozialraum_name;ags;gueltig_ab;gueltig_bis\n");
    for a in &city.areas {
        let _ = writeln!(
            s,
            "{};{};{};{};;;",
            a.nr, a.name, a.sozialraum.0, a.sozialraum.1
        );
    }
    s
}

fn geojson(city: &City) -> String {
    let mut s = String::from(
        "{\"type\":\"FeatureCollection\",\"name\":\"stadtteile (synthetisch)\",\"features\":[\n",
    );
    for (i, a) in city.areas.iter().enumerate() {
        let coords: Vec<String> = a
            .polygon
            .iter()
            .map(|(x, y)| format!("[{x:.6},{y:.6}]"))
            .collect();
        let name = serde_json::to_string(&a.name).unwrap_or_default();
        let _ = write!(
            s,
            "{{\"type\":\"Feature\",\"properties\":{{\"nr\":\"{}\",\"name\":{name},\"sozialraum\":\"{}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[{}]]}}}}",
            a.nr,
            a.sozialraum.0,
            coords.join(",")
        );
        s.push_str(if i + 1 < city.areas.len() {
            ",\n"
        } else {
            "\n"
        });
    }
    s.push_str("]}\n");
    s
}

/// German headers and labels, mapped in the configuration ("non-canonical headers").
fn bevoelkerung(city: &City) -> String {
    let mut s = String::from(
        "Stichtag;Stadtteil-Nr.;Altersjahr;Geschlecht;Einwohner mit Hauptwohnsitz;darunter nichtdeutsch\n",
    );
    for (yi, y) in city.years.iter().enumerate() {
        for (ai, a) in city.areas.iter().enumerate() {
            for age in 0..=MAX_AGE {
                let label = if age == MAX_AGE {
                    "90 und älter".to_string()
                } else {
                    age.to_string()
                };
                for (sex, sex_label) in ["männlich", "weiblich"].iter().enumerate() {
                    let _ = writeln!(
                        s,
                        "31.12.{y};{};{label};{sex_label};{};{}",
                        a.nr, city.pop[ai][yi][age][sex], city.foreign[ai][yi][age][sex]
                    );
                }
            }
        }
    }
    s
}

/// Tidy, comma-separated, canonical headers; Stichtag 1.3. as ISO date.
fn kita_kinder(city: &City) -> String {
    let mut s = String::from(
        "zeit,gebiet,alter,betreuungsart,kinder,ganztags,familiensprache_nichtdeutsch\n",
    );
    for (yi, y) in city.years.iter().enumerate() {
        for (ai, a) in city.areas.iter().enumerate() {
            for age in 0..=10usize {
                let k = city.kita[ai][yi][age];
                let kita_year = y + 1;
                if age <= 6 {
                    let _ = writeln!(
                        s,
                        "{kita_year}-03-01,{},{age},kita,{},{},{}",
                        a.nr, k.kita, k.ganztags_kita, k.sprache_kita
                    );
                    let _ = writeln!(
                        s,
                        "{kita_year}-03-01,{},{age},tagespflege,{},{},{}",
                        a.nr, k.tagespflege, k.ganztags_tp, k.sprache_tp
                    );
                }
                if age >= 6 {
                    let _ = writeln!(s, "{kita_year}-03-01,{},{age},hort,{},,", a.nr, k.hort);
                }
            }
        }
    }
    s
}

/// Monthly Kita counts for the last 24 months (only the required measure).
fn kita_monat(city: &City) -> String {
    let mut s = String::from("zeit;gebiet;alter;betreuungsart;kinder\n");
    let mut r = Rng::new(city.opts.seed, "kita-monat");
    let last = city.years.len() - 1;
    for k in 0..24 {
        let month_index = (LAST_YEAR - 1) * 12 + 10 + k; // 2024-11 … 2026-10
        let (year, month) = (month_index / 12, (month_index % 12 + 1) as u8);
        // The Kita year runs from August; its March (1.3.) figures are the reference.
        let march_year = if month >= 8 { year + 1 } else { year };
        let ref_yi = usize::try_from(march_year - 1 - city.years[0])
            .unwrap_or(0)
            .min(last);
        // Population of 31.12. before the month caps the count.
        let cap_yi = usize::try_from(year - 1 - city.years[0])
            .unwrap_or(0)
            .min(last);
        let since_august = (i32::from(month) + 12 - 8) % 12;
        for (ai, a) in city.areas.iter().enumerate() {
            for age in 0..=6usize {
                let factor = if age <= 2 {
                    (0.9 + 0.013 * f64::from(since_august)) / 0.991
                } else {
                    1.0 + 0.002 * f64::from(since_august - 7)
                };
                let zahl = city.kita[ai][ref_yi][age];
                let cap = city.pop_age(ai, cap_yi, age);
                let kita = r.count(zahl.kita as f64 * factor).min(cap);
                let tp = r.count(zahl.tagespflege as f64 * factor).min(cap - kita);
                let _ = writeln!(s, "{year}-{month:02};{};{age};kita;{kita}", a.nr);
                let _ = writeln!(s, "{year}-{month:02};{};{age};tagespflege;{tp}", a.nr);
            }
        }
    }
    s
}

/// Windows-1252, `;`, decimal commas and the Jugendamt software's German headers.
fn kita_einrichtungen(city: &City) -> String {
    let mut s = String::from(
        "Stichtag;Einrichtungs-Nr.;Name der Einrichtung;Stadtteil;Träger;genehmigte Plätze;betreute Kinder;päd. Personal;davon Fachkräfte;Wochenstunden päd. Personal;gebuchte Betreuungsstunden\n",
    );
    let mut r = Rng::new(city.opts.seed, "kita-einrichtungen");
    let share_sum: f64 = city.kitas.iter().map(|k| k.share).sum();
    for (yi, y) in city.years.iter().enumerate() {
        let total: u64 = (0..city.areas.len())
            .flat_map(|ai| (0..=6).map(move |age| (ai, age)))
            .map(|(ai, age)| city.kita[ai][yi][age].kita)
            .sum();
        for k in &city.kitas {
            let kinder = r.count(total as f64 * k.share / share_sum);
            let plaetze = ((kinder as f64 / k.util) / 5.0).ceil() as u64 * 5;
            let personal = r.count(kinder as f64 / 7.4).max(1);
            let fach = r.binomial(personal, 0.935);
            let stunden = (personal as f64 * r.range(31.0, 36.0) * 2.0).round() / 2.0;
            let betreuung = (kinder as f64 * r.range(39.0, 44.0) * 2.0).round() / 2.0;
            let traeger = if k.traeger == "frei" {
                "freier Träger"
            } else {
                "öffentlicher Träger"
            };
            let _ = writeln!(
                s,
                "01.03.{};{};{};{};{traeger};{plaetze};{kinder};{personal};{fach};{};{}",
                y + 1,
                k.nr,
                k.name,
                city.areas[k.area].nr,
                dezimal(stunden),
                dezimal(betreuung)
            );
        }
    }
    s
}

/// UTF-8 with BOM (as Excel writes it), `;`, school years as 2025/26.
fn schulen(city: &City) -> String {
    let mut s = String::from(
        "zeit;schule;schulname;schulform;gebiet;traeger;klassenstufe;schueler;weiblich;nichtdeutsch;foerderbedarf;wiederholer;ganztag\n",
    );
    for z in &city.schulzeilen {
        let sch = &city.schulen[z.school];
        let _ = writeln!(
            s,
            "{};{};{};{};{};{};{};{};{};{};{};{};{}",
            school_year(z.year),
            sch.nr,
            sch.name,
            sch.form,
            city.areas[sch.area].nr,
            sch.traeger,
            z.grade,
            z.schueler,
            z.weiblich,
            z.nichtdeutsch,
            z.foerderbedarf,
            z.wiederholer,
            z.ganztag
        );
    }
    s
}

const ABSCHLUESSE: [(&str, &str); 5] = [
    ("ohne_hsa", "ohne Hauptschulabschluss"),
    ("hsa", "Hauptschulabschluss"),
    ("msa", "Realschulabschluss"),
    ("fhr", "Fachhochschulreife"),
    ("ahr", "allgemeine Hochschulreife"),
];

fn schulform_label(form: &str) -> &'static str {
    match form {
        "sekundarschule" => "Sekundarschule",
        "gemeinschaftsschule" => "Gemeinschaftsschule",
        "igs" => "Gesamtschule (IGS)",
        "gymnasium" => "Gymnasium",
        "foerderschule" => "Förderschule",
        "waldorfschule" => "Freie Waldorfschule",
        _ => "Grundschule",
    }
}

/// Leavers by Schulort, Schulform and Abschluss, at the end of each school year.
fn abgaenger_rows(city: &City) -> Vec<(i32, usize, &'static str, [u64; 5])> {
    use std::collections::BTreeMap;
    let mut r = Rng::new(city.opts.seed, "abgaenger");
    let mut agg: BTreeMap<(i32, usize, &'static str), [u64; 5]> = BTreeMap::new();
    for z in &city.schulzeilen {
        let sch = &city.schulen[z.school];
        let leaving = match (sch.form, z.grade) {
            ("gymnasium" | "waldorfschule", 12) | ("igs", 13) => 0.97,
            ("sekundarschule" | "gemeinschaftsschule" | "foerderschule", 10) => 0.96,
            ("igs", 10) => 0.6,
            ("foerderschule", 9) => 0.25,
            _ => continue,
        };
        let leavers = r.binomial(z.schueler, leaving);
        let d = city.areas[sch.area].dep;
        let shares: [f64; 5] = match (sch.form, z.grade) {
            ("foerderschule", _) => [0.72, 0.26, 0.02, 0.0, 0.0],
            ("sekundarschule", _) => [0.11 + 0.06 * d, 0.3, 0.55, 0.0, 0.0],
            ("gemeinschaftsschule", _) => [0.07 + 0.05 * d, 0.22, 0.66, 0.0, 0.0],
            ("igs", 10) => [0.08, 0.2, 0.72, 0.0, 0.0],
            ("igs", _) => [0.0, 0.0, 0.05, 0.08, 0.87],
            ("waldorfschule", _) => [0.03, 0.1, 0.45, 0.07, 0.35],
            _ => [0.01, 0.01, 0.06, 0.03, 0.89],
        };
        let entry = agg.entry((z.year, sch.area, sch.form)).or_insert([0; 5]);
        let mut left = leavers;
        let mut rest = 1.0;
        for (i, p) in shares.iter().enumerate() {
            let n = if i == 4 || rest <= 0.0 {
                left
            } else {
                r.binomial(left, (p / rest).min(1.0))
            };
            entry[i] += n;
            left -= n;
            rest -= p;
        }
    }
    agg.into_iter().map(|((y, a, f), v)| (y, a, f, v)).collect()
}

/// An XLSX sheet with a title row: the header is in row 3 (`start = "A3"` in the config).
fn abgaenger_xlsx(city: &City) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2026, 11, 1).context("Datum")?;
    wb.set_properties(
        &DocProperties::new()
            .set_title("Absolventen und Abgänger (synthetisch)")
            .set_creation_datetime(&created),
    );
    let ws = wb.add_worksheet();
    ws.set_name("Abgänger")?;
    let bold = Format::new().set_bold();
    ws.write_string_with_format(
        0,
        0,
        "Absolventen und Abgänger allgemeinbildender Schulen nach Abschlussart (synthetische Daten)",
        &bold,
    )?;
    for (c, h) in [
        "Schuljahr",
        "Stadtteil-Nr.",
        "Schulform",
        "Abschluss",
        "Anzahl",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(2, c as u16, *h, &bold)?;
    }
    let mut row = 3u32;
    for (year, area, form, counts) in abgaenger_rows(city) {
        for (i, (_, label)) in ABSCHLUESSE.iter().enumerate() {
            ws.write_string(row, 0, school_year(year))?;
            ws.write_string(row, 1, &city.areas[area].nr)?;
            ws.write_string(row, 2, schulform_label(form))?;
            ws.write_string(row, 3, *label)?;
            ws.write_number(row, 4, counts[i] as f64)?;
            row += 1;
        }
    }
    ws.set_column_width(0, 11)?;
    ws.set_column_width(1, 13)?;
    ws.set_column_width(2, 22)?;
    ws.set_column_width(3, 28)?;
    Ok(wb.save_to_buffer()?)
}

/// Transitions into Klassenstufe 5 by Wohnort, with a strong social gradient.
fn uebergaenge(city: &City) -> String {
    let mut s = String::from("zeit;gebiet;schulform;anzahl\n");
    let mut r = Rng::new(city.opts.seed, "uebergaenge");
    for (yi, y) in city.years.iter().enumerate() {
        for (ai, a) in city.areas.iter().enumerate() {
            let d = a.dep;
            let cohort = r.binomial(city.pop_age(ai, yi, 10), 0.97);
            let t = yi as f64 * 0.003;
            let shares = [
                ("gymnasium", 0.63 - 0.36 * d + t),
                ("igs", 0.15),
                ("sekundarschule", 0.03 + 0.1 * d),
                ("foerderschule", 0.012 + 0.03 * d),
                ("waldorfschule", 0.012),
                ("gemeinschaftsschule", 1.0),
            ];
            let mut left = cohort;
            let mut rest = 1.0;
            for (form, p) in shares {
                let n = if form == "gemeinschaftsschule" {
                    left
                } else {
                    r.binomial(left, (p / rest).min(1.0))
                };
                left -= n;
                rest -= p;
                let _ = writeln!(s, "{};{};{form};{n}", school_year(*y), a.nr);
            }
        }
    }
    s
}

fn schuleingang(city: &City) -> String {
    let mut s = String::from(
        "zeit;gebiet;schulpflichtig;untersucht;zurueckgestellt;vorzeitig;eingeschult;kita_2jahre\n",
    );
    let mut r = Rng::new(city.opts.seed, "schuleingang");
    for (yi, y) in city.years.iter().enumerate() {
        for (ai, a) in city.areas.iter().enumerate() {
            let d = a.dep;
            let pflichtig = r.binomial(city.pop_age(ai, yi, 6), 0.98);
            let untersucht = pflichtig - r.binomial(pflichtig, 0.015);
            let zurueck = r.binomial(pflichtig, 0.05 + 0.08 * d);
            let vorzeitig = r.binomial(city.pop_age(ai, yi, 5), 0.012);
            let kita = r.binomial(untersucht, 0.985 - 0.07 * d);
            // enrolled: on time, early, and as many after a deferral as were deferred
            let eingeschult = pflichtig - zurueck + vorzeitig + zurueck;
            let _ = writeln!(
                s,
                "{};{};{pflichtig};{untersucht};{zurueck};{vorzeitig};{eingeschult};{kita}",
                school_year(*y),
                a.nr,
            );
        }
    }
    s
}

fn esu_befunde(city: &City) -> String {
    let mut s = String::from("zeit;gebiet;befund;untersucht;auffaellig\n");
    let mut r = Rng::new(city.opts.seed, "schuleingang");
    let mut r2 = Rng::new(city.opts.seed, "esu");
    for (yi, y) in city.years.iter().enumerate() {
        for (ai, a) in city.areas.iter().enumerate() {
            let d = a.dep;
            // same draws as schuleingang(), so both tables agree on "untersucht"
            let pflichtig = r.binomial(city.pop_age(ai, yi, 6), 0.98);
            let untersucht = pflichtig - r.binomial(pflichtig, 0.015);
            r.binomial(pflichtig, 0.05 + 0.08 * d);
            r.binomial(city.pop_age(ai, yi, 5), 0.012);
            r.binomial(untersucht, 0.985 - 0.07 * d);
            for (befund, p) in [
                ("sprache", 0.14 + 0.25 * d),
                ("visuomotorik", 0.1 + 0.08 * d),
                ("koerperkoordination", 0.08 + 0.06 * d),
                ("uebergewicht", 0.07 + 0.09 * d),
            ] {
                let _ = writeln!(
                    s,
                    "{};{};{befund};{untersucht};{}",
                    school_year(*y),
                    a.nr,
                    r2.binomial(untersucht, p)
                );
            }
        }
    }
    s
}

/// SGB II under 15 as the BA delivers it: values 1 and 2 are replaced by `.`.
fn kontext(city: &City) -> String {
    let mut s = String::from("zeit;gebiet;sgb2_unter15;geburten\n");
    let mut r = Rng::new(city.opts.seed, "kontext");
    for (yi, y) in city.years.iter().enumerate() {
        let mut total = (0, 0);
        for (ai, a) in city.areas.iter().enumerate() {
            let under15: u64 = (0..15).map(|age| city.pop_age(ai, yi, age)).sum();
            let p = (0.04 + 0.42 * a.dep) * (1.0 - 0.02 * yi as f64);
            let sgb2 = r.binomial(under15, p);
            total.0 += sgb2;
            let sgb2 = if (1..=2).contains(&sgb2) {
                ".".to_string()
            } else {
                sgb2.to_string()
            };
            let births = r.count(city.pop_age(ai, yi, 0) as f64 * 1.005);
            total.1 += births;
            let _ = writeln!(s, "31.12.{y};{};{sgb2};{births}", a.nr);
        }
        // the BA's city total is exact: it holds what the `.` hide
        let _ = writeln!(s, "31.12.{y};Gesamtstadt;{};{}", total.0, total.1);
    }
    s
}

fn readme(city: &City) -> String {
    let first = city.years[0];
    format!(
        r#"# Beispieldaten „Musterstadt“ (synthetisch)

**Alle Zahlen in diesem Ordner sind synthetisch.** Sie wurden mit
`bildungsmonitor sample --stadtteile {n} --jahre {j} --seed {seed}` erzeugt und beschreiben keine
reale Stadt. Die Namen der Stadtteile stammen aus Magdeburg, ihre Nummern, Flächen, Einwohnerzahlen
und alle übrigen Werte sind erfunden. Stand der Daten: {STAND}.

Die Dateien sind absichtlich so uneinheitlich wie echte Lieferungen, damit das Beispielprojekt die
echten Lesewege übt; `bildungsmonitor.toml` im Projektordner beschreibt jede Datei in einem
Quellprofil (siehe `docs/config.md`).

| Datei | Tabelle | Form | Zeitraum |
|---|---|---|---|
| `gebiete.csv` | Gebietsgliederung | UTF-8, `;` | {n} Stadtteile in Sozialräumen |
| `stadtteile.geojson` | Flächen | GeoJSON, Eigenschaft `nr` | – |
| `bevoelkerung.csv` | bevoelkerung | UTF-8, `;`, **deutsche Spaltenköpfe**, Alter „90 und älter“, Geschlecht „männlich/weiblich“ | 31.12.{first}–31.12.{LAST_YEAR} |
| `kita_kinder.csv` | kita_kinder | UTF-8, **`,`**, kanonische Spalten, Wohnort | 01.03.{k0}–01.03.{k1} |
| `kita_monat.csv` | kita_kinder (monatlich) | UTF-8, `;` | 11/{m0}–10/{m1} |
| `kita_einrichtungen.csv` | kita_einrichtungen | **Windows-1252**, `;`, **Dezimalkomma**, deutsche Spaltenköpfe | 01.03.{k0}–01.03.{k1} |
| `schulen.csv` | schulen | UTF-8 **mit BOM**, `;`, Schulort | {sj0}–{sj1} |
| `abgaenger.xlsx` | abgaenger | **XLSX**, Blatt „Abgänger“, Titelzeile, Kopf in A3, deutsche Bezeichnungen | {sj0}–{sj1} (Abgangsjahr = Ende des Schuljahres) |
| `uebergaenge.csv` | uebergaenge | UTF-8, `;`, Wohnort | {sj0}–{sj1} |
| `schuleingang.csv` | schuleingang | UTF-8, `;` | {sj0}–{sj1} |
| `esu_befunde.csv` | esu_befunde | UTF-8, `;` | {sj0}–{sj1} |
| `kontext.csv` | kontext | UTF-8, `;`, **`.` für Werte 1 und 2** (wie die BA), je Jahr eine Zeile „Gesamtstadt“ | 31.12.{first}–31.12.{LAST_YEAR} |
| `faktencheck_kita.md` | eigener Text des Faktenchecks „Kita-Betreuung“ | Text: Absätze, `- ` Aufzählung, `**fett**` | – |

Eigenschaften, die die Berichte zeigen sollen:
- Geburtenrückgang seit 2017, Betreuungsquote unter 3 Jahren um 50–60 %, 3 bis unter 6 Jahre um 90–97 %;
- deutliches soziales Gefälle zwischen den Stadtteilen (Übergang aufs Gymnasium etwa 30–60 %,
  SGB-II-Quote, Sprachauffälligkeiten bei der Schuleingangsuntersuchung);
- sehr kleine Stadtteile (Kreuzhorst, Gewerbegebiet Nord, Zipkeleben, Industriehafen …) mit Fallzahlen
  von 0 bis 4 – hier muss die Geheimhaltung greifen.
"#,
        n = city.opts.stadtteile,
        j = city.opts.jahre,
        seed = city.opts.seed,
        k0 = first + 1,
        k1 = LAST_YEAR + 1,
        m0 = LAST_YEAR - 1,
        m1 = LAST_YEAR + 1,
        sj0 = school_year(first),
        sj1 = school_year(LAST_YEAR),
    )
}
