//! Numbering and sealing (R-FLOW-SEAL, R-FLOW-TWO, R-KEY-SEAL, R-ATTACH):
//! the clerk takes the next number of the agency's outgoing register,
//! writes number and date into the approver's fields (two-signature flow)
//! and signs with the organization's seal key into the pre-created seal
//! field — or, for a scanned original, places the seal signature on it.
//! Separate attachments are each signed with the seal key: PAdES for a
//! PDF, a detached CAdES (`.p7s`) for any other file.
//!
//! Numbering is its own transaction: the number is taken from a counter
//! row in the database (locked until commit, so numbers are consecutive
//! and never repeat across replicas) and stays with the document. Sealing
//! happens outside any transaction and is stored by a second one; if it
//! fails, the document stays `numbered` with its number and sealing is
//! simply tried again — no number is lost or skipped.

use std::path::PathBuf;
use std::sync::Arc;

use kyso_crypto::Signer;
use kyso_sign::{AppearanceKind, AppearanceRequest, Font, Placement, SignOptions, Target};
use kyso_store::office::{document, document_file, register_entry};
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter,
};
use x509_cert::Certificate;

use super::layout::{Layout, DATE_FIELD, NUMBER_FIELD, SEAL_FIELD};
use super::metadata::format_number;
use super::state::{transition, Action, Flow, State};
use super::DocumentView;
use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::error::{ErrorKind, OfficeError, Result};
use crate::keys::KeyLocation;
use crate::role::Role;
use crate::Office;

/// The date line of box 4: `Ninh Bình, ngày 03 tháng 12 năm 2026`.
pub fn date_line(place: &str, d: time::Date) -> String {
    format!(
        "{place}, ngày {:02} tháng {:02} năm {}",
        d.day(),
        u8::from(d.month()),
        d.year()
    )
}

/// The seal key, certificate and appearance of an agency.
pub(crate) struct SealKit {
    pub signer: Arc<dyn Signer>,
    pub certificate: Certificate,
    pub chain: Vec<Certificate>,
    pub request: AppearanceRequest,
}

