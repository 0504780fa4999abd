//! Creating a request and moving it through the table of [`super::state`]:
//! confirm or return (managing organization), resubmit or cancel (its
//! creator), send (the organization's clerk or head), refuse (the CA or
//! department) and complete. Approval, which acts through the CA, is in
//! [`super::decision`].

use kyso_store::desk::{desk_event, desk_request};
use kyso_store::office::{membership, person};
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::calendar::iso_day;
use super::form::RequestForm;
use super::kind::{RequestKind, Route};
use super::state::{transition, Action, Party, Rule, State};
use super::view::RequestView;
use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::clock::vietnam_date;
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// A new request.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NewRequest {
    pub kind: RequestKind,
    /// The subscriber's agency (its managing organization confirms).
    pub agency_id: i64,
    /// The subscriber's account; `None` with the managing organization
    /// filing for someone without one (or for the organization's seal).
    #[serde(default)]
    pub subscriber_id: Option<i64>,
    pub form: RequestForm,
}

/// Roles that may file a request on someone else's behalf.
const ON_BEHALF: &[Role] = &[Role::Head, Role::Clerk, Role::ItOfficer];

/// Reasons (return, refusal) must be written.
fn reasons(note: &str) -> Result<String> {
    let t = note.trim();
    let control = t
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
    if t.is_empty() || t.chars().count() > 2000 || control {
        return Err(OfficeError::invalid(
            "reasons-required",
            "cần nêu lý do bằng văn bản (tối đa 2000 ký tự)",
            "written reasons are required (at most 2000 characters)",
        ));
    }
    Ok(t.to_string())
}

/// What the confirming person answers for (R-MANAGER-CONFIRM).
pub(crate) fn confirmation_text(actor: &Actor, r: &desk_request::Model) -> String {
    let position = actor
        .memberships
        .iter()
        .find(|m| m.agency_id == r.agency_id && m.position.is_some())
        .and_then(|m| m.position.clone())
        .unwrap_or_default();
    format!(
        "Tôi, {}{}, xác nhận các thông tin trong yêu cầu số {} là chính xác và chịu trách nhiệm về tính chính xác của các thông tin này.",
        actor.full_name,
        if position.is_empty() { String::new() } else { format!(", {position}") },
        r.id
    )
}

/// A request back with its creator: its confirmation and its letter no
/// longer hold (the history keeps both); confirming it again drafts a new
/// letter.
pub(crate) fn unconfirm(a: &mut desk_request::ActiveModel) {
    a.confirmed_by = Set(None);
    a.confirmed_at = Set(None);
    a.confirmation = Set(None);
    a.letter_document_id = Set(None);
}

/// Which party the actor is for `rule` on `r`, and their role, or the
/// refusal. The creator of a request is never its manager or receiver.
pub(crate) fn party_of(
    actor: &Actor,
    r: &desk_request::Model,
    rule: &Rule,
) -> Result<(Party, Option<Role>)> {
    let creator = actor.person_id == r.created_by;
    let mut own = false;
    for p in rule.parties {
        match p {
            Party::Creator if creator => return Ok((*p, None)),
            Party::Creator => {}
            Party::Manager | Party::Sender => {
                if let Ok(m) = actor.require_any(p.roles(), r.agency_id) {
                    if *p == Party::Manager && creator {
                        own = true;
                    } else {
                        return Ok((*p, Some(m.role)));
                    }
                }
            }
            Party::Receiver => {
                let role = receiver_role(Route::parse(&r.route)?);
                if actor.has_anywhere(role) {
                    if creator {
                        own = true;
                    } else {
                        return Ok((*p, Some(role)));
                    }
                }
            }
        }
    }
    if own {
        return Err(OfficeError::forbidden(
            format!(
                "người tạo yêu cầu không được tự {} yêu cầu của mình",
                rule.action.name_vi()
            ),
            format!(
                "the creator of a request may not {} it",
                rule.action.name_en()
            ),
        ));
    }
    let mut vi = Vec::new();
    let mut en = Vec::new();
    for p in rule.parties {
        match p {
            Party::Creator => {
                vi.push("người tạo yêu cầu".to_string());
                en.push("the request's creator".to_string());
            }
            Party::Receiver => {
                let role = receiver_role(Route::parse(&r.route)?);
                vi.push(role.name_vi().to_string());
                en.push(role.name_en().to_string());
            }
            _ => {
                for role in p.roles() {
                    vi.push(format!("{} của cơ quan quản lý", role.name_vi()));
                    en.push(format!("{} of the managing organization", role.name_en()));
                }
            }
        }
    }
    Err(OfficeError::forbidden(
        format!(
            "chỉ {} được {} yêu cầu này",
            vi.join(", "),
            rule.action.name_vi()
        ),
        format!(
            "only {} may {} this request",
            en.join(", "),
            rule.action.name_en()
        ),
    ))
}

