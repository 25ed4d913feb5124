//! Boilerplate that every plan shares, recognized so that copy scores leave it out.
//!
//! What is recognized, token by token (see [`Kind`]):
//!
//! - document headers: `ĐẢNG CỘNG SẢN VIỆT NAM`, the document number line (`Số 15-CTr/TU`),
//!   and any line of at most 80 syllables written entirely in capitals (issuer, title, section
//!   headings; real titles such as `KẾ HOẠCH THỰC HIỆN NGHỊ QUYẾT …` run past 40 syllables);
//! - standard section headings in any case (`Mục đích, yêu cầu`, `Nhiệm vụ, giải pháp`,
//!   `Tổ chức thực hiện`, …);
//! - citations of upper documents: a sentence that opens with `Căn cứ` or `Thực hiện` followed
//!   by a document type (`Nghị quyết`, `Chỉ thị`, `Kế hoạch`, …), the sentences chained to
//!   it (`…; Nghị quyết số 03/NQ-CP …`), a law cited by name and date (`Luật … ngày
//!   22/11/2019`), and any document reference such as `Nghị quyết số 01-NQ/TU`;
//! - dates (`ngày 05 tháng 3 năm 2024`, `12/01/2024`, `quý II/2024`, `năm 2025`) and date
//!   lines (`Bắc Giang, ngày 05 tháng 3 năm 2024`);
//! - the signature block: everything from `Nơi nhận:`, `T/M …`, `K/T …` or a lone `BÍ THƯ`
//!   line to the end;
//! - names of organizations and places, from a caller-supplied [`Gazetteer`] and from generic
//!   patterns (`tỉnh X`, `huyện X`, `xã X`, `thành phố X`, `Tỉnh ủy`, `Huyện ủy`, `Đảng ủy`,
//!   `chi bộ`, `đảng bộ`, and a bare `tỉnh`/`huyện`/`xã`): these are not dropped but replaced
//!   by one placeholder token, so that `tỉnh Bắc Giang` and `huyện Lục Nam` read the same.

use std::collections::HashMap;

use serde::Serialize;

use crate::normalize::{
    FastBuild, Gap, Syllable, expand_abbreviations, join_soft_breaks, syllables,
};

/// What a token is, for the copy analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The plan's own words: counted by copy detection.
    Content,
    /// Part of the name of an organization or a place: replaced by one placeholder.
    Name,
    /// A header line, a heading or a title.
    Heading,
    /// A citation of, or reference to, another document.
    Citation,
    /// A date.
    Date,
    /// The signature block and the list of recipients.
    Signature,
}

/// Names of organizations and places, matched case-insensitively and replaced by a
/// placeholder in copy analysis.
///
/// Generic patterns (`tỉnh X`, `huyện X`, `xã X`, `Tỉnh ủy`, `Đảng ủy`, `chi bộ`, …) are always
/// on; the caller adds the real names it knows (`tỉnh Bắc Giang`, `huyện Lục Nam`,
/// `xã Bảo Sơn`, `Đảng ủy Khối cơ quan tỉnh`). A name that starts with a level word
/// (`tỉnh`, `huyện`, `xã`, …) is also registered without it (`Lục Nam`), matched only when
/// every syllable is capitalized, so that a commune called `Tiến Bộ` does not swallow the
/// common words `tiến bộ`.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    /// Full names as syllable hashes, keyed by the hash of their first syllable; longest
    /// first.
    full: HashMap<u64, Vec<Vec<u64>>, FastBuild>,
    /// Bare names (level word stripped), keyed the same way.
    bare: HashMap<u64, Vec<Vec<u64>>, FastBuild>,
    /// The keys of both maps, for a cheap first test.
    first: Filter,
}

const LEVEL_WORDS: &[&[&str]] = &[
    &["tổ", "dân", "phố"],
    &["thành", "phố"],
    &["thị", "trấn"],
    &["thị", "xã"],
    &["khu", "phố"],
    &["tỉnh"],
    &["huyện"],
    &["xã"],
    &["phường"],
    &["quận"],
    &["thôn"],
    &["bản"],
    &["ấp"],
    &["làng"],
];

/// Level words that stand for "this locality" even without a name (`toàn tỉnh`, `cấp xã`).
const BARE_LEVEL_WORDS: &[&[&str]] = &[
    &["thành", "phố"],
    &["thị", "trấn"],
    &["thị", "xã"],
    &["tỉnh"],
    &["huyện"],
    &["xã"],
    &["phường"],
    &["quận"],
];

/// Syllables that, after a bare level word, make it a common word (`xã hội`, `tỉnh táo`).
const NOT_A_PLACE_AFTER: &[(&str, &str)] = &[
    ("xã", "hội"),
    ("xã", "viên"),
    ("tỉnh", "táo"),
    ("tỉnh", "ngộ"),
    ("tỉnh", "thức"),
    ("tỉnh", "lộ"),
    ("huyện", "lộ"),
];

