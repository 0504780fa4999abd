//! The rules of the modification analysis, in the order they run. Each
//! explains the changes of one part of the document and claims the
//! objects it explained; [`unexplained`] judges what is left.
mod annotation;
mod catalog;
mod dss;
mod form;
mod metadata;
mod page_tree;
pub(crate) use page_tree::AnnotsChange;
mod structure;
mod trailer;

#[cfg(test)]
pub(crate) mod testing;

use std::collections::HashSet;

use lopdf::{Dictionary, Object, ObjectId};

use super::{dict_of, name_of, Ctx, Finding, Level, ObjectKind, RuleResult};

/// One rule: a name (for errors) and what it does.
pub(crate) struct Rule {
    pub(crate) name: &'static str,
    pub(crate) apply: fn(&mut Ctx<'_>) -> RuleResult,
}

/// The rules, in order: later ones see what earlier ones claimed.
pub(crate) const RULES: &[Rule] = &[
    Rule {
        name: "trailer",
        apply: trailer::apply,
    },
    Rule {
        name: "catalog",
        apply: catalog::apply,
    },
    Rule {
        name: "dss",
        apply: dss::apply,
    },
    Rule {
        name: "metadata",
        apply: metadata::apply,
    },
    Rule {
        name: "structure",
        apply: structure::apply,
    },
    Rule {
        name: "page-tree",
        apply: page_tree::apply,
    },
    Rule {
        name: "form",
        apply: form::apply,
    },
    Rule {
        name: "annotation",
        apply: annotation::apply,
    },
];

/// What an object is, for the sentence about a change no rule explains.
pub(crate) fn kind_of(o: &Object) -> ObjectKind {
    let Some(d) = dict_of(o) else {
        return ObjectKind::Other;
    };
    let stream = matches!(o, Object::Stream(_));
    match (
        name_of(d, b"Type").as_deref(),
        name_of(d, b"Subtype").as_deref(),
    ) {
        (Some(b"Sig" | b"DocTimeStamp"), _) => ObjectKind::SignatureDictionary,
        // Producers also write signature dictionaries and document
        // time-stamps without /Type: /ByteRange and /Contents tell.
        (None, _) if d.has(b"ByteRange") && d.has(b"Contents") => ObjectKind::SignatureDictionary,
        (Some(b"Font" | b"FontDescriptor"), _) => ObjectKind::Font,
        (Some(b"OCG" | b"OCMD"), _) => ObjectKind::OptionalContent,
        (_, Some(b"Image")) => ObjectKind::Image,
        (_, Some(b"Form")) => ObjectKind::FormXObject,
        (Some(b"ExtGState"), _) => ObjectKind::GraphicsState,
        _ if !stream && d.has(b"Subtype") && d.has(b"Rect") => ObjectKind::Annotation,
        _ if stream => ObjectKind::ContentStream,
        _ => ObjectKind::Dictionary,
    }
}

/// Changes no rule claimed: an existing object changed or removed is
/// disallowed; a new object is harmless unless the revision before
/// already referred to it.
pub(crate) fn unexplained(cx: &mut Ctx<'_>) {
    let mut fresh = HashSet::new();
    let left: Vec<(u32, super::Delta)> = cx
        .delta
        .iter()
        .filter(|(n, _)| !cx.claimed.contains(n))
        .map(|(n, d)| (*n, d.clone()))
        .collect();
    for (num, d) in left {
        match (&d.old, &d.new) {
            (Some(_), None) => cx.push(d.old_id, Level::Disallowed, Finding::ObjectRemoved),
            (Some(old), Some(new)) => {
                let kind = match kind_of(old) {
                    ObjectKind::Other | ObjectKind::Dictionary => kind_of(new),
                    k => k,
                };
                let finding = match kind {
                    ObjectKind::SignatureDictionary => Finding::SignatureChanged { field: None },
                    kind => Finding::ObjectChanged { kind },
                };
                cx.push(d.new_id, Level::Disallowed, finding);
            }
            (None, Some(_)) => {
                fresh.insert(num);
            }
            (None, None) => {}
        }
    }
    if fresh.is_empty() {
        return;
    }
    match cx.old.references_to(&fresh) {
        Ok(hit) => {
            let mut hit: Vec<u32> = hit.into_iter().collect();
            hit.sort_unstable();
            for num in hit {
                let id = cx.delta.get(&num).and_then(|d| d.new_id);
                cx.push(id, Level::Disallowed, Finding::DanglingReferenceDefined);
            }
        }
        Err(e) => cx.push(
            None,
            Level::Disallowed,
            Finding::Unanalysable {
                why: format!("references: {e}"),
            },
        ),
    }
}

/// The field type, inherited through `/Parent` (in the new revision).
pub(crate) fn field_type(cx: &mut Ctx<'_>, d: &Dictionary) -> Option<Vec<u8>> {
    let mut cur = d.clone();
    for _ in 0..32 {
        if let Some(ft) = name_of(&cur, b"FT") {
            return Some(ft);
        }
        let p = cur.get(b"Parent").ok().cloned()?;
        cur = cx.new_dict(&p)?;
    }
    None
}

/// The fully qualified name of field (or widget) `d` in the new revision.
pub(crate) fn field_name(cx: &mut Ctx<'_>, d: &Dictionary) -> String {
    let mut parts = Vec::new();
    let mut cur = Some(d.clone());
    let mut seen = HashSet::<ObjectId>::new();
    for _ in 0..32 {
        let Some(c) = cur.take() else { break };
        if let Ok(Object::String(t, _)) = c.get(b"T") {
            parts.push(crate::signature_dict::decode_text(t));
        }
        cur = match c.get(b"Parent") {
            Ok(Object::Reference(p)) if seen.insert(*p) => {
                cx.new_obj(*p).as_ref().and_then(dict_of).cloned()
            }
            _ => None,
        };
    }
    parts.reverse();
    parts.join(".")
}

/// A rectangle `[x1 y1 x2 y2]`, normalized.
pub(crate) fn rect_of(o: Option<&Object>) -> Option<crate::Rect> {
    let Some(Object::Array(a)) = o else {
        return None;
    };
    let n: Vec<f32> = a
        .iter()
        .map(|v| match v {
            Object::Integer(i) => Some(*i as f32),
            Object::Real(r) => Some(*r),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let [x1, y1, x2, y2] = n.as_slice() else {
        return None;
    };
    let r = crate::Rect {
        x1: *x1,
        y1: *y1,
        x2: *x2,
        y2: *y2,
    }
    .normalized();
    [r.x1, r.y1, r.x2, r.y2]
        .iter()
        .all(|v| v.is_finite())
        .then_some(r)
}

/// Whether annotation `d` is shown: a rectangle with an area, not hidden
/// (`/F` bits 2 Hidden and 6 NoView).
pub(crate) fn shown(d: &Dictionary) -> Option<crate::Rect> {
    let flags = d.get(b"F").and_then(Object::as_i64).unwrap_or(0);
    if flags & (2 | 32) != 0 {
        return None;
    }
    rect_of(d.get(b"Rect").ok()).filter(|r| r.width() > 0.0 && r.height() > 0.0)
}

/// Keys of page-tree nodes and pages that producers write for
/// themselves and that change nothing a viewer shows.
pub(crate) const PRODUCER_MARKERS: &[&[u8]] = &[b"PieceInfo", b"LastModified", b"ITXT"];

#[cfg(test)]
mod tests {
    use super::testing::*;
    use crate::diff::{DiffPolicy, Finding};

    #[test]
    fn unexplained_changes_are_disallowed_and_orphans_are_harmless() {
        let f = Fixture::base();
        // The font rewritten: described as a font.
        let c = f.update(
            &["5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Symbol >> endobj"],
            "",
        );
        assert!(
            matches!(
                c[..],
                [crate::diff::Change {
                    finding: Finding::ObjectChanged {
                        kind: crate::diff::ObjectKind::Font
                    },
                    allowed: false,
                    ..
                }]
            ),
            "{c:#?}"
        );
        // An object freed.
        let c = f.update(&["free 5"], "");
        assert_eq!(codes(&c), vec!["object-removed"]);
        // A new object nothing refers to: nothing to report.
        let c = f.update(&["40 0 obj << /Orphan true >> endobj"], "");
        assert!(c.is_empty(), "{c:#?}");
        // Re-written with the same meaning (612.0 for 612): nothing.
        let c = f.update(&[&page("/MediaBox [0 0 612.0 792.00]")], "");
        assert!(c.is_empty(), "{c:#?}");
    }

    /// Found by the pdf_diff fuzz target: comparing two long chains of
    /// references recursed until the stack overflowed.
    #[test]
    fn long_reference_chains_compare_within_a_bounded_depth() {
        let chain = |from: u32, n: u32| -> Vec<String> {
            (from..from + n)
                .map(|k| format!("{k} 0 obj << /Next {} 0 R >> endobj", k + 1))
                .collect()
        };
        let mut first = chain(100, 20_000);
        first.push(catalog("/X 100 0 R"));
        let refs: Vec<&str> = first.iter().map(String::as_str).collect();
        let f = Fixture::base().then(&refs, "");
        let mut second = chain(30_000, 20_000);
        second.push(catalog("/X 30000 0 R"));
        let refs: Vec<&str> = second.iter().map(String::as_str).collect();
        let c = f.update(&refs, "");
        assert_eq!(codes(&c), vec!["catalog-changed"]);
    }

    #[test]
    fn an_object_the_signed_revision_referred_to_defined_later_is_disallowed() {
        // The page's content refers to object 30, which does not exist.
        let f = Fixture::base().then(&[&page("/Contents [4 0 R 30 0 R]")], "");
        let c = f.update(
            &["30 0 obj << /Length 22 >> stream\nBT (Paid) Tj ET 0 0 m\nendstream endobj"],
            "",
        );
        assert_eq!(codes(&c), vec!["dangling-reference-defined"]);
        assert!(!c[0].allowed);
    }

    #[test]
    fn an_update_that_is_not_a_valid_incremental_update_is_disallowed() {
        let two = append(&base_pdf(), &["12 0 obj << /A 1 >> endobj"], "");
        let row = b"00000 n";
        let at = two.windows(row.len()).rposition(|w| w == row).unwrap() - 11;
        let mut bad = two.clone();
        bad[at..at + 10].copy_from_slice(b"0000000020");
        let c = analyse_last(&bad, &DiffPolicy::default());
        assert!(codes(&c).contains(&"invalid-update"), "{c:#?}");
    }
}
