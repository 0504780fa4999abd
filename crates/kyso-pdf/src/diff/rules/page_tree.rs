//! The page tree: page-tree nodes and pages may only change in their
//! annotations (judged by the form and annotation rules, to which the
//! added and removed annotations of each page are handed) and in the
//! markers producers keep for themselves (`/PieceInfo`, `/LastModified`,
//! iText's `/ITXT`). `/StructParents` goes with the structure tree. A
//! node's kids or count changing is pages added, removed or reordered;
//! any other page entry (`/Contents`, `/Resources`, `/MediaBox`,
//! `/Rotate`, …) is a change of the page.
use lopdf::{Object, ObjectId};

use super::{annotation::is_annotation, PRODUCER_MARKERS};
use crate::diff::{dict_of, name_of, Ctx, Finding, Level, RuleResult};

/// The annotations one page gained and lost in the update.
#[derive(Clone, Debug, Default)]
pub(crate) struct AnnotsChange {
    /// The page (in the new revision), when known.
    pub(crate) page: Option<ObjectId>,
    pub(crate) added: Vec<Object>,
    pub(crate) removed: Vec<Object>,
}

fn node_type(o: &Option<Object>) -> Option<Vec<u8>> {
    o.as_ref()
        .and_then(dict_of)
        .and_then(|d| name_of(d, b"Type"))
}

/// Most siblings counted to find a page's number.
const MAX_SIBLINGS: usize = 100_000;

/// The 1-based number of page `page` in the new revision (walking up
/// `/Parent` and counting the pages before it at each level).
pub(crate) fn page_number(cx: &mut Ctx<'_>, page: ObjectId) -> Option<u32> {
    let mut before = 0u64;
    let mut cur = page;
    for _ in 0..64 {
        let d = cx.new_obj(cur).as_ref().and_then(dict_of).cloned()?;
        let Ok(Object::Reference(parent)) = d.get(b"Parent").cloned() else {
            break;
        };
        let pd = cx.new_obj(parent).as_ref().and_then(dict_of).cloned()?;
        let kids = match cx.new_entry(&pd, b"Kids") {
            Some(Object::Array(k)) => k,
            _ => return None,
        };
        let mut found = false;
        for k in kids.iter().take(MAX_SIBLINGS) {
            let Object::Reference(k) = k else { continue };
            if *k == cur {
                found = true;
                break;
            }
            let kd = cx.new_obj(*k).as_ref().and_then(dict_of).cloned();
            before += match kd {
                Some(kd) if name_of(&kd, b"Type").as_deref() == Some(b"Pages") => kd
                    .get(b"Count")
                    .and_then(Object::as_i64)
                    .ok()
                    .and_then(|c| u64::try_from(c).ok())
                    .unwrap_or(0),
                Some(_) => 1,
                None => 0,
            };
        }
        if !found {
            return None;
        }
        cur = parent;
    }
    u32::try_from(before + 1).ok()
}

/// The entries of an `/Annots` value (followed), in the given revision.
fn annots(cx: &mut Ctx<'_>, o: Option<&Object>, new: bool) -> Vec<Object> {
    let v = o.and_then(|o| match new {
        true => cx.new_val(o),
        false => cx.old_val(o),
    });
    match v {
        Some(Object::Array(a)) => a,
        _ => Vec::new(),
    }
}

/// What `new` gained over `old`, and lost.
fn difference(cx: &mut Ctx<'_>, old: &[Object], new: &[Object]) -> (Vec<Object>, Vec<Object>) {
    let mut added = Vec::new();
    for n in new {
        let had = old.iter().any(|o| match (o, n) {
            (Object::Reference(a), Object::Reference(b)) => a == b,
            (a, b) => cx.same(a, b),
        });
        if !had {
            added.push(n.clone());
        }
    }
    let mut removed = Vec::new();
    for o in old {
        let kept = new.iter().any(|n| match (o, n) {
            (Object::Reference(a), Object::Reference(b)) => a == b,
            (a, b) => cx.same(a, b),
        });
        if !kept {
            removed.push(o.clone());
        }
    }
    (added, removed)
}

fn root_count(cx: &mut Ctx<'_>) -> (u64, u64) {
    let (a, b) = cx.catalogs();
    let before = super::catalog::count(cx, a.as_ref().and_then(|c| c.get(b"Pages").ok()), false);
    let after = super::catalog::count(cx, b.as_ref().and_then(|c| c.get(b"Pages").ok()), true);
    (before, after)
}

