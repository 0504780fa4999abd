//! Writing and checking the audit log (DESIGN §9): every use case appends
//! its entry in its own transaction; refusals are appended on their own.
//! The chain head is time-stamped by kyso's TSA; `kyso audit verify`
//! recomputes the chain and checks every time-stamp.

use kyso_store::sea_orm::DatabaseTransaction;
use kyso_store::{append_audit, AuditCheck, AuditEvent};
use time::OffsetDateTime;

use crate::actor::Actor;
use crate::error::Result;
use crate::role::Role;
use crate::Office;

/// What an action did to what.
pub(crate) struct Entry<'a> {
    pub action: &'a str,
    pub object_kind: &'a str,
    pub object_id: String,
    pub object_sha256: Option<String>,
    pub agency_id: Option<i64>,
    pub role: Option<Role>,
    pub detail: Option<String>,
}

impl<'a> Entry<'a> {
    pub fn new(action: &'a str, object_kind: &'a str, object_id: impl ToString) -> Self {
        Entry {
            action,
            object_kind,
            object_id: object_id.to_string(),
            object_sha256: None,
            agency_id: None,
            role: None,
            detail: None,
        }
    }
    pub fn agency(mut self, id: i64) -> Self {
        self.agency_id = Some(id);
        self
    }
    pub fn role(mut self, r: Role) -> Self {
        self.role = Some(r);
        self
    }
    pub fn sha256(mut self, s: impl Into<String>) -> Self {
        self.object_sha256 = Some(s.into());
        self
    }
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }
}

/// Appends `e` by `actor` in `tx`.
pub(crate) async fn record(
    tx: &DatabaseTransaction,
    actor: &Actor,
    e: Entry<'_>,
    at: OffsetDateTime,
) -> Result<()> {
    let ev = AuditEvent {
        person_id: Some(actor.person_id),
        actor: actor.username.clone(),
        role: e
            .role
            .or_else(|| actor.main_role())
            .map(|r| r.code().to_string()),
        agency_id: e.agency_id,
        action: e.action.to_string(),
        object_kind: e.object_kind.to_string(),
        object_id: e.object_id,
        object_sha256: e.object_sha256,
        request_id: actor.request_id.clone(),
        detail: e.detail,
    };
    append_audit(tx, &ev, at).await?;
    Ok(())
}

/// Appends an event not done by a logged-in person (a failed login, the
/// system's own jobs) in `tx`.
pub(crate) async fn record_event(
    tx: &DatabaseTransaction,
    ev: AuditEvent,
    at: OffsetDateTime,
) -> Result<()> {
    append_audit(tx, &ev, at).await?;
    Ok(())
}

/// The result of `kyso audit verify`: the chain and its time-stamps.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AuditReport {
    pub chain: AuditCheck,
    /// Time-stamps over the chain head that verify.
    pub anchors_valid: usize,
    /// Time-stamps that do not (with why), or that name an entry whose
    /// hash is no longer the one they time-stamped.
    pub anchors_invalid: Vec<String>,
    /// The newest time-stamped entry and its time.
    pub last_anchor_seq: Option<i64>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_anchor_time: Option<OffsetDateTime>,
}

impl AuditReport {
    pub fn ok(&self) -> bool {
        self.chain.broken.is_none() && self.anchors_invalid.is_empty()
    }
}

impl Office {
    /// Audit entries the actor may read, newest first: the department
    /// administrator everything; a head of agency or an auditor the
    /// entries of their agencies.
    pub async fn audit_log(
        &self,
        actor: &Actor,
        mut filter: kyso_store::AuditFilter,
    ) -> Result<Vec<kyso_store::AuditEntry>> {
        self.guard(actor, "audit.read", async || {
            actor.require_scope(crate::Scope::Read)?;
            if !actor.has_anywhere(Role::DeptAdmin) {
                let agency = filter.agency_id.ok_or_else(|| {
                    crate::OfficeError::forbidden(
                        "chọn cơ quan để xem nhật ký",
                        "choose an agency to read its audit log",
                    )
                })?;
                actor.require_any(&[Role::Head, Role::Auditor], agency)?;
            }
            filter.limit = filter.limit.clamp(1, 1000);
            Ok(self.store.audit_entries(&filter).await?)
        })
        .await
    }

    /// [`Office::verify_audit`] for the department administrator, heads
    /// and auditors.
    pub async fn verify_audit_as(&self, actor: &Actor) -> Result<AuditReport> {
        self.guard(actor, "audit.verify", async || {
            actor.require_scope(crate::Scope::Read)?;
            if !(actor.has_anywhere(Role::DeptAdmin)
                || actor.has_anywhere(Role::Head)
                || actor.has_anywhere(Role::Auditor))
            {
                return Err(crate::OfficeError::forbidden(
                    "chỉ thủ trưởng, kiểm tra viên hoặc quản trị được kiểm tra nhật ký",
                    "only heads, auditors or the administrator may check the audit log",
                ));
            }
            self.verify_audit().await
        })
        .await
    }

    /// Time-stamps the chain head with the TSA, unless it was time-stamped
    /// already at that entry. Called hourly and at shutdown.
    pub async fn anchor_audit(&self) -> Result<Option<i64>> {
        let (seq, hash) = self.store.audit_head().await?;
        if seq == 0 {
            return Ok(None);
        }
        if self
            .store
            .audit_anchors()
            .await?
            .last()
            .is_some_and(|a| a.seq == seq)
        {
            return Ok(None);
        }
        let digest = anchor_digest(&hash);
        let token = self.timestamp_token(&digest).await?;
        self.store
            .add_audit_anchor(&kyso_store::AuditAnchor {
                seq,
                hash,
                token_der: token,
                at: self.clock.now(),
            })
            .await?;
        Ok(Some(seq))
    }

    /// Checks the chain from its first entry, and every time-stamp over it.
    pub async fn verify_audit(&self) -> Result<AuditReport> {
        let chain = self.store.verify_audit_chain().await?;
        let mut anchors_valid = 0;
        let mut anchors_invalid = Vec::new();
        let mut last = None;
        for a in self.store.audit_anchors().await? {
            let entry = self.store.audit_entry(a.seq).await?;
            if entry.as_ref().map(|e| e.hash.as_str()) != Some(a.hash.as_str()) {
                anchors_invalid.push(format!(
                    "dấu thời gian tại mục {} không còn khớp với mục đó / the time-stamp at entry {} no longer matches that entry",
                    a.seq, a.seq
                ));
                continue;
            }
            match self.check_timestamp_token(&a.token_der, &anchor_digest(&a.hash)) {
                Ok(t) => {
                    anchors_valid += 1;
                    last = Some((a.seq, t));
                }
                Err(e) => anchors_invalid.push(format!(
                    "dấu thời gian tại mục {} không hợp lệ / the time-stamp at entry {} is invalid: {e}",
                    a.seq, a.seq
                )),
            }
        }
        Ok(AuditReport {
            chain,
            anchors_valid,
            anchors_invalid,
            last_anchor_seq: last.map(|l| l.0),
            last_anchor_time: last.map(|l| l.1),
        })
    }
}

/// What the TSA time-stamps for an anchor: SHA-256 of the entry hash's bytes.
pub(crate) fn anchor_digest(hash_hex: &str) -> Vec<u8> {
    let raw = hex::decode(hash_hex).unwrap_or_else(|_| hash_hex.as_bytes().to_vec());
    kyso_crypto::digest(kyso_crypto::DigestAlgorithm::Sha256, &raw)
}
