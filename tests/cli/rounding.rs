//! Numbers as official statistics print them: shares on an exact tie (x,x5) are rounded half
//! up from the counts, the same in every output – CSV, JSON, XLSX, the indicator table and the
//! PDF. A float `n / d * 100` printed to one decimal goes wrong on ties such as 299/1040 =
//! 28,75 % (28,749999… in binary).

use crate::pdfcheck::Pdf;
use crate::util::TestProject;
use calamine::{Data, Reader, Xlsx};

/// (numerator, denominator, the share as printed): every share lies exactly on a tie.
const TIES: [(u32, u32, &str); 24] = [
    (299, 1040, "28,8"),
    (37, 80, "46,3"),
    (10, 20000, "0,1"),
    (19990, 20000, "100,0"),
    (3, 2000, "0,2"),
    (5, 2000, "0,3"),
    (7, 2000, "0,4"),
    (1997, 2000, "99,9"),
    (1993, 2000, "99,7"),
    (9, 400, "2,3"),
    (11, 400, "2,8"),
    (13, 400, "3,3"),
    (15, 400, "3,8"),
    (17, 400, "4,3"),
    (19, 400, "4,8"),
    (21, 400, "5,3"),
    (23, 400, "5,8"),
    (25, 400, "6,3"),
    (27, 400, "6,8"),
    (29, 400, "7,3"),
    (57, 80, "71,3"),
    (51, 80, "63,8"),
    (13, 80, "16,3"),
    (33, 80, "41,3"),
];

/// 24 Stadtteile in 4 Sozialräume, each with one share on a tie (Ausländeranteil KX04).
fn ties_project() -> TestProject {
    let p = TestProject::empty();
    let mut gebiete = String::from("nr;name;sozialraum;sozialraum_name\n");
    let mut bev = String::from("zeit;gebiet;alter;einwohner;nichtdeutsch\n");
    for (i, (n, d, _)) in TIES.iter().enumerate() {
        let nr = format!("{:02}", i + 1);
        gebiete.push_str(&format!("{nr};Teil {nr};S{};Raum {}\n", i % 4, i % 4));
        bev.push_str(&format!("31.12.2024;{nr};30;{d};{n}\n"));
    }
    p.write("gebiete.csv", gebiete);
    p.write("bevoelkerung.csv", bev);
    p.write(
        "bildungsmonitor.toml",
        r#"[projekt]
kommune = "Rundungsstadt"
stand = 2025-11-01

[gebiete]
datei = "gebiete.csv"

[quellen.bevoelkerung]
tabelle = "bevoelkerung"
datei = "bevoelkerung.csv"
zeit = { art = "stichtag" }

[berichte.kontext]
titel = "Rahmenbedingungen"
indikatoren = ["KX04"]
"#,
    );
    p
}

#[test]
fn ties_round_half_up_in_every_output() {
    let p = ties_project();
    p.run(&["export", "-o", "k.csv", "-o", "k.json", "-o", "k.xlsx"])
        .exit(0);
    let stadtteil = |i: usize| format!("{:02}", i + 1);
    // JSON
    let v: serde_json::Value = serde_json::from_str(&p.read("k.json")).unwrap();
    let rows = v["kennzahlen"].as_array().unwrap();
    for (i, (n, d, printed)) in TIES.iter().enumerate() {
        let r = rows
            .iter()
            .find(|r| r["indikator"] == "KX04" && r["gebiet"] == stadtteil(i).as_str())
            .unwrap();
        let expected: f64 = printed.replace(',', ".").parse().unwrap();
        assert_eq!(r["wert"].as_f64(), Some(expected), "{n}/{d}: {r}");
    }
    // the float way would get some of them wrong: the suite has teeth
    let float_wrong = TIES
        .iter()
        .filter(|(n, d, printed)| {
            format!("{:.1}", 100.0 * f64::from(*n) / f64::from(*d)).replace('.', ",") != *printed
        })
        .count();
    assert!(float_wrong >= 12, "{float_wrong}");
    // CSV: the value column as printed
    let csv = p.read("k.csv");
    for (i, (_, _, printed)) in TIES.iter().enumerate() {
        let line = csv
            .lines()
            .find(|l| {
                l.starts_with("KX04;") && l.contains(&format!(";Stadtteil;{};", stadtteil(i)))
            })
            .unwrap();
        let wert = line.split(';').nth(8).unwrap();
        assert_eq!(wert, *printed, "{line}");
    }
    // XLSX: the number cell
    let mut wb: Xlsx<_> = calamine::open_workbook(p.path().join("k.xlsx")).unwrap();
    let mut found = 0;
    for name in wb.sheet_names() {
        let r = wb.worksheet_range(&name).unwrap();
        for row in r
            .rows()
            .filter(|row| row.len() > 8 && row[0] == Data::String("KX04".into()))
        {
            let Data::String(g) = &row[5] else { continue };
            let Some(i) = (0..TIES.len()).find(|&i| stadtteil(i) == *g) else {
                continue;
            };
            let expected: f64 = TIES[i].2.replace(',', ".").parse().unwrap();
            assert_eq!(row[8], Data::Float(expected), "{g}");
            found += 1;
        }
    }
    assert_eq!(found, TIES.len());
    // the indicator table for people
    let human = p.run(&["indicators", "--indicator", "KX04", "--ebene", "stadtteil"]);
    human.exit(0);
    for (_, _, printed) in &TIES {
        assert!(
            human.stdout.contains(&format!("{printed}\u{a0}%"))
                || human.stdout.contains(&format!("{printed} %")),
            "{printed}: {}",
            human.stdout
        );
    }
    // the PDF table
    p.run(&["report"]).exit(0);
    let text = Pdf::load(&std::fs::read(p.path().join("out/kontext.pdf")).unwrap()).text();
    for (_, _, printed) in &TIES {
        assert!(
            text.contains(&format!("{printed}\u{a0}%")) || text.contains(&format!("{printed} %")),
            "{printed} not in the PDF"
        );
    }
}
