//! What a count counts, independent of the indicator that shows it.
//!
//! A count is a measure of a table summed over a set of values per field. Two indicators that
//! phrase the same set differently (a filter `abschlussart = ["ahr"]` and the group `ahr` of a
//! breakdown by `abschlussart`; the band "0 bis unter 3" and the filter `alter = ["0-2"]`; the
//! filter `schulform = ["!foerderschule"]` and the list of every other Schulform) must give
//! one cell with one status. Sets are normalised here: whole-number fields to merged
//! intervals inside the field's range, code fields to the set of codes, a set that holds every
//! value to no restriction at all. From the normalised sets follow the additive relations an
//! outsider knows without being told: a set that is the disjoint union of other sets, all
//! else equal, sums their counts (ages 0–5 = 0–2 + 3–5; all Schulformen = Förderschule + the
//! others).

use crate::catalogue::{Aufschluesselung, FilterValue, Teil, parse_filter_value};
use crate::schema::{self, FieldType};
use std::collections::{BTreeMap, BTreeSet};

/// The values of one field a count covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Menge {
    /// Whole numbers: sorted, disjoint, non-adjacent inclusive intervals inside the field's range.
    Zahlen(Vec<(i64, i64)>),
    /// Codes of a fixed list.
    Codes(BTreeSet<String>),
    /// Free values: these (`ohne` false) or every value but these (`ohne` true).
    Texte { ohne: bool, werte: BTreeSet<String> },
}

/// A normalised count definition: measure and weights, and the set per restricted field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Merkmal {
    /// Table and measure.
    basis: String,
    /// Weights and factor (a weighted sum is another measure).
    gewichtung: String,
    /// Restricted fields only: a field covering all its values is absent.
    felder: BTreeMap<String, Menge>,
}

impl Merkmal {
    /// The count of `teil`, restricted further to the group `gruppe` of `aufschluesselung`.
    pub fn of(teil: &Teil, gruppe: Option<(&Aufschluesselung, &str)>) -> Merkmal {
        let s = schema::schema(teil.tabelle);
        let ty = |f: &str| s.field(f).map_or(FieldType::Text, |f| f.ty);
        let mut felder: BTreeMap<String, Menge> = BTreeMap::new();
        for (f, values) in &teil.filter {
            felder.insert(f.clone(), from_filter(ty(f), values));
        }
        if let Some((a, label)) = gruppe {
            let spec = a.gruppen.get(label).map_or(label, String::as_str);
            let set = from_filter(ty(&a.feld), &[spec.to_string()]);
            let merged = match felder.remove(&a.feld) {
                Some(old) => intersect(old, set),
                None => set,
            };
            felder.insert(a.feld.clone(), merged);
        }
        felder.retain(|f, m| !is_everything(ty(f), m));
        let mut gewichtung = String::new();
        for (a, w) in &teil.gewichte {
            gewichtung.push_str(&format!("|w{a}={w}"));
        }
        if teil.faktor != 1.0 {
            gewichtung.push_str(&format!("|f={}", teil.faktor));
        }
        Merkmal {
            basis: format!("{}.{}", teil.tabelle.id(), teil.wert),
            gewichtung,
            felder,
        }
    }

    /// The published text: `kita_kinder.kinder|alter=0-2|betreuungsart=kita,tagespflege`.
    pub fn text(&self) -> String {
        let mut s = self.basis.clone();
        for (f, m) in &self.felder {
            s.push('|');
            s.push_str(f);
            s.push('=');
            s.push_str(&menge_text(field_type(&self.basis, f), m));
        }
        s.push_str(&self.gewichtung);
        s
    }
}

