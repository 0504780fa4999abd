//! Annotations other than the widgets of form fields (ISO 32000-1
//! §12.5): added, changed or removed, they are annotations level —
//! allowed under DocMDP P3 and on documents that are not certified — and
//! always reported with their kind, page and rectangle, and the part of
//! the signed page content their appearance paints over (the "evil
//! annotation" attack is a FreeText or Stamp over the text). A widget
//! added that is no signature field of the form, or a widget removed, is
//! a change of the form, disallowed.
use lopdf::{Dictionary, Object};

use super::{page_tree::page_number, shown};
use crate::diff::{dict_of, name_of, paint::painted_area, Ctx, Finding, Level, RuleResult};

/// Whether `d` is an annotation dictionary.
pub(crate) fn is_annotation(d: &Dictionary) -> bool {
    d.has(b"Subtype") && d.has(b"Rect") && !d.has_type(b"Page")
}

fn subtype(d: &Dictionary) -> String {
    name_of(d, b"Subtype")
        .map(|s| String::from_utf8_lossy(&s).into_owned())
        .unwrap_or_default()
}

/// Markup annotations a viewer draws from their own entries (`/C`,
/// `/BS`, `/Contents`, …) when they carry no `/AP` (ISO 32000-1 §12.5.5:
/// a conforming reader may generate the appearance; Acrobat, pdf.js and
/// poppler do for these).
fn drawn_without_appearance(d: &Dictionary) -> bool {
    matches!(
        name_of(d, b"Subtype").as_deref(),
        Some(
            b"FreeText"
                | b"Line"
                | b"Square"
                | b"Circle"
                | b"Polygon"
                | b"PolyLine"
                | b"Highlight"
                | b"Underline"
                | b"Squiggly"
                | b"StrikeOut"
                | b"Stamp"
                | b"Caret"
                | b"Ink"
                | b"Redact"
        )
    )
}

/// Rectangle and covered content of annotation `d` on page `page`.
fn placed(
    cx: &mut Ctx<'_>,
    page: Option<lopdf::ObjectId>,
    d: &Dictionary,
) -> (Option<u32>, Option<crate::Rect>, Option<crate::Rect>) {
    let page = page.or_else(|| d.get(b"P").and_then(Object::as_reference).ok());
    let number = page.and_then(|p| page_number(cx, p));
    let rect = shown(d);
    let covers = match (rect, page, d.has(b"AP") || drawn_without_appearance(d)) {
        (Some(r), Some(p), true) => painted_area(cx.new, p, r),
        _ => None,
    };
    (
        number,
        rect.or_else(|| super::rect_of(d.get(b"Rect").ok())),
        covers,
    )
}

