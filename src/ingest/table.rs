//! Column builders for the canonical tables, and their conversion to polars frames.
//! Rows carry their source and line, so later checks can point back into the files.

use crate::domain::{MissingReason, Period};
use crate::schema::{FieldType, TableSchema};
use polars::prelude::*;

/// One parsed value of a canonical row.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// Not given by this source.
    Null,
    /// A period.
    Period(Period),
    /// Index into the Gebietsgliederung.
    Area(u32),
    /// A whole number key.
    Int(i64),
    /// A canonical code (index into the field's list).
    Code(u16),
    /// Free text or id.
    Str(String),
    /// A count, or why it is missing (`-` is 0 with reason `Nichts`).
    Count(Option<i64>, Option<MissingReason>),
    /// A decimal amount, or why it is missing.
    Amount(Option<f64>, Option<MissingReason>),
}

/// A column under construction.
#[derive(Debug)]
pub enum Col {
    Period(Vec<Period>),
    Area(Vec<u32>),
    Int(Vec<Option<i64>>),
    Code(Vec<Option<u16>>),
    Str(Vec<Option<String>>),
    Count(Vec<Option<i64>>, Vec<Option<MissingReason>>),
    Amount(Vec<Option<f64>>, Vec<Option<MissingReason>>),
}

/// A canonical table under construction: one column per schema field, plus provenance.
#[derive(Debug)]
pub struct TableBuilder {
    /// The schema.
    pub schema: &'static TableSchema,
    /// Columns in schema order.
    pub cols: Vec<Col>,
    /// Source index per row.
    pub source: Vec<u16>,
    /// Line (text) or 0-based sheet row / record per row.
    pub line: Vec<u32>,
}

impl TableBuilder {
    /// An empty table.
    pub fn new(schema: &'static TableSchema) -> Self {
        let cols = schema
            .fields
            .iter()
            .map(|f| match f.ty {
                FieldType::Period => Col::Period(Vec::new()),
                FieldType::Area => Col::Area(Vec::new()),
                FieldType::Int { .. } => Col::Int(Vec::new()),
                FieldType::Code(_) => Col::Code(Vec::new()),
                FieldType::Id | FieldType::Text => Col::Str(Vec::new()),
                FieldType::Count => Col::Count(Vec::new(), Vec::new()),
                FieldType::Amount => Col::Amount(Vec::new(), Vec::new()),
            })
            .collect();
        TableBuilder {
            schema,
            cols,
            source: Vec::new(),
            line: Vec::new(),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.source.len()
    }

    /// Appends a row of values in schema order.
    pub fn push(&mut self, vals: &[Val], source: u16, line: u32) {
        for (col, v) in self.cols.iter_mut().zip(vals) {
            match (col, v) {
                (Col::Period(c), Val::Period(p)) => c.push(*p),
                (Col::Area(c), Val::Area(a)) => c.push(*a),
                (Col::Int(c), Val::Int(i)) => c.push(Some(*i)),
                (Col::Int(c), _) => c.push(None),
                (Col::Code(c), Val::Code(i)) => c.push(Some(*i)),
                (Col::Code(c), _) => c.push(None),
                (Col::Str(c), Val::Str(s)) => c.push(Some(s.clone())),
                (Col::Str(c), _) => c.push(None),
                (Col::Count(v, r), Val::Count(x, why)) => {
                    v.push(*x);
                    r.push(*why);
                }
                (Col::Count(v, r), _) => {
                    v.push(None);
                    r.push(None);
                }
                (Col::Amount(v, r), Val::Amount(x, why)) => {
                    v.push(*x);
                    r.push(*why);
                }
                (Col::Amount(v, r), _) => {
                    v.push(None);
                    r.push(None);
                }
                // Period and area are always present: the mapper rejects rows without them.
                (Col::Period(c), _) => c.push(Period::Kalenderjahr(0)),
                (Col::Area(c), _) => c.push(u32::MAX),
            }
        }
        self.source.push(source);
        self.line.push(line);
    }

    /// The period column.
    pub fn periods(&self) -> &[Period] {
        match &self.cols[0] {
            Col::Period(p) => p,
            _ => &[],
        }
    }

    /// The area column.
    pub fn areas(&self) -> &[u32] {
        self.cols
            .iter()
            .find_map(|c| match c {
                Col::Area(a) => Some(a.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }

    /// A column by field name.
    pub fn col(&self, name: &str) -> Option<&Col> {
        self.schema
            .fields
            .iter()
            .position(|f| f.name == name)
            .map(|i| &self.cols[i])
    }

    /// Builds the polars frame: see `docs/data-format.md` for its columns.
    pub fn into_frame(
        self,
        area_nr: &[String],
        area_sr: &[String],
        source_names: &[String],
    ) -> PolarsResult<DataFrame> {
        let n = self.len();
        let mut columns: Vec<Column> = Vec::new();
        for (field, col) in self.schema.fields.iter().zip(self.cols) {
            let name = field.name;
            match col {
                Col::Period(p) => {
                    columns.push(Column::new(
                        "zeit".into(),
                        p.iter().map(|x| x.key()).collect::<Vec<_>>(),
                    ));
                    columns.push(Column::new(
                        "zeitart".into(),
                        p.iter().map(|x| x.kind().label()).collect::<Vec<_>>(),
                    ));
                    columns.push(Column::new(
                        "jahr".into(),
                        p.iter().map(|x| x.year()).collect::<Vec<_>>(),
                    ));
                    columns.push(Column::new(
                        "monat".into(),
                        p.iter()
                            .map(|x| match x {
                                Period::Monat { month, .. } => Some(i32::from(*month)),
                                Period::Stichtag(d) => Some(i32::from(d.month)),
                                _ => None,
                            })
                            .collect::<Vec<_>>(),
                    ));
                }
                Col::Area(a) => {
                    let get = |v: &[String], i: u32| v.get(i as usize).cloned().unwrap_or_default();
                    columns.push(Column::new(
                        "gebiet".into(),
                        a.iter().map(|&i| get(area_nr, i)).collect::<Vec<_>>(),
                    ));
                    columns.push(Column::new(
                        "sozialraum".into(),
                        a.iter().map(|&i| get(area_sr, i)).collect::<Vec<_>>(),
                    ));
                }
                Col::Int(v) => columns.push(Column::new(name.into(), v)),
                Col::Code(v) => {
                    let FieldType::Code(codes) = field.ty else {
                        unreachable!("code column of a code field")
                    };
                    columns.push(Column::new(
                        name.into(),
                        v.iter()
                            .map(|c| c.map(|i| codes[i as usize]))
                            .collect::<Vec<_>>(),
                    ));
                }
                Col::Str(v) => columns.push(Column::new(name.into(), v)),
                Col::Count(v, r) => {
                    columns.push(Column::new(name.into(), v));
                    columns.push(reason_column(name, &r));
                }
                Col::Amount(v, r) => {
                    columns.push(Column::new(name.into(), v));
                    columns.push(reason_column(name, &r));
                }
            }
        }
        columns.push(Column::new(
            "quelle".into(),
            self.source
                .iter()
                .map(|&s| source_names[s as usize].clone())
                .collect::<Vec<_>>(),
        ));
        columns.push(Column::new("zeile".into(), self.line));
        DataFrame::new(n, columns)
    }
}

fn reason_column(name: &str, r: &[Option<MissingReason>]) -> Column {
    Column::new(
        format!("{name}_grund").into(),
        r.iter()
            .map(|x| {
                x.map(|m| {
                    serde_json::to_value(m)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                })
            })
            .collect::<Vec<_>>(),
    )
}
