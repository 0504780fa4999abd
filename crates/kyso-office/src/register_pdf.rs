//! The register exported as a PDF signed with the agency's organization
//! (seal) key (issue 10 §5, Decree 30/2020 Appendix IV): the table of
//! [`crate::render::register_pdf`], signed PAdES B-T — time-stamped by
//! kyso's TSA in this process — with a small visible signature at the top
//! right of the first page (the organization, the signer, the e-mail and
//! the time, no seal image: the export is a record, not an issued
//! document). The export is audited with the signed file's SHA-256.

use kyso_sign::{SignOptions, Target};

use crate::document::layout::BoxAt;
use crate::document::seal::SealKit;
use sha2::{Digest, Sha256};

use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::error::{OfficeError, Result};
use crate::register::Direction;
use crate::role::Role;
use crate::Office;

/// The signature field of a register export.
pub const REGISTER_SIGNATURE_FIELD: &str = "xac_nhan_so";

/// Who may have a register signed with the seal key: the clerk who keeps
/// it and the head of the agency (an auditor reads it, or takes the CSV).
const SIGNERS: &[Role] = &[Role::Clerk, Role::Head];

fn sign_error(e: impl std::fmt::Display) -> OfficeError {
    OfficeError::invalid(
        "cannot-sign-register",
        format!("không ký được sổ đăng ký: {e}"),
        format!("cannot sign the register: {e}"),
    )
}

impl Office {
    /// The register `direction` of `agency_id` for `year` as a PDF signed
    /// with the agency's seal key.
    pub async fn register_pdf(
        &self,
        actor: &Actor,
        agency_id: i64,
        direction: Direction,
        year: i32,
    ) -> Result<Vec<u8>> {
        let lines = self
            .register(actor, agency_id, direction, year, None)
            .await?;
        self.guard(actor, "register.export", async || {
            actor.require_scope(Scope::Read)?;
            let role = actor.require_any(SIGNERS, agency_id)?.role;
            let agency = self
                .agency_model(self.store.connection(), agency_id)
                .await?;
            let kit = self.seal_kit(agency_id).await?;
            let rendered = crate::render::register_pdf(&agency.name, direction, year, &lines)?;
            let now = self.now();
            let title = crate::render::register_title(direction);
            let how = RecordSeal {
                at: rendered.signature,
                field: REGISTER_SIGNATURE_FIELD,
                reason: format!("{title} năm {year} / register export"),
                image: false,
            };
            let signed = self
                .seal_record(&kit, &rendered.pdf, how, now, sign_error)
                .await?;
            let sha = hex::encode(Sha256::digest(&signed));
            self.store
                .write(async |tx| {
                    record(
                        tx,
                        actor,
                        Entry::new(
                            "register.export",
                            "register",
                            format!("{}:{agency_id}:{year}", direction.code()),
                        )
                        .agency(agency_id)
                        .role(role)
                        .sha256(sha.clone())
                        .detail(format!("{} dòng / lines, PDF", lines.len())),
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

/// Where and how a rendered record is sealed.
pub(crate) struct RecordSeal<'a> {
    /// The box of the visible signature.
    pub at: BoxAt,
    pub field: &'a str,
    pub reason: String,
    /// Whether the seal image is drawn.
    pub image: bool,
}

impl Office {
    /// The rendered record `pdf` signed with the seal `kit`, PAdES B-T
    /// (kyso's TSA), as `how` says; a signing failure is `on_sign`'s error.
    pub(crate) async fn seal_record(
        &self,
        kit: &SealKit,
        pdf: &[u8],
        how: RecordSeal<'_>,
        now: time::OffsetDateTime,
        on_sign: impl FnOnce(kyso_sign::SignError) -> OfficeError,
    ) -> Result<Vec<u8>> {
        let io = |e: std::io::Error| OfficeError::internal("sealed record", e);
        let dir = self.work_dir()?;
        let input = dir.path().join("record.pdf");
        let output = dir.path().join("record-signed.pdf");
        tokio::fs::write(&input, pdf).await.map_err(io)?;
        self.seal_rendered(kit, (&input, &output), how, now)
            .map_err(on_sign)?;
        tokio::fs::read(&output).await.map_err(io)
    }

    /// Signs the rendered record `paths.0` into `paths.1`.
    fn seal_rendered(
        &self,
        kit: &SealKit,
        paths: (&std::path::Path, &std::path::Path),
        how: RecordSeal<'_>,
        now: time::OffsetDateTime,
    ) -> std::result::Result<(), kyso_sign::SignError> {
        let RecordSeal {
            at,
            field,
            reason,
            image,
        } = how;
        tokio::task::block_in_place(|| {
            let tsa = self.tsa_transport();
            let mut pdf = kyso_sign::open_pdf(paths.0)?;
            let mut req = kit.request.clone();
            if !image {
                req.image = None;
            }
            // Shown in Vietnam's time (DESIGN §5: +07:00).
            req.signing_time = now.to_offset(crate::clock::VIETNAM);
            let placed = kyso_sign::place(
                &mut pdf,
                &req,
                &Target::Rect {
                    page: at.page,
                    rect: at.to_rect(),
                },
            )?;
            let mut options = SignOptions::new(kit.certificate.clone(), kit.signer.algorithm());
            options.field_name = Some(field.into());
            options.name = Some(kit.request.signer_name.clone());
            options.reason = Some(reason);
            options.contact_info = kit.request.email.clone();
            options.signing_time = Some(now.to_offset(crate::clock::VIETNAM));
            options.placement = placed.placement;
            kyso_sign::sign_opened_pdf(
                pdf,
                paths.1,
                kit.signer.as_ref(),
                &kit.chain,
                &options,
                Some(&tsa),
            )
            .map(|_| ())
        })
    }
}
