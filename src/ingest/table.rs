//! Column builders for the canonical tables, and their conversion to polars frames.
//! Rows carry their source and line, so later checks can point back into the files.

use crate::domain::{MissingReason, Period};
use crate::schema::{Field, FieldType, TableSchema};
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

/// Whole numbers of a column under construction, and which of them are given. At federal
/// scale such columns have 20 million population rows, all of it fresh memory while
/// reading, so they cost as little as the values allow: nothing per row while no value is
/// given (a field the source does not have), 4 bytes a value while every value fits in 32
/// bits (ages, Klassenstufen and counts of persons always do in practice, and the frame
/// takes them as they are), 8 once one does not; and a flag per row.
#[derive(Debug, Default)]
pub struct Ints {
    /// Rows.
    len: usize,
    values: IntValues,
    /// Which rows have a value (empty while `values` is `NoneGiven`).
    given: Vec<bool>,
}

#[derive(Debug, Default)]
enum IntValues {
    /// No row has a value yet.
    #[default]
    NoneGiven,
    Narrow(Vec<i32>),
    Wide(Vec<i64>),
}

impl Ints {
    fn push(&mut self, v: Option<i64>) {
        self.len += 1;
        match (&mut self.values, v) {
            (IntValues::NoneGiven, None) => {}
            (IntValues::Narrow(n), Some(x)) if i32::try_from(x).is_ok() => {
                n.push(x as i32);
                self.given.push(true);
            }
            (IntValues::Narrow(n), None) => {
                n.push(0);
                self.given.push(false);
            }
            (IntValues::Wide(w), v) => {
                w.push(v.unwrap_or(0));
                self.given.push(v.is_some());
            }
            (_, Some(x)) => {
                self.len -= 1;
                self.widen_for(x);
                self.push(Some(x));
            }
        }
    }

    /// Makes room for `x`: the first value given, or one that does not fit in 32 bits.
    #[cold]
    fn widen_for(&mut self, x: i64) {
        let rows = self.len;
        self.values = match std::mem::take(&mut self.values) {
            IntValues::NoneGiven => {
                self.given = vec![false; rows];
                if i32::try_from(x).is_ok() {
                    IntValues::Narrow(vec![0; rows])
                } else {
                    IntValues::Wide(vec![0; rows])
                }
            }
            IntValues::Narrow(n) => IntValues::Wide(n.into_iter().map(i64::from).collect()),
            wide => wide,
        };
    }

    fn reserve(&mut self, n: usize) {
        match &mut self.values {
            IntValues::NoneGiven => return,
            IntValues::Narrow(v) => v.reserve(n),
            IntValues::Wide(v) => v.reserve(n),
        }
        self.given.reserve(n);
    }

    /// Takes over the rows of `o`, which is left empty (with its buffers).
    fn extend(&mut self, o: &mut Ints) {
        // bring both to the same representation
        match (&self.values, &o.values) {
            (_, IntValues::NoneGiven) => {
                if !matches!(self.values, IntValues::NoneGiven) {
                    self.given.resize(self.len + o.len, false);
                    match &mut self.values {
                        IntValues::Narrow(v) => v.resize(self.len + o.len, 0),
                        IntValues::Wide(v) => v.resize(self.len + o.len, 0),
                        IntValues::NoneGiven => {}
                    }
                }
                self.len += o.len;
                o.len = 0;
                return;
            }
            (IntValues::NoneGiven, IntValues::Narrow(_)) => self.widen_for(0),
            (IntValues::NoneGiven, IntValues::Wide(_)) => self.widen_for(i64::MAX),
            (IntValues::Narrow(_), IntValues::Wide(_)) => self.widen_for(i64::MAX),
            (IntValues::Wide(_), IntValues::Narrow(_)) => o.widen_for(i64::MAX),
            _ => {}
        }
        match (&mut self.values, &mut o.values) {
            (IntValues::Narrow(v), IntValues::Narrow(w)) => {
                v.extend_from_slice(w);
                w.clear();
            }
            (IntValues::Wide(v), IntValues::Wide(w)) => {
                v.extend_from_slice(w);
                w.clear();
            }
            _ => unreachable!("both sides were brought to one representation"),
        }
        self.given.extend_from_slice(&o.given);
        o.given.clear();
        self.len += o.len;
        o.len = 0;
    }

