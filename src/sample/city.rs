//! The numbers of the sample city: population, Kita, schools, leavers, transitions,
//! school-entry examinations and context, consistent with each other.

use super::geo;
use super::rng::Rng;
use super::{LAST_YEAR, Options};

/// Oldest single age written; the last class is "90 und älter".
pub const MAX_AGE: usize = 90;

/// One Stadtteil of the sample.
pub struct Area {
    pub nr: String,
    pub name: String,
    pub sozialraum: (String, String),
    /// Deprivation index 0 (well-off) .. 1 (deprived); drives the social gradients.
    pub dep: f64,
    pub polygon: Vec<(f64, f64)>,
}

/// A Kita facility.
pub struct Kita {
    pub nr: String,
    pub name: String,
    pub area: usize,
    pub traeger: &'static str,
    pub share: f64,
    pub util: f64,
}

/// A school.
pub struct Schule {
    pub nr: String,
    pub name: String,
    pub form: &'static str,
    pub area: usize,
    pub traeger: &'static str,
    pub weight: f64,
}

/// Pupils of one school, grade and school year.
pub struct SchulZeile {
    pub year: i32,
    pub school: usize,
    pub grade: u8,
    pub schueler: u64,
    pub weiblich: u64,
    pub nichtdeutsch: u64,
    pub foerderbedarf: u64,
    pub wiederholer: u64,
    pub ganztag: u64,
}

/// The whole city.
pub struct City {
    pub opts: Options,
    pub areas: Vec<Area>,
    /// Population Stichtage 31.12. (years).
    pub years: Vec<i32>,
    /// pop[area][year][age][sex] with sex 0 = männlich, 1 = weiblich.
    pub pop: Vec<Vec<Vec<[u64; 2]>>>,
    /// nichtdeutsch[area][year][age][sex].
    pub foreign: Vec<Vec<Vec<[u64; 2]>>>,
    /// kita[area][year][age] = (kita, tagespflege, hort, ganztags, familiensprache) at 1.3. of year+1.
    pub kita: Vec<Vec<Vec<KitaZahl>>>,
    pub kitas: Vec<Kita>,
    pub schulen: Vec<Schule>,
    pub schulzeilen: Vec<SchulZeile>,
}

/// Children in care of one age in one Stadtteil.
#[derive(Clone, Copy, Default)]
pub struct KitaZahl {
    pub kita: u64,
    pub tagespflege: u64,
    pub hort: u64,
    pub ganztags_kita: u64,
    pub ganztags_tp: u64,
    pub sprache_kita: u64,
    pub sprache_tp: u64,
}

/// (nr, name, ring, inhabitants, deprivation) of the 40 default Stadtteile, names from Magdeburg.
const STADTTEILE: [(&str, &str, f64, f64); 40] = [
    ("01", "Altstadt", 16_000.0, 0.45),
    ("02", "Werder", 3_000.0, 0.15),
    ("04", "Alte Neustadt", 12_000.0, 0.45),
    ("24", "Stadtfeld Ost", 26_000.0, 0.2),
    ("30", "Sudenburg", 19_000.0, 0.5),
    ("44", "Buckau", 6_000.0, 0.45),
    ("54", "Brückfeld", 3_000.0, 0.3),
    ("36", "Leipziger Straße", 15_000.0, 0.4),
    ("06", "Neue Neustadt", 15_500.0, 0.7),
    ("08", "Neustädter See", 11_000.0, 0.95),
    ("10", "Kannenstieg", 6_000.0, 0.85),
    ("12", "Neustädter Feld", 10_000.0, 0.75),
    ("18", "Nordwest", 5_500.0, 0.35),
    ("22", "Neu Olvenstedt", 13_000.0, 0.9),
    ("26", "Stadtfeld West", 14_500.0, 0.25),
    ("28", "Diesdorf", 3_600.0, 0.1),
    ("34", "Lemsdorf", 2_000.0, 0.3),
    ("38", "Reform", 10_000.0, 0.4),
    ("40", "Hopfengarten", 3_500.0, 0.1),
    ("46", "Fermersleben", 3_000.0, 0.6),
    ("56", "Cracau", 8_800.0, 0.3),
    ("14", "Sülzegrund", 180.0, 0.3),
    ("66", "Rothensee", 2_800.0, 0.55),
    ("68", "Industriehafen", 80.0, 0.5),
    ("70", "Gewerbegebiet Nord", 40.0, 0.4),
    ("72", "Barleber See", 140.0, 0.3),
    ("16", "Großer Silberberg", 350.0, 0.3),
    ("20", "Alt Olvenstedt", 3_300.0, 0.2),
    ("32", "Ottersleben", 10_500.0, 0.12),
    ("42", "Beyendorfer Grund", 150.0, 0.3),
    ("52", "Beyendorf-Sohlen", 1_300.0, 0.15),
    ("48", "Salbke", 4_500.0, 0.55),
    ("50", "Westerhüsen", 3_000.0, 0.5),
    ("58", "Prester", 2_500.0, 0.2),
    ("60", "Zipkeleben", 60.0, 0.3),
    ("74", "Pechau", 450.0, 0.2),
    ("76", "Randau-Calenberge", 520.0, 0.2),
    ("78", "Kreuzhorst", 20.0, 0.3),
    ("62", "Herrenkrug", 1_700.0, 0.1),
    ("64", "Berliner Chaussee", 3_800.0, 0.3),
];

