//! The data contract: the canonical long tables every source is mapped onto.
//!
//! `docs/data-format.md` describes the same tables for analysts; a test keeps the two in
//! step. Every indicator of the catalogue is computed from these tables only, so a new
//! municipality adapts the tool by writing a source profile, never by changing code.

use crate::domain::{Bezug, PeriodKind};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The canonical tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    /// Population by single age (Melderegister / Fortschreibung).
    Bevoelkerung,
    /// Children in Kita, Tagespflege and Hort by age.
    KitaKinder,
    /// Kita facilities: places, staff and booked hours.
    KitaEinrichtungen,
    /// Pupils by school, Schulform and Klassenstufe.
    Schulen,
    /// School leavers by Abschlussart.
    Abgaenger,
    /// Transitions into Klassenstufe 5 by Schulform.
    Uebergaenge,
    /// Schuleingangsuntersuchung and Einschulung.
    Schuleingang,
    /// Findings of the Schuleingangsuntersuchung by Befund.
    EsuBefunde,
    /// Context figures (SGB II under 15, births).
    Kontext,
}

impl TableKind {
    /// All tables in documentation order.
    pub const ALL: [TableKind; 9] = [
        TableKind::Bevoelkerung,
        TableKind::KitaKinder,
        TableKind::KitaEinrichtungen,
        TableKind::Schulen,
        TableKind::Abgaenger,
        TableKind::Uebergaenge,
        TableKind::Schuleingang,
        TableKind::EsuBefunde,
        TableKind::Kontext,
    ];

    /// The identifier used in the configuration (`tabelle = "kita_kinder"`).
    pub fn id(self) -> &'static str {
        schema(self).id
    }

    /// Parses a configuration identifier.
    pub fn from_id(id: &str) -> Option<TableKind> {
        TableKind::ALL.into_iter().find(|t| t.id() == id)
    }
}

impl fmt::Display for TableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// The time key (see [`TableSchema::period_kinds`]).
    Period,
    /// The area key (Stadtteil number, name or AGS, per source profile).
    Area,
    /// A whole number in a range (e.g. age 0..=120, Klassenstufe 1..=13).
    Int { min: i64, max: i64 },
    /// One of a fixed list of canonical codes.
    Code(&'static [&'static str]),
    /// A free identifier (school number, facility number, Befund id).
    Id,
    /// Free text (a school's name).
    Text,
    /// A non-negative whole count; may be a symbol (`.`, `-`, `x` …).
    Count,
    /// A non-negative decimal (hours); may be a symbol.
    Amount,
}

/// How a column takes part in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Part of the row key (must be unique together).
    Key,
    /// Describes the key (school name, Schulform of a school).
    Attribute,
    /// A number.
    Measure,
}

/// One canonical column.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Canonical column name.
    pub name: &'static str,
    /// What it holds.
    pub ty: FieldType,
    /// Key, attribute or measure.
    pub role: Role,
    /// Whether a source that has the column must fill every cell (an empty cell is V107 or
    /// V108, not a gap). Only `zeit` and `gebiet` must be given by every source; without
    /// another field the indicators that need it are left out.
    pub required: bool,
    /// One line for the documentation.
    pub doc: &'static str,
}

/// One canonical table.
#[derive(Debug, Clone, Copy)]
pub struct TableSchema {
    /// Table kind.
    pub kind: TableKind,
    /// Configuration identifier.
    pub id: &'static str,
    /// German title.
    pub title: &'static str,
    /// Allowed period kinds; the first is the usual one.
    pub period_kinds: &'static [PeriodKind],
    /// Usual Bezug of the area key.
    pub default_bezug: Bezug,
    /// Columns.
    pub fields: &'static [Field],
    /// Pairs (part, total) of measures: the part may never exceed the total.
    pub parts: &'static [(&'static str, &'static str)],
}

impl TableSchema {
    /// A field by canonical name.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Names of all fields, for "erlaubt sind" hints.
    pub fn field_names(&self) -> Vec<&'static str> {
        self.fields.iter().map(|f| f.name).collect()
    }
}

