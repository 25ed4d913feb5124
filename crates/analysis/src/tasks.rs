//! Task specificity: the "5 rõ" (rõ người, rõ việc, rõ thời gian, rõ sản phẩm, rõ trách
//! nhiệm — clear person, task, time, output, responsibility).
//!
//! Each task is checked for a responsible person, a deadline, a measurable output or target,
//! wording that is more than empty bureaucratic verbs, and a local reference. Every finding
//! has a stable [`FindingCode`] and a message in Vietnamese and English.

use serde::{Deserialize, Serialize};

use crate::boilerplate::{Gazetteer, date_len, doc_ref_len, hash_str, specific_names};
use crate::normalize::{Gap, Syllable, Token, syllables, tokenize};

/// One task of a program, as entered by the unit (CSV/XLSX columns or the program form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskInput {
    /// What is to be done (nội dung nhiệm vụ).
    pub content: String,
    /// Responsible person (người chịu trách nhiệm), a name or a post.
    #[serde(default)]
    pub responsible: Option<String>,
    /// Deadline (thời hạn), free text: `30/6/2025`, `quý III/2025`, `thường xuyên`.
    #[serde(default)]
    pub deadline: Option<String>,
    /// Output or target (sản phẩm, chỉ tiêu).
    #[serde(default)]
    pub output: Option<String>,
    /// Lead body (cơ quan chủ trì).
    #[serde(default)]
    pub lead_body: Option<String>,
}

/// Stable codes of task findings (serialized in snake_case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    /// No responsible person.
    NoResponsible,
    /// The responsible party is a collective or a body, not a person or post.
    VagueResponsible,
    /// No deadline, neither in the field nor in the content.
    NoDeadline,
    /// A deadline such as `thường xuyên` that names no date.
    VagueDeadline,
    /// No number with a unit and no named deliverable.
    NoMeasurableOutput,
    /// Only empty bureaucratic verbs with nothing concrete after them.
    VagueWording,
    /// No place or organization of the locality is named.
    NoLocalReference,
}

impl FindingCode {
    /// The stable code, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingCode::NoResponsible => "no_responsible",
            FindingCode::VagueResponsible => "vague_responsible",
            FindingCode::NoDeadline => "no_deadline",
            FindingCode::VagueDeadline => "vague_deadline",
            FindingCode::NoMeasurableOutput => "no_measurable_output",
            FindingCode::VagueWording => "vague_wording",
            FindingCode::NoLocalReference => "no_local_reference",
        }
    }

    /// The share of a task's specificity this finding takes away (0 to 1).
    pub fn weight(self) -> f64 {
        match self {
            FindingCode::NoResponsible => 0.25,
            FindingCode::VagueResponsible => 0.10,
            FindingCode::NoDeadline => 0.20,
            FindingCode::VagueDeadline => 0.10,
            FindingCode::NoMeasurableOutput => 0.25,
            FindingCode::VagueWording => 0.20,
            FindingCode::NoLocalReference => 0.10,
        }
    }

    /// How serious the finding is.
    pub fn severity(self) -> Severity {
        match self {
            FindingCode::NoResponsible
            | FindingCode::NoDeadline
            | FindingCode::NoMeasurableOutput
            | FindingCode::VagueWording => Severity::Major,
            _ => Severity::Minor,
        }
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// One of the "5 rõ" is missing.
    Major,
    /// Present, but weak.
    Minor,
}

/// One finding on one task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable code.
    pub code: FindingCode,
    /// Major or minor.
    pub severity: Severity,
    /// Explanation in Vietnamese.
    pub message_vi: String,
    /// Explanation in English.
    pub message_en: String,
}

/// The findings on one task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskReport {
    /// Position of the task in the input, from 0.
    pub index: usize,
    /// The task's content, as given.
    pub content: String,
    /// Specificity from 0 (none of the "5 rõ") to 1 (no finding).
    pub specificity: f64,
    /// Findings, in a fixed order of codes.
    pub findings: Vec<Finding>,
}

/// Verbs and phrases that, on their own, say nothing concrete.
const EMPTY_VERBS: &[&str] = &[
    "tăng cường",
    "nâng cao",
    "đẩy mạnh",
    "quan tâm",
    "chú trọng",
    "tiếp tục",
    "phát huy",
    "thực hiện tốt",
    "làm tốt",
    "coi trọng",
    "chăm lo",
    "củng cố",
    "đổi mới",
    "tập trung",
    "nâng tầm",
    "tạo chuyển biến",
    "quán triệt",
    "triển khai thực hiện",
    "thường xuyên",
    "phấn đấu",
    "nhân rộng",
    // Exhortations (issue 15, second round): `giữ vững đoàn kết`, `làm gương, đi đầu`,
    // `bám sát nghị quyết`, `bám vào chương trình công tác`.
    "giữ vững",
    "làm gương",
    "đi đầu",
    "bám sát",
    "bám vào",
    // Issue 15, third round (designed on tune, held-out and test2): `đẩy nhanh tiến độ`,
    // `đề cao vai trò, trách nhiệm`, `phối hợp và tổ chức thực hiện`.
    "đẩy nhanh",
    "đề cao",
    "tổ chức thực hiện",
];

/// Verbs that say nothing concrete when their object is abstract ([`ABSTRACT_HEADS`]):
/// `kiện toàn nhân sự`, `xây dựng lực lượng`, `hoàn thiện hệ thống chính sách`, `triển khai
/// các hoạt động`; with a thing as object they do (`kiện toàn Ban Chỉ huy`, `xây dựng kế
/// hoạch`, `triển khai cho các xã đăng ký công trình`).
const EMPTY_BEFORE_ABSTRACT: &[&str] = &[
    "kiện toàn",
    "hoàn thiện",
    "xây dựng",
    "phát triển",
    "triển khai",
    "thực hiện",
    "bảo đảm",
    "đảm bảo",
    "cải thiện",
    "duy trì",
    "chỉ đạo",
    // Keeping informed (`nắm chắc tình hình`, `nắm bắt tình hình`).
    "nắm chắc",
    "nắm bắt",
    "nắm",
];

/// Heads of an object that names no thing to make or do, only a quality, a field of work
/// or a collective: `công tác X`, `chất lượng X`, `hiệu quả X`, `năng lực`, `hệ thống chính
/// sách`, `lực lượng X`, `nhân sự`. The words that follow such a head up to a preposition,
/// a new clause or a concrete act only name its field (`công tác cải cách thủ tục hành
/// chính`), so they are not counted as concrete content.
const ABSTRACT_HEADS: &[&str] = &[
    "công tác",
    "chất lượng",
    "hiệu quả",
    "hiệu lực",
    "năng lực",
    "vai trò",
    "trách nhiệm",
    "sức mạnh",
    "lợi thế",
    "thế mạnh",
    "tiềm năng",
    "hệ thống chính sách",
    "chính sách",
    "lực lượng",
    "nhân sự",
    "phong trào",
    "hoạt động",
    "nhận thức",
    "ý thức",
    "tinh thần",
    "niềm tin",
    "kỷ luật",
    "kỷ cương",
    "sự lãnh đạo",
    "sự phối hợp",
    // Issue 15, second round: a situation kept informed of (`nắm chắc tình hình an ninh
    // trật tự`), a collective of people (`xây dựng đội ngũ cán bộ … vững mạnh`), criteria
    // (`xây dựng các tiêu chí nông thôn mới nâng cao`) and an activity named by `việc`
    // (`đẩy mạnh việc thu hút đầu tư`, but not `việc làm`, jobs).
    "tình hình",
    "đội ngũ",
    "tiêu chí",
    "việc",
    // A direction, not an act (`phát triển kinh tế theo hướng tái cơ cấu nông nghiệp`).
    "theo hướng",
    // Issue 15, third round: a pace (`đảm bảo tiến độ thi công các dự án trọng điểm`) and
    // duties named only as such (`chủ động thực hiện nhiệm vụ được giao`).
    "tiến độ",
    "nhiệm vụ",
    // Fighting strength (`nâng cao năng lực lãnh đạo, sức chiến đấu`) and resources
    // (`bố trí nguồn lực`).
    "sức chiến đấu",
    "nguồn lực",
];

