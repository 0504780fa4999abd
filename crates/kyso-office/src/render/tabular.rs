//! A report made of titled tables, as a portrait A4 PDF: the issuing
//! body and the title on the first page beside the box kept for the
//! organization's signature, then each section's heading and its table
//! (a header row, then one row per line, cells wrapped in their column);
//! a table that runs over a page continues on the next under its header
//! again, and every page has "Trang x/y" at the foot. The desk's report
//! (issue 12 §8) is laid out with it.

use super::canvas::{number_pages, write_pdf, Align, Meta, Page, A4};
use super::fonts::Face;
use super::text::{wrap, Style};
use super::{mm, RenderError};
use crate::document::layout::BoxAt;

const TOP: f32 = mm(15.0);
const BOTTOM: f32 = mm(15.0);
const LEFT: f32 = mm(20.0);
const RIGHT: f32 = mm(15.0);
/// The organization's signature on page 1, top right.
const SIGNATURE_BOX: (f32, f32) = (200.0, 56.0);

const ISSUER: Style = Style::new(Face::Bold, 12.0);
const TITLE: Style = Style::new(Face::Bold, 15.0);
const LINE: Style = Style::new(Face::Italic, 11.0);
const SECTION: Style = Style::new(Face::Bold, 12.0);
const HEAD: Style = Style::new(Face::Bold, 10.0);
const CELL: Style = Style::new(Face::Regular, 10.0);
const FOOT: Style = Style::new(Face::Regular, 9.0);
const PAD: f32 = 3.0;
const RULE: f32 = 0.5;
/// A cell shows at most this many lines.
const MAX_CELL_LINES: usize = 12;

/// Most rows in one report.
pub const MAX_REPORT_ROWS: usize = 20_000;

/// One titled table.
#[derive(Clone, Debug)]
pub struct Section {
    pub heading: String,
    /// Column titles and their relative widths.
    pub columns: Vec<(String, f32)>,
    pub rows: Vec<Vec<String>>,
    /// Said instead of an empty table.
    pub empty: String,
}

/// The report.
#[derive(Clone, Debug)]
pub struct TabularReport {
    /// The issuing body, top left of page 1.
    pub issuer: String,
    pub title: String,
    /// Lines under the title (period, scope, time of generation).
    pub lines: Vec<String>,
    pub sections: Vec<Section>,
}

/// A rendered report: the PDF and the box kept for the organization's
/// signature (page 1, top right).
#[derive(Clone, Debug)]
pub struct RenderedReport {
    pub pdf: Vec<u8>,
    pub signature: BoxAt,
    pub pages: u32,
}

/// Column edges of `columns` over the text width.
fn edges(columns: &[(String, f32)]) -> Vec<f32> {
    let total: f32 = columns.iter().map(|c| c.1.max(0.1)).sum();
    let span = A4.0 - LEFT - RIGHT;
    let mut e = vec![LEFT];
    for c in columns {
        let last = *e.last().expect("an edge");
        e.push(last + span * c.1.max(0.1) / total);
    }
    e
}

fn wrap_row(edges: &[f32], cells: &[String], s: Style) -> Result<Vec<Vec<String>>, RenderError> {
    cells
        .iter()
        .enumerate()
        .take(edges.len() - 1)
        .map(|(i, c)| {
            let mut lines = wrap(c, s, edges[i + 1] - edges[i] - 2.0 * PAD)?;
            lines.truncate(MAX_CELL_LINES);
            Ok(lines)
        })
        .collect()
}

fn height(cells: &[Vec<String>], s: Style) -> f32 {
    let n = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
    n as f32 * s.size * 1.2 + 2.0 * PAD
}

/// Draws a row whose top is `top` with its borders; its bottom.
fn row(
    page: &mut Page,
    edges: &[f32],
    cells: &[Vec<String>],
    s: Style,
    top: f32,
) -> Result<f32, RenderError> {
    let lead = s.size * 1.2;
    let bottom = top + height(cells, s);
    for (i, lines) in cells.iter().enumerate() {
        let (l, r) = (edges[i], edges[i + 1]);
        for (k, text) in lines.iter().enumerate() {
            let b = top + PAD + k as f32 * lead + s.size * 0.9;
            page.text(text, s, l + PAD, r - PAD, b, Align::Left)?;
        }
    }
    for x in edges {
        page.line((*x, top), (*x, bottom), RULE);
    }
    let last = *edges.last().expect("an edge");
    page.line((edges[0], bottom), (last, bottom), RULE);
    Ok(bottom)
}

