//! The approver's signature (R-FLOW-TWO, R-KEY-SIGN): with the personal
//! key on their own token, through `kyso agent` or `kyso doc approve` —
//! never a personal key on the server (R-TOKEN-PERSON). A certification
//! signature (DocMDP P2: form filling and further signatures allowed)
//! that creates, in the revision it signs, the empty number and date
//! fields and the placed, empty seal field the clerk will fill and sign
//! (DESIGN §6), with the approver's appearance in box 7c.

use kyso_sign::{
    AppearanceKind, AppearanceRequest, DocMdp, Font, NewField, NewFieldKind, SignOptions, Target,
};
use kyso_store::office::{document, person};
use kyso_store::sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use x509_cert::Certificate;

use super::layout::{BoxAt, Layout, APPROVER_FIELD, DATE_FIELD, NUMBER_FIELD, SEAL_FIELD};
use super::state::{transition, Action, Flow, State};
use super::DocumentView;
use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::error::{OfficeError, Result};
use crate::remote_signing::{algorithm_for, PreparedRemote};
use crate::role::Role;
use crate::Office;

fn purpose(id: i64) -> String {
    format!("approve:{id}")
}

impl Office {
    /// Checks that the approver may approve document `id` now and that
    /// `cert` is their own registered certificate.
    async fn approval_checks(
        &self,
        actor: &Actor,
        id: i64,
        cert: &Certificate,
    ) -> Result<(document::Model, person::Model, crate::actor::Membership)> {
        use der::Encode;
        let db = self.store.connection();
        let d = self.document_model(db, actor, id).await?;
        let flow = Flow::parse(&d.flow)?;
        let rule = transition(flow, State::parse(&d.state)?, Action::Approve)?;
        let m = actor.require_any(rule.roles, d.agency_id)?.clone();
        let p = person::Entity::find_by_id(actor.person_id)
            .one(db)
            .await?
            .ok_or_else(|| OfficeError::not_found("người dùng", "person"))?;
        let presented = cert
            .to_der()
            .map_err(|e| OfficeError::internal("certificate", e))?;
        match &p.certificate_der {
            Some(own) if *own == presented => {}
            Some(_) => {
                return Err(OfficeError::forbidden(
                    "chứng thư số trên token không phải chứng thư đã đăng ký của bạn",
                    "the certificate on the token is not your registered certificate",
                ))
            }
            None => return Err(OfficeError::conflict(
                "no-certificate",
                "tài khoản chưa đăng ký chứng thư số cá nhân; hãy đăng ký trước khi ký duyệt",
                "the account has no personal certificate registered; register it before approving",
            )),
        }
        Ok((d, p, m))
    }

