//! Documents: their types, number and symbol (`01-NQ/TU`, `682/QĐ-UBND`), the committee
//! term their numbering belongs to, and the key that makes a number unique.
//!
//! Party documents read `number-TYPE/BODY` (guidance 36-HD/VPTW of 2018: numbers below 10
//! are written with a leading zero, `01-NQ/TU`); state bodies write `number/TYPE-BODY`
//! (`682/QĐ-UBND`), for legal normative documents with the year (`15/2024/NĐ-CP`).
//! Numbering restarts for each document type in each committee term, so a number is unique
//! per issuer, type, term and number: [`DocumentKey`].
//!
//! Every parser here returns [`Invalid`] with the field name given by the caller and one of
//! the codes `doc_number_format`, `doc_number_range`, `doc_type_unknown`,
//! `doc_type_mismatch`, `doc_body_code`, `bad_term`, `date_outside_term`.

use crate::access::Principal;
use crate::ids::OrgId;
use crate::org::{OrgKind, OrgPath};
use crate::text::nfc;
use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::hash::{Hash, Hasher};
use time::Date;

/// The kind of a document, with the type code of its symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    /// Nghị quyết (NQ).
    Resolution,
    /// Chỉ thị (CT).
    Directive,
    /// Kết luận (KL).
    Conclusion,
    /// Quy định (QĐ; older central regulations wrote QĐi).
    Regulation,
    /// Quyết định (QĐ).
    Decision,
    /// Quy chế (QC).
    Rules,
    /// Chương trình, chương trình hành động (CTr).
    Program,
    /// Kế hoạch (KH).
    Plan,
    /// Hướng dẫn (HD).
    Guidance,
    /// Báo cáo (BC).
    Report,
    /// Thông báo (TB).
    Notice,
    /// Đề án (ĐA).
    Scheme,
}

impl DocumentType {
    pub const ALL: [DocumentType; 12] = [
        DocumentType::Resolution,
        DocumentType::Directive,
        DocumentType::Conclusion,
        DocumentType::Regulation,
        DocumentType::Decision,
        DocumentType::Rules,
        DocumentType::Program,
        DocumentType::Plan,
        DocumentType::Guidance,
        DocumentType::Report,
        DocumentType::Notice,
        DocumentType::Scheme,
    ];

    /// The stable name stored and used in routes and i18n keys (`doc_type.<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentType::Resolution => "resolution",
            DocumentType::Directive => "directive",
            DocumentType::Conclusion => "conclusion",
            DocumentType::Regulation => "regulation",
            DocumentType::Decision => "decision",
            DocumentType::Rules => "rules",
            DocumentType::Program => "program",
            DocumentType::Plan => "plan",
            DocumentType::Guidance => "guidance",
            DocumentType::Report => "report",
            DocumentType::Notice => "notice",
            DocumentType::Scheme => "scheme",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentType> {
        DocumentType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The type code written in a new symbol.
    pub fn code(self) -> &'static str {
        self.codes()[0]
    }

    /// Every code accepted in a symbol of this type, the one written first.
    pub fn codes(self) -> &'static [&'static str] {
        match self {
            DocumentType::Resolution => &["NQ"],
            DocumentType::Directive => &["CT"],
            DocumentType::Conclusion => &["KL"],
            DocumentType::Regulation => &["QĐ", "QĐi"],
            DocumentType::Decision => &["QĐ"],
            DocumentType::Rules => &["QC"],
            DocumentType::Program => &["CTr"],
            DocumentType::Plan => &["KH"],
            DocumentType::Guidance => &["HD"],
            DocumentType::Report => &["BC"],
            DocumentType::Notice => &["TB"],
            DocumentType::Scheme => &["ĐA"],
        }
    }

    /// The types a code may stand for (`QĐ` is both a regulation and a decision).
    pub fn for_code(code: &str) -> Vec<DocumentType> {
        DocumentType::ALL
            .into_iter()
            .filter(|t| t.codes().iter().any(|c| code_eq(c, code)))
            .collect()
    }

    /// Documents that are implemented by cascading them down the tree. A unit's own
    /// program or plan can be cascaded further down too.
    pub fn is_cascadable(self) -> bool {
        matches!(
            self,
            DocumentType::Resolution
                | DocumentType::Directive
                | DocumentType::Conclusion
                | DocumentType::Regulation
                | DocumentType::Program
                | DocumentType::Plan
        )
    }
}

impl fmt::Display for DocumentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Type codes are compared without regard to case: `ctr`, `CTR` and `CTr` are one code.
fn code_eq(a: &str, b: &str) -> bool {
    a.to_uppercase() == b.to_uppercase()
}

/// The canonical spelling of a known type code, if `raw` is one.
fn canonical_code(raw: &str) -> Option<&'static str> {
    DocumentType::ALL
        .into_iter()
        .flat_map(|t| t.codes().iter().copied())
        .find(|c| code_eq(c, raw))
}

/// How a symbol is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberStyle {
    /// `01-NQ/TU`.
    Party,
    /// `682/QĐ-UBND`, `15/2024/NĐ-CP`.
    State,
}

impl NumberStyle {
    /// Party organizations number the party way; state bodies and mass organizations the
    /// state way.
    pub fn for_kind(kind: OrgKind) -> NumberStyle {
        if kind.is_party() {
            NumberStyle::Party
        } else {
            NumberStyle::State
        }
    }
}

/// The code of the issuing body in a symbol: `TU`, `HU`, `ĐU`, `CB`, `BCS`, `UBND`.
/// Uppercase letters A–Z and Đ, 1 to 16 of them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BodyCode(String);

impl BodyCode {
    pub const MAX_CHARS: usize = 16;