const COMMITTEE_WORDS: &[&[&str]] = &[
    &["ủy", "ban", "nhân", "dân"],
    &["hội", "đồng", "nhân", "dân"],
    &["tỉnh", "ủy"],
    &["huyện", "ủy"],
    &["thành", "ủy"],
    &["thị", "ủy"],
    &["quận", "ủy"],
    &["đảng", "ủy"],
    &["chi", "ủy"],
    &["chi", "bộ"],
    &["đảng", "bộ"],
    &["ubnd"],
    &["hđnd"],
];

const DOC_TYPES: &[&[&str]] = &[
    &["nghị", "quyết"],
    &["chỉ", "thị"],
    &["kết", "luận"],
    &["quy", "định"],
    &["quyết", "định"],
    &["chương", "trình"],
    &["kế", "hoạch"],
    &["hướng", "dẫn"],
    &["công", "văn"],
    &["thông", "báo"],
    &["thông", "tri"],
    &["điều", "lệ"],
    &["hiến", "pháp"],
    &["đề", "án"],
    &["luật"],
];

const HEADINGS: &[&str] = &[
    "mục đích yêu cầu",
    "mục đích và yêu cầu",
    "mục đích",
    "yêu cầu",
    "mục tiêu",
    "mục tiêu chung",
    "mục tiêu cụ thể",
    "mục tiêu chỉ tiêu",
    "mục tiêu và chỉ tiêu",
    "chỉ tiêu",
    "chỉ tiêu cụ thể",
    "các chỉ tiêu chủ yếu",
    "quan điểm",
    "quan điểm mục tiêu",
    "nhiệm vụ giải pháp",
    "nhiệm vụ và giải pháp",
    "nhiệm vụ giải pháp chủ yếu",
    "những nhiệm vụ giải pháp chủ yếu",
    "các nhiệm vụ giải pháp",
    "các nhiệm vụ giải pháp chủ yếu",
    "nhiệm vụ trọng tâm",
    "tổ chức thực hiện",
    "phân công thực hiện",
    "phân công nhiệm vụ",
    "kinh phí thực hiện",
    "chế độ thông tin báo cáo",
];

impl Gazetteer {
    /// A gazetteer with only the generic patterns.
    pub fn new() -> Self {
        Self::default()
    }

    /// A gazetteer with the given names (`tỉnh Bắc Giang`, `huyện Lục Nam`, …) plus the
    /// generic patterns.
    pub fn from_names<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut g = Self::new();
        for n in names {
            g.add(n.as_ref());
        }
        g
    }

    /// Adds one name. Empty names are ignored.
    pub fn add(&mut self, name: &str) {
        let toks: Vec<u64> = syllables(name).into_iter().map(|t| t.hash).collect();
        if toks.is_empty() {
            return;
        }
        for level in &patterns().level {
            if toks.len() > level.len() && toks.iter().zip(level.iter()).all(|(a, b)| a == b) {
                self.first.insert(toks[level.len()]);
                insert_sorted(&mut self.bare, toks[level.len()..].to_vec());
                break;
            }
        }
        self.first.insert(toks[0]);
        insert_sorted(&mut self.full, toks);
    }

    /// Number of names registered (full names only).
    pub fn len(&self) -> usize {
        self.full.values().map(Vec::len).sum()
    }

    /// Whether no names were registered (the generic patterns still apply).
    pub fn is_empty(&self) -> bool {
        self.full.is_empty()
    }

    /// Whether one of this gazetteer's names (full, or without its level word) occurs in
    /// `tokens` as a run of equal syllable hashes, whatever separates them.
    ///
    /// This is what a batch needs to reuse an analysis: if no name of `extra` occurs in a
    /// text, the text is analyzed exactly the same with a gazetteer `g` as with `g` plus
    /// `extra`'s names (a gazetteer only changes what starts a name where one of its names
    /// matches; its first-syllable filter is a pre-test). So a re-scan prepares each text
    /// once with the names every program shares and again only for the programs whose own
    /// names it mentions.
    pub fn occurs_in(&self, tokens: &[Syllable]) -> bool {
        if self.full.is_empty() {
            return false;
        }
        let at = |map: &HashMap<u64, Vec<Vec<u64>>, FastBuild>, i: usize| {
            map.get(&tokens[i].hash).is_some_and(|cands| {
                cands.iter().any(|c| {
                    tokens.len() - i >= c.len()
                        && c.iter().zip(&tokens[i..]).all(|(h, t)| t.hash == *h)
                })
            })
        };
        (0..tokens.len()).any(|i| {
            self.first.contains(tokens[i].hash) && (at(&self.full, i) || at(&self.bare, i))
        })
    }

    fn match_in(
        map: &HashMap<u64, Vec<Vec<u64>>, FastBuild>,
        toks: &[Syllable],
        i: usize,
    ) -> usize {
        if map.is_empty() {
            return 0;
        }
        let Some(cands) = map.get(&toks[i].hash) else {
            return 0;
        };
        for cand in cands {
            if i + cand.len() <= toks.len()
                && cand.iter().enumerate().all(|(k, s)| {
                    toks[i + k].hash == *s && (k == 0 || toks[i + k].gap <= Gap::Joined)
                })
            {
                return cand.len();
            }
        }
        0
    }
}

