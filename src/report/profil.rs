//! Stadtteil- and Sozialraumprofile: a locator map, the key indicators of the area next to
//! its Sozialraum and the city, small trend charts and a short text. A sheet names only its
//! own area (plus its Sozialraum and the city) – never another Stadtteil.

use super::auswahl::Auswahl;
use super::faktencheck::kachel;
use super::{
    Bilder, Dokument, Kontext, label, meta, quellen, tabelle, zelle_veraenderung, zelle_wert,
};
use crate::catalogue::Einheit;
use crate::charts::{self, Karte, Klassierung, Linie};
use crate::format;
use crate::indicators::Ebene;
use anyhow::{Result, bail};
use serde_json::json;

/// The area of a profile.
#[derive(Debug, Clone)]
pub enum Profilgebiet {
    /// A Stadtteil by number.
    Stadtteil(String),
    /// A Sozialraum by id.
    Sozialraum(String),
}

/// Builds the data of one profile.
pub fn profil(ctx: &Kontext, gebiet: &Profilgebiet) -> Result<Dokument> {
    let p = ctx.project;
    let g = &p.gebiete;
    let kommune = &p.kommune;
    // (level, key, name) of the area, its parent (Sozialraum) if any, and the highlighted polygons
    let (ebene, nr, name, eltern, flaechen_nr) = match gebiet {
        Profilgebiet::Stadtteil(nr) => {
            let Some(s) = g.by_nr(nr) else {
                bail!("unbekannter {} „{nr}“", g.ebene1);
            };
            let sr = g.sozialraum(&s.sozialraum);
            (
                Ebene::Stadtteil,
                s.nr.clone(),
                s.name.clone(),
                sr.map(|x| (x.nr.clone(), x.name.clone())),
                vec![s.nr.clone()],
            )
        }
        Profilgebiet::Sozialraum(id) => {
            let Some(sr) = g.sozialraum(id) else {
                bail!("unbekannter {} „{id}“", g.ebene2);
            };
            (
                Ebene::Sozialraum,
                sr.nr.clone(),
                sr.name.clone(),
                None,
                g.stadtteile
                    .iter()
                    .filter(|s| s.sozialraum == sr.nr)
                    .map(|s| s.nr.clone())
                    .collect(),
            )
        }
    };
    let ebene_name = match ebene {
        Ebene::Stadtteil => g.ebene1.clone(),
        _ => g.ebene2.clone(),
    };
    let auswahl: Vec<Auswahl> = p.profil.iter().filter_map(|id| ctx.auswahl(id)).collect();
    if auswahl.is_empty() {
        bail!(
            "keine der Profilkennzahlen {} hat Daten",
            p.profil.join(", ")
        );
    }
    let mut bilder = Bilder::default();
    let mut abbildungen = Vec::new();
    if let Some(flaechen) = ctx.flaechen {
        let chart = charts::map(&Karte {
            titel: format!("Lage von {name} in {kommune}"),
            periode: String::new(),
            einheit: Einheit::Anzahl,
            flaechen,
            // only the own area is named in the alt text
            namen: flaechen_nr
                .iter()
                .map(|n| (n.clone(), name.clone()))
                .collect(),
            werte: Default::default(),
            hervorheben: flaechen_nr.clone(),
            klassen: Klassierung::Quantile,
            groesse: (220, 200),
        })?;
        abbildungen.push(bilder.add(
            chart,
            format!("Lage: {ebene_name} {name}"),
            "lage".into(),
            100,
        ));
    }
    // table: indicator | area | Sozialraum | city | change of the area
    let mut kopf = vec!["Kennzahl".to_string(), name.clone()];
    if let Some((_, sr_name)) = &eltern {
        kopf.push(format!("{} {sr_name}", g.ebene2));
    }
    kopf.push(kommune.clone());
    kopf.push("Veränderung".into());
    let mut zeilen = Vec::new();
    let mut gesperrt = 0;
    let mut saetze = Vec::new();
    let mut kacheln = Vec::new();
    for a in &auswahl {
        let e = a.ind.def.einheit;
        let gruppe = a.gruppen.first().map(String::as_str);
        let eigen = a.zeile(a.aktuell, ebene, &nr, gruppe);
        if eigen.is_some_and(|v| v.gesperrt) {
            gesperrt += 1;
        }
        let mut titel = match gruppe {
            Some(gr) => format!("{} – {}", a.ind.def.titel, crate::labels::label(gr)),
            None => a.ind.def.titel.clone(),
        };
        if a.schulort {
            titel.push_str(" – an den Schulen im Gebiet (Schulort)");
        }
        let mut z = vec![format!("{titel} ({})", a.aktuell), zelle_wert(eigen, e)];
        if let Some((sr_nr, _)) = &eltern {
            z.push(zelle_wert(
                a.zeile(a.aktuell, Ebene::Sozialraum, sr_nr, gruppe),
                e,
            ));
        }
        z.push(zelle_wert(
            a.zeile(a.aktuell, Ebene::Stadt, "stadt", gruppe),
            e,
        ));
        z.push(zelle_veraenderung(eigen, e));
        zeilen.push(z);
        // what is counted where the school stands says nothing about the children of the
        // area: neither "Auf einen Blick" nor a comparison with the city
        if a.schulort {
            continue;
        }
        if kacheln.len() < 4 {
            kacheln.push(kachel(a, ebene, &nr));
        }
        if let Some(s) = vergleich(a, ebene, &nr, &name, kommune, gruppe) {
            saetze.push(s);
        }
    }
    // small trend charts: area against city, for the first four indicators with a series
    let hat_reihe = |a: &&Auswahl| {
        let gruppe = a.gruppen.first().map(String::as_str);
        a.perioden.len() >= 2 && a.reihe(ebene, &nr, gruppe).iter().any(Option::is_some)
    };
    for a in auswahl.iter().filter(hat_reihe).take(4) {
        let gruppe = a.gruppen.first().map(String::as_str);
        let chart = charts::line(&Linie {
            titel: a.ind.def.titel.clone(),
            einheit: a.ind.def.einheit,
            labels: a.achse(),
            reihen: vec![
                (name.clone(), a.reihe(ebene, &nr, gruppe)),
                (kommune.clone(), a.reihe(Ebene::Stadt, "stadt", gruppe)),
            ],
            groesse: (300, 190),
        })?;
        abbildungen.push(bilder.add(
            chart,
            a.ind.def.titel.clone(),
            label(&a.ind.id, "trend"),
            100,
        ));
    }
    // the text: the largest deviations first, at most four sentences
    saetze.sort_by(|x, y| y.0.total_cmp(&x.0));
    let text: Vec<String> = saetze.into_iter().take(4).map(|s| s.1).collect();
    let mut fussnoten = Vec::new();
    if gesperrt > 0 {
        fussnoten.push(format!(
            "„.“ = gesperrt (Geheimhaltung): in {name} sind diese Fallzahlen zu klein, um sie zu veröffentlichen, ohne einzelne Kinder erkennbar zu machen, oder sie ließen sich aus anderen veröffentlichten Zahlen zurückrechnen."
        ));
    }
    fussnoten.push("Veränderung gegenüber dem Vorjahr; bei Anteilen in Prozentpunkten; „x“ = kein Vergleichswert.".into());
    let ids: Vec<String> = auswahl.iter().map(|a| a.ind.id.clone()).collect();
    let titel = format!("{ebene_name}profil {name}");
    let untertitel = match &eltern {
        Some((_, sr)) => format!("{} {sr} · {kommune}", g.ebene2),
        None => kommune.clone(),
    };
    let schlagworte = vec!["Stadtteilprofil".to_string(), name.clone()];
    let daten = json!({
        "meta": meta(ctx, &titel, &untertitel, &schlagworte),
        "gebiet": name,
        "kacheln": kacheln,
        "abbildungen": abbildungen,
        "text": text,
        "tabelle": tabelle(
            format!("Kennzahlen für {name} im Vergleich"),
            "tabelle".into(),
            kopf,
            zeilen,
            Vec::new(),
        ),
        "fussnoten": fussnoten,
        "quellen": quellen(ctx, &ids),
    });
    Ok(Dokument {
        vorlage: "profil.typ".into(),
        titel: format!("{titel} – {kommune}"),
        daten,
        bilder: bilder.liste,
        gesperrt,
    })
}

