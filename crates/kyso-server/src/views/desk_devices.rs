//! The registry of key devices (tokens) on the web (issue 12 §5, §9):
//! the devices the person keeps or holds with their state and holder;
//! one device with its handovers, each with its sealed record (biên bản
//! bàn giao) to make or download; recording a handover (method, date,
//! both parties, the new holder and state), a change of state the table
//! allows, and a loss record (which revokes the certificate at once).
//! Each form is a POST calling one `kyso-office` use case; a refusal
//! comes back on the page with the office's message and what was typed.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use kyso_office::desk::device::{device_transition, DEVICE_RULES};
use kyso_office::desk::{
    DeviceState, DeviceView, DueStatus, HandoverMethod, NewDevice, NewHandover,
};
use kyso_office::{Actor, OfficeError, Role};
use serde::Deserialize;

use super::desk::message;
use super::fmt;
use super::page::{self, Chrome, Viewer};
use crate::error::WebError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk/devices", get(list).post(register))
        .route("/desk/devices/{id}", get(show))
        .route("/desk/devices/{id}/handover", post(handover))
        .route("/desk/devices/{id}/state", post(set_state))
        .route("/desk/devices/{id}/loss", post(loss))
        .route(
            "/desk/devices/{id}/handovers/{handover_id}/record",
            post(make_record),
        )
        .route(
            "/desk/devices/{id}/handovers/{handover_id}/record.pdf",
            get(record_pdf),
        )
}

const METHODS: [HandoverMethod; 3] = [
    HandoverMethod::InPerson,
    HandoverMethod::Cipher,
    HandoverMethod::Post,
];

/// Roles of an agency that keep its devices (the office's rule in
/// `desk::device`; it checks again).
const KEEPERS: &[Role] = &[Role::Head, Role::Clerk, Role::ItOfficer];
/// Roles that seal a handover record (the office's rule in `desk::record`).
const SEALERS: &[Role] = &[Role::Clerk, Role::Head];

fn registrar(a: &Actor) -> bool {
    a.has_anywhere(Role::CaOperator) || a.has_anywhere(Role::DeptAdmin)
}

fn keeps(a: &Actor, agency_id: i64) -> bool {
    registrar(a) || KEEPERS.iter().any(|r| a.has(*r, agency_id))
}

/// Names of agencies and people, looked up once a page.
struct Names {
    agencies: HashMap<i64, String>,
    people: HashMap<i64, String>,
}

impl Names {
    async fn of(s: &AppState, a: &Actor, holders: impl Iterator<Item = i64>) -> Names {
        let agencies = s
            .office
            .list_agencies(a, None)
            .await
            .map(|l| l.into_iter().map(|x| (x.id, x.name)).collect())
            .unwrap_or_default();
        let mut people = HashMap::new();
        for id in holders {
            if let std::collections::hash_map::Entry::Vacant(e) = people.entry(id) {
                if let Ok(p) = s.office.person(a, id).await {
                    e.insert(p.full_name);
                }
            }
        }
        Names { agencies, people }
    }
    fn agency(&self, id: i64) -> String {
        self.agencies
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    }
    fn person(&self, id: Option<i64>) -> String {
        id.map(|id| {
            self.people
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("#{id}"))
        })
        .unwrap_or_default()
    }
}

/// A device as a line or a page shows it.
pub struct DeviceRow {
    pub id: i64,
    pub serial: String,
    pub model: String,
    pub module: String,
    pub state_code: &'static str,
    pub state: &'static str,
    pub agency: String,
    pub holder: String,
    pub certificate: String,
    pub return_due: String,
    pub return_overdue: bool,
    pub return_today: bool,
}

impl DeviceRow {
    fn of(c: &Chrome, n: &Names, d: &DeviceView) -> DeviceRow {
        DeviceRow {
            id: d.id,
            serial: d.serial.clone(),
            model: d.model.clone(),
            module: d.module.clone(),
            state_code: d.state.code(),
            state: c.named("desk.device_state", d.state.code()),
            agency: n.agency(d.agency_id),
            holder: n.person(d.holder_id),
            certificate: d.certificate_serial.clone().unwrap_or_default(),
            return_due: d.return_due.as_deref().map(fmt::when).unwrap_or_default(),
            return_overdue: d.return_status == Some(DueStatus::Overdue),
            return_today: d.return_status == Some(DueStatus::DueToday),
        }
    }
}

// --- the registry -------------------------------------------------------------

/// What was typed in the registration form.
#[derive(Deserialize, Default, Clone)]
struct DeviceForm {
    #[serde(default)]
    serial: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    module: String,
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    holder_id: String,
}

#[derive(askama::Template)]
#[template(path = "desk_devices.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<DeviceRow>,
    can_register: bool,
    agencies: Vec<(i64, String)>,
    people: Vec<(i64, String)>,
    f: DeviceForm,
    error: Option<String>,
}

