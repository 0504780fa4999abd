//! The signature field, its widget, the AcroForm and the signature
//! dictionary (ISO 32000-1 §12.7, §12.8), added as new or updated objects
//! of an incremental update.
use lopdf::{dictionary, Dictionary, IncrementalDocument, Object, ObjectId, StringFormat};
use time::OffsetDateTime;

use crate::appearance::Appearance;
use crate::byte_range::PLACEHOLDER_VALUE;
use crate::form::{self, NewField};
use crate::mdp::{self, DocMdp, FieldLock, Permissions};
use crate::text::text_string;
use crate::{appearance, existing_field, pdf_date, PdfError};

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

    pub(crate) fn to_object(self) -> Object {
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
    /// Into the existing, empty signature field named by
    /// [`SignatureRequest::field_name`], at its widget's page and
    /// rectangle, showing `appearance`.
    InField { appearance: Box<Appearance> },
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
    /// Make it a certification signature with these DocMDP permissions.
    pub certify: Option<DocMdp>,
    /// Lock these form fields (FieldMDP) when signed.
    pub lock: Option<FieldLock>,
    /// Empty fields created in the same revision (for later signers and
    /// the clerk).
    pub new_fields: Vec<NewField>,
    /// Text fields filled in the same revision (name, value).
    pub fill: Vec<(String, String)>,
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
            certify: None,
            lock: None,
            new_fields: Vec::new(),
            fill: Vec::new(),
        }
    }
}

/// Add the signature dictionary and its field to `inc.new_document`: a
/// new field and widget, or the existing empty signature field named by
/// `req.field_name`. Writes the DocMDP or FieldMDP references asked for.
/// Returns the field name.
pub(crate) fn add_signature(
    inc: &mut IncrementalDocument,
    req: &SignatureRequest,
    perms: &Permissions,
) -> Result<String, PdfError> {
    if req.contents_size == 0 || req.contents_size > MAX_CONTENTS_SIZE {
        return Err(PdfError::InvalidOption(format!(
            "contents size {} (1 … {MAX_CONTENTS_SIZE})",
            req.contents_size
        )));
    }
    mdp::check_may_sign(perms, req.certify)?;
    let existing = form::fields(inc.get_prev_documents())?;
    let target = existing_field::target(&existing, req)?;

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
    // An existing field's /Lock applies when it is signed.
    let lock = match (&req.lock, target) {
        (Some(l), _) => Some(l.clone()),
        (None, Some(f)) => existing_field::field_lock(inc, f)?,
        (None, None) => None,
    };
    let mut references = Vec::new();
    if let Some(p) = req.certify {
        references.push(Object::Dictionary(mdp::docmdp_reference(p)));
    }
    if let Some(l) = &lock {
        references.push(Object::Dictionary(mdp::fieldmdp_reference(l)));
    }
    if !references.is_empty() {
        sig.set("Reference", references);
    }
    let sig_id = inc.new_document.add_object(sig);
    if req.certify.is_some() {
        let catalog = form::catalog_mut(inc)?;
        let mut perms_dict = match catalog.get(b"Perms") {
            Ok(Object::Dictionary(d)) => d.clone(),
            _ => Dictionary::new(),
        };
        perms_dict.set("DocMDP", sig_id);
        catalog.set("Perms", perms_dict);
    }
    let look: Option<&Appearance> = match &req.placement {
        Placement::Visible { appearance, .. } | Placement::InField { appearance } => {
            Some(appearance.as_ref())
        }
        Placement::Invisible => None,
    };
    if let Some(field) = target {
        existing_field::sign_into(inc, field, sig_id, look)?;
        set_sig_flags(inc)?;
        return Ok(field.name.clone());
    }

    let (page_no, rect) = match &req.placement {
        Placement::Invisible => (
            1,
            Rect {
                x1: 0.0,
                y1: 0.0,
                x2: 0.0,
                y2: 0.0,
            },
        ),
        Placement::Visible { page, rect, .. } => {
            let r = rect.normalized();
            if r.width() <= 0.0 || r.height() <= 0.0 {
                return Err(PdfError::InvalidOption(
                    "empty signature rectangle".to_string(),
                ));
            }
            (*page, r)
        }
        Placement::InField { .. } => unreachable!("existing_field::target handles InField"),
    };
    let page_id = crate::pages::page_id(inc.get_prev_documents(), page_no)?;
    let taken = |n: &str| {
        existing.iter().any(|f| f.name == n) || req.new_fields.iter().any(|f| f.name == n)
    };
    let name = match &req.field_name {
        Some(n) => {
            if taken(n) {
                return Err(PdfError::FieldExists(n.clone()));
            }
            n.clone()
        }
        None => (1..)
            .map(|i| format!("Signature{i}"))
            .find(|n| !taken(n))
            .unwrap_or_else(|| "Signature".into()),
    };

    let new = &mut inc.new_document;
    let ap_id = match look {
        Some(look) => appearance::write_appearance(new, rect.width(), rect.height(), look)?,
        None => appearance::write_appearance(
            new,
            0.0,
            0.0,
            &Appearance::new(crate::Font::liberation_serif()),
        )?,
    };
    let mut widget_dict = dictionary! {
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
    };
    if let Some(l) = &lock {
        widget_dict.set("Lock", mdp::lock_dict(l));
    }
    let widget: ObjectId = new.add_object(widget_dict);
    form::push_annot(inc, page_id, widget)?;
    let acro = form::acroform_id(inc)?;
    form::push_field(inc, acro, widget)?;
    set_sig_flags(inc)?;
    Ok(name)
}

/// AcroForm `/SigFlags` SignaturesExist | AppendOnly, written only when
/// it changes.
fn set_sig_flags(inc: &mut IncrementalDocument) -> Result<(), PdfError> {
    let acro = form::acroform_id(inc)?;
    let flags = form::current(inc, acro)?
        .as_dict()?
        .get(b"SigFlags")
        .and_then(Object::as_i64)
        .unwrap_or(0);
    if flags & 3 != 3 {
        form::dict_mut(inc, acro)?.set("SigFlags", flags | 3);
    }
    Ok(())
}
