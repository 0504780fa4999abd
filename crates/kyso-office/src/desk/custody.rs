//! The organization token's change of custodian (R-TOKEN-ORG): the token
//! that carries the agency's seal certificate passes from one of its
//! people to another only on a handover record (biên bản bàn giao,
//! [`super::record`]) sealed with the managing organization's seal; the
//! old and the new custodian are kept with the record's hash, a record
//! serving one change only.

use kyso_pki::profile::Profile;
use kyso_sign::validate::Indication;
use kyso_store::desk::{desk_custody, desk_device, desk_handover};
use kyso_store::office::{agency, membership, person};
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::device::{DeviceState, DeviceView};
use super::record::RECORD_SIGNATURE_FIELD;
use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::document::iso;
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// Who hands the organization's token to a new custodian: the managing
/// organization's head or clerk (those who seal the record).
const KEEPERS: &[Role] = &[Role::Head, Role::Clerk];

/// A change of custodian.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CustodianChange {
    /// The handover (recorded with `record_handover`) whose record was
    /// sealed with the managing organization's seal (`handover_record`).
    pub handover_id: i64,
    /// The new custodian: a person of the device's agency.
    pub custodian_id: i64,
}

/// A change of custodian as kept.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CustodyView {
    pub id: i64,
    pub device_id: i64,
    pub handover_id: i64,
    pub old_holder_id: Option<i64>,
    pub old_holder_name: Option<String>,
    pub new_holder_id: i64,
    pub new_holder_name: String,
    /// SHA-256 of the sealed handover record.
    pub record_sha256: String,
    pub changed_by: i64,
    pub changed_at: String,
}

/// The refusal of a holder change of the organization's token outside
/// [`Office::change_custodian`].
pub(crate) fn custodian_change_needed() -> OfficeError {
    OfficeError::conflict(
        "sealed-record-required",
        "thiết bị của cơ quan chỉ được giao cho người giữ mới kèm biên bản bàn giao có con dấu của cơ quan quản lý (kyso desk custodian)",
        "the organization's token passes to a new custodian only with a handover record sealed by the managing organization (kyso desk custodian)",
    )
}

fn record_required() -> OfficeError {
    OfficeError::conflict(
        "sealed-record-required",
        "giao thiết bị của cơ quan cho người giữ mới cần biên bản bàn giao đã ký số bằng con dấu của cơ quan quản lý: ghi nhận việc bàn giao rồi lập biên bản (kyso desk device record) trước",
        "handing the organization's token to a new custodian needs a handover record sealed with the managing organization's seal: record the handover and make its record (kyso desk device record) first",
    )
}

fn not_sealed(why: &str) -> OfficeError {
    OfficeError::conflict(
        "sealed-record-required",
        format!(
            "biên bản bàn giao không mang con dấu (chữ ký số) hợp lệ của cơ quan quản lý thiết bị: {why}"
        ),
        format!(
            "the handover record does not carry a valid seal of the device's managing organization: {why}"
        ),
    )
}

async fn holder_name(db: &impl ConnectionTrait, id: i64) -> Result<String> {
    Ok(person::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|p| p.full_name)
        .unwrap_or_default())
}

impl Office {
    /// Whether `d` is an organization's token: it carries a seal
    /// certificate (R-TOKEN-ORG).
    pub(crate) async fn is_organization_token(&self, d: &desk_device::Model) -> Result<bool> {
        let Some(serial) = &d.certificate_serial else {
            return Ok(false);
        };
        Ok(match self.ca.store().certificate(serial).await? {
            Some(c) => c.profile.parse::<Profile>().ok() == Some(Profile::OrganizationSeal),
            None => false,
        })
    }

    /// Whether `d` carries a person's certificate (which follows its
    /// holder and is never handed to someone else).
    async fn carries_personal_certificate(&self, d: &desk_device::Model) -> Result<bool> {
        let Some(serial) = &d.certificate_serial else {
            return Ok(false);
        };
        Ok(match self.ca.store().certificate(serial).await? {
            Some(c) => c.profile.parse::<Profile>().ok() != Some(Profile::OrganizationSeal),
            None => false,
        })
    }

