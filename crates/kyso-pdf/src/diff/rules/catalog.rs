//! The catalog, entry by entry: `/DSS`, `/Metadata`, `/AcroForm` and the
//! structure tree's entries are judged by their rules; `/Extensions` and
//! `/Version` (a signature may need a newer version or the ESIC/ADBE
//! extension) change nothing a viewer shows; the page tree replaced by
//! a different one is pages added, removed or reordered; any other entry
//! changing (`/OpenAction`, `/Names`, `/OCProperties`, `/Perms`, `/AA`,
//! …) is disallowed. A catalog renumbered with the same entries is the
//! same catalog.
use lopdf::{Dictionary, Object};

use crate::diff::{Ctx, Finding, Level, RuleResult};

/// Entries other rules judge.
pub(crate) const DELEGATED: &[&[u8]] = &[
    b"DSS",
    b"Metadata",
    b"AcroForm",
    b"StructTreeRoot",
    b"MarkInfo",
];

/// Entries that change nothing a viewer shows.
const HOUSEKEEPING: &[&[u8]] = &[b"Extensions", b"Version"];

/// The page count under a page-tree root value.
pub(crate) fn count(cx: &mut Ctx<'_>, root: Option<&Object>, new: bool) -> u64 {
    let d = root.and_then(|r| match new {
        true => cx.new_dict(r),
        false => cx.old_dict(r),
    });
    match d.as_ref().and_then(|d| d.get(b"Count").ok()) {
        Some(Object::Integer(i)) => u64::try_from(*i).unwrap_or(0),
        Some(Object::Real(r)) if *r >= 0.0 => *r as u64,
        _ => 0,
    }
}

pub(crate) fn apply(cx: &mut Ctx<'_>) -> RuleResult {
    let (Some(old), Some(new)) = cx.catalogs() else {
        if let (Some(_), None) = cx.catalogs() {
            cx.push(
                None,
                Level::Disallowed,
                Finding::CatalogChanged { key: "Root".into() },
            );
        }
        return Ok(());
    };
    if let Some(r) = cx.new_root() {
        if cx.changed(r) || cx.is_new(r) {
            cx.claim(r);
        }
    }
    let changed = cx.changed_keys(&old, &new);
    for key in &changed {
        let k = key.as_slice();
        if DELEGATED.contains(&k) || HOUSEKEEPING.contains(&k) {
            if HOUSEKEEPING.contains(&k) {
                if let Ok(v) = new.get(k) {
                    let v = v.clone();
                    cx.claim_new(&v);
                }
            }
            continue;
        }
        let finding = if k == b"Pages" {
            let before = count(cx, old.get(b"Pages").ok(), false);
            let after = count(cx, new.get(b"Pages").ok(), true);
            Finding::PagesChanged { before, after }
        } else {
            Finding::CatalogChanged {
                key: String::from_utf8_lossy(k).into_owned(),
            }
        };
        cx.push(cx.new_root(), Level::Disallowed, finding);
    }
    // Entries that mean the same but were renumbered: their new copies
    // are explained.
    let mut same = Dictionary::new();
    for (k, v) in new.iter() {
        if !changed.contains(k) {
            same.set(k.clone(), v.clone());
        }
    }
    cx.claim_new(&Object::Dictionary(same));
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::diff::rules::testing::*;

    #[test]
    fn gaining_extensions_is_no_change_other_entries_are_disallowed() {
        let f = Fixture::base();
        // The same catalog written again with 612.0-style numbers and a
        // new /Extensions entry: nothing to report.
        let c = f.update(
            &[&catalog(
                "/Extensions << /ESIC << /BaseVersion /1.7 /ExtensionLevel 2 >> >>",
            )],
            "",
        );
        assert!(c.is_empty(), "{c:#?}");
        let c = f.update(
            &[
                &catalog("/OpenAction 12 0 R"),
                "12 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj",
            ],
            "",
        );
        assert_eq!(codes(&c), vec!["catalog-changed"]);
        assert!(!c[0].allowed);
    }

    #[test]
    fn a_renumbered_catalog_with_the_same_content_is_the_same() {
        let f = Fixture::base();
        let c = f.update(
            &[
                "12 0 obj << /Type /Catalog /Pages 13 0 R /AcroForm 6 0 R >> endobj",
                "13 0 obj << /Type /Pages /Kids [3 0 R] /Count 1.0 >> endobj",
            ],
            "/Root 12 0 R",
        );
        assert!(c.is_empty(), "{c:#?}");
    }

    #[test]
    fn another_page_tree_is_pages_changed() {
        let f = Fixture::base();
        let c = f.update(
            &[
                &catalog_with_pages("13 0 R"),
                "13 0 obj << /Type /Pages /Kids [3 0 R 14 0 R] /Count 2 >> endobj",
                "14 0 obj << /Type /Page /Parent 13 0 R /MediaBox [0 0 612 792] >> endobj",
            ],
            "",
        );
        assert_eq!(codes(&c), vec!["pages-changed"]);
        assert!(matches!(
            c[0].finding,
            crate::diff::Finding::PagesChanged {
                before: 1,
                after: 2
            }
        ));
    }
}
