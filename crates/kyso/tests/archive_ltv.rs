//! Long-term validity on a schedule (issue 13 §1): a document issued
//! through the office is stored with a B-LTA copy — a new file whose
//! bytes begin with the untouched issued file — that pyHanko validates as
//! LTA with fetching disabled; `kyso archive renew --now T` with the
//! office's clock moved so that the TSA certificate expires within the
//! margin renews it exactly once (a second round does nothing; two
//! concurrent rounds on the same database renew each due document once);
//! the renewed file passes pyHanko's LTA validation, pdfsig and qpdf; a
//! renewal that fails (its file missing from the blob store) is recorded
//! as failed with its error, shown by `kyso archive status` and `GET
//! /api/v1/archive/status`, and retried by the next round. On SQLite,
//! and on PostgreSQL when KYSO_TEST_PG_URL is set.
mod common;
#[path = "common/office.rs"]
mod office;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::*;
use office::*;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `kyso archive ARGS --json` on `d`; (success, JSON).
fn archive(d: &Deployment, args: &[&str]) -> (bool, Value) {
    let o = d.kyso_raw(&[&["archive"], args, &["--json"]].concat());
    let v = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("kyso archive {args:?}: {e}: {}", out(&o)));
    (o.status.success(), v)
}

fn ids(v: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = v["renewed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect();
    ids.sort();
    ids
}

/// The document's files of `role`, oldest first.
fn files(p: &Province, id: i64, role: &str) -> Vec<Value> {
    let d = p
        .api("vanthu")
        .get(&format!("/api/v1/documents/{id}"))
        .expect(200, "document");
    d["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["role"] == role)
        .cloned()
        .collect()
}

fn bytes(p: &Province, id: i64, f: &Value) -> Vec<u8> {
    let a = p.api("vanthu").get(&format!(
        "/api/v1/documents/{id}/files/{}",
        f["id"].as_i64().unwrap()
    ));
    assert_eq!(a.status, 200, "{}", a.text());
    a.bytes
}

fn sha256(b: &[u8]) -> String {
    kyso_store::blobs::sha256_hex(b)
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

/// The blob's file in the local blob store.
fn blob_path(data: &Path, sha: &str) -> PathBuf {
    fn walk(dir: &Path, name: &str) -> Option<PathBuf> {
        for e in std::fs::read_dir(dir).ok()? {
            let p = e.ok()?.path();
            if p.is_dir() {
                if let Some(f) = walk(&p, name) {
                    return Some(f);
                }
            } else if p.file_name().and_then(|n| n.to_str()) == Some(name) {
                return Some(p);
            }
        }
        None
    }
    walk(&data.join("blobs"), sha).unwrap_or_else(|| panic!("blob {sha} not found"))
}

/// Peers accept the long-term file: pyHanko's LTA validation on the
/// embedded material only, pdfsig, qpdf.
fn peers_accept(p: &Province, pdf: &Path, what: &str) {
    let Some(peers) = &p.peers else {
        assert_ne!(
            std::env::var("KYSO_REQUIRE_PEERS").as_deref(),
            Ok("1"),
            "peers are required"
        );
        return;
    };
    peers.qpdf_check(pdf);
    let t = peers.pdfsig(pdf);
    assert!(t.contains("Signature is Valid."), "pdfsig {what}: {t}");
    assert!(
        !t.contains("Signature is Invalid") && !t.contains("Digest Mismatch"),
        "pdfsig {what}: {t}"
    );
    match common::ltv::pyhanko_ltv(peers, pdf, true) {
        Some((ok, t)) => assert!(ok, "pyHanko LTA {what}: {t}"),
        None => assert_ne!(
            std::env::var("KYSO_REQUIRE_PEERS").as_deref(),
            Ok("1"),
            "pyHanko is required"
        ),
    }
}

#[test]
fn archive_renewal_on_a_schedule() {
    for d in deployments() {
        let backend = d.backend;
        // The server's own renewal job runs at start and then weekly: the
        // rounds below are the test's.
        let p = Province::start(d, &["--login-rate", "1000", "--archive-interval", "604800"]);
        let work = tempfile::tempdir().unwrap();

        // Issued: the sealed file unchanged, a B-LTA copy made from it.
        let doc = p.issue_scan("Quyết định về lưu trữ dài hạn văn bản điện tử");
        let id = doc["id"].as_i64().unwrap();
        let sealed = files(&p, id, "sealed").pop().expect("sealed file");
        let sealed_bytes = bytes(&p, id, &sealed);
        assert_eq!(sha256(&sealed_bytes), sealed["sha256"], "{backend}");
        let lta = files(&p, id, "archive");
        assert_eq!(lta.len(), 1, "{backend}: one long-term copy at issue");
        assert_eq!(lta[0]["parent_sha256"], sealed["sha256"], "{backend}");
        let lta_bytes = bytes(&p, id, &lta[0]);
        assert!(
            lta_bytes.len() > sealed_bytes.len() && lta_bytes.starts_with(&sealed_bytes),
            "{backend}: the long-term copy is an incremental update of the issued file"
        );
        let lta_path = work.path().join("issued-lta.pdf");
        std::fs::write(&lta_path, &lta_bytes).unwrap();
        peers_accept(&p, &lta_path, "at issue");
        // The check tells: the issued file alone (B-T, no document
        // time-stamp) is not LTA.
        if let Some(peers) = &p.peers {
            let sealed_path = work.path().join("sealed.pdf");
            std::fs::write(&sealed_path, &sealed_bytes).unwrap();
            if let Some((ok, t)) = common::ltv::pyhanko_ltv(peers, &sealed_path, true) {
                assert!(!ok, "{backend}: the issued file alone passed LTA: {t}");
            }
        }
        let stamp = kyso_sign::last_document_timestamp(&lta_path)
            .unwrap()
            .expect("a document time-stamp");
        assert!(stamp.weak.is_empty(), "{backend}: {:?}", stamp.weak);

        let (ok, st) = archive(&p.d, &["status"]);
        assert!(ok);
        assert_eq!(
            (
                st["due"].as_u64(),
                st["done"].as_u64(),
                st["failed"].as_u64()
            ),
            (Some(0), Some(1), Some(0)),
            "{backend}: {st}"
        );
        // Not yet due: a round now renews nothing.
        let (ok, r) = archive(&p.d, &["renew"]);
        assert!(ok && ids(&r).is_empty(), "{backend}: {r}");

        // The clock moved to 100 days before the TSA certificate expires
        // (within the default margin of 365 days).
        let t = stamp.not_after - time::Duration::days(100);
        let now = rfc3339(t);
        let (_, st) = archive(&p.d, &["status", "--now", &now]);
        assert_eq!(st["due"], 1, "{backend}: {st}");
        let (ok, r) = archive(&p.d, &["renew", "--now", &now]);
        assert!(ok, "{backend}: {r}");
        assert_eq!(ids(&r), vec![id], "{backend}: renewed once");
        let (ok, r) = archive(&p.d, &["renew", "--now", &now]);
        assert!(ok && ids(&r).is_empty(), "{backend}: a second round: {r}");
        let lta = files(&p, id, "archive");
        assert_eq!(lta.len(), 2, "{backend}: one renewal");
        assert_eq!(lta[1]["parent_sha256"], lta[0]["sha256"], "{backend}");
        let renewed = bytes(&p, id, &lta[1]);
        assert!(renewed.starts_with(&lta_bytes), "{backend}: incremental");
        assert_eq!(
            bytes(&p, id, &sealed),
            sealed_bytes,
            "{backend}: the issued file never changes"
        );
        let renewed_path = work.path().join("renewed.pdf");
        std::fs::write(&renewed_path, &renewed).unwrap();
        peers_accept(&p, &renewed_path, "renewed");
        let restamp = kyso_sign::last_document_timestamp(&renewed_path)
            .unwrap()
            .unwrap();
        assert!(restamp.time > stamp.time, "{backend}: a new time-stamp");

        // Two concurrent rounds on the same database: each due document
        // renewed once.
        let more: Vec<i64> = (0..3)
            .map(|i| {
                p.issue_scan(&format!("Văn bản số {i} cần gia hạn"))["id"]
                    .as_i64()
                    .unwrap()
            })
            .collect();
        let run = || {
            Command::new(KYSO)
                .args(["--data", p.d.data().to_str().unwrap(), "--db", &p.d.db])
                .args(["archive", "renew", "--json", "--now", &now])
                .env_remove("KYSO_KEY_PASSWORD")
                .env("KYSO_LOG", "warn")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (run(), run());
        let mut both = vec![];
        for c in [a, b] {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "{backend}: {}", out(&o));
            let v: Value = serde_json::from_slice(&o.stdout).unwrap();
            both.extend(ids(&v));
        }
        both.sort();
        assert_eq!(
            both, more,
            "{backend}: each due document renewed by one round"
        );
        for &m in &more {
            assert_eq!(
                files(&p, m, "archive").len(),
                2,
                "{backend}: document {m} renewed exactly once"
            );
        }
        assert_eq!(files(&p, id, "archive").len(), 2, "{backend}");

        // A renewal that fails is recorded, reported and retried.
        let bad = p.issue_scan("Văn bản có tệp lưu trữ bị thiếu")["id"]
            .as_i64()
            .unwrap();
        let current = files(&p, bad, "archive").pop().unwrap();
        let path = blob_path(&p.d.data(), current["sha256"].as_str().unwrap());
        let aside = path.with_extension("aside");
        std::fs::rename(&path, &aside).unwrap();
        let (ok, r) = archive(&p.d, &["renew", "--now", &now]);
        assert!(!ok, "{backend}: a failed renewal exits non-zero: {r}");
        assert!(ids(&r).is_empty(), "{backend}: {r}");
        assert_eq!(r["failed"][0][0], bad, "{backend}: {r}");
        let (_, st) = archive(&p.d, &["status", "--now", &now]);
        assert_eq!(st["failed"], 1, "{backend}: {st}");
        assert_eq!(st["failed_rows"][0]["document_id"], bad, "{backend}");
        assert_eq!(st["failed_rows"][0]["attempts"], 1, "{backend}");
        assert!(
            st["failed_rows"][0]["last_error"]
                .as_str()
                .is_some_and(|e| !e.is_empty()),
            "{backend}: {st}"
        );
        // Shown by the API to the administrator; refused to a clerk.
        let api = p
            .admin
            .api
            .get("/api/v1/archive/status")
            .expect(200, "archive status");
        assert_eq!(api["failed"], 1, "{backend}: {api}");
        assert_eq!(api["failed_rows"][0]["document_id"], bad, "{backend}");
        let own = p
            .api("kiemtra")
            .get(&format!("/api/v1/archive/status?agency_id={}", p.a))
            .expect(200, "the auditor reads the schedule");
        assert_eq!(own["failed"], 1, "{backend}: {own}");
        p.api("kiemtra")
            .get("/api/v1/archive/status")
            .error(403, "forbidden");
        p.api("vanthu")
            .get("/api/v1/archive/status")
            .error(403, "forbidden");
        // Not before the back-off: nothing.
        let (ok, r) = archive(&p.d, &["renew", "--now", &now]);
        assert!(ok && ids(&r).is_empty(), "{backend}: back-off: {r}");
        // The file back, after the back-off: renewed.
        std::fs::rename(&aside, &path).unwrap();
        let later = rfc3339(t + time::Duration::hours(1));
        let (ok, r) = archive(&p.d, &["renew", "--now", &later]);
        assert!(ok, "{backend}: {r}");
        assert_eq!(ids(&r), vec![bad], "{backend}: retried");
        let (_, st) = archive(&p.d, &["status", "--now", &later]);
        assert_eq!(st["failed"], 0, "{backend}: {st}");
        assert_eq!(st["due"], 0, "{backend}: {st}");
    }
}
