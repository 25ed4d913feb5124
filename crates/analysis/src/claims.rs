//! Figures claimed in a report's narrative ("100% đảng viên đã học tập", "hoàn thành 15/15
//! nhiệm vụ"), found so that they can be compared with the figures the record gives for
//! the same thing. A claim is a percentage or a fraction `n/m` followed (or preceded)
//! within a few words by what it counts.
//!
//! Only two subjects are recognized, the ones a factual part always has: members who
//! studied the resolution and tasks done. Anything else is left alone rather than guessed.

use serde::Serialize;

/// What a claimed figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimSubject {
    /// Members (đảng viên) who studied the resolution (học tập, quán triệt).
    MembersStudied,
    /// Tasks (nhiệm vụ) done (hoàn thành).
    TasksDone,
}

impl ClaimSubject {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimSubject::MembersStudied => "members_studied",
            ClaimSubject::TasksDone => "tasks_done",
        }
    }
}

/// The figure as written.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "form")]
pub enum ClaimFigure {
    Percent { value: f64 },
    Fraction { part: i64, whole: i64 },
}

impl ClaimFigure {
    /// The figure in percent.
    pub fn percent(&self) -> Option<f64> {
        match *self {
            ClaimFigure::Percent { value } => Some(value),
            ClaimFigure::Fraction { part, whole } if whole > 0 => {
                Some(part as f64 * 100.0 / whole as f64)
            }
            ClaimFigure::Fraction { .. } => None,
        }
    }
}

/// A figure found in a text, with the sentence it is in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claim {
    pub subject: ClaimSubject,
    pub figure: ClaimFigure,
    /// The passage quoted (the sentence around the figure).
    pub passage: String,
}

/// The record's figure for a subject: `part` of `whole`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Recorded {
    pub part: i64,
    pub whole: i64,
}

impl Recorded {
    pub fn percent(&self) -> Option<f64> {
        (self.whole > 0).then(|| self.part as f64 * 100.0 / self.whole as f64)
    }
}

/// Whether the record contradicts a claim: a fraction whose whole or part differs from the
/// record's, or a percentage more than one point away from it (rounding). A record with
/// nothing to count (`whole == 0`) contradicts any claim of progress.
pub fn contradicts(claim: &ClaimFigure, recorded: &Recorded) -> bool {
    match *claim {
        ClaimFigure::Fraction { part, whole } => part != recorded.part || whole != recorded.whole,
        ClaimFigure::Percent { value } => match recorded.percent() {
            Some(p) => (value - p).abs() > 1.0,
            None => value > 0.0,
        },
    }
}

fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c.to_ascii_lowercase(),
        })
        .collect::<String>()
        .to_lowercase()
}

fn subject_near(folded: &str) -> Option<ClaimSubject> {
    let has = |w: &str| folded.contains(w);
    if has("dang vien") && (has("hoc tap") || has("quan triet") || has("tham gia hoc")) {
        Some(ClaimSubject::MembersStudied)
    } else if has("nhiem vu") && (has("hoan thanh") || has("da thuc hien") || has("xong")) {
        Some(ClaimSubject::TasksDone)
    } else {
        None
    }
}

/// The sentence of `text` around the byte range `at`.
fn sentence(text: &str, at: std::ops::Range<usize>) -> String {
    let is_end = |c: char| matches!(c, '.' | '!' | '?' | ';' | '\n');
    let start = text[..at.start]
        .char_indices()
        .rev()
        .find(|(i, c)| {
            is_end(*c) && !text[i + c.len_utf8()..].starts_with(|d: char| d.is_ascii_digit())
        })
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = text[at.end..]
        .char_indices()
        .find(|(i, c)| {
            is_end(*c)
                && !text[at.end + i + c.len_utf8()..].starts_with(|d: char| d.is_ascii_digit())
        })
        .map_or(text.len(), |(i, _)| at.end + i);
    text[start..end].trim().to_owned()
}