    /// Parses a body code; lowercase input is raised to uppercase (`đu` → `ĐU`).
    pub fn parse(field: &'static str, raw: &str) -> Result<BodyCode, Invalid> {
        let v = nfc(raw.trim()).to_uppercase();
        if is_body_segment(&v) {
            Ok(BodyCode(v))
        } else {
            Err(Invalid::one(field, "doc_body_code"))
        }
    }

    /// The usual code of a committee of this kind: Tỉnh ủy `TU`, Huyện ủy `HU`, Đảng ủy
    /// `ĐU`, Chi bộ `CB`. State bodies and mass organizations have no default; their
    /// code is always set by hand. A unit's own code (for example `ĐUK` for a bloc's
    /// committee, `QU` for an urban district) overrides the default: [`BodyCode::for_org`].
    pub fn default_for(kind: OrgKind) -> Option<BodyCode> {
        let code = match kind {
            OrgKind::Provincial => "TU",
            OrgKind::DirectlyAffiliated => "HU",
            OrgKind::Grassroots => "ĐU",
            OrgKind::Cell => "CB",
            OrgKind::StateBody | OrgKind::MassOrganization => return None,
        };
        Some(BodyCode(code.to_owned()))
    }

    /// The unit's own code when it has one, else the default of its kind.
    pub fn for_org(kind: OrgKind, own: Option<BodyCode>) -> Option<BodyCode> {
        own.or_else(|| BodyCode::default_for(kind))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code a party committee writes in its symbols, read from its name as
    /// [`crate::org::committee_name`] reads it: Tỉnh ủy, Thành ủy and Thị ủy `TU`, Huyện
    /// ủy `HU`, Quận ủy `QU`, the Đảng ủy of a bloc (Khối) `ĐUK`, another Đảng ủy `ĐU`, a
    /// Chi bộ `CB`. State bodies and mass organizations have none: their code is theirs.
    pub fn of_committee(kind: OrgKind, org_name: &str) -> Option<BodyCode> {
        if !kind.is_party() {
            return None;
        }
        let committee = crate::org::committee_name(org_name);
        let lower = committee.to_lowercase();
        let code = if ["tỉnh ủy", "thành ủy", "thị ủy"]
            .iter()
            .any(|c| lower.starts_with(c))
        {
            "TU"
        } else if lower.starts_with("huyện ủy") {
            "HU"
        } else if lower.starts_with("quận ủy") {
            "QU"
        } else if lower.starts_with("đảng ủy khối") {
            "ĐUK"
        } else if lower.starts_with("đảng ủy") {
            "ĐU"
        } else if lower.starts_with("chi bộ") {
            "CB"
        } else {
            return BodyCode::default_for(kind);
        };
        Some(BodyCode(code.to_owned()))
    }

    /// The codes a party unit may sign with: its committee's code, the default code of its
    /// kind (what the system writes when it numbers a program), and the code of a body of
    /// the committee, which ends in the committee's (`UBKTTU`, `VPTU`, `BTCTU` for the
    /// Tỉnh ủy). `None` when the unit is not a party one and any code is its own.
    pub fn accepted_for(kind: OrgKind, org_name: &str) -> Option<Vec<BodyCode>> {
        let own = BodyCode::of_committee(kind, org_name)?;
        let mut codes = vec![own];
        if let Some(d) = BodyCode::default_for(kind)
            && !codes.contains(&d)
        {
            codes.push(d);
        }
        Some(codes)
    }
}

fn is_body_segment(s: &str) -> bool {
    let n = s.chars().count();
    (1..=BodyCode::MAX_CHARS).contains(&n) && s.chars().all(|c| c.is_ascii_uppercase() || c == 'Đ')
}

impl TryFrom<String> for BodyCode {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        BodyCode::parse("body_code", &s)
    }
}

impl From<BodyCode> for String {
    fn from(b: BodyCode) -> String {
        b.0
    }
}

impl fmt::Display for BodyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The codes a committee's own bodies put before the committee's code: the inspection
/// committee (`UBKTTU`), the office (`VPTU`), the organization, propaganda and mass
/// mobilization boards (`BTCTU`, `BTGTU`, `BDVTU`), the standing committee (`BTVTU`).
const BODY_PREFIXES: [&str; 7] = ["UBKT", "VP", "BTC", "BTG", "BDV", "BNC", "BTV"];

/// The lowest and highest document number.
pub const NUMBER_RANGE: std::ops::RangeInclusive<u32> = 1..=9999;

/// A document's number and symbol as written: `01-NQ/TU`, `682/QĐ-UBND`.
///
/// The number keeps the digits as written (`01`) for display, but two numbers are equal
/// when their values are (`01-NQ/TU` equals `1-NQ/TU`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DocumentNumber {
    style: NumberStyle,
    number: u32,
    digits: String,
    year: Option<i32>,
    type_code: &'static str,
    body: String,
}

