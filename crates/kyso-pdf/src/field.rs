//! The signature field, its widget, the AcroForm and the signature
//! dictionary (ISO 32000-1 §12.7, §12.8), added as new or updated objects
//! of an incremental update.
use lopdf::{dictionary, Dictionary, IncrementalDocument, Object, ObjectId, StringFormat};
use time::OffsetDateTime;

use crate::appearance::Appearance;
use crate::byte_range::PLACEHOLDER_VALUE;
use crate::text::text_string;
use crate::{appearance, pdf_date, PdfError};

/// Default room reserved for the CMS in `/Contents`, in bytes (written as
/// twice as many hex digits): enough for a chain of three RSA-4096
/// certificates and a signature time-stamp token.
pub const DEFAULT_CONTENTS_SIZE: usize = 24 * 1024;

/// Largest `/Contents` reservation accepted.
const MAX_CONTENTS_SIZE: usize = 4 * 1024 * 1024;

/// `/SubFilter` of the signature dictionary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubFilter {
    /// `ETSI.CAdES.detached` (PAdES, ETSI EN 319 142-1).
    EtsiCadesDetached,
    /// `adbe.pkcs7.detached` (ISO 32000-1 PKCS#7).
    AdbePkcs7Detached,
}

impl SubFilter {
    fn name(self) -> &'static str {
        match self {
            SubFilter::EtsiCadesDetached => "ETSI.CAdES.detached",
            SubFilter::AdbePkcs7Detached => "adbe.pkcs7.detached",
        }
    }
}

/// A rectangle in default user space (points), any two opposite corners.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
}

impl Rect {
    /// Lower-left / upper-right form.
    pub fn normalized(self) -> Rect {
        Rect {
            x1: self.x1.min(self.x2),
            y1: self.y1.min(self.y2),
            x2: self.x1.max(self.x2),
            y2: self.y1.max(self.y2),
        }
    }

    pub fn width(self) -> f32 {
        self.x2 - self.x1
    }

    pub fn height(self) -> f32 {
        self.y2 - self.y1
    }

    fn to_object(self) -> Object {
        Object::Array(vec![
            Object::Real(self.x1),
            Object::Real(self.y1),
            Object::Real(self.x2),
            Object::Real(self.y2),
        ])
    }
}

impl std::str::FromStr for Rect {
    type Err = PdfError;

    /// `x1,y1,x2,y2` in points.
    fn from_str(s: &str) -> Result<Self, PdfError> {
        let v: Vec<f32> = s
            .split(',')
            .map(|p| p.trim().parse::<f32>())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                PdfError::InvalidOption(format!("rectangle '{s}': expected x1,y1,x2,y2"))
            })?;
        match v[..] {
            [x1, y1, x2, y2] if v.iter().all(|x| x.is_finite()) => Ok(Rect { x1, y1, x2, y2 }),
            _ => Err(PdfError::InvalidOption(format!(
                "rectangle '{s}': expected four numbers x1,y1,x2,y2"
            ))),
        }
    }
}

/// Where the signature widget goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Placement {
    /// `/Rect [0 0 0 0]` on the first page.
    Invisible,
    /// A box on `page` (1-based) showing `appearance`.
    Visible {
        page: u32,
        rect: Rect,
        appearance: Box<Appearance>,
    },
}

/// What the incremental update adds.
#[derive(Clone, Debug)]
pub struct SignatureRequest {
    /// Field name (`/T`); `None` picks `Signature1`, `Signature2`, …
    pub field_name: Option<String>,
    pub placement: Placement,
    pub reason: Option<String>,
    pub location: Option<String>,
    /// `/Name`: the signer's name, optional.
    pub name: Option<String>,
    pub contact_info: Option<String>,
    /// `/M`: the claimed signing time.
    pub signing_time: OffsetDateTime,
    pub sub_filter: SubFilter,
    /// Bytes reserved for the CMS in `/Contents`.
    pub contents_size: usize,
}

impl SignatureRequest {
    /// An invisible PAdES signature at `signing_time` with default room.
    pub fn new(signing_time: OffsetDateTime) -> Self {
        SignatureRequest {
            field_name: None,
            placement: Placement::Invisible,
            reason: None,
            location: None,
            name: None,
            contact_info: None,
            signing_time,
            sub_filter: SubFilter::EtsiCadesDetached,
            contents_size: DEFAULT_CONTENTS_SIZE,
        }
    }
}

fn resolve<'a>(doc: &'a lopdf::Document, o: &'a Object) -> Result<&'a Object, PdfError> {
    Ok(doc.dereference(o)?.1)
}

/// Top-level field names of an AcroForm.
fn field_names(doc: &lopdf::Document, acro: &Dictionary) -> Vec<Vec<u8>> {
    let mut names = Vec::new();
    let Ok(fields) = acro.get(b"Fields") else {
        return names;
    };
    let Ok(Object::Array(fields)) = resolve(doc, fields) else {
        return names;
    };
    for f in fields {
        if let Ok(Object::Dictionary(d)) = resolve(doc, f) {
            if let Ok(Object::String(t, _)) = d.get(b"T") {
                names.push(t.clone());
            }
        }
    }
    names
}

