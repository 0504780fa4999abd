//! PDF text strings (ISO 32000-1 §7.9.2.2).
use lopdf::{Object, StringFormat};

/// A text string object: PDFDocEncoding-compatible ASCII as is, anything
/// else as UTF-16BE with a byte-order mark.
pub(crate) fn text_string(s: &str) -> Object {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut v = vec![0xfe, 0xff];
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_be_bytes());
        }
        Object::String(v, StringFormat::Hexadecimal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_stays_literal_and_vietnamese_is_utf16() {
        assert_eq!(
            text_string("Ha Noi"),
            Object::String(b"Ha Noi".to_vec(), StringFormat::Literal)
        );
        match text_string("Hà Nội") {
            Object::String(b, StringFormat::Hexadecimal) => {
                assert_eq!(&b[..4], &[0xfe, 0xff, 0x00, b'H']);
            }
            o => panic!("{o:?}"),
        }
    }
}
