//! Everything that leaves the process: atomic file writes and the printer.

pub mod atomic;
pub mod printer;
