//! BER to DER (X.690 §8 to §10) for CMS objects read from the world.
//!
//! RFC 5652 lets a SignedData be BER-encoded: `openssl cms -sign -stream`
//! and older Adobe and Java signers write indefinite lengths and
//! constructed (chunked) OCTET STRINGs. The `der` crate reads DER only, so
//! such an object is first rewritten with definite, minimal lengths and
//! primitive strings. The conversion is faithful: the order of the members
//! of every SET and SET OF is kept as sent (the signed attributes are
//! verified in the order they were encoded, see [`crate::cms_verify`]),
//! and no value changes. A DER input is returned as it is, borrowed.
//!
//! Bounded: at most [`MAX_BER_DEPTH`] levels of nesting,
//! [`crate::cms::MAX_SIGNED_DATA_DER`] bytes of input and, when a
//! conversion is needed, [`MAX_BER_ELEMENTS`] elements (a DER input is
//! checked without allocating).
use std::borrow::Cow;
use std::ops::Range;

use crate::cms::MAX_SIGNED_DATA_DER;

/// Deepest nesting of constructed encodings read.
pub const MAX_BER_DEPTH: usize = 64;
/// Most elements (TLVs) of a BER object converted: 2^21, some 100 MB of
/// bookkeeping at most; a CMS with a large embedded CRL has a few hundred
/// thousand.
pub const MAX_BER_ELEMENTS: usize = 1 << 21;

/// Why a BER object cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BerError {
    #[error("BER: truncated at byte {0}")]
    Truncated(usize),
    #[error("BER: nesting deeper than {MAX_BER_DEPTH} levels")]
    TooDeep,
    #[error("BER: object of {0} bytes exceeds the limit of {MAX_SIGNED_DATA_DER} bytes")]
    TooLarge(usize),
    #[error("BER: indefinite length on a primitive encoding at byte {0}")]
    IndefinitePrimitive(usize),
    #[error("BER: length field of {0} octets")]
    LengthTooLong(usize),
    #[error("BER: a constructed {0} holds a segment of another type")]
    BadStringSegment(&'static str),
    #[error("BER: a BIT STRING segment other than the last has unused bits")]
    BadBitStringSegment,
    #[error("BER: more than {MAX_BER_ELEMENTS} elements")]
    TooManyElements,
}

/// One TLV as read: where its tag, content and whole encoding are.
#[derive(Clone, Debug)]
struct Header {
    tag: Range<usize>,
    constructed: bool,
    /// `None`: indefinite length.
    length: Option<usize>,
    /// The length octets were not the minimal definite form.
    non_minimal: bool,
    content_start: usize,
}

fn read_header(b: &[u8], at: usize) -> Result<Header, BerError> {
    let t = |i: usize| b.get(i).copied().ok_or(BerError::Truncated(i));
    let first = t(at)?;
    let mut i = at + 1;
    if first & 0x1f == 0x1f {
        // High tag number form: base-128 digits, the last without 0x80.
        loop {
            let x = t(i)?;
            i += 1;
            if i - at > 6 {
                return Err(BerError::LengthTooLong(i - at));
            }
            if x & 0x80 == 0 {
                break;
            }
        }
    }
    let tag = at..i;
    let constructed = first & 0x20 != 0;
    let l = t(i)?;
    i += 1;
    let (length, non_minimal) = if l < 0x80 {
        (Some(l as usize), false)
    } else if l == 0x80 {
        if !constructed {
            return Err(BerError::IndefinitePrimitive(at));
        }
        (None, true)
    } else {
        let n = (l & 0x7f) as usize;
        if n > 8 {
            return Err(BerError::LengthTooLong(n));
        }
        let mut v: usize = 0;
        for k in 0..n {
            let x = t(i + k)?;
            v = v
                .checked_mul(256)
                .and_then(|v| v.checked_add(x as usize))
                .ok_or(BerError::LengthTooLong(n))?;
        }
        i += n;
        let minimal = der_length_len(v) == 1 + n && v >= 0x80;
        (Some(v), !minimal)
    };
    Ok(Header {
        tag,
        constructed,
        length,
        non_minimal,
        content_start: i,
    })
}

