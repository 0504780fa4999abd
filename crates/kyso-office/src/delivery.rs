//! Receiving (văn bản đến) with the status codes of DESIGN §9: 01 arrived,
//! 02 rejected, 03 received and registered, 04 assigned, 05 processing,
//! 06 completed; recall: 13 requested by the sender, 15 accepted (the
//! document is frozen at the receiver: no further processing), 16 refused.
//! The transitions are a table, like the document's; the sender reads
//! every recipient's events with who and when.

use kyso_store::office::{
    agency, delivery, delivery_event, document, document_file, person, register_entry,
};
use kyso_store::sea_orm::sea_query::ExprTrait;
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::document::iso;
use crate::document::metadata::{clean_text, fold};
use crate::document::FileView;
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

pub const ARRIVED: &str = "01";
pub const REJECTED: &str = "02";
pub const REGISTERED: &str = "03";
pub const ASSIGNED: &str = "04";
pub const PROCESSING: &str = "05";
pub const COMPLETED: &str = "06";
pub const RECALL_REQUESTED: &str = "13";
pub const RECALL_ACCEPTED: &str = "15";
pub const RECALL_REFUSED: &str = "16";

/// Vietnamese name of a status code.
pub fn status_name_vi(code: &str) -> &'static str {
    match code {
        ARRIVED => "Đã đến",
        REJECTED => "Từ chối tiếp nhận",
        REGISTERED => "Đã tiếp nhận, vào sổ",
        ASSIGNED => "Đã phân công",
        PROCESSING => "Đang xử lý",
        COMPLETED => "Hoàn thành",
        RECALL_REQUESTED => "Bên gửi yêu cầu thu hồi",
        RECALL_ACCEPTED => "Đồng ý thu hồi",
        RECALL_REFUSED => "Từ chối thu hồi",
        _ => "Không rõ",
    }
}

/// English name of a status code.
pub fn status_name_en(code: &str) -> &'static str {
    match code {
        ARRIVED => "arrived",
        REJECTED => "rejected",
        REGISTERED => "received and registered",
        ASSIGNED => "assigned",
        PROCESSING => "processing",
        COMPLETED => "completed",
        RECALL_REQUESTED => "recall requested",
        RECALL_ACCEPTED => "recall accepted",
        RECALL_REFUSED => "recall refused",
        _ => "unknown",
    }
}

/// What a recipient does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryAction {
    Register,
    Reject,
    Assign,
    Process,
    Complete,
    AcceptRecall,
    RefuseRecall,
}

impl DeliveryAction {
    pub const ALL: [DeliveryAction; 7] = [
        DeliveryAction::Register,
        DeliveryAction::Reject,
        DeliveryAction::Assign,
        DeliveryAction::Process,
        DeliveryAction::Complete,
        DeliveryAction::AcceptRecall,
        DeliveryAction::RefuseRecall,
    ];
    fn name_vi(self) -> &'static str {
        match self {
            DeliveryAction::Register => "vào sổ",
            DeliveryAction::Reject => "từ chối",
            DeliveryAction::Assign => "phân công",
            DeliveryAction::Process => "xử lý",
            DeliveryAction::Complete => "hoàn thành",
            DeliveryAction::AcceptRecall => "đồng ý thu hồi",
            DeliveryAction::RefuseRecall => "từ chối thu hồi",
        }
    }
    fn name_en(self) -> &'static str {
        match self {
            DeliveryAction::Register => "register",
            DeliveryAction::Reject => "reject",
            DeliveryAction::Assign => "assign",
            DeliveryAction::Process => "process",
            DeliveryAction::Complete => "complete",
            DeliveryAction::AcceptRecall => "accept the recall of",
            DeliveryAction::RefuseRecall => "refuse the recall of",
        }
    }
}

/// Who may take a delivery action: the recipient agency's clerk or head,
/// or the person it is assigned to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    ClerkOrHead,
    AssigneeOrHead,
}