/// `r` as a PDF.
pub fn tabular_pdf(r: &TabularReport) -> Result<RenderedReport, RenderError> {
    let rows: usize = r.sections.iter().map(|s| s.rows.len()).sum();
    if rows > MAX_REPORT_ROWS {
        return Err(RenderError::too_large(
            format!("báo cáo quá lớn để xuất PDF (tối đa {MAX_REPORT_ROWS} dòng)"),
            format!("the report is too large for a PDF (at most {MAX_REPORT_ROWS} rows)"),
        ));
    }
    let right = A4.0 - RIGHT;
    let limit = A4.1 - BOTTOM - 14.0;
    let mut pages = vec![Page::new(A4)];
    let mut y = TOP;
    {
        let p = pages.last_mut().expect("a page");
        for l in wrap(&r.issuer.trim().to_uppercase(), ISSUER, 250.0)? {
            p.text(&l, ISSUER, LEFT, LEFT + 250.0, y + 11.0, Align::Left)?;
            y += 14.4;
        }
        y = y.max(TOP + SIGNATURE_BOX.1) + 8.0;
        for l in wrap(&r.title, TITLE, right - LEFT)? {
            p.text(&l, TITLE, LEFT, right, y + 14.0, Align::Center)?;
            y += 19.0;
        }
        for line in &r.lines {
            for l in wrap(line, LINE, right - LEFT)? {
                p.text(&l, LINE, LEFT, right, y + 11.0, Align::Center)?;
                y += 14.0;
            }
        }
        y += 6.0;
    }
    for s in &r.sections {
        let e = edges(&s.columns);
        let titles: Vec<String> = s.columns.iter().map(|c| c.0.clone()).collect();
        let head = wrap_row(&e, &titles, HEAD)?;
        let heading = wrap(&s.heading, SECTION, right - LEFT)?;
        let heading_h = heading.len() as f32 * 15.0 + 4.0;
        // The heading, the header and a first row stay together.
        let first = s
            .rows
            .first()
            .map(|x| wrap_row(&e, x, CELL))
            .transpose()?
            .map(|c| height(&c, CELL))
            .unwrap_or(CELL.size * 2.0);
        if y + heading_h + height(&head, HEAD) + first > limit {
            pages.push(Page::new(A4));
            y = TOP;
        }
        let p = pages.last_mut().expect("a page");
        for l in &heading {
            p.text(l, SECTION, LEFT, right, y + 12.0, Align::Left)?;
            y += 15.0;
        }
        y += 4.0;
        if s.rows.is_empty() {
            p.text(&s.empty, CELL, LEFT, right, y + 10.0, Align::Left)?;
            y += 22.0;
            continue;
        }
        p.line((e[0], y), (right, y), RULE);
        y = row(p, &e, &head, HEAD, y)?;
        for x in &s.rows {
            let cells = wrap_row(&e, x, CELL)?;
            if y + height(&cells, CELL) > limit {
                pages.push(Page::new(A4));
                y = TOP;
                let p = pages.last_mut().expect("a page");
                p.text(
                    &format!("{} (tiếp)", s.heading),
                    HEAD,
                    LEFT,
                    right,
                    y + 10.0,
                    Align::Left,
                )?;
                y += 16.0;
                p.line((e[0], y), (right, y), RULE);
                y = row(p, &e, &head, HEAD, y)?;
            }
            let p = pages.last_mut().expect("a page");
            y = row(p, &e, &cells, CELL, y)?;
        }
        y += 14.0;
    }
    let n = pages.len();
    number_pages(&mut pages, FOOT, (LEFT, right), A4.1 - BOTTOM + 4.0)?;
    let signature = BoxAt {
        page: 1,
        rect: pages[0].pdf_rect(right - SIGNATURE_BOX.0, TOP, right, TOP + SIGNATURE_BOX.1),
    };
    let pdf = write_pdf(
        &pages,
        &Meta {
            title: r.title.clone(),
            subject: r.lines.join(" — "),
            author: r.issuer.trim().to_string(),
        },
    )?;
    Ok(RenderedReport {
        pdf,
        signature,
        pages: n as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(rows: usize) -> TabularReport {
        TabularReport {
            issuer: "Sở Khoa học và Công nghệ tỉnh Ninh Bình".into(),
            title: "BÁO CÁO TÌNH HÌNH CHỨNG THƯ SỐ".into(),
            lines: vec!["Từ 01/01/2026 đến 30/04/2026".into()],
            sections: vec![
                Section {
                    heading: "1. Chứng thư số theo cơ quan".into(),
                    columns: vec![("Cơ quan".into(), 3.0), ("Còn hiệu lực".into(), 1.0)],
                    rows: (0..rows)
                        .map(|i| vec![format!("Ủy ban nhân dân xã số {i}"), i.to_string()])
                        .collect(),
                    empty: "Không có.".into(),
                },
                Section {
                    heading: "2. Trống".into(),
                    columns: vec![("A".into(), 1.0)],
                    rows: vec![],
                    empty: "Không có số liệu.".into(),
                },
            ],
        }
    }

    #[test]
    fn long_tables_continue_over_pages() {
        let one = tabular_pdf(&report(3)).unwrap();
        assert_eq!(one.pages, 1);
        assert!(one.pdf.starts_with(b"%PDF-"));
        let many = tabular_pdf(&report(200)).unwrap();
        assert!(many.pages >= 4, "{}", many.pages);
        assert_eq!(many.signature.page, 1);
    }

    #[test]
    fn too_many_rows_are_refused() {
        assert!(matches!(
            tabular_pdf(&report(MAX_REPORT_ROWS + 1)),
            Err(RenderError::TooLarge { .. })
        ));
    }
}
