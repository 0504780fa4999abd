//! The quality of a scanned original (R-FLOW-SEAL; DESIGN §6: the clerk
//! uploads the scan at 200 dpi or more, in colour, so the paper seal's
//! red shows). On each of the first pages the largest image painted is
//! taken as the scan when it covers at least half the page; its pixel
//! size over the size it is drawn at gives the resolution it prints at.
//! A scan under 200 dpi, or in gray or black and white, is accepted with
//! a warning — the clerk may have no better scanner, and the law asks
//! for the file, not for a resolution — shown on the new draft and kept
//! in the audit entry of its creation.

use std::path::Path;

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{OfficeError, Result};
use crate::Office;

/// The least resolution of a scan (dots per inch).
pub const MIN_SCAN_DPI: f32 = 200.0;
/// How many pages from the first are looked at.
pub const SCAN_PAGES: u32 = 3;
/// An image covering this share of a page makes it a scanned page.
const SCAN_COVERAGE: f32 = 0.5;

/// A scanned page.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ScannedPage {
    /// 1-based page number.
    pub page: u32,
    /// The resolution the page's scan prints at.
    pub dpi: f32,
    /// Whether the scan is in colour (`None`: the file does not say).
    pub colour: Option<bool>,
}

/// The scanned pages among the first [`SCAN_PAGES`] of the PDF at
/// `path`. Blocking: call from a blocking thread.
pub fn scanned_pages(path: &Path) -> Result<Vec<ScannedPage>> {
    let mut pdf = kyso_pdf::open(path).map_err(crate::upload::pdf_refusal)?;
    let pages = (pdf.page_count() as u32).min(SCAN_PAGES);
    let mut out = Vec::new();
    for page in 1..=pages {
        let images = pdf.page_images(page).map_err(|e| {
            OfficeError::invalid(
                "unreadable-page",
                format!("không đọc được nội dung trang {page}: {e}"),
                format!("cannot read the content of page {page}: {e}"),
            )
        })?;
        if images.largest_coverage() < SCAN_COVERAGE {
            continue;
        }
        if let Some(i) = images.largest() {
            out.push(ScannedPage {
                page,
                dpi: i.dpi(),
                colour: i.colour,
            });
        }
    }
    Ok(out)
}

/// The lowest resolution of the scanned pages among the first pages of
/// the PDF at `path`; `None` when none of them is a scan.
pub fn scan_resolution(path: &Path) -> Result<Option<f32>> {
    Ok(scanned_pages(path)?
        .iter()
        .map(|p| p.dpi)
        .min_by(f32::total_cmp))
}

/// The warnings about the scan at `path` (Vietnamese / English): a page
/// under [`MIN_SCAN_DPI`], a page not in colour. A file whose pages
/// cannot be read for this gets a warning saying so.
pub fn scan_warnings(path: &Path) -> Vec<String> {
    let pages = match scanned_pages(path) {
        Ok(p) => p,
        Err(e) => {
            return vec![format!(
                "không kiểm tra được độ phân giải bản quét: {} / cannot check the scan's resolution: {}",
                e.vi, e.en
            )]
        }
    };
    let mut out = Vec::new();
    if let Some(low) = pages
        .iter()
        .filter(|p| p.dpi < MIN_SCAN_DPI)
        .min_by(|a, b| a.dpi.total_cmp(&b.dpi))
    {
        out.push(format!(
            "bản quét chỉ có {:.0} dpi (trang {}), dưới mức tối thiểu {MIN_SCAN_DPI:.0} dpi: hãy quét lại rõ hơn / the scan is only {:.0} dpi (page {}), under the {MIN_SCAN_DPI:.0} dpi minimum: scan it again at a higher resolution",
            low.dpi, low.page, low.dpi, low.page
        ));
    }
    if let Some(gray) = pages.iter().find(|p| p.colour == Some(false)) {
        out.push(format!(
            "bản quét không phải ảnh màu (trang {}): màu đỏ của con dấu không hiện / the scan is not in colour (page {}): the seal's red does not show",
            gray.page, gray.page
        ));
    }
    out
}

impl Office {
    /// [`scan_warnings`] for an uploaded file (written to a work
    /// directory, read on a blocking thread).
    pub(crate) async fn scan_warnings_of(&self, bytes: &[u8]) -> Result<Vec<String>> {
        let dir = self.work_dir()?;
        let path = dir.path().join("scan.pdf");
        tokio::fs::write(&path, bytes)
            .await
            .map_err(|e| OfficeError::internal("writing a scan", e))?;
        tokio::task::spawn_blocking(move || {
            let w = scan_warnings(&path);
            drop(dir);
            w
        })
        .await
        .map_err(|e| OfficeError::internal("checking a scan", e))
    }
}
