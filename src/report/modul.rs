//! A report module: Kernaussagen, then per indicator definition, text, trend, Stadtteil
//! comparison, map and table; glossary, sources, method and imprint.

use super::auswahl::Auswahl;
use super::{
    Bilder, Dokument, Kontext, glossar, karte_abbildung, kopf, label, meta, plural_dativ, quellen,
    tabelle, text, trend_abbildung, zeichen, zelle_veraenderung, zelle_wert, zelle_zahl,
};
use crate::catalogue::{Art, Einheit};
use crate::charts::{self, Balken, StapelBalken};
use crate::indicators::Ebene;
use crate::labels;
use crate::project::Bericht;
use anyhow::Result;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Builds the data of one module.
pub fn modul(ctx: &Kontext, bericht: &Bericht) -> Result<Dokument> {
    let mut bilder = Bilder::default();
    let mut kernaussagen: Vec<(f64, String)> = Vec::new();
    let mut auffaellig: Vec<(f64, String)> = Vec::new();
    let mut kapitel: Vec<(crate::catalogue::Thema, Vec<Value>)> = Vec::new();
    let mut gesperrt = 0;
    let mut fehlend = Vec::new();
    for id in &bericht.indikatoren {
        let Some(a) = ctx.auswahl(id) else {
            fehlend.push(id.clone());
            continue;
        };
        let s = abschnitt(ctx, &a, &mut bilder)?;
        gesperrt += s.gesperrt;
        if let Some(k) = s.kernaussage {
            kernaussagen.push((aenderung(&a), k));
        }
        auffaellig.extend(s.auffaellig);
        let thema = a.ind.def.thema;
        match kapitel.iter_mut().find(|(t, _)| *t == thema) {
            Some((_, v)) => v.push(s.daten),
            None => kapitel.push((thema, vec![s.daten])),
        }
    }
    if kapitel.is_empty() {
        anyhow::bail!(
            "Modul „{}“: keine der Kennzahlen {} hat Daten in diesem Projekt",
            bericht.titel,
            bericht.indikatoren.join(", ")
        );
    }
    // the largest changes first (stable: module order among equals), then the strongest
    // differences between areas
    kernaussagen.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut kernaussagen: Vec<String> = kernaussagen.into_iter().map(|x| x.1).collect();
    auffaellig.sort_by(|a, b| b.0.total_cmp(&a.0));
    kernaussagen.extend(auffaellig.into_iter().take(3).map(|x| x.1));
    let inds: Vec<&crate::catalogue::Indicator> = bericht
        .indikatoren
        .iter()
        .filter_map(|id| ctx.project.katalog.get(id))
        .collect();
    let mut hinweise: Vec<String> = ctx.ergebnis.hinweise.clone();
    if !fehlend.is_empty() {
        hinweise.push(format!(
            "Ohne Daten in diesem Projekt und deshalb nicht enthalten: {}.",
            fehlend.join(", ")
        ));
    }
    let titel = bericht.titel.clone();
    let schlagworte: Vec<String> = std::iter::once("Bildungsmonitoring".to_string())
        .chain(inds.iter().map(|i| i.def.titel.clone()))
        .collect();
    let daten = json!({
        "meta": meta(ctx, &titel, "Bildungsbericht", &schlagworte),
        "kernaussagen": kernaussagen,
        "kapitel": kapitel.into_iter().map(|(t, v)| json!({ "titel": t.label(), "indikatoren": v })).collect::<Vec<_>>(),
        "glossar": glossar::fuer(inds.iter().copied(), !ctx.project.gebiete.sozialraeume.is_empty()),
        "quellen": quellen(ctx, &bericht.indikatoren),
        "hinweise": hinweise,
        "zeichen": zeichen(),
        "impressum": impressum(ctx),
    });
    Ok(Dokument {
        vorlage: bericht
            .vorlage
            .clone()
            .unwrap_or_else(|| "modul.typ".to_string()),
        titel: format!("{} – {}", titel, ctx.project.kommune),
        daten,
        bilder: bilder.liste,
        gesperrt,
    })
}