fn insert_sorted(map: &mut HashMap<u64, Vec<Vec<u64>>, FastBuild>, toks: Vec<u64>) {
    let list = map.entry(toks[0]).or_default();
    if !list.contains(&toks) {
        list.push(toks);
        list.sort_by_key(|t| std::cmp::Reverse(t.len()));
    }
}

/// A text taken apart for copy analysis.
#[derive(Debug, Clone)]
pub struct Analyzed {
    /// Every syllable of the original text (compact: hashes, ranges, gaps; the normalized
    /// texts are [`crate::normalize::tokenize`]'s, syllable for syllable).
    pub tokens: Vec<Syllable>,
    /// What each token is, parallel to `tokens`.
    pub kinds: Vec<Kind>,
    /// The sequence that copy detection compares: content syllables, with each run of name
    /// syllables collapsed into one placeholder.
    pub content: Vec<ContentToken>,
}

/// One unit of the compared sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentToken {
    /// Hash of the normalized syllable, or [`PLACEHOLDER_HASH`] for a name.
    pub hash: u64,
    /// Byte range in the original text.
    pub start: usize,
    /// Byte range end in the original text.
    pub end: usize,
}

/// The hash of the placeholder that stands for any organization or place name.
pub const PLACEHOLDER_HASH: u64 = 0x9e37_79b9_7f4a_7c15;

/// FNV-1a, 64 bits: stable across runs and platforms, so fingerprints can be stored.
pub const fn hash_str(s: &str) -> u64 {
    let b = s.as_bytes();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < b.len() {
        h ^= b[i] as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    h
}

/// The pattern lists as syllable hashes, built once: boilerplate is recognized by comparing
/// 64-bit hashes, never strings.
struct Patterns {
    committee: Vec<Vec<u64>>,
    level: Vec<Vec<u64>>,
    bare_level: Vec<Vec<u64>>,
    doc_types: Vec<Vec<u64>>,
    openers: Vec<Vec<u64>>,
    not_a_place_after: Vec<(u64, u64)>,
    headings: Vec<Vec<u64>>,
    signature_lines: Vec<Vec<u64>>,
    party_name: Vec<u64>,
    /// The first syllables of every list ([`may_start`]).
    starts: Filter,
    /// What may begin a citation, a document reference or a date: [`Patterns::starts`],
    /// `số` and the date words (numbers are told by their flag).
    special: Filter,
}

fn hashes(words: &[&str]) -> Vec<u64> {
    words.iter().map(|w| hash_str(w)).collect()
}

fn patterns() -> &'static Patterns {
    static P: std::sync::OnceLock<Patterns> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let list = |l: &[&[&str]]| l.iter().map(|s| hashes(s)).collect::<Vec<_>>();
        let split = |l: &[&str]| {
            l.iter()
                .map(|s| hashes(&s.split(' ').collect::<Vec<_>>()))
                .collect::<Vec<_>>()
        };
        let mut p = Patterns {
            committee: list(COMMITTEE_WORDS),
            level: list(LEVEL_WORDS),
            bare_level: list(BARE_LEVEL_WORDS),
            doc_types: list(DOC_TYPES),
            openers: list(OPENERS),
            not_a_place_after: NOT_A_PLACE_AFTER
                .iter()
                .map(|(a, b)| (hash_str(a), hash_str(b)))
                .collect(),
            headings: split(HEADINGS),
            signature_lines: split(&["bí thư", "phó bí thư", "thường trực"]),
            party_name: hashes(&["đảng", "cộng", "sản", "việt", "nam"]),
            starts: Filter::default(),
            special: Filter::default(),
        };
        for l in [
            &p.committee,
            &p.level,
            &p.bare_level,
            &p.doc_types,
            &p.openers,
        ] {
            for seq in l {
                p.starts.insert(seq[0]);
                p.special.insert(seq[0]);
            }
        }
        for h in [H_SO, H_NGAY, H_THANG, H_QUY, H_NAM] {
            p.special.insert(h);
        }
        p
    })
}

/// Openers of a citation sentence (`Căn cứ …`, `Thực hiện …`).
const OPENERS: &[&[&str]] = &[&["căn", "cứ"], &["thực", "hiện"]];

const H_NGAY: u64 = hash_str("ngày");
const H_LUAT: u64 = hash_str("luật");
const H_THANG: u64 = hash_str("tháng");
const H_QUY: u64 = hash_str("quý");
const H_NAM: u64 = hash_str("năm");
const H_SO: u64 = hash_str("số");
const H_NOI: u64 = hash_str("nơi");
const H_NHAN: u64 = hash_str("nhận");
const H_T: u64 = hash_str("t");
const H_K: u64 = hash_str("k");
const H_M: u64 = hash_str("m");
const H_TM: u64 = hash_str("tm");
const H_KT: u64 = hash_str("kt");

/// Whether a syllable may start one of the pattern lists: a 1,024-bit filter on its hash,
/// a cheap test before the sequence matches (false positives are harmless).
#[inline]
fn may_start(h: u64) -> bool {
    patterns().starts.contains(h)
}

