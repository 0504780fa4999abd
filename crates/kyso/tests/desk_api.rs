//! The certificate desk end to end over HTTP (`kyso serve` as a process,
//! SQLite and PostgreSQL): a subscriber requests a certificate, the
//! managing organization confirms, signs its letter twice (approver +
//! seal) and issues it — which sends the request — the CA's clerk
//! registers the letter, the CA operator approves with
//! the CSR made by `kyso token keygen`/`csr` on a SoftHSM2 token — the key
//! never leaves it — the certificate goes onto the token and signs a PDF
//! that pdfsig and pyHanko accept; the token locks and is recovered
//! (`kyso token recover`) within its working day; the subscriber leaves
//! the sector, the certificate is revoked and `openssl ocsp` against kyso
//! says revoked, and the device goes back. Bad input is refused with a
//! clear message and changes nothing. The `kyso desk` CLI drives a part.
mod common;
#[path = "common/office.rs"]
mod office;

use common::lab::{s, text};
use common::token::*;
use common::*;
use kyso_crypto::{KeySpec, SoftwareKey};
use office::*;
use serde_json::{json, Value};

fn form(extra: Value) -> Value {
    let mut f = json!({
        "identity_number": "037190001234",
        "full_name": "Đỗ Thị Giang",
        "position": "Chuyên viên",
        "email": "chuyenvien.stc@ninhbinh.gov.vn",
        "phone": "0912345678",
        "reason": "Cấp mới để ký văn bản",
        "token_serial": "TK-STC-0001",
    });
    for (k, v) in extra.as_object().unwrap() {
        f[k] = v.clone();
    }
    f
}

/// B's letters: its head becomes also its approver, with a key on their
/// "token" certified by the CA; B gets its seal key. The key and the
/// certificate (DER).
fn letters_of_b(p: &Province) -> (SoftwareKey, Vec<u8>) {
    let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
    let (pem, der) = in_process(&p.d, async |_, ca| {
        let issued = ca
            .issue_for_public_key(
                &kyso_pki::name::SubjectName {
                    organization: Some("Sở Tài chính tỉnh Ninh Bình".into()),
                    common_name: "Hoàng Văn Em".into(),
                    email: Some("giamdoc.stc@ninhbinh.gov.vn".into()),
                    ..Default::default()
                },
                kyso_crypto::Signer::public_key_der(&key),
                &kyso_ca::IssueOptions {
                    profile: kyso_pki::profile::Profile::PersonalSigning,
                    days: None,
                    subject: None,
                    email: None,
                },
            )
            .await
            .unwrap();
        (issued.pem, issued.der)
    });
    let admin = &p.admin.api;
    let head = p.id("giamdoc.stc");
    admin
        .post(
            &format!("/api/v1/people/{head}/roles"),
            json!({"agency_id": p.b, "role": "approver", "position": "Giám đốc"}),
        )
        .expect(200, "approver role");
    admin
        .put_bytes(
            &format!("/api/v1/people/{head}/certificate"),
            "application/x-pem-file",
            pem.into_bytes(),
        )
        .expect(200, "certificate");
    admin
        .put(
            &format!("/api/v1/agencies/{}/seal-key", p.b),
            json!({"kind": "generate"}),
        )
        .expect(200, "seal key of B");
    (key, der)
}

/// Confirmed request `id` travels as its letter: B's head signs it, B's
/// clerk seals and issues it (which sends the request), and `receiver`,
/// the deciding agency's clerk, registers it on arrival.
fn send_by_letter(p: &Province, signer: &(SoftwareKey, Vec<u8>), id: i64, receiver: &str) -> Value {
    let path = format!("/api/v1/desk/requests/{id}");
    let r = p.api("giamdoc.stc").get(&path).expect(200, "request");
    let doc = r["letter_document_id"].as_i64().expect("the letter");
    assert_eq!(r["letter_state"], "submitted");
    p.approve_as("giamdoc.stc", &signer.0, &signer.1, doc);
    let clerk = p.api("vanthu.stc");
    clerk
        .post_empty(&format!("/api/v1/documents/{doc}/seal"))
        .expect(200, "seal the letter");
    clerk
        .post_empty(&format!("/api/v1/documents/{doc}/issue"))
        .expect(200, "issue the letter");
    let rc = p.api(receiver);
    let inbox = rc.get("/api/v1/inbox").expect(200, "inbox");
    let dl = inbox
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["document_id"].as_i64() == Some(doc))
        .expect("the letter arrived")["id"]
        .as_i64()
        .unwrap();
    rc.post_empty(&format!("/api/v1/inbox/{dl}/register"))
        .expect(200, "register the letter");
    let r = p.api("vanthu.stc").get(&path).expect(200, "request");
    assert_eq!(r["state"], "sent", "issuing the letter sent the request");
    assert_eq!(r["letter_state"], "issued");
    r
}