/// How large the city's change to the year before is, relative to the value a year before
/// (0 without a comparison); orders the Kernaussagen.
fn aenderung(a: &Auswahl) -> f64 {
    let gruppe = a.gruppen.first().map(String::as_str);
    let jetzt = a.wert(a.aktuell, Ebene::Stadt, "stadt", gruppe);
    let vorher = a
        .vorher
        .and_then(|p| a.wert(p, Ebene::Stadt, "stadt", gruppe));
    match (jetzt, vorher) {
        (Some(j), Some(v)) if v.abs() > 1e-9 => ((j - v) / v).abs(),
        _ => 0.0,
    }
}

pub(super) fn impressum(ctx: &Kontext) -> Vec<String> {
    let p = ctx.project;
    let mut v = vec![
        format!(
            "Herausgeber: {}",
            p.herausgeber.clone().unwrap_or_else(|| p.kommune.clone())
        ),
        format!("Datenstand: {}", super::datum_lang(p.stand)),
        if p.gebiete.sozialraeume.is_empty() {
            "Alle Zahlen nach Geheimhaltung; Werte der Stadt aus den summierten Fallzahlen.".into()
        } else {
            format!(
                "Alle Zahlen nach Geheimhaltung; Werte von {} und Stadt aus den summierten Fallzahlen.",
                super::plural_dativ(&p.gebiete.ebene2)
            )
        },
        format!(
            "Erstellt mit bildungsmonitor {} – reproduzierbar: dieselben Daten ergeben dieselbe Datei.",
            env!("CARGO_PKG_VERSION")
        ),
        "Vervielfältigung und Verbreitung mit Quellenangabe gestattet.".into(),
    ];
    if let Some(b) = &ctx.entwurf {
        v.push(format!("ENTWURF – nicht zur Veröffentlichung. {b}"));
    }
    v
}

/// One indicator's section, plus what it adds to the Kernaussagen.
pub(super) struct Abschnitt {
    pub daten: Value,
    pub kernaussage: Option<String>,
    pub auffaellig: Option<(f64, String)>,
    pub gesperrt: usize,
}

pub(super) fn abschnitt(ctx: &Kontext, a: &Auswahl, bilder: &mut Bilder) -> Result<Abschnitt> {
    if a.gruppen.is_empty() {
        einfach(ctx, a, bilder)
    } else {
        gruppiert(ctx, a, bilder)
    }
}

fn stadtteile(ctx: &Kontext) -> Vec<(String, String)> {
    ctx.project
        .gebiete
        .stadtteile
        .iter()
        .map(|s| (s.nr.clone(), s.name.clone()))
        .collect()
}

/// Areas of the table: Stadtteile, Sozialräume, city (rows of the last two in bold).
fn gebiete(ctx: &Kontext) -> Vec<(Ebene, String, String)> {
    let g = &ctx.project.gebiete;
    let mut v: Vec<(Ebene, String, String)> = g
        .stadtteile
        .iter()
        .map(|s| (Ebene::Stadtteil, s.nr.clone(), s.name.clone()))
        .collect();
    v.extend(g.sozialraeume.iter().map(|s| {
        (
            Ebene::Sozialraum,
            s.nr.clone(),
            format!("{} {}", g.ebene2, s.name),
        )
    }));
    v.push((Ebene::Stadt, "stadt".into(), ctx.project.kommune.clone()));
    v
}

