//! The synthetic sample city: a deterministic generator for every canonical table, in the
//! formats a real municipality delivers (UTF-8 and Windows-1252, `;` and `,`, decimal
//! commas, an XLSX sheet with a title row, German headers mapped in the configuration,
//! `.` for suppressed cells, tiny Stadtteile with counts of 1–4).
//!
//! Every number is synthetic. The generator is seeded, so the same options give the same
//! bytes; `data-samples/` is its committed output and a test keeps it so.

mod city;
mod config_template;
mod geo;
mod rng;
mod write;

pub use config_template::project_config;

use anyhow::Result;

/// Last population Stichtag of the sample (31.12. of this year); every other period is
/// placed relative to it (Kita 1.3. of the next year, school year starting in this year).
pub const LAST_YEAR: i32 = 2025;
/// The sample's data vintage (Stand).
pub const STAND: &str = "2026-11-01";

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Number of Stadtteile (4..=12,000).
    pub stadtteile: usize,
    /// Number of Sozialräume; `None`: eight by position (centre and seven sectors), otherwise
    /// neighbouring Stadtteile in groups of equal size (Gemeinden in Kreise at federal scale).
    pub sozialraeume: Option<usize>,
    /// Number of years (Stichtage, Schuljahre).
    pub jahre: usize,
    /// Seed.
    pub seed: u64,
}

/// A generated file: name inside the output folder, and its bytes.
pub type SampleFile = (String, Vec<u8>);

/// Generates all sample files in memory.
pub fn generate(opts: Options) -> Result<Vec<SampleFile>> {
    let city = city::City::build(opts);
    write::all_files(&city)
}
