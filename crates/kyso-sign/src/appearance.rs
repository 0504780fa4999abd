//! The Vietnamese signature appearances (DESIGN §5; Decree 30/2020
//! Appendix I; seed 000 Art. 7.4): what each kind of signature shows and
//! where it goes on the page. `kyso-pdf` paints and places it.
//!
//! | kind | where | shows |
//! |---|---|---|
//! | person (box 7c) | above the signer's name, or a given box | blue specimen image; name, time, e-mail small under it |
//! | organization (box 8) | over the left third of the approver's signature | red seal at real size (PNG DPI); organization, signer, e-mail, time |
//! | attachment | top right of the first page | number and code, time; 10 pt Times metrics, black |
//! | copy (box 14) | top right of the first page | copy form, copying organization, time; 10 pt, black |
use std::sync::Arc;

use kyso_pdf::{free_spot, Appearance, Font, Image, Item, OpenedPdf, Placement, Rect, Rgb};
use time::OffsetDateTime;
use unicode_normalization::UnicodeNormalization;

use crate::SignError;

/// Which signature of Decree 30/2020 Appendix I.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppearanceKind {
    /// The approver's personal signature (box 7c).
    Person,
    /// The organization's signature replacing the seal (box 8).
    Organization,
    /// The organization's signature on an attachment in a separate file.
    Attachment,
    /// The organization's signature on an electronic copy (box 14).
    Copy,
}

impl std::str::FromStr for AppearanceKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "person" => Ok(Self::Person),
            "organization" | "organisation" => Ok(Self::Organization),
            "attachment" => Ok(Self::Attachment),
            "copy" => Ok(Self::Copy),
            _ => Err(format!(
                "'{s}': person, organization, attachment hoặc / or copy"
            )),
        }
    }
}

/// The copy forms of Decree 30/2020 Art. 25.
pub const COPY_FORMS: [&str; 3] = ["SAO Y", "SAO LỤC", "TRÍCH SAO"];

/// Resolution assumed for a PNG without a `pHYs` chunk.
pub const DEFAULT_DPI: f32 = 96.0;

/// Where the caller wants the box.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// The kind's default: person above its signer's name, organization
    /// over the approver's signature, attachment and copy top right of
    /// the first page.
    Auto,
    /// Exactly this page (1-based) and rectangle.
    Rect { page: u32, rect: Rect },
    /// Above this text (last page first).
    Anchor(String),
}

/// What the signature shows, from the certificate and the options.
#[derive(Clone, Debug)]
pub struct AppearanceRequest {
    pub kind: AppearanceKind,
    /// The signer's name (certificate CN).
    pub signer_name: String,
    /// The organization (certificate O).
    pub organization: Option<String>,
    /// The official e-mail (certificate SAN rfc822Name or emailAddress).
    pub email: Option<String>,
    /// The signing time, shown in ISO 8601 with its offset (+07:00).
    pub signing_time: OffsetDateTime,
    /// The specimen (person) or seal (organization) image.
    pub image: Option<Image>,
    /// Number and code of the document (attachment), e.g. 123/QĐ-UBND.
    pub number: Option<String>,
    /// SAO Y, SAO LỤC or TRÍCH SAO (copy).
    pub copy_form: Option<String>,
    pub font: Font,
}

/// The placement to sign with and what the user should be told.
#[derive(Clone, Debug)]
pub struct PlacedAppearance {
    pub placement: Placement,
    pub page: u32,
    pub rect: Rect,
    /// Warnings and where the box went, Vietnamese / English.
    pub notes: Vec<String>,
}

fn err(msg: String) -> SignError {
    SignError::Appearance(msg)
}