    /// Sets the value of row `i` (a row of this column).
    pub fn set(&mut self, i: usize, v: Option<i64>) {
        if let Some(x) = v
            && (matches!(self.values, IntValues::NoneGiven)
                || matches!(self.values, IntValues::Narrow(_)) && i32::try_from(x).is_err())
        {
            self.widen_for(x);
        }
        match &mut self.values {
            IntValues::NoneGiven => {}
            IntValues::Narrow(n) => {
                n[i] = v.map_or(0, |x| x as i32);
                self.given[i] = v.is_some();
            }
            IntValues::Wide(w) => {
                w[i] = v.unwrap_or(0);
                self.given[i] = v.is_some();
            }
        }
    }

    /// The value of row `i`, if given.
    pub fn get(&self, i: usize) -> Option<i64> {
        match &self.values {
            IntValues::NoneGiven => None,
            IntValues::Narrow(v) => self.given[i].then(|| i64::from(v[i])),
            IntValues::Wide(v) => self.given[i].then(|| v[i]),
        }
    }
}

/// The periods of a column under construction as indices into its distinct periods: a
/// delivery has a handful, and a `Period` is 12 bytes a row.
#[derive(Debug, Default)]
pub struct Periods {
    distinct: Vec<Period>,
    index: Vec<u32>,
}

impl Periods {
    /// The index of `p` among the distinct periods (rows come in runs of one period).
    fn id(&mut self, p: Period) -> u32 {
        if let Some(&last) = self.index.last()
            && self.distinct[last as usize] == p
        {
            return last;
        }
        match self.distinct.iter().position(|d| *d == p) {
            Some(i) => i as u32,
            None => {
                self.distinct.push(p);
                (self.distinct.len() - 1) as u32
            }
        }
    }

    fn push(&mut self, p: Period) {
        let i = self.id(p);
        self.index.push(i);
    }

    /// Takes over the rows of `o` (which keeps its distinct periods: its indices stay valid).
    fn extend(&mut self, o: &mut Periods) {
        let map: Vec<u32> = o.distinct.iter().map(|&p| self.id(p)).collect();
        self.index.extend(o.index.iter().map(|&i| map[i as usize]));
        o.index.clear();
    }

    /// The period of row `r`.
    pub fn get(&self, r: usize) -> Period {
        self.distinct[self.index[r] as usize]
    }

    /// The order of rows `a` and `b` by their periods; rows of the same period (most
    /// neighbours) are told apart by their index alone.
    pub fn cmp_rows(&self, a: usize, b: usize) -> std::cmp::Ordering {
        let (i, j) = (self.index[a], self.index[b]);
        if i == j {
            std::cmp::Ordering::Equal
        } else {
            self.distinct[i as usize].cmp(&self.distinct[j as usize])
        }
    }

    /// The distinct periods, in the order they first appear.
    pub fn distinct(&self) -> &[Period] {
        &self.distinct
    }
}

/// A column under construction.
#[derive(Debug)]
pub enum Col {
    Period(Periods),
    Area(Vec<u32>),
    Int(Ints),
    Code(Vec<Option<u16>>),
    Str(Vec<Option<String>>),
    Count(Ints, Vec<Option<MissingReason>>),
    Amount(Vec<Option<f64>>, Vec<Option<MissingReason>>),
}

impl Col {
    /// Makes room for `rows` more rows.
    fn reserve(&mut self, rows: usize) {
        match self {
            Col::Period(v) => v.index.reserve(rows),
            Col::Area(v) => v.reserve(rows),
            Col::Int(v) => v.reserve(rows),
            Col::Code(v) => v.reserve(rows),
            Col::Str(v) => v.reserve(rows),
            Col::Count(v, r) => {
                v.reserve(rows);
                r.reserve(rows);
            }
            Col::Amount(v, r) => {
                v.reserve(rows);
                r.reserve(rows);
            }
        }
    }
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
                FieldType::Period => Col::Period(Periods::default()),
                FieldType::Area => Col::Area(Vec::new()),
                FieldType::Int { .. } => Col::Int(Ints::default()),
                FieldType::Code(_) => Col::Code(Vec::new()),
                FieldType::Id | FieldType::Text => Col::Str(Vec::new()),
                FieldType::Count => Col::Count(Ints::default(), Vec::new()),
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

    /// Appends the rows of another builder of the same schema.
    pub fn append(&mut self, mut other: TableBuilder) {
        if self.is_empty() {
            // nothing to keep: take the other's columns as they are, no copy
            *self = other;
            return;
        }
        self.append_all(&mut [&mut other]);
    }