impl DocumentNumber {
    /// Parses a symbol of either style. Dashes of any width and spaces are tolerated
    /// (`01 – NQ/TU`); type codes are matched without regard to case and written in their
    /// canonical form (`ctr` → `CTr`); body codes are raised to uppercase.
    pub fn parse(field: &'static str, raw: &str) -> Result<DocumentNumber, Invalid> {
        let s: String = nfc(raw)
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
                c => c,
            })
            .collect();
        let format = || Invalid::one(field, "doc_number_format");
        let digits_len = s.bytes().take_while(u8::is_ascii_digit).count();
        if digits_len == 0 {
            return Err(format());
        }
        let (digits, rest) = s.split_at(digits_len);
        let (style, year, type_raw, body_raw) = match rest.chars().next() {
            Some('-') => {
                let (t, b) = rest[1..].split_once('/').ok_or_else(format)?;
                if b.contains(['/', '-']) {
                    return Err(format());
                }
                (NumberStyle::Party, None, t, b)
            }
            Some('/') => {
                let mut rest = &rest[1..];
                let mut year = None;
                if let Some((y, r)) = rest.split_once('/') {
                    if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(format());
                    }
                    let y: i32 = y.parse().map_err(|_| format())?;
                    if !(1945..=2200).contains(&y) {
                        return Err(format());
                    }
                    year = Some(y);
                    rest = r;
                }
                let (t, b) = rest.split_once('-').ok_or_else(format)?;
                (NumberStyle::State, year, t, b)
            }
            _ => return Err(format()),
        };
        if type_raw.is_empty() || body_raw.is_empty() {
            return Err(format());
        }
        let number = digits
            .parse::<u32>()
            .ok()
            .filter(|n| NUMBER_RANGE.contains(n) && digits.len() <= 6)
            .ok_or_else(|| Invalid::one(field, "doc_number_range"))?;
        let type_code =
            canonical_code(type_raw).ok_or_else(|| Invalid::one(field, "doc_type_unknown"))?;
        let body = body_raw.to_uppercase();
        // A state body may be a joint one (`TTLT-BTC-BNV` has bodies `BTC` and `BNV`).
        if !body.split('-').all(is_body_segment) {
            return Err(Invalid::one(field, "doc_body_code"));
        }
        Ok(DocumentNumber {
            style,
            number,
            digits: digits.to_owned(),
            year,
            type_code,
            body,
        })
    }

    /// Parses a symbol and checks that its type code is one the declared type accepts.
    pub fn parse_for(
        field: &'static str,
        declared: DocumentType,
        raw: &str,
    ) -> Result<DocumentNumber, Invalid> {
        let n = DocumentNumber::parse(field, raw)?;
        if !n.matches_type(declared) {
            return Err(Invalid::one(field, "doc_type_mismatch"));
        }
        Ok(n)
    }

    /// A new symbol, as assigned when a program is issued. Party numbers below 10 get a
    /// leading zero (`01-NQ/TU`); state numbers are written plainly (`682/QĐ-UBND`).
    pub fn new(
        field: &'static str,
        style: NumberStyle,
        number: u32,
        doc_type: DocumentType,
        body: &BodyCode,
    ) -> Result<DocumentNumber, Invalid> {
        if !NUMBER_RANGE.contains(&number) {
            return Err(Invalid::one(field, "doc_number_range"));
        }
        let digits = match style {
            NumberStyle::Party => format!("{number:02}"),
            NumberStyle::State => number.to_string(),
        };
        Ok(DocumentNumber {
            style,
            number,
            digits,
            year: None,
            type_code: doc_type.code(),
            body: body.0.clone(),
        })
    }

    pub fn style(&self) -> NumberStyle {
        self.style
    }

    /// The number's value (`01` is 1).
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The digits as written.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// The year of a state legal normative document (`15/2024/NĐ-CP`).
    pub fn year(&self) -> Option<i32> {
        self.year
    }

    /// The type code in its canonical spelling (`CTr`, `QĐ`).
    pub fn type_code(&self) -> &'static str {
        self.type_code
    }

    /// The issuing body's code (`TU`; `UBND`; `BTC-BNV` for a joint state document).
    pub fn body(&self) -> &str {
        &self.body
    }

    /// Whether the type code is one that `t` accepts.
    pub fn matches_type(&self, t: DocumentType) -> bool {
        t.codes().contains(&self.type_code)
    }

    /// Whether a unit of `kind` named `org_name` may have issued this symbol: a party unit
    /// numbers the party way with its own committee's code, or the code of one of the
    /// committee's bodies (`15-NQ/TU` is the Tỉnh ủy's, never a Huyện ủy's). Anything goes
    /// for state bodies and mass organizations, whose codes are their own.
    pub fn fits_issuer(&self, kind: OrgKind, org_name: &str) -> bool {
        let Some(codes) = BodyCode::accepted_for(kind, org_name) else {
            return true;
        };
        self.style == NumberStyle::Party
            && codes.iter().any(|c| {
                self.body == c.as_str()
                    || (self.body.ends_with(c.as_str())
                        && self.body.len() > c.as_str().len()
                        && BODY_PREFIXES.iter().any(|p| {
                            self.body.len() == p.len() + c.as_str().len()
                                && self.body.starts_with(p)
                        }))
            })
    }

    fn identity(&self) -> (NumberStyle, u32, Option<i32>, &str, &str) {
        (
            self.style,
            self.number,
            self.year,
            self.type_code,
            self.body.as_str(),
        )
    }
}

impl PartialEq for DocumentNumber {
    fn eq(&self, other: &Self) -> bool {
        self.identity() == other.identity()
    }
}

impl Eq for DocumentNumber {}

impl Hash for DocumentNumber {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.identity().hash(state);
    }
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.style {
            NumberStyle::Party => write!(f, "{}-{}/{}", self.digits, self.type_code, self.body),
            NumberStyle::State => match self.year {
                Some(y) => write!(f, "{}/{}/{}-{}", self.digits, y, self.type_code, self.body),
                None => write!(f, "{}/{}-{}", self.digits, self.type_code, self.body),
            },
        }
    }
}

impl TryFrom<String> for DocumentNumber {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        DocumentNumber::parse("number", &s)
    }
}

impl From<DocumentNumber> for String {
    fn from(n: DocumentNumber) -> String {
        n.to_string()
    }
}

/// A committee term (nhiệm kỳ), such as 2020–2025. Congresses open a term; the year of a
/// congress belongs to both the term it closes and the one it opens, so a date in 2025 is
/// contained in 2020–2025 and in 2025–2030, and the user says which one a document's
/// numbering belongs to ([`Term::candidates`] offers both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Term {
    start: i32,
    end: i32,
}

