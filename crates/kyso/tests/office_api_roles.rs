//! The role matrix over HTTP (`kyso serve` on SQLite and PostgreSQL):
//! every operation of /api/v1 (taken from /api/openapi.json, so a new
//! route cannot be left out) is called anonymously (401), and every
//! operation on another agency's objects is called by a person in each
//! role of agency D: never 2xx, never 5xx — 403 or, for objects another
//! agency does not even get to know of, 404 — and every 403 is in the
//! audit log under the request's id.
mod common;
#[path = "common/office.rs"]
mod office;

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use common::*;
use office::*;
use reqwest::Method;
use serde_json::{json, Value};

/// A request of the matrix.
enum Body {
    None,
    Json(Value),
    Png,
    Pem(String),
    Document(Value),
    /// A revision: new metadata only.
    Revision(Value),
}

struct Call {
    method: Method,
    /// The path template of the operation (as in the description).
    template: &'static str,
    path: String,
    body: Body,
}

fn call(method: Method, template: &'static str, path: String, body: Body) -> Call {
    Call {
        method,
        template,
        path,
        body,
    }
}

fn send(api: &Api, c: &Call, request_id: &str) -> Answer {
    let rb = api
        .request(c.method.clone(), &c.path)
        .header("x-request-id", request_id);
    Api::send(match &c.body {
        Body::None => rb,
        Body::Json(v) => rb
            .header("content-type", "application/json")
            .body(v.to_string()),
        Body::Png => rb.header("content-type", "image/png").body(seal_png()),
        Body::Pem(p) => rb
            .header("content-type", "application/x-pem-file")
            .body(p.clone()),
        Body::Document(meta) => rb.multipart(
            reqwest::blocking::multipart::Form::new()
                .text("agency_id", meta["agency_id"].to_string())
                .text("flow", "two")
                .text("metadata", meta["metadata"].to_string())
                .part(
                    "file",
                    reqwest::blocking::multipart::Part::bytes(pdf())
                        .file_name("x.pdf")
                        .mime_str("application/pdf")
                        .unwrap(),
                ),
        ),
        Body::Revision(meta) => rb.multipart(
            reqwest::blocking::multipart::Form::new().text("metadata", meta.to_string()),
        ),
    })
}

/// Operations open to everyone, anonymous callers included: what an
/// agency publishes and the verification of a print-out's code. Their
/// own tests check what they reveal; here an anonymous call to them must
/// not be refused as unauthenticated, and it must not fail.
const PUBLIC: &[(&str, &str)] = &[
    ("get", "/api/v1/portal"),
    ("get", "/api/v1/portal/{agency_code}"),
    ("get", "/api/v1/portal/{agency_code}/{id}/file"),
    ("get", "/api/v1/verify/{sha256}"),
];