/// Words that end the field named after an abstract head: prepositions that bring in a
/// beneficiary, a place, an owner or a purpose (`năng lực cho đội ngũ…`, `chất lượng hoạt
/// động của các mô hình…`), and `và`, which may start a new act.
const FIELD_ENDS: &[&str] = &[
    "của", "cho", "tại", "ở", "để", "nhằm", "trên", "với", "trong", "theo", "đến", "từ", "gắn",
    "đối", "bằng", "và", "thông",
];

/// Acts that are concrete whatever their object: a field named after an abstract head
/// ends at them (`tăng cường công tác tuần tra, kiểm tra, xử lý vi phạm`).
const CONCRETE_ACTS: &[&str] = &[
    "kiểm tra",
    "rà soát",
    "xử lý",
    "truy quét",
    "tuần tra",
    "thanh tra",
    "thành lập",
    "ban hành",
    "soạn thảo",
    "đăng tải",
    "đăng ký",
    "tổng hợp",
    "bố trí",
    "sắp xếp",
    "lựa chọn",
    "khảo sát",
    "điều tra",
    "thống kê",
    "tập huấn",
    "sửa chữa",
    "di dời",
    "cưỡng chế",
    "thu hồi",
    "giải quyết",
];

/// Heads of a named event or document, written with a capital when they name one
/// (`Đại hội`, `Chỉ thị`, `Đề cương`, `Tháng hành động`, `Cuộc thi`): a task about a named
/// event or document is about something specific.
const NAMED_HEADS: &[&str] = &[
    "đại hội",
    "hội nghị",
    "hội thi",
    "chỉ thị",
    "nghị quyết",
    "nghị định",
    "kết luận",
    "quyết định",
    "thông tư",
    "công văn",
    "kế hoạch",
    "đề án",
    "đề cương",
    "chương trình",
    "ngày",
    "tháng",
    "tuần",
    "cuộc",
    "lễ",
    "tết",
    "diễn đàn",
    "luật",
];

/// Syllables that carry no concrete content in a task on party building.
const GENERIC: &[&str] = &[
    // Function words.
    "và",
    "của",
    "các",
    "những",
    "trong",
    "đối",
    "với",
    "cho",
    "để",
    "về",
    "theo",
    "là",
    "có",
    "được",
    "đã",
    "sẽ",
    "đến",
    "từ",
    "tại",
    "trên",
    "hơn",
    "nữa",
    "mọi",
    "mỗi",
    "toàn",
    "bộ",
    "thể",
    "sự",
    "việc",
    "một",
    "cách",
    "nhằm",
    "bảo",
    "đảm",
    "góp",
    "phần",
    "ngày",
    "càng",
    "hơn",
    "nhất",
    "là",
    "gắn",
    "liền",
    "đi",
    "đôi",
    "vào",
    "ra",
    "lên",
    "cùng",
    // Empty verbs and adverbs.
    "tăng",
    "cường",
    "nâng",
    "cao",
    "đẩy",
    "mạnh",
    "quan",
    "tâm",
    "chú",
    "trọng",
    "tiếp",
    "tục",
    "phát",
    "huy",
    "thực",
    "hiện",
    "tốt",
    "làm",
    "coi",
    "chăm",
    "lo",
    "củng",
    "cố",
    "đổi",
    "mới",
    "tập",
    "trung",
    "tầm",
    "tạo",
    "chuyển",
    "biến",
    "quán",
    "triệt",
    "triển",
    "khai",
    "thường",
    "xuyên",
    "phấn",
    "đấu",
    "kịp",
    "thời",
    "đồng",
    "tích",
    "cực",
    "chủ",
    "động",
    "nghiêm",
    "túc",
    "quyết",
    "liệt",
    "sát",
    "sao",
    "cụ",
    "sâu",
    "rộng",
    "diện",
    "hiệu",
    "quả",
    "lực",
    "vững",
    "sạch",
    "tiên",
    "phong",
    "gương",
    "mẫu",
    "nêu",
    // Abstract nouns of the field.
    "công",
    "tác",
    "chất",
    "lượng",
    "vai",
    "trò",
    "trách",
    "nhiệm",
    "nhận",
    "thức",
    "ý",
    "lãnh",
    "đạo",
    "chỉ",
    "quản",
    "lý",
    "năng",
    "sức",
    "chiến",
    "tổ",
    "chức",
    "cơ",
    "sở",
    "đảng",
    "viên",
    "cán",
    "quần",
    "chúng",
    "nhân",
    "dân",
    "xây",
    "dựng",
    "chỉnh",
    "đốn",
    "triển",
    "kinh",
    "tế",
    "xã",
    "hội",
    "tư",
    "tưởng",
    "chính",
    "trị",
    "đức",
    "lối",
    "sống",
    "hoạt",
    "trào",
    "vụ",
    "giải",
    "pháp",
    "nội",
    "dung",
    "phương",
    "thức",
    "biện",
    "tình",
    "hình",
    "tiễn",
    "địa",
    "đơn",
    "vị",
    "ngành",
    "cấp",
    "mặt",
    "trận",
    "đoàn",
    "thể",
    "tinh",
    "thần",
    "thuận",
    "kết",
    "thống",
    "nhất",
    "niềm",
    "tin",
    "hệ",
    "yêu",
    "cầu",
    "mục",
    "tiêu",
    "đích",
    "phát",
    "triển",
    "ủy",
    "ban",
    "nghị",
    "quyết",
    "ở",
    "điều",
    "kiện",
    "hành",
    // Verbs of EMPTY_BEFORE_ABSTRACT not listed above, modal verbs, and levels of
    // administration (a body not named by its own name is not concrete content).
    "hoàn",
    "thiện",
    "duy",
    "trì",
    "cả",
    "cần",
    "phải",
    "ubnd",
    "hđnd",
    "huyện",
    "tỉnh",
    "phường",
    "quận",
    "thị",
    "trấn",
    // Issue 15, second round: lower levels of administration (`tại xóm`, `các thôn`),
    // `địa bàn` (area), `lĩnh vực` (field), `thời gian tới` (the time ahead).
    "thôn",
    "xóm",
    "ấp",
    "làng",
    "bản",
    "bàn",
    "lĩnh",
    "vực",
    "tới",
];

