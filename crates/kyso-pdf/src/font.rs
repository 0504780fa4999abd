//! Embedded TrueType fonts for Vietnamese text (ISO 32000-1 §9.7): a Type0
//! font with Identity-H encoding over a CIDFontType2 descendant whose
//! FontFile2 is a subset holding only the glyphs used, CIDs equal to the
//! glyph ids (CIDToGIDMap Identity), `/W` widths and a ToUnicode CMap so
//! that text extraction returns the exact Vietnamese text.
//!
//! Text is normalized to NFC first; a character the font has no glyph
//! for is an error, never a silent `.notdef` box.
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use lopdf::{dictionary, Document, Object, ObjectId, Stream, StringFormat};
use unicode_normalization::UnicodeNormalization;

use crate::PdfError;

/// Liberation Serif Regular 2.1.5 (SIL OFL 1.1, see assets/fonts/):
/// metric-compatible with Times New Roman, with the Vietnamese glyphs.
static LIBERATION_SERIF: &[u8] =
    include_bytes!("../../../assets/fonts/LiberationSerif-Regular.ttf");

/// Largest font file accepted by [`Font::from_bytes`].
const MAX_FONT: usize = 32 * 1024 * 1024;

/// A TrueType font program, cheap to clone.
#[derive(Clone)]
pub struct Font {
    data: Arc<[u8]>,
    units_per_em: f32,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Font({} bytes)", self.data.len())
    }
}

impl PartialEq for Font {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.data, &other.data) || self.data == other.data
    }
}

/// Text in one font: the glyph ids and the characters they stand for.
struct Shaped {
    glyphs: Vec<(u16, char)>,
}

impl Font {
    /// The bundled Liberation Serif (Times New Roman metrics).
    pub fn liberation_serif() -> Font {
        static DEFAULT: std::sync::OnceLock<Font> = std::sync::OnceLock::new();
        DEFAULT
            .get_or_init(|| {
                Font::from_bytes(LIBERATION_SERIF.to_vec()).expect("bundled font parses")
            })
            .clone()
    }

    /// A TrueType (`glyf`) font file, e.g. from `--font FILE.ttf`.
    pub fn from_bytes(data: Vec<u8>) -> Result<Font, PdfError> {
        if data.len() > MAX_FONT {
            return Err(PdfError::Font(format!(
                "tệp phông quá lớn / font file too large ({} bytes, at most {MAX_FONT})",
                data.len()
            )));
        }
        let face = ttf_parser::Face::parse(&data, 0).map_err(|e| {
            PdfError::Font(format!(
                "không đọc được tệp phông / cannot read the font file: {e}"
            ))
        })?;
        if face.tables().glyf.is_none() {
            return Err(PdfError::Font(
                "phông phải là TrueType (bảng glyf) / the font must be TrueType with glyf outlines (.ttf)".into(),
            ));
        }
        if !face.is_subsetting_allowed()
            || face.permissions() == Some(ttf_parser::Permissions::Restricted)
        {
            return Err(PdfError::Font(
                "giấy phép phông không cho nhúng / the font's licence forbids embedding".into(),
            ));
        }
        let units_per_em = f32::from(face.units_per_em());
        Ok(Font {
            data: data.into(),
            units_per_em,
        })
    }

