//! Picking a person or a unit in a form by what the user knows of them, not by an id.
//!
//! A field that names a member takes a name ("Nguyễn Văn Đức", with or without
//! diacritics), a party card number ("12.345.678"), a member number, or the form the
//! search-as-you-type list fills in ("Nguyễn Văn Đức #1234"). A field that names a unit
//! takes its name, its code or its number. Without JavaScript the server resolves what was
//! typed: one match is taken; several come back as the field's error naming each with the
//! number to add ("… #1234"), which is the search that returns to the form; a person who
//! cannot be chosen is named with the reason. With JavaScript, `static/app.js` fills a
//! `<datalist>` from `GET /pick/members` and `GET /pick/orgs` as the user types.

use axum::Json;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use domain::text::fold;
use domain::{MemberId, OrgId, OrgPath, Principal};
use serde::Serialize;
use store::{MemberHit, Org, StoreError};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::forms::query_param;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pick/members", get(members_json))
        .route("/pick/orgs", get(orgs_json))
}

/// Names offered as the user types, and named in an ambiguity message.
const OFFERED: usize = 8;
/// Names read to decide what was typed.
const READ: u32 = 50;

/// What a field's text named.
#[derive(Debug)]
pub enum Pick<T> {
    /// Nothing typed.
    Empty,
    One(T),
    /// Nobody (or nothing) the user may see answers to it.
    Unknown,
    /// Several do: the user must say which.
    Many(Vec<T>),
}

/// A trailing `#1234` (as the list fills in) and the text before it.
fn tagged_number(raw: &str) -> Option<(&str, i64)> {
    let (head, n) = raw.rsplit_once('#')?;
    let n = n.trim().parse().ok()?;
    Some((head.trim(), n))
}

/// Digits with dots or spaces between them: a card number or a member number.
fn is_number_like(raw: &str) -> bool {
    raw.chars().any(|c| c.is_ascii_digit())
        && raw
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ' ')
}

/// The member named by `raw`, among those the principal may read.
pub async fn member(st: &AppState, p: &Principal, raw: &str) -> Result<Pick<MemberHit>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(Pick::Empty);
    }
    let by_id = |id: i64| async move {
        match st.store.member_get(p, MemberId(id)).await {
            Ok(d) => Ok(Some(MemberHit {
                member: d.member,
                cell_name: d.cell_name,
            })),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(AppError::from(e)),
        }
    };
    if let Some((_, id)) = tagged_number(raw) {
        return Ok(by_id(id).await?.map_or(Pick::Unknown, Pick::One));
    }
    if is_number_like(raw) {
        // A party card number first (they are long), then a member number.
        if let Some(hit) = st.store.member_by_card(p, raw).await? {
            return Ok(Pick::One(hit));
        }
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        return Ok(match digits.parse::<i64>() {
            Ok(id) => by_id(id).await?.map_or(Pick::Unknown, Pick::One),
            Err(_) => Pick::Unknown,
        });
    }
    let hits = st.store.member_search(p, raw, READ).await?;
    let wanted = fold(raw);
    let exact: Vec<MemberHit> = hits
        .iter()
        .filter(|h| fold(&h.member.full_name) == wanted)
        .cloned()
        .collect();
    let found = if exact.is_empty() { hits } else { exact };
    Ok(match found.len() {
        0 => Pick::Unknown,
        1 => Pick::One(found.into_iter().next().expect("one")),
        _ => Pick::Many(found),
    })
}

/// The value the search-as-you-type list fills in for a member.
pub fn member_value(h: &MemberHit) -> String {
    format!("{} #{}", h.member.full_name, h.member.id)
}

