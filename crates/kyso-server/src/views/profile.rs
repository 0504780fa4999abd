//! The person's own page: who they are in which agencies and roles, their
//! signing certificate with its expiry (a warning 30 days before, red once
//! expired), and a form to change their password.

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kyso_office::person::PersonView;
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::fmt;
use super::page::{self, Chrome, Viewer};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/profile", get(show))
        .route("/profile/password", post(change_password))
}

/// A membership line.
struct RoleRow {
    agency: String,
    role: &'static str,
    position: String,
}

/// The certificate as the page shows it.
struct CertRow {
    subject: String,
    issuer: String,
    serial: String,
    valid_from: String,
    valid_until: String,
    /// `ok`, `warn` (30 days or fewer left) or `bad` (expired).
    class: &'static str,
    /// "còn 120 ngày" / "đã hết hạn".
    left: String,
}

#[derive(askama::Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    c: Chrome,
    p: PersonView,
    roles: Vec<RoleRow>,
    cert: Option<CertRow>,
    error: Option<String>,
}

/// Whole days from `now` to `until` (negative once past).
fn days_left(now: OffsetDateTime, until: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(until, &Rfc3339).ok()?;
    Some((t - now).whole_days())
}

async fn render(s: &AppState, v: Viewer, error: Option<String>) -> Response {
    let p = match s.office.person(&v.actor, v.actor.person_id).await {
        Ok(p) => p,
        Err(e) => return page::error(&v.c, &e),
    };
    let c = v.c;
    let roles = v
        .actor
        .memberships
        .iter()
        .map(|m| RoleRow {
            agency: m.agency_name.clone(),
            role: c.named("role", m.role.code()),
            position: [m.title.as_deref(), m.position.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect();
    let now = s.office.now();
    let cert = p.certificate.as_ref().map(|k| {
        let left = days_left(now, &k.not_after);
        CertRow {
            subject: k.subject.clone(),
            issuer: k.issuer.clone(),
            serial: k.serial.clone(),
            valid_from: fmt::when(&k.not_before),
            valid_until: fmt::when(&k.not_after),
            class: match left {
                Some(d) if d < 0 => "bad",
                Some(d) if d <= 30 => "warn",
                Some(_) => "ok",
                None => "warn",
            },
            left: match left {
                Some(d) if d < 0 => c.t("profile.expired").to_string(),
                Some(d) => c.t("profile.days_left").replace("{n}", &d.to_string()),
                None => String::new(),
            },
        }
    });
    page::ok(&ProfilePage {
        roles,
        cert,
        error,
        p,
        c,
    })
}

async fn show(State(s): State<AppState>, v: Viewer) -> Response {
    render(&s, v, None).await
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

async fn change_password(
    State(s): State<AppState>,
    v: Viewer,
    Form(f): Form<PasswordForm>,
) -> Response {
    if f.new != f.repeat {
        let msg = v.c.t("profile.password_mismatch").to_string();
        return render(&s, v, Some(msg)).await;
    }
    match s
        .office
        .set_password(&v.actor, v.actor.person_id, Some(&f.current), &f.new)
        .await
    {
        Ok(()) => page::done("/profile", "password-changed"),
        Err(e) => {
            let msg = v.c.pick(&e.vi, &e.en).to_string();
            render(&s, v, Some(msg)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_left_counts_whole_days() {
        let now = time::macros::datetime!(2026-12-03 12:00 UTC);
        assert_eq!(days_left(now, "2027-01-02T12:00:00Z"), Some(30));
        assert_eq!(days_left(now, "2026-12-01T00:00:00+07:00"), Some(-2));
        assert_eq!(days_left(now, "not a date"), None);
    }
}
