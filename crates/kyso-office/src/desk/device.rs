//! The registry of key devices (USB tokens) and their custody (R-DEVICE-
//! DELIVERY, R-MANAGER-HANDOVER, R-TOKEN-ORG): states with a table of
//! allowed transitions (like Dogtag's token states), every handover with
//! its method, date and both parties, and loss records — a lost device's
//! certificate is revoked at once (key compromise).

use kyso_pki::RevocationReason;
use kyso_store::desk::{desk_device, desk_handover};
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::calendar::{due_status, iso_day, parse_day, DueStatus};
use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::clock::vietnam_date;
use crate::document::iso;
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceState {
    New,
    Issued,
    InUse,
    Locked,
    Lost,
    Returned,
    Destroyed,
}

impl DeviceState {
    pub const ALL: [DeviceState; 7] = [
        DeviceState::New,
        DeviceState::Issued,
        DeviceState::InUse,
        DeviceState::Locked,
        DeviceState::Lost,
        DeviceState::Returned,
        DeviceState::Destroyed,
    ];
    pub fn code(self) -> &'static str {
        match self {
            DeviceState::New => "new",
            DeviceState::Issued => "issued",
            DeviceState::InUse => "in_use",
            DeviceState::Locked => "locked",
            DeviceState::Lost => "lost",
            DeviceState::Returned => "returned",
            DeviceState::Destroyed => "destroyed",
        }
    }
    pub fn parse(s: &str) -> Result<DeviceState> {
        DeviceState::ALL
            .into_iter()
            .find(|x| x.code() == s)
            .ok_or_else(|| {
                OfficeError::invalid(
                    "bad-device-state",
                    format!("trạng thái thiết bị không hợp lệ: {s}"),
                    format!("unknown device state: {s} (new, issued, in_use, locked, lost, returned, destroyed)"),
                )
            })
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            DeviceState::New => "mới",
            DeviceState::Issued => "đã cấp",
            DeviceState::InUse => "đang sử dụng",
            DeviceState::Locked => "bị khóa",
            DeviceState::Lost => "bị mất",
            DeviceState::Returned => "đã thu hồi về CA",
            DeviceState::Destroyed => "đã hủy",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            DeviceState::New => "new",
            DeviceState::Issued => "issued",
            DeviceState::InUse => "in use",
            DeviceState::Locked => "locked",
            DeviceState::Lost => "lost",
            DeviceState::Returned => "returned",
            DeviceState::Destroyed => "destroyed",
        }
    }
}

use DeviceState as D;

/// Every allowed change of a device's state. Anything else is refused.
pub const DEVICE_RULES: &[(DeviceState, DeviceState)] = &[
    (D::New, D::Issued),
    (D::Issued, D::InUse),
    (D::InUse, D::Locked),
    (D::Locked, D::InUse),
    (D::Issued, D::Lost),
    (D::InUse, D::Lost),
    (D::Locked, D::Lost),
    (D::Issued, D::Returned),
    (D::InUse, D::Returned),
    (D::Locked, D::Returned),
    (D::Returned, D::New),
    (D::Returned, D::Destroyed),
];

/// The rule allowing `from` → `to`, or the refusal naming the state.
pub fn device_transition(from: DeviceState, to: DeviceState) -> Result<()> {
    if DEVICE_RULES.contains(&(from, to)) {
        Ok(())
    } else {
        Err(OfficeError::conflict(
            "wrong-state",
            format!(
                "thiết bị đang ở trạng thái \"{}\", không thể chuyển sang \"{}\"",
                from.name_vi(),
                to.name_vi()
            ),
            format!(
                "a device that is {} cannot become {}",
                from.name_en(),
                to.name_en()
            ),
        ))
    }
}

/// How a device changed hands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandoverMethod {
    /// Trực tiếp.
    InPerson,
    /// Qua tổ chức cơ yếu.
    Cipher,
    /// Bưu chính công ích, with a tracking number.
    Post,
}

impl HandoverMethod {
    pub fn code(self) -> &'static str {
        match self {
            HandoverMethod::InPerson => "in_person",
            HandoverMethod::Cipher => "cipher",
            HandoverMethod::Post => "post",
        }
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            HandoverMethod::InPerson => "trực tiếp",
            HandoverMethod::Cipher => "qua tổ chức cơ yếu",
            HandoverMethod::Post => "qua bưu chính",
        }
    }
}

