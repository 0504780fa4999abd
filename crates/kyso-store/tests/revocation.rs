//! Revocation, counters under concurrency, and cross-process invalidation,
//! on every backend from `testing::test_stores()`.

use std::collections::HashSet;
use std::time::Duration;

use kyso_store::testing::test_stores;
use kyso_store::{CertificateStatus, NewCertificate, RevokedRow, Store, StoreError};
use time::OffsetDateTime;

/// Bound for anything that crosses processes; not a timing assertion.
const BOUND: Duration = Duration::from_secs(5);

fn t(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap()
}

fn cert(serial: &str, issuer: &str) -> NewCertificate {
    NewCertificate {
        serial_hex: serial.to_owned(),
        issuer_id: issuer.to_owned(),
        profile: "person".into(),
        subject: format!("CN={serial}"),
        subject_email: None,
        not_before: t(1_700_000_000),
        not_after: t(1_731_536_000),
        der: vec![0x30, serial.len() as u8],
        fingerprint_sha256: format!("{serial:f>64}"),
        renewed_from: None,
    }
}

#[tokio::test]
async fn revoke_sets_fields_and_bumps_generation() {
    for (backend, store) in test_stores().await {
        store
            .insert_certificate(&cert("c1", "issuing"))
            .await
            .unwrap();
        store
            .insert_certificate(&cert("c2", "issuing"))
            .await
            .unwrap();
        store
            .insert_certificate(&cert("c3", "other"))
            .await
            .unwrap();
        let g0 = store.revocation_generation().await.unwrap();
        assert_eq!(g0, 0, "{backend}");
        let rx = store.watch_revocations();

        let at = t(1_710_000_000) + time::Duration::milliseconds(400);
        let rec = store.revoke("C1", Some(4), at).await.unwrap();
        assert_eq!(rec.serial_hex, "c1");
        assert_eq!(rec.status, CertificateStatus::Revoked, "{backend}");
        assert_eq!(
            rec.revoked_at,
            Some(t(1_710_000_000)),
            "{backend}: to the second"
        );
        assert_eq!(rec.revocation_reason, Some(4));
        assert_eq!(
            store.certificate("c1").await.unwrap().unwrap(),
            rec,
            "{backend}"
        );
        assert_eq!(store.revocation_generation().await.unwrap(), 1, "{backend}");
        assert_eq!(*rx.borrow(), 1, "{backend}: this process sees it at once");

        // Second revoke: refused, nothing changes.
        let err = store
            .revoke("c1", Some(1), t(1_720_000_000))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::AlreadyRevoked),
            "{backend}: {err:?}"
        );
        assert_eq!(
            store.certificate("c1").await.unwrap().unwrap(),
            rec,
            "{backend}"
        );
        assert_eq!(store.revocation_generation().await.unwrap(), 1, "{backend}");

        let err = store
            .revoke("dead", None, t(1_720_000_000))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound), "{backend}: {err:?}");
        assert_eq!(store.revocation_generation().await.unwrap(), 1, "{backend}");

        store.revoke("c3", None, t(1_705_000_000)).await.unwrap();
        store.revoke("c2", None, t(1_700_500_000)).await.unwrap();
        assert_eq!(store.revocation_generation().await.unwrap(), 3, "{backend}");
        assert_eq!(
            store.revoked_by_issuer("issuing").await.unwrap(),
            vec![
                RevokedRow {
                    serial_hex: "c2".into(),
                    revoked_at: t(1_700_500_000),
                    reason: None
                },
                RevokedRow {
                    serial_hex: "c1".into(),
                    revoked_at: t(1_710_000_000),
                    reason: Some(4)
                },
            ],
            "{backend}"
        );
        assert_eq!(store.revoked_by_issuer("other").await.unwrap().len(), 1);
        assert!(store.revoked_by_issuer("nobody").await.unwrap().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_revocations_of_one_serial_one_wins() {
    for (backend, store) in test_stores().await {
        store
            .insert_certificate(&cert("5e", "issuing"))
            .await
            .unwrap();
        let other = store.reopen().await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..8i16 {
            let s = if i % 2 == 0 {
                store.clone()
            } else {
                other.clone()
            };
            tasks.push(tokio::spawn(async move {
                s.revoke("5e", Some(i), t(1_710_000_000 + i64::from(i)))
                    .await
            }));
        }
        let mut ok = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(rec) => ok.push(rec),
                Err(StoreError::AlreadyRevoked) => {}
                Err(e) => panic!("{backend}: unexpected {e:?}"),
            }
        }
        assert_eq!(ok.len(), 1, "{backend}: exactly one revocation wins");
        assert_eq!(
            store.certificate("5e").await.unwrap().unwrap(),
            ok[0],
            "{backend}"
        );
        assert_eq!(store.revocation_generation().await.unwrap(), 1, "{backend}");
    }
}

