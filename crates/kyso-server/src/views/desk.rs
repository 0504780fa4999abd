//! The certificate desk's daily pages (issue 12 §9): the dashboard of
//! requests the person may see — their own as subscriber, their agency's
//! for the managing organization, those routed to them for the CA
//! operator and the department administrator — with the deadline flagged
//! (overdue, due today) and the actions waiting for them; the request
//! form of every kind; one request with its form, history and the
//! buttons its state allows this person ([`kyso_office::desk::offer`]).
//! Every button is a POST calling one `kyso-office` use case; a refusal
//! comes back on the same page with the office's message.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kyso_office::desk::kind::REVOCATION_REASONS;
use kyso_office::desk::offer::{actions_for, routed_to, waiting_for};
use kyso_office::desk::view::AGENCY_READERS;
use kyso_office::desk::{
    Action, Approval, DueStatus, NewRequest, RequestFilter, RequestForm, RequestKind, RequestView,
    State as ReqState,
};
use kyso_office::{Actor, ErrorKind, OfficeError, Role};
use serde::Deserialize;

use super::fmt;
use super::page::{self, Chrome, Viewer};
use crate::error::WebError;
use crate::extract::Query;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk", get(dashboard))
        .route("/desk/new", get(new_form).post(create))
        .route("/desk/{id}", get(show))
        .route("/desk/{id}/{action}", post(act))
}

/// Whether the menu offers the desk: everyone with a place in an agency
/// may ask for a certificate for themself.
pub fn opens(a: &Actor) -> bool {
    !a.memberships.is_empty()
}

/// Roles that may file a request on someone else's behalf (the office's
/// rule in `desk::request`; it checks again).
const ON_BEHALF: &[Role] = &[Role::Head, Role::Clerk, Role::ItOfficer];

/// The catalogue key of the label of a form field the office names in
/// its refusals (`field email: …`).
fn field_key(field: &str) -> Option<&'static str> {
    Some(match field {
        "kind" => "desk.col.kind",
        "agency_id" => "desk.form.agency",
        "subscriber" => "desk.form.subscriber",
        "identity_number" => "desk.form.identity_number",
        "full_name" => "desk.form.full_name",
        "position" => "desk.form.position",
        "email" => "desk.form.email",
        "phone" => "desk.form.phone",
        "reason" => "desk.form.reason",
        "token_serial" => "desk.form.token_serial",
        "certificate_serial" => "desk.form.certificate_serial",
        "revocation_reason" => "desk.form.revocation_reason",
        "renewal_days" => "desk.form.renewal_days",
        "serial" => "desk.device.serial",
        "model" => "desk.device.model",
        "module" => "desk.device.module",
        "method" => "desk.handover.method",
        "tracking_number" => "desk.handover.tracking",
        "from_party" => "desk.handover.from",
        "to_party" => "desk.handover.to",
        "holder_id" => "desk.handover.holder",
        "new_state" => "desk.handover.state",
        "request_id" => "desk.handover.request",
        "note" => "desk.note",
        _ => return None,
    })
}

/// The office's message in the person's language, as a sentence, with
/// the field it names called by its label on the page.
pub fn message(c: &Chrome, e: &OfficeError) -> String {
    if e.kind == ErrorKind::Internal {
        return c.t("error.internal").to_string();
    }
    let mut m = c.pick(&e.vi, &e.en).to_string();
    let field = bad_field(e);
    if let Some(key) = field_key(&field) {
        m = m.replacen(&field, &format!("«{}»", c.t(key)), 1);
    }
    let mut chars = m.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => m,
    }
}

/// The deadline as shown: the day and the class and words of its flag.
pub struct Due {
    pub day: String,
    pub overdue: bool,
    pub today: bool,
    pub label: &'static str,
}

impl Due {
    fn of(c: &Chrome, due_date: Option<&str>, status: Option<DueStatus>) -> Due {
        let label = match status {
            Some(DueStatus::Overdue) => c.t("desk.due.overdue"),
            Some(DueStatus::DueToday) => c.t("desk.due.today"),
            _ => "",
        };
        Due {
            day: due_date.map(fmt::when).unwrap_or_default(),
            overdue: status == Some(DueStatus::Overdue),
            today: status == Some(DueStatus::DueToday),
            label,
        }
    }
}

/// A line of the dashboard.
pub struct Row {
    pub id: i64,
    pub kind: &'static str,
    pub state_code: &'static str,
    pub state: &'static str,
    pub agency: String,
    pub person: String,
    pub created: String,
    pub due: Due,
    /// What waits for the viewer, named.
    pub waiting: Vec<(&'static str, &'static str)>,
}