const SOZIALRAEUME: [&str; 7] = [
    "Ost", "Nord", "Nordwest", "West", "Südwest", "Süd", "Südost",
];

const NAME_A: [&str; 12] = [
    "Alt", "Neu", "Ober", "Nieder", "Groß", "Klein", "Süd", "Nord", "West", "Ost", "Hohen",
    "Mittel",
];
const NAME_B: [&str; 12] = [
    "dorf", "feld", "hagen", "heide", "stedt", "leben", "bach", "berg", "au", "rode", "weiler",
    "hausen",
];

/// Relative size of a birth cohort: high before 1990, the eastern German slump after 1990,
/// recovery until 2016, and falling births since 2017.
fn birth_factor(year: i32) -> f64 {
    let y = f64::from(year);
    match year {
        ..=1989 => 1.25,
        1990..=1994 => 1.25 - (y - 1989.0) * 0.14,
        1995..=2010 => 0.55 + (y - 1994.0) * 0.0219,
        2011..=2016 => 0.9 + (y - 2010.0) * 0.0167,
        _ => 1.0 - (y - 2016.0) * 0.033,
    }
}

/// Survival to age `a` times net migration into the city at that age.
fn age_factor(a: usize) -> f64 {
    let a = a as f64;
    let survival = if a < 60.0 {
        1.0
    } else {
        (-(a - 60.0) * (a - 60.0) / 900.0).exp()
    };
    let migration = if (18.0..30.0).contains(&a) {
        1.35
    } else if (30.0..45.0).contains(&a) {
        1.1
    } else {
        1.0
    };
    survival * migration
}

