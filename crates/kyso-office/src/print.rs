//! Print-outs with legal value (R-PRINT, DESIGN §11): a copy of an
//! issued document on paper, each page with a band under it that says
//! what it is a copy of — the number and symbol, the issuing body, each
//! signer with the signing time, the verdict on the stored file — and a
//! QR code pointing to the public verification page of that file's hash
//! (`{base_url}/verify/{sha256}`), where anyone checks it without the
//! document being published.

use kyso_pdf::{Appearance, Band, Font, Item, PrintPage, Rgb};
use kyso_sign::validate::{Indication, ValidationReport};
use kyso_store::office::{agency, document, document_file};
use kyso_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::clock::VIETNAM;
use crate::document::metadata::vn_date;
use crate::error::{OfficeError, Result};
use crate::Office;

/// The file roles a print-out's code may name: the issued file and its
/// long-term copies.
const VERIFIABLE_ROLES: &[&str] = &["sealed", crate::archive::ltv::ARCHIVE_ROLE];

/// Signers named in the band (the rest are counted).
const MAX_SIGNER_LINES: usize = 6;

/// One signature of an issued file as the public sees it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SignerLine {
    /// The signer certificate's common name.
    pub name: String,
    pub organization: Option<String>,
    /// The signing time (the trusted time-stamp's when there is one),
    /// ISO 8601 +07:00.
    pub signed_at: Option<String>,
    /// The same, `dd/mm/yyyy HH:MM` Vietnam time.
    pub signed_at_text: Option<String>,
    /// TOTAL-PASSED, INDETERMINATE or TOTAL-FAILED.
    pub indication: String,
}

/// What the public verification by hash reveals of an issued document:
/// who issued it, its number and date, its signers and the verdict on
/// the file now — never its content.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PublicVerification {
    pub sha256: String,
    pub agency_code: String,
    pub agency_name: String,
    /// `01/QĐ-UBND`.
    pub number_text: Option<String>,
    /// The issue date, `yyyy-mm-dd`.
    pub issued_date: Option<String>,
    /// The document was recalled after it was issued.
    pub recalled: bool,
    pub signers: Vec<SignerLine>,
    /// TOTAL-PASSED, INDETERMINATE or TOTAL-FAILED.
    pub indication: String,
    pub message_vi: String,
    pub message_en: String,
    /// ISO 8601 +07:00.
    pub validated_at: String,
    /// Where anyone downloads the document when its agency published it
    /// on the portal (R-PORTAL); otherwise nothing of its content is
    /// shown.
    pub portal_file: Option<String>,
}

/// `dd/mm/yyyy HH:MM` in Vietnam time.
pub fn vn_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(VIETNAM);
    format!("{} {:02}:{:02}", vn_date(t.date()), t.hour(), t.minute())
}

fn indication_code(i: Indication) -> &'static str {
    match i {
        Indication::TotalPassed => "TOTAL-PASSED",
        Indication::Indeterminate => "INDETERMINATE",
        Indication::TotalFailed => "TOTAL-FAILED",
    }
}

fn indication_vi(i: Indication) -> &'static str {
    match i {
        Indication::TotalPassed => "Hợp lệ",
        Indication::Indeterminate => "Chưa xác định",
        Indication::TotalFailed => "Không hợp lệ",
    }
}

/// The signers of `r` (document time-stamps left out).
pub fn signer_lines(r: &ValidationReport) -> Vec<SignerLine> {
    r.signatures
        .iter()
        .filter(|s| s.kind == "signature")
        .map(|s| {
            let signer = s.signer.as_ref();
            let signed_at = s
                .timestamp
                .as_ref()
                .map(|t| t.time.clone())
                .or_else(|| s.claimed_signing_time.clone())
                .or_else(|| s.cms_signing_time.clone());
            let signed_at_text = signed_at
                .as_deref()
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
                .map(vn_time);
            SignerLine {
                name: signer
                    .and_then(|c| c.common_name.clone())
                    .or_else(|| signer.map(|c| c.subject.clone()))
                    .unwrap_or_else(|| "—".into()),
                organization: signer.and_then(|c| c.organization.clone()),
                signed_at,
                signed_at_text,
                indication: indication_code(s.indication).into(),
            }
        })
        .collect()
}

