//! How requests are shown: the form, the state, who did what, the
//! deadline and what may be done next; the list with filters (the
//! dossier's search and the dashboards' overdue and due-today counts).

use kyso_store::desk::{desk_event, desk_request};
use kyso_store::office::{agency, person};
use kyso_store::sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::calendar::{due_status, parse_day, DueStatus};
use super::form::RequestForm;
use super::kind::{RequestKind, Route};
use super::state::{allowed_actions, Action, State};
use crate::actor::Actor;
use crate::clock::vietnam_date;
use crate::document::iso;
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// One transition in a request's history.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EventView {
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub person_id: i64,
    pub person_name: String,
    pub note: Option<String>,
    pub at: String,
}

/// A request as shown.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RequestView {
    pub id: i64,
    pub kind: RequestKind,
    pub kind_name: String,
    pub state: State,
    pub state_name: String,
    pub route: Route,
    pub agency_id: i64,
    pub agency_name: String,
    pub subscriber_id: Option<i64>,
    pub created_by: i64,
    pub form: RequestForm,
    pub confirmed_by: Option<i64>,
    pub confirmed_at: Option<String>,
    /// What the confirming person answers for (R-MANAGER-CONFIRM).
    pub confirmation: Option<String>,
    pub sent_at: Option<String>,
    /// Last day (ISO) for the decision, when the rules set one.
    pub due_date: Option<String>,
    /// Whether it is overdue or due today (open requests only).
    pub due_status: Option<DueStatus>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<String>,
    /// Reasons of a return or refusal, or the decision's note.
    pub note: Option<String>,
    /// The certificate issued, renewed or changed.
    pub issued_serial: Option<String>,
    /// That certificate (PEM), to put on the subscriber's token.
    pub certificate_pem: Option<String>,
    pub completed_at: Option<String>,
    pub created_at: String,
    /// The request as the managing organization's letter (công văn đề
    /// nghị): its outgoing document, drafted on confirmation.
    pub letter_document_id: Option<i64>,
    /// Where that letter is in the office's two-signature flow
    /// (`submitted`, `approved`, `numbered`, `sealed`, `issued`, …).
    pub letter_state: Option<String>,
    /// The letter's number and notation once the clerk numbered it
    /// (`05/CV-STC`).
    pub letter_number: Option<String>,
    pub actions: Vec<Action>,
    pub events: Vec<EventView>,
}

/// A search of requests (every field optional).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, utoipa::IntoParams)]
pub struct RequestFilter {
    pub agency_id: Option<i64>,
    pub kind: Option<RequestKind>,
    pub state: Option<State>,
    /// Requests of this subscriber or created by this person.
    pub person_id: Option<i64>,
    /// Only open requests past their deadline.
    #[serde(default)]
    pub overdue: bool,
    /// Open requests by their deadline: `overdue` (past it), `due_today`
    /// (its last day) or `on_time` (before it).
    pub deadline: Option<DueStatus>,
    /// The subscriber's name or part of it, accents and case ignored
    /// (`nguyen thi lan` finds Nguyễn Thị Lan), or their identity number.
    pub name: Option<String>,
    /// Created on or after this ISO date.
    pub from: Option<String>,
    /// Created on or before this ISO date.
    pub to: Option<String>,
    pub limit: Option<u64>,
}

/// Requests scanned, newest first, for a search by name.
const NAME_SCAN: u64 = 20_000;

/// Roles that see an agency's requests (besides the subscriber and the
/// creator): the managing organization's.
pub const AGENCY_READERS: &[Role] = &[
    Role::Head,
    Role::Approver,
    Role::Clerk,
    Role::ItOfficer,
    Role::Auditor,
];

/// Whether `actor` may see request `r`.
pub(crate) fn may_see(actor: &Actor, r: &desk_request::Model) -> bool {
    r.created_by == actor.person_id
        || r.subscriber_id == Some(actor.person_id)
        || AGENCY_READERS
            .iter()
            .any(|role| actor.has(*role, r.agency_id))
        || actor.has_anywhere(Role::DeptAdmin)
        || actor.has_anywhere(Role::CaOperator)
}

