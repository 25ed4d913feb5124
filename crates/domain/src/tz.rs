//! Vietnam's time: UTC+7 all year (no daylight saving). Moments are stored in UTC; days
//! and times are shown, and "today" is decided, in this offset.

use time::{Date, OffsetDateTime, UtcOffset};

/// Vietnam's offset from UTC.
pub const VN_OFFSET: UtcOffset = time::macros::offset!(+7);

/// A moment as a clock in Vietnam shows it.
pub fn local(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(VN_OFFSET)
}

/// The day of a moment in Vietnam.
pub fn local_date(t: OffsetDateTime) -> Date {
    local(t).date()
}

/// The first moment after a day in Vietnam (its local midnight), as a Unix time.
pub fn end_of_day_unix(d: Date) -> i64 {
    d.next_day()
        .unwrap_or(d)
        .midnight()
        .assume_offset(VN_OFFSET)
        .unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn late_evening_utc_is_the_next_day() {
        assert_eq!(
            local_date(datetime!(2025-06-30 17:00 UTC)),
            time::macros::date!(2025 - 07 - 01)
        );
        assert_eq!(
            local_date(datetime!(2025-06-30 16:59 UTC)),
            time::macros::date!(2025 - 06 - 30)
        );
        assert_eq!(local(datetime!(2025-06-30 16:59 UTC)).hour(), 23);
    }
}
