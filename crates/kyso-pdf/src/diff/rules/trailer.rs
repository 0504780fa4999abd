//! The trailer: entries a writer renews with every update (`/Size`,
//! `/Prev`, `/ID`, `/XRefStm`, `/AdditionalStreams`, the cross-reference
//! stream's own keys) change nothing; `/Root` and `/Info` are judged by
//! the catalog and metadata rules; an `/Encrypt` appearing (not null), or
//! any other entry changing, is disallowed.
use lopdf::Object;

use crate::diff::{Ctx, Finding, Level, RuleResult};

/// Trailer keys that carry nothing a viewer shows.
const RENEWED: &[&[u8]] = &[
    b"Size",
    b"Prev",
    b"XRefStm",
    b"ID",
    b"AdditionalStreams",
    b"Type",
    b"W",
    b"Index",
    b"Length",
    b"Filter",
    b"DecodeParms",
    b"DL",
    b"Root",
    b"Info",
];

pub(crate) fn apply(cx: &mut Ctx<'_>) -> RuleResult {
    let old = cx.old.trailer().clone();
    let new = cx.new.trailer().clone();
    for key in cx.changed_keys(&old, &new) {
        if RENEWED.contains(&key.as_slice()) {
            continue;
        }
        if key == b"Encrypt" && matches!(new.get(b"Encrypt"), Err(_) | Ok(Object::Null)) {
            continue;
        }
        cx.push(
            None,
            Level::Disallowed,
            Finding::TrailerChanged {
                key: String::from_utf8_lossy(&key).into_owned(),
            },
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::diff::rules::testing::*;

    #[test]
    fn renewed_entries_are_no_change_and_encrypt_is_disallowed() {
        // A new /ID and /AdditionalStreams: nothing.
        let f = Fixture::base();
        let changes = f.update(&[], "/ID [<01> <02>] /AdditionalStreams [] /Encrypt null");
        assert!(changes.is_empty(), "{changes:#?}");
        let changes = f.update(&[], "/Encrypt << /Filter /Standard >> /Foo 1");
        assert_eq!(codes(&changes), vec!["trailer-changed", "trailer-changed"]);
        assert!(changes.iter().all(|c| !c.allowed));
    }
}