impl Term {
    /// The usual length of a term, in years.
    pub const YEARS: i32 = 5;

    /// A term from `start` to `end`: years 1930..=2200, `end` after `start`, at most ten
    /// years long.
    pub fn new(start: i32, end: i32) -> Option<Term> {
        let ok = (1930..=2200).contains(&start)
            && (1930..=2200).contains(&end)
            && end > start
            && end - start <= 10;
        ok.then_some(Term { start, end })
    }

    /// Parses `2020-2025`, `2020–2025`, `2020 — 2025` and `nhiệm kỳ 2020-2025`.
    pub fn parse(field: &'static str, raw: &str) -> Result<Term, Invalid> {
        let bad = || Invalid::one(field, "bad_term");
        let s = nfc(raw.trim()).to_lowercase();
        let s = s.strip_prefix("nhiệm kỳ").unwrap_or(&s);
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
                c => c,
            })
            .collect();
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let year = |p: &str| {
            (p.len() == 4 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<i32>().ok())
                .flatten()
        };
        let (start, end) = (year(a).ok_or_else(bad)?, year(b).ok_or_else(bad)?);
        Term::new(start, end).ok_or_else(bad)
    }

    pub fn start(self) -> i32 {
        self.start
    }

    pub fn end(self) -> i32 {
        self.end
    }

    /// Whether `date` falls in the term's years, both ends included.
    pub fn contains(self, date: Date) -> bool {
        (self.start..=self.end).contains(&date.year())
    }

    /// The term that follows this one, of the same length.
    pub fn next(self) -> Option<Term> {
        Term::new(self.end, self.end + (self.end - self.start))
    }

    /// The standard five-year terms (starting in a year divisible by five: 2020–2025,
    /// 2025–2030) that contain `date`, the earlier first: one term, or two in a
    /// congress year. A form offers them as the default choice.
    pub fn candidates(date: Date) -> Vec<Term> {
        let y = date.year();
        let start = y - y.rem_euclid(Term::YEARS);
        let mut out = Vec::new();
        if y == start
            && let Some(t) = Term::new(start - Term::YEARS, start)
        {
            out.push(t);
        }
        out.extend(Term::new(start, start + Term::YEARS));
        out
    }

    /// Checks that an issue date falls in the term.
    pub fn check_contains(self, field: &'static str, date: Date) -> Result<(), Invalid> {
        if self.contains(date) {
            Ok(())
        } else {
            Err(Invalid::one(field, "date_outside_term"))
        }
    }

    /// The ASCII form stored in the database: `2020-2025`.
    pub fn key(self) -> String {
        format!("{}-{}", self.start, self.end)
    }
}

/// Shown with an en dash: `2020–2025`.
impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", self.start, self.end)
    }
}

impl TryFrom<String> for Term {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Term::parse("term", &s)
    }
}

impl From<Term> for String {
    fn from(t: Term) -> String {
        t.key()
    }
}

/// What makes a document number unique: numbering restarts for each type in each term of
/// the issuing committee. The store keeps a unique index on these four columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DocumentKey {
    pub issuer: OrgId,
    pub doc_type: DocumentType,
    pub term: Term,
    pub number: u32,
}

impl DocumentKey {
    pub fn new(
        issuer: OrgId,
        doc_type: DocumentType,
        term: Term,
        number: &DocumentNumber,
    ) -> DocumentKey {
        DocumentKey {
            issuer,
            doc_type,
            term,
            number: number.number(),
        }
    }

    /// The key of the numbering series this number belongs to.
    pub fn series(&self) -> (OrgId, DocumentType, Term) {
        (self.issuer, self.doc_type, self.term)
    }
}

/// The next number in a series, given the numbers already used in it (same issuer, type
/// and term): one more than the highest, or 1 for a new series. Gaps are never filled,
/// since a number once used stays with its document. The caller checks the result against
/// [`NUMBER_RANGE`] (through [`DocumentNumber::new`]).
pub fn next_number(existing: &[u32]) -> u32 {
    existing.iter().max().map_or(1, |m| m.saturating_add(1))
}

// ---- Reading and registering ------------------------------------------------------------

/// Who may read a document issued at `issuer` — the one rule for documents, cascades and
/// the resolutions studied:
/// - the system;
/// - whoever may read the issuer or a unit below it: upper documents reach the lower
///   units ([`Principal::sees_or_leads_to`]);
/// - when it is read in the context of a unit the caller has already been let into
///   (`reached`: the unit of a study plan, whose conference reporters may hold no grant),
///   anyone, if the issuer is that unit or above it.
pub fn may_read(p: &Principal, issuer: &OrgPath, reached: Option<&OrgPath>) -> bool {
    p.sees_or_leads_to(issuer) || reached.is_some_and(|unit| issuer.covers(unit))
}

/// A registered document's title is at most this long (programs' titles too).
pub const MAX_TITLE_CHARS: usize = 1_000;
/// A registered document's text (Markdown) is at most this long.
pub const MAX_BODY_CHARS: usize = 500_000;
/// A document has at most this many attached files.
pub const MAX_ATTACHMENTS: usize = 50;
/// An attached file's name is at most this long.
pub const MAX_FILE_NAME_CHARS: usize = 200;

/// The document a new one implements, as the store found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentDocument {
    /// None named: the new document starts its own chain.
    None,
    /// Named, and readable by the principal.
    Readable,
    /// Named, but unknown or not readable: `bad_choice`, as if it did not exist.
    Unknown,
}