pub(crate) fn apply(cx: &mut Ctx<'_>) -> RuleResult {
    let changes = std::mem::take(&mut cx.annots);
    for ch in &changes {
        for a in &ch.added {
            if let Object::Reference(r) = a {
                if cx.handled.contains(r) {
                    continue;
                }
            }
            let Some(d) = cx.new_dict(a) else {
                continue;
            };
            cx.claim_ref(a);
            if name_of(&d, b"Subtype").as_deref() == Some(b"Widget") {
                let field = super::field_name(cx, &d);
                cx.push(
                    a.as_reference().ok(),
                    Level::Disallowed,
                    Finding::FormFieldAdded { field },
                );
                continue;
            }
            let (page, rect, covers) = placed(cx, ch.page, &d);
            cx.push(
                a.as_reference().ok(),
                Level::Annotations,
                Finding::AnnotationAdded {
                    subtype: subtype(&d),
                    page,
                    rect,
                    covers,
                },
            );
        }
        for o in &ch.removed {
            let d = cx.old_dict(o).unwrap_or_default();
            let page = ch.page.and_then(|p| page_number(cx, p));
            if name_of(&d, b"Subtype").as_deref() == Some(b"Widget") {
                let field = match d.get(b"T") {
                    Ok(Object::String(t, _)) => crate::signature_dict::decode_text(t),
                    _ => String::new(),
                };
                cx.push(
                    o.as_reference().ok(),
                    Level::Disallowed,
                    Finding::FieldChanged {
                        field,
                        key: "Annots".into(),
                    },
                );
                continue;
            }
            cx.push(
                o.as_reference().ok(),
                Level::Annotations,
                Finding::AnnotationRemoved {
                    subtype: subtype(&d),
                    page,
                },
            );
        }
    }
    cx.annots = changes;
    // Existing annotations changed in place.
    let items: Vec<(lopdf::ObjectId, Dictionary, Dictionary)> = cx
        .delta
        .iter()
        .filter(|(n, _)| !cx.claimed.contains(n))
        .filter_map(|(_, d)| {
            let (a, b) = (
                d.old.as_ref().and_then(dict_of)?,
                d.new.as_ref().and_then(dict_of)?,
            );
            let plain = |x: &Dictionary| {
                is_annotation(x) && name_of(x, b"Subtype").as_deref() != Some(b"Widget")
            };
            (plain(a) && plain(b) && !matches!(d.new, Some(Object::Stream(_))))
                .then_some(d.new_id?)
                .map(|id| (id, a.clone(), b.clone()))
        })
        .collect();
    for (id, a, b) in items {
        cx.claim(id);
        // Its appearance: new streams, or its own rewritten in place.
        let mut before = Vec::new();
        if let Ok(ap) = a.get(b"AP") {
            crate::loader::references(ap, &mut before);
        }
        let mut after = Vec::new();
        if let Ok(ap) = b.get(b"AP") {
            crate::loader::references(ap, &mut after);
        }
        for r in after {
            if before.contains(&r) && cx.changed(r) {
                cx.claim(r);
            }
        }
        cx.claim_new(&Object::Dictionary(b.clone()));
        let (page, rect, covers) = placed(cx, None, &b);
        cx.push(
            Some(id),
            Level::Annotations,
            Finding::AnnotationChanged {
                subtype: subtype(&b),
                page,
                rect,
                covers,
            },
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::diff::rules::testing::*;
    use crate::diff::{Finding, Level};

    const FREETEXT: &str = "12 0 obj << /Type /Annot /Subtype /FreeText /Rect [50 650 550 750] /P 3 0 R /AP << /N 13 0 R >> >> endobj";
    const OVERLAY: &str = "13 0 obj << /Type /XObject /Subtype /Form /BBox [0 0 500 100] /Length 22 >> stream\n1 1 1 rg 0 0 500 100 re f\nendstream endobj";

    #[test]
    fn an_annotation_over_the_text_is_reported_with_what_it_covers() {
        let f = Fixture::base();
        let c = f.update(
            &[
                &page("/Annots [7 0 R 9 0 R 10 0 R 12 0 R]"),
                FREETEXT,
                OVERLAY,
            ],
            "",
        );
        assert_eq!(codes(&c), vec!["annotation-added"], "{c:#?}");
        assert_eq!(c[0].level, Level::Annotations);
        assert!(c[0].allowed, "allowed on a document that is not certified");
        match &c[0].finding {
            Finding::AnnotationAdded {
                subtype,
                page: Some(1),
                rect: Some(r),
                covers: Some(cov),
            } => {
                assert_eq!(subtype, "FreeText");
                assert_eq!((r.x1, r.y2), (50.0, 750.0));
                // The "Hello" line at (72, 700) lies under it.
                assert!(cov.y1 <= 700.0 && cov.y2 >= 700.0, "{cov:?}");
            }
            f => panic!("{f:?}"),
        }
        // Under P3 allowed, under P2 not.
        assert!(
            f.certified(3).update(
                &[
                    &page("/Annots [7 0 R 9 0 R 10 0 R 12 0 R]"),
                    FREETEXT,
                    OVERLAY
                ],
                ""
            )[0]
            .allowed
        );
        assert!(
            !f.certified(2).update(
                &[
                    &page("/Annots [7 0 R 9 0 R 10 0 R 12 0 R]"),
                    FREETEXT,
                    OVERLAY
                ],
                ""
            )[0]
            .allowed
        );
    }

    #[test]
    fn a_square_without_appearance_over_the_text_is_reported_as_covering_it() {
        // pypdf's annotations carry no /AP: viewers draw them from /C.
        let f = Fixture::base();
        let square = "12 0 obj << /Type /Annot /Subtype /Square /Rect [50 650 550 750] /P 3 0 R /C [1 0 0] >> endobj";
        let c = f.update(&[&page("/Annots [7 0 R 9 0 R 10 0 R 12 0 R]"), square], "");
        assert_eq!(codes(&c), vec!["annotation-added"], "{c:#?}");
        assert!(c[0].finding.covers().is_some(), "{c:#?}");
        // A link without appearance paints nothing.
        let link = "12 0 obj << /Type /Annot /Subtype /Link /Rect [50 650 550 750] /P 3 0 R /Border [0 0 0] >> endobj";
        let c = f.update(&[&page("/Annots [7 0 R 9 0 R 10 0 R 12 0 R]"), link], "");
        assert!(c[0].finding.covers().is_none(), "{c:#?}");
    }

    #[test]
    fn removed_and_changed_annotations() {
        let f = Fixture::base();
        let c = f.update(&[&page("/Annots [9 0 R 10 0 R]")], "");
        assert_eq!(codes(&c), vec!["annotation-removed"]);
        let c = f.update(&["7 0 obj << /Type /Annot /Subtype /Text /Rect [10 10 30 30] /Contents (changed) >> endobj"], "");
        assert_eq!(codes(&c), vec!["annotation-changed"]);
        assert_eq!(c[0].level, Level::Annotations);
        // A widget taken off the page: the form changed.
        let c = f.update(&[&page("/Annots [7 0 R 10 0 R]")], "");
        assert_eq!(codes(&c), vec!["field-changed"]);
    }
}