/// A device to register.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NewDevice {
    pub serial: String,
    pub model: String,
    /// Path or name of its PKCS#11 module.
    pub module: String,
    pub agency_id: i64,
    #[serde(default)]
    pub holder_id: Option<i64>,
}

/// A handover to record.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NewHandover {
    pub method: HandoverMethod,
    #[serde(default)]
    pub tracking_number: Option<String>,
    /// ISO date of the handover.
    pub handed_on: String,
    /// The handing party (e.g. "CA Ban Cơ yếu Chính phủ", a person's name).
    pub from_party: String,
    /// The receiving party.
    pub to_party: String,
    /// The device's holder after the handover (a person's account).
    #[serde(default)]
    pub holder_id: Option<i64>,
    /// The device's state after the handover (e.g. `in_use` when the
    /// subscriber receives it, `returned` when it is back at the CA).
    #[serde(default)]
    pub new_state: Option<DeviceState>,
    #[serde(default)]
    pub request_id: Option<i64>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HandoverView {
    pub id: i64,
    pub kind: String,
    pub method: String,
    pub tracking_number: Option<String>,
    pub handed_on: String,
    pub from_party: String,
    pub to_party: String,
    pub note: Option<String>,
    pub request_id: Option<i64>,
    /// SHA-256 of the sealed record PDF, when made.
    pub record_sha256: Option<String>,
    pub created_at: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DeviceView {
    pub id: i64,
    pub serial: String,
    pub model: String,
    pub module: String,
    pub state: DeviceState,
    pub state_name: String,
    pub agency_id: i64,
    pub holder_id: Option<i64>,
    pub certificate_serial: Option<String>,
    pub return_due: Option<String>,
    pub return_status: Option<DueStatus>,
    pub handovers: Vec<HandoverView>,
}

/// Roles of the managing organization that keep devices.
const KEEPERS: &[Role] = &[Role::Head, Role::Clerk, Role::ItOfficer];

/// Whether the actor keeps the registry (CA operator, department
/// administrator) or the devices of `agency_id`.
fn may_handle(actor: &Actor, agency_id: i64) -> Result<()> {
    if actor.has_anywhere(Role::CaOperator)
        || actor.has_anywhere(Role::DeptAdmin)
        || KEEPERS.iter().any(|r| actor.has(*r, agency_id))
    {
        Ok(())
    } else {
        Err(OfficeError::forbidden(
            "chỉ vận hành CA, quản trị Sở KH&CN hoặc cơ quan quản lý thiết bị được làm việc này",
            "only the CA operator, the department administrator or the device's agency may do this",
        ))
    }
}

fn text(field: &str, v: &str, max: usize) -> Result<String> {
    let t = v.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(OfficeError::invalid(
            "bad-form",
            format!("trường {field}: cần 1–{max} ký tự"),
            format!("field {field}: needs 1–{max} characters"),
        ));
    }
    Ok(t.to_string())
}

/// Device `id` locked for update (`FOR UPDATE` on PostgreSQL).
async fn device_for_update(tx: &DatabaseTransaction, id: i64) -> Result<desk_device::Model> {
    use kyso_store::sea_orm::{ConnectionTrait, QuerySelect};
    let mut q = desk_device::Entity::find_by_id(id);
    if tx.get_database_backend() == kyso_store::sea_orm::DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    q.one(tx)
        .await?
        .ok_or_else(|| OfficeError::not_found("thiết bị", "device"))
}

async fn person_exists(tx: &DatabaseTransaction, id: i64) -> Result<()> {
    if kyso_store::office::person::Entity::find_by_id(id)
        .one(tx)
        .await?
        .is_none()
    {
        return Err(OfficeError::not_found("người nhận thiết bị", "holder"));
    }
    Ok(())
}

impl Office {
    /// Moves device `d` to `to` if the table allows it, with its audit entry.
    pub(crate) async fn device_transition(
        &self,
        tx: &DatabaseTransaction,
        actor: &Actor,
        d: desk_device::Model,
        to: DeviceState,
        now: time::OffsetDateTime,
    ) -> Result<()> {
        let from = DeviceState::parse(&d.state)?;
        device_transition(from, to)?;
        let (id, agency) = (d.id, d.agency_id);
        let mut a: desk_device::ActiveModel = d.into();
        a.state = Set(to.code().into());
        a.updated_at = Set(now.unix_timestamp());
        if to == DeviceState::Returned || to == DeviceState::New {
            a.return_due = Set(None);
        }
        a.update(tx).await?;
        record(
            tx,
            actor,
            Entry::new("desk.device.state", "desk_device", id)
                .agency(agency)
                .detail(format!("{} → {}", from.code(), to.code())),
            now,
        )
        .await
    }

