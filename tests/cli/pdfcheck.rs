//! PDF inspection without system tools (lopdf): the automatable part of the PDF/A + PDF/UA
//! checklist and text extraction.

use lopdf::{Dictionary, Document, Object};

pub struct Pdf {
    pub doc: Document,
}

impl Pdf {
    pub fn load(bytes: &[u8]) -> Pdf {
        Pdf {
            doc: Document::load_mem(bytes).expect("PDF lesbar"),
        }
    }

    pub fn pages(&self) -> usize {
        self.doc.get_pages().len()
    }

    /// All text of all pages (via the fonts' ToUnicode maps), runs of spaces collapsed.
    pub fn text(&self) -> String {
        let pages: Vec<u32> = self.doc.get_pages().keys().copied().collect();
        let raw = self.doc.extract_text(&pages).unwrap_or_default();
        let mut out = String::with_capacity(raw.len());
        for line in raw.lines() {
            let mut prev_space = false;
            for c in line.chars() {
                let space = c == ' ' || c == '\u{a0}';
                if !(space && prev_space) {
                    out.push(if space { ' ' } else { c });
                }
                prev_space = space;
            }
            out.push('\n');
        }
        out
    }

    /// The text of one page (1-based) in the order it is drawn.
    pub fn page_text(&self, page: u32) -> String {
        self.doc.extract_text(&[page]).unwrap_or_default()
    }

    /// Whether the last text drawn on a page (1-based) is marked as an artifact (page
    /// decoration outside the structure tree).
    pub fn last_text_is_artifact(&self, page: u32) -> bool {
        let Some(&id) = self.doc.get_pages().get(&page) else {
            return false;
        };
        let Ok(content) = self.doc.get_and_decode_page_content(id) else {
            return false;
        };
        let mut open: Vec<Vec<u8>> = Vec::new();
        let mut last = None;
        for op in &content.operations {
            match op.operator.as_str() {
                "BMC" | "BDC" => open.push(
                    op.operands
                        .first()
                        .and_then(|o| o.as_name().ok())
                        .map(<[u8]>::to_vec)
                        .unwrap_or_default(),
                ),
                "EMC" => {
                    open.pop();
                }
                "Tj" | "TJ" | "'" | "\"" => last = Some(open.iter().any(|t| t == b"Artifact")),
                _ => {}
            }
        }
        last == Some(true)
    }

    fn deref<'a>(&'a self, o: &'a Object) -> &'a Object {
        self.doc.dereference(o).map(|(_, o)| o).unwrap_or(o)
    }

    fn dict<'a>(&'a self, o: &'a Object) -> Option<&'a Dictionary> {
        self.deref(o).as_dict().ok()
    }

    pub fn catalog(&self) -> &Dictionary {
        self.doc.catalog().expect("Catalog")
    }

    pub fn lang(&self) -> String {
        self.catalog()
            .get(b"Lang")
            .ok()
            .map(|o| self.deref(o))
            .and_then(|o| o.as_str().ok())
            .map(|b| String::from_utf8_lossy(b).to_string())
            .unwrap_or_default()
    }

    pub fn has(&self, key: &[u8]) -> bool {
        self.catalog().get(key).is_ok()
    }

    pub fn marked(&self) -> bool {
        self.catalog()
            .get(b"MarkInfo")
            .ok()
            .and_then(|o| self.dict(o))
            .and_then(|d| d.get(b"Marked").ok())
            .and_then(|o| o.as_bool().ok())
            .unwrap_or(false)
    }

    /// The XMP metadata stream as text.
    pub fn xmp(&self) -> String {
        let Ok(o) = self.catalog().get(b"Metadata") else {
            return String::new();
        };
        match self.deref(o) {
            Object::Stream(s) => {
                let content = s
                    .decompressed_content()
                    .unwrap_or_else(|_| s.content.clone());
                String::from_utf8_lossy(&content).to_string()
            }
            _ => String::new(),
        }
    }

    /// Every font descriptor has an embedded font file.
    pub fn fonts_embedded(&self) -> (usize, usize) {
        let mut total = 0;
        let mut embedded = 0;
        for (_, o) in self.doc.objects.iter() {
            if let Ok(d) = o.as_dict()
                && d.get(b"Type").ok().and_then(|t| t.as_name().ok()) == Some(b"FontDescriptor")
            {
                total += 1;
                if d.has(b"FontFile") || d.has(b"FontFile2") || d.has(b"FontFile3") {
                    embedded += 1;
                }
            }
        }
        (total, embedded)
    }

    /// Structure elements of a type (`Figure`, `TH`, `H1` …) with their dictionaries.
    /// The table header cells whose attributes give them the scope `scope` (`Row`, `Column`,
    /// `Both`).
    pub fn header_cells_with_scope(&self, scope: &[u8]) -> usize {
        let has = |a: &Object| {
            self.dict(a)
                .is_some_and(|d| d.get(b"Scope").ok().and_then(|s| s.as_name().ok()) == Some(scope))
        };
        self.struct_elems(b"TH")
            .into_iter()
            .filter(|th| match th.get(b"A").map(|a| self.deref(a)) {
                Ok(Object::Array(list)) => list.iter().any(has),
                Ok(a) => has(a),
                Err(_) => false,
            })
            .count()
    }

    pub fn struct_elems(&self, kind: &[u8]) -> Vec<&Dictionary> {
        self.doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter(|d| {
                d.get(b"Type").ok().and_then(|t| t.as_name().ok()) == Some(b"StructElem")
                    || d.has(b"P") && d.has(b"S")
            })
            .filter(|d| d.get(b"S").ok().and_then(|s| s.as_name().ok()) == Some(kind))
            .collect()
    }

    pub fn text_of(&self, d: &Dictionary, key: &[u8]) -> Option<String> {
        let o = self.deref(d.get(key).ok()?);
        let bytes = o.as_str().ok()?;
        Some(decode_pdf_string(bytes))
    }
}

/// PDF text strings: UTF-16BE with BOM or PDFDocEncoding (≈ Latin-1).
pub fn decode_pdf_string(b: &[u8]) -> String {
    if b.starts_with(&[0xFE, 0xFF]) {
        let units: Vec<u16> = b[2..]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        b.iter().map(|&c| c as char).collect()
    }
}
