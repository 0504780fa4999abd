//! The agencies' public portal (R-PORTAL, issue 11 §5): a clerk of the
//! issuing agency publishes an issued document in a section of the
//! agency's page; anyone — without logging in — lists the agencies that
//! publish, reads the agency's page (API and HTML) and downloads the
//! issued file, byte for byte the stored one, which pdfsig, qpdf and
//! pyHanko accept. A drafter or another agency's clerk cannot publish
//! (403), a draft cannot be published and a document is published once
//! (409), an unpublished document's file is not found by anyone
//! anonymous, withdrawing takes it off the page, and a recall takes it off
//! the portal in the same transaction. On SQLite, and on PostgreSQL when
//! KYSO_TEST_PG_URL is set.
mod common;
#[path = "common/office.rs"]
mod office;

use common::*;
use office::*;
use reqwest::Method;
use serde_json::{json, Value};

fn sha256(b: &[u8]) -> String {
    kyso_store::blobs::sha256_hex(b)
}

/// The sealed (issued) file of document `id` as its clerk reads it.
fn sealed(p: &Province, id: i64) -> Vec<u8> {
    let d = p
        .api("vanthu")
        .get(&format!("/api/v1/documents/{id}"))
        .expect(200, "document");
    let f = d["files"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|f| f["role"] == "sealed")
        .expect("sealed file")
        .clone();
    let a = p.api("vanthu").get(&format!(
        "/api/v1/documents/{id}/files/{}",
        f["id"].as_i64().unwrap()
    ));
    assert_eq!(a.status, 200, "{}", a.text());
    a.bytes
}