fn fussnoten(
    ctx: &Kontext,
    a: &Auswahl,
    rows: &[Option<&crate::disclosure::Veroeffentlicht>],
) -> (Vec<String>, usize) {
    let e = a.ind.def.einheit;
    let mut out = Vec::new();
    let mut gesperrt = 0usize;
    let mut luecken: BTreeMap<&str, usize> = BTreeMap::new();
    let mut gerundet = false;
    for v in rows.iter().flatten() {
        if v.gesperrt {
            gesperrt += 1;
        } else if let Some(l) = v.kennzahl.luecke {
            *luecken.entry(l.symbol()).or_default() += 1;
        }
        gerundet |= v.gerundet;
    }
    if gesperrt > 0 {
        out.push(format!(
            "„.“ = gesperrt (Geheimhaltung): {} {}.",
            crate::format::integer(gesperrt as i64),
            if gesperrt == 1 { "Wert" } else { "Werte" }
        ));
    }
    for (sym, n) in &luecken {
        let what = match *sym {
            "–" => "keine Daten",
            "..." => "Angabe in der Quelle unvollständig",
            _ => "Basis 0, Anteil nicht sinnvoll",
        };
        out.push(format!("„{sym}“ = {what} ({n} Werte)."));
    }
    if let Some(p) = a.vorher {
        out.push(format!(
            "Veränderung gegenüber {}{}; „x“ = kein Vergleichswert.",
            p,
            match e {
                Einheit::Prozent => " in Prozentpunkten",
                Einheit::Index => " in Indexpunkten",
                _ => "",
            }
        ));
    }
    if gerundet {
        out.push(format!(
            "Fallzahlen auf Vielfache von {} gerundet; Summen aus ungerundeten Werten.",
            ctx.project.geheimhaltung.rundung_auf
        ));
    }
    for h in ctx
        .ergebnis
        .hinweise
        .iter()
        .filter(|h| h.contains("gerundet") && !gerundet && h.contains("Quelle"))
    {
        out.push(h.clone());
    }
    (out, gesperrt)
}

/// The bar chart of the Stadtteile with the city as reference line; none for a Schulort
/// indicator (a ranking of schools' locations says nothing about the areas).
fn balken(ctx: &Kontext, a: &Auswahl, bilder: &mut Bilder) -> Result<Option<serde_json::Value>> {
    let def = &a.ind.def;
    let e = def.einheit;
    let g = &ctx.project.gebiete;
    let kommune = &ctx.project.kommune;
    let ebene1_pl = plural_dativ(&g.ebene1);
    // Stadtteile sorted, city as reference
    let stadt = a.wert(a.aktuell, Ebene::Stadt, "stadt", None);
    let eintraege: Vec<(String, Option<f64>, bool)> = g
        .stadtteile
        .iter()
        // suppressed ones at the end with "."; areas without data have no bar
        .filter(|s| {
            a.zeile(a.aktuell, Ebene::Stadtteil, &s.nr, None)
                .is_some_and(|v| v.gesperrt || v.kennzahl.wert.is_some())
        })
        .map(|s| {
            (
                s.name.clone(),
                a.wert(a.aktuell, Ebene::Stadtteil, &s.nr, None),
                false,
            )
        })
        .collect();
    // a ranking of Stadtteile by the schools that stand there says nothing about them
    if !eintraege.is_empty() && !a.schulort {
        let chart = charts::bars(&Balken {
            titel: def.titel.clone(),
            periode: a.aktuell.to_string(),
            einheit: e,
            eintraege,
            referenz: stadt.map(|v| (kommune.clone(), v)),
            breite: 480,
        })?;
        return Ok(Some(bilder.add(
            chart,
            format!("{} nach {ebene1_pl}, {}", def.titel, a.aktuell),
            label(&a.ind.id, "balken"),
            100,
        )));
    }
    Ok(None)
}

