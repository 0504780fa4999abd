//! Reading signature fields and signature dictionaries (ISO 32000-1
//! §12.7.4.5, §12.8.1; ISO 32000-2 §12.8.5 document time-stamps):
//! `/ByteRange`, `/Contents`, `/SubFilter`, `/M`, the DocMDP and FieldMDP
//! transforms of `/Reference`, and the field `/Lock`.
use std::collections::HashSet;

use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::PdfError;

/// Deepest field hierarchy walked.
const MAX_FIELD_DEPTH: usize = 32;
/// At most this many fields are read.
const MAX_FIELDS: usize = 100_000;

/// A signature dictionary (`/Type /Sig`) or a document time-stamp
/// (`/Type /DocTimeStamp`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureKind {
    Signature,
    DocTimeStamp,
}

/// Which fields a FieldMDP transform or a field `/Lock` covers (a lock
/// on `parent` covers `parent.child`, ISO 32000-1 §12.7.4.5).
pub use crate::mdp::FieldLock;

/// A filled signature field as read from a document.
#[derive(Clone, Debug)]
pub struct SignatureField {
    /// Fully qualified field name (`parent.child`).
    pub name: String,
    /// The field object (the widget when merged).
    pub field_id: Option<ObjectId>,
    /// The signature dictionary object, when indirect.
    pub signature_id: Option<ObjectId>,
    pub kind: SignatureKind,
    pub filter: String,
    pub sub_filter: String,
    /// `/ByteRange` as written (any number of integers).
    pub byte_range: Vec<i64>,
    /// `/Contents`, decoded.
    pub contents: Vec<u8>,
    /// `/M`, as written.
    pub m: Option<String>,
    pub signer_name: Option<String>,
    pub reason: Option<String>,
    pub location: Option<String>,
    /// DocMDP permission level /P (1, 2 or 3) when this is a
    /// certification signature.
    pub doc_mdp: Option<u8>,
    /// FieldMDP transform of the signature's `/Reference`.
    pub field_mdp: Option<FieldLock>,
    /// The field's `/Lock` dictionary.
    pub lock: Option<FieldLock>,
    /// Why the signature dictionary the field refers to is malformed (it
    /// cannot be parsed, is not a dictionary, or its `/ByteRange` or
    /// `/Contents` has the wrong type), "Vietnamese / English". A
    /// verifier reports such a field as a signature with a format failure
    /// rather than as no signature (signature wrapping).
    pub problem: Option<String>,
}

fn text(o: &Object) -> Option<String> {
    match o {
        Object::String(b, _) => Some(decode_text(b)),
        Object::Name(n) => Some(String::from_utf8_lossy(n).into_owned()),
        _ => None,
    }
}

