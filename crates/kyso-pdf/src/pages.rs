//! Finding a page in the page tree (ISO 32000-1 §7.7.3.2) by descending
//! through the `/Count` of each node, so that the cost is the depth of
//! the tree, not the number of pages.
use std::collections::HashSet;

use lopdf::{Document, Object, ObjectId};

use crate::PdfError;

/// Deepest page tree walked.
const MAX_DEPTH: usize = 64;

fn node(doc: &Document, id: ObjectId) -> Option<&lopdf::Dictionary> {
    doc.get_object(id).and_then(Object::as_dict).ok()
}

fn root(doc: &Document) -> Option<ObjectId> {
    doc.catalog()
        .ok()?
        .get(b"Pages")
        .and_then(Object::as_reference)
        .ok()
}

pub(crate) fn is_page(d: &lopdf::Dictionary) -> bool {
    d.get(b"Type")
        .and_then(Object::as_name)
        .is_ok_and(|t| t == b"Page")
        || !d.has(b"Kids")
}

fn kids(d: &lopdf::Dictionary) -> Vec<ObjectId> {
    match d.get(b"Kids") {
        Ok(Object::Array(a)) => a.iter().filter_map(|k| k.as_reference().ok()).collect(),
        _ => Vec::new(),
    }
}

/// Pages under `id`: its `/Count`, 1 for a page.
pub(crate) fn count_of(doc: &Document, id: ObjectId) -> u64 {
    match node(doc, id) {
        Some(d) if is_page(d) => 1,
        Some(d) => d
            .get(b"Count")
            .and_then(Object::as_i64)
            .ok()
            .and_then(|c| u64::try_from(c).ok())
            .unwrap_or(0),
        None => 0,
    }
}

/// Number of pages: the root's `/Count`.
pub(crate) fn count(doc: &Document) -> usize {
    root(doc).map_or(0, |r| count_of(doc, r) as usize)
}

/// The object of 1-based page `n`.
pub(crate) fn page_id(doc: &Document, n: u32) -> Result<ObjectId, PdfError> {
    let total = count(doc);
    let missing = || PdfError::NoSuchPage {
        page: n,
        count: total,
    };
    if n == 0 {
        return Err(missing());
    }
    let mut at = root(doc).ok_or_else(missing)?;
    let mut left = u64::from(n);
    let mut seen = HashSet::new();
    for _ in 0..MAX_DEPTH {
        if !seen.insert(at) {
            break;
        }
        let d = node(doc, at).ok_or_else(missing)?;
        if is_page(d) {
            return if left == 1 { Ok(at) } else { Err(missing()) };
        }
        let mut next = None;
        for k in kids(d) {
            let c = count_of(doc, k);
            if left <= c {
                next = Some(k);
                break;
            }
            left -= c;
        }
        at = next.ok_or_else(missing)?;
    }
    Err(PdfError::Malformed("page tree too deep or cyclic".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;

    #[test]
    fn descends_by_count() {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let mut leaves = Vec::new();
        let mut mids = Vec::new();
        for _ in 0..3 {
            let mid = doc.new_object_id();
            let mut kids = Vec::new();
            for _ in 0..4 {
                let p = doc.add_object(dictionary! { "Type" => "Page", "Parent" => mid });
                leaves.push(p);
                kids.push(Object::Reference(p));
            }
            doc.objects.insert(
                mid,
                Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => 4, "Parent" => pages_id }),
            );
            mids.push(Object::Reference(mid));
        }
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => mids, "Count" => 12 }),
        );
        let cat = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", cat);
        assert_eq!(count(&doc), 12);
        for (i, p) in leaves.iter().enumerate() {
            assert_eq!(page_id(&doc, i as u32 + 1).unwrap(), *p);
        }
        assert_eq!(
            doc.get_pages().values().copied().collect::<Vec<_>>(),
            leaves
        );
        assert!(matches!(
            page_id(&doc, 13),
            Err(PdfError::NoSuchPage { .. })
        ));
        assert!(page_id(&doc, 0).is_err());
    }
}
