//! Crash test of the document office (issue 10, "Bad input and faults"):
//! `kyso serve` is killed with SIGKILL at random moments while worker
//! threads run office operations against it — the sender's clerk creating
//! scanned drafts, numbering and sealing them, issuing them to two
//! agencies; the recipient's clerk registering what arrived — and started
//! again on the same database and blob directory each time. On SQLite and
//! on PostgreSQL.
//!
//! After the last kill, with the server up, every document is checked:
//! issued documents have their number, their sealed blob (read back, its
//! SHA-256 as recorded), one delivery per recipient and their audit entry;
//! documents not issued have no delivery and no issue audit entry; the
//! outgoing register is 01…N with one line per numbered document and no
//! gap, and so is the recipient's incoming register. Then every unfinished
//! document is taken to the end without kills (a document numbered before
//! a crash is sealed under the same number), the checks are run again with
//! all documents issued, and `kyso audit verify` passes.
//!
//! KYSO_CRASH_OPS sets the number of operations: 300 by default (~65 s per
//! database on this 2-core machine, release build); the issue asks for
//! 1,000, which takes ~3.5 times as long (`KYSO_CRASH_OPS=1000`).
mod common;
#[path = "common/office.rs"]
mod office;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use office::*;
use reqwest::blocking::{multipart, Client};
use serde_json::Value;

const WORKERS: usize = 6;

/// What happened to a request: an answer, or none (the server died).
enum Outcome {
    Answer(u16, Value),
    Lost,
}

struct Caller {
    base: String,
    token: String,
    http: Client,
}

impl Caller {
    fn new(base: &str, token: &str) -> Caller {
        Caller {
            base: base.to_string(),
            token: token.to_string(),
            http: Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
        }
    }

    fn send(&self, rb: reqwest::blocking::RequestBuilder) -> Outcome {
        match rb.bearer_auth(&self.token).send() {
            Ok(r) => {
                let status = r.status().as_u16();
                match r.bytes() {
                    Ok(b) => {
                        Outcome::Answer(status, serde_json::from_slice(&b).unwrap_or_default())
                    }
                    Err(_) => Outcome::Lost,
                }
            }
            Err(_) => Outcome::Lost,
        }
    }

    fn post(&self, path: &str) -> Outcome {
        self.send(self.http.post(format!("{}{path}", self.base)))
    }

    fn create(&self, p: &Ids, i: usize) -> Outcome {
        let form = multipart::Form::new()
            .text("agency_id", p.a.to_string())
            .text("flow", "seal")
            .part(
                "metadata",
                multipart::Part::text(
                    metadata(&format!("Văn bản số {i}"), &[p.b, p.c]).to_string(),
                )
                .mime_str("application/json")
                .unwrap(),
            )
            .part(
                "file",
                multipart::Part::bytes(pdf())
                    .file_name("scan.pdf")
                    .mime_str("application/pdf")
                    .unwrap(),
            );
        self.send(
            self.http
                .post(format!("{}/api/v1/documents", self.base))
                .header("idempotency-key", format!("crash-{i}"))
                .multipart(form),
        )
    }
}

/// The agencies: A sends to B and C.
#[derive(Clone, Copy)]
struct Ids {
    a: i64,
    b: i64,
    c: i64,
}

/// A status that a crash or a concurrent worker explains; anything else
/// (a 5xx that is not the server dying, a 4xx other than these) fails.
fn acceptable(status: u16, v: &Value) -> bool {
    status < 300
        || (status == 409 && v["error"] == "wrong-state")
        || (status == 409 && v["error"] == "wrong-status")
}

/// Operations shared by the workers: document ids known, the count.
struct Shared {
    ops: AtomicUsize,
    limit: usize,
    next_doc: AtomicUsize,
    docs: Mutex<Vec<i64>>,
    unexpected: Mutex<Vec<String>>,
    lost: AtomicUsize,
}

impl Shared {
    /// Takes one operation of the budget.
    fn take(&self) -> bool {
        self.ops.fetch_add(1, Ordering::SeqCst) < self.limit
    }
}

