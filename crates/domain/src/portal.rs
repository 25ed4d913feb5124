//! The public portal (issue 14 items 4-5): a unit's news articles, readers' feedback
//! ("Phản hồi") and the rules around them — what an article's state is and when the public
//! sees it, what an editor's moderation may do to a feedback, what a reader may send
//! (size, links, repeats, rate limits), and which requests count as a view.
//!
//! Everything here is pure: the store loads the facts (counts, earlier bodies, the time)
//! and asks these functions; the web edge asks [`is_bot`] and [`view_key`].

use crate::refusal::Refusal;
use crate::text::fold;
use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Date, Duration, OffsetDateTime};

/// Where an article stands as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArticleState {
    /// Being written; only editors see it.
    Draft,
    /// Published, from `publish_at` on (a later `publish_at` is a scheduled article).
    Published,
    /// Taken down by an editor; only editors see it.
    Unpublished,
}

impl ArticleState {
    pub const ALL: [ArticleState; 3] = [
        ArticleState::Draft,
        ArticleState::Published,
        ArticleState::Unpublished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ArticleState::Draft => "draft",
            ArticleState::Published => "published",
            ArticleState::Unpublished => "unpublished",
        }
    }

    pub fn parse(s: &str) -> Option<ArticleState> {
        ArticleState::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// What an editor's list shows of an article: its state, with a published article whose
/// time has not come yet shown as scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    Draft,
    Scheduled,
    Published,
    Unpublished,
}

impl ArticleStatus {
    pub const ALL: [ArticleStatus; 4] = [
        ArticleStatus::Draft,
        ArticleStatus::Scheduled,
        ArticleStatus::Published,
        ArticleStatus::Unpublished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ArticleStatus::Draft => "draft",
            ArticleStatus::Scheduled => "scheduled",
            ArticleStatus::Published => "published",
            ArticleStatus::Unpublished => "unpublished",
        }
    }
}

/// The status of an article at `now`.
pub fn status(
    state: ArticleState,
    publish_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> ArticleStatus {
    match state {
        ArticleState::Draft => ArticleStatus::Draft,
        ArticleState::Unpublished => ArticleStatus::Unpublished,
        ArticleState::Published => match publish_at {
            Some(t) if t > now => ArticleStatus::Scheduled,
            _ => ArticleStatus::Published,
        },
    }
}

/// Whether the public sees an article at `now`: published and its time has come.
pub fn is_public(
    state: ArticleState,
    publish_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> bool {
    status(state, publish_at, now) == ArticleStatus::Published
}

/// Longest title, lead, body (Markdown), author and category.
pub const MAX_TITLE: usize = 300;
pub const MAX_LEAD: usize = 1000;
pub const MAX_BODY: usize = 100_000;
pub const MAX_AUTHOR: usize = 120;
pub const MAX_CATEGORY: usize = 80;

/// An article's text, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleText {
    pub title: String,
    pub lead: String,
    pub body_md: String,
    pub author: Option<String>,
    pub category: String,
}

/// Checks an article as typed: title, lead and category required and short, the body
/// required and at most [`MAX_BODY`] characters (Markdown; the web sanitizes it when it
/// renders it). Every problem is reported.
pub fn check_article(
    title: &str,
    lead: &str,
    body_md: &str,
    author: &str,
    category: &str,
) -> Result<ArticleText, Invalid> {
    let mut inv = Invalid::default();
    let title = inv.take(validate::name("title", title, MAX_TITLE));
    let lead = inv.take(paragraph("lead", lead, MAX_LEAD, true));
    let body = inv.take(paragraph("body_md", body_md, MAX_BODY, true));
    let author = inv.take(validate::optional("author", author, MAX_AUTHOR));
    let category = inv.take(validate::name("category", category, MAX_CATEGORY));
    match (title, lead, body, author, category) {
        (Some(title), Some(lead), Some(body_md), Some(author), Some(category))
            if inv.is_empty() =>
        {
            Ok(ArticleText {
                title,
                lead,
                body_md,
                author,
                category,
            })
        }
        _ => Err(inv),
    }
}

/// A multi-line text: NFC, trimmed, line breaks kept; `required` when empty (if
/// required), `too_long` past `max` characters, `hidden_chars` for invisible characters.
fn paragraph(
    field: &'static str,
    raw: &str,
    max: usize,
    required: bool,
) -> Result<String, Invalid> {
    let v = crate::text::nfc(raw.trim()).replace("\r\n", "\n");
    if v.is_empty() {
        return if required {
            Err(Invalid::one(field, "required"))
        } else {
            Ok(v)
        };
    }
    if v.chars().count() > max {
        return Err(Invalid::one(field, "too_long"));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Invalid::one(field, "bad_chars"));
    }
    if crate::text::hidden_char(&v).is_some() {
        return Err(Invalid::one(field, "hidden_chars"));
    }
    Ok(v)
}

