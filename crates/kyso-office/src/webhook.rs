//! Webhooks for integrations (issue, arrival, status changes): an
//! agency's IT officer registers a URL; every event of the agency is
//! written to an outbox in the transaction of the event itself (so an
//! event is sent if and only if it happened) and delivered after it by a
//! background sender: `POST` of the JSON with `X-Kyso-Signature:
//! sha256=HEX` (HMAC-SHA256 of the body under the webhook's secret),
//! `X-Kyso-Event` and `X-Kyso-Delivery`; retried with back-off. Replicas
//! take deliveries under a lease in the database, so each is sent by one.

use hmac::{Hmac, Mac};
use kyso_store::office::{webhook, webhook_delivery};
use kyso_store::sea_orm::sea_query::{Expr, ExprTrait};
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// The events an integration may ask for.
pub const EVENTS: &[&str] = &[
    "document.issued",
    "document.status",
    "delivery.arrived",
    "delivery.status",
    "delivery.recall_requested",
];

/// Attempts before a delivery is given up.
const MAX_ATTEMPTS: i32 = 10;

/// A new webhook.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct NewWebhook {
    pub agency_id: i64,
    /// `https://…` (or `http://` on a private network).
    pub url: String,
    pub events: Vec<String>,
}

/// A webhook as listed (the secret is shown once at creation).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: i64,
    pub agency_id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub active: bool,
    /// Only in the answer to its creation.
    pub secret: Option<String>,
}

/// `sha256=HEX` of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Writes `event` for `agency_id`'s webhooks into the outbox, in `tx`.
pub(crate) async fn enqueue(
    tx: &DatabaseTransaction,
    _office: &Office,
    agency_id: i64,
    event: &str,
    data: serde_json::Value,
    now: OffsetDateTime,
) -> Result<()> {
    let hooks = webhook::Entity::find()
        .filter(webhook::Column::AgencyId.eq(agency_id))
        .filter(webhook::Column::Active.eq(true))
        .all(tx)
        .await?;
    for h in hooks
        .into_iter()
        .filter(|h| h.events.split_whitespace().any(|e| e == event))
    {
        let payload = serde_json::json!({
            "event": event,
            "agency_id": agency_id,
            "time": crate::remote_signing::iso_vn(now),
            "data": data,
        });
        webhook_delivery::ActiveModel {
            webhook_id: Set(h.id),
            event: Set(event.to_string()),
            payload: Set(payload.to_string()),
            attempts: Set(0),
            next_attempt_at: Set(now.unix_timestamp()),
            delivered_at: Set(None),
            last_error: Set(None),
            leased_until: Set(None),
            created_at: Set(now.unix_timestamp()),
            ..Default::default()
        }
        .insert(tx)
        .await?;
    }
    Ok(())
}

fn view(m: webhook::Model, secret: Option<String>) -> WebhookView {
    WebhookView {
        id: m.id,
        agency_id: m.agency_id,
        url: m.url,
        events: m.events.split_whitespace().map(str::to_string).collect(),
        active: m.active,
        secret,
    }
}

impl Office {
    /// Registers a webhook (the agency's IT officer).
    pub async fn create_webhook(&self, actor: &Actor, n: NewWebhook) -> Result<WebhookView> {
        self.guard(actor, "webhook.create", async || {
            actor.require_scope(Scope::Admin)?;
            actor.require(Role::ItOfficer, n.agency_id)?;
            let url = n.url.trim().to_string();
            let ok = (url.starts_with("https://") || url.starts_with("http://"))
                && url.len() <= 500
                && reqwest::Url::parse(&url).is_ok_and(|u| u.host_str().is_some());
            if !ok {
                return Err(OfficeError::invalid(
                    "bad-url",
                    "địa chỉ webhook phải là URL http(s) hợp lệ",
                    "the webhook address must be a valid http(s) URL",
                ));
            }
            if n.events.is_empty() || n.events.iter().any(|e| !EVENTS.contains(&e.as_str())) {
                return Err(OfficeError::invalid(
                    "bad-events",
                    format!("sự kiện hợp lệ: {}", EVENTS.join(", ")),
                    format!("valid events: {}", EVENTS.join(", ")),
                ));
            }
            let secret = crate::auth::new_webhook_secret()?;
            let now = self.now();
            self.store
                .write(async |tx| {
                    let m = webhook::ActiveModel {
                        agency_id: Set(n.agency_id),
                        url: Set(url.clone()),
                        secret: Set(secret.clone()),
                        events: Set(n.events.join(" ")),
                        active: Set(true),
                        created_at: Set(now.unix_timestamp()),
                        ..Default::default()
                    }
                    .insert(tx)
                    .await?;
                    record(
                        tx,
                        actor,
                        Entry::new("webhook.create", "webhook", m.id)
                            .agency(n.agency_id)
                            .detail(url.clone()),
                        now,
                    )
                    .await?;
                    Ok(view(m, Some(secret.clone())))
                })
                .await
        })
        .await
    }

