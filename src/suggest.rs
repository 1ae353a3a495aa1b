//! "Meinten Sie …?" suggestions for misspelt keys, ids and names.

/// Longest word (bytes) that gets a suggestion.
const MAX_WORD: usize = 200;

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    // no one mistypes a key at this length: a pasted 20 MB cell gets no suggestion (and no
    // edit distance over millions of characters per candidate)
    if word.len() > MAX_WORD {
        return None;
    }
    let w = normalise(word);
    let len = w.chars().count();
    let limit = (len / 3).max(1);
    candidates
        .into_iter()
        .filter_map(|c| {
            let n = normalise(c);
            let abbrev = len >= 3 && n.starts_with(&w);
            // the distance is at least the difference in length
            if !abbrev && n.chars().count().abs_diff(len) > limit {
                return None;
            }
            let d = levenshtein(&w, &n);
            // an abbreviation ("Gymn." for gymnasium) counts as close
            (d <= limit || abbrev).then_some((if d <= limit { d } else { limit + 1 }, c))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

/// Lower case, umlauts transliterated, punctuation dropped: "Förder-Schule" → "foerderschule".
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            c if c.is_alphanumeric() => out.push(c),
            _ => {}
        }
    }
    out
}

/// Edit distance in characters.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let c = ["Altstadt", "Neustadt", "Sudenburg"];
        assert_eq!(did_you_mean("Altstad", c), Some("Altstadt"));
        assert_eq!(did_you_mean("sudenburg", c), Some("Sudenburg"));
        assert_eq!(did_you_mean("Olvenstedt", c), None);
        assert_eq!(levenshtein("Brückfeld", "Bruckfeld"), 1);
        assert_eq!(
            did_you_mean("Gymn.", ["grundschule", "gymnasium"]),
            Some("gymnasium")
        );
        assert_eq!(
            did_you_mean("Förderschule", ["foerderschule"]),
            Some("foerderschule")
        );
    }
}