/// One worker: create, seal, issue its documents one after the other,
/// and register B's arrivals; a lost answer is simply followed by the
/// next operation (the state is read again).
fn worker(shared: Arc<Shared>, p: Ids, clerk: Caller, clerk_b: Caller, w: usize) {
    let mut mine: Option<i64> = None;
    let mut round = 0usize;
    while shared.take() {
        round += 1;
        let outcome;
        let what;
        if round.is_multiple_of(4) {
            // B's clerk registers an arrival (the oldest unregistered).
            what = "register".to_string();
            let inbox = clerk_b.send(
                clerk_b
                    .http
                    .get(format!("{}/api/v1/inbox?status=01", clerk_b.base)),
            );
            let Outcome::Answer(200, list) = inbox else {
                shared.lost.fetch_add(1, Ordering::SeqCst);
                wait_up(&clerk.base);
                continue;
            };
            let ids: Vec<i64> = list
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|x| x["id"].as_i64())
                .collect();
            let Some(id) = ids.get(w % ids.len().max(1)).copied() else {
                continue;
            };
            outcome = clerk_b.post(&format!("/api/v1/inbox/{id}/register"));
        } else {
            match mine {
                None => {
                    let i = shared.next_doc.fetch_add(1, Ordering::SeqCst);
                    what = format!("create {i}");
                    outcome = clerk.create(&p, i);
                    if let Outcome::Answer(201, v) = &outcome {
                        let id = v["id"].as_i64().unwrap();
                        shared.docs.lock().unwrap().push(id);
                        mine = Some(id);
                    }
                }
                Some(id) => {
                    let state = clerk.send(
                        clerk
                            .http
                            .get(format!("{}/api/v1/documents/{id}", clerk.base)),
                    );
                    let Outcome::Answer(200, d) = state else {
                        shared.lost.fetch_add(1, Ordering::SeqCst);
                        wait_up(&clerk.base);
                        continue;
                    };
                    let step = match d["state"].as_str().unwrap() {
                        "draft" | "numbered" => "seal",
                        "sealed" => "issue",
                        _ => {
                            mine = None;
                            continue;
                        }
                    };
                    what = format!("{step} {id}");
                    outcome = clerk.post(&format!("/api/v1/documents/{id}/{step}"));
                }
            }
        }
        match outcome {
            Outcome::Lost => {
                shared.lost.fetch_add(1, Ordering::SeqCst);
                wait_up(&clerk.base);
            }
            Outcome::Answer(s, v) if s >= 500 && v.is_null() => {
                // A proxy-less server dying mid-answer: lost as well.
                shared.lost.fetch_add(1, Ordering::SeqCst);
            }
            Outcome::Answer(s, v) => {
                if !acceptable(s, &v) {
                    shared
                        .unexpected
                        .lock()
                        .unwrap()
                        .push(format!("{what}: {s} {v}"));
                }
            }
        }
    }
}

