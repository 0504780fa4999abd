//! Issuing (phát hành, R-TIMESTAMP, R-BOTH-SIGNATURES, R-SIGN-DATE): the
//! sealed file is verified, and only when every signature it must carry is
//! TOTAL-PASSED is it delivered — in one transaction — to every
//! recipient's incoming queue, stamped with the system's time and an
//! RFC 3161 time-stamp from kyso's TSA over the issued file. The
//! verification report is kept as the arrival verification of every
//! recipient (it is the same file, verified by the same system at the
//! moment of arrival). Recall freezes it at every receiver, who accepts or
//! refuses.

use bytes::Bytes;
use kyso_sign::validate::{Indication, ValidationReport};
use kyso_store::office::{delivery, document, document_recipient, person};
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter,
};

use super::metadata::clean_text;
use super::state::{transition, Action, Flow, State};
use super::DocumentView;
use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::delivery::{ARRIVED, RECALLABLE, RECALL_REQUESTED};
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// Why a file may not be issued, from its verification report.
fn issue_refusal(vi: String, en: String) -> OfficeError {
    OfficeError::conflict("not-verified", vi, en)
}

/// The checks of R-BOTH-SIGNATURES on `rep`: the organization's seal
/// signature (certificate = the agency's) and, in the two-signature flow,
/// the approver's (certificate = the approver's registered one), each
/// TOTAL-PASSED. Returns warnings (R-SIGN-DATE).
pub(crate) fn check_issuable(
    rep: &ValidationReport,
    flow: Flow,
    seal_cert_sha256: &str,
    approver_cert_sha256: Option<&str>,
    issue_date: time::Date,
) -> Result<Vec<String>> {
    let find = |sha: &str| {
        rep.signatures.iter().find(|s| {
            s.signer
                .as_ref()
                .is_some_and(|c| c.sha256.eq_ignore_ascii_case(sha))
        })
    };
    let mut required = vec![(
        "chữ ký số của cơ quan (con dấu)",
        "the organization's seal signature",
        seal_cert_sha256,
    )];
    if flow == Flow::Two {
        let a = approver_cert_sha256.ok_or_else(|| {
            issue_refusal(
                "không xác định được chứng thư của người ký duyệt".into(),
                "the approver's certificate is unknown".into(),
            )
        })?;
        required.push((
            "chữ ký số của người có thẩm quyền",
            "the approver's signature",
            a,
        ));
    }
    let mut warnings = Vec::new();
    for (vi, en, sha) in required {
        let Some(s) = find(sha) else {
            return Err(issue_refusal(
                format!("tệp không có {vi}; không phát hành được"),
                format!("the file lacks {en}; it cannot be issued"),
            ));
        };
        if s.indication != Indication::TotalPassed {
            return Err(issue_refusal(
                format!(
                    "{vi} không hợp lệ ({}): {}",
                    s.indication.as_str(),
                    s.message_vi
                ),
                format!(
                    "{en} is not valid ({}): {}",
                    s.indication.as_str(),
                    s.message_en
                ),
            ));
        }
        let signed_on = s
            .timestamp
            .as_ref()
            .map(|t| t.time.clone())
            .or_else(|| s.claimed_signing_time.clone())
            .and_then(|t| {
                time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).ok()
            })
            .map(crate::clock::vietnam_date);
        if let Some(d) = signed_on.filter(|d| *d != issue_date) {
            warnings.push(format!(
                "{vi} được ký ngày {}, khác ngày ban hành {} (Điều 8 khoản 3) / {en} was made on {}, not on the issue date {}",
                super::metadata::vn_date(d),
                super::metadata::vn_date(issue_date),
                super::metadata::iso_date(d),
                super::metadata::iso_date(issue_date)
            ));
        }
    }
    Ok(warnings)
}

