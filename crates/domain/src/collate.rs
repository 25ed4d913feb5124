//! Vietnamese alphabetical order, the one order of names and units everywhere.
//!
//! The Vietnamese alphabet orders letters a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t
//! u ư v x y, and tones only after the letters ("Bảo" before "Bắc" before "Bình"; "Đông"
//! after "Dương"). Numbers inside names compare as numbers, so "Chi bộ số 2" comes before
//! "Chi bộ số 10". Byte order and diacritic-folded order both get this wrong.
//!
//! The rules are CLDR's Vietnamese collation as ICU4X compiles them ([`compare`]). The
//! databases apply the same rules under the collation name [`SQL_NAME`]: SQLite through
//! this function, registered on every connection; PostgreSQL through an ICU collation
//! created by migration 0019 (`vi-u-kn-true`). SQL orders names with
//! `ORDER BY name COLLATE vi`.

use std::cmp::Ordering;
use std::sync::LazyLock;

use icu_collator::options::CollatorOptions;
use icu_collator::preferences::CollationNumericOrdering;
use icu_collator::{Collator, CollatorBorrowed, CollatorPreferences};

/// The collation's name in SQL, in both backends.
pub const SQL_NAME: &str = "vi";

static VIETNAMESE: LazyLock<CollatorBorrowed<'static>> = LazyLock::new(|| {
    let mut prefs = CollatorPreferences::from(icu_locale_core::locale!("vi"));
    prefs.numeric_ordering = Some(CollationNumericOrdering::True);
    Collator::try_new(prefs, CollatorOptions::default())
        .expect("the compiled data holds the Vietnamese collation")
});

/// Compares two names in Vietnamese alphabetical order, numbers as numbers.
pub fn compare(a: &str, b: &str) -> Ordering {
    VIETNAMESE.compare(a, b)
}

/// Sorts items by a name in Vietnamese alphabetical order (stable).
pub fn sort_by_name<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by(|a, b| compare(name(a), name(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_before_tones_and_d_before_dj() {
        let mut v = vec![
            "Bình Sơn",
            "Bắc Lũng",
            "Bảo Sơn",
            "Bảo Đài",
            "Đông Phú",
            "Dương Đức",
            "Ủy ban",
            "Uông Bí",
            "Ân Thi",
            "An Lạc",
            "Ăn Ninh",
        ];
        sort_by_name(&mut v, |s| s);
        assert_eq!(
            v,
            [
                "An Lạc",
                "Ăn Ninh",
                "Ân Thi",
                "Bảo Đài",
                "Bảo Sơn",
                "Bắc Lũng",
                "Bình Sơn",
                "Dương Đức",
                "Đông Phú",
                "Uông Bí",
                "Ủy ban",
            ]
        );
    }

    #[test]
    fn numbers_compare_as_numbers() {
        let mut v = vec![
            "Chi bộ số 10",
            "Chi bộ số 2",
            "Chi bộ số 1",
            "Tổ 11",
            "Tổ 9",
        ];
        sort_by_name(&mut v, |s| s);
        assert_eq!(
            v,
            [
                "Chi bộ số 1",
                "Chi bộ số 2",
                "Chi bộ số 10",
                "Tổ 9",
                "Tổ 11"
            ]
        );
    }

    #[test]
    fn the_same_name_in_decomposed_form_is_equal() {
        assert_eq!(compare("Nguyễn", "Nguye\u{302}\u{303}n"), Ordering::Equal);
    }
}