    /// Moves the rows of other builders of the same schema to the end of this one, in
    /// their order; they keep their (now empty) buffers for reuse. The columns are
    /// independent, so they are copied side by side.
    pub fn append_all(&mut self, others: &mut [&mut TableBuilder]) {
        use rayon::prelude::*;
        fn take<T: Copy>(v: &mut Vec<T>, o: &mut Vec<T>) {
            v.extend_from_slice(o);
            o.clear();
        }
        let rows: usize = others.iter().map(|o| o.len()).sum();
        let mut theirs: Vec<Vec<&mut Col>> = self.cols.iter().map(|_| Vec::new()).collect();
        let mut sources = Vec::with_capacity(others.len());
        let mut lines = Vec::with_capacity(others.len());
        for o in others.iter_mut() {
            for (t, c) in theirs.iter_mut().zip(&mut o.cols) {
                t.push(c);
            }
            sources.push(&mut o.source);
            lines.push(&mut o.line);
        }
        let (source, line) = (&mut self.source, &mut self.line);
        let ((), ()) = rayon::join(
            || {
                self.cols
                    .par_iter_mut()
                    .zip(theirs.par_iter_mut())
                    .for_each(|(c, theirs)| {
                        c.reserve(rows);
                        for o in theirs.iter_mut() {
                            match (&mut *c, &mut **o) {
                                (Col::Period(v), Col::Period(o)) => v.extend(o),
                                (Col::Area(v), Col::Area(o)) => take(v, o),
                                (Col::Int(v), Col::Int(o)) => v.extend(o),
                                (Col::Code(v), Col::Code(o)) => take(v, o),
                                (Col::Str(v), Col::Str(o)) => v.append(o),
                                (Col::Count(v, r), Col::Count(o, p)) => {
                                    v.extend(o);
                                    take(r, p);
                                }
                                (Col::Amount(v, r), Col::Amount(o, p)) => {
                                    take(v, o);
                                    take(r, p);
                                }
                                _ => unreachable!("builders of one schema have the same columns"),
                            }
                        }
                    });
            },
            || {
                source.reserve(rows);
                line.reserve(rows);
                for (s, l) in sources.iter_mut().zip(lines.iter_mut()) {
                    take(source, s);
                    take(line, l);
                }
            },
        );
    }

    /// Makes room for `rows` more rows.
    pub fn reserve(&mut self, rows: usize) {
        for c in &mut self.cols {
            c.reserve(rows);
        }
        self.source.reserve(rows);
        self.line.reserve(rows);
    }

    /// True if there are no rows.
    pub fn is_empty(&self) -> bool {
        self.source.is_empty()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.source.len()
    }

