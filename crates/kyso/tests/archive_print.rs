//! Print-outs with legal value (issue 13 §4, R-PRINT): a document issued
//! through both signatures (the approver's and the agency's seal) is
//! printed through `kyso print` and `GET /api/v1/documents/{id}/print`.
//! The print-out is an incremental update of the issued file that qpdf
//! accepts; pyHanko still finds both original signatures intact, valid
//! and trusted in the revision they signed, with the print-out's later
//! modification reported; pdftotext reads the band under the pages; the
//! QR code of the first page, rendered by pdftoppm and read by zxing-cpp,
//! is `{base_url}/verify/{sha256 of the issued file}`, and that page and
//! `GET /api/v1/verify/{sha256}` answer anonymously with the agency,
//! number, signers and verdict — not the content. Unknown hash: 404;
//! malformed: 400; another agency's people: 403; anonymous print: 401.
//! On SQLite, and on PostgreSQL when KYSO_TEST_PG_URL is set.
mod common;
#[path = "common/office.rs"]
mod office;

use std::process::{Command, Output};

use common::*;
use office::*;
use serde_json::Value;

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// pyHanko on a print-out: how many signatures its last revision carries
/// and, for every signature field of the revisions before it, pyHanko's
/// validation of that signature in the whole file (one JSON line each).
const PYHANKO_PRINT: &str = r#"
import asyncio, json, sys
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext

root = load_cert_from_pemder(sys.argv[1])
issuing = load_cert_from_pemder(sys.argv[2])
with open(sys.argv[3], 'rb') as f:
    r = PdfFileReader(f)
    revisions = r.xrefs.total_revisions
    print(json.dumps({'revisions': revisions, 'current': len(r.embedded_signatures)}))
    seen = set()
    for rev in range(revisions - 1, -1, -1):
        hist = r.get_historical_resolver(rev)
        if '/AcroForm' not in hist.root:
            continue
        for name, value, ref in enumerate_sig_fields(hist, filled_status=True):
            if name in seen:
                continue
            seen.add(name)
            emb = EmbeddedPdfSignature(r, ref, name)
            vc = ValidationContext(trust_roots=[root], other_certs=[issuing])
            st = asyncio.run(async_validate_pdf_signature(emb, vc))
            print(json.dumps({
                'field': name,
                'signed_revision': emb.signed_revision,
                'intact': st.intact,
                'valid': st.valid,
                'trusted': st.trusted,
                'coverage': st.coverage.name,
                'modification_level': st.modification_level.name if st.modification_level else None,
                'docmdp_ok': st.docmdp_ok,
                'bottom_line': st.bottom_line,
            }))
        break
"#;

/// Decodes the QR codes of a PNG with zxing-cpp.
const ZXING: &str = r#"
import sys, zxingcpp
from PIL import Image
for b in zxingcpp.read_barcodes(Image.open(sys.argv[1])):
    if b.format == zxingcpp.BarcodeFormat.QRCode:
        print(b.text)
"#;

fn peers_required() {
    assert_ne!(
        std::env::var("KYSO_REQUIRE_PEERS").as_deref(),
        Ok("1"),
        "peers are required"
    );
}

/// A document of A in the two-signature flow: drafted, approved with the
/// approver's key, numbered and sealed, issued to B.
fn issue_two(p: &Province, subject: &str) -> Value {
    let id = p.draft(subject);
    p.api("chuyenvien")
        .post_empty(&format!("/api/v1/documents/{id}/submit"))
        .expect(200, "submit");
    p.approve(id);
    let clerk = p.api("vanthu");
    clerk
        .post_empty(&format!("/api/v1/documents/{id}/seal"))
        .expect(200, "seal");
    clerk
        .post_empty(&format!("/api/v1/documents/{id}/issue"))
        .expect(200, "issue")
}