impl Office {
    /// The seal key and certificate of agency `agency_id`, or why sealing
    /// cannot happen.
    pub(crate) async fn seal_kit(&self, agency_id: i64) -> Result<SealKit> {
        use der::Decode;
        let a = self
            .agency_model(self.store.connection(), agency_id)
            .await?;
        let missing = || {
            OfficeError::conflict(
                "seal-key-missing",
                "cơ quan chưa được cấu hình khóa con dấu (chứng thư số tổ chức)",
                "the agency has no seal key (organization certificate) configured",
            )
        };
        let (Some(kind), Some(reference), Some(cert_der)) =
            (&a.key_kind, &a.key_ref, &a.certificate_der)
        else {
            return Err(missing());
        };
        let loc = KeyLocation::parse(kind, reference)?;
        let certificate = Certificate::from_der(cert_der)
            .map_err(|e| OfficeError::internal("seal certificate", e))?;
        let signer = {
            let keys = &self.keys;
            let pw = self.config.key_password.clone();
            let loc2 = loc.clone();
            // Loading may log in to a token: blocking.
            tokio::task::block_in_place(|| keys.signer(agency_id, &loc2, &pw))?
        };
        use der::Encode;
        let spki = certificate
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| OfficeError::internal("seal certificate", e))?;
        if spki != signer.public_key_der() {
            return Err(OfficeError::internal(
                "seal key",
                format!("agency {agency_id}: the seal key does not match its certificate"),
            ));
        }
        let image = match &a.seal_image {
            Some(sha) => Some(self.png_image(sha, "seal image").await?),
            None => None,
        };
        let request = AppearanceRequest {
            kind: AppearanceKind::Organization,
            signer_name: kyso_pki::name::common_name(&certificate.tbs_certificate.subject)
                .unwrap_or_else(|| a.name.clone()),
            organization: Some(a.name.clone()),
            email: (!a.email.is_empty()).then(|| a.email.clone()),
            signing_time: self.now().to_offset(crate::clock::VIETNAM),
            image,
            number: None,
            copy_form: None,
            font: Font::liberation_serif(),
        };
        Ok(SealKit {
            signer,
            certificate,
            chain: self.ca_chain(),
            request,
        })
    }

    /// A TSA transport for the core crates (synchronous), answered by
    /// kyso's own TSA in this process.
    pub(crate) fn tsa_transport(
        &self,
    ) -> impl Fn(&[u8]) -> std::result::Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> + '_
    {
        let handle = tokio::runtime::Handle::current();
        move |req: &[u8]| Ok(handle.block_on(self.ca.tsa().respond(req)).to_vec())
    }

    /// Takes the next number of the outgoing register for document `id`
    /// (state `approved`, or a scan in `draft`) and records it.
    async fn take_number(&self, actor: &Actor, id: i64) -> Result<()> {
        let now = self.now();
        let today = crate::clock::vietnam_date(now);
        self.store
            .write(async |tx| {
                let d = self.document_for_update(tx, actor, id).await?;
                let flow = Flow::parse(&d.flow)?;
                let rule = transition(flow, State::parse(&d.state)?, Action::Number)?;
                actor.require_any(rule.roles, d.agency_id)?;
                let a = self.agency_model(tx, d.agency_id).await?;
                let year = today.year();
                let number = crate::register::next_number(tx, d.agency_id, "out", year).await?;
                let notation = format!("{}-{}", d.type_code, a.short_name);
                register_entry::ActiveModel {
                    agency_id: Set(d.agency_id),
                    direction: Set("out".into()),
                    year: Set(year),
                    number: Set(number),
                    notation: Set(Some(notation.clone())),
                    document_id: Set(Some(id)),
                    delivery_id: Set(None),
                    created_by: Set(Some(actor.person_id)),
                    created_at: Set(now.unix_timestamp()),
                    ..Default::default()
                }
                .insert(tx)
                .await?;
                let mut m: document::ActiveModel = d.clone().into();
                m.state = Set(rule.to.code().into());
                m.number = Set(Some(number));
                m.notation = Set(Some(notation.clone()));
                m.register_year = Set(Some(year));
                m.issued_date = Set(Some(super::metadata::iso_date(today)));
                m.clerk_id = Set(Some(actor.person_id));
                m.updated_at = Set(now.unix_timestamp());
                m.update(tx).await?;
                record(
                    tx,
                    actor,
                    Entry::new("document.number", "document", id)
                        .agency(d.agency_id)
                        .role(Role::Clerk)
                        .detail(format!("{}/{notation} ({year})", format_number(number))),
                    now,
                )
                .await
            })
            .await
    }

    /// Numbers (if not yet numbered) and seals document `id`.
    pub async fn number_and_seal(&self, actor: &Actor, id: i64) -> Result<DocumentView> {
        self.guard(actor, "document.seal", async || {
            actor.require_scope(Scope::Write)?;
            let db = self.store.connection();
            let d = self.document_model(db, actor, id).await?;
            let flow = Flow::parse(&d.flow)?;
            let state = State::parse(&d.state)?;
            let kit = if state != State::Numbered {
                transition(flow, state, Action::Number)?;
                actor.require(Role::Clerk, d.agency_id)?;
                // The seal key must be there before a number is taken;
                // the sealing below uses what was loaded.
                let kit = self.seal_kit(d.agency_id).await?;
                self.take_number(actor, id).await?;
                Some(kit)
            } else {
                None
            };
            self.seal(actor, id, kit).await
        })
        .await
    }

    /// Seals a numbered document and its attachments, with `kit` when the
    /// caller has loaded the agency's seal already.
    async fn seal(&self, actor: &Actor, id: i64, kit: Option<SealKit>) -> Result<DocumentView> {
        let db = self.store.connection();
        let d = self.document_model(db, actor, id).await?;
        let flow = Flow::parse(&d.flow)?;
        let rule = transition(flow, State::parse(&d.state)?, Action::Seal)?;
        actor.require_any(rule.roles, d.agency_id)?;
        let mut kit = match kit {
            Some(kit) => kit,
            None => self.seal_kit(d.agency_id).await?,
        };
        let now = self.now();
        kit.request.signing_time = now.to_offset(crate::clock::VIETNAM);
        let source_role = match flow {
            Flow::Two => "approved",
            Flow::Seal => "draft",
        };
        let source = self.latest_file(db, id, &[source_role]).await?;
        let attachments = document_file::Entity::find()
            .filter(document_file::Column::DocumentId.eq(id))
            .filter(document_file::Column::Role.eq("attachment"))
            .all(db)
            .await?;
        let dir = self.work_dir()?;
        let input = dir.path().join("in.pdf");
        self.blobs.get_to_file(&source.blob_sha256, &input).await?;
        let number = super::view::number_text(&d).unwrap_or_default();
        let date = d
            .issued_date
            .as_deref()
            .and_then(|s| super::metadata::parse_date(s, "", "").ok())
            .unwrap_or_else(|| crate::clock::vietnam_date(now));
        let layout: Layout = d
            .layout
            .as_deref()
            .and_then(|l| serde_json::from_str(l).ok())
            .unwrap_or_default();
        let output = dir.path().join("sealed.pdf");
        let mut att_in = Vec::new();
        for (i, a) in attachments.iter().enumerate() {
            let p = dir.path().join(format!("att-{i}"));
            self.blobs.get_to_file(&a.blob_sha256, &p).await?;
            att_in.push((a.clone(), p));
        }
        let job = SealJob {
            flow,
            input,
            output,
            number: number.clone(),
            date_line: date_line(&d.issue_place, date),
            layout,
            now,
            attachments: att_in,
        };
        let results = tokio::task::block_in_place(|| job.run(self, &kit))?;
        let sealed = self.blobs.put_file(&results.main).await?;
        let mut att_out = Vec::new();
        for (att, path, role, name, media) in &results.attachments {
            att_out.push((
                att.clone(),
                self.blobs.put_file(path).await?,
                *role,
                name.clone(),
                *media,
            ));
        }
        drop(dir);
        self.store
            .write(async |tx| {
                let d = self.document_for_update(tx, actor, id).await?;
                let rule = transition(flow, State::parse(&d.state)?, Action::Seal)?;
                actor.require_any(rule.roles, d.agency_id)?;
                kyso_store::record_blob(
                    tx,
                    &sealed,
                    "application/pdf",
                    Some(&source.blob_sha256),
                    now,
                )
                .await?;
                super::draft::insert_file(
                    tx,
                    id,
                    "sealed",
                    &format!("{}.pdf", number.replace('/', "-")),
                    &sealed.sha256,
                    Some(&source.blob_sha256),
                    Some(actor.person_id),
                    now,
                )
                .await?;
                for (att, r, role, name, media) in &att_out {
                    kyso_store::record_blob(tx, r, media, Some(&att.blob_sha256), now).await?;
                    super::draft::insert_file(
                        tx,
                        id,
                        role,
                        name,
                        &r.sha256,
                        Some(&att.blob_sha256),
                        Some(actor.person_id),
                        now,
                    )
                    .await?;
                }
                let mut m: document::ActiveModel = d.clone().into();
                m.state = Set(rule.to.code().into());
                m.updated_at = Set(now.unix_timestamp());
                let d = m.update(tx).await?;
                record(
                    tx,
                    actor,
                    Entry::new("document.seal", "document", id)
                        .agency(d.agency_id)
                        .role(Role::Clerk)
                        .sha256(sealed.sha256.clone()),
                    now,
                )
                .await?;
                self.document_view(tx, d).await
            })
            .await
    }
}

