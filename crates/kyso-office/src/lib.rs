//! The document office (DESIGN §2, §6, §9): the application layer of kyso.
//!
//! Agencies, people and their roles; documents through both signing flows
//! (R-FLOW-SEAL, R-FLOW-TWO); registers and numbering; issuing to the
//! recipients' incoming queues with the system's time (R-TIMESTAMP) and
//! receiving with status codes; recall; the hash-chained audit log.
//!
//! Every use case is one method of [`Office`] taking the [`Actor`]: it
//! checks the actor's roles, then runs its checks and all its writes —
//! with its audit entry — in one database transaction
//! ([`kyso_store::Store::write`]). A refusal writes nothing but the audit
//! entry of the refusal itself. Numbering and every other invariant live
//! in the database, so several `kyso serve` replicas on one PostgreSQL are
//! as correct as one.
#![forbid(unsafe_code)]

pub mod actor;
pub mod agency;
pub mod archive;
pub mod audit;
pub mod auth;
mod bootstrap;
pub mod catalog;
pub mod clock;
pub mod delivery;
pub mod desk;
pub mod document;
pub mod error;
pub mod evidence;
mod files;
pub mod idempotency;
mod images;
pub mod keys;
pub mod notification;
pub mod person;
pub mod portal;
pub mod print;
pub mod records_file;
pub mod register;
mod register_next;
mod register_pdf;
pub mod remote_signing;
pub mod render;
pub mod role;
pub mod scan;
pub mod search;
pub mod upload;
pub mod verification;
pub mod webhook;

use std::path::PathBuf;
use std::sync::Arc;

use kyso_ca::Ca;
use kyso_store::{BlobStore, Store};
use time::OffsetDateTime;
use zeroize::Zeroizing;

pub use actor::{Actor, Membership, Scope};
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{ErrorKind, OfficeError, Result};
pub use role::Role;

/// Settings of the office.
#[derive(Clone)]
pub struct OfficeConfig {
    /// The data directory: seal keys live under `keys/`.
    pub data_dir: PathBuf,
    /// The password of the software seal keys (the server's key password).
    pub key_password: Zeroizing<Vec<u8>>,
    /// Largest upload accepted (main file or attachment).
    pub max_upload: usize,
    /// How long a browser session lasts without use.
    pub session_idle: time::Duration,
    /// Longest a session lasts at all.
    pub session_max: time::Duration,
    /// The server's public base URL (links in webhooks and print-outs).
    pub base_url: String,
    /// The certificate desk's SMTP server (lettre URL); `None`: notices
    /// are logged as pending, not sent.
    pub smtp_url: Option<String>,
    /// The notices' sender address.
    pub smtp_from: String,
    /// How long before its TSA certificate expires a long-term file is
    /// time-stamped again (archive renewal).
    pub ltv_margin: time::Duration,
    /// How often the desk's report is made and kept for the department.
    pub report_schedule: desk::Schedule,
}

impl OfficeConfig {
    pub fn new(data_dir: PathBuf, key_password: Vec<u8>, base_url: String) -> Self {
        OfficeConfig {
            data_dir,
            key_password: Zeroizing::new(key_password),
            max_upload: 50 * 1024 * 1024,
            session_idle: time::Duration::hours(2),
            session_max: time::Duration::hours(12),
            base_url,
            smtp_url: None,
            smtp_from: "kyso <noreply@localhost>".into(),
            ltv_margin: archive::ltv::DEFAULT_MARGIN,
            report_schedule: desk::Schedule::Monthly,
        }
    }
}

/// The office: one per process, shared by every request. Holds nothing
/// that must agree across replicas — that is all in the database.
pub struct Office {
    pub(crate) store: Store,
    pub(crate) blobs: BlobStore,
    pub(crate) ca: Arc<Ca>,
    pub(crate) config: OfficeConfig,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) keys: keys::SealKeys,
    /// Files of operations in progress (each in its own subdirectory).
    pub(crate) work: tempfile::TempDir,
    /// Decoded seal and signature images by blob hash.
    pub(crate) images: images::ImageCache,
}

