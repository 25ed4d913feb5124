//! Property tests of normalization and copy detection.

use analysis::copy::containment;
use analysis::normalize::{normalize_syllable, normalize_text, tokenize};
use analysis::{Gazetteer, Prepared, Verdict, check_plan};
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

/// Lower-case syllables that form no name, date or boilerplate pattern together (no level
/// word such as `thôn`: "chi bộ thôn" is one name, "tỉnh Bắc Giang thôn" is not).
const VOCAB: &[&str] = &[
    "nâng",
    "cao",
    "chất",
    "lượng",
    "sinh",
    "hoạt",
    "đảng",
    "viên",
    "học",
    "tập",
    "nghị",
    "quyết",
    "kiểm",
    "tra",
    "giám",
    "sát",
    "cán",
    "người",
    "đứng",
    "đầu",
    "đường",
    "giao",
    "thông",
    "nông",
    "mới",
    "vải",
    "thiều",
    "rừng",
    "keo",
    "hộ",
    "nghèo",
    "công",
    "nhân",
    "trường",
    "học",
    "trạm",
    "y",
    "tế",
    "hợp",
    "tác",
    "thanh",
    "niên",
    "phụ",
    "nữ",
    "cựu",
    "chiến",
    "binh",
    "hòa",
    "giải",
    "thủy",
    "lợi",
    "khỏe",
    "mạnh",
    "quý",
    "báo",
    "cáo",
    "đối",
    "thoại",
    "lấy",
    "ý",
    "kiến",
];

const PLACES_A: &[&str] = &[
    "tỉnh Bắc Giang",
    "Huyện ủy Lục Nam",
    "xã Bảo Sơn",
    "thành phố Bắc Giang",
    "Đảng ủy xã Tam Dị",
    "chi bộ",
];
const PLACES_B: &[&str] = &[
    "huyện Lục Nam",
    "Tỉnh ủy Bắc Giang",
    "xã Cẩm Lý",
    "huyện Yên Thế",
    "Đảng ủy xã Bảo Đài",
    "Đảng bộ huyện",
];

fn gaz() -> Gazetteer {
    Gazetteer::from_names(["tỉnh Bắc Giang", "huyện Lục Nam", "xã Bảo Sơn", "xã Cẩm Lý"])
}

fn vietnamese_text() -> impl Strategy<Value = String> {
    "[a-zA-ZàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĐƯƠÂÊÔ\u{300}\u{301}\u{303}\u{309}\u{323} ,.;:\n0-9()%/•+-]{0,120}"
}

/// Sentences of vocabulary syllables, as index lists.
fn sentences() -> impl Strategy<Value = Vec<Vec<usize>>> {
    prop::collection::vec(prop::collection::vec(0..VOCAB.len(), 8..20), 2..8)
}

fn render(sents: &[Vec<usize>], slots: &[usize], places: &[&str]) -> String {
    let mut out = String::new();
    for (i, s) in sents.iter().enumerate() {
        let words: Vec<&str> = s.iter().map(|&w| VOCAB[w]).collect();
        let mid = words.len() / 2;
        out.push_str(&words[..mid].join(" "));
        out.push(' ');
        out.push_str(places[slots[i % slots.len()] % places.len()]);
        out.push(' ');
        out.push_str(&words[mid..].join(" "));
        out.push_str(".\n");
    }
    out
}

proptest! {
    #[test]
    fn normalization_is_idempotent(s in vietnamese_text()) {
        let once = normalize_text(&s);
        prop_assert_eq!(normalize_text(&once), once);
    }

    #[test]
    fn normalization_is_idempotent_on_any_text(s in "\\PC{0,60}") {
        let once = normalize_text(&s);
        prop_assert_eq!(normalize_text(&once), once);
    }

    #[test]
    fn nfd_and_nfc_normalize_alike(s in vietnamese_text()) {
        let nfd: String = s.nfd().collect();
        prop_assert_eq!(normalize_text(&nfd), normalize_text(&s));
    }

    #[test]
    fn token_ranges_are_in_the_original(s in vietnamese_text()) {
        for t in tokenize(&s) {
            prop_assert!(s.is_char_boundary(t.start) && s.is_char_boundary(t.end));
            prop_assert_eq!(normalize_syllable(&s[t.start..t.end]), t.text);
        }
    }

    #[test]
    fn a_text_is_contained_in_itself(sents in sentences(), slots in prop::collection::vec(0usize..6, 1..4)) {
        let text = render(&sents, &slots, PLACES_A);
        let g = gaz();
        let p = Prepared::new(&text, &g);
        prop_assert_eq!(containment(&p.fingerprints, &p.fingerprints), 1.0);
        let r = check_plan(&text, &text, &[], &g);
        prop_assert_eq!(r.copied_fraction, 1.0);
        if r.content_syllables >= 40 {
            prop_assert_eq!(r.verdict, Verdict::Copied);
        }
    }

    #[test]
    fn swapping_place_names_keeps_the_fingerprints(
        sents in sentences(),
        slots_a in prop::collection::vec(0usize..6, 1..4),
        slots_b in prop::collection::vec(0usize..6, 1..4),
    ) {
        let g = gaz();
        let a = render(&sents, &slots_a, PLACES_A);
        let b = render(&sents, &slots_b, PLACES_B);
        let pa = Prepared::new(&a, &g);
        let pb = Prepared::new(&b, &g);
        prop_assert_eq!(&pa.kgrams, &pb.kgrams);
        prop_assert_eq!(&pa.fingerprints, &pb.fingerprints);
    }

    #[test]
    fn passages_slice_both_texts(sents in sentences(), cut in 0usize..6) {
        let g = gaz();
        let upper = render(&sents, &[0], PLACES_A);
        let mut lower_sents = sents.clone();
        lower_sents.rotate_left(cut % sents.len());
        let lower = render(&lower_sents, &[1], PLACES_B);
        let r = check_plan(&upper, &lower, &[], &g);
        for p in &r.passages {
            prop_assert_eq!(&lower[p.lower.0..p.lower.1], p.lower_text.as_str());
            prop_assert_eq!(&upper[p.upper.0..p.upper.1], p.upper_text.as_str());
        }
        // Reordering sentences keeps most of the text found.
        prop_assert!(r.copied_fraction > 0.5, "{}", r.copied_fraction);
    }
}
