//! A print copy of a PDF (R-PRINT): every page as it is, the normal
//! appearances of its printable annotations (the images of the
//! signatures and seals, ISO 32000-1 §12.5.5) painted into the page's
//! content, and a band added under the page with what the caller lays
//! out there (the office's verification footer with its QR code).
//!
//! The copy is an incremental update of the input: the earlier
//! revisions stay byte for byte, the pages get new boxes, resources and
//! content arrays that wrap the original content streams, and the
//! catalog loses its form (`/AcroForm`, `/Perms`), so the copy no longer
//! presents itself as a signed document — it shows the signatures, it
//! does not carry them.
use std::path::Path;

use lopdf::{Dictionary, Object, ObjectId, Stream};

use crate::anchor::page_resources;
use crate::appearance::{num, write_appearance, Appearance};
use crate::layout::rect_of;
use crate::open::open;
use crate::section::write_update;
use crate::{PdfError, Rect};

/// Most pages a print copy may have.
pub const MAX_PRINT_PAGES: usize = 5_000;
/// Most annotations painted on one page.
const MAX_ANNOTS: usize = 1_000;

/// Annotation flags (ISO 32000-1 Table 165).
const HIDDEN: i64 = 1 << 1;
const PRINT: i64 = 1 << 2;

/// Resource kinds a page's content may name.
const RESOURCE_KINDS: &[&[u8]] = &[
    b"ExtGState",
    b"ColorSpace",
    b"Pattern",
    b"Shading",
    b"XObject",
    b"Font",
    b"Properties",
];

/// One page as the footer is laid out for it.
#[derive(Clone, Copy, Debug)]
pub struct PrintPage {
    /// 0-based.
    pub index: usize,
    pub count: usize,
    /// Width of the page's visible area, in points.
    pub width: f32,
}

/// What is drawn in the band under a page: its height in points and the
/// form painted there (its origin at the band's lower-left corner).
pub struct Band {
    pub height: f32,
    pub appearance: Appearance,
}

/// An annotation appearance to paint: the form and where.
struct Painted {
    form: ObjectId,
    /// `cm` operands mapping the form's transformed box onto `/Rect`.
    matrix: [f32; 6],
}

/// What is kept of a page before it is rewritten.
struct PageParts {
    id: ObjectId,
    area: Rect,
    contents: Vec<Object>,
    resources: Dictionary,
    painted: Vec<Painted>,
}