const VAGUE_DEADLINES: &[&str] = &[
    "thường xuyên",
    "liên tục",
    "kịp thời",
    "lâu dài",
    "cả nhiệm kỳ",
    "trong nhiệm kỳ",
    "khi có yêu cầu",
    "theo yêu cầu",
    "hằng năm",
    "hàng năm",
];

/// Words in a task's content that give a time but no date (with [`VAGUE_DEADLINES`]).
const VAGUE_TIME_IN_CONTENT: &[&str] = &[
    "sớm",
    "khẩn trương",
    "những năm tiếp theo",
    "các năm tiếp theo",
    "thời gian tới",
];

const DELIVERABLES: &[&str] = &[
    "báo cáo",
    "kế hoạch",
    "nghị quyết chuyên đề",
    "chuyên đề",
    "mô hình",
    "đề án",
    "quy chế",
    "quy định",
    "hội nghị",
    "lớp",
    "tài liệu",
    "sổ tay",
    "phần mềm",
    "cơ sở dữ liệu",
    "danh sách",
    "biên bản",
    "hướng dẫn",
    "bộ tiêu chí",
    "đề cương",
    "cuộc thi",
    "cuộc kiểm tra",
    "cuộc giám sát",
    "đợt",
    "kết luận",
    "thông báo",
    // Events and bodies that are outputs when held or set up (from real tasks: a congress
    // held, an inspection made, a review, a ceremony, a forum, a subcommittee, a team).
    "tiến hành đại hội",
    "tổ chức đại hội",
    "đại hội điểm",
    "lễ phát động",
    "lễ kỷ niệm",
    "diễn đàn",
    "tổ chức kiểm tra",
    "kiểm tra liên ngành",
    "đoàn kiểm tra",
    "đoàn đánh giá",
    "tổng kết",
    "sơ kết",
    "tiểu ban",
    "danh mục",
    "hồ sơ",
    "chuyên trang",
    "tập san",
    // Issue 15, second round: response plans, congress documents, meetings held, cell
    // meetings held, a survey, a submission.
    "phương án",
    "văn kiện",
    "họp",
    "tổ chức sinh hoạt",
    "khảo sát",
    "tờ trình",
    "dự trù kinh phí",
];

/// Words that name a deliverable when a task begins with them: the task is that event
/// (`Kiểm tra chấn chỉnh tình trạng xây dựng trái phép`, `Đại hội chi bộ trực thuộc … hoàn
/// thành trong quý IV`). Elsewhere they are often only cited (`tuyên truyền Đại hội`).
const LEADING_DELIVERABLES: &[&str] = &["kiểm tra", "đại hội"];

/// Plans and documents that are carried out rather than made after an
/// [`IMPLEMENT_VERBS`] verb (`thực hiện các kế hoạch`, `triển khai đề án`, `hoàn thành
/// Kế hoạch 39`): not a new output, and, as the whole object of the task, not concrete
/// content either.
const PLAN_WORDS: &[&str] = &[
    "kế hoạch",
    "đề án",
    "nghị quyết chuyên đề",
    "nghị quyết",
    "chương trình",
    "chỉ thị",
    "kết luận",
    "quyết định",
    "chuyên đề",
];

/// Verbs that carry out a plan or document that already exists.
/// (`bám vào`, `bám sát`: following a plan is carrying it out.)
const IMPLEMENT_VERBS: &[&str] = &[
    "thực hiện",
    "triển khai",
    "hoàn thành",
    "bám vào",
    "bám sát",
];

/// Words allowed between an [`IMPLEMENT_VERBS`] verb and the plan it carries out
/// (`thực hiện có hiệu quả đề án`, `hoàn thành vượt mức kế hoạch`, `triển khai thống nhất và
/// thực hiện Nghị quyết chuyên đề`, `thực hiện tốt các Nghị quyết`).
const IMPLEMENT_FILLERS: &[&str] = &[
    "có", "hiệu", "quả", "tốt", "thống", "nhất", "các", "những", "vượt", "mức", "và", "thực",
    "hiện", "nghiêm", "túc", "đúng", "xong", "triển", "khai", "hoàn", "thành", "đồng", "bộ",
];

/// A deliverable word that is something else here: a document cited by number (`Kết luận
/// số 93-KL/TW`, `Kế hoạch số 12`), a rule followed (`theo quy định`), a person
/// (`báo cáo viên`, a lecturer), a body named after its field (`Sở Kế hoạch và Đầu tư`,
/// `Phòng Tài chính - Kế hoạch`), an event of others taken part in (`tham gia Cuộc thi`,
/// `hưởng ứng hội nghị`), and `hướng dẫn` used as a verb (`hướng dẫn các địa phương`).
/// `before2` is the word before `before`.
fn not_a_deliverable(
    word: &str,
    before2: Option<&str>,
    before: Option<&str>,
    after: Option<&str>,
) -> bool {
    matches!(after, Some("số" | "viên"))
        || matches!(before, Some("theo" | "đúng" | "tại" | "sở" | "phòng"))
        // `góp ý vào văn kiện`, `chủ động phương án` (be ready with one), `chương trình`,
        // `quy trình` are not `trình`-words; `cuộc họp` is counted at `họp`.
        || (word == "văn kiện" && before == Some("vào"))
        || (word == "phương án" && (before2, before) == (Some("chủ"), Some("động")))
        || matches!(
            (before2, before),
            (Some("tài"), Some("chính"))
                | (Some("tham"), Some("gia"))
                | (Some("hưởng"), Some("ứng"))
        )
        || (word == "hướng dẫn"
            && matches!(
                after,
                Some("các" | "những" | "cho" | "nhân" | "người" | "hộ" | "đơn")
            ))
}

/// Verbs that keep or copy something that exists (`duy trì các mô hình`, `nhân rộng các mô
/// hình hiệu quả`): the deliverable word after them is not a new output.
const KEEP_VERBS: &[&str] = &["duy trì", "nhân rộng"];

/// Verbs that make something new: a deliverable after them is an output even when a
/// [`KEEP_VERBS`] verb comes earlier (`duy trì 3 mô hình và xây dựng mô hình mới`).
const MAKE_VERBS: &[&str] = &[
    "xây dựng",
    "tổ chức",
    "ban hành",
    "lập",
    "thành lập",
    "hoàn thiện",
    "hoàn chỉnh",
    "bổ sung",
    "soạn thảo",
    "mở",
    "tiến hành",
];

/// Words after a number that make it a date or a time rather than a target.
const NOT_A_UNIT: &[&str] = &["ngày", "tháng", "năm", "quý", "giờ"];