/// Bytes of the DER length octets for a content of `len` bytes.
fn der_length_len(len: usize) -> usize {
    if len < 0x80 {
        1
    } else {
        1 + (usize::BITS as usize / 8 - len.leading_zeros() as usize / 8)
    }
}

fn push_der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Universal string types that DER requires in primitive form (X.690
/// §10.2): their constructed BER form is the concatenation of segments.
fn string_type(first_tag_byte: u8) -> Option<&'static str> {
    match first_tag_byte & !0x20 {
        0x03 => Some("BIT STRING"),
        0x04 => Some("OCTET STRING"),
        0x0c => Some("UTF8String"),
        0x12 => Some("NumericString"),
        0x13 => Some("PrintableString"),
        0x14 => Some("TeletexString"),
        0x16 => Some("IA5String"),
        0x17 => Some("UTCTime"),
        0x18 => Some("GeneralizedTime"),
        0x1a => Some("VisibleString"),
        0x1c => Some("UniversalString"),
        0x1e => Some("BMPString"),
        _ => None,
    }
}

/// A node of the parsed tree, ready to be written as DER.
enum Node {
    Primitive {
        tag: Range<usize>,
        content: Range<usize>,
    },
    Constructed {
        tag: Range<usize>,
        children: Vec<Node>,
        content_len: usize,
    },
    /// A constructed string flattened: the tag (made primitive) and the
    /// content pieces in order; `bits` is the unused-bit count of a BIT
    /// STRING (its content then starts with that octet).
    Flattened {
        tag: Range<usize>,
        pieces: Vec<Range<usize>>,
        bits: Option<u8>,
        content_len: usize,
    },
}

impl Node {
    /// A placeholder while only checking.
    fn empty() -> Node {
        Node::Primitive {
            tag: 0..0,
            content: 0..0,
        }
    }

    fn content_len(&self) -> usize {
        match self {
            Node::Primitive { content, .. } => content.len(),
            Node::Constructed { content_len, .. } | Node::Flattened { content_len, .. } => {
                *content_len
            }
        }
    }

    fn encoded_len(&self) -> usize {
        let tag = match self {
            Node::Primitive { tag, .. }
            | Node::Constructed { tag, .. }
            | Node::Flattened { tag, .. } => tag.len(),
        };
        let c = self.content_len();
        tag + der_length_len(c) + c
    }
}

struct Parser<'a> {
    b: &'a [u8],
    /// Something was not DER.
    changed: bool,
    /// Build the tree (else only check and find `changed`).
    build: bool,
    /// Elements read so far.
    count: usize,
}

