//! An administrative document on A4, laid out per Decree 30/2020
//! Appendix I: margins (top and bottom 20 mm, left 30 mm, right 15 mm),
//! box 1 the national motto, box 2 the issuing body, box 3 the number,
//! box 4 place and date, box 5a the type and subject (5b "V/v …" under
//! the number for a công văn), box 6 the body, 7a the authority and
//! position, 7b the signer's name with the space for the signature
//! above it, box 9 the recipients, 10b the urgency mark, and page
//! numbers from page 2 in the top margin.
//!
//! The document is a draft: boxes 3 and 4 are left empty on the page
//! and their places are returned in the [`Layout`], because in the
//! two-signature flow the approver's revision creates text fields there
//! and the clerk fills them with the whole line — `Số: 01/CV-UBND` and
//! `Ninh Bình, ngày … tháng … năm …` (DESIGN §6). Printing a placeholder
//! under those fields would show the text twice. The boxes are sized for
//! the fields' 11 pt text and placed so that text comes out centred under
//! box 2 and box 1 as the decree has it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::canvas::{write_pdf, Align, Meta, Page, A4};
use super::fonts::Face;
use super::text::{shape, width, wrap, wrap_first, Style};
use super::{mm, RenderError};
use crate::document::layout::{BoxAt, Layout};
use crate::document::metadata::Priority;

const TOP: f32 = mm(20.0);
const BOTTOM: f32 = mm(20.0);
const LEFT: f32 = mm(30.0);
const RIGHT: f32 = mm(15.0);
/// Width of the left header column (boxes 2, 3, 5b, 10b).
const LEFT_COLUMN: f32 = 190.0;

// Sizes within the decree's ranges.
const PARENT: Style = Style::new(Face::Regular, 13.0);
const ISSUER: Style = Style::new(Face::Bold, 13.0);
const MOTTO: Style = Style::new(Face::Bold, 12.0);
const MOTTO_2: Style = Style::new(Face::Bold, 13.0);
const ABOUT: Style = Style::new(Face::Regular, 12.0);
const URGENCY: Style = Style::new(Face::Bold, 13.0);
const TITLE: Style = Style::new(Face::Bold, 14.0);
const BODY: Style = Style::new(Face::Regular, 14.0);
const SIGNATURE: Style = Style::new(Face::Bold, 14.0);
const RECIPIENTS_HEAD: Style = Style::new(Face::BoldItalic, 12.0);
const RECIPIENTS: Style = Style::new(Face::Regular, 11.0);
const PAGE_NUMBER: Style = Style::new(Face::Regular, 13.0);
/// The font size kyso-pdf fills text fields with.
const FIELD: Style = Style::new(Face::Regular, 11.0);
/// Height of the number and date fields.
const FIELD_HEIGHT: f32 = 18.0;
/// The approver's signature box (7c).
const SIGNATURE_BOX: (f32, f32) = (200.0, 84.0);
/// First-line indent of a body paragraph (1.27 cm).
const INDENT: f32 = mm(12.7);

/// Most characters of body text, paragraphs, and recipients.
const MAX_BODY: usize = 500_000;
const MAX_PARAGRAPHS: usize = 10_000;
const MAX_RECIPIENTS: usize = 1_000;

/// The parts of a document the drafter writes.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AdministrativeDocument {
    /// Box 2, first line: the governing body (cơ quan chủ quản), if any,
    /// e.g. `UBND tỉnh Ninh Bình`.
    pub parent_body: Option<String>,
    /// Box 2: the issuing body, e.g. `Sở Tài chính`.
    pub issuing_body: String,
    /// The type's abbreviation (Appendix III): `CV`, `QĐ`, `TB`, …
    pub type_code: String,
    /// The type's name, e.g. `Quyết định` (a công văn shows none).
    pub type_name: String,
    /// The issuing body's abbreviation in the notation: `…/QĐ-UBND`.
    pub agency_short: String,
    /// Place of issue (box 4).
    pub place: String,
    /// Subject (trích yếu).
    pub subject: String,
    /// Body paragraphs (box 6).
    pub body: Vec<String>,
    /// 7a, first line when signing on behalf: `TM. ỦY BAN NHÂN DÂN`,
    /// `KT. GIÁM ĐỐC`, …
    pub authority: Option<String>,
    /// 7a: the signer's position, e.g. `Chủ tịch`.
    pub position: String,
    /// 7b: the signer's full name.
    pub signer_name: String,
    /// Box 9: the recipients, one per line (`Lưu: VT` is added last when
    /// no line starts with `Lưu`).
    pub recipients: Vec<String>,
    /// Box 10b: the urgency mark, shown unless ordinary.
    #[serde(default)]
    pub priority: Priority,
}

