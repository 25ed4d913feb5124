//! Small in-process caches on the hot path of every signed-in request.
//!
//! With SQLite each query is a round trip to the connection's worker thread, and a page
//! needs several; the session record and the principal are the same on every request of
//! a user, so they are kept here for a short while.
//!
//! - Sessions: write-through (every create, save and delete goes to the database first,
//!   then here), entries trusted for [`SESSION_TTL`] so that another server process
//!   sharing a PostgreSQL database sees a sign-out within that time.
//! - Principals: trusted for [`PRINCIPAL_TTL`]; a revoked grant or a disabled account takes
//!   effect within that time (and at once in this process, which drops its entry when it
//!   changes accounts or grants).
//!
//! Both are bounded: past [`MAX_ENTRIES`] the cache is emptied, which costs one query per
//! active user to refill.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_TTL: Duration = Duration::from_secs(10);
pub const PRINCIPAL_TTL: Duration = Duration::from_secs(10);
pub const MAX_ENTRIES: usize = 50_000;

/// A map whose entries are trusted for a fixed time.
#[derive(Debug)]
pub struct TtlCache<K, V> {
    ttl: Duration,
    map: Mutex<HashMap<K, (V, Instant)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration) -> Self {
        TtlCache {
            ttl,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (V, Instant)>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, k: &K) -> Option<V> {
        let map = self.lock();
        map.get(k)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(v, _)| v.clone())
    }

    pub fn put(&self, k: K, v: V) {
        let mut map = self.lock();
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(k, (v, Instant::now()));
    }

    pub fn remove(&self, k: &K) {
        self.lock().remove(k);
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_are_bounded() {
        let c = TtlCache::new(Duration::from_millis(30));
        c.put(1, "a");
        assert_eq!(c.get(&1), Some("a"));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(c.get(&1), None);
        for i in 0..MAX_ENTRIES + 1 {
            c.put(i, "x");
        }
        assert!(c.lock().len() <= MAX_ENTRIES);
        c.remove(&MAX_ENTRIES);
        assert_eq!(c.get(&MAX_ENTRIES), None);
    }
}
