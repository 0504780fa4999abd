//! The handover record (biên bản bàn giao) of a device: laid out by the
//! office's renderer (krilla, [`crate::render::draft_pdf`]) as a "Biên
//! bản" of the managing organization, signed PAdES B-T with its seal key —
//! as register exports are — kept as a blob and linked to the handover
//! (R-MANAGER-HANDOVER, R-TOKEN-ORG). The loss record is the same page
//! for a `loss` entry.

use kyso_store::desk::{desk_device, desk_handover};
use kyso_store::sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use sha2::{Digest, Sha256};

use super::device::HandoverMethod;
use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::error::{OfficeError, Result};
use crate::register_pdf::RecordSeal;
use crate::render::{draft_pdf, AdministrativeDocument};
use crate::role::Role;
use crate::Office;

/// The signature field of a handover record.
pub const RECORD_SIGNATURE_FIELD: &str = "bien_ban";

/// Who seals a record: the managing organization's clerk or head.
const SEALERS: &[Role] = &[Role::Clerk, Role::Head];

fn sign_error(e: impl std::fmt::Display) -> OfficeError {
    OfficeError::invalid(
        "cannot-seal-record",
        format!("không ký được biên bản: {e}"),
        format!("cannot seal the record: {e}"),
    )
}

fn method_vi(code: &str) -> &'static str {
    [
        HandoverMethod::InPerson,
        HandoverMethod::Cipher,
        HandoverMethod::Post,
    ]
    .into_iter()
    .find(|m| m.code() == code)
    .map(|m| m.name_vi())
    .unwrap_or("")
}

impl Office {
    /// The record of handover `handover_id` of device `device_id`, sealed
    /// with the device's agency's seal key; kept and linked to the
    /// handover. Made again on each call (a new signing time).
    pub async fn handover_record(
        &self,
        actor: &Actor,
        device_id: i64,
        handover_id: i64,
    ) -> Result<Vec<u8>> {
        self.guard(actor, "desk.device.record", async || {
            actor.require_scope(Scope::Write)?;
            let db = self.store.connection();
            let not_found = || OfficeError::not_found("biên bản bàn giao", "handover");
            let d = desk_device::Entity::find_by_id(device_id)
                .one(db)
                .await?
                .ok_or_else(not_found)?;
            let h = desk_handover::Entity::find_by_id(handover_id)
                .one(db)
                .await?
                .filter(|h| h.device_id == device_id)
                .ok_or_else(not_found)?;
            if !actor.member_of(d.agency_id) {
                return Err(not_found());
            }
            let role = actor.require_any(SEALERS, d.agency_id)?.role;
            let agency = self.agency_model(db, d.agency_id).await?;
            let kit = self.seal_kit(d.agency_id).await?;
            let loss = h.kind == "loss";
            let mut body = vec![
                format!(
                    "Hôm nay, ngày {}, {} {}.",
                    h.handed_on,
                    if loss {
                        "lập biên bản về việc mất thiết bị lưu khóa bí mật"
                    } else {
                        "tiến hành bàn giao thiết bị lưu khóa bí mật"
                    },
                    if loss {
                        String::new()
                    } else {
                        format!("theo hình thức {}", method_vi(&h.method))
                    }
                ),
                format!("Bên giao: {}.", h.from_party),
            ];
            if !loss {
                body.push(format!("Bên nhận: {}.", h.to_party));
            }
            body.push(format!(
                "Thiết bị: số hiệu {}, loại {}, mô-đun PKCS#11 {}.",
                d.serial, d.model, d.module
            ));
            if let Some(c) = &d.certificate_serial {
                body.push(format!("Chứng thư số trên thiết bị: số hiệu {c}."));
            }
            if let Some(t) = &h.tracking_number {
                body.push(format!("Số hiệu bưu gửi: {t}."));
            }
            if let Some(r) = h.request_id {
                body.push(format!("Theo yêu cầu số {r}."));
            }
            if let Some(n) = &h.note {
                body.push(format!("Ghi chú: {n}"));
            }
            body.push(if loss {
                "Chứng thư số trên thiết bị đã được thu hồi ngay khi lập biên bản này.".into()
            } else {
                "Hai bên đã kiểm tra tình trạng thiết bị và thống nhất nội dung bàn giao trên."
                    .into()
            });
            let position = actor
                .memberships
                .iter()
                .find(|m| m.agency_id == d.agency_id && m.position.is_some())
                .and_then(|m| m.position.clone())
                .unwrap_or_else(|| role.name_vi().to_string());
            let doc = AdministrativeDocument {
                parent_body: None,
                issuing_body: agency.name.clone(),
                type_code: "BB".into(),
                type_name: "Biên bản".into(),
                agency_short: agency.short_name.clone(),
                // The place name of box 4; an agency without an address
                // is named instead.
                place: if agency.address.trim().is_empty() {
                    agency.name.clone()
                } else {
                    agency.address.clone()
                },
                subject: if loss {
                    format!("Mất thiết bị lưu khóa bí mật {}", d.serial)
                } else {
                    format!("Bàn giao thiết bị lưu khóa bí mật {}", d.serial)
                },
                body,
                authority: None,
                position,
                signer_name: actor.full_name.clone(),
                recipients: vec!["Bên giao".into(), "Bên nhận".into()],
                priority: Default::default(),
            };
            let rendered = draft_pdf(&doc).map_err(OfficeError::from)?;
            let sig_box = rendered.layout.approver.ok_or_else(|| {
                OfficeError::internal("handover record", "no signature box in the layout")
            })?;
            let now = self.now();
            let how = RecordSeal {
                at: sig_box,
                field: RECORD_SIGNATURE_FIELD,
                reason: "Biên bản bàn giao thiết bị / device handover record".into(),
                image: true,
            };
            let signed = self
                .seal_record(&kit, &rendered.pdf, how, now, sign_error)
                .await?;
            let sha = hex::encode(Sha256::digest(&signed));
            let blob = self.blobs.put(bytes::Bytes::from(signed.clone())).await?;
            self.store
                .write(async |tx| {
                    kyso_store::record_blob(tx, &blob, "application/pdf", None, now).await?;
                    let mut a: desk_handover::ActiveModel = h.clone().into();
                    a.record_sha256 = Set(Some(sha.clone()));
                    a.update(tx).await?;
                    record(
                        tx,
                        actor,
                        Entry::new("desk.device.record", "desk_handover", handover_id)
                            .agency(d.agency_id)
                            .role(role)
                            .sha256(sha.clone()),
                        now,
                    )
                    .await
                })
                .await?;
            Ok(signed)
        })
        .await
    }
}