/// Publishing: any article may be published (again); `publish_at` in the future schedules
/// it, none or a past one publishes it now. Returns the moment it goes public.
pub fn publish_at(requested: Option<OffsetDateTime>, now: OffsetDateTime) -> OffsetDateTime {
    match requested {
        Some(t) if t > now => t,
        _ => now,
    }
}

/// Unpublishing: only a published (or scheduled) article.
pub fn check_unpublish(state: ArticleState) -> Result<(), Refusal> {
    if state == ArticleState::Published {
        Ok(())
    } else {
        Err(Refusal::Conflict("article_not_published"))
    }
}

// ---- Feedback -------------------------------------------------------------------------------

/// Where a reader's feedback stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackState {
    /// Sent, waiting for an editor; the public does not see it.
    Waiting,
    /// Shown under the article.
    Published,
    /// Shown under the article with the editor's answer.
    Answered,
    /// Not shown; the editor recorded why.
    Hidden,
}

impl FeedbackState {
    pub const ALL: [FeedbackState; 4] = [
        FeedbackState::Waiting,
        FeedbackState::Published,
        FeedbackState::Answered,
        FeedbackState::Hidden,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackState::Waiting => "waiting",
            FeedbackState::Published => "published",
            FeedbackState::Answered => "answered",
            FeedbackState::Hidden => "hidden",
        }
    }

    pub fn parse(s: &str) -> Option<FeedbackState> {
        FeedbackState::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether the public sees it.
    pub fn is_public(self) -> bool {
        matches!(self, FeedbackState::Published | FeedbackState::Answered)
    }
}

/// What an editor does to a feedback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Moderation {
    /// Show it as it is.
    Publish,
    /// Show it with an answer (published too).
    Answer { answer: String },
    /// Take it off (or keep it off), with the reason.
    Hide { reason: String },
}

pub const MAX_ANSWER: usize = 4000;
pub const MAX_HIDE_REASON: usize = 500;

/// The state a moderation leads to, with the answer or reason checked. Publishing an
/// answered feedback again would drop its answer: `feedback_answered`. Hiding a hidden one
/// is `feedback_hidden`; publishing a published one `feedback_published`.
pub fn moderate(
    from: FeedbackState,
    m: &Moderation,
) -> Result<(FeedbackState, Moderation), Refusal> {
    match m {
        Moderation::Publish => match from {
            FeedbackState::Waiting | FeedbackState::Hidden => {
                Ok((FeedbackState::Published, Moderation::Publish))
            }
            FeedbackState::Published => Err(Refusal::Conflict("feedback_published")),
            FeedbackState::Answered => Err(Refusal::Conflict("feedback_answered")),
        },
        Moderation::Answer { answer } => {
            let answer = paragraph("answer", answer, MAX_ANSWER, true)?;
            Ok((FeedbackState::Answered, Moderation::Answer { answer }))
        }
        Moderation::Hide { reason } => {
            if from == FeedbackState::Hidden {
                return Err(Refusal::Conflict("feedback_hidden"));
            }
            let reason = paragraph("reason", reason, MAX_HIDE_REASON, true)?;
            Ok((FeedbackState::Hidden, Moderation::Hide { reason }))
        }
    }
}

/// Longest feedback body, name and contact.
pub const MAX_FEEDBACK: usize = 2000;
pub const MAX_FEEDBACK_NAME: usize = 100;
pub const MAX_FEEDBACK_CONTACT: usize = 200;

/// A reader's feedback, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackText {
    pub name: String,
    /// An e-mail address or a telephone number, kept private (editors only).
    pub contact: Option<String>,
    pub body: String,
}