/// Geschlecht codes; `insgesamt` marks a total row.
pub const GESCHLECHT: &[&str] = &["m", "w", "d", "insgesamt"];
/// Kinds of childcare.
pub const BETREUUNGSART: &[&str] = &["kita", "tagespflege", "hort"];
/// Canonical Schulformen across the Länder.
pub const SCHULFORM: &[&str] = &[
    "grundschule",
    "hauptschule",
    "realschule",
    "sekundarschule",
    "oberschule",
    "gemeinschaftsschule",
    "igs",
    "kgs",
    "gymnasium",
    "foerderschule",
    "waldorfschule",
    "sonstige",
    "insgesamt",
];
/// Abschlussarten (KMK 2020 names in the docs).
pub const ABSCHLUSSART: &[&str] = &["ohne_hsa", "hsa", "msa", "fhr", "ahr", "insgesamt"];
/// Staatsangehörigkeit and Familiensprache as a field: the `nichtdeutsch` rows make the part
/// measure (docs/data-format.md, Merkmale als Zeilen).
pub const DEUTSCH_NICHTDEUTSCH: &[&str] = &["deutsch", "nichtdeutsch", "insgesamt"];
/// Migrationshintergrund as a field.
pub const MIGRATION: &[&str] = &["mit", "ohne", "insgesamt"];
/// Träger of a facility or school.
pub const TRAEGER: &[&str] = &["oeffentlich", "frei"];

const fn key(name: &'static str, ty: FieldType, doc: &'static str) -> Field {
    Field {
        name,
        ty,
        role: Role::Key,
        required: true,
        doc,
    }
}
const fn opt_key(name: &'static str, ty: FieldType, doc: &'static str) -> Field {
    Field {
        name,
        ty,
        role: Role::Key,
        required: false,
        doc,
    }
}
const fn attr(name: &'static str, ty: FieldType, required: bool, doc: &'static str) -> Field {
    Field {
        name,
        ty,
        role: Role::Attribute,
        required,
        doc,
    }
}
const fn measure(name: &'static str, required: bool, doc: &'static str) -> Field {
    Field {
        name,
        ty: FieldType::Count,
        role: Role::Measure,
        required,
        doc,
    }
}
const fn amount(name: &'static str, required: bool, doc: &'static str) -> Field {
    Field {
        name,
        ty: FieldType::Amount,
        role: Role::Measure,
        required,
        doc,
    }
}

const ZEIT: Field = key(
    "zeit",
    FieldType::Period,
    "Zeitschlüssel (Stichtag, Schuljahr, Monat oder Jahr)",
);
const GEBIET: Field = key(
    "gebiet",
    FieldType::Area,
    "Gebietsschlüssel des Stadtteils (Nr., Name oder AGS)",
);
const GESCHLECHT_OPT: Field = opt_key(
    "geschlecht",
    FieldType::Code(GESCHLECHT),
    "Geschlecht: m, w, d oder insgesamt",
);

const STAATSANGEHOERIGKEIT_OPT: Field = opt_key(
    "staatsangehoerigkeit",
    FieldType::Code(DEUTSCH_NICHTDEUTSCH),
    "Staatsangehörigkeit als Merkmal: deutsch, nichtdeutsch oder insgesamt (ergibt „nichtdeutsch“)",
);
const MIGRATION_OPT: Field = opt_key(
    "migration",
    FieldType::Code(MIGRATION),
    "Migrationshintergrund als Merkmal: mit, ohne oder insgesamt (ergibt „migrationshintergrund“)",
);
const FAMILIENSPRACHE_OPT: Field = opt_key(
    "familiensprache",
    FieldType::Code(DEUTSCH_NICHTDEUTSCH),
    "vorrangige Familiensprache als Merkmal: deutsch, nichtdeutsch oder insgesamt (ergibt „familiensprache_nichtdeutsch“)",
);

/// Coded fields whose rows split a count into a part and the rest: (table, field, code of
/// the part, part measure, total measure). A delivery by Staatsangehörigkeit gives
/// `nichtdeutsch` from its `nichtdeutsch` rows, as if it were a second value column.
pub const SPLITS: &[(TableKind, &str, &str, &str, &str)] = &[
    (
        TableKind::Bevoelkerung,
        "staatsangehoerigkeit",
        "nichtdeutsch",
        "nichtdeutsch",
        "einwohner",
    ),
    (
        TableKind::Bevoelkerung,
        "migration",
        "mit",
        "migrationshintergrund",
        "einwohner",
    ),
    (
        TableKind::KitaKinder,
        "familiensprache",
        "nichtdeutsch",
        "familiensprache_nichtdeutsch",
        "kinder",
    ),
    (
        TableKind::KitaKinder,
        "migration",
        "mit",
        "migrationshintergrund",
        "kinder",
    ),
    (
        TableKind::Schulen,
        "staatsangehoerigkeit",
        "nichtdeutsch",
        "nichtdeutsch",
        "schueler",
    ),
    (
        TableKind::Schulen,
        "geschlecht",
        "w",
        "weiblich",
        "schueler",
    ),
];