/// A SHA-256 written in hex (either case), lowercased; else a 400.
pub fn parse_sha256(s: &str) -> Result<String> {
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(OfficeError::invalid(
            "bad-hash",
            "mã băm phải gồm 64 chữ số thập lục phân (SHA-256)",
            "the hash must be 64 hexadecimal digits (SHA-256)",
        ))
    }
}

/// What the band of every page says.
struct BandText {
    lines: Vec<String>,
    url: String,
    printed: String,
}

/// Cuts `text` so that it fits in `max` points at `size`.
fn fit(font: &Font, text: &str, size: f32, max: f32) -> String {
    let fits = |t: &str| font.width(t, size).map(|w| w <= max).unwrap_or(false);
    if fits(text) {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let t: String = chars.iter().collect::<String>() + "…";
        if fits(&t) {
            return t;
        }
    }
    String::new()
}

/// Size of one QR module, points.
const MODULE: f32 = 1.7;
/// Quiet zone around the code, modules (ISO/IEC 18004: 4).
const QUIET: usize = 4;
const MARGIN: f32 = 8.0;
const TEXT_SIZE: f32 = 8.0;
const LEADING: f32 = 10.5;

/// The QR code of `url` as rectangles (horizontal runs of dark modules),
/// its lower-left corner at `x, y`; returns its side with the quiet zone.
fn qr_items(url: &str, x: f32, y: f32, items: &mut Vec<Item>) -> Result<f32> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| OfficeError::internal("QR code", e))?;
    let w = code.width();
    let colors = code.to_colors();
    let origin = QUIET as f32 * MODULE;
    for row in 0..w {
        let mut col = 0;
        while col < w {
            if colors[row * w + col] != qrcode::Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < w && colors[row * w + col] == qrcode::Color::Dark {
                col += 1;
            }
            items.push(Item::Rect {
                x: x + origin + start as f32 * MODULE,
                y: y + origin + (w - 1 - row) as f32 * MODULE,
                width: (col - start) as f32 * MODULE,
                height: MODULE,
                color: Rgb::BLACK,
            });
        }
    }
    Ok((w + 2 * QUIET) as f32 * MODULE)
}

/// The band under page `p`.
fn band(t: &BandText, p: PrintPage) -> std::result::Result<Band, kyso_pdf::PdfError> {
    let font = Font::liberation_serif();
    let mut ap = Appearance::new(font.clone());
    let mut qr = Vec::new();
    let side =
        qr_items(&t.url, 0.0, 0.0, &mut qr).map_err(|e| kyso_pdf::PdfError::Internal(e.en))?;
    let mut lines = t.lines.clone();
    lines.push(format!(
        "Ngày in: {} — Trang {}/{}",
        t.printed,
        p.index + 1,
        p.count
    ));
    lines.push(format!("Kiểm tra tại: {}", t.url));
    let text_height = lines.len() as f32 * LEADING;
    let height = side.max(text_height + 2.0 * MARGIN);
    let qr_x = (p.width - MARGIN - side).max(0.0);
    let qr_y = (height - side) / 2.0;
    // A rule between the page and the band.
    ap.items.push(Item::Rect {
        x: MARGIN,
        y: height - 0.6,
        width: (p.width - 2.0 * MARGIN).max(0.0),
        height: 0.6,
        color: Rgb(0.4, 0.4, 0.4),
    });
    let max = (qr_x - 2.0 * MARGIN).max(10.0);
    let mut y = height - MARGIN - TEXT_SIZE;
    for (i, l) in lines.iter().enumerate() {
        let size = if i == 0 { TEXT_SIZE + 1.5 } else { TEXT_SIZE };
        ap.items.push(Item::Text {
            x: 2.0 * MARGIN,
            y,
            size,
            color: Rgb::BLACK,
            text: fit(&font, l, size, max),
        });
        y -= LEADING;
    }
    for it in qr {
        if let Item::Rect {
            x,
            y,
            width,
            height,
            color,
        } = it
        {
            ap.items.push(Item::Rect {
                x: x + qr_x,
                y: y + qr_y,
                width,
                height,
                color,
            });
        }
    }
    Ok(Band {
        height,
        appearance: ap,
    })
}

/// A file name for the print-out of `name`.
fn print_name(name: &str) -> String {
    let stem = name
        .strip_suffix(".pdf")
        .or_else(|| name.strip_suffix(".PDF"))
        .unwrap_or(name);
    let stem = if stem.is_empty() { "van-ban" } else { stem };
    format!("{stem}-ban-in.pdf")
}