impl City {
    /// Builds the city for the given options.
    pub fn build(opts: Options) -> City {
        let n = opts.stadtteile;
        let cells = geo::cells(n, opts.seed);
        let mut rng = Rng::new(opts.seed, "areas");
        let mut areas = Vec::with_capacity(n);
        let mut sizes = Vec::with_capacity(n);
        for (i, cell) in cells.into_iter().enumerate() {
            let (nr, name, size, dep) = if n == 40 {
                let s = STADTTEILE[i];
                (s.0.to_string(), s.1.to_string(), s.2, s.3)
            } else {
                let tiny = i % 9 == 8;
                let size = if tiny {
                    rng.range(20.0, 400.0)
                } else {
                    rng.range(1_500.0, 20_000.0)
                };
                let name = format!(
                    "{}{}",
                    NAME_A[i % NAME_A.len()],
                    NAME_B[(i / NAME_A.len() + i * 5) % NAME_B.len()]
                );
                let name = if i >= NAME_A.len() * NAME_B.len() {
                    format!("{name} {}", i / 144 + 1)
                } else {
                    name
                };
                (format!("{:03}", i + 1), name, size, rng.range(0.05, 0.95))
            };
            let sozialraum = if let Some(k) = opts.sozialraeume {
                // cells are ordered ring by ring and by angle: runs of them are neighbours
                let g = i * k.min(n) / n;
                (format!("K{:03}", g + 1), format!("Kreis {}", g + 1))
            } else if cell.ring <= 1 {
                ("SR1".to_string(), "Zentrum".to_string())
            } else {
                let k = ((cell.angle / (360.0 / 7.0)) as usize).min(6);
                (format!("SR{}", k + 2), SOZIALRAEUME[k].to_string())
            };
            areas.push(Area {
                nr,
                name,
                sozialraum,
                dep,
                polygon: cell.polygon,
            });
            sizes.push(size);
        }

        let years: Vec<i32> = (0..opts.jahre as i32)
            .map(|k| LAST_YEAR - opts.jahre as i32 + 1 + k)
            .collect();
        let mut pop = Vec::with_capacity(n);
        let mut foreign = Vec::with_capacity(n);
        for (i, area) in areas.iter().enumerate() {
            let mut r = Rng::new(opts.seed, &format!("pop-{}", area.nr));
            // births per year at factor 1, chosen so the age sum matches the size
            let total_shape: f64 = (0..=100)
                .map(|a| birth_factor(2020 - a) * age_factor(a as usize))
                .sum();
            let child = 0.8 + 0.5 * area.dep + r.range(-0.1, 0.1);
            let base = sizes[i] / total_shape;
            let growth = r.range(-0.012, 0.015);
            let foreign_share = 0.02 + 0.14 * area.dep + r.range(0.0, 0.03);
            let mut p_area = Vec::with_capacity(years.len());
            let mut f_area = Vec::with_capacity(years.len());
            for &y in &years {
                let trend = (1.0 + growth).powi(y - 2020);
                let mut by_age = vec![[0u64; 2]; MAX_AGE + 1];
                let mut f_age = vec![[0u64; 2]; MAX_AGE + 1];
                for a in 0..=100usize {
                    let young = if a < 18 { child } else { 1.0 };
                    let expected =
                        base * birth_factor(y - a as i32) * age_factor(a) * young * trend;
                    let female_share = if a < 60 {
                        0.487
                    } else {
                        0.487 + (a as f64 - 60.0) * 0.006
                    };
                    let slot = a.min(MAX_AGE);
                    let m = r.count(expected * (1.0 - female_share));
                    let w = r.count(expected * female_share);
                    by_age[slot][0] += m;
                    by_age[slot][1] += w;
                    let fs = foreign_share
                        * if (18..45).contains(&a) {
                            1.6
                        } else if a < 18 {
                            1.2
                        } else {
                            0.4
                        };
                    f_age[slot][0] += r.binomial(m, fs);
                    f_age[slot][1] += r.binomial(w, fs);
                }
                p_area.push(by_age);
                f_area.push(f_age);
            }
            pop.push(p_area);
            foreign.push(f_area);
        }

        let mut city = City {
            opts,
            areas,
            years,
            pop,
            foreign,
            kita: Vec::new(),
            kitas: Vec::new(),
            schulen: Vec::new(),
            schulzeilen: Vec::new(),
        };
        city.kita = city.build_kita();
        city.kitas = city.build_kitas(&sizes);
        city.schulen = city.build_schulen(&sizes);
        city.schulzeilen = city.build_schulzeilen();
        city
    }

    /// Population of an area, year index and age (both sexes).
    pub fn pop_age(&self, area: usize, yi: usize, age: usize) -> u64 {
        let p = self.pop[area][yi][age];
        p[0] + p[1]
    }

    /// Population of the whole city at year index and age.
    pub fn city_age(&self, yi: usize, age: usize) -> u64 {
        (0..self.areas.len())
            .map(|a| self.pop_age(a, yi, age))
            .sum()
    }

