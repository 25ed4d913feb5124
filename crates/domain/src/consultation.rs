//! Consultation on a draft (lấy ý kiến góp ý dự thảo, issue 14 items 1-3): a unit's office
//! opens a draft — an action program, or the text of a report or a resolution — for
//! comment by the members of its subtree, by invited experts and by the public, over a
//! period, with the questions it asks. The draft is split into numbered items at opening
//! (paragraphs of text, and a program's tasks as items of their own) and the snapshot is
//! kept, so that later edits of the draft do not move the comments. Every comment is
//! answered (tiếp thu, tiếp thu một phần, không tiếp thu with the reason: giải trình), or
//! the office closes the rest with one reason; a program under consultation cannot be
//! issued before ([`check_issue_gate`]).
//!
//! Public comments carry a name and a contact that only the office sees, are limited in
//! size, refused with links, refused when repeated and past the limits per address and
//! per consultation ([`PublicVolume`]), and wait in a moderation queue.
//!
//! Codes: `consultation_not_open`, `consultation_closed`, `consultation_still_open`,
//! `consultation_open`, `consultation_unanswered`, `consultation_no_audience`,
//! `consultation_no_experts`, `closes_before_opens`, `closes_in_past`, `comment_has_link`,
//! `comment_repeated`, `comment_flood_address`, `comment_flood_consultation`,
//! `comment_not_pending`, `comment_rejected`, `answer_reason_required`,
//! `consultation_finalized`, `bad_choice`, plus `required`, `too_long`, `bad_date`.

use crate::access::{Permission, Principal};
use crate::org::OrgPath;
use crate::program::{ProgramSections, TaskDraft, validate_multiline};
use crate::refusal::Refusal;
use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::Date;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map($name)
            }
        }
    };
}

id!(
    /// A consultation on one draft.
    ConsultationId
);
id!(
    /// One comment of a consultation.
    CommentId
);
id!(
    /// One numbered item (paragraph or task) of a consultation's snapshot.
    ItemId
);

/// The most characters of a comment, of a proposed wording, of an answer's reason or
/// changed text.
pub const MAX_COMMENT_CHARS: usize = 5_000;
/// The most characters of a draft's text given for consultation (a report, a resolution).
pub const MAX_DRAFT_CHARS: usize = 100_000;
/// The most questions one consultation asks.
pub const MAX_QUESTIONS: usize = 20;
/// The most characters of one question.
pub const MAX_QUESTION_CHARS: usize = 500;
/// The most characters of a public commenter's name and of their contact.
pub const MAX_NAME_CHARS: usize = 200;
/// A public comment from one address: at most this many in one consultation within
/// [`VOLUME_WINDOW_HOURS`] (the web layer also refuses a flood from one address across
/// consultations before it reaches the store).
pub const MAX_FROM_ADDRESS: u32 = 5;
/// Public comments one consultation takes within [`VOLUME_WINDOW_HOURS`], all addresses
/// together: the moderation queue stays one an office can read.
pub const MAX_IN_CONSULTATION: u32 = 300;
/// The window of the limits above.
pub const VOLUME_WINDOW_HOURS: i64 = 1;

/// What the draft is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A draft action program or plan of the unit (its sections and its tasks); the
    /// program cannot be issued before every comment is answered.
    Program,
    /// The text of a draft report.
    Report,
    /// The text of a draft resolution or other document.
    Resolution,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 3] = [
        SubjectKind::Program,
        SubjectKind::Report,
        SubjectKind::Resolution,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Program => "program",
            SubjectKind::Report => "report",
            SubjectKind::Resolution => "resolution",
        }
    }

    pub fn parse(s: &str) -> Option<SubjectKind> {
        SubjectKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Who may comment. Experts comment only once invited, each with an account of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Audiences {
    /// Members of the unit's subtree (anyone whose grants reach into it).
    pub members: bool,
    /// Invited experts.
    pub experts: bool,
    /// Anyone, without an account, on the public page.
    pub public: bool,
}

/// Where a consultation is in its period, on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Before its first day.
    Scheduled,
    /// From its first to its last day, unless ended early.
    Open,
    /// After its last day, or ended early by the office.
    Closed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Scheduled => "scheduled",
            Phase::Open => "open",
            Phase::Closed => "closed",
        }
    }

    /// The phase on `today` (in Vietnam) of a period from `opens_on` to `closes_on`, both
    /// days included, `ended` when the office ended it early.
    pub fn on(opens_on: Date, closes_on: Date, ended: bool, today: Date) -> Phase {
        if ended || today > closes_on {
            Phase::Closed
        } else if today < opens_on {
            Phase::Scheduled
        } else {
            Phase::Open
        }
    }
}

/// The kind of a numbered item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A paragraph of the text (Đoạn n).
    Paragraph,
    /// A task of a program (Nhiệm vụ n).
    Task,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Paragraph => "paragraph",
            ItemKind::Task => "task",
        }
    }

    pub fn parse(s: &str) -> Option<ItemKind> {
        match s {
            "paragraph" => Some(ItemKind::Paragraph),
            "task" => Some(ItemKind::Task),
            _ => None,
        }
    }
}

