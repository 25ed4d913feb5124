//! The plan-quality section of the check and program pages: the assessment of
//! `services::quality` (computed as the user may read the plans, in the page's language)
//! and what the template needs to show it.

use services::quality::ComparisonView;
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
    fn key_of(&self, v: &analysis::Verdict) -> &'static str;
    fn class_of(&self, v: &analysis::Verdict) -> &'static str;
    /// Which comparison the overall verdict comes from.
    fn overall_source(&self, ctx: &Ctx) -> String;
    fn previous_text(&self, ctx: &Ctx, c: &ComparisonView) -> String;
    /// The text key of the score's band on the scale the page explains.
    fn band_key(&self) -> &'static str;
    fn band_class(&self) -> &'static str;
}

fn verdict_key(v: Option<analysis::Verdict>) -> &'static str {
    match v {
        Some(analysis::Verdict::Copied) => "programs.quality.verdict.copied",
        Some(analysis::Verdict::Adapted) => "programs.quality.verdict.adapted",
        _ => "programs.quality.verdict.original",
    }
}

fn verdict_class(v: Option<analysis::Verdict>) -> &'static str {
    match v {
        Some(analysis::Verdict::Copied) => "tag-red",
        Some(analysis::Verdict::Adapted) => "tag-yellow",
        _ => "tag-green",
    }
}

impl QualityText for QualityView {
    fn band_key(&self) -> &'static str {
        match self.band {
            analysis::Band::Good => "programs.quality.band.good",
            analysis::Band::Fair => "programs.quality.band.fair",
            analysis::Band::NeedsCompleting => "programs.quality.band.needs_completing",
            analysis::Band::NeedsRedoing => "programs.quality.band.needs_redoing",
        }
    }

    fn band_class(&self) -> &'static str {
        match self.band {
            analysis::Band::Good => "tag-green",
            analysis::Band::Fair => "tag-blue",
            analysis::Band::NeedsCompleting => "tag-yellow",
            analysis::Band::NeedsRedoing => "tag-red",
        }
    }

    fn verdict_key(&self) -> &'static str {
        verdict_key(self.verdict)
    }

    fn verdict_class(&self) -> &'static str {
        verdict_class(self.verdict)
    }

    fn key_of(&self, v: &analysis::Verdict) -> &'static str {
        verdict_key(Some(*v))
    }

    fn class_of(&self, v: &analysis::Verdict) -> &'static str {
        verdict_class(Some(*v))
    }

    fn overall_source(&self, ctx: &Ctx) -> String {
        let Some(o) = &self.overall else {
            return String::new();
        };
        let name: &dyn std::fmt::Display = &o.name;
        match o.source {
            Some(analysis::Source::Upper) => ctx.t("programs.quality.from_upper").to_owned(),
            Some(analysis::Source::Previous) => {
                i18n::fill(ctx.t("programs.quality.from_previous"), &[("name", name)])
            }
            Some(analysis::Source::Sibling) => {
                i18n::fill(ctx.t("programs.quality.from_sibling"), &[("name", name)])
            }
            None => String::new(),
        }
    }

    fn previous_text(&self, ctx: &Ctx, c: &ComparisonView) -> String {
        i18n::fill(
            ctx.t("programs.quality.previous_percent"),
            &[("n", &c.percent), ("name", &c.name)],
        )
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
