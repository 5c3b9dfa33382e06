//! The frozen config of the story linker and its builder. The defaults
//! are the schema's ([`crate::settings::StoriesSettings`]); the builder
//! starts from them.

use serde_json::json;

use crate::error::{ConfigError, Result};
use crate::settings::StoriesSettings;

/// What [`StoryFinder`](super::StoryFinder) links, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct StoriesConfig {
    pub(super) threshold: f64,
    pub(super) window_days: u64,
    pub(super) max_span_days: u64,
    pub(super) name_weight: f64,
    pub(super) title_weight: f64,
    pub(super) terms_per_doc: usize,
    pub(super) max_term_docs: usize,
    pub(super) candidates_per_doc: usize,
}

impl StoriesConfig {
    /// A builder holding the schema's defaults.
    pub fn builder() -> StoriesConfigBuilder {
        StoriesConfigBuilder(StoriesSettings::default())
    }

    /// The mean cosine two groups need to be one story.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The parameters, for `summary.json`.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "story_threshold": self.threshold,
            "window_days": self.window_days,
            "story_max_days": self.max_span_days,
            "name_weight": self.name_weight,
            "title_weight": self.title_weight,
            "story_terms_per_doc": self.terms_per_doc,
            "story_max_term_docs": self.max_term_docs,
            "story_candidates_per_doc": self.candidates_per_doc,
        })
    }
}

/// Builds a [`StoriesConfig`]; [`build`](Self::build) checks the ranges.
#[derive(Clone, Debug)]
pub struct StoriesConfigBuilder(StoriesSettings);

impl StoriesConfigBuilder {
    /// See [`StoriesSettings`]' `story_threshold`.
    pub fn threshold(mut self, value: f64) -> Self {
        self.0.story_threshold = value;
        self
    }

    /// See `window_days`.
    pub fn window_days(mut self, value: u64) -> Self {
        self.0.window_days = value;
        self
    }

    /// See `story_max_days`.
    pub fn max_span_days(mut self, value: u64) -> Self {
        self.0.story_max_days = value;
        self
    }

    /// See `name_weight`.
    pub fn name_weight(mut self, value: f64) -> Self {
        self.0.name_weight = value;
        self
    }

    /// See `title_weight`.
    pub fn title_weight(mut self, value: f64) -> Self {
        self.0.title_weight = value;
        self
    }

    /// See `story_terms_per_doc`.
    pub fn terms_per_doc(mut self, value: usize) -> Self {
        self.0.story_terms_per_doc = value;
        self
    }

    /// See `story_max_term_docs`.
    pub fn max_term_docs(mut self, value: usize) -> Self {
        self.0.story_max_term_docs = value;
        self
    }

    /// See `story_candidates_per_doc`.
    pub fn candidates_per_doc(mut self, value: usize) -> Self {
        self.0.story_candidates_per_doc = value;
        self
    }

    /// The config, or [`ConfigError::Invalid`] naming the setting out of
    /// range.
    pub fn build(self) -> Result<StoriesConfig> {
        let s = self.0;
        if !(s.story_threshold > 0.0 && s.story_threshold <= 1.0) {
            return Err(
                ConfigError::invalid("story_threshold", "in (0, 1]", s.story_threshold).into()
            );
        }
        for (name, value) in [("name_weight", s.name_weight), ("title_weight", s.title_weight)] {
            if !(value.is_finite() && value >= 1.0) {
                return Err(ConfigError::invalid(name, "a number of at least 1", value).into());
            }
        }
        for (name, value) in [
            ("story_terms_per_doc", s.story_terms_per_doc),
            ("story_max_term_docs", s.story_max_term_docs),
            ("story_candidates_per_doc", s.story_candidates_per_doc),
        ] {
            if value == 0 {
                return Err(ConfigError::invalid(name, "at least 1", value).into());
            }
        }
        Ok(StoriesConfig {
            threshold: s.story_threshold,
            window_days: s.window_days,
            max_span_days: s.story_max_days,
            name_weight: s.name_weight,
            title_weight: s.title_weight,
            terms_per_doc: s.story_terms_per_doc,
            max_term_docs: s.story_max_term_docs,
            candidates_per_doc: s.story_candidates_per_doc,
        })
    }
}