/// A document as typed for registration.
#[derive(Debug, Clone, Copy)]
pub struct Registration<'a> {
    /// The issuing unit's kind and name: a party unit's symbol carries its committee's
    /// code ([`DocumentNumber::fits_issuer`]).
    pub issuer_kind: OrgKind,
    pub issuer_name: &'a str,
    pub title: &'a str,
    pub doc_type: DocumentType,
    pub number: &'a DocumentNumber,
    pub term: Term,
    pub issued_on: Date,
    pub body_md: &'a str,
    pub parent: ParentDocument,
}

/// Checks a document before it is registered and returns its clean title. Every problem
/// is reported, in form order: the title, a number whose type code is not the type's
/// (`doc_type_mismatch`) or not its issuer's (`doc_issuer_mismatch`), an issue date outside the term (`date_outside_term`), a text
/// over [`MAX_BODY_CHARS`], an unknown parent (`bad_choice`).
pub fn check_registration(r: &Registration<'_>) -> Result<String, Invalid> {
    let mut inv = Invalid::default();
    let title = inv.take(validate::name("title", r.title, MAX_TITLE_CHARS));
    if !r.number.matches_type(r.doc_type) {
        inv.push("number", "doc_type_mismatch");
    }
    if !r.number.fits_issuer(r.issuer_kind, r.issuer_name) {
        inv.push("number", "doc_issuer_mismatch");
    }
    inv.take(r.term.check_contains("issued_on", r.issued_on));
    if r.body_md.chars().count() > MAX_BODY_CHARS {
        inv.push("body_md", "too_long");
    }
    if r.parent == ParentDocument::Unknown {
        inv.push("parent_document_id", "bad_choice");
    }
    Ok(inv.into_result(title)?.expect("no error, so a title"))
}

/// A file to attach to a document: its size within the evidence limit, and a name
/// (trimmed, at most [`MAX_FILE_NAME_CHARS`]). Returns the trimmed name.
pub fn check_attachment(size: u64, name: &str) -> Result<String, Invalid> {
    let mut inv = Invalid::default();
    inv.take(crate::evidence::check_size("file", size));
    let name = name.trim();
    if name.is_empty() {
        inv.push("file", "required");
    } else if name.chars().count() > MAX_FILE_NAME_CHARS {
        inv.push("file", "too_long");
    }
    inv.into_result(name.to_owned())
}

