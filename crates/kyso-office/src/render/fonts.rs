//! The four faces of the bundled Liberation Serif 2.1.5 (SIL OFL 1.1, see
//! assets/fonts/): metric-compatible with Times New Roman, which Decree
//! 30/2020 prescribes, with every Vietnamese glyph. Each face is parsed
//! once, for shaping (rustybuzz) and for embedding (krilla).

use std::sync::OnceLock;

static REGULAR: &[u8] = include_bytes!("../../../../assets/fonts/LiberationSerif-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../../../../assets/fonts/LiberationSerif-Bold.ttf");
static ITALIC: &[u8] = include_bytes!("../../../../assets/fonts/LiberationSerif-Italic.ttf");
static BOLD_ITALIC: &[u8] =
    include_bytes!("../../../../assets/fonts/LiberationSerif-BoldItalic.ttf");

/// A face of the family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Face {
    Regular,
    Bold,
    Italic,
    BoldItalic,
}

/// A face ready for shaping and embedding.
pub(crate) struct Loaded {
    pub shaper: rustybuzz::Face<'static>,
    pub pdf: krilla::text::Font,
    pub units_per_em: f32,
}

impl Face {
    fn data(self) -> &'static [u8] {
        match self {
            Face::Regular => REGULAR,
            Face::Bold => BOLD,
            Face::Italic => ITALIC,
            Face::BoldItalic => BOLD_ITALIC,
        }
    }

    /// The parsed face (the bundled files always parse: a test checks).
    pub(crate) fn get(self) -> &'static Loaded {
        static FACES: [OnceLock<Loaded>; 4] = [
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
        ];
        FACES[self as usize].get_or_init(|| {
            let data = self.data();
            let shaper = rustybuzz::Face::from_slice(data, 0).expect("bundled font parses");
            let units_per_em = shaper.units_per_em() as f32;
            let pdf =
                krilla::text::Font::new(data.to_vec().into(), 0).expect("bundled font parses");
            Loaded {
                shaper,
                pdf,
                units_per_em,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_face_parses_and_has_vietnamese() {
        for f in [Face::Regular, Face::Bold, Face::Italic, Face::BoldItalic] {
            let l = f.get();
            assert_eq!(l.units_per_em, 2048.0, "{f:?}");
            for c in "ỘỆẪđĐưƯơƠ".chars() {
                assert!(l.shaper.glyph_index(c).is_some(), "{f:?} {c}");
            }
        }
    }
}
