//! What a replica keeps in memory between requests: the API keys it
//! verified and the views it served. Each entry belongs to a generation of
//! the database (see [`crate::service::Generations`]) and is served only to a
//! request that read that same generation after it arrived: a commit that
//! could change a view or a key raises the number, and every replica reads
//! it before answering, so none answers from what the commit replaced.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use actix_web::web::Bytes;
use chrono::NaiveDate;
use uuid::Uuid;

use crate::catalogue::view::digest_of;

/// Entries of one generation, up to a budget: an entry of an older
/// generation is never served, an entry read at a newer one replaces them
/// all.
pub struct Generational<K, V> {
    budget: usize,
    inner: Mutex<Entries<K, V>>,
}

struct Entries<K, V> {
    generation: i64,
    used: usize,
    map: HashMap<K, (V, usize)>,
}

impl<K: Hash + Eq + Clone, V: Clone> Generational<K, V> {
    /// Room for entries of `budget` in size all together; none at 0.
    pub fn new(budget: usize) -> Self {
        Generational {
            budget,
            inner: Mutex::new(Entries {
                generation: i64::MIN,
                used: 0,
                map: HashMap::new(),
            }),
        }
    }

    /// Whether anything is kept.
    pub fn enabled(&self) -> bool {
        self.budget > 0
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries<K, V>> {
        // A panic while the lock was held left the map consistent: every
        // change to it is one call that cannot panic halfway.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The entry of `key` at `generation`, the one the caller has just
    /// read.
    pub fn get(&self, generation: i64, key: &K) -> Option<V> {
        let mut entries = self.entries();
        entries.advance(generation);
        if entries.generation != generation {
            return None;
        }
        entries.map.get(key).map(|(value, _)| value.clone())
    }

    /// Keeps `value` of `size` as the entry of `key`, read at `generation`
    /// (in the same snapshot); dropped when a newer generation was seen
    /// meanwhile. Room is made by dropping other entries.
    pub fn put(&self, generation: i64, key: K, value: V, size: usize) {
        if size > self.budget {
            return;
        }
        let mut entries = self.entries();
        entries.advance(generation);
        if entries.generation != generation {
            return;
        }
        while entries.used + size > self.budget && entries.drop_one() {}
        if let Some((_, old)) = entries.map.insert(key, (value, size)) {
            entries.used -= old;
        }
        entries.used += size;
    }
}

impl<K: Hash + Eq + Clone, V> Entries<K, V> {
    /// Moves to `generation` when it is newer, dropping every entry.
    fn advance(&mut self, generation: i64) {
        if generation > self.generation {
            self.generation = generation;
            self.map.clear();
            self.used = 0;
        }
    }

    /// Drops one entry, whichever the map yields first; false when there
    /// was none.
    fn drop_one(&mut self) -> bool {
        let Some(key) = self.map.keys().next().cloned() else {
            return false;
        };
        if let Some((_, size)) = self.map.remove(&key) {
            self.used -= size;
        }
        true
    }
}

/// The key of a view kept in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewKey {
    /// A customer's view on a day.
    Customer(Uuid, NaiveDate),
    /// One offering of a customer's view on a day.
    CustomerOffering(Uuid, Uuid, NaiveDate),
    /// A consumer group's view on a day.
    ConsumerGroup(Uuid, NaiveDate),
}

/// A view as served: its JSON and its `ETag`.
#[derive(Debug)]
pub struct ServedView {
    /// The JSON.
    pub body: Bytes,
    /// The `ETag`, quoted.
    pub tag: String,
}

impl ServedView {
    /// The JSON of `view` and its tag.
    pub fn of(view: &impl serde::Serialize) -> Result<Arc<ServedView>, serde_json::Error> {
        let body = serde_json::to_vec(view)?;
        let tag = format!("\"v{}\"", digest_of(&body));
        Ok(Arc::new(ServedView {
            body: Bytes::from(body),
            tag,
        }))
    }

    /// What it takes in memory, roughly.
    pub fn size(&self) -> usize {
        self.body.len() + self.tag.len() + 64
    }
}

/// The views a replica keeps.
pub type ViewCache = Generational<ViewKey, Arc<ServedView>>;

/// The keys a replica verified: by a digest of the key presented, who
/// calls.
pub type KeyCache = Generational<[u8; 32], super::auth::Caller>;

/// How many verified keys a replica keeps.
pub const KEYS_KEPT: usize = 10_000;
