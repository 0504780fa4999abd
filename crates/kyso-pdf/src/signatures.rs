//! The signature dictionaries of a document (ISO 32000-2 §12.7.5.5,
//! §12.8.1): every signature field of the AcroForm with a value, approval
//! and certification signatures as well as document time-stamps.
use std::collections::HashSet;

use lopdf::{Document, Object, ObjectId};

/// Deepest field hierarchy followed.
const MAX_FIELD_DEPTH: usize = 32;
/// Most fields visited.
const MAX_FIELDS: usize = 100_000;

/// What a signature dictionary holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureKind {
    /// `/Type /Sig` (or no type): an approval or certification signature.
    Signature,
    /// `/Type /DocTimeStamp`: a document time-stamp (PAdES B-LTA).
    DocTimeStamp,
}

/// A signature field's value as found in the document.
#[derive(Clone, Debug)]
pub struct EmbeddedSignature {
    /// Fully qualified field name (`parent.child`).
    pub field_name: String,
    pub kind: SignatureKind,
    /// `/SubFilter`, e.g. `ETSI.CAdES.detached` or `ETSI.RFC3161`.
    pub sub_filter: String,
    /// The `/Contents` string as stored, including any zero padding after
    /// the DER (the value the DSS `/VRI` key is computed from).
    pub contents: Vec<u8>,
}

impl EmbeddedSignature {
    /// The DER object at the start of `/Contents`, without the padding;
    /// `None` when the bytes do not start with a definite-length DER
    /// header that fits.
    pub fn der(&self) -> Option<&[u8]> {
        der_prefix(&self.contents)
    }
}

/// The first DER TLV of `bytes` (definite length only).
pub(crate) fn der_prefix(bytes: &[u8]) -> Option<&[u8]> {
    let (&tag, rest) = bytes.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
        (len, 2 + n)
    };
    bytes.get(..header.checked_add(len)?)
}

fn resolve<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Object> {
    doc.dereference(o).ok().map(|(_, o)| o)
}

fn name_of(o: Option<&Object>) -> Option<String> {
    match o {
        Some(Object::Name(n)) => Some(String::from_utf8_lossy(n).into_owned()),
        _ => None,
    }
}

fn field_part(d: &lopdf::Dictionary) -> Option<String> {
    match d.get(b"T") {
        Ok(Object::String(t, _)) => Some(decode_text(t)),
        _ => None,
    }
}

/// A text string: UTF-16BE with its byte-order mark, else taken as
/// Latin-1 (PDFDocEncoding agrees with it on the printable range).
fn decode_text(b: &[u8]) -> String {
    match b.strip_prefix(&[0xfe, 0xff]) {
        Some(u) => char::decode_utf16(u.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])))
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
        None => b.iter().map(|&c| c as char).collect(),
    }
}

/// Every signature field with a signature dictionary as its value, in the
/// order of the AcroForm's `/Fields` tree. Malformed parts are skipped:
/// this lists what can be read, it does not judge.
pub fn embedded_signatures(doc: &Document) -> Vec<EmbeddedSignature> {
    let mut out = Vec::new();
    let Ok(catalog) = doc.catalog() else {
        return out;
    };
    let Some(Object::Dictionary(acro)) =
        catalog.get(b"AcroForm").ok().and_then(|o| resolve(doc, o))
    else {
        return out;
    };
    let Some(Object::Array(fields)) = acro.get(b"Fields").ok().and_then(|o| resolve(doc, o)) else {
        return out;
    };
    // (object, parent's qualified name, inherited /FT, depth)
    let mut stack: Vec<(&Object, String, Option<String>, usize)> = fields
        .iter()
        .rev()
        .map(|f| (f, String::new(), None, 0))
        .collect();
    let mut seen: HashSet<ObjectId> = HashSet::new();
    let mut visited = 0;
    while let Some((obj, parent, ft, depth)) = stack.pop() {
        visited += 1;
        if visited > MAX_FIELDS || depth > MAX_FIELD_DEPTH {
            break;
        }
        if let Object::Reference(id) = obj {
            if !seen.insert(*id) {
                continue;
            }
        }
        let Some(Object::Dictionary(field)) = resolve(doc, obj) else {
            continue;
        };
        let name = match (field_part(field), parent.is_empty()) {
            (Some(t), true) => t,
            (Some(t), false) => format!("{parent}.{t}"),
            (None, _) => parent.clone(),
        };
        let ft = name_of(field.get(b"FT").ok()).or(ft);
        if let Ok(Object::Array(kids)) = field.get(b"Kids").map(|k| resolve(doc, k).unwrap_or(k)) {
            for k in kids.iter().rev() {
                stack.push((k, name.clone(), ft.clone(), depth + 1));
            }
        }
        if ft.as_deref() != Some("Sig") {
            continue;
        }
        let Some(Object::Dictionary(v)) = field.get(b"V").ok().and_then(|o| resolve(doc, o)) else {
            continue;
        };
        let Ok(Object::String(contents, _)) = v.get(b"Contents") else {
            continue;
        };
        let kind = match name_of(v.get(b"Type").ok()).as_deref() {
            Some("DocTimeStamp") => SignatureKind::DocTimeStamp,
            _ => SignatureKind::Signature,
        };
        out.push(EmbeddedSignature {
            field_name: name,
            kind,
            sub_filter: name_of(v.get(b"SubFilter").ok()).unwrap_or_default(),
            contents: contents.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_prefix_strips_padding_and_refuses_garbage() {
        assert_eq!(
            der_prefix(&[0x30, 0x02, 1, 2, 0, 0]),
            Some(&[0x30, 0x02, 1, 2][..])
        );
        assert_eq!(
            der_prefix(&[0x30, 0x81, 0x01, 9, 0]),
            Some(&[0x30, 0x81, 0x01, 9][..])
        );
        assert_eq!(der_prefix(&[0x30, 0x05, 1]), None);
        assert_eq!(der_prefix(&[0x30, 0x80, 0, 0]), None);
        assert_eq!(der_prefix(&[]), None);
        assert_eq!(der_prefix(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
    }
}