/// `(from, action) → to` for a recipient.
pub const DELIVERY_RULES: &[(&str, DeliveryAction, &str, Who)] = &[
    (
        ARRIVED,
        DeliveryAction::Register,
        REGISTERED,
        Who::ClerkOrHead,
    ),
    (ARRIVED, DeliveryAction::Reject, REJECTED, Who::ClerkOrHead),
    (
        REGISTERED,
        DeliveryAction::Assign,
        ASSIGNED,
        Who::ClerkOrHead,
    ),
    (ASSIGNED, DeliveryAction::Assign, ASSIGNED, Who::ClerkOrHead),
    (
        ASSIGNED,
        DeliveryAction::Process,
        PROCESSING,
        Who::AssigneeOrHead,
    ),
    (
        ASSIGNED,
        DeliveryAction::Complete,
        COMPLETED,
        Who::AssigneeOrHead,
    ),
    (
        PROCESSING,
        DeliveryAction::Complete,
        COMPLETED,
        Who::AssigneeOrHead,
    ),
    (
        RECALL_REQUESTED,
        DeliveryAction::AcceptRecall,
        RECALL_ACCEPTED,
        Who::ClerkOrHead,
    ),
    // Refusing a recall returns to where the delivery was (recorded as 16).
    (
        RECALL_REQUESTED,
        DeliveryAction::RefuseRecall,
        RECALL_REFUSED,
        Who::ClerkOrHead,
    ),
];

/// The statuses from which a sender may recall.
pub const RECALLABLE: &[&str] = &[ARRIVED, REGISTERED, ASSIGNED, PROCESSING, COMPLETED];

/// The rule for `action` in `from`, or the refusal naming the status.
pub fn delivery_transition(from: &str, action: DeliveryAction) -> Result<(&'static str, Who)> {
    DELIVERY_RULES
        .iter()
        .find(|(f, a, _, _)| *f == from && *a == action)
        .map(|(_, _, to, who)| (*to, *who))
        .ok_or_else(|| {
            OfficeError::conflict(
                "wrong-status",
                format!(
                    "không thể {} văn bản đến ở trạng thái \"{}\" ({from})",
                    action.name_vi(),
                    status_name_vi(from)
                ),
                format!(
                    "cannot {} an incoming document whose status is {} ({from})",
                    action.name_en(),
                    status_name_en(from)
                ),
            )
        })
}

/// One status event.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EventView {
    pub status: String,
    pub status_name: String,
    pub at: String,
    pub person_id: Option<i64>,
    pub note: Option<String>,
}

pub(crate) fn event_view(e: &delivery_event::Model) -> EventView {
    EventView {
        status: e.status.clone(),
        status_name: status_name_vi(&e.status).into(),
        at: iso(e.at),
        person_id: e.person_id,
        note: e.note.clone(),
    }
}

/// An incoming document at one recipient.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct IncomingView {
    pub id: i64,
    pub document_id: i64,
    /// The recipient agency.
    pub agency_id: i64,
    pub sender_id: i64,
    pub sender_code: String,
    pub sender_name: String,
    pub status: String,
    pub status_name: String,
    pub frozen: bool,
    pub sent_at: String,
    pub arrived_at: String,
    /// The verification on arrival: TOTAL-PASSED, INDETERMINATE, TOTAL-FAILED.
    pub verification: String,
    pub verification_sha256: Option<String>,
    pub number_text: Option<String>,
    pub type_name: String,
    pub subject: String,
    pub priority: String,
    pub due_date: Option<String>,
    pub issued_date: Option<String>,
    pub signer_name: Option<String>,
    pub incoming_number: Option<i64>,
    pub incoming_year: Option<i32>,
    pub assigned_person_id: Option<i64>,
    pub assigned_unit: Option<String>,
    pub reason: Option<String>,
    pub replaces_document_id: Option<i64>,
    pub relation: Option<String>,
    /// The issued file and the sealed attachments.
    pub files: Vec<FileView>,
    pub events: Vec<EventView>,
}