    /// Checks that `pdf` is signed in the record's field by the seal
    /// certificate of agency `agency_id`, intact.
    async fn check_record_seal(&self, pdf: &[u8], agency_id: i64) -> Result<()> {
        let a = agency::Entity::find_by_id(agency_id)
            .one(self.store.connection())
            .await?
            .ok_or_else(|| OfficeError::not_found("cơ quan", "agency"))?;
        let Some(seal) = &a.certificate_der else {
            return Err(not_sealed(
                "cơ quan chưa có chứng thư số con dấu / no seal certificate",
            ));
        };
        let seal_fp = kyso_pki::certificate::fingerprint_sha256(seal);
        let report = self.verify_pdf_bytes(pdf).await?;
        let sealed = report.signatures.iter().any(|s| {
            s.field.as_deref() == Some(RECORD_SIGNATURE_FIELD)
                && s.indication != Indication::TotalFailed
                && s.signer.as_ref().map(|c| c.sha256.as_str()) == Some(seal_fp.as_str())
        });
        if sealed {
            Ok(())
        } else {
            Err(not_sealed(&report.message_vi))
        }
    }

    /// Hands device `device_id` — the organization's token — to a new
    /// custodian on the sealed record of handover `c.handover_id`
    /// (R-TOKEN-ORG). Refused without such a record, with a record that
    /// is not the managing organization's seal or already served, and for
    /// a token carrying a person's certificate. The old and the new
    /// custodian are kept; one transaction with its audit entry.
    pub async fn change_custodian(
        &self,
        actor: &Actor,
        device_id: i64,
        c: CustodianChange,
    ) -> Result<DeviceView> {
        self.guard(actor, "desk.device.custodian", async || {
            actor.require_scope(Scope::Write)?;
            let db = self.store.connection();
            let d = desk_device::Entity::find_by_id(device_id)
                .one(db)
                .await?
                .filter(|d| actor.member_of(d.agency_id))
                .ok_or_else(|| OfficeError::not_found("thiết bị", "device"))?;
            let role = actor
                .require_any(KEEPERS, d.agency_id)
                .map_err(|_| {
                    OfficeError::forbidden(
                        "chỉ thủ trưởng hoặc văn thư của cơ quan quản lý được giao thiết bị của cơ quan cho người giữ mới",
                        "only the managing organization's head or clerk hands the organization's token to a new custodian",
                    )
                })?
                .role;
            let state = DeviceState::parse(&d.state)?;
            if !matches!(
                state,
                DeviceState::New | DeviceState::Issued | DeviceState::InUse | DeviceState::Locked
            ) {
                return Err(OfficeError::conflict(
                    "wrong-state",
                    format!("thiết bị đang ở trạng thái \"{}\", không giao cho người giữ mới được", state.name_vi()),
                    format!("a device that is {} has no custodian to change", state.name_en()),
                ));
            }
            if self.carries_personal_certificate(&d).await? {
                return Err(OfficeError::conflict(
                    "personal-token",
                    "thiết bị mang chứng thư số cá nhân: không được giao cho người khác giữ (thu hồi và cấp mới thay vì đó)",
                    "the device carries a personal certificate: it is not handed to someone else (revoke and issue anew instead)",
                ));
            }
            if d.holder_id == Some(c.custodian_id) {
                return Err(OfficeError::conflict(
                    "same-custodian",
                    "người này đang giữ thiết bị",
                    "this person already keeps the device",
                ));
            }
            let is_member = membership::Entity::find()
                .filter(membership::Column::PersonId.eq(c.custodian_id))
                .filter(membership::Column::AgencyId.eq(d.agency_id))
                .one(db)
                .await?
                .is_some();
            if !is_member {
                return Err(OfficeError::invalid(
                    "custodian-not-member",
                    "người giữ mới phải thuộc cơ quan quản lý thiết bị",
                    "the new custodian must belong to the device's agency",
                ));
            }
            let h = desk_handover::Entity::find_by_id(c.handover_id)
                .one(db)
                .await?
                .filter(|h| h.device_id == device_id)
                .ok_or_else(|| OfficeError::not_found("biên bản bàn giao", "handover"))?;
            if h.kind != "handover" {
                return Err(record_required());
            }
            let Some(sha) = h.record_sha256.clone() else {
                return Err(record_required());
            };
            let pdf = self.blobs.get(&sha).await.map_err(|_| record_required())?;
            if hex::encode(Sha256::digest(&pdf)) != sha {
                return Err(not_sealed("hash"));
            }
            self.check_record_seal(&pdf, d.agency_id).await?;
            let now = self.now();
            self.store
                .write(async |tx| {
                    let mut q = desk_device::Entity::find_by_id(device_id);
                    if tx.get_database_backend() == kyso_store::sea_orm::DbBackend::Postgres {
                        q = q.lock_exclusive();
                    }
                    let d = q
                        .one(tx)
                        .await?
                        .ok_or_else(|| OfficeError::not_found("thiết bị", "device"))?;
                    // Checked again under the lock: nothing moved since.
                    if DeviceState::parse(&d.state)? != state
                        || d.holder_id == Some(c.custodian_id)
                    {
                        return Err(OfficeError::conflict(
                            "device-changed",
                            "thiết bị vừa được thay đổi, hãy thử lại",
                            "the device has just changed, try again",
                        ));
                    }
                    if desk_custody::Entity::find()
                        .filter(desk_custody::Column::HandoverId.eq(h.id))
                        .one(tx)
                        .await?
                        .is_some()
                    {
                        return Err(OfficeError::conflict(
                            "record-used",
                            "biên bản bàn giao này đã được dùng cho một lần giao thiết bị",
                            "this handover record already served a change of custodian",
                        ));
                    }
                    desk_custody::ActiveModel {
                        device_id: Set(device_id),
                        handover_id: Set(h.id),
                        agency_id: Set(d.agency_id),
                        old_holder_id: Set(d.holder_id),
                        new_holder_id: Set(c.custodian_id),
                        record_sha256: Set(sha.clone()),
                        changed_by: Set(actor.person_id),
                        changed_at: Set(now.unix_timestamp()),
                        ..Default::default()
                    }
                    .insert(tx)
                    .await?;
                    let old = d.holder_id;
                    let mut a: desk_device::ActiveModel = d.clone().into();
                    a.holder_id = Set(Some(c.custodian_id));
                    a.updated_at = Set(now.unix_timestamp());
                    a.update(tx).await?;
                    record(
                        tx,
                        actor,
                        Entry::new("desk.device.custodian", "desk_device", device_id)
                            .agency(d.agency_id)
                            .role(role)
                            .sha256(sha.clone())
                            .detail(format!(
                                "holder {} → {}; handover {}",
                                old.map(|o| o.to_string()).unwrap_or_else(|| "-".into()),
                                c.custodian_id,
                                h.id
                            )),
                        now,
                    )
                    .await
                })
                .await?;
            self.device(actor, device_id).await
        })
        .await
    }

    /// The changes of custodian of device `device_id`, oldest first.
    pub async fn custody_changes(&self, actor: &Actor, device_id: i64) -> Result<Vec<CustodyView>> {
        // The device as the actor may see it.
        self.device(actor, device_id).await?;
        let db = self.store.connection();
        let rows = desk_custody::Entity::find()
            .filter(desk_custody::Column::DeviceId.eq(device_id))
            .order_by_asc(desk_custody::Column::Id)
            .all(db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let old_holder_name = match r.old_holder_id {
                Some(o) => Some(holder_name(db, o).await?),
                None => None,
            };
            out.push(CustodyView {
                id: r.id,
                device_id: r.device_id,
                handover_id: r.handover_id,
                old_holder_id: r.old_holder_id,
                old_holder_name,
                new_holder_id: r.new_holder_id,
                new_holder_name: holder_name(db, r.new_holder_id).await?,
                record_sha256: r.record_sha256,
                changed_by: r.changed_by,
                changed_at: iso(r.changed_at),
            });
        }
        Ok(out)
    }
}
