//! The CA's or department's approval, acting through kyso's CA: a new
//! certificate from a CSR made on the subscriber's token (never a key made
//! on the server, R-TOKEN-PERSON), a renewal (≤ 3 years more, ≤ 5 years
//! in all), an information change (the same key, the new name; the old
//! certificate revoked as superseded), a revocation (CRL and OCSP at once)
//! or a token recovery (the device back in use).

use base64::Engine;
use kyso_ca::IssueOptions;
use kyso_pki::name::SubjectName;
use kyso_pki::profile::Profile;
use kyso_pki::RevocationReason;
use kyso_store::desk::{desk_device, desk_request};
use kyso_store::office::agency;
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::calendar::iso_day;
use super::device::DeviceState;
use super::kind::{RequestKind, DEVICE_RETURN_DAYS};
use super::state::Action;
use super::view::RequestView;
use crate::actor::{Actor, Scope};
use crate::clock::vietnam_date;
use crate::error::{OfficeError, Result};
use crate::Office;

/// Largest CSR accepted.
const MAX_CSR: usize = 64 * 1024;

/// What the approver gives.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct Approval {
    /// The PKCS#10 request made on the subscriber's token (PEM, or DER in
    /// base64): required for a new issuance.
    #[serde(default)]
    pub csr: Option<String>,
    /// Validity of a new certificate in days (≤ 5 years; the CA's
    /// default when absent).
    #[serde(default)]
    pub days: Option<u32>,
    #[serde(default)]
    pub note: Option<String>,
}

fn ca_refused(e: impl std::fmt::Display) -> OfficeError {
    OfficeError::invalid(
        "ca-refused",
        format!("CA từ chối: {e}"),
        format!("the CA refused: {e}"),
    )
}

fn csr_bytes(csr: &str) -> Result<Vec<u8>> {
    let t = csr.trim();
    if t.len() > MAX_CSR {
        return Err(OfficeError::invalid(
            "bad-csr",
            "yêu cầu ký chứng thư (CSR) quá lớn",
            "the CSR is too large",
        ));
    }
    if t.starts_with("-----BEGIN") {
        return Ok(t.as_bytes().to_vec());
    }
    let compact: String = t.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| {
            OfficeError::invalid(
                "bad-csr",
                "CSR phải ở dạng PEM hoặc DER mã hóa base64",
                "the CSR must be PEM or base64 DER",
            )
        })
}

impl Office {
    /// The subject a request's certificate gets: the form's name, position
    /// and e-mail, the agency as organization, the identity number.
    async fn request_subject(&self, r: &desk_request::Model) -> Result<SubjectName> {
        let agency = agency::Entity::find_by_id(r.agency_id)
            .one(self.store.connection())
            .await?
            .ok_or_else(|| OfficeError::not_found("cơ quan", "agency"))?;
        let kind = RequestKind::parse(&r.kind)?;
        let org = kind == RequestKind::IssueOrganization;
        Ok(SubjectName {
            organization: Some(agency.name.clone()),
            title: (!org && !r.position.is_empty()).then(|| r.position.clone()),
            common_name: r.full_name.clone(),
            email: Some(r.email.clone()),
            uid: Some(if org {
                format!("MST:{}", r.identity_number)
            } else {
                format!("CCCD:{}", r.identity_number)
            }),
            ..SubjectName::default()
        })
    }