/// Waits until the server answers again (it is being restarted).
fn wait_up(base: &str) {
    let until = Instant::now() + Duration::from_secs(60);
    while Instant::now() < until {
        if reqwest::blocking::get(format!("{base}/healthz")).is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A tiny xorshift for the kill times (no seed needed to reproduce: the
/// checks hold whatever the moments).
fn random_ms(state: &mut u64, lo: u64, hi: u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    lo + *state % (hi - lo)
}

/// Every audit entry of `action` in agency `agency`: the object ids.
fn audited(auditor: &Api, agency: i64, action: &str) -> BTreeMap<i64, usize> {
    let mut out = BTreeMap::new();
    let mut before = String::new();
    loop {
        let page = auditor
            .get(&format!(
                "/api/v1/audit?agency_id={agency}&action={action}&limit=1000{before}"
            ))
            .expect(200, "audit");
        let page = page.as_array().unwrap();
        for e in page {
            if e["action"] == action {
                let id: i64 = e["object_id"].as_str().unwrap().parse().unwrap();
                *out.entry(id).or_insert(0) += 1;
            }
        }
        match page.last() {
            Some(e) if page.len() == 1000 => {
                before = format!("&before_seq={}", e["seq"].as_i64().unwrap())
            }
            _ => return out,
        }
    }
}

/// Every item of a list answer (`path` with a query), paged by `before_id`.
fn list_all(api: &Api, path: &str) -> Vec<Value> {
    let mut out: Vec<Value> = vec![];
    loop {
        let before = out
            .last()
            .map(|v| format!("&before_id={}", v["id"]))
            .unwrap_or_default();
        let page = api
            .get(&format!("{path}&limit=500{before}"))
            .expect(200, path);
        let page = page.as_array().unwrap().clone();
        let n = page.len();
        out.extend(page);
        if n < 500 {
            return out;
        }
    }
}

/// The checks of the issue on every document of A: returns how many are
/// issued.
fn check(p: &Province, backend: &str, year: i32) -> usize {
    let clerk = p.api("vanthu");
    let ids: Vec<i64> = list_all(clerk, &format!("/api/v1/documents?agency_id={}", p.a))
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    let issue_audit = audited(p.api("kiemtra"), p.a, "document.issue");
    let number_audit = audited(p.api("kiemtra"), p.a, "document.number");
    let register: Vec<(i64, i64)> = clerk
        .get(&format!("/api/v1/registers/{}/out/{year}", p.a))
        .expect(200, "register")
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["number"].as_i64().unwrap(),
                l["document_id"].as_i64().unwrap(),
            )
        })
        .collect();
    // 01…N, one line per document.
    assert_eq!(
        register.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        (1..=register.len() as i64).collect::<Vec<_>>(),
        "{backend}: the outgoing register has a gap or a repeat"
    );
    let by_doc: BTreeMap<i64, i64> = register.iter().map(|(n, d)| (*d, *n)).collect();
    assert_eq!(
        by_doc.len(),
        register.len(),
        "{backend}: a document numbered twice"
    );
    let mut issued = 0;
    for id in &ids {
        let d = clerk
            .get(&format!("/api/v1/documents/{id}"))
            .expect(200, "document");
        let state = d["state"].as_str().unwrap();
        let number = d["number"].as_i64();
        assert_eq!(
            number,
            by_doc.get(id).copied(),
            "{backend}: document {id} ({state}): its number and the register differ"
        );
        assert_eq!(
            number.is_some(),
            number_audit.contains_key(id),
            "{backend}: document {id}: numbering audited iff numbered"
        );
        let delivered: Vec<&Value> = d["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["delivery_id"].is_i64())
            .collect();
        if state == "issued" {
            issued += 1;
            assert!(number.is_some(), "{backend}: issued {id} without a number");
            assert_eq!(delivered.len(), 2, "{backend}: issued {id}: {d}");
            assert_eq!(
                issue_audit.get(id),
                Some(&1),
                "{backend}: issued {id}: audit"
            );
            let sealed = d["files"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["role"] == "sealed")
                .collect::<Vec<_>>();
            assert_eq!(sealed.len(), 1, "{backend}: {id}: one sealed file");
            let got = clerk.get(&format!("/api/v1/documents/{id}/files/{}", sealed[0]["id"]));
            assert_eq!(got.status, 200, "{backend}: {id}: sealed blob");
            assert_eq!(
                hex::encode(kyso_crypto::digest(
                    kyso_crypto::DigestAlgorithm::Sha256,
                    &got.bytes
                )),
                sealed[0]["sha256"].as_str().unwrap(),
                "{backend}: {id}: the sealed blob is not what was recorded"
            );
        } else {
            assert!(delivered.is_empty(), "{backend}: {id} ({state}) delivered");
            assert!(
                !issue_audit.contains_key(id),
                "{backend}: {id} ({state}) audited as issued"
            );
        }
    }
    // B's incoming register: 01…M, one line per registered delivery.
    let incoming: Vec<i64> = p
        .api("vanthu.stc")
        .get(&format!("/api/v1/registers/{}/in/{year}", p.b))
        .expect(200, "incoming register")
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["number"].as_i64().unwrap())
        .collect();
    assert_eq!(
        incoming,
        (1..=incoming.len() as i64).collect::<Vec<_>>(),
        "{backend}: the incoming register has a gap or a repeat"
    );
    let registered = list_all(p.api("vanthu.stc"), "/api/v1/inbox?status=03").len();
    assert_eq!(incoming.len(), registered, "{backend}: incoming lines");
    issued
}