/// Filter of the incoming queue.
#[derive(Clone, Debug, Default, Deserialize, ToSchema, utoipa::IntoParams)]
pub struct InboxFilter {
    pub agency_id: Option<i64>,
    /// Status code, e.g. `01`.
    pub status: Option<String>,
    pub q: Option<String>,
    pub before_id: Option<i64>,
    pub limit: Option<u64>,
}

/// An assignment.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct Assignment {
    pub person_id: Option<i64>,
    pub unit: Option<String>,
    pub note: Option<String>,
}

/// Roles that read an agency's incoming documents.
pub(crate) const INCOMING_READERS: &[Role] = &[
    Role::Clerk,
    Role::Head,
    Role::Approver,
    Role::Drafter,
    Role::Auditor,
];

impl Office {
    async fn delivery_model(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
        id: i64,
        lock: bool,
    ) -> Result<delivery::Model> {
        let mut q = delivery::Entity::find_by_id(id);
        if lock && db.get_database_backend() == kyso_store::sea_orm::DbBackend::Postgres {
            q = q.lock_exclusive();
        }
        let d = q
            .one(db)
            .await?
            .ok_or_else(|| OfficeError::not_found("văn bản đến", "incoming document"))?;
        let visible = INCOMING_READERS.iter().any(|r| actor.has(*r, d.agency_id))
            || d.assigned_person_id == Some(actor.person_id);
        if !visible {
            return Err(OfficeError::not_found("văn bản đến", "incoming document"));
        }
        Ok(d)
    }

    pub(crate) async fn incoming_view(
        &self,
        db: &impl ConnectionTrait,
        dl: delivery::Model,
    ) -> Result<IncomingView> {
        let d = document::Entity::find_by_id(dl.document_id)
            .one(db)
            .await?
            .ok_or_else(|| OfficeError::internal("delivery", "document missing"))?;
        let sender = agency::Entity::find_by_id(d.agency_id).one(db).await?;
        let files = document_file::Entity::find()
            .filter(document_file::Column::DocumentId.eq(d.id))
            .filter(document_file::Column::Role.is_in([
                "sealed",
                "attachment-sealed",
                "attachment-signature",
                "attachment",
                "verification",
            ]))
            .order_by_asc(document_file::Column::Id)
            .all(db)
            .await?;
        let view = self.document_view(db, d.clone()).await?;
        let shown: Vec<FileView> = view
            .files
            .into_iter()
            .filter(|f| files.iter().any(|x| x.id == f.id))
            .collect();
        let events = delivery_event::Entity::find()
            .filter(delivery_event::Column::DeliveryId.eq(dl.id))
            .order_by_asc(delivery_event::Column::Id)
            .all(db)
            .await?
            .iter()
            .map(event_view)
            .collect();
        Ok(IncomingView {
            id: dl.id,
            document_id: d.id,
            agency_id: dl.agency_id,
            sender_id: d.agency_id,
            sender_code: sender.as_ref().map(|s| s.code.clone()).unwrap_or_default(),
            sender_name: sender.map(|s| s.name).unwrap_or_default(),
            status_name: status_name_vi(&dl.status).into(),
            status: dl.status.clone(),
            frozen: dl.frozen,
            sent_at: iso(dl.sent_at),
            arrived_at: iso(dl.arrived_at),
            verification: dl.verification.clone(),
            verification_sha256: dl.verification_sha256.clone(),
            number_text: crate::document::view_number_text(&d),
            type_name: d.type_name.clone(),
            subject: d.subject.clone(),
            priority: d.priority.clone(),
            due_date: d.due_date.clone(),
            issued_date: d.issued_date.clone(),
            signer_name: d.signer_name.clone(),
            incoming_number: dl.incoming_number,
            incoming_year: dl.incoming_year,
            assigned_person_id: dl.assigned_person_id,
            assigned_unit: dl.assigned_unit.clone(),
            reason: dl.reason.clone(),
            replaces_document_id: d.replaces_id,
            relation: d.relation.clone(),
            files: shown,
            events,
        })
    }

