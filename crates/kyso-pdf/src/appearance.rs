//! The normal appearance of a signature widget (ISO 32000-1 §12.5.5): a
//! form XObject painting images and lines of text, laid out by the caller
//! (kyso-sign decides what a Vietnamese signature shows). Text goes
//! through an embedded font subset; images through Image XObjects.
use std::sync::Arc;

use lopdf::{dictionary, Dictionary, Document, Object, ObjectId, Stream};

use crate::font::{Font, FontUse};
use crate::image::Image;
use crate::PdfError;

/// A colour in DeviceRGB, components 0 … 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rgb(pub f32, pub f32, pub f32);

impl Rgb {
    pub const BLACK: Rgb = Rgb(0.0, 0.0, 0.0);
    pub const BLUE: Rgb = Rgb(0.0, 0.0, 0.8);
    pub const RED: Rgb = Rgb(0.85, 0.0, 0.0);
}

/// One thing painted in the box; coordinates in points from the box's
/// lower-left corner.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// `image` scaled into the rectangle `x, y, width, height`.
    Image {
        image: Arc<Image>,
        x: f32,
        y: f32,
        width: f32,
        height: f32,
    },
    /// One line of text with its baseline starting at `x, y`.
    Text {
        x: f32,
        y: f32,
        size: f32,
        color: Rgb,
        text: String,
    },
    /// A rectangle filled with `color` (the modules of a QR code).
    Rect {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        color: Rgb,
    },
}

/// What a visible signature shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Appearance {
    /// The font of every text item.
    pub font: Font,
    pub items: Vec<Item>,
    /// Composite image transparency onto white instead of a soft mask
    /// (for PDF/A-1, where transparency is not allowed).
    pub flatten_alpha: bool,
}

impl Appearance {
    pub fn new(font: Font) -> Self {
        Appearance {
            font,
            items: Vec::new(),
            flatten_alpha: false,
        }
    }
}

pub(crate) fn num(x: f32) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" || s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

/// Write the form XObject of `width` × `height` showing `ap` (with its
/// font subset and images) into `doc`; returns the form's id.
pub(crate) fn write_appearance(
    doc: &mut Document,
    width: f32,
    height: f32,
    ap: &Appearance,
) -> Result<ObjectId, PdfError> {
    let mut content = Vec::new();
    let mut font = FontUse::new(ap.font.clone());
    let mut xobjects = Dictionary::new();
    let mut has_text = false;
    for item in &ap.items {
        match item {
            Item::Image {
                image,
                x,
                y,
                width,
                height,
            } => {
                let name = format!("Im{}", xobjects.len() + 1);
                let id = image.write(doc, ap.flatten_alpha)?;
                xobjects.set(name.as_bytes(), id);
                content.extend_from_slice(
                    format!(
                        "q {} 0 0 {} {} {} cm /{name} Do Q\n",
                        num(*width),
                        num(*height),
                        num(*x),
                        num(*y)
                    )
                    .as_bytes(),
                );
            }
            Item::Text {
                x,
                y,
                size,
                color,
                text,
            } => {
                let hex = font.encode(text)?;
                has_text = true;
                content.extend_from_slice(
                    format!(
                        "BT /F1 {} Tf {} {} {} rg {} {} Td ",
                        num(*size),
                        num(color.0),
                        num(color.1),
                        num(color.2),
                        num(*x),
                        num(*y)
                    )
                    .as_bytes(),
                );
                content.extend_from_slice(&hex);
                content.extend_from_slice(b" Tj ET\n");
            }
            Item::Rect {
                x,
                y,
                width,
                height,
                color,
            } => content.extend_from_slice(
                format!(
                    "q {} {} {} rg {} {} {} {} re f Q\n",
                    num(color.0),
                    num(color.1),
                    num(color.2),
                    num(*x),
                    num(*y),
                    num(*width),
                    num(*height)
                )
                .as_bytes(),
            ),
        }
    }
    let mut resources = Dictionary::new();
    if has_text {
        let fid = font.write(doc)?;
        resources.set("Font", dictionary! { "F1" => fid });
    }
    if !xobjects.is_empty() {
        resources.set("XObject", xobjects);
    }
    let dict = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Form",
        "BBox" => vec![0.into(), 0.into(), Object::Real(width), Object::Real(height)],
        "Resources" => resources,
    };
    let mut s = Stream::new(dict, content);
    let _ = s.compress();
    Ok(doc.add_object(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_resources() {
        let mut ap = Appearance::new(Font::liberation_serif());
        ap.items.push(Item::Text {
            x: 2.0,
            y: 3.5,
            size: 10.0,
            color: Rgb::BLUE,
            text: "Ký bởi (x)".into(),
        });
        let mut doc = Document::with_version("1.7");
        let id = write_appearance(&mut doc, 200.0, 50.0, &ap).unwrap();
        let form = doc.get_object(id).unwrap().as_stream().unwrap();
        let res = form.dict.get(b"Resources").unwrap().as_dict().unwrap();
        assert!(res.get(b"Font").unwrap().as_dict().unwrap().has(b"F1"));
        let mut budget = crate::decode::Budget::new(crate::decode::Limits::SIGN);
        let c = String::from_utf8(budget.decode(form).unwrap()).unwrap();
        assert!(c.contains("BT /F1 10 Tf 0 0 0.8 rg 2 3.5 Td <"), "{c}");
        assert_eq!(num(-0.0001), "0");
    }
}
