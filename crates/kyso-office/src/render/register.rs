//! A register (sổ đăng ký văn bản đi / đến) as a landscape A4 table
//! with the columns of Decree 30/2020 Appendix IV: the agency and the
//! title on the first page, beside the box kept for the organization's
//! signature; on every page a running header, the table's header rows
//! (titles and the column numbers (1)…(10)) and "Trang x/y" at the foot.
//! A line taller than what is left of a page goes to the next page; one
//! taller than a whole page continues over several.

use super::canvas::{number_pages, write_pdf, Align, Meta, Page, A4};
use super::fonts::Face;
use super::text::{wrap, Style};
use super::{mm, RenderError};
use crate::document::layout::BoxAt;
use crate::document::metadata::format_number;
use crate::register::{Direction, RegisterLine};

const LANDSCAPE: (f32, f32) = (A4.1, A4.0);
const TOP: f32 = mm(15.0);
const BOTTOM: f32 = mm(15.0);
const LEFT: f32 = mm(20.0);
const RIGHT: f32 = mm(15.0);
/// The organization's signature on page 1, top right.
const SIGNATURE_BOX: (f32, f32) = (220.0, 56.0);

const AGENCY: Style = Style::new(Face::Bold, 12.0);
const TITLE: Style = Style::new(Face::Bold, 16.0);
const YEAR: Style = Style::new(Face::Italic, 13.0);
const RUNNING: Style = Style::new(Face::Italic, 9.0);
const HEAD: Style = Style::new(Face::Bold, 10.0);
const CELL: Style = Style::new(Face::Regular, 10.0);
const FOOT: Style = Style::new(Face::Regular, 9.0);
const PAD: f32 = 3.0;
const RULE: f32 = 0.5;

/// Most lines in one register export.
pub const MAX_REGISTER_LINES: usize = 50_000;

/// The column titles of Appendix IV (of the PDF and the CSV export).
pub(crate) fn columns(direction: Direction) -> [&'static str; 10] {
    match direction {
        Direction::Out => [
            "Số, ký hiệu văn bản",
            "Ngày tháng văn bản",
            "Tên loại và trích yếu nội dung văn bản",
            "Người ký",
            "Nơi nhận văn bản",
            "Đơn vị, người nhận bản lưu",
            "Số lượng bản",
            "Ngày chuyển giao",
            "Ký nhận",
            "Ghi chú",
        ],
        Direction::In => [
            "Ngày đến",
            "Số đến",
            "Tác giả",
            "Số, ký hiệu",
            "Ngày tháng",
            "Tên loại và trích yếu nội dung",
            "Đơn vị hoặc người nhận",
            "Ngày chuyển",
            "Ký nhận",
            "Ghi chú",
        ],
    }
}

/// One line's cells, in the order of [`columns`].
pub(crate) fn cells(direction: Direction, l: &RegisterLine) -> [String; 10] {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    match direction {
        Direction::Out => [
            l.number_text.clone(),
            l.date.clone(),
            l.type_and_subject.clone(),
            o(&l.signer),
            o(&l.recipients),
            "Văn thư".into(),
            l.copies.map(|c| c.to_string()).unwrap_or_default(),
            o(&l.handed_over),
            String::new(),
            l.notes.clone(),
        ],
        Direction::In => [
            l.date.clone(),
            format_number(l.number),
            o(&l.author),
            l.number_text.clone(),
            o(&l.document_date),
            l.type_and_subject.clone(),
            o(&l.handled_by),
            o(&l.handed_over),
            String::new(),
            l.notes.clone(),
        ],
    }
}

/// Relative widths of the columns.
fn weights(direction: Direction) -> [f32; 10] {
    match direction {
        Direction::Out => [12.0, 9.0, 25.0, 12.0, 20.0, 10.0, 6.0, 9.0, 8.0, 9.0],
        Direction::In => [9.0, 6.0, 16.0, 12.0, 9.0, 28.0, 14.0, 9.0, 8.0, 9.0],
    }
}

/// The register's title: `SỔ ĐĂNG KÝ VĂN BẢN ĐI`.
pub(crate) fn title(direction: Direction) -> &'static str {
    match direction {
        Direction::Out => "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
        Direction::In => "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
    }
}

/// A rendered register: the PDF and the box kept for the organization's
/// signature (page 1, top right).
#[derive(Clone, Debug)]
pub struct RenderedRegister {
    pub pdf: Vec<u8>,
    pub signature: BoxAt,
    pub pages: u32,
}

/// The table's geometry.
struct Table {
    /// Left edge of each column, and the right edge of the last.
    edges: [f32; 11],
}

impl Table {
    fn new(direction: Direction) -> Table {
        let w = weights(direction);
        let total: f32 = w.iter().sum();
        let span = LANDSCAPE.0 - LEFT - RIGHT;
        let mut edges = [LEFT; 11];
        for i in 0..10 {
            edges[i + 1] = edges[i] + span * w[i] / total;
        }
        Table { edges }
    }