    /// The incoming queue of the actor's agencies (or one of them).
    pub async fn inbox(&self, actor: &Actor, f: &InboxFilter) -> Result<Vec<IncomingView>> {
        actor.require_scope(Scope::Read)?;
        let visible: Vec<i64> = actor
            .memberships
            .iter()
            .filter(|m| INCOMING_READERS.contains(&m.role))
            .map(|m| m.agency_id)
            .collect();
        let agencies = match f.agency_id {
            Some(a) if visible.contains(&a) => vec![a],
            Some(_) => {
                return Err(OfficeError::forbidden(
                    "chỉ xem được văn bản đến của cơ quan mình",
                    "you may only list your own agencies' incoming documents",
                ))
            }
            None => visible,
        };
        let db = self.store.connection();
        let mut q = delivery::Entity::find()
            .filter(
                delivery::Column::AgencyId
                    .is_in(agencies)
                    .or(delivery::Column::AssignedPersonId.eq(actor.person_id)),
            )
            .order_by_desc(delivery::Column::Id);
        if let Some(s) = &f.status {
            q = q.filter(delivery::Column::Status.eq(s.as_str()));
        }
        if let Some(b) = f.before_id {
            q = q.filter(delivery::Column::Id.lt(b));
        }
        let limit = f.limit.unwrap_or(50).clamp(1, 500);
        let needle = f.q.as_deref().map(fold).filter(|s| !s.is_empty());
        let rows = q
            .limit(if needle.is_some() { 2_000 } else { limit })
            .all(db)
            .await?;
        let mut out = Vec::new();
        for dl in rows {
            let v = self.incoming_view(db, dl).await?;
            if needle.as_ref().is_none_or(|n| {
                fold(&v.subject).contains(n.as_str())
                    || fold(&v.sender_name).contains(n.as_str())
                    || v.number_text
                        .as_deref()
                        .is_some_and(|t| fold(t).contains(n.as_str()))
            }) {
                out.push(v);
                if out.len() as u64 >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// One incoming document.
    pub async fn incoming(&self, actor: &Actor, id: i64) -> Result<IncomingView> {
        actor.require_scope(Scope::Read)?;
        let db = self.store.connection();
        let dl = self.delivery_model(db, actor, id, false).await?;
        self.incoming_view(db, dl).await
    }

    /// Appends a status event in `tx`.
    pub(crate) async fn delivery_event(
        &self,
        tx: &DatabaseTransaction,
        delivery_id: i64,
        status: &str,
        person_id: Option<i64>,
        note: Option<String>,
        at: i64,
    ) -> Result<()> {
        delivery_event::ActiveModel {
            delivery_id: Set(delivery_id),
            status: Set(status.into()),
            at: Set(at),
            person_id: Set(person_id),
            note: Set(note),
            ..Default::default()
        }
        .insert(tx)
        .await?;
        Ok(())
    }

    /// Takes a recipient's action on delivery `id`.
    pub async fn act_on_incoming(
        &self,
        actor: &Actor,
        id: i64,
        action: DeliveryAction,
        reason: Option<&str>,
        assignment: Option<Assignment>,
    ) -> Result<IncomingView> {
        let audit_action = match action {
            DeliveryAction::Register => "incoming.register",
            DeliveryAction::Reject => "incoming.reject",
            DeliveryAction::Assign => "incoming.assign",
            DeliveryAction::Process => "incoming.process",
            DeliveryAction::Complete => "incoming.complete",
            DeliveryAction::AcceptRecall => "incoming.recall_accept",
            DeliveryAction::RefuseRecall => "incoming.recall_refuse",
        };
        self.guard(actor, audit_action, async || {
            actor.require_scope(Scope::Write)?;
            let reason = reason.map(clean_text).filter(|r| !r.is_empty());
            if matches!(action, DeliveryAction::Reject | DeliveryAction::RefuseRecall) && reason.is_none() {
                return Err(OfficeError::invalid(
                    "reason-required",
                    "cần nêu lý do",
                    "a reason is required",
                ));
            }
            if reason.as_ref().is_some_and(|r| r.chars().count() > 2000) {
                return Err(OfficeError::invalid(
                    "bad-reason",
                    "lý do dài quá 2000 ký tự",
                    "the reason is longer than 2000 characters",
                ));
            }
            let now = self.now();
            let t = now.unix_timestamp();
            self.store
                .write(async |tx| {
                    let dl = self.delivery_model(tx, actor, id, true).await?;
                    if dl.frozen {
                        return Err(OfficeError::conflict(
                            "recalled",
                            "văn bản đã bị thu hồi, không xử lý tiếp",
                            "the document was recalled: no further processing",
                        ));
                    }
                    let (to, who) = delivery_transition(&dl.status, action)?;
                    let role = match who {
                        Who::ClerkOrHead => actor.require_any(&[Role::Clerk, Role::Head], dl.agency_id)?.role,
                        Who::AssigneeOrHead => {
                            if dl.assigned_person_id == Some(actor.person_id) {
                                actor
                                    .memberships
                                    .iter()
                                    .find(|m| m.agency_id == dl.agency_id)
                                    .map(|m| m.role)
                                    .unwrap_or(Role::Drafter)
                            } else {
                                actor.require(Role::Head, dl.agency_id)?.role
                            }
                        }
                    };
                    let mut m: delivery::ActiveModel = dl.clone().into();
                    let mut status = to.to_string();
                    let mut note = reason.clone();
                    match action {
                        DeliveryAction::Register => {
                            let year = crate::clock::vietnam_date(now).year();
                            let n = crate::register::next_number(tx, dl.agency_id, "in", year).await?;
                            register_entry::ActiveModel {
                                agency_id: Set(dl.agency_id),
                                direction: Set("in".into()),
                                year: Set(year),
                                number: Set(n),
                                notation: Set(None),
                                document_id: Set(Some(dl.document_id)),
                                delivery_id: Set(Some(dl.id)),
                                created_by: Set(Some(actor.person_id)),
                                created_at: Set(t),
                                ..Default::default()
                            }
                            .insert(tx)
                            .await?;
                            m.incoming_number = Set(Some(n));
                            m.incoming_year = Set(Some(year));
                            m.registered_at = Set(Some(t));
                            note = Some(format!("Số đến {}", crate::document::metadata::format_number(n)));
                        }
                        DeliveryAction::Assign => {
                            let a = assignment.clone().ok_or_else(|| {
                                OfficeError::invalid(
                                    "assignment-required",
                                    "cần chọn người hoặc đơn vị xử lý",
                                    "a person or unit to assign is required",
                                )
                            })?;
                            let unit = a.unit.as_deref().map(clean_text).filter(|u| !u.is_empty());
                            if a.person_id.is_none() && unit.is_none() {
                                return Err(OfficeError::invalid(
                                    "assignment-required",
                                    "cần chọn người hoặc đơn vị xử lý",
                                    "a person or unit to assign is required",
                                ));
                            }
                            if let Some(p) = a.person_id {
                                let theirs = crate::person::person_agencies(tx, p).await?;
                                if !theirs.contains(&dl.agency_id) {
                                    return Err(OfficeError::invalid(
                                        "not-a-member",
                                        "người được phân công không thuộc cơ quan nhận",
                                        "the assignee does not belong to the receiving agency",
                                    ));
                                }
                                let who = person::Entity::find_by_id(p).one(tx).await?;
                                note = who.map(|w| w.full_name).or(note);
                            }
                            m.assigned_person_id = Set(a.person_id);
                            m.assigned_unit = Set(unit.clone());
                            if note.is_none() {
                                note = unit;
                            }
                            if let Some(n) = a.note.as_deref().map(clean_text).filter(|n| !n.is_empty()) {
                                note = Some(match note {
                                    Some(x) => format!("{x}: {n}"),
                                    None => n,
                                });
                            }
                        }
                        DeliveryAction::AcceptRecall => {
                            m.frozen = Set(true);
                        }
                        DeliveryAction::RefuseRecall => {
                            // Back to the status before the recall request.
                            let before = delivery_event::Entity::find()
                                .filter(delivery_event::Column::DeliveryId.eq(dl.id))
                                .filter(delivery_event::Column::Status.ne(RECALL_REQUESTED))
                                .filter(delivery_event::Column::Status.ne(RECALL_REFUSED))
                                .order_by_desc(delivery_event::Column::Id)
                                .one(tx)
                                .await?
                                .map(|e| e.status)
                                .unwrap_or_else(|| ARRIVED.into());
                            self.delivery_event(tx, dl.id, RECALL_REFUSED, Some(actor.person_id), note.clone(), t)
                                .await?;
                            status = before;
                        }
                        _ => {}
                    }
                    if matches!(action, DeliveryAction::Reject | DeliveryAction::RefuseRecall) {
                        m.reason = Set(reason.clone());
                    }
                    m.status = Set(status.clone());
                    m.updated_at = Set(t);
                    let dl2 = m.update(tx).await?;
                    if action != DeliveryAction::RefuseRecall {
                        self.delivery_event(tx, dl.id, &status, Some(actor.person_id), note.clone(), t)
                            .await?;
                    }
                    let mut e = Entry::new(audit_action, "delivery", id)
                        .agency(dl.agency_id)
                        .role(role)
                        .detail(status.clone());
                    if let Some(r) = &reason {
                        e = e.detail(format!("{status}: {r}"));
                    }
                    record(tx, actor, e, now).await?;
                    crate::webhook::enqueue(
                        tx,
                        self,
                        dl.agency_id,
                        "delivery.status",
                        serde_json::json!({"delivery_id": id, "document_id": dl.document_id, "status": status}),
                        now,
                    )
                    .await?;
                    let sender = document::Entity::find_by_id(dl.document_id)
                        .one(tx)
                        .await?
                        .map(|d| d.agency_id);
                    if let Some(s) = sender {
                        crate::webhook::enqueue(
                            tx,
                            self,
                            s,
                            "document.status",
                            serde_json::json!({"delivery_id": id, "document_id": dl.document_id, "recipient_agency_id": dl.agency_id, "status": status}),
                            now,
                        )
                        .await?;
                    }
                    self.incoming_view(tx, dl2).await
                })
                .await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_and_action_is_in_the_table_or_refused() {
        let codes = [
            ARRIVED,
            REJECTED,
            REGISTERED,
            ASSIGNED,
            PROCESSING,
            COMPLETED,
            RECALL_REQUESTED,
            RECALL_ACCEPTED,
            RECALL_REFUSED,
        ];
        let mut allowed = 0;
        for from in codes {
            for a in DeliveryAction::ALL {
                let listed = DELIVERY_RULES
                    .iter()
                    .filter(|(f, x, _, _)| *f == from && *x == a)
                    .count();
                assert!(listed <= 1);
                match delivery_transition(from, a) {
                    Ok(_) => {
                        allowed += 1;
                        assert_eq!(listed, 1)
                    }
                    Err(e) => {
                        assert_eq!(listed, 0);
                        assert_eq!(e.code, "wrong-status");
                        assert!(e.vi.contains(from));
                    }
                }
            }
        }
        assert_eq!(allowed, DELIVERY_RULES.len());
        // Terminal: rejected, completed (for the recipient), recall accepted.
        for t in [REJECTED, COMPLETED, RECALL_ACCEPTED] {
            assert!(DeliveryAction::ALL
                .iter()
                .all(|a| delivery_transition(t, *a).is_err()));
        }
        assert!(
            delivery_transition(ARRIVED, DeliveryAction::Assign).is_err(),
            "register before assigning"
        );
    }
}