/// ISO 8601 to the second, e.g. 2026-11-22T09:30:05+07:00.
pub fn iso_time(t: OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

struct Lines {
    lines: Vec<String>,
    size: f32,
    color: Rgb,
}

impl Lines {
    fn leading(&self) -> f32 {
        self.size * 1.2
    }
    fn height(&self) -> f32 {
        self.lines.len() as f32 * self.leading()
    }
    fn width(&self, font: &Font) -> Result<f32, SignError> {
        let mut w: f32 = 0.0;
        for l in &self.lines {
            w = w.max(font.width(l, self.size)?);
        }
        Ok(w)
    }
    /// Shrink the size until the widest line fits `width`.
    fn fit(&mut self, font: &Font, width: f32) -> Result<(), SignError> {
        let w = self.width(font)?;
        if w > width && w > 0.0 {
            self.size = (self.size * width / w).max(3.0);
        }
        Ok(())
    }
    /// Text items from `top` down, starting at `x` (or centred in `width`).
    fn items(
        &self,
        font: &Font,
        x: f32,
        top: f32,
        centre: Option<f32>,
    ) -> Result<Vec<Item>, SignError> {
        let mut out = Vec::new();
        let asc = font.ascent() / 1000.0 * self.size;
        for (i, l) in self.lines.iter().enumerate() {
            let lx = match centre {
                Some(w) => x + (w - font.width(l, self.size)?).max(0.0) / 2.0,
                None => x,
            };
            out.push(Item::Text {
                x: lx,
                y: top - asc - i as f32 * self.leading(),
                size: self.size,
                color: self.color,
                text: l.clone(),
            });
        }
        Ok(out)
    }
}

fn nfc(s: &str) -> String {
    s.nfc().collect()
}

impl AppearanceRequest {
    fn text_lines(&self) -> Result<Lines, SignError> {
        let when = iso_time(self.signing_time);
        let mut lines = Vec::new();
        let (size, color) = match self.kind {
            AppearanceKind::Person => {
                lines.push(self.signer_name.clone());
                lines.push(format!("Thời gian ký: {when}"));
                if let Some(e) = &self.email {
                    lines.push(format!("Email: {e}"));
                }
                (if self.image.is_some() { 7.0 } else { 9.0 }, Rgb::BLUE)
            }
            AppearanceKind::Organization => {
                if let Some(o) = &self.organization {
                    lines.push(o.clone());
                }
                lines.push(format!("Người ký: {}", self.signer_name));
                if let Some(e) = &self.email {
                    lines.push(format!("Email: {e}"));
                }
                lines.push(format!("Thời gian ký: {when}"));
                (7.0, Rgb::RED)
            }
            AppearanceKind::Attachment => {
                let n = self.number.as_deref().ok_or_else(|| {
                    err("chữ ký trên phụ lục cần --number \"123/QĐ-UBND\" / an attachment signature needs --number".into())
                })?;
                lines.push(format!("Số, ký hiệu: {}", nfc(n)));
                lines.push(format!("Thời gian ký: {when}"));
                (10.0, Rgb::BLACK)
            }
            AppearanceKind::Copy => {
                let form = nfc(self.copy_form.as_deref().unwrap_or("SAO Y").trim());
                let form = COPY_FORMS
                    .iter()
                    .find(|f| nfc(f).to_lowercase() == form.to_lowercase())
                    .ok_or_else(|| {
                        err(format!(
                            "hình thức sao '{form}' không hợp lệ (SAO Y, SAO LỤC, TRÍCH SAO) / invalid copy form"
                        ))
                    })?;
                lines.push(form.to_string());
                let org = self.organization.as_deref().ok_or_else(|| {
                    err("chứng thư không có tên tổ chức (O) / the certificate names no organization (O)".into())
                })?;
                lines.push(org.to_string());
                lines.push(format!("Thời gian ký: {when}"));
                (10.0, Rgb::BLACK)
            }
        };
        Ok(Lines {
            lines: lines.iter().map(|l| nfc(l)).collect(),
            size,
            color,
        })
    }

    /// The natural box size (points) when nothing is imposed.
    fn natural_size(&self, lines: &Lines) -> Result<(f32, f32), SignError> {
        let tw = lines.width(&self.font)? + 4.0;
        let th = lines.height() + 4.0;
        Ok(match (self.kind, &self.image) {
            (AppearanceKind::Person, Some(_)) => (tw.max(170.0), 85.0_f32.max(th + 40.0)),
            (AppearanceKind::Organization, Some(img)) => {
                let (w, h) = img.real_size(DEFAULT_DPI);
                (w.max(tw), h + th)
            }
            _ => (tw, th),
        })
    }

    /// The painted content for a box of `w` × `h`.
    fn build(
        &self,
        mut lines: Lines,
        w: f32,
        h: f32,
        flatten: bool,
    ) -> Result<Appearance, SignError> {
        let mut ap = Appearance::new(self.font.clone());
        ap.flatten_alpha = flatten;
        lines.fit(&self.font, w - 4.0)?;
        let text_h = lines.height() + 2.0;
        let centred = matches!(
            self.kind,
            AppearanceKind::Person | AppearanceKind::Organization
        );
        match &self.image {
            Some(img)
                if matches!(
                    self.kind,
                    AppearanceKind::Person | AppearanceKind::Organization
                ) =>
            {
                let avail_h = (h - text_h).max(h * 0.3);
                let (iw, ih) = if self.kind == AppearanceKind::Organization {
                    img.real_size(DEFAULT_DPI)
                } else {
                    (img.width as f32, img.height as f32)
                };
                // Organization: real size unless the box is smaller.
                let scale = if self.kind == AppearanceKind::Organization {
                    (w / iw).min(avail_h / ih).min(1.0)
                } else {
                    (w / iw).min(avail_h / ih)
                };
                let (dw, dh) = (iw * scale, ih * scale);
                ap.items.push(Item::Image {
                    image: Arc::new(img.clone()),
                    x: (w - dw) / 2.0,
                    y: h - dh,
                    width: dw,
                    height: dh,
                });
                ap.items
                    .extend(lines.items(&self.font, 0.0, (h - dh).min(text_h), Some(w))?);
            }
            _ => {
                let top = h - 2.0;
                if centred {
                    ap.items.extend(lines.items(&self.font, 0.0, top, Some(w))?);
                } else {
                    ap.items.extend(lines.items(&self.font, 2.0, top, None)?);
                }
            }
        }
        Ok(ap)
    }
}

fn rect_at(x: f32, y: f32, w: f32, h: f32) -> Rect {
    Rect {
        x1: x,
        y1: y,
        x2: x + w,
        y2: y + h,
    }
}

/// The appearance of `req` laid out for a box of `width` × `height`
/// points: for signing into an existing, placed field.
pub fn appearance_for_box(
    pdf: &OpenedPdf,
    req: &AppearanceRequest,
    width: f32,
    height: f32,
) -> Result<Appearance, SignError> {
    let lines = req.text_lines()?;
    req.build(lines, width, height, flatten_alpha(pdf, req))
}

/// PDF/A-1 forbids transparency: an image's alpha is flattened onto white.
fn flatten_alpha(pdf: &OpenedPdf, req: &AppearanceRequest) -> bool {
    pdf.pdfa_part() == Some(1) && req.image.as_ref().is_some_and(Image::has_alpha)
}

/// Lay out the signature of `req` on `pdf` at `target`.
pub fn place(
    pdf: &mut OpenedPdf,
    req: &AppearanceRequest,
    target: &Target,
) -> Result<PlacedAppearance, SignError> {
    let mut notes = Vec::new();
    let lines = req.text_lines()?;
    let (nw, nh) = req.natural_size(&lines)?;
    if let (AppearanceKind::Organization, Some(img)) = (req.kind, &req.image) {
        if img.dpi.is_none() {
            notes.push(format!(
                "cảnh báo: ảnh con dấu không ghi độ phân giải (pHYs), coi là {DEFAULT_DPI} dpi / warning: the seal image has no pHYs resolution, {DEFAULT_DPI} dpi assumed"
            ));
        }
    }
    let flatten = flatten_alpha(pdf, req);
    if flatten {
        notes.push("tài liệu PDF/A-1 không cho phép trong suốt: nền trong suốt của ảnh được phủ trắng / PDF/A-1 forbids transparency: the image's alpha is flattened onto white".into());
    }
    let last = pdf.page_count() as u32;
    // The wanted page and box, and a box the new one may overlap.
    let (page, wanted, allowed) = match target {
        Target::Rect { page, rect } => (*page, rect.normalized(), None),
        Target::Anchor(text) => {
            let hit = pdf.find_text(text)?.ok_or_else(|| {
                err(format!(
                    "không tìm thấy '{text}' trong tài liệu / '{text}' was not found in the document's text"
                ))
            })?;
            let cx = (hit.rect.x1 + hit.rect.x2) / 2.0;
            let person = rect_at(cx - nw.max(170.0) / 2.0, hit.rect.y2 + 2.0, nw.max(170.0), 85.0);
            notes.push(format!(
                "tìm thấy '{text}' ở trang {} / found '{text}' on page {} at ({:.0}, {:.0})",
                hit.page, hit.page, hit.rect.x1, hit.rect.y1
            ));
            match req.kind {
                AppearanceKind::Organization => {
                    // The approver's signature above the name, if signed.
                    let signed = pdf
                        .widgets(hit.page)?
                        .into_iter()
                        .filter(|w| w.is_signed && w.rect.y1 >= hit.rect.y1 - 2.0)
                        .min_by(|a, b| {
                            let d = |w: &kyso_pdf::Widget| (w.rect.y1 - hit.rect.y2).abs();
                            d(a).total_cmp(&d(b))
                        })
                        .map(|w| w.rect);
                    let approver = signed.unwrap_or(Rect {
                        x1: cx - nw / 2.0,
                        ..person
                    });
                    (hit.page, seal_over(approver, nw, nh, lines.height()), Some(approver))
                }
                _ => (hit.page, rect_at(cx - nw / 2.0, hit.rect.y2 + 2.0, nw, nh), None),
            }
        }
        Target::Auto => match req.kind {
            AppearanceKind::Attachment | AppearanceKind::Copy => {
                let pb = pdf.page_box(1)?;
                // 2 cm from the right edge, 1.5 cm from the top.
                (1, rect_at(pb.x2 - 57.0 - nw, pb.y2 - 42.0 - nh, nw, nh), None)
            }
            AppearanceKind::Organization => {
                // Over the approver's (last signed) signature, last page first.
                let mut found = None;
                for p in (1..=last).rev() {
                    if let Some(w) = pdf.widgets(p)?.into_iter().rfind(|w| w.is_signed) {
                        found = Some((p, w.rect));
                        break;
                    }
                }
                let (p, approver) = found.ok_or_else(|| {
                    err("không thấy chữ ký người duyệt để đóng dấu lên; dùng --anchor TÊN hoặc --page/--rect / no approver signature to seal over: use --anchor NAME or --page/--rect".into())
                })?;
                (p, seal_over(approver, nw, nh, lines.height()), Some(approver))
            }
            AppearanceKind::Person => {
                return place(pdf, req, &Target::Anchor(req.signer_name.clone())).map_err(|e| {
                    err(format!(
                        "{e}; dùng --anchor TEXT hoặc --page N --rect x1,y1,x2,y2 / use --anchor TEXT or --page N --rect x1,y1,x2,y2"
                    ))
                })
            }
        },
    };
    if page == 0 || page > last {
        return Err(kyso_pdf::PdfError::NoSuchPage {
            page,
            count: last as usize,
        }
        .into());
    }
    let taken: Vec<Rect> = pdf
        .widgets(page)?
        .into_iter()
        .map(|w| w.rect)
        .filter(|r| Some(*r) != allowed)
        .collect();
    let rect = free_spot(pdf.page_box(page)?, &taken, wanted);
    if rect != wanted {
        notes.push(format!(
            "ô chữ ký đã dời để không chồng lên chữ ký khác, tới / the box was moved off another signature to [{:.0} {:.0} {:.0} {:.0}] on page {page}",
            rect.x1, rect.y1, rect.x2, rect.y2
        ));
    }
    let appearance = req.build(lines, rect.width(), rect.height(), flatten)?;
    Ok(PlacedAppearance {
        placement: Placement::Visible {
            page,
            rect,
            appearance: Box::new(appearance),
        },
        page,
        rect,
        notes,
    })
}

/// The seal box (image on top, `text_h` of text under it) placed so the
/// image covers the left third of the approver's image, centred on it
/// vertically.
fn seal_over(approver: Rect, w: f32, h: f32, text_h: f32) -> Rect {
    let img_h = h - text_h - 4.0;
    let right = approver.x1 + approver.width() / 3.0;
    let centre_y = (approver.y1 + approver.y2) / 2.0 + 10.0;
    Rect {
        x1: right - w,
        y1: centre_y + img_h / 2.0 - h,
        x2: right,
        y2: centre_y + img_h / 2.0,
    }
}

/// The look of a signature made into an existing field when no kind is
/// asked for: the signer and the time, 8 pt blue, at the bottom left of
/// the field's box.
pub fn plain_appearance(signer_name: &str, when: OffsetDateTime) -> Appearance {
    let mut ap = Appearance::new(Font::liberation_serif());
    let lines = [
        format!("Ký bởi / Signed by: {}", signer_name.nfc()),
        format!("Thời gian / Time: {}", iso_time(when)),
    ];
    for (i, text) in lines.into_iter().enumerate() {
        ap.items.push(Item::Text {
            x: 2.0,
            y: 4.0 + (1 - i) as f32 * 10.0,
            size: 8.0,
            color: Rgb::BLUE,
            text,
        });
    }
    ap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_time_has_offset_and_no_fraction() {
        let t = time::macros::datetime!(2026-11-22 09:30:05.123 +07:00);
        assert_eq!(iso_time(t), "2026-11-22T09:30:05+07:00");
    }

    #[test]
    fn kinds_parse_and_copy_form_is_checked() {
        assert_eq!(
            "Person".parse::<AppearanceKind>(),
            Ok(AppearanceKind::Person)
        );
        assert!("seal".parse::<AppearanceKind>().is_err());
        let req = AppearanceRequest {
            kind: AppearanceKind::Copy,
            signer_name: "Nguyễn Văn An".into(),
            organization: Some("UBND tỉnh Hà Nam".into()),
            email: None,
            signing_time: time::macros::datetime!(2026-11-22 09:30:05 +07:00),
            image: None,
            number: None,
            copy_form: Some("sao lục".into()),
            font: Font::liberation_serif(),
        };
        let l = req.text_lines().unwrap();
        assert_eq!(l.lines[0], "SAO LỤC");
        let bad = AppearanceRequest {
            copy_form: Some("BẢN CHỤP".into()),
            ..req.clone()
        };
        assert!(bad.text_lines().is_err());
        let att = AppearanceRequest {
            kind: AppearanceKind::Attachment,
            ..req
        };
        assert!(att.text_lines().is_err(), "attachment needs a number");
    }
}
