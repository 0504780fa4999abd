//! Documents the office generates as PDF (DESIGN §3: krilla, never
//! hand-written content-stream operators): an administrative document
//! laid out per Decree 30/2020 Appendix I ([`draft_pdf`]) and the
//! registers of Appendix IV ([`register_pdf`]).
//!
//! Text is set in the bundled Liberation Serif (Times New Roman metrics,
//! which the decree names), regular, bold, italic and bold italic,
//! embedded as subsets with a ToUnicode map: what `pdftotext` extracts
//! is the NFC text that was given. Every character must have a glyph in
//! the font: a missing one is an error, never a silent empty box.
//!
//! The layout is computed first into a display list of pages
//! (`canvas.rs`), so a renderer knows the page count (for "Trang 2/5")
//! and the boxes it reserved (for the signatures and the number and
//! date fields) before anything is written.

mod canvas;
mod draft;
mod fonts;
mod register;
mod tabular;
mod text;

pub use draft::{draft_pdf, AdministrativeDocument, RenderedDraft};
pub(crate) use register::title as register_title;
pub(crate) use register::{cells as register_cells, columns as register_columns};
pub use register::{register_pdf, RenderedRegister, MAX_REGISTER_LINES};
pub use tabular::{
    tabular_pdf, RenderedReport, Section as TabularSection, TabularReport, MAX_REPORT_ROWS,
};

use crate::error::{ErrorKind, OfficeError};

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A character the font cannot draw.
    #[error("phông chữ không có ký tự {0:?} / the font has no glyph for {0:?}")]
    MissingGlyph(char),
    /// Input beyond the renderer's bounds.
    #[error("{vi} / {en}")]
    TooLarge { vi: String, en: String },
    /// Input that cannot be laid out (an empty required part).
    #[error("{vi} / {en}")]
    Invalid { vi: String, en: String },
    /// The PDF writer refused.
    #[error("không tạo được tệp PDF / cannot write the PDF: {0}")]
    Pdf(String),
}

impl RenderError {
    pub(crate) fn invalid(vi: impl Into<String>, en: impl Into<String>) -> Self {
        RenderError::Invalid {
            vi: vi.into(),
            en: en.into(),
        }
    }
    pub(crate) fn too_large(vi: impl Into<String>, en: impl Into<String>) -> Self {
        RenderError::TooLarge {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

impl From<RenderError> for OfficeError {
    fn from(e: RenderError) -> Self {
        match e {
            RenderError::MissingGlyph(c) => OfficeError::invalid(
                "unprintable-text",
                format!("phông chữ không có ký tự {c:?}"),
                format!("the font has no glyph for {c:?}"),
            ),
            RenderError::TooLarge { vi, en } => {
                OfficeError::new(ErrorKind::TooLarge, "too-large", vi, en)
            }
            RenderError::Invalid { vi, en } => OfficeError::invalid("cannot-render", vi, en),
            RenderError::Pdf(detail) => OfficeError::internal("rendering a PDF", detail),
        }
    }
}

/// Millimetres in PDF points.
pub(crate) const fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}
