//! Generated sentences: the current value with its change, the trend, the spread between the
//! areas and the areas far from the city value. The wording follows the indicator's
//! better/worse direction; each sentence carries its number.

use super::auswahl::Auswahl;
use crate::catalogue::{Einheit, Richtung};
use crate::format;
use crate::indicators::Ebene;

/// A difference in words: "1,2 Prozentpunkte", "35", "2,1 Indexpunkte".
fn betrag(d: f64, e: Einheit) -> String {
    let a = d.abs();
    match e {
        Einheit::Prozent => {
            let s = format::decimal(a, 1);
            if s == "1,0" {
                "1,0 Prozentpunkt".into()
            } else {
                format!("{s} Prozentpunkte")
            }
        }
        Einheit::Anzahl => format::decimal(a, 0),
        Einheit::Index => format!("{} Indexpunkte", format::decimal(a, 1)),
        Einheit::Verhaeltnis => format::decimal(a, 1),
    }
}

/// Below this a change is "nahezu unverändert" and gets no judgement: half a percentage or
/// index point, one per cent of a count or ratio (docs/berichte.md, Lesehilfe).
pub const KAUM_PUNKTE: f64 = 0.5;
/// The share of the base below which a count or ratio is "nahezu unverändert".
pub const KAUM_ANTEIL: f64 = 0.01;

fn kaum(d: f64, basis: f64, e: Einheit) -> bool {
    match e {
        // as printed: 0,4 points is below, 0,5 is not
        Einheit::Prozent | Einheit::Index => format::round_half_up(d.abs(), 1) < KAUM_PUNKTE,
        _ => basis.abs() > 0.0 && (d / basis).abs() < KAUM_ANTEIL,
    }
}

fn bewertung(d: f64, r: Richtung) -> &'static str {
    match (r, d > 0.0) {
        (Richtung::HoeherBesser, true) | (Richtung::NiedrigerBesser, false) => {
            " – eine günstige Entwicklung"
        }
        (Richtung::HoeherBesser, false) | (Richtung::NiedrigerBesser, true) => {
            " – eine ungünstige Entwicklung"
        }
        _ => "",
    }
}

/// "Betreuungsquote unter 3 Jahren: 52,3 % (01.03.2026) in Musterstadt, 1,2 Prozentpunkte
/// mehr als ein Jahr zuvor – eine günstige Entwicklung." `None` without a published value.
pub fn aktuell(a: &Auswahl, gebiet: (Ebene, &str, &str), gruppe: Option<&str>) -> Option<String> {
    let e = a.ind.def.einheit;
    let (ebene, nr, name) = gebiet;
    let jetzt = a.wert(a.aktuell, ebene, nr, gruppe)?;
    // the group belongs to the statement, by its label: "Befundquote (Sprache): 24,1 %"
    let titel = match gruppe {
        Some(g) => format!("{} ({})", a.ind.def.titel, crate::labels::label(g)),
        None => a.ind.def.titel.clone(),
    };
    let mut s = format!(
        "{titel}: {} ({}) in {name}",
        format::value(jetzt, e),
        a.aktuell
    );
    if let Some(v) = a.vorher.and_then(|p| a.wert(p, ebene, nr, gruppe)) {
        let d = jetzt - v;
        if kaum(d, v, e) {
            s.push_str(", nahezu unverändert gegenüber dem Vorjahr");
        } else {
            s.push_str(&format!(
                ", {} {} als ein Jahr zuvor{}",
                betrag(d, e),
                if d > 0.0 { "mehr" } else { "weniger" },
                bewertung(d, a.ind.def.richtung)
            ));
        }
    }
    s.push('.');
    Some(s)
}

/// "Von 2017 bis 2026 ist der Wert von 48,1 % auf 52,3 % gestiegen."
pub fn trend(a: &Auswahl, ebene: Ebene, nr: &str, gruppe: Option<&str>) -> Option<String> {
    let e = a.ind.def.einheit;
    let reihe = a.reihe(ebene, nr, gruppe);
    let achse = a.achse();
    let (i0, v0) = reihe
        .iter()
        .enumerate()
        .find_map(|(i, v)| v.map(|v| (i, v)))?;
    let (i1, v1) = reihe
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, v)| v.map(|v| (i, v)))?;
    if i1 <= i0 || i1 - i0 < 2 {
        return None;
    }
    let d = v1 - v0;
    let verlauf = if kaum(d, v0, e) || (e == Einheit::Prozent && d.abs() < 0.5) {
        "nahezu gleich geblieben".to_string()
    } else {
        format!(
            "um {} {}",
            betrag(d, e),
            if d > 0.0 { "gestiegen" } else { "gesunken" }
        )
    };
    Some(format!(
        "Von {} bis {} ist der Wert von {} auf {} {verlauf}.",
        achse[i0],
        achse[i1],
        format::value(v0, e),
        format::value(v1, e)
    ))
}