/// A document holding `count` attachments takes one more only below
/// [`MAX_ATTACHMENTS`] (`file`, `too_many_files`).
pub fn check_attachment_room(count: u64) -> Result<(), Invalid> {
    if count >= MAX_ATTACHMENTS as u64 {
        Err(Invalid::one("file", "too_many_files"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn code(r: Result<DocumentNumber, Invalid>) -> &'static str {
        r.unwrap_err().0[0].code
    }

    #[test]
    fn party_numbers_parse_and_format() {
        let cases = [
            ("01-NQ/TU", "01-NQ/TU", 1, "NQ", "TU"),
            ("15-CTr/HU", "15-CTr/HU", 15, "CTr", "HU"),
            ("248-KH/TU", "248-KH/TU", 248, "KH", "TU"),
            ("09-KH/ĐU", "09-KH/ĐU", 9, "KH", "ĐU"),
            ("10-HD/HU", "10-HD/HU", 10, "HD", "HU"),
            ("366-QĐ/TW", "366-QĐ/TW", 366, "QĐ", "TW"),
            ("08-QĐi/TW", "08-QĐi/TW", 8, "QĐi", "TW"),
            ("3-ctr/đu", "3-CTr/ĐU", 3, "CTr", "ĐU"),
            (" 01 – NQ / TU ", "01-NQ/TU", 1, "NQ", "TU"),
            ("12-TB/BCS", "12-TB/BCS", 12, "TB", "BCS"),
            ("05-NQ/ĐĐ", "05-NQ/ĐĐ", 5, "NQ", "ĐĐ"),
            ("7-BC/CB", "7-BC/CB", 7, "BC", "CB"),
        ];
        for (raw, shown, n, t, b) in cases {
            let d = DocumentNumber::parse("number", raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(d.to_string(), shown, "{raw}");
            assert_eq!((d.number(), d.type_code(), d.body()), (n, t, b), "{raw}");
            assert_eq!(d.style(), NumberStyle::Party);
        }
    }

    #[test]
    fn state_numbers_parse_and_format() {
        let d = DocumentNumber::parse("number", "682/QĐ-UBND").unwrap();
        assert_eq!(d.style(), NumberStyle::State);
        assert_eq!((d.number(), d.type_code(), d.body()), (682, "QĐ", "UBND"));
        assert_eq!(d.to_string(), "682/QĐ-UBND");
        let j = DocumentNumber::parse("number", "12/2024/NQ-HĐND").unwrap();
        assert_eq!(j.year(), Some(2024));
        assert_eq!(j.to_string(), "12/2024/NQ-HĐND");
        let joint = DocumentNumber::parse("number", "3/KH-BTC-BNV").unwrap();
        assert_eq!(joint.body(), "BTC-BNV");
    }

    #[test]
    fn bad_numbers_have_codes() {
        let cases = [
            ("", "doc_number_format"),
            ("NQ/TU", "doc_number_format"),
            ("01NQ/TU", "doc_number_format"),
            ("01-NQ", "doc_number_format"),
            ("01-NQ/", "doc_number_format"),
            ("01-/TU", "doc_number_format"),
            ("01-NQ/TU/X", "doc_number_format"),
            ("01/NQ", "doc_number_format"),
            ("01/20x4/NQ-TU", "doc_number_format"),
            ("01/1800/NQ-TU", "doc_number_format"),
            ("0-NQ/TU", "doc_number_range"),
            ("00-NQ/TU", "doc_number_range"),
            ("10000-NQ/TU", "doc_number_range"),
            ("99999999999-NQ/TU", "doc_number_range"),
            ("01-XYZ/TU", "doc_type_unknown"),
            ("01-NQ/T1", "doc_body_code"),
            ("01-NQ/Tỉnh", "doc_body_code"),
            ("01-NQ/ABCDEFGHIJKLMNOPQ", "doc_body_code"),
            ("1/QĐ-UBND-", "doc_body_code"),
        ];
        for (raw, want) in cases {
            assert_eq!(code(DocumentNumber::parse("number", raw)), want, "{raw}");
        }
        assert_eq!(
            DocumentNumber::parse("doc.number", "x").unwrap_err().0[0].field,
            "doc.number"
        );
    }

    #[test]
    fn declared_type_must_match() {
        assert!(DocumentNumber::parse_for("n", DocumentType::Resolution, "01-NQ/TU").is_ok());
        assert_eq!(
            code(DocumentNumber::parse_for(
                "n",
                DocumentType::Directive,
                "01-NQ/TU"
            )),
            "doc_type_mismatch"
        );
        assert!(DocumentNumber::parse_for("n", DocumentType::Regulation, "366-QĐ/TW").is_ok());
        assert!(DocumentNumber::parse_for("n", DocumentType::Regulation, "08-QĐi/TW").is_ok());
        assert!(DocumentNumber::parse_for("n", DocumentType::Decision, "682/QĐ-UBND").is_ok());
        assert_eq!(
            code(DocumentNumber::parse_for(
                "n",
                DocumentType::Decision,
                "08-QĐi/TW"
            )),
            "doc_type_mismatch"
        );
    }

    #[test]
    fn leading_zeros_kept_but_compared_numerically() {
        let a = DocumentNumber::parse("n", "01-NQ/TU").unwrap();
        let b = DocumentNumber::parse("n", "1-NQ/TU").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.digits(), "01");
        assert_eq!(b.digits(), "1");
        assert_ne!(a, DocumentNumber::parse("n", "01-NQ/HU").unwrap());
        assert_ne!(a, DocumentNumber::parse("n", "01/NQ-TU").unwrap());
        let mut set = std::collections::HashSet::new();
        set.insert(a);
        assert!(set.contains(&b));
    }

    #[test]
    fn new_numbers_are_written_by_style() {
        let hu = BodyCode::parse("b", "HU").unwrap();
        let n = DocumentNumber::new("n", NumberStyle::Party, 5, DocumentType::Program, &hu);
        assert_eq!(n.unwrap().to_string(), "05-CTr/HU");
        let n = DocumentNumber::new("n", NumberStyle::Party, 15, DocumentType::Program, &hu);
        assert_eq!(n.unwrap().to_string(), "15-CTr/HU");
        let ub = BodyCode::parse("b", "UBND").unwrap();
        let n = DocumentNumber::new("n", NumberStyle::State, 5, DocumentType::Plan, &ub);
        assert_eq!(n.unwrap().to_string(), "5/KH-UBND");
        assert_eq!(
            code(DocumentNumber::new(
                "n",
                NumberStyle::Party,
                10_000,
                DocumentType::Plan,
                &hu
            )),
            "doc_number_range"
        );
    }

    #[test]
    fn serde_uses_the_written_form() {
        let n = DocumentNumber::parse("n", "09-KH/ĐU").unwrap();
        assert_eq!(String::from(n.clone()), "09-KH/ĐU");
        assert_eq!(DocumentNumber::try_from("9-KH/ĐU".to_owned()).unwrap(), n);
        let t = Term::parse("t", "2020–2025").unwrap();
        assert_eq!(String::from(t), "2020-2025");
        assert_eq!(Term::try_from("2020-2025".to_owned()).unwrap(), t);
    }

    #[test]
    fn body_codes() {
        assert_eq!(BodyCode::parse("b", " đu ").unwrap().as_str(), "ĐU");
        assert_eq!(BodyCode::parse("b", "BCS").unwrap().as_str(), "BCS");
        for bad in ["", "T U", "T1", "tỉnh", "A-B"] {
            assert_eq!(
                BodyCode::parse("b", bad).unwrap_err().0[0].code,
                "doc_body_code",
                "{bad}"
            );
        }
        let defaults = [
            (OrgKind::Provincial, Some("TU")),
            (OrgKind::DirectlyAffiliated, Some("HU")),
            (OrgKind::Grassroots, Some("ĐU")),
            (OrgKind::Cell, Some("CB")),
            (OrgKind::StateBody, None),
            (OrgKind::MassOrganization, None),
        ];
        for (kind, want) in defaults {
            assert_eq!(
                BodyCode::default_for(kind).as_ref().map(BodyCode::as_str),
                want,
                "{kind}"
            );
        }
        let own = BodyCode::parse("b", "ĐUK").unwrap();
        assert_eq!(
            BodyCode::for_org(OrgKind::DirectlyAffiliated, Some(own.clone())),
            Some(own)
        );
        assert_eq!(
            BodyCode::for_org(OrgKind::DirectlyAffiliated, None)
                .unwrap()
                .as_str(),
            "HU"
        );
    }

    #[test]
    fn styles_by_kind() {
        assert_eq!(
            NumberStyle::for_kind(OrgKind::Grassroots),
            NumberStyle::Party
        );
        assert_eq!(
            NumberStyle::for_kind(OrgKind::StateBody),
            NumberStyle::State
        );
    }

    #[test]
    fn document_types() {
        for t in DocumentType::ALL {
            assert_eq!(DocumentType::parse(t.as_str()), Some(t));
            assert!(DocumentType::for_code(t.code()).contains(&t));
        }
        assert_eq!(
            DocumentType::for_code("qđ"),
            vec![DocumentType::Regulation, DocumentType::Decision]
        );
        assert_eq!(DocumentType::for_code("CTR"), vec![DocumentType::Program]);
        assert!(DocumentType::for_code("XX").is_empty());
        assert!(DocumentType::Resolution.is_cascadable());
        assert!(!DocumentType::Report.is_cascadable());
    }

    #[test]
    fn terms() {
        let t = Term::parse("term", "2020-2025").unwrap();
        for raw in [
            "2020–2025",
            "2020 — 2025",
            " Nhiệm kỳ 2020 - 2025 ",
            "2020‐2025",
        ] {
            assert_eq!(Term::parse("term", raw).unwrap(), t, "{raw}");
        }
        for bad in [
            "",
            "2020",
            "2025-2020",
            "2020-2020",
            "2020-2040",
            "20-25",
            "abcd-efgh",
            "1900-1905",
        ] {
            assert_eq!(
                Term::parse("term", bad).unwrap_err().0[0].code,
                "bad_term",
                "{bad}"
            );
        }
        assert_eq!(t.to_string(), "2020–2025");
        assert_eq!(t.key(), "2020-2025");
        assert!(t.contains(date!(2020 - 10 - 15)));
        assert!(t.contains(date!(2025 - 12 - 31)));
        assert!(!t.contains(date!(2026 - 01 - 01)));
        assert!(!t.contains(date!(2019 - 12 - 31)));
        assert_eq!(t.next(), Term::new(2025, 2030));
        assert_eq!(
            t.check_contains("issued_on", date!(2027 - 01 - 01))
                .unwrap_err()
                .0[0]
                .code,
            "date_outside_term"
        );
        assert_eq!(
            Term::candidates(date!(2025 - 06 - 01)),
            vec![
                Term::new(2020, 2025).unwrap(),
                Term::new(2025, 2030).unwrap()
            ]
        );
        assert_eq!(
            Term::candidates(date!(2027 - 06 - 01)),
            vec![Term::new(2025, 2030).unwrap()]
        );
    }

    #[test]
    fn numbering_restarts_per_type_and_term() {
        let t1 = Term::new(2020, 2025).unwrap();
        let t2 = Term::new(2025, 2030).unwrap();
        let n = DocumentNumber::parse("n", "01-NQ/TU").unwrap();
        let a = DocumentKey::new(OrgId(1), DocumentType::Resolution, t1, &n);
        let b = DocumentKey::new(OrgId(1), DocumentType::Resolution, t2, &n);
        let c = DocumentKey::new(OrgId(1), DocumentType::Directive, t1, &n);
        let d = DocumentKey::new(OrgId(2), DocumentType::Resolution, t1, &n);
        assert!(a != b && a != c && a != d && b != c);
        assert_ne!(a.series(), b.series());
        assert_eq!(next_number(&[]), 1);
        assert_eq!(next_number(&[1, 2, 3]), 4);
        assert_eq!(next_number(&[5, 1]), 6, "gaps are not filled");
        assert_eq!(next_number(&[u32::MAX]), u32::MAX);
    }

    proptest! {
        #[test]
        fn party_roundtrip(n in 1u32..=9999, ti in 0usize..12, body in "[A-Z]{1,3}Đ?") {
            let t = DocumentType::ALL[ti];
            let b = BodyCode::parse("b", &body).unwrap();
            let d = DocumentNumber::new("n", NumberStyle::Party, n, t, &b).unwrap();
            let back = DocumentNumber::parse_for("n", t, &d.to_string()).unwrap();
            prop_assert_eq!(back.number(), n);
            prop_assert_eq!(back.to_string(), d.to_string());
            prop_assert_eq!(back, d);
        }

        #[test]
        fn state_roundtrip(n in 1u32..=9999, ti in 0usize..12, body in "[A-Z]{2,5}") {
            let t = DocumentType::ALL[ti];
            let b = BodyCode::parse("b", &body).unwrap();
            let d = DocumentNumber::new("n", NumberStyle::State, n, t, &b).unwrap();
            let back = DocumentNumber::parse("n", &d.to_string()).unwrap();
            prop_assert_eq!(back, d);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = DocumentNumber::parse("n", &s);
            let _ = Term::parse("t", &s);
        }

        #[test]
        fn next_number_is_fresh(v in prop::collection::vec(1u32..10_000, 0..50)) {
            let n = next_number(&v);
            prop_assert!(!v.contains(&n));
            prop_assert!(v.iter().all(|&x| x < n));
        }

        #[test]
        fn a_document_reaches_every_unit_below_its_issuer_and_no_sibling(
            issuer in prop::collection::vec(1i64..4, 1..4),
            grant in prop::collection::vec(1i64..4, 1..5),
            reached in prop::option::of(prop::collection::vec(1i64..4, 1..5)),
        ) {
            let issuer = path(&issuer);
            let grant = path(&grant);
            let reached = reached.map(|r| path(&r));
            let p = reader(&grant);
            let want = grant.covers(&issuer)
                || issuer.covers(&grant)
                || reached.as_ref().is_some_and(|r| issuer.covers(r));
            prop_assert_eq!(may_read(&p, &issuer, reached.as_ref()), want);
            // The context only ever widens what the principal reads.
            if may_read(&p, &issuer, None) {
                prop_assert!(may_read(&p, &issuer, reached.as_ref()));
            }
        }
    }

    fn path(ids: &[i64]) -> OrgPath {
        let mut p = OrgPath::root(OrgId(ids[0]));
        for id in &ids[1..] {
            p = p.child(OrgId(*id));
        }
        p
    }

    fn reader(grant: &OrgPath) -> Principal {
        Principal {
            user_id: crate::UserId(1),
            username: "m".into(),
            display_name: "m".into(),
            grants: vec![crate::Grant {
                role: crate::AccessRole::Member,
                org_id: grant.id(),
                org_path: grant.clone(),
            }],
            system: false,
            member_id: None,
        }
    }

    #[test]
    fn documents_are_read_from_above_from_below_and_from_the_unit_they_reached() {
        let commune = reader(&path(&[1, 2, 3]));
        // The province's resolution reaches the commune; the commune's own plan reaches
        // the district above (leads_to); a sibling commune's does not.
        assert!(may_read(&commune, &path(&[1]), None));
        assert!(may_read(&commune, &path(&[1, 2, 3, 4]), None));
        assert!(may_read(&commune, &path(&[1, 2]), None));
        assert!(!may_read(&commune, &path(&[1, 2, 5]), None));
        // A reporter without grants, on the plan of the cell they report to.
        let nobody = Principal {
            grants: Vec::new(),
            ..reader(&path(&[1]))
        };
        let cell = path(&[1, 2, 3, 4]);
        assert!(!may_read(&nobody, &path(&[1, 2]), None));
        assert!(may_read(&nobody, &path(&[1, 2]), Some(&cell)));
        assert!(!may_read(&nobody, &path(&[1, 2, 5]), Some(&cell)));
        assert!(may_read(&Principal::system(), &path(&[9]), None));
    }

    #[test]
    fn a_registration_reports_every_problem_in_form_order() {
        let number = DocumentNumber::parse("number", "01-NQ/TU").unwrap();
        let term = Term::new(2020, 2025).unwrap();
        let ok = Registration {
            issuer_kind: OrgKind::Provincial,
            issuer_name: "Đảng bộ tỉnh Bắc Giang",
            title: "  Nghị quyết   về chuyển đổi số ",
            doc_type: DocumentType::Resolution,
            number: &number,
            term,
            issued_on: date!(2024 - 05 - 02),
            body_md: "Nội dung",
            parent: ParentDocument::None,
        };
        assert_eq!(
            check_registration(&ok).unwrap(),
            "Nghị quyết về chuyển đổi số"
        );
        let body = "x".repeat(MAX_BODY_CHARS + 1);
        let bad = Registration {
            title: " ",
            doc_type: DocumentType::Plan,
            issued_on: date!(2026 - 01 - 01),
            body_md: &body,
            parent: ParentDocument::Unknown,
            ..ok
        };
        let fields: Vec<(&str, &str)> = check_registration(&bad)
            .unwrap_err()
            .0
            .iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            fields,
            [
                ("title", "required"),
                ("number", "doc_type_mismatch"),
                ("issued_on", "date_outside_term"),
                ("body_md", "too_long"),
                ("parent_document_id", "bad_choice"),
            ]
        );
        let readable_parent = Registration {
            parent: ParentDocument::Readable,
            ..ok
        };
        assert!(check_registration(&readable_parent).is_ok());
    }

    #[test]
    fn a_symbol_carries_its_issuers_code() {
        let n = |s: &str| DocumentNumber::parse("number", s).unwrap();
        let district = (OrgKind::DirectlyAffiliated, "Đảng bộ huyện Lục Nam");
        assert!(!n("15-NQ/TU").fits_issuer(district.0, district.1));
        assert!(n("15-NQ/HU").fits_issuer(district.0, district.1));
        assert!(n("03-KL/UBKTHU").fits_issuer(district.0, district.1));
        assert!(!n("03-KL/UBKTTU").fits_issuer(district.0, district.1));
        assert!(!n("682/QĐ-HU").fits_issuer(district.0, district.1));
        let province = (OrgKind::Provincial, "Đảng bộ tỉnh Bắc Giang");
        assert!(n("01-NQ/TU").fits_issuer(province.0, province.1));
        assert!(!n("01-NQ/HU").fits_issuer(province.0, province.1));
        assert!(!n("01-NQ/XTU").fits_issuer(province.0, province.1));
        let city = (OrgKind::DirectlyAffiliated, "Đảng bộ thành phố Bắc Giang");
        assert!(n("12-KH/TU").fits_issuer(city.0, city.1));
        let bloc = (OrgKind::DirectlyAffiliated, "Đảng bộ Khối các cơ quan tỉnh");
        assert!(n("05-NQ/ĐUK").fits_issuer(bloc.0, bloc.1));
        let commune = (OrgKind::Grassroots, "Đảng bộ xã Bảo Đài");
        assert!(n("07-NQ/ĐU").fits_issuer(commune.0, commune.1));
        assert!(!n("07-NQ/HU").fits_issuer(commune.0, commune.1));
        let cell = (OrgKind::Cell, "Chi bộ thôn Nghĩa Hưng");
        assert!(n("02-NQ/CB").fits_issuer(cell.0, cell.1));
        assert!(n("682/QĐ-UBND").fits_issuer(OrgKind::StateBody, "UBND huyện Lục Nam"));
    }

    #[test]
    fn attachments_have_a_name_a_size_and_room() {
        assert_eq!(check_attachment(10, "  nq.pdf ").unwrap(), "nq.pdf");
        let codes = |r: Result<String, Invalid>| -> Vec<&'static str> {
            r.unwrap_err().0.iter().map(|e| e.code).collect()
        };
        assert_eq!(
            codes(check_attachment(0, " ")),
            ["evidence_empty", "required"]
        );
        assert_eq!(codes(check_attachment(5, &"a".repeat(201))), ["too_long"]);
        assert!(check_attachment_room(MAX_ATTACHMENTS as u64 - 1).is_ok());
        assert_eq!(
            check_attachment_room(MAX_ATTACHMENTS as u64).unwrap_err(),
            Invalid::one("file", "too_many_files")
        );
    }
}