async fn list_page(
    s: &AppState,
    v: Viewer,
    f: DeviceForm,
    error: Option<(StatusCode, String)>,
) -> Response {
    let devices = match s.office.devices(&v.actor, None).await {
        Ok(d) => d,
        Err(e) => return page::error(&v.c, &e),
    };
    let names = Names::of(s, &v.actor, devices.iter().filter_map(|d| d.holder_id)).await;
    let can_register = registrar(&v.actor);
    let (agencies, people) = if can_register {
        let mut agencies: Vec<(i64, String)> = names
            .agencies
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        agencies.sort_by(|a, b| a.1.cmp(&b.1));
        let people = s
            .office
            .list_people(&v.actor, None)
            .await
            .map(|l| {
                l.into_iter()
                    .filter(|p| p.active)
                    .map(|p| (p.id, p.full_name))
                    .collect()
            })
            .unwrap_or_default();
        (agencies, people)
    } else {
        (Vec::new(), Vec::new())
    };
    let c = v.c;
    let rows = devices
        .iter()
        .map(|d| DeviceRow::of(&c, &names, d))
        .collect();
    let (status, error) = match error {
        Some((st, m)) => (st, Some(m)),
        None => (StatusCode::OK, None),
    };
    page::render(
        status,
        &ListPage {
            rows,
            can_register,
            agencies,
            people,
            f,
            error,
            c,
        },
    )
}

async fn list(State(s): State<AppState>, v: Viewer) -> Response {
    list_page(&s, v, DeviceForm::default(), None).await
}

async fn register(State(s): State<AppState>, v: Viewer, Form(f): Form<DeviceForm>) -> Response {
    let n = match f.agency_id.trim().parse::<i64>() {
        Ok(agency_id) => Ok(NewDevice {
            serial: f.serial.clone(),
            model: f.model.clone(),
            module: f.module.clone(),
            agency_id,
            holder_id: f.holder_id.trim().parse().ok(),
        }),
        Err(_) => Err(OfficeError::invalid(
            "bad-form",
            "trường agency_id: cần chọn cơ quan",
            "field agency_id: choose an agency",
        )),
    };
    let done = match n {
        Ok(n) => s.office.register_device(&v.actor, n).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(d) => page::done(&format!("/desk/devices/{}", d.id), "device-registered"),
        Err(e) => {
            let m = message(&v.c, &e);
            list_page(&s, v, f, Some((WebError::status_of(e.kind), m))).await
        }
    }
}

// --- one device ---------------------------------------------------------------

/// A handover as the page shows it.
pub struct HandoverRow {
    pub id: i64,
    pub loss: bool,
    pub method: &'static str,
    pub day: String,
    pub from: String,
    pub to: String,
    pub tracking: String,
    pub note: String,
    pub request_id: Option<i64>,
    pub has_record: bool,
}

/// What was typed in the handover and loss forms.
#[derive(Deserialize, Default, Clone)]
struct HandoverForm {
    #[serde(default)]
    method: String,
    #[serde(default)]
    tracking_number: String,
    #[serde(default)]
    handed_on: String,
    #[serde(default)]
    from_party: String,
    #[serde(default)]
    to_party: String,
    #[serde(default)]
    holder_id: String,
    #[serde(default)]
    new_state: String,
    #[serde(default)]
    request_id: String,
    #[serde(default)]
    note: String,
}

#[derive(askama::Template)]
#[template(path = "desk_device.html")]
struct DevicePage {
    c: Chrome,
    d: DeviceRow,
    handovers: Vec<HandoverRow>,
    can_keep: bool,
    can_seal: bool,
    can_lose: bool,
    methods: Vec<(&'static str, &'static str)>,
    /// States the table allows next (besides lost), for the handover and
    /// the change of state.
    next: Vec<(&'static str, &'static str)>,
    people: Vec<(i64, String)>,
    f: HandoverForm,
    today: String,
    error: Option<String>,
}

