//! Glossary entries; a document lists those that its indicators need.

use crate::catalogue::{Einheit, Indicator, Thema};
use serde_json::{Value, json};

struct Eintrag {
    begriff: &'static str,
    erklaerung: &'static str,
    passt: fn(&Indicator) -> bool,
}

const EINTRAEGE: &[Eintrag] = &[
    Eintrag {
        begriff: "Betreuungsquote",
        erklaerung: "Anteil der Kinder einer Altersgruppe, die am Stichtag in einer Kindertageseinrichtung oder in Kindertagespflege betreut werden, an allen Kindern dieser Altersgruppe (Bevölkerung am 31.12. des Vorjahres).",
        passt: |i| {
            i.def.thema == Thema::Kita
                && i.def
                    .nenner
                    .as_ref()
                    .is_some_and(|n| n.tabelle == crate::schema::TableKind::Bevoelkerung)
        },
    },
    Eintrag {
        begriff: "Förderquote",
        erklaerung: "Anteil der Schülerinnen und Schüler mit sonderpädagogischem Förderbedarf an allen Schülerinnen und Schülern der Klassenstufen 1 bis 10, gleich an welcher Schule sie lernen.",
        passt: |i| i.def.thema == Thema::Inklusion,
    },
    Eintrag {
        begriff: "Förderschulbesuchsquote",
        erklaerung: "Anteil der Schülerinnen und Schüler an Förderschulen an allen Schülerinnen und Schülern der Klassenstufen 1 bis 10.",
        passt: |i| i.def.thema == Thema::Inklusion,
    },
    Eintrag {
        begriff: "Inklusionsanteil",
        erklaerung: "Anteil der Schülerinnen und Schüler mit Förderbedarf, die an allgemeinen Schulen (nicht an Förderschulen) lernen.",
        passt: |i| i.def.thema == Thema::Inklusion,
    },
    Eintrag {
        begriff: "Gebiet (Bezug)",
        erklaerung: "Kennzahlen nach Wohnort zählen Kinder dort, wo sie wohnen; nach Einrichtungs- oder Schulort dort, wo die Kita oder Schule liegt. Die beiden Sichtweisen können sich für einen Stadtteil deutlich unterscheiden.",
        passt: |_| true,
    },
    Eintrag {
        begriff: "Geheimhaltung",
        erklaerung: "Kleine Fallzahlen werden nicht veröffentlicht, damit keine einzelnen Kinder erkennbar sind; an ihrer Stelle steht ein Punkt. Weitere Werte werden gesperrt, wenn sich der gesperrte Wert sonst aus Summen zurückrechnen ließe.",
        passt: |_| true,
    },
    Eintrag {
        begriff: "Personalschlüssel",
        erklaerung: "Rechnerisches Verhältnis von ganztags betreuten Kindern (vereinbarte Betreuungsstunden / 40) zu Vollzeitstellen des pädagogischen Personals (Stunden / 39), angegeben als 1 : x.",
        passt: |i| i.def.einheit == Einheit::Verhaeltnis,
    },
    Eintrag {
        begriff: "Prozentpunkte",
        erklaerung: "Differenz zweier Prozentwerte: steigt eine Quote von 40 % auf 42 %, ist sie um 2 Prozentpunkte (und um 5 Prozent) gestiegen.",
        passt: |i| i.def.einheit == Einheit::Prozent,
    },
    Eintrag {
        begriff: "Quotensummenverfahren",
        erklaerung: "Die Zahl der Abgängerinnen und Abgänger eines Alters wird auf die Bevölkerung desselben Alters bezogen; die Summe dieser Anteile über alle Alter ergibt die Quote. So wirken sich unterschiedlich starke Jahrgänge nicht aus.",
        passt: |i| i.def.art == crate::catalogue::Art::Quotensumme,
    },
    Eintrag {
        begriff: "Schuleingangsuntersuchung",
        erklaerung: "Pflichtuntersuchung aller Kinder vor der Einschulung durch den Kinder- und Jugendgesundheitsdienst (Sprache, Motorik, Wahrnehmung, Gewicht).",
        passt: |i| i.def.thema == Thema::Schuleingang,
    },
    Eintrag {
        begriff: "Sozialraum",
        erklaerung: "Zusammenfassung benachbarter Stadtteile mit ähnlicher Struktur; Werte der Sozialräume und der Stadt werden aus den summierten Fallzahlen berechnet, nicht als Mittel der Stadtteilwerte.",
        passt: |_| true,
    },
    Eintrag {
        begriff: "Stichtag",
        erklaerung: "Tag, auf den sich eine Zahl bezieht: Bevölkerung am 31.12., Kindertagesbetreuung am 1.3., Schulstatistik zu Beginn des Schuljahres.",
        passt: |_| true,
    },
    Eintrag {
        begriff: "Übergangsquote",
        erklaerung: "Anteil der Kinder, die nach der Grundschule auf eine bestimmte Schulform wechseln, an allen Übergängen in die Klassenstufe 5.",
        passt: |i| i.def.thema == Thema::Uebergaenge,
    },
];

/// The glossary entries needed by these indicators, alphabetically (Sozialraum only where
/// the Gebietsgliederung has that level).
pub fn fuer<'a>(inds: impl Iterator<Item = &'a Indicator> + Clone, sozialraeume: bool) -> Value {
    let list: Vec<Value> = EINTRAEGE
        .iter()
        .filter(|e| sozialraeume || e.begriff != "Sozialraum")
        .filter(|e| inds.clone().any(|i| (e.passt)(i)))
        .map(|e| json!({ "begriff": e.begriff, "erklaerung": e.erklaerung }))
        .collect();
    Value::Array(list)
}