/// A 1,024-bit set of syllable hashes with false positives (a one-hash Bloom filter): a
/// cheap test that lets the common syllable skip every sequence match.
#[derive(Debug, Clone, Copy, Default)]
struct Filter([u64; 16]);

impl Filter {
    fn insert(&mut self, h: u64) {
        let bit = h & 1023;
        self.0[(bit >> 6) as usize] |= 1 << (bit & 63);
    }

    #[inline]
    fn contains(&self, h: u64) -> bool {
        let bit = h & 1023;
        self.0[(bit >> 6) as usize] & (1 << (bit & 63)) != 0
    }
}

fn starts_with_seq(toks: &[Syllable], i: usize, seq: &[u64]) -> bool {
    i + seq.len() <= toks.len() && seq.iter().enumerate().all(|(k, s)| toks[i + k].hash == *s)
}

fn match_any(toks: &[Syllable], i: usize, seqs: &[Vec<u64>]) -> usize {
    if i >= toks.len() || !may_start(toks[i].hash) {
        return 0;
    }
    seqs.iter()
        .find(|s| starts_with_seq(toks, i, s))
        .map_or(0, |s| s.len())
}

pub(crate) fn is_number(t: &Syllable) -> bool {
    t.is_number()
}

fn is_roman_or_number(t: &Syllable) -> bool {
    t.is_number() || t.is_roman()
}

/// Length of a date starting at `i`, or 0.
pub(crate) fn date_len(toks: &[Syllable], i: usize) -> usize {
    let t = &toks[i];
    let joined_chain = |from: usize| -> usize {
        // Tokens glued by `/`, `-` or `.` that are all numbers or Roman numerals.
        let mut j = from;
        while j + 1 < toks.len()
            && toks[j + 1].gap == Gap::Joined
            && is_roman_or_number(&toks[j + 1])
        {
            j += 1;
        }
        j + 1 - from
    };
    let next_is = |j: usize, pred: &dyn Fn(&Syllable) -> bool| j < toks.len() && pred(&toks[j]);
    match t.hash {
        H_NGAY | H_THANG | H_QUY if next_is(i + 1, &is_roman_or_number) => {
            let mut len = 1 + joined_chain(i + 1);
            // "ngày 05 tháng 3 năm 2024"
            while i + len + 1 < toks.len()
                && matches!(toks[i + len].hash, H_THANG | H_NAM)
                && is_number(&toks[i + len + 1])
            {
                len += 1 + joined_chain(i + len + 1);
            }
            len
        }
        H_NAM if next_is(i + 1, &|x: &Syllable| x.is_number() && x.is_four_bytes()) => 2,
        _ if is_number(t) && i + 1 < toks.len() && toks[i + 1].gap == Gap::Joined => {
            let len = joined_chain(i);
            if len >= 2 && toks[i + len - 1].is_four_bytes() {
                len
            } else {
                0
            }
        }
        _ => 0,
    }
}

/// Length of a document reference (`Nghị quyết số 01-NQ/TU`, `số 15-CTr/TU`, `01-NQ/TU`).
pub(crate) fn doc_ref_len(toks: &[Syllable], i: usize) -> usize {
    let mut j = i + match_any(toks, i, &patterns().doc_types);
    if j < toks.len() && toks[j].hash == H_SO {
        j += 1;
    }
    if j < toks.len() && is_number(&toks[j]) && j + 1 < toks.len() && toks[j + 1].gap == Gap::Joined
    {
        // A symbol: the number glued to letters (01-NQ/TU, 682/QĐ-UBND).
        let mut k = j + 1;
        let mut letters = false;
        while k < toks.len() && toks[k].gap == Gap::Joined {
            letters |= !is_number(&toks[k]);
            k += 1;
        }
        if letters {
            return k - i;
        }
    }
    0
}

/// Whether a line is exactly the syllable sequence `seq`.
fn line_is(lt: &[Syllable], seq: &[u64]) -> bool {
    lt.len() == seq.len() && lt.iter().zip(seq).all(|(t, h)| t.hash == *h)
}

/// Analyzes a text: tokens, their kinds, and the content sequence for copy detection.
pub fn analyze(text: &str, gaz: &Gazetteer) -> Analyzed {
    let tokens = expand_abbreviations(text, join_soft_breaks(text, syllables(text)));
    let kinds = classify(&tokens, gaz);
    let mut content = Vec::with_capacity(tokens.len());
    let mut prev_name = false;
    for (t, k) in tokens.iter().zip(&kinds) {
        match k {
            Kind::Content => {
                content.push(ContentToken {
                    hash: t.hash,
                    start: t.start,
                    end: t.end,
                });
                prev_name = false;
            }
            Kind::Name => {
                if prev_name && let Some(last) = content.last_mut() {
                    last.end = t.end;
                } else {
                    content.push(ContentToken {
                        hash: PLACEHOLDER_HASH,
                        start: t.start,
                        end: t.end,
                    });
                }
                prev_name = true;
            }
            // Boilerplate between two names does not join them, but it does not separate
            // content either: it is simply absent.
            _ => {}
        }
    }
    Analyzed {
        tokens,
        kinds,
        content,
    }
}

