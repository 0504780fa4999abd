//! The logical structure of a tagged PDF (ISO 32000-1 §14.7): signing a
//! tagged document adds a structure element for the new field (an
//! `/OBJR` to its widget), extends the `/ParentTree` number tree and
//! `/ParentTreeNextKey`. Such changes — structure elements, number-tree
//! nodes and their arrays, before and after — are form-filling level:
//! they come with a field or a signature and change nothing drawn.
use lopdf::{Dictionary, Object};

use crate::diff::{dict_of, name_of, Ctx, Finding, Level, RuleResult};

const STRUCTURE_TYPES: &[&[u8]] = &[b"StructTreeRoot", b"StructElem", b"OBJR", b"MCR"];

/// Whether `d` is a structure dictionary or a number-tree node.
fn structural(d: &Dictionary) -> bool {
    match name_of(d, b"Type") {
        Some(t) => STRUCTURE_TYPES.contains(&t.as_slice()),
        None => {
            d.has(b"Nums") || (d.has(b"Kids") && d.has(b"Limits")) || d.has(b"S") && d.has(b"P")
        }
    }
}

/// Whether `o` is structural: such a dictionary, or an array of
/// integers, nulls and references (the `/K` of an element, the values of
/// a parent tree) of which one at least is a structure dictionary —
/// unless `plain` (a new array), when integers alone will do (an
/// existing array of numbers may be a page box).
fn shaped(cx: &mut Ctx<'_>, o: &Object, new: bool, plain: bool) -> bool {
    match o {
        Object::Dictionary(d) => structural(d),
        Object::Array(a) => {
            let mut structure = 0;
            let all = a.iter().all(|x| match x {
                Object::Integer(_) | Object::Null => true,
                Object::Reference(_) => {
                    let v = match new {
                        true => cx.new_val(x),
                        false => cx.old_val(x),
                    };
                    match v {
                        Some(Object::Dictionary(d)) if structural(&d) => {
                            structure += 1;
                            true
                        }
                        Some(Object::Array(_)) | None => true,
                        _ => false,
                    }
                }
                Object::Dictionary(d) => {
                    structure += 1;
                    structural(d)
                }
                _ => false,
            });
            all && (structure > 0 || plain)
        }
        _ => false,
    }
}

pub(crate) fn apply(cx: &mut Ctx<'_>) -> RuleResult {
    let mut touched = false;
    let (old_cat, new_cat) = cx.catalogs();
    for key in [&b"StructTreeRoot"[..], b"MarkInfo"] {
        let a = old_cat.as_ref().and_then(|c| c.get(key).ok().cloned());
        let b = new_cat.as_ref().and_then(|c| c.get(key).ok().cloned());
        match (a, b) {
            (Some(a), Some(b)) if !cx.same(&a, &b) => {
                touched = true;
                cx.claim_new(&b);
            }
            (None, Some(b)) => {
                touched = true;
                cx.claim_new(&b);
            }
            (Some(_), None) => cx.push(
                None,
                Level::Disallowed,
                Finding::CatalogChanged {
                    key: String::from_utf8_lossy(key).into_owned(),
                },
            ),
            _ => {}
        }
    }
    let candidates: Vec<crate::diff::Delta> = cx
        .delta
        .iter()
        .filter(|(n, _)| !cx.claimed.contains(n))
        .map(|(_, d)| d.clone())
        .collect();
    for crate::diff::Delta {
        old,
        new,
        new_id: id,
        ..
    } in candidates
    {
        let (Some(new), Some(id)) = (new, id) else {
            continue;
        };
        if dict_of(&new).is_some() && matches!(new, Object::Stream(_)) {
            continue;
        }
        let before_ok = match &old {
            Some(o) => !matches!(o, Object::Stream(_)) && shaped(cx, o, false, false),
            None => true,
        };
        if before_ok && shaped(cx, &new, true, old.is_none()) {
            cx.claim(id);
            cx.claim_new(&new);
            touched = true;
        }
    }
    if touched {
        cx.push(None, Level::FormFilling, Finding::StructureTree);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::diff::rules::testing::*;

    #[test]
    fn a_tagged_pdf_structure_updated_for_a_field_is_form_filling() {
        let f = Fixture::base().then(
            &[
                &catalog("/StructTreeRoot 12 0 R /MarkInfo << /Marked true >>"),
                "12 0 obj << /Type /StructTreeRoot /K [13 0 R] /ParentTree 14 0 R /ParentTreeNextKey 1 >> endobj",
                "13 0 obj << /Type /StructElem /S /Document /P 12 0 R /K [0] >> endobj",
                "14 0 obj << /Nums [0 15 0 R] >> endobj",
                "15 0 obj [13 0 R] endobj",
            ],
            "",
        );
        let c = f.update(
            &[
                "12 0 obj << /Type /StructTreeRoot /K [13 0 R] /ParentTree 14 0 R /ParentTreeNextKey 2 >> endobj",
                "13 0 obj << /Type /StructElem /S /Document /P 12 0 R /K [0 16 0 R] >> endobj",
                "14 0 obj << /Nums [0 15 0 R 1 16 0 R] >> endobj",
                "16 0 obj << /Type /StructElem /S /Form /P 13 0 R /K << /Type /OBJR /Obj 9 0 R >> >> endobj",
            ],
            "",
        );
        assert_eq!(codes(&c), vec!["structure-tree"]);
        assert!(c[0].allowed);
        // A page content stream is never "structure".
        let c = f.update(
            &["4 0 obj << /Nums [0 1] /Length 2 >> stream\nq\nendstream endobj"],
            "",
        );
        assert_eq!(codes(&c), vec!["object-changed"]);
        // Nor an existing array of numbers (a page box, say).
        let g = f.then(&["17 0 obj [0 0 612 792] endobj"], "");
        let c = g.update(&["17 0 obj [0 0 300 300] endobj"], "");
        assert_eq!(codes(&c), vec!["object-changed"]);
    }
}