    /// Kita at 1.3. of year+1 by Wohnort; never more children than lived there on 31.12. of year.
    fn build_kita(&self) -> Vec<Vec<Vec<KitaZahl>>> {
        self.areas
            .iter()
            .enumerate()
            .map(|(i, area)| {
                let mut r = Rng::new(self.opts.seed, &format!("kita-{}", area.nr));
                let d = area.dep;
                let lang = 0.03 + 0.2 * d;
                (0..self.years.len())
                    .map(|yi| {
                        let t = yi as f64 * 0.004;
                        (0..=10usize)
                            .map(|age| {
                                let n = self.pop_age(i, yi, age);
                                let (care, tp_share, hort_part) = match age {
                                    0 => (0.05, 0.3, 0.0),
                                    1 => (0.64 + t - 0.08 * d, 0.15, 0.0),
                                    2 => (0.9 + t - 0.05 * d, 0.08, 0.0),
                                    3..=5 => (0.95 - 0.04 * d, 0.01, 0.0),
                                    6 => (0.88, 0.0, 0.55),
                                    7..=9 => (0.82 - 0.1 * d, 0.0, 1.0),
                                    _ => (0.5 - 0.1 * d, 0.0, 1.0),
                                };
                                let total = r.binomial(n, care.min(0.99));
                                let hort = r.binomial(total, hort_part);
                                let rest = total - hort;
                                let tp = r.binomial(rest, tp_share);
                                let kita = rest - tp;
                                KitaZahl {
                                    kita,
                                    tagespflege: tp,
                                    hort,
                                    ganztags_kita: r.binomial(kita, 0.93 - 0.05 * d),
                                    ganztags_tp: r.binomial(tp, 0.7),
                                    sprache_kita: r.binomial(kita, lang),
                                    sprache_tp: r.binomial(tp, lang * 0.5),
                                }
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect()
    }

    fn big_areas(sizes: &[f64]) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..sizes.len()).filter(|&i| sizes[i] >= 1_000.0).collect();
        idx.sort_by(|&a, &b| sizes[b].total_cmp(&sizes[a]).then(a.cmp(&b)));
        idx
    }

    fn build_kitas(&self, sizes: &[f64]) -> Vec<Kita> {
        const NAMES: [&str; 24] = [
            "Sonnenschein",
            "Pusteblume",
            "Märchenland",
            "Rübezahl",
            "Kleine Strolche",
            "Zwergenland",
            "Regenbogen",
            "Löwenzahn",
            "Spatzennest",
            "Bärenhöhle",
            "Am Stadtpark",
            "Käferburg",
            "Wirbelwind",
            "Schatzkiste",
            "Sternschnuppe",
            "Villa Kunterbunt",
            "Flohkiste",
            "Glühwürmchen",
            "Weltentdecker",
            "Elbpiraten",
            "Rasselbande",
            "Hummelnest",
            "Schneckenhaus",
            "Abenteuerland",
        ];
        let big = Self::big_areas(sizes);
        let count = (self.areas.len() * 3).div_ceil(2);
        let mut r = Rng::new(self.opts.seed, "kitas");
        let total_size: f64 = big.iter().map(|&i| sizes[i]).sum();
        (0..count)
            .map(|k| {
                // walk the areas by cumulative size so large Stadtteile get more Kitas
                let target = (k as f64 + 0.5) / count as f64 * total_size;
                let mut acc = 0.0;
                let area = *big
                    .iter()
                    .find(|&&i| {
                        acc += sizes[i];
                        acc >= target
                    })
                    .unwrap_or(&big[0]);
                let base = NAMES[k % NAMES.len()];
                let name = if k < NAMES.len() {
                    format!("Kita „{base}“")
                } else {
                    format!("Kita „{base}“ {}", self.areas[area].name)
                };
                Kita {
                    nr: format!("K{:03}", k + 1),
                    name,
                    area,
                    traeger: if r.unit() < 0.45 {
                        "oeffentlich"
                    } else {
                        "frei"
                    },
                    share: r.range(0.6, 1.6),
                    util: r.range(0.86, 0.99),
                }
            })
            .collect()
    }

    fn build_schulen(&self, sizes: &[f64]) -> Vec<Schule> {
        let count = (self.areas.len() * 5).div_ceil(4);
        let mut plan: Vec<&'static str> = Vec::new();
        for (form, share) in [
            ("sekundarschule", 0.10),
            ("gemeinschaftsschule", 0.12),
            ("igs", 0.06),
            ("gymnasium", 0.14),
            ("foerderschule", 0.10),
            ("waldorfschule", 0.03),
        ] {
            let k = ((count as f64 * share).round() as usize).max(1);
            plan.extend(std::iter::repeat_n(form, k));
        }
        let gs = count.saturating_sub(plan.len()).max(1);
        let mut forms: Vec<&'static str> = std::iter::repeat_n("grundschule", gs).collect();
        forms.extend(plan);
        let big = Self::big_areas(sizes);
        let mut r = Rng::new(self.opts.seed, "schulen");
        const STREETS: [&str; 16] = [
            "Am Park",
            "An der Elbe",
            "Am Lindenweiher",
            "Goethestraße",
            "Am Westring",
            "Im Grünen",
            "Friedrich Schiller",
            "Am Dom",
            "Lessingstraße",
            "Hegelstraße",
            "Am Nordpark",
            "Sankt Georg",
            "Käthe Kollwitz",
            "Otto von Guericke",
            "Hans Christian Andersen",
            "Wilhelm Raabe",
        ];
        forms
            .into_iter()
            .enumerate()
            .map(|(k, form)| {
                let area = if form == "grundschule" {
                    big[k % big.len()]
                } else {
                    big[(k * 7 + 3) % big.len()]
                };
                let label = match form {
                    "grundschule" => "Grundschule",
                    "sekundarschule" => "Sekundarschule",
                    "gemeinschaftsschule" => "Gemeinschaftsschule",
                    "igs" => "Integrierte Gesamtschule",
                    "gymnasium" => "Gymnasium",
                    "foerderschule" => "Förderschule",
                    _ => "Freie Waldorfschule",
                };
                Schule {
                    nr: format!("{}", 10_100 + k * 7),
                    name: format!("{label} „{}“", STREETS[k % STREETS.len()]),
                    form,
                    area,
                    traeger: if form == "waldorfschule" || r.unit() < 0.08 {
                        "frei"
                    } else {
                        "oeffentlich"
                    },
                    weight: r.range(0.6, 1.4),
                }
            })
            .collect()
    }

    fn build_schulzeilen(&self) -> Vec<SchulZeile> {
        let mut rows = Vec::new();
        let mut r = Rng::new(self.opts.seed, "schulzeilen");
        let weight_sum = |form: &str| -> f64 {
            self.schulen
                .iter()
                .filter(|s| s.form == form)
                .map(|s| s.weight)
                .sum()
        };
        for (yi, &year) in self.years.iter().enumerate() {
            for (si, s) in self.schulen.iter().enumerate() {
                let d = self.areas[s.area].dep;
                let (grades, share): (std::ops::RangeInclusive<u8>, f64) = match s.form {
                    "grundschule" => (1..=4, 0.93),
                    "sekundarschule" => (5..=10, 0.11),
                    "gemeinschaftsschule" => (5..=10, 0.24),
                    "igs" => (5..=13, 0.14),
                    "gymnasium" => (5..=12, 0.42),
                    "foerderschule" => (1..=10, 0.05),
                    _ => (1..=12, 0.012),
                };
                for grade in grades {
                    let cohort = self.city_age(yi, grade as usize + 5) as f64;
                    let upper = match (s.form, grade) {
                        ("gymnasium", 11..) => 0.88,
                        ("igs", 11..) => 0.35,
                        ("waldorfschule", 11..) => 0.6,
                        _ => 1.0,
                    };
                    let expected = cohort * share * upper * s.weight / weight_sum(s.form);
                    let schueler = r.count(expected);
                    let p_w = match s.form {
                        "gymnasium" => 0.54,
                        "foerderschule" => 0.37,
                        "sekundarschule" => 0.45,
                        _ => 0.49,
                    };
                    let p_f = match s.form {
                        "foerderschule" => 1.0,
                        "grundschule" => 0.03 + 0.03 * d,
                        "sekundarschule" => 0.06,
                        "gemeinschaftsschule" => 0.05,
                        "igs" => 0.045,
                        "gymnasium" => 0.003,
                        _ => 0.02,
                    };
                    let p_wh = match (s.form, grade) {
                        (_, 1..=2) | ("foerderschule" | "waldorfschule", _) => 0.0,
                        ("grundschule", _) => 0.012,
                        ("sekundarschule", _) => 0.045,
                        ("gemeinschaftsschule", _) => 0.03,
                        ("igs", _) => 0.02,
                        _ => 0.012,
                    };
                    let p_gt = match s.form {
                        "gemeinschaftsschule" | "igs" => 1.0,
                        "sekundarschule" => 0.3,
                        "gymnasium" => 0.1,
                        "foerderschule" => 0.5,
                        _ => 0.0,
                    };
                    rows.push(SchulZeile {
                        year,
                        school: si,
                        grade,
                        schueler,
                        weiblich: r.binomial(schueler, p_w),
                        nichtdeutsch: r.binomial(schueler, 0.03 + 0.12 * d),
                        foerderbedarf: r.binomial(schueler, p_f),
                        wiederholer: r.binomial(schueler, p_wh),
                        ganztag: r.binomial(schueler, p_gt),
                    });
                }
            }
        }
        rows
    }
}
