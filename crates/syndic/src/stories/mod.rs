//! Stories: documents that cover the same event, whether they reuse text
//! or say it in their own words.
//!
//! Reprint mode finds reused text. Three outlets reporting one speech, or
//! the follow-ups to a story, share no passage but the same actors, places
//! and rare words. [`StoryFinder`] links them:
//!
//! * each document becomes a sparse TF-IDF vector over its own text
//!   (reprint mode's boilerplate left out), names and headline words
//!   weighted up (`vector`);
//! * candidates come from an inverted index over each document's rarest
//!   terms, bounded per document and, for dated documents, within
//!   `window_days` (`candidates`);
//! * the reuse clusters of the reprint stage start the stories; candidate
//!   pairs join groups by an average-link decision, so that no single pair
//!   chains two stories (`link`, the chaining rule);
//! * every linked pair is a [`Relation`]: `copy`, `near_copy` and `reprint`
//!   from the reprint stage, `same_story` with the terms that carried it.
//!
//! The finder reads the corpus once ([`StoryFinder::add_batch`], with the
//! day of each document, see [`parse_day`]) after the reprint stage, and
//! [`StoryFinder::finish`] takes that stage's result. Results depend only
//! on the documents and the config, never on the thread count.
//!
//! [`OnlineStories`] answers the same question for one document at a time,
//! by the same rules (`online`; the index's stories).
//!
//! Where the code is: `config` (the frozen [`StoriesConfig`]), `date`,
//! `vector`, `candidates`, `link`, `relation`, `finder` and `online`.

mod candidates;
mod config;
mod date;
mod finder;
mod link;
mod online;
mod relation;
#[cfg(test)]
pub(crate) mod tests;
mod vector;

pub use config::{StoriesConfig, StoriesConfigBuilder};
pub use date::{add_days, parse_day, Day};
pub(crate) use finder::reuse_kind;
pub use finder::{StoriesResult, StoriesStats, StoryFinder};
pub use online::{OnlineStories, ReuseLink, StoryAnswer, StoryDoc, StoryLink};
pub use relation::{Relation, RelationKind, SharedTerms};
pub(crate) use vector::RawTerm;