/// The table of an indicator without groups: every area with value, change (and counts),
/// its footnotes, and how many cells are withheld.
fn einfache_tabelle(ctx: &Kontext, a: &Auswahl) -> (serde_json::Value, Vec<String>, usize) {
    let def = &a.ind.def;
    let e = def.einheit;
    let g = &ctx.project.gebiete;
    let ebene1_pl = plural_dativ(&g.ebene1);
    let mit_zaehler = e != Einheit::Anzahl && def.art != Art::Quotensumme;
    let mut kopf_zeile = vec![
        g.ebene1.clone(),
        "Wert".to_string(),
        "Veränderung".to_string(),
    ];
    if mit_zaehler {
        kopf_zeile.push("Zähler".into());
        kopf_zeile.push("Nenner".into());
    }
    let mut zeilen = Vec::new();
    let mut fett = Vec::new();
    let mut alle = Vec::new();
    for (ebene, nr, name) in gebiete(ctx) {
        let v = a.zeile(a.aktuell, ebene, &nr, None);
        if v.is_none() && ebene == Ebene::Stadtteil {
            continue;
        }
        if ebene != Ebene::Stadtteil {
            fett.push(zeilen.len());
        }
        let mut z = vec![name, zelle_wert(v, e), zelle_veraenderung(v, e)];
        if mit_zaehler {
            z.push(zelle_zahl(v, v.and_then(|v| v.kennzahl.zaehler)));
            z.push(zelle_zahl(v, v.and_then(|v| v.kennzahl.nenner)));
        }
        zeilen.push(z);
        alle.push(v);
    }
    let (fussnoten, gesperrt) = fussnoten(ctx, a, &alle);
    let nach = if a.schulort {
        format!("an den Schulen im {}, nach Schulstandort", g.ebene1)
    } else {
        format!("nach {ebene1_pl}")
    };
    let tabelle = tabelle(
        format!("{} {nach}, {}", def.titel, a.aktuell),
        label(&a.ind.id, "tabelle"),
        kopf_zeile,
        zeilen,
        fett,
    );
    (tabelle, fussnoten, gesperrt)
}

/// An indicator without breakdown: trend, bars, map, table.
fn einfach(ctx: &Kontext, a: &Auswahl, bilder: &mut Bilder) -> Result<Abschnitt> {
    let g = &ctx.project.gebiete;
    let kommune = &ctx.project.kommune;
    let mut abbildungen = Vec::new();
    abbildungen.extend(trend_abbildung(
        ctx,
        a,
        &[(kommune.clone(), None)],
        (480, 170),
        bilder,
    )?);
    abbildungen.extend(karte_abbildung(ctx, a, None, (480, 245), bilder)?);
    abbildungen.extend(balken(ctx, a, bilder)?);
    let (tabelle, fussnoten, gesperrt) = einfache_tabelle(ctx, a);
    // text
    let mut saetze = Vec::new();
    let kernaussage = text::aktuell(a, (Ebene::Stadt, "stadt", kommune), None);
    saetze.extend(kernaussage.clone());
    saetze.extend(text::trend(a, Ebene::Stadt, "stadt", None));
    let (streuung, auffaellig) = text::streuung(a, &stadtteile(ctx), &g.ebene1, None);
    saetze.extend(streuung);
    let mut daten = kopf(ctx, a);
    daten["text"] = json!(saetze);
    daten["abbildungen"] = json!(abbildungen);
    daten["tabelle"] = tabelle;
    daten["fussnoten"] = json!(fussnoten);
    Ok(Abschnitt {
        daten,
        kernaussage,
        auffaellig,
        gesperrt,
    })
}

/// Whether the groups are parts of one whole (shares add up to 100 %): UE01, AS09.
fn teile_eines_ganzen(a: &Auswahl) -> bool {
    let def = &a.ind.def;
    def.einheit == Einheit::Prozent
        && def.nenner.as_ref().is_some_and(|n| {
            n.tabelle == def.zaehler.tabelle && n.wert == def.zaehler.wert && n.filter.is_empty()
        })
        && def
            .aufschluesselung
            .as_ref()
            .is_some_and(|x| !x.nenner_aufgeschluesselt)
}

