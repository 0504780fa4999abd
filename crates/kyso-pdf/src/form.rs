//! Interactive form fields (ISO 32000-1 §12.7): walking the field tree,
//! creating text fields and empty signature fields in an incremental
//! update, and filling text fields (`/V` plus a regenerated widget
//! appearance).
//!
//! A filled text field's appearance draws its NFC value with an embedded
//! subset of the signature appearances' Vietnamese font (Liberation Serif,
//! Type0/Identity-H with ToUnicode), so `123/QĐ-UBND` shows as written and
//! extracts as written; `/V` holds the same text. The `/DA` and `/DR`
//! name the standard Helvetica, as viewers expect for fields they edit.
use std::collections::HashSet;

use lopdf::{dictionary, Dictionary, Document, IncrementalDocument, Object, ObjectId, Stream};
use unicode_normalization::UnicodeNormalization;

use crate::appearance::{Appearance, Item, Rgb};
use crate::field::Rect;
use crate::font::Font;
use crate::mdp::{DocMdp, Permissions};
use crate::text::text_string;
use crate::PdfError;

/// Deepest field tree walked.
const MAX_DEPTH: usize = 32;
/// Most fields read from one form.
const MAX_FIELDS: usize = 100_000;
/// Longest value accepted for a text field, in characters.
const MAX_VALUE_CHARS: usize = 4096;
/// Default font size of kyso's text fields.
const DEFAULT_FONT_SIZE: f32 = 11.0;

/// Kind of a terminal field (`/FT`, inherited).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Signature,
    Other,
}

/// A terminal field of the form.
#[derive(Clone, Debug)]
pub struct Field {
    /// Fully qualified name (partial names joined with `.`).
    pub name: String,
    pub id: ObjectId,
    pub kind: FieldKind,
    /// Its widget annotations (the field itself when merged).
    pub widgets: Vec<ObjectId>,
    /// Field flags `/Ff` (inherited).
    pub flags: i64,
}

impl Field {
    /// The signature dictionary `/V` of a signed signature field.
    pub fn value_dict(&self, doc: &Document) -> Option<Dictionary> {
        let d = doc.get_object(self.id).and_then(Object::as_dict).ok()?;
        match doc.dereference(d.get(b"V").ok()?) {
            Ok((_, Object::Dictionary(v))) => Some(v.clone()),
            _ => None,
        }
    }
}

