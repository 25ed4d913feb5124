//! The store's clock: the moment every write is stamped with and the day its rules compare
//! with ("not before the conference", "late").
//!
//! It is the real time, except inside [`at`]: the demo tells a story over past weeks (the
//! resolution cascaded days after it was issued, programs drafted before they were issued)
//! by running those writes as of their day. The override is task-local, so it reaches only
//! the future it wraps, never another request; nothing but the demo loader sets it.

use std::future::Future;
use time::{Date, OffsetDateTime};

tokio::task_local! {
    static AS_OF: OffsetDateTime;
}

/// Now: the real time, or the moment set by an enclosing [`at`].
pub fn now() -> OffsetDateTime {
    AS_OF
        .try_with(|t| *t)
        .unwrap_or_else(|_| OffsetDateTime::now_utc())
}

/// Today in Vietnam by [`now`].
pub fn today() -> Date {
    domain::tz::local_date(now())
}

/// Runs `f` with the store's clock reading `moment` (it does not move while `f` runs).
pub async fn at<F: Future>(moment: OffsetDateTime, f: F) -> F::Output {
    AS_OF.scope(moment, f).await
}

/// Nine in the morning of a day in Vietnam: the moment [`at`] uses for "on that day".
pub fn morning_of(day: Date) -> OffsetDateTime {
    day.with_hms(9, 0, 0)
        .expect("9:00 is a time")
        .assume_offset(domain::tz::VN_OFFSET)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[tokio::test]
    async fn the_clock_is_set_only_inside_at() {
        let day = date!(2025 - 03 - 10);
        let inside = at(morning_of(day), async { (today(), now()) }).await;
        assert_eq!(inside.0, day);
        assert_eq!(inside.1, morning_of(day));
        assert_ne!(today(), day);
    }
}