/// One numbered item of the snapshot: paragraphs are numbered 1.. through the whole text,
/// tasks 1.. through the task table; `heading` is the section the paragraph stands under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemDraft {
    pub kind: ItemKind,
    pub number: u32,
    pub heading: Option<String>,
    pub text: String,
}

/// Splits a Markdown text into its paragraphs: blocks separated by blank lines, each
/// block's lines joined by a space (a list keeps one item per line). A block that is only
/// a heading (`#`…) numbers nothing: it becomes the heading of the paragraphs after it.
/// Returns (heading, paragraph) pairs.
pub fn paragraphs(text: &str) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    let mut heading: Option<String> = None;
    let normalized = text.replace("\r\n", "\n");
    for block in normalized.split("\n\n") {
        let lines: Vec<&str> = block
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if lines.is_empty() {
            continue;
        }
        let mut body: Vec<&str> = Vec::new();
        for l in lines {
            if let Some(h) = l.strip_prefix('#') {
                if !body.is_empty() {
                    out.push((heading.clone(), join_block(&body)));
                    body.clear();
                }
                heading = Some(h.trim_start_matches('#').trim().to_owned());
            } else {
                body.push(l);
            }
        }
        if !body.is_empty() {
            out.push((heading.clone(), join_block(&body)));
        }
    }
    out
}

fn join_block(lines: &[&str]) -> String {
    let is_list = |l: &str| {
        l.starts_with("- ")
            || l.starts_with("* ")
            || l.split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    if lines.iter().any(|l| is_list(l)) {
        lines.join("\n")
    } else {
        lines.join(" ")
    }
}

/// The snapshot of a text draft: its paragraphs, numbered.
pub fn snapshot_text(text: &str) -> Vec<ItemDraft> {
    paragraphs(text)
        .into_iter()
        .enumerate()
        .map(|(i, (heading, text))| ItemDraft {
            kind: ItemKind::Paragraph,
            number: i as u32 + 1,
            heading,
            text,
        })
        .collect()
}

/// The snapshot of a draft program: the paragraphs of its three sections under their
/// headings, numbered through, then its tasks, numbered as in the table (a task's item
/// reads its content, its lead body, deadline and output).
pub fn snapshot_program(sections: &ProgramSections, tasks: &[TaskDraft]) -> Vec<ItemDraft> {
    let mut out = snapshot_text(&sections.to_markdown());
    for (i, t) in tasks.iter().enumerate() {
        let mut text = t.content.clone();
        let mut extra = Vec::new();
        if let Some(b) = &t.lead_body {
            extra.push(format!("Chủ trì: {b}"));
        }
        if let Some(d) = t.deadline {
            extra.push(format!("Thời hạn: {}", validate::format_date(d)));
        }
        if let Some(o) = &t.expected_output {
            extra.push(format!("Sản phẩm: {o}"));
        }
        if !extra.is_empty() {
            text = format!("{text}\n{}", extra.join("; "));
        }
        out.push(ItemDraft {
            kind: ItemKind::Task,
            number: i as u32 + 1,
            heading: None,
            text,
        });
    }
    out
}

/// A new consultation as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultationForm {
    pub title: String,
    /// One question per line.
    pub questions: String,
    pub opens_on: String,
    pub closes_on: String,
    pub members: bool,
    pub experts: bool,
    pub public: bool,
    /// The draft's text, for a report or a resolution (a program brings its own).
    pub text: String,
}

/// A new consultation, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsultationDraft {
    pub title: String,
    pub questions: Vec<String>,
    pub opens_on: Date,
    pub closes_on: Date,
    pub audiences: Audiences,
    /// The text (empty for a program).
    pub text: String,
}

impl ConsultationForm {
    /// Checks a new consultation on `today`: a title, at most [`MAX_QUESTIONS`] questions,
    /// a period that does not end before it opens nor before today, at least one audience
    /// (`audiences`, `consultation_no_audience`), and, unless the subject is a program, a
    /// text with at least one paragraph. Every problem together.
    pub fn parse(&self, kind: SubjectKind, today: Date) -> Result<ConsultationDraft, Invalid> {
        let mut inv = Invalid::default();
        let title = inv.take(validate::name(
            "title",
            &self.title,
            crate::program::MAX_TITLE_CHARS,
        ));
        let questions = inv.take(validate_multiline(
            "questions",
            &self.questions,
            MAX_QUESTIONS * MAX_QUESTION_CHARS,
            false,
        ));
        let questions: Vec<String> = questions
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect();
        if questions.len() > MAX_QUESTIONS
            || questions
                .iter()
                .any(|q| q.chars().count() > MAX_QUESTION_CHARS)
        {
            inv.push("questions", "too_long");
        }
        let opens_on = inv.take(validate::date("opens_on", &self.opens_on));
        let closes_on = inv.take(validate::date("closes_on", &self.closes_on));
        if let (Some(o), Some(c)) = (opens_on, closes_on) {
            if c < o {
                inv.push("closes_on", "closes_before_opens");
            } else if c < today {
                inv.push("closes_on", "closes_in_past");
            }
        }
        let audiences = Audiences {
            members: self.members,
            experts: self.experts,
            public: self.public,
        };
        if !(audiences.members || audiences.experts || audiences.public) {
            inv.push("audiences", "consultation_no_audience");
        }
        let text = if kind == SubjectKind::Program {
            String::new()
        } else {
            let t = self.text.trim().replace("\r\n", "\n");
            if t.is_empty() || paragraphs(&t).is_empty() {
                inv.push("text", "required");
            } else if t.chars().count() > MAX_DRAFT_CHARS {
                inv.push("text", "too_long");
            } else if crate::text::hidden_char(&t).is_some() {
                inv.push("text", "hidden_chars");
            }
            crate::text::nfc(&t)
        };
        match (title, opens_on, closes_on) {
            (Some(title), Some(opens_on), Some(closes_on)) if inv.is_empty() => {
                Ok(ConsultationDraft {
                    title,
                    questions,
                    opens_on,
                    closes_on,
                    audiences,
                    text,
                })
            }
            _ => Err(inv),
        }
    }
}

