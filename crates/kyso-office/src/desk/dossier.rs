//! Dossiers (R-DIC-RECORDS, R-MANAGER-DOSSIERS): a request — or every
//! request a search finds ([`super::view::RequestFilter`]) — exported as
//! one ZIP with, per request under `requests/ID/`, its form
//! (`form.json`), the request with its history (`request.json`), the
//! decision (`decision.json`), the certificates it concerns or produced
//! (`certificates/SERIAL.der` and `.pem`), the request's letter as issued
//! with both signatures (`letter.pdf`), the handovers and loss records
//! of its devices (`handovers/ID-KIND.json`, with the sealed record
//! `handovers/ID-KIND.pdf` when made) and its audit trail
//! (`audit.jsonl`, the chain fields kept); `dossier.json` says what was
//! exported, and `manifest.xml` lists every file with its SHA-256 and
//! size (the archive export's package, [`crate::archive::package`]).
//!
//! Kept for the managing organization of the subscriber, the department
//! administrators, the CA operators and the auditors; every export is
//! audited (`desk.dossier.export`).

use std::io::{Seek, Write};

use kyso_store::desk::{desk_device, desk_handover};
use kyso_store::office::person;
use kyso_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;

use super::view::{RequestFilter, RequestView};
use crate::actor::{Actor, Scope};
use crate::archive::package::{safe_name, Package};
use crate::audit::{record, Entry};
use crate::document::iso;
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// Most requests in one dossier export.
pub const DOSSIER_LIMIT: u64 = 500;

/// Roles of the subscriber's managing organization that keep its dossiers.
const KEEPERS: &[Role] = &[
    Role::Head,
    Role::Approver,
    Role::Clerk,
    Role::ItOfficer,
    Role::Auditor,
];

/// What an export wrote.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DossierReport {
    pub requests: usize,
    pub files: usize,
    pub bytes: u64,
    pub audit_entries: usize,
}

/// Whether `actor` keeps the dossiers of agency `agency_id`'s requests.
fn keeps(actor: &Actor, agency_id: i64) -> bool {
    KEEPERS.iter().any(|r| actor.has(*r, agency_id))
        || actor.has_anywhere(Role::DeptAdmin)
        || actor.has_anywhere(Role::CaOperator)
}

fn not_keeper() -> OfficeError {
    OfficeError::forbidden(
        "hồ sơ yêu cầu chỉ dành cho cơ quan quản lý thuê bao, quản trị Sở KH&CN, vận hành CA và kiểm tra viên",
        "request dossiers are for the subscriber's managing organization, the department administrators, the CA operators and the auditors",
    )
}

fn json<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    let mut b =
        serde_json::to_vec_pretty(v).map_err(|e| OfficeError::internal("dossier json", e))?;
    b.push(b'\n');
    Ok(b)
}

/// The decision part of a request.
#[derive(Serialize)]
struct Decision<'a> {
    state: &'a str,
    confirmed_by: Option<i64>,
    confirmed_at: Option<&'a str>,
    confirmation: Option<&'a str>,
    decided_by: Option<i64>,
    decided_by_name: Option<String>,
    decided_at: Option<&'a str>,
    note: Option<&'a str>,
    issued_serial: Option<&'a str>,
    completed_at: Option<&'a str>,
}

/// A handover or loss record as exported.
#[derive(Serialize)]
struct HandoverFile<'a> {
    id: i64,
    device_id: i64,
    device_serial: &'a str,
    kind: &'a str,
    method: &'a str,
    tracking_number: Option<&'a str>,
    handed_on: &'a str,
    from_party: &'a str,
    to_party: &'a str,
    note: Option<&'a str>,
    request_id: Option<i64>,
    record_sha256: Option<&'a str>,
    record: Option<String>,
    created_at: String,
}

impl Office {
    /// The dossier of request `id` as a ZIP written to `out`.
    pub async fn request_dossier<W: Write + Seek>(
        &self,
        actor: &Actor,
        id: i64,
        out: W,
    ) -> Result<DossierReport> {
        self.guard(actor, "desk.dossier.export", async || {
            actor.require_scope(Scope::Read)?;
            let r = self.desk_request(actor, id).await?;
            if !keeps(actor, r.agency_id) {
                return Err(not_keeper());
            }
            self.write_dossier(actor, &[r], None, out).await
        })
        .await
    }