/// A new field created by the signer's revision.
#[derive(Clone, Debug, PartialEq)]
pub struct NewField {
    pub name: String,
    pub kind: NewFieldKind,
    /// 1-based page.
    pub page: u32,
    pub rect: Rect,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewFieldKind {
    /// An empty single-line text field.
    Text,
    /// An empty signature field, placed, for a later signer.
    Signature,
}

impl NewField {
    /// Parse `NAME@PAGE:x1,y1,x2,y2` (or `NAME@x1,y1,x2,y2` on page 1).
    pub fn parse(s: &str, kind: NewFieldKind) -> Result<NewField, PdfError> {
        let bad = || {
            PdfError::InvalidOption(format!(
                "trường '{s}': cần TÊN@TRANG:x1,y1,x2,y2 / field '{s}': expected NAME@PAGE:x1,y1,x2,y2"
            ))
        };
        let (name, place) = s.rsplit_once('@').ok_or_else(bad)?;
        let (page, rect) = match place.split_once(':') {
            Some((p, r)) => (p.trim().parse::<u32>().map_err(|_| bad())?, r),
            None => (1, place),
        };
        let name = name.trim();
        if name.is_empty() || name.contains('.') || page == 0 {
            return Err(bad());
        }
        Ok(NewField {
            name: name.to_string(),
            kind,
            page,
            rect: rect.parse()?,
        })
    }
}

/// Decode a PDF text string (UTF-16BE with BOM, UTF-8 with BOM, else
/// PDFDocEncoding read as Latin-1).
pub(crate) fn decode_text(b: &[u8]) -> String {
    if let Some(rest) = b.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = b.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        b.iter().map(|&c| c as char).collect()
    }
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Object> {
    doc.dereference(o).ok().map(|(_, o)| o)
}

/// The terminal fields of `doc`'s AcroForm, in tree order.
pub fn fields(doc: &Document) -> Result<Vec<Field>, PdfError> {
    let catalog = doc
        .catalog()
        .map_err(|e| PdfError::Malformed(format!("no catalog: {e}")))?;
    let Some(Object::Dictionary(acro)) = catalog.get(b"AcroForm").ok().and_then(|o| deref(doc, o))
    else {
        return Ok(Vec::new());
    };
    let Some(Object::Array(top)) = acro.get(b"Fields").ok().and_then(|o| deref(doc, o)) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for f in top {
        if let Object::Reference(id) = f {
            walk(doc, *id, "", None, 0, 0, &mut seen, &mut out)?;
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn walk(
    doc: &Document,
    id: ObjectId,
    prefix: &str,
    ft: Option<Vec<u8>>,
    flags: i64,
    depth: usize,
    seen: &mut HashSet<ObjectId>,
    out: &mut Vec<Field>,
) -> Result<(), PdfError> {
    if depth > MAX_DEPTH || seen.len() > MAX_FIELDS {
        return Err(PdfError::Malformed(
            "cây trường biểu mẫu quá sâu hoặc quá lớn / form field tree too deep or too large"
                .into(),
        ));
    }
    if !seen.insert(id) {
        return Ok(());
    }
    let Ok(d) = doc.get_object(id).and_then(Object::as_dict) else {
        return Ok(());
    };
    let partial = match d.get(b"T") {
        Ok(Object::String(t, _)) => Some(decode_text(t)),
        _ => None,
    };
    let name = match (&partial, prefix.is_empty()) {
        (Some(p), true) => p.clone(),
        (Some(p), false) => format!("{prefix}.{p}"),
        (None, _) => prefix.to_string(),
    };
    let ft = match d.get(b"FT").and_then(Object::as_name) {
        Ok(n) => Some(n.to_vec()),
        Err(_) => ft,
    };
    let flags = d.get(b"Ff").and_then(Object::as_i64).unwrap_or(flags);
    let kids: Vec<ObjectId> = match d.get(b"Kids").ok().and_then(|o| deref(doc, o)) {
        Some(Object::Array(a)) => a.iter().filter_map(|k| k.as_reference().ok()).collect(),
        _ => Vec::new(),
    };
    let child_fields: Vec<ObjectId> = kids
        .iter()
        .copied()
        .filter(|k| {
            doc.get_object(*k)
                .and_then(Object::as_dict)
                .is_ok_and(|kd| kd.has(b"T"))
        })
        .collect();
    if !child_fields.is_empty() {
        for k in child_fields {
            walk(doc, k, &name, ft.clone(), flags, depth + 1, seen, out)?;
        }
        return Ok(());
    }
    let widgets = if kids.is_empty() { vec![id] } else { kids };
    let kind = match ft.as_deref() {
        Some(b"Tx") => FieldKind::Text,
        Some(b"Sig") => FieldKind::Signature,
        _ => FieldKind::Other,
    };
    out.push(Field {
        name,
        id,
        kind,
        widgets,
        flags,
    });
    Ok(())
}

/// An object as it stands in the update: the new revision's copy if any,
/// else the previous revisions'.
pub(crate) fn current(inc: &IncrementalDocument, id: ObjectId) -> Result<&Object, PdfError> {
    match inc.new_document.objects.get(&id) {
        Some(o) => Ok(o),
        None => Ok(inc.get_prev_documents().get_object(id)?),
    }
}

/// A mutable dictionary of the update, copied from the previous revisions
/// on first change.
pub(crate) fn dict_mut(
    inc: &mut IncrementalDocument,
    id: ObjectId,
) -> Result<&mut Dictionary, PdfError> {
    inc.opt_clone_object_to_new_document(id)?;
    Ok(inc.new_document.get_object_mut(id)?.as_dict_mut()?)
}

fn root_id(inc: &IncrementalDocument) -> Result<ObjectId, PdfError> {
    inc.get_prev_documents()
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| PdfError::Malformed(format!("trailer /Root: {e}")))
}

/// The catalog's id, copied into the update (for `/Perms` or `/AcroForm`).
pub(crate) fn catalog_mut(inc: &mut IncrementalDocument) -> Result<&mut Dictionary, PdfError> {
    let id = root_id(inc)?;
    dict_mut(inc, id)
}

/// The AcroForm as an indirect object: an inline AcroForm is moved to an
/// object of its own, a missing one is created.
pub(crate) fn acroform_id(inc: &mut IncrementalDocument) -> Result<ObjectId, PdfError> {
    let root = root_id(inc)?;
    let catalog = current(inc, root)?.as_dict()?.clone();
    let acro = match catalog.get(b"AcroForm") {
        Ok(Object::Reference(id)) => return Ok(*id),
        Ok(Object::Dictionary(d)) => d.clone(),
        _ => dictionary! { "Fields" => Vec::<Object>::new() },
    };
    let id = inc.new_document.add_object(acro);
    dict_mut(inc, root)?.set("AcroForm", id);
    Ok(id)
}

/// Append `field` to the AcroForm's `/Fields`.
pub(crate) fn push_field(
    inc: &mut IncrementalDocument,
    acro: ObjectId,
    field: ObjectId,
) -> Result<(), PdfError> {
    match current(inc, acro)?.as_dict()?.get(b"Fields") {
        Ok(Object::Reference(fid)) => {
            let fid = *fid;
            inc.opt_clone_object_to_new_document(fid)?;
            match inc.new_document.get_object_mut(fid)? {
                Object::Array(a) => a.push(field.into()),
                _ => {
                    return Err(PdfError::Malformed(
                        "AcroForm /Fields is not an array".into(),
                    ))
                }
            }
        }
        Ok(Object::Array(_)) | Err(_) => {
            let d = dict_mut(inc, acro)?;
            let mut list = match d.get(b"Fields") {
                Ok(Object::Array(a)) => a.clone(),
                _ => Vec::new(),
            };
            list.push(field.into());
            d.set("Fields", list);
        }
        Ok(_) => {
            return Err(PdfError::Malformed(
                "AcroForm /Fields is not an array".into(),
            ))
        }
    }
    Ok(())
}

/// Append `annot` to the page's `/Annots`.
pub(crate) fn push_annot(
    inc: &mut IncrementalDocument,
    page: ObjectId,
    annot: ObjectId,
) -> Result<(), PdfError> {
    match current(inc, page)?.as_dict()?.get(b"Annots") {
        Ok(Object::Reference(aid)) => {
            let aid = *aid;
            inc.opt_clone_object_to_new_document(aid)?;
            match inc.new_document.get_object_mut(aid)? {
                Object::Array(a) => a.push(annot.into()),
                _ => return Err(PdfError::Malformed("page /Annots is not an array".into())),
            }
        }
        _ => {
            let d = dict_mut(inc, page)?;
            let mut list = match d.get(b"Annots") {
                Ok(Object::Array(a)) => a.clone(),
                _ => Vec::new(),
            };
            list.push(annot.into());
            d.set("Annots", list);
        }
    }
    Ok(())
}

/// A number for a content stream, two decimals at most.
fn num(x: f32) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.into()
    }
}

/// The standard Helvetica of text-field appearances.
fn helv() -> Dictionary {
    dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    }
}

