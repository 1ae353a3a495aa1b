//! `bildungsmonitor indicators`: compute and print the indicator table.

use crate::catalogue::Einheit;
use crate::cli::{EbeneArg, IndicatorsArgs, OutputFormat};
use crate::exit::ExitStatus;
use crate::export::csv_field;
use crate::format;
use crate::indicators::{self, Ebene, Kennzahl};
use crate::output::printer::Printer;
use anyhow::bail;
use std::fmt::Write as _;
use std::path::Path;

/// Unknown indicators and Stadtteile of the selection stop the run, with a suggestion.
fn check_selection(args: &IndicatorsArgs, project: &crate::project::Project) -> anyhow::Result<()> {
    for id in &args.indicator {
        if project.katalog.get(id).is_none() {
            let hint = crate::suggest::did_you_mean(id, project.katalog.ids())
                .map(|s| format!(" Meinten Sie „{s}“?"))
                .unwrap_or_default();
            bail!(
                "unbekannte Kennzahl „{id}“.{hint} Die Kennungen zeigt `bildungsmonitor catalogue`."
            );
        }
    }
    for nr in &args.stadtteil {
        if project.gebiete.by_nr(nr).is_none() {
            let hint = crate::suggest::did_you_mean(
                nr,
                project.gebiete.stadtteile.iter().map(|s| s.nr.as_str()),
            )
            .map(|s| format!(" Meinten Sie „{s}“?"))
            .unwrap_or_default();
            bail!("unbekannter Stadtteil „{nr}“.{hint}");
        }
    }
    Ok(())
}

/// Whether a published row is in the selection (`--indicator`, `--stadtteil` with its
/// Sozialraum, Bezirk and the city, `--ebene`, `--period`).
struct Filter<'a> {
    args: &'a IndicatorsArgs,
    srs: Vec<String>,
    bezirke: Vec<String>,
}

impl<'a> Filter<'a> {
    fn new(args: &'a IndicatorsArgs, project: &crate::project::Project) -> Self {
        let srs: Vec<String> = args
            .stadtteil
            .iter()
            .filter_map(|nr| project.gebiete.by_nr(nr).map(|s| s.sozialraum.clone()))
            .collect();
        let bezirke: Vec<String> = args
            .stadtteil
            .iter()
            .filter_map(|nr| project.gebiete.by_nr(nr).map(|s| s.bezirk.clone()))
            .collect();
        Filter { args, srs, bezirke }
    }

    fn keeps(&self, k: &Kennzahl) -> bool {
        let (args, srs, bezirke) = (self.args, &self.srs, &self.bezirke);
        let indicator_ok =
            args.indicator.is_empty() || args.indicator.iter().any(|i| **i == *k.indikator);
        let area_ok = args.stadtteil.is_empty()
            || match k.ebene {
                Ebene::Stadtteil => args.stadtteil.iter().any(|s| **s == *k.gebiet),
                Ebene::Sozialraum => srs.iter().any(|s| **s == *k.gebiet),
                Ebene::Bezirk => bezirke.iter().any(|s| **s == *k.gebiet),
                Ebene::Stadt => true,
            };
        let level_ok = args.ebene.is_none_or(|e| {
            matches!(
                (e, k.ebene),
                (EbeneArg::Stadtteil, Ebene::Stadtteil)
                    | (EbeneArg::Sozialraum, Ebene::Sozialraum)
                    | (EbeneArg::Bezirk, Ebene::Bezirk)
                    | (EbeneArg::Stadt, Ebene::Stadt)
            )
        });
        let period_ok = args
            .period
            .as_deref()
            .is_none_or(|p| period_matches(k.zeit, p));
        indicator_ok && area_ok && level_ok && period_ok
    }
}