/// Checks a reader's feedback: a name, an optional contact, a body of at most
/// [`MAX_FEEDBACK`] characters with no links (`feedback_link`: the commonest spam).
pub fn check_feedback(name: &str, contact: &str, body: &str) -> Result<FeedbackText, Invalid> {
    let mut inv = Invalid::default();
    let name = inv.take(validate::name("name", name, MAX_FEEDBACK_NAME));
    let contact = inv.take(validate::optional("contact", contact, MAX_FEEDBACK_CONTACT));
    let body = match paragraph("body", body, MAX_FEEDBACK, true) {
        Ok(b) if has_link(&b) => {
            inv.push("body", "feedback_link");
            None
        }
        Ok(b) => Some(b),
        Err(e) => {
            inv.0.extend(e.0);
            None
        }
    };
    if let Some(n) = &name
        && has_link(n)
    {
        inv.push("name", "feedback_link");
    }
    match (name, contact, body) {
        (Some(name), Some(contact), Some(body)) if inv.is_empty() => Ok(FeedbackText {
            name,
            contact,
            body,
        }),
        _ => Err(inv),
    }
}

/// Top-level domains that mark a bare host name in a text as a link.
const LINK_TLDS: &[&str] = &[
    "com", "net", "org", "vn", "info", "biz", "xyz", "top", "io", "co", "me", "ru", "cn", "online",
    "site", "club", "shop", "ly",
];

/// Whether a text holds a link: a URL scheme, `www.`, or a word like `name.com`.
pub fn has_link(text: &str) -> bool {
    let t = fold(text);
    if t.contains("http://") || t.contains("https://") || t.contains("www.") || t.contains("://") {
        return true;
    }
    t.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '\'' | ',' | '<' | '>'))
        .any(|w| {
            let w = w.trim_end_matches(['.', '!', '?', ';', ':']);
            let mut parts = w.rsplitn(2, '.');
            let (Some(tld), Some(host)) = (parts.next(), parts.next()) else {
                return false;
            };
            let tld = tld.split('/').next().unwrap_or(tld);
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                && LINK_TLDS.contains(&tld)
        })
}

/// A body folded for comparison: no diacritics, lower case, words separated by one space,
/// punctuation dropped. Two bodies that fold the same are a repeat.
pub fn repeat_key(body: &str) -> String {
    fold(body)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// How much feedback one address, and one article, may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedbackLimits {
    /// From one address, in [`FeedbackLimits::window`].
    pub per_address: i64,
    /// From one address in a day.
    pub per_address_day: i64,
    /// From one address on one article in a day.
    pub per_address_article: i64,
    /// Waiting (unmoderated) feedback on one article: past it the article takes no more
    /// until an editor catches up.
    pub waiting_per_article: i64,
    /// The short window.
    pub window: Duration,
}

impl Default for FeedbackLimits {
    fn default() -> FeedbackLimits {
        FeedbackLimits {
            per_address: 3,
            per_address_day: 10,
            per_address_article: 2,
            waiting_per_article: 200,
            window: Duration::minutes(10),
        }
    }
}

/// What the store counted before taking a feedback.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedbackCounts {
    /// From this address within the window.
    pub address_recent: i64,
    /// From this address in the last 24 hours.
    pub address_day: i64,
    /// From this address on this article in the last 24 hours.
    pub address_article: i64,
    /// Waiting on this article.
    pub article_waiting: i64,
    /// Whether the same body (by [`repeat_key`]) was sent on this article in the last 24
    /// hours, from anywhere.
    pub repeat: bool,
}

/// Whether a feedback may be taken: `feedback_flood` when its address sent too much
/// (the message says to wait), `feedback_article_busy` when the article's queue is full,
/// `feedback_repeat` for the same text again.
pub fn check_feedback_rate(c: &FeedbackCounts, l: &FeedbackLimits) -> Result<(), Refusal> {
    if c.address_recent >= l.per_address
        || c.address_day >= l.per_address_day
        || c.address_article >= l.per_address_article
    {
        return Err(Refusal::Conflict("feedback_flood"));
    }
    if c.repeat {
        return Err(Refusal::Conflict("feedback_repeat"));
    }
    if c.article_waiting >= l.waiting_per_article {
        return Err(Refusal::Conflict("feedback_article_busy"));
    }
    Ok(())
}

/// A client address as kept with a feedback: a hash (the address itself is not kept), so
/// that the limits can count per address.
pub fn address_key(ip: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"resolute-feedback:");
    h.update(ip.as_bytes());
    hex_prefix(&h.finalize(), 16)
}

