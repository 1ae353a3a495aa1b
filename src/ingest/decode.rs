//! Bytes → text. Explicit encodings only: a file that is not valid in its declared
//! encoding is an error naming line and column, never silently "repaired".

use crate::diag::{Diagnostic, Diagnostics, Location};
use crate::project::Kodierung;
use std::path::Path;

/// Largest file read into memory; larger sets belong in Parquet.
pub const MAX_TEXT_BYTES: u64 = 1 << 30;

/// Reads a file, refusing files above [`MAX_TEXT_BYTES`] before reading them.
pub fn read_capped(path: &Path, diags: &mut Diagnostics) -> Option<Vec<u8>> {
    let mut file = open_capped(path, diags)?;
    let mut bytes = Vec::new();
    match std::io::Read::read_to_end(&mut file, &mut bytes) {
        Ok(_) => Some(bytes),
        Err(e) => {
            diags.push(unreadable(path, &e));
            None
        }
    }
}

/// Opens a file for reading, refusing files above [`MAX_TEXT_BYTES`].
pub fn open_capped(path: &Path, diags: &mut Diagnostics) -> Option<std::fs::File> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            diags.push(unreadable(path, &e));
            return None;
        }
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => {
            diags.push(unreadable(path, &e));
            return None;
        }
    };
    if meta.len() > MAX_TEXT_BYTES {
        diags.push(
            Diagnostic::error(
                "V001",
                Location::file(path),
                format!(
                    "Datei ist mit {} MiB größer als die Grenze von {} MiB für Textdateien",
                    meta.len() >> 20,
                    MAX_TEXT_BYTES >> 20
                ),
            )
            .hint("Sehr große Datensätze als Parquet liefern (format = \"parquet\") oder nach Jahren aufteilen."),
        );
        return None;
    }
    Some(file)
}

/// V003: the file could not be read.
pub(super) fn unreadable(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(
        "V003",
        Location::file(path),
        format!("Datei nicht lesbar: {e}"),
    )
}

/// Decodes the bytes of a text file. UTF-8 BOMs are removed; UTF-16 is refused.
pub fn decode<'a>(
    path: &Path,
    bytes: &'a [u8],
    encoding: Kodierung,
    diags: &mut Diagnostics,
) -> Option<std::borrow::Cow<'a, str>> {
    decode_piece(path, bytes, encoding, true, 1, diags)
}

/// Decodes a piece of a text file that starts at line `line0` (cut after a line end, so
/// never inside a character); BOM and UTF-16 are looked for in the `first` piece only.
pub fn decode_piece<'a>(
    path: &Path,
    bytes: &'a [u8],
    encoding: Kodierung,
    first: bool,
    line0: usize,
    diags: &mut Diagnostics,
) -> Option<std::borrow::Cow<'a, str>> {
    if first && (bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF])) {
        diags.push(
            Diagnostic::error("V002", Location::file(path), "Datei ist in UTF-16 gespeichert")
                .hint("In Excel „CSV UTF-8 (durch Trennzeichen getrennt)“ wählen oder die Datei als UTF-8 speichern."),
        );
        return None;
    }
    let body = if first {
        bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
    } else {
        bytes
    };
    match encoding {
        Kodierung::Windows1252 => {
            // borrowed when the file is plain ASCII
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(body);
            Some(text)
        }
        Kodierung::Utf8 => match std::str::from_utf8(body) {
            Ok(t) => Some(std::borrow::Cow::Borrowed(t)),
            Err(_) => {
                report_invalid_utf8(path, body, line0, diags);
                None
            }
        },
    }
}

/// One diagnostic per line with undecodable bytes (at most 10), at the first bad byte, and
/// the total. Linear in the input: the line is counted on from the previous bad byte, the
/// column decoded only for the lines reported (a megabyte of junk once took minutes).
fn report_invalid_utf8(path: &Path, body: &[u8], line0: usize, diags: &mut Diagnostics) {
    let mut reported = 0;
    let mut last_line = 0;
    let mut total = 0;
    let mut offset = 0;
    // line (1-based) and its first byte, valid up to `scanned`
    let (mut line, mut line_start, mut scanned) = (1usize, 0usize, 0usize);
    while offset < body.len() {
        let rest = &body[offset..];
        let Err(e) = std::str::from_utf8(rest) else {
            break;
        };
        let bad = offset + e.valid_up_to();
        let len = e.error_len().unwrap_or(rest.len() - e.valid_up_to()).max(1);
        for (i, &b) in body[scanned..bad].iter().enumerate() {
            if b == b'\n' {
                line += 1;
                line_start = scanned + i + 1;
            }
        }
        scanned = bad;
        total += 1;
        let at = line0 + line - 1;
        if at != last_line && reported < 10 {
            let column = String::from_utf8_lossy(&body[line_start..bad])
                .chars()
                .count()
                + 1;
            let byte = body[bad];
            let guess = encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(&[byte])
                .0
                .into_owned();
            diags.push(
                Diagnostic::error(
                    "V002",
                    Location::text(path, at, column),
                    format!("Byte 0x{byte:02X} ist kein gültiges UTF-8 (in Windows-1252 wäre es „{guess}“)"),
                )
                .hint("Die Datei ist vermutlich in Windows-1252 gespeichert: im Quellprofil kodierung = \"windows-1252\" setzen."),
            );
            reported += 1;
            last_line = at;
        }
        offset = bad + len;
    }
    if total > reported {
        diags.push(Diagnostic::error(
            "V002",
            Location::file(path),
            format!(
                "insgesamt {total} ungültige Bytefolgen (nur die ersten {reported} Zeilen gezeigt)"
            ),
        ).summarising(total, reported));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_and_bom() {
        let mut d = Diagnostics::new();
        let p = Path::new("x.csv");
        assert_eq!(
            decode(p, b"S\xfcdstadt", Kodierung::Windows1252, &mut d).unwrap(),
            "Südstadt"
        );
        assert_eq!(
            decode(p, "\u{feff}a;b".as_bytes(), Kodierung::Utf8, &mut d).unwrap(),
            "a;b"
        );
        assert!(d.is_empty());
    }

    #[test]
    fn invalid_utf8_is_located() {
        let mut d = Diagnostics::new();
        let p = Path::new("x.csv");
        assert!(decode(p, b"a;b\nS\xfcd;1\n", Kodierung::Utf8, &mut d).is_none());
        let first = d.iter().next().unwrap();
        assert_eq!(first.code, "V002");
        assert_eq!(first.location, Location::text(p, 2, 2));
    }
}