static SCHEMAS: [TableSchema; 9] = [
    TableSchema {
        kind: TableKind::Bevoelkerung,
        id: "bevoelkerung",
        title: "Bevölkerung nach Einzelalter",
        period_kinds: &[PeriodKind::Stichtag],
        default_bezug: Bezug::Wohnort,
        fields: &[
            ZEIT,
            GEBIET,
            key(
                "alter",
                FieldType::Int { min: 0, max: 120 },
                "Alter in vollendeten Jahren oder Altersgruppe wie „3 bis unter 6“ oder „90 und älter“",
            ),
            opt_key(
                "alter_bis",
                FieldType::Int { min: 0, max: 120 },
                "oberstes Alter einer Altersgruppe (leer: Einzelalter); aus Angaben wie „3 bis unter 6“ gelesen",
            ),
            GESCHLECHT_OPT,
            STAATSANGEHOERIGKEIT_OPT,
            MIGRATION_OPT,
            measure("einwohner", true, "Einwohner mit Hauptwohnsitz"),
            measure(
                "nichtdeutsch",
                false,
                "darunter ohne deutsche Staatsangehörigkeit",
            ),
            measure(
                "migrationshintergrund",
                false,
                "darunter mit Migrationshintergrund (MigraPro)",
            ),
        ],
        parts: &[
            ("nichtdeutsch", "einwohner"),
            ("migrationshintergrund", "einwohner"),
        ],
    },
    TableSchema {
        kind: TableKind::KitaKinder,
        id: "kita_kinder",
        title: "Kinder in Kindertagesbetreuung",
        period_kinds: &[PeriodKind::Stichtag, PeriodKind::Monat],
        default_bezug: Bezug::Wohnort,
        fields: &[
            ZEIT,
            GEBIET,
            key(
                "alter",
                FieldType::Int { min: 0, max: 14 },
                "Alter in vollendeten Jahren",
            ),
            opt_key(
                "alter_bis",
                FieldType::Int { min: 0, max: 14 },
                "oberstes Alter einer Altersgruppe (leer: Einzelalter); aus Angaben wie „3 bis unter 6“ gelesen",
            ),
            key(
                "betreuungsart",
                FieldType::Code(BETREUUNGSART),
                "kita, tagespflege oder hort",
            ),
            GESCHLECHT_OPT,
            FAMILIENSPRACHE_OPT,
            MIGRATION_OPT,
            measure("kinder", true, "betreute Kinder (jedes Kind einmal)"),
            measure(
                "ganztags",
                false,
                "darunter mit vereinbarter Betreuungszeit über 7 Stunden täglich (über 35 Wochenstunden)",
            ),
            measure(
                "familiensprache_nichtdeutsch",
                false,
                "darunter mit vorrangig nichtdeutscher Familiensprache",
            ),
            measure(
                "migrationshintergrund",
                false,
                "darunter mit ausländischer Herkunft mindestens eines Elternteils",
            ),
        ],
        parts: &[
            ("ganztags", "kinder"),
            ("familiensprache_nichtdeutsch", "kinder"),
            ("migrationshintergrund", "kinder"),
        ],
    },
    TableSchema {
        kind: TableKind::KitaEinrichtungen,
        id: "kita_einrichtungen",
        title: "Kindertageseinrichtungen",
        period_kinds: &[PeriodKind::Stichtag, PeriodKind::Monat],
        default_bezug: Bezug::Einrichtungsort,
        fields: &[
            ZEIT,
            key("einrichtung", FieldType::Id, "Nummer der Einrichtung"),
            attr("name", FieldType::Text, false, "Name der Einrichtung"),
            GEBIET,
            attr(
                "traeger",
                FieldType::Code(TRAEGER),
                false,
                "Träger: oeffentlich oder frei",
            ),
            measure("plaetze", true, "genehmigte Plätze laut Betriebserlaubnis"),
            measure("kinder", true, "betreute Kinder"),
            measure(
                "personal",
                false,
                "pädagogisch tätige Personen (ohne Leitung)",
            ),
            measure(
                "fachkraefte",
                false,
                "darunter mit einschlägigem Berufsabschluss",
            ),
            amount(
                "personalstunden",
                false,
                "vertragliche Wochenstunden des pädagogischen Personals (ohne Leitung)",
            ),
            amount(
                "betreuungsstunden",
                false,
                "vertraglich vereinbarte Betreuungsstunden der Kinder je Woche",
            ),
        ],
        parts: &[("fachkraefte", "personal")],
    },
    TableSchema {
        kind: TableKind::Schulen,
        id: "schulen",
        title: "Schülerinnen und Schüler an allgemeinbildenden Schulen",
        period_kinds: &[PeriodKind::Schuljahr],
        default_bezug: Bezug::Schulort,
        fields: &[
            ZEIT,
            key("schule", FieldType::Id, "Schulnummer"),
            attr("schulname", FieldType::Text, false, "Name der Schule"),
            attr(
                "schulform",
                FieldType::Code(SCHULFORM),
                true,
                "Schulform (kanonischer Code)",
            ),
            GEBIET,
            attr(
                "traeger",
                FieldType::Code(TRAEGER),
                false,
                "Träger: oeffentlich oder frei",
            ),
            key(
                "klassenstufe",
                FieldType::Int { min: 1, max: 13 },
                "Klassenstufe bzw. Schuljahrgang",
            ),
            GESCHLECHT_OPT,
            STAATSANGEHOERIGKEIT_OPT,
            measure("schueler", true, "Schülerinnen und Schüler"),
            measure("weiblich", false, "darunter weiblich"),
            measure(
                "nichtdeutsch",
                false,
                "darunter ohne deutsche Staatsangehörigkeit",
            ),
            measure(
                "foerderbedarf",
                false,
                "darunter mit sonderpädagogischem Förderbedarf (an Förderschulen: alle Förderschüler; an allgemeinen Schulen: inklusiv Unterrichtete)",
            ),
            measure(
                "wiederholer",
                false,
                "darunter Wiederholer (nicht versetzt oder freiwillig)",
            ),
            measure("ganztag", false, "darunter im Ganztagsbetrieb"),
        ],
        parts: &[
            ("weiblich", "schueler"),
            ("nichtdeutsch", "schueler"),
            ("foerderbedarf", "schueler"),
            ("wiederholer", "schueler"),
            ("ganztag", "schueler"),
        ],
    },
    TableSchema {
        kind: TableKind::Abgaenger,
        id: "abgaenger",
        title: "Absolventen und Abgänger nach Abschlussart",
        period_kinds: &[PeriodKind::Schuljahr],
        default_bezug: Bezug::Schulort,
        fields: &[
            ZEIT,
            GEBIET,
            opt_key(
                "schulform",
                FieldType::Code(SCHULFORM),
                "Schulform der abgebenden Schule",
            ),
            key(
                "abschlussart",
                FieldType::Code(ABSCHLUSSART),
                "ohne_hsa, hsa, msa, fhr, ahr oder insgesamt",
            ),
            GESCHLECHT_OPT,
            opt_key(
                "alter",
                FieldType::Int { min: 10, max: 30 },
                "Alter (für die Quote auf Bevölkerungsbasis)",
            ),
            opt_key(
                "alter_bis",
                FieldType::Int { min: 10, max: 30 },
                "oberstes Alter einer Altersgruppe (leer: Einzelalter); aus Angaben wie „3 bis unter 6“ gelesen",
            ),
            measure(
                "anzahl",
                true,
                "Absolventen und Abgänger am Ende des Schuljahres",
            ),
        ],
        parts: &[],
    },
    TableSchema {
        kind: TableKind::Uebergaenge,
        id: "uebergaenge",
        title: "Übergänge in Klassenstufe 5",
        period_kinds: &[PeriodKind::Schuljahr],
        default_bezug: Bezug::Wohnort,
        fields: &[
            ZEIT,
            GEBIET,
            key(
                "schulform",
                FieldType::Code(SCHULFORM),
                "aufnehmende Schulform",
            ),
            GESCHLECHT_OPT,
            measure(
                "anzahl",
                true,
                "Übergänge aus Klassenstufe 4 in Klassenstufe 5",
            ),
        ],
        parts: &[],
    },
    TableSchema {
        kind: TableKind::Schuleingang,
        id: "schuleingang",
        title: "Schuleingangsuntersuchung und Einschulung",
        period_kinds: &[PeriodKind::Schuljahr],
        default_bezug: Bezug::Wohnort,
        fields: &[
            ZEIT,
            GEBIET,
            GESCHLECHT_OPT,
            measure("schulpflichtig", true, "erstmals schulpflichtige Kinder"),
            measure("untersucht", true, "untersuchte Kinder"),
            measure(
                "zurueckgestellt",
                false,
                "vom Schulbesuch zurückgestellte Kinder",
            ),
            measure("vorzeitig", false, "vorzeitig eingeschulte Kinder"),
            measure(
                "eingeschult",
                false,
                "eingeschulte Kinder insgesamt (fristgerecht, vorzeitig, nach Rückstellung)",
            ),
            measure(
                "kita_2jahre",
                false,
                "untersuchte Kinder mit mindestens 2 Jahren Kita-Besuch",
            ),
        ],
        parts: &[
            ("zurueckgestellt", "schulpflichtig"),
            ("vorzeitig", "eingeschult"),
            ("kita_2jahre", "untersucht"),
        ],
    },
    TableSchema {
        kind: TableKind::EsuBefunde,
        id: "esu_befunde",
        title: "Befunde der Schuleingangsuntersuchung",
        period_kinds: &[PeriodKind::Schuljahr],
        default_bezug: Bezug::Wohnort,
        fields: &[
            ZEIT,
            GEBIET,
            key(
                "befund",
                FieldType::Id,
                "Befund-Kennung, z. B. sprache, visuomotorik, uebergewicht",
            ),
            GESCHLECHT_OPT,
            measure("untersucht", true, "untersuchte Kinder"),
            measure("auffaellig", true, "darunter mit Befund"),
        ],
        parts: &[("auffaellig", "untersucht")],
    },
    TableSchema {
        kind: TableKind::Kontext,
        id: "kontext",
        title: "Kontextdaten",
        period_kinds: &[
            PeriodKind::Stichtag,
            PeriodKind::Monat,
            PeriodKind::Kalenderjahr,
        ],
        default_bezug: Bezug::Wohnort,
        fields: &[
            ZEIT,
            GEBIET,
            measure(
                "sgb2_unter15",
                false,
                "nicht erwerbsfähige Leistungsberechtigte nach SGB II unter 15 Jahren",
            ),
            measure(
                "geburten",
                false,
                "Lebendgeborene im Kalenderjahr (Wohnort der Mutter)",
            ),
        ],
        parts: &[],
    },
];