impl Office {
    /// The print-out of issued document `doc_id` (R-PRINT): its issued
    /// file with a verification band under every page. Readers of the
    /// document's agency and of the agencies it was sent to may print it;
    /// others are refused (403). Returns the PDF and its file name.
    pub async fn print_copy(&self, actor: &Actor, doc_id: i64) -> Result<(Vec<u8>, String)> {
        self.guard(actor, "document.print", async || {
            actor.require_scope(Scope::Read)?;
            let db = self.store.connection();
            let d = document::Entity::find_by_id(doc_id)
                .one(db)
                .await?
                .ok_or_else(|| OfficeError::not_found("văn bản", "document"))?;
            if self.reader_side(db, actor, &d).await?.is_none() {
                return Err(OfficeError::forbidden(
                    "chỉ người của cơ quan ban hành hoặc cơ quan nhận văn bản được in văn bản",
                    "only people of the issuing agency or of an agency it was sent to may print \
                     the document",
                ));
            }
            if d.issued_at.is_none() {
                return Err(OfficeError::conflict(
                    "not-issued",
                    "chỉ in được văn bản đã phát hành",
                    "only an issued document can be printed",
                ));
            }
            let issued = self.latest_file(db, doc_id, &["sealed"]).await?;
            let a = self.agency_model(db, d.agency_id).await?;
            let bytes = self.blobs.get(&issued.blob_sha256).await?;
            let report = self.verify_pdf_bytes(&bytes).await?;
            let now = self.now();

            let mut lines = vec!["Bản in từ văn bản điện tử".to_string()];
            lines.push(format!(
                "Số, ký hiệu: {}{}",
                crate::document::view_number_text(&d).unwrap_or_else(|| "—".into()),
                d.issued_date
                    .as_deref()
                    .and_then(|s| {
                        time::Date::parse(
                            s,
                            time::macros::format_description!("[year]-[month]-[day]"),
                        )
                        .ok()
                    })
                    .map(|x| format!(" ngày {}", vn_date(x)))
                    .unwrap_or_default()
            ));
            lines.push(format!("Cơ quan ban hành: {}", a.name));
            let signers = signer_lines(&report);
            for s in signers.iter().take(MAX_SIGNER_LINES) {
                lines.push(format!(
                    "Ký số: {}{} — lúc {}",
                    s.name,
                    s.organization
                        .as_deref()
                        .filter(|o| *o != s.name)
                        .map(|o| format!(" ({o})"))
                        .unwrap_or_default(),
                    s.signed_at_text.as_deref().unwrap_or("—")
                ));
            }
            if signers.len() > MAX_SIGNER_LINES {
                lines.push(format!(
                    "… và {} chữ ký khác",
                    signers.len() - MAX_SIGNER_LINES
                ));
            }
            lines.push(format!(
                "Kết quả kiểm tra chữ ký số của tệp điện tử: {} ({}), lúc {}",
                indication_vi(report.indication),
                indication_code(report.indication),
                vn_time(now)
            ));
            let text = BandText {
                lines,
                url: format!(
                    "{}/verify/{}",
                    self.config.base_url.trim_end_matches('/'),
                    issued.blob_sha256
                ),
                printed: vn_time(now),
            };

            let dir = self.work_dir()?;
            let input = dir.path().join("issued.pdf");
            let output = dir.path().join("print.pdf");
            tokio::fs::write(&input, &bytes)
                .await
                .map_err(|e| OfficeError::internal("print", e))?;
            let (i, o) = (input.clone(), output.clone());
            let pages = tokio::task::spawn_blocking(move || {
                kyso_pdf::print_copy(&i, &o, &mut |p| band(&text, p))
            })
            .await
            .map_err(|e| OfficeError::internal("print", e))?
            .map_err(|e| {
                OfficeError::invalid(
                    "cannot-print",
                    format!("không in được văn bản: {e}"),
                    format!("cannot print the document: {e}"),
                )
            })?;
            let out = tokio::fs::read(&output)
                .await
                .map_err(|e| OfficeError::internal("print", e))?;
            drop(dir);
            let name = print_name(&issued.name);
            let sha = issued.blob_sha256.clone();
            self.store
                .write(async |tx| {
                    record(
                        tx,
                        actor,
                        Entry::new("document.print", "document", doc_id)
                            .agency(d.agency_id)
                            .sha256(sha.clone())
                            .detail(format!(
                                "{pages} trang / pages, {}",
                                indication_code(report.indication)
                            )),
                        now,
                    )
                    .await
                })
                .await?;
            Ok((out, name))
        })
        .await
    }

