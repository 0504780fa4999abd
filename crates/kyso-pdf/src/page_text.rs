//! The text layer of a PDF as plain text (for search): every page's
//! glyphs, interpreted as for anchors ([`crate::anchor`]: ToUnicode CMaps,
//! simple encodings, form XObjects), in drawing order, with a line break
//! where the baseline moves and a space where a gap opens on a line.
//! The result is NFC. A scanned page — an image, no text operators — gives
//! nothing. Bounded: the anchor interpreter's limits per page, and at most
//! `max_chars` characters in all.
use unicode_normalization::UnicodeNormalization;

use crate::anchor::{page_glyphs, Glyph};
use crate::{OpenedPdf, PdfError};

/// The text of a PDF.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PdfText {
    /// The text, pages separated by a blank line; NFC.
    pub text: String,
    /// Pages in the document.
    pub pages: u32,
    /// Pages with at least one character of text.
    pub pages_with_text: u32,
    /// Pages whose content could not be interpreted (left out).
    pub pages_unreadable: u32,
    /// Whether the text was cut at `max_chars`.
    pub truncated: bool,
}

impl OpenedPdf {
    /// The text of every page, at most `max_chars` characters. A page whose
    /// content cannot be interpreted is counted and left out; only a
    /// document whose page tree cannot be read is an error.
    pub fn text(&mut self, max_chars: usize) -> Result<PdfText, PdfError> {
        let mut out = PdfText {
            pages: self.page_count() as u32,
            ..PdfText::default()
        };
        let mut chars = 0usize;
        for no in 1..=out.pages {
            let id = self.load_page(no, true)?;
            let glyphs = match page_glyphs(self, id) {
                Ok(g) => g,
                Err(_) => {
                    out.pages_unreadable += 1;
                    continue;
                }
            };
            let page = lines(&glyphs);
            let page: String = page.trim().nfc().collect();
            if page.is_empty() {
                continue;
            }
            out.pages_with_text += 1;
            let page = if out.text.is_empty() {
                page
            } else {
                format!("\n\n{page}")
            };
            let n = page.chars().count();
            if chars + n > max_chars {
                out.text.extend(page.chars().take(max_chars - chars));
                out.truncated = true;
                break;
            }
            chars += n;
            out.text.push_str(&page);
        }
        Ok(out)
    }
}

/// Glyphs in drawing order as lines: a break where the baseline moves by
/// more than half the font size, a space where the next glyph starts more
/// than a sixth of the font size after the previous one ended.
fn lines(glyphs: &[Glyph]) -> String {
    let mut s = String::new();
    let mut prev: Option<&Glyph> = None;
    for g in glyphs {
        if let Some(p) = prev {
            let size = p.size.max(g.size).max(1.0);
            if (g.y - p.y).abs() > size * 0.5 {
                if !s.ends_with('\n') {
                    s.push('\n');
                }
            } else if g.x - p.end_x > size / 6.0 && !g.c.is_whitespace() && !s.ends_with(' ') {
                s.push(' ');
            }
        }
        if g.c.is_whitespace() {
            if !s.is_empty() && !s.ends_with([' ', '\n']) {
                s.push(' ');
            }
        } else {
            s.push(g.c);
        }
        prev = Some(g);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(c: char, x: f32, y: f32) -> Glyph {
        Glyph {
            c,
            x,
            y,
            end_x: x + 6.0,
            size: 12.0,
        }
    }

    #[test]
    fn lines_and_gaps_become_breaks_and_spaces() {
        let glyphs = [
            g('Q', 0.0, 700.0),
            g('Đ', 6.0, 700.0),
            // a gap of 10 (> 12/6) on the same line: a space
            g('v', 22.0, 700.0),
            // the next line
            g('1', 0.0, 680.0),
            g(' ', 6.0, 680.0),
            g(' ', 12.0, 680.0),
            g('2', 18.0, 680.0),
        ];
        assert_eq!(lines(&glyphs), "QĐ v\n1 2");
    }

    fn two_pages() -> Vec<u8> {
        let content = |t: &str| {
            let c = format!("BT /F1 12 Tf 72 720 Td ({t}) Tj ET");
            format!("<< /Length {} >>\nstream\n{c}\nendstream", c.len())
        };
        let (c1, c2) = (content("Quyet dinh so 01"), content("Dieu 1. Ban hanh"));
        let page = |c: u32| {
            format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {c} 0 R /Resources << /Font << /F1 7 0 R >> >> >>")
        };
        let (p1, p2) = (page(4), page(6));
        let body = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>",
            &p1,
            &c1,
            &p2,
            &c2,
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        ];
        let objects: Vec<String> = (1..)
            .zip(body)
            .map(|(n, o)| format!("{n} 0 obj\n{o}\nendobj"))
            .collect();
        crate::test_support::write_pdf(
            &objects.iter().map(|o| o.as_bytes()).collect::<Vec<_>>(),
            "",
        )
    }

    #[test]
    fn pages_are_read_in_order_and_the_text_is_bounded() {
        let mut pdf = crate::open_bytes(&two_pages()).unwrap();
        let t = pdf.text(1_000).unwrap();
        assert_eq!(t.text, "Quyet dinh so 01\n\nDieu 1. Ban hanh");
        assert_eq!((t.pages, t.pages_with_text, t.truncated), (2, 2, false));
        let t = pdf.text(20).unwrap();
        assert_eq!(t.text, "Quyet dinh so 01\n\nDi");
        assert_eq!(t.text.chars().count(), 20);
        assert!(t.truncated);
    }
}
