//! German labels and reading order for breakdown codes (Schulform, Abschlussart, Befund,
//! Altersgruppe), so that reports say "Integrierte Gesamtschule", not `igs`.

/// Codes in the order a reader expects them, with their label.
const CODES: &[(&str, &str)] = &[
    // Abschlussart: from no certificate up to the Abitur
    ("ohne_hsa", "ohne Ersten Schulabschluss"),
    ("hsa", "Erster Schulabschluss"),
    ("msa", "Mittlerer Schulabschluss"),
    ("fhr", "Fachhochschulreife"),
    ("ahr", "Allgemeine Hochschulreife"),
    // Schulform: Primarstufe, then Sekundarstufe from the Gymnasium on
    ("grundschule", "Grundschule"),
    ("gymnasium", "Gymnasium"),
    ("igs", "Integrierte Gesamtschule"),
    ("kgs", "Kooperative Gesamtschule"),
    ("gemeinschaftsschule", "Gemeinschaftsschule"),
    ("sekundarschule", "Sekundarschule"),
    ("oberschule", "Oberschule"),
    ("realschule", "Realschule"),
    ("hauptschule", "Hauptschule"),
    ("foerderschule", "Förderschule"),
    ("waldorfschule", "Freie Waldorfschule"),
    ("sonstige", "Sonstige"),
    // Befunde der Schuleingangsuntersuchung
    ("sprache", "Sprache"),
    ("visuomotorik", "Visuomotorik"),
    ("koerperkoordination", "Körperkoordination"),
    ("motorik", "Motorik"),
    ("uebergewicht", "Übergewicht"),
    // Betreuungsart, Geschlecht
    ("kita", "Kindertageseinrichtung"),
    ("tagespflege", "Kindertagespflege"),
    ("hort", "Hort"),
    ("m", "männlich"),
    ("w", "weiblich"),
    ("d", "divers"),
    ("insgesamt", "insgesamt"),
];

/// The label of a code; unknown codes (project-defined groups) are shown as given.
pub fn label(code: &str) -> String {
    CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_string(), |(_, l)| (*l).to_string())
}

/// Sort key: groups starting with a number ("3 bis unter 6") by that number, known codes in
/// reading order, everything else alphabetically after them.
pub fn order(code: &str) -> (u8, i64, String) {
    let digits: String = code.chars().take_while(char::is_ascii_digit).collect();
    if let Ok(n) = digits.parse::<i64>() {
        return (0, n, code.to_string());
    }
    match CODES.iter().position(|(c, _)| *c == code) {
        Some(i) => (1, i as i64, String::new()),
        None => (2, 0, code.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_order() {
        assert_eq!(label("igs"), "Integrierte Gesamtschule");
        assert_eq!(label("Eigene Gruppe"), "Eigene Gruppe");
        let mut g = vec!["10 bis unter 16", "3 bis unter 6", "0 bis unter 3"];
        g.sort_by_key(|c| order(c));
        assert_eq!(g, ["0 bis unter 3", "3 bis unter 6", "10 bis unter 16"]);
        let mut a = vec!["ahr", "ohne_hsa", "msa"];
        a.sort_by_key(|c| order(c));
        assert_eq!(a, ["ohne_hsa", "msa", "ahr"]);
    }
}
