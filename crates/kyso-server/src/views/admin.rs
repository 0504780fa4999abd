//! The administration screens (the department administrator; an
//! agency's IT officer for its own people): agencies in their tree,
//! people with their roles, and the document categories. Every change is
//! a `kyso-office` use case, which checks the person's right and writes
//! the audit entry; a refusal or a bad value comes back on the same page
//! with the office's message and what was typed.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use kyso_office::agency::{AgencyView, NewAgency, LEVELS};
use kyso_office::catalog::{CategoryView, NewCategory};
use kyso_office::person::{NewMembership, NewPerson, PersonView};
use kyso_office::{Actor, Role};
use serde::Deserialize;

use super::agency_tree::in_tree_order;
use super::page::{self, Chrome, Viewer};
use crate::extract::Query;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::to("/admin/agencies") }))
        .route("/admin/agencies", get(agencies).post(create_agency))
        .route("/admin/people", get(people).post(create_person))
        .route("/admin/people/{id}", get(person))
        .route("/admin/people/{id}/roles", post(grant))
        .route("/admin/people/{id}/roles/{membership}/remove", post(revoke))
        .route("/admin/categories", get(categories).post(add_category))
}

/// Whether the menu shows the administration: the department
/// administrator, or an IT officer somewhere.
pub fn opens(a: &Actor) -> bool {
    a.has_anywhere(Role::DeptAdmin) || a.has_anywhere(Role::ItOfficer)
}

/// The agencies in which the person manages accounts (all of them for
/// the department administrator).
fn managed(a: &Actor, all: &[AgencyView]) -> Vec<(i64, String)> {
    let admin = a.has_anywhere(Role::DeptAdmin);
    in_tree_order(all)
        .into_iter()
        .filter(|(x, _)| x.active && (admin || a.has(Role::ItOfficer, x.id)))
        .map(|(x, d)| (x.id, format!("{}{}", "— ".repeat(d), x.name)))
        .collect()
}

/// The roles the person may grant (IT officers: not the administrator's
/// nor the CA operator's), with their names.
fn grantable(c: &Chrome, a: &Actor) -> Vec<(&'static str, &'static str)> {
    let admin = a.has_anywhere(Role::DeptAdmin);
    Role::ALL
        .iter()
        .filter(|r| admin || !matches!(r, Role::DeptAdmin | Role::CaOperator))
        .map(|r| (r.code(), c.named("role", r.code())))
        .collect()
}

