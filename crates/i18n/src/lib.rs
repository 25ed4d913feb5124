//! The texts of the UI in Vietnamese (first) and English, kept in resource files.
//!
//! Each file under `locales/<lang>/<area>.toml` holds one area's texts; a key is
//! `<area>.<name>` (nested tables join with dots). Vietnamese is complete by rule; a key
//! missing in English falls back to Vietnamese, and a test keeps the two key sets equal.
//! To add an area, add its two files and one line to [`FILES`].

use std::collections::HashMap;
use std::sync::OnceLock;

/// The language of a page or message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vi" | "vi-vn" => Some(Lang::Vi),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }
}

macro_rules! area {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../locales/vi/", $name, ".toml")),
            include_str!(concat!("../locales/en/", $name, ".toml")),
        )
    };
}

/// Every area: (name, Vietnamese file, English file).
const FILES: &[(&str, &str, &str)] = &[
    area!("common"),
    area!("err"),
    area!("import"),
    area!("shell"),
    area!("auth"),
    area!("orgs"),
    area!("people"),
    area!("search"),
    area!("admin"),
    area!("documents"),
    area!("programs"),
    area!("dashboards"),
    area!("progress"),
    area!("study"),
    area!("inspection"),
    area!("reports"),
    area!("targets"),
    area!("consultation"),
    area!("portal"),
    area!("home"),
    area!("evaluation"),
    area!("emulation"),
];

struct Catalog {
    vi: HashMap<String, String>,
    en: HashMap<String, String>,
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (k, v) in table {
        let key = format!("{prefix}.{k}");
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(&key, t, out),
            other => panic!("i18n: {key} must be a string, found {other}"),
        }
    }
}

fn parse(area: &str, src: &str, out: &mut HashMap<String, String>) {
    let table: toml::Table = src
        .parse()
        .unwrap_or_else(|e| panic!("i18n: {area}.toml does not parse: {e}"));
    flatten(area, &table, out);
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut vi = HashMap::new();
        let mut en = HashMap::new();
        for (area, v, e) in FILES {
            parse(area, v, &mut vi);
            parse(area, e, &mut en);
        }
        Catalog { vi, en }
    })
}

/// The text of `key` in `lang`, falling back to Vietnamese, then to the key itself (so a
/// missing text shows up plainly rather than failing a page).
pub fn tr(lang: Lang, key: &str) -> &'static str {
    let c = catalog();
    let hit = match lang {
        Lang::Vi => c.vi.get(key),
        Lang::En => c.en.get(key).or_else(|| c.vi.get(key)),
    };
    match hit {
        Some(s) => s.as_str(),
        None => {
            // Leak once per unknown key: only reachable through a programming error, and
            // bounded by the number of distinct keys in the code.
            static MISSING: OnceLock<std::sync::Mutex<HashMap<String, &'static str>>> =
                OnceLock::new();
            let mut m = MISSING
                .get_or_init(Default::default)
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            m.entry(key.to_owned())
                .or_insert_with(|| Box::leak(key.to_owned().into_boxed_str()))
        }
    }
}

/// Replaces `{name}` placeholders in a text.
pub fn fill(text: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = text.to_owned();
    for (k, v) in args {
        out = out.replace(&format!("{{{k}}}"), &v.to_string());
    }
    out
}

/// [`fill`] with owned values (a message kept to be rendered later in the reader's
/// language, such as an API error's).
pub fn fill_owned(text: &str, args: &[(&'static str, String)]) -> String {
    let args: Vec<(&str, &dyn std::fmt::Display)> = args
        .iter()
        .map(|(k, v)| (*k, v as &dyn std::fmt::Display))
        .collect();
    fill(text, &args)
}

/// Whether a key exists in Vietnamese.
pub fn has(key: &str) -> bool {
    catalog().vi.contains_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_and_english_have_the_same_keys() {
        let c = catalog();
        let mut only_vi: Vec<_> = c.vi.keys().filter(|k| !c.en.contains_key(*k)).collect();
        let mut only_en: Vec<_> = c.en.keys().filter(|k| !c.vi.contains_key(*k)).collect();
        only_vi.sort();
        only_en.sort();
        assert!(only_vi.is_empty(), "missing in English: {only_vi:?}");
        assert!(only_en.is_empty(), "missing in Vietnamese: {only_en:?}");
    }

    #[test]
    fn lookup_and_fallback() {
        assert_eq!(tr(Lang::Vi, "err.required"), "Trường này là bắt buộc.");
        assert_eq!(tr(Lang::En, "err.required"), "This field is required.");
        assert_eq!(tr(Lang::En, "no.such.key"), "no.such.key");
        assert_eq!(fill("Dòng {n}", &[("n", &5)]), "Dòng 5");
    }
}