impl Office {
    /// Issues a sealed document to every recipient.
    pub async fn issue(&self, actor: &Actor, id: i64) -> Result<DocumentView> {
        self.guard(actor, "document.issue", async || {
            actor.require_scope(Scope::Write)?;
            let db = self.store.connection();
            let d = self.document_model(db, actor, id).await?;
            let flow = Flow::parse(&d.flow)?;
            let rule = transition(flow, State::parse(&d.state)?, Action::Issue)?;
            actor.require_any(rule.roles, d.agency_id)?;
            let recipients = document_recipient::Entity::find()
                .filter(document_recipient::Column::DocumentId.eq(id))
                .all(db)
                .await?;
            if recipients.is_empty() {
                return Err(OfficeError::conflict(
                    "no-recipients",
                    "văn bản chưa có nơi nhận",
                    "the document has no recipients",
                ));
            }
            let sealed = self.latest_file(db, id, &["sealed"]).await?;
            let dir = self.work_dir()?;
            let path = dir.path().join("issued.pdf");
            self.blobs.get_to_file(&sealed.blob_sha256, &path).await?;
            let report = self.verify_pdf_file(&path).await?;
            let agency = self.agency_model(db, d.agency_id).await?;
            let seal_sha = agency
                .certificate_der
                .as_deref()
                .map(kyso_store::blobs::sha256_hex)
                .unwrap_or_default();
            let approver_sha = match d.approver_id {
                Some(p) => person::Entity::find_by_id(p)
                    .one(db)
                    .await?
                    .and_then(|p| p.certificate_der)
                    .map(|c| kyso_store::blobs::sha256_hex(&c)),
                None => None,
            };
            let now = self.now();
            let today = crate::clock::vietnam_date(now);
            let issue_date = d
                .issued_date
                .as_deref()
                .and_then(|s| super::metadata::parse_date(s, "", "").ok())
                .unwrap_or(today);
            let warnings = check_issuable(&report, flow, &seal_sha, approver_sha.as_deref(), issue_date)?;
            // The long-term copy (B-LT, B-LTA) while the responders answer;
            // the issued file itself stays as it is (R-ARCHIVE-ORIGINAL).
            let long_term = self.extend_issued(&path).await;
            drop(dir);
            let report_json = serde_json::to_vec_pretty(&report)
                .map_err(|e| OfficeError::internal("report", e))?;
            let report_blob = self.blobs.put(Bytes::from(report_json)).await?;
            // The system's own time of issue, proven by its TSA (R-TIMESTAMP).
            let file_digest = hex::decode(&sealed.blob_sha256)
                .map_err(|e| OfficeError::internal("blob name", e))?;
            let token = self.timestamp_token(&file_digest).await?;
            let token_blob = self.blobs.put(Bytes::from(token)).await?;
            let indication = report.indication.as_str().to_string();
            let t = now.unix_timestamp();
            self.store
                .write(async |tx| {
                    let d = self.document_for_update(tx, actor, id).await?;
                    let rule = transition(flow, State::parse(&d.state)?, Action::Issue)?;
                    actor.require_any(rule.roles, d.agency_id)?;
                    kyso_store::record_blob(tx, &report_blob, "application/json", Some(&sealed.blob_sha256), now).await?;
                    kyso_store::record_blob(tx, &token_blob, "application/timestamp-reply", Some(&sealed.blob_sha256), now).await?;
                    super::draft::insert_file(tx, id, "verification", "bao-cao-kiem-tra.json", &report_blob.sha256, Some(&sealed.blob_sha256), Some(actor.person_id), now).await?;
                    super::draft::insert_file(tx, id, "issue-timestamp", "dau-thoi-gian.tst", &token_blob.sha256, Some(&sealed.blob_sha256), Some(actor.person_id), now).await?;
                    crate::archive::ltv::record_issue_extension(tx, id, &sealed.blob_sha256, &long_term, self.config.ltv_margin, now).await?;
                    for r in &recipients {
                        let dl = delivery::ActiveModel {
                            document_id: Set(id),
                            agency_id: Set(r.agency_id),
                            status: Set(ARRIVED.into()),
                            sent_at: Set(t),
                            arrived_at: Set(t),
                            verification: Set(indication.clone()),
                            verification_sha256: Set(Some(report_blob.sha256.clone())),
                            incoming_number: Set(None),
                            incoming_year: Set(None),
                            registered_at: Set(None),
                            assigned_person_id: Set(None),
                            assigned_unit: Set(None),
                            reason: Set(None),
                            frozen: Set(false),
                            updated_at: Set(t),
                            ..Default::default()
                        }
                        .insert(tx)
                        .await?;
                        self.delivery_event(tx, dl.id, ARRIVED, Some(actor.person_id), None, t).await?;
                        crate::webhook::enqueue(
                            tx,
                            self,
                            r.agency_id,
                            "delivery.arrived",
                            serde_json::json!({"delivery_id": dl.id, "document_id": id, "sender_agency_id": d.agency_id}),
                            now,
                        )
                        .await?;
                    }
                    let mut m: document::ActiveModel = d.clone().into();
                    m.state = Set(rule.to.code().into());
                    m.issued_at = Set(Some(t));
                    m.updated_at = Set(t);
                    if !warnings.is_empty() {
                        m.comment = Set(Some(warnings.join("\n")));
                    }
                    let d = m.update(tx).await?;
                    let mut e = Entry::new("document.issue", "document", id)
                        .agency(d.agency_id)
                        .role(Role::Clerk)
                        .sha256(sealed.blob_sha256.clone());
                    e = e.detail(if warnings.is_empty() {
                        format!("{} recipients", recipients.len())
                    } else {
                        format!("{} recipients; {}", recipients.len(), warnings.join("; "))
                    });
                    record(tx, actor, e, now).await?;
                    // The letter of a certificate request: issuing it sends the request.
                    self.send_with_letter(tx, actor, id, now).await?;
                    crate::webhook::enqueue(
                        tx,
                        self,
                        d.agency_id,
                        "document.issued",
                        serde_json::json!({"document_id": id, "number": super::view::number_text(&d), "recipients": recipients.iter().map(|r| r.agency_id).collect::<Vec<_>>()}),
                        now,
                    )
                    .await?;
                    self.document_view(tx, d).await
                })
                .await
        })
        .await
    }