/// A header in a comparable form: lower case, umlauts spelled out, only letters and digits.
pub fn normalise_text(h: &str) -> String {
    let mut s = String::new();
    for c in h.to_lowercase().chars() {
        match c {
            'ä' => s.push_str("ae"),
            'ö' => s.push_str("oe"),
            'ü' => s.push_str("ue"),
            'ß' => s.push_str("ss"),
            c if c.is_alphanumeric() => s.push(c),
            _ => s.push(' '),
        }
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Usual spellings of coded values in deliveries → canonical code, compared by the start of
/// the normalised text (the V106 hint and `init --from` use them).
pub const USUAL_SPELLINGS: &[(&str, &[(&str, &str)])] = &[
    (
        "geschlecht",
        &[
            ("maennlich", "m"),
            ("mannlich", "m"),
            ("m", "m"),
            ("weiblich", "w"),
            ("w", "w"),
            ("divers", "d"),
            ("d", "d"),
            ("insgesamt", "insgesamt"),
            ("zusammen", "insgesamt"),
            ("gesamt", "insgesamt"),
        ],
    ),
    (
        "betreuungsart",
        &[
            ("kindertageseinrichtung", "kita"),
            ("kindertagesstaette", "kita"),
            ("kita", "kita"),
            ("krippe", "kita"),
            ("kindergarten", "kita"),
            ("tagespflege", "tagespflege"),
            ("kindertagespflege", "tagespflege"),
            ("hort", "hort"),
        ],
    ),
    (
        "schulform",
        &[
            ("grundschule", "grundschule"),
            ("hauptschule", "hauptschule"),
            ("realschule", "realschule"),
            ("sekundarschule", "sekundarschule"),
            ("oberschule", "oberschule"),
            ("gemeinschaftsschule", "gemeinschaftsschule"),
            ("integrierte gesamtschule", "igs"),
            ("igs", "igs"),
            ("gesamtschule", "igs"),
            ("kooperative gesamtschule", "kgs"),
            ("kgs", "kgs"),
            ("gymnasium", "gymnasium"),
            ("gymnasien", "gymnasium"),
            ("foerderschule", "foerderschule"),
            ("foerderzentrum", "foerderschule"),
            ("sonderschule", "foerderschule"),
            ("waldorf", "waldorfschule"),
            ("freie waldorfschule", "waldorfschule"),
            ("sonstige", "sonstige"),
            ("insgesamt", "insgesamt"),
            ("zusammen", "insgesamt"),
            ("alle schulformen", "insgesamt"),
        ],
    ),
    (
        "abschlussart",
        &[
            ("ohne hauptschulabschluss", "ohne_hsa"),
            ("ohne ersten schulabschluss", "ohne_hsa"),
            ("ohne abschluss", "ohne_hsa"),
            ("ohne schulabschluss", "ohne_hsa"),
            ("mit hauptschulabschluss", "hsa"),
            ("hauptschulabschluss", "hsa"),
            ("erster schulabschluss", "hsa"),
            ("mit erstem schulabschluss", "hsa"),
            ("mit mittlerem abschluss", "msa"),
            ("mittlerer schulabschluss", "msa"),
            ("mittlerer abschluss", "msa"),
            ("realschulabschluss", "msa"),
            ("mit fachhochschulreife", "fhr"),
            ("fachhochschulreife", "fhr"),
            ("mit allgemeiner hochschulreife", "ahr"),
            ("allgemeine hochschulreife", "ahr"),
            ("abitur", "ahr"),
            ("insgesamt", "insgesamt"),
            ("zusammen", "insgesamt"),
        ],
    ),
    (
        "staatsangehoerigkeit",
        &[
            ("deutsch", "deutsch"),
            ("deutsche", "deutsch"),
            ("nichtdeutsch", "nichtdeutsch"),
            ("auslaender", "nichtdeutsch"),
            ("auslaenderinnen", "nichtdeutsch"),
            ("nicht deutsch", "nichtdeutsch"),
            ("insgesamt", "insgesamt"),
            ("zusammen", "insgesamt"),
        ],
    ),
    (
        "traeger",
        &[
            ("oeffentlich", "oeffentlich"),
            ("oeffentlicher traeger", "oeffentlich"),
            ("kommunal", "oeffentlich"),
            ("frei", "frei"),
            ("freier traeger", "frei"),
            ("privat", "frei"),
        ],
    ),
];

/// The canonical code of a delivered text for a coded field, if it is a known spelling.
pub fn code_for(field: &str, text: &str) -> Option<&'static str> {
    let n = normalise_text(text);
    let (_, list) = USUAL_SPELLINGS.iter().find(|(f, _)| *f == field)?;
    list.iter()
        .find(|(k, _)| n == *k)
        .or_else(|| list.iter().find(|(k, _)| k.len() > 3 && n.starts_with(k)))
        .map(|(_, c)| *c)
}

/// The schema of a table.
pub fn schema(kind: TableKind) -> &'static TableSchema {
    SCHEMAS
        .iter()
        .find(|s| s.kind == kind)
        .expect("every TableKind has a schema")
}

/// All schemas, in documentation order.
pub fn all() -> &'static [TableSchema] {
    &SCHEMAS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_schema_with_time_and_area() {
        for kind in TableKind::ALL {
            let s = schema(kind);
            assert_eq!(s.kind, kind);
            assert_eq!(TableKind::from_id(s.id), Some(kind));
            assert!(
                s.field("zeit").is_some() && s.field("gebiet").is_some(),
                "{}",
                s.id
            );
            for (part, total) in s.parts {
                assert!(
                    s.field(part).is_some() && s.field(total).is_some(),
                    "{}: {part}/{total}",
                    s.id
                );
            }
        }
    }
}
