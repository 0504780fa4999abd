//! The display list of a generated document — pages of shaped text runs
//! and ruled lines, in points from the page's top left — and its writing
//! as PDF through krilla.

use krilla::geom::{PathBuilder, Point};
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::Document;

use super::text::{shape, Run, Style};
use super::RenderError;

/// A4 portrait, in points.
pub(crate) const A4: (f32, f32) = (595.28, 841.89);

/// Most pages a generated document may have.
pub(crate) const MAX_PAGES: usize = 5_000;

/// Something drawn.
#[derive(Clone, Debug)]
pub(crate) enum Item {
    /// `run` with its baseline starting at (`x`, `baseline`).
    Text { x: f32, baseline: f32, run: Run },
    /// A straight line `width` points thick.
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
    },
}

/// Horizontal alignment of a line of text in a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
}

/// One page.
#[derive(Clone, Debug)]
pub(crate) struct Page {
    pub width: f32,
    pub height: f32,
    pub items: Vec<Item>,
}

impl Page {
    pub(crate) fn new((width, height): (f32, f32)) -> Page {
        Page {
            width,
            height,
            items: Vec::new(),
        }
    }

    /// Draws `run` at (`x`, `baseline`).
    pub(crate) fn run(&mut self, x: f32, baseline: f32, run: Run) {
        self.items.push(Item::Text { x, baseline, run });
    }

    /// Draws `text` in `style` aligned in [`left`, `right`]; returns the
    /// x where it starts and its width.
    pub(crate) fn text(
        &mut self,
        text: &str,
        style: Style,
        left: f32,
        right: f32,
        baseline: f32,
        align: Align,
    ) -> Result<(f32, f32), RenderError> {
        let run = shape(text, style)?;
        let w = run.width();
        let x = match align {
            Align::Left => left,
            Align::Center => left + (right - left - w) / 2.0,
        };
        self.run(x, baseline, run);
        Ok((x, w))
    }

    pub(crate) fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32) {
        self.items.push(Item::Line { from, to, width });
    }

    /// A rectangle given from the top left as a PDF rectangle
    /// `[x1, y1, x2, y2]` from the bottom left.
    pub(crate) fn pdf_rect(&self, left: f32, top: f32, right: f32, bottom: f32) -> [f32; 4] {
        [left, self.height - bottom, right, self.height - top]
    }
}

/// The document information written with the pages.
pub(crate) struct Meta {
    pub title: String,
    pub subject: String,
    pub author: String,
}

/// Writes `pages` as a PDF.
/// "Trang x/y" centred between `left` and `right` at `baseline` on every
/// page.
pub(crate) fn number_pages(
    pages: &mut [Page],
    style: Style,
    (left, right): (f32, f32),
    baseline: f32,
) -> Result<(), RenderError> {
    let n = pages.len();
    for (i, p) in pages.iter_mut().enumerate() {
        p.text(
            &format!("Trang {}/{n}", i + 1),
            style,
            left,
            right,
            baseline,
            Align::Center,
        )?;
    }
    Ok(())
}

pub(crate) fn write_pdf(pages: &[Page], meta: &Meta) -> Result<Vec<u8>, RenderError> {
    if pages.len() > MAX_PAGES {
        return Err(RenderError::too_large(
            format!("tài liệu quá dài (hơn {MAX_PAGES} trang)"),
            format!("the document is too long (over {MAX_PAGES} pages)"),
        ));
    }
    let mut doc = Document::new();
    doc.set_metadata(
        krilla::metadata::Metadata::new()
            .title(meta.title.clone())
            .description(meta.subject.clone())
            .authors(vec![meta.author.clone()])
            .language("vi".into())
            .creator("kyso".into()),
    );
    for p in pages {
        let settings = PageSettings::from_wh(p.width, p.height)
            .ok_or_else(|| RenderError::Pdf(format!("bad page size {}×{}", p.width, p.height)))?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        for item in &p.items {
            match item {
                Item::Text { x, baseline, run } => surface.draw_glyphs(
                    Point::from_xy(*x, *baseline),
                    &run.glyphs,
                    run.style.face.get().pdf.clone(),
                    &run.text,
                    run.style.size,
                    false,
                ),
                Item::Line { from, to, width } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(from.0, from.1);
                    pb.line_to(to.0, to.1);
                    let Some(path) = pb.finish() else { continue };
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke {
                        width: *width,
                        ..Stroke::default()
                    }));
                    surface.draw_path(&path);
                    surface.set_stroke(None);
                    surface.set_fill(Some(krilla::paint::Fill::default()));
                }
            }
        }
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| RenderError::Pdf(format!("{e:?}")))
}
