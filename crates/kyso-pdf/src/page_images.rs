//! The images a page paints and at what size (ISO 32000-1 §8.9): image
//! XObjects drawn with `Do` and inline images (`BI … ID … EI`), under
//! the current transformation matrix (`cm`, `q`/`Q`), inside form
//! XObjects too (entered with their `/Matrix`, bounded like the text
//! search in `anchor.rs`). An image fills its unit square, so the CTM's
//! columns give the lengths its width and height are drawn at: with its
//! pixel size, the resolution it is printed at. The office uses it to
//! judge a scanned page (R-FLOW-SEAL: at least 200 dpi, in colour).
use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object};

use crate::anchor::{
    mul, num, page_content, page_resources, Budget, Matrix, IDENTITY, MAX_FORM_DEPTH,
};
use crate::{OpenedPdf, PdfError};

/// An image as painted on a page.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlacedImage {
    /// Its size in pixels (`/Width`, `/Height`).
    pub width_px: u32,
    pub height_px: u32,
    /// The lengths, in points of default user space, its width and its
    /// height are drawn at.
    pub drawn_width: f32,
    pub drawn_height: f32,
    /// Whether its colour space has colour (RGB, CMYK, Lab, an indexed or
    /// ICC space over them); `None` when the file does not say (JPEG 2000
    /// without `/ColorSpace`, a named resource space).
    pub colour: Option<bool>,
}

impl PlacedImage {
    /// The resolution it is printed at: the lower of its two directions,
    /// in pixels per inch.
    pub fn dpi(&self) -> f32 {
        let per_inch = |px: u32, pt: f32| {
            if pt > 0.0 {
                px as f32 * 72.0 / pt
            } else {
                0.0
            }
        };
        per_inch(self.width_px, self.drawn_width).min(per_inch(self.height_px, self.drawn_height))
    }

    /// The area it covers, in square points.
    pub fn area(&self) -> f32 {
        self.drawn_width * self.drawn_height
    }
}

/// The images of one page and the page's size.
#[derive(Clone, Debug, PartialEq)]
pub struct PageImages {
    /// 1-based page number.
    pub page: u32,
    /// The page's crop box (else media box) size, in points.
    pub page_width: f32,
    pub page_height: f32,
    /// Every image painted, in painting order.
    pub images: Vec<PlacedImage>,
}

impl PageImages {
    /// The image covering the largest area, if any.
    pub fn largest(&self) -> Option<&PlacedImage> {
        self.images
            .iter()
            .max_by(|a, b| a.area().total_cmp(&b.area()))
    }

    /// The share of the page the largest image covers (0 … 1, more when
    /// it bleeds over the edges).
    pub fn largest_coverage(&self) -> f32 {
        let page = self.page_width * self.page_height;
        match self.largest() {
            Some(i) if page > 0.0 => i.area() / page,
            _ => 0.0,
        }
    }
}

/// Whether colour space `cs` (an image's `/ColorSpace`) has colour.
fn has_colour(doc: &Document, cs: &Object, depth: u32) -> Option<bool> {
    let (_, cs) = doc.dereference(cs).ok()?;
    match cs {
        Object::Name(n) => match n.as_slice() {
            b"DeviceRGB" | b"RGB" | b"DeviceCMYK" | b"CMYK" => Some(true),
            b"DeviceGray" | b"G" => Some(false),
            _ => None,
        },
        Object::Array(a) => {
            let family = a.first()?.as_name().ok()?;
            match family {
                b"CalRGB" | b"Lab" => Some(true),
                b"CalGray" | b"Separation" => Some(false),
                b"ICCBased" => {
                    let (_, s) = doc.dereference(a.get(1)?).ok()?;
                    let n = s.as_stream().ok()?.dict.get(b"N").ok().and_then(num)?;
                    Some(n >= 3.0)
                }
                b"Indexed" | b"I" if depth < 4 => has_colour(doc, a.get(1)?, depth + 1),
                b"DeviceN" => Some(a.get(1)?.as_array().ok()?.len() > 1),
                _ => None,
            }
        }
        _ => None,
    }
}

/// An image's dictionary painted under `ctm`.
fn placed(doc: &Document, d: &Dictionary, ctm: &Matrix) -> Option<PlacedImage> {
    let get = |long: &[u8], short: &[u8]| d.get(long).or_else(|_| d.get(short)).ok();
    let dim = |long, short| {
        let v = get(long, short).and_then(num)?;
        (v >= 1.0 && v <= u32::MAX as f32).then_some(v as u32)
    };
    let width_px = dim(b"Width", b"W")?;
    let height_px = dim(b"Height", b"H")?;
    let mask = matches!(get(b"ImageMask", b"IM"), Some(Object::Boolean(true)));
    let one_bit = get(b"BitsPerComponent", b"BPC").and_then(num) == Some(1.0);
    let colour = if mask {
        Some(false)
    } else {
        match get(b"ColorSpace", b"CS") {
            Some(cs) => has_colour(doc, cs, 0).map(|c| c && !one_bit),
            None => None,
        }
    };
    Some(PlacedImage {
        width_px,
        height_px,
        drawn_width: (ctm[0] * ctm[0] + ctm[1] * ctm[1]).sqrt(),
        drawn_height: (ctm[2] * ctm[2] + ctm[3] * ctm[3]).sqrt(),
        colour,
    })
}

/// The image XObject `name` of `resources`, if it is one.
fn image_xobject<'a>(
    doc: &'a Document,
    resources: &'a Dictionary,
    name: &[u8],
) -> Option<&'a Dictionary> {
    let (_, xobjects) = doc.dereference(resources.get(b"XObject").ok()?).ok()?;
    let (_, o) = doc
        .dereference(xobjects.as_dict().ok()?.get(name).ok()?)
        .ok()?;
    let s = o.as_stream().ok()?;
    (s.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Image")).then_some(&s.dict)
}