    /// The webhooks of an agency.
    pub async fn list_webhooks(&self, actor: &Actor, agency_id: i64) -> Result<Vec<WebhookView>> {
        self.guard(actor, "webhook.list", async || {
            actor.require_scope(Scope::Read)?;
            actor.require(Role::ItOfficer, agency_id)?;
            Ok(webhook::Entity::find()
                .filter(webhook::Column::AgencyId.eq(agency_id))
                .order_by_asc(webhook::Column::Id)
                .all(self.store.connection())
                .await?
                .into_iter()
                .map(|m| view(m, None))
                .collect())
        })
        .await
    }

    /// Removes (deactivates) a webhook.
    pub async fn delete_webhook(&self, actor: &Actor, id: i64) -> Result<()> {
        self.guard(actor, "webhook.delete", async || {
            actor.require_scope(Scope::Admin)?;
            let now = self.now();
            self.store
                .write(async |tx| {
                    let m = webhook::Entity::find_by_id(id)
                        .one(tx)
                        .await?
                        .ok_or_else(|| OfficeError::not_found("webhook", "webhook"))?;
                    actor.require(Role::ItOfficer, m.agency_id)?;
                    let agency = m.agency_id;
                    let mut a: webhook::ActiveModel = m.into();
                    a.active = Set(false);
                    a.update(tx).await?;
                    record(
                        tx,
                        actor,
                        Entry::new("webhook.delete", "webhook", id).agency(agency),
                        now,
                    )
                    .await
                })
                .await
        })
        .await
    }

    /// Sends up to `batch` due webhook deliveries; returns how many were
    /// delivered. Run periodically by every replica: each delivery is
    /// leased in the database first, so one replica sends it.
    pub async fn send_webhooks(&self, client: &reqwest::Client, batch: u64) -> Result<usize> {
        let now = self.now().unix_timestamp();
        let lease_until = now + 60;
        let due = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::DeliveredAt.is_null())
            .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
            .filter(webhook_delivery::Column::Attempts.lt(MAX_ATTEMPTS))
            .filter(
                webhook_delivery::Column::LeasedUntil
                    .is_null()
                    .or(webhook_delivery::Column::LeasedUntil.lt(now)),
            )
            .order_by_asc(webhook_delivery::Column::Id)
            .limit(batch)
            .all(self.store.connection())
            .await?;
        let mut sent = 0;
        for d in due {
            // Take the lease: only if nobody took it since we read it.
            let taken = webhook_delivery::Entity::update_many()
                .col_expr(
                    webhook_delivery::Column::LeasedUntil,
                    Expr::value(lease_until),
                )
                .filter(webhook_delivery::Column::Id.eq(d.id))
                .filter(webhook_delivery::Column::DeliveredAt.is_null())
                .filter(
                    webhook_delivery::Column::LeasedUntil
                        .is_null()
                        .or(webhook_delivery::Column::LeasedUntil.lt(now)),
                )
                .exec(self.store.connection())
                .await?;
            if taken.rows_affected != 1 {
                continue;
            }
            let Some(h) = webhook::Entity::find_by_id(d.webhook_id)
                .one(self.store.connection())
                .await?
            else {
                continue;
            };
            let body = d.payload.clone().into_bytes();
            let result = client
                .post(&h.url)
                .header("content-type", "application/json")
                .header("x-kyso-event", &d.event)
                .header("x-kyso-delivery", d.id.to_string())
                .header("x-kyso-signature", signature(&h.secret, &body))
                .body(body)
                .send()
                .await;
            let error = match result {
                Ok(r) if r.status().is_success() => None,
                Ok(r) => Some(format!("HTTP {}", r.status())),
                Err(e) => Some(e.to_string()),
            };
            let attempts = d.attempts + 1;
            let mut a: webhook_delivery::ActiveModel = d.into();
            a.attempts = Set(attempts);
            a.leased_until = Set(None);
            match error {
                None => {
                    a.delivered_at = Set(Some(self.now().unix_timestamp()));
                    sent += 1;
                }
                Some(e) => {
                    // 30 s, 1 min, 2 min, … capped at 1 hour.
                    let wait = Ord::min(30i64 << Ord::min(attempts - 1, 7), 3600);
                    a.next_attempt_at = Set(self.now().unix_timestamp() + wait);
                    a.last_error = Set(Some(e.chars().take(500).collect()));
                }
            }
            a.update(self.store.connection()).await?;
        }
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256() {
        // RFC 4231 test case 2.
        let s = signature("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            s,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
