//! A Faktencheck: one or two pages on a topic – headline figures with their change, one trend
//! chart and one map of the lead indicator, three key statements, the analyst's own text,
//! definitions and sources.

use super::auswahl::Auswahl;
use super::{Bilder, Dokument, Kontext, karte_abbildung, meta, quellen, text, trend_abbildung};
use crate::format;
use crate::indicators::Ebene;
use crate::project::Faktencheck;
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

/// Builds the data of a topic sheet.
pub fn faktencheck(ctx: &Kontext, f: &Faktencheck) -> Result<Dokument> {
    let auswahl: Vec<Auswahl> = f
        .indikatoren
        .iter()
        .filter_map(|id| ctx.auswahl(id))
        .collect();
    let Some(lead) = auswahl.first() else {
        bail!(
            "Faktencheck „{}“: keine der Kennzahlen {} hat Daten in diesem Projekt",
            f.titel,
            f.indikatoren.join(", ")
        );
    };
    let kommune = &ctx.project.kommune;
    let g = &ctx.project.gebiete;
    let mut bilder = Bilder::default();
    let kennzahlen: Vec<Value> = auswahl
        .iter()
        .map(|a| kachel(a, Ebene::Stadt, "stadt"))
        .collect();
    let mut abbildungen = Vec::new();
    let gruppe = lead.gruppen.first().map(String::as_str);
    abbildungen.extend(trend_abbildung(
        ctx,
        lead,
        &[(kommune.clone(), gruppe)],
        (300, 200),
        &mut bilder,
    )?);
    abbildungen.extend(karte_abbildung(ctx, lead, gruppe, (330, 220), &mut bilder)?);
    // three key statements: the lead indicator now, its trend, the spread
    let mut aussagen = Vec::new();
    aussagen.extend(text::aktuell(
        lead,
        (Ebene::Stadt, "stadt", kommune),
        gruppe,
    ));
    aussagen.extend(text::trend(lead, Ebene::Stadt, "stadt", gruppe));
    let stadtteile: Vec<(String, String)> = g
        .stadtteile
        .iter()
        .map(|s| (s.nr.clone(), s.name.clone()))
        .collect();
    let (streuung, _) = text::streuung(lead, &stadtteile, &g.ebene1, gruppe);
    aussagen.extend(streuung.into_iter().take(1));
    for a in auswahl.iter().skip(1) {
        if aussagen.len() >= 3 {
            break;
        }
        aussagen.extend(text::aktuell(
            a,
            (Ebene::Stadt, "stadt", kommune),
            a.gruppen.first().map(String::as_str),
        ));
    }
    aussagen.truncate(3);
    let eigener_text = match &f.text {
        Some(p) => absaetze(
            &std::fs::read_to_string(p)
                .with_context(|| format!("Textdatei {} nicht lesbar", p.display()))?,
        ),
        None => Value::Array(Vec::new()),
    };
    let definitionen: Vec<Value> = auswahl
        .iter()
        .map(|a| json!({ "titel": a.ind.def.titel, "definition": a.ind.def.definition }))
        .collect();
    let ids: Vec<String> = auswahl.iter().map(|a| a.ind.id.clone()).collect();
    let schlagworte = vec!["Faktencheck".to_string(), f.titel.clone()];
    let daten = json!({
        "meta": meta(ctx, &f.titel, &format!("Faktencheck {kommune}"), &schlagworte),
        "periode": lead.aktuell.to_string(),
        "kennzahlen": kennzahlen,
        "abbildungen": abbildungen,
        "aussagen": aussagen,
        "text": eigener_text,
        "definitionen": definitionen,
        "quellen": quellen(ctx, &ids),
        "hinweise": ctx.ergebnis.hinweise.iter().take(2).collect::<Vec<_>>(),
    });
    Ok(Dokument {
        vorlage: "faktencheck.typ".into(),
        titel: format!("Faktencheck: {} – {kommune}", f.titel),
        daten,
        bilder: bilder.liste,
        gesperrt: 0,
    })
}

/// A headline figure: value in large type, change, title; "." if suppressed (the reason is not published).
pub(super) fn kachel(a: &Auswahl, ebene: Ebene, nr: &str) -> Value {
    let e = a.ind.def.einheit;
    let gruppe = a.gruppen.first().map(String::as_str);
    let zeile = a.zeile(a.aktuell, ebene, nr, gruppe);
    let titel = match gruppe {
        Some(g) => format!("{} – {}", a.ind.def.titel, crate::labels::label(g)),
        None => a.ind.def.titel.clone(),
    };
    let (wert, hinweis) = match zeile {
        Some(v) if v.gesperrt => (".".to_string(), "gesperrt (Geheimhaltung)".into()),
        Some(v) => match v.kennzahl.wert {
            Some(w) => (format::value(w, e), String::new()),
            None => (
                v.kennzahl.luecke.map_or("–", |l| l.symbol()).to_string(),
                "keine Angabe".into(),
            ),
        },
        None => ("–".into(), "keine Daten".into()),
    };
    let veraenderung = zeile
        .filter(|v| !v.gesperrt)
        .and_then(|v| v.kennzahl.veraenderung)
        .map(|d| {
            format!(
                "{} {} gegenüber {}",
                format::change(d, e),
                match e {
                    crate::catalogue::Einheit::Prozent => "Prozentpunkte",
                    crate::catalogue::Einheit::Index => "Indexpunkte",
                    _ => "",
                },
                a.vorher.map(|p| p.to_string()).unwrap_or_default()
            )
            .replace("  ", " ")
        })
        .unwrap_or_default();
    json!({
        "titel": titel,
        "wert": wert,
        "veraenderung": veraenderung,
        "hinweis": hinweis,
        "periode": a.aktuell.to_string(),
    })
}

/// The analyst's text as paragraphs and lists; `**x**` becomes bold. Never markup.
fn absaetze(s: &str) -> Value {
    let mut out = Vec::new();
    for block in s.replace("\r\n", "\n").split("\n\n") {
        let lines: Vec<&str> = block
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if lines.is_empty() {
            continue;
        }
        if lines
            .iter()
            .all(|l| l.starts_with("- ") || l.starts_with("* "))
        {
            out.push(json!({
                "art": "liste",
                "punkte": lines.iter().map(|l| teile(&l[2..])).collect::<Vec<_>>(),
            }));
        } else if let Some(h) = lines[0].strip_prefix("# ").filter(|_| lines.len() == 1) {
            out.push(json!({ "art": "ueberschrift", "teile": teile(h) }));
        } else {
            out.push(json!({ "art": "absatz", "teile": teile(&lines.join(" ")) }));
        }
    }
    Value::Array(out)
}

fn teile(s: &str) -> Value {
    let parts: Vec<Value> = s
        .split("**")
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(i, t)| json!({ "text": t, "fett": i % 2 == 1 }))
        .collect();
    Value::Array(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyst_text_blocks() {
        let v = absaetze(
            "# Warum\n\nDie Quote ist **gestiegen**.\nZweite Zeile.\n\n- eins\n- #read(\"x\")\n",
        );
        assert_eq!(v[0]["art"], "ueberschrift");
        assert_eq!(v[1]["teile"][1]["text"], "gestiegen");
        assert_eq!(v[1]["teile"][1]["fett"], true);
        assert_eq!(v[2]["art"], "liste");
        assert_eq!(v[2]["punkte"][1][0]["text"], "#read(\"x\")");
    }
}