/// The files of one sealing, made on a blocking thread.
struct SealJob {
    flow: Flow,
    input: PathBuf,
    output: PathBuf,
    number: String,
    date_line: String,
    layout: Layout,
    now: time::OffsetDateTime,
    attachments: Vec<(document_file::Model, PathBuf)>,
}

/// What a sealing made: the main file and each attachment's signed file
/// (its role, name and media type).
struct Sealed {
    main: PathBuf,
    attachments: Vec<(
        document_file::Model,
        PathBuf,
        &'static str,
        String,
        &'static str,
    )>,
}

fn seal_error(e: impl std::fmt::Display) -> OfficeError {
    OfficeError::new(
        ErrorKind::Invalid,
        "cannot-seal",
        format!("không đóng dấu số được văn bản: {e}"),
        format!("cannot seal the document: {e}"),
    )
}

impl SealJob {
    fn run(&self, office: &Office, kit: &SealKit) -> Result<Sealed> {
        let tsa = office.tsa_transport();
        let mut options = SignOptions::new(kit.certificate.clone(), kit.signer.algorithm());
        options.name = Some(kit.request.signer_name.clone());
        options.reason = Some("Đóng dấu / sealed".into());
        options.signing_time = Some(self.now.to_offset(crate::clock::VIETNAM));
        options.contact_info = kit.request.email.clone();
        match self.flow {
            Flow::Two => {
                options.field_name = Some(SEAL_FIELD.into());
                options.fill = vec![
                    (NUMBER_FIELD.into(), format!("Số: {}", self.number)),
                    (DATE_FIELD.into(), self.date_line.clone()),
                ];
                let pdf = kyso_sign::open_pdf(&self.input).map_err(seal_error)?;
                let rect = pdf
                    .signature_field_rect(SEAL_FIELD)
                    .map_err(seal_error)?
                    .ok_or_else(|| seal_error("the approved file has no seal field"))?;
                let appearance =
                    kyso_sign::appearance_for_box(&pdf, &kit.request, rect.width(), rect.height())
                        .map_err(seal_error)?;
                options.placement = Placement::InField {
                    appearance: Box::new(appearance),
                };
                kyso_sign::sign_opened_pdf(
                    pdf,
                    &self.output,
                    kit.signer.as_ref(),
                    &kit.chain,
                    &options,
                    Some(&tsa),
                )
                .map_err(seal_error)?;
            }
            Flow::Seal => {
                options.field_name = Some(SEAL_FIELD.into());
                let mut pdf = kyso_sign::open_pdf(&self.input).map_err(seal_error)?;
                // A scan carries its paper seal already: by default the
                // organization's signature goes below the signature block
                // of the last page, where it does not hide it.
                let target = match self.layout.seal {
                    Some(b) => Target::Rect {
                        page: b.page,
                        rect: b.to_rect(),
                    },
                    None => Target::Rect {
                        page: pdf.page_count().max(1) as u32,
                        rect: kyso_sign::Rect {
                            x1: 320.0,
                            y1: 40.0,
                            x2: 560.0,
                            y2: 130.0,
                        },
                    },
                };
                let placed =
                    kyso_sign::place(&mut pdf, &kit.request, &target).map_err(seal_error)?;
                options.placement = placed.placement;
                kyso_sign::sign_opened_pdf(
                    pdf,
                    &self.output,
                    kit.signer.as_ref(),
                    &kit.chain,
                    &options,
                    Some(&tsa),
                )
                .map_err(seal_error)?;
            }
        }
        let mut attachments = Vec::new();
        for (i, (att, path)) in self.attachments.iter().enumerate() {
            let is_pdf = std::fs::File::open(path)
                .and_then(|mut f| {
                    use std::io::Read;
                    let mut head = [0u8; 5];
                    f.read_exact(&mut head).map(|_| head == *b"%PDF-")
                })
                .unwrap_or(false);
            if is_pdf {
                let out = path.with_extension("sealed.pdf");
                let mut o = SignOptions::new(kit.certificate.clone(), kit.signer.algorithm());
                o.name = Some(kit.request.signer_name.clone());
                o.reason = Some(format!("Phụ lục kèm văn bản {}", self.number));
                o.signing_time = Some(self.now.to_offset(crate::clock::VIETNAM));
                let mut pdf = kyso_sign::open_pdf(path).map_err(seal_error)?;
                let mut req = kit.request.clone();
                req.kind = AppearanceKind::Attachment;
                req.image = None;
                req.number = Some(self.number.clone());
                let placed = kyso_sign::place(&mut pdf, &req, &Target::Auto).map_err(seal_error)?;
                o.placement = placed.placement;
                kyso_sign::sign_opened_pdf(
                    pdf,
                    &out,
                    kit.signer.as_ref(),
                    &kit.chain,
                    &o,
                    Some(&tsa),
                )
                .map_err(seal_error)?;
                attachments.push((
                    att.clone(),
                    out,
                    "attachment-sealed",
                    att.name.clone(),
                    "application/pdf",
                ));
            } else {
                let der = kyso_sign::sign_detached(
                    path,
                    kit.signer.as_ref(),
                    &kit.certificate,
                    &kit.chain,
                    Some(self.now),
                    Some(&tsa),
                )
                .map_err(seal_error)?;
                let out = path.with_extension(format!("{i}.p7s"));
                std::fs::write(&out, der)
                    .map_err(|e| OfficeError::internal("detached signature", e))?;
                attachments.push((
                    att.clone(),
                    out,
                    "attachment-signature",
                    format!("{}.p7s", att.name),
                    "application/pkcs7-signature",
                ));
            }
        }
        Ok(Sealed {
            main: self.output.clone(),
            attachments,
        })
    }
}