/// Who the principal is to one consultation: decides what they see and may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Viewer {
    /// Edits the unit (its office): sees every comment with its author's contact,
    /// moderates, answers, invites experts, ends the period, writes the report.
    Office,
    /// Reads the unit (a body above it, its inspection committee): sees the draft and the
    /// answered comments; comments when members are asked.
    Reader,
    /// Holds a grant inside the unit's subtree (a commune, a cell, a member) while members
    /// are asked: sees the draft and comments.
    Member,
    /// An invited expert: this consultation and nothing else.
    Expert,
}

impl Viewer {
    /// Who `p` is to a consultation of the unit at `unit`, with `audiences`, `invited`
    /// when an expert's invitation names `p`'s account. `None`: the consultation is not
    /// there for them (`NotFound`).
    pub fn of(
        p: &Principal,
        unit: &OrgPath,
        audiences: Audiences,
        invited: bool,
    ) -> Option<Viewer> {
        if p.can(Permission::EditOrgs, unit) {
            Some(Viewer::Office)
        } else if p.can(Permission::Read, unit) {
            Some(Viewer::Reader)
        } else if audiences.members && p.sees_or_leads_to(unit) {
            Some(Viewer::Member)
        } else if invited && audiences.experts {
            Some(Viewer::Expert)
        } else {
            None
        }
    }

    /// Whether this viewer may comment (with a name) on a consultation with `audiences`:
    /// experts when experts are asked, everyone else when members are.
    pub fn may_comment(self, audiences: Audiences) -> bool {
        match self {
            Viewer::Expert => audiences.experts,
            _ => audiences.members,
        }
    }

    /// Whether this viewer manages the consultation.
    pub fn is_office(self) -> bool {
        self == Viewer::Office
    }
}

/// A comment as typed: on an item (its id) or on the whole draft (empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentForm {
    pub item: String,
    pub body: String,
    pub proposed: String,
}

/// A comment, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommentDraft {
    pub item: Option<ItemId>,
    pub body: String,
    /// The wording the commenter proposes instead.
    pub proposed: Option<String>,
}

impl CommentForm {
    /// The item must be one of `items` (`item`, `bad_choice`); the comment is required,
    /// at most [`MAX_COMMENT_CHARS`], as is the proposed wording.
    pub fn parse(&self, items: &[ItemId]) -> Result<CommentDraft, Invalid> {
        let mut inv = Invalid::default();
        let item = match self.item.trim() {
            "" | "0" => Some(None),
            raw => match raw.parse::<ItemId>() {
                Ok(i) if items.contains(&i) => Some(Some(i)),
                _ => {
                    inv.push("item", "bad_choice");
                    None
                }
            },
        };
        let body = inv.take(validate_multiline(
            "body",
            &self.body,
            MAX_COMMENT_CHARS,
            true,
        ));
        let proposed = inv.take(validate_multiline(
            "proposed",
            &self.proposed,
            MAX_COMMENT_CHARS,
            false,
        ));
        match (item, body, proposed) {
            (Some(item), Some(body), Some(proposed)) if inv.is_empty() => Ok(CommentDraft {
                item,
                body,
                proposed: (!proposed.is_empty()).then_some(proposed),
            }),
            _ => Err(inv),
        }
    }
}

/// A public comment as typed: a name and a contact (phone or e-mail) that only the
/// office sees, and the comment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicCommentForm {
    pub name: String,
    pub contact: String,
    pub comment: CommentForm,
}

/// A public comment, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicCommentDraft {
    pub name: String,
    pub contact: String,
    pub comment: CommentDraft,
}

impl PublicCommentForm {
    /// As [`CommentForm::parse`], with a name and a contact required, and no link in the
    /// comment or the proposed wording (`comment_has_link`): a public form that takes
    /// links is a spam target, and a citizen's comment on a draft needs none.
    pub fn parse(&self, items: &[ItemId]) -> Result<PublicCommentDraft, Invalid> {
        let mut inv = Invalid::default();
        let name = inv.take(validate::name("name", &self.name, MAX_NAME_CHARS));
        let contact = inv.take(validate::name("contact", &self.contact, MAX_NAME_CHARS));
        let comment = inv.take(self.comment.parse(items));
        if has_link(&self.comment.body) {
            inv.push("body", "comment_has_link");
        }
        if has_link(&self.comment.proposed) {
            inv.push("proposed", "comment_has_link");
        }
        match (name, contact, comment) {
            (Some(name), Some(contact), Some(comment)) if inv.is_empty() => {
                Ok(PublicCommentDraft {
                    name,
                    contact,
                    comment,
                })
            }
            _ => Err(inv),
        }
    }
}