#[test]
fn kill_nine_while_working() {
    let limit: usize = std::env::var("KYSO_CRASH_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    for d in deployments() {
        let backend = d.backend;
        let started = Instant::now();
        let mut p = Province::start(d, &["--login-rate", "1000"]);
        let year = time::OffsetDateTime::now_utc()
            .to_offset(time::macros::offset!(+7))
            .year();
        let ids = Ids {
            a: p.a,
            b: p.b,
            c: p.c,
        };
        let shared = Arc::new(Shared {
            ops: AtomicUsize::new(0),
            limit,
            next_doc: AtomicUsize::new(0),
            docs: Mutex::new(vec![]),
            unexpected: Mutex::new(vec![]),
            lost: AtomicUsize::new(0),
        });
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                let shared = shared.clone();
                let clerk = Caller::new(&p.base, p.api("vanthu").token());
                let clerk_b = Caller::new(&p.base, p.api("vanthu.stc").token());
                std::thread::spawn(move || worker(shared, ids, clerk, clerk_b, w))
            })
            .collect();
        // SIGKILL at random moments, then start again on the same port,
        // database and blob directory. The moments are random operation
        // counts (then a random delay inside the requests under way), so
        // the number of kills does not depend on how fast the machine is.
        let mut rng = 0x9e37_79b9_7f4a_7c15u64 ^ started.elapsed().as_nanos() as u64;
        let planned = (limit / 30).clamp(5, 40);
        let mut points: Vec<usize> = (0..planned)
            .map(|_| {
                random_ms(
                    &mut rng,
                    limit as u64 / 20,
                    (limit as u64 * 9 / 10).max(limit as u64 / 20 + 1),
                ) as usize
            })
            .collect();
        points.sort_unstable();
        points.reverse();
        let mut kills = 0;
        while shared.ops.load(Ordering::SeqCst) < limit {
            std::thread::sleep(Duration::from_millis(20));
            let Some(&next) = points.last() else {
                continue;
            };
            if shared.ops.load(Ordering::SeqCst) < next {
                continue;
            }
            points.pop();
            std::thread::sleep(Duration::from_millis(random_ms(&mut rng, 1, 300)));
            p.server.child.kill().unwrap();
            p.server.child.wait().unwrap();
            kills += 1;
            let again = p.d.serve_on(p.d.port);
            p.server = again;
        }
        for w in workers {
            w.join().unwrap();
        }
        let unexpected = shared.unexpected.lock().unwrap().clone();
        assert!(unexpected.is_empty(), "{backend}: {unexpected:#?}");
        let issued = check(&p, backend, year);
        let docs = shared.docs.lock().unwrap().len();
        eprintln!(
            "{backend}: {limit} operations, {kills} kills, {} requests without an answer, \
             {docs} documents created, {issued} issued, in {:.0} s",
            shared.lost.load(Ordering::SeqCst),
            started.elapsed().as_secs_f64()
        );
        assert!(
            kills >= 3,
            "{backend}: only {kills} of {planned} kills: the run was too short"
        );

        // Everything unfinished is taken to the end, without kills: a
        // document numbered before a crash keeps its number.
        let clerk = p.api("vanthu");
        let all = list_all(clerk, &format!("/api/v1/documents?agency_id={}", p.a));
        for d in &all {
            let id = d["id"].as_i64().unwrap();
            let before = d["number"].as_i64();
            let mut state = d["state"].as_str().unwrap().to_string();
            if state == "draft" || state == "numbered" {
                let v = clerk
                    .post_empty(&format!("/api/v1/documents/{id}/seal"))
                    .expect(200, "seal after the crashes");
                if let Some(n) = before {
                    assert_eq!(v["number"].as_i64(), Some(n), "{backend}: {id} renumbered");
                }
                state = "sealed".into();
            }
            if state == "sealed" {
                clerk
                    .post_empty(&format!("/api/v1/documents/{id}/issue"))
                    .expect(200, "issue after the crashes");
            }
        }
        let total = all.len();
        assert_eq!(check(&p, backend, year), total, "{backend}: all issued");
        let out = p.d.kyso(&["audit", "verify"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("unbroken"), "{backend}: {text}");
    }
}