impl AdministrativeDocument {
    /// The notation after the number: `CV-UBND`.
    pub fn notation(&self) -> String {
        format!("{}-{}", self.type_code.trim(), self.agency_short.trim())
    }

    fn check(&self) -> Result<(), RenderError> {
        for (v, vi, en) in [
            (
                &self.issuing_body,
                "tên cơ quan ban hành",
                "the issuing body",
            ),
            (&self.type_code, "loại văn bản", "the type"),
            (
                &self.agency_short,
                "tên viết tắt của cơ quan",
                "the body's abbreviation",
            ),
            (&self.place, "địa danh", "the place"),
            (&self.subject, "trích yếu", "the subject"),
            (&self.position, "chức vụ người ký", "the signer's position"),
            (&self.signer_name, "họ tên người ký", "the signer's name"),
        ] {
            if v.trim().is_empty() {
                return Err(RenderError::invalid(
                    format!("thiếu {vi}"),
                    format!("{en} is missing"),
                ));
            }
        }
        let body: usize = self.body.iter().map(|p| p.len()).sum();
        if body > MAX_BODY
            || self.body.len() > MAX_PARAGRAPHS
            || self.recipients.len() > MAX_RECIPIENTS
        {
            return Err(RenderError::too_large(
                format!(
                    "văn bản quá dài (nội dung tối đa {MAX_BODY} byte, {MAX_PARAGRAPHS} đoạn, {MAX_RECIPIENTS} nơi nhận)"
                ),
                format!(
                    "the document is too long (at most {MAX_BODY} bytes of body, {MAX_PARAGRAPHS} paragraphs, {MAX_RECIPIENTS} recipients)"
                ),
            ));
        }
        // Short parts stay short, so the header and the signature block
        // each fit on a page.
        let notation = self.notation();
        let parts = [
            (
                Some(&self.issuing_body),
                300,
                "tên cơ quan ban hành",
                "the issuing body",
            ),
            (
                self.parent_body.as_ref(),
                300,
                "tên cơ quan chủ quản",
                "the governing body",
            ),
            (Some(&notation), 40, "ký hiệu", "the notation"),
            (
                Some(&self.type_name),
                100,
                "tên loại văn bản",
                "the type name",
            ),
            (Some(&self.place), 100, "địa danh", "the place"),
            (Some(&self.subject), 1_000, "trích yếu", "the subject"),
            (
                self.authority.as_ref(),
                200,
                "quyền hạn ký",
                "the authority",
            ),
            (
                Some(&self.position),
                200,
                "chức vụ người ký",
                "the signer's position",
            ),
            (
                Some(&self.signer_name),
                200,
                "họ tên người ký",
                "the signer's name",
            ),
        ];
        let recipients = self
            .recipients
            .iter()
            .map(|r| (Some(r), 500, "nơi nhận", "a recipient"));
        for (text, max, vi, en) in parts.into_iter().chain(recipients) {
            if text.is_some_and(|t| t.chars().count() > max) {
                return Err(RenderError::too_large(
                    format!("{vi} quá dài (tối đa {max} ký tự)"),
                    format!("{en} is too long (at most {max} characters)"),
                ));
            }
        }
        Ok(())
    }
}

/// A rendered draft: the PDF, and where the approver's signature, the
/// seal, the number and the date go (ready for
/// [`crate::document::metadata::DocumentMetadata::layout`]).
#[derive(Clone, Debug)]
pub struct RenderedDraft {
    pub pdf: Vec<u8>,
    pub layout: Layout,
    pub pages: u32,
}

fn upper(s: &str) -> String {
    s.trim().to_uppercase()
}

/// Baseline of a line whose top is `top`.
fn baseline(top: f32, s: Style) -> f32 {
    top + s.size * 0.9
}

/// Line height.
fn lead(s: Style) -> f32 {
    s.size * 1.2
}

/// Pages being filled from the top down.
struct Flow {
    pages: Vec<Page>,
    /// Top of the next line on the last page.
    y: f32,
}