async fn hammer<F, Fut>(store: &Store, f: F) -> Vec<i64>
where
    F: Fn(Store) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<i64, StoreError>> + Send,
{
    // Half the tasks on a second pool, as another replica would be.
    let other = store.reopen().await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = if i % 2 == 0 {
            store.clone()
        } else {
            other.clone()
        };
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::with_capacity(50);
            for _ in 0..50 {
                got.push(f(s.clone()).await.unwrap());
            }
            got
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

fn assert_one_to_400(backend: &str, values: Vec<i64>) {
    assert_eq!(values.len(), 400, "{backend}");
    let distinct: HashSet<i64> = values.into_iter().collect();
    assert_eq!(distinct.len(), 400, "{backend}: no value repeats");
    assert_eq!(
        distinct,
        (1..=400).collect::<HashSet<i64>>(),
        "{backend}: 1..=400, no gaps"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_counters_never_repeat() {
    for (backend, store) in test_stores().await {
        let values = hammer(&store, |s: Store| async move {
            s.next_counter("tsa_serial").await
        })
        .await;
        assert_one_to_400(&backend, values);
        assert_eq!(
            store.next_counter("tsa_serial").await.unwrap(),
            401,
            "{backend}"
        );
        assert_eq!(store.next_counter("another").await.unwrap(), 1, "{backend}");

        let values = hammer(&store, |s: Store| async move {
            s.next_crl_number("issuing").await
        })
        .await;
        assert_one_to_400(&backend, values);
    }
}

/// Waits until `rx` shows at least `want`, within [`BOUND`].
async fn wait_for(rx: &mut tokio::sync::watch::Receiver<i64>, want: i64) -> bool {
    tokio::time::timeout(BOUND, async {
        loop {
            if *rx.borrow_and_update() >= want {
                return;
            }
            if rx.changed().await.is_err() {
                // Sender gone: never going to see it.
                std::future::pending::<()>().await;
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn watch_sees_revocation_by_another_process() {
    for (backend, store) in test_stores().await {
        store
            .insert_certificate(&cert("aa01", "issuing"))
            .await
            .unwrap();
        store
            .insert_certificate(&cert("aa02", "issuing"))
            .await
            .unwrap();
        let mut rx = store.watch_revocations();
        assert_eq!(*rx.borrow_and_update(), 0);

        // A second Store::open of the same database: its own pool, no shared memory.
        let other = store.reopen().await.unwrap();
        other
            .revoke("aa01", Some(1), t(1_710_000_000))
            .await
            .unwrap();
        assert!(
            wait_for(&mut rx, 1).await,
            "{backend}: first remote revocation seen"
        );

        other.revoke("aa02", None, t(1_710_000_001)).await.unwrap();
        assert!(
            wait_for(&mut rx, 2).await,
            "{backend}: second remote revocation seen"
        );
        assert_eq!(store.revocation_generation().await.unwrap(), 2, "{backend}");
    }
}

#[tokio::test]
async fn watcher_stops_with_last_store() {
    for (backend, store) in test_stores().await {
        let mut rx = store.watch_revocations();
        let clone = store.clone();
        drop(store);
        // A clone still holds the watcher: the sender is alive.
        assert!(
            rx.has_changed().is_ok(),
            "{backend}: sender alive while a clone lives"
        );
        drop(clone);
        // The task drops its sender once it sees the shutdown.
        let stopped =
            tokio::time::timeout(BOUND, async { while rx.changed().await.is_ok() {} }).await;
        assert!(stopped.is_ok(), "{backend}: watcher task ended");
    }
}