/// The table of a grouped indicator: an area per row, a group per column (the first seven),
/// its footnotes, and how many cells are withheld.
fn gruppen_tabelle(
    ctx: &Kontext,
    a: &Auswahl,
    gruppen: &[&String],
    namen: &[String],
) -> (serde_json::Value, Vec<String>, usize) {
    let def = &a.ind.def;
    let e = def.einheit;
    let g = &ctx.project.gebiete;
    let ebene1_pl = plural_dativ(&g.ebene1);
    let mut kopf_zeile = vec![g.ebene1.clone()];
    kopf_zeile.extend(namen.iter().cloned());
    let mut zeilen = Vec::new();
    let mut fett = Vec::new();
    let mut alle = Vec::new();
    for (ebene, nr, name) in gebiete(ctx) {
        let vs: Vec<_> = gruppen
            .iter()
            .map(|gr| a.zeile(a.aktuell, ebene, &nr, Some(gr)))
            .collect();
        if ebene == Ebene::Stadtteil && vs.iter().all(Option::is_none) {
            continue;
        }
        if ebene != Ebene::Stadtteil {
            fett.push(zeilen.len());
        }
        let mut z = vec![name];
        z.extend(vs.iter().map(|v| zelle_wert(*v, e)));
        zeilen.push(z);
        alle.extend(vs);
    }
    let (mut fussnoten, gesperrt) = fussnoten(ctx, a, &alle);
    fussnoten.retain(|f| !f.starts_with("Veränderung"));
    if a.gruppen.len() > gruppen.len() {
        fussnoten.push(format!(
            "Gezeigt sind die ersten {} von {} Gruppen.",
            gruppen.len(),
            a.gruppen.len()
        ));
    }
    let tabelle = tabelle(
        format!("{} nach {ebene1_pl} und Gruppen, {}", def.titel, a.aktuell),
        label(&a.ind.id, "tabelle"),
        kopf_zeile,
        zeilen,
        fett,
    );
    (tabelle, fussnoten, gesperrt)
}

/// An indicator with breakdown: trend per group, stacked shares, table areas × groups.
fn gruppiert(ctx: &Kontext, a: &Auswahl, bilder: &mut Bilder) -> Result<Abschnitt> {
    let def = &a.ind.def;
    let g = &ctx.project.gebiete;
    let kommune = &ctx.project.kommune;
    let gruppen: Vec<&String> = a.gruppen.iter().take(7).collect();
    let namen: Vec<String> = gruppen.iter().map(|x| labels::label(x)).collect();
    let mut abbildungen = Vec::new();
    let reihen: Vec<(String, Option<&str>)> = namen
        .iter()
        .zip(&gruppen)
        .map(|(n, gr)| (n.clone(), Some(gr.as_str())))
        .collect();
    abbildungen.extend(trend_abbildung(
        ctx,
        a,
        &reihen,
        (480, 170 + 16 * gruppen.len() as u32),
        bilder,
    )?);
    if teile_eines_ganzen(a) {
        let mut zeilen: Vec<(String, Vec<Option<f64>>)> = g
            .sozialraeume
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    gruppen
                        .iter()
                        .map(|gr| a.wert(a.aktuell, Ebene::Sozialraum, &s.nr, Some(gr)))
                        .collect(),
                )
            })
            .collect();
        zeilen.push((
            kommune.clone(),
            gruppen
                .iter()
                .map(|gr| a.wert(a.aktuell, Ebene::Stadt, "stadt", Some(gr)))
                .collect(),
        ));
        let chart = charts::stacked(&StapelBalken {
            titel: def.titel.clone(),
            periode: a.aktuell.to_string(),
            gruppen: namen.clone(),
            zeilen,
            breite: 480,
        })?;
        abbildungen.push(bilder.add(
            chart,
            format!(
                "{} nach {}, {}",
                def.titel,
                plural_dativ(&g.ebene2),
                a.aktuell
            ),
            label(&a.ind.id, "anteile"),
            100,
        ));
    }
    let (tabelle, fussnoten, gesperrt) = gruppen_tabelle(ctx, a, &gruppen, &namen);
    let mut saetze = Vec::new();
    let mut kernaussage = None;
    for (gr, n) in gruppen.iter().zip(&namen).take(4) {
        if let Some(s) = text::aktuell(a, (Ebene::Stadt, "stadt", kommune), Some(gr)) {
            let s = s.replacen(
                &format!("{}:", def.titel),
                &format!("{} – {n}:", def.titel),
                1,
            );
            if kernaussage.is_none() {
                kernaussage = Some(s.clone());
            }
            saetze.push(s);
        }
    }
    let mut daten = kopf(ctx, a);
    daten["text"] = json!(saetze);
    daten["abbildungen"] = json!(abbildungen);
    daten["tabelle"] = tabelle;
    daten["fussnoten"] = json!(fussnoten);
    Ok(Abschnitt {
        daten,
        kernaussage,
        auffaellig: None,
        gesperrt,
    })
}