/// A member for a field that must name someone in `unit`'s subtree: their id, or the
/// message that says what went wrong, naming the people concerned. `outside` is the
/// message key for someone outside the unit (`{name}`, `{cell}`, `{unit}`), which says
/// why the field needs a member of the unit (`shell.pick.member_outside` for a task's
/// responsible person).
pub async fn member_in(
    st: &AppState,
    ctx: &Ctx,
    p: &Principal,
    raw: &str,
    unit: &Org,
    outside: &str,
) -> Result<Result<Option<MemberId>, String>, AppError> {
    Ok(match member(st, p, raw).await? {
        Pick::Empty => Ok(None),
        Pick::One(h) => {
            if unit.path.subtree().contains(h.member.cell_path.as_str()) {
                Ok(Some(h.member.id))
            } else {
                Err(i18n::fill(
                    ctx.t(outside),
                    &[
                        ("name", &h.member.full_name),
                        ("cell", &h.cell_name),
                        ("unit", &unit.name),
                    ],
                ))
            }
        }
        Pick::Unknown => Err(i18n::fill(
            ctx.t("shell.pick.member_unknown"),
            &[("raw", &raw.trim())],
        )),
        Pick::Many(all) => {
            // Prefer the people of the unit: the others cannot be chosen anyway.
            let inside: Vec<&MemberHit> = all
                .iter()
                .filter(|h| unit.path.subtree().contains(h.member.cell_path.as_str()))
                .collect();
            if inside.len() == 1 {
                return Ok(Ok(Some(inside[0].member.id)));
            }
            let list = if inside.is_empty() {
                all.iter().collect()
            } else {
                inside
            };
            let names: Vec<String> = list
                .iter()
                .take(OFFERED)
                .map(|h| format!("{} ({})", member_value(h), h.cell_name))
                .collect();
            Err(i18n::fill(
                ctx.t("shell.pick.member_many"),
                &[
                    ("raw", &raw.trim()),
                    ("n", &list.len()),
                    ("names", &names.join("; ")),
                    ("example", &member_value(list[0])),
                ],
            ))
        }
    })
}

/// Several members in one field, separated by `;` or new lines ("Nguyễn Kim Hương #12;
/// Lê Văn An"); a list of plain numbers may also use commas and spaces. Each part is
/// resolved as [`member`] does; what cannot be is a message on `field`.
pub async fn members_into(
    st: &AppState,
    ctx: &Ctx,
    p: &Principal,
    raw: &str,
    field: &str,
    errors: &mut crate::forms::FormErrors,
) -> Result<Vec<MemberId>, AppError> {
    let numbers_only = raw
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '#' | ',' | ';' | ' ' | '\n' | '\r'));
    let parts: Vec<&str> = if numbers_only {
        raw.split([',', ';', ' ', '\n']).collect()
    } else {
        raw.split([';', '\n']).collect()
    };
    let mut out = Vec::new();
    for part in parts.into_iter().map(str::trim).filter(|s| !s.is_empty()) {
        let part = if numbers_only {
            part.trim_start_matches('#')
        } else {
            part
        };
        match member(st, p, part).await? {
            Pick::One(h) => out.push(h.member.id),
            Pick::Empty => {}
            Pick::Unknown => errors.push_text(
                field,
                &i18n::fill(ctx.t("shell.pick.member_unknown"), &[("raw", &part)]),
            ),
            Pick::Many(all) => {
                let names: Vec<String> = all
                    .iter()
                    .take(OFFERED)
                    .map(|h| format!("{} ({})", member_value(h), h.cell_name))
                    .collect();
                errors.push_text(
                    field,
                    &i18n::fill(
                        ctx.t("shell.pick.member_many"),
                        &[
                            ("raw", &part),
                            ("n", &all.len()),
                            ("names", &names.join("; ")),
                            ("example", &member_value(&all[0])),
                        ],
                    ),
                );
            }
        }
    }
    Ok(out)
}

/// The unit named by `raw` (its number, code or name), among those the principal may read.
pub async fn org(st: &AppState, p: &Principal, raw: &str) -> Result<Pick<Org>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(Pick::Empty);
    }
    let by_id = |id: i64| async move {
        match st.store.org_get(p, OrgId(id)).await {
            Ok(o) => Ok(Some(o)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(AppError::from(e)),
        }
    };
    if let Some((_, id)) = tagged_number(raw) {
        return Ok(by_id(id).await?.map_or(Pick::Unknown, Pick::One));
    }
    if let Ok(id) = raw.parse::<i64>()
        && let Some(o) = by_id(id).await?
    {
        return Ok(Pick::One(o));
    }
    if let Some(o) = st.store.org_by_code(p, raw).await? {
        return Ok(Pick::One(o));
    }
    let hits = st.store.org_search(p, raw, READ).await?;
    let wanted = fold(raw);
    let exact: Vec<Org> = hits
        .iter()
        .filter(|o| fold(&o.name) == wanted)
        .cloned()
        .collect();
    let found = if exact.is_empty() { hits } else { exact };
    Ok(match found.len() {
        0 => Pick::Unknown,
        1 => Pick::One(found.into_iter().next().expect("one")),
        _ => Pick::Many(found),
    })
}