/// The claims of a text, in order. A number is read with `,` or `.` as its decimal mark.
pub fn find_claims(text: &str) -> Vec<Claim> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let int_end = i;
        // A decimal part: "97,5%" or "97.5%".
        if i + 1 < bytes.len()
            && (bytes[i] == b',' || bytes[i] == b'.')
            && bytes[i + 1].is_ascii_digit()
        {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            let mut k = j;
            while k < bytes.len() && bytes[k] == b' ' {
                k += 1;
            }
            if k < bytes.len() && bytes[k] == b'%' {
                i = j;
            }
        }
        let number = &text[start..i];
        let mut k = i;
        while k < bytes.len() && bytes[k] == b' ' {
            k += 1;
        }
        let (figure, end) = if k < bytes.len() && bytes[k] == b'%' {
            let v: f64 = number.replace(',', ".").parse().unwrap_or(f64::NAN);
            (Some(ClaimFigure::Percent { value: v }), k + 1)
        } else if k < bytes.len() && bytes[k] == b'/' {
            let mut m = k + 1;
            while m < bytes.len() && bytes[m] == b' ' {
                m += 1;
            }
            let ws = m;
            while m < bytes.len() && bytes[m].is_ascii_digit() {
                m += 1;
            }
            match (
                text[start..int_end].parse::<i64>(),
                text[ws..m].parse::<i64>(),
            ) {
                // "15/15" but not a date "03/12/2025".
                (Ok(part), Ok(whole))
                    if m > ws && !(m < bytes.len() && bytes[m] == b'/') && i == int_end =>
                {
                    (Some(ClaimFigure::Fraction { part, whole }), m)
                }
                _ => (None, m),
            }
        } else {
            (None, k)
        };
        if let Some(figure) =
            figure.filter(|f| !matches!(f, ClaimFigure::Percent { value } if value.is_nan()))
        {
            // What it counts: the words just after, then just before, in its sentence.
            let s = sentence(text, start..end);
            let after: String = text[end..].chars().take(60).collect();
            let before: String = text[..start]
                .chars()
                .rev()
                .take(50)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let subject = subject_near(&fold(&after))
                .or_else(|| subject_near(&fold(&format!("{before} {after}"))));
            if let Some(subject) = subject {
                out.push(Claim {
                    subject,
                    figure,
                    passage: s,
                });
            }
        }
        i = end.max(i + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_percent_and_fraction_claims_with_their_subject() {
        let text = "Trong quý, 100% đảng viên đã học tập, quán triệt Nghị quyết. \
                    Chi bộ hoàn thành 15/15 nhiệm vụ đề ra. Ngày 03/12/2025 họp chi bộ; \
                    tỷ lệ 97,5 % cán bộ được bồi dưỡng.";
        let claims = find_claims(text);
        assert_eq!(claims.len(), 2, "{claims:?}");
        assert_eq!(claims[0].subject, ClaimSubject::MembersStudied);
        assert_eq!(claims[0].figure, ClaimFigure::Percent { value: 100.0 });
        assert_eq!(
            claims[0].passage,
            "Trong quý, 100% đảng viên đã học tập, quán triệt Nghị quyết"
        );
        assert_eq!(claims[1].subject, ClaimSubject::TasksDone);
        assert_eq!(
            claims[1].figure,
            ClaimFigure::Fraction {
                part: 15,
                whole: 15
            }
        );
        assert_eq!(claims[1].passage, "Chi bộ hoàn thành 15/15 nhiệm vụ đề ra");
    }

    #[test]
    fn subject_may_come_before_the_figure() {
        let c = find_claims("Số đảng viên đã học tập đạt 92%.");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].figure.percent(), Some(92.0));
        let c = find_claims("Các nhiệm vụ đã hoàn thành: 7/10.");
        assert_eq!(c[0].figure, ClaimFigure::Fraction { part: 7, whole: 10 });
    }

    #[test]
    fn record_contradicts_figures_that_differ() {
        let rec = Recorded {
            part: 12,
            whole: 15,
        };
        assert!(contradicts(&ClaimFigure::Percent { value: 100.0 }, &rec));
        assert!(!contradicts(&ClaimFigure::Percent { value: 80.0 }, &rec));
        assert!(!contradicts(&ClaimFigure::Percent { value: 80.6 }, &rec));
        assert!(contradicts(
            &ClaimFigure::Fraction {
                part: 15,
                whole: 15
            },
            &rec
        ));
        assert!(!contradicts(
            &ClaimFigure::Fraction {
                part: 12,
                whole: 15
            },
            &rec
        ));
        let none = Recorded { part: 0, whole: 0 };
        assert!(contradicts(&ClaimFigure::Percent { value: 100.0 }, &none));
    }

    #[test]
    fn text_without_claims_and_odd_input() {
        assert!(find_claims("").is_empty());
        assert!(find_claims("Năm 2025 có 3 cuộc họp.").is_empty());
        assert!(find_claims("100%").is_empty());
        assert!(find_claims("x/ 5 % 1/").is_empty());
    }
}
