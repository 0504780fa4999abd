//! The signatures of a document as the LTV writer needs them: field name,
//! kind, `/SubFilter` and the `/Contents` string, read through
//! [`crate::signature_dict::signature_fields`] (ISO 32000-2 §12.7.5.5,
//! §12.8.1).
use lopdf::Document;

use crate::signature_dict::{signature_fields, SignatureKind};
use crate::PdfError;

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

/// Every signature field with a signature dictionary holding `/Contents`
/// as its value, in the order of the AcroForm's `/Fields` tree.
pub fn embedded_signatures(doc: &Document) -> Result<Vec<EmbeddedSignature>, PdfError> {
    Ok(signature_fields(doc)?
        .into_iter()
        .filter(|f| !f.contents.is_empty())
        .map(|f| EmbeddedSignature {
            field_name: f.name,
            kind: f.kind,
            sub_filter: f.sub_filter,
            contents: f.contents,
        })
        .collect())
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
