//! Parsing of user input into trusted values. Errors carry a field name and a message code;
//! the code names a text in the i18n resource files (`err.<code>`), so the same error reads
//! in Vietnamese or English at the edge.

use crate::text::nfc;
use time::{Date, Month};

/// One field's problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
}

/// All the problems of one input, in field order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: &'static str, code: &'static str) -> Invalid {
        Invalid(vec![FieldError { field, code }])
    }

    pub fn push(&mut self, field: &'static str, code: &'static str) {
        self.0.push(FieldError { field, code });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(v)` when no problem was recorded.
    pub fn into_result<T>(self, v: T) -> Result<T, Invalid> {
        if self.0.is_empty() { Ok(v) } else { Err(self) }
    }

    /// Records the error of a parse and returns its value, if any.
    pub fn take<T>(&mut self, r: Result<T, Invalid>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.extend(e.0);
                None
            }
        }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.code))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

impl std::error::Error for Invalid {}

/// A required, trimmed, NFC name of at most `max` characters.
pub fn name(field: &'static str, raw: &str, max: usize) -> Result<String, Invalid> {
    let v = nfc(raw.trim());
    let v: String = v.split_whitespace().collect::<Vec<_>>().join(" ");
    if v.is_empty() {
        return Err(Invalid::one(field, "required"));
    }
    if v.chars().count() > max {
        return Err(Invalid::one(field, "too_long"));
    }
    if v.chars().any(char::is_control) {
        return Err(Invalid::one(field, "bad_chars"));
    }
    Ok(v)
}

/// An optional text: empty becomes `None`.
pub fn optional(field: &'static str, raw: &str, max: usize) -> Result<Option<String>, Invalid> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        name(field, raw, max).map(Some)
    }
}

/// A date typed as `dd/mm/yyyy` (also `d/m/yyyy`, `dd-mm-yyyy`) or ISO `yyyy-mm-dd`.
pub fn date(field: &'static str, raw: &str) -> Result<Date, Invalid> {
    parse_date(raw.trim()).ok_or_else(|| Invalid::one(field, "bad_date"))
}

/// An optional date: empty becomes `None`.
pub fn optional_date(field: &'static str, raw: &str) -> Result<Option<Date>, Invalid> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        date(field, raw).map(Some)
    }
}

fn parse_date(s: &str) -> Option<Date> {
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    if parts.len() != 3 {
        return None;
    }
    let nums: Vec<i32> = parts
        .iter()
        .map(|p| p.trim().parse::<i32>().ok())
        .collect::<Option<_>>()?;
    let (y, m, d) = if parts[0].len() == 4 {
        (nums[0], nums[1], nums[2])
    } else {
        (nums[2], nums[1], nums[0])
    };
    if !(1900..=2200).contains(&y) {
        return None;
    }
    let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(y, month, u8::try_from(d).ok()?).ok()
}

/// Formats a date the Vietnamese way: `dd/mm/yyyy`.
pub fn format_date(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

/// A sign-in name: 3 to 64 characters of ASCII letters, digits, `.`, `_`, `-`.
pub fn username(raw: &str) -> Result<String, Invalid> {
    let v = raw.trim().to_ascii_lowercase();
    if v.len() < 3 || v.len() > 64 {
        return Err(Invalid::one("username", "bad_username"));
    }
    if !v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(Invalid::one("username", "bad_username"));
    }
    Ok(v)
}

/// A new password: at least 10 characters, at most 256.
pub fn new_password(raw: &str) -> Result<String, Invalid> {
    let n = raw.chars().count();
    if n < 10 {
        return Err(Invalid::one("password", "password_short"));
    }
    if n > 256 {
        return Err(Invalid::one("password", "too_long"));
    }
    Ok(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_in_vietnamese_order() {
        assert_eq!(date("d", "05/03/2024").unwrap(), date!(2024 - 03 - 05));
        assert_eq!(date("d", "5/3/2024").unwrap(), date!(2024 - 03 - 05));
        assert_eq!(date("d", "2024-03-05").unwrap(), date!(2024 - 03 - 05));
        assert!(date("d", "31/02/2024").is_err());
        assert!(date("d", "hôm qua").is_err());
        assert_eq!(format_date(date!(2024 - 03 - 05)), "05/03/2024");
    }

    #[test]
    fn names_are_trimmed_and_required() {
        assert_eq!(name("n", "  Chi bộ   1 ", 50).unwrap(), "Chi bộ 1");
        assert_eq!(name("n", "   ", 50).unwrap_err().0[0].code, "required");
        assert_eq!(name("n", "abc", 2).unwrap_err().0[0].code, "too_long");
    }

    #[test]
    fn usernames() {
        assert_eq!(username(" HU.LucNam ").unwrap(), "hu.lucnam");
        assert!(username("a b").is_err());
        assert!(username("ab").is_err());
    }
}
