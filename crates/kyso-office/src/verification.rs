//! Verification results for the screens: the current file of a document
//! or of an incoming document verified now (the signature cards of the
//! web office), and a file someone uploads to the public verification
//! page, verified without being kept.

use kyso_sign::validate::ValidationReport;

use crate::actor::Actor;
use crate::document::FileView;
use crate::error::{OfficeError, Result};
use crate::Office;

/// Which file of a document carries its signatures now, best first.
const SIGNED_ROLES: &[&str] = &["sealed", "approved"];

/// The file of `files` that carries the signatures: the newest file of
/// the first role of [`SIGNED_ROLES`] present.
pub fn signed_file(files: &[FileView]) -> Option<&FileView> {
    SIGNED_ROLES
        .iter()
        .find_map(|role| files.iter().rev().find(|f| f.role == *role))
}

impl Office {
    /// Verifies `bytes` (a PDF) now; the bytes are written to this
    /// process's work directory only while they are verified.
    pub async fn verify_pdf_bytes(&self, bytes: &[u8]) -> Result<ValidationReport> {
        let tmp = tempfile::NamedTempFile::new_in(self.work.path())
            .map_err(|e| OfficeError::internal("verify", e))?;
        tokio::fs::write(tmp.path(), bytes)
            .await
            .map_err(|e| OfficeError::internal("verify", e))?;
        let r = self.verify_pdf_file(tmp.path()).await;
        drop(tmp);
        r
    }

    /// The signed file of document `doc_id` (as [`Office::document_file`]
    /// lets the actor read it) and its verification now; `None` while
    /// nothing is signed yet.
    pub async fn verify_signed_file(
        &self,
        actor: &Actor,
        doc_id: i64,
        files: &[FileView],
    ) -> Result<Option<(FileView, ValidationReport)>> {
        let Some(f) = signed_file(files) else {
            return Ok(None);
        };
        let (view, bytes) = self.document_file(actor, doc_id, f.id).await?;
        let report = self.verify_pdf_bytes(&bytes).await?;
        Ok(Some((view, report)))
    }
}