    async fn device_view(&self, d: desk_device::Model) -> Result<DeviceView> {
        let hs = desk_handover::Entity::find()
            .filter(desk_handover::Column::DeviceId.eq(d.id))
            .order_by_asc(desk_handover::Column::Id)
            .all(self.store.connection())
            .await?;
        let state = DeviceState::parse(&d.state)?;
        let today = vietnam_date(self.now());
        let return_status = match &d.return_due {
            Some(due) => Some(due_status(parse_day(due)?, today)),
            None => None,
        };
        Ok(DeviceView {
            id: d.id,
            serial: d.serial,
            model: d.model,
            module: d.module,
            state,
            state_name: state.name_vi().into(),
            agency_id: d.agency_id,
            holder_id: d.holder_id,
            certificate_serial: d.certificate_serial,
            return_due: d.return_due,
            return_status,
            handovers: hs
                .into_iter()
                .map(|h| HandoverView {
                    id: h.id,
                    kind: h.kind,
                    method: h.method,
                    tracking_number: h.tracking_number,
                    handed_on: h.handed_on,
                    from_party: h.from_party,
                    to_party: h.to_party,
                    note: h.note,
                    request_id: h.request_id,
                    record_sha256: h.record_sha256,
                    created_at: iso(h.created_at),
                })
                .collect(),
        })
    }

    async fn device_model(&self, actor: &Actor, id: i64) -> Result<desk_device::Model> {
        let d = desk_device::Entity::find_by_id(id)
            .one(self.store.connection())
            .await?
            .ok_or_else(|| OfficeError::not_found("thiết bị", "device"))?;
        if may_handle(actor, d.agency_id).is_err() && d.holder_id != Some(actor.person_id) {
            return Err(OfficeError::not_found("thiết bị", "device"));
        }
        Ok(d)
    }

    /// Device `id` when the actor keeps it (not merely holds it).
    async fn device_kept(&self, actor: &Actor, id: i64) -> Result<desk_device::Model> {
        let d = self.device_model(actor, id).await?;
        may_handle(actor, d.agency_id)?;
        Ok(d)
    }

    /// Device `id`, with its handovers.
    pub async fn device(&self, actor: &Actor, id: i64) -> Result<DeviceView> {
        let d = self.device_model(actor, id).await?;
        self.device_view(d).await
    }

    /// Device by serial.
    pub async fn device_by_serial(&self, actor: &Actor, serial: &str) -> Result<DeviceView> {
        let d = desk_device::Entity::find()
            .filter(desk_device::Column::Serial.eq(serial.trim()))
            .one(self.store.connection())
            .await?
            .ok_or_else(|| OfficeError::not_found("thiết bị", "device"))?;
        self.device(actor, d.id).await
    }

    /// The devices the actor keeps (all for the CA and department).
    pub async fn devices(&self, actor: &Actor, agency_id: Option<i64>) -> Result<Vec<DeviceView>> {
        let mut q = desk_device::Entity::find();
        if let Some(a) = agency_id {
            self.guard(actor, "desk.device.list", async || may_handle(actor, a))
                .await?;
            q = q.filter(desk_device::Column::AgencyId.eq(a));
        }
        let rows = q
            .order_by_asc(desk_device::Column::Id)
            .all(self.store.connection())
            .await?;
        let mut out = Vec::new();
        for d in rows {
            if may_handle(actor, d.agency_id).is_ok() || d.holder_id == Some(actor.person_id) {
                out.push(self.device_view(d).await?);
            }
        }
        Ok(out)
    }