/// An empty text is no value.
fn some(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

// --- agencies ---------------------------------------------------------------

/// An agency line of the tree.
struct AgencyRow {
    code: String,
    name: String,
    short_name: String,
    depth: usize,
    level: &'static str,
    email: String,
    /// The seal certificate's end of validity, or none.
    seal_until: Option<String>,
    active: bool,
}

/// What was typed in the new-agency form.
#[derive(Deserialize, Default, Clone)]
struct AgencyForm {
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    short_name: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
}

#[derive(askama::Template)]
#[template(path = "admin_agencies.html")]
struct AgenciesPage {
    c: Chrome,
    rows: Vec<AgencyRow>,
    q: String,
    can_create: bool,
    parents: Vec<(i64, String)>,
    levels: Vec<(&'static str, &'static str)>,
    f: AgencyForm,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    q: Option<String>,
    agency_id: Option<i64>,
}

async fn agencies_page(
    s: &AppState,
    v: Viewer,
    q: &str,
    f: AgencyForm,
    error: Option<String>,
) -> Response {
    let all = match s.office.list_agencies(&v.actor, None).await {
        Ok(a) => a,
        Err(e) => return page::error(&v.c, &e),
    };
    let needle = kyso_office::document::metadata::fold(q.trim());
    let c = v.c;
    let rows = in_tree_order(&all)
        .into_iter()
        .filter(|(a, _)| {
            needle.is_empty()
                || kyso_office::document::metadata::fold(&a.name).contains(&needle)
                || a.code.to_lowercase().contains(&needle)
        })
        .map(|(a, depth)| AgencyRow {
            code: a.code.clone(),
            name: a.name.clone(),
            short_name: a.short_name.clone(),
            depth,
            level: c.named("level", &a.level),
            email: a.email.clone(),
            seal_until: a
                .seal_certificate
                .as_ref()
                .map(|k| super::fmt::when(&k.not_after)),
            active: a.active,
        })
        .collect();
    let parents = in_tree_order(&all)
        .into_iter()
        .filter(|(a, _)| a.active)
        .map(|(a, d)| (a.id, format!("{}{}", "— ".repeat(d), a.name)))
        .collect();
    let levels = LEVELS.iter().map(|l| (*l, c.named("level", l))).collect();
    page::ok(&AgenciesPage {
        rows,
        q: q.to_string(),
        can_create: v.actor.has_anywhere(Role::DeptAdmin),
        parents,
        levels,
        f,
        error,
        c,
    })
}

async fn agencies(State(s): State<AppState>, v: Viewer, Query(q): Query<SearchQuery>) -> Response {
    let q = q.q.unwrap_or_default();
    agencies_page(&s, v, &q, AgencyForm::default(), None).await
}

async fn create_agency(
    State(s): State<AppState>,
    v: Viewer,
    Form(f): Form<AgencyForm>,
) -> Response {
    let n = NewAgency {
        parent_id: f.parent_id.trim().parse().ok(),
        code: f.code.trim().to_string(),
        name: f.name.trim().to_string(),
        short_name: f.short_name.trim().to_string(),
        level: f.level.clone(),
        email: f.email.trim().to_string(),
        address: f.address.trim().to_string(),
        phone: f.phone.trim().to_string(),
    };
    match s.office.create_agency(&v.actor, n).await {
        Ok(_) => page::done("/admin/agencies", "agency-created"),
        Err(e) => {
            let msg = page::message(&v.c, &e);
            agencies_page(&s, v, "", f, Some(msg)).await
        }
    }
}

// --- people -----------------------------------------------------------------

/// A person line.
struct PersonRow {
    id: i64,
    full_name: String,
    username: String,
    email: String,
    /// `văn thư — UBND tỉnh …; …`
    roles: String,
    active: bool,
    locked: bool,
}

/// What was typed in the new-person form.
#[derive(Deserialize, Default, Clone)]
struct PersonForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    title: String,
}

impl PersonForm {
    fn membership(&self) -> Option<NewMembership> {
        Some(NewMembership {
            agency_id: self.agency_id.trim().parse().ok()?,
            role: self.role.clone(),
            position: some(&self.position),
            title: some(&self.title),
        })
    }
}

#[derive(askama::Template)]
#[template(path = "admin_people.html")]
struct PeoplePage {
    c: Chrome,
    rows: Vec<PersonRow>,
    agencies: Vec<(i64, String)>,
    agency_id: i64,
    managed: Vec<(i64, String)>,
    roles: Vec<(&'static str, &'static str)>,
    f: PersonForm,
    error: Option<String>,
}

/// The name of agency `id` among `all`.
fn agency_name(all: &[AgencyView], id: i64) -> Option<&str> {
    all.iter().find(|a| a.id == id).map(|a| a.name.as_str())
}