impl Row {
    fn of(c: &Chrome, a: &Actor, r: &RequestView) -> Row {
        Row {
            id: r.id,
            kind: c.named("desk.kind", r.kind.code()),
            state_code: r.state.code(),
            state: c.named("desk.state", r.state.code()),
            agency: r.agency_name.clone(),
            person: r.form.full_name.clone(),
            created: fmt::when(&r.created_at),
            due: Due::of(c, r.due_date.as_deref(), r.due_status),
            waiting: waiting_for(a, r)
                .into_iter()
                .map(|x| (x.code(), c.named("desk.action", x.code())))
                .collect(),
        }
    }
}

/// Whether the dashboard shows `r` to `a`: their own, their agency's
/// (the managing organization's readers), or routed to them once sent.
fn concerns(a: &Actor, r: &RequestView) -> bool {
    let arrived = matches!(
        r.state,
        ReqState::Sent | ReqState::Approved | ReqState::Refused | ReqState::Completed
    );
    r.created_by == a.person_id
        || r.subscriber_id == Some(a.person_id)
        || AGENCY_READERS.iter().any(|role| a.has(*role, r.agency_id))
        || (arrived && routed_to(a, r))
}

#[derive(Deserialize, Default)]
struct DashQuery {
    state: Option<String>,
    kind: Option<String>,
    overdue: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "desk.html")]
struct DashPage {
    c: Chrome,
    waiting: Vec<Row>,
    rows: Vec<Row>,
    states: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    state: String,
    kind: String,
    overdue: bool,
    count_overdue: usize,
    count_today: usize,
}

async fn dashboard(State(s): State<AppState>, v: Viewer, Query(q): Query<DashQuery>) -> Response {
    // An unknown or empty filter is no filter.
    let state = q
        .state
        .as_deref()
        .and_then(|x| ReqState::ALL.into_iter().find(|s| s.code() == x));
    let kind = q.kind.as_deref().and_then(|x| RequestKind::parse(x).ok());
    let overdue = q.overdue.as_deref().is_some_and(|x| !x.is_empty());
    let all = match s
        .office
        .desk_requests(&v.actor, &RequestFilter::default())
        .await
    {
        Ok(r) => r,
        Err(e) => return page::error(&v.c, &e),
    };
    let mine: Vec<&RequestView> = all.iter().filter(|r| concerns(&v.actor, r)).collect();
    let c = v.c;
    let waiting = mine
        .iter()
        .filter(|r| !waiting_for(&v.actor, r).is_empty())
        .map(|r| Row::of(&c, &v.actor, r))
        .collect();
    let count_overdue = mine
        .iter()
        .filter(|r| r.due_status == Some(DueStatus::Overdue))
        .count();
    let count_today = mine
        .iter()
        .filter(|r| r.due_status == Some(DueStatus::DueToday))
        .count();
    let rows = mine
        .iter()
        .filter(|r| state.is_none_or(|s| r.state == s))
        .filter(|r| kind.is_none_or(|k| r.kind == k))
        .filter(|r| !overdue || r.due_status == Some(DueStatus::Overdue))
        .map(|r| Row::of(&c, &v.actor, r))
        .collect();
    page::ok(&DashPage {
        waiting,
        rows,
        states: ReqState::ALL
            .iter()
            .map(|s| (s.code(), c.named("desk.state", s.code())))
            .collect(),
        kinds: kinds(&c),
        state: state.map(|s| s.code().to_string()).unwrap_or_default(),
        kind: kind.map(|k| k.code().to_string()).unwrap_or_default(),
        overdue,
        count_overdue,
        count_today,
        c,
    })
}

fn kinds(c: &Chrome) -> Vec<(&'static str, &'static str)> {
    RequestKind::ALL
        .iter()
        .map(|k| (k.code(), c.named("desk.kind", k.code())))
        .collect()
}

// --- the request form --------------------------------------------------------

/// What was typed in the request form (kept when the office refuses it).
#[derive(Deserialize, Default, Clone)]
pub struct FormFields {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub agency_id: String,
    /// `self`, empty (someone without an account, or the seal), or a
    /// person's id.
    #[serde(default)]
    pub subscriber: String,
    #[serde(default)]
    pub identity_number: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub token_serial: String,
    #[serde(default)]
    pub certificate_serial: String,
    #[serde(default)]
    pub revocation_reason: String,
    #[serde(default)]
    pub renewal_days: String,
}