    /// The sender recalls an issued document (status 13 at every
    /// recipient that has not rejected it).
    pub async fn recall(&self, actor: &Actor, id: i64, reason: &str) -> Result<DocumentView> {
        self.guard(actor, "document.recall", async || {
            actor.require_scope(Scope::Write)?;
            let reason = clean_text(reason);
            if reason.is_empty() || reason.chars().count() > 2000 {
                return Err(OfficeError::invalid(
                    "reason-required",
                    "cần nêu lý do thu hồi (tối đa 2000 ký tự)",
                    "a reason for the recall is required (at most 2000 characters)",
                ));
            }
            let now = self.now();
            let t = now.unix_timestamp();
            self.store
                .write(async |tx| {
                    let d = self.document_for_update(tx, actor, id).await?;
                    let flow = Flow::parse(&d.flow)?;
                    let rule = transition(flow, State::parse(&d.state)?, Action::Recall)?;
                    let role = actor.require_any(rule.roles, d.agency_id)?.role;
                    let deliveries = delivery::Entity::find()
                        .filter(delivery::Column::DocumentId.eq(id))
                        .all(tx)
                        .await?;
                    for dl in deliveries
                        .iter()
                        .filter(|x| RECALLABLE.contains(&x.status.as_str()))
                    {
                        let mut m: delivery::ActiveModel = dl.clone().into();
                        m.status = Set(RECALL_REQUESTED.into());
                        m.reason = Set(Some(reason.clone()));
                        m.updated_at = Set(t);
                        m.update(tx).await?;
                        self.delivery_event(
                            tx,
                            dl.id,
                            RECALL_REQUESTED,
                            Some(actor.person_id),
                            Some(reason.clone()),
                            t,
                        )
                        .await?;
                        crate::webhook::enqueue(
                            tx,
                            self,
                            dl.agency_id,
                            "delivery.recall_requested",
                            serde_json::json!({"delivery_id": dl.id, "document_id": id}),
                            now,
                        )
                        .await?;
                    }
                    // A recalled document leaves the agency's portal page.
                    let withdrawn = crate::portal::withdraw(tx, id).await?;
                    let mut m: document::ActiveModel = d.clone().into();
                    m.state = Set(rule.to.code().into());
                    m.comment = Set(Some(reason.clone()));
                    m.updated_at = Set(t);
                    let d = m.update(tx).await?;
                    record(
                        tx,
                        actor,
                        Entry::new("document.recall", "document", id)
                            .agency(d.agency_id)
                            .role(role)
                            .detail(if withdrawn {
                                format!(
                                    "{reason} (gỡ khỏi cổng thông tin / withdrawn from the portal)"
                                )
                            } else {
                                reason.clone()
                            }),
                        now,
                    )
                    .await?;
                    self.document_view(tx, d).await
                })
                .await
        })
        .await
    }

    /// The time-stamp of an issued document's issue event, checked: the
    /// time kyso's TSA gives for it.
    pub async fn issue_time(&self, actor: &Actor, id: i64) -> Result<Option<time::OffsetDateTime>> {
        let db = self.store.connection();
        let _ = self.document_model(db, actor, id).await?;
        let Ok(token) = self.latest_file(db, id, &["issue-timestamp"]).await else {
            return Ok(None);
        };
        let sealed = self.latest_file(db, id, &["sealed"]).await?;
        let der = self.blobs.get(&token.blob_sha256).await?;
        let digest =
            hex::decode(&sealed.blob_sha256).map_err(|e| OfficeError::internal("blob name", e))?;
        self.check_timestamp_token(&der, &digest)
            .map(Some)
            .map_err(|e| OfficeError::internal("issue time-stamp", e))
    }
}
