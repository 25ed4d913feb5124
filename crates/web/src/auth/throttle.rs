//! The in-memory sign-in throttle: attempts per key (a user name, a signed-in device of
//! that user, a client address) within a sliding window, with a growing delay past a limit.
//!
//! An attempt is *reserved* before its password is verified ([`Throttle::reserve`]): the
//! reservation counts as a failure at once, under the same lock that checked the limit, so
//! that forty attempts sent together are not all let through before the first one fails
//! (issue 11, defect 5). A successful sign-in takes its reservation back
//! ([`Throttle::succeeded`]); a failed one leaves it counted.
//!
//! Past its limit a key is not walled off for the whole window: each further attempt waits
//! twice as long as the one before, from [`FIRST_DELAY`] up to [`WINDOW`], counted from the
//! key's latest attempt (defect 6). An owner who signed in before from the same browser
//! carries a device cookie (see `auth::device`); their attempts are counted under that
//! device alone, so someone guessing at their user name from elsewhere does not lock them
//! out (OWASP's "device cookies" for lockouts).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Attempts counted within this window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failed sign-ins allowed per user name (or per signed-in device) before delays begin.
pub const USER_LIMIT: usize = 5;
/// Failed sign-ins allowed per client address before delays begin (an office shares one).
pub const IP_LIMIT: usize = 20;
/// The wait before the first attempt past a limit; each further one doubles it.
pub const FIRST_DELAY: Duration = Duration::from_secs(2);
/// Keys kept before old ones are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Default)]
pub struct Throttle {
    attempts: Mutex<HashMap<String, Vec<Attempt>>>,
    next_id: AtomicU64,
}

#[derive(Debug, Clone, Copy)]
struct Attempt {
    at: Instant,
    id: u64,
}

/// An attempt let through, counted as a failure until [`Throttle::succeeded`].
#[derive(Debug)]
#[must_use = "a reservation stays counted as a failure unless it succeeded"]
pub struct Reservation {
    keys: Vec<String>,
    id: u64,
}

impl Throttle {
    pub fn user_key(username: &str) -> String {
        format!("u:{username}")
    }

