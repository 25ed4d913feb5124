//! View counting and the feedback flood gate, both in memory and off the request's path.
//!
//! A GET of a public article counts once per visitor (address and user agent, hashed:
//! `domain::portal::view_key`) per article per day. Robots and no-browser clients
//! (`domain::portal::is_bot`), HEAD requests and prefetches (`Sec-Purpose`/`Purpose:
//! prefetch`) are not counted. A key seen today in this process is dropped at once; a new
//! one is queued, and the queue is written in one transaction about a second later
//! (`PortalStore::count_views`, which keeps the day's keys, so a restart or a second
//! server counts nobody twice either). So a cached page costs no write, and a thousand
//! views cost one transaction.
//!
//! The flood gate counts feedback posts per address in memory before anything else is
//! done: past [`GATE_MAX`] in [`GATE_WINDOW`] the post is refused with a short page and
//! no database work, so a flood from one address slows nobody else down. (The store's own
//! limits, per address and per article over the last day, stay the rule; the gate only
//! keeps a flood from reaching them.)

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, header};
use store::ViewKey;
use time::Date;

use crate::AppState;

/// How long views wait before they are written together.
const FLUSH_AFTER: Duration = Duration::from_millis(800);
/// Past this many keys in a day the in-memory set starts over (the store still dedupes).
const MAX_SEEN: usize = 1_000_000;

#[derive(Default)]
pub struct ViewCounter {
    state: Mutex<Views>,
}

#[derive(Default)]
struct Views {
    day: Option<Date>,
    seen: HashSet<String>,
    pending: Vec<ViewKey>,
}

/// Whether a request is a prefetch or prerender, not a reader.
fn is_prefetch(h: &HeaderMap) -> bool {
    ["sec-purpose", "purpose", "x-purpose", "x-moz"]
        .iter()
        .any(|n| {
            h.get(*n)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("prefetch") || v.contains("preview"))
        })
}

impl ViewCounter {
    /// A GET of article `article`'s public page.
    pub fn seen(&self, st: &AppState, req: &Request, article: i64) {
        let headers = req.headers();
        let ua = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if domain::portal::is_bot(ua) || is_prefetch(headers) {
            return;
        }
        let ip = super::cache::client_ip(
            st,
            headers,
            req.extensions().get::<ConnectInfo<std::net::SocketAddr>>(),
        );
        self.record(st, article, &ip, ua);
    }

    pub(crate) fn record(&self, st: &AppState, article: i64, ip: &str, ua: &str) {
        let day = domain::tz::local_date(time::OffsetDateTime::now_utc());
        let key = domain::portal::view_key(day, ip, ua, article);
        let start_flush = {
            let Ok(mut v) = self.state.lock() else {
                return;
            };
            if v.day != Some(day) || v.seen.len() >= MAX_SEEN {
                v.day = Some(day);
                v.seen.clear();
            }
            if !v.seen.insert(key.clone()) {
                return;
            }
            v.pending.push(ViewKey {
                article_id: article,
                key,
            });
            v.pending.len() == 1
        };
        if start_flush {
            let st = st.clone();
            tokio::spawn(async move {
                tokio::time::sleep(FLUSH_AFTER).await;
                st.portal.views.flush(&st, day).await;
            });
        }
    }

    async fn flush(&self, st: &AppState, day: Date) {
        let keys = match self.state.lock() {
            Ok(mut v) => std::mem::take(&mut v.pending),
            Err(_) => return,
        };
        if let Err(e) = st.store.count_views(keys, day).await {
            tracing::warn!(error = %e, "could not count article views");
        }
    }
}

/// Feedback posts one address may make in [`GATE_WINDOW`] before the gate refuses.
pub const GATE_MAX: u32 = 10;
pub const GATE_WINDOW: Duration = Duration::from_secs(10 * 60);

#[derive(Default)]
pub struct FloodGate {
    seen: Mutex<HashMap<String, (Instant, u32)>>,
}

impl FloodGate {
    /// Counts a post from `ip`; false when the address is over its limit.
    pub fn admit(&self, ip: &str) -> bool {
        let now = Instant::now();
        let Ok(mut m) = self.seen.lock() else {
            return true;
        };
        if m.len() > 100_000 {
            m.retain(|_, (start, _)| now.duration_since(*start) < GATE_WINDOW);
        }
        let e = m.entry(ip.to_owned()).or_insert((now, 0));
        if now.duration_since(e.0) >= GATE_WINDOW {
            *e = (now, 0);
        }
        e.1 += 1;
        e.1 <= GATE_MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_refuses_one_address_only() {
        let g = FloodGate::default();
        for _ in 0..GATE_MAX {
            assert!(g.admit("1.1.1.1"));
        }
        assert!(!g.admit("1.1.1.1"));
        assert!(g.admit("2.2.2.2"));
    }

    #[test]
    fn prefetches_are_no_readers() {
        let mut h = HeaderMap::new();
        assert!(!is_prefetch(&h));
        h.insert("sec-purpose", "prefetch;prerender".parse().unwrap());
        assert!(is_prefetch(&h));
    }
}