fn words(toks: &[Token]) -> String {
    toks.iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn contains_phrase(normalized: &str, phrase: &str) -> bool {
    // Whole-syllable match on a space-joined sequence.
    let hay = format!(" {normalized} ");
    hay.contains(&format!(" {phrase} "))
}

fn is_number(t: &Token) -> bool {
    !t.text.is_empty() && t.text.bytes().all(|b| b.is_ascii_digit())
}

/// A date, not counting the year inside a document number (`Nghị định số 61/2018/NĐ-CP`).
fn has_date(toks: &[Syllable]) -> bool {
    let mut i = 0;
    while i < toks.len() {
        let r = doc_ref_len(toks, i);
        if r > 0 {
            i += r;
            continue;
        }
        if date_len(toks, i) > 0 {
            return true;
        }
        i += 1;
    }
    false
}

/// Words before a number that make it an ordinal (`giai đoạn 2`, `lần thứ 3`, `khóa 15`).
const ORDINAL_BEFORE: &[&str] = &["đoạn", "thứ", "khóa", "khoá", "kỳ", "đợt", "phần", "điều"];

/// Two-syllable heads of a document: a number right after one is its identifier (`Kế
/// hoạch 39 về …`), not a quantity.
const DOC_HEADS: &[&str] = &[
    "kế hoạch",
    "nghị quyết",
    "chỉ thị",
    "kết luận",
    "quyết định",
    "công văn",
    "thông báo",
    "đề án",
    "hướng dẫn",
];

/// A number with a unit (`100%`, `50 đảng viên`, `3 lớp`), not a date or a document number.
fn has_quantity(text: &str, toks: &[Syllable]) -> bool {
    let mut skip_until = 0;
    for i in 0..toks.len() {
        if i < skip_until {
            continue;
        }
        let d = date_len(toks, i).max(doc_ref_len(toks, i));
        if d > 0 {
            skip_until = i + d;
            continue;
        }
        if !toks[i].is_number()
            || (i > 0
                && ORDINAL_BEFORE
                    .iter()
                    .any(|w| hash_str(w) == toks[i - 1].hash))
            || (i > 1
                && DOC_HEADS.iter().any(|h| {
                    let mut p = h.split(' ');
                    p.next().map(hash_str) == Some(toks[i - 2].hash)
                        && p.next().map(hash_str) == Some(toks[i - 1].hash)
                }))
        {
            continue;
        }
        let after = &text[toks[i].end..];
        if after.starts_with('%') || after.starts_with(" %") {
            return true;
        }
        if let Some(next) = toks.get(i + 1)
            && next.gap == Gap::Space
            && !NOT_A_UNIT.iter().any(|w| hash_str(w) == next.hash)
            && !next.is_number()
        {
            return true;
        }
    }
    false
}

/// Whether the words `w[at..]` begin with `phrase` (space-separated syllables).
fn phrase_at(w: &[&str], at: usize, phrase: &str) -> usize {
    let n = phrase.split(' ').count();
    if at + n <= w.len() && phrase.split(' ').zip(&w[at..]).all(|(a, b)| a == *b) {
        n
    } else {
        0
    }
}

/// Whether a clause before word `at` (back to the start of its sentence, at most twelve
/// words) last names a verb that keeps or copies rather than one that makes.
fn kept_not_made(toks: &[Token], w: &[&str], at: usize) -> bool {
    let mut i = at;
    while i > 0 && at - i < 12 && toks[i].gap < Gap::Sentence {
        i -= 1;
        if MAKE_VERBS.iter().any(|v| phrase_at(w, i, v) > 0) {
            return false;
        }
        if KEEP_VERBS.iter().any(|v| phrase_at(w, i, v) > 0) {
            return true;
        }
    }
    false
}

/// Where the [`IMPLEMENT_VERBS`] verb begins that carries out the plan or document at word
/// `at` (`thực hiện có hiệu quả đề án`, `hoàn thành vượt mức kế hoạch`), if one does:
/// only [`IMPLEMENT_FILLERS`] may come between, in the same sentence.
fn carried_out_by(toks: &[Token], w: &[&str], at: usize) -> Option<usize> {
    let mut k = at;
    while k > 0 && at - k < 6 && toks[k].gap < Gap::Sentence {
        for v in IMPLEMENT_VERBS {
            let n = v.split(' ').count();
            if k >= n && phrase_at(w, k - n, v) > 0 {
                return Some(k - n);
            }
        }
        if !IMPLEMENT_FILLERS.contains(&w[k - 1]) {
            return None;
        }
        k -= 1;
    }
    None
}

/// Whether the text names a deliverable ([`DELIVERABLES`]) that is an output here.
fn has_deliverable(toks: &[Token]) -> bool {
    let w: Vec<&str> = toks.iter().map(|t| t.text.as_str()).collect();
    // Words of a plan carried out (`thực hiện Nghị quyết chuyên đề`: nor is its `chuyên đề`
    // an output).
    let mut carried = vec![false; w.len()];
    for at in 0..w.len() {
        let n = PLAN_WORDS
            .iter()
            .map(|p| phrase_at(&w, at, p))
            .max()
            .unwrap_or(0);
        if n > 0 && (carried[at] || carried_out_by(toks, &w, at).is_some()) {
            carried[at..at + n].iter_mut().for_each(|c| *c = true);
        }
    }
    LEADING_DELIVERABLES.iter().any(|d| phrase_at(&w, 0, d) > 0)
        || (0..w.len()).any(|at| {
            DELIVERABLES.iter().any(|d| {
                let n = phrase_at(&w, at, d);
                n > 0
                    && !not_a_deliverable(
                        d,
                        at.checked_sub(2).map(|i| w[i]),
                        at.checked_sub(1).map(|i| w[i]),
                        w.get(at + n).copied(),
                    )
                    && !kept_not_made(toks, &w, at)
                    && (!carried[at] || !PLAN_WORDS.contains(d))
            })
        })
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn finding(code: FindingCode, vi: String, en: String) -> Finding {
    Finding {
        code,
        severity: code.severity(),
        message_vi: vi,
        message_en: en,
    }
}

/// Whether a responsible party names a person or a post, rather than a collective or body.
fn is_person_or_post(resp: &str) -> bool {
    let toks = tokenize(resp);
    let norm = words(&toks);
    let collective = ["các", "những", "mọi", "toàn", "cả"];
    // "Các cấp ủy", and a post of many units: "Chủ tịch UBND các xã", "Trưởng các ban".
    if toks.iter().any(|t| collective.contains(&t.text.as_str()))
        || contains_phrase(&norm, "liên quan")
        || contains_phrase(&norm, "hệ thống chính trị")
    {
        return false;
    }
    let posts = [
        "bí thư",
        "chủ tịch",
        "trưởng",
        "phó",
        "giám đốc",
        "đồng chí",
        "đ c",
        "ông",
        "bà",
        "chánh",
        "thủ trưởng",
        "ủy viên",
        "chi ủy viên",
        "cấp ủy viên",
        "tổ trưởng",
        "chuyên viên",
        "văn phòng",
    ];
    if posts.iter().any(|p| contains_phrase(&norm, p)) {
        return true;
    }
    // A personal name: two or more capitalized syllables with no organization word.
    let caps = toks.iter().filter(|t| t.capitalized).count();
    let org_words = [
        "ban", "ủy", "cơ", "phòng", "hội", "đoàn", "đảng", "chi", "sở", "ngành",
    ];
    caps >= 2 && toks.len() <= 5 && !toks.iter().any(|t| org_words.contains(&t.text.as_str()))
}

/// Capitalized runs that are names but not of the locality.
const NOT_LOCAL_NAMES: &[&str] = &["việt nam", "hồ chí minh", "bác hồ"];

/// Head nouns of bodies and events named by function (`Sở Y tế`, `Ban Tuyên giáo`,
/// `Phòng Văn hóa`, `Bộ Công an`, `Đài Phát thanh`, `Ngày Pháp luật`, `Cổng Dịch vụ công`):
/// by convention the word after them is capitalized too, but the run is not a proper name
/// unless two more capitalized syllables follow (`Báo Hưng Yên`, `Đài Phát thanh … Sóc
/// Trăng` is found by its own run).
/// (Not `trường`, `vụ`, `tuần`: `Trường Xuân`, `Vụ Bản`, `Tuần Giáo` are places; `Hội An`
/// is one too, but only found with its level word.)
const BODY_HEADS: &[&str] = &[
    "sở", "ban", "phòng", "bộ", "cục", "đài", "báo", "hội", "ngày", "cổng", "tháng", "viện", "tòa",
    "quỹ", "luật",
];

/// The ten heavenly stems and twelve branches: `Kỷ Hợi`, `Giáp Thìn` name a lunar year.
const CAN: &[&str] = &[
    "giáp", "ất", "bính", "đinh", "mậu", "kỷ", "canh", "tân", "nhâm", "quý",
];
const CHI: &[&str] = &[
    "tý", "sửu", "dần", "mão", "mẹo", "thìn", "tỵ", "tị", "ngọ", "mùi", "thân", "dậu", "tuất",
    "hợi",
];

/// Whether the text names a place or a unit by a proper name: two or more syllables in a
/// row that each begin with a capital and are not all capitals (`Lục Nam`, `Tiên Nha`,
/// `Cẩm Lý`). Vietnamese writes every syllable of a place or a person with a capital, but
/// only the first of a common noun or an organization (`Nhân dân`, `Ban Thường vụ`,
/// `Ủy ban nhân dân`), so this does not take those for names.
fn has_proper_name(toks: &[Token]) -> bool {
    let mut k = 0;
    while k < toks.len() {
        let name = |t: &Token| t.capitalized && !t.all_caps && t.gap <= Gap::Space;
        if toks[k].capitalized && !toks[k].all_caps {
            let mut j = k + 1;
            while j < toks.len() && name(&toks[j]) {
                j += 1;
            }
            // A body or event named by function: its head does not count, nor a capital
            // that only starts the sentence before it ("Giao Sở Tài nguyên…").
            let is_head = |t: &Token| BODY_HEADS.contains(&t.text.as_str());
            let sentence_start = k == 0 || toks[k].gap >= Gap::Sentence;
            let from = if is_head(&toks[k]) {
                k + 1
            } else if sentence_start && j - k >= 2 && is_head(&toks[k + 1]) {
                k + 2
            } else {
                k
            };
            let year = j - from == 2
                && CAN.contains(&toks[from].text.as_str())
                && CHI.contains(&toks[from + 1].text.as_str());
            if j - from >= 2 && !year {
                let run = words(&toks[from..j]);
                if !NOT_LOCAL_NAMES.iter().any(|n| contains_phrase(&run, n)) {
                    return true;
                }
            }
            k = j;
        } else {
            k += 1;
        }
    }
    false
}

/// Whether a task's content names what it is about: a document cited by number, a quoted
/// title, or a named event or document (a capitalized [`NAMED_HEADS`] word that does not
/// just start the sentence, as `Đại hội`, `Chỉ thị`, `Đề cương`). A place alone does not:
/// `tăng cường công tác tuyên truyền tại xã Bảo Sơn` says where, not what. (A second
/// round also discounted a document only carried out, `thực hiện tốt Nghị quyết số …`; it
/// was withdrawn after raising false alarms on new tasks: docs/ANALYSIS.md.)
fn names_its_subject(content: &str, toks: &[Token], syls: &[Syllable]) -> bool {
    let w: Vec<&str> = toks.iter().map(|t| t.text.as_str()).collect();
    (0..syls.len()).any(|i| doc_ref_len(syls, i) > 0)
        || content.contains(['“', '"', '«'])
        || toks.iter().enumerate().any(|(i, t)| {
            t.capitalized
                && !t.all_caps
                && i > 0
                && t.gap < Gap::Sentence
                && NAMED_HEADS.iter().any(|h| phrase_at(&w, i, h) > 0)
        })
}

/// The empty phrases of a task whose wording says nothing concrete to do, if it is one
/// (the caller has already found no measurable output).
///
/// It is vague when it has an empty verb ([`EMPTY_VERBS`], or one of
/// [`EMPTY_BEFORE_ABSTRACT`] before an abstract object), does not name its subject
/// ([`names_its_subject`]), and fewer than three of its syllables are concrete content: not
/// in [`GENERIC`], not a number, not in a name of the locality, not an empty verb, and not
/// the field named after an abstract head
/// ([`ABSTRACT_HEADS`]: in `thực hiện tốt công tác cải cách thủ tục hành chính` the field
/// `cải cách thủ tục hành chính` says what the work is about, not what to do).
fn vague_phrases(
    content: &str,
    toks: &[Token],
    syls: &[Syllable],
    gaz: &Gazetteer,
) -> Option<Vec<String>> {
    let w: Vec<&str> = toks.iter().map(|t| t.text.as_str()).collect();
    let mut covered = vec![false; w.len()];
    let mut phrases: Vec<String> = Vec::new();
    for i in 0..w.len() {
        for v in EMPTY_VERBS {
            let n = phrase_at(&w, i, v);
            if n > 0 {
                covered[i..i + n].iter_mut().for_each(|c| *c = true);
                if !phrases.iter().any(|p| p == v) {
                    phrases.push(v.to_string());
                }
            }
        }
    }
    // Where abstract heads begin, and the words they cover (head and field).
    let mut heads = Vec::new();
    let mut i = 0;
    while i < w.len() {
        let Some(n) = ABSTRACT_HEADS
            .iter()
            .map(|h| phrase_at(&w, i, h))
            .find(|&n| n > 0)
            .filter(|_| !(w[i] == "việc" && w.get(i + 1) == Some(&"làm")))
        else {
            i += 1;
            continue;
        };
        heads.push((i, w[i..i + n].join(" ")));
        let mut j = i;
        while j < w.len()
            && (j < i + n
                || (toks[j].gap < Gap::Sentence
                    && (!FIELD_ENDS.contains(&w[j]) || field_goes_on(&w, j))
                    && !CONCRETE_ACTS.iter().any(|a| phrase_at(&w, j, a) > 0)))
        {
            covered[j] = true;
            j += 1;
        }
        i = j.max(i + 1);
    }
    // An empty-before-abstract verb right before an abstract head (`các`, `những` between).
    for &(at, ref head) in &heads {
        let mut k = at;
        while k > 0 && matches!(w[k - 1], "các" | "những") {
            k -= 1;
        }
        for v in EMPTY_BEFORE_ABSTRACT {
            let n = v.split(' ').count();
            if k >= n && phrase_at(&w, k - n, v) > 0 {
                covered[k - n..k].iter_mut().for_each(|c| *c = true);
                let p = format!("{v} {head}");
                if !phrases.contains(&p) {
                    phrases.push(p);
                }
            }
        }
    }
    if phrases.is_empty() {
        return None;
    }
    if names_its_subject(content, toks, syls) {
        return None;
    }
    let names = specific_names(syls, gaz);
    let in_name = |i: usize| names.iter().any(|&(a, b)| (a..b).contains(&i));
    let concrete = toks
        .iter()
        .enumerate()
        .filter(|&(i, t)| {
            !covered[i] && !in_name(i) && !GENERIC.contains(&t.text.as_str()) && !is_number(t)
        })
        .count();
    (concrete < 3).then_some(phrases)
}

/// Whether the field of an abstract head goes on past the [`FIELD_ENDS`] word at `j`: a
/// preposition before `lĩnh vực` only names the field again (`việc thu hút đầu tư các dự án
/// trên lĩnh vực nông nghiệp`).
fn field_goes_on(w: &[&str], j: usize) -> bool {
    let k = if w.get(j + 1) == Some(&"các") {
        j + 2
    } else {
        j + 1
    };
    phrase_at(w, k, "lĩnh vực") > 0
}

/// Checks one task against the "5 rõ".
pub fn check_task(index: usize, task: &TaskInput, gaz: &Gazetteer) -> TaskReport {
    let content_toks = tokenize(&task.content);
    let content_syls = syllables(&task.content);
    let content_norm = words(&content_toks);
    let output = blank(&task.output);
    let output_toks = output.map(tokenize).unwrap_or_default();
    let output_syls = output.map(syllables).unwrap_or_default();
    let mut findings = Vec::new();

    // Rõ người.
    match blank(&task.responsible) {
        None => {
            let (vi, en) = match blank(&task.lead_body) {
                Some(body) => (
                    format!(
                        "Có cơ quan chủ trì ({body}) nhưng chưa giao người chịu trách nhiệm (rõ người)."
                    ),
                    format!(
                        "A lead body ({body}) is named but no responsible person (clear person)."
                    ),
                ),
                None => (
                    "Chưa giao người chịu trách nhiệm (rõ người).".to_string(),
                    "No responsible person is named (clear person).".to_string(),
                ),
            };
            findings.push(finding(FindingCode::NoResponsible, vi, en));
        }
        Some(r) if !is_person_or_post(r) => findings.push(finding(
            FindingCode::VagueResponsible,
            format!(
                "Người chịu trách nhiệm chưa rõ: “{r}” là tập thể hoặc cơ quan chung chung, chưa phải một người hay chức danh cụ thể."
            ),
            format!(
                "The responsible party “{r}” is a collective or a body, not a named person or post."
            ),
        )),
        Some(_) => {}
    }

    // Rõ thời gian.
    match blank(&task.deadline) {
        None if !has_date(&content_syls) => {
            match VAGUE_DEADLINES
                .iter()
                .chain(VAGUE_TIME_IN_CONTENT)
                .find(|v| contains_phrase(&content_norm, v))
            {
                // The only time is "theo yêu cầu", "sớm", "khẩn trương": vague, not none.
                Some(v) => findings.push(finding(
                    FindingCode::VagueDeadline,
                    format!("Thời hạn “{v}” không cho biết khi nào phải hoàn thành."),
                    format!("The deadline “{v}” does not say when the task must be done."),
                )),
                None => findings.push(finding(
                    FindingCode::NoDeadline,
                    "Chưa có thời hạn hoàn thành (rõ thời gian).".to_string(),
                    "No deadline is set (clear time).".to_string(),
                )),
            }
        }
        Some(d) => {
            let dt = tokenize(d);
            let dn = words(&dt);
            let has_number = dt.iter().any(is_number);
            if !has_number && VAGUE_DEADLINES.iter().any(|v| contains_phrase(&dn, v)) {
                findings.push(finding(
                    FindingCode::VagueDeadline,
                    format!("Thời hạn “{d}” không cho biết khi nào phải hoàn thành."),
                    format!("The deadline “{d}” does not say when the task must be done."),
                ));
            }
        }
        None => {}
    }

    // Rõ sản phẩm.
    let measurable = has_quantity(&task.content, &content_syls)
        || output.is_some_and(|o| has_quantity(o, &output_syls))
        || has_deliverable(&content_toks)
        || has_deliverable(&output_toks);
    if !measurable {
        findings.push(finding(
            FindingCode::NoMeasurableOutput,
            "Chưa có sản phẩm hoặc chỉ tiêu đo được (rõ sản phẩm): cần một con số có đơn vị (ví dụ “100% chi bộ”, “3 lớp”, “50 đảng viên”) hoặc một sản phẩm cụ thể (báo cáo, kế hoạch, nghị quyết chuyên đề, mô hình…).".to_string(),
            "No measurable output or target (clear output): give a number with a unit (e.g. “100% of cells”, “3 courses”, “50 members”) or a named deliverable (report, plan, thematic resolution, model…).".to_string(),
        ));
    }

    // Rõ việc: empty verbs with nothing concrete after them.
    if !measurable
        && let Some(phrases) = vague_phrases(&task.content, &content_toks, &content_syls, gaz)
    {
        let list = phrases.join("”, “");
        findings.push(finding(
            FindingCode::VagueWording,
            format!(
                "Nội dung chỉ gồm những cụm từ chung chung (“{list}”…) mà chưa nói làm việc gì cụ thể, với đối tượng nào (rõ việc)."
            ),
            format!(
                "The wording is only generic phrases (“{list}”…) and says nothing concrete to do, or to what (clear task)."
            ),
        ));
    }

    // Sát thực tế: a local reference.
    let local = [
        Some(task.content.as_str()),
        task.lead_body.as_deref(),
        output,
    ]
    .into_iter()
    .flatten()
    .any(|s| !specific_names(&syllables(s), gaz).is_empty() || has_proper_name(&tokenize(s)));
    if !local {
        findings.push(finding(
            FindingCode::NoLocalReference,
            "Nhiệm vụ không gắn với địa bàn, đơn vị cụ thể nào của địa phương (chưa sát thực tế).".to_string(),
            "The task names no place or organization of the locality (not fitted to local conditions).".to_string(),
        ));
    }

    findings.sort_by_key(|f| f.code);
    let lost: f64 = findings.iter().map(|f| f.code.weight()).sum();
    TaskReport {
        index,
        content: task.content.clone(),
        specificity: (1.0 - lost).max(0.0),
        findings,
    }
}

/// Checks every task of a program.
pub fn check_tasks(tasks: &[TaskInput], gaz: &Gazetteer) -> Vec<TaskReport> {
    tasks
        .iter()
        .enumerate()
        .map(|(i, t)| check_task(i, t, gaz))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(content: &str, resp: &str, deadline: &str, output: &str) -> TaskInput {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        TaskInput {
            content: content.to_string(),
            responsible: opt(resp),
            deadline: opt(deadline),
            output: opt(output),
            lead_body: None,
        }
    }

    fn codes(t: &TaskInput) -> Vec<&'static str> {
        let gaz = Gazetteer::from_names(["huyện Lục Nam", "xã Bảo Sơn", "xã Tam Dị"]);
        check_task(0, t, &gaz)
            .findings
            .iter()
            .map(|f| f.code.as_str())
            .collect()
    }

    #[test]
    fn findings_by_case() {
        let cases: &[(TaskInput, &[&str])] = &[
            (
                task("Tăng cường công tác xây dựng Đảng.", "", "", ""),
                &[
                    "no_responsible",
                    "no_deadline",
                    "no_measurable_output",
                    "vague_wording",
                    "no_local_reference",
                ],
            ),
            (
                task(
                    "Nâng cao chất lượng sinh hoạt chi bộ.",
                    "Các cấp ủy",
                    "Thường xuyên",
                    "",
                ),
                &[
                    "vague_responsible",
                    "vague_deadline",
                    "no_measurable_output",
                    "vague_wording",
                    "no_local_reference",
                ],
            ),
            (
                task(
                    "Tổ chức 3 lớp bồi dưỡng nghiệp vụ công tác đảng cho 120 bí thư chi bộ của xã Bảo Sơn và xã Tam Dị.",
                    "Đồng chí Nguyễn Văn Hùng, Trưởng Ban Tổ chức Huyện ủy",
                    "Quý III/2025",
                    "",
                ),
                &[],
            ),
            (
                task(
                    "Đẩy mạnh ứng dụng công nghệ thông tin trong quản lý hồ sơ đảng viên tại xã Bảo Sơn",
                    "Chánh Văn phòng Huyện ủy",
                    "30/6/2025",
                    "100% hồ sơ đảng viên được số hóa",
                ),
                &[],
            ),
            (
                task(
                    "Xây dựng nghị quyết chuyên đề về phát triển cây vải thiều ở huyện Lục Nam",
                    "Bí thư Huyện ủy",
                    "",
                    "",
                ),
                &["no_deadline"],
            ),
            (
                task(
                    "Hoàn thành kết nạp 50 đảng viên mới trong năm 2025",
                    "Trần Thị Mai",
                    "",
                    "",
                ),
                &["no_local_reference"],
            ),
        ];
        for (t, expect) in cases {
            assert_eq!(codes(t), *expect, "task: {}", t.content);
        }
    }

    /// Cases from real tasks (corpus/real/tasks.json) that the checks got wrong before.
    #[test]
    fn real_task_cases() {
        let has = |t: &TaskInput, c: &str| codes(t).contains(&c);
        // A post of many units is a collective.
        let t = task(
            "Xây dựng báo cáo sơ kết gửi về cơ quan UBND thị xã trước ngày 21/6/2019",
            "Thủ trưởng các cơ quan, ban, ngành, đoàn thể, Chủ tịch UBND các xã, phường",
            "",
            "",
        );
        assert!(has(&t, "vague_responsible"));
        // "theo yêu cầu", "sớm", "khẩn trương" in the content: a vague time, not none.
        for c in [
            "Tổng hợp báo cáo gửi Bộ Y tế và UBND tỉnh theo yêu cầu.",
            "BCĐ các ngày lễ lớn sớm thành lập các tiểu ban phục vụ",
            "Khẩn trương hoàn chỉnh báo cáo tóm tắt quy hoạch sử dụng đất",
        ] {
            let t = task(c, "", "", "");
            assert!(has(&t, "vague_deadline") && !has(&t, "no_deadline"), "{c}");
        }
        // The year in a document number is not a deadline.
        let t = task(
            "Thống nhất mẫu phiếu đánh giá theo Nghị định số 61/2018/NĐ-CP",
            "",
            "",
            "",
        );
        assert!(has(&t, "no_deadline"));
        // An ordinal, a cited document, a rule followed and a lecturer are not outputs.
        for c in [
            "giai đoạn 2 từ đầu năm 2016 tập trung tuyên truyền về nghị quyết đại hội",
            "Đẩy mạnh tuyên truyền về Kết luận số 93-KL/TW với hình thức phù hợp",
            "Nghiên cứu, tham mưu UBND tỉnh giải quyết theo đúng quy định",
            "Nâng cao năng lực cho đội ngũ báo cáo viên, hòa giải viên ở cơ sở",
        ] {
            assert!(has(&task(c, "", "", ""), "no_measurable_output"), "{c}");
        }
        // A congress held, an inspection made, a forum: outputs.
        for c in [
            "tiến hành đại hội các chi bộ trực thuộc Đảng ủy cơ sở",
            "tổ chức kiểm tra liên ngành tại các huyện Lộc Bình, Đình Lập",
            "lồng ghép tổ chức lễ phát động và diễn đàn trẻ em",
        ] {
            assert!(!has(&task(c, "", "", ""), "no_measurable_output"), "{c}");
        }
        // Bodies named by function, a sentence-initial capital and a lunar year are not
        // the locality; a newspaper named after its province is.
        for c in [
            "Sở Tài chính chủ trì bố trí kinh phí",
            "Giao Sở Tài nguyên và Môi trường chủ trì",
            "Phòng Văn hóa và Thông tin đăng tải đề cương",
            "phát động Tết trồng cây xuân Kỷ Hợi năm 2019",
            "tham mưu theo Luật Tổ chức chính quyền địa phương",
        ] {
            assert!(has(&task(c, "", "", ""), "no_local_reference"), "{c}");
        }
        for c in [
            "Báo Hưng Yên phối hợp thông tin, tuyên truyền",
            "xây dựng 1 mô hình tại thôn Bình Lộc 2",
            "Đảng bộ xã Vĩnh Trạch tiến hành đại hội điểm",
        ] {
            assert!(!has(&task(c, "", "", ""), "no_local_reference"), "{c}");
        }
    }

    /// Vague wording beyond a listed empty verb with little after it (issue 15 item 4, rules
    /// designed on the tune half of corpus/real/tasks.json), and its limits.
    #[test]
    fn vague_wording_cases() {
        let has = |c: &str, code: &str| codes(&task(c, "", "", "")).contains(&code);
        // An abstract object (`công tác X`, `năng lực`, `hệ thống chính sách`, `lực lượng X`,
        // `các hoạt động`) after an empty verb, or after `kiện toàn`, `xây dựng`, `hoàn
        // thiện`, `triển khai`: its field is not something to do.
        for c in [
            "thực hiện tốt công tác cải cách thủ tục hành chính",
            "kiện toàn nhân sự",
            "nhân rộng các mô hình hiệu quả",
            "Hoàn thiện hệ thống chính sách, pháp luật về phòng thủ dân sự.",
            "Xây dựng lực lượng phòng thủ dân sự.",
            "UBND các xã, thị trấn chỉ đạo, xây dựng và triển khai các hoạt động bảo đảm chất lượng vệ sinh an toàn thực phẩm",
            "tăng cường công tác lãnh đạo, chỉ đạo, đảm bảo an ninh trật tự",
            // A place says where, not what.
            "tăng cường công tác tuyên truyền tại xã Bảo Sơn",
        ] {
            assert!(has(c, "vague_wording"), "{c}");
        }
        // Not vague: a thing as object, a concrete act ending the field, a named event or
        // document, a place, an owner or beneficiary after the abstract head, an output.
        for c in [
            "Kiện toàn Ban Chỉ đạo",
            "xây dựng mã vùng trồng cây lúa",
            "Tăng cường công tác tuần tra, kiểm tra, xử lý vi phạm trật tự xây dựng",
            "Đẩy mạnh công tác tuyên truyền Đại hội Đảng bộ huyện",
            "Đẩy mạnh công tác tuyên truyền về Chỉ thị số 05-CT/TW",
            "duy trì và nâng cao chất lượng hoạt động của các mô hình tự quản về an ninh trật tự",
            "Nâng cao chất lượng sinh hoạt chi bộ, tổ chức 3 lớp bồi dưỡng",
            "triển khai cho các xã đăng ký công trình chào mừng Đại hội",
        ] {
            assert!(!has(c, "vague_wording"), "{c}");
        }
        // Keeping or copying what exists is not a new output; making is.
        for c in [
            "nhân rộng các mô hình hiệu quả",
            "duy trì và nâng cao chất lượng hoạt động của các mô hình tự quản",
            // A body named after its field, an event of others, `hướng dẫn` as a verb.
            "Phòng Tài chính - Kế hoạch bố trí kinh phí",
            "Sở Kế hoạch và Đầu tư tổng hợp",
            "Vận động, hưởng ứng tham gia Cuộc thi tìm hiểu pháp luật",
            "hướng dẫn các địa phương khắc phục những tồn tại",
        ] {
            assert!(has(c, "no_measurable_output"), "{c}");
        }
        for c in [
            "duy trì các câu lạc bộ và xây dựng mô hình dân vận khéo",
            "xây dựng mô hình đảm bảo tiêu chí môi trường",
            "ban hành hướng dẫn chấm điểm thi đua",
            "tổ chức hội nghị sơ kết",
        ] {
            assert!(!has(c, "no_measurable_output"), "{c}");
        }
    }

    /// Issue 15, second round (rules designed on the tune and held-out halves of
    /// corpus/real/tasks.json, measured once on its test2 batch).
    /// Issue 15, third round (designed on tune, held-out and test2; measured on test3 once):
    /// exhortations without a listed verb, a pace, duties, fighting strength, resources.
    #[test]
    fn third_round_cases() {
        let has = |c: &str, code: &str| codes(&task(c, "", "", "")).contains(&code);
        for c in [
            "Đẩy nhanh tiến độ thực hiện, giải ngân các dự án, tiểu dự án.",
            "Đề cao vai trò, trách nhiệm",
            "Yêu cầu UBND các xã, thị trấn phối hợp và tổ chức thực hiện.",
            "đảm bảo tiến độ thi công các dự án trọng điểm",
            "Công chức chuyên môn chủ động thực hiện nhiệm vụ được giao",
            "Nâng cao năng lực lãnh đạo, sức chiến đấu của cấp ủy",
        ] {
            assert!(has(c, "vague_wording"), "{c}");
        }
        // Not vague: a concrete act or a named plan after the new words; order kept by a
        // named model (`an ninh` is not an abstract head: it is often the field of a thing).
        for c in [
            "Tập trung thực hiện hoàn thành Kế hoạch 39 về đẩy nhanh tiến độ cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
            "duy trì và nâng cao chất lượng hoạt động của các mô hình tự quản về an ninh trật tự",
            "tổ chức thực hiện kiểm tra đồng ruộng, xử lý sâu bệnh trên lúa xuân",
        ] {
            assert!(!has(c, "vague_wording"), "{c}");
        }
    }

    #[test]
    fn second_round_cases() {
        let has = |c: &str, code: &str| codes(&task(c, "", "", "")).contains(&code);
        // Vague: a situation kept informed of, a collective of people, criteria, a
        // direction. (A plan or document only carried out or followed, "thực hiện tốt Nghị
        // quyết số 03-NQ/HU …", is vague too but no longer flagged: that rule was withdrawn
        // after test2, where both its false alarms came from it.)
        for c in [
            "nắm chắc tình hình an ninh trật tự tại xóm",
            "Xây dựng đội ngũ cán bộ xã, thôn, làng, các đoàn thể vững mạnh để thực hiện thắng lợi nhiệm vụ chính trị của Đảng bộ.",
            "tập trung xây dựng các tiêu chí nông thôn mới nâng cao",
            "Tập trung phát triển kinh tế theo hướng tái cơ cấu nông nghiệp",
            "tiếp tục chỉ đạo thực hiện có hiệu quả đề án tái cơ cấu ngành nông nghiệp",
            "Đẩy mạnh việc thu hút đầu tư các dự án trên lĩnh vực nông nghiệp và công nghiệp.",
        ] {
            assert!(has(c, "vague_wording"), "{c}");
        }
        // Not vague: a document that is also taught or explained, a concrete act in the
        // plan carried out.
        for c in [
            "Công tác thông tin, tuyên truyền, quán triệt, triển khai thực hiện Nghị quyết số 28/NQ-CP.",
            "Triển khai đề án xử lý rác thải tại hộ gia đình",
            "Đẩy mạnh công tác tuyên truyền về Chỉ thị số 05-CT/TW",
        ] {
            assert!(!has(c, "vague_wording"), "{c}");
        }
        // A plan carried out is not a new output, and the number after a document head is
        // its identifier; a plan made still is one.
        for c in [
            "Triển khai đề án xử lý rác thải tại hộ gia đình",
            "Giữ vững đoàn kết phấn đấu hoàn thành vượt mức kế hoạch đề ra",
            "Tập trung thực hiện hoàn thành Kế hoạch 39 về đẩy nhanh tiến độ cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
            "Thứ ba, là triển khai thống nhất và thực hiện Nghị quyết chuyên đề của BCH Đảng bộ xã về chỉnh trang hạ tầng nông thôn.",
            // Being ready with a plan, and a congress only cited.
            "Chỉ đạo hướng dẫn các hộ nuôi trồng thủy sản chủ động phương án bảo vệ cá lồng, bè, ao hồ",
            "đẩy mạnh tuyên truyền chào mừng đại hội đảng bộ huyện",
        ] {
            assert!(has(c, "no_measurable_output"), "{c}");
        }
        // Response plans, congress documents, an inspection or a congress that is the task
        // itself, meetings and cell meetings held, a survey: outputs.
        for c in [
            "Xây dựng kế hoạch triển khai đề án xử lý rác thải",
            "Xây dựng các phương án phòng, chống, ứng phó với các loại thiên tai theo các cấp độ rủi ro thiên tai.",
            "các chi bộ sớm chuẩn bị văn kiện, chuẩn bị nhân sự phù hợp sát với tình hình thực tế",
            "kiểm tra chấn chỉnh tình trạng xây dựng trái phép",
            "đại hội chi bộ trực thuộc đảng ủy cơ sở không quá 1 ngày",
            "Kiện toàn Ban chỉ huy và họp phân công nhiệm vụ cụ thể",
            "Các chi bộ còn lại sẽ tổ chức sinh hoạt xong trước ngày 20 tháng 4.",
            "Giao cho xóm tiến hành khảo sát, dự trù kinh phí để họp dân thống nhất thực hiện.",
        ] {
            assert!(!has(c, "no_measurable_output"), "{c}");
        }
    }

    #[test]
    fn specificity_drops_with_findings() {
        let gaz = Gazetteer::new();
        let bad = check_task(
            0,
            &task("Tăng cường công tác xây dựng Đảng.", "", "", ""),
            &gaz,
        );
        assert!(bad.specificity < 0.05);
        for f in &bad.findings {
            assert!(!f.message_vi.is_empty() && !f.message_en.is_empty());
        }
    }

    #[test]
    fn codes_serialize_in_snake_case() {
        let json = serde_json::to_string(&FindingCode::NoMeasurableOutput).unwrap();
        assert_eq!(json, "\"no_measurable_output\"");
    }
}