    /// Registers a device (CA operator or department administrator).
    pub async fn register_device(&self, actor: &Actor, n: NewDevice) -> Result<DeviceView> {
        let id = self
            .guard(actor, "desk.device.register", async || {
                actor.require_scope(Scope::Write)?;
                if !(actor.has_anywhere(Role::CaOperator) || actor.has_anywhere(Role::DeptAdmin)) {
                    return Err(OfficeError::forbidden(
                        "chỉ vận hành CA hoặc quản trị Sở KH&CN được đăng ký thiết bị",
                        "only the CA operator or the department administrator registers devices",
                    ));
                }
                let serial = text("serial", &n.serial, 128)?;
                let model = text("model", &n.model, 200)?;
                let module = text("module", &n.module, 500)?;
                let now = self.now();
                self.store
                    .write(async |tx| {
                        if desk_device::Entity::find()
                            .filter(desk_device::Column::Serial.eq(serial.clone()))
                            .one(tx)
                            .await?
                            .is_some()
                        {
                            return Err(OfficeError::conflict(
                                "duplicate-device",
                                format!("thiết bị số hiệu {serial} đã có trong sổ"),
                                format!("a device with serial {serial} is already registered"),
                            ));
                        }
                        if let Some(h) = n.holder_id {
                            person_exists(tx, h).await?;
                        }
                        if kyso_store::office::agency::Entity::find_by_id(n.agency_id)
                            .one(tx)
                            .await?
                            .is_none()
                        {
                            return Err(OfficeError::not_found("cơ quan", "agency"));
                        }
                        let d = desk_device::ActiveModel {
                            serial: Set(serial.clone()),
                            model: Set(model.clone()),
                            module: Set(module.clone()),
                            state: Set(DeviceState::New.code().into()),
                            agency_id: Set(n.agency_id),
                            holder_id: Set(n.holder_id),
                            created_at: Set(now.unix_timestamp()),
                            updated_at: Set(now.unix_timestamp()),
                            ..Default::default()
                        }
                        .insert(tx)
                        .await?;
                        record(
                            tx,
                            actor,
                            Entry::new("desk.device.register", "desk_device", d.id)
                                .agency(n.agency_id)
                                .detail(serial.clone()),
                            now,
                        )
                        .await?;
                        Ok(d.id)
                    })
                    .await
            })
            .await?;
        self.device(actor, id).await
    }

    /// Changes device `id`'s state (e.g. `locked` when its PIN is blocked,
    /// `destroyed` after return) as the table allows.
    pub async fn set_device_state(
        &self,
        actor: &Actor,
        id: i64,
        to: DeviceState,
    ) -> Result<DeviceView> {
        self.guard(actor, "desk.device.state", async || {
            actor.require_scope(Scope::Write)?;
            if to == DeviceState::Lost {
                return Err(OfficeError::invalid(
                    "use-loss-record",
                    "thiết bị bị mất phải được lập biên bản mất (report-loss)",
                    "a lost device needs a loss record (report-loss)",
                ));
            }
            self.device_kept(actor, id).await?;
            let now = self.now();
            self.store
                .write(async |tx| {
                    let d = device_for_update(tx, id).await?;
                    self.device_transition(tx, actor, d, to, now).await
                })
                .await
        })
        .await?;
        self.device(actor, id).await
    }

    /// Records a handover of device `id` (R-MANAGER-HANDOVER), optionally
    /// moving it to a new holder and state, in one transaction.
    pub async fn record_handover(
        &self,
        actor: &Actor,
        id: i64,
        h: NewHandover,
    ) -> Result<DeviceView> {
        self.guard(actor, "desk.device.handover", async || {
            actor.require_scope(Scope::Write)?;
            let kept = self.device_kept(actor, id).await?;
            // The organization's token changes custodian on a sealed
            // record only (R-TOKEN-ORG, `change_custodian`).
            if let (Some(new), Some(old)) = (h.holder_id, kept.holder_id) {
                if new != old && self.is_organization_token(&kept).await? {
                    return Err(super::custody::custodian_change_needed());
                }
            }
            let day = iso_day(parse_day(&h.handed_on)?);
            let from = text("from_party", &h.from_party, 200)?;
            let to = text("to_party", &h.to_party, 200)?;
            let tracking = match (h.method, h.tracking_number.as_deref().map(str::trim)) {
                (HandoverMethod::Post, Some(t)) if !t.is_empty() => {
                    Some(text("tracking_number", t, 64)?)
                }
                (HandoverMethod::Post, _) => {
                    return Err(OfficeError::invalid(
                        "tracking-required",
                        "gửi qua bưu chính cần số hiệu bưu gửi",
                        "a handover by post needs the tracking number",
                    ))
                }
                (_, _) => None,
            };
            let note = match h.note.as_deref() {
                Some(n) if !n.trim().is_empty() => Some(text("note", n, 2000)?),
                _ => None,
            };
            let now = self.now();
            self.store
                .write(async |tx| {
                    let d = device_for_update(tx, id).await?;
                    if let Some(p) = h.holder_id {
                        person_exists(tx, p).await?;
                    }
                    if let Some(r) = h.request_id {
                        if kyso_store::desk::desk_request::Entity::find_by_id(r)
                            .one(tx)
                            .await?
                            .is_none()
                        {
                            return Err(OfficeError::not_found("yêu cầu", "request"));
                        }
                    }
                    desk_handover::ActiveModel {
                        device_id: Set(id),
                        request_id: Set(h.request_id),
                        kind: Set("handover".into()),
                        method: Set(h.method.code().into()),
                        tracking_number: Set(tracking.clone()),
                        handed_on: Set(day.clone()),
                        from_party: Set(from.clone()),
                        to_party: Set(to.clone()),
                        note: Set(note.clone()),
                        record_sha256: Set(None),
                        created_by: Set(actor.person_id),
                        created_at: Set(now.unix_timestamp()),
                        ..Default::default()
                    }
                    .insert(tx)
                    .await?;
                    record(
                        tx,
                        actor,
                        Entry::new("desk.device.handover", "desk_device", id)
                            .agency(d.agency_id)
                            .detail(format!("{} → {} ({})", from, to, h.method.code())),
                        now,
                    )
                    .await?;
                    let mut d = d;
                    if let Some(holder) = h.holder_id {
                        let mut a: desk_device::ActiveModel = d.clone().into();
                        a.holder_id = Set(Some(holder));
                        d = a.update(tx).await?;
                    }
                    if let Some(s) = h.new_state {
                        self.device_transition(tx, actor, d, s, now).await?;
                    }
                    Ok(())
                })
                .await
        })
        .await?;
        self.device(actor, id).await
    }