impl Office {
    pub(crate) async fn request_view(
        &self,
        db: &impl ConnectionTrait,
        r: desk_request::Model,
    ) -> Result<RequestView> {
        let kind = RequestKind::parse(&r.kind)?;
        let state = State::parse(&r.state)?;
        let agency_name = agency::Entity::find_by_id(r.agency_id)
            .one(db)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        let events = desk_event::Entity::find()
            .filter(desk_event::Column::RequestId.eq(r.id))
            .order_by_asc(desk_event::Column::Id)
            .all(db)
            .await?;
        let mut ev = Vec::with_capacity(events.len());
        for e in events {
            let name = person::Entity::find_by_id(e.person_id)
                .one(db)
                .await?
                .map(|p| p.full_name)
                .unwrap_or_default();
            ev.push(EventView {
                action: e.action,
                from_state: e.from_state,
                to_state: e.to_state,
                person_id: e.person_id,
                person_name: name,
                note: e.note,
                at: iso(e.at),
            });
        }
        let today = vietnam_date(self.now());
        let due_status = match (&r.due_date, state) {
            (Some(d), State::Sent) => Some(due_status(parse_day(d)?, today)),
            _ => None,
        };
        let reason = r.revocation_reason.and_then(|c| {
            kyso_pki::RevocationReason::from_code(u8::try_from(c).ok()?)
                .map(|r| r.vietnamese().to_string())
        });
        let certificate_pem = match &r.issued_serial {
            Some(serial) => self.ca.store().certificate(serial).await?.and_then(|c| {
                der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &c.der).ok()
            }),
            None => None,
        };
        let letter = match r.letter_document_id {
            Some(d) => {
                kyso_store::office::document::Entity::find_by_id(d)
                    .one(db)
                    .await?
            }
            None => None,
        };
        Ok(RequestView {
            letter_document_id: r.letter_document_id,
            letter_state: letter.as_ref().map(|d| d.state.clone()),
            letter_number: letter.as_ref().and_then(crate::document::view_number_text),
            id: r.id,
            kind,
            kind_name: kind.name_vi().into(),
            state,
            state_name: state.name_vi().into(),
            route: Route::parse(&r.route)?,
            agency_id: r.agency_id,
            agency_name,
            subscriber_id: r.subscriber_id,
            created_by: r.created_by,
            form: RequestForm {
                identity_number: r.identity_number,
                full_name: r.full_name,
                position: r.position,
                email: r.email,
                phone: r.phone,
                reason: r.reason,
                token_serial: r.token_serial,
                certificate_serial: r.certificate_serial,
                revocation_reason: reason,
                renewal_days: r.renewal_days,
            },
            confirmed_by: r.confirmed_by,
            confirmed_at: r.confirmed_at.map(iso),
            confirmation: r.confirmation,
            sent_at: r.sent_at.map(iso),
            due_date: r.due_date,
            due_status,
            decided_by: r.decided_by,
            decided_at: r.decided_at.map(iso),
            note: r.note,
            issued_serial: r.issued_serial,
            certificate_pem,
            completed_at: r.completed_at.map(iso),
            created_at: iso(r.created_at),
            actions: allowed_actions(state),
            events: ev,
        })
    }

    /// Request `id` as the actor may see it.
    pub async fn desk_request(&self, actor: &Actor, id: i64) -> Result<RequestView> {
        let db = self.store.connection();
        let r = desk_request::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|r| may_see(actor, r))
            .ok_or_else(|| OfficeError::not_found("yêu cầu", "request"))?;
        self.request_view(db, r).await
    }

    /// The requests the actor may see that match `f`, newest first.
    pub async fn desk_requests(
        &self,
        actor: &Actor,
        f: &RequestFilter,
    ) -> Result<Vec<RequestView>> {
        self.guard(actor, "desk.request.list", async || {
            if let Some(a) = f.agency_id {
                if !(actor.member_of(a)
                    || actor.has_anywhere(Role::DeptAdmin)
                    || actor.has_anywhere(Role::CaOperator))
                {
                    return Err(OfficeError::forbidden(
                        "không được xem yêu cầu của cơ quan khác",
                        "the requests of another agency are not yours to see",
                    ));
                }
            }
            Ok(())
        })
        .await?;
        let db = self.store.connection();
        let mut q = desk_request::Entity::find();
        if let Some(a) = f.agency_id {
            q = q.filter(desk_request::Column::AgencyId.eq(a));
        }
        if let Some(k) = f.kind {
            q = q.filter(desk_request::Column::Kind.eq(k.code()));
        }
        if let Some(s) = f.state {
            q = q.filter(desk_request::Column::State.eq(s.code()));
        }
        if let Some(p) = f.person_id {
            q = q.filter(
                desk_request::Column::SubscriberId
                    .eq(p)
                    .or(desk_request::Column::CreatedBy.eq(p)),
            );
        }
        let day_start = |s: &str| -> Result<i64> {
            let d = parse_day(s)?;
            Ok(d.midnight()
                .assume_offset(crate::clock::VIETNAM)
                .unix_timestamp())
        };
        if let Some(from) = &f.from {
            q = q.filter(desk_request::Column::CreatedAt.gte(day_start(from)?));
        }
        if let Some(to) = &f.to {
            q = q.filter(desk_request::Column::CreatedAt.lt(day_start(to)? + 86_400));
        }
        let today = super::calendar::iso_day(vietnam_date(self.now()));
        let deadline = match (f.overdue, f.deadline) {
            (true, _) => Some(DueStatus::Overdue),
            (false, d) => d,
        };
        if let Some(d) = deadline {
            let due = desk_request::Column::DueDate;
            q = q.filter(desk_request::Column::State.eq(State::Sent.code()));
            q = match d {
                DueStatus::Overdue => q.filter(due.lt(today)),
                DueStatus::DueToday => q.filter(due.eq(today)),
                DueStatus::OnTime => q.filter(due.gt(today)),
            };
        }
        let limit = Ord::min(f.limit.unwrap_or(200), 1000);
        // A name is matched folded (accents, đ and case ignored), here
        // rather than in SQL, whose lower() differs between the backends.
        let name = f
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| (n.to_string(), crate::document::metadata::fold(n)));
        let rows = q
            .order_by_desc(desk_request::Column::Id)
            .limit(if name.is_some() { NAME_SCAN } else { limit })
            .all(db)
            .await?;
        let mut out = Vec::new();
        for r in rows.into_iter().filter(|r| may_see(actor, r)) {
            if let Some((exact, folded)) = &name {
                let hit = r.identity_number == *exact
                    || crate::document::metadata::fold(&r.full_name).contains(folded.as_str());
                if !hit {
                    continue;
                }
            }
            if out.len() as u64 >= limit {
                break;
            }
            out.push(self.request_view(db, r).await?);
        }
        Ok(out)
    }
}
