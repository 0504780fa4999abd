//! Where a visible signature can go on a page: the page's box, the
//! widgets already there, a free spot near the wanted one, and whether the
//! document declares PDF/A (which limits what an appearance may use).
use lopdf::{Document, Object};

use crate::{OpenedPdf, PdfError, Rect};

/// A widget annotation already on a page.
#[derive(Clone, Debug, PartialEq)]
pub struct Widget {
    /// Field name (`/T`), if the widget carries it.
    pub name: Option<String>,
    pub rect: Rect,
    /// A signature field (`/FT /Sig`, on the widget or its parent).
    pub is_signature: bool,
    /// A signature field that is signed (has `/V`).
    pub is_signed: bool,
}

fn number(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

pub(crate) fn rect_of(doc: &Document, o: &Object) -> Option<Rect> {
    let a = doc.dereference(o).ok()?.1.as_array().ok()?;
    let v: Vec<f32> = a
        .iter()
        .filter_map(|x| doc.dereference(x).ok().and_then(|(_, x)| number(x)))
        .collect();
    match v[..] {
        [x1, y1, x2, y2] if v.iter().all(|x| x.is_finite()) => {
            Some(Rect { x1, y1, x2, y2 }.normalized())
        }
        _ => None,
    }
}

fn text_of(o: &Object) -> Option<String> {
    match o {
        Object::String(b, _) if b.starts_with(&[0xfe, 0xff]) => {
            let units: Vec<u16> = b[2..]
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        Object::String(b, _) => Some(b.iter().map(|&c| c as char).collect()),
        _ => None,
    }
}

impl OpenedPdf {
    /// The visible area of page `page` (1-based): its CropBox, else its
    /// MediaBox (inherited), else US Letter.
    pub fn page_box(&mut self, page: u32) -> Result<Rect, PdfError> {
        let mut id = self.load_page(page, false)?;
        let doc = self.document();
        for _ in 0..64 {
            let d = doc.get_dictionary(id)?;
            for key in [b"CropBox".as_slice(), b"MediaBox"] {
                if let Some(r) = d.get(key).ok().and_then(|o| rect_of(doc, o)) {
                    return Ok(r);
                }
            }
            match d.get(b"Parent").and_then(Object::as_reference) {
                Ok(p) => id = p,
                Err(_) => break,
            }
        }
        Ok(Rect {
            x1: 0.0,
            y1: 0.0,
            x2: 612.0,
            y2: 792.0,
        })
    }

    /// The widget annotations of page `page` with a non-empty rectangle.
    pub fn widgets(&mut self, page: u32) -> Result<Vec<Widget>, PdfError> {
        let pid = self.load_page(page, false)?;
        let doc = self.document();
        let mut out = Vec::new();
        let Ok(annots) = doc.get_dictionary(pid)?.get(b"Annots") else {
            return Ok(out);
        };
        let Ok(Object::Array(annots)) = doc.dereference(annots).map(|(_, o)| o) else {
            return Ok(out);
        };
        for a in annots.iter().take(10_000) {
            let Ok((_, Object::Dictionary(d))) = doc.dereference(a) else {
                continue;
            };
            if d.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Widget") {
                continue;
            }
            let Some(rect) = d.get(b"Rect").ok().and_then(|r| rect_of(doc, r)) else {
                continue;
            };
            if rect.width() <= 0.0 || rect.height() <= 0.0 {
                continue;
            }
            // Field entries may sit on the parent field.
            let parent = d
                .get(b"Parent")
                .ok()
                .and_then(|p| doc.dereference(p).ok())
                .and_then(|(_, p)| p.as_dict().ok());
            let get = |k: &[u8]| d.get(k).ok().or_else(|| parent.and_then(|p| p.get(k).ok()));
            let is_signature = get(b"FT").and_then(|o| o.as_name().ok()) == Some(b"Sig");
            out.push(Widget {
                name: get(b"T").and_then(text_of),
                rect,
                is_signature,
                is_signed: is_signature && get(b"V").is_some(),
            });
        }
        Ok(out)
    }

    /// Whether the document has a form field (of any kind) named `name`
    /// (fully qualified).
    pub fn has_field(&self, name: &str) -> Result<bool, PdfError> {
        Ok(crate::form::fields(self.document())?
            .iter()
            .any(|f| f.name == name))
    }

    /// The rectangle of the signature field `name`'s widget, when the
    /// document has such a field with one widget and a non-empty box.
    pub fn signature_field_rect(&self, name: &str) -> Result<Option<Rect>, PdfError> {
        let doc = self.document();
        let fields = crate::form::fields(doc)?;
        let Some(f) = fields
            .iter()
            .find(|f| f.name == name && f.kind == crate::FieldKind::Signature)
        else {
            return Ok(None);
        };
        let [widget] = f.widgets.as_slice() else {
            return Ok(None);
        };
        let rect = doc
            .get_dictionary(*widget)
            .ok()
            .and_then(|d| d.get(b"Rect").ok())
            .and_then(|r| rect_of(doc, r));
        Ok(rect.filter(|r| r.width() > 0.0 && r.height() > 0.0))
    }

    /// The PDF/A part (1, 2, 3, 4) the document's XMP metadata declares.
    pub fn pdfa_part(&self) -> Option<u32> {
        let doc = self.document();
        let meta = doc
            .catalog()
            .ok()?
            .get(b"Metadata")
            .ok()?
            .as_reference()
            .ok()?;
        let xmp = self.stream_decoded(meta, MAX_XMP).ok()?;
        let xmp = String::from_utf8_lossy(&xmp);
        let at = xmp.find("pdfaid:part")?;
        let rest = &xmp[at + "pdfaid:part".len()..];
        let digits: String = rest
            .trim_start_matches(|c: char| {
                c == '=' || c == '"' || c == '\'' || c == '>' || c.is_whitespace()
            })
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    }
}

/// Largest decoded XMP metadata read.
const MAX_XMP: usize = 16 * 1024 * 1024;

fn overlaps(a: Rect, b: Rect) -> bool {
    a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2
}

/// The spot nearest to `wanted`, inside `page` where possible, that
/// overlaps none of `taken`. Tries `wanted` itself, then positions moved
/// down, up, left and right in steps of the box size plus a gap.
pub fn free_spot(page: Rect, taken: &[Rect], wanted: Rect) -> Rect {
    let w = wanted.normalized();
    let free = |r: Rect| !taken.iter().any(|t| overlaps(r, *t));
    if free(w) {
        return w;
    }
    let inside = |r: Rect| r.x1 >= page.x1 && r.y1 >= page.y1 && r.x2 <= page.x2 && r.y2 <= page.y2;
    let (bw, bh) = (w.width() + 4.0, w.height() + 4.0);
    let mut best: Option<(f32, Rect)> = None;
    for i in -20i32..=20 {
        for j in -20i32..=20 {
            if i == 0 && j == 0 {
                continue;
            }
            // Fine steps (a quarter box) to stay close.
            let (dx, dy) = (i as f32 * bw / 4.0, j as f32 * bh / 4.0);
            let r = Rect {
                x1: w.x1 + dx,
                y1: w.y1 + dy,
                x2: w.x2 + dx,
                y2: w.y2 + dy,
            };
            if !inside(r) || !free(r) {
                continue;
            }
            // Prefer vertical moves (a signature column) over sideways ones.
            let cost = dx.abs() * 1.5 + dy.abs();
            if best.map(|(c, _)| cost < c).unwrap_or(true) {
                best = Some((cost, r));
            }
        }
    }
    best.map(|(_, r)| r).unwrap_or(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(x1: f32, y1: f32, x2: f32, y2: f32) -> Rect {
        Rect { x1, y1, x2, y2 }
    }

    #[test]
    fn free_spot_moves_off_taken_boxes() {
        let page = r(0.0, 0.0, 595.0, 842.0);
        let wanted = r(300.0, 100.0, 500.0, 180.0);
        assert_eq!(free_spot(page, &[], wanted), wanted);
        let got = free_spot(page, &[wanted], wanted);
        assert!(!overlaps(got, wanted), "{got:?}");
        assert!((got.width() - 200.0).abs() < 0.01);
        assert!(got.x1 >= 0.0 && got.y1 >= 0.0 && got.y2 <= 842.0);
    }
}
