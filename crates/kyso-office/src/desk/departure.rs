//! A person leaving the state sector or moving inside it (Decree 68/2024,
//! R-MANAGER-CONFIRM): their managing organization says so once, and the
//! desk starts what the rules ask — for a departure a revocation request
//! for each of the person's valid certificates and the return of every
//! device they hold within 5 working days; for a transfer an information
//! change request with the new agency and position. The requests then
//! travel like any other (confirmed by someone else, sent, decided).

use kyso_pki::profile::Profile;
use kyso_pki::RevocationReason;
use kyso_store::desk::{desk_device, desk_request};
use kyso_store::office::{agency, membership, person};
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder,
};
use kyso_store::CertificateStatus;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::calendar::iso_day;
use super::device::DeviceState;
use super::form::{CheckedForm, RequestForm};
use super::kind::{parse_reason, RequestKind, DEVICE_RETURN_DAYS};
use super::request::{log_step, Step};
use super::state::State;
use super::view::RequestView;
use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::clock::vietnam_date;
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// The managing organization's roles that report a departure or a transfer.
const REPORTERS: &[Role] = &[Role::Head, Role::Clerk, Role::ItOfficer];

/// The revocation reason of a departure that names none: the
/// certificate is no longer needed for its purpose.
pub const DEPARTURE_REASON: RevocationReason = RevocationReason::CessationOfOperation;

/// States in which a request is still open.
const OPEN: &[State] = &[
    State::Submitted,
    State::Returned,
    State::Confirmed,
    State::Sent,
];

/// A person leaves the state sector.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Departure {
    /// The agency the person belongs to (its managing organization reports).
    pub agency_id: i64,
    /// RFC 5280 reason by name or in Vietnamese words; default
    /// `cessationOfOperation` (the certificate is no longer needed).
    #[serde(default)]
    pub revocation_reason: Option<String>,
    /// The written reason (e.g. the decision ending their service).
    pub reason: String,
    /// The identity number (CCCD) when the desk has none on file.
    #[serde(default)]
    pub identity_number: Option<String>,
}

/// A person moves to another agency or position inside the state sector.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Transfer {
    /// The agency the person belongs to now (its managing organization
    /// reports).
    pub agency_id: i64,
    /// The agency they move to (may be the same one, with a new position);
    /// its managing organization confirms the new information.
    pub new_agency_id: i64,
    pub new_position: String,
    /// The written reason (e.g. the transfer decision).
    pub reason: String,
    #[serde(default)]
    pub identity_number: Option<String>,
}

/// A device the person held, now due back (or needing a new custodian).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DueDevice {
    pub id: i64,
    pub serial: String,
    pub state: DeviceState,
    /// ISO date by which it must be back; `None` for the organization's
    /// token, which changes custodian instead (R-TOKEN-ORG).
    pub return_due: Option<String>,
}

/// What a departure started.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DepartureView {
    pub person_id: i64,
    /// Revocation requests created (waiting for the managing
    /// organization's confirmation).
    pub requests: Vec<RequestView>,
    /// Devices due back within 5 working days.
    pub devices: Vec<DueDevice>,
    /// Organization tokens the person kept: they need a new custodian
    /// with a sealed handover record.
    pub custodian_needed: Vec<DueDevice>,
}

/// What a transfer started.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TransferView {
    pub person_id: i64,
    /// Information change requests created, one per valid certificate.
    pub requests: Vec<RequestView>,
}

/// A valid personal certificate of the person, with the request that
/// issued it when the desk did.
struct Held {
    serial: String,
    source: Option<desk_request::Model>,
}

fn not_member() -> OfficeError {
    OfficeError::forbidden(
        "người này không thuộc cơ quan của bạn: chỉ cơ quan quản lý trực tiếp được báo việc thôi làm việc hoặc chuyển công tác",
        "this person does not belong to your agency: only their managing organization reports a departure or a transfer",
    )
}

fn check_reporter(actor: &Actor, agency_id: i64) -> Result<Role> {
    actor.require_scope(Scope::Write)?;
    actor
        .require_any(REPORTERS, agency_id)
        .map(|m| m.role)
        .map_err(|_| {
            OfficeError::forbidden(
                "chỉ thủ trưởng, văn thư hoặc cán bộ CNTT của cơ quan quản lý được báo việc thôi làm việc hoặc chuyển công tác",
                "only the managing organization's head, clerk or IT officer reports a departure or a transfer",
            )
        })
}

async fn is_member(tx: &DatabaseTransaction, person_id: i64, agency_id: i64) -> Result<bool> {
    Ok(membership::Entity::find()
        .filter(membership::Column::PersonId.eq(person_id))
        .filter(membership::Column::AgencyId.eq(agency_id))
        .one(tx)
        .await?
        .is_some())
}