fn default_appearance(size: f32) -> Object {
    Object::string_literal(format!("/Helv {} Tf 0 g", num(size)))
}

/// Add the new fields (empty, placed, each its own widget) to the update.
/// Names must be new. Returns the names added.
pub(crate) fn add_fields(
    inc: &mut IncrementalDocument,
    new: &[NewField],
) -> Result<Vec<String>, PdfError> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let existing: Vec<String> = fields(inc.get_prev_documents())?
        .into_iter()
        .map(|f| f.name)
        .collect();
    let mut added: Vec<String> = Vec::new();
    let acro = acroform_id(inc)?;
    for f in new {
        if existing.iter().chain(added.iter()).any(|n| *n == f.name) {
            return Err(PdfError::FieldExists(f.name.clone()));
        }
        let page_id = crate::pages::page_id(inc.get_prev_documents(), f.page)?;
        let r = f.rect.normalized();
        if r.x2 - r.x1 <= 0.0 || r.y2 - r.y1 <= 0.0 {
            return Err(PdfError::InvalidOption(format!(
                "trường '{}' có khung rỗng / field '{}' has an empty rectangle",
                f.name, f.name
            )));
        }
        let mut widget = dictionary! {
            "Type" => "Annot",
            "Subtype" => "Widget",
            "T" => text_string(&f.name),
            // Print.
            "F" => 4,
            "Rect" => r.to_object(),
            "P" => page_id,
        };
        match f.kind {
            NewFieldKind::Text => {
                widget.set("FT", "Tx");
                widget.set("DA", default_appearance(DEFAULT_FONT_SIZE));
                let ap = text_appearance(
                    &mut inc.new_document,
                    r.x2 - r.x1,
                    r.y2 - r.y1,
                    DEFAULT_FONT_SIZE,
                    "",
                )?;
                widget.set("AP", dictionary! { "N" => ap });
            }
            NewFieldKind::Signature => widget.set("FT", "Sig"),
        }
        let id = inc.new_document.add_object(widget);
        push_annot(inc, page_id, id)?;
        push_field(inc, acro, id)?;
        added.push(f.name.clone());
    }
    // The default resources and appearance the text fields' /DA names.
    let d = dict_mut(inc, acro)?;
    let mut dr = match d.get(b"DR") {
        Ok(Object::Dictionary(dr)) => dr.clone(),
        _ => Dictionary::new(),
    };
    if !matches!(d.get(b"DR"), Ok(Object::Reference(_))) {
        let mut fonts = match dr.get(b"Font") {
            Ok(Object::Dictionary(f)) => f.clone(),
            _ => Dictionary::new(),
        };
        if !fonts.has(b"Helv") {
            fonts.set("Helv", helv());
            dr.set("Font", fonts);
            d.set("DR", dr);
        }
    }
    if !d.has(b"DA") {
        d.set("DA", default_appearance(DEFAULT_FONT_SIZE));
    }
    Ok(added)
}