fn menge_text(ty: FieldType, m: &Menge) -> String {
    match m {
        Menge::Zahlen(iv) => iv
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}-{b}")
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        // the shorter of the list and its complement: `!foerderschule`, not twelve codes
        Menge::Codes(c) => match ty {
            FieldType::Code(codes) if 2 * c.len() > codes.len() => codes
                .iter()
                .filter(|x| !c.contains(**x))
                .map(|x| format!("!{x}"))
                .collect::<Vec<_>>()
                .join(","),
            _ => c.iter().cloned().collect::<Vec<_>>().join(","),
        },
        Menge::Texte { ohne, werte } => werte
            .iter()
            .map(|w| if *ohne { format!("!{w}") } else { w.clone() })
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// The type of `field` in the table of `basis` (`table.measure`).
fn field_type(basis: &str, field: &str) -> FieldType {
    basis
        .split_once('.')
        .and_then(|(t, _)| schema::TableKind::from_id(t))
        .and_then(|t| schema::schema(t).field(field))
        .map_or(FieldType::Text, |f| f.ty)
}

/// A filter list as a set: inclusions united (none: everything), exclusions taken away.
fn from_filter(ty: FieldType, values: &[String]) -> Menge {
    let (neg, pos): (Vec<&str>, Vec<&str>) = values
        .iter()
        .map(|v| v.as_str())
        .partition(|v| v.starts_with('!'));
    let neg: Vec<&str> = neg.iter().map(|v| &v[1..]).collect();
    match ty {
        FieldType::Int { min, max } => {
            let parse = |v: &&str| match parse_filter_value(ty, v) {
                Some(FilterValue::Range(a, b)) => Some((a.max(min), b.min(max))),
                _ => None,
            };
            let mut set = if pos.is_empty() {
                vec![(min, max)]
            } else {
                normalise(pos.iter().filter_map(parse).collect())
            };
            for iv in neg.iter().filter_map(parse) {
                set = minus(&set, iv);
            }
            Menge::Zahlen(set)
        }
        FieldType::Code(codes) => {
            let mut set: BTreeSet<String> = if pos.is_empty() {
                codes.iter().map(|c| c.to_string()).collect()
            } else {
                pos.iter()
                    .filter(|v| codes.contains(v))
                    .map(|v| v.to_string())
                    .collect()
            };
            for v in &neg {
                set.remove(*v);
            }
            Menge::Codes(set)
        }
        _ if pos.is_empty() => Menge::Texte {
            ohne: true,
            werte: neg.iter().map(|v| v.to_string()).collect(),
        },
        _ => Menge::Texte {
            ohne: false,
            werte: pos
                .iter()
                .filter(|v| !neg.contains(v))
                .map(|v| v.to_string())
                .collect(),
        },
    }
}

/// Intervals sorted, empty ones dropped, overlapping or adjacent ones merged.
fn normalise(mut iv: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    iv.retain(|&(a, b)| a <= b);
    iv.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(iv.len());
    for (a, b) in iv {
        match out.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn minus(set: &[(i64, i64)], (c, d): (i64, i64)) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for &(a, b) in set {
        if d < a || c > b {
            out.push((a, b));
            continue;
        }
        if a < c {
            out.push((a, c - 1));
        }
        if d < b {
            out.push((d + 1, b));
        }
    }
    out
}

fn intersect(x: Menge, y: Menge) -> Menge {
    match (x, y) {
        (Menge::Zahlen(a), Menge::Zahlen(b)) => {
            let mut out = Vec::new();
            for &(p, q) in &a {
                for &(r, s) in &b {
                    if p.max(r) <= q.min(s) {
                        out.push((p.max(r), q.min(s)));
                    }
                }
            }
            Menge::Zahlen(normalise(out))
        }
        (Menge::Codes(a), Menge::Codes(b)) => Menge::Codes(&a & &b),
        (
            Menge::Texte {
                ohne: o1,
                werte: w1,
            },
            Menge::Texte {
                ohne: o2,
                werte: w2,
            },
        ) => match (o1, o2) {
            (false, false) => Menge::Texte {
                ohne: false,
                werte: &w1 & &w2,
            },
            (false, true) => Menge::Texte {
                ohne: false,
                werte: &w1 - &w2,
            },
            (true, false) => Menge::Texte {
                ohne: false,
                werte: &w2 - &w1,
            },
            (true, true) => Menge::Texte {
                ohne: true,
                werte: &w1 | &w2,
            },
        },
        // one field has one type: a mix cannot come from the catalogue
        (x, _) => x,
    }
}

fn is_everything(ty: FieldType, m: &Menge) -> bool {
    match (ty, m) {
        (FieldType::Int { min, max }, Menge::Zahlen(iv)) => iv.as_slice() == [(min, max)],
        (FieldType::Code(codes), Menge::Codes(c)) => codes.iter().all(|x| c.contains(*x)),
        (_, Menge::Texte { ohne, werte }) => *ohne && werte.is_empty(),
        _ => false,
    }
}

/// At most this many values per field take part in the search for partitions.
const MAX_ATOMS: usize = 128;
/// At most this many ways to split one set are listed (every one is a relation).
const MAX_SPLITS: usize = 8;

/// Every way a merkmal is the disjoint union of others that differ from it in one field only:
/// (whole, parts), indices into `merkmale`.
pub(super) fn partitions(merkmale: &[Merkmal]) -> Vec<(usize, Vec<usize>)> {
    // per measure and field: the merkmale grouped by everything but that field
    type Family<'m> =
        BTreeMap<(&'m str, &'m str, &'m str, Vec<(&'m String, &'m Menge)>), Vec<usize>>;
    let mut fields: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    for m in merkmale {
        for f in m.felder.keys() {
            fields
                .entry((m.basis.as_str(), m.gewichtung.as_str()))
                .or_default()
                .insert(f);
        }
    }
    let mut families: Family = BTreeMap::new();
    for (i, m) in merkmale.iter().enumerate() {
        let Some(fs) = fields.get(&(m.basis.as_str(), m.gewichtung.as_str())) else {
            continue;
        };
        for &f in fs {
            let rest: Vec<(&String, &Menge)> = m.felder.iter().filter(|(k, _)| *k != f).collect();
            families
                .entry((&m.basis, &m.gewichtung, f, rest))
                .or_default()
                .push(i);
        }
    }
    let mut out = Vec::new();
    for ((basis, _, field, _), members) in &families {
        if members.len() < 3 {
            continue;
        }
        let ty = field_type(basis, field);
        let sets: Vec<Option<&Menge>> = members
            .iter()
            .map(|&i| merkmale[i].felder.get(*field))
            .collect();
        let Some(atoms) = atomise(ty, &sets) else {
            continue;
        };
        for (p, &whole) in atoms.iter().enumerate() {
            let parts: Vec<(usize, u128)> = atoms
                .iter()
                .enumerate()
                .filter(|&(q, &s)| q != p && s != 0 && s & !whole == 0 && s != whole)
                .map(|(q, &s)| (q, s))
                .collect();
            let mut found = Vec::new();
            cover(whole, &parts, &mut Vec::new(), &mut found, &mut 0);
            for split in found {
                out.push((members[p], split.iter().map(|&q| members[q]).collect()));
            }
        }
    }
    out
}

/// Each set as a bit mask over elementary pieces of the field's values (`None`: too many).
fn atomise(ty: FieldType, sets: &[Option<&Menge>]) -> Option<Vec<u128>> {
    match ty {
        FieldType::Int { min, max } => {
            let mut cuts: BTreeSet<i64> = BTreeSet::from([min, max + 1]);
            for s in sets.iter().flatten() {
                if let Menge::Zahlen(iv) = s {
                    for &(a, b) in iv {
                        cuts.insert(a);
                        cuts.insert(b + 1);
                    }
                }
            }
            let cuts: Vec<i64> = cuts
                .into_iter()
                .filter(|&c| c >= min && c <= max + 1)
                .collect();
            if cuts.len() > MAX_ATOMS {
                return None;
            }
            let mask = |iv: &[(i64, i64)]| {
                let mut m = 0u128;
                for (k, w) in cuts.windows(2).enumerate() {
                    if iv.iter().any(|&(a, b)| a <= w[0] && w[1] - 1 <= b) {
                        m |= 1 << k;
                    }
                }
                m
            };
            Some(
                sets.iter()
                    .map(|s| match s {
                        Some(Menge::Zahlen(iv)) => mask(iv),
                        _ => mask(&[(min, max)]),
                    })
                    .collect(),
            )
        }
        _ => {
            let mut values: BTreeSet<&str> = BTreeSet::new();
            if let FieldType::Code(codes) = ty {
                values.extend(codes.iter().copied());
            }
            for s in sets.iter().flatten() {
                match s {
                    Menge::Codes(c) => values.extend(c.iter().map(String::as_str)),
                    Menge::Texte { werte, .. } => values.extend(werte.iter().map(String::as_str)),
                    Menge::Zahlen(_) => return None,
                }
            }
            let values: Vec<&str> = values.into_iter().collect();
            // one more piece for every value no set names (free text only)
            let rest = 1u128 << values.len();
            if values.len() + 1 > MAX_ATOMS {
                return None;
            }
            let bit = |v: &str| values.binary_search(&v).map_or(0, |k| 1u128 << k);
            let all = (rest << 1) - 1;
            let all = if matches!(ty, FieldType::Code(_)) {
                all & !rest
            } else {
                all
            };
            Some(
                sets.iter()
                    .map(|s| match s {
                        None => all,
                        Some(Menge::Codes(c)) => c.iter().fold(0, |m, v| m | bit(v)),
                        Some(Menge::Texte { ohne: false, werte }) => {
                            werte.iter().fold(0, |m, v| m | bit(v))
                        }
                        Some(Menge::Texte { ohne: true, werte }) => {
                            all & !werte.iter().fold(0, |m, v| m | bit(v))
                        }
                        Some(Menge::Zahlen(_)) => 0,
                    })
                    .collect(),
            )
        }
    }
}

/// Exact covers of `left` by disjoint `parts` (indices), each listed once, at most
/// [`MAX_SPLITS`]; the search visits a bounded number of nodes.
fn cover(
    left: u128,
    parts: &[(usize, u128)],
    chosen: &mut Vec<usize>,
    found: &mut Vec<Vec<usize>>,
    steps: &mut usize,
) {
    *steps += 1;
    if found.len() >= MAX_SPLITS || *steps > 10_000 {
        return;
    }
    if left == 0 {
        found.push(chosen.clone());
        return;
    }
    // the lowest uncovered piece must be covered by exactly one part
    let low = left & left.wrapping_neg();
    for &(q, s) in parts {
        if s & low != 0 && s & !left == 0 {
            chosen.push(q);
            cover(left & !s, parts, chosen, found, steps);
            chosen.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::TableKind;

    fn teil(tabelle: TableKind, wert: &str, filter: &[(&str, &[&str])]) -> Teil {
        Teil {
            tabelle,
            wert: wert.into(),
            filter: filter
                .iter()
                .map(|(f, v)| (f.to_string(), v.iter().map(|s| s.to_string()).collect()))
                .collect(),
            zeitbezug: Default::default(),
            faktor: 1.0,
            gewichte: BTreeMap::new(),
        }
    }

    fn breakdown(feld: &str, gruppen: &[(&str, &str)]) -> Aufschluesselung {
        Aufschluesselung {
            feld: feld.into(),
            gruppen: gruppen
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            nenner_aufgeschluesselt: false,
        }
    }

    #[test]
    fn a_filter_and_a_group_of_the_same_values_are_one_merkmal() {
        let filter = teil(
            TableKind::Abgaenger,
            "anzahl",
            &[("abschlussart", &["ahr"])],
        );
        let total = teil(TableKind::Abgaenger, "anzahl", &[]);
        let a = breakdown("abschlussart", &[]);
        assert_eq!(
            Merkmal::of(&filter, None),
            Merkmal::of(&total, Some((&a, "ahr")))
        );
        assert_eq!(
            Merkmal::of(&filter, None).text(),
            "abgaenger.anzahl|abschlussart=ahr"
        );
    }

    #[test]
    fn a_band_label_is_its_range() {
        let den = teil(TableKind::Bevoelkerung, "einwohner", &[("alter", &["0-2"])]);
        let total = teil(TableKind::Bevoelkerung, "einwohner", &[]);
        let a = breakdown(
            "alter",
            &[("0 bis unter 3", "0-2"), ("65 und älter", "65-120")],
        );
        assert_eq!(
            Merkmal::of(&den, None),
            Merkmal::of(&total, Some((&a, "0 bis unter 3")))
        );
        // the whole range of a field is no restriction
        let all = teil(
            TableKind::Bevoelkerung,
            "einwohner",
            &[("alter", &["0-50", "51-120"])],
        );
        assert_eq!(Merkmal::of(&all, None), Merkmal::of(&total, None));
    }

    #[test]
    fn an_exclusion_is_the_list_of_the_other_codes() {
        let ohne = teil(
            TableKind::Schulen,
            "foerderbedarf",
            &[("schulform", &["!foerderschule"])],
        );
        let FieldType::Code(codes) = field_type("schulen.foerderbedarf", "schulform") else {
            panic!("schulform is a code field");
        };
        let others: Vec<&str> = codes
            .iter()
            .copied()
            .filter(|c| *c != "foerderschule")
            .collect();
        let liste = teil(
            TableKind::Schulen,
            "foerderbedarf",
            &[("schulform", &others)],
        );
        assert_eq!(Merkmal::of(&ohne, None), Merkmal::of(&liste, None));
        // printed as the shorter of the list and its complement
        assert_eq!(
            Merkmal::of(&liste, None).text(),
            "schulen.foerderbedarf|schulform=!foerderschule"
        );
    }

    #[test]
    fn partitions_follow_from_the_sets() {
        let t = |f: &[(&str, &[&str])]| {
            Merkmal::of(&teil(TableKind::Bevoelkerung, "einwohner", f), None)
        };
        let s = |f: &[(&str, &[&str])]| {
            Merkmal::of(&teil(TableKind::Schulen, "foerderbedarf", f), None)
        };
        let m = vec![
            t(&[("alter", &["0-5"])]),
            t(&[("alter", &["0-2"])]),
            t(&[("alter", &["3-5"])]),
            t(&[("alter", &["0-14"])]),
            t(&[("alter", &["6-10"])]),
            s(&[("klassenstufe", &["1-10"])]),
            s(&[
                ("klassenstufe", &["1-10"]),
                ("schulform", &["foerderschule"]),
            ]),
            s(&[
                ("klassenstufe", &["1-10"]),
                ("schulform", &["!foerderschule"]),
            ]),
        ];
        let p = partitions(&m);
        assert!(p.contains(&(0, vec![1, 2])), "{p:?}");
        assert!(
            p.contains(&(5, vec![6, 7])) || p.contains(&(5, vec![7, 6])),
            "{p:?}"
        );
        // 0–14 is not a union of the others: 11–14 is in none of them
        assert!(!p.iter().any(|(w, _)| *w == 3), "{p:?}");
    }
}