    pub fn device_key(username: &str, device: &str) -> String {
        format!("d:{username}:{device}")
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

    /// The wait before the next attempt on a key with `n` counted attempts, the latest at
    /// `latest`: none below the limit, then [`FIRST_DELAY`] doubling per attempt past it,
    /// at most [`WINDOW`].
    fn wait(limit: usize, n: usize, latest: Instant, now: Instant) -> Option<Duration> {
        if n < limit {
            return None;
        }
        let past = (n - limit).min(16) as u32;
        let delay = FIRST_DELAY.saturating_mul(1 << past).min(WINDOW);
        let since = now.saturating_duration_since(latest);
        (since < delay).then(|| delay - since)
    }

    /// Lets an attempt through and counts it, or says how long to wait.
    pub fn reserve(&self, keys: &[String]) -> Result<Reservation, Duration> {
        self.reserve_at(keys, Instant::now())
    }

    fn reserve_at(&self, keys: &[String], now: Instant) -> Result<Reservation, Duration> {
        let mut map = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > SWEEP_AT {
            map.retain(|_, v| {
                v.iter()
                    .any(|a| now.saturating_duration_since(a.at) < WINDOW)
            });
        }
        let mut longest: Option<Duration> = None;
        for k in keys {
            let Some(v) = map.get_mut(k) else { continue };
            v.retain(|a| now.saturating_duration_since(a.at) < WINDOW);
            let latest = v.iter().map(|a| a.at).max();
            if let Some(w) = latest.and_then(|l| Self::wait(Self::limit(k), v.len(), l, now)) {
                longest = Some(longest.map_or(w, |l| l.max(w)));
            }
        }
        if let Some(w) = longest {
            return Err(w);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        for k in keys {
            map.entry(k.clone())
                .or_default()
                .push(Attempt { at: now, id });
        }
        Ok(Reservation {
            keys: keys.to_vec(),
            id,
        })
    }

    /// The attempt succeeded: it is no failure, and the keys in `forget` (the user name's
    /// or the device's) start afresh. The address keeps its other failures.
    pub fn succeeded(&self, r: Reservation, forget: &[String]) {
        let mut map = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        for k in &r.keys {
            if let Some(v) = map.get_mut(k) {
                v.retain(|a| a.id != r.id);
            }
        }
        for k in forget {
            map.remove(k);
        }
    }

    /// The attempt failed: it stays counted.
    pub fn failed(&self, r: Reservation) {
        drop(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn five_failures_then_a_doubling_delay_not_a_wall() {
        let t = Throttle::default();
        let keys = vec![Throttle::user_key("a")];
        let start = Instant::now();
        for i in 0..5 {
            let r = t
                .reserve_at(&keys, start + secs(i))
                .expect("under the limit");
            t.failed(r);
        }
        // The sixth waits 2 s after the fifth, the seventh 4 s after the sixth, and so on.
        assert_eq!(t.reserve_at(&keys, start + secs(5)).unwrap_err(), secs(1));
        let r = t.reserve_at(&keys, start + secs(6)).expect("after 2 s");
        t.failed(r);
        assert_eq!(t.reserve_at(&keys, start + secs(7)).unwrap_err(), secs(3));
        let r = t.reserve_at(&keys, start + secs(10)).expect("after 4 s");
        t.failed(r);
        assert_eq!(t.reserve_at(&keys, start + secs(10)).unwrap_err(), secs(8));
        // Never longer than the window, and other names are not touched.
        let mut at = start + secs(20);
        for _ in 0..20 {
            match t.reserve_at(&keys, at) {
                Ok(r) => t.failed(r),
                Err(w) => {
                    assert!(w <= WINDOW);
                    at += w;
                }
            }
        }
        assert!(t.reserve_at(&[Throttle::user_key("b")], at).is_ok());
    }

    #[test]
    fn reservations_count_before_the_password_is_checked() {
        // Forty attempts at once: the sixth is refused although none has failed yet.
        let t = Throttle::default();
        let keys = vec![Throttle::user_key("a")];
        let now = Instant::now();
        let held: Vec<Reservation> = (0..40)
            .filter_map(|_| t.reserve_at(&keys, now).ok())
            .collect();
        assert_eq!(held.len(), USER_LIMIT);
    }

    #[test]
    fn success_takes_its_reservation_back_and_forgets_the_name() {
        let t = Throttle::default();
        let ip = Throttle::ip_key("10.0.0.1".parse().unwrap());
        let user = Throttle::user_key("a");
        let now = Instant::now();
        for _ in 0..4 {
            let r = t.reserve_at(&[user.clone(), ip.clone()], now).unwrap();
            t.failed(r);
        }
        let r = t.reserve_at(&[user.clone(), ip.clone()], now).unwrap();
        t.succeeded(r, std::slice::from_ref(&user));
        let map = t.attempts.lock().unwrap();
        assert!(!map.contains_key(&user));
        assert_eq!(map[&ip].len(), 4, "the address keeps its failures");
    }

    #[test]
    fn addresses_have_a_higher_limit() {
        let t = Throttle::default();
        let keys = vec![Throttle::ip_key("10.0.0.1".parse().unwrap())];
        let now = Instant::now();
        for _ in 0..IP_LIMIT {
            let r = t.reserve_at(&keys, now).unwrap();
            t.failed(r);
        }
        assert!(t.reserve_at(&keys, now).is_err());
        assert!(t.reserve_at(&keys, now + WINDOW).is_ok());
    }

    #[test]
    fn a_device_is_counted_apart_from_its_user_name() {
        let t = Throttle::default();
        let user = vec![Throttle::user_key("owner")];
        let now = Instant::now();
        for _ in 0..30 {
            if let Ok(r) = t.reserve_at(&user, now) {
                t.failed(r);
            }
        }
        assert!(t.reserve_at(&user, now).is_err());
        let device = vec![Throttle::device_key("owner", "abc")];
        assert!(t.reserve_at(&device, now).is_ok());
    }
}