// ---- Views ----------------------------------------------------------------------------------

/// Whether a user agent is a robot (or no browser at all): its requests are not counted.
pub fn is_bot(user_agent: &str) -> bool {
    let ua = user_agent.to_ascii_lowercase();
    if ua.trim().is_empty() {
        return true;
    }
    const MARKS: &[&str] = &[
        "bot",
        "crawl",
        "spider",
        "slurp",
        "curl/",
        "wget",
        "python-",
        "go-http-client",
        "java/",
        "okhttp",
        "httpclient",
        "libwww",
        "headless",
        "lighthouse",
        "facebookexternalhit",
        "embedly",
        "preview",
        "monitor",
        "feedfetcher",
        "zalo",
        "reqwest",
    ];
    MARKS.iter().any(|m| ua.contains(m))
}

/// The key a view is counted under: one per (visitor, article, day), a visitor being an
/// address and a user agent. Hashed, and kept only for the day.
pub fn view_key(day: Date, ip: &str, user_agent: &str, article: i64) -> String {
    let mut h = Sha256::new();
    h.update(format!("{day}|{article}|{ip}|").as_bytes());
    h.update(user_agent.as_bytes());
    hex_prefix(&h.finalize(), 16)
}

fn hex_prefix(bytes: &[u8], n: usize) -> String {
    hex::encode(&bytes[..n.min(bytes.len())])
}

