//! Property-based fuzzing of every form parser in `domain`: fields of any text — empty,
//! huge, truncated, of the wrong type, with control, bidirectional or invisible
//! characters — give either a checked value or field errors whose codes name a message in
//! both languages; never a panic. A value that parsed is within its rules (finite numbers
//! within range, no hidden characters in names).

use domain::cascade::CascadeForm;
use domain::program::{TaskDraft, TaskForm};
use domain::progress::{Acceptance, AcceptanceForm, ProgressForm, ProgressUpdate};
use domain::study::{Question, QuestionForm, ReflectionText, SessionDraft, SessionForm};
use domain::target::{MAX_MAGNITUDE, Target, TargetForm};
use domain::{CascadeDeadlines, DocumentNumber, Invalid, Term, validate};
use proptest::prelude::*;
use time::macros::date;

/// Any field a user could type: plain, numeric-looking, date-looking, huge, with hidden
/// or control characters.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "\\PC{0,30}",
        "[ \\t\\n]{0,12}",
        "-?[0-9.,]{1,25}%?",
        "[0-9]{300,320}",
        "[0-9]{1,2}/[0-9]{1,2}/[0-9]{1,6}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "[\\x00-\\x1f\\u{200b}-\\u{200f}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}a]{1,10}",
        "\\PC{2000,2100}",
        Just("1e308".to_owned()),
        Just("NaN".to_owned()),
        Just("inf".to_owned()),
    ]
}

fn explained(inv: &Invalid) {
    assert!(!inv.0.is_empty());
    for e in &inv.0 {
        let key = format!("err.{}", e.code);
        assert!(i18n::has(&key), "no message for {key}");
    }
}

fn no_hidden(s: &str) {
    assert!(domain::text::hidden_char(s).is_none(), "{s:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn names_and_simple_fields(raw in field(), max in 1usize..300) {
        match validate::name("name", &raw, max) {
            Ok(v) => {
                no_hidden(&v);
                prop_assert!(v.chars().count() <= max);
            }
            Err(e) => explained(&e),
        }
        if let Err(e) = validate::optional("name", &raw, max) {
            explained(&e)
        }
        if let Err(e) = validate::date("d", &raw) {
            explained(&e)
        }
        if let Err(e) = validate::username(&raw) {
            explained(&e)
        }
        if let Err(e) = validate::new_password(&raw) {
            explained(&e)
        }
        if let Err(e) = DocumentNumber::parse("number", &raw) {
            explained(&e)
        }
        if let Err(e) = Term::parse("term", &raw) {
            explained(&e)
        }
        match domain::target::parse_number("v", &raw) {
            Ok(v) => prop_assert!(v.is_finite() && v.abs() <= MAX_MAGNITUDE),
            Err(e) => explained(&e),
        }
    }

    #[test]
    fn targets(a in field(), b in field(), c in field(), d in field(), e in field(), f in field()) {
        let form = TargetForm {
            indicator: a,
            baseline: b,
            target_value: c,
            unit: d,
            deadline: e,
            direction: f,
            rule: String::new(),
        };
        match Target::parse(&form, Some(3), Some(date!(2025 - 01 - 01))) {
            Ok(t) => {
                prop_assert!(t.target_value.is_finite() && t.target_value.abs() <= MAX_MAGNITUDE);
                no_hidden(&t.indicator);
                no_hidden(&t.unit);
            }
            Err(e) => explained(&e),
        }
    }

    #[test]
    fn progress_updates(a in field(), b in field(), c in field(), d in field(), unit in field()) {
        let form = ProgressForm {
            status: a,
            percent: b,
            indicator_value: c,
            note: d,
        };
        match ProgressUpdate::parse(&form) {
            Ok(u) => {
                prop_assert!(u.percent.is_none_or(|p| p <= 100));
                prop_assert!(u
                    .indicator_value
                    .is_none_or(|v| v.is_finite() && v.abs() <= MAX_MAGNITUDE));
                if let Err(e) = u.check_indicator(&unit) {
                    explained(&e)
                }
            }
            Err(e) => explained(&e),
        }
    }

    #[test]
    fn reviews_cascades_tasks_sessions_questions(
        f in prop::collection::vec(field(), 12),
        index in 0usize..400,
    ) {
        let review = AcceptanceForm {
            decision: f[0].clone(),
            reason: f[1].clone(),
        };
        if let Err(e) = Acceptance::decide(&Acceptance::Pending, 1, 2, &review) {
            explained(&e)
        }
        let cascade = CascadeForm {
            study_by: f[0].clone(),
            program_by: f[1].clone(),
            report_every: f[2].clone(),
            interim_review_by: f[3].clone(),
            reports_until: f[4].clone(),
            grace_days: f[5].clone(),
        };
        if let Err(e) = CascadeDeadlines::parse(&cascade, date!(2025 - 01 - 01)) {
            explained(&e)
        }
        let task = TaskForm {
            content: f[0].clone(),
            lead_body: f[1].clone(),
            cooperating_bodies: f[2].clone(),
            responsible: f[3].clone(),
            deadline: f[4].clone(),
            expected_output: f[5].clone(),
            upper_target: f[6].clone(),
        };
        match TaskDraft::parse(index, &task) {
            Ok(t) => no_hidden(&t.content),
            Err(e) => explained(&e),
        }
        let session = SessionForm {
            title: f[7].clone(),
            audience: f[8].clone(),
            format: f[9].clone(),
            held_on: f[10].clone(),
            place: f[11].clone(),
        };
        match SessionDraft::parse(&session, Some(date!(2025 - 06 - 01)), index % 2 == 0) {
            Ok(s) => no_hidden(&s.title),
            Err(e) => explained(&e),
        }
        let q = QuestionForm {
            audience: f[0].clone(),
            prompt: f[1].clone(),
            choices: f[2].clone(),
            correct: f[3].clone(),
        };
        if let Err(e) = Question::parse(&q) {
            explained(&e)
        }
        if let Err(e) = ReflectionText::parse(&f[4], index % 3 == 0) {
            explained(&e)
        }
    }
}
