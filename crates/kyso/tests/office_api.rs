//! The document office through HTTP, `kyso serve` as a process on SQLite
//! and PostgreSQL: the two-signature flow (a drafter's browser session
//! with its CSRF token, a multipart upload with an idempotency key, the
//! approver's signature made in the test with the key of their "token",
//! the clerk's number and seal, issuing), the issued file checked by
//! pyHanko (valid, FORM_FILLING) and pdfsig; the recipients' status codes,
//! registers (JSON and CSV), recall; a webhook delivered to a receiver in
//! the test with a valid HMAC (checked with openssl); the one-signature
//! flow; error shapes and statuses; security headers; the audit chain
//! time-stamped at shutdown; documents kept in an S3 bucket (moto_server).
mod common;
#[path = "common/moto.rs"]
mod moto;
#[path = "common/office.rs"]
mod office;

use common::*;
use moto::moto;
use office::*;
use reqwest::Method;
use serde_json::{json, Value};

/// pyHanko's words for a FORM_FILLING modification level.
const FORM_FILLING_OK: &str = "All modifications relate to signing and form filling operations, and they appear to be compatible with the current document modification policy.";

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

fn statuses(v: &Value) -> Vec<String> {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn two_signature_flow_over_http() {
    for d in deployments() {
        let backend = d.backend;
        let p = Province::start(d, &["--login-rate", "1000", "--webhook-interval", "1"]);
        let base = p.base.clone();
        let year = time::OffsetDateTime::now_utc()
            .to_offset(time::macros::offset!(+7))
            .year();

        // B's IT officer subscribes to B's arrivals and status changes.
        let receiver = Receiver::start();
        let hook = p
            .api("cntt.stc")
            .post(
                "/api/v1/webhooks",
                json!({"agency_id": p.b, "url": receiver.url,
                       "events": ["delivery.arrived", "delivery.status"]}),
            )
            .expect(201, "webhook");
        let secret = hook["secret"].as_str().unwrap().to_string();
        assert!(secret.starts_with("whsec_"));
        let listed = p
            .api("cntt.stc")
            .get(&format!("/api/v1/webhooks?agency_id={}", p.b))
            .expect(200, "webhooks");
        assert_eq!(listed[0]["secret"], Value::Null, "shown once");

        // 1. The drafter, in a browser session: unsafe requests need the
        // session's CSRF token.
        let drafter = Api::login(&base, "chuyenvien");
        let meta = metadata("Về việc thử nghiệm API văn phòng", &[p.b, p.c]);
        let form = || document_form(p.a, "two", &meta);
        let no_csrf = Api::send(
            drafter
                .raw(Method::POST, "/api/v1/documents")
                .multipart(form()),
        );
        no_csrf.error(403, "csrf");
        let create = |key: &str, f| {
            Api::send(
                drafter
                    .request(Method::POST, "/api/v1/documents")
                    .header("idempotency-key", key)
                    .multipart(f),
            )
        };
        let doc = create("draft-1", form()).expect(201, "create draft");
        let doc_id = id(&doc);
        assert_eq!(doc["state"], "draft", "{backend}");
        assert_eq!(doc["flow"], "two");
        assert_eq!(doc["files"].as_array().unwrap().len(), 3);
        // The same request again (a lost answer): the same draft.
        let again = create("draft-1", form()).expect(201, "retry");
        assert_eq!(id(&again), doc_id, "{backend}: idempotent");
        // The same key for another request: refused.
        let other_meta = metadata("Một văn bản khác", &[p.b]);
        create("draft-1", document_form(p.a, "two", &other_meta))
            .error(409, "idempotency-key-reused");
        let mine = drafter
            .get(&format!("/api/v1/documents?agency_id={}&state=draft", p.a))
            .expect(200, "list");
        assert_eq!(mine.as_array().unwrap().len(), 1, "{backend}: {mine}");

        // Out of order and by the wrong role: refused with the right status.
        p.api("vanthu")
            .post_empty(&format!("/api/v1/documents/{doc_id}/seal"))
            .error(409, "wrong-state");
        p.api("vanthu")
            .post_empty(&format!("/api/v1/documents/{doc_id}/submit"))
            .error(403, "forbidden");
        // A state secret is refused on every path.
        let mut secret_meta = meta.clone();
        secret_meta["secrecy"] = json!("mat");
        Api::send(
            drafter
                .request(Method::POST, "/api/v1/documents")
                .multipart(document_form(p.a, "two", &secret_meta)),
        )
        .error(400, "state-secret");
        // Not a PDF: refused, nothing stored.
        let bad = reqwest::blocking::multipart::Form::new()
            .text("agency_id", p.a.to_string())
            .text("flow", "two")
            .text("metadata", meta.to_string())
            .part(
                "file",
                reqwest::blocking::multipart::Part::bytes(b"hello".to_vec()).file_name("x.pdf"),
            );
        Api::send(
            drafter
                .request(Method::POST, "/api/v1/documents")
                .multipart(bad),
        )
        .error(415, "not-pdf");

        // 2. Submit; revise is no longer possible for the drafter.
        drafter
            .post_empty(&format!("/api/v1/documents/{doc_id}/submit"))
            .expect(200, "submit");

        // 3. The approver signs with the key of their "token".
        let approved = p.approve(doc_id);
        assert_eq!(approved["state"], "approved", "{backend}");
        assert_eq!(approved["signer_position"], "Chủ tịch");

        // 4. The clerk numbers and seals, then issues.
        let clerk = p.api("vanthu");
        let sealed = clerk
            .post_empty(&format!("/api/v1/documents/{doc_id}/seal"))
            .expect(200, "seal");
        assert_eq!(sealed["state"], "sealed");
        assert_eq!(sealed["number_text"], "01/CV-UBND", "{backend}");
        let issued = clerk
            .post_empty(&format!("/api/v1/documents/{doc_id}/issue"))
            .expect(200, "issue");
        assert_eq!(issued["state"], "issued");
        clerk
            .post_empty(&format!("/api/v1/documents/{doc_id}/issue"))
            .error(409, "wrong-state");

        // The issued file, as a recipient reads it.
        let file = issued["files"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|f| f["role"] == "sealed")
            .unwrap()
            .clone();
        let got = p
            .api("vanthu.stc")
            .get(&format!("/api/v1/documents/{doc_id}/files/{}", file["id"]));
        assert_eq!(got.status, 200, "{}", got.text());
        assert_eq!(got.header("content-type"), "application/pdf");
        assert!(got
            .header("content-disposition")
            .starts_with("attachment; filename="));
        assert_eq!(
            hex::encode(kyso_crypto::digest(
                kyso_crypto::DigestAlgorithm::Sha256,
                &got.bytes
            )),
            file["sha256"].as_str().unwrap()
        );
        // … but never the draft.
        let draft_file = issued["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["role"] == "draft")
            .unwrap();
        p.api("vanthu.stc")
            .get(&format!(
                "/api/v1/documents/{doc_id}/files/{}",
                draft_file["id"]
            ))
            .error(404, "not-found");
        let out = p.d.path("issued.pdf");
        std::fs::write(&out, &got.bytes).unwrap();
        if let Some(peers) = &p.peers {
            peers.all_valid(&out, 2, true);
            if let Some((ok, t)) = peers.pyhanko(&out) {
                assert!(ok, "pyhanko: {t}");
                assert!(t.contains(FORM_FILLING_OK), "pyhanko: {t}");
            }
        }

        // 5. Arrival at B: the webhook, signed with the secret.
        let (h, body) = receiver.wait_for("delivery.arrived");
        let sig = h["x-kyso-signature"].clone();
        let body_file = p.d.path("webhook-body.json");
        std::fs::write(&body_file, &body).unwrap();
        let mac = openssl(
            p.d.dir.path(),
            &[
                "dgst",
                "-sha256",
                "-hmac",
                &secret,
                "-hex",
                body_file.to_str().unwrap(),
            ],
        );
        let mac = mac.trim().rsplit(' ').next().unwrap().to_string();
        assert_eq!(sig, format!("sha256={mac}"), "{backend}: HMAC of the body");
        let event: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(event["event"], "delivery.arrived");
        assert_eq!(event["agency_id"], p.b);
        assert!(h.contains_key("x-kyso-delivery"));

        // 6. B receives: register, assign, process, complete.
        let clerk_b = p.api("vanthu.stc");
        let inbox = clerk_b.get("/api/v1/inbox").expect(200, "inbox");
        assert_eq!(inbox.as_array().unwrap().len(), 1, "{backend}: {inbox}");
        let inc = &inbox[0];
        let inc_id = id(inc);
        assert_eq!(inc["status"], "01");
        assert_eq!(inc["verification"], "TOTAL-PASSED", "{backend}");
        assert_eq!(inc["number_text"], "01/CV-UBND");
        // Another recipient's clerk does not see it.
        p.api("vanthu.syt")
            .get(&format!("/api/v1/inbox/{inc_id}"))
            .error(404, "not-found");
        clerk_b
            .post(
                &format!("/api/v1/inbox/{inc_id}/assign"),
                json!({"person_id": p.id("chuyenvien.stc")}),
            )
            .error(409, "wrong-status");
        let reg = clerk_b
            .post_empty(&format!("/api/v1/inbox/{inc_id}/register"))
            .expect(200, "register");
        assert_eq!(
            (reg["status"].as_str(), reg["incoming_number"].as_i64()),
            (Some("03"), Some(1))
        );
        p.api("giamdoc.stc")
            .post(
                &format!("/api/v1/inbox/{inc_id}/assign"),
                json!({"person_id": p.id("chuyenvien.stc"), "note": "Xử lý gấp"}),
            )
            .expect(200, "assign");
        let officer = p.api("chuyenvien.stc");
        officer
            .post_empty(&format!("/api/v1/inbox/{inc_id}/process"))
            .expect(200, "process");
        let done = officer
            .post(&format!("/api/v1/inbox/{inc_id}/complete"), json!({}))
            .expect(200, "complete");
        assert_eq!(statuses(&done), ["01", "03", "04", "05", "06"], "{backend}");
        let (_, body) = receiver.wait_for("delivery.status");
        let event: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(event["agency_id"], p.b);
        // C rejects, with a reason.
        let clerk_c = p.api("vanthu.syt");
        let inc_c = id(&clerk_c
            .get("/api/v1/inbox?status=01")
            .expect(200, "inbox C")[0]);
        clerk_c
            .post_empty(&format!("/api/v1/inbox/{inc_c}/reject"))
            .error(400, "reason-required");
        clerk_c
            .post(
                &format!("/api/v1/inbox/{inc_c}/reject"),
                json!({"reason": "Không thuộc thẩm quyền"}),
            )
            .expect(200, "reject");
        // The sender sees each recipient's history.
        let seen = clerk
            .get(&format!("/api/v1/documents/{doc_id}"))
            .expect(200, "doc");
        let mut history: Vec<(i64, Vec<String>)> = seen["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["agency_id"].as_i64().unwrap(), statuses(r)))
            .collect();
        history.sort();
        assert_eq!(
            history,
            vec![
                (
                    p.b,
                    vec!["01", "03", "04", "05", "06"]
                        .into_iter()
                        .map(String::from)
                        .collect()
                ),
                (p.c, vec!["01".to_string(), "02".to_string()]),
            ],
            "{backend}"
        );

        // 7. Registers: JSON and CSV (UTF-8 with BOM).
        let out_reg = clerk
            .get(&format!("/api/v1/registers/{}/out/{year}", p.a))
            .expect(200, "register out");
        assert_eq!(out_reg[0]["number_text"], "01/CV-UBND", "{out_reg}");
        let csv = clerk.get(&format!("/api/v1/registers/{}/out/{year}.csv", p.a));
        assert_eq!(csv.status, 200, "{}", csv.text());
        assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
        assert!(csv.bytes.starts_with(b"\xEF\xBB\xBF"));
        let csv_text = csv.text();
        assert!(csv_text.contains("Số, ký hiệu văn bản") && csv_text.contains("01/CV-UBND"));
        let in_reg = clerk_b
            .get(&format!(
                "/api/v1/registers/{}/in/{year}?q=thu%20nghiem",
                p.b
            ))
            .expect(200, "register in");
        assert_eq!(in_reg.as_array().unwrap().len(), 1, "{in_reg}");
        clerk_b
            .get(&format!("/api/v1/registers/{}/out/{year}", p.a))
            .error(403, "forbidden");
        clerk
            .get(&format!("/api/v1/registers/{}/out/19", p.a))
            .error(400, "bad-year");

        // 8. The sender recalls: B is asked (13) and accepts (15).
        clerk
            .post(
                &format!("/api/v1/documents/{doc_id}/recall"),
                json!({"reason": ""}),
            )
            .error(400, "reason-required");
        clerk
            .post(
                &format!("/api/v1/documents/{doc_id}/recall"),
                json!({"reason": "Sai sót số liệu"}),
            )
            .expect(200, "recall");
        let frozen = clerk_b
            .get(&format!("/api/v1/inbox/{inc_id}"))
            .expect(200, "frozen");
        assert_eq!(frozen["status"], "13", "{backend}: {frozen}");
        let accepted = clerk_b
            .post_empty(&format!("/api/v1/inbox/{inc_id}/accept-recall"))
            .expect(200, "accept recall");
        assert_eq!(accepted["status"], "15");
        assert_eq!(accepted["frozen"], true, "accepted: frozen");
        p.api("giamdoc.stc")
            .post_empty(&format!("/api/v1/inbox/{inc_id}/process"))
            .error(409, "recalled");

        // 9. The one-signature flow: a scan sealed and issued by the clerk.
        let scan = p.issue_scan("Thông báo lịch làm việc");
        assert_eq!(scan["state"], "issued");
        assert_eq!(
            scan["number_text"], "02/CV-UBND",
            "{backend}: numbers go on"
        );

        // 10. The audit chain is unbroken, and refusals are in it.
        let report = p
            .admin
            .api
            .get("/api/v1/audit/verify")
            .expect(200, "verify");
        assert_eq!(
            report["chain"]["broken"],
            Value::Null,
            "{backend}: {report}"
        );
        assert!(report["anchors_invalid"].as_array().unwrap().is_empty());
        let denied = p
            .admin
            .api
            .get("/api/v1/audit?action=access.denied&limit=100")
            .expect(200, "audit");
        assert!(
            denied
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["object_id"] == "csrf /api/v1/documents"),
            "{denied}"
        );
        let by_id = p
            .admin
            .api
            .get(&format!(
                "/api/v1/audit?object_kind=document&object_id={doc_id}"
            ))
            .expect(200, "audit of the document");
        let actions: Vec<&str> = by_id
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for a in [
            "document.create",
            "document.submit",
            "document.approve",
            "document.issue",
            "document.recall",
        ] {
            assert!(actions.contains(&a), "{backend}: {a} in {actions:?}");
        }

        // 11. The drafter logs out: the cookie no longer works.
        drafter
            .post_empty("/api/v1/auth/logout")
            .expect(204, "logout");
        drafter.get("/api/v1/me").error(401, "unauthenticated");
    }
}

/// Statuses, the error shape and the headers over a real socket.
#[test]
fn errors_and_headers_over_http() {
    let d = deployments().remove(0);
    let p = Province::start(d, &["--login-rate", "1000", "--max-upload-mb", "1"]);
    let anon = Api::new(&p.base, Auth::Anonymous);
    let r = anon.get("/api/v1/documents");
    r.error(401, "unauthenticated");
    for h in [
        "content-security-policy",
        "x-frame-options",
        "x-content-type-options",
        "referrer-policy",
        "x-request-id",
    ] {
        assert!(!r.header(h).is_empty(), "{h}");
    }
    assert!(r
        .header("content-security-policy")
        .contains("frame-ancestors 'none'"));
    assert!(
        r.header("strict-transport-security").is_empty(),
        "plain HTTP"
    );
    let admin = &p.admin.api;
    admin.get("/api/v1/agencies/999999").error(404, "not-found");
    admin.get("/api/v1/agencies/abc").error(400, "bad-path");
    admin
        .get("/api/v1/documents?limit=x")
        .error(400, "bad-query");
    admin
        .post("/api/v1/agencies", json!({"code": "bad"}))
        .error(400, "bad-json");
    Api::send(
        admin
            .request(Method::POST, "/api/v1/agencies")
            .header("content-type", "text/plain")
            .body("{}"),
    )
    .error(415, "unsupported-media-type");
    admin
        .put_bytes(
            &format!("/api/v1/agencies/{}/seal-image", p.a),
            "image/jpeg",
            vec![1, 2, 3],
        )
        .error(415, "unsupported-media-type");
    admin
        .post(
            "/api/v1/agencies",
            json!({"parent_id": p.a, "code": "000.01.00.H45", "name": "Trùng", "short_name": "T",
                   "level": "department"}),
        )
        .error(409, "duplicate-code");
    let big = vec![b'x'; 2 * 1024 * 1024];
    Api::send(
        admin
            .request(Method::POST, "/api/v1/agencies")
            .header("content-type", "application/json")
            .body(big),
    )
    .error(413, "too-large");
    // A file part over --max-upload-mb is refused while it is read.
    let r = p.api("vanthu").multipart(
        Method::POST,
        "/api/v1/documents",
        reqwest::blocking::multipart::Form::new().part(
            "file",
            reqwest::blocking::multipart::Part::bytes(vec![b'%'; 3 * 1024 * 1024])
                .file_name("big.pdf"),
        ),
    );
    r.error(413, "too-large");
    // Five wrong passwords lock the account (in the database): 429.
    for _ in 0..5 {
        anon.post(
            "/api/v1/auth/login",
            json!({"username": "kiemtra", "password": "sai mật khẩu"}),
        );
    }
    let r = anon.post(
        "/api/v1/auth/login",
        json!({"username": "kiemtra", "password": PASSWORD}),
    );
    r.error(429, "account-locked");
    // The admin lifts it.
    admin
        .patch(
            &format!("/api/v1/people/{}", p.id("kiemtra")),
            json!({"unlock": true}),
        )
        .expect(200, "unlock");
    Api::login(&p.base, "kiemtra");
    // A revoked token stops working.
    let t = &p.people["noivu.ca"];
    t.api
        .delete(&format!("/api/v1/me/tokens/{}", t.token_id))
        .expect(204, "revoke");
    t.api.get("/api/v1/me").error(401, "unauthenticated");
    // The API page and its script.
    let page = anon.get("/api/docs");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("/static/api-docs.js"));
    let spec = anon.get("/api/openapi.json").expect(200, "openapi");
    assert_eq!(spec["openapi"], "3.1.0");
}

/// `kyso serve --blobs s3://…`: documents go to the bucket (moto_server as
/// the S3 peer), on the last deployment (PostgreSQL when it is set).
#[test]
fn documents_in_an_s3_bucket_over_http() {
    let Some(s3) = moto() else { return };
    let d = deployments().pop().unwrap();
    let backend = d.backend;
    let bucket = format!("{}/kyso-blobs", s3.url);
    let r = reqwest::blocking::Client::new()
        .put(&bucket)
        .send()
        .unwrap();
    assert!(r.status().is_success(), "create bucket: {}", r.status());
    let p = Province::start_env(
        d,
        &["--login-rate", "1000", "--blobs", "s3://kyso-blobs/office"],
        &[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL", &s3.url),
            ("AWS_ALLOW_HTTP", "true"),
        ],
    );
    let scan = p.issue_scan("Văn bản lưu trên S3");
    let sealed = scan["files"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|f| f["role"] == "sealed")
        .unwrap();
    let sha = sealed["sha256"].as_str().unwrap();
    let got = p.api("vanthu.stc").get(&format!(
        "/api/v1/documents/{}/files/{}",
        scan["id"], sealed["id"]
    ));
    assert_eq!(got.status, 200, "{backend}: {}", got.text());
    assert_eq!(
        hex::encode(kyso_crypto::digest(
            kyso_crypto::DigestAlgorithm::Sha256,
            &got.bytes
        )),
        sha
    );
    let listing = reqwest::blocking::get(format!("{bucket}?list-type=2&prefix=office/"))
        .unwrap()
        .text()
        .unwrap();
    assert!(
        listing.contains(&format!("<Key>office/sha256/{}/{sha}</Key>", &sha[..2])),
        "{backend}: the sealed file in the bucket: {listing}"
    );
    assert!(
        !p.d.data()
            .join("blobs")
            .join("blobs")
            .join("sha256")
            .exists(),
        "{backend}: nothing in the data directory"
    );
}