    fn face(&self) -> ttf_parser::Face<'_> {
        // Checked in from_bytes.
        ttf_parser::Face::parse(&self.data, 0).expect("font parsed before")
    }

    fn shape(&self, text: &str) -> Result<Shaped, PdfError> {
        let face = self.face();
        let mut glyphs = Vec::new();
        for c in text.nfc() {
            if c.is_control() {
                continue;
            }
            let g = face.glyph_index(c).ok_or_else(|| {
                PdfError::Font(format!(
                    "phông không có ký tự '{c}' (U+{:04X}) / the font has no glyph for '{c}'",
                    c as u32
                ))
            })?;
            glyphs.push((g.0, c));
        }
        Ok(Shaped { glyphs })
    }

    fn advance(&self, face: &ttf_parser::Face<'_>, gid: u16) -> f32 {
        f32::from(
            face.glyph_hor_advance(ttf_parser::GlyphId(gid))
                .unwrap_or(0),
        ) * 1000.0
            / self.units_per_em
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> Result<f32, PdfError> {
        let face = self.face();
        let shaped = self.shape(text)?;
        Ok(shaped
            .glyphs
            .iter()
            .map(|(g, _)| self.advance(&face, *g))
            .sum::<f32>()
            * size
            / 1000.0)
    }

    /// Ascent in thousandths of an em.
    pub fn ascent(&self) -> f32 {
        f32::from(self.face().ascender()) * 1000.0 / self.units_per_em
    }

    /// Descent (negative) in thousandths of an em.
    pub fn descent(&self) -> f32 {
        f32::from(self.face().descender()) * 1000.0 / self.units_per_em
    }

    fn postscript_name(&self) -> String {
        let face = self.face();
        face.names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .find_map(|n| {
                n.to_string().or_else(|| {
                    // Macintosh Roman: ASCII in a PostScript name.
                    n.name
                        .is_ascii()
                        .then(|| String::from_utf8_lossy(n.name).into_owned())
                })
            })
            .map(|s| {
                s.chars()
                    .filter(|c| c.is_ascii_graphic() && !"()<>[]{}/%#".contains(*c))
                    .collect::<String>()
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "KysoFont".into())
    }
}

/// The glyphs used with one font in one appearance; written once as a
/// subset by [`FontUse::write`].
pub(crate) struct FontUse {
    font: Font,
    used: BTreeMap<u16, char>,
}

impl FontUse {
    pub(crate) fn new(font: Font) -> Self {
        FontUse {
            font,
            used: BTreeMap::new(),
        }
    }

    /// The hex string operand showing `text` (two-byte CIDs = glyph ids).
    pub(crate) fn encode(&mut self, text: &str) -> Result<Vec<u8>, PdfError> {
        let shaped = self.font.shape(text)?;
        let mut out = Vec::with_capacity(shaped.glyphs.len() * 4 + 2);
        out.push(b'<');
        for (g, c) in shaped.glyphs {
            self.used.entry(g).or_insert(c);
            out.extend_from_slice(format!("{g:04X}").as_bytes());
        }
        out.push(b'>');
        Ok(out)
    }

    /// Six capital letters naming the subset (ISO 32000-1 §9.6.4), derived
    /// from the glyph set so the same text gives the same name.
    fn tag(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for g in self.used.keys() {
            for b in g.to_be_bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        (0..6)
            .map(|i| (b'A' + ((h >> (i * 5)) % 26) as u8) as char)
            .collect()
    }

    /// Write the Type0 font and its parts into `doc`; returns the Type0
    /// font dictionary's id.
    pub(crate) fn write(&self, doc: &mut Document) -> Result<ObjectId, PdfError> {
        let face = self.font.face();
        let mut glyphs: Vec<u16> = vec![0];
        glyphs.extend(self.used.keys().copied().filter(|g| *g != 0));
        let subset = subsetter::subset(&self.font.data, 0, subsetter::Profile::pdf(&glyphs))
            .map_err(|e| {
                PdfError::Font(format!(
                    "không tạo được tập con phông / cannot subset the font: {e:?}"
                ))
            })?;
        let base = format!("{}+{}", self.tag(), self.font.postscript_name());
        let upem = self.font.units_per_em;
        let scale = |v: i16| Object::Integer((f32::from(v) * 1000.0 / upem).round() as i64);

        let file_id = doc.add_object(flate_stream(
            dictionary! { "Length1" => subset.len() as i64 },
            &subset,
        )?);
        // CIDSet: one bit per CID present (needed by PDF/A-1 for subsets).
        let max = glyphs.iter().copied().max().unwrap_or(0) as usize;
        let mut cidset = vec![0u8; max / 8 + 1];
        for g in &glyphs {
            cidset[*g as usize / 8] |= 0x80 >> (*g as usize % 8);
        }
        let cidset_id = doc.add_object(flate_stream(dictionary! {}, &cidset)?);
        let bbox = face.global_bounding_box();
        let cap = face.capital_height().unwrap_or(face.ascender());
        let italic = face.italic_angle();
        // Flags: Serif (2) when the family says so is unknowable here;
        // Symbolic (4) is what a CID font with its own glyph set is.
        let flags = 4 | if italic != 0.0 { 64 } else { 0 };
        let descriptor_id = doc.add_object(dictionary! {
            "Type" => "FontDescriptor",
            "FontName" => Object::Name(base.clone().into_bytes()),
            "Flags" => flags,
            "FontBBox" => vec![scale(bbox.x_min), scale(bbox.y_min), scale(bbox.x_max), scale(bbox.y_max)],
            "ItalicAngle" => Object::Real(italic),
            "Ascent" => scale(face.ascender()),
            "Descent" => scale(face.descender()),
            "CapHeight" => scale(cap),
            "StemV" => 80,
            "FontFile2" => file_id,
            "CIDSet" => cidset_id,
        });
        let mut w = Vec::new();
        for g in &glyphs {
            w.push(Object::Integer(i64::from(*g)));
            w.push(Object::Array(vec![Object::Integer(
                self.font.advance(&face, *g).round() as i64,
            )]));
        }
        let cid_id = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "CIDFontType2",
            "BaseFont" => Object::Name(base.clone().into_bytes()),
            "CIDSystemInfo" => dictionary! {
                "Registry" => Object::String(b"Adobe".to_vec(), StringFormat::Literal),
                "Ordering" => Object::String(b"Identity".to_vec(), StringFormat::Literal),
                "Supplement" => 0,
            },
            "FontDescriptor" => descriptor_id,
            "DW" => 1000,
            "W" => w,
            "CIDToGIDMap" => "Identity",
        });
        let to_unicode_id = doc.add_object(flate_stream(dictionary! {}, &self.to_unicode())?);
        Ok(doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type0",
            "BaseFont" => Object::Name(base.into_bytes()),
            "Encoding" => "Identity-H",
            "DescendantFonts" => vec![cid_id.into()],
            "ToUnicode" => to_unicode_id,
        }))
    }

    /// The ToUnicode CMap (Adobe TN 5411): each CID to its character.
    fn to_unicode(&self) -> Vec<u8> {
        let mut s = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<_> = self.used.iter().filter(|(g, _)| **g != 0).collect();
        for chunk in entries.chunks(100) {
            s.push_str(&format!("{} beginbfchar\n", chunk.len()));
            for (g, c) in chunk {
                let mut units = [0u16; 2];
                let hex: String = c
                    .encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("{u:04X}"))
                    .collect();
                s.push_str(&format!("<{g:04X}> <{hex}>\n"));
            }
            s.push_str("endbfchar\n");
        }
        s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        s.into_bytes()
    }
}

