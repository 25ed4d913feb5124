//! The plan-quality section of the check and program pages: the assessment of
//! `services::quality` (computed as the user may read the plans, in the page's language)
//! and what the template needs to show it.

pub use services::quality::QualityView;

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use store::{Program, TaskRecord};

/// Computes the view for a page; failures to read the upper plan only skip the copy check.
pub async fn view(
    st: &AppState,
    auth: &Auth,
    program: &Program,
    tasks: &[TaskRecord],
) -> QualityView {
    services::quality::assess(&*st.store, &auth.p, auth.ctx.lang, program, tasks)
        .await
        .0
}

/// What the template shows of a [`QualityView`]: text keys and tag classes.
pub trait QualityText {
    fn verdict_key(&self) -> &'static str;
    fn verdict_class(&self) -> &'static str;
    fn percent_text(&self, ctx: &Ctx) -> String;
    fn upper_key(&self) -> &'static str;
}

impl QualityText for QualityView {
    fn verdict_key(&self) -> &'static str {
        match self.verdict {
            Some(analysis::Verdict::Copied) => "programs.quality.verdict.copied",
            Some(analysis::Verdict::Adapted) => "programs.quality.verdict.adapted",
            _ => "programs.quality.verdict.original",
        }
    }

    fn verdict_class(&self) -> &'static str {
        match self.verdict {
            Some(analysis::Verdict::Copied) => "tag-red",
            Some(analysis::Verdict::Adapted) => "tag-yellow",
            _ => "tag-green",
        }
    }

    fn percent_text(&self, ctx: &Ctx) -> String {
        i18n::fill(
            ctx.t("programs.quality.copied_percent"),
            &[("n", &self.percent)],
        )
    }

    fn upper_key(&self) -> &'static str {
        if self.upper_is_program {
            "programs.quality.upper_program"
        } else {
            "programs.quality.upper_document"
        }
    }
}