#[test]
fn print_outs_and_their_public_verification() {
    for d in deployments() {
        let backend = d.backend;
        let p = Province::start(d, &["--login-rate", "1000"]);
        let work = tempfile::tempdir().unwrap();
        let subject = "Quyết định phê duyệt kế hoạch in bản giấy văn bản điện tử";
        let doc = issue_two(&p, subject);
        let id = doc["id"].as_i64().unwrap();
        let number = doc["number_text"].as_str().unwrap().to_string();
        let sealed = doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|f| f["role"] == "sealed")
            .expect("sealed file")
            .clone();
        let sha = sealed["sha256"].as_str().unwrap().to_string();
        let sealed_bytes = p
            .api("vanthu")
            .get(&format!(
                "/api/v1/documents/{id}/files/{}",
                sealed["id"].as_i64().unwrap()
            ))
            .bytes;
        assert_eq!(kyso_store::blobs::sha256_hex(&sealed_bytes), sha);
        // Not issued yet: no print-out.
        let draft_id = p.draft("Dự thảo chưa ban hành");
        let draft = p
            .api("chuyenvien")
            .get(&format!("/api/v1/documents/{draft_id}"))
            .expect(200, "draft");
        p.api("chuyenvien")
            .get(&format!("/api/v1/documents/{draft_id}/print"))
            .error(409, "not-issued");

        // Through the CLI, as the clerk.
        let cli_pdf = work.path().join("cli-print.pdf");
        let o = Command::new(KYSO)
            .args(["print", &id.to_string(), "--out", cli_pdf.to_str().unwrap()])
            .args(["--server", &p.base])
            .env("KYSO_API_TOKEN", p.api("vanthu").token())
            .env("KYSO_LOG", "warn")
            .output()
            .unwrap();
        assert!(o.status.success(), "{backend}: kyso print: {}", out(&o));
        let cli_bytes = std::fs::read(&cli_pdf).unwrap();
        // Through the API, as a clerk of B (a recipient).
        let a = p
            .api("vanthu.stc")
            .get(&format!("/api/v1/documents/{id}/print"));
        assert_eq!(a.status, 200, "{backend}: {}", a.text());
        assert_eq!(a.header("content-type"), "application/pdf");
        assert!(
            a.header("content-disposition").contains("-ban-in.pdf"),
            "{}",
            a.header("content-disposition")
        );
        let api_pdf = work.path().join("api-print.pdf");
        std::fs::write(&api_pdf, &a.bytes).unwrap();
        for (what, bytes) in [("cli", &cli_bytes), ("api", &a.bytes)] {
            assert!(
                bytes.len() > sealed_bytes.len() && bytes.starts_with(&sealed_bytes),
                "{backend} {what}: the print-out is an incremental update of the issued file"
            );
        }

        // Refused: another agency's people (each role), anonymous callers.
        for (_, user) in OTHER_ROLES {
            p.api(user)
                .get(&format!("/api/v1/documents/{id}/print"))
                .error(403, "forbidden");
        }
        let anon = Api::new(&p.base, Auth::Anonymous);
        anon.get(&format!("/api/v1/documents/{id}/print"))
            .error(401, "unauthenticated");
        p.api("vanthu")
            .get("/api/v1/documents/999999/print")
            .error(404, "not-found");
        // The web office: the document page has the button, which gives
        // the print-out; another agency's person is refused.
        let web = Api::login(&p.base, "vanthu");
        let page = web.get(&format!("/documents/{id}"));
        assert_eq!(page.status, 200, "{backend}");
        assert!(
            page.text()
                .contains(&format!("id=\"print\" href=\"/documents/{id}/print\"")),
            "{backend}: the print button"
        );
        let w = web.get(&format!("/documents/{id}/print"));
        assert_eq!(w.status, 200, "{backend}: {}", w.text());
        assert_eq!(w.header("content-type"), "application/pdf");
        assert!(w.bytes.starts_with(&sealed_bytes), "{backend}");
        let draft_page =
            Api::login(&p.base, "chuyenvien").get(&format!("/documents/{}", draft["id"]));
        assert_eq!(draft_page.status, 200, "{backend}");
        assert!(
            draft_page.text().contains("Dự thảo chưa ban hành")
                && !draft_page.text().contains("id=\"print\""),
            "{backend}: no print button before issue"
        );
        let other = Api::login(&p.base, "noivu.vanthu");
        assert_eq!(other.get(&format!("/documents/{id}/print")).status, 403);

        // Every print is in the audit log with the issued file's hash.
        let audit = p
            .admin
            .api
            .get("/api/v1/audit?action=document.print&limit=100")
            .expect(200, "audit");
        let object_id = id.to_string();
        let prints: Vec<&Value> = audit
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["object_id"] == object_id.as_str())
            .collect();
        assert_eq!(prints.len(), 3, "{backend}: CLI, API, web: {audit}");
        assert!(prints.iter().all(|e| e["object_sha256"] == sha.as_str()));

        // The band: pdftotext reads it.
        let o = Command::new("pdftotext")
            .args([api_pdf.to_str().unwrap(), "-"])
            .output()
            .expect("pdftotext");
        let text = String::from_utf8_lossy(&o.stdout).to_string();
        for needle in [
            "Bản in từ văn bản điện tử",
            &format!("Số, ký hiệu: {number}"),
            "Cơ quan ban hành:",
            "Ký số:",
            "Kết quả kiểm tra chữ ký số của tệp điện tử: Hợp lệ (TOTAL-PASSED)",
            "Ngày in:",
            "Trang 1/1",
        ] {
            assert!(text.contains(needle), "{backend}: {needle:?} not in {text}");
        }
        assert_eq!(
            text.matches("Ký số:").count(),
            2,
            "{backend}: both signers: {text}"
        );
        let url = format!("{}/verify/{sha}", p.base);

        let Some(peers) = &p.peers else {
            peers_required();
            continue;
        };
        for pdf in [&cli_pdf, &api_pdf] {
            peers.qpdf_check(pdf);
        }
        // pyHanko: the print-out's last revision carries no form (it shows
        // the signatures, it does not carry them); the signatures of the
        // issued revision are intact, valid and trusted, and pyHanko
        // reports the later revision as a modification it does not allow.
        let py = peers.python.as_ref().unwrap();
        let script = work.path().join("pyhanko_print.py");
        std::fs::write(&script, PYHANKO_PRINT).unwrap();
        let o = Command::new(py)
            .current_dir(&peers.dir)
            .args([
                script.to_str().unwrap(),
                "root.pem",
                "issuing.pem",
                api_pdf.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{backend}: pyHanko: {}", out(&o));
        let lines: Vec<Value> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        eprintln!("{backend}: pyHanko on the print-out: {lines:?}");
        assert_eq!(lines[0]["current"], 0, "{backend}: {lines:?}");
        let sigs = &lines[1..];
        assert_eq!(sigs.len(), 2, "{backend}: two signatures: {lines:?}");
        for s in sigs {
            assert_eq!(s["intact"], true, "{backend}: {s}");
            assert_eq!(s["valid"], true, "{backend}: {s}");
            assert_eq!(s["trusted"], true, "{backend}: {s}");
            assert_eq!(s["coverage"], "ENTIRE_REVISION", "{backend}: {s}");
            assert_eq!(s["modification_level"], "OTHER", "{backend}: {s}");
            assert_eq!(s["docmdp_ok"], false, "{backend}: {s}");
            // pyHanko's overall judgement of a signature in a file changed
            // in a way its rules do not allow: not valid as a whole.
            assert_eq!(s["bottom_line"], false, "{backend}: {s}");
        }

        // The QR code of the first page.
        let png = work.path().join("page");
        let o = Command::new("pdftoppm")
            .args(["-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile"])
            .args([api_pdf.to_str().unwrap(), png.to_str().unwrap()])
            .output()
            .expect("pdftoppm");
        assert!(o.status.success(), "{}", out(&o));
        if let Ok(keep) = std::env::var("KYSO_TEST_KEEP_PRINT") {
            std::fs::copy(png.with_extension("png"), format!("{keep}-{backend}.png")).unwrap();
            std::fs::copy(&api_pdf, format!("{keep}-{backend}.pdf")).unwrap();
        }
        let zx = work.path().join("zxing.py");
        std::fs::write(&zx, ZXING).unwrap();
        let o = Command::new(py)
            .args([
                zx.to_str().unwrap(),
                png.with_extension("png").to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{backend}: zxing-cpp: {}", out(&o));
        let codes: Vec<String> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        eprintln!("{backend}: QR code read by zxing-cpp: {codes:?}");
        assert_eq!(codes, vec![url.clone()], "{backend}");

        // The code's page and API, anonymously.
        let page = anon.get(&format!("/verify/{sha}"));
        assert_eq!(page.status, 200, "{backend}: {}", page.text());
        let html = page.text();
        for needle in [number.as_str(), "Hợp lệ", sha.as_str()] {
            assert!(
                html.contains(needle),
                "{backend}: {needle:?} not in the page"
            );
        }
        assert!(
            !html.contains(subject),
            "{backend}: the page shows the subject"
        );
        assert!(!html.contains("/files/"), "{backend}: a download link");
        let v = anon
            .get(&format!("/api/v1/verify/{sha}"))
            .expect(200, "verify by hash");
        assert_eq!(v["indication"], "TOTAL-PASSED", "{backend}: {v}");
        assert_eq!(v["number_text"], number.as_str(), "{backend}: {v}");
        assert_eq!(v["sha256"], sha.as_str());
        assert_eq!(v["recalled"], false);
        assert!(v["agency_name"].as_str().is_some_and(|n| !n.is_empty()));
        assert_eq!(v["signers"].as_array().unwrap().len(), 2, "{backend}: {v}");
        for s in v["signers"].as_array().unwrap() {
            assert_eq!(s["indication"], "TOTAL-PASSED", "{backend}: {v}");
            assert!(s["signed_at_text"].as_str().is_some(), "{backend}: {v}");
        }
        assert!(
            !v.to_string().contains(subject),
            "{backend}: the API reveals the subject: {v}"
        );
        // The hash in capitals is the same file.
        anon.get(&format!("/api/v1/verify/{}", sha.to_uppercase()))
            .expect(200, "upper-case hash");
        // Unknown: 404; malformed: 400 — page and API.
        let unknown = "0".repeat(64);
        anon.get(&format!("/api/v1/verify/{unknown}"))
            .error(404, "not-found");
        assert_eq!(anon.get(&format!("/verify/{unknown}")).status, 404);
        anon.get("/api/v1/verify/abc").error(400, "bad-hash");
        assert_eq!(anon.get("/verify/not-a-hash").status, 400);
        // Recalled: still verifiable, and said so.
        let r = p
            .api("vanthu")
            .post(
                &format!("/api/v1/documents/{id}/recall"),
                serde_json::json!({"reason": "Thu hồi để thay thế"}),
            )
            .expect(200, "recall");
        assert_eq!(r["state"], "recalled", "{backend}");
        let v = anon
            .get(&format!("/api/v1/verify/{sha}"))
            .expect(200, "verify a recalled document");
        assert_eq!(v["recalled"], true, "{backend}: {v}");
        assert!(anon
            .get(&format!("/verify/{sha}"))
            .text()
            .contains("id=\"recalled\""));
        // A draft's file is no issued document.
        let draft_sha = draft["files"][0]["sha256"].as_str().unwrap();
        anon.get(&format!("/api/v1/verify/{draft_sha}"))
            .error(404, "not-found");
    }
}