    /// Approves request `id` at the CA or department; the certificate
    /// operation runs first, the request's transition after it in one
    /// transaction with its audit entry.
    pub async fn approve_request(
        &self,
        actor: &Actor,
        id: i64,
        approval: Approval,
    ) -> Result<RequestView> {
        let r = self
            .guard(actor, "desk.request.approve", async || {
                actor.require_scope(Scope::Write)?;
                let r = self.desk_precheck(actor, id, Action::Approve).await?;
                // The request reached the decider as its letter, signed twice.
                self.require_letter_received(self.store.connection(), actor, &r)
                    .await?;
                Ok(r)
            })
            .await?;
        let kind = RequestKind::parse(&r.kind)?;
        let serial = r.certificate_serial.clone().unwrap_or_default();
        // The certificate operation.
        let issued: Option<String> = match kind {
            RequestKind::IssuePerson | RequestKind::IssueOrganization => {
                let csr = approval.csr.as_deref().ok_or_else(|| {
                    OfficeError::invalid(
                        "csr-required",
                        "cấp mới cần CSR tạo trên thiết bị của thuê bao (kyso token keygen)",
                        "a new issuance needs the CSR made on the subscriber's token (kyso token keygen)",
                    )
                })?;
                let profile = if kind == RequestKind::IssueOrganization {
                    Profile::OrganizationSeal
                } else {
                    Profile::PersonalSigning
                };
                if let Some(d) = approval.days {
                    if i64::from(d) > profile.max_validity_days() || d == 0 {
                        return Err(OfficeError::invalid(
                            "bad-validity",
                            "chứng thư số có thời hạn tối đa 5 năm",
                            "a certificate lasts at most 5 years",
                        ));
                    }
                }
                let subject = self.request_subject(&r).await?;
                let cert = self
                    .ca
                    .issue_from_csr(
                        &csr_bytes(csr)?,
                        &IssueOptions {
                            profile,
                            days: approval.days,
                            subject: Some(subject.clone()),
                            email: subject.email.clone(),
                        },
                    )
                    .await
                    .map_err(ca_refused)?;
                Some(cert.serial_hex)
            }
            RequestKind::Renew => {
                let days = u32::try_from(r.renewal_days.unwrap_or(0)).unwrap_or(0);
                let cert = self.ca.renew(&serial, days).await.map_err(ca_refused)?;
                Some(cert.serial_hex)
            }
            RequestKind::Change => {
                let old = self
                    .ca
                    .store()
                    .certificate(&serial)
                    .await?
                    .ok_or_else(|| OfficeError::not_found("chứng thư số", "certificate"))?;
                if old.status != kyso_store::CertificateStatus::Valid {
                    return Err(ca_refused("the certificate is revoked"));
                }
                let parsed =
                    kyso_pki::certificate::parse_certificate(&old.der).map_err(ca_refused)?;
                let spki = der::Encode::to_der(&parsed.tbs_certificate.subject_public_key_info)
                    .map_err(|e| OfficeError::internal("certificate", e))?;
                let profile: Profile = old
                    .profile
                    .parse()
                    .map_err(|_| ca_refused("unknown profile"))?;
                let subject = self.request_subject(&r).await?;
                let cert = self
                    .ca
                    .issue_for_public_key(
                        &subject,
                        &spki,
                        &IssueOptions {
                            profile,
                            days: approval.days,
                            subject: None,
                            email: None,
                        },
                    )
                    .await
                    .map_err(ca_refused)?;
                self.ca
                    .revoke(&serial, Some(RevocationReason::Superseded))
                    .await
                    .map_err(ca_refused)?;
                Some(cert.serial_hex)
            }
            RequestKind::Revoke => {
                let reason = r
                    .revocation_reason
                    .and_then(|c| RevocationReason::from_code(u8::try_from(c).ok()?));
                self.ca.revoke(&serial, reason).await.map_err(ca_refused)?;
                None
            }
            RequestKind::RecoverToken => None,
        };
        let note = approval.note.clone();
        self.desk_step(
            actor,
            id,
            Action::Approve,
            note.clone(),
            async |tx, r, a, now| {
                self.require_letter_received(tx, actor, r).await?;
                a.decided_by = Set(Some(actor.person_id));
                a.decided_at = Set(Some(now.unix_timestamp()));
                a.issued_serial = Set(issued.clone());
                a.note = Set(note.clone());
                match kind {
                    RequestKind::Revoke => {
                        // The device goes back within 5 working days.
                        let cal = self.desk_calendar(tx).await?;
                        let due =
                            iso_day(cal.add_working_days(vietnam_date(now), DEVICE_RETURN_DAYS));
                        for d in desk_device::Entity::find()
                            .filter(desk_device::Column::CertificateSerial.eq(serial.clone()))
                            .all(tx)
                            .await?
                        {
                            let mut da: desk_device::ActiveModel = d.into();
                            da.return_due = Set(Some(due.clone()));
                            da.updated_at = Set(now.unix_timestamp());
                            da.update(tx).await?;
                        }
                    }
                    RequestKind::RecoverToken => {
                        if let Some(t) = &r.token_serial {
                            if let Some(d) = desk_device::Entity::find()
                                .filter(desk_device::Column::Serial.eq(t.clone()))
                                .one(tx)
                                .await?
                            {
                                self.device_transition(tx, actor, d, DeviceState::InUse, now)
                                    .await?;
                            }
                        }
                    }
                    RequestKind::Renew | RequestKind::Change => {
                        // The device now carries the new certificate.
                        for d in desk_device::Entity::find()
                            .filter(desk_device::Column::CertificateSerial.eq(serial.clone()))
                            .all(tx)
                            .await?
                        {
                            let mut da: desk_device::ActiveModel = d.into();
                            da.certificate_serial = Set(issued.clone());
                            da.updated_at = Set(now.unix_timestamp());
                            da.update(tx).await?;
                        }
                    }
                    RequestKind::IssuePerson | RequestKind::IssueOrganization => {
                        if let Some(t) = &r.token_serial {
                            if let Some(d) = desk_device::Entity::find()
                                .filter(desk_device::Column::Serial.eq(t.clone()))
                                .one(tx)
                                .await?
                            {
                                let holder = r.subscriber_id;
                                let mut d2 = d.clone();
                                d2.certificate_serial = issued.clone();
                                d2.holder_id = holder.or(d.holder_id);
                                let mut da: desk_device::ActiveModel = d.clone().into();
                                da.certificate_serial = Set(issued.clone());
                                da.holder_id = Set(d2.holder_id);
                                da.update(tx).await?;
                                d2.updated_at = now.unix_timestamp();
                                self.device_transition(tx, actor, d2, DeviceState::Issued, now)
                                    .await?;
                            }
                        }
                    }
                }
                Ok(())
            },
        )
        .await
    }
}