    /// The public verification of the issued file whose SHA-256 is
    /// `sha256` (a print-out's code): 400 for a malformed hash, 404 when
    /// no issued document has that file, else its issuing agency, number,
    /// date, signers and the verdict on the file now. Anonymous.
    pub async fn verify_issued_hash(&self, sha256: &str) -> Result<PublicVerification> {
        let sha = parse_sha256(sha256)?;
        let db = self.store.connection();
        let not_found = || OfficeError::not_found("văn bản đã phát hành", "issued document");
        let mut found = None;
        for f in document_file::Entity::find()
            .filter(document_file::Column::BlobSha256.eq(sha.as_str()))
            .filter(document_file::Column::Role.is_in(VERIFIABLE_ROLES.iter().copied()))
            .order_by_asc(document_file::Column::Id)
            .all(db)
            .await?
        {
            let Some(d) = document::Entity::find_by_id(f.document_id).one(db).await? else {
                continue;
            };
            if d.issued_at.is_some() {
                found = Some(d);
                break;
            }
        }
        let d = found.ok_or_else(not_found)?;
        let a = agency::Entity::find_by_id(d.agency_id)
            .one(db)
            .await?
            .ok_or_else(not_found)?;
        let bytes = self.blobs.get(&sha).await?;
        let report = self.verify_pdf_bytes(&bytes).await?;
        let portal_file = kyso_store::portal::publication::Entity::find_by_id(d.id)
            .one(db)
            .await?
            .map(|_| format!("/portal/{}/{}/file", a.code, d.id));
        Ok(PublicVerification {
            portal_file,
            sha256: sha,
            agency_code: a.code,
            agency_name: a.name,
            number_text: crate::document::view_number_text(&d),
            issued_date: d.issued_date.clone(),
            recalled: d.state == crate::document::state::State::Recalled.code(),
            signers: signer_lines(&report),
            indication: indication_code(report.indication).into(),
            message_vi: report.message_vi.clone(),
            message_en: report.message_en.clone(),
            validated_at: report.validated_at.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_checked() {
        let h = "AB".repeat(32);
        assert_eq!(parse_sha256(&h).unwrap(), "ab".repeat(32));
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(65), "../etc/passwd"] {
            assert_eq!(
                parse_sha256(bad).unwrap_err().kind,
                crate::ErrorKind::Invalid,
                "{bad}"
            );
        }
    }

    #[test]
    fn times_are_in_vietnam() {
        let t = OffsetDateTime::parse("2026-05-04T17:30:00Z", &Rfc3339).unwrap();
        assert_eq!(vn_time(t), "05/05/2026 00:30");
    }

    #[test]
    fn band_has_the_code_and_fits_the_page() {
        let t = BandText {
            lines: vec!["Bản in từ văn bản điện tử".into(), "x".repeat(500)],
            url: format!("http://127.0.0.1:8080/verify/{}", "a".repeat(64)),
            printed: "01/01/2026 08:00".into(),
        };
        let b = band(
            &t,
            PrintPage {
                index: 0,
                count: 2,
                width: 595.0,
            },
        )
        .unwrap();
        assert!(b.height > 60.0 && b.height < 200.0, "{}", b.height);
        let font = Font::liberation_serif();
        let mut rects = 0;
        for it in &b.appearance.items {
            match it {
                Item::Text { x, size, text, .. } => {
                    assert!(x + font.width(text, *size).unwrap() <= 595.0, "{text}")
                }
                Item::Rect { x, width, .. } => {
                    rects += 1;
                    assert!(x + width <= 595.0);
                }
                Item::Image { .. } => unreachable!(),
            }
        }
        assert!(rects > 50, "QR modules drawn: {rects}");
        assert!(b
            .appearance
            .items
            .iter()
            .any(|i| matches!(i, Item::Text { text, .. } if text.contains("Trang 1/2"))));
    }

    #[test]
    fn print_names() {
        assert_eq!(print_name("QĐ 01.pdf"), "QĐ 01-ban-in.pdf");
        assert_eq!(print_name(""), "van-ban-ban-in.pdf");
    }
}