/// Areas with their values, every one named: up to five as a list, more as „7 Stadtteile,
/// darunter A (1,0 %), B (2,0 %) und C (3,0 %)“; `dativ` after „in“ („in 7 Stadtteilen, …“).
/// `plural` is the level's plural, nominative and dative.
fn liste(v: &[(&str, f64)], e: Einheit, dativ: bool, plural: (&str, &str)) -> String {
    let named: Vec<String> = v
        .iter()
        .map(|(n, w)| format!("{n} ({})", format::value(*w, e)))
        .collect();
    let und = |mut names: Vec<String>| match names.pop() {
        None => String::new(),
        Some(last) if names.is_empty() => last,
        Some(last) => format!("{} und {last}", names.join(", ")),
    };
    if named.len() <= 5 {
        return und(named);
    }
    format!(
        "{} {}, darunter {}",
        named.len(),
        if dativ { plural.1 } else { plural.0 },
        und(named.into_iter().take(3).collect())
    )
}

/// The Stadtteile far from the city value (more than a standard deviation, at least 5 points
/// or a fifth of the city value): sentences into `out`, and the "deutliche Unterschiede"
/// statement with the spread for the summary.
fn abweichende(
    a: &Auswahl,
    werte: &[(&str, f64)],
    stadt: f64,
    plural: (&str, &str),
    out: &mut Vec<String>,
) -> Option<(f64, String)> {
    let e = a.ind.def.einheit;
    let ebene1_plural = plural.1;
    let mut auffaellig = None;
    let n = werte.len() as f64;
    let mean = werte.iter().map(|w| w.1).sum::<f64>() / n;
    let sd = (werte.iter().map(|w| (w.1 - mean).powi(2)).sum::<f64>() / n).sqrt();
    // the threshold as printed, so that "um mehr als 5,0" holds for the printed values
    let schwelle = format::round_half_up(
        match e {
            Einheit::Prozent => sd.max(5.0),
            _ => sd.max(0.2 * stadt.abs()),
        },
        1,
    );
    let mehr = |d: f64| d > schwelle + 1e-9;
    let mut ueber: Vec<(&str, f64)> = werte
        .iter()
        .filter(|w| mehr(w.1 - stadt))
        .copied()
        .collect();
    let mut unter: Vec<(&str, f64)> = werte
        .iter()
        .filter(|w| mehr(stadt - w.1))
        .copied()
        .collect();
    ueber.sort_by(|x, y| y.1.total_cmp(&x.1));
    unter.sort_by(|x, y| x.1.total_cmp(&y.1));
    let stadtwert = format::value(stadt, e);
    if !ueber.is_empty() {
        out.push(format!(
            "Deutlich über dem Stadtwert von {stadtwert} (um mehr als {}) {} {}.",
            betrag(schwelle, e),
            if ueber.len() == 1 { "liegt" } else { "liegen" },
            liste(&ueber, e, false, plural)
        ));
    }
    if !unter.is_empty() {
        out.push(format!(
            "Deutlich darunter {} {}.",
            if unter.len() == 1 { "liegt" } else { "liegen" },
            liste(&unter, e, false, plural)
        ));
    }
    let spannweite = werte
        .iter()
        .map(|w| (w.1 - stadt).abs())
        .fold(0.0, f64::max);
    if !ueber.is_empty() || !unter.is_empty() {
        let first = ueber.first().or(unter.first()).map(|x| x.0).unwrap_or("");
        auffaellig = Some((
            spannweite / stadt.abs().max(1e-9),
            format!(
                "{}: deutliche Unterschiede zwischen den {ebene1_plural} – {}{}.",
                a.ind.def.titel,
                if ueber.is_empty() {
                    format!("am niedrigsten in {}", liste(&unter, e, true, plural))
                } else {
                    format!("am höchsten in {}", liste(&ueber, e, true, plural))
                },
                if first.is_empty() {
                    String::new()
                } else {
                    format!(" bei {stadtwert} in der Stadt insgesamt")
                }
            ),
        ));
    }
    auffaellig
}

