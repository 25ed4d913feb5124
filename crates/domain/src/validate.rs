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
    if crate::text::hidden_char(&v).is_some() {
        return Err(Invalid::one(field, "hidden_chars"));
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

/// Fewest characters of a new password.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Most characters of a new password.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A new password: 10 to 256 characters, not only spaces, and not a common or easily
/// guessed one. See [`new_password_for`]; this one knows nothing of the account.
pub fn new_password(raw: &str) -> Result<String, Invalid> {
    new_password_for(raw, &[])
}

/// A new password for an account whose names (user name, display name) are `personal`:
///
/// - `password_blank`: nothing but whitespace;
/// - `password_short` / `too_long`: fewer than [`MIN_PASSWORD_CHARS`] or more than
///   [`MAX_PASSWORD_CHARS`] characters;
/// - `password_common`: on a list of common passwords: zxcvbn's (30,000 passwords from
///   leaks, with English words, names and keyboard patterns) or ours of Vietnamese ones
///   (`data/common-passwords-vi.txt`: "matkhau123", "anhyeuem", "vietnam2025"…), compared
///   without case, diacritics, spaces and a trailing run of digits or symbols;
/// - `password_guessable`: guessable otherwise — zxcvbn estimates fewer than 10¹⁰ guesses
///   (its score below 3: sequences like `1234567890`, repeats, dates, the account's own
///   names).
///
/// No composition rules (upper case, digits, symbols), as NIST SP 800-63B and OWASP ASVS
/// 2.1.9 advise: a long phrase in Vietnamese passes.
pub fn new_password_for(raw: &str, personal: &[&str]) -> Result<String, Invalid> {
    if !raw.is_empty() && raw.trim().is_empty() {
        return Err(Invalid::one("password", "password_blank"));
    }
    let n = raw.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(Invalid::one("password", "password_short"));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(Invalid::one("password", "too_long"));
    }
    if is_common_vietnamese(raw) {
        return Err(Invalid::one("password", "password_common"));
    }
    let inputs: Vec<String> = personal
        .iter()
        .flat_map(|p| {
            let folded = crate::text::fold(p);
            let joined = folded.replace(' ', "");
            let mut words: Vec<String> = folded.split(' ').map(str::to_owned).collect();
            words.push(joined);
            words.push(p.to_lowercase());
            words
        })
        .filter(|w| w.chars().count() >= 3)
        .collect();
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(raw, &inputs);
    let common = estimate
        .feedback()
        .and_then(|f| f.warning())
        .is_some_and(|w| {
            use zxcvbn::feedback::Warning::*;
            matches!(
                w,
                ThisIsATop10Password
                    | ThisIsATop100Password
                    | ThisIsACommonPassword
                    | ThisIsSimilarToACommonlyUsedPassword
            )
        });
    if common {
        return Err(Invalid::one("password", "password_common"));
    }
    if (estimate.score() as u8) < 3 {
        return Err(Invalid::one("password", "password_guessable"));
    }
    Ok(raw.to_owned())
}

/// Common Vietnamese passwords, one a line, folded (lowercase, no diacritics, no spaces).
const COMMON_VI: &str = include_str!("../data/common-passwords-vi.txt");

/// Whether a password is one of [`COMMON_VI`], compared folded, without spaces and without
/// a trailing run of digits and symbols ("Mật khẩu 123!" is "matkhau").
fn is_common_vietnamese(raw: &str) -> bool {
    static LIST: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    let list = LIST.get_or_init(|| {
        COMMON_VI
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    });
    let folded: String = crate::text::fold(raw)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let stem = folded.trim_end_matches(|c: char| !c.is_alphabetic());
    let stem = stem.trim_start_matches(|c: char| !c.is_alphabetic());
    list.contains(folded.as_str()) || (!stem.is_empty() && list.contains(stem))
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
    fn names_refuse_bidirectional_and_invisible_characters() {
        // "Nguyễn Văn A" with a right-to-left override: shown reversed, stored disguised.
        let e = name("full_name", "Nguyễn Văn \u{202E}A gnáT", 120).unwrap_err();
        assert_eq!(e.0[0].code, "hidden_chars");
        for c in ['\u{2066}', '\u{2069}', '\u{200F}', '\u{200B}', '\u{FEFF}'] {
            let e = name("name", &format!("Chi bộ{c} 1"), 200).unwrap_err();
            assert_eq!(e.0[0].code, "hidden_chars", "{c:?}");
        }
        assert_eq!(
            optional("title", "Nghị quyết\u{2067} số 1", 100)
                .unwrap_err()
                .0[0]
                .code,
            "hidden_chars"
        );
        assert!(name("name", "Nguyễn Thị Hoà", 120).is_ok());
    }

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        let code = |p: &str| {
            new_password(p)
                .map(|_| "ok")
                .unwrap_or_else(|e| e.0[0].code)
        };
        assert_eq!(code("          "), "password_blank");
        assert_eq!(code("\t\t\t\t\t\t\t\t\t\t\t"), "password_blank");
        assert_eq!(code("ngắn"), "password_short");
        assert_eq!(code(&"x".repeat(257)), "too_long");
        assert_eq!(code("1234567890"), "password_common");
        assert_eq!(code("password123"), "password_common");
        assert_eq!(code("qwertyuiop"), "password_common");
        assert_eq!(code("Mật khẩu 123"), "password_common");
        assert_eq!(code("matkhau2025"), "password_common");
        assert_eq!(code("Anh yêu em!!"), "password_common");
        assert_eq!(code("Việt Nam 123456"), "password_common");
        assert_eq!(code("abcabcabcabc"), "password_guessable");
        assert_eq!(code("aaaaaaaaaaaa"), "password_guessable");
        assert_eq!(code("mot-mat-khau-dai"), "ok");
        assert_eq!(code("mật khẩu đủ dài"), "ok");
        assert_eq!(code("Cây đa giếng nước sân đình"), "ok");
        // The account's own names make a password guessable.
        assert_eq!(
            new_password_for(
                "hu.lucnam2025",
                &["hu.lucnam", "Văn phòng Huyện ủy Lục Nam"]
            )
            .unwrap_err()
            .0[0]
                .code,
            "password_guessable"
        );
    }

    #[test]
    fn usernames() {
        assert_eq!(username(" HU.LucNam ").unwrap(), "hu.lucnam");
        assert!(username("a b").is_err());
        assert!(username("ab").is_err());
    }
}
