//! The request as a letter (công văn đề nghị, R-REQUEST-EXCHANGE): when
//! the managing organization confirms a request, its form is laid out as
//! a Decree 30/2020 công văn by the office's renderer
//! ([`crate::render::draft_pdf`]) and becomes the organization's outgoing
//! document in the two-signature flow (R-FLOW-TWO), addressed to the
//! agency that decides the request (the CA operators' agency for
//! CA-routed kinds, the department administrators' for the others) and
//! already submitted to the approvers. From there the office's own use
//! cases carry it: the approver signs it with the personal key, the clerk
//! numbers, seals and issues it — and issuing it sends the request (one
//! act: the letter arrives in the deciding agency's incoming queue and the
//! request's deadline starts at that moment). The decision at the CA or
//! the department needs the letter received and registered there with
//! both signatures TOTAL-PASSED on arrival.

use bytes::Bytes;
use kyso_store::desk::desk_request;
use kyso_store::office::{agency, delivery, document, membership, person};
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::kind::{RequestKind, Route};
use super::request::{receiver_role, unconfirm, By};
use super::state::{Action, Party, State};
use crate::actor::Actor;
use crate::audit::{record, Entry};
use crate::delivery::{ARRIVED, ASSIGNED, COMPLETED, PROCESSING, REGISTERED, REJECTED};
use crate::document::draft::{NewRows, Upload};
use crate::document::layout::{APPROVER_FIELD, SEAL_FIELD};
use crate::document::metadata::{DocumentMetadata, Priority, Secrecy};
use crate::document::state::{Flow, State as DocState};
use crate::error::{OfficeError, Result};
use crate::render::{draft_pdf, AdministrativeDocument};
use crate::role::Role;
use crate::Office;

/// The statuses of a delivery that mean "received and registered" (and
/// anything the receiver did after registering it).
const RECEIVED: &[&str] = &[REGISTERED, ASSIGNED, PROCESSING, COMPLETED];

/// What confirming a request prepares before its transaction: the
/// rendered letter stored as a blob, and to whom it goes.
pub(crate) struct PreparedLetter {
    pub upload: Upload,
    pub blob: kyso_store::BlobRef,
    pub pages: usize,
    pub metadata: DocumentMetadata,
    /// The request as it was rendered (`updated_at`), so that a change
    /// between rendering and confirming is refused, not signed unseen.
    pub rendered_at: i64,
}

/// The agency that decides requests sent along `route`: the active
/// agency (other than the requesting one) whose members hold the
/// receiving role, the first created when there are several.
pub(crate) async fn deciding_agency(
    db: &impl ConnectionTrait,
    route: Route,
    requesting: i64,
) -> Result<agency::Model> {
    let role = receiver_role(route);
    let ids: Vec<i64> = membership::Entity::find()
        .filter(membership::Column::RoleCode.eq(role.code()))
        .filter(membership::Column::AgencyId.ne(requesting))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.agency_id)
        .collect();
    agency::Entity::find()
        .filter(agency::Column::Id.is_in(ids))
        .filter(agency::Column::Active.eq(true))
        .order_by_asc(agency::Column::Id)
        .one(db)
        .await?
        .ok_or_else(|| {
            OfficeError::conflict(
                "no-deciding-agency",
                format!(
                    "chưa có cơ quan nào (ngoài cơ quan đề nghị) có người giữ vai trò {} để nhận công văn đề nghị gửi {}",
                    role.name_vi(),
                    route.name_vi()
                ),
                format!(
                    "no agency (other than the requesting one) has a {} to receive the request's letter",
                    role.name_en()
                ),
            )
        })
}

