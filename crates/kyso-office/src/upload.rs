//! Checks on uploaded files, before anything is stored: PDF only for a
//! document's main file (not encrypted, not malformed, within the size
//! limit), PNG for seal and signature images. A refused upload leaves no
//! trace but its audit entry.

use std::path::Path;

use kyso_pdf::PdfError;

use crate::error::{ErrorKind, OfficeError, Result};

/// Largest image accepted (seal, specimen).
pub const MAX_IMAGE: usize = 5 * 1024 * 1024;
/// Largest image side, in pixels.
const MAX_IMAGE_SIDE: u32 = 6_000;

/// What the office needs to know of an accepted PDF.
#[derive(Clone, Debug)]
pub struct PdfFacts {
    pub pages: usize,
}

pub(crate) fn too_large(limit: usize) -> OfficeError {
    OfficeError::new(
        ErrorKind::TooLarge,
        "too-large",
        format!("tệp quá lớn (tối đa {} MB)", limit / (1024 * 1024)),
        format!(
            "the file is too large (at most {} MB)",
            limit / (1024 * 1024)
        ),
    )
}

/// The refusal for a PDF kyso-pdf cannot take.
pub(crate) fn pdf_refusal(e: PdfError) -> OfficeError {
    match e {
        PdfError::NotPdf => OfficeError::new(
            ErrorKind::Unsupported,
            "not-pdf",
            "tệp không phải PDF; văn bản chính phải là tệp PDF",
            "the file is not a PDF; the main document must be a PDF",
        ),
        PdfError::Encrypted => OfficeError::invalid(
            "encrypted-pdf",
            "tệp PDF bị mã hóa (có mật khẩu); hãy gỡ mã hóa trước khi tải lên",
            "the PDF is encrypted (password-protected); remove the encryption before uploading",
        ),
        PdfError::Io(e) => OfficeError::internal("reading an upload", e),
        other => OfficeError::invalid(
            "malformed-pdf",
            format!("tệp PDF bị hỏng hoặc không đọc được: {other}"),
            format!("the PDF is damaged or unreadable: {other}"),
        ),
    }
}

/// Opens the PDF at `path` as signing would, or says why it cannot be
/// used. Blocking: call from a blocking thread.
pub fn check_pdf(path: &Path) -> Result<PdfFacts> {
    let pdf = kyso_pdf::open(path).map_err(pdf_refusal)?;
    Ok(PdfFacts {
        pages: pdf.page_count(),
    })
}

/// [`check_pdf`] on bytes (written to `dir` first).
pub(crate) async fn check_pdf_bytes(bytes: &[u8], dir: &Path, limit: usize) -> Result<PdfFacts> {
    if bytes.len() > limit {
        return Err(too_large(limit));
    }
    if !bytes.starts_with(b"%PDF-") {
        return Err(pdf_refusal(PdfError::NotPdf));
    }
    let path = dir.join("upload.pdf");
    tokio::fs::write(&path, bytes)
        .await
        .map_err(|e| OfficeError::internal("writing an upload", e))?;
    tokio::task::spawn_blocking(move || check_pdf(&path))
        .await
        .map_err(|e| OfficeError::internal("checking an upload", e))?
}

/// A PNG image of sensible size.
pub fn check_png(bytes: &[u8]) -> Result<()> {
    if bytes.len() > MAX_IMAGE {
        return Err(too_large(MAX_IMAGE));
    }
    let bad = || {
        OfficeError::new(
            ErrorKind::Unsupported,
            "not-png",
            "ảnh phải là tệp PNG (nên có nền trong suốt)",
            "the image must be a PNG file (preferably with a transparent background)",
        )
    };
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().map_err(|_| bad())?;
    let info = reader.info();
    if info.width == 0
        || info.height == 0
        || info.width > MAX_IMAGE_SIDE
        || info.height > MAX_IMAGE_SIDE
    {
        return Err(OfficeError::invalid(
            "bad-image-size",
            format!("ảnh quá lớn hoặc rỗng (tối đa {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE} điểm ảnh)"),
            format!("the image is empty or too large (at most {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE} pixels)"),
        ));
    }
    Ok(())
}

/// A file name safe to show and to put in a Content-Disposition header.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':'))
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "tep".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_cleaned() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            clean_file_name("C:\\x\\Công văn \"1\".pdf"),
            "Công văn 1.pdf"
        );
        assert_eq!(clean_file_name("..."), "tep");
    }

    #[test]
    fn png_checks() {
        assert!(check_png(b"not a png").is_err());
        let mut out = Vec::new();
        {
            let mut e = png::Encoder::new(&mut out, 2, 2);
            e.set_color(png::ColorType::Rgba);
            e.set_depth(png::BitDepth::Eight);
            let mut w = e.write_header().unwrap();
            w.write_image_data(&[0u8; 16]).unwrap();
        }
        check_png(&out).unwrap();
    }

    #[tokio::test]
    async fn pdf_uploads_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let e = check_pdf_bytes(b"hello", dir.path(), 1 << 20)
            .await
            .unwrap_err();
        assert_eq!(e.code, "not-pdf");
        let e = check_pdf_bytes(b"%PDF-1.7\nbroken", dir.path(), 1 << 20)
            .await
            .unwrap_err();
        assert_eq!(e.code, "malformed-pdf");
        let e = check_pdf_bytes(&[b'%'; 100], dir.path(), 10)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::TooLarge);
    }
}
