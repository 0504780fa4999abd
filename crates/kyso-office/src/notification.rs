//! Notifications (issue 11 §3): what happened lately that concerns the
//! person — documents arriving at an agency where they are clerk or head,
//! a recall asked of such an agency, an incoming document assigned to
//! them, and what became of the documents they drafted, approved or
//! sealed (each recipient's status: registered, rejected, completed,
//! recall accepted or refused; their draft returned, approved, sealed,
//! issued by someone else). They are read from the delivery events and the
//! audit log of the last [`WINDOW_DAYS`] days, so nothing is written when
//! something happens; only the reader's "seen until" mark is stored.

use std::collections::{BTreeMap, BTreeSet};

use kyso_store::notification::seen;
use kyso_store::office::{agency, delivery, delivery_event, document};
use kyso_store::sea_orm::sea_query::OnConflict;
use kyso_store::sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use kyso_store::AuditFilter;
use serde::Serialize;
use utoipa::ToSchema;

use crate::actor::{Actor, Scope};
use crate::document::{iso, view_number_text};
use crate::error::Result;
use crate::role::Role;
use crate::Office;

/// How far back notifications go.
pub const WINDOW_DAYS: i64 = 30;

/// Most events read from each source (the newest).
const SCAN: u64 = 2000;

/// Most notifications returned.
pub const MAX_LIMIT: u64 = 200;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A document arrived at the person's agency.
    Arrival,
    /// The sender asks the person's agency to accept a recall.
    RecallRequest,
    /// An incoming document was assigned to the person.
    Assigned,
    /// A recipient of the person's document changed its status.
    Status,
    /// The person's draft was returned with a comment.
    Returned,
    /// The person's draft was approved (signed).
    Approved,
    /// The person's document was numbered and sealed.
    Sealed,
    /// The person's document was issued.
    Issued,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Arrival => "arrival",
            Kind::RecallRequest => "recall_request",
            Kind::Assigned => "assigned",
            Kind::Status => "status",
            Kind::Returned => "returned",
            Kind::Approved => "approved",
            Kind::Sealed => "sealed",
            Kind::Issued => "issued",
        }
    }
}

/// One notification.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Notification {
    pub kind: Kind,
    /// ISO 8601 (+07:00).
    pub at: String,
    pub document_id: i64,
    /// The incoming document (arrivals, recalls, assignments, statuses).
    pub delivery_id: Option<i64>,
    /// `01/QĐ-UBND` once numbered.
    pub number_text: Option<String>,
    pub subject: String,
    /// The other party: the sender of an arrival, the recipient whose
    /// status changed, the agency of the document otherwise.
    pub agency_name: String,
    /// The delivery status code (`01` … `16`) for delivery events.
    pub status: Option<String>,
    /// The reason or comment given, if any.
    pub note: Option<String>,
    /// Later than the person's "seen" mark.
    pub unread: bool,
    /// Where to open it in the web office.
    pub link: String,
}

/// The person's notifications, newest first.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Notifications {
    /// How many of all the notifications in the window are unread.
    pub unread: usize,
    pub items: Vec<Notification>,
}

/// Which delivery events concern `a`, and as what.
fn delivery_kind(
    a: &Actor,
    e: &delivery_event::Model,
    d: &delivery::Model,
    doc: &document::Model,
) -> Option<Kind> {
    let desk = |agency: i64| a.has(Role::Clerk, agency) || a.has(Role::Head, agency);
    let mine = [Some(doc.drafter_id), doc.approver_id, doc.clerk_id].contains(&Some(a.person_id));
    match e.status.as_str() {
        "01" => desk(d.agency_id).then_some(Kind::Arrival),
        "13" => desk(d.agency_id).then_some(Kind::RecallRequest),
        "04" if d.assigned_person_id == Some(a.person_id) => Some(Kind::Assigned),
        _ => mine.then_some(Kind::Status),
    }
}

fn audit_kind(action: &str) -> Option<Kind> {
    match action {
        "document.return" => Some(Kind::Returned),
        "document.approve" => Some(Kind::Approved),
        "document.seal" => Some(Kind::Sealed),
        "document.issue" => Some(Kind::Issued),
        _ => None,
    }
}