/// Classifies every token (see the module documentation for the rules).
pub fn classify(toks: &[Syllable], gaz: &Gazetteer) -> Vec<Kind> {
    let p = patterns();
    let n = toks.len();
    let mut kinds = vec![Kind::Content; n];

    // Lines.
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut a = 0;
    while a < n {
        let mut b = a + 1;
        while b < n && toks[b].line == toks[a].line {
            b += 1;
        }
        lines.push((a, b));
        a = b;
    }
    let mut signature_from = n;
    for &(a, b) in &lines {
        let lt = &toks[a..b];
        let len = b - a;
        let first = lt[0].hash;
        let second = lt.get(1).map(|t| t.hash);
        // "Nơi nhận:" opens the list of recipients.
        let is_signature = (first == H_NOI && second == Some(H_NHAN))
            || (len <= 12
                && ((matches!(first, H_T | H_K)
                    && second == Some(H_M)
                    && lt[1].gap == Gap::Joined)
                    || (first == H_K && second == Some(H_T) && lt[1].gap == Gap::Joined)
                    || first == H_TM
                    || first == H_KT
                    || p.signature_lines.iter().any(|s| line_is(lt, s))));
        if is_signature {
            signature_from = a;
            break;
        }
        let all_caps_heading = len <= 80
            && lt.iter().all(|t| t.all_caps())
            && lt.iter().any(|t| !is_number(t))
            && (len >= 2 || !lt[0].is_single_char());
        let line_kind = if line_is(lt, &p.party_name)
            || all_caps_heading
            || p.headings.iter().any(|h| line_is(lt, h))
        {
            Some(Kind::Heading)
        } else if first == H_SO && len <= 8 && lt.iter().any(|t| t.gap == Gap::Joined) {
            Some(Kind::Citation)
        } else if len <= 16 && (0..len).any(|k| lt[k].hash == H_NGAY && date_len(lt, k) >= 6) {
            Some(Kind::Date)
        } else {
            None
        };
        if let Some(k) = line_kind {
            kinds[a..b].fill(k);
        }
    }
    kinds[signature_from..].fill(Kind::Signature);

    // Citation sentences, document references and dates.
    let mut i = 0;
    // Whether the sentence before this one was a citation: then a sentence that opens with
    // a document reference goes on citing (`Thực hiện Nghị quyết số 57-NQ/TW … về …;
    // Nghị quyết số 03/NQ-CP … của Chính phủ ban hành …`). A line or a sentence after a
    // heading that opens with one is a citation too (a list of grounds, one
    // `- Quyết định số …` a line).
    let mut after_citation = false;
    while i < signature_from {
        if toks[i].gap >= Gap::Sentence && kinds[i] != Kind::Citation {
            // A law is cited by its name and date, without a number (`Căn cứ Luật Tổ chức
            // chính quyền địa phương ngày 19/6/2015; Luật sửa đổi, bổ sung … ngày
            // 22/11/2019;`): a sentence opening with `Luật` that gives a date is a citation
            // wherever it stands.
            let chained = dated_law(toks, i)
                || ((after_citation
                    || toks[i].gap == Gap::Line
                    || (i > 0 && kinds[i - 1] == Kind::Heading))
                    && match_any(toks, i, &p.doc_types) > 0
                    && doc_ref_len(toks, i) > 0);
            if chained {
                let mut j = i + 1;
                while j < signature_from && toks[j].gap < Gap::Sentence && j - i < 120 {
                    j += 1;
                }
                kinds[i..j].fill(Kind::Citation);
                i = j;
                continue;
            }
            after_citation = false;
        }
        // Only a listed syllable or a number can begin one of these.
        if kinds[i] != Kind::Content || !(p.special.contains(toks[i].hash) || is_number(&toks[i])) {
            i += 1;
            continue;
        }
        let opener = match_any(toks, i, &p.openers);
        if opener > 0 && toks[i].gap >= Gap::Sentence {
            let has_doc = (i + opener..(i + opener + 3).min(n))
                .any(|j| match_any(toks, j, &p.doc_types) > 0 || doc_ref_len(toks, j) > 0);
            if has_doc {
                let mut j = i + 1;
                while j < signature_from && toks[j].gap < Gap::Sentence && j - i < 120 {
                    j += 1;
                }
                kinds[i..j].fill(Kind::Citation);
                i = j;
                after_citation = true;
                continue;
            }
        }
        let r = doc_ref_len(toks, i);
        if r > 0 {
            kinds[i..i + r].fill(Kind::Citation);
            i += r;
            continue;
        }
        let d = date_len(toks, i);
        if d > 0 {
            kinds[i..i + d].fill(Kind::Date);
            i += d;
            continue;
        }
        i += 1;
    }

    // Names of organizations and places.
    let mut i = 0;
    while i < signature_from {
        // Only a listed syllable or the first syllable of a gazetteer name can begin a name.
        if kinds[i] != Kind::Content
            || !(p.starts.contains(toks[i].hash) || gaz.first.contains(toks[i].hash))
        {
            i += 1;
            continue;
        }
        let (len, _) = name_len(toks, i, gaz);
        if len > 0 {
            for k in &mut kinds[i..i + len] {
                if *k == Kind::Content {
                    *k = Kind::Name;
                }
            }
            i += len;
        } else {
            i += 1;
        }
    }
    kinds
}