/// A short, URL-safe name of a category (for `?category=`): folded, words joined by `-`.
pub fn category_slug(category: &str) -> String {
    repeat_key(category).replace(' ', "-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn scheduled_articles_go_public_at_their_time() {
        let now = datetime!(2025-06-01 08:00 UTC);
        let at_nine = datetime!(2025-06-01 09:00 UTC);
        let later = Some(at_nine);
        assert_eq!(
            status(ArticleState::Published, later, now),
            ArticleStatus::Scheduled
        );
        assert!(!is_public(ArticleState::Published, later, now));
        assert!(is_public(
            ArticleState::Published,
            later,
            datetime!(2025-06-01 09:00 UTC)
        ));
        assert!(!is_public(ArticleState::Draft, None, now));
        assert!(!is_public(ArticleState::Unpublished, None, now));
        assert_eq!(publish_at(None, now), now);
        assert_eq!(publish_at(Some(datetime!(2020-01-01 0:00 UTC)), now), now);
        assert_eq!(publish_at(later, now), at_nine);
        assert!(check_unpublish(ArticleState::Published).is_ok());
        assert_eq!(
            check_unpublish(ArticleState::Draft),
            Err(Refusal::Conflict("article_not_published"))
        );
    }

    #[test]
    fn articles_are_checked_field_by_field() {
        let a = check_article(
            " Tiêu đề ",
            "Sa-pô",
            "Nội dung\n\n**đậm**",
            "",
            "Xây dựng Đảng",
        )
        .unwrap();
        assert_eq!(a.title, "Tiêu đề");
        assert_eq!(a.author, None);
        let e = check_article("", "", "", "", "").unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["title", "lead", "body_md", "category"]);
        let long = "a".repeat(MAX_TITLE + 1);
        let e = check_article(&long, "x", "x", "", "x").unwrap_err();
        assert_eq!(e.0[0].code, "too_long");
    }

    #[test]
    fn moderation_moves_between_states() {
        use FeedbackState::*;
        assert_eq!(
            moderate(Waiting, &Moderation::Publish).unwrap().0,
            Published
        );
        assert_eq!(moderate(Hidden, &Moderation::Publish).unwrap().0, Published);
        assert_eq!(
            moderate(Answered, &Moderation::Publish),
            Err(Refusal::Conflict("feedback_answered"))
        );
        let a = Moderation::Answer {
            answer: " Cảm ơn bạn. ".into(),
        };
        assert_eq!(
            moderate(Waiting, &a).unwrap(),
            (
                Answered,
                Moderation::Answer {
                    answer: "Cảm ơn bạn.".into()
                }
            )
        );
        let empty = Moderation::Hide { reason: " ".into() };
        assert_eq!(
            moderate(Published, &empty),
            Err(Refusal::invalid("reason", "required"))
        );
        let hide = Moderation::Hide {
            reason: "Lời lẽ xúc phạm".into(),
        };
        assert_eq!(moderate(Answered, &hide).unwrap().0, Hidden);
        assert_eq!(
            moderate(Hidden, &hide),
            Err(Refusal::Conflict("feedback_hidden"))
        );
        assert!(Published.is_public() && Answered.is_public());
        assert!(!Waiting.is_public() && !Hidden.is_public());
    }

    #[test]
    fn feedback_with_links_or_too_long_is_refused() {
        assert!(check_feedback("Nguyễn Văn A", "", "Bài viết rất hay, cảm ơn.").is_ok());
        for spam in [
            "Xem thêm tại http://spam.example",
            "vào www.spam.vn nhé",
            "mua hàng giá rẻ tại shop-re.com.",
            "ghé khuyenmai.xyz/abc",
        ] {
            let e = check_feedback("A", "", spam).unwrap_err();
            assert_eq!(e.0[0].code, "feedback_link", "{spam}");
        }
        // A decimal number or an abbreviation is no link.
        assert!(check_feedback("A", "", "Tỷ lệ đạt 98.5%, vượt chỉ tiêu. Tp. Bắc Giang").is_ok());
        let e = check_feedback("A", "", &"x".repeat(MAX_FEEDBACK + 1)).unwrap_err();
        assert_eq!(e.0[0].code, "too_long");
        let e = check_feedback("", "", "").unwrap_err();
        assert_eq!(e.0.len(), 2);
    }

    #[test]
    fn rates_and_repeats() {
        let l = FeedbackLimits::default();
        let ok = FeedbackCounts::default();
        assert!(check_feedback_rate(&ok, &l).is_ok());
        let flood = FeedbackCounts {
            address_recent: 3,
            ..ok
        };
        assert_eq!(
            check_feedback_rate(&flood, &l),
            Err(Refusal::Conflict("feedback_flood"))
        );
        let repeat = FeedbackCounts { repeat: true, ..ok };
        assert_eq!(
            check_feedback_rate(&repeat, &l),
            Err(Refusal::Conflict("feedback_repeat"))
        );
        let busy = FeedbackCounts {
            article_waiting: 200,
            ..ok
        };
        assert_eq!(
            check_feedback_rate(&busy, &l),
            Err(Refusal::Conflict("feedback_article_busy"))
        );
        assert_eq!(
            repeat_key("Rất  HAY!!! Cảm ơn."),
            repeat_key("rat hay cam on")
        );
    }

    #[test]
    fn bots_and_views() {
        assert!(is_bot(""));
        assert!(is_bot("Mozilla/5.0 (compatible; Googlebot/2.1)"));
        assert!(is_bot("curl/8.5.0"));
        assert!(!is_bot(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
        ));
        let d = time::macros::date!(2025 - 06 - 01);
        let k = view_key(d, "1.2.3.4", "Mozilla", 7);
        assert_eq!(k.len(), 32);
        assert_eq!(k, view_key(d, "1.2.3.4", "Mozilla", 7));
        assert_ne!(k, view_key(d.next_day().unwrap(), "1.2.3.4", "Mozilla", 7));
        assert_ne!(k, view_key(d, "1.2.3.5", "Mozilla", 7));
        assert_ne!(k, view_key(d, "1.2.3.4", "Mozilla", 8));
        assert_eq!(category_slug("Xây dựng Đảng"), "xay-dung-dang");
    }

    proptest! {
        #[test]
        fn the_public_sees_exactly_what_is_published_and_due(
            state in proptest::sample::select(ArticleState::ALL.to_vec()),
            at in proptest::option::of(0i64..100),
            now in 0i64..100,
        ) {
            let t = |s: i64| OffsetDateTime::from_unix_timestamp(1_700_000_000 + s).unwrap();
            let public = is_public(state, at.map(t), t(now));
            prop_assert_eq!(public, state == ArticleState::Published && at.is_none_or(|a| a <= now));
        }

        #[test]
        fn a_refused_feedback_state_never_changes_and_publicity_follows_the_state(
            from in proptest::sample::select(FeedbackState::ALL.to_vec()),
            which in 0usize..3,
            text in "[a-zA-Z ]{0,20}",
        ) {
            let m = match which {
                0 => Moderation::Publish,
                1 => Moderation::Answer { answer: text.clone() },
                _ => Moderation::Hide { reason: text.clone() },
            };
            if let Ok((to, _)) = moderate(from, &m) {
                prop_assert_eq!(to.is_public(), which != 2);
            }
        }
    }
}