    /// The dossiers of the requests `f` finds (at most
    /// [`DOSSIER_LIMIT`]) as one ZIP written to `out`; only the requests
    /// whose dossiers the actor keeps.
    pub async fn search_dossiers<W: Write + Seek>(
        &self,
        actor: &Actor,
        f: &RequestFilter,
        out: W,
    ) -> Result<DossierReport> {
        self.guard(actor, "desk.dossier.export", async || {
            actor.require_scope(Scope::Read)?;
            if !actor.memberships.iter().any(|m| keeps(actor, m.agency_id)) {
                return Err(not_keeper());
            }
            if let Some(a) = f.agency_id {
                if !keeps(actor, a) {
                    return Err(not_keeper());
                }
            }
            let mut f = f.clone();
            f.limit = Some(Ord::min(f.limit.unwrap_or(DOSSIER_LIMIT), DOSSIER_LIMIT));
            let found: Vec<RequestView> = self
                .desk_requests(actor, &f)
                .await?
                .into_iter()
                .filter(|r| keeps(actor, r.agency_id))
                .collect();
            if found.is_empty() {
                return Err(OfficeError::invalid(
                    "dossier-empty",
                    "không có yêu cầu nào phù hợp để xuất hồ sơ",
                    "no request matches: nothing to export",
                ));
            }
            self.write_dossier(actor, &found, Some(&f), out).await
        })
        .await
    }