/// Whether a text holds a link: a URL scheme, `www.`, or a word that looks like a domain
/// name (`abc.com`, `x.vn`, `site.com.vn/…`).
pub fn has_link(text: &str) -> bool {
    let lower = text.to_lowercase();
    if lower.contains("://") || lower.contains("www.") {
        return true;
    }
    const TLDS: [&str; 12] = [
        "com", "vn", "net", "org", "info", "io", "xyz", "top", "ru", "cn", "biz", "site",
    ];
    lower
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '"' | '\''))
        .any(|word| {
            let word = word.trim_end_matches(['.', '!', '?', ':']);
            let host = word.split('/').next().unwrap_or("");
            let parts: Vec<&str> = host.split('.').collect();
            parts.len() >= 2
                && parts.iter().all(|p| {
                    !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
                && parts
                    .iter()
                    .any(|p| p.chars().any(|c| c.is_ascii_alphabetic()))
                && TLDS.contains(parts.last().expect("two parts"))
        })
}

/// The key under which two comments count as the same text: folded (no diacritics,
/// lowercase) with only letters and digits kept.
pub fn repeat_key(text: &str) -> String {
    crate::text::fold(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// What the store counted before a public comment is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PublicVolume {
    /// Public comments from the same address in this consultation within the window.
    pub from_address: u32,
    /// Public comments in this consultation within the window, every address.
    pub in_consultation: u32,
    /// Whether a public comment of this consultation has the same [`repeat_key`].
    pub repeated: bool,
}

impl PublicVolume {
    /// Refuses a flood from one address (`comment_flood_address`), a flood into the
    /// consultation (`comment_flood_consultation`) and a repeat (`comment_repeated`).
    pub fn check(&self) -> Result<(), Refusal> {
        if self.from_address >= MAX_FROM_ADDRESS {
            return Err(Refusal::Conflict("comment_flood_address"));
        }
        if self.in_consultation >= MAX_IN_CONSULTATION {
            return Err(Refusal::Conflict("comment_flood_consultation"));
        }
        if self.repeated {
            return Err(Refusal::Conflict("comment_repeated"));
        }
        Ok(())
    }
}

/// A named comment (member, reader, office or expert) on a consultation in `phase`: the
/// viewer must be asked (`Forbidden`), the period open (`consultation_not_open`).
pub fn check_comment(viewer: Viewer, audiences: Audiences, phase: Phase) -> Result<(), Refusal> {
    if !viewer.may_comment(audiences) {
        return Err(Refusal::Forbidden);
    }
    if phase != Phase::Open {
        return Err(Refusal::Conflict("consultation_not_open"));
    }
    Ok(())
}

/// A public comment: the public must be asked (`NotFound`: there is no public page), the
/// period open, the volume within limits.
pub fn check_public_comment(
    audiences: Audiences,
    phase: Phase,
    volume: &PublicVolume,
) -> Result<(), Refusal> {
    if !audiences.public {
        return Err(Refusal::NotFound);
    }
    if phase != Phase::Open {
        return Err(Refusal::Conflict("consultation_not_open"));
    }
    volume.check()
}

/// Where a comment is in moderation. Named comments are published at once; public ones
/// wait for the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Moderation {
    Pending,
    Published,
    /// Hidden with a reason (spam, abuse, off the subject); needs no answer.
    Rejected,
}

impl Moderation {
    pub fn as_str(self) -> &'static str {
        match self {
            Moderation::Pending => "pending",
            Moderation::Published => "published",
            Moderation::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Moderation> {
        match s {
            "pending" => Some(Moderation::Pending),
            "published" => Some(Moderation::Published),
            "rejected" => Some(Moderation::Rejected),
            _ => None,
        }
    }
}

/// The office's decision on a pending public comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum ModerationDecision {
    Publish,
    Reject { reason: String },
}

impl ModerationDecision {
    /// From a form: `decision` = `publish` | `reject`, a reason required to reject.
    pub fn parse(decision: &str, reason: &str) -> Result<ModerationDecision, Invalid> {
        match decision.trim() {
            "publish" => Ok(ModerationDecision::Publish),
            "reject" => Ok(ModerationDecision::Reject {
                reason: validate::name("reason", reason, MAX_COMMENT_CHARS)?,
            }),
            "" => Err(Invalid::one("decision", "required")),
            _ => Err(Invalid::one("decision", "bad_choice")),
        }
    }

    /// Applied to a comment in `current`: only pending ones (`comment_not_pending`), by
    /// the office (`Forbidden`).
    pub fn apply(&self, viewer: Viewer, current: Moderation) -> Result<Moderation, Refusal> {
        if !viewer.is_office() {
            return Err(Refusal::Forbidden);
        }
        if current != Moderation::Pending {
            return Err(Refusal::Conflict("comment_not_pending"));
        }
        Ok(match self {
            ModerationDecision::Publish => Moderation::Published,
            ModerationDecision::Reject { .. } => Moderation::Rejected,
        })
    }
}

/// How the office took a comment in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Tiếp thu.
    TakenIn,
    /// Tiếp thu một phần.
    PartlyTakenIn,
    /// Không tiếp thu (with the reason: giải trình).
    NotTakenIn,
    /// Closed with the rest, under the one reason the office recorded.
    ClosedWithRest,
}