    /// Appends a row of values in schema order.
    /// Text values are moved out of `vals`.
    pub fn push(&mut self, vals: &mut [Val], source: u16, line: u32) {
        for (col, v) in self.cols.iter_mut().zip(vals.iter_mut()) {
            match (col, v) {
                (Col::Period(c), Val::Period(p)) => c.push(*p),
                (Col::Area(c), Val::Area(a)) => c.push(*a),
                (Col::Int(c), Val::Int(i)) => c.push(Some(*i)),
                (Col::Int(c), _) => c.push(None),
                (Col::Code(c), Val::Code(i)) => c.push(Some(*i)),
                (Col::Code(c), _) => c.push(None),
                (Col::Str(c), Val::Str(s)) => c.push(Some(std::mem::take(s))),
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
    pub fn periods(&self) -> &Periods {
        static NONE: Periods = Periods {
            distinct: Vec::new(),
            index: Vec::new(),
        };
        match &self.cols[0] {
            Col::Period(p) => p,
            _ => &NONE,
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

    /// The distinct periods of the rows, ascending.
    pub fn distinct_periods(&self) -> Vec<Period> {
        let mut distinct = self.periods().distinct().to_vec();
        distinct.sort_unstable();
        distinct
    }

    /// Builds the polars frame: see `docs/data-format.md` for its columns. Period and area
    /// are integers: `zeit` indexes `zeiten` (ascending, holding every period of the rows),
    /// `gebiet` the Gebietsgliederung's Stadtteile; at federal scale their text would cost
    /// 1.4 GB.
    pub fn into_frame(self, zeiten: &[Period], source_names: &[String]) -> PolarsResult<DataFrame> {
        let n = self.len();
        use rayon::prelude::*;
        // the columns are independent: build them side by side
        let fields: Vec<(&'static Field, Col)> = self.schema.fields.iter().zip(self.cols).collect();
        let mut columns: Vec<Column> = fields
            .into_par_iter()
            .map(|(field, col)| field_column(field, col, zeiten))
            .collect::<PolarsResult<Vec<Vec<Column>>>>()?
            .into_iter()
            .flatten()
            .collect();
        columns.push(text_column("quelle", &self.source, |s| {
            Some(source_names[s as usize].as_str())
        }));
        columns.push(UInt32Chunked::from_vec("zeile".into(), self.line).into_column());
        DataFrame::new(n, columns)
    }
}

/// The frame columns of one schema field (a count or amount yields two).
fn field_column(field: &Field, col: Col, zeiten: &[Period]) -> PolarsResult<Vec<Column>> {
    let mut columns = Vec::new();
    let name = field.name;
    match col {
        Col::Period(p) => {
            // each distinct period's place in `zeiten`, then every row by its index
            let place: Vec<u32> = p
                .distinct
                .iter()
                .map(|x| {
                    zeiten.binary_search(x).map(|i| i as u32).map_err(|_| {
                        polars_err!(ComputeError: "Zeitpunkt {} fehlt in der Liste der Zeitpunkte", x.key())
                    })
                })
                .collect::<PolarsResult<_>>()?;
            let mut idx = p.index;
            for i in &mut idx {
                *i = place[*i as usize];
            }
            columns.push(UInt32Chunked::from_vec(name.into(), idx).into_column());
        }
        // area numbers are indices into the Gebietsgliederung already (from_vec: no copy)
        Col::Area(a) => columns.push(UInt32Chunked::from_vec(name.into(), a).into_column()),
        Col::Int(v) => columns.push(whole_numbers(name, v)),
        Col::Code(v) => {
            let FieldType::Code(codes) = field.ty else {
                unreachable!("code column of a code field")
            };
            columns.push(code_column(name, codes, &v)?.into_column());
        }
        Col::Str(v) => columns.push(Column::new(name.into(), v)),
        Col::Count(v, r) => {
            columns.push(whole_numbers(name, v));
            columns.push(reason_column(name, &r));
        }
        Col::Amount(v, r) => {
            columns.push(Column::new(name.into(), v));
            columns.push(reason_column(name, &r));
        }
    }
    Ok(columns)
}

/// A code column: the text of each row's code, taken from the few distinct texts. The rows
/// are taken in parallel slices that become the chunks of the column (one slice of 20
/// million rows took 0.19 s on one core while the other had nothing to do).
fn code_column(name: &str, codes: &[&str], v: &[Option<u16>]) -> PolarsResult<StringChunked> {
    use rayon::prelude::*;
    let dict = StringChunked::from_slice(name.into(), codes);
    let slice = v.len().div_ceil(rayon::current_num_threads()).max(1 << 16);
    let parts = v
        .par_chunks(slice)
        .map(|v| {
            // a code is given in almost every row: then plain indices, no validity to build
            let idx = if v.iter().all(Option::is_some) {
                IdxCa::from_vec(
                    name.into(),
                    v.iter().map(|c| c.map_or(0, IdxSize::from)).collect(),
                )
            } else {
                IdxCa::from_iter_options(name.into(), v.iter().map(|c| c.map(IdxSize::from)))
            };
            dict.take(&idx)
        })
        .collect::<PolarsResult<Vec<StringChunked>>>()?;
    let mut parts = parts.into_iter();
    let Some(mut column) = parts.next() else {
        return Ok(StringChunked::full_null(name.into(), 0));
    };
    for p in parts {
        column.append_owned(p)?;
    }
    Ok(column)
}

/// Whole numbers as 32-bit integers where they fit (ages, Klassenstufen and counts of
/// persons always do in practice: half the memory of the 20 million population rows of
/// every Gemeinde), else as 64-bit ones. Aggregations cast to their own types.
fn whole_numbers(name: &str, v: Ints) -> Column {
    let Ints { len, values, given } = v;
    match values {
        // a field the source does not have
        IntValues::NoneGiven => Column::full_null(name.into(), len, &DataType::Int32),
        IntValues::Narrow(v) => number_column::<Int32Type>(name, v, &given),
        IntValues::Wide(v) => number_column::<Int64Type>(name, v, &given),
    }
}

/// A number column from values and which of them are given; with every value given it is
/// built from plain numbers, with none as a column of nulls (both cost far less than a value
/// and a flag per row).
fn number_column<T: PolarsNumericType>(name: &str, values: Vec<T::Native>, given: &[bool]) -> Column
where
    ChunkedArray<T>: IntoColumn,
{
    if given.iter().all(|&g| g) {
        ChunkedArray::<T>::from_vec(name.into(), values).into_column()
    } else if !given.contains(&true) {
        Column::full_null(name.into(), values.len(), &T::get_static_dtype())
    } else {
        ChunkedArray::<T>::from_iter_options(
            name.into(),
            values.into_iter().zip(given).map(|(v, &g)| g.then_some(v)),
        )
        .into_column()
    }
}

fn reason_column(name: &str, r: &[Option<MissingReason>]) -> Column {
    text_column(&format!("{name}_grund"), r, |x| x.map(MissingReason::key))
}

/// A text column from what each row holds and its text; one value in every row (the only
/// source, no missing reason at all) becomes a constant column that costs nothing per row.
/// The rows are compared as they are held, not as texts.
fn text_column<'a, T: Copy + PartialEq>(
    name: &str,
    rows: &[T],
    text: impl Fn(T) -> Option<&'a str>,
) -> Column {
    if let Some(&first) = rows.first()
        && rows.iter().all(|&v| v == first)
    {
        return match text(first) {
            Some(v) => {
                Column::new_scalar(name.into(), Scalar::from(PlSmallStr::from(v)), rows.len())
            }
            None => Column::full_null(name.into(), rows.len(), &DataType::String),
        };
    }
    Column::new(
        name.into(),
        rows.iter().map(|&v| text(v)).collect::<Vec<Option<&str>>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(values: &[Option<i64>]) -> Ints {
        let mut i = Ints::default();
        for &v in values {
            i.push(v);
        }
        i
    }

    fn all(i: &Ints) -> Vec<Option<i64>> {
        (0..i.len).map(|r| i.get(r)).collect()
    }

    #[test]
    fn whole_numbers_keep_every_value_in_any_representation() {
        let big = Some(5_000_000_000);
        let cases: [&[Option<i64>]; 6] = [
            &[],
            &[None, None],
            &[Some(3), None, Some(0)],
            &[None, None, Some(7)],
            &[None, big, Some(-2)],
            &[Some(1), None, big],
        ];
        for a in cases {
            assert_eq!(all(&ints(a)), a.to_vec());
            for b in cases {
                let (mut x, mut y) = (ints(a), ints(b));
                x.extend(&mut y);
                let want: Vec<Option<i64>> = a.iter().chain(b).copied().collect();
                assert_eq!(all(&x), want, "{a:?} + {b:?}");
                assert_eq!(y.len, 0);
                // the emptied side is used again, as a fork is for the next piece
                y.push(Some(4));
                assert_eq!(all(&y), vec![Some(4)]);
            }
        }
    }

    #[test]
    fn whole_numbers_become_the_narrowest_frame_column() {
        let dtype = |v: &[Option<i64>]| whole_numbers("x", ints(v)).dtype().clone();
        assert_eq!(dtype(&[None, None]), DataType::Int32);
        assert_eq!(dtype(&[Some(1), None]), DataType::Int32);
        assert_eq!(
            dtype(&[Some(1), Some(i64::from(i32::MAX) + 1)]),
            DataType::Int64
        );
        let c = whole_numbers("x", ints(&[Some(2), None, Some(9)]));
        assert_eq!(c.null_count(), 1);
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn code_columns_taken_in_slices_hold_every_row_in_order() {
        let codes = ["m", "w", "divers-und-länger-als-zwölf-bytes"];
        // long enough for several slices on four threads, with and without missing codes
        let n = 300_007;
        let full: Vec<Option<u16>> = (0..n).map(|r| Some((r * 7 % 3) as u16)).collect();
        let mut gaps = full.clone();
        for r in (5..n).step_by(1_001) {
            gaps[r] = None;
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        for v in [full, gaps, Vec::new()] {
            let c = pool
                .install(|| code_column("geschlecht", &codes, &v))
                .unwrap();
            assert_eq!(c.len(), v.len());
            assert_eq!(c.chunks().len(), v.len().div_ceil(75_002).max(1));
            let got: Vec<Option<&str>> = c.iter().collect();
            let want: Vec<Option<&str>> = v.iter().map(|x| x.map(|i| codes[i as usize])).collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn text_columns_of_one_value_are_constant() {
        let names = ["a.csv", "b.csv"];
        let text = |s: u16| Some(names[s as usize]);
        let one = text_column("quelle", &[1u16, 1, 1], text);
        assert!(matches!(one, Column::Scalar(_)));
        assert_eq!(one.str().unwrap().get(2), Some("b.csv"));
        let two = text_column("quelle", &[1u16, 0, 1], text);
        let got: Vec<Option<&str>> = two.str().unwrap().iter().collect();
        assert_eq!(got, [Some("b.csv"), Some("a.csv"), Some("b.csv")]);
        let none = text_column("x_grund", &[None::<MissingReason>; 4], |x| {
            x.map(MissingReason::key)
        });
        assert_eq!(none.null_count(), 4);
        assert_eq!(text_column("leer", &[] as &[u16], text).len(), 0);
    }
}
