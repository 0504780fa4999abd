//! The web office in a real browser: `kyso demo` on loopback (SoftHSM2 or
//! key-file agents), then tests/ui/flow.mjs drives Debian's chromium with
//! playwright-core through R-FLOW-TWO (the drafter creates, the approver
//! signs through the agent, the clerk numbers, seals and issues to two
//! agencies, each receiving clerk sees the green badge and registers, the
//! sender sees 03 for both), the recall (the sender recalls with a reason,
//! one receiver accepts — 15 —, the other refuses — 16 —, the sender sees
//! both answers), R-FLOW-SEAL (the clerk uploads a scanned original,
//! seals and issues it), the security checks (403 by URL for another
//! agency, a post without the CSRF token refused, the CSP header, no CSP
//! violation in the console) and the public verification page (valid,
//! tampered, not a PDF); axe-core checks every screen. The issued file the
//! browser downloaded is then checked by pyHanko and pdfsig.
//!
//! Needs `chromium` and `node` with `npm ci` done in tests/ui
//! (scripts/test.sh installs both); skipped otherwise unless
//! KYSO_REQUIRE_PEERS is set. Screenshots: target/ui-screenshots/.

mod common;
#[path = "common/demo.rs"]
mod demo;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::lab::Peers;
use common::{free_port, have, python, KYSO};
use demo::Demo;

/// The demo with chutich's agent, which the browser's approval uses.
fn demo(data: &Path, port: u16) -> (Demo, String) {
    // Every person of the flow logs in from this one address, about 20
    // logins in a minute or two: above the default of 10 a minute per
    // address (as an agency behind one NAT address would raise it).
    let d = demo::start(KYSO, data, port, &["--login-rate", "60"]);
    let agent = d
        .agents
        .get("chutich")
        .unwrap_or_else(|| panic!("chutich's agent is printed:\n{}", d.printed))
        .clone();
    (d, agent)
}

/// The draft PDF of one of chutich's submitted demo documents.
fn demo_draft(d: &Demo) -> Vec<u8> {
    let client = reqwest::blocking::Client::new();
    let r = client
        .post(format!("{}/api/v1/auth/login", d.base))
        .json(&serde_json::json!({"username": "chutich", "password": d.password}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let get = |path: &str| {
        let r = client
            .get(format!("{}{path}", d.base))
            .header("cookie", &cookie)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        r.bytes().unwrap().to_vec()
    };
    let docs: serde_json::Value =
        serde_json::from_slice(&get("/api/v1/documents?state=submitted")).unwrap();
    for doc in docs.as_array().unwrap() {
        let full: serde_json::Value =
            serde_json::from_slice(&get(&format!("/api/v1/documents/{}", doc["id"]))).unwrap();
        if full["agency_code"] != "000.00.00.H45" {
            continue;
        }
        if let Some(f) = full["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["role"] == "draft")
        {
            return get(&format!(
                "/api/v1/documents/{}/files/{}",
                doc["id"], f["id"]
            ));
        }
    }
    panic!("no submitted demo document of the province with a draft");
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

#[test]
fn the_web_office_in_chromium() {
    let root = workspace();
    let ui = root.join("tests/ui");
    let ready = have("node")
        && Path::new("/usr/bin/chromium").exists()
        && ui.join("node_modules/playwright-core").exists()
        && ui.join("node_modules/axe-core").exists();
    if !ready {
        assert!(
            std::env::var_os("KYSO_REQUIRE_PEERS").is_none(),
            "chromium, node or tests/ui/node_modules missing (scripts/test.sh installs them)"
        );
        eprintln!("skipped: chromium, node or tests/ui/node_modules missing");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (d, agent) = demo(&data, free_port());
    // The drafter uploads a draft the demo rendered (Decree 30/2020 layout,
    // the approver's name in its text: the signature goes above it).
    let pdf = dir.path().join("draft.pdf");
    std::fs::write(&pdf, demo_draft(&d)).unwrap();
    let out = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("ui-screenshots");
    let _ = std::fs::remove_dir_all(&out);
    let run = Command::new("node")
        .arg(ui.join("flow.mjs"))
        .current_dir(&ui)
        .env("KYSO_BASE", &d.base)
        .env("KYSO_PASSWORD", &d.password)
        .env("KYSO_AGENT", &agent)
        .env("KYSO_PDF", &pdf)
        .env("KYSO_OUT", &out)
        .output()
        .expect("run node");
    let said = format!(
        "{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success(), "the browser flow failed:\n{said}");
    assert!(said.contains("steps passed"), "{said}");

    // The issued file the browser downloaded, checked by the peers.
    let issued = out.join("issued.pdf");
    let bytes = std::fs::read(&issued).expect("the issued file was downloaded");
    assert!(bytes.starts_with(b"%PDF-"));
    if have("pdfsig") && have("certutil") && have("qpdf") {
        for (what, name) in [("root", "root.pem"), ("issuing", "issuing.pem")] {
            let o = Command::new(KYSO)
                .args(["--data", data.to_str().unwrap(), "ca", "cert", what, "-o"])
                .arg(dir.path().join(name))
                .env_remove("KYSO_KEY_PASSWORD")
                .output()
                .unwrap();
            assert!(o.status.success(), "{o:?}");
        }
        let peers = Peers::setup(dir.path(), python());
        peers.all_valid(&issued, 2, true);
        let t = peers.pdfsig(&issued);
        assert!(t.contains("Nguyễn Văn An"), "{t}");
        // The attachment's detached seal signature, downloaded by the
        // browser, checked by openssl against the demo's root.
        let o = Command::new("openssl")
            .args([
                "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any", "-in",
            ])
            .arg(out.join("issued-phu-luc.csv.p7s"))
            .arg("-content")
            .arg(out.join("issued-phu-luc.csv"))
            .arg("-CAfile")
            .arg(dir.path().join("root.pem"))
            .args(["-certfile"])
            .arg(dir.path().join("issuing.pem"))
            .args(["-out", "/dev/null"])
            .output()
            .unwrap();
        assert!(o.status.success(), "openssl cms -verify: {o:?}");
    } else {
        assert!(
            std::env::var_os("KYSO_REQUIRE_PEERS").is_none(),
            "pdfsig, certutil or qpdf missing"
        );
    }
    drop(d);
}