/// The normal appearance of a single-line text field showing `value`,
/// added to `doc`: empty, or the text in the embedded font, vertically
/// centred, clipped to the box by its `/BBox`.
pub(crate) fn text_appearance(
    doc: &mut Document,
    width: f32,
    height: f32,
    size: f32,
    value: &str,
) -> Result<ObjectId, PdfError> {
    if value.is_empty() {
        let dict = dictionary! {
            "Type" => "XObject",
            "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), Object::Real(width), Object::Real(height)],
            "Resources" => Dictionary::new(),
        };
        return Ok(doc.add_object(Stream::new(dict, b"/Tx BMC\nEMC\n".to_vec())));
    }
    // Auto size (0) fits the height.
    let size = if size <= 0.0 {
        ((height - 4.0) * 0.7).clamp(4.0, 12.0)
    } else {
        size
    };
    let mut look = Appearance::new(Font::liberation_serif());
    look.items.push(Item::Text {
        x: 2.0,
        y: ((height - size * 0.72) / 2.0).max(1.0),
        size,
        color: Rgb::BLACK,
        text: value.nfc().collect(),
    });
    crate::appearance::write_appearance(doc, width, height, &look)
}

/// The font size of a `/DA` string (`/Font size Tf`), if any.
fn da_font_size(da: &[u8]) -> Option<f32> {
    let s = String::from_utf8_lossy(da);
    let toks: Vec<&str> = s.split_whitespace().collect();
    let i = toks.iter().rposition(|t| *t == "Tf")?;
    toks.get(i.checked_sub(1)?)?.parse().ok()
}

/// How far a fill may go against the document's permissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FillPolicy {
    /// Refuse fields locked by a signature and documents certified P1.
    Respect,
    /// Fill anyway (the earlier signature will report the change).
    Force,
}

/// Set the values of existing text fields in the update: `/V` as the NFC
/// text and a new appearance for each widget. Refuses unknown fields,
/// signature and other non-text fields, read-only fields, and (with
/// [`FillPolicy::Respect`]) fields locked by a FieldMDP signature and
/// documents certified with P1.
pub(crate) fn fill(
    inc: &mut IncrementalDocument,
    values: &[(String, String)],
    perms: &Permissions,
    policy: FillPolicy,
) -> Result<(), PdfError> {
    if values.is_empty() {
        return Ok(());
    }
    let refuse = |name: &str, why: &str| PdfError::Fill {
        field: name.to_string(),
        reason: why.to_string(),
    };
    if policy == FillPolicy::Respect && perms.certification == Some(DocMdp::NoChanges) {
        return Err(refuse(
            &values[0].0,
            "tài liệu được chứng nhận P1, không cho phép thay đổi / the document is certified P1: no change is allowed",
        ));
    }
    let all = fields(inc.get_prev_documents())?;
    let mut done: Vec<&str> = Vec::new();
    for (name, value) in values {
        if done.contains(&name.as_str()) {
            return Err(refuse(name, "trường được gán hai lần / field set twice"));
        }
        let value: String = value.nfc().collect();
        if value.chars().count() > MAX_VALUE_CHARS {
            return Err(refuse(name, "giá trị quá dài / value too long"));
        }
        if value.chars().any(|c| c.is_control()) {
            return Err(refuse(
                name,
                "giá trị có ký tự điều khiển / value holds control characters",
            ));
        }
        let field = all.iter().find(|f| f.name == *name).ok_or_else(|| {
            refuse(
                name,
                "không có trường này trong tài liệu / no such field in the document",
            )
        })?;
        match field.kind {
            FieldKind::Text => {}
            FieldKind::Signature => {
                return Err(refuse(
                    name,
                    "là trường chữ ký, hãy dùng kyso sign --field / is a signature field: use kyso sign --field",
                ))
            }
            FieldKind::Other => {
                return Err(refuse(
                    name,
                    "không phải trường văn bản / is not a text field",
                ))
            }
        }
        // Ff bit 1: ReadOnly.
        if field.flags & 1 != 0 {
            return Err(refuse(name, "trường chỉ đọc / the field is read-only"));
        }
        if policy == FillPolicy::Respect && perms.is_locked(name) {
            return Err(refuse(
                name,
                "trường đã bị khóa bởi một chữ ký / the field is locked by a signature",
            ));
        }
        let da = current(inc, field.id)?
            .as_dict()?
            .get(b"DA")
            .and_then(Object::as_str)
            .map(|b| b.to_vec())
            .ok();
        dict_mut(inc, field.id)?.set("V", text_string(&value));
        for &w in &field.widgets {
            let wd = current(inc, w)?.as_dict()?;
            let rect = rect_of(wd)?;
            let size = wd
                .get(b"DA")
                .and_then(Object::as_str)
                .ok()
                .and_then(da_font_size)
                .or_else(|| da.as_deref().and_then(da_font_size))
                .unwrap_or(DEFAULT_FONT_SIZE);
            let ap = text_appearance(
                &mut inc.new_document,
                rect.x2 - rect.x1,
                rect.y2 - rect.y1,
                size,
                &value,
            )?;
            dict_mut(inc, w)?.set("AP", dictionary! { "N" => ap });
        }
        done.push(name);
    }
    Ok(())
}

