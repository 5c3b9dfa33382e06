//! The CLI's integration tests: one binary, one module per command.

mod common;
mod dedup;
mod formats;
mod reprint;
mod safety;