/// Who signs the letter (boxes 7a and 7b): the confirming person when
/// they are an approver of the agency, else its first approver with a
/// registered certificate.
async fn letter_signer(
    db: &impl ConnectionTrait,
    actor: &Actor,
    agency_id: i64,
) -> Result<(String, Option<String>, String)> {
    if let Some(m) = actor
        .memberships
        .iter()
        .find(|m| m.agency_id == agency_id && m.role == Role::Approver)
    {
        let position = m.position.clone().unwrap_or_else(|| "Thủ trưởng".into());
        return Ok((actor.full_name.clone(), m.title.clone(), position));
    }
    let approvers = membership::Entity::find()
        .filter(membership::Column::AgencyId.eq(agency_id))
        .filter(membership::Column::RoleCode.eq(Role::Approver.code()))
        .order_by_asc(membership::Column::PersonId)
        .all(db)
        .await?;
    for m in approvers {
        let Some(p) = person::Entity::find_by_id(m.person_id).one(db).await? else {
            continue;
        };
        if p.active && p.certificate_der.is_some() {
            let position = m.position.unwrap_or_else(|| "Thủ trưởng".into());
            return Ok((p.full_name, m.title, position));
        }
    }
    Err(OfficeError::conflict(
        "no-approver",
        "cơ quan chưa có người ký duyệt (vai trò người ký duyệt, đã đăng ký chứng thư số) để ký công văn đề nghị",
        "the agency has no approver (the approver role, with a registered certificate) to sign the request's letter",
    ))
}

/// The body of the letter: the form, line by line, and what the
/// confirming person answers for.
fn letter_body(r: &desk_request::Model, kind: RequestKind, agency: &str, to: &str) -> Vec<String> {
    let org = kind == RequestKind::IssueOrganization;
    let mut body = vec![
        format!("Kính gửi: {to}."),
        format!(
            "Căn cứ Nghị định số 68/2024/NĐ-CP của Chính phủ quy định về chữ ký số chuyên dùng công vụ, {agency} đề nghị {to} {} theo yêu cầu số {} với các thông tin sau:",
            kind.name_vi(),
            r.id
        ),
    ];
    let mut lines: Vec<(&str, String)> = vec![
        ("Loại yêu cầu", kind.name_vi().to_string()),
        (
            if org {
                "Tên cơ quan, tổ chức"
            } else {
                "Họ và tên"
            },
            r.full_name.clone(),
        ),
        (
            if org {
                "Mã số thuế, mã định danh của tổ chức"
            } else {
                "Số định danh cá nhân"
            },
            r.identity_number.clone(),
        ),
    ];
    if !r.position.trim().is_empty() {
        lines.push(("Chức vụ", r.position.clone()));
    }
    lines.push(("Cơ quan, đơn vị công tác", agency.to_string()));
    lines.push(("Thư điện tử công vụ", r.email.clone()));
    lines.push(("Số điện thoại", r.phone.clone()));
    if let Some(t) = &r.token_serial {
        lines.push(("Số hiệu thiết bị lưu khóa bí mật", t.clone()));
    }
    if let Some(c) = &r.certificate_serial {
        lines.push(("Số hiệu chứng thư số", c.clone()));
    }
    if let Some(reason) = r
        .revocation_reason
        .and_then(|c| kyso_pki::RevocationReason::from_code(u8::try_from(c).ok()?))
    {
        lines.push(("Lý do thu hồi", reason.vietnamese().to_string()));
    }
    if let Some(d) = r.renewal_days {
        lines.push(("Thời gian gia hạn đề nghị", format!("{d} ngày")));
    }
    lines.push(("Lý do đề nghị", r.reason.clone()));
    for (i, (label, value)) in lines.into_iter().enumerate() {
        body.push(format!(
            "{}. {label}: {}.",
            i + 1,
            value.trim_end_matches('.')
        ));
    }
    if let Some(c) = &r.confirmation {
        body.push(c.clone());
    }
    body.push(format!("Đề nghị {to} xem xét, giải quyết theo quy định./."));
    body
}

/// "Đề nghị cấp mới chứng thư số cá nhân cho Nguyễn Thị Lan".
fn letter_subject(kind: RequestKind, full_name: &str) -> String {
    format!("Đề nghị {} cho {}", kind.name_vi(), full_name.trim())
}

/// Why the letter of `r` does not allow sending or deciding yet.
fn missing_letter() -> OfficeError {
    OfficeError::conflict(
        "letter-missing",
        "yêu cầu chưa có công văn đề nghị của cơ quan quản lý (công văn được lập khi cơ quan quản lý xác nhận yêu cầu)",
        "the request has no letter from its managing organization (the letter is drafted when the managing organization confirms the request)",
    )
}