/// Add the field, widget, appearance, AcroForm entries and signature
/// dictionary to `inc.new_document`. Returns the field name.
pub(crate) fn add_signature(
    inc: &mut IncrementalDocument,
    req: &SignatureRequest,
) -> Result<String, PdfError> {
    if req.contents_size == 0 || req.contents_size > MAX_CONTENTS_SIZE {
        return Err(PdfError::InvalidOption(format!(
            "contents size {} (1 … {MAX_CONTENTS_SIZE})",
            req.contents_size
        )));
    }
    let prev = inc.get_prev_documents();
    let pages = prev.get_pages();
    let (page_no, rect, look) = match &req.placement {
        Placement::Invisible => (
            1,
            Rect {
                x1: 0.0,
                y1: 0.0,
                x2: 0.0,
                y2: 0.0,
            },
            None,
        ),
        Placement::Visible {
            page,
            rect,
            appearance,
        } => {
            let r = rect.normalized();
            if r.width() <= 0.0 || r.height() <= 0.0 {
                return Err(PdfError::InvalidOption(
                    "empty signature rectangle".to_string(),
                ));
            }
            (*page, r, Some(appearance.as_ref()))
        }
    };
    let page_id = *pages.get(&page_no).ok_or(PdfError::NoSuchPage {
        page: page_no,
        count: pages.len(),
    })?;
    let root_id = prev
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| PdfError::Malformed(format!("trailer /Root: {e}")))?;
    let catalog = prev.get_object(root_id).and_then(Object::as_dict)?.clone();

    // The AcroForm as it is now, and where it lives.
    let (acro_id, mut acro) = match catalog.get(b"AcroForm") {
        Ok(Object::Reference(id)) => (
            Some(*id),
            prev.get_object(*id).and_then(Object::as_dict)?.clone(),
        ),
        Ok(Object::Dictionary(d)) => (None, d.clone()),
        _ => (None, Dictionary::new()),
    };
    let names = field_names(prev, &acro);
    let name = match &req.field_name {
        Some(n) => {
            if names.iter().any(|x| x == n.as_bytes()) {
                return Err(PdfError::FieldExists(n.clone()));
            }
            n.clone()
        }
        None => (1..)
            .map(|i| format!("Signature{i}"))
            .find(|n| !names.iter().any(|x| x == n.as_bytes()))
            .unwrap_or_else(|| "Signature".into()),
    };
    let fields_ref = match acro.get(b"Fields") {
        Ok(Object::Reference(id)) => Some(*id),
        _ => None,
    };
    let annots = prev
        .get_object(page_id)
        .and_then(Object::as_dict)?
        .get(b"Annots")
        .ok()
        .cloned();

    // The signature dictionary.
    let mut sig = dictionary! {
        "Type" => "Sig",
        "Filter" => "Adobe.PPKLite",
        "SubFilter" => req.sub_filter.name(),
        "ByteRange" => vec![
            Object::Integer(0),
            Object::Integer(PLACEHOLDER_VALUE),
            Object::Integer(PLACEHOLDER_VALUE),
            Object::Integer(PLACEHOLDER_VALUE),
        ],
        "Contents" => Object::String(vec![0u8; req.contents_size], StringFormat::Hexadecimal),
        "M" => Object::string_literal(pdf_date(req.signing_time)),
    };
    for (key, value) in [
        ("Name", &req.name),
        ("Reason", &req.reason),
        ("Location", &req.location),
        ("ContactInfo", &req.contact_info),
    ] {
        if let Some(v) = value {
            sig.set(key, text_string(v));
        }
    }
    let new = &mut inc.new_document;
    let sig_id = new.add_object(sig);
    let ap_id = match look {
        Some(look) => appearance::write_appearance(new, rect.width(), rect.height(), look)?,
        None => appearance::write_appearance(
            new,
            0.0,
            0.0,
            &Appearance::new(crate::Font::liberation_serif()),
        )?,
    };
    let widget: ObjectId = new.add_object(dictionary! {
        "Type" => "Annot",
        "Subtype" => "Widget",
        "FT" => "Sig",
        "T" => text_string(&name),
        "V" => sig_id,
        // Print + Locked.
        "F" => 132,
        "Rect" => rect.to_object(),
        "P" => page_id,
        "AP" => dictionary! { "N" => ap_id },
    });

    // The page's /Annots.
    match annots {
        Some(Object::Reference(aid)) => {
            inc.opt_clone_object_to_new_document(aid)?;
            match inc.new_document.get_object_mut(aid)? {
                Object::Array(a) => a.push(widget.into()),
                _ => return Err(PdfError::Malformed("page /Annots is not an array".into())),
            }
        }
        other => {
            let mut list = match other {
                Some(Object::Array(a)) => a,
                _ => Vec::new(),
            };
            list.push(widget.into());
            inc.opt_clone_object_to_new_document(page_id)?;
            inc.new_document
                .get_object_mut(page_id)
                .and_then(Object::as_dict_mut)?
                .set("Annots", list);
        }
    }

    // The AcroForm's /Fields and /SigFlags (SignaturesExist | AppendOnly).
    match fields_ref {
        Some(fid) => {
            inc.opt_clone_object_to_new_document(fid)?;
            match inc.new_document.get_object_mut(fid)? {
                Object::Array(a) => a.push(widget.into()),
                _ => {
                    return Err(PdfError::Malformed(
                        "AcroForm /Fields is not an array".into(),
                    ))
                }
            }
        }
        None => {
            let mut list = match acro.get(b"Fields") {
                Ok(Object::Array(a)) => a.clone(),
                _ => Vec::new(),
            };
            list.push(widget.into());
            acro.set("Fields", list);
        }
    }
    let flags = acro.get(b"SigFlags").and_then(Object::as_i64).unwrap_or(0);
    acro.set("SigFlags", flags | 3);
    match acro_id {
        Some(id) => inc.new_document.set_object(id, acro),
        None => {
            let id = inc.new_document.add_object(acro);
            inc.opt_clone_object_to_new_document(root_id)?;
            inc.new_document
                .get_object_mut(root_id)
                .and_then(Object::as_dict_mut)?
                .set("AcroForm", id);
        }
    }
    Ok(name)
}