/// Operations every logged-in person may call whatever their agency:
/// their own account, and the data everyone chooses from.
const OWN_OR_SHARED: &[(&str, &str)] = &[
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/me/notifications"),
    ("post", "/api/v1/me/notifications/seen"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/me/tokens"),
    ("post", "/api/v1/me/tokens"),
    ("put", "/api/v1/me/password"),
    ("get", "/api/v1/agencies"),
    ("get", "/api/v1/agencies/{id}"),
    ("get", "/api/v1/people"),
    ("get", "/api/v1/document-types"),
    ("get", "/api/v1/categories"),
    ("get", "/api/v1/desk/calendar"),
    // The desk's notices and report answer with the caller's own scope
    // (another agency's report: 403, tested in desk_reporting.rs).
    ("get", "/api/v1/desk/notices"),
    ("get", "/api/v1/desk/report"),
    ("get", "/api/v1/desk/report.csv"),
    ("get", "/api/v1/desk/report.pdf"),
    ("get", "/api/v1/desk/report/charts/{kind}"),
    // The kept periodic reports the caller reads (none of another body's:
    // desk_reporting.rs).
    ("get", "/api/v1/desk/reports/periodic"),
];

#[test]
fn every_endpoint_as_anonymous_and_as_each_role_of_another_agency() {
    for d in deployments() {
        let backend = d.backend;
        let p = Province::start(d, &["--login-rate", "1000"]);
        let year = time::OffsetDateTime::now_utc()
            .to_offset(time::macros::offset!(+7))
            .year();
        let (a, b) = (p.a, p.b);

        // Objects of A and B to reach for.
        let doc_a = p
            .api("chuyenvien")
            .multipart(
                Method::POST,
                "/api/v1/documents",
                document_form(a, "two", &metadata("Dự thảo của A", &[b])),
            )
            .expect(201, "draft of A")["id"]
            .as_i64()
            .unwrap();
        let scan = p.issue_scan("Văn bản A gửi B");
        let doc_s = scan["id"].as_i64().unwrap();
        let file_s = scan["files"][0]["id"].as_i64().unwrap();
        let dl_b = p
            .api("vanthu.stc")
            .get("/api/v1/inbox")
            .expect(200, "inbox B")[0]["id"]
            .as_i64()
            .unwrap();
        let pa = p.id("chuyenvien");
        let membership = p
            .admin
            .api
            .get(&format!("/api/v1/people/{pa}"))
            .expect(200, "person")["memberships"][0]["id"]
            .as_i64()
            .unwrap();
        let hook_b = p
            .api("cntt.stc")
            .post(
                "/api/v1/webhooks",
                json!({"agency_id": b, "url": "http://127.0.0.1:9/x", "events": ["delivery.arrived"]}),
            )
            .expect(201, "webhook")["id"]
            .as_i64()
            .unwrap();
        // The certificate desk: a request of B and a device of B.
        let req_b = p
            .api("chuyenvien.stc")
            .post(
                "/api/v1/desk/requests",
                json!({"kind": "issue_person", "agency_id": b, "subscriber_id": p.id("chuyenvien.stc"),
                       "form": {"identity_number": "037190001234", "full_name": "Đỗ Thị Giang",
                                "email": "giang@stc.ninhbinh.gov.vn"}}),
            )
            .expect(201, "desk request of B")["id"]
            .as_i64()
            .unwrap();
        let dev_b = p
            .admin
            .api
            .post(
                "/api/v1/desk/devices",
                json!({"serial": "MT-0001", "model": "USB token", "module": "x.so", "agency_id": b}),
            )
            .expect(201, "device of B")["id"]
            .as_i64()
            .unwrap();
        let sub_b = p.id("chuyenvien.stc");
        // A records file of A holding its issued document.
        let file_a = p
            .api("vanthu")
            .post(
                "/api/v1/archive/files",
                json!({"agency_id": a, "year": year, "notation": "VP", "title": "Hồ sơ của A",
                       "retention": "permanent", "access": "public"}),
            )
            .expect(201, "records file of A")["id"]
            .as_i64()
            .unwrap();
        let cert = B64.encode(&p.approver_cert);
        let pem = std::fs::read_to_string(p.d.path("issuing.pem")).unwrap();
        let tok_a = p.people["chuyenvien"].token_id;
        let meta =
            |agency: i64| json!({"agency_id": agency, "metadata": metadata("Ma trận", &[b])});

        use Method as M;
        let cross = vec![
            call(M::DELETE, "/api/v1/me/tokens/{id}", format!("/api/v1/me/tokens/{tok_a}"), Body::None),
            call(M::POST, "/api/v1/agencies", "/api/v1/agencies".into(), Body::Json(json!(
                {"parent_id": a, "code": "000.09.00.H45", "name": "Sở mới", "short_name": "SM", "level": "department"}))),
            call(M::PATCH, "/api/v1/agencies/{id}", format!("/api/v1/agencies/{a}"), Body::Json(json!({"name": "Đổi tên"}))),
            call(M::PUT, "/api/v1/agencies/{id}/seal-key", format!("/api/v1/agencies/{a}/seal-key"), Body::Json(json!({"kind": "generate"}))),
            call(M::PUT, "/api/v1/agencies/{id}/seal-image", format!("/api/v1/agencies/{a}/seal-image"), Body::Png),
            call(M::GET, "/api/v1/people", format!("/api/v1/people?agency_id={a}"), Body::None),
            call(M::POST, "/api/v1/people", "/api/v1/people".into(), Body::Json(json!(
                {"username": "matran", "full_name": "Ma Trận", "password": PASSWORD,
                 "memberships": [{"agency_id": a, "role": "clerk"}]}))),
            call(M::GET, "/api/v1/people/{id}", format!("/api/v1/people/{pa}"), Body::None),
            call(M::PATCH, "/api/v1/people/{id}", format!("/api/v1/people/{pa}"), Body::Json(json!({"full_name": "Đổi tên"}))),
            call(M::POST, "/api/v1/people/{id}/roles", format!("/api/v1/people/{pa}/roles"), Body::Json(json!({"agency_id": a, "role": "clerk"}))),
            call(M::DELETE, "/api/v1/people/{id}/roles/{membership_id}", format!("/api/v1/people/{pa}/roles/{membership}"), Body::None),
            call(M::PUT, "/api/v1/people/{id}/password", format!("/api/v1/people/{pa}/password"), Body::Json(json!({"new": "một mật khẩu mới 2026"}))),
            call(M::PUT, "/api/v1/people/{id}/certificate", format!("/api/v1/people/{pa}/certificate"), Body::Pem(pem.clone())),
            call(M::PUT, "/api/v1/people/{id}/signature-image", format!("/api/v1/people/{pa}/signature-image"), Body::Png),
            call(M::POST, "/api/v1/categories", "/api/v1/categories".into(), Body::Json(json!({"agency_id": a, "code": "ma-tran", "name_vi": "Ma trận"}))),
            call(M::GET, "/api/v1/documents", format!("/api/v1/documents?agency_id={a}"), Body::None),
            call(M::GET, "/api/v1/documents/search", format!("/api/v1/documents/search?q=du+thao&agency_id={a}"), Body::None),
            call(M::POST, "/api/v1/documents", "/api/v1/documents".into(), Body::Document(meta(a))),
            call(M::GET, "/api/v1/documents/{id}", format!("/api/v1/documents/{doc_a}"), Body::None),
            call(M::PATCH, "/api/v1/documents/{id}", format!("/api/v1/documents/{doc_a}"), Body::Revision(metadata("Sửa", &[b]))),
            call(M::POST, "/api/v1/documents/{id}/submit", format!("/api/v1/documents/{doc_a}/submit"), Body::None),
            call(M::POST, "/api/v1/documents/{id}/return", format!("/api/v1/documents/{doc_a}/return"), Body::Json(json!({"comment": "Sửa lại"}))),
            call(M::POST, "/api/v1/documents/{id}/cancel", format!("/api/v1/documents/{doc_a}/cancel"), Body::None),
            call(M::POST, "/api/v1/documents/{id}/approval/prepare", format!("/api/v1/documents/{doc_a}/approval/prepare"), Body::Json(json!({"certificate": cert}))),
            call(M::POST, "/api/v1/documents/{id}/approval/finalize", format!("/api/v1/documents/{doc_a}/approval/finalize"),
                Body::Json(json!({"nonce": "ab".repeat(32), "signature": "AAAA", "certificate": cert}))),
            call(M::POST, "/api/v1/documents/{id}/seal", format!("/api/v1/documents/{doc_a}/seal"), Body::None),
            call(M::POST, "/api/v1/documents/{id}/issue", format!("/api/v1/documents/{doc_a}/issue"), Body::None),
            call(M::POST, "/api/v1/documents/{id}/recall", format!("/api/v1/documents/{doc_s}/recall"), Body::Json(json!({"reason": "Thu hồi"}))),
            call(M::GET, "/api/v1/documents/{id}/publication", format!("/api/v1/documents/{doc_s}/publication"), Body::None),
            call(M::POST, "/api/v1/documents/{id}/publication", format!("/api/v1/documents/{doc_s}/publication"), Body::Json(json!({"section": "notice"}))),
            call(M::DELETE, "/api/v1/documents/{id}/publication", format!("/api/v1/documents/{doc_s}/publication"), Body::None),
            call(M::GET, "/api/v1/documents/{id}/files/{file_id}", format!("/api/v1/documents/{doc_s}/files/{file_s}"), Body::None),
            call(M::GET, "/api/v1/documents/{id}/print", format!("/api/v1/documents/{doc_s}/print"), Body::None),
            call(M::GET, "/api/v1/inbox", format!("/api/v1/inbox?agency_id={b}"), Body::None),
            call(M::GET, "/api/v1/inbox/{id}", format!("/api/v1/inbox/{dl_b}"), Body::None),
            call(M::GET, "/api/v1/registers/{agency_id}/{direction}/{year}", format!("/api/v1/registers/{a}/out/{year}"), Body::None),
            call(M::GET, "/api/v1/registers/{agency_id}/{direction}/{year}.csv", format!("/api/v1/registers/{b}/in/{year}.csv"), Body::None),
            call(M::GET, "/api/v1/audit", format!("/api/v1/audit?agency_id={a}"), Body::None),
            call(M::GET, "/api/v1/audit/verify", "/api/v1/audit/verify".into(), Body::None),
            call(M::GET, "/api/v1/archive/status", format!("/api/v1/archive/status?agency_id={b}"), Body::None),
            call(M::GET, "/api/v1/archive/export", format!("/api/v1/archive/export?agency_id={a}&register=out&year={year}"), Body::None),
            call(M::GET, "/api/v1/archive/files", format!("/api/v1/archive/files?agency_id={a}&year={year}"), Body::None),
            call(M::POST, "/api/v1/archive/files", "/api/v1/archive/files".into(), Body::Json(json!(
                {"agency_id": a, "year": year, "notation": "MT", "title": "Ma trận", "retention": "10", "access": "public"}))),
            call(M::GET, "/api/v1/archive/files/{id}", format!("/api/v1/archive/files/{file_a}"), Body::None),
            call(M::POST, "/api/v1/archive/files/{id}/documents", format!("/api/v1/archive/files/{file_a}/documents"), Body::Json(json!({"document_id": doc_s}))),
            call(M::POST, "/api/v1/archive/files/{id}/close", format!("/api/v1/archive/files/{file_a}/close"), Body::None),
            call(M::GET, "/api/v1/webhooks", format!("/api/v1/webhooks?agency_id={b}"), Body::None),
            call(M::POST, "/api/v1/webhooks", "/api/v1/webhooks".into(), Body::Json(json!(
                {"agency_id": b, "url": "http://127.0.0.1:9/y", "events": ["delivery.arrived"]}))),
            call(M::DELETE, "/api/v1/webhooks/{id}", format!("/api/v1/webhooks/{hook_b}"), Body::None),
            call(M::GET, "/api/v1/desk/requests", format!("/api/v1/desk/requests?agency_id={b}"), Body::None),
            call(M::POST, "/api/v1/desk/requests", "/api/v1/desk/requests".into(), Body::Json(json!(
                {"kind": "issue_person", "agency_id": b, "form": {"identity_number": "037190001234",
                 "full_name": "Ma Trận", "email": "matran@ninhbinh.gov.vn"}}))),
            call(M::GET, "/api/v1/desk/requests/{id}", format!("/api/v1/desk/requests/{req_b}"), Body::None),
            call(M::POST, "/api/v1/desk/requests/{id}/return", format!("/api/v1/desk/requests/{req_b}/return"), Body::Json(json!({"reasons": "Sai"}))),
            call(M::POST, "/api/v1/desk/requests/{id}/resubmit", format!("/api/v1/desk/requests/{req_b}/resubmit"), Body::Json(json!({}))),
            call(M::POST, "/api/v1/desk/requests/{id}/approve", format!("/api/v1/desk/requests/{req_b}/approve"), Body::Json(json!({}))),
            call(M::POST, "/api/v1/desk/requests/{id}/refuse", format!("/api/v1/desk/requests/{req_b}/refuse"), Body::Json(json!({"reasons": "Sai"}))),
            call(M::POST, "/api/v1/desk/requests/{id}/complete", format!("/api/v1/desk/requests/{req_b}/complete"), Body::Json(json!({}))),
            call(M::PUT, "/api/v1/desk/calendar/{day}", "/api/v1/desk/calendar/2026-05-04".into(), Body::Json(json!({"kind": "compensatory", "name": "Nghỉ bù"}))),
            call(M::DELETE, "/api/v1/desk/calendar/{day}", "/api/v1/desk/calendar/2026-01-01".into(), Body::None),
            call(M::POST, "/api/v1/desk/calendar/fixed", "/api/v1/desk/calendar/fixed?year=2027".into(), Body::None),
            call(M::GET, "/api/v1/desk/devices", format!("/api/v1/desk/devices?agency_id={b}"), Body::None),
            call(M::POST, "/api/v1/desk/devices", "/api/v1/desk/devices".into(), Body::Json(json!(
                {"serial": "MT-0002", "model": "USB token", "module": "x.so", "agency_id": b}))),
            call(M::GET, "/api/v1/desk/devices/{id}", format!("/api/v1/desk/devices/{dev_b}"), Body::None),
            call(M::POST, "/api/v1/desk/devices/{id}/state", format!("/api/v1/desk/devices/{dev_b}/state"), Body::Json(json!({"state": "issued"}))),
            call(M::POST, "/api/v1/desk/devices/{id}/handovers", format!("/api/v1/desk/devices/{dev_b}/handovers"), Body::Json(json!(
                {"method": "in_person", "handed_on": "2026-05-04", "from_party": "A", "to_party": "B"}))),
            call(M::POST, "/api/v1/desk/devices/{id}/handovers/{handover_id}/record", format!("/api/v1/desk/devices/{dev_b}/handovers/1/record"), Body::None),
            call(M::GET, "/api/v1/desk/reports/periodic/{id}/pdf", format!("/api/v1/desk/reports/periodic/{doc_s}/pdf"), Body::None),
            call(M::POST, "/api/v1/desk/devices/{id}/loss", format!("/api/v1/desk/devices/{dev_b}/loss"), Body::Json(json!({"day": "2026-05-04", "note": "Mất"}))),
            call(M::POST, "/api/v1/desk/devices/{id}/custodian", format!("/api/v1/desk/devices/{dev_b}/custodian"), Body::Json(json!({"handover_id": 1, "custodian_id": sub_b}))),
            call(M::GET, "/api/v1/desk/devices/{id}/custody", format!("/api/v1/desk/devices/{dev_b}/custody"), Body::None),
            call(M::POST, "/api/v1/desk/people/{id}/leave", format!("/api/v1/desk/people/{sub_b}/leave"), Body::Json(json!(
                {"agency_id": b, "reason": "Nghỉ việc"}))),
            call(M::POST, "/api/v1/desk/people/{id}/transfer", format!("/api/v1/desk/people/{sub_b}/transfer"), Body::Json(json!(
                {"agency_id": b, "new_agency_id": a, "new_position": "Chuyên viên", "reason": "Điều động"}))),
            call(M::GET, "/api/v1/desk/requests/{id}/dossier", format!("/api/v1/desk/requests/{req_b}/dossier"), Body::None),
            call(M::GET, "/api/v1/desk/dossiers", format!("/api/v1/desk/dossiers?agency_id={b}"), Body::None),
        ]
        .into_iter()
        .chain(["confirm", "cancel", "send"].map(|action| {
            call(
                M::POST,
                match action {
                    "confirm" => "/api/v1/desk/requests/{id}/confirm",
                    "cancel" => "/api/v1/desk/requests/{id}/cancel",
                    _ => "/api/v1/desk/requests/{id}/send",
                },
                format!("/api/v1/desk/requests/{req_b}/{action}"),
                Body::None,
            )
        }))
        .chain(
            ["register", "reject", "assign", "process", "complete", "accept-recall", "refuse-recall"].map(|action| {
                call(
                    M::POST,
                    "/api/v1/inbox/{id}/{action}",
                    format!("/api/v1/inbox/{dl_b}/{action}"),
                    Body::Json(json!({"reason": "Lý do", "person_id": pa})),
                )
            }),
        )
        .collect::<Vec<_>>();

        // Every operation of the description is in the matrix or is one's own.
        let anon = Api::new(&p.base, Auth::Anonymous);
        let spec = anon.get("/api/openapi.json").expect(200, "openapi");
        let mut operations = BTreeSet::new();
        for (path, item) in spec["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                operations.insert((method.clone(), path.clone()));
            }
        }
        let mut covered: BTreeSet<(String, String)> = OWN_OR_SHARED
            .iter()
            .chain(PUBLIC)
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        for c in &cross {
            covered.insert((c.method.as_str().to_lowercase(), c.template.to_string()));
        }
        assert_eq!(operations, covered, "the matrix covers every operation");
        // At least the 71 of issues 10, 12 and 13 (others add theirs).
        assert!(operations.len() >= 71, "{}", operations.len());

        // Anonymous: 401 everywhere.
        for (method, path) in &operations {
            let concrete = path
                .replace("{agency_id}", &a.to_string())
                .replace("{direction}", "out")
                .replace("{year}", &year.to_string())
                .replace("{action}", "register")
                .replace("{membership_id}", &membership.to_string())
                .replace("{day}", "2026-05-04")
                .replace("{handover_id}", "1")
                .replace("{kind}", "certificates")
                .replace("{file_id}", &file_s.to_string())
                .replace("{id}", &doc_s.to_string());
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = if path == "/api/v1/auth/login" {
                Body::Json(json!({"username": "quantri", "password": "sai mật khẩu"}))
            } else {
                Body::None
            };
            let c = call(m, "", concrete, body);
            let r = send(&anon, &c, "anonymous");
            if PUBLIC.contains(&(method.as_str(), path.as_str())) {
                assert!(
                    r.status != 401 && r.status < 500,
                    "{backend}: public {method} {path}: {} {}",
                    r.status,
                    r.text()
                );
                continue;
            }
            assert_eq!(
                r.status,
                401,
                "{backend}: anonymous {method} {path}: {}",
                r.text()
            );
            assert_eq!(r.json["error"], "unauthenticated");
        }

        // Each role of D, on A's and B's objects.
        let mut refused: BTreeMap<String, String> = BTreeMap::new();
        for (role, user) in OTHER_ROLES {
            let api = p.api(user);
            for (n, c) in cross.iter().enumerate() {
                let rid = format!("matrix-{role}-{n}");
                let r = send(api, c, &rid);
                let what = format!("{backend}: {role} {} {}", c.method, c.path);
                if c.template.starts_with("/api/v1/desk/") && role == "ca_operator" {
                    // The CA operator decides every agency's requests and
                    // keeps the device registry (desk_api.rs tests that).
                    assert!(r.status < 500, "{what}: {}", r.text());
                    continue;
                }
                if c.template == "/api/v1/audit/verify" && matches!(role, "head" | "auditor") {
                    // The chain is one for the province: any head or
                    // auditor may check it whole.
                    assert_eq!(r.status, 200, "{what}: {}", r.text());
                    continue;
                }
                assert!(
                    r.status == 403 || r.status == 404,
                    "{what}: {} {}",
                    r.status,
                    r.text()
                );
                assert!(r.json["error"].is_string(), "{what}: {}", r.text());
                if r.status == 403 {
                    refused.insert(rid, what);
                }
            }
        }
        assert!(refused.len() > 150, "{backend}: {} refusals", refused.len());

        // Nothing changed: A's draft is still a draft, B's delivery arrived.
        let still = p
            .api("chuyenvien")
            .get(&format!("/api/v1/documents/{doc_a}"))
            .expect(200, "draft");
        assert_eq!(still["state"], "draft");
        let dl = p
            .api("vanthu.stc")
            .get(&format!("/api/v1/inbox/{dl_b}"))
            .expect(200, "dl");
        assert_eq!(dl["status"], "01");
        let f = p
            .api("vanthu")
            .get(&format!("/api/v1/archive/files/{file_a}"))
            .expect(200, "records file");
        assert!(
            f["documents"].as_array().unwrap().is_empty() && f["closed_at"].is_null(),
            "{f}"
        );
        p.api("chuyenvien")
            .get("/api/v1/me")
            .expect(200, "A's token still works");

        // Every refusal is audited under its request id.
        let denied = p
            .admin
            .api
            .get("/api/v1/audit?action=access.denied&limit=1000")
            .expect(200, "audit");
        let audited: BTreeSet<&str> = denied
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["request_id"].as_str())
            .collect();
        for (rid, what) in &refused {
            assert!(
                audited.contains(rid.as_str()),
                "{what}: refusal not audited"
            );
        }
    }
}