/// PDF text string: UTF-16BE with BOM, UTF-8 with BOM, else
/// PDFDocEncoding (read as Latin-1, which agrees on printable ASCII).
pub fn decode_text(b: &[u8]) -> String {
    if b.starts_with(&[0xfe, 0xff]) {
        let units: Vec<u16> = b[2..]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if b.starts_with(&[0xef, 0xbb, 0xbf]) {
        String::from_utf8_lossy(&b[3..]).into_owned()
    } else {
        b.iter().map(|&c| c as char).collect()
    }
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Object> {
    doc.dereference(o).ok().map(|(_, o)| o)
}

fn dict_of<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    match deref(doc, o)? {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

fn get<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    d.get(key).ok().and_then(|o| deref(doc, o))
}

fn name_list(doc: &Document, o: Option<&Object>) -> Vec<String> {
    match o.and_then(|o| deref(doc, o)) {
        Some(Object::Array(a)) => a
            .iter()
            .filter_map(|x| deref(doc, x).and_then(text))
            .collect(),
        _ => Vec::new(),
    }
}

/// Reads a FieldMDP-style dictionary (`/Action /All|/Include|/Exclude`,
/// `/Fields [...]`).
fn field_lock(doc: &Document, d: &Dictionary) -> Option<FieldLock> {
    let action = get(doc, d, b"Action").and_then(text)?;
    let fields = name_list(doc, d.get(b"Fields").ok());
    Some(match action.as_str() {
        "All" => FieldLock::All,
        "Include" => FieldLock::Include(fields),
        "Exclude" => FieldLock::Exclude(fields),
        // An unknown action is read as the strictest.
        _ => FieldLock::All,
    })
}

/// The catalog's AcroForm `/Fields` walked depth-first; every signature
/// field whose `/V` is a signature dictionary, in document order.
pub fn signature_fields(doc: &Document) -> Result<Vec<SignatureField>, PdfError> {
    let catalog = doc
        .catalog()
        .map_err(|e| PdfError::Malformed(format!("no catalog: {e}")))?;
    let Some(acroform) = catalog.get(b"AcroForm").ok().and_then(|o| dict_of(doc, o)) else {
        return Ok(Vec::new());
    };
    let mut out: Vec<SignatureField> = Vec::new();
    let mut seen = HashSet::new();
    let mut count = 0usize;
    if let Some(Object::Array(fields)) = get(doc, acroform, b"Fields") {
        for f in fields {
            walk(doc, f, "", None, 0, &mut seen, &mut count, &mut out)?;
        }
    }
    // One signature dictionary reached through two fields (a field and a
    // copy of it, or a kid listed again at the top) is one signature.
    let mut signatures = HashSet::new();
    out.retain(|f| f.signature_id.is_none_or(|id| signatures.insert(id)));
    Ok(out)
}

/// The fully qualified name of the field `d` from its `/Parent` chain
/// (ISO 32000-1 §12.7.3.2), at most [`MAX_FIELD_DEPTH`] levels.
fn qualified_name(doc: &Document, d: &Dictionary) -> String {
    let mut parts = Vec::new();
    let mut cur = Some(d);
    for _ in 0..MAX_FIELD_DEPTH {
        let Some(f) = cur else { break };
        if let Some(t) = get(doc, f, b"T").and_then(text) {
            parts.push(t);
        }
        cur = f.get(b"Parent").ok().and_then(|p| dict_of(doc, p));
    }
    parts.reverse();
    parts.join(".")
}

#[allow(clippy::too_many_arguments)]
fn walk(
    doc: &Document,
    field: &Object,
    parent_name: &str,
    inherited_ft: Option<&[u8]>,
    depth: usize,
    seen: &mut HashSet<ObjectId>,
    count: &mut usize,
    out: &mut Vec<SignatureField>,
) -> Result<(), PdfError> {
    if depth > MAX_FIELD_DEPTH {
        return Err(PdfError::Malformed("form field tree too deep".into()));
    }
    *count += 1;
    if *count > MAX_FIELDS {
        return Err(PdfError::Malformed("too many form fields".into()));
    }
    let id = field.as_reference().ok();
    if let Some(id) = id {
        if !seen.insert(id) {
            return Ok(()); // a cycle or a field listed twice
        }
    }
    let Some(d) = dict_of(doc, field) else {
        return Ok(());
    };
    let partial = get(doc, d, b"T").and_then(text);
    let name = match (&partial, parent_name.is_empty()) {
        // A field listed at the top although it has a parent (it is
        // reached from both): its name comes from its /Parent chain.
        (Some(_), true) if d.has(b"Parent") => qualified_name(doc, d),
        (Some(t), true) => t.clone(),
        (Some(t), false) => format!("{parent_name}.{t}"),
        (None, _) => parent_name.to_string(),
    };
    let ft = match get(doc, d, b"FT") {
        Some(Object::Name(n)) => Some(n.as_slice()),
        _ => inherited_ft,
    };
    if let Some(Object::Array(kids)) = get(doc, d, b"Kids") {
        // Kids that are fields (have /T) are walked; widget-only kids are not fields.
        for k in kids {
            if dict_of(doc, k).is_some_and(|kd| kd.has(b"T")) {
                walk(doc, k, &name, ft, depth + 1, seen, count, out)?;
            }
        }
    }
    if ft != Some(b"Sig".as_slice()) {
        return Ok(());
    }
    let Some(v_obj) = d.get(b"V").ok() else {
        return Ok(());
    };
    let signature_id = v_obj.as_reference().ok();
    let empty = Dictionary::new();
    let mut problem = None;
    let sig = match deref(doc, v_obj) {
        Some(Object::Dictionary(s)) => s,
        // A direct null is an empty field (ISO 32000-1 §7.3.9).
        Some(Object::Null) if signature_id.is_none() => return Ok(()),
        Some(other) => {
            problem = Some(format!(
                "giá trị /V của trường chữ ký là {} thay vì từ điển chữ ký / the signature field's /V is a {} instead of a signature dictionary",
                other.enum_variant(),
                other.enum_variant()
            ));
            &empty
        }
        None => {
            let (n, g) = signature_id.unwrap_or((0, 0));
            problem = Some(if doc.reference_table.get(n).is_some() {
                format!("từ điển chữ ký (đối tượng {n} {g}) không phân tích được: có thể bị chèn đối tượng khác vào (signature wrapping) / the signature dictionary (object {n} {g}) cannot be parsed: other objects may have been wrapped into it")
            } else {
                format!("từ điển chữ ký (đối tượng {n} {g}) không có trong tệp / the signature dictionary (object {n} {g}) is missing from the file")
            });
            &empty
        }
    };
    // ISO 32000-2 §12.8.5: a document time-stamp is /Type /DocTimeStamp
    // with /SubFilter /ETSI.RFC3161; producers also write /Type /Sig or
    // no /Type with that SubFilter, which is a time-stamp all the same.
    let sub_filter = get(doc, sig, b"SubFilter")
        .and_then(text)
        .unwrap_or_default();
    let kind = match get(doc, sig, b"Type").and_then(text).as_deref() {
        Some("DocTimeStamp") => SignatureKind::DocTimeStamp,
        _ if sub_filter == "ETSI.RFC3161" => SignatureKind::DocTimeStamp,
        _ => SignatureKind::Signature,
    };
    let byte_range = match get(doc, sig, b"ByteRange") {
        Some(Object::Array(a)) => {
            let v: Vec<Option<i64>> = a
                .iter()
                .map(|x| match deref(doc, x) {
                    Some(Object::Integer(i)) => Some(*i),
                    _ => None,
                })
                .collect();
            if problem.is_none() && v.contains(&None) {
                problem = Some("/ByteRange chứa giá trị không phải số nguyên / /ByteRange holds a value that is not an integer".into());
            }
            v.into_iter().map(|x| x.unwrap_or(-1)).collect()
        }
        Some(_) if problem.is_none() => {
            problem = Some("/ByteRange không phải một mảng / /ByteRange is not an array".into());
            Vec::new()
        }
        None if problem.is_none() => {
            problem = Some(
                "từ điển chữ ký thiếu /ByteRange / the signature dictionary has no /ByteRange"
                    .into(),
            );
            Vec::new()
        }
        _ => Vec::new(),
    };
    let contents = match sig.get(b"Contents") {
        Ok(Object::String(b, _)) => b.clone(),
        Ok(_) if problem.is_none() => {
            // An indirect /Contents is not covered by the ByteRange gap.
            problem = Some("/Contents không phải chuỗi trực tiếp trong từ điển chữ ký / /Contents is not a direct string in the signature dictionary".into());
            Vec::new()
        }
        Err(_) if problem.is_none() => {
            problem = Some(
                "từ điển chữ ký thiếu /Contents / the signature dictionary has no /Contents".into(),
            );
            Vec::new()
        }
        _ => Vec::new(),
    };
    let mut doc_mdp = None;
    let mut field_mdp = None;
    if let Some(Object::Array(refs)) = get(doc, sig, b"Reference") {
        for r in refs {
            let Some(rd) = dict_of(doc, r) else { continue };
            let method = get(doc, rd, b"TransformMethod").and_then(text);
            let params = get(doc, rd, b"TransformParams").and_then(|o| dict_of(doc, o));
            match (method.as_deref(), params) {
                (Some("DocMDP"), p) => {
                    let level = p
                        .and_then(|p| get(doc, p, b"P"))
                        .and_then(|o| o.as_i64().ok())
                        .unwrap_or(2);
                    doc_mdp = Some(level.clamp(1, 3) as u8);
                }
                (Some("FieldMDP"), Some(p)) => field_mdp = field_lock(doc, p),
                _ => {}
            }
        }
    }
    let lock = get(doc, d, b"Lock")
        .and_then(|o| dict_of(doc, o))
        .and_then(|l| field_lock(doc, l));
    out.push(SignatureField {
        name,
        field_id: id,
        signature_id,
        kind,
        filter: get(doc, sig, b"Filter").and_then(text).unwrap_or_default(),
        sub_filter,
        byte_range,
        contents,
        m: get(doc, sig, b"M").and_then(text),
        signer_name: get(doc, sig, b"Name").and_then(text),
        reason: get(doc, sig, b"Reason").and_then(text),
        location: get(doc, sig, b"Location").and_then(text),
        doc_mdp,
        field_mdp,
        lock,
        problem,
    });
    Ok(())
}

/// Parses a PDF date (`D:YYYYMMDDHHmmSSOHH'mm'`, later parts optional).
pub fn parse_pdf_date(s: &str) -> Option<time::OffsetDateTime> {
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits = |r: std::ops::Range<usize>, default: u32| -> Option<u32> {
        match s.get(r) {
            Some(p) if p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty() => p.parse().ok(),
            _ => Some(default),
        }
    };
    // `get`, not indexing: the string may hold non-ASCII characters.
    let year_digits = s
        .get(..4)
        .filter(|y| y.chars().all(|c| c.is_ascii_digit()))?;
    let year: i32 = year_digits.parse().ok()?;
    let month = digits(4..6, 1)?;
    let day = digits(6..8, 1)?;
    let hour = digits(8..10, 0)?;
    let minute = digits(10..12, 0)?;
    let second = digits(12..14, 0)?;
    let mut offset = time::UtcOffset::UTC;
    if let Some(rest) = s.get(14..) {
        let sign = match rest.chars().next() {
            Some('+') => 1,
            Some('-') => -1,
            _ => 0,
        };
        if sign != 0 {
            let oh: i8 = rest.get(1..3)?.parse().ok()?;
            let om: i8 = rest.get(4..6).and_then(|m| m.parse().ok()).unwrap_or(0);
            offset = time::UtcOffset::from_hms(sign * oh, sign * om, 0).ok()?;
        }
    }
    let date =
        time::Date::from_calendar_date(year, time::Month::try_from(month as u8).ok()?, day as u8)
            .ok()?;
    let t = time::Time::from_hms(hour as u8, minute as u8, second as u8).ok()?;
    Some(time::PrimitiveDateTime::new(date, t).assume_offset(offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates() {
        let t = parse_pdf_date("D:20261122093005+07'00'").unwrap();
        assert_eq!(t.unix_timestamp(), 1795314605);
        assert!(parse_pdf_date("D:2026").is_some());
        assert!(parse_pdf_date("garbage").is_none());
        assert!(parse_pdf_date("D:20261340").is_none());
        // Found by the pdf_verify fuzz target: a multi-byte character
        // inside the year panicked on a byte index.
        assert!(parse_pdf_date("202ÊÔ123054338+07'00'").is_none());
        assert!(parse_pdf_date("D:2026ÊÔ").is_some());
        assert!(parse_pdf_date("Ê").is_none());
    }

    /// A one-field form whose field `/V` is `v` (objects `extra` added).
    fn form_with(v: Object, extra: Vec<(ObjectId, Object)>) -> Document {
        use lopdf::dictionary;
        let mut doc = Document::with_version("1.7");
        for (id, o) in extra {
            doc.objects.insert(id, o);
        }
        let field = doc.add_object(
            dictionary! {"FT" => "Sig", "T" => Object::string_literal("Sig1"), "V" => v},
        );
        let acro = doc.add_object(dictionary! {"Fields" => vec![field.into()]});
        let root = doc.add_object(dictionary! {"Type" => "Catalog", "AcroForm" => acro});
        doc.trailer.set("Root", root);
        doc
    }

    #[test]
    fn a_broken_signature_dictionary_is_listed_with_its_problem() {
        use lopdf::dictionary;
        // /V refers to an object the file does not hold.
        let doc = form_with(Object::Reference((50, 0)), vec![]);
        let f = signature_fields(&doc).unwrap();
        assert_eq!(f.len(), 1);
        assert!(
            f[0].problem.as_deref().unwrap().contains("missing"),
            "{f:?}"
        );
        // /V is an integer.
        let f = signature_fields(&form_with(Object::Integer(3), vec![])).unwrap();
        assert!(f[0]
            .problem
            .as_deref()
            .unwrap()
            .contains("instead of a signature dictionary"));
        // /ByteRange with a name, /Contents missing.
        let sig = dictionary! {"Type" => "Sig", "ByteRange" => vec![0.into(), 10.into(), "X".into(), 5.into()]};
        let f = signature_fields(&form_with(
            Object::Reference((60, 0)),
            vec![((60, 0), sig.into())],
        ))
        .unwrap();
        assert!(
            f[0].problem.as_deref().unwrap().contains("not an integer"),
            "{f:?}"
        );
        let sig = dictionary! {"Type" => "Sig", "ByteRange" => vec![0.into(), 10.into(), 20.into(), 5.into()]};
        let f = signature_fields(&form_with(
            Object::Reference((60, 0)),
            vec![((60, 0), sig.into())],
        ))
        .unwrap();
        assert!(
            f[0].problem.as_deref().unwrap().contains("no /Contents"),
            "{f:?}"
        );
        // A well-formed dictionary has no problem; a direct null /V is an empty field.
        let sig = dictionary! {"Type" => "Sig", "ByteRange" => vec![0.into(), 10.into(), 20.into(), 5.into()], "Contents" => Object::String(vec![0x30, 0], lopdf::StringFormat::Hexadecimal)};
        let f = signature_fields(&form_with(
            Object::Reference((60, 0)),
            vec![((60, 0), sig.into())],
        ))
        .unwrap();
        assert!(f[0].problem.is_none(), "{f:?}");
        assert!(signature_fields(&form_with(Object::Null, vec![]))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn one_signature_dictionary_reached_twice_is_one_signature() {
        use lopdf::dictionary;
        let sig = dictionary! {"Type" => "Sig", "SubFilter" => "ETSI.RFC3161", "ByteRange" => vec![0.into(), 10.into(), 20.into(), 5.into()], "Contents" => Object::String(vec![0x30, 0], lopdf::StringFormat::Hexadecimal)};
        let mut doc = Document::with_version("1.7");
        let sig_id = doc.add_object(sig);
        let parent = doc.new_object_id();
        let kid = doc.add_object(dictionary! {"FT" => "Sig", "T" => Object::string_literal("TS"), "V" => sig_id, "Parent" => parent});
        doc.objects.insert(
            parent,
            dictionary! {"T" => Object::string_literal("Top"), "Kids" => vec![kid.into()]}.into(),
        );
        // A copy of the field (another object, same /V) and the kid
        // listed again at the top, before its parent.
        let copy = doc.add_object(
            dictionary! {"FT" => "Sig", "T" => Object::string_literal("Copy"), "V" => sig_id},
        );
        let acro = doc.add_object(
            dictionary! {"Fields" => vec![kid.into(), parent.into(), kid.into(), copy.into()]},
        );
        let root = doc.add_object(dictionary! {"Type" => "Catalog", "AcroForm" => acro});
        doc.trailer.set("Root", root);
        let f = signature_fields(&doc).unwrap();
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].name, "Top.TS");
        // /SubFilter /ETSI.RFC3161 with /Type /Sig is a document time-stamp.
        assert_eq!(f[0].kind, SignatureKind::DocTimeStamp);
    }

    #[test]
    fn text_strings() {
        assert_eq!(decode_text(&[0xfe, 0xff, 0, b'A', 0x1e, 0xa1]), "Aạ");
        assert_eq!(decode_text(b"abc"), "abc");
    }
}
