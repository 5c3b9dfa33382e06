//! The stored documents answers read, kept decoded between answers.
//!
//! An answer of a reprint index runs the batch pipeline over the subject
//! and the documents related to it (see [`super::online`]); each of those
//! was read from `docs`, `texts` and `learned` and its text decompressed,
//! again for every query that concerns it. A document of a reprint index
//! never changes once committed (documents cannot be deleted from one), so
//! what is read of it can be kept: [`DocCache`] holds, per `DocId`, its id,
//! site and text, up to a bound in bytes, evicting the least recently used.
//! What depends on the learned statistics, which grow with every add, is
//! kept only with the model it was computed by: a document's boilerplate
//! labels, under the model's generation (unique to each model, so that
//! labels of a model learned by a write that failed are never taken for
//! those of another), and used only by answers judged by that same model.
//! An answer is the same with or without the cache.
//!
//! **Only committed documents.** A write transaction that fails leaves its
//! `DocId`s to the next one, for other documents; so a write caches only
//! the documents committed before it began (below its `next_doc`), and a
//! read only sees committed ones.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use crate::boilerplate::Span;
use crate::doc::DocId;

/// Default bound, in MiB, of the stored documents a reprint index keeps
/// decoded between answers (see [`super::Index::set_cache_memory`]): about
/// 40,000 news stories of 2 KiB with their overhead, twice the
/// Reuters-21578 corpus.
pub const DEFAULT_CACHE_MB: usize = 128;

/// Most boilerplate spans kept with a document (news pages have a few; a
/// page with more is labelled again by each answer), so that a cached
/// document's cost is known when it is inserted.
const MAX_KEPT_SPANS: usize = 16;

/// What an answer reads of a stored document.
#[derive(Debug)]
pub(crate) struct CachedDoc {
    pub(crate) id: String,
    pub(crate) site: Option<String>,
    pub(crate) text: String,
    /// Its boilerplate by the model of this generation.
    labels: Mutex<Option<(u64, Arc<Vec<Span>>)>>,
}

impl CachedDoc {
    pub(crate) fn new(id: String, site: Option<String>, text: String) -> Self {
        Self { id, site, text, labels: Mutex::new(None) }
    }

    /// Its boilerplate by the model of `generation`, if known.
    pub(crate) fn labels(&self, generation: u64) -> Option<Arc<Vec<Span>>> {
        let labels = self.labels.lock().unwrap_or_else(PoisonError::into_inner);
        labels.as_ref().filter(|(g, _)| *g == generation).map(|(_, spans)| spans.clone())
    }

    /// Keeps its boilerplate by the model of `generation`, in place of
    /// any kept before (answers by a newer model replace older labels).
    pub(crate) fn keep_labels(&self, generation: u64, spans: &[Span]) {
        if spans.len() <= MAX_KEPT_SPANS {
            *self.labels.lock().unwrap_or_else(PoisonError::into_inner) =
                Some((generation, Arc::new(spans.to_vec())));
        }
    }

    /// Bytes it holds, with a fixed allowance for the entry's bookkeeping
    /// (the document, its `Arc`, the map and recency entries) and its
    /// labels.
    fn cost(&self) -> usize {
        const OVERHEAD: usize = 200 + MAX_KEPT_SPANS * std::mem::size_of::<Span>();
        OVERHEAD + self.id.len() + self.site.as_ref().map_or(0, String::len) + self.text.len()
    }
}

/// Stored documents by `DocId`, least recently used evicted past
/// `capacity` bytes; shared by the readers and the writer of an index.
#[derive(Debug)]
pub(crate) struct DocCache {
    capacity: usize,
    inner: Mutex<Lru>,
}

#[derive(Debug, Default)]
struct Lru {
    /// Each document, its cost and its last use.
    entries: HashMap<DocId, (Arc<CachedDoc>, usize, u64)>,
    /// Documents by last use, oldest first.
    order: BTreeMap<u64, DocId>,
    used: usize,
    clock: u64,
}

impl DocCache {
    /// A cache of at most `capacity` bytes (0: keeps nothing).
    pub(crate) fn new(capacity: usize) -> Self {
        Self { capacity, inner: Mutex::new(Lru::default()) }
    }

    pub(crate) fn get(&self, d: DocId) -> Option<Arc<CachedDoc>> {
        if self.capacity == 0 {
            return None;
        }
        let mut lru = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let lru = &mut *lru;
        lru.clock += 1;
        let (doc, _, last) = lru.entries.get_mut(&d)?;
        lru.order.remove(last);
        *last = lru.clock;
        lru.order.insert(lru.clock, d);
        Some(doc.clone())
    }

    /// Keeps `doc` as `d`, evicting the least recently used documents
    /// past the bound (a document larger than the bound is not kept).
    pub(crate) fn insert(&self, d: DocId, doc: Arc<CachedDoc>) {
        let cost = doc.cost();
        if cost > self.capacity {
            return;
        }
        let mut lru = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let lru = &mut *lru;
        lru.clock += 1;
        if let Some((_, old_cost, last)) = lru.entries.insert(d, (doc, cost, lru.clock)) {
            lru.order.remove(&last);
            lru.used -= old_cost;
        }
        lru.order.insert(lru.clock, d);
        lru.used += cost;
        while lru.used > self.capacity {
            let Some((_, oldest)) = lru.order.pop_first() else { break };
            if let Some((_, cost, _)) = lru.entries.remove(&oldest) {
                lru.used -= cost;
            }
        }
    }

    /// Bytes held now (by [`CachedDoc::cost`]).
    pub(crate) fn used(&self) -> usize {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Arc<CachedDoc> {
        Arc::new(CachedDoc::new("x".into(), None, text.into()))
    }

    #[test]
    fn issue15_the_cache_stays_within_its_bound_evicting_the_least_recently_used() {
        let one = doc(&"a".repeat(100)).cost();
        let cache = DocCache::new(3 * one);
        for i in 0..3 {
            cache.insert(DocId::from_u32(i), doc(&"a".repeat(100)));
        }
        assert_eq!(cache.used(), 3 * one);
        // 0 is used again, so 1 is the least recently used.
        assert!(cache.get(DocId::from_u32(0)).is_some());
        cache.insert(DocId::from_u32(3), doc(&"b".repeat(100)));
        assert_eq!(cache.used(), 3 * one);
        let kept: Vec<bool> = (0..4).map(|i| cache.get(DocId::from_u32(i)).is_some()).collect();
        assert_eq!(kept, [true, false, true, true]);
        // A document larger than the whole bound is not kept.
        cache.insert(DocId::from_u32(4), doc(&"c".repeat(4 * one)));
        assert!(cache.get(DocId::from_u32(4)).is_none());
        assert_eq!(cache.used(), 3 * one);
        // A cache of no bytes keeps nothing.
        let none = DocCache::new(0);
        none.insert(DocId::from_u32(0), doc(""));
        assert!(none.get(DocId::from_u32(0)).is_none());
        assert_eq!(none.used(), 0);
    }
}
