//! The commented project file for the sample data, used for the repository's own
//! `bildungsmonitor.toml` and by `init`. A test checks that both stay identical.

/// The project file for sample data in `data_dir` (relative to the project file).
pub fn project_config(data_dir: &str, kommune: &str) -> String {
    TEMPLATE.replace("{D}", data_dir).replace(
        "{KOMMUNE}",
        &kommune.replace('\\', "\\\\").replace('"', "\\\""),
    )
}

const TEMPLATE: &str = r#"# bildungsmonitor.toml – Projektdatei des kommunalen Bildungsmonitorings.
# Jeder Schlüssel ist in docs/config.md erklärt. Pfade sind relativ zu dieser Datei.
# Prüfen mit:  bildungsmonitor validate

[projekt]
kommune = "{KOMMUNE}"
# Datenstand: erscheint in Berichten und ist das Datum der PDF-Dateien (TOML-Datum ohne Anführungszeichen).
stand = 2026-11-01
herausgeber = "{KOMMUNE}, Bildungsbüro (synthetische Beispieldaten)"

[gebiete]
# Stadtteile mit Nummer, Name und Sozialraum (Spalten: nr;name;sozialraum;sozialraum_name;ags;gueltig_ab;gueltig_bis).
datei = "{D}/gebiete.csv"
geojson = "{D}/stadtteile.geojson"
geojson_schluessel = "nr"
ebene1 = "Stadtteil"
ebene2 = "Sozialraum"

[geheimhaltung]
# "sperrung": Fallzahlen unter der Mindestfallzahl und Anteile mit kleiner Basis werden durch "." ersetzt
# (mit Sekundärsperrung); "rundung": alle Fallzahlen auf ein Vielfaches von rundung_auf.
verfahren = "sperrung"
mindestfallzahl = 3
mindestbasis = 10
rundung_auf = 3

# ---------------------------------------------------------------------------------------------
# Quellprofile: je Lieferung ein Abschnitt. Er sagt, wie die Datei gelesen wird und welche ihrer
# Spalten welches Feld des Datenformats (docs/data-format.md) füllt.
# ---------------------------------------------------------------------------------------------

# Melderegister mit deutschen Spaltenköpfen: "spalten" ordnet sie den Feldern zu, "werte" übersetzt
# Ausprägungen.
[quellen.bevoelkerung]
tabelle = "bevoelkerung"
datei = "{D}/bevoelkerung.csv"
quelle = "Melderegister, Bevölkerung mit Hauptwohnsitz am 31.12."
zeit = { art = "stichtag" }
gebiet = { schluessel = "nr", bezug = "wohnort" }

[quellen.bevoelkerung.spalten]
zeit = "Stichtag"
gebiet = "Stadtteil-Nr."
alter = "Altersjahr"
geschlecht = "Geschlecht"
einwohner = "Einwohner mit Hauptwohnsitz"
nichtdeutsch = "darunter nichtdeutsch"

[quellen.bevoelkerung.werte]
alter = { "90 und älter" = "90" }
geschlecht = { "männlich" = "m", "weiblich" = "w" }

# Kita-Kinder nach Wohnort am Stichtag 1.3., kommagetrennt mit kanonischen Spaltennamen.
[quellen.kita]
tabelle = "kita_kinder"
datei = "{D}/kita_kinder.csv"
trennzeichen = ","
quelle = "Jugendamt, Kita-Platzvergabe; Kinder nach Wohnort am 1.3."
zeit = { art = "stichtag" }
gebiet = { schluessel = "nr", bezug = "wohnort" }

# Dieselbe Tabelle monatlich für die letzten 24 Monate.
[quellen.kita_monat]
tabelle = "kita_kinder"
datei = "{D}/kita_monat.csv"
quelle = "Jugendamt, Kita-Platzvergabe; Monatsauswertung nach Wohnort"
zeit = { art = "monat" }
gebiet = { schluessel = "nr", bezug = "wohnort" }

# Einrichtungsdaten aus der Kita-Software: Windows-1252, Semikolon, Dezimalkomma.
[quellen.kita_einrichtungen]
tabelle = "kita_einrichtungen"
datei = "{D}/kita_einrichtungen.csv"
kodierung = "windows-1252"
trennzeichen = ";"
dezimalzeichen = ","
quelle = "Jugendamt, Einrichtungsdaten der Kindertageseinrichtungen am 1.3."
zeit = { art = "stichtag" }
gebiet = { schluessel = "nr", bezug = "einrichtungsort" }

[quellen.kita_einrichtungen.spalten]
zeit = "Stichtag"
einrichtung = "Einrichtungs-Nr."
name = "Name der Einrichtung"
gebiet = "Stadtteil"
traeger = "Träger"
plaetze = "genehmigte Plätze"
kinder = "betreute Kinder"
personal = "päd. Personal"
fachkraefte = "davon Fachkräfte"
personalstunden = "Wochenstunden päd. Personal"
betreuungsstunden = "gebuchte Betreuungsstunden"

[quellen.kita_einrichtungen.werte]
traeger = { "öffentlicher Träger" = "oeffentlich", "freier Träger" = "frei" }

