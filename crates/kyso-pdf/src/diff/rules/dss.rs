//! The Document Security Store (ISO 32000-2 §12.8.4.3): a DSS added or
//! extended — its dictionary, the `/Certs`, `/OCSPs` and `/CRLs` arrays,
//! `/VRI` and its entries, with new streams — is DSS-level. Existing
//! streams rewritten in place are not explained here (a certificate does
//! not change), nor is a DSS removed (the catalog rule reports it).
use lopdf::Object;

use crate::diff::{dict_of, Ctx, Finding, Level, RuleResult};

/// Most DSS objects walked.
const MAX_WALK: usize = 100_000;

pub(crate) fn apply(cx: &mut Ctx<'_>) -> RuleResult {
    let (old_cat, Some(new_cat)) = cx.catalogs() else {
        return Ok(());
    };
    let Ok(dss) = new_cat.get(b"DSS").cloned() else {
        return Ok(());
    };
    let old_dss = old_cat.and_then(|c| c.get(b"DSS").ok().cloned());
    let mut touched = match &old_dss {
        Some(o) => !cx.same(o, &dss),
        None => true,
    };
    // The DSS's own dictionaries and arrays, changed in place or new.
    let mut todo = vec![(dss.clone(), 0u8)];
    let mut n = 0;
    while let Some((o, depth)) = todo.pop() {
        n += 1;
        if n > MAX_WALK || depth > 4 {
            break;
        }
        if let Object::Reference(id) = o {
            if cx.changed(id) {
                if matches!(cx.new_obj(id), Some(Object::Stream(_))) && !cx.is_new(id) {
                    continue;
                }
                cx.claim(id);
                touched = true;
            }
        }
        match cx.new_val(&o) {
            Some(Object::Array(a)) => todo.extend(a.into_iter().map(|x| (x, depth + 1))),
            Some(v @ Object::Dictionary(_)) => {
                if let Some(d) = dict_of(&v) {
                    todo.extend(d.iter().map(|(_, x)| (x.clone(), depth + 1)));
                }
            }
            _ => {}
        }
    }
    cx.claim_new(&dss);
    if touched {
        cx.push(None, Level::Dss, Finding::Dss);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::diff::rules::testing::*;
    use crate::diff::Level;

    #[test]
    fn a_dss_added_or_extended_is_dss_level_even_under_p1() {
        let f = Fixture::base().certified(1);
        let c = f.update(
            &[
                &catalog("/DSS 12 0 R"),
                "12 0 obj << /Certs [13 0 R] /VRI << /ABCD << /Cert [13 0 R] >> >> >> endobj",
                "13 0 obj << /Length 3 >> stream\nabc\nendstream endobj",
            ],
            "",
        );
        assert_eq!(codes(&c), vec!["dss"]);
        assert_eq!(c[0].level, Level::Dss);
        assert!(c[0].allowed);
        // A certificate stream of the DSS rewritten in place is not.
        let two = f.then(
            &[
                &catalog("/DSS 12 0 R"),
                "12 0 obj << /Certs [13 0 R] >> endobj",
                "13 0 obj << /Length 3 >> stream\nabc\nendstream endobj",
            ],
            "",
        );
        let c = two.update(
            &["13 0 obj << /Length 3 >> stream\nxyz\nendstream endobj"],
            "",
        );
        assert_eq!(codes(&c), vec!["object-changed"]);
    }
}