pub(crate) fn apply(cx: &mut Ctx<'_>) -> RuleResult {
    let items: Vec<(u32, crate::diff::Delta)> = cx
        .delta
        .iter()
        .filter(|(n, _)| !cx.claimed.contains(n))
        .map(|(n, d)| (*n, d.clone()))
        .collect();
    let mut pages_changed = false;
    for (_, d) in &items {
        let (Some(old), Some(new), Some(id)) = (&d.old, &d.new, d.new_id) else {
            continue;
        };
        let (Some(a), Some(b)) = (dict_of(old).cloned(), dict_of(new).cloned()) else {
            // An indirect /Annots array.
            if let (Object::Array(oa), Object::Array(na)) = (old, new) {
                let all: Vec<Object> = oa.iter().chain(na).cloned().collect();
                let mut annotations = !all.is_empty();
                let mut page = None;
                for x in &all {
                    match cx.new_dict(x).or_else(|| cx.old_dict(x)) {
                        Some(ad) if is_annotation(&ad) => {
                            if page.is_none() {
                                page = ad.get(b"P").and_then(Object::as_reference).ok();
                            }
                        }
                        _ => annotations = false,
                    }
                }
                if annotations {
                    let (added, removed) = difference(cx, oa, na);
                    cx.claim(id);
                    cx.annots.push(AnnotsChange {
                        page,
                        added,
                        removed,
                    });
                }
            }
            continue;
        };
        let ty = node_type(&d.new).or_else(|| node_type(&d.old));
        match ty.as_deref() {
            Some(b"Pages") => {
                cx.claim(id);
                let keys: Vec<Vec<u8>> = cx
                    .changed_keys(&a, &b)
                    .into_iter()
                    .filter(|k| !PRODUCER_MARKERS.contains(&k.as_slice()))
                    .collect();
                if !keys.is_empty() && !pages_changed {
                    pages_changed = true;
                    let (before, after) = root_count(cx);
                    cx.push(
                        Some(id),
                        Level::Disallowed,
                        Finding::PagesChanged { before, after },
                    );
                }
            }
            Some(b"Page") => {
                cx.claim(id);
                for key in cx.changed_keys(&a, &b) {
                    match key.as_slice() {
                        b"Annots" => {
                            let old_list = annots(cx, a.get(b"Annots").ok(), false);
                            let new_list = annots(cx, b.get(b"Annots").ok(), true);
                            if let Ok(Object::Reference(r)) = b.get(b"Annots") {
                                if cx.changed(*r) || cx.is_new(*r) {
                                    cx.claim(*r);
                                }
                            }
                            let (added, removed) = difference(cx, &old_list, &new_list);
                            cx.annots.push(AnnotsChange {
                                page: Some(id),
                                added,
                                removed,
                            });
                        }
                        b"StructParents" => {
                            cx.push(Some(id), Level::FormFilling, Finding::StructureTree)
                        }
                        k if PRODUCER_MARKERS.contains(&k) => {
                            if let Ok(v) = b.get(k) {
                                let v = v.clone();
                                cx.claim_new(&v);
                            }
                        }
                        k => {
                            let page = page_number(cx, id);
                            cx.push(
                                Some(id),
                                Level::Disallowed,
                                Finding::PageChanged {
                                    page,
                                    key: String::from_utf8_lossy(k).into_owned(),
                                },
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !pages_changed {
        let (before, after) = root_count(cx);
        if before != after {
            cx.push(
                None,
                Level::Disallowed,
                Finding::PagesChanged { before, after },
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::diff::rules::testing::*;
    use crate::diff::Finding;

    #[test]
    fn content_resources_and_pages_are_disallowed_markers_are_not() {
        let f = Fixture::base();
        let c = f.update(
            &[
                &page("/Contents 12 0 R"),
                "12 0 obj << /Length 2 >> stream\nq\nendstream endobj",
            ],
            "",
        );
        assert_eq!(codes(&c), vec!["page-changed"]);
        assert!(
            matches!(&c[0].finding, Finding::PageChanged { page: Some(1), key } if key == "Contents")
        );
        let c = f.update(
            &[&page(
                "/PieceInfo << /kyso << /LastModified (D:2026) >> >> /LastModified (D:2026)",
            )],
            "",
        );
        assert!(c.is_empty(), "{c:#?}");
        let c = f.update(
            &["2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 /ITXT (5.5.13) >> endobj"],
            "",
        );
        assert!(c.is_empty(), "{c:#?}");
        let c = f.update(
            &[
                "2 0 obj << /Type /Pages /Kids [3 0 R 12 0 R] /Count 2 >> endobj",
                "12 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj",
            ],
            "",
        );
        assert_eq!(codes(&c), vec!["pages-changed"]);
        // A page removed.
        let c = f.update(&["2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj"], "");
        assert_eq!(codes(&c), vec!["pages-changed"]);
    }
}