impl Parser<'_> {
    /// Parses the TLV at `at`; returns the node and the end of its encoding.
    fn node(&mut self, at: usize, depth: usize) -> Result<(Node, usize), BerError> {
        if depth > MAX_BER_DEPTH {
            return Err(BerError::TooDeep);
        }
        let h = read_header(self.b, at)?;
        self.changed |= h.non_minimal;
        self.count += 1;
        if self.build && self.count > MAX_BER_ELEMENTS {
            return Err(BerError::TooManyElements);
        }
        if !h.constructed {
            let len = h.length.unwrap_or(0);
            let end = h
                .content_start
                .checked_add(len)
                .filter(|e| *e <= self.b.len())
                .ok_or(BerError::Truncated(self.b.len()))?;
            return Ok((
                Node::Primitive {
                    tag: h.tag,
                    content: h.content_start..end,
                },
                end,
            ));
        }
        // Constructed: children up to the end (definite) or the EOC.
        let limit = match h.length {
            Some(len) => Some(
                h.content_start
                    .checked_add(len)
                    .filter(|e| *e <= self.b.len())
                    .ok_or(BerError::Truncated(self.b.len()))?,
            ),
            None => None,
        };
        let mut children = Vec::new();
        let mut i = h.content_start;
        let end = loop {
            match limit {
                Some(l) if i >= l => {
                    if i > l {
                        return Err(BerError::Truncated(l));
                    }
                    break l;
                }
                None if self.b.get(i..i + 2) == Some(&[0, 0]) => break i + 2,
                _ => {}
            }
            if i >= self.b.len() {
                return Err(BerError::Truncated(i));
            }
            let (child, next) = self.node(i, depth + 1)?;
            if self.build {
                children.push(child);
            }
            i = next;
        };
        let first = self.b[h.tag.start];
        if first & 0xc0 == 0 && h.tag.len() == 1 {
            if let Some(name) = string_type(first) {
                self.changed = true;
                if !self.build {
                    return Ok((Node::empty(), end));
                }
                return Ok((self.flatten(h.tag, name, first, children)?, end));
            }
        }
        let content_len = children.iter().map(Node::encoded_len).sum();
        Ok((
            Node::Constructed {
                tag: h.tag,
                children,
                content_len,
            },
            end,
        ))
    }

    /// A constructed string: its segments' contents concatenated.
    fn flatten(
        &self,
        tag: Range<usize>,
        name: &'static str,
        first: u8,
        children: Vec<Node>,
    ) -> Result<Node, BerError> {
        let mut pieces = Vec::new();
        let mut segments = Vec::new();
        collect_segments(self.b, first & !0x20, children, &mut segments, name)?;
        let bit_string = first & !0x20 == 0x03;
        let mut bits = None;
        let n = segments.len();
        for (k, seg) in segments.into_iter().enumerate() {
            if bit_string {
                // Each segment starts with its unused-bit count (X.690
                // §8.6.2.2, §8.6.4): an empty one is malformed.
                if seg.is_empty() {
                    return Err(BerError::BadBitStringSegment);
                }
                let unused = self.b[seg.start];
                if unused != 0 && k + 1 != n {
                    return Err(BerError::BadBitStringSegment);
                }
                bits = Some(unused);
                pieces.push(seg.start + 1..seg.end);
            } else {
                pieces.push(seg);
            }
        }
        if bit_string && bits.is_none() {
            bits = Some(0);
        }
        let content_len =
            pieces.iter().map(|p| p.len()).sum::<usize>() + usize::from(bits.is_some());
        Ok(Node::Flattened {
            tag,
            pieces,
            bits,
            content_len,
        })
    }
}

/// The primitive segments of a constructed string, in order (segments
/// may themselves be constructed, X.690 §8.6.3, §8.7.3).
fn collect_segments(
    b: &[u8],
    primitive_tag: u8,
    children: Vec<Node>,
    out: &mut Vec<Range<usize>>,
    name: &'static str,
) -> Result<(), BerError> {
    for c in children {
        match c {
            Node::Primitive { tag, content } if tag.len() == 1 && b[tag.start] == primitive_tag => {
                out.push(content)
            }
            Node::Flattened { tag, pieces, .. }
                if tag.len() == 1 && b[tag.start] & !0x20 == primitive_tag =>
            {
                // A nested constructed segment was flattened already; a
                // BIT STRING's nested pieces lost their unused-bit octet,
                // which X.690 forbids there anyway.
                if primitive_tag == 0x03 {
                    return Err(BerError::BadBitStringSegment);
                }
                out.extend(pieces)
            }
            _ => return Err(BerError::BadStringSegment(name)),
        }
    }
    Ok(())
}

fn write(b: &[u8], n: &Node, out: &mut Vec<u8>) {
    match n {
        Node::Primitive { tag, content } => {
            out.extend_from_slice(&b[tag.clone()]);
            push_der_length(out, content.len());
            out.extend_from_slice(&b[content.clone()]);
        }
        Node::Constructed {
            tag,
            children,
            content_len,
        } => {
            out.extend_from_slice(&b[tag.clone()]);
            push_der_length(out, *content_len);
            for c in children {
                write(b, c, out);
            }
        }
        Node::Flattened {
            tag,
            pieces,
            bits,
            content_len,
        } => {
            out.push(b[tag.start] & !0x20);
            push_der_length(out, *content_len);
            if let Some(u) = bits {
                out.push(*u);
            }
            for p in pieces {
                out.extend_from_slice(&b[p.clone()]);
            }
        }
    }
}