    fn wrap_cells(&self, cells: &[String], s: Style) -> Result<Vec<Vec<String>>, RenderError> {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| wrap(c, s, self.edges[i + 1] - self.edges[i] - 2.0 * PAD))
            .collect()
    }

    /// Draws lines `from..to` of each cell in a row whose top is `top`,
    /// with its borders; returns the row's bottom.
    #[allow(clippy::too_many_arguments)]
    fn row(
        &self,
        page: &mut Page,
        cells: &[Vec<String>],
        s: Style,
        align: Align,
        top: f32,
        from: usize,
        to: usize,
    ) -> Result<f32, RenderError> {
        let lead = s.size * 1.2;
        let bottom = top + (to - from) as f32 * lead + 2.0 * PAD;
        for (i, lines) in cells.iter().enumerate() {
            let (l, r) = (self.edges[i], self.edges[i + 1]);
            for (k, text) in lines.iter().enumerate().take(to).skip(from) {
                let b = top + PAD + (k - from) as f32 * lead + s.size * 0.9;
                page.text(text, s, l + PAD, r - PAD, b, align)?;
            }
        }
        for x in self.edges {
            page.line((x, top), (x, bottom), RULE);
        }
        page.line((self.edges[0], bottom), (self.edges[10], bottom), RULE);
        Ok(bottom)
    }
}

/// The register `direction` of `agency` for `year` as a PDF.
pub fn register_pdf(
    agency: &str,
    direction: Direction,
    year: i32,
    lines: &[RegisterLine],
) -> Result<RenderedRegister, RenderError> {
    if lines.len() > MAX_REGISTER_LINES {
        return Err(RenderError::too_large(
            format!("sổ quá lớn để xuất PDF (tối đa {MAX_REGISTER_LINES} dòng)"),
            format!("the register is too large for a PDF (at most {MAX_REGISTER_LINES} lines)"),
        ));
    }
    let table = Table::new(direction);
    let head = table.wrap_cells(&columns(direction).map(String::from), HEAD)?;
    let head_lines = head.iter().map(Vec::len).max().unwrap_or(1);
    let numbers: Vec<Vec<String>> = (1..=10).map(|i| vec![format!("({i})")]).collect();
    let right = LANDSCAPE.0 - RIGHT;
    let limit = LANDSCAPE.1 - BOTTOM - 14.0;
    let title = title(direction);
    let running = format!("{} — {} năm {year}", agency.trim(), title_case(title));

    let mut pages: Vec<Page> = Vec::new();
    // A new page with the table's header; returns the top of the body.
    let new_page = |pages: &mut Vec<Page>| -> Result<f32, RenderError> {
        let mut p = Page::new(LANDSCAPE);
        let mut y = TOP;
        if pages.is_empty() {
            let lines = wrap(&agency.trim().to_uppercase(), AGENCY, 300.0)?;
            for l in &lines {
                p.text(l, AGENCY, LEFT, LEFT + 300.0, y + 11.0, Align::Left)?;
                y += 14.4;
            }
            y = y.max(TOP + SIGNATURE_BOX.1) + 6.0;
            p.text(title, TITLE, LEFT, right, y + 15.0, Align::Center)?;
            y += 20.0;
            p.text(
                &format!("Năm {year}"),
                YEAR,
                LEFT,
                right,
                y + 12.0,
                Align::Center,
            )?;
            y += 24.0;
        } else {
            p.text(&running, RUNNING, LEFT, right, y + 8.0, Align::Left)?;
            y += 16.0;
        }
        p.line((table.edges[0], y), (table.edges[10], y), RULE);
        y = table.row(&mut p, &head, HEAD, Align::Center, y, 0, head_lines)?;
        y = table.row(&mut p, &numbers, HEAD, Align::Center, y, 0, 1)?;
        pages.push(p);
        Ok(y)
    };
    let mut y = new_page(&mut pages)?;
    let first_body_top = y;
    let lead = CELL.size * 1.2;
    let fresh_room = ((limit - first_body_top - 2.0 * PAD) / lead).floor() as usize;
    for line in lines {
        let cells = table.wrap_cells(&cells(direction, line), CELL)?;
        let total = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let mut from = 0;
        while from < total {
            let room = ((limit - y - 2.0 * PAD) / lead).floor().max(0.0) as usize;
            let rest = total - from;
            if rest <= room {
                let page = pages.last_mut().expect("a page");
                y = table.row(page, &cells, CELL, Align::Left, y, from, total)?;
                break;
            }
            // Whole on the next page if it fits there; else split here.
            if room == 0 || (from == 0 && rest <= fresh_room) {
                y = new_page(&mut pages)?;
                continue;
            }
            let page = pages.last_mut().expect("a page");
            table.row(page, &cells, CELL, Align::Left, y, from, from + room)?;
            from += room;
            y = new_page(&mut pages)?;
        }
    }
    if lines.is_empty() {
        let page = pages.last_mut().expect("a page");
        page.text(
            "(Sổ chưa có văn bản nào / the register is empty)",
            CELL,
            LEFT,
            right,
            y + 16.0,
            Align::Center,
        )?;
    }
    let n = pages.len();
    number_pages(&mut pages, FOOT, (LEFT, right), LANDSCAPE.1 - BOTTOM + 4.0)?;
    let signature = BoxAt {
        page: 1,
        rect: pages[0].pdf_rect(right - SIGNATURE_BOX.0, TOP, right, TOP + SIGNATURE_BOX.1),
    };
    let pdf = write_pdf(
        &pages,
        &Meta {
            title: format!("{} năm {year} — {}", title_case(title), agency.trim()),
            subject: format!("{title} {year}"),
            author: agency.trim().to_string(),
        },
    )?;
    Ok(RenderedRegister {
        pdf,
        signature,
        pages: n as u32,
    })
}

/// `SỔ ĐĂNG KÝ VĂN BẢN ĐI` → `Sổ đăng ký văn bản đi`.
fn title_case(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut c = lower.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
