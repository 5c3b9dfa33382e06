//! The CLI's integration tests: one binary, one module per command.

mod common;
mod dedup;
mod eval;
mod faults;
mod formats;
mod index;
mod report;
mod reprint;
mod safety;
mod stories;