impl Office {
    pub fn new(
        store: Store,
        blobs: BlobStore,
        ca: Arc<Ca>,
        config: OfficeConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Office> {
        let work = tempfile::Builder::new()
            .prefix("kyso-office-")
            .tempdir()
            .map_err(|e| OfficeError::internal("work directory", e))?;
        Ok(Office {
            keys: keys::SealKeys::new(config.data_dir.join("keys")),
            store,
            blobs,
            ca,
            config,
            clock,
            work,
            images: images::ImageCache::default(),
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }
    pub fn ca(&self) -> &Arc<Ca> {
        &self.ca
    }
    pub fn config(&self) -> &OfficeConfig {
        &self.config
    }
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Runs the use case `f`; when it refuses the actor (403), the refusal
    /// is appended to the audit log in a transaction of its own — the use
    /// case's own transaction wrote nothing.
    pub(crate) async fn guard<T>(
        &self,
        actor: &Actor,
        action: &str,
        f: impl AsyncFnOnce() -> Result<T>,
    ) -> Result<T> {
        let r = f().await;
        if let Err(e) = &r {
            self.record_refusal(actor, action, e).await;
        }
        r
    }

    /// Appends the refusal `e` of `actor`'s use case `action` to the audit
    /// log (`access.denied`) when it is a 403; other errors are not
    /// refusals and are left alone. For refusals made outside a guarded
    /// use case (the server's CSRF check, reads that refuse a filter).
    pub async fn record_refusal(&self, actor: &Actor, action: &str, e: &OfficeError) {
        if e.kind != ErrorKind::Forbidden {
            return;
        }
        let now = self.now();
        let ev = kyso_store::AuditEvent {
            person_id: Some(actor.person_id),
            actor: actor.username.clone(),
            role: actor.main_role().map(|r| r.code().to_string()),
            agency_id: None,
            action: "access.denied".into(),
            object_kind: "use_case".into(),
            object_id: action.to_string(),
            object_sha256: None,
            request_id: actor.request_id.clone(),
            detail: Some(e.en.clone()),
        };
        if let Err(a) = self
            .store
            .write(async |tx| audit::record_event(tx, ev, now).await)
            .await
        {
            tracing::error!("audit of a refusal failed: {a}");
        }
    }

    /// A fresh directory for one operation's files, removed on drop.
    pub(crate) fn work_dir(&self) -> Result<tempfile::TempDir> {
        tempfile::Builder::new()
            .prefix("op-")
            .tempdir_in(self.work.path())
            .map_err(|e| OfficeError::internal("work directory", e))
    }

    /// An RFC 3161 time-stamp token from kyso's own TSA over the SHA-256
    /// `digest`.
    pub(crate) async fn timestamp_token(&self, digest: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; 8];
        kyso_crypto::random_bytes(&mut nonce)
            .map_err(|e| OfficeError::internal("random nonce", e))?;
        let req = kyso_pki::tsp::build_time_stamp_req(
            kyso_crypto::DigestAlgorithm::Sha256,
            digest,
            Some(&nonce),
            true,
            None,
        )
        .map_err(|e| OfficeError::internal("time-stamp request", e.text))?;
        let resp = self.ca.tsa().respond(&req).await;
        let parsed = kyso_pki::tsp::parse_time_stamp_resp(&resp)
            .map_err(|e| OfficeError::internal("time-stamp response", e.text))?;
        parsed.token_der.ok_or_else(|| {
            OfficeError::internal(
                "time-stamp",
                format!("the TSA refused: {:?}", parsed.status_text),
            )
        })
    }

    /// Checks a time-stamp token over `digest`: its signature, its
    /// imprint, and that kyso's TSA made it. Returns its time.
    pub(crate) fn check_timestamp_token(
        &self,
        token: &[u8],
        digest: &[u8],
    ) -> std::result::Result<OffsetDateTime, String> {
        let v = kyso_pki::cms_verify::verify_time_stamp_token(token, &|_| Ok(digest.to_vec()))
            .map_err(|e| e.to_string())?;
        use der::Encode;
        let signer = v.cms.signer.to_der().map_err(|e| e.to_string())?;
        if signer != self.ca.tsa().certificate_der() {
            return Err("không do TSA của hệ thống ký / not signed by this system's TSA".into());
        }
        Ok(v.gen_time)
    }
}
