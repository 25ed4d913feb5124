//! The shipped administrative-unit files.

use serde::Deserialize;

pub const PRE_2025: &str = include_str!("../data/vietnam_pre2025_3level.json");
pub const FROM_2025: &str = include_str!("../data/vietnam_2025_2level.json");
pub const RESTRUCTURING_2025: &str = include_str!("../data/restructuring_2025.json");

/// One administrative unit.
#[derive(Debug, Clone, Deserialize)]
pub struct Unit {
    pub code: String,
    /// The official name with its type word, e.g. "Huyện Lục Nam".
    pub name: String,
    /// `tinh`, `thanh_pho`, `quan`, `huyen`, `thi_xa`, `phuong`, `xa`, `thi_tran`, `dac_khu`.
    #[serde(rename = "type")]
    pub kind: String,
    pub level: u8,
    pub parent_code: Option<String>,
}

#[derive(Deserialize)]
struct UnitFile {
    units: Vec<Unit>,
}

/// One row of the 2025 reorganization.
#[derive(Debug, Clone, Deserialize)]
pub struct Edge {
    pub old_code: String,
    pub new_code: String,
    /// False where the old commune was split between several new ones.
    pub whole: bool,
}

#[derive(Deserialize)]
struct EdgeFile {
    edges: Vec<Edge>,
}

pub fn pre_2025() -> Vec<Unit> {
    serde_json::from_str::<UnitFile>(PRE_2025)
        .expect("shipped data parses")
        .units
}

pub fn from_2025() -> Vec<Unit> {
    serde_json::from_str::<UnitFile>(FROM_2025)
        .expect("shipped data parses")
        .units
}

pub fn restructuring_2025() -> Vec<Edge> {
    serde_json::from_str::<EdgeFile>(RESTRUCTURING_2025)
        .expect("shipped data parses")
        .edges
}

/// The unit's name with its type word in lower case, as it reads after "Đảng bộ":
/// "Huyện Lục Nam" → "huyện Lục Nam"; "Thành phố Bắc Giang" → "thành phố Bắc Giang".
pub fn lower_type_word(unit: &Unit) -> String {
    let prefixes = [
        "Thành phố",
        "Thị xã",
        "Thị trấn",
        "Tỉnh",
        "Huyện",
        "Quận",
        "Phường",
        "Xã",
        "Đặc khu",
    ];
    for p in prefixes {
        if let Some(rest) = unit.name.strip_prefix(p) {
            return format!("{}{}", p.to_lowercase(), rest);
        }
    }
    unit.name.clone()
}

/// The name without its type word: "Huyện Lục Nam" → "Lục Nam".
pub fn bare_name(unit: &Unit) -> String {
    let lower = lower_type_word(unit);
    for p in [
        "thành phố ",
        "thị xã ",
        "thị trấn ",
        "tỉnh ",
        "huyện ",
        "quận ",
        "phường ",
        "xã ",
        "đặc khu ",
    ] {
        if let Some(rest) = lower.strip_prefix(p) {
            return rest.to_owned();
        }
    }
    lower
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bac_giang_has_10_districts_and_192_communes() {
        let units = pre_2025();
        let districts: Vec<_> = units
            .iter()
            .filter(|u| u.parent_code.as_deref() == Some("24"))
            .collect();
        assert_eq!(districts.len(), 10);
        let communes = units
            .iter()
            .filter(|u| {
                u.level == 3
                    && districts
                        .iter()
                        .any(|d| Some(d.code.as_str()) == u.parent_code.as_deref())
            })
            .count();
        assert_eq!(communes, 192);
        let d = districts
            .iter()
            .find(|d| d.name == "Huyện Lục Nam")
            .unwrap();
        assert_eq!(lower_type_word(d), "huyện Lục Nam");
        assert_eq!(bare_name(d), "Lục Nam");
    }
}