impl Office {
    /// Lays out request `r`'s letter and stores it, before the
    /// confirmation's transaction (nothing is linked yet: a refusal later
    /// leaves only an unreferenced blob).
    pub(crate) async fn prepare_letter(
        &self,
        actor: &Actor,
        r: &desk_request::Model,
    ) -> Result<PreparedLetter> {
        let db = self.store.connection();
        let kind = RequestKind::parse(&r.kind)?;
        let route = Route::parse(&r.route)?;
        let to = deciding_agency(db, route, r.agency_id).await?;
        let from = self.agency_model(db, r.agency_id).await?;
        let parent = match from.parent_id {
            Some(p) => agency::Entity::find_by_id(p).one(db).await?.map(|a| a.name),
            None => None,
        };
        let (signer_name, authority, position) = letter_signer(db, actor, r.agency_id).await?;
        let place = if from.address.trim().is_empty() {
            self.ca.config().province.clone()
        } else {
            from.address.clone()
        };
        let mut shown = r.clone();
        // The confirmation is written in the same transaction as the
        // link; the letter shows what it will say.
        if shown.confirmation.is_none() {
            shown.confirmation = Some(super::request::confirmation_text(actor, r));
        }
        let subject = letter_subject(kind, &r.full_name);
        let doc = AdministrativeDocument {
            parent_body: parent,
            issuing_body: from.name.clone(),
            type_code: "CV".into(),
            type_name: String::new(),
            agency_short: from.short_name.clone(),
            place: place.clone(),
            subject: subject.clone(),
            body: letter_body(&shown, kind, &from.name, &to.name),
            authority,
            position,
            signer_name,
            recipients: vec![
                "Như trên".into(),
                format!("{} (để biết)", r.full_name.trim()),
            ],
            priority: Priority::Thuong,
        };
        let rendered = draft_pdf(&doc).map_err(OfficeError::from)?;
        let upload = Upload {
            name: format!("cong-van-de-nghi-{}.pdf", r.id),
            media_type: "application/pdf".into(),
            bytes: Bytes::from(rendered.pdf),
        };
        let metadata = DocumentMetadata {
            type_code: "CV".into(),
            subject,
            category: None,
            priority: Priority::Thuong,
            secrecy: Secrecy::None,
            due_date: None,
            copies: Some(1),
            language: None,
            issue_place: Some(place),
            recipients: vec![to.id],
            layout: Some(rendered.layout),
            replaces_id: None,
            relation: None,
        };
        self.check_metadata(db, r.agency_id, &metadata).await?;
        let (blob, pages, _) = self.store_uploads(&upload, &[]).await?;
        Ok(PreparedLetter {
            upload,
            blob,
            pages,
            metadata,
            rendered_at: r.updated_at,
        })
    }

    /// Writes the prepared letter of `r` in `tx` as an outgoing document
    /// of the two-signature flow, drafted by the confirming person and
    /// submitted to the approvers, with both audit entries; returns its id.
    pub(crate) async fn insert_letter(
        &self,
        tx: &DatabaseTransaction,
        actor: &Actor,
        r: &desk_request::Model,
        letter: &PreparedLetter,
        now: time::OffsetDateTime,
    ) -> Result<i64> {
        if r.updated_at != letter.rendered_at {
            return Err(OfficeError::conflict(
                "request-changed",
                "yêu cầu vừa được thay đổi trong lúc lập công văn; hãy xác nhận lại",
                "the request changed while its letter was being drafted; confirm it again",
            ));
        }
        let role = actor.require_any(Party::Manager.roles(), r.agency_id)?.role;
        let checked = self
            .check_metadata(tx, r.agency_id, &letter.metadata)
            .await?;
        let d = self
            .insert_document(
                tx,
                actor,
                NewRows {
                    agency_id: r.agency_id,
                    flow: Flow::Two,
                    checked,
                    pages: letter.pages,
                    main: (&letter.upload, &letter.blob),
                    attachments: &[],
                },
                now,
            )
            .await?;
        record(
            tx,
            actor,
            Entry::new("document.create", "document", d.id)
                .agency(r.agency_id)
                .role(role)
                .sha256(letter.blob.sha256.clone())
                .detail(format!("two; desk request {}", r.id)),
            now,
        )
        .await?;
        let mut a: document::ActiveModel = d.clone().into();
        a.state = Set(DocState::Submitted.code().into());
        a.updated_at = Set(now.unix_timestamp());
        a.update(tx).await?;
        record(
            tx,
            actor,
            Entry::new("document.submit", "document", d.id)
                .agency(r.agency_id)
                .role(role)
                .detail(format!("desk request {}", r.id)),
            now,
        )
        .await?;
        Ok(d.id)
    }