fn roles_text(c: &Chrome, p: &PersonView, all: &[AgencyView]) -> String {
    p.memberships
        .iter()
        .map(|m| {
            let agency = agency_name(all, m.agency_id).unwrap_or("?");
            format!("{} — {agency}", c.named("role", &m.role))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

async fn people_page(
    s: &AppState,
    v: Viewer,
    agency_id: Option<i64>,
    f: PersonForm,
    error: Option<String>,
) -> Response {
    let all = match s.office.list_agencies(&v.actor, None).await {
        Ok(a) => a,
        Err(e) => return page::error(&v.c, &e),
    };
    let list = match s.office.list_people(&v.actor, agency_id).await {
        Ok(p) => p,
        Err(e) => return page::error(&v.c, &e),
    };
    let c = v.c;
    let rows = list
        .iter()
        .map(|p| PersonRow {
            id: p.id,
            full_name: p.full_name.clone(),
            username: p.username.clone(),
            email: p.email.clone(),
            roles: roles_text(&c, p, &all),
            active: p.active,
            locked: p.locked,
        })
        .collect();
    let agencies = in_tree_order(&all)
        .into_iter()
        .map(|(a, d)| (a.id, format!("{}{}", "— ".repeat(d), a.name)))
        .collect();
    page::ok(&PeoplePage {
        rows,
        agencies,
        agency_id: agency_id.unwrap_or(0),
        managed: managed(&v.actor, &all),
        roles: grantable(&c, &v.actor),
        f,
        error,
        c,
    })
}

async fn people(State(s): State<AppState>, v: Viewer, Query(q): Query<SearchQuery>) -> Response {
    people_page(&s, v, q.agency_id, PersonForm::default(), None).await
}

async fn create_person(
    State(s): State<AppState>,
    v: Viewer,
    Form(f): Form<PersonForm>,
) -> Response {
    let n = NewPerson {
        username: f.username.trim().to_string(),
        full_name: f.full_name.trim().to_string(),
        email: f.email.trim().to_string(),
        phone: f.phone.trim().to_string(),
        password: some(&f.password),
        memberships: f.membership().into_iter().collect(),
    };
    match s.office.create_person(&v.actor, n).await {
        Ok(p) => page::done(&format!("/admin/people/{}", p.id), "person-created"),
        Err(e) => {
            let msg = page::message(&v.c, &e);
            // The password is never sent back to the page.
            let f = PersonForm {
                password: String::new(),
                ..f
            };
            people_page(&s, v, None, f, Some(msg)).await
        }
    }
}

/// A role line of one person.
struct MembershipRow {
    id: i64,
    role: &'static str,
    agency: String,
    position: String,
}

#[derive(askama::Template)]
#[template(path = "admin_person.html")]
struct PersonPage {
    c: Chrome,
    p: PersonView,
    memberships: Vec<MembershipRow>,
    managed: Vec<(i64, String)>,
    roles: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

async fn person_page(s: &AppState, v: Viewer, id: i64, error: Option<String>) -> Response {
    let p = match s.office.person(&v.actor, id).await {
        Ok(p) => p,
        Err(e) => return page::error(&v.c, &e),
    };
    let all = match s.office.list_agencies(&v.actor, None).await {
        Ok(a) => a,
        Err(e) => return page::error(&v.c, &e),
    };
    let c = v.c;
    let memberships = p
        .memberships
        .iter()
        .map(|m| MembershipRow {
            id: m.id,
            role: c.named("role", &m.role),
            agency: agency_name(&all, m.agency_id)
                .unwrap_or_default()
                .to_string(),
            position: [m.title.as_deref(), m.position.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect();
    page::ok(&PersonPage {
        memberships,
        managed: managed(&v.actor, &all),
        roles: grantable(&c, &v.actor),
        error,
        p,
        c,
    })
}

async fn person(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    person_page(&s, v, id, None).await
}

#[derive(Deserialize)]
struct GrantForm {
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    title: String,
}

async fn grant(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<GrantForm>,
) -> Response {
    let Ok(agency_id) = f.agency_id.trim().parse() else {
        let msg = v.c.t("admin.err.agency").to_string();
        return person_page(&s, v, id, Some(msg)).await;
    };
    let m = NewMembership {
        agency_id,
        role: f.role,
        position: some(&f.position),
        title: some(&f.title),
    };
    match s.office.add_membership(&v.actor, id, m).await {
        Ok(_) => page::done(&format!("/admin/people/{id}"), "role-granted"),
        Err(e) => {
            let msg = page::message(&v.c, &e);
            person_page(&s, v, id, Some(msg)).await
        }
    }
}

async fn revoke(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, membership)): Path<(i64, i64)>,
) -> Response {
    match s.office.remove_membership(&v.actor, id, membership).await {
        Ok(_) => page::done(&format!("/admin/people/{id}"), "role-removed"),
        Err(e) => {
            let msg = page::message(&v.c, &e);
            person_page(&s, v, id, Some(msg)).await
        }
    }
}

// --- categories -------------------------------------------------------------

/// A category line.
struct CategoryRow {
    code: String,
    name_vi: String,
    name_en: String,
    /// The agency that added it, or none for the default set.
    agency: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
struct CategoryForm {
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_vi: String,
    #[serde(default)]
    name_en: String,
}

#[derive(askama::Template)]
#[template(path = "admin_categories.html")]
struct CategoriesPage {
    c: Chrome,
    rows: Vec<CategoryRow>,
    agencies: Vec<(i64, String)>,
    f: CategoryForm,
    error: Option<String>,
}

async fn categories_page(
    s: &AppState,
    v: Viewer,
    f: CategoryForm,
    error: Option<String>,
) -> Response {
    // The chosen agency's own categories besides the default set (the
    // administrator is no member of the agencies it adds them for).
    let chosen = f.agency_id.trim().parse::<i64>().ok();
    let list: Vec<CategoryView> = match s.office.categories(&v.actor, chosen).await {
        Ok(l) => l,
        Err(e) => return page::error(&v.c, &e),
    };
    let all = match s.office.list_agencies(&v.actor, None).await {
        Ok(a) => a,
        Err(e) => return page::error(&v.c, &e),
    };
    let rows = list
        .into_iter()
        .map(|k| CategoryRow {
            agency: k
                .agency_id
                .map(|id| agency_name(&all, id).unwrap_or_default().to_string()),
            code: k.code,
            name_vi: k.name_vi,
            name_en: k.name_en,
        })
        .collect();
    let mut agencies: Vec<(i64, String)> = v
        .actor
        .memberships
        .iter()
        .filter(|m| matches!(m.role, Role::Head | Role::Clerk | Role::ItOfficer))
        .map(|m| (m.agency_id, m.agency_name.clone()))
        .collect();
    agencies.sort();
    agencies.dedup_by_key(|a| a.0);
    if v.actor.has_anywhere(Role::DeptAdmin) {
        agencies = in_tree_order(&all)
            .into_iter()
            .filter(|(a, _)| a.active)
            .map(|(a, d)| (a.id, format!("{}{}", "— ".repeat(d), a.name)))
            .collect();
    }
    page::ok(&CategoriesPage {
        rows,
        agencies,
        f,
        error,
        c: v.c,
    })
}

#[derive(Deserialize, Default)]
struct CategoryQuery {
    agency_id: Option<i64>,
}

async fn categories(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<CategoryQuery>,
) -> Response {
    let f = CategoryForm {
        agency_id: q.agency_id.map(|a| a.to_string()).unwrap_or_default(),
        ..CategoryForm::default()
    };
    categories_page(&s, v, f, None).await
}

async fn add_category(
    State(s): State<AppState>,
    v: Viewer,
    Form(f): Form<CategoryForm>,
) -> Response {
    let Ok(agency_id) = f.agency_id.trim().parse() else {
        let msg = v.c.t("admin.err.agency").to_string();
        return categories_page(&s, v, f, Some(msg)).await;
    };
    let n = NewCategory {
        agency_id,
        code: f.code.trim().to_string(),
        name_vi: f.name_vi.trim().to_string(),
        name_en: f.name_en.trim().to_string(),
    };
    match s.office.add_category(&v.actor, n).await {
        Ok(_) => Redirect::to(&format!(
            "/admin/categories?agency_id={agency_id}&ok=category-added"
        ))
        .into_response(),
        Err(e) => {
            let msg = page::message(&v.c, &e);
            categories_page(&s, v, f, Some(msg)).await
        }
    }
}
