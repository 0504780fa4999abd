//! The text of a stored PDF, read once and kept in the database
//! (`document_text`, keyed by the blob's SHA-256): every replica's index
//! and every rebuild take it from there instead of parsing the PDF again.
//! A scan (no text operators) gives empty text — it is found by its
//! metadata; a file that cannot be read is recorded with the reason, so it
//! is not tried again and again.

use kyso_store::sea_orm::{EntityTrait, Set};
use kyso_store::search::document_text;

use crate::error::{OfficeError, Result};
use crate::Office;

/// Most characters kept of one document's text (a 500-page report is
/// about 1.5 million; the index needs no more to find it).
pub const MAX_TEXT_CHARS: usize = 1_000_000;

impl Office {
    /// The text of the PDF blob `sha256`: from `document_text`, else read
    /// from the blob now and recorded.
    pub async fn pdf_text(&self, sha256: &str) -> Result<document_text::Model> {
        let db = self.store.connection();
        if let Some(t) = document_text::Entity::find_by_id(sha256.to_string())
            .one(db)
            .await?
        {
            return Ok(t);
        }
        let bytes = self.blobs.get(sha256).await?;
        let read = tokio::task::spawn_blocking(move || {
            kyso_pdf::open_bytes(&bytes).and_then(|mut pdf| pdf.text(MAX_TEXT_CHARS))
        })
        .await
        .map_err(|e| OfficeError::internal("text extraction", e))?;
        let now = self.now().unix_timestamp();
        let row = match read {
            Ok(t) => document_text::Model {
                blob_sha256: sha256.to_string(),
                text: t.text,
                pages: t.pages as i32,
                pages_with_text: t.pages_with_text as i32,
                truncated: t.truncated,
                error: None,
                extracted_at: now,
            },
            Err(e) => {
                tracing::warn!("text of blob {sha256} not readable: {e}");
                document_text::Model {
                    blob_sha256: sha256.to_string(),
                    text: String::new(),
                    pages: 0,
                    pages_with_text: 0,
                    truncated: false,
                    error: Some(e.to_string()),
                    extracted_at: now,
                }
            }
        };
        // Another replica may have recorded it meanwhile: the same text.
        document_text::Entity::insert(document_text::ActiveModel {
            blob_sha256: Set(row.blob_sha256.clone()),
            text: Set(row.text.clone()),
            pages: Set(row.pages),
            pages_with_text: Set(row.pages_with_text),
            truncated: Set(row.truncated),
            error: Set(row.error.clone()),
            extracted_at: Set(row.extracted_at),
        })
        .on_conflict_do_nothing()
        .exec_without_returning(db)
        .await?;
        Ok(row)
    }
}