fn listed(page: &Value) -> Vec<i64> {
    page["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["document_id"].as_i64().unwrap())
        .collect()
}

#[test]
fn agencies_publish_issued_documents_and_anyone_reads_them() {
    for d in deployments() {
        let backend = d.backend;
        let p = Province::start(d, &["--login-rate", "1000"]);
        let anon = Api::new(&p.base, Auth::Anonymous);
        let code = p
            .admin
            .api
            .get(&format!("/api/v1/agencies/{}", p.a))
            .expect(200, "agency A")["code"]
            .as_str()
            .unwrap()
            .to_string();
        let clerk = p.api("vanthu");

        // Nothing published yet.
        assert_eq!(anon.get("/api/v1/portal").expect(200, "portal"), json!([]));
        let empty = anon.get("/portal");
        assert_eq!(empty.status, 200, "{backend}: /portal");
        assert!(empty.text().contains("portal-empty"), "{}", empty.text());

        let doc = p.issue_scan("Thông báo lịch tiếp công dân tháng 12");
        let id = doc["id"].as_i64().unwrap();
        let other = p.issue_scan("Quyết định nội bộ không công bố");
        let other_id = other["id"].as_i64().unwrap();
        let draft = p.draft("Dự thảo chưa ban hành");
        let publication = format!("/api/v1/documents/{id}/publication");
        let body = json!({"section": "notice"});

        // Who may not publish, and what may not be published.
        for user in [
            "chuyenvien",
            "noivu.vanthu",
            "noivu.thutruong",
            "vanthu.stc",
        ] {
            let r = p.api(user).post(&publication, body.clone());
            assert!(
                r.status == 403 || r.status == 404,
                "{backend}: {user} publishes: {} {}",
                r.status,
                r.text()
            );
        }
        assert_eq!(anon.post(&publication, body.clone()).status, 401);
        clerk
            .post(
                &format!("/api/v1/documents/{draft}/publication"),
                body.clone(),
            )
            .error(409, "not-issued");
        let bad = clerk.post(&publication, json!({"section": "tin-don"}));
        assert!(
            bad.status == 400 || bad.status == 422,
            "{backend}: bad section: {} {}",
            bad.status,
            bad.text()
        );
        clerk.get(&publication).error(404, "not-found");

        // Published once.
        let pubd = clerk
            .post(&publication, body.clone())
            .expect(201, "publish");
        assert_eq!(pubd["section"], "notice");
        assert_eq!(pubd["indication"], "TOTAL-PASSED", "{pubd}");
        clerk
            .post(&publication, body.clone())
            .error(409, "already-published");
        assert_eq!(
            clerk.get(&publication).expect(200, "publication")["section"],
            "notice"
        );
        assert_eq!(anon.get(&publication).status, 401);

        // Anyone lists it and downloads the issued file, unchanged.
        let agencies = anon.get("/api/v1/portal").expect(200, "portal");
        assert_eq!(agencies.as_array().unwrap().len(), 1, "{agencies}");
        assert_eq!(agencies[0]["code"], code.as_str());
        assert_eq!(agencies[0]["published"], 1);
        let page = anon
            .get(&format!("/api/v1/portal/{code}"))
            .expect(200, "agency page");
        assert_eq!(listed(&page), vec![id], "{page}");
        let issued = sealed(&p, id);
        let entry = &page["documents"][0];
        assert_eq!(entry["sha256"], sha256(&issued).as_str());
        assert_eq!(entry["subject"], "Thông báo lịch tiếp công dân tháng 12");
        assert_eq!(entry["indication"], "TOTAL-PASSED");
        assert!(
            entry["number_text"].as_str().unwrap().contains('/'),
            "{entry}"
        );
        let notices = anon
            .get(&format!("/api/v1/portal/{code}?section=notice"))
            .expect(200, "notices");
        assert_eq!(listed(&notices), vec![id]);
        let legal = anon
            .get(&format!("/api/v1/portal/{code}?section=legal"))
            .expect(200, "legal");
        assert!(listed(&legal).is_empty(), "{legal}");
        assert_eq!(
            anon.get(&format!("/api/v1/portal/{code}?section=tin-don"))
                .status,
            400
        );
        anon.get("/api/v1/portal/000.99.99.H45")
            .error(404, "not-found");

        let file = anon.get(&format!("/api/v1/portal/{code}/{id}/file"));
        assert_eq!(file.status, 200, "{}", file.text());
        assert_eq!(file.header("content-type"), "application/pdf");
        assert!(file.header("content-disposition").starts_with("attachment"));
        assert_eq!(
            file.bytes, issued,
            "{backend}: the portal serves the issued file"
        );
        let path = p.d.path("published.pdf");
        std::fs::write(&path, &file.bytes).unwrap();
        if let Some(peers) = &p.peers {
            peers.all_valid(&path, 1, true);
        }
        // The print-out's code (verification by hash) leads to it.
        let by_hash = anon
            .get(&format!("/api/v1/verify/{}", sha256(&issued)))
            .expect(200, "verify by hash");
        assert_eq!(
            by_hash["portal_file"],
            format!("/portal/{code}/{id}/file").as_str(),
            "{by_hash}"
        );
        let other_hash = anon
            .get(&format!("/api/v1/verify/{}", sha256(&sealed(&p, other_id))))
            .expect(200, "verify by hash, not published");
        assert!(other_hash["portal_file"].is_null(), "{other_hash}");

        // What was not published is not there, under any agency code.
        for url in [
            format!("/api/v1/portal/{code}/{other_id}/file"),
            format!("/api/v1/portal/{code}/{draft}/file"),
            format!("/api/v1/portal/000.99.99.H45/{id}/file"),
            format!("/portal/{code}/{other_id}/file"),
        ] {
            let r = anon.get(&url);
            assert_eq!(r.status, 404, "{backend}: {url}: {}", r.text());
            assert_ne!(r.bytes, sealed(&p, other_id));
        }

        // The pages, without logging in.
        let index = anon.get("/portal");
        assert_eq!(index.status, 200);
        assert!(
            index.text().contains(&format!("/portal/{code}")),
            "{}",
            index.text()
        );
        let html = anon.get(&format!("/portal/{code}"));
        assert_eq!(html.status, 200);
        let t = html.text();
        assert!(t.contains(&format!("published-{id}")), "{t}");
        assert!(t.contains("Thông báo lịch tiếp công dân tháng 12"), "{t}");
        assert!(!t.contains("Quyết định nội bộ không công bố"), "{t}");
        assert!(t.contains("badge ok"), "{t}");
        let web_file = anon.get(&format!("/portal/{code}/{id}/file"));
        assert_eq!(web_file.bytes, issued);
        let english = anon
            .request(Method::GET, &format!("/portal/{code}"))
            .header("cookie", "kyso_lang=en");
        let english = Api::send(english);
        assert!(
            english.text().contains("Public notices"),
            "{}",
            english.text()
        );

        // The document page shows it published, with the withdraw button.
        let web = Api::login(&p.base, "vanthu");
        let doc_page = web.get(&format!("/documents/{id}"));
        assert!(
            doc_page.text().contains("published-note"),
            "{}",
            doc_page.text()
        );

        // Withdrawn through the API, it is gone; published again in
        // another section by the head with the CLI, withdrawn and
        // published once more.
        clerk.delete(&publication).expect(204, "withdraw");
        clerk.delete(&publication).error(404, "not-found");
        let page = anon
            .get(&format!("/api/v1/portal/{code}"))
            .expect(200, "page");
        assert!(listed(&page).is_empty(), "{page}");
        let gone = anon.get(&format!("/api/v1/portal/{code}/{id}/file"));
        assert_eq!(gone.status, 404);
        let cli = |user: &str, args: &[&str]| {
            let o = std::process::Command::new(KYSO)
                .args([&["doc", "--json"], args].concat())
                .env("KYSO_SERVER", &p.base)
                .env("KYSO_API_TOKEN", p.api(user).token())
                .output()
                .unwrap();
            (
                o.status.success(),
                String::from_utf8_lossy(&o.stdout).to_string()
                    + &String::from_utf8_lossy(&o.stderr),
            )
        };
        let idt = id.to_string();
        let (ok, t) = cli("chanhvanphong", &["publish", &idt, "--section", "legal"]);
        assert!(ok, "{backend}: kyso doc publish: {t}");
        assert!(t.contains("\"legal\""), "{t}");
        let (ok, t) = cli("chuyenvien", &["unpublish", &idt]);
        assert!(!ok, "{backend}: a drafter withdrew: {t}");
        let (ok, t) = cli("vanthu", &["publish", &idt, "--section", "notice"]);
        assert!(
            !ok && t.contains("already"),
            "{backend}: published twice: {t}"
        );
        let legal = anon
            .get(&format!("/api/v1/portal/{code}?section=legal"))
            .expect(200, "legal");
        assert_eq!(listed(&legal), vec![id]);

        // A recall takes it off the portal.
        clerk
            .post(
                &format!("/api/v1/documents/{id}/recall"),
                json!({"reason": "Sai lịch tiếp công dân"}),
            )
            .expect(200, "recall");
        assert!(
            listed(
                &anon
                    .get(&format!("/api/v1/portal/{code}"))
                    .expect(200, "page")
            )
            .is_empty(),
            "{backend}: a recalled document left the portal"
        );
        assert_eq!(anon.get("/api/v1/portal").expect(200, "portal"), json!([]));
        clerk
            .post(&publication, body.clone())
            .error(409, "not-issued");

        // Every publication and withdrawal is in the audit log.
        let audit = p
            .api("chanhvanphong")
            .get(&format!("/api/v1/audit?agency_id={}", p.a))
            .expect(200, "audit");
        let actions: Vec<&str> = audit
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert_eq!(
            actions.iter().filter(|a| **a == "document.publish").count(),
            2,
            "{backend}: {actions:?}"
        );
        assert!(actions.contains(&"document.unpublish"), "{actions:?}");
    }
}
