//! One module per subcommand, plus what they share.

pub mod clean;
pub mod dedup;
pub mod eval;
pub mod flags;
pub mod index;
pub mod input;
pub mod output;
pub mod passages;
pub mod query;
pub mod report;
pub mod serve;
pub mod stories;