/// Spread and outliers among the Stadtteile for the current period:
/// "Zwischen den Stadtteilen reicht der Wert von 31,2 % (Neustädter See) bis 68,9 % (Altstadt).",
/// "Deutlich über dem Stadtwert liegen …". Also the count of areas without a value.
pub fn streuung(
    a: &Auswahl,
    stadtteile: &[(String, String)],
    ebene1: &str,
    gruppe: Option<&str>,
) -> (Vec<String>, Option<(f64, String)>) {
    let e = a.ind.def.einheit;
    let (nominativ, dativ) = (super::plural_nominativ(ebene1), super::plural_dativ(ebene1));
    let plural = (nominativ.as_str(), dativ.as_str());
    let ebene1_plural = dativ.as_str();
    let mut out = Vec::new();
    if a.schulort {
        out.push(format!(
            "Die Werte nach {ebene1_plural} beschreiben die Schulen, die dort stehen (Schulort), \
             nicht die Kinder, die dort wohnen; sie werden deshalb nicht miteinander verglichen."
        ));
        return (out, None);
    }
    let werte: Vec<(&str, f64)> = stadtteile
        .iter()
        .filter_map(|(nr, name)| {
            a.wert(a.aktuell, Ebene::Stadtteil, nr, gruppe)
                .map(|v| (name.as_str(), v))
        })
        .collect();
    let ohne = stadtteile.len() - werte.len();
    if werte.len() >= 2 {
        let min = werte
            .iter()
            .copied()
            .fold(werte[0], |m, x| if x.1 < m.1 { x } else { m });
        let max = werte
            .iter()
            .copied()
            .fold(werte[0], |m, x| if x.1 > m.1 { x } else { m });
        out.push(format!(
            "Zwischen den {ebene1_plural} reicht der Wert von {} ({}) bis {} ({}).",
            format::value(min.1, e),
            min.0,
            format::value(max.1, e),
            max.0
        ));
    }
    let auffaellig = match a.wert(a.aktuell, Ebene::Stadt, "stadt", gruppe) {
        Some(stadt) if e != Einheit::Anzahl && werte.len() >= 3 => {
            abweichende(a, &werte, stadt, plural, &mut out)
        }
        _ => None,
    };
    if ohne > 0 {
        out.push(format!(
            "Für {ohne} {} wird kein Wert ausgewiesen (Geheimhaltung oder fehlende Daten).",
            if ohne == 1 {
                ebene1.to_string()
            } else {
                plural.0.to_string()
            }
        ));
    }
    (out, auffaellig)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_words() {
        assert_eq!(betrag(1.04, Einheit::Prozent), "1,0 Prozentpunkt");
        assert_eq!(betrag(-2.26, Einheit::Prozent), "2,3 Prozentpunkte");
        assert_eq!(betrag(-35.0, Einheit::Anzahl), "35");
        assert_eq!(
            bewertung(-1.0, Richtung::NiedrigerBesser),
            " – eine günstige Entwicklung"
        );
        assert_eq!(bewertung(1.0, Richtung::Neutral), "");
    }

    #[test]
    fn area_lists_name_every_area() {
        let v = [
            ("A", 1.0),
            ("B", 2.0),
            ("C", 3.0),
            ("D", 4.0),
            ("E", 5.0),
            ("F", 6.0),
            ("G", 7.0),
        ];
        let e = Einheit::Anzahl;
        let pl = ("Stadtteile", "Stadtteilen");
        assert_eq!(
            liste(&v[..5], e, false, pl),
            "A (1), B (2), C (3), D (4) und E (5)"
        );
        assert_eq!(
            liste(&v, e, false, pl),
            "7 Stadtteile, darunter A (1), B (2) und C (3)"
        );
        assert_eq!(
            liste(&v[..6], e, true, pl),
            "6 Stadtteilen, darunter A (1), B (2) und C (3)"
        );
        assert_eq!(liste(&v[..2], e, true, pl), "A (1) und B (2)");
        assert_eq!(liste(&v[..1], e, true, pl), "A (1)");
        assert!(!liste(&v, e, true, pl).contains("weiter"));
    }

    #[test]
    fn small_changes_are_nearly_unchanged_without_a_judgement() {
        // below half a point as printed: no "günstig"
        assert!(kaum(0.1, 40.0, Einheit::Prozent));
        assert!(kaum(-0.44, 40.0, Einheit::Prozent));
        assert!(!kaum(0.45, 40.0, Einheit::Prozent));
        assert!(!kaum(1.0, 40.0, Einheit::Prozent));
        // counts: below one per cent of the base
        assert!(kaum(9.0, 1000.0, Einheit::Anzahl));
        assert!(!kaum(10.0, 1000.0, Einheit::Anzahl));
    }
}
