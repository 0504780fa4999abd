//! Setting text: shaping with rustybuzz (kerning, and the Vietnamese
//! stacked marks when a text is not precomposed), measuring, breaking
//! into lines, and justifying a line by widening its spaces.

use krilla::text::{GlyphId, KrillaGlyph};
use unicode_normalization::UnicodeNormalization;

use super::fonts::Face;
use super::RenderError;

/// A face at a size (points).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Style {
    pub face: Face,
    pub size: f32,
}

impl Style {
    pub(crate) const fn new(face: Face, size: f32) -> Style {
        Style { face, size }
    }
}

/// Shaped text, ready to draw: the glyphs' advances are in ems, their
/// text ranges index `text`.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    pub text: String,
    pub glyphs: Vec<KrillaGlyph>,
    pub style: Style,
}

impl Run {
    /// Width in points.
    pub(crate) fn width(&self) -> f32 {
        self.glyphs.iter().map(|g| g.x_advance).sum::<f32>() * self.style.size
    }

    /// Widens the spaces so the run is `target` points wide (justified
    /// text); a run without spaces, or already as wide, is left as is.
    pub(crate) fn justify(&mut self, target: f32) {
        let extra = target - self.width();
        let spaces: Vec<usize> = self
            .glyphs
            .iter()
            .enumerate()
            .filter(|(_, g)| self.text.get(g.text_range.clone()) == Some(" "))
            .map(|(i, _)| i)
            .collect();
        if extra <= 0.0 || spaces.is_empty() {
            return;
        }
        let each = extra / spaces.len() as f32 / self.style.size;
        for i in spaces {
            self.glyphs[i].x_advance += each;
        }
    }
}

/// NFC, tabs as spaces, other control characters dropped.
pub(crate) fn clean(text: &str) -> String {
    text.nfc()
        .map(|c| if c == '\t' { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect()
}

/// Shapes one line of `text` (cleaned first) in `style`.
pub(crate) fn shape(text: &str, style: Style) -> Result<Run, RenderError> {
    let text = clean(text);
    let face = style.face.get();
    let mut buf = rustybuzz::UnicodeBuffer::new();
    buf.push_str(&text);
    buf.set_direction(rustybuzz::Direction::LeftToRight);
    buf.guess_segment_properties();
    let out = rustybuzz::shape(&face.shaper, &[], buf);
    let infos = out.glyph_infos();
    let positions = out.glyph_positions();
    let upem = face.units_per_em;
    let mut glyphs = Vec::with_capacity(infos.len());
    for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
        let start = info.cluster as usize;
        let end = infos[i + 1..]
            .iter()
            .map(|n| n.cluster as usize)
            .find(|&c| c != start)
            .unwrap_or(text.len());
        if info.glyph_id == 0 {
            let c = text.get(start..).and_then(|s| s.chars().next());
            return Err(RenderError::MissingGlyph(c.unwrap_or('\u{fffd}')));
        }
        glyphs.push(KrillaGlyph::new(
            GlyphId::new(info.glyph_id),
            pos.x_advance as f32 / upem,
            pos.x_offset as f32 / upem,
            pos.y_offset as f32 / upem,
            pos.y_advance as f32 / upem,
            start..end,
            None,
        ));
    }
    Ok(Run {
        text,
        glyphs,
        style,
    })
}

/// Width of `text` in `style`, in points.
pub(crate) fn width(text: &str, style: Style) -> Result<f32, RenderError> {
    Ok(shape(text, style)?.width())
}

/// Breaks `text` into lines at most `max` points wide, at spaces; a word
/// wider than a line is broken between its characters.
pub(crate) fn wrap(text: &str, style: Style, max: f32) -> Result<Vec<String>, RenderError> {
    wrap_first(text, style, max, max)
}

/// [`wrap`] with the first line at most `first` points wide (an indented
/// first line) and the others at most `rest`.
pub(crate) fn wrap_first(
    text: &str,
    style: Style,
    first: f32,
    rest: f32,
) -> Result<Vec<String>, RenderError> {
    let space = width(" ", style)?;
    let limit = |lines: &Vec<String>| if lines.is_empty() { first } else { rest };
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_w = 0.0;
    for word in clean(text).split_whitespace() {
        let run = shape(word, style)?;
        let w = run.width();
        if !line.is_empty() && line_w + space + w <= limit(&lines) {
            line.push(' ');
            line.push_str(word);
            line_w += space + w;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if w <= limit(&lines) {
            line.push_str(word);
            line_w = w;
            continue;
        }
        // A word wider than the line: cut it between glyph clusters.
        let mut piece_start = 0;
        let mut piece_w = 0.0;
        for g in &run.glyphs {
            let gw = g.x_advance * style.size;
            if piece_w + gw > limit(&lines) && g.text_range.start > piece_start {
                lines.push(run.text[piece_start..g.text_range.start].to_string());
                piece_start = g.text_range.start;
                piece_w = 0.0;
            }
            piece_w += gw;
        }
        line = run.text[piece_start..].to_string();
        line_w = piece_w;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: Style = Style::new(Face::Regular, 14.0);

    #[test]
    fn vietnamese_shapes_in_nfc_and_measures_like_times() {
        // NFD input comes out NFC.
        let r = shape("Vie\u{0302}\u{0323}t Nam", BODY).unwrap();
        assert_eq!(r.text, "Việt Nam");
        assert_eq!(r.glyphs.len(), 8);
        // Times New Roman metrics: 'M' is 0.889 em.
        let m = width("M", BODY).unwrap();
        assert!((m - 0.889 * 14.0).abs() < 0.05, "{m}");
    }

    #[test]
    fn a_character_without_a_glyph_is_an_error() {
        match shape("chữ 漢", BODY) {
            Err(RenderError::MissingGlyph('漢')) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lines_break_at_spaces_and_long_words_are_cut() {
        let text = "Ủy ban nhân dân tỉnh đề nghị các sở, ban, ngành triển khai thực hiện";
        let lines = wrap(text, BODY, 200.0).unwrap();
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), text);
        for l in &lines {
            assert!(width(l, BODY).unwrap() <= 200.0, "{l}");
        }
        let long = "A".repeat(100);
        let lines = wrap(&long, BODY, 100.0).unwrap();
        assert!(lines.len() > 5);
        assert_eq!(lines.concat(), long);
        assert_eq!(wrap("", BODY, 100.0).unwrap(), vec![String::new()]);
    }

    #[test]
    fn justifying_widens_the_spaces_only() {
        let mut r = shape("một hai ba", BODY).unwrap();
        let w = r.width();
        r.justify(w + 20.0);
        assert!((r.width() - (w + 20.0)).abs() < 0.01);
        let mut solid = shape("mộthaiba", BODY).unwrap();
        let w = solid.width();
        solid.justify(w + 20.0);
        assert_eq!(solid.width(), w);
    }
}