/// Validates, computes and prints.
pub fn run(
    args: &IndicatorsArgs,
    config: &Path,
    printer: &Printer,
    no_cache: bool,
) -> anyhow::Result<ExitStatus> {
    if matches!(printer.format, OutputFormat::Markdown | OutputFormat::Xlsx) {
        bail!(
            "--format markdown/xlsx gibt es hier nicht; für Kennzahlen human, csv oder json wählen (Excel-Dateien schreibt `export`)"
        );
    }
    let (project, diags) = match super::load_project(config, printer) {
        Ok(x) => x,
        Err(status) => return Ok(status),
    };
    check_selection(args, &project)?;
    let published = match super::publication(&project, diags, printer, no_cache)? {
        Ok(p) => p,
        Err(status) => return Ok(status),
    };
    if let Some(path) = &args.audit {
        let json = serde_json::to_vec_pretty(&serde_json::json!({
            "version": 1,
            "verfahren": published.verfahren,
            "gesperrt": published.audit,
        }))?;
        crate::output::atomic::write(path, &json)?;
    }
    let keep = Filter::new(args, &project);
    // the selected published rows, moved (at federal scale 7 million), and which are suppressed
    let mut gesperrt: Vec<bool> = Vec::new();
    let mut table = indicators::Tabelle {
        zeilen: Vec::new(),
        hinweise: published.hinweise,
    };
    for v in published
        .zeilen
        .into_iter()
        .filter(|v| keep.keeps(&v.kennzahl))
    {
        gesperrt.push(v.gesperrt);
        table.zeilen.push(v.kennzahl);
    }
    if let Some(p) = &args.period
        && table.zeilen.is_empty()
    {
        bail!(
            "für den Zeitpunkt „{p}“ gibt es keine Werte; Zeitpunkte als 2025, 2025/26, 2026-10 oder 01.03.2026 angeben"
        );
    }
    let unit = |id: &str| {
        project
            .katalog
            .get(id)
            .map_or(Einheit::Anzahl, |i| i.def.einheit)
    };
    match printer.format {
        OutputFormat::Json => printer.json(&JsonAusgabe {
            hinweise: &table.hinweise,
            kennzahlen: Zeilen(&table.zeilen, &gesperrt),
            version: 1,
        })?,
        OutputFormat::Csv => printer.raw_stdout(csv(&table.zeilen, &gesperrt, unit).as_bytes())?,
        _ => {
            printer
                .raw_stdout(human(&table.zeilen, &gesperrt, unit, &project.gebiete).as_bytes())?;
            for h in &table.hinweise {
                printer.info(&format!("Hinweis: {h}"));
            }
            let n = table.zeilen.len();
            printer.info(&format!(
                "{} {}.",
                format::integer(n as i64),
                if n == 1 { "Wert" } else { "Werte" }
            ));
        }
    }
    Ok(ExitStatus::Success)
}

/// `2025` matches every yearly period of 2025; other forms match the key or the German text.
pub(crate) fn period_matches(p: crate::domain::Period, arg: &str) -> bool {
    let arg = arg.trim();
    if p.key() == arg || p.to_string() == arg {
        return true;
    }
    if arg.len() == 4 && arg.bytes().all(|b| b.is_ascii_digit()) {
        return !matches!(p, crate::domain::Period::Monat { .. }) && p.year().to_string() == arg;
    }
    crate::domain::Date::parse(arg).is_some_and(|d| p == crate::domain::Period::Stichtag(d))
}

/// A value in the indicator's unit, German format.
pub(crate) fn fmt_value(v: f64, unit: Einheit) -> String {
    format::value(v, unit)
}

fn fmt_change(k: &Kennzahl, unit: Einheit) -> String {
    let Some(d) = k.veraenderung else {
        return String::new();
    };
    // one sign rule for every printed change (`format::change`): no "+0,0", no "−0,0"
    let change = format::change(d, unit);
    match unit {
        Einheit::Prozent => format!("{change} %-Pkt."),
        Einheit::Verhaeltnis | Einheit::Anzahl if k.veraenderung_prozent.is_none() => change,
        _ => match k.veraenderung_prozent {
            Some(p) => format!("{change} ({} %)", format::change(p, Einheit::Prozent)),
            None => change,
        },
    }
}

fn ebene_label(e: Ebene) -> &'static str {
    match e {
        Ebene::Stadtteil => "Stadtteil",
        Ebene::Sozialraum => "Sozialraum",
        Ebene::Bezirk => "Bezirk",
        Ebene::Stadt => "Stadt",
    }
}