async fn device_page(
    s: &AppState,
    v: Viewer,
    id: i64,
    f: Option<HandoverForm>,
    error: Option<(StatusCode, String)>,
) -> Response {
    let d = match s.office.device(&v.actor, id).await {
        Ok(d) => d,
        Err(e) => return page::error(&v.c, &e),
    };
    let names = Names::of(s, &v.actor, d.holder_id.into_iter()).await;
    let can_keep = keeps(&v.actor, d.agency_id);
    let can_seal = SEALERS.iter().any(|r| v.actor.has(*r, d.agency_id));
    let people = if can_keep {
        s.office
            .list_people(&v.actor, Some(d.agency_id))
            .await
            .map(|l| {
                l.into_iter()
                    .filter(|p| p.active)
                    .map(|p| (p.id, p.full_name))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let today = fmt::today_iso(s.office.now());
    let c = v.c;
    let handovers = d
        .handovers
        .iter()
        .map(|h| HandoverRow {
            id: h.id,
            loss: h.kind == "loss",
            method: c.named("desk.method", &h.method),
            day: fmt::when(&h.handed_on),
            from: h.from_party.clone(),
            to: h.to_party.clone(),
            tracking: h.tracking_number.clone().unwrap_or_default(),
            note: h.note.clone().unwrap_or_default(),
            request_id: h.request_id,
            has_record: h.record_sha256.is_some(),
        })
        .collect();
    let next = DEVICE_RULES
        .iter()
        .filter(|(from, to)| *from == d.state && *to != DeviceState::Lost)
        .map(|(_, to)| (to.code(), c.named("desk.device_state", to.code())))
        .collect();
    let f = f.unwrap_or_else(|| HandoverForm {
        handed_on: today.clone(),
        ..HandoverForm::default()
    });
    let (status, error) = match error {
        Some((st, m)) => (st, Some(m)),
        None => (StatusCode::OK, None),
    };
    page::render(
        status,
        &DevicePage {
            d: DeviceRow::of(&c, &names, &d),
            handovers,
            can_keep,
            can_seal,
            can_lose: can_keep && device_transition(d.state, DeviceState::Lost).is_ok(),
            methods: METHODS
                .iter()
                .map(|m| (m.code(), c.named("desk.method", m.code())))
                .collect(),
            next,
            people,
            f,
            today,
            error,
            c,
        },
    )
}

async fn show(State(s): State<AppState>, v: Viewer, Path(id): Path<i64>) -> Response {
    device_page(&s, v, id, None, None).await
}

fn opt_id(s: &str, field: &str) -> Result<Option<i64>, OfficeError> {
    match s.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(|_| {
            OfficeError::invalid(
                "bad-form",
                format!("trường {field}: không hợp lệ"),
                format!("field {field}: not valid"),
            )
        }),
    }
}

fn device_state(s: &str) -> Result<Option<DeviceState>, OfficeError> {
    match s.trim() {
        "" => Ok(None),
        t => DeviceState::parse(t).map(Some),
    }
}

impl HandoverForm {
    fn handover(&self) -> Result<NewHandover, OfficeError> {
        let method = METHODS
            .into_iter()
            .find(|m| m.code() == self.method.trim())
            .ok_or_else(|| {
                OfficeError::invalid(
                    "bad-form",
                    "trường method: cần chọn hình thức bàn giao",
                    "field method: choose how the device was handed over",
                )
            })?;
        let text = |s: &str| {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_string())
        };
        Ok(NewHandover {
            method,
            tracking_number: text(&self.tracking_number),
            handed_on: self.handed_on.clone(),
            from_party: self.from_party.clone(),
            to_party: self.to_party.clone(),
            holder_id: opt_id(&self.holder_id, "holder_id")?,
            new_state: device_state(&self.new_state)?,
            request_id: opt_id(&self.request_id, "request_id")?,
            note: text(&self.note),
        })
    }
}

/// After an action on device `id`: back to its page, or the page again
/// with the refusal and what was typed.
async fn after(
    s: &AppState,
    v: Viewer,
    id: i64,
    done: Result<DeviceView, OfficeError>,
    ok: &str,
    f: HandoverForm,
) -> Response {
    match done {
        Ok(_) => page::done(&format!("/desk/devices/{id}"), ok),
        Err(e) => {
            let m = message(&v.c, &e);
            device_page(s, v, id, Some(f), Some((WebError::status_of(e.kind), m))).await
        }
    }
}

async fn handover(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<HandoverForm>,
) -> Response {
    let done = match f.handover() {
        Ok(h) => s.office.record_handover(&v.actor, id, h).await,
        Err(e) => Err(e),
    };
    after(&s, v, id, done, "handover-recorded", f).await
}

async fn set_state(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<HandoverForm>,
) -> Response {
    let done = match device_state(&f.new_state) {
        Ok(Some(to)) => s.office.set_device_state(&v.actor, id, to).await,
        Ok(None) => Err(OfficeError::invalid(
            "bad-form",
            "trường new_state: cần chọn trạng thái mới",
            "field new_state: choose the new state",
        )),
        Err(e) => Err(e),
    };
    after(&s, v, id, done, "device-state", f).await
}

async fn loss(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<HandoverForm>,
) -> Response {
    let done = s
        .office
        .report_loss(&v.actor, id, &f.handed_on, &f.note)
        .await;
    after(&s, v, id, done, "loss-recorded", f).await
}

async fn make_record(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, handover_id)): Path<(i64, i64)>,
) -> Response {
    match s.office.handover_record(&v.actor, id, handover_id).await {
        Ok(_) => page::done(&format!("/desk/devices/{id}"), "record-made"),
        Err(e) => {
            let m = message(&v.c, &e);
            let st = WebError::status_of(e.kind);
            device_page(&s, v, id, None, Some((st, m))).await
        }
    }
}

async fn record_pdf(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, handover_id)): Path<(i64, i64)>,
) -> Response {
    match s
        .office
        .kept_handover_record(&v.actor, id, handover_id)
        .await
    {
        Ok(pdf) => page::download(
            &format!("bien-ban-ban-giao-{id}-{handover_id}.pdf"),
            "application/pdf",
            pdf,
        ),
        Err(e) => page::error(&v.c, &e),
    }
}