impl Answer {
    pub const ALL: [Answer; 4] = [
        Answer::TakenIn,
        Answer::PartlyTakenIn,
        Answer::NotTakenIn,
        Answer::ClosedWithRest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::TakenIn => "taken_in",
            Answer::PartlyTakenIn => "partly_taken_in",
            Answer::NotTakenIn => "not_taken_in",
            Answer::ClosedWithRest => "closed_with_rest",
        }
    }

    pub fn parse(s: &str) -> Option<Answer> {
        Answer::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// An answer as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerForm {
    pub answer: String,
    pub reason: String,
    /// The paragraph or task as changed, when the comment was taken in.
    pub changed_text: String,
}

/// An answer, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerDraft {
    pub answer: Answer,
    pub reason: Option<String>,
    pub changed_text: Option<String>,
}

impl AnswerForm {
    /// One of taken in, partly, not taken in (`answer`: `required`, `bad_choice`; closing
    /// with the rest is its own action); the reason (giải trình) required when not wholly
    /// taken in (`reason`, `answer_reason_required`); a changed text only when something
    /// was taken in (dropped otherwise).
    pub fn parse(&self) -> Result<AnswerDraft, Invalid> {
        let mut inv = Invalid::default();
        let answer = match self.answer.trim() {
            "" => {
                inv.push("answer", "required");
                None
            }
            s => match Answer::parse(s) {
                Some(Answer::ClosedWithRest) | None => {
                    inv.push("answer", "bad_choice");
                    None
                }
                Some(a) => Some(a),
            },
        };
        let reason = inv.take(validate_multiline(
            "reason",
            &self.reason,
            MAX_COMMENT_CHARS,
            false,
        ));
        let changed = inv.take(validate_multiline(
            "changed_text",
            &self.changed_text,
            MAX_COMMENT_CHARS,
            false,
        ));
        if let (Some(a), Some(r)) = (answer, &reason)
            && a != Answer::TakenIn
            && r.is_empty()
        {
            inv.push("reason", "answer_reason_required");
        }
        match (answer, reason, changed) {
            (Some(answer), Some(reason), Some(changed)) if inv.is_empty() => Ok(AnswerDraft {
                answer,
                reason: (!reason.is_empty()).then_some(reason),
                changed_text: (answer != Answer::NotTakenIn && !changed.is_empty())
                    .then_some(changed),
            }),
            _ => Err(inv),
        }
    }
}

/// Answering a comment: by the office (`Forbidden`), not a rejected one
/// (`comment_rejected`), not after the draft was issued (`consultation_finalized`: the
/// report then stands as issued with it).
pub fn check_answer(
    viewer: Viewer,
    moderation: Moderation,
    finalized: bool,
) -> Result<(), Refusal> {
    if !viewer.is_office() {
        return Err(Refusal::Forbidden);
    }
    if finalized {
        return Err(Refusal::Conflict("consultation_finalized"));
    }
    if moderation == Moderation::Rejected {
        return Err(Refusal::Conflict("comment_rejected"));
    }
    Ok(())
}

/// Whether a comment still waits for its answer: every comment not rejected in
/// moderation (a pending public comment too: the office moderates, then answers).
pub fn needs_answer(moderation: Moderation, answer: Option<Answer>) -> bool {
    moderation != Moderation::Rejected && answer.is_none()
}

/// Closing the rest with one reason: by the office, once the period is over
/// (`consultation_still_open`), not after the draft was issued, with a reason
/// (`reason`, `required`). Returns the clean reason.
pub fn check_close_rest(
    viewer: Viewer,
    phase: Phase,
    finalized: bool,
    reason: &str,
) -> Result<String, Refusal> {
    if !viewer.is_office() {
        return Err(Refusal::Forbidden);
    }
    if finalized {
        return Err(Refusal::Conflict("consultation_finalized"));
    }
    if phase != Phase::Closed {
        return Err(Refusal::Conflict("consultation_still_open"));
    }
    Ok(validate_multiline(
        "reason",
        reason,
        MAX_COMMENT_CHARS,
        true,
    )?)
}

/// Ending the period early: by the office, while not yet closed (`consultation_closed`).
pub fn check_end(viewer: Viewer, phase: Phase) -> Result<(), Refusal> {
    if !viewer.is_office() {
        return Err(Refusal::Forbidden);
    }
    if phase == Phase::Closed {
        return Err(Refusal::Conflict("consultation_closed"));
    }
    Ok(())
}