    /// Prepares the approver's signature of document `id` for the key
    /// of `cert`: returns the digest the agent signs.
    pub async fn prepare_approval(
        &self,
        actor: &Actor,
        id: i64,
        cert: &Certificate,
    ) -> Result<PreparedRemote> {
        self.guard(actor, "document.approve", async || {
            actor.require_scope(Scope::Write)?;
            let (d, p, _) = self.approval_checks(actor, id, cert).await?;
            let algorithm = algorithm_for(cert).ok_or_else(|| {
                OfficeError::invalid(
                    "bad-certificate",
                    "loại khóa của chứng thư không được hỗ trợ",
                    "the certificate's key type is not supported",
                )
            })?;
            let draft = self
                .latest_file(self.store.connection(), id, &["draft"])
                .await?;
            let dir = self.work_dir()?;
            let input = dir.path().join("draft.pdf");
            self.blobs.get_to_file(&draft.blob_sha256, &input).await?;
            let image = match &p.signature_image {
                Some(sha) => Some(self.png_image(sha, "signature image").await?),
                None => None,
            };
            let layout: Layout = d
                .layout
                .as_deref()
                .and_then(|l| serde_json::from_str(l).ok())
                .unwrap_or_default();
            let now = self.now();
            let req = AppearanceRequest {
                kind: AppearanceKind::Person,
                signer_name: p.full_name.clone(),
                organization: None,
                email: (!p.email.is_empty()).then(|| p.email.clone()),
                signing_time: now.to_offset(crate::clock::VIETNAM),
                image,
                number: None,
                copy_form: None,
                font: Font::liberation_serif(),
            };
            let mut options = SignOptions::new(cert.clone(), algorithm);
            options.field_name = Some(APPROVER_FIELD.into());
            options.name = Some(p.full_name.clone());
            options.reason = Some("Phê duyệt / approved".into());
            options.location = Some(d.issue_place.clone());
            options.contact_info = (!p.email.is_empty()).then(|| p.email.clone());
            options.signing_time = Some(now.to_offset(crate::clock::VIETNAM));
            options.certify = Some(DocMdp::FormFilling);
            let (in2, layout2) = (input.clone(), layout.clone());
            let full_name = p.full_name.clone();
            let (placement, fields) = tokio::task::spawn_blocking(move || {
                let mut pdf = kyso_sign::open_pdf(&in2)?;
                let target = match layout2.approver {
                    Some(b) => Target::Rect {
                        page: b.page,
                        rect: b.to_rect(),
                    },
                    None => Target::Anchor(full_name),
                };
                let placed = match kyso_sign::place(&mut pdf, &req, &target) {
                    Ok(p) => p,
                    // No signer's name in the text: the kind's default box.
                    Err(_) if layout2.approver.is_none() => {
                        kyso_sign::place(&mut pdf, &req, &Target::Auto)?
                    }
                    Err(e) => return Err(e),
                };
                let approver = BoxAt {
                    page: placed.page,
                    rect: [
                        placed.rect.x1,
                        placed.rect.y1,
                        placed.rect.x2,
                        placed.rect.y2,
                    ],
                };
                let field = |name: &str, kind, b: BoxAt| NewField {
                    name: name.into(),
                    kind,
                    page: b.page,
                    rect: b.to_rect(),
                };
                let fields = vec![
                    field(NUMBER_FIELD, NewFieldKind::Text, layout2.number_box()),
                    field(DATE_FIELD, NewFieldKind::Text, layout2.date_box()),
                    field(
                        SEAL_FIELD,
                        NewFieldKind::Signature,
                        layout2.seal_box(approver),
                    ),
                ];
                Ok::<_, kyso_sign::SignError>((placed.placement, fields))
            })
            .await
            .map_err(|e| OfficeError::internal("layout task", e))?
            .map_err(|e| {
                OfficeError::invalid(
                    "cannot-place",
                    format!("không đặt được chữ ký lên văn bản: {e}"),
                    format!("cannot place the signature on the document: {e}"),
                )
            })?;
            options.placement = placement;
            options.new_fields = fields;
            let title = format!("{} {}", d.type_name, d.subject);
            let agency = self
                .agency_model(self.store.connection(), d.agency_id)
                .await?
                .name;
            self.prepare_remote(
                &title,
                agency,
                &input,
                cert,
                options,
                &purpose(id),
                async |_, _| Ok(()),
            )
            .await
        })
        .await
    }

    /// Finishes the approver's signature with the agent's answer; the
    /// document becomes `approved` and goes to the clerk. A repeated
    /// answer (lost response) returns the approved document again.
    pub async fn finalize_approval(
        &self,
        actor: &Actor,
        id: i64,
        nonce: &str,
        signature: &[u8],
        cert: &Certificate,
    ) -> Result<DocumentView> {
        self.guard(actor, "document.approve", async || {
            actor.require_scope(Scope::Write)?;
            let want = purpose(id);
            let now = self.now();
            self.finalize_remote(
                nonce,
                signature,
                cert,
                |p| p == want,
                async |tx, _rec, blob| {
                    let d = self.document_for_update(tx, actor, id).await?;
                    let flow = Flow::parse(&d.flow)?;
                    let rule = transition(flow, State::parse(&d.state)?, Action::Approve)?;
                    let m = actor.require_any(rule.roles, d.agency_id)?.clone();
                    let draft = self.latest_file(tx, id, &["draft"]).await?;
                    super::draft::insert_file(
                        tx,
                        id,
                        "approved",
                        &format!("{}-duyet.pdf", d.type_code),
                        &blob.sha256,
                        Some(&draft.blob_sha256),
                        Some(actor.person_id),
                        now,
                    )
                    .await?;
                    let mut a: document::ActiveModel = d.clone().into();
                    a.state = Set(rule.to.code().into());
                    a.approver_id = Set(Some(actor.person_id));
                    a.signer_name = Set(Some(actor.full_name.clone()));
                    a.signer_position = Set(m.position.clone());
                    a.updated_at = Set(now.unix_timestamp());
                    a.update(tx).await?;
                    record(
                        tx,
                        actor,
                        Entry::new("document.approve", "document", id)
                            .agency(d.agency_id)
                            .role(Role::Approver)
                            .sha256(blob.sha256.clone()),
                        now,
                    )
                    .await
                },
            )
            .await?;
            self.document(actor, id).await
        })
        .await
    }
}