/// Inserts a request filed by `actor` and its `create` step.
async fn insert_request(
    tx: &DatabaseTransaction,
    actor: &Actor,
    kind: RequestKind,
    agency_id: i64,
    subscriber_id: i64,
    checked: &CheckedForm,
    now: time::OffsetDateTime,
) -> Result<desk_request::Model> {
    let f = &checked.form;
    let r = desk_request::ActiveModel {
        kind: Set(kind.code().into()),
        state: Set(State::Submitted.code().into()),
        route: Set(kind.route().code().into()),
        agency_id: Set(agency_id),
        subscriber_id: Set(Some(subscriber_id)),
        created_by: Set(actor.person_id),
        identity_number: Set(f.identity_number.clone()),
        full_name: Set(f.full_name.clone()),
        position: Set(f.position.clone()),
        email: Set(f.email.clone()),
        phone: Set(f.phone.clone()),
        reason: Set(f.reason.clone()),
        token_serial: Set(f.token_serial.clone()),
        certificate_serial: Set(f.certificate_serial.clone()),
        revocation_reason: Set(checked.reason_code),
        renewal_days: Set(f.renewal_days),
        created_at: Set(now.unix_timestamp()),
        updated_at: Set(now.unix_timestamp()),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    let mut created = r.clone();
    created.state = String::new();
    let step = Step {
        action: "create",
        to: State::Submitted,
        role: None,
        note: None,
    };
    log_step(tx, actor, &created, step, now).await?;
    Ok(r)
}

impl Office {
    /// The person's valid personal certificates: those the desk issued
    /// them, those on the devices they hold, the one on their account.
    /// The organization's seal certificates are not theirs to lose.
    async fn held_certificates(
        &self,
        tx: &DatabaseTransaction,
        p: &person::Model,
    ) -> Result<Vec<Held>> {
        let mut serials: Vec<String> = Vec::new();
        for r in desk_request::Entity::find()
            .filter(desk_request::Column::SubscriberId.eq(p.id))
            .order_by_asc(desk_request::Column::Id)
            .all(tx)
            .await?
        {
            if let Some(s) = r.issued_serial {
                serials.push(s);
            }
        }
        for d in desk_device::Entity::find()
            .filter(desk_device::Column::HolderId.eq(p.id))
            .all(tx)
            .await?
        {
            if let Some(s) = d.certificate_serial {
                serials.push(s);
            }
        }
        if let Some(der) = &p.certificate_der {
            let fp = hex::encode(Sha256::digest(der));
            if let Some(c) = self.ca.store().certificate_by_fingerprint(&fp).await? {
                serials.push(c.serial_hex);
            }
        }
        let now = self.now();
        let mut out: Vec<Held> = Vec::new();
        for serial in serials {
            if out.iter().any(|h| h.serial == serial) {
                continue;
            }
            let Some(c) = self.ca.store().certificate(&serial).await? else {
                continue;
            };
            let seal = c.profile.parse::<Profile>().ok() == Some(Profile::OrganizationSeal);
            if c.status != CertificateStatus::Valid || c.not_after <= now || seal {
                continue;
            }
            let source = desk_request::Entity::find()
                .filter(desk_request::Column::IssuedSerial.eq(serial.clone()))
                .one(tx)
                .await?;
            out.push(Held { serial, source });
        }
        Ok(out)
    }

    /// Whether an open request of `kind` already concerns certificate `serial`.
    async fn open_request_for(
        &self,
        tx: &DatabaseTransaction,
        kind: RequestKind,
        serial: &str,
    ) -> Result<bool> {
        Ok(desk_request::Entity::find()
            .filter(desk_request::Column::Kind.eq(kind.code()))
            .filter(desk_request::Column::CertificateSerial.eq(serial))
            .filter(desk_request::Column::State.is_in(OPEN.iter().map(|s| s.code())))
            .one(tx)
            .await?
            .is_some())
    }

    /// The form for a request about `h` of person `p`: the issuing
    /// request's identity number (else the latest request's, else the one
    /// given), the person's name and contacts.
    async fn form_for(
        &self,
        tx: &DatabaseTransaction,
        p: &person::Model,
        h: &Held,
        identity: Option<&str>,
        position: String,
    ) -> Result<RequestForm> {
        let latest = desk_request::Entity::find()
            .filter(desk_request::Column::SubscriberId.eq(p.id))
            .order_by_desc(desk_request::Column::Id)
            .one(tx)
            .await?;
        let id_number = h
            .source
            .as_ref()
            .or(latest.as_ref())
            .map(|r| r.identity_number.clone())
            .or_else(|| identity.map(str::to_string))
            .ok_or_else(|| {
                OfficeError::invalid(
                    "identity-required",
                    format!(
                        "chưa có số định danh cá nhân của {} trong hồ sơ: hãy nhập số CCCD",
                        p.full_name
                    ),
                    format!(
                        "no identity number of {} on file: give the CCCD number",
                        p.full_name
                    ),
                )
            })?;
        let email = h
            .source
            .as_ref()
            .map(|r| r.email.clone())
            .unwrap_or_else(|| p.email.clone());
        Ok(RequestForm {
            identity_number: id_number,
            full_name: p.full_name.clone(),
            position,
            email,
            phone: p.phone.clone(),
            certificate_serial: Some(h.serial.clone()),
            ..RequestForm::default()
        })
    }

    /// The person and their position in `agency_id`, or the refusal when
    /// they do not belong to it.
    async fn member_person(
        &self,
        tx: &DatabaseTransaction,
        person_id: i64,
        agency_id: i64,
    ) -> Result<(person::Model, String)> {
        let p = person::Entity::find_by_id(person_id)
            .one(tx)
            .await?
            .ok_or_else(not_member)?;
        if !is_member(tx, person_id, agency_id).await? {
            return Err(not_member());
        }
        let position = membership::Entity::find()
            .filter(membership::Column::PersonId.eq(person_id))
            .filter(membership::Column::AgencyId.eq(agency_id))
            .all(tx)
            .await?
            .into_iter()
            .find_map(|m| m.position)
            .unwrap_or_default();
        Ok((p, position))
    }

    /// Person `person_id` leaves the state sector (Decree 68/2024): their
    /// managing organization (head, clerk or IT officer of `d.agency_id`)
    /// files a revocation request for each of their valid certificates
    /// (none twice) and marks every device they hold due back within 5
    /// working days; the organization's tokens they kept are listed as
    /// needing a new custodian. One transaction, one audit entry
    /// `desk.person.leave` besides each request's.
    pub async fn person_leaves(
        &self,
        actor: &Actor,
        person_id: i64,
        d: Departure,
    ) -> Result<DepartureView> {
        let (ids, devices, custodian_needed) = self
            .guard(actor, "desk.person.leave", async || {
                let role = check_reporter(actor, d.agency_id)?;
                let reason = match d.revocation_reason.as_deref() {
                    Some(r) if !r.trim().is_empty() => parse_reason(r)?,
                    _ => DEPARTURE_REASON,
                };
                let now = self.now();
                self.store
                    .write(async |tx| {
                        let (p, position) = self.member_person(tx, person_id, d.agency_id).await?;
                        let mut ids = Vec::new();
                        for h in self.held_certificates(tx, &p).await? {
                            if self
                                .open_request_for(tx, RequestKind::Revoke, &h.serial)
                                .await?
                            {
                                continue;
                            }
                            let mut form = self
                                .form_for(
                                    tx,
                                    &p,
                                    &h,
                                    d.identity_number.as_deref(),
                                    position.clone(),
                                )
                                .await?;
                            form.reason = d.reason.clone();
                            form.revocation_reason = Some(reason.name().to_string());
                            let checked = form.check(RequestKind::Revoke)?;
                            let r = insert_request(
                                tx,
                                actor,
                                RequestKind::Revoke,
                                d.agency_id,
                                p.id,
                                &checked,
                                now,
                            )
                            .await?;
                            ids.push(r.id);
                        }
                        let cal = self.desk_calendar(tx).await?;
                        let due =
                            iso_day(cal.add_working_days(vietnam_date(now), DEVICE_RETURN_DAYS));
                        let mut devices = Vec::new();
                        let mut custodian_needed = Vec::new();
                        for dev in desk_device::Entity::find()
                            .filter(desk_device::Column::HolderId.eq(p.id))
                            .order_by_asc(desk_device::Column::Id)
                            .all(tx)
                            .await?
                        {
                            let state = DeviceState::parse(&dev.state)?;
                            if !matches!(
                                state,
                                DeviceState::Issued | DeviceState::InUse | DeviceState::Locked
                            ) {
                                continue;
                            }
                            let seal = match &dev.certificate_serial {
                                Some(s) => {
                                    self.ca
                                        .store()
                                        .certificate(s)
                                        .await?
                                        .and_then(|c| c.profile.parse::<Profile>().ok())
                                        == Some(Profile::OrganizationSeal)
                                }
                                None => false,
                            };
                            if seal {
                                custodian_needed.push(DueDevice {
                                    id: dev.id,
                                    serial: dev.serial.clone(),
                                    state,
                                    return_due: None,
                                });
                                continue;
                            }
                            // An earlier due date stands.
                            let return_due = match dev.return_due.clone() {
                                Some(old) if old <= due => old,
                                _ => due.clone(),
                            };
                            let mut a: desk_device::ActiveModel = dev.clone().into();
                            a.return_due = Set(Some(return_due.clone()));
                            a.updated_at = Set(now.unix_timestamp());
                            a.update(tx).await?;
                            devices.push(DueDevice {
                                id: dev.id,
                                serial: dev.serial,
                                state,
                                return_due: Some(return_due),
                            });
                        }
                        let serials: Vec<&str> =
                            devices.iter().map(|x| x.serial.as_str()).collect();
                        record(
                            tx,
                            actor,
                            Entry::new("desk.person.leave", "person", p.id)
                                .agency(d.agency_id)
                                .role(role)
                                .detail(format!(
                                    "{}; revocation requests {:?} ({}); devices due {due}: {}",
                                    p.full_name,
                                    ids,
                                    reason.name(),
                                    serials.join(", ")
                                )),
                            now,
                        )
                        .await?;
                        Ok((ids, devices, custodian_needed))
                    })
                    .await
            })
            .await?;
        Ok(DepartureView {
            person_id,
            requests: self.views_of(&ids).await?,
            devices,
            custodian_needed,
        })
    }

    /// Person `person_id` moves to `t.new_agency_id` as `t.new_position`
    /// inside the state sector (Decree 68/2024): their managing
    /// organization files an information change request for each of their
    /// valid certificates, under the new agency (whose managing
    /// organization confirms the new information, and whose name the new
    /// certificate carries). One transaction, one audit entry
    /// `desk.person.transfer` besides each request's.
    pub async fn person_transfers(
        &self,
        actor: &Actor,
        person_id: i64,
        t: Transfer,
    ) -> Result<TransferView> {
        let ids = self
            .guard(actor, "desk.person.transfer", async || {
                let role = check_reporter(actor, t.agency_id)?;
                let now = self.now();
                self.store
                    .write(async |tx| {
                        let (p, _) = self.member_person(tx, person_id, t.agency_id).await?;
                        let from = agency::Entity::find_by_id(t.agency_id).one(tx).await?;
                        let to = agency::Entity::find_by_id(t.new_agency_id)
                            .one(tx)
                            .await?
                            .ok_or_else(|| OfficeError::not_found("cơ quan mới", "new agency"))?;
                        let held = self.held_certificates(tx, &p).await?;
                        if held.is_empty() {
                            return Err(OfficeError::conflict(
                                "no-certificate",
                                format!(
                                    "{} không có chứng thư số còn hiệu lực để thay đổi thông tin",
                                    p.full_name
                                ),
                                format!("{} has no valid certificate to change", p.full_name),
                            ));
                        }
                        let mut ids = Vec::new();
                        for h in held {
                            if self
                                .open_request_for(tx, RequestKind::Change, &h.serial)
                                .await?
                            {
                                continue;
                            }
                            let mut form = self
                                .form_for(
                                    tx,
                                    &p,
                                    &h,
                                    t.identity_number.as_deref(),
                                    t.new_position.trim().to_string(),
                                )
                                .await?;
                            form.reason = format!(
                                "Chuyển công tác từ {} sang {}, chức vụ {}. {}",
                                from.as_ref().map(|a| a.name.as_str()).unwrap_or(""),
                                to.name,
                                t.new_position.trim(),
                                t.reason.trim()
                            );
                            let checked = form.check(RequestKind::Change)?;
                            if checked.form.position.is_empty() {
                                return Err(OfficeError::invalid(
                                    "bad-form",
                                    "trường new_position: cần chức vụ mới",
                                    "field new_position: the new position is required",
                                ));
                            }
                            let r = insert_request(
                                tx,
                                actor,
                                RequestKind::Change,
                                t.new_agency_id,
                                p.id,
                                &checked,
                                now,
                            )
                            .await?;
                            ids.push(r.id);
                        }
                        record(
                            tx,
                            actor,
                            Entry::new("desk.person.transfer", "person", p.id)
                                .agency(t.agency_id)
                                .role(role)
                                .detail(format!(
                                    "{} → agency {} ({}); change requests {:?}",
                                    p.full_name,
                                    to.id,
                                    t.new_position.trim(),
                                    ids
                                )),
                            now,
                        )
                        .await?;
                        Ok(ids)
                    })
                    .await
            })
            .await?;
        Ok(TransferView {
            person_id,
            requests: self.views_of(&ids).await?,
        })
    }

    async fn views_of(&self, ids: &[i64]) -> Result<Vec<RequestView>> {
        let db = self.store.connection();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(r) = desk_request::Entity::find_by_id(*id).one(db).await? {
                out.push(self.request_view(db, r).await?);
            }
        }
        Ok(out)
    }
}