/// A widget's `/Rect`, normalized.
pub(crate) fn rect_of(widget: &Dictionary) -> Result<Rect, PdfError> {
    let bad = || PdfError::Malformed("widget /Rect is not four numbers".into());
    let a = widget
        .get(b"Rect")
        .and_then(Object::as_array)
        .map_err(|_| bad())?;
    let v: Vec<f32> = a.iter().filter_map(|o| o.as_float().ok()).collect();
    match v[..] {
        [x1, y1, x2, y2] if v.iter().all(|x| x.is_finite()) => {
            Ok(Rect { x1, y1, x2, y2 }.normalized())
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filled_value_is_drawn_in_the_embedded_font() {
        let mut doc = Document::with_version("1.7");
        let id = text_appearance(&mut doc, 120.0, 20.0, 0.0, "123/QĐ-UBND").unwrap();
        let ap = doc.get_object(id).unwrap().as_stream().unwrap();
        let font = ap.dict.get(b"Resources").unwrap().as_dict().unwrap();
        let f1 = font
            .get(b"Font")
            .unwrap()
            .as_dict()
            .unwrap()
            .get(b"F1")
            .unwrap();
        let f1 = doc
            .get_object(f1.as_reference().unwrap())
            .unwrap()
            .as_dict()
            .unwrap();
        assert_eq!(f1.get(b"Subtype").unwrap().as_name().unwrap(), b"Type0");
        assert!(f1.has(b"ToUnicode"));
        let empty = text_appearance(&mut doc, 120.0, 20.0, 0.0, "").unwrap();
        let empty = doc.get_object(empty).unwrap().as_stream().unwrap();
        assert_eq!(empty.content, b"/Tx BMC\nEMC\n");
    }

    #[test]
    fn new_field_specs_parse() {
        let f = NewField::parse("so_ky_hieu@2:10,20,110,40", NewFieldKind::Text).unwrap();
        assert_eq!((f.name.as_str(), f.page), ("so_ky_hieu", 2));
        assert_eq!(f.rect.x2, 110.0);
        let f = NewField::parse("seal@10,20,110,40", NewFieldKind::Signature).unwrap();
        assert_eq!(f.page, 1);
        for bad in [
            "seal",
            "@1:1,2,3,4",
            "a.b@1:1,2,3,4",
            "s@0:1,2,3,4",
            "s@1:1,2",
        ] {
            assert!(NewField::parse(bad, NewFieldKind::Text).is_err(), "{bad}");
        }
    }

    #[test]
    fn da_size_and_text_decode() {
        assert_eq!(da_font_size(b"/Helv 12 Tf 0 g"), Some(12.0));
        assert_eq!(da_font_size(b"0 g"), None);
        assert_eq!(decode_text(&[0xfe, 0xff, 0x01, 0x10]), "Đ");
        assert_eq!(decode_text(b"abc"), "abc");
    }
}
