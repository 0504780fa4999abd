//! Three `kyso serve` processes on one PostgreSQL database and one blob
//! directory (issue 10, "Registers and numbering"): 50 concurrent
//! number-and-seal requests spread over the three replicas give 50
//! distinct, consecutive numbers 01…50 in the outgoing register; sealing a
//! document that is sealed already — again afterwards, or twice at the same
//! moment on two replicas — is refused with `409 wrong-state` and takes no
//! number; `kyso audit verify` passes afterwards.
//!
//! PostgreSQL only (SQLite is one process by nature): skipped with a note
//! when KYSO_TEST_PG_URL is unset, a failure under KYSO_REQUIRE_PEERS=1.
mod common;
#[path = "common/office.rs"]
mod office;

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};

use common::*;
use office::*;
use reqwest::blocking::multipart;
use reqwest::Method;
use serde_json::Value;

const SEALS: usize = 50;
const RACES: usize = 5;

/// A scanned document of A (main file only) from A's clerk on `api`.
fn scan(api: &Api, p: &Province, subject: &str) -> i64 {
    let form = multipart::Form::new()
        .text("agency_id", p.a.to_string())
        .text("flow", "seal")
        .part(
            "metadata",
            multipart::Part::text(metadata(subject, &[p.b, p.c]).to_string())
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
    api.multipart(Method::POST, "/api/v1/documents", form)
        .expect(201, "scan")["id"]
        .as_i64()
        .unwrap()
}

/// `requests` (replica base URL, document id) sent at the same moment by
/// one thread each: every answer, in order.
fn seal_all(token: &str, requests: Vec<(String, i64)>) -> Vec<(i64, Answer)> {
    let barrier = Arc::new(Barrier::new(requests.len()));
    let threads: Vec<_> = requests
        .into_iter()
        .map(|(base, id)| {
            let api = Api::new(&base, Auth::Token(token.to_string()));
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                (id, api.post_empty(&format!("/api/v1/documents/{id}/seal")))
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

fn register_numbers(api: &Api, agency: i64, year: i32) -> Vec<(i64, i64)> {
    api.get(&format!("/api/v1/registers/{agency}/out/{year}"))
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
        .collect()
}

#[test]
fn three_replicas_number_consecutively() {
    let Some(d) = deployments().into_iter().find(|d| d.backend == "postgres") else {
        eprintln!("SKIP: KYSO_TEST_PG_URL unset: three replicas need PostgreSQL");
        return;
    };
    let extra = ["--login-rate", "1000"];
    let p = Province::start(d, &extra);
    // Two more replicas over the same database and data directory (so the
    // same blob directory and seal key).
    let r2 = p.d.serve_with(free_port(), &extra);
    let r3 = p.d.serve_with(free_port(), &extra);
    let bases = [p.base.clone(), r2.url(""), r3.url("")];
    let year = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+7))
        .year();
    let clerk = p.api("vanthu");
    let token = clerk.token().to_string();

    // The clerk's drafts, created through every replica.
    let ids: Vec<i64> = (0..SEALS + RACES)
        .map(|i| {
            let api = Api::new(&bases[i % 3], Auth::Token(token.clone()));
            scan(&api, &p, &format!("Văn bản quét số {i}"))
        })
        .collect();
    let (ids, race_ids) = ids.split_at(SEALS);

    // 50 seal requests at once, spread over the three replicas.
    let answers = seal_all(
        &token,
        ids.iter()
            .enumerate()
            .map(|(i, id)| (bases[i % 3].clone(), *id))
            .collect(),
    );
    let mut numbers = BTreeSet::new();
    for (id, a) in &answers {
        let v: &Value = &a.json;
        assert_eq!(a.status, 200, "seal {id}: {}", a.text());
        assert_eq!(v["state"], "sealed", "{id}");
        let n = v["number"].as_i64().unwrap();
        assert_eq!(v["number_text"], format!("{n:02}/CV-UBND"));
        assert!(numbers.insert(n), "number {n} given twice");
    }
    let want: BTreeSet<i64> = (1..=SEALS as i64).collect();
    assert_eq!(numbers, want, "not 01..{SEALS}");
    let register = register_numbers(clerk, p.a, year);
    assert_eq!(
        register.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        (1..=SEALS as i64).collect::<Vec<_>>(),
        "register"
    );
    let in_register: BTreeSet<i64> = register.iter().map(|(_, d)| *d).collect();
    assert_eq!(in_register, ids.iter().copied().collect(), "one line each");

    // Sealing a sealed document again, on any replica: refused, no number.
    for base in &bases {
        let api = Api::new(base, Auth::Token(token.clone()));
        let again = api.post_empty(&format!("/api/v1/documents/{}/seal", ids[0]));
        again.error(409, "wrong-state");
        assert!(
            again.json["message_en"]
                .as_str()
                .unwrap()
                .contains("sealed"),
            "{}",
            again.text()
        );
    }
    assert_eq!(register_numbers(clerk, p.a, year).len(), SEALS);

    // The same document sealed twice at the same moment on two replicas:
    // one succeeds, the other is refused, one number each.
    let answers = seal_all(
        &token,
        race_ids
            .iter()
            .enumerate()
            .flat_map(|(i, id)| {
                [
                    (bases[i % 3].clone(), *id),
                    (bases[(i + 1) % 3].clone(), *id),
                ]
            })
            .collect(),
    );
    for id in race_ids {
        let mine: Vec<&Answer> = answers
            .iter()
            .filter(|(d, _)| d == id)
            .map(|(_, a)| a)
            .collect();
        let ok = mine.iter().filter(|a| a.status == 200).count();
        assert_eq!(ok, 1, "document {id}: exactly one seal");
        for a in mine.iter().filter(|a| a.status != 200) {
            a.error(409, "wrong-state");
        }
    }
    let register = register_numbers(clerk, p.a, year);
    assert_eq!(
        register.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        (1..=(SEALS + RACES) as i64).collect::<Vec<_>>(),
        "register after the races"
    );
    let docs: Vec<i64> = register.iter().map(|(_, d)| *d).collect();
    assert_eq!(
        docs.iter().copied().collect::<BTreeSet<_>>().len(),
        SEALS + RACES,
        "one number per document"
    );

    drop(r2);
    drop(r3);
    let out = p.d.kyso(&["audit", "verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("unbroken"), "{text}");
}