#[test]
fn desk_from_request_to_signature_recovery_and_revocation() {
    for d in deployments() {
        let Some(hsm) = Hsm::new() else { return };
        let backend = d.backend;
        let p = Province::start(d, &["--login-rate", "1000"]);
        let sub = p.api("chuyenvien.stc");
        let head = p.api("giamdoc.stc");
        let clerk = p.api("vanthu.stc");
        let ca = p.api("noivu.ca");
        let admin = &p.admin.api;
        let b = p.b;
        let signer = letters_of_b(&p);

        // The CA registers the device that goes to the subscriber.
        let dev = ca
            .post(
                "/api/v1/desk/devices",
                json!({"serial": "TK-STC-0001", "model": "SoftHSM v2",
                       "module": hsm.module(), "agency_id": b}),
            )
            .expect(201, "device");
        let dev_id = dev["id"].as_i64().unwrap();

        let new = json!({"kind": "issue_person", "agency_id": b,
                         "subscriber_id": p.id("chuyenvien.stc"), "form": form(json!({}))});
        // Bad input: another agency's subscriber, by the wrong people.
        p.api("vanthu.syt")
            .post("/api/v1/desk/requests", new.clone())
            .error(403, "forbidden");
        let r = sub
            .post("/api/v1/desk/requests", new.clone())
            .expect(201, "request");
        let id = r["id"].as_i64().unwrap();
        assert_eq!(r["state"], "submitted", "{backend}");
        assert_eq!(r["route"], "ca");
        sub.post_empty(&format!("/api/v1/desk/requests/{id}/confirm"))
            .error(403, "forbidden");
        let out_of_order = clerk.post_empty(&format!("/api/v1/desk/requests/{id}/send"));
        out_of_order.error(409, "wrong-state");
        assert!(
            out_of_order.text().contains("chờ cơ quan quản lý xác nhận"),
            "{}",
            out_of_order.text()
        );
        // The head files one on the subscriber's behalf and may not confirm it.
        let own = head
            .post("/api/v1/desk/requests", new.clone())
            .expect(201, "on behalf");
        let own_id = own["id"].as_i64().unwrap();
        let refused = head.post_empty(&format!("/api/v1/desk/requests/{own_id}/confirm"));
        refused.error(403, "forbidden");
        assert!(
            refused.text().contains("người tạo yêu cầu"),
            "{}",
            refused.text()
        );
        head.post_empty(&format!("/api/v1/desk/requests/{own_id}/cancel"))
            .expect(200, "cancel");
        let unchanged = sub
            .get(&format!("/api/v1/desk/requests/{id}"))
            .expect(200, "show");
        assert_eq!(unchanged["state"], "submitted");
        assert_eq!(unchanged["events"].as_array().unwrap().len(), 1);

        let r = head
            .post_empty(&format!("/api/v1/desk/requests/{id}/confirm"))
            .expect(200, "confirm");
        assert!(r["confirmation"].as_str().unwrap().contains("Hoàng Văn Em"));
        // Sending waits for the letter to be signed, sealed and issued.
        let early = clerk.post_empty(&format!("/api/v1/desk/requests/{id}/send"));
        early.error(409, "letter-not-issued");
        assert!(early.text().contains("phát hành"), "{}", early.text());
        let r = send_by_letter(&p, &signer, id, "noivu.vanthu");
        assert!(r["due_date"].is_string(), "new issuance has a deadline");

        // The key is made on the subscriber's token; only the CSR travels.
        hsm.init_token("giang");
        let m = hsm.module().to_string();
        hsm.kyso(
            &p.d,
            &[
                "token",
                "keygen",
                "--module",
                &m,
                "--token",
                "giang",
                "--pin-env",
                "TOKEN_PIN",
                "--label",
                "giang",
                "--type",
                "ec-p256",
            ],
        );
        let csr = p.d.path("giang.csr");
        hsm.kyso(
            &p.d,
            &[
                "token",
                "csr",
                "--module",
                &m,
                "--token",
                "giang",
                "--pin-env",
                "TOKEN_PIN",
                "--key",
                "giang",
                "--subject",
                "CN=Đỗ Thị Giang, C=VN",
                "-o",
                s(&csr),
            ],
        );
        let pem = std::fs::read_to_string(&csr).unwrap();
        // The department administrator does not decide CA-routed requests.
        admin
            .post(
                &format!("/api/v1/desk/requests/{id}/approve"),
                json!({"csr": pem}),
            )
            .error(403, "forbidden");
        let r = ca
            .post(
                &format!("/api/v1/desk/requests/{id}/approve"),
                json!({"csr": pem, "days": 730}),
            )
            .expect(200, "approve");
        assert_eq!(r["state"], "approved", "{backend}");
        let serial = r["issued_serial"].as_str().unwrap().to_string();
        // Approving twice: refused, nothing issued.
        ca.post(
            &format!("/api/v1/desk/requests/{id}/approve"),
            json!({"csr": pem}),
        )
        .error(409, "wrong-state");
        let cert = p.d.path("giang.pem");
        std::fs::write(&cert, r["certificate_pem"].as_str().unwrap()).unwrap();
        hsm.kyso(
            &p.d,
            &[
                "token",
                "import-cert",
                "--module",
                &m,
                "--token",
                "giang",
                "--pin-env",
                "TOKEN_PIN",
                "--key",
                "giang",
                s(&cert),
                "--chain",
                s(&p.d.path("issuing.pem")),
                "--chain",
                s(&p.d.path("root.pem")),
            ],
        );
        let dev = ca
            .get(&format!("/api/v1/desk/devices/{dev_id}"))
            .expect(200, "device");
        assert_eq!(dev["state"], "issued");
        assert_eq!(dev["certificate_serial"].as_str(), Some(serial.as_str()));
        // Handed over in person to the subscriber.
        let handed = clerk
            .post(
                &format!("/api/v1/desk/devices/{dev_id}/handovers"),
                json!({"method": "in_person", "handed_on": "2026-05-04",
                       "from_party": "Sở Tài chính — văn thư", "to_party": "Đỗ Thị Giang",
                       "new_state": "in_use", "request_id": id}),
            )
            .expect(200, "handover");
        clerk
            .post(&format!("/api/v1/desk/requests/{id}/complete"), json!({}))
            .expect(200, "complete");
        // The handover record, sealed with B's seal key, through the CLI.
        let record = p.d.path("bien-ban.pdf");
        let out = std::process::Command::new(KYSO)
            .env("KYSO_API_TOKEN", p.people["vanthu.stc"].api.token())
            .args([
                "desk",
                "--server",
                &p.base,
                "device",
                "record",
                &dev_id.to_string(),
            ])
            .arg(handed["handovers"][0]["id"].as_i64().unwrap().to_string())
            .args(["-o", s(&record)])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        if let Some(peers) = &p.peers {
            if let Some((ok, t)) = peers.pyhanko(&record) {
                assert!(ok && t.contains("judged VALID"), "pyHanko: {t}");
            }
        }

        // The subscriber signs with the token; peers accept the signature.
        let plain = p.d.path("plain.pdf");
        write_pdf(&plain);
        let signed = p.d.path("signed.pdf");
        hsm.kyso(
            &p.d,
            &[
                "sign",
                s(&plain),
                "-o",
                s(&signed),
                "--pkcs11",
                &m,
                "--token",
                "giang",
                "--key-label",
                "giang",
                "--pin-env",
                "TOKEN_PIN",
            ],
        );
        if let Some(peers) = &p.peers {
            peers.all_valid(&signed, 1, false);
        }

        // The token locks; recovery goes to the department, due in one
        // working day; the SO PIN sets a new PIN; the department approves.
        clerk
            .post(
                &format!("/api/v1/desk/devices/{dev_id}/state"),
                json!({"state": "locked"}),
            )
            .expect(200, "locked");
        let rec = sub
            .post(
                "/api/v1/desk/requests",
                json!({"kind": "recover_token", "agency_id": b,
                       "subscriber_id": p.id("chuyenvien.stc"),
                       "form": form(json!({"reason": "Nhập sai mã PIN nhiều lần"}))}),
            )
            .expect(201, "recovery");
        let rid = rec["id"].as_i64().unwrap();
        assert_eq!(rec["route"], "department");
        head.post_empty(&format!("/api/v1/desk/requests/{rid}/confirm"))
            .expect(200, "confirm");
        let rec = send_by_letter(&p, &signer, rid, "vanthu");
        let due = rec["due_date"].as_str().unwrap().to_string();
        let out = hsm.kyso_envs(
            &p.d,
            &[("SO_PIN", SO_PIN), ("NEW_PIN", "246810")],
            &[
                "token",
                "recover",
                "--module",
                &m,
                "--token",
                "giang",
                "--so-pin-env",
                "SO_PIN",
                "--new-pin-env",
                "NEW_PIN",
                "--by",
                "Quản trị Sở KH&CN",
            ],
        );
        assert!(out.status.success(), "{}", text(&out));
        let rec = admin
            .post(&format!("/api/v1/desk/requests/{rid}/approve"), json!({}))
            .expect(200, "approve recovery");
        assert_eq!(rec["state"], "approved");
        let decided = rec["decided_at"].as_str().unwrap();
        assert!(decided[..10] <= *due, "{decided} within {due}");
        let dev = clerk
            .get(&format!("/api/v1/desk/devices/{dev_id}"))
            .expect(200, "device");
        assert_eq!(dev["state"], "in_use", "{backend}");

        // The subscriber leaves the state sector: revocation (reason in
        // Vietnamese words), and OCSP says revoked at once.
        let ocsp = |what: &str| {
            openssl(
                p.d.dir.path(),
                &[
                    "ocsp",
                    "-issuer",
                    "issuing.pem",
                    "-cert",
                    s(&cert),
                    "-url",
                    &format!("{}/ocsp", p.base),
                    "-CAfile",
                    "root.pem",
                ],
            )
            .contains(what)
        };
        assert!(ocsp(": good"), "{backend}");
        let rv = clerk
            .post(
                "/api/v1/desk/requests",
                json!({"kind": "revoke", "agency_id": b,
                       "subscriber_id": p.id("chuyenvien.stc"),
                       "form": form(json!({"certificate_serial": serial,
                                           "revocation_reason": "thay đổi cơ quan, đơn vị",
                                           "reason": "Nghỉ việc, ra khỏi khu vực nhà nước"}))}),
            )
            .expect(201, "revoke");
        let vid = rv["id"].as_i64().unwrap();
        head.post_empty(&format!("/api/v1/desk/requests/{vid}/confirm"))
            .expect(200, "confirm");
        send_by_letter(&p, &signer, vid, "noivu.vanthu");
        ca.post(&format!("/api/v1/desk/requests/{vid}/approve"), json!({}))
            .expect(200, "approve revocation");
        assert!(ocsp(": revoked"), "{backend}: OCSP after revocation");
        let dev = clerk
            .get(&format!("/api/v1/desk/devices/{dev_id}"))
            .expect(200, "device");
        assert!(dev["return_due"].is_string(), "the device is due back");
        // The device goes back to the CA, through the CLI.
        let token = p.people["vanthu.stc"].api.token().to_string();
        let out = std::process::Command::new(KYSO)
            .env("KYSO_API_TOKEN", &token)
            .args([
                "desk",
                "--server",
                &p.base,
                "device",
                "handover",
                &dev_id.to_string(),
                "--method",
                "post",
                "--tracking",
                "EB123456789VN",
                "--on",
                "2026-05-05",
                "--from",
                "Sở Tài chính",
                "--to",
                "CA",
                "--state",
                "returned",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        assert!(text(&out).contains("returned"), "{}", text(&out));
        let out = std::process::Command::new(KYSO)
            .env("KYSO_API_TOKEN", &token)
            .args(["desk", "--server", &p.base, "show", &vid.to_string()])
            .output()
            .unwrap();
        assert!(
            text(&out).contains("thu hồi chứng thư số")
                && text(&out).contains("Công văn đề nghị / letter"),
            "{}",
            text(&out)
        );
        // A second approval of the revocation is refused by state.
        let out = std::process::Command::new(KYSO)
            .env("KYSO_API_TOKEN", p.people["noivu.ca"].api.token())
            .args(["desk", "--server", &p.base, "approve", &vid.to_string()])
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(text(&out).contains("wrong-state"), "{}", text(&out));
    }
}

/// The members of the ZIP at `zip` (extracted into `into` by Python's
/// zipfile, which checks every CRC), after checking that `manifest.xml`
/// lists every other member once with the SHA-256 and size recomputed
/// here.
fn checked_dossier(zip: &std::path::Path, into: &std::path::Path) -> Vec<String> {
    let py = python().unwrap_or_else(|| "python3".into());
    let script = r#"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
if bad is not None:
    sys.exit("bad CRC: " + bad)
for i in z.infolist():
    if i.filename.startswith('/') or '..' in i.filename.split('/'):
        sys.exit("unsafe name: " + i.filename)
    print(i.filename)
z.extractall(sys.argv[2])
"#;
    let o = std::process::Command::new(py)
        .args(["-c", script, s(zip), s(into)])
        .output()
        .expect("python");
    assert!(o.status.success(), "unzip: {}", text(&o));
    let names: Vec<String> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let manifest = std::fs::read_to_string(into.join("manifest.xml")).unwrap();
    // The manifest follows the archive's schema (`requests=` for a dossier).
    if have("xmllint") {
        let xsd = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs/archive-metadata.xsd");
        let o = std::process::Command::new("xmllint")
            .args([
                "--noout",
                "--schema",
                s(&xsd),
                s(&into.join("manifest.xml")),
            ])
            .output()
            .expect("xmllint");
        assert!(o.status.success(), "xmllint: {}", text(&o));
    } else {
        assert!(
            std::env::var("KYSO_REQUIRE_PEERS").as_deref() != Ok("1"),
            "xmllint (libxml2-utils) is required"
        );
    }
    let attr = |el: &str, name: &str| -> String {
        let key = format!(" {name}=\"");
        let start = el.find(&key).unwrap() + key.len();
        let end = el[start..].find('"').unwrap() + start;
        el[start..end].to_string()
    };
    let mut listed: Vec<String> = Vec::new();
    for el in manifest.split("<file ").skip(1) {
        let el = format!(" {}", el.split('>').next().unwrap());
        let path = attr(&el, "path");
        let b = std::fs::read(into.join(&path)).unwrap();
        assert_eq!(
            kyso_store::blobs::sha256_hex(&b),
            attr(&el, "sha256"),
            "{path}"
        );
        assert_eq!(b.len().to_string(), attr(&el, "size"), "{path}");
        listed.push(path);
    }
    let mut members: Vec<String> = names
        .iter()
        .filter(|n| *n != "manifest.xml")
        .cloned()
        .collect();
    members.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(sorted, members, "the manifest lists every member once");
    names
}

/// A person leaves over HTTP (a revocation request per certificate, the
/// token due back), and the request's dossier comes as one ZIP whose
/// manifest the test recomputes — through the API and `kyso desk
/// dossier`; the subscriber and another agency get none.
#[test]
fn desk_departure_and_dossier_zip() {
    for d in deployments() {
        if !have("openssl") {
            return;
        }
        let backend = d.backend;
        let p = Province::start(d, &["--login-rate", "1000"]);
        let sub = p.api("chuyenvien.stc");
        let head = p.api("giamdoc.stc");
        let clerk = p.api("vanthu.stc");
        let ca = p.api("noivu.ca");
        let b = p.b;
        let signer = letters_of_b(&p);
        let dev_id = ca
            .post(
                "/api/v1/desk/devices",
                json!({"serial": "TK-STC-0009", "model": "USB token", "module": "x.so", "agency_id": b}),
            )
            .expect(201, "device")["id"]
            .as_i64()
            .unwrap();
        let r = sub
            .post(
                "/api/v1/desk/requests",
                json!({"kind": "issue_person", "agency_id": b,
                       "subscriber_id": p.id("chuyenvien.stc"),
                       "form": form(json!({"token_serial": "TK-STC-0009"}))}),
            )
            .expect(201, "request");
        let id = r["id"].as_i64().unwrap();
        head.post_empty(&format!("/api/v1/desk/requests/{id}/confirm"))
            .expect(200, "confirm");
        send_by_letter(&p, &signer, id, "noivu.vanthu");
        let dir = tempfile::tempdir().unwrap();
        openssl(
            dir.path(),
            &[
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-subj",
                "/CN=Do Thi Giang",
                "-keyout",
                "k.pem",
                "-out",
                "csr.pem",
            ],
        );
        let csr = std::fs::read_to_string(dir.path().join("csr.pem")).unwrap();
        let r = ca
            .post(
                &format!("/api/v1/desk/requests/{id}/approve"),
                json!({"csr": csr}),
            )
            .expect(200, "approve");
        let serial = r["issued_serial"].as_str().unwrap().to_string();

        // Another agency's clerk cannot say they left; the clerk of B can.
        let leave = json!({"agency_id": b, "reason": "Nghỉ việc theo Quyết định số 3/QĐ-STC"});
        let who = p.id("chuyenvien.stc");
        p.api("vanthu")
            .post(&format!("/api/v1/desk/people/{who}/leave"), leave.clone())
            .error(403, "forbidden");
        let left = clerk
            .post(&format!("/api/v1/desk/people/{who}/leave"), leave)
            .expect(200, "leave");
        let revoke = &left["requests"][0];
        assert_eq!(revoke["kind"], "revoke", "{backend}: {left}");
        assert_eq!(revoke["form"]["certificate_serial"], serial.as_str());
        assert_eq!(left["devices"][0]["id"], dev_id);
        assert!(left["devices"][0]["return_due"].is_string(), "{left}");

        // The dossier: refused to the subscriber and to another agency.
        sub.get(&format!("/api/v1/desk/requests/{id}/dossier"))
            .error(403, "forbidden");
        p.api("vanthu")
            .get(&format!("/api/v1/desk/requests/{id}/dossier"))
            .error(404, "not-found");
        let a = head.get(&format!("/api/v1/desk/requests/{id}/dossier"));
        assert_eq!(a.status, 200, "{backend}: {}", a.text());
        assert_eq!(a.header("content-type"), "application/zip");
        assert!(
            a.header("content-disposition")
                .contains(&format!("ho-so-yeu-cau-{id}.zip")),
            "{}",
            a.header("content-disposition")
        );
        let zip = dir.path().join("dossier.zip");
        std::fs::write(&zip, &a.bytes).unwrap();
        let out = dir.path().join("one");
        let names = checked_dossier(&zip, &out);
        for part in ["form.json", "request.json", "decision.json", "audit.jsonl"] {
            let n = format!("requests/{id}/{part}");
            assert!(names.contains(&n), "{backend}: {n} in {names:?}");
        }
        let pem = format!("requests/{id}/certificates/{serial}.pem");
        assert!(names.contains(&pem), "{backend}: {names:?}");
        let text_pem = std::fs::read_to_string(out.join(&pem)).unwrap();
        assert!(text_pem.starts_with("-----BEGIN CERTIFICATE-----"));

        // The search's dossiers through the CLI: the request and the
        // revocation it led to.
        let zip2 = dir.path().join("search.zip");
        let o = std::process::Command::new(KYSO)
            .env("KYSO_API_TOKEN", head.token())
            .args(["desk", "--server", &p.base, "dossiers", "--person"])
            .arg(who.to_string())
            .arg("--output")
            .arg(&zip2)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
        let names = checked_dossier(&zip2, &dir.path().join("two"));
        let rid = revoke["id"].as_i64().unwrap();
        for r in [id, rid] {
            let n = format!("requests/{r}/form.json");
            assert!(names.contains(&n), "{backend}: {n} in {names:?}");
        }
        let audit = p
            .admin
            .api
            .get("/api/v1/audit?action=desk.dossier.export&limit=10")
            .expect(200, "audit");
        assert_eq!(audit.as_array().unwrap().len(), 2, "{backend}: {audit}");
    }
}
