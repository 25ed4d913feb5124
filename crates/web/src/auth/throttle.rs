//! The in-memory sign-in throttle: failures per key (username, client address) within a
//! sliding window.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures counted within this window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failed sign-ins allowed per username within the window.
pub const USER_LIMIT: usize = 5;
/// Failed sign-ins allowed per client address within the window (an office shares one).
pub const IP_LIMIT: usize = 20;
/// Keys kept before old ones are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl Throttle {
    pub fn user_key(username: &str) -> String {
        format!("u:{username}")
    }

    pub fn ip_key(ip: IpAddr) -> String {
        format!("ip:{ip}")
    }

    fn limit(key: &str) -> usize {
        if key.starts_with("ip:") {
            IP_LIMIT
        } else {
            USER_LIMIT
        }
    }

    /// How long until an attempt is allowed again, if any key is over its limit.
    pub fn blocked(&self, keys: &[String]) -> Option<Duration> {
        self.blocked_at(keys, Instant::now())
    }

    fn blocked_at(&self, keys: &[String], now: Instant) -> Option<Duration> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        keys.iter()
            .filter_map(|k| {
                let times: Vec<&Instant> = map
                    .get(k)?
                    .iter()
                    .filter(|t| now.duration_since(**t) < WINDOW)
                    .collect();
                let limit = Self::limit(k);
                if times.len() < limit {
                    return None;
                }
                // Allowed again when the failure that made the count reach the limit
                // leaves the window.
                let oldest_counted = times[times.len() - limit];
                Some(WINDOW.saturating_sub(now.duration_since(*oldest_counted)))
            })
            .max()
    }

    pub fn fail(&self, keys: &[String]) {
        self.fail_at(keys, Instant::now());
    }

    fn fail_at(&self, keys: &[String], now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > SWEEP_AT {
            map.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        for k in keys {
            let v = map.entry(k.clone()).or_default();
            v.retain(|t| now.duration_since(*t) < WINDOW);
            v.push(now);
        }
    }

    /// Forgets a key's failures (after a successful sign-in).
    pub fn clear(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_block_a_username_for_the_window() {
        let t = Throttle::default();
        let keys = vec![Throttle::user_key("a")];
        let start = Instant::now();
        for i in 0..4 {
            t.fail_at(&keys, start + Duration::from_secs(i));
            assert!(
                t.blocked_at(&keys, start + Duration::from_secs(i))
                    .is_none()
            );
        }
        t.fail_at(&keys, start + Duration::from_secs(4));
        let wait = t.blocked_at(&keys, start + Duration::from_secs(5)).unwrap();
        assert!(wait > Duration::from_secs(14 * 60));
        assert!(
            t.blocked_at(&keys, start + WINDOW + Duration::from_secs(1))
                .is_none()
        );
        assert!(t.blocked_at(&[Throttle::user_key("b")], start).is_none());
    }

    #[test]
    fn addresses_have_a_higher_limit() {
        let t = Throttle::default();
        let keys = vec![Throttle::ip_key("10.0.0.1".parse().unwrap())];
        let now = Instant::now();
        for _ in 0..USER_LIMIT {
            t.fail_at(&keys, now);
        }
        assert!(t.blocked_at(&keys, now).is_none());
        for _ in USER_LIMIT..IP_LIMIT {
            t.fail_at(&keys, now);
        }
        assert!(t.blocked_at(&keys, now).is_some());
    }
}