/// Interprets `content` drawn with `resources` under `ctm`, adding the
/// images it paints to `out`.
fn run(
    pdf: &OpenedPdf,
    content: &[u8],
    resources: &Dictionary,
    ctm: Matrix,
    depth: u32,
    budget: &mut Budget,
    out: &mut Vec<PlacedImage>,
) -> Result<(), PdfError> {
    let doc = pdf.document();
    let content = match Content::decode(content) {
        Ok(c) => c,
        Err(_) if depth > 0 => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let mut stack: Vec<Matrix> = Vec::new();
    let mut cur = ctm;
    let f = |ops: &[Object], i: usize| ops.get(i).and_then(num).unwrap_or(0.0);
    for op in &content.operations {
        let o = &op.operands;
        match op.operator.as_str() {
            "q" => stack.push(cur),
            "Q" => cur = stack.pop().unwrap_or(ctm),
            "cm" => {
                cur = mul(
                    &[f(o, 0), f(o, 1), f(o, 2), f(o, 3), f(o, 4), f(o, 5)],
                    &cur,
                )
            }
            "BI" => {
                if let Some(Object::Stream(s)) = o.first() {
                    out.extend(placed(doc, &s.dict, &cur));
                }
            }
            "Do" => {
                let Some(name) = o.first().and_then(|n| n.as_name().ok()) else {
                    continue;
                };
                if let Some(d) = image_xobject(doc, resources, name) {
                    out.extend(placed(doc, d, &cur));
                    continue;
                }
                if depth >= MAX_FORM_DEPTH {
                    continue;
                }
                let Some((data, res, matrix)) = budget.enter(pdf, resources, name)? else {
                    continue;
                };
                run(pdf, &data, &res, mul(&matrix, &cur), depth + 1, budget, out)?;
            }
            _ => {}
        }
    }
    Ok(())
}

impl OpenedPdf {
    /// The images page `page` (1-based) paints, with the page's size.
    pub fn page_images(&mut self, page: u32) -> Result<PageImages, PdfError> {
        let size = self.page_box(page)?;
        let id = self.load_page(page, true)?;
        let content = page_content(self, id)?;
        let resources = page_resources(self.document(), id, &[b"XObject"])?;
        let mut budget = Budget::for_page(content.len());
        let mut images = Vec::new();
        run(
            self,
            &content,
            &resources,
            IDENTITY,
            0,
            &mut budget,
            &mut images,
        )?;
        Ok(PageImages {
            page,
            page_width: size.width(),
            page_height: size.height(),
            images,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Stream};

    /// A one-page PDF (A4) drawing a 1654×2339 RGB image over the whole
    /// page (200 dpi), and a 100×100 gray logo at 1 inch inside a form.
    fn scan_pdf() -> Vec<u8> {
        let mut doc = Document::with_version("1.7");
        let image = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image",
                "Width" => 1654, "Height" => 2339,
                "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8,
            },
            vec![0; 16],
        ));
        let logo = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image",
                "Width" => 100, "Height" => 100,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
            },
            vec![0; 16],
        ));
        let form = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 1.into(), 1.into()],
                "Matrix" => vec![72.into(), 0.into(), 0.into(), 72.into(), 10.into(), 10.into()],
                "Resources" => dictionary! { "XObject" => dictionary! { "L" => logo } },
            },
            b"/L Do".to_vec(),
        ));
        let content = doc.add_object(Stream::new(
            dictionary! {},
            b"q 595.28 0 0 841.89 0 0 cm /Im0 Do Q q /F Do Q".to_vec(),
        ));
        let pages = doc.new_object_id();
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages, "Contents" => content,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(595.28), Object::Real(841.89)],
            "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => image, "F" => form } },
        });
        doc.objects.insert(
            pages,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
            }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    #[test]
    fn a_full_page_image_gives_the_scan_resolution() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scan.pdf");
        std::fs::write(&path, scan_pdf()).unwrap();
        let mut pdf = crate::open(&path).unwrap();
        let p = pdf.page_images(1).unwrap();
        assert_eq!(p.images.len(), 2, "{p:?}");
        let big = p.largest().unwrap();
        assert_eq!((big.width_px, big.height_px), (1654, 2339));
        assert!((big.dpi() - 200.0).abs() < 0.5, "{}", big.dpi());
        assert_eq!(big.colour, Some(true));
        assert!(p.largest_coverage() > 0.99);
        // The logo, drawn by the form at 72 pt: 100 dpi, gray.
        let logo = p.images.iter().find(|i| i.width_px == 100).unwrap();
        assert!((logo.drawn_width - 72.0).abs() < 0.01);
        assert!((logo.dpi() - 100.0).abs() < 0.5);
        assert_eq!(logo.colour, Some(false));
    }

    #[test]
    fn colour_spaces() {
        let doc = Document::with_version("1.7");
        let cs = |o: Object| has_colour(&doc, &o, 0);
        assert_eq!(cs(Object::Name(b"DeviceCMYK".to_vec())), Some(true));
        assert_eq!(cs(Object::Name(b"G".to_vec())), Some(false));
        assert_eq!(
            cs(Object::Array(vec![
                Object::Name(b"Indexed".to_vec()),
                Object::Name(b"DeviceRGB".to_vec()),
                255.into(),
                Object::string_literal("x"),
            ])),
            Some(true)
        );
        assert_eq!(cs(Object::Name(b"CS0".to_vec())), None);
    }
}