/// An empty text is no value.
fn some(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

impl FormFields {
    fn of(r: &RequestView) -> FormFields {
        let f = &r.form;
        FormFields {
            kind: r.kind.code().into(),
            agency_id: r.agency_id.to_string(),
            subscriber: String::new(),
            identity_number: f.identity_number.clone(),
            full_name: f.full_name.clone(),
            position: f.position.clone(),
            email: f.email.clone(),
            phone: f.phone.clone(),
            reason: f.reason.clone(),
            token_serial: f.token_serial.clone().unwrap_or_default(),
            certificate_serial: f.certificate_serial.clone().unwrap_or_default(),
            revocation_reason: f
                .revocation_reason
                .as_deref()
                .and_then(|w| REVOCATION_REASONS.iter().find(|r| r.vietnamese() == w))
                .map(|r| r.name().to_string())
                .unwrap_or_default(),
            renewal_days: f.renewal_days.map(|d| d.to_string()).unwrap_or_default(),
        }
    }

    fn form(&self) -> Result<RequestForm, OfficeError> {
        let renewal_days = match some(&self.renewal_days) {
            None => None,
            Some(d) => Some(d.parse::<i32>().map_err(|_| {
                OfficeError::invalid(
                    "bad-form",
                    "trường renewal_days: số ngày gia hạn phải là một số nguyên",
                    "field renewal_days: the days of a renewal are a whole number",
                )
            })?),
        };
        Ok(RequestForm {
            identity_number: self.identity_number.clone(),
            full_name: self.full_name.clone(),
            position: self.position.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            reason: self.reason.clone(),
            token_serial: some(&self.token_serial),
            certificate_serial: some(&self.certificate_serial),
            revocation_reason: some(&self.revocation_reason),
            renewal_days,
        })
    }

    fn request(&self, a: &Actor) -> Result<NewRequest, OfficeError> {
        let kind = RequestKind::parse(self.kind.trim())?;
        let agency_id = self.agency_id.trim().parse::<i64>().map_err(|_| {
            OfficeError::invalid(
                "bad-form",
                "trường agency_id: cần chọn cơ quan",
                "field agency_id: choose an agency",
            )
        })?;
        let subscriber_id = match self.subscriber.trim() {
            "self" => Some(a.person_id),
            "" => None,
            p => Some(p.parse::<i64>().map_err(|_| {
                OfficeError::invalid(
                    "bad-form",
                    "trường subscriber: người đề nghị không hợp lệ",
                    "field subscriber: not a person",
                )
            })?),
        };
        Ok(NewRequest {
            kind,
            agency_id,
            subscriber_id,
            form: self.form()?,
        })
    }
}

/// The field an office refusal names (`field email: …`), to mark it.
fn bad_field(e: &OfficeError) -> String {
    e.en.strip_prefix("field ")
        .and_then(|r| r.split_once(':'))
        .map(|(f, _)| f.to_string())
        .filter(|f| f.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .unwrap_or_default()
}

/// The choices every request form offers.
pub struct Choices {
    pub kinds: Vec<(&'static str, &'static str)>,
    pub reasons: Vec<(&'static str, &'static str)>,
}

impl Choices {
    fn of(c: &Chrome) -> Choices {
        Choices {
            kinds: kinds(c),
            reasons: REVOCATION_REASONS
                .iter()
                .map(|r| (r.name(), c.named("desk.reason", r.name())))
                .collect(),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "desk_new.html")]
struct NewPage {
    c: Chrome,
    f: FormFields,
    ch: Choices,
    agencies: Vec<(i64, String)>,
    /// People the viewer may file for, by agency.
    people: Vec<(String, Vec<(i64, String)>)>,
    error: Option<String>,
    bad: String,
}

async fn new_page(
    s: &AppState,
    v: Viewer,
    f: FormFields,
    error: Option<(u16, String, String)>,
) -> Response {
    let mut agencies: Vec<(i64, String)> = Vec::new();
    for m in &v.actor.memberships {
        if !agencies.iter().any(|a| a.0 == m.agency_id) {
            agencies.push((m.agency_id, m.agency_name.clone()));
        }
    }
    let mut people = Vec::new();
    for (id, name) in &agencies {
        if !ON_BEHALF.iter().any(|r| v.actor.has(*r, *id)) {
            continue;
        }
        if let Ok(list) = s.office.list_people(&v.actor, Some(*id)).await {
            let list: Vec<(i64, String)> = list
                .into_iter()
                .filter(|p| p.active && p.id != v.actor.person_id)
                .map(|p| (p.id, p.full_name))
                .collect();
            if !list.is_empty() {
                people.push((name.clone(), list));
            }
        }
    }
    let c = v.c;
    let (status, error, bad) = match error {
        Some((st, msg, bad)) => (st, Some(msg), bad),
        None => (200, None, String::new()),
    };
    page::render(
        axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::BAD_REQUEST),
        &NewPage {
            ch: Choices::of(&c),
            f,
            agencies,
            people,
            error,
            bad,
            c,
        },
    )
}

#[derive(Deserialize, Default)]
struct NewQuery {
    kind: Option<String>,
}

async fn new_form(State(s): State<AppState>, v: Viewer, Query(q): Query<NewQuery>) -> Response {
    let a = &v.actor;
    let me = s.office.person(a, a.person_id).await.ok();
    let first = a.memberships.first();
    let f = FormFields {
        kind: q
            .kind
            .as_deref()
            .and_then(|k| RequestKind::parse(k).ok())
            .unwrap_or(RequestKind::IssuePerson)
            .code()
            .into(),
        agency_id: first.map(|m| m.agency_id.to_string()).unwrap_or_default(),
        subscriber: "self".into(),
        full_name: a.full_name.clone(),
        position: first.and_then(|m| m.position.clone()).unwrap_or_default(),
        email: a.email.clone(),
        phone: me.map(|p| p.phone).unwrap_or_default(),
        ..FormFields::default()
    };
    new_page(&s, v, f, None).await
}

async fn create(State(s): State<AppState>, v: Viewer, Form(f): Form<FormFields>) -> Response {
    let made = match f.request(&v.actor) {
        Ok(n) => s.office.create_request(&v.actor, n).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(r) => page::done(&format!("/desk/{}", r.id), "desk-created"),
        Err(e) => {
            let status = WebError::status_of(e.kind).as_u16();
            let msg = message(&v.c, &e);
            let bad = bad_field(&e);
            new_page(&s, v, f, Some((status, msg, bad))).await
        }
    }
}

// --- one request -------------------------------------------------------------

/// One line of a request's history.
pub struct EventRow {
    pub action: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub person: String,
    pub note: String,
    pub at: String,
}

/// The buttons this person is offered.
#[derive(Default)]
pub struct Can {
    pub confirm: bool,
    pub ret: bool,
    pub resubmit: bool,
    pub cancel: bool,
    pub send: bool,
    pub approve: bool,
    pub refuse: bool,
    pub complete: bool,
}

impl Can {
    fn of(actions: &[Action]) -> Can {
        let has = |a: Action| actions.contains(&a);
        Can {
            confirm: has(Action::Confirm),
            ret: has(Action::Return),
            resubmit: has(Action::Resubmit),
            cancel: has(Action::Cancel),
            send: has(Action::Send),
            approve: has(Action::Approve),
            refuse: has(Action::Refuse),
            complete: has(Action::Complete),
        }
    }
    pub fn any(&self) -> bool {
        self.confirm
            || self.ret
            || self.resubmit
            || self.cancel
            || self.send
            || self.approve
            || self.refuse
            || self.complete
    }
}

#[derive(askama::Template)]
#[template(path = "desk_request.html")]
struct RequestPage {
    c: Chrome,
    r: RequestView,
    kind: &'static str,
    state: &'static str,
    route: &'static str,
    reason_words: String,
    due: Due,
    events: Vec<EventRow>,
    can: Can,
    /// The kind needs a CSR made on the subscriber's token to approve.
    needs_csr: bool,
    created: String,
    error: Option<String>,
    /// The form to correct before resubmitting.
    f: FormFields,
    ch: Choices,
    bad: String,
}

fn named_state(c: &Chrome, code: &str) -> &'static str {
    if code.is_empty() {
        ""
    } else {
        c.named("desk.state", code)
    }
}

fn request_page(
    c: Chrome,
    a: &Actor,
    r: RequestView,
    error: Option<(String, String)>,
    typed: Option<FormFields>,
) -> RequestPage {
    let events = r
        .events
        .iter()
        .map(|e| EventRow {
            action: c.named("desk.action", &e.action),
            from: named_state(&c, &e.from_state),
            to: named_state(&c, &e.to_state),
            person: e.person_name.clone(),
            note: e.note.clone().unwrap_or_default(),
            at: fmt::when(&e.at),
        })
        .collect();
    let (error, bad) = match error {
        Some((m, b)) => (Some(m), b),
        None => (None, String::new()),
    };
    let reason_words = r
        .form
        .revocation_reason
        .as_deref()
        .and_then(|w| REVOCATION_REASONS.iter().find(|x| x.vietnamese() == w))
        .map(|x| c.named("desk.reason", x.name()).to_string())
        .unwrap_or_default();
    RequestPage {
        kind: c.named("desk.kind", r.kind.code()),
        state: c.named("desk.state", r.state.code()),
        route: c.named("desk.route", r.route.code()),
        reason_words,
        due: Due::of(&c, r.due_date.as_deref(), r.due_status),
        events,
        can: Can::of(&actions_for(a, &r)),
        needs_csr: matches!(
            r.kind,
            RequestKind::IssuePerson | RequestKind::IssueOrganization
        ),
        created: fmt::when(&r.created_at),
        f: typed.unwrap_or_else(|| FormFields::of(&r)),
        ch: Choices::of(&c),
        bad,
        error,
        r,
        c,
    }
}

async fn show(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    match s.office.desk_request(&v.actor, id).await {
        Ok(r) => page::ok(&request_page(v.c, &v.actor, r, None, None)),
        Err(e) => page::error(&v.c, &e),
    }
}

/// What an action's form carries (each uses some).
#[derive(Deserialize, Default)]
struct ActForm {
    #[serde(default)]
    note: String,
    #[serde(default)]
    csr: String,
    #[serde(default)]
    days: String,
    #[serde(flatten)]
    fields: FormFields,
}

async fn act(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<ActForm>,
) -> Response {
    let Some(a) = Action::ALL.into_iter().find(|a| a.code() == action) else {
        return page::error(&v.c, &OfficeError::not_found("thao tác", "action"));
    };
    let o = &s.office;
    let actor = &v.actor;
    let done = match a {
        Action::Confirm => o.confirm_request(actor, id).await,
        Action::Return => o.return_request(actor, id, &f.note).await,
        Action::Resubmit => match f.fields.form() {
            Ok(form) => o.resubmit_request(actor, id, Some(form)).await,
            Err(e) => Err(e),
        },
        Action::Cancel => o.cancel_request(actor, id).await,
        Action::Send => o.send_request(actor, id).await,
        Action::Approve => {
            let days = match some(&f.days).map(|d| d.parse::<u32>()) {
                None => Ok(None),
                Some(Ok(d)) => Ok(Some(d)),
                Some(Err(_)) => Err(OfficeError::invalid(
                    "bad-days",
                    "thời hạn của chứng thư phải là số ngày",
                    "the certificate's validity is a number of days",
                )),
            };
            match days {
                Ok(days) => {
                    let approval = Approval {
                        csr: some(&f.csr),
                        days,
                        note: some(&f.note),
                    };
                    o.approve_request(actor, id, approval).await
                }
                Err(e) => Err(e),
            }
        }
        Action::Refuse => o.refuse_request(actor, id, &f.note).await,
        Action::Complete => o.complete_request(actor, id, some(&f.note)).await,
    };
    match done {
        Ok(_) => page::done(&format!("/desk/{id}"), &format!("desk-{}", a.code())),
        Err(e) => {
            // The request as it is now, with the refusal on it.
            let status = WebError::status_of(e.kind);
            let msg = message(&v.c, &e);
            let bad = bad_field(&e);
            match o.desk_request(actor, id).await {
                Ok(r) => {
                    let typed = (a == Action::Resubmit).then_some(f.fields);
                    page::render(
                        status,
                        &request_page(v.c, actor, r, Some((msg, bad)), typed),
                    )
                }
                Err(_) => page::error(&v.c, &e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::i18n::Lang;
    use super::*;
    use kyso_office::desk::{DayKind, DeviceState, HandoverMethod, Route};

    /// Every code the desk's pages name has its words in both catalogues,
    /// and the revocation reasons say in Vietnamese what the CA says.
    #[test]
    fn every_desk_code_has_its_words() {
        let mut keys = vec!["desk.action.create".to_string()];
        keys.extend(
            ReqState::ALL
                .iter()
                .map(|s| format!("desk.state.{}", s.code())),
        );
        keys.extend(
            RequestKind::ALL
                .iter()
                .map(|k| format!("desk.kind.{}", k.code())),
        );
        keys.extend(
            Action::ALL
                .iter()
                .map(|a| format!("desk.action.{}", a.code())),
        );
        keys.extend(
            [Route::Ca, Route::Department]
                .iter()
                .map(|r| format!("desk.route.{}", r.code())),
        );
        keys.extend(
            DeviceState::ALL
                .iter()
                .map(|s| format!("desk.device_state.{}", s.code())),
        );
        keys.extend(
            [
                HandoverMethod::InPerson,
                HandoverMethod::Cipher,
                HandoverMethod::Post,
            ]
            .iter()
            .map(|m| format!("desk.method.{}", m.code())),
        );
        keys.extend(
            [
                DayKind::Fixed,
                DayKind::Lunar,
                DayKind::Compensatory,
                DayKind::Workday,
            ]
            .iter()
            .map(|k| format!("desk.day_kind.{}", k.code())),
        );
        keys.extend(Action::ALL.iter().map(|a| format!("ok.desk-{}", a.code())));
        for k in &keys {
            assert!(Lang::Vi.has(k) && Lang::En.has(k), "{k}");
        }
        for r in REVOCATION_REASONS {
            let k = format!("desk.reason.{}", r.name());
            assert!(Lang::En.has(&k), "{k}");
            assert_eq!(Lang::Vi.t(&k).to_lowercase(), r.vietnamese(), "{k}");
        }
    }

    #[test]
    fn the_refused_field_is_found_in_the_message() {
        let e = OfficeError::invalid(
            "bad-form",
            "trường email: sai",
            "field email: not an e-mail",
        );
        assert_eq!(bad_field(&e), "email");
        let e = OfficeError::invalid("x", "y", "field <b>: z");
        assert_eq!(bad_field(&e), "");
        let e = OfficeError::invalid("x", "y", "no field named");
        assert_eq!(bad_field(&e), "");
    }

    #[test]
    fn messages_name_the_field_by_its_label() {
        let c = Chrome {
            lang: Lang::Vi,
            user: None,
            csrf: String::new(),
            path: "/desk/new".into(),
            flash: None,
            nav: Default::default(),
        };
        let e = OfficeError::invalid(
            "bad-form",
            "trường identity_number: cần 12 chữ số",
            "field identity_number: needs 12 digits",
        );
        assert_eq!(
            message(&c, &e),
            "Trường «Số định danh cá nhân»: cần 12 chữ số"
        );
        let e = OfficeError::conflict("wrong-state", "không thể hủy", "cannot cancel");
        assert_eq!(message(&c, &e), "Không thể hủy");
        for f in [
            "kind",
            "agency_id",
            "subscriber",
            "identity_number",
            "full_name",
            "position",
            "email",
            "phone",
            "reason",
            "token_serial",
            "certificate_serial",
            "revocation_reason",
            "renewal_days",
            "serial",
            "model",
            "module",
            "method",
            "tracking_number",
            "from_party",
            "to_party",
            "holder_id",
            "new_state",
            "request_id",
            "note",
        ] {
            let k = field_key(f).unwrap();
            assert!(Lang::Vi.has(k) && Lang::En.has(k), "{k}");
        }
    }

    #[test]
    fn typed_forms_become_requests_or_clear_refusals() {
        let a = Actor {
            person_id: 5,
            username: "u".into(),
            full_name: "U".into(),
            email: String::new(),
            language: "vi".into(),
            memberships: Vec::new(),
            scopes: Vec::new(),
            request_id: None,
        };
        let mut f = FormFields {
            kind: "renew".into(),
            agency_id: "3".into(),
            subscriber: "self".into(),
            renewal_days: "365".into(),
            certificate_serial: " 0a ".into(),
            ..FormFields::default()
        };
        let n = f.request(&a).unwrap();
        assert_eq!(
            (n.kind, n.agency_id, n.subscriber_id),
            (RequestKind::Renew, 3, Some(5))
        );
        assert_eq!(n.form.renewal_days, Some(365));
        assert_eq!(n.form.certificate_serial.as_deref(), Some("0a"));
        assert_eq!(n.form.token_serial, None);
        f.subscriber = String::new();
        assert_eq!(f.request(&a).unwrap().subscriber_id, None);
        f.renewal_days = "ba năm".into();
        assert_eq!(bad_field(&f.request(&a).unwrap_err()), "renewal_days");
        f.renewal_days = String::new();
        f.agency_id = "x".into();
        assert_eq!(bad_field(&f.request(&a).unwrap_err()), "agency_id");
        f.agency_id = "3".into();
        f.kind = "bogus".into();
        assert_eq!(f.request(&a).unwrap_err().code, "bad-kind");
    }
}
