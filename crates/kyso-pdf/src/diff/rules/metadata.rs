//! Metadata: the document information dictionary (`/Info`) and the XMP
//! stream of the catalog (`/Metadata`) updated, as signers do, is
//! DSS-level (nothing on the pages changes; pyHanko allows it with the
//! DSS). An XMP stream rewritten in place is explained only when it was
//! an XMP stream before.
use lopdf::Object;

use crate::diff::{dict_of, name_of, Ctx, Finding, Level, RuleResult};

pub(crate) fn apply(cx: &mut Ctx<'_>) -> RuleResult {
    let mut touched = false;
    let old_info = cx.old.trailer().get(b"Info").ok().cloned();
    let new_info = cx.new.trailer().get(b"Info").ok().cloned();
    if let Some(ni) = &new_info {
        let differs = match &old_info {
            Some(oi) => !cx.same(oi, ni),
            None => true,
        } || matches!(ni, Object::Reference(id) if cx.changed(*id));
        if differs {
            touched = true;
            cx.claim_ref(ni);
            if let Some(Object::Reference(id)) = new_info {
                cx.claim(id);
            }
        }
    }
    let (old_cat, new_cat) = cx.catalogs();
    let old_meta = old_cat.and_then(|c| c.get(b"Metadata").ok().cloned());
    if let Some(nm) = new_cat.and_then(|c| c.get(b"Metadata").ok().cloned()) {
        let differs = match &old_meta {
            Some(om) => !cx.same(om, &nm),
            None => true,
        };
        if let Object::Reference(id) = nm {
            let is_xmp = |o: &Option<Object>| {
                o.as_ref()
                    .and_then(dict_of)
                    .is_some_and(|d| name_of(d, b"Type").as_deref() == Some(b"Metadata"))
            };
            let ok_in_place = cx.is_new(id) || {
                let before = cx.old_obj(id);
                is_xmp(&before)
            };
            if (differs || cx.changed(id)) && ok_in_place {
                touched = true;
                cx.claim(id);
            }
        }
    }
    if touched {
        cx.push(None, Level::Dss, Finding::Metadata);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::diff::rules::testing::*;
    use crate::diff::Level;

    #[test]
    fn info_and_xmp_updates_are_metadata() {
        let f = Fixture::base();
        let c = f.update(
            &["11 0 obj << /Producer (kyso) /ModDate (D:20260101) >> endobj"],
            "",
        );
        assert_eq!(codes(&c), vec!["metadata"]);
        assert_eq!(c[0].level, Level::Dss);
        let c = f.update(
            &[
                &catalog("/Metadata 12 0 R"),
                "12 0 obj << /Type /Metadata /Subtype /XML /Length 5 >> stream\n<x/>\nendstream endobj",
            ],
            "",
        );
        assert_eq!(codes(&c), vec!["metadata"]);
        // A content stream turned into "metadata" in place is not.
        let c = f.update(
            &[
                &catalog("/Metadata 4 0 R"),
                "4 0 obj << /Type /Metadata /Subtype /XML /Length 5 >> stream\n<x/>\nendstream endobj",
            ],
            "",
        );
        assert!(codes(&c).contains(&"object-changed"), "{c:#?}");
    }
}