    async fn write_dossier<W: Write + Seek>(
        &self,
        actor: &Actor,
        requests: &[RequestView],
        filter: Option<&RequestFilter>,
        out: W,
    ) -> Result<DossierReport> {
        let db = self.store.connection();
        let now = self.now();
        let mut pkg = Package::new(out, now);
        let mut audit_count = 0usize;
        for r in requests {
            let dir = format!("requests/{}", r.id);
            let form = serde_json::json!({
                "id": r.id,
                "kind": r.kind,
                "kind_name": r.kind_name,
                "agency_id": r.agency_id,
                "agency_name": r.agency_name,
                "subscriber_id": r.subscriber_id,
                "created_by": r.created_by,
                "created_at": r.created_at,
                "form": r.form,
            });
            pkg.put(format!("{dir}/form.json"), &json(&form)?)?;
            pkg.put(format!("{dir}/request.json"), &json(r)?)?;
            if r.confirmed_by.is_some() || r.decided_by.is_some() {
                let decided_by_name = match r.decided_by {
                    Some(p) => person::Entity::find_by_id(p)
                        .one(db)
                        .await?
                        .map(|p| p.full_name),
                    None => None,
                };
                let d = Decision {
                    state: r.state.code(),
                    confirmed_by: r.confirmed_by,
                    confirmed_at: r.confirmed_at.as_deref(),
                    confirmation: r.confirmation.as_deref(),
                    decided_by: r.decided_by,
                    decided_by_name,
                    decided_at: r.decided_at.as_deref(),
                    note: r.note.as_deref(),
                    issued_serial: r.issued_serial.as_deref(),
                    completed_at: r.completed_at.as_deref(),
                };
                pkg.put(format!("{dir}/decision.json"), &json(&d)?)?;
            }
            // The certificates it concerns and the one it produced.
            let mut serials: Vec<String> = Vec::new();
            for s in [&r.form.certificate_serial, &r.issued_serial]
                .into_iter()
                .flatten()
            {
                if !serials.contains(s) {
                    serials.push(s.clone());
                }
            }
            for s in &serials {
                let Some(c) = self.ca.store().certificate(s).await? else {
                    continue;
                };
                let name = safe_name(s);
                pkg.put(format!("{dir}/certificates/{name}.der"), &c.der)?;
                let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &c.der)
                    .map_err(|e| OfficeError::internal("dossier pem", e))?;
                pkg.put(format!("{dir}/certificates/{name}.pem"), pem.as_bytes())?;
            }
            // Its letter as issued (the managing organization's two
            // signatures), when it went that far.
            if let Some(doc) = r.letter_document_id {
                if let Ok(f) = self.latest_file(db, doc, &["sealed"]).await {
                    let pdf = self.blobs.get(&f.blob_sha256).await?;
                    pkg.put(format!("{dir}/letter.pdf"), &pdf)?;
                }
            }
            // Its devices: the token it names, those carrying its
            // certificates; their handovers made for it, and every loss.
            let mut devices: Vec<desk_device::Model> = Vec::new();
            if let Some(t) = &r.form.token_serial {
                devices.extend(
                    desk_device::Entity::find()
                        .filter(desk_device::Column::Serial.eq(t.clone()))
                        .all(db)
                        .await?,
                );
            }
            if !serials.is_empty() {
                for d in desk_device::Entity::find()
                    .filter(desk_device::Column::CertificateSerial.is_in(serials.clone()))
                    .all(db)
                    .await?
                {
                    if !devices.iter().any(|x| x.id == d.id) {
                        devices.push(d);
                    }
                }
            }
            let mut handovers: Vec<desk_handover::Model> = desk_handover::Entity::find()
                .filter(desk_handover::Column::RequestId.eq(r.id))
                .all(db)
                .await?;
            for d in &devices {
                for h in desk_handover::Entity::find()
                    .filter(desk_handover::Column::DeviceId.eq(d.id))
                    .filter(desk_handover::Column::Kind.eq("loss"))
                    .all(db)
                    .await?
                {
                    if !handovers.iter().any(|x| x.id == h.id) {
                        handovers.push(h);
                    }
                }
            }
            handovers.sort_by_key(|h| h.id);
            for h in &handovers {
                let serial = match devices.iter().find(|d| d.id == h.device_id) {
                    Some(d) => d.serial.clone(),
                    None => desk_device::Entity::find_by_id(h.device_id)
                        .one(db)
                        .await?
                        .map(|d| d.serial)
                        .unwrap_or_default(),
                };
                let base = format!("{dir}/handovers/{}-{}", h.id, safe_name(&h.kind));
                let record = match &h.record_sha256 {
                    Some(sha) => match self.blobs.get(sha).await {
                        Ok(pdf) => {
                            let path = format!("{base}.pdf");
                            pkg.put(path.clone(), &pdf)?;
                            Some(path)
                        }
                        Err(_) => None,
                    },
                    None => None,
                };
                let file = HandoverFile {
                    id: h.id,
                    device_id: h.device_id,
                    device_serial: &serial,
                    kind: &h.kind,
                    method: &h.method,
                    tracking_number: h.tracking_number.as_deref(),
                    handed_on: &h.handed_on,
                    from_party: &h.from_party,
                    to_party: &h.to_party,
                    note: h.note.as_deref(),
                    request_id: h.request_id,
                    record_sha256: h.record_sha256.as_deref(),
                    record,
                    created_at: iso(h.created_at),
                };
                pkg.put(format!("{base}.json"), &json(&file)?)?;
            }
            // The audit trail: the request's entries and its records'.
            let mut entries = self
                .store
                .audit_entries(&kyso_store::AuditFilter {
                    object_kind: Some("desk_request".into()),
                    object_id: Some(r.id.to_string()),
                    limit: 10_000,
                    ..Default::default()
                })
                .await?;
            for h in &handovers {
                entries.extend(
                    self.store
                        .audit_entries(&kyso_store::AuditFilter {
                            object_kind: Some("desk_handover".into()),
                            object_id: Some(h.id.to_string()),
                            limit: 1_000,
                            ..Default::default()
                        })
                        .await?,
                );
            }
            entries.sort_by_key(|e| e.seq);
            let mut lines = Vec::new();
            for e in &entries {
                let line = serde_json::to_string(e)
                    .map_err(|e| OfficeError::internal("dossier audit", e))?;
                lines.extend_from_slice(line.as_bytes());
                lines.push(b'\n');
            }
            audit_count += entries.len();
            pkg.put(format!("{dir}/audit.jsonl"), &lines)?;
        }
        let ids: Vec<i64> = requests.iter().map(|r| r.id).collect();
        let index = serde_json::json!({
            "format": "kyso-desk-dossier/1",
            "exported_at": iso(now.unix_timestamp()),
            "exported_by": actor.full_name,
            "filter": filter,
            "requests": ids,
        });
        pkg.put("dossier.json".into(), &json(&index)?)?;
        let n = requests.len().to_string();
        let (files, bytes) = pkg.finish(&[("requests", &n)])?;
        let agency = requests.first().map(|r| r.agency_id);
        let object = match requests {
            [one] => one.id.to_string(),
            _ => "search".to_string(),
        };
        let mut listed: Vec<String> = ids.iter().take(50).map(|i| i.to_string()).collect();
        if ids.len() > 50 {
            listed.push(format!("… ({} in all)", ids.len()));
        }
        self.store
            .write(async |tx| {
                let mut e = Entry::new("desk.dossier.export", "desk_request", &object)
                    .detail(format!("requests {}", listed.join(",")));
                if let (Some(a), [_]) = (agency, requests) {
                    e = e.agency(a);
                }
                record(tx, actor, e, now).await
            })
            .await?;
        Ok(DossierReport {
            requests: requests.len(),
            files,
            bytes,
            audit_entries: audit_count,
        })
    }
}