/// The value the search-as-you-type list fills in for a unit.
pub fn org_value(o: &Org) -> String {
    format!("{} #{}", o.name, o.id)
}

/// A unit for a form's field: the unit, none when the field is empty, or the message
/// naming what was not found or which units answer to it.
pub async fn org_field(
    st: &AppState,
    ctx: &Ctx,
    p: &Principal,
    raw: &str,
) -> Result<Result<Option<Org>, String>, AppError> {
    Ok(match org(st, p, raw).await? {
        Pick::Empty => Ok(None),
        Pick::One(o) => Ok(Some(o)),
        Pick::Unknown => Err(i18n::fill(
            ctx.t("shell.pick.org_unknown"),
            &[("raw", &raw.trim())],
        )),
        Pick::Many(all) => {
            let names: Vec<String> = all.iter().take(OFFERED).map(org_value).collect();
            Err(i18n::fill(
                ctx.t("shell.pick.org_many"),
                &[
                    ("raw", &raw.trim()),
                    ("n", &all.len()),
                    ("names", &names.join("; ")),
                    ("example", &org_value(&all[0])),
                ],
            ))
        }
    })
}

/// A form's unit field, read into `errors`: `required` when it must be filled; an unknown
/// or ambiguous name gets the message that says so.
pub async fn org_into(
    st: &AppState,
    ctx: &Ctx,
    p: &Principal,
    f: &crate::forms::FormData,
    field: &str,
    required: bool,
    errors: &mut crate::forms::FormErrors,
) -> Result<Option<Org>, AppError> {
    let raw = f.get(field);
    if raw.trim().is_empty() {
        if required {
            errors.push(ctx.lang, field, "required");
        }
        return Ok(None);
    }
    match org_field(st, ctx, p, raw).await? {
        Ok(o) => Ok(o),
        Err(message) => {
            errors.push_text(field, &message);
            Ok(None)
        }
    }
}

/// One suggestion of the search-as-you-type list.
#[derive(Serialize)]
struct Offer {
    /// What the field gets: "Nguyễn Văn Đức #1234".
    value: String,
    /// What helps tell people apart: the cell, the unit above.
    hint: String,
}

/// `GET /pick/members?q=&within=`: members matching `q` that the user may read, within
/// a unit's subtree when `within` names one.
async fn members_json(
    auth: Auth,
    State(st): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Json<Vec<Offer>>, AppError> {
    let text = query_param(&q, "q");
    if fold(&text).chars().count() < 2 {
        return Ok(Json(Vec::new()));
    }
    let within: Option<OrgPath> = match query_param(&q, "within").parse::<i64>() {
        Ok(id) => match st.store.org_get(&auth.p, OrgId(id)).await {
            Ok(o) => Some(o.path),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        Err(_) => None,
    };
    let hits = if is_number_like(&text) {
        match member(&st, &auth.p, &text).await? {
            Pick::One(h) => vec![h],
            _ => Vec::new(),
        }
    } else {
        st.store.member_search(&auth.p, &text, READ).await?
    };
    Ok(Json(
        hits.iter()
            .filter(|h| {
                within
                    .as_ref()
                    .is_none_or(|w| w.subtree().contains(h.member.cell_path.as_str()))
            })
            .take(OFFERED)
            .map(|h| Offer {
                value: member_value(h),
                hint: h.cell_name.clone(),
            })
            .collect(),
    ))
}

/// `GET /pick/orgs?q=`: units matching `q` that the user may read.
async fn orgs_json(
    auth: Auth,
    State(st): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Json<Vec<Offer>>, AppError> {
    let text = query_param(&q, "q");
    if fold(&text).chars().count() < 2 {
        return Ok(Json(Vec::new()));
    }
    let hits = st.store.org_search(&auth.p, &text, OFFERED as u32).await?;
    Ok(Json(
        hits.iter()
            .map(|o| Offer {
                value: org_value(o),
                hint: o.code.clone().unwrap_or_default(),
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_field_may_hold() {
        assert_eq!(
            tagged_number("Nguyễn Văn Đức #1234"),
            Some(("Nguyễn Văn Đức", 1234))
        );
        assert_eq!(tagged_number("Nguyễn Văn Đức"), None);
        assert!(is_number_like("12.345.678"));
        assert!(is_number_like(" 1234 "));
        assert!(!is_number_like("Tổ 12"));
        assert!(!is_number_like("..."));
    }
}