fn number(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// The `cm` that maps the form's `/BBox` under its `/Matrix` onto
/// `rect` (ISO 32000-1 §12.5.5, Algorithm 8.1); `None` for an empty box.
fn placement(form: &Dictionary, rect: Rect) -> Option<[f32; 6]> {
    let nums = |k: &[u8]| -> Option<Vec<f32>> {
        form.get(k)
            .ok()?
            .as_array()
            .ok()
            .map(|a| a.iter().filter_map(number).collect())
    };
    let bbox = nums(b"BBox").filter(|b| b.len() == 4)?;
    let m = nums(b"Matrix")
        .filter(|m| m.len() == 6)
        .unwrap_or_else(|| vec![1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    let corners = [
        (bbox[0], bbox[1]),
        (bbox[2], bbox[1]),
        (bbox[0], bbox[3]),
        (bbox[2], bbox[3]),
    ];
    let (mut x1, mut y1, mut x2, mut y2) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for (x, y) in corners {
        let tx = m[0] * x + m[2] * y + m[4];
        let ty = m[1] * x + m[3] * y + m[5];
        x1 = x1.min(tx);
        y1 = y1.min(ty);
        x2 = x2.max(tx);
        y2 = y2.max(ty);
    }
    let (w, h) = (x2 - x1, y2 - y1);
    if !(w > 0.0 && h > 0.0 && rect.width() > 0.0 && rect.height() > 0.0) {
        return None;
    }
    let sx = rect.width() / w;
    let sy = rect.height() / h;
    let out = [sx, 0.0, 0.0, sy, rect.x1 - sx * x1, rect.y1 - sy * y1];
    out.iter().all(|v| v.is_finite()).then_some(out)
}

/// The normal appearance stream of annotation `a` as it is printed, if
/// it is printed at all.
fn printed_form(doc: &lopdf::Document, a: &Dictionary) -> Option<Painted> {
    let flags = a.get(b"F").and_then(Object::as_i64).unwrap_or(0);
    if flags & HIDDEN != 0 || flags & PRINT == 0 {
        return None;
    }
    let rect = rect_of(doc, a.get(b"Rect").ok()?)?;
    let (_, ap) = doc.dereference(a.get(b"AP").ok()?).ok()?;
    let n = ap.as_dict().ok()?.get(b"N").ok()?;
    let form = match doc.dereference(n).ok()? {
        (Some(id), Object::Stream(_)) => id,
        (_, Object::Dictionary(states)) => {
            let state = a.get(b"AS").and_then(Object::as_name).ok()?;
            states.get(state).and_then(Object::as_reference).ok()?
        }
        _ => return None,
    };
    let dict = &doc.get_object(form).ok()?.as_stream().ok()?.dict;
    if dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Form") {
        return None;
    }
    Some(Painted {
        form,
        matrix: placement(dict, rect)?,
    })
}

fn content_refs(doc: &lopdf::Document, page: &Dictionary) -> Vec<Object> {
    match page.get(b"Contents") {
        Ok(Object::Reference(id)) => match doc.get_object(*id) {
            Ok(Object::Array(a)) => a.clone(),
            _ => vec![Object::Reference(*id)],
        },
        Ok(Object::Array(a)) => a.clone(),
        _ => Vec::new(),
    }
}

/// Writes to `output` the print copy of the PDF at `input`, with the band
/// `band` lays out for each page under it. Returns the page count.
pub fn print_copy(
    input: &Path,
    output: &Path,
    band: &mut dyn FnMut(PrintPage) -> Result<Band, PdfError>,
) -> Result<usize, PdfError> {
    let mut opened = open(input)?;
    let count = opened.page_count();
    if count > MAX_PRINT_PAGES {
        return Err(PdfError::InvalidOption(format!(
            "tài liệu quá dài để in (hơn {MAX_PRINT_PAGES} trang) / \
             the document is too long to print (over {MAX_PRINT_PAGES} pages)"
        )));
    }
    let mut pages = Vec::with_capacity(count);
    for n in 1..=count as u32 {
        let area = opened.page_box(n)?;
        let id = opened.load_page(n, true)?;
        let doc = opened.document();
        let dict = doc.get_dictionary(id)?;
        let contents = content_refs(doc, dict);
        let resources = page_resources(doc, id, RESOURCE_KINDS)?;
        let mut painted = Vec::new();
        if let Ok((_, Object::Array(annots))) = dict.get(b"Annots").and_then(|a| doc.dereference(a))
        {
            for a in annots.iter().take(MAX_ANNOTS) {
                if let Ok((_, Object::Dictionary(a))) = doc.dereference(a) {
                    painted.extend(printed_form(doc, a));
                }
            }
        }
        pages.push(PageParts {
            id,
            area,
            contents,
            resources,
            painted,
        });
    }
    let root_id = opened
        .document()
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| PdfError::Malformed(format!("trailer /Root: {e}")))?;

    let mut section = opened.into_update();
    let inc = &mut section.inc;
    for (index, p) in pages.into_iter().enumerate() {
        let a = p.area;
        let width = a.width();
        let Band { height, appearance } = band(PrintPage {
            index,
            count,
            width,
        })?;
        if !(height.is_finite() && height >= 0.0) {
            return Err(PdfError::Internal(format!("band height {height}")));
        }
        let new = &mut inc.new_document;
        let footer = write_appearance(new, width, height, &appearance)?;
        let mut xobjects = match p.resources.get(b"XObject") {
            Ok(Object::Dictionary(d)) => d.clone(),
            _ => Dictionary::new(),
        };
        let mut resources = p.resources.clone();
        // Clipped to the page's visible area: what lies outside it stays
        // out of the band.
        let before = format!(
            "q {} {} {} {} re W n\n",
            num(a.x1),
            num(a.y1),
            num(width),
            num(a.height())
        );
        let mut after = String::from("Q\n");
        for (i, f) in p.painted.iter().enumerate() {
            let name = format!("KysoPrintAp{}", i + 1);
            xobjects.set(name.as_bytes(), f.form);
            let m = f.matrix.map(num);
            after.push_str(&format!(
                "q {} {} {} {} {} {} cm /{name} Do Q\n",
                m[0], m[1], m[2], m[3], m[4], m[5]
            ));
        }
        xobjects.set("KysoPrintFooter", footer);
        after.push_str(&format!(
            "q 1 0 0 1 {} {} cm /KysoPrintFooter Do Q\n",
            num(a.x1),
            num(a.y1 - height)
        ));
        resources.set("XObject", xobjects);
        let mut s_before = Stream::new(Dictionary::new(), before.into_bytes());
        let _ = s_before.compress();
        let mut s_after = Stream::new(Dictionary::new(), after.into_bytes());
        let _ = s_after.compress();
        let mut contents = vec![Object::Reference(new.add_object(s_before))];
        contents.extend(p.contents);
        contents.push(Object::Reference(new.add_object(s_after)));

        inc.opt_clone_object_to_new_document(p.id)?;
        let page = inc
            .new_document
            .get_object_mut(p.id)
            .and_then(Object::as_dict_mut)?;
        let media = Object::Array(
            [a.x1, a.y1 - height, a.x2, a.y2]
                .into_iter()
                .map(Object::Real)
                .collect(),
        );
        page.set("MediaBox", media.clone());
        page.set("CropBox", media);
        for k in [&b"BleedBox"[..], b"TrimBox", b"ArtBox", b"Annots"] {
            page.remove(k);
        }
        page.set("Resources", resources);
        page.set("Contents", contents);
    }
    inc.opt_clone_object_to_new_document(root_id)?;
    let catalog = inc
        .new_document
        .get_object_mut(root_id)
        .and_then(Object::as_dict_mut)?;
    for k in [&b"AcroForm"[..], b"Perms"] {
        catalog.remove(k);
    }
    let tmp = write_update(&section, output, ".kyso-print-")?;
    drop(section);
    crate::dss::persist(tmp, output)?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::appearance::{Item, Rgb};
    use crate::font::Font;
    use crate::test_support::write_pdf;

    fn source() -> Vec<u8> {
        let content = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET";
        let stream = format!(
            "4 0 obj\n<< /Length {} >>\nstream\n{}\nendstream\nendobj",
            content.len(),
            String::from_utf8_lossy(content)
        );
        write_pdf(
            &[
                b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj",
                b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj",
                b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>\nendobj",
                stream.as_bytes(),
                b"5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj",
            ],
            "",
        )
    }

    #[test]
    fn print_copy_keeps_pages_and_adds_band() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.pdf");
        let output = dir.path().join("out.pdf");
        let original = source();
        std::fs::write(&input, &original).unwrap();
        let mut seen = Vec::new();
        let n = print_copy(&input, &output, &mut |p| {
            seen.push((p.index, p.count, p.width));
            let mut ap = Appearance::new(Font::liberation_serif());
            ap.items.push(Item::Text {
                x: 10.0,
                y: 40.0,
                size: 9.0,
                color: Rgb(0.0, 0.0, 0.0),
                text: "Bản in từ văn bản điện tử".into(),
            });
            ap.items.push(Item::Rect {
                x: 500.0,
                y: 10.0,
                width: 4.0,
                height: 4.0,
                color: Rgb(0.0, 0.0, 0.0),
            });
            Ok(Band {
                height: 60.0,
                appearance: ap,
            })
        })
        .unwrap();
        assert_eq!(n, 1);
        assert_eq!(seen, vec![(0, 1, 595.0)]);
        let out = std::fs::read(&output).unwrap();
        assert!(out.starts_with(&original), "earlier revision kept");
        let mut pdf = crate::open_bytes(&out).unwrap();
        let id = pdf.load_page(1, true).unwrap();
        let doc = pdf.document();
        let page = doc.get_dictionary(id).unwrap();
        let media = page.get(b"MediaBox").unwrap().as_array().unwrap();
        assert_eq!(number(&media[1]), Some(-60.0));
        let contents = page.get(b"Contents").unwrap().as_array().unwrap();
        assert_eq!(contents.len(), 3);
        assert_eq!(
            contents[1],
            Object::Reference((4, 0)),
            "original content kept"
        );
        let status = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(&output)
            .status();
        if let Ok(s) = status {
            assert!(s.success(), "qpdf --check");
        } else {
            assert!(
                std::env::var_os("KYSO_REQUIRE_PEERS").is_none(),
                "qpdf missing"
            );
        }
    }

    #[test]
    fn garbage_input_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.pdf");
        std::fs::write(&input, b"not a pdf").unwrap();
        let r = print_copy(&input, &dir.path().join("o.pdf"), &mut |_| {
            unreachable!("no page")
        });
        assert!(r.is_err());
    }
}