    /// A loss record for device `id`: the device becomes lost and the
    /// certificate on it is revoked at once (key compromise), CRL and OCSP
    /// included.
    pub async fn report_loss(
        &self,
        actor: &Actor,
        id: i64,
        handed_on: &str,
        note: &str,
    ) -> Result<DeviceView> {
        self.guard(actor, "desk.device.loss", async || {
            actor.require_scope(Scope::Write)?;
            let d = self.device_kept(actor, id).await?;
            device_transition(DeviceState::parse(&d.state)?, DeviceState::Lost)?;
            let day = iso_day(parse_day(handed_on)?);
            let note = text("note", note, 2000)?;
            if let Some(serial) = &d.certificate_serial {
                let rec = self.ca.store().certificate(serial).await?;
                if rec.map(|r| r.status) == Some(kyso_store::CertificateStatus::Valid) {
                    self.ca
                        .revoke(serial, Some(RevocationReason::KeyCompromise))
                        .await
                        .map_err(|e| OfficeError::internal("revocation", e))?;
                }
            }
            let now = self.now();
            self.store
                .write(async |tx| {
                    let d = device_for_update(tx, id).await?;
                    desk_handover::ActiveModel {
                        device_id: Set(id),
                        kind: Set("loss".into()),
                        method: Set("in_person".into()),
                        handed_on: Set(day.clone()),
                        from_party: Set(actor.full_name.clone()),
                        to_party: Set(String::new()),
                        note: Set(Some(note.clone())),
                        created_by: Set(actor.person_id),
                        created_at: Set(now.unix_timestamp()),
                        ..Default::default()
                    }
                    .insert(tx)
                    .await?;
                    record(
                        tx,
                        actor,
                        Entry::new("desk.device.loss", "desk_device", id)
                            .agency(d.agency_id)
                            .detail(note.clone()),
                        now,
                    )
                    .await?;
                    self.device_transition(tx, actor, d, DeviceState::Lost, now)
                        .await
                })
                .await
        })
        .await?;
        self.device(actor, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair of states: allowed exactly when listed; refused naming
    /// the state otherwise.
    #[test]
    fn device_table_is_the_whole_truth() {
        let mut allowed = 0;
        for from in DeviceState::ALL {
            for to in DeviceState::ALL {
                match device_transition(from, to) {
                    Ok(()) => {
                        allowed += 1;
                        assert!(DEVICE_RULES.contains(&(from, to)));
                    }
                    Err(e) => {
                        assert!(!DEVICE_RULES.contains(&(from, to)));
                        assert_eq!(e.code, "wrong-state");
                        assert!(e.vi.contains(from.name_vi()));
                    }
                }
            }
        }
        assert_eq!(allowed, DEVICE_RULES.len());
        // Nothing comes back from destruction or loss.
        for to in DeviceState::ALL {
            assert!(device_transition(DeviceState::Destroyed, to).is_err());
            assert!(device_transition(DeviceState::Lost, to).is_err());
        }
    }
}
