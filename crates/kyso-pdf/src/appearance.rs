//! The simple appearance of a signature widget: a bordered box with a few
//! lines of text in standard Helvetica. The Vietnamese appearances
//! (embedded fonts, images) replace it later.
use lopdf::{dictionary, Object, Stream};

use crate::text::win_ansi;

/// Bytes of a PDF literal string for a content stream.
fn literal(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![b'('];
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                out.push(b'\\');
                out.push(b);
            }
            0x20..=0x7e => out.push(b),
            _ => out.extend_from_slice(format!("\\{b:03o}").as_bytes()),
        }
    }
    out.push(b')');
    out
}

fn num(x: f32) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.into()
    }
}

/// Content of the box: a dark-blue border and `lines` top to bottom.
pub(crate) fn box_content(width: f32, height: f32, lines: &[String]) -> Vec<u8> {
    let mut c = Vec::new();
    if width <= 0.0 || height <= 0.0 {
        return c;
    }
    c.extend_from_slice(
        format!(
            "q 0 0 0.55 RG 1 w 0.5 0.5 {} {} re S Q\n",
            num((width - 1.0).max(0.0)),
            num((height - 1.0).max(0.0))
        )
        .as_bytes(),
    );
    if lines.is_empty() {
        return c;
    }
    let n = lines.len() as f32;
    let size = ((height - 4.0) / (n * 1.25)).clamp(1.0, 10.0);
    let leading = size * 1.25;
    let top = height - 2.0 - size;
    c.extend_from_slice(
        format!(
            "q BT /Helv {} Tf 0 0 0.55 rg {} TL 3 {} Td\n",
            num(size),
            num(leading),
            num(top)
        )
        .as_bytes(),
    );
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            c.extend_from_slice(b"T* ");
        }
        c.extend_from_slice(&literal(&win_ansi(line)));
        c.extend_from_slice(b" Tj\n");
    }
    c.extend_from_slice(b"ET Q\n");
    c
}

/// The normal-appearance form XObject for a widget of `width` × `height`.
pub(crate) fn appearance_stream(width: f32, height: f32, lines: &[String]) -> Stream {
    let dict = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Form",
        "BBox" => vec![0.into(), 0.into(), Object::Real(width), Object::Real(height)],
        "Resources" => dictionary! {
            "Font" => dictionary! {
                "Helv" => dictionary! {
                    "Type" => "Font",
                    "Subtype" => "Type1",
                    "BaseFont" => "Helvetica",
                    "Encoding" => "WinAnsiEncoding",
                },
            },
        },
    };
    Stream::new(dict, box_content(width, height, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(literal(b"a(b)\\"), b"(a\\(b\\)\\\\)".to_vec());
        assert_eq!(literal(b"\xe0"), b"(\\340)".to_vec());
        let c = box_content(200.0, 50.0, &["Ký bởi (x)".into()]);
        let s = String::from_utf8(c).unwrap();
        assert!(s.contains("re S"), "{s}");
        assert!(s.contains("(K\\375 b?i \\(x\\)) Tj"), "{s}");
        assert!(box_content(0.0, 0.0, &["x".into()]).is_empty());
    }
}