/// Whether the sentence starting at `i` opens with `Luật` and gives a date (`ngày
/// 19/6/2015`, `ngày 19 tháng 6 năm 2015`) before it ends: a law cited by name and date.
fn dated_law(toks: &[Syllable], i: usize) -> bool {
    if toks[i].hash != H_LUAT {
        return false;
    }
    let mut j = i + 1;
    while j < toks.len() && toks[j].gap < Gap::Sentence && j - i < 60 {
        if toks[j].hash == H_NGAY && date_len(toks, j) > 0 {
            return true;
        }
        j += 1;
    }
    false
}

/// Length of a capitalized run (a proper name) starting at `i`, at most four syllables.
fn capitalized_run(toks: &[Syllable], i: usize) -> usize {
    let p = patterns();
    let mut j = i;
    while j < toks.len()
        && j - i < 4
        && toks[j].capitalized()
        && toks[j].gap <= Gap::Space
        && match_any(toks, j, &p.committee) == 0
        && match_any(toks, j, &p.level) == 0
    {
        j += 1;
    }
    j - i
}

/// Length of an organization or place name starting at `i` (0 if none), and whether it is
/// specific: a gazetteer name or a proper name, not just `chi bộ` or `toàn huyện`.
fn name_len(toks: &[Syllable], i: usize, gaz: &Gazetteer) -> (usize, bool) {
    let p = patterns();
    let in_gaz = gaz.first.contains(toks[i].hash);
    let full = if in_gaz {
        Gazetteer::match_in(&gaz.full, toks, i)
    } else {
        0
    };
    if full > 0 {
        return (full, true);
    }
    if in_gaz && toks[i].capitalized() {
        let bare = Gazetteer::match_in(&gaz.bare, toks, i);
        if bare > 0 && toks[i..i + bare].iter().all(|t| t.capitalized()) {
            return (bare, true);
        }
    }
    let committee = match_any(toks, i, &p.committee);
    if committee > 0 {
        let mut j = i + committee;
        // "Đảng ủy xã Bảo Sơn", "Huyện ủy Lục Nam", "Ủy ban nhân dân tỉnh".
        let level = match_any(toks, j, &p.level);
        if level > 0 && toks[j].gap <= Gap::Space {
            j += level;
        }
        let mut run = 0;
        if j < toks.len() && toks[j].gap <= Gap::Space {
            run = capitalized_run(toks, j);
        }
        return (j + run - i, run > 0);
    }
    let level = match_any(toks, i, &p.level);
    if level > 0 {
        let j = i + level;
        let run = if j < toks.len() {
            capitalized_run(toks, j)
        } else {
            0
        };
        if run > 0 {
            return (level + run, true);
        }
        if match_any(toks, i, &p.bare_level) == level {
            let next = toks.get(j).map(|t| t.hash);
            let common = p
                .not_a_place_after
                .iter()
                .any(|(a, b)| *a == toks[i].hash && Some(*b) == next && toks[j].gap <= Gap::Space);
            if !common {
                return (level, false);
            }
        }
    }
    (0, false)
}