/// Where an element of the BER object `b` lies: from the top element,
/// each step enters the child at that index (`usize::MAX`: the last
/// child). `None` when the path leads nowhere.
pub fn element_at(b: &[u8], path: &[usize]) -> Result<Option<Range<usize>>, BerError> {
    let mut p = Parser {
        b,
        changed: false,
        build: false,
        count: 0,
    };
    let (_, end) = p.node(0, 0)?;
    let mut at = 0..end;
    for (depth, &want) in path.iter().enumerate() {
        let h = read_header(b, at.start)?;
        if !h.constructed {
            return Ok(None);
        }
        let limit = match h.length {
            Some(len) => h.content_start + len,
            None => at.end - 2,
        };
        let mut i = h.content_start;
        let mut children = Vec::new();
        while i < limit {
            let (_, next) = p.node(i, depth + 1)?;
            children.push(i..next);
            if children.len() > want {
                break;
            }
            i = next;
        }
        let next = if want == usize::MAX {
            children.pop()
        } else {
            children.into_iter().nth(want)
        };
        match next {
            Some(r) => at = r,
            None => return Ok(None),
        }
    }
    Ok(Some(at))
}

/// The first complete BER object of `b` (a `/Contents` string is padded
/// with zeros after it).
pub fn first_object(b: &[u8]) -> Result<&[u8], BerError> {
    let mut p = Parser {
        b,
        changed: false,
        build: false,
        count: 0,
    };
    let (_, end) = p.node(0, 0)?;
    Ok(&b[..end])
}