/// The aligned table; levels named as the project names them (Kreis, Land …).
fn human(
    rows: &[Kennzahl],
    hidden: &[bool],
    unit: impl Fn(&str) -> Einheit,
    gebiete: &crate::project::Gebietsgliederung,
) -> String {
    let header = [
        "Kennzahl",
        "Zeitpunkt",
        "Ebene",
        "Gebiet",
        "Gruppe",
        "Wert",
        "Veränderung",
        "Zähler",
        "Nenner",
        "Rang",
    ];
    let mut table: Vec<[String; 10]> = vec![header.map(str::to_string)];
    for (k, &h) in rows.iter().zip(hidden) {
        let u = unit(&k.indikator);
        let count = |x: Option<f64>| match x {
            Some(v) => format::decimal(v, if v.fract() == 0.0 { 0 } else { 1 }),
            None if h => ".".into(),
            None => String::new(),
        };
        let wert = match (k.wert, h) {
            (Some(v), _) => fmt_value(v, u),
            (None, true) => ".".into(),
            (None, false) => k.luecke.map_or("", |l| l.symbol()).to_string(),
        };
        table.push([
            k.indikator.to_string(),
            k.zeit.to_string(),
            match k.ebene {
                Ebene::Stadtteil => gebiete.ebene1.clone(),
                Ebene::Sozialraum => gebiete.ebene2.clone(),
                Ebene::Bezirk => gebiete.ebene3.clone(),
                Ebene::Stadt => "Gesamt".to_string(),
            },
            if k.ebene == Ebene::Stadt {
                k.name.to_string()
            } else {
                format!("{} {}", k.gebiet, k.name)
            },
            k.gruppe.as_deref().unwrap_or_default().to_string(),
            wert,
            fmt_change(k, u),
            count(k.zaehler),
            count(k.nenner),
            k.rang.map(|r| r.to_string()).unwrap_or_default(),
        ]);
    }
    let widths: Vec<usize> = (0..10)
        .map(|c| {
            table
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &table {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            // numbers right-aligned, text left-aligned
            if c >= 5 {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
            line.push_str("  ");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

fn csv(rows: &[Kennzahl], hidden: &[bool], unit: impl Fn(&str) -> Einheit) -> String {
    let mut out = String::from(
        "indikator;zeit;ebene;gebiet;name;gruppe;wert;zaehler;nenner;luecke;veraenderung;veraenderung_prozent;abweichung_stadt;rang\n",
    );
    for (k, &h) in rows.iter().zip(hidden) {
        let digits = if unit(&k.indikator) == Einheit::Anzahl {
            0
        } else {
            1
        };
        // suppressed numbers print as "." (official legend)
        let num = |v: Option<f64>, d: usize| match v {
            Some(x) => format!("{x:.d$}").replace('.', ","),
            None if h => ".".into(),
            None => String::new(),
        };
        let count_digits = |v: Option<f64>| {
            if v.is_some_and(|x| x.fract() != 0.0) {
                1
            } else {
                0
            }
        };
        let _ = writeln!(
            out,
            "{};{};{};{};{};{};{};{};{};{};{};{};{};{}",
            csv_field(&k.indikator),
            k.zeit.key(),
            ebene_label(k.ebene),
            csv_field(&k.gebiet),
            csv_field(&k.name),
            csv_field(k.gruppe.as_deref().unwrap_or("")),
            num(k.wert, digits),
            num(k.zaehler, count_digits(k.zaehler)),
            num(k.nenner, count_digits(k.nenner)),
            k.luecke.map_or("", |l| l.symbol()),
            num(k.veraenderung, digits),
            num(k.veraenderung_prozent, 1),
            num(k.abweichung_stadt, digits),
            k.rang.map(|r| r.to_string()).unwrap_or_default(),
        );
    }
    out
}

/// The JSON output, keys in alphabetical order as before (they were a `serde_json::Value`).
/// The rows stream: federal data has 7 million, and as one `Value` they took over 20 GB.
#[derive(serde::Serialize)]
struct JsonAusgabe<'a> {
    hinweise: &'a [String],
    kennzahlen: Zeilen<'a>,
    version: u32,
}

/// Rows with their `gesperrt` flag, each built as a small `Value` (sorted keys) on the way out.
struct Zeilen<'a>(&'a [Kennzahl], &'a [bool]);

impl serde::Serialize for Zeilen<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().zip(self.1).map(|(k, g)| {
            let mut v = serde_json::to_value(k).unwrap_or_default();
            v["gesperrt"] = serde_json::Value::Bool(*g);
            v
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Period;

    fn row(d: f64, p: Option<f64>) -> Kennzahl {
        Kennzahl {
            indikator: "X".into(),
            zeit: Period::Kalenderjahr(2025),
            ebene: Ebene::Stadt,
            gebiet: "stadt".into(),
            name: "Stadt".into(),
            gruppe: None,
            wert: Some(1.0),
            zaehler: None,
            nenner: None,
            luecke: None,
            veraenderung: Some(d),
            veraenderung_prozent: p,
            abweichung_stadt: None,
            rang: None,
        }
    }

    /// A change that rounds to zero has no sign, as in every other output.
    #[test]
    fn changes_rounding_to_zero_have_no_sign() {
        assert_eq!(fmt_change(&row(0.04, None), Einheit::Prozent), "0,0 %-Pkt.");
        assert_eq!(
            fmt_change(&row(-0.04, None), Einheit::Prozent),
            "0,0 %-Pkt."
        );
        assert_eq!(
            fmt_change(&row(0.4, Some(0.04)), Einheit::Anzahl),
            "0 (0,0 %)"
        );
        assert_eq!(
            fmt_change(&row(12.0, Some(3.456)), Einheit::Anzahl),
            "+12 (+3,5 %)"
        );
        assert_eq!(
            fmt_change(&row(-1.25, None), Einheit::Prozent),
            "\u{2212}1,3 %-Pkt."
        );
    }
}