/// Specific names (gazetteer names and proper names of places and organizations) in a
/// token sequence, as token index ranges.
pub(crate) fn specific_names(toks: &[Syllable], gaz: &Gazetteer) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let (len, specific) = name_len(toks, i, gaz);
        if len > 0 {
            if specific {
                out.push((i, i + len));
            }
            i += len;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders the content sequence: syllables, with `§` for a name.
    fn content(text: &str, gaz: &Gazetteer) -> String {
        let a = analyze(text, gaz);
        let mut out = Vec::new();
        for c in &a.content {
            if c.hash == PLACEHOLDER_HASH {
                out.push("§".to_string());
            } else {
                out.push(crate::normalize::normalize_syllable(&text[c.start..c.end]));
            }
        }
        out.join(" ")
    }

    fn check(text: &str, expect: &str) {
        let gaz = Gazetteer::from_names(["tỉnh Bắc Giang", "huyện Lục Nam", "xã Bảo Sơn"]);
        assert_eq!(content(text, &gaz), expect, "input: {text:?}");
    }

    #[test]
    fn headers_headings_and_dates_are_boilerplate() {
        let cases = [
            (
                "ĐẢNG CỘNG SẢN VIỆT NAM\n*\nBắc Giang, ngày 05 tháng 3 năm 2024",
                "",
            ),
            ("TỈNH ỦY BẮC GIANG\nSố 15-CTr/TU", ""),
            (
                "I. MỤC ĐÍCH, YÊU CẦU\n1. Mục đích\nNâng cao nhận thức",
                "nâng cao nhận thức",
            ),
            ("III. TỔ CHỨC THỰC HIỆN\nNhiệm vụ, giải pháp:\nHọp", "họp"),
            (
                "Hoàn thành trước ngày 30/6/2024 và quý II/2025",
                "hoàn thành trước và",
            ),
            (
                "Đến năm 2025, kết nạp 50 đảng viên",
                "đến kết nạp 50 đảng viên",
            ),
        ];
        for (text, expect) in cases {
            check(text, expect);
        }
    }

    #[test]
    fn citations_are_boilerplate() {
        check(
            "Thực hiện Nghị quyết số 01-NQ/TU ngày 12/01/2024 của Ban Thường vụ Tỉnh ủy về công tác cán bộ, Ban Thường vụ Huyện ủy ban hành Kế hoạch như sau:\nTổ chức hội nghị",
            "tổ chức hội nghị",
        );
        check(
            "- Căn cứ Điều lệ Đảng;\n- Căn cứ Quy định số 24-QĐ/TW\nHọp chi bộ",
            "họp §",
        );
        check(
            "theo Kết luận số 21-KL/TW của Trung ương",
            "theo của trung ương",
        );
        // Chained: each document after the first is cited on its own, after `;` or on its
        // own line, without a new `Căn cứ`.
        check(
            "Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá; Nghị quyết số 03/NQ-CP ngày 09/01/2025 của Chính phủ ban hành Chương trình hành động; Kế hoạch số 12/KH-UBND của tỉnh về chuyển đổi số.\nTổ chức hội nghị",
            "tổ chức hội nghị",
        );
        check(
            "I. CĂN CỨ\n- Quyết định số 749/QĐ-TTg ngày 03/6/2020 của Thủ tướng Chính phủ về chuyển đổi số;\n- Quyết định số 146/QĐ-TTg ngày 28/01/2022 của Thủ tướng Chính phủ về nhân lực số;\nHọp chi bộ",
            "họp §",
        );
        // Laws are cited by name and date: the amending law after `;` is cited too.
        check(
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19/6/2015; Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22/11/2019;\nHọp chi bộ",
            "họp §",
        );
        // A sentence that merely mentions a plan after a citation is not a citation.
        check(
            "Thực hiện Kế hoạch số 5-KH/TU của Tỉnh ủy.\nHội nghị quán triệt Kế hoạch số 5-KH/TU được tổ chức",
            "hội nghị quán triệt được tổ chức",
        );
    }

    #[test]
    fn long_all_caps_title_is_a_heading() {
        // A real title of 46 syllables on one line (Lào Cai, issue 15): it names the
        // directive, so leaving it in content made unrelated plans of one directive share it.
        let title = "KẾ HOẠCH THỰC HIỆN NGHỊ QUYẾT SỐ 57-NQ/TW NGÀY 22 THÁNG 12 NĂM 2024 CỦA BỘ CHÍNH TRỊ VỀ ĐỘT PHÁ PHÁT TRIỂN KHOA HỌC, CÔNG NGHỆ, ĐỔI MỚI SÁNG TẠO VÀ CHUYỂN ĐỔI SỐ QUỐC GIA TRÊN ĐỊA BÀN TỈNH TRONG GIAI ĐOẠN HIỆN NAY VÀ NHỮNG NĂM TIẾP THEO";
        assert!(crate::normalize::tokenize(title).len() > 40);
        check(&format!("{title}\nTổ chức hội nghị"), "tổ chức hội nghị");
        // A sentence in ordinary case stays content, however long.
        check("Tổ chức hội nghị quán triệt", "tổ chức hội nghị quán triệt");
    }

    #[test]
    fn signature_block_is_boilerplate() {
        check(
            "Họp định kỳ.\nNơi nhận:\n- Như trên,\nT/M BAN THƯỜNG VỤ\nBÍ THƯ\nNguyễn Văn An",
            "họp định kỳ",
        );
        check(
            "Họp định kỳ.\nT/M ĐẢNG ỦY\nBÍ THƯ\nLê Thị Hoa",
            "họp định kỳ",
        );
    }

    #[test]
    fn names_become_one_placeholder() {
        let cases = [
            ("Đảng bộ tỉnh Bắc Giang lãnh đạo", "§ lãnh đạo"),
            ("Huyện ủy Lục Nam lãnh đạo", "§ lãnh đạo"),
            ("Đảng ủy xã Bảo Sơn lãnh đạo", "§ lãnh đạo"),
            ("Ban Thường vụ Tỉnh ủy chỉ đạo", "ban thường vụ § chỉ đạo"),
            ("trên địa bàn toàn huyện", "trên địa bàn toàn §"),
            (
                "phát triển kinh tế - xã hội của xã",
                "phát triển kinh tế xã hội của §",
            ),
            ("tại thôn Đồng Cốc, xã Tân Mộc", "tại §"),
            ("các chi bộ ở Lục Nam", "các § ở §"),
            ("Ủy ban nhân dân tỉnh chủ trì", "§ chủ trì"),
            ("tiến bộ", "tiến bộ"),
        ];
        for (text, expect) in cases {
            check(text, expect);
        }
    }

    #[test]
    fn the_pattern_filter_knows_every_first_syllable() {
        for list in [
            COMMITTEE_WORDS,
            LEVEL_WORDS,
            BARE_LEVEL_WORDS,
            DOC_TYPES,
            OPENERS,
        ] {
            for seq in list {
                assert!(may_start(hash_str(seq[0])), "{}", seq[0]);
            }
        }
    }

    #[test]
    fn swapped_names_give_the_same_sequence() {
        let gaz = Gazetteer::from_names(["tỉnh Bắc Giang", "huyện Lục Nam"]);
        let a = "Ban Thường vụ Tỉnh ủy Bắc Giang yêu cầu các cấp ủy trong toàn tỉnh Bắc Giang";
        let b = "Ban Thường vụ Huyện ủy Lục Nam yêu cầu các cấp ủy trong toàn huyện Lục Nam";
        assert_eq!(content(a, &gaz), content(b, &gaz));
    }

    /// The corpus's plans, and names that a re-scan would add per program: some occur in
    /// them (as written, in lower case, without their level word), some do not.
    const REUSE_TEXTS: [&str; 5] = [
        include_str!("../corpus/upper_province.txt"),
        include_str!("../corpus/local_luc_nam.txt"),
        include_str!("../corpus/local_xa_bao_son.txt"),
        include_str!("../corpus/sibling_copy_luc_ngan.txt"),
        include_str!("../corpus/other_province_thai_nguyen.txt"),
    ];

    fn same_analysis(a: &Analyzed, b: &Analyzed) -> bool {
        a.kinds == b.kinds
            && a.content.len() == b.content.len()
            && a.content
                .iter()
                .zip(&b.content)
                .all(|(x, y)| (x.hash, x.start, x.end) == (y.hash, y.start, y.end))
    }

    #[test]
    fn a_gazetteer_whose_names_do_not_occur_changes_nothing() {
        let common = ["Đảng bộ tỉnh Bắc Giang", "tỉnh Bắc Giang"];
        let extras: &[&[&str]] = &[
            &["Đảng bộ huyện Lục Nam", "xã Bảo Sơn", "xã Tiến Bộ"],
            &["huyện Lục Ngạn", "Đảng ủy xã Nghĩa Phương"],
            &[
                "Đảng bộ huyện Yên Dũng",
                "thị trấn Neo",
                "xã Tiến Bộ",
                "Chi bộ thôn Đồng Vành",
            ],
            &["tỉnh Thái Nguyên"],
            &["Khối cơ quan"],
            &["phát triển kinh tế", "chi bộ"],
            &["Hiệp Hòa", "thành phố Bắc Giang"],
        ];
        let (mut occurring, mut differing) = (0, 0);
        for text in REUSE_TEXTS {
            let base = Gazetteer::from_names(common);
            let a = analyze(text, &base);
            for extra in extras {
                let g = Gazetteer::from_names(extra.iter());
                let union = Gazetteer::from_names(common.iter().chain(extra.iter()));
                let b = analyze(text, &union);
                if g.occurs_in(&a.tokens) {
                    occurring += 1;
                } else {
                    assert!(same_analysis(&a, &b), "{extra:?}");
                }
                // The other way round: a text that differs names something of `extra`.
                if !same_analysis(&a, &b) {
                    differing += 1;
                    assert!(g.occurs_in(&a.tokens), "{extra:?}");
                }
            }
        }
        assert!(occurring >= 5 && differing >= 1, "{occurring} {differing}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// Names cut out of a text (any 1 to 4 syllables, with or without a level word in
        /// front) and names of another text: whenever `occurs_in` says no, the analysis is
        /// the same with them as without.
        #[test]
        fn occurs_in_is_safe_for_reuse(
            t in 0..5usize,
            u in 0..5usize,
            cuts in proptest::collection::vec((0..4000usize, 1..5usize, 0..3usize), 1..4),
        ) {
            let text = REUSE_TEXTS[t];
            let source = REUSE_TEXTS[u];
            let words: Vec<&str> = source.split_whitespace().collect();
            let names: Vec<String> = cuts
                .iter()
                .map(|&(at, len, level)| {
                    let at = at % words.len();
                    let run = words[at..(at + len).min(words.len())].join(" ");
                    match level {
                        0 => run,
                        1 => format!("xã {run}"),
                        _ => format!("Đảng ủy {run}"),
                    }
                })
                .collect();
            let common = ["Đảng bộ tỉnh Bắc Giang"];
            let a = analyze(text, &Gazetteer::from_names(common));
            let g = Gazetteer::from_names(&names);
            let b = analyze(
                text,
                &Gazetteer::from_names(common.iter().map(|s| s.to_string()).chain(names.clone())),
            );
            if !g.occurs_in(&a.tokens) {
                proptest::prop_assert!(same_analysis(&a, &b), "{names:?}");
            }
            if t == u && !same_analysis(&a, &b) {
                proptest::prop_assert!(g.occurs_in(&a.tokens));
            }
        }
    }
}