/// The first BER object of `b` as DER: borrowed when it is DER already
/// (definite minimal lengths, primitive strings), else rewritten keeping
/// every member in the order it was sent. Bytes after the object are
/// ignored.
pub fn to_der(b: &[u8]) -> Result<Cow<'_, [u8]>, BerError> {
    if b.len() > MAX_SIGNED_DATA_DER {
        return Err(BerError::TooLarge(b.len()));
    }
    // First only check, without building anything: DER is borrowed.
    let mut check = Parser {
        b,
        changed: false,
        build: false,
        count: 0,
    };
    let (_, end) = check.node(0, 0)?;
    if !check.changed {
        return Ok(Cow::Borrowed(&b[..end]));
    }
    let mut p = Parser {
        b,
        changed: false,
        build: true,
        count: 0,
    };
    let (node, _) = p.node(0, 0)?;
    let mut out = Vec::with_capacity(node.encoded_len());
    write(b, &node, &mut out);
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_is_borrowed_unchanged() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa];
        let mut padded = der.to_vec();
        padded.extend([0, 0, 0]);
        assert!(matches!(to_der(&padded).unwrap(), Cow::Borrowed(d) if d == der));
        assert_eq!(first_object(&padded).unwrap(), &der);
    }

    #[test]
    fn indefinite_lengths_and_chunked_strings_become_der() {
        // SEQUENCE(indef) { SET(indef) { INT 2, INT 1 }, OCTET STRING
        // constructed(indef) { "ab", "c" }, [0](indef) { NULL } }
        let ber = [
            0x30, 0x80, 0x31, 0x80, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01, 0x00, 0x00, 0x24, 0x80,
            0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0xa0, 0x80, 0x05, 0x00, 0x00,
            0x00, 0x00, 0x00,
        ];
        let der = to_der(&ber).unwrap();
        assert_eq!(
            der.as_ref(),
            &[
                0x30, 0x11, 0x31, 0x06, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01, 0x04, 0x03, b'a', b'b',
                b'c', 0xa0, 0x02, 0x05, 0x00
            ],
            "SET members keep the order they were sent in"
        );
        assert_eq!(first_object(&ber).unwrap().len(), ber.len());
        // Every truncation is an error, never a panic.
        for cut in 0..ber.len() {
            assert!(to_der(&ber[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn non_minimal_lengths_and_bit_strings() {
        // OCTET STRING with a long-form length of 2.
        assert_eq!(
            to_der(&[0x04, 0x81, 0x02, 1, 2]).unwrap().as_ref(),
            &[0x04, 0x02, 1, 2]
        );
        assert_eq!(
            to_der(&[0x04, 0x82, 0x00, 0x01, 7]).unwrap().as_ref(),
            &[0x04, 0x01, 7]
        );
        // BIT STRING in two segments, the last with 4 unused bits.
        let ber = [
            0x23, 0x80, 0x03, 0x02, 0x00, 0xff, 0x03, 0x02, 0x04, 0xf0, 0x00, 0x00,
        ];
        assert_eq!(
            to_der(&ber).unwrap().as_ref(),
            &[0x03, 0x03, 0x04, 0xff, 0xf0]
        );
        // Unused bits in a segment other than the last.
        let bad = [
            0x23, 0x80, 0x03, 0x02, 0x04, 0xf0, 0x03, 0x02, 0x00, 0xff, 0x00, 0x00,
        ];
        assert_eq!(to_der(&bad), Err(BerError::BadBitStringSegment));
        // A constructed OCTET STRING holding an INTEGER.
        assert!(matches!(
            to_der(&[0x24, 0x03, 0x02, 0x01, 0x00]),
            Err(BerError::BadStringSegment(_))
        ));
        // Long definite lengths are written in the fewest octets.
        let mut long = vec![0x04, 0x84, 0x00, 0x00, 0x01, 0x00];
        long.extend([9u8; 256]);
        let d = to_der(&long).unwrap();
        assert_eq!(&d[..4], &[0x04, 0x82, 0x01, 0x00]);
        assert_eq!(d.len(), 4 + 256);
    }

    #[test]
    fn an_empty_bit_string_segment_is_refused() {
        // BIT STRING constructed(indef) { BIT STRING (empty: no unused-bit
        // octet) } followed by more bytes (found by fuzz target cms_verify).
        let ber = [0x23, 0x80, 0x03, 0x00, 0x00, 0x00, 0x05, 0x00];
        assert!(matches!(to_der(&ber), Err(BerError::BadBitStringSegment)));
        let ber = [0x30, 0x80, 0x23, 0x80, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00];
        assert!(matches!(to_der(&ber), Err(BerError::BadBitStringSegment)));
    }

    #[test]
    fn elements_are_found_by_their_path() {
        // SEQUENCE(indef) { SET(indef) { INT 2, INT 1 }, OCTET STRING "x" }
        let ber = [
            0x30, 0x80, 0x31, 0x80, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01, 0x00, 0x00, 0x04, 0x01,
            b'x', 0x00, 0x00,
        ];
        assert_eq!(element_at(&ber, &[]).unwrap(), Some(0..ber.len()));
        assert_eq!(element_at(&ber, &[0]).unwrap(), Some(2..12));
        assert_eq!(element_at(&ber, &[0, 1]).unwrap(), Some(7..10));
        assert_eq!(element_at(&ber, &[usize::MAX]).unwrap(), Some(12..15));
        assert_eq!(element_at(&ber, &[0, usize::MAX]).unwrap(), Some(7..10));
        assert_eq!(element_at(&ber, &[2]).unwrap(), None);
        assert_eq!(element_at(&ber, &[1, 0]).unwrap(), None);
        assert!(element_at(&ber[..5], &[0]).is_err());
    }

    #[test]
    fn too_many_elements_to_convert_are_refused() {
        // An indefinite SEQUENCE of 2^21 + 1 NULLs: DER-checked fine in
        // size, refused when it would have to be converted.
        let mut b = vec![0x30, 0x80];
        b.extend(std::iter::repeat_n([0x05u8, 0x00], MAX_BER_ELEMENTS).flatten());
        b.extend([0, 0]);
        assert_eq!(to_der(&b), Err(BerError::TooManyElements));
        assert_eq!(first_object(&b).unwrap().len(), b.len());
    }

    #[test]
    fn hostile_inputs_are_bounded() {
        assert_eq!(
            to_der(&[0x04, 0x80, 0, 0]),
            Err(BerError::IndefinitePrimitive(0))
        );
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100).flatten().collect();
        assert_eq!(to_der(&deep), Err(BerError::TooDeep));
        assert!(to_der(&[0x30, 0x89, 1, 1, 1, 1, 1, 1, 1, 1, 1]).is_err());
        assert!(to_der(&[0x30, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(to_der(&[]).is_err());
        // A high tag number ([31] and above) is carried over.
        assert_eq!(
            to_der(&[0xbf, 0x1f, 0x80, 0x05, 0x00, 0x00, 0x00])
                .unwrap()
                .as_ref(),
            &[0xbf, 0x1f, 0x02, 0x05, 0x00]
        );
    }
}