/// Inviting an expert: by the office, when experts are asked (`consultation_no_experts`)
/// and the period is not over (`consultation_closed`).
pub fn check_invite(viewer: Viewer, audiences: Audiences, phase: Phase) -> Result<(), Refusal> {
    if !viewer.is_office() {
        return Err(Refusal::Forbidden);
    }
    if !audiences.experts {
        return Err(Refusal::Conflict("consultation_no_experts"));
    }
    if phase == Phase::Closed {
        return Err(Refusal::Conflict("consultation_closed"));
    }
    Ok(())
}

/// What the store found of one consultation on a program, before the program is issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateFacts {
    pub phase: Phase,
    /// Comments that [`needs_answer`].
    pub unanswered: u32,
}

/// How many comments still wait for their answer over a program's consultations.
pub fn unanswered_total(consultations: &[GateFacts]) -> u32 {
    consultations.iter().map(|c| c.unanswered).sum()
}

/// A program under consultation is issued only once every consultation on it is over
/// (`consultation_open`: end it early if the office is done) and every comment answered
/// or closed with the rest (`consultation_unanswered`; [`unanswered_total`] says how
/// many, and the pages name the number).
pub fn check_issue_gate(consultations: &[GateFacts]) -> Result<(), Refusal> {
    if consultations.iter().any(|c| c.phase != Phase::Closed) {
        return Err(Refusal::Conflict("consultation_open"));
    }
    if unanswered_total(consultations) > 0 {
        return Err(Refusal::Conflict("consultation_unanswered"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{AccessRole, Grant};
    use crate::ids::UserId;
    use proptest::prelude::*;
    use time::macros::date;

    fn principal(grants: &[(AccessRole, &str)]) -> Principal {
        Principal {
            user_id: UserId(7),
            username: "u".into(),
            display_name: "U".into(),
            grants: grants
                .iter()
                .map(|(role, path)| {
                    let org_path = OrgPath::parse(path).unwrap();
                    Grant {
                        role: *role,
                        org_id: org_path.id(),
                        org_path,
                    }
                })
                .collect(),
            system: false,
            member_id: None,
        }
    }

    const ALL: Audiences = Audiences {
        members: true,
        experts: true,
        public: true,
    };

    #[test]
    fn phases_of_a_period() {
        let (o, c) = (date!(2026 - 12 - 01), date!(2026 - 12 - 15));
        assert_eq!(
            Phase::on(o, c, false, date!(2026 - 11 - 30)),
            Phase::Scheduled
        );
        assert_eq!(Phase::on(o, c, false, o), Phase::Open);
        assert_eq!(Phase::on(o, c, false, c), Phase::Open);
        assert_eq!(Phase::on(o, c, false, date!(2026 - 12 - 16)), Phase::Closed);
        assert_eq!(Phase::on(o, c, true, o), Phase::Closed);
    }

    #[test]
    fn who_sees_a_consultation() {
        let unit = OrgPath::parse("/1/2/").unwrap();
        let office = principal(&[(AccessRole::OfficeStaff, "/1/2/")]);
        let inspector = principal(&[(AccessRole::Inspector, "/1/")]);
        let cell_member = principal(&[(AccessRole::Member, "/1/2/5/9/")]);
        let other = principal(&[(AccessRole::Member, "/1/3/")]);
        let expert = principal(&[]);
        assert_eq!(Viewer::of(&office, &unit, ALL, false), Some(Viewer::Office));
        assert_eq!(
            Viewer::of(&inspector, &unit, ALL, false),
            Some(Viewer::Reader)
        );
        assert_eq!(
            Viewer::of(&cell_member, &unit, ALL, false),
            Some(Viewer::Member)
        );
        let no_members = Audiences {
            members: false,
            ..ALL
        };
        assert_eq!(Viewer::of(&cell_member, &unit, no_members, false), None);
        assert_eq!(Viewer::of(&other, &unit, ALL, false), None);
        assert_eq!(Viewer::of(&expert, &unit, ALL, false), None);
        assert_eq!(Viewer::of(&expert, &unit, ALL, true), Some(Viewer::Expert));
        let no_experts = Audiences {
            experts: false,
            ..ALL
        };
        assert_eq!(Viewer::of(&expert, &unit, no_experts, true), None);
        // Comments need the viewer to be asked and the period open.
        assert_eq!(check_comment(Viewer::Expert, ALL, Phase::Open), Ok(()));
        assert_eq!(
            check_comment(Viewer::Expert, ALL, Phase::Closed),
            Err(Refusal::Conflict("consultation_not_open"))
        );
        assert_eq!(
            check_comment(Viewer::Reader, no_members, Phase::Open),
            Err(Refusal::Forbidden)
        );
    }

    #[test]
    fn a_program_is_snapshot_into_numbered_paragraphs_and_tasks() {
        let sections = ProgramSections {
            purpose: "Quán triệt sâu sắc nghị quyết.\n\nNâng cao chất lượng sinh hoạt chi bộ."
                .into(),
            tasks_and_solutions: "## 1. Công tác chính trị\nTăng cường giáo dục.".into(),
            organization: String::new(),
        };
        let tasks = vec![TaskDraft {
            content: "Rà soát đảng viên".into(),
            lead_body: Some("Ban Tổ chức".into()),
            deadline: Some(date!(2026 - 06 - 30)),
            ..TaskDraft::default()
        }];
        let items = snapshot_program(&sections, &tasks);
        let view: Vec<(ItemKind, u32, Option<&str>, &str)> = items
            .iter()
            .map(|i| (i.kind, i.number, i.heading.as_deref(), i.text.as_str()))
            .collect();
        assert_eq!(
            view,
            vec![
                (
                    ItemKind::Paragraph,
                    1,
                    Some("I. Mục đích, yêu cầu"),
                    "Quán triệt sâu sắc nghị quyết."
                ),
                (
                    ItemKind::Paragraph,
                    2,
                    Some("I. Mục đích, yêu cầu"),
                    "Nâng cao chất lượng sinh hoạt chi bộ."
                ),
                (
                    ItemKind::Paragraph,
                    3,
                    Some("1. Công tác chính trị"),
                    "Tăng cường giáo dục."
                ),
                (
                    ItemKind::Task,
                    1,
                    None,
                    "Rà soát đảng viên\nChủ trì: Ban Tổ chức; Thời hạn: 30/06/2026"
                ),
            ]
        );
    }

    #[test]
    fn a_list_keeps_its_lines_and_a_paragraph_joins_them() {
        let p = paragraphs("Dòng một\ndòng hai\n\n- a\n- b\n\n\n");
        assert_eq!(
            p,
            vec![
                (None, "Dòng một dòng hai".to_owned()),
                (None, "- a\n- b".to_owned())
            ]
        );
    }

    #[test]
    fn a_new_consultation_checks_everything_together() {
        let today = date!(2026 - 12 - 03);
        let form = ConsultationForm {
            title: " Dự thảo chương trình ".into(),
            questions: "Nhiệm vụ nào cần bổ sung?\n\nThời hạn có hợp lý?".into(),
            opens_on: "03/12/2026".into(),
            closes_on: "20/12/2026".into(),
            members: true,
            ..ConsultationForm::default()
        };
        let ok = form.parse(SubjectKind::Program, today).unwrap();
        assert_eq!(ok.title, "Dự thảo chương trình");
        assert_eq!(ok.questions.len(), 2);
        let bad = ConsultationForm {
            title: String::new(),
            closes_on: "01/12/2026".into(),
            members: false,
            ..form.clone()
        };
        let e = bad.parse(SubjectKind::Report, today).unwrap_err();
        let got: Vec<(&str, &str)> = e.0.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            got,
            vec![
                ("title", "required"),
                ("closes_on", "closes_before_opens"),
                ("audiences", "consultation_no_audience"),
                ("text", "required"),
            ]
        );
        let past = ConsultationForm {
            opens_on: "01/11/2026".into(),
            closes_on: "02/12/2026".into(),
            ..form
        };
        assert_eq!(
            past.parse(SubjectKind::Program, today).unwrap_err(),
            Invalid::one("closes_on", "closes_in_past")
        );
    }

    #[test]
    fn public_comments_refuse_links_and_need_a_name_and_contact() {
        let items = [ItemId(4)];
        let form = PublicCommentForm {
            name: "Nguyễn Văn An".into(),
            contact: "0912 345 678".into(),
            comment: CommentForm {
                item: "4".into(),
                body: "Đề nghị bổ sung nhiệm vụ về chuyển đổi số.".into(),
                proposed: String::new(),
            },
        };
        let ok = form.parse(&items).unwrap();
        assert_eq!(ok.comment.item, Some(ItemId(4)));
        assert_eq!(ok.comment.proposed, None);
        let spam = PublicCommentForm {
            name: String::new(),
            comment: CommentForm {
                item: "9".into(),
                body: "Xem tại ban-hang.com.vn/khuyen-mai".into(),
                proposed: "http://x.y".into(),
            },
            ..form
        };
        let e = spam.parse(&items).unwrap_err();
        let got: Vec<(&str, &str)> = e.0.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            got,
            vec![
                ("name", "required"),
                ("item", "bad_choice"),
                ("body", "comment_has_link"),
                ("proposed", "comment_has_link"),
            ]
        );
    }

    #[test]
    fn links_are_found_and_ordinary_text_is_not() {
        for t in [
            "https://a.b",
            "vào www.abc nhé",
            "trang abc.com",
            "xem thongtin.gov.vn.",
            "SPAM.XYZ/abc",
        ] {
            assert!(has_link(t), "{t}");
        }
        for t in [
            "Mục 2.3 cần sửa",
            "Tỷ lệ 95.5% là cao",
            "Đoạn 1. Nội dung",
            "Nghị quyết 05-NQ/HU.",
            "v.v. và các nội dung khác",
        ] {
            assert!(!has_link(t), "{t}");
        }
    }

    #[test]
    fn volume_limits_and_repeats() {
        assert_eq!(PublicVolume::default().check(), Ok(()));
        let flood = PublicVolume {
            from_address: MAX_FROM_ADDRESS,
            ..PublicVolume::default()
        };
        assert_eq!(
            flood.check(),
            Err(Refusal::Conflict("comment_flood_address"))
        );
        let full = PublicVolume {
            in_consultation: MAX_IN_CONSULTATION,
            ..PublicVolume::default()
        };
        assert_eq!(
            full.check(),
            Err(Refusal::Conflict("comment_flood_consultation"))
        );
        let again = PublicVolume {
            repeated: true,
            ..PublicVolume::default()
        };
        assert_eq!(again.check(), Err(Refusal::Conflict("comment_repeated")));
        assert_eq!(
            repeat_key("Đề nghị  BỔ SUNG!"),
            repeat_key("de nghi bo sung")
        );
        let no_public = Audiences {
            public: false,
            ..ALL
        };
        assert_eq!(
            check_public_comment(no_public, Phase::Open, &PublicVolume::default()),
            Err(Refusal::NotFound)
        );
    }

    #[test]
    fn answers_need_a_reason_unless_wholly_taken_in() {
        let f = |a: &str, r: &str, c: &str| AnswerForm {
            answer: a.into(),
            reason: r.into(),
            changed_text: c.into(),
        };
        assert_eq!(
            f("taken_in", "", "Đoạn mới").parse().unwrap(),
            AnswerDraft {
                answer: Answer::TakenIn,
                reason: None,
                changed_text: Some("Đoạn mới".into())
            }
        );
        assert_eq!(
            f("not_taken_in", "", "").parse().unwrap_err(),
            Invalid::one("reason", "answer_reason_required")
        );
        assert_eq!(
            f("partly_taken_in", "", "").parse().unwrap_err(),
            Invalid::one("reason", "answer_reason_required")
        );
        // Nothing changed when nothing was taken in.
        assert_eq!(
            f("not_taken_in", "Đã có trong nhiệm vụ 2", "x")
                .parse()
                .unwrap()
                .changed_text,
            None
        );
        assert_eq!(
            f("closed_with_rest", "x", "").parse().unwrap_err(),
            Invalid::one("answer", "bad_choice")
        );
        assert_eq!(
            check_answer(Viewer::Expert, Moderation::Published, false),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            check_answer(Viewer::Office, Moderation::Rejected, false),
            Err(Refusal::Conflict("comment_rejected"))
        );
        assert_eq!(
            check_answer(Viewer::Office, Moderation::Pending, true),
            Err(Refusal::Conflict("consultation_finalized"))
        );
    }

    #[test]
    fn moderation_and_closing() {
        let reject = ModerationDecision::parse("reject", "Quảng cáo").unwrap();
        assert_eq!(
            reject.apply(Viewer::Office, Moderation::Pending),
            Ok(Moderation::Rejected)
        );
        assert_eq!(
            reject.apply(Viewer::Office, Moderation::Published),
            Err(Refusal::Conflict("comment_not_pending"))
        );
        assert_eq!(
            ModerationDecision::parse("reject", " ").unwrap_err(),
            Invalid::one("reason", "required")
        );
        assert_eq!(
            check_close_rest(Viewer::Office, Phase::Open, false, "x"),
            Err(Refusal::Conflict("consultation_still_open"))
        );
        assert_eq!(
            check_close_rest(Viewer::Office, Phase::Closed, false, "  Đã tổng hợp chung "),
            Ok("Đã tổng hợp chung".into())
        );
        assert_eq!(
            check_end(Viewer::Office, Phase::Closed),
            Err(Refusal::Conflict("consultation_closed"))
        );
        assert_eq!(check_invite(Viewer::Office, ALL, Phase::Open), Ok(()));
    }

    #[test]
    fn the_issue_gate() {
        let closed = |n| GateFacts {
            phase: Phase::Closed,
            unanswered: n,
        };
        assert_eq!(check_issue_gate(&[]), Ok(()));
        assert_eq!(check_issue_gate(&[closed(0)]), Ok(()));
        assert_eq!(
            check_issue_gate(&[closed(0), closed(3)]),
            Err(Refusal::Conflict("consultation_unanswered"))
        );
        assert_eq!(unanswered_total(&[closed(2), closed(3)]), 5);
        assert_eq!(
            check_issue_gate(&[GateFacts {
                phase: Phase::Open,
                unanswered: 0
            }]),
            Err(Refusal::Conflict("consultation_open"))
        );
    }

    proptest! {
        #[test]
        fn snapshots_number_every_paragraph_once_in_order(
            blocks in prop::collection::vec("[a-zăâđêôơư ]{1,30}", 0..12)
        ) {
            let text = blocks.join("\n\n");
            let items = snapshot_text(&text);
            let kept: Vec<&String> = blocks.iter().filter(|b| !b.trim().is_empty()).collect();
            prop_assert_eq!(items.len(), kept.len());
            for (i, item) in items.iter().enumerate() {
                prop_assert_eq!(item.number, i as u32 + 1);
            }
        }

        #[test]
        fn the_gate_opens_exactly_when_all_closed_and_answered(
            facts in prop::collection::vec((0u8..3, 0u32..3), 0..5)
        ) {
            let facts: Vec<GateFacts> = facts.into_iter().map(|(p, n)| GateFacts {
                phase: [Phase::Scheduled, Phase::Open, Phase::Closed][p as usize],
                unanswered: n,
            }).collect();
            let ok = facts.iter().all(|f| f.phase == Phase::Closed && f.unanswered == 0);
            prop_assert_eq!(check_issue_gate(&facts).is_ok(), ok);
        }
    }
}