    /// Refuses sending `r` unless its letter is issued.
    pub(crate) async fn require_letter_issued(
        &self,
        db: &impl ConnectionTrait,
        r: &desk_request::Model,
    ) -> Result<()> {
        let id = r.letter_document_id.ok_or_else(missing_letter)?;
        let d = document::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(missing_letter)?;
        let state = DocState::parse(&d.state)?;
        if state != DocState::Issued {
            return Err(OfficeError::conflict(
                "letter-not-issued",
                format!(
                    "công văn đề nghị (văn bản số {id}) đang ở trạng thái \"{}\": cần người có thẩm quyền ký duyệt, văn thư cấp số, đóng dấu số và phát hành trước khi gửi yêu cầu",
                    state.name_vi()
                ),
                format!(
                    "the request's letter (document {id}) is {}: the approver must sign it and the clerk number, seal and issue it before the request is sent",
                    state.name_en()
                ),
            ));
        }
        Ok(())
    }

    /// Refuses deciding `r` unless its letter was received and registered
    /// by an agency where `actor` decides, with both signatures — the
    /// approver's and the organization's seal — TOTAL-PASSED in the
    /// verification made on arrival.
    pub(crate) async fn require_letter_received(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
        r: &desk_request::Model,
    ) -> Result<()> {
        let id = r.letter_document_id.ok_or_else(missing_letter)?;
        let role = receiver_role(Route::parse(&r.route)?);
        let deliveries = delivery::Entity::find()
            .filter(delivery::Column::DocumentId.eq(id))
            .order_by_desc(delivery::Column::Id)
            .all(db)
            .await?;
        let Some(dl) = deliveries.iter().find(|d| actor.has(role, d.agency_id)) else {
            return Err(OfficeError::conflict(
                "letter-not-received",
                format!(
                    "công văn đề nghị (văn bản số {id}) chưa đến cơ quan nơi bạn giữ vai trò {}",
                    role.name_vi()
                ),
                format!(
                    "the request's letter (document {id}) has not arrived at an agency where you are a {}",
                    role.name_en()
                ),
            ));
        };
        if dl.frozen || !RECEIVED.contains(&dl.status.as_str()) {
            let (vi, en) = match dl.status.as_str() {
                _ if dl.frozen => (
                    "công văn đề nghị đã bị cơ quan gửi thu hồi".to_string(),
                    "the request's letter was recalled by its sender".to_string(),
                ),
                ARRIVED => (
                    "công văn đề nghị đã đến nhưng văn thư chưa tiếp nhận, vào sổ văn bản đến".to_string(),
                    "the request's letter has arrived but the clerk has not yet received and registered it".to_string(),
                ),
                REJECTED => (
                    "công văn đề nghị đã bị từ chối tiếp nhận".to_string(),
                    "the request's letter was rejected on arrival".to_string(),
                ),
                s => (
                    format!(
                        "công văn đề nghị đang ở trạng thái \"{}\"",
                        crate::delivery::status_name_vi(s)
                    ),
                    format!(
                        "the request's letter is {}",
                        crate::delivery::status_name_en(s)
                    ),
                ),
            };
            return Err(OfficeError::conflict(
                "letter-not-received",
                format!("{vi}; chưa thể phê duyệt yêu cầu"),
                format!("{en}; the request cannot be approved yet"),
            ));
        }
        let report = match &dl.verification_sha256 {
            Some(sha) => serde_json::from_slice::<serde_json::Value>(&self.blobs.get(sha).await?)
                .map_err(|e| OfficeError::internal("verification report", e))?,
            None => serde_json::Value::Null,
        };
        for (field, vi, en) in [
            (
                APPROVER_FIELD,
                "chữ ký số của người có thẩm quyền",
                "the approver's signature",
            ),
            (
                SEAL_FIELD,
                "chữ ký số của cơ quan (con dấu)",
                "the organization's seal signature",
            ),
        ] {
            let indication = report["signatures"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|s| s["field"].as_str() == Some(field))
                .and_then(|s| s["indication"].as_str());
            if indication != Some("TOTAL-PASSED") || dl.verification != "TOTAL-PASSED" {
                let got = indication.unwrap_or("không có / missing");
                return Err(OfficeError::conflict(
                    "letter-not-verified",
                    format!(
                        "{vi} trên công văn đề nghị không hợp lệ khi đến ({got}); chưa thể phê duyệt yêu cầu"
                    ),
                    format!(
                        "{en} on the request's letter was not valid on arrival ({got}); the request cannot be approved"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The request whose letter is document `doc_id`, locked, when it is
    /// in `state`.
    async fn request_of_letter(
        tx: &DatabaseTransaction,
        doc_id: i64,
        state: State,
    ) -> Result<Option<desk_request::Model>> {
        let mut q =
            desk_request::Entity::find().filter(desk_request::Column::LetterDocumentId.eq(doc_id));
        if tx.get_database_backend() == kyso_store::sea_orm::DbBackend::Postgres {
            q = q.lock_exclusive();
        }
        Ok(q.one(tx).await?.filter(|r| r.state == state.code()))
    }

    /// Called by the office's issue, in its transaction: when document
    /// `doc_id` is the letter of a confirmed request, the request is sent
    /// with it (the letter has just arrived at the deciding agency), by
    /// the issuing clerk, with its own history row and audit entry.
    pub(crate) async fn send_with_letter(
        &self,
        tx: &DatabaseTransaction,
        actor: &Actor,
        doc_id: i64,
        now: time::OffsetDateTime,
    ) -> Result<()> {
        let Some(r) = Self::request_of_letter(tx, doc_id, State::Confirmed).await? else {
            return Ok(());
        };
        self.desk_step_in(
            tx,
            actor,
            r,
            Action::Send,
            By::Office(Role::Clerk),
            Some("Gửi kèm công văn đề nghị đã phát hành / sent with the issued letter".into()),
            async |tx, r, a, now| self.start_deadline(tx, r, a, now).await,
            now,
        )
        .await
    }

    /// Called by the office's return of a submitted draft, in its
    /// transaction: when the approver returns the letter of a confirmed
    /// request, the request goes back to its creator with the approver's
    /// comment as its reasons (to be corrected, resubmitted and confirmed
    /// again, with a new letter).
    pub(crate) async fn return_with_letter(
        &self,
        tx: &DatabaseTransaction,
        actor: &Actor,
        doc_id: i64,
        comment: Option<&str>,
        now: time::OffsetDateTime,
    ) -> Result<()> {
        let Some(r) = Self::request_of_letter(tx, doc_id, State::Confirmed).await? else {
            return Ok(());
        };
        let why = format!(
            "Người ký trả lại công văn đề nghị / the approver returned the letter: {}",
            comment.unwrap_or("")
        );
        self.desk_step_in(
            tx,
            actor,
            r,
            Action::Return,
            By::Office(Role::Approver),
            Some(why.clone()),
            async |_, _, a, _| {
                a.note = Set(Some(why.clone()));
                unconfirm(a);
                Ok(())
            },
            now,
        )
        .await
    }

    /// Refuses returning confirmed request `r` from the desk while its
    /// letter is on its way (with the approver, or further).
    pub(crate) async fn require_no_letter_pending(
        &self,
        db: &impl ConnectionTrait,
        r: &desk_request::Model,
    ) -> Result<()> {
        let Some(id) = r.letter_document_id else {
            return Ok(());
        };
        let Some(d) = document::Entity::find_by_id(id).one(db).await? else {
            return Ok(());
        };
        let state = DocState::parse(&d.state)?;
        if matches!(state, DocState::Returned | DocState::Cancelled) {
            return Ok(());
        }
        Err(OfficeError::conflict(
            "letter-pending",
            format!(
                "công văn đề nghị (văn bản số {id}) đang ở trạng thái \"{}\": người ký trả lại công văn thì yêu cầu được trả lại theo",
                state.name_vi()
            ),
            format!(
                "the request's letter (document {id}) is {}: the approver returns the letter, and the request goes back with it",
                state.name_en()
            ),
        ))
    }
}