/// Who decides requests sent along `route`.
pub fn receiver_role(route: Route) -> Role {
    match route {
        Route::Ca => Role::CaOperator,
        Route::Department => Role::DeptAdmin,
    }
}

/// Request `id` locked for update (`FOR UPDATE` on PostgreSQL), or
/// not-found when the actor may not see it.
pub(crate) async fn request_for_update(
    tx: &DatabaseTransaction,
    actor: &Actor,
    id: i64,
) -> Result<desk_request::Model> {
    use kyso_store::sea_orm::QuerySelect;
    let mut q = desk_request::Entity::find_by_id(id);
    if tx.get_database_backend() == kyso_store::sea_orm::DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    q.one(tx)
        .await?
        .filter(|r| super::view::may_see(actor, r))
        .ok_or_else(|| OfficeError::not_found("yêu cầu", "request"))
}

/// One transition as logged: what was done, the state it led to, in
/// which role, with what note.
pub(crate) struct Step<'a> {
    pub action: &'a str,
    pub to: State,
    pub role: Option<Role>,
    pub note: Option<String>,
}

/// Who answers for a transition: the party the table names (checked
/// against the actor), or a use case of the office that already checked
/// the actor in this role (the letter's issue or return).
#[derive(Clone, Copy, Debug)]
pub(crate) enum By {
    Party,
    Office(Role),
}