/// A FlateDecode stream of `data` with `dict`'s extra entries.
pub(crate) fn flate_stream(mut dict: lopdf::Dictionary, data: &[u8]) -> Result<Stream, PdfError> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data)?;
    let packed = enc.finish()?;
    dict.set("Filter", "FlateDecode");
    let mut s = Stream::new(dict, packed);
    s.allows_compression = false;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_text_is_encoded_and_subset() {
        let font = Font::liberation_serif();
        // Decomposed input is normalized to NFC first.
        let nfd: String = "Nguyễn Văn Ấn".nfd().collect();
        let w1 = font.width(&nfd, 10.0).unwrap();
        let w2 = font.width("Nguyễn Văn Ấn", 10.0).unwrap();
        assert!((w1 - w2).abs() < 0.001 && w1 > 40.0 && w1 < 80.0, "{w1}");
        let mut usage = FontUse::new(font);
        let hex = usage.encode(&nfd).unwrap();
        assert_eq!(hex.len(), 2 + 4 * 13);
        let mut doc = Document::with_version("1.7");
        let id = usage.write(&mut doc).unwrap();
        let t0 = doc.get_dictionary(id).unwrap();
        assert_eq!(
            t0.get(b"Encoding").unwrap().as_name().unwrap(),
            b"Identity-H"
        );
        let cmap = String::from_utf8(usage.to_unicode()).unwrap();
        assert!(cmap.contains("<1EC5>"), "ễ in ToUnicode: {cmap}");
        assert!(font_err("漢"));
    }

    fn font_err(s: &str) -> bool {
        matches!(
            Font::liberation_serif().width(s, 10.0),
            Err(PdfError::Font(_))
        )
    }

    #[test]
    fn bad_font_is_refused() {
        assert!(Font::from_bytes(b"not a font".to_vec()).is_err());
    }
}