/// "Betreuungsquote unter 3 Jahren: in Altstadt 55,4 %, 0,3 Prozentpunkte über dem Wert von
/// Musterstadt (55,1 %)." with the size of the deviation relative to the city value.
fn vergleich(
    a: &Auswahl,
    ebene: Ebene,
    nr: &str,
    name: &str,
    kommune: &str,
    gruppe: Option<&str>,
) -> Option<(f64, String)> {
    let e = a.ind.def.einheit;
    let eigen = a.wert(a.aktuell, ebene, nr, gruppe)?;
    let stadt = a.wert(a.aktuell, Ebene::Stadt, "stadt", gruppe)?;
    let d = eigen - stadt;
    let rel = if stadt.abs() > 1e-9 {
        (d / stadt).abs()
    } else {
        d.abs()
    };
    let lage = if rel < 0.02 {
        format!(
            "etwa so hoch wie in {kommune} insgesamt ({})",
            format::value(stadt, e)
        )
    } else {
        let diff = match e {
            Einheit::Prozent => format!("{} Prozentpunkte", format::decimal(d.abs(), 1)),
            _ => format::value(d.abs(), e).replace("1 : ", ""),
        };
        format!(
            "{diff} {} dem Wert von {kommune} ({})",
            if d > 0.0 { "über" } else { "unter" },
            format::value(stadt, e)
        )
    };
    Some((
        rel,
        format!(
            "{}: in {name} {} ({}), {lage}.",
            a.ind.def.titel,
            format::value(eigen, e),
            a.aktuell
        ),
    ))
}
