//! Export and import between every pair of engines: the second export
//! has the same rows, byte for byte, as the first.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::{dump, load};
use crate::testing::test_stores;
use crate::{append_audit, record_blob, AuditEvent, BlobRef, Store, TrustAnchorRecord};

fn event(i: i32) -> AuditEvent {
    AuditEvent {
        person_id: None,
        actor: "system".into(),
        role: None,
        agency_id: None,
        action: "test.event".into(),
        object_kind: "test".into(),
        object_id: i.to_string(),
        object_sha256: None,
        request_id: None,
        detail: Some("Quyết định — đ".into()),
    }
}

async fn fill(store: &Store) {
    store.next_counter("so-van-ban").await.unwrap();
    store.next_counter("so-van-ban").await.unwrap();
    let now = OffsetDateTime::from_unix_timestamp(1_780_000_000).unwrap();
    store
        .add_trust_anchor(&TrustAnchorRecord {
            fingerprint_sha256: "ab".repeat(32),
            subject: "CN=Root CA Chính phủ".into(),
            label: "gốc".into(),
            der: (0u8..=255).collect(),
            added_at: now,
            builtin: false,
        })
        .await
        .unwrap();
    store
        .write(async |tx| {
            // A derived blob whose name sorts before its parent's.
            let parent = BlobRef {
                sha256: "f".repeat(64),
                size: 10,
            };
            let child = BlobRef {
                sha256: "0".repeat(64),
                size: 20,
            };
            record_blob(tx, &parent, "application/pdf", None, now).await?;
            record_blob(tx, &child, "application/pdf", Some(&parent.sha256), now).await?;
            for i in 0..3 {
                append_audit(tx, &event(i), now).await?;
            }
            Ok::<_, crate::StoreError>(())
        })
        .await
        .unwrap();
}

/// Table name → its rows as exported (the header, which names the
/// engine's own integer widths, aside).
async fn rows(store: &Store) -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let snap = dump::snapshot(store, dir.path()).await.unwrap();
    snap.tables
        .iter()
        .map(|t| {
            let text = std::fs::read_to_string(&t.path).unwrap();
            let body = text.split_once('\n').unwrap().1.to_string();
            (t.table.clone(), body)
        })
        .collect()
}

#[tokio::test]
async fn round_trip_between_engines() {
    let sources = test_stores().await;
    for (from, src) in &sources {
        fill(src).await;
        let before = rows(src).await;
        assert!(before["audit_entry"].lines().count() == 3);
        let dir = tempfile::tempdir().unwrap();
        let snap = dump::snapshot(src, dir.path()).await.unwrap();
        assert_eq!(snap.blobs.len(), 2);
        let files: BTreeMap<_, _> = snap
            .tables
            .iter()
            .map(|t| (t.table.clone(), t.path.clone()))
            .collect();
        for (to, dst) in test_stores().await {
            load::ensure_empty(&dst).await.unwrap();
            load::load(&dst, &files).await.unwrap();
            assert_eq!(rows(&dst).await, before, "{from} → {to}");
            assert!(matches!(
                load::ensure_empty(&dst).await,
                Err(super::ArchiveError::NotEmpty(_))
            ));
            // Keys go on after the imported ones (PostgreSQL's sequences
            // were moved past them).
            assert_eq!(dst.next_counter("so-van-ban").await.unwrap(), 3);
            let e = dst
                .write(async |tx| append_audit(tx, &event(9), OffsetDateTime::now_utc()).await)
                .await
                .unwrap();
            assert_eq!(e.seq, 4, "{from} → {to}");
        }
    }
}