/// Appends the history row and the audit entry of transition `step` of `r`.
pub(crate) async fn log_step(
    tx: &DatabaseTransaction,
    actor: &Actor,
    r: &desk_request::Model,
    step: Step<'_>,
    now: time::OffsetDateTime,
) -> Result<()> {
    let Step {
        action,
        to,
        role,
        note,
    } = step;
    desk_event::ActiveModel {
        request_id: Set(r.id),
        action: Set(action.into()),
        from_state: Set(r.state.clone()),
        to_state: Set(to.code().into()),
        person_id: Set(actor.person_id),
        note: Set(note),
        at: Set(now.unix_timestamp()),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    let audit_action = format!("desk.request.{action}");
    let mut e = Entry::new(&audit_action, "desk_request", r.id)
        .agency(r.agency_id)
        .detail(format!("{} → {}", r.state, to.code()));
    if let Some(role) = role {
        e = e.role(role);
    }
    record(tx, actor, e, now).await
}

async fn is_member(db: &impl ConnectionTrait, person_id: i64, agency_id: i64) -> Result<bool> {
    Ok(membership::Entity::find()
        .filter(membership::Column::PersonId.eq(person_id))
        .filter(membership::Column::AgencyId.eq(agency_id))
        .one(db)
        .await?
        .is_some())
}

impl Office {
    /// Files a request (R-SUBSCRIBER): by the subscriber for themselves,
    /// or by their managing organization (head, clerk, IT officer) on their
    /// behalf — only for people of the actor's own agency.
    pub async fn create_request(&self, actor: &Actor, n: NewRequest) -> Result<RequestView> {
        self.guard(actor, "desk.request.create", async || {
            actor.require_scope(Scope::Write)?;
            let checked = n.form.check(n.kind)?;
            if !actor.member_of(n.agency_id) {
                return Err(OfficeError::forbidden(
                    "chỉ được lập yêu cầu cho người thuộc cơ quan của mình",
                    "requests are filed only for people of one's own agency",
                ));
            }
            let for_self = n.subscriber_id == Some(actor.person_id)
                && n.kind != RequestKind::IssueOrganization;
            if !for_self {
                actor.require_any(ON_BEHALF, n.agency_id).map_err(|_| {
                    OfficeError::forbidden(
                        "chỉ thủ trưởng, văn thư hoặc cán bộ CNTT của cơ quan được lập yêu cầu thay người khác hoặc cho con dấu của cơ quan",
                        "only the agency's head, clerk or IT officer may file for someone else or for the agency's seal",
                    )
                })?;
            }
            let now = self.now();
            let id = self
                .store
                .write(async |tx| {
                    if let Some(s) = n.subscriber_id {
                        if person::Entity::find_by_id(s).one(tx).await?.is_none()
                            || !is_member(tx, s, n.agency_id).await?
                        {
                            return Err(OfficeError::forbidden(
                                "người đề nghị không thuộc cơ quan này",
                                "the subscriber does not belong to this agency",
                            ));
                        }
                    }
                    if let Some(serial) = &checked.form.certificate_serial {
                        let known = self.ca.store().certificate(serial).await?;
                        if known.is_none() {
                            return Err(OfficeError::invalid(
                                "unknown-certificate",
                                format!("không có chứng thư số với số hiệu {serial}"),
                                format!("no certificate with serial {serial}"),
                            ));
                        }
                    }
                    let f = &checked.form;
                    let r = desk_request::ActiveModel {
                        kind: Set(n.kind.code().into()),
                        state: Set(State::Submitted.code().into()),
                        route: Set(n.kind.route().code().into()),
                        agency_id: Set(n.agency_id),
                        subscriber_id: Set(n.subscriber_id),
                        created_by: Set(actor.person_id),
                        identity_number: Set(f.identity_number.clone()),
                        full_name: Set(f.full_name.clone()),
                        position: Set(f.position.clone()),
                        email: Set(f.email.clone()),
                        phone: Set(f.phone.clone()),
                        reason: Set(f.reason.clone()),
                        token_serial: Set(f.token_serial.clone()),
                        certificate_serial: Set(f.certificate_serial.clone()),
                        revocation_reason: Set(checked.reason_code),
                        renewal_days: Set(f.renewal_days),
                        created_at: Set(now.unix_timestamp()),
                        updated_at: Set(now.unix_timestamp()),
                        ..Default::default()
                    }
                    .insert(tx)
                    .await?;
                    let mut created = r.clone();
                    created.state = String::new();
                    log_step(
                        tx,
                        actor,
                        &created,
                        Step {
                            action: "create",
                            to: State::Submitted,
                            role: None,
                            note: None,
                        },
                        now,
                    )
                        .await?;
                    Ok(r.id)
                })
                .await?;
            self.desk_request(actor, id).await
        })
        .await
    }

    /// One transition of request `id` by `actor`: checks the table and
    /// the party, applies `change`, logs it; all in one transaction.
    pub(crate) async fn desk_step(
        &self,
        actor: &Actor,
        id: i64,
        action: Action,
        note: Option<String>,
        change: impl AsyncFnOnce(
            &DatabaseTransaction,
            &desk_request::Model,
            &mut desk_request::ActiveModel,
            time::OffsetDateTime,
        ) -> Result<()>,
    ) -> Result<RequestView> {
        let audit = format!("desk.request.{}", action.code());
        self.guard(actor, &audit, async || {
            actor.require_scope(Scope::Write)?;
            let now = self.now();
            self.store
                .write(async |tx| {
                    let r = request_for_update(tx, actor, id).await?;
                    self.desk_step_in(tx, actor, r, action, By::Party, note.clone(), change, now)
                        .await
                })
                .await?;
            self.desk_request(actor, id).await
        })
        .await
    }

    /// [`Office::desk_step`] on request `r`, already locked in `tx` (also
    /// for a use case of another module that moves a request as part of
    /// its own transaction: issuing the request's letter sends it,
    /// returning the letter returns it).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn desk_step_in(
        &self,
        tx: &DatabaseTransaction,
        actor: &Actor,
        r: desk_request::Model,
        action: Action,
        by: By,
        note: Option<String>,
        change: impl AsyncFnOnce(
            &DatabaseTransaction,
            &desk_request::Model,
            &mut desk_request::ActiveModel,
            time::OffsetDateTime,
        ) -> Result<()>,
        now: time::OffsetDateTime,
    ) -> Result<()> {
        let rule = transition(State::parse(&r.state)?, action)?;
        let role = match by {
            By::Party => party_of(actor, &r, rule)?.1,
            By::Office(role) => Some(role),
        };
        let mut a: desk_request::ActiveModel = r.clone().into();
        change(tx, &r, &mut a, now).await?;
        a.state = Set(rule.to.code().into());
        a.updated_at = Set(now.unix_timestamp());
        a.update(tx).await?;
        let step = Step {
            action: action.code(),
            to: rule.to,
            role,
            note,
        };
        log_step(tx, actor, &r, step, now).await
    }

    /// Request `id` as `actor` sees it, refused now (before any slow
    /// work outside the transaction) unless `action` is allowed to them.
    pub(crate) async fn desk_precheck(
        &self,
        actor: &Actor,
        id: i64,
        action: Action,
    ) -> Result<desk_request::Model> {
        let r = desk_request::Entity::find_by_id(id)
            .one(self.store.connection())
            .await?
            .filter(|r| super::view::may_see(actor, r))
            .ok_or_else(|| OfficeError::not_found("yêu cầu", "request"))?;
        let rule = transition(State::parse(&r.state)?, action)?;
        party_of(actor, &r, rule)?;
        Ok(r)
    }

    /// The managing organization confirms request `id`; the confirming
    /// person is recorded as answering for the accuracy of the form
    /// (R-MANAGER-CONFIRM), and the request becomes the organization's
    /// letter to the CA or the department (see [`super::letter`]),
    /// submitted to its approvers for signature in the same transaction.
    pub async fn confirm_request(&self, actor: &Actor, id: i64) -> Result<RequestView> {
        let letter = self
            .guard(actor, "desk.request.confirm", async || {
                actor.require_scope(Scope::Write)?;
                let r = self.desk_precheck(actor, id, Action::Confirm).await?;
                self.prepare_letter(actor, &r).await
            })
            .await?;
        self.desk_step(actor, id, Action::Confirm, None, async |tx, r, a, now| {
            let letter_id = self.insert_letter(tx, actor, r, &letter, now).await?;
            a.confirmed_by = Set(Some(actor.person_id));
            a.confirmed_at = Set(Some(now.unix_timestamp()));
            a.confirmation = Set(Some(confirmation_text(actor, r)));
            a.letter_document_id = Set(Some(letter_id));
            Ok(())
        })
        .await
    }

    /// The managing organization returns request `id` with written reasons.
    /// A confirmed request goes back only without a letter on its way:
    /// while the letter is with the approver, returning the letter
    /// returns the request (see [`super::letter`]).
    pub async fn return_request(&self, actor: &Actor, id: i64, note: &str) -> Result<RequestView> {
        let why = reasons(note)?;
        self.desk_step(
            actor,
            id,
            Action::Return,
            Some(why.clone()),
            async |tx, r, a, _| {
                if State::parse(&r.state)? == State::Confirmed {
                    self.require_no_letter_pending(tx, r).await?;
                }
                a.note = Set(Some(why.clone()));
                unconfirm(a);
                Ok(())
            },
        )
        .await
    }

    /// The creator sends a returned request again, with the form corrected.
    pub async fn resubmit_request(
        &self,
        actor: &Actor,
        id: i64,
        form: Option<RequestForm>,
    ) -> Result<RequestView> {
        self.desk_step(actor, id, Action::Resubmit, None, async |_, r, a, _| {
            if let Some(f) = &form {
                let c = f.check(RequestKind::parse(&r.kind)?)?;
                let f = c.form;
                a.identity_number = Set(f.identity_number);
                a.full_name = Set(f.full_name);
                a.position = Set(f.position);
                a.email = Set(f.email);
                a.phone = Set(f.phone);
                a.reason = Set(f.reason);
                a.token_serial = Set(f.token_serial);
                a.certificate_serial = Set(f.certificate_serial);
                a.revocation_reason = Set(c.reason_code);
                a.renewal_days = Set(f.renewal_days);
            }
            a.note = Set(None);
            Ok(())
        })
        .await
    }

    /// The creator cancels a request not yet confirmed.
    pub async fn cancel_request(&self, actor: &Actor, id: i64) -> Result<RequestView> {
        self.desk_step(actor, id, Action::Cancel, None, async |_, _, _, _| Ok(()))
            .await
    }

    /// The managing organization sends a confirmed request to the CA or
    /// the department (as its kind routes it); the deadline starts. The
    /// request travels as its letter: sending needs the letter issued —
    /// and issuing the letter sends the request by itself (see
    /// [`super::letter`]), so this is left for a request whose
    /// letter was issued without sending it, and otherwise says what is
    /// missing.
    pub async fn send_request(&self, actor: &Actor, id: i64) -> Result<RequestView> {
        self.desk_step(actor, id, Action::Send, None, async |tx, r, a, now| {
            self.require_letter_issued(tx, r).await?;
            self.start_deadline(tx, r, a, now).await
        })
        .await
    }

    /// Sending: the time, and the deadline in working days from it.
    pub(crate) async fn start_deadline(
        &self,
        tx: &DatabaseTransaction,
        r: &desk_request::Model,
        a: &mut desk_request::ActiveModel,
        now: time::OffsetDateTime,
    ) -> Result<()> {
        let kind = RequestKind::parse(&r.kind)?;
        a.sent_at = Set(Some(now.unix_timestamp()));
        let due = match kind.deadline_days() {
            Some(n) => {
                let cal = self.desk_calendar(tx).await?;
                Some(iso_day(cal.add_working_days(vietnam_date(now), n)))
            }
            None => None,
        };
        a.due_date = Set(due);
        Ok(())
    }

    /// The CA or department refuses request `id` in writing with reasons.
    pub async fn refuse_request(&self, actor: &Actor, id: i64, note: &str) -> Result<RequestView> {
        let why = reasons(note)?;
        self.desk_step(
            actor,
            id,
            Action::Refuse,
            Some(why.clone()),
            async |_, _, a, now| {
                a.note = Set(Some(why.clone()));
                a.decided_by = Set(Some(actor.person_id));
                a.decided_at = Set(Some(now.unix_timestamp()));
                Ok(())
            },
        )
        .await
    }

    /// An approved request is completed (certificate and device handed over).
    pub async fn complete_request(
        &self,
        actor: &Actor,
        id: i64,
        note: Option<String>,
    ) -> Result<RequestView> {
        self.desk_step(actor, id, Action::Complete, note, async |_, _, a, now| {
            a.completed_at = Set(Some(now.unix_timestamp()));
            Ok(())
        })
        .await
    }
}