impl Office {
    /// The person's notifications of the last [`WINDOW_DAYS`] days, newest
    /// first, at most `limit` (≤ [`MAX_LIMIT`]); their own actions are not
    /// notified to them.
    pub async fn notifications(&self, actor: &Actor, limit: u64) -> Result<Notifications> {
        actor.require_scope(Scope::Read)?;
        let db = self.store.connection();
        let since = self.now().unix_timestamp() - WINDOW_DAYS * 86_400;
        let seen_at = seen::Entity::find_by_id(actor.person_id)
            .one(db)
            .await?
            .map(|s| s.seen_at)
            .unwrap_or(i64::MIN);

        let events = delivery_event::Entity::find()
            .filter(delivery_event::Column::At.gte(since))
            .order_by_desc(delivery_event::Column::Id)
            .limit(SCAN)
            .all(db)
            .await?;
        let entries: Vec<(i64, kyso_store::AuditEvent)> = self
            .store
            .audit_entries(&AuditFilter {
                object_kind: Some("document".into()),
                action_prefix: Some("document.".into()),
                since: time::OffsetDateTime::from_unix_timestamp(since).ok(),
                limit: SCAN,
                ..AuditFilter::default()
            })
            .await?
            .into_iter()
            .filter(|e| audit_kind(&e.event.action).is_some())
            .map(|e| (e.at.unix_timestamp(), e.event))
            .collect();
        let delivery_ids: BTreeSet<i64> = events.iter().map(|e| e.delivery_id).collect();
        let deliveries: BTreeMap<i64, delivery::Model> = by_id(
            delivery::Entity::find()
                .filter(delivery::Column::Id.is_in(delivery_ids))
                .all(db)
                .await?,
            |d| d.id,
        );
        let mut doc_ids: BTreeSet<i64> = deliveries.values().map(|d| d.document_id).collect();
        doc_ids.extend(
            entries
                .iter()
                .filter_map(|(_, e)| e.object_id.parse::<i64>().ok()),
        );
        let docs: BTreeMap<i64, document::Model> = by_id(
            document::Entity::find()
                .filter(document::Column::Id.is_in(doc_ids))
                .all(db)
                .await?,
            |d| d.id,
        );
        let mut agency_ids: BTreeSet<i64> = docs.values().map(|d| d.agency_id).collect();
        agency_ids.extend(deliveries.values().map(|d| d.agency_id));
        let agencies: BTreeMap<i64, String> = agency::Entity::find()
            .filter(agency::Column::Id.is_in(agency_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect();
        let name = |id: i64| agencies.get(&id).cloned().unwrap_or_default();

        let mut all: Vec<(i64, Notification)> = Vec::new();
        for e in &events {
            if e.person_id == Some(actor.person_id) {
                continue;
            }
            let Some(d) = deliveries.get(&e.delivery_id) else {
                continue;
            };
            let Some(doc) = docs.get(&d.document_id) else {
                continue;
            };
            let Some(kind) = delivery_kind(actor, e, d, doc) else {
                continue;
            };
            let (party, link) = match kind {
                Kind::Status => (name(d.agency_id), format!("/documents/{}", doc.id)),
                _ => (name(doc.agency_id), format!("/inbox/{}", d.id)),
            };
            all.push((
                e.at,
                Notification {
                    kind,
                    at: iso(e.at),
                    document_id: doc.id,
                    delivery_id: Some(d.id),
                    number_text: view_number_text(doc),
                    subject: doc.subject.clone(),
                    agency_name: party,
                    status: Some(e.status.clone()),
                    note: e.note.clone(),
                    unread: e.at > seen_at,
                    link,
                },
            ));
        }
        for (at, e) in &entries {
            let (Some(kind), Ok(id)) = (audit_kind(&e.action), e.object_id.parse::<i64>()) else {
                continue;
            };
            let Some(doc) = docs.get(&id) else { continue };
            if doc.drafter_id != actor.person_id || e.person_id == Some(actor.person_id) {
                continue;
            }
            all.push((
                *at,
                Notification {
                    kind,
                    at: iso(*at),
                    document_id: doc.id,
                    delivery_id: None,
                    number_text: view_number_text(doc),
                    subject: doc.subject.clone(),
                    agency_name: name(doc.agency_id),
                    status: None,
                    note: (kind == Kind::Returned)
                        .then(|| doc.comment.clone())
                        .flatten(),
                    unread: *at > seen_at,
                    link: format!("/documents/{}", doc.id),
                },
            ));
        }
        all.sort_by_key(|n| std::cmp::Reverse(n.0));
        let unread = all.iter().filter(|(_, n)| n.unread).count();
        Ok(Notifications {
            unread,
            items: all
                .into_iter()
                .take(limit.clamp(1, MAX_LIMIT) as usize)
                .map(|(_, n)| n)
                .collect(),
        })
    }

    /// Marks everything up to now as read for the person.
    pub async fn mark_notifications_seen(&self, actor: &Actor) -> Result<()> {
        actor.require_scope(Scope::Read)?;
        let now = self.now().unix_timestamp();
        seen::Entity::insert(seen::ActiveModel {
            person_id: Set(actor.person_id),
            seen_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(seen::Column::PersonId)
                .update_column(seen::Column::SeenAt)
                .to_owned(),
        )
        .exec(self.store.connection())
        .await?;
        Ok(())
    }
}

fn by_id<T>(rows: Vec<T>, id: impl Fn(&T) -> i64) -> BTreeMap<i64, T> {
    rows.into_iter().map(|r| (id(&r), r)).collect()
}