# Schulstatistik je Schule und Klassenstufe (UTF-8 mit BOM), nach Schulort.
[quellen.schulen]
tabelle = "schulen"
datei = "{D}/schulen.csv"
quelle = "Schulverwaltungsamt, Schulstatistik (Schuljahresbeginn)"
zeit = { art = "schuljahr" }
gebiet = { schluessel = "nr", bezug = "schulort" }

# Abgänger als Excel-Blatt mit Titelzeile: die Kopfzeile steht in A3.
[quellen.abgaenger]
tabelle = "abgaenger"
datei = "{D}/abgaenger.xlsx"
format = "xlsx"
blatt = "Abgänger"
start = "A3"
quelle = "Schulverwaltungsamt, Absolventen und Abgänger am Ende des Schuljahres"
zeit = { art = "schuljahr" }
gebiet = { schluessel = "nr", bezug = "schulort" }

[quellen.abgaenger.spalten]
zeit = "Schuljahr"
gebiet = "Stadtteil-Nr."
schulform = "Schulform"
abschlussart = "Abschluss"
anzahl = "Anzahl"

[quellen.abgaenger.werte.schulform]
"Sekundarschule" = "sekundarschule"
"Gemeinschaftsschule" = "gemeinschaftsschule"
"Gesamtschule (IGS)" = "igs"
"Gymnasium" = "gymnasium"
"Förderschule" = "foerderschule"
"Freie Waldorfschule" = "waldorfschule"

[quellen.abgaenger.werte.abschlussart]
"ohne Hauptschulabschluss" = "ohne_hsa"
"Hauptschulabschluss" = "hsa"
"Realschulabschluss" = "msa"
"Fachhochschulreife" = "fhr"
"allgemeine Hochschulreife" = "ahr"

[quellen.uebergaenge]
tabelle = "uebergaenge"
datei = "{D}/uebergaenge.csv"
quelle = "Schulverwaltungsamt, Übergänge in Schuljahrgang 5 nach Wohnort"
zeit = { art = "schuljahr" }
gebiet = { schluessel = "nr", bezug = "wohnort" }

[quellen.schuleingang]
tabelle = "schuleingang"
datei = "{D}/schuleingang.csv"
quelle = "Gesundheitsamt, Schuleingangsuntersuchung"
zeit = { art = "schuljahr" }
gebiet = { schluessel = "nr", bezug = "wohnort" }

[quellen.esu_befunde]
tabelle = "esu_befunde"
datei = "{D}/esu_befunde.csv"
quelle = "Gesundheitsamt, Schuleingangsuntersuchung"
zeit = { art = "schuljahr" }
gebiet = { schluessel = "nr", bezug = "wohnort" }

# SGB-II-Daten der BA (kleinräumig): Werte 1 und 2 sind dort schon durch "." ersetzt; die Zeile
# "Gesamtstadt" (gebiete.gesamtstadt) gibt die exakte Stadtsumme.
[quellen.kontext]
tabelle = "kontext"
datei = "{D}/kontext.csv"
quelle = "Statistik der Bundesagentur für Arbeit (AkG); Melderegister"
zeit = { art = "stichtag" }
gebiet = { schluessel = "nr", bezug = "wohnort" }

# ---------------------------------------------------------------------------------------------
# Berichtsmodule: Titel und Kennzahlen (Kennungen aus docs/indicators.md) in Reihenfolge.
# ---------------------------------------------------------------------------------------------

[berichte.fruehkindliche_bildung]
titel = "Frühkindliche Bildung"
indikatoren = ["FK01", "FK02", "FK03", "FK04", "FK07", "FK09", "FK11", "FK12"]

[berichte.allgemeinbildende_schulen]
titel = "Allgemeinbildende Schulen"
indikatoren = ["AS01", "AS02", "AS03", "AS04", "AS05", "AS06", "AS07", "AS10", "AS12", "AS13"]

[berichte.uebergaenge]
titel = "Übergänge"
indikatoren = ["FK12", "FK13", "UE01", "AS10", "AS13"]

# ---------------------------------------------------------------------------------------------
# Faktenchecks: ein bis zwei Seiten zu einem Thema (bildungsmonitor faktencheck --topic ID).
# Die erste Kennzahl erscheint als Zeitreihe und Karte; "text" ist ein eigener Text (optional).
# ---------------------------------------------------------------------------------------------

[faktenchecks.kita]
titel = "Kita-Betreuung"
indikatoren = ["FK01", "FK02", "FK04", "FK09"]
text = "{D}/faktencheck_kita.md"

[faktenchecks.uebergang]
titel = "Übergang auf weiterführende Schulen"
indikatoren = ["UE01G", "UE01", "FK12"]

[faktenchecks.abschluesse]
titel = "Schulabschlüsse"
indikatoren = ["AS10", "AS13", "AS09"]

[faktenchecks.inklusion]
titel = "Förderbedarf und Inklusion"
indikatoren = ["AS03", "AS04", "AS05", "AS06"]

# Kennzahlen der Stadtteil- und Sozialraumprofile (bildungsmonitor faktencheck --all-stadtteile).
[profil]
indikatoren = ["KX03", "FK01", "FK02", "FK12", "FK11", "AS03", "UE01G", "AS10"]
"#;