impl Flow {
    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a flow has a page")
    }

    /// Room for `h` points on this page, else a new page (numbered in
    /// the top margin, as the decree asks from page 2).
    fn room(&mut self, h: f32) -> Result<(), RenderError> {
        if self.y + h <= A4.1 - BOTTOM {
            return Ok(());
        }
        let mut p = Page::new(A4);
        let n = self.pages.len() + 1;
        p.text(
            &n.to_string(),
            PAGE_NUMBER,
            LEFT,
            A4.0 - RIGHT,
            TOP / 2.0 + PAGE_NUMBER.size * 0.35,
            Align::Center,
        )?;
        self.pages.push(p);
        self.y = TOP;
        Ok(())
    }

    /// Centred lines in [`left`, `right`] from the current top; returns
    /// the widest line's width.
    fn centred(
        &mut self,
        lines: &[String],
        s: Style,
        left: f32,
        right: f32,
    ) -> Result<f32, RenderError> {
        let mut widest: f32 = 0.0;
        for l in lines {
            self.room(lead(s))?;
            let b = baseline(self.y, s);
            let (_, w) = self.page().text(l, s, left, right, b, Align::Center)?;
            widest = widest.max(w);
            self.y += lead(s);
        }
        Ok(widest)
    }
}

/// Lays out `doc` on A4 pages per Decree 30/2020 Appendix I.
pub fn draft_pdf(doc: &AdministrativeDocument) -> Result<RenderedDraft, RenderError> {
    doc.check()?;
    let right_edge = A4.0 - RIGHT;
    let content_w = right_edge - LEFT;
    let left_col = (LEFT, LEFT + LEFT_COLUMN);
    let right_col = (LEFT + LEFT_COLUMN, right_edge);
    let mut flow = Flow {
        pages: vec![Page::new(A4)],
        y: TOP,
    };

    // Box 2: governing body, issuing body, a rule under it.
    let col_w = LEFT_COLUMN - 6.0;
    if let Some(p) = doc.parent_body.as_deref().filter(|p| !p.trim().is_empty()) {
        flow.centred(
            &wrap(&upper(p), PARENT, col_w)?,
            PARENT,
            left_col.0,
            left_col.1,
        )?;
    }
    let issuer_w = flow.centred(
        &wrap(&upper(&doc.issuing_body), ISSUER, col_w)?,
        ISSUER,
        left_col.0,
        left_col.1,
    )?;
    let rule = (issuer_w * 0.4).max(30.0);
    let cx = (left_col.0 + left_col.1) / 2.0;
    let left_bottom = flow.y + 1.0;
    flow.page().line(
        (cx - rule / 2.0, left_bottom),
        (cx + rule / 2.0, left_bottom),
        0.6,
    );

    // Box 1: the national motto, the rule as long as its second line.
    let motto = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
    let motto_2 = "Độc lập - Tự do - Hạnh phúc";
    let right_w = right_col.1 - right_col.0;
    let mut m1 = MOTTO;
    while width(motto, m1)? > right_w && m1.size > 10.0 {
        m1.size -= 0.5;
    }
    let page = flow.page();
    page.text(
        motto,
        m1,
        right_col.0,
        right_col.1,
        baseline(TOP, m1),
        Align::Center,
    )?;
    let y2 = TOP + lead(m1);
    let (x, w) = page.text(
        motto_2,
        MOTTO_2,
        right_col.0,
        right_col.1,
        baseline(y2, MOTTO_2),
        Align::Center,
    )?;
    let motto_rule_y = y2 + lead(MOTTO_2) + 1.0;
    page.line((x, motto_rule_y), (x + w, motto_rule_y), 0.6);

    // Boxes 3 and 4 on one line: the fields' places.
    let row_top = left_bottom.max(motto_rule_y) + 8.0;
    let field_box = |page: &Page, sample: f32, centre: f32, max_right: f32| {
        let x1 = centre - sample / 2.0 - 2.0;
        let x2 = (x1 + sample + 30.0).min(max_right).max(x1 + sample + 6.0);
        page.pdf_rect(x1, row_top, x2, row_top + FIELD_HEIGHT)
    };
    let date_sample = width(
        &crate::document::seal::date_line(doc.place.trim(), time::macros::date!(2026 - 12 - 31)),
        FIELD,
    )?;
    let number_sample = width(&format!("Số: 01/{}", doc.notation()), FIELD)?;
    let page = flow.page();
    let date = field_box(
        page,
        date_sample,
        (right_col.0 + right_col.1) / 2.0,
        A4.0 - 6.0,
    );
    let number = field_box(page, number_sample, cx, date[0] - 2.0);
    flow.y = row_top + FIELD_HEIGHT + 2.0;

    // 5b for a công văn: "V/v …" under the number; 10b the urgency.
    let is_letter = doc.type_code.trim().eq_ignore_ascii_case("CV");
    if is_letter {
        let about = wrap(&format!("V/v {}", doc.subject.trim()), ABOUT, col_w)?;
        flow.centred(&about, ABOUT, left_col.0, left_col.1)?;
    }
    if doc.priority != Priority::Thuong {
        flow.y += 4.0;
        flow.centred(
            &[upper(doc.priority.name_vi())],
            URGENCY,
            left_col.0,
            left_col.1,
        )?;
    }
    flow.y += 14.0;

    // 5a: the type name and the subject, a rule under them.
    if !is_letter {
        let name = if doc.type_name.trim().is_empty() {
            doc.type_code.trim().to_string()
        } else {
            upper(&doc.type_name)
        };
        flow.centred(&[name], TITLE, LEFT, right_edge)?;
        let subject = wrap(doc.subject.trim(), TITLE, content_w * 0.85)?;
        let w = flow.centred(&subject, TITLE, LEFT, right_edge)?;
        let rule = (w * 0.4).max(40.0);
        let c = (LEFT + right_edge) / 2.0;
        let y = flow.y + 1.0;
        flow.page()
            .line((c - rule / 2.0, y), (c + rule / 2.0, y), 0.6);
        flow.y += 14.0;
    }

    // Box 6: justified paragraphs, first line indented, 6 pt apart.
    for para in doc.body.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let lines = wrap_first(para, BODY, content_w - INDENT, content_w)?;
        let last = lines.len() - 1;
        for (i, l) in lines.iter().enumerate() {
            flow.room(lead(BODY))?;
            let x = if i == 0 { LEFT + INDENT } else { LEFT };
            let mut run = shape(l, BODY)?;
            if i < last {
                run.justify(right_edge - x);
            }
            let b = baseline(flow.y, BODY);
            flow.page().run(x, b, run);
            flow.y += lead(BODY);
        }
        flow.y += 6.0;
    }
    flow.y += 8.0;

    // 7a, the signature's space, 7b; box 9 beside them on the left.
    let sig_col = (LEFT + content_w * 0.42, right_edge);
    let sig_w = sig_col.1 - sig_col.0;
    let mut seventh_a = Vec::new();
    if let Some(a) = doc.authority.as_deref().filter(|a| !a.trim().is_empty()) {
        seventh_a.extend(wrap(&upper(a), SIGNATURE, sig_w)?);
    }
    seventh_a.extend(wrap(&upper(&doc.position), SIGNATURE, sig_w)?);
    let name = wrap(doc.signer_name.trim(), SIGNATURE, sig_w)?;
    let gap = 20.0;
    let block_h =
        (seventh_a.len() + name.len()) as f32 * lead(SIGNATURE) + 2.0 * gap + SIGNATURE_BOX.1;
    flow.room(block_h)?;
    let block_top = flow.y;
    let page_no = flow.pages.len() as u32;
    flow.centred(&seventh_a, SIGNATURE, sig_col.0, sig_col.1)?;
    let box_top = flow.y + gap;
    let box_bottom = box_top + SIGNATURE_BOX.1;
    let sig_cx = (sig_col.0 + sig_col.1) / 2.0;
    let approver = BoxAt {
        page: page_no,
        rect: flow.page().pdf_rect(
            sig_cx - SIGNATURE_BOX.0 / 2.0,
            box_top,
            sig_cx + SIGNATURE_BOX.0 / 2.0,
            box_bottom,
        ),
    };
    flow.y = box_bottom + gap;
    flow.centred(&name, SIGNATURE, sig_col.0, sig_col.1)?;

    // Box 9, from the level of 7a: "Nơi nhận:" and one line each.
    flow.y = block_top;
    let recip_w = sig_col.0 - 10.0 - LEFT;
    flow.room(lead(RECIPIENTS_HEAD))?;
    let b = baseline(flow.y, RECIPIENTS_HEAD);
    flow.page().text(
        "Nơi nhận:",
        RECIPIENTS_HEAD,
        LEFT,
        sig_col.0,
        b,
        Align::Left,
    )?;
    flow.y += lead(RECIPIENTS_HEAD);
    let mut items: Vec<String> = doc
        .recipients
        .iter()
        .map(|r| r.trim().trim_end_matches([';', '.']).to_string())
        .filter(|r| !r.is_empty())
        .collect();
    if !items.iter().any(|r| r.starts_with("Lưu")) {
        items.push("Lưu: VT".into());
    }
    let dash = width("- ", RECIPIENTS)?;
    let n = items.len();
    for (i, item) in items.iter().enumerate() {
        let end = if i + 1 == n { "." } else { ";" };
        let lines = wrap_first(
            &format!("- {item}{end}"),
            RECIPIENTS,
            recip_w,
            recip_w - dash,
        )?;
        for (j, l) in lines.iter().enumerate() {
            flow.room(lead(RECIPIENTS))?;
            let x = if j == 0 { LEFT } else { LEFT + dash };
            let b = baseline(flow.y, RECIPIENTS);
            flow.page()
                .text(l, RECIPIENTS, x, sig_col.0, b, Align::Left)?;
            flow.y += lead(RECIPIENTS);
        }
    }

    let layout = {
        let mut l = Layout {
            approver: Some(approver),
            number: Some(BoxAt {
                page: 1,
                rect: number,
            }),
            date: Some(BoxAt {
                page: 1,
                rect: date,
            }),
            seal: None,
        };
        l.seal = Some(l.seal_box(approver));
        l
    };
    let title = if is_letter {
        format!("Công văn V/v {}", doc.subject.trim())
    } else {
        format!("{} {}", doc.type_name.trim(), doc.subject.trim())
    };
    let pdf = write_pdf(
        &flow.pages,
        &Meta {
            title,
            subject: doc.subject.trim().to_string(),
            author: doc.issuing_body.trim().to_string(),
        },
    )?;
    Ok(RenderedDraft {
        pdf,
        layout,
        pages: flow.pages.len() as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::OfficeError;

    fn doc() -> AdministrativeDocument {
        AdministrativeDocument {
            parent_body: Some("UBND tỉnh Ninh Bình".into()),
            issuing_body: "Sở Tài chính".into(),
            type_code: "TB".into(),
            type_name: "Thông báo".into(),
            agency_short: "STC".into(),
            place: "Ninh Bình".into(),
            subject: "Kết luận cuộc họp".into(),
            body: vec!["Nội dung.".into()],
            authority: Some("KT. Giám đốc".into()),
            position: "Phó Giám đốc".into(),
            signer_name: "Lê Thị Cúc".into(),
            recipients: vec![],
            priority: Priority::Thuong,
        }
    }

    #[test]
    fn one_page_with_boxes_in_order() {
        let r = draft_pdf(&doc()).unwrap();
        assert_eq!(r.pages, 1);
        assert!(r.pdf.starts_with(b"%PDF-"));
        let l = r.layout;
        l.check().unwrap();
        let (n, d, a) = (l.number.unwrap(), l.date.unwrap(), l.approver.unwrap());
        // Box 3 left of box 4 on one line; 7c below them.
        assert!(n.rect[2] <= d.rect[0]);
        assert_eq!(n.rect[1], d.rect[1]);
        assert!(a.rect[3] < n.rect[1]);
        assert_eq!(doc().notation(), "TB-STC");
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        let mut d = doc();
        d.signer_name = " ".into();
        assert!(matches!(draft_pdf(&d), Err(RenderError::Invalid { .. })));
        let mut d = doc();
        d.position = "x".repeat(201);
        let e: OfficeError = draft_pdf(&d).unwrap_err().into();
        assert_eq!(e.kind, ErrorKind::TooLarge);
        let mut d = doc();
        d.body = vec!["a".into(); MAX_PARAGRAPHS + 1];
        assert!(matches!(draft_pdf(&d), Err(RenderError::TooLarge { .. })));
        let mut d = doc();
        d.body = vec!["Trân trọng 🙂".into()];
        let e: OfficeError = draft_pdf(&d).unwrap_err().into();
        assert_eq!(e.code, "unprintable-text");
    }

    #[test]
    fn a_long_recipient_list_continues_on_a_new_page() {
        let mut d = doc();
        d.recipients = (1..=120).map(|i| format!("UBND xã số {i}")).collect();
        let r = draft_pdf(&d).unwrap();
        assert!(r.pages >= 2);
        // The signature stays on the page where the block starts.
        assert_eq!(r.layout.approver.unwrap().page, 1);
    }
}
