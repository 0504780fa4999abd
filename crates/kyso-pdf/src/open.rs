//! Opening a PDF for an incremental update, refusing what cannot be signed.
use std::path::Path;

use lopdf::{Document, IncrementalDocument, LoadOptions};

use crate::PdfError;

/// A PDF read from disk, ready for an incremental update.
pub struct OpenedPdf {
    pub(crate) doc: IncrementalDocument,
}

impl OpenedPdf {
    /// The document as read (all revisions combined).
    pub fn document(&self) -> &Document {
        self.doc.get_prev_documents()
    }

    /// Number of pages.
    pub fn page_count(&self) -> usize {
        self.document().get_pages().len()
    }

    /// Whether the last revision uses a cross-reference stream.
    pub fn uses_xref_stream(&self) -> bool {
        matches!(
            self.document().reference_table.cross_reference_type,
            lopdf::xref::XrefType::CrossReferenceStream
        )
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Read `path` and check it can take an incremental signature update:
/// a `%PDF-` header, a final `%%EOF`, not encrypted, cross-reference data
/// readable as written (no reconstruction), a catalog and at least one
/// page. The file is only read.
pub fn open(path: &Path) -> Result<OpenedPdf, PdfError> {
    let bytes = std::fs::read(path)?;
    open_bytes(bytes)
}

pub(crate) fn open_bytes(bytes: Vec<u8>) -> Result<OpenedPdf, PdfError> {
    let head = &bytes[..bytes.len().min(1024)];
    if !find(head, b"%PDF-") {
        return Err(PdfError::NotPdf);
    }
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !find(tail, b"%%EOF") || !find(tail, b"startxref") {
        return Err(PdfError::Truncated);
    }
    let doc = match Document::load_mem_with_options(&bytes, LoadOptions::default()) {
        Ok(d) => d,
        // An encrypted file whose password we do not have fails to load.
        Err(_) if find(&bytes, b"/Encrypt") => return Err(PdfError::Encrypted),
        Err(e) => return Err(e.into()),
    };
    if doc.trailer.has(b"Encrypt") || doc.encryption_state.is_some() || doc.is_encrypted() {
        return Err(PdfError::Encrypted);
    }
    if doc.xref_recovery.is_some() || doc.xref_start == 0 {
        return Err(PdfError::BrokenXref);
    }
    doc.catalog()
        .map_err(|e| PdfError::Malformed(format!("no catalog: {e}")))?;
    if doc.get_pages().is_empty() {
        return Err(PdfError::Malformed("no pages".into()));
    }
    Ok(OpenedPdf {
        doc: IncrementalDocument::create_from(bytes, doc),
    })
}
