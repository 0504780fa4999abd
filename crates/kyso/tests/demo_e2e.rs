//! `kyso demo` end to end: the first run on an empty data directory
//! seeds the province (agencies, people in every role, certificates,
//! documents in every state with recipients at every status) and starts
//! one signing agent per approver; a submitted document is approved
//! through the running demo agent with `kyso doc approve-agent`, sealed
//! and issued over the API, and pyHanko and pdfsig accept the issued
//! file; stopping the demo stops its agents; the second run seeds
//! nothing and prints the same logins.

mod common;
#[path = "common/demo.rs"]
mod demo;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::lab::Peers;
use common::{free_port, have, python, KYSO};
use demo::Demo;
use reqwest::blocking::Client;
use serde_json::{json, Value};

fn demo(data: &Path, port: u16) -> Demo {
    demo_with(data, port, &[])
}

fn demo_with(data: &Path, port: u16, extra: &[&str]) -> Demo {
    demo::start(KYSO, data, port, extra)
}

/// A session of `user` (cookie and CSRF token).
struct Session {
    client: Client,
    base: String,
    cookie: String,
    csrf: String,
}

impl Session {
    fn login(d: &Demo, user: &str) -> Session {
        let client = Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        let r = client
            .post(format!("{}/api/v1/auth/login", d.base))
            .json(&json!({"username": user, "password": d.password}))
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "login {user}");
        let cookie = r
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let v: Value = r.json().unwrap();
        Session {
            client,
            base: d.base.clone(),
            cookie,
            csrf: v["csrf"].as_str().unwrap().to_string(),
        }
    }

    fn get(&self, path: &str) -> Value {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .unwrap();
        let status = r.status();
        let t = r.text().unwrap();
        assert_eq!(status, 200, "GET {path}: {t}");
        serde_json::from_str(&t).unwrap()
    }

    fn bytes(&self, path: &str) -> Vec<u8> {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "GET {path}");
        r.bytes().unwrap().to_vec()
    }

    /// A POST without a body (the document actions).
    fn post(&self, path: &str) -> Value {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .send()
            .unwrap();
        let status = r.status();
        let t = r.text().unwrap();
        assert!(status.is_success(), "POST {path}: {status} {t}");
        serde_json::from_str(&t).unwrap_or(Value::Null)
    }
}

fn documents(s: &Session) -> Vec<Value> {
    s.get("/api/v1/documents?limit=100")
        .as_array()
        .cloned()
        .unwrap()
}

fn states(docs: &[Value]) -> BTreeSet<String> {
    docs.iter()
        .map(|d| d["state"].as_str().unwrap().to_string())
        .collect()
}

/// `kyso doc approve-agent` as `user`, through `user`'s demo agent.
fn approve_with_agent(d: &Demo, user: &str, doc_id: i64) -> Value {
    let token_out = Command::new(KYSO)
        .args(["doc", "--server", &d.base, "login", "--user", user])
        .env("KYSO_PASSWORD", &d.password)
        .output()
        .unwrap();
    assert!(token_out.status.success(), "{token_out:?}");
    let token = String::from_utf8(token_out.stdout)
        .unwrap()
        .trim()
        .to_string();
    let approve = Command::new(KYSO)
        .args(["doc", "--server", &d.base, "--json", "approve-agent"])
        .arg(doc_id.to_string())
        .args(["--agent", &d.agents[user]])
        .env("KYSO_API_TOKEN", &token)
        .output()
        .unwrap();
    assert!(approve.status.success(), "{approve:?}");
    serde_json::from_slice(&approve.stdout).unwrap()
}

#[test]
fn demo_seeds_a_province_and_signs_through_its_agents() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let t0 = Instant::now();
    let d = demo(&data, port);
    eprintln!("first run ready in {:?}", t0.elapsed());

    // The logins: every role is printed, with the agencies.
    for role in [
        "drafter",
        "approver",
        "clerk",
        "head",
        "it_officer",
        "dept_admin",
        "ca_operator",
        "auditor",
    ] {
        assert!(
            d.logins.values().any(|r| r.contains(&format!("{role} @"))),
            "no {role} login printed:\n{}",
            d.printed
        );
    }
    assert!(d
        .printed
        .contains("Sở Khoa học và Công nghệ tỉnh Ninh Bình"));
    assert!(d.agents.contains_key("chutich"), "{}", d.printed);

    // The agency tree: province, its Office, three departments, two
    // districts with two communes each.
    let admin = Session::login(&d, "quantri");
    let agencies = admin.get("/api/v1/agencies");
    let agencies = agencies.as_array().unwrap();
    assert_eq!(agencies.len(), 11, "{agencies:?}");
    let by_code: BTreeMap<&str, &Value> = agencies
        .iter()
        .map(|a| (a["code"].as_str().unwrap(), a))
        .collect();
    let id = |c: &str| by_code[c]["id"].as_i64().unwrap();
    assert!(by_code["000.00.00.H45"]["parent_id"].is_null());
    for (child, parent) in [
        ("000.00.01.H45", "000.00.00.H45"),
        ("000.00.02.H45", "000.00.00.H45"),
        ("000.10.00.H45", "000.00.00.H45"),
        ("000.10.01.H45", "000.10.00.H45"),
        ("000.10.02.H45", "000.10.00.H45"),
        ("000.20.02.H45", "000.20.00.H45"),
    ] {
        assert_eq!(by_code[child]["parent_id"].as_i64(), Some(id(parent)));
    }
    let levels: BTreeSet<&str> = agencies
        .iter()
        .map(|a| a["level"].as_str().unwrap())
        .collect();
    assert_eq!(
        levels,
        ["commune", "department", "district", "province"].into()
    );
    for a in agencies {
        assert!(a["seal_certificate"].is_object(), "seal of {}", a["code"]);
    }
    // People in every role.
    let people = admin.get("/api/v1/people");
    let roles: BTreeSet<String> = people
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["memberships"].as_array().unwrap().clone())
        .map(|m| m["role"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(roles.len(), 8, "{roles:?}");

    // Documents in every state, and the recipients at every status.
    let auditor = Session::login(&d, "kiemtra");
    let docs = documents(&auditor);
    let got = states(&docs);
    for s in [
        "draft",
        "submitted",
        "returned",
        "approved",
        "sealed",
        "issued",
        "recalled",
    ] {
        assert!(got.contains(s), "no {s} document: {got:?}");
    }
    let snv = Session::login(&d, "chuyenvien.snv");
    assert!(states(&documents(&snv)).contains("cancelled"));
    let mut statuses = BTreeSet::new();
    for doc in docs.iter().filter(|x| x["state"] != "draft") {
        let full = auditor.get(&format!("/api/v1/documents/{}", doc["id"]));
        for r in full["recipients"].as_array().unwrap() {
            if let Some(s) = r["status"].as_str() {
                statuses.insert(s.to_string());
            }
            // A refused recall (16) is an event: the delivery goes back
            // to where it was.
            for e in r["events"].as_array().unwrap() {
                if e["status"] == "16" || e["status"] == "15" {
                    statuses.insert(e["status"].as_str().unwrap().to_string());
                }
            }
        }
    }
    for s in ["01", "02", "03", "04", "05", "06", "15", "16"] {
        assert!(statuses.contains(s), "no recipient at {s}: {statuses:?}");
    }
    let total = docs.len();

    // Approve a submitted document through the running demo agent.
    let submitted = docs
        .iter()
        .find(|x| x["state"] == "submitted")
        .expect("a submitted document of the province");
    let doc_id = submitted["id"].as_i64().unwrap();
    let token_out = Command::new(KYSO)
        .args(["doc", "--server", &d.base, "login", "--user", "chutich"])
        .env("KYSO_PASSWORD", &d.password)
        .output()
        .unwrap();
    assert!(token_out.status.success(), "{token_out:?}");
    let token = String::from_utf8(token_out.stdout)
        .unwrap()
        .trim()
        .to_string();
    let approve = Command::new(KYSO)
        .args(["doc", "--server", &d.base, "--json", "approve-agent"])
        .arg(doc_id.to_string())
        .args(["--agent", &d.agents["chutich"]])
        .env("KYSO_API_TOKEN", &token)
        .output()
        .unwrap();
    assert!(approve.status.success(), "{approve:?}");
    let approved: Value = serde_json::from_slice(&approve.stdout).unwrap();
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["signer_name"], "Nguyễn Văn An");
    let clerk = Session::login(&d, "vanthu");
    clerk.post(&format!("/api/v1/documents/{doc_id}/seal"));
    let issued = clerk.post(&format!("/api/v1/documents/{doc_id}/issue"));
    assert_eq!(issued["state"], "issued");
    let file = issued["files"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|f| f["role"] == "sealed")
        .unwrap()
        .clone();
    let pdf = clerk.bytes(&format!("/api/v1/documents/{doc_id}/files/{}", file["id"]));
    let out = dir.path().join("issued.pdf");
    std::fs::write(&out, &pdf).unwrap();
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
        peers.all_valid(&out, 2, true);
        let t = peers.pdfsig(&out);
        assert!(t.contains("Nguyễn Văn An"), "{t}");
    }

    // Stopping the demo stops its agents (their stdin closes).
    let agent = d.agents["chutich"].clone();
    let (password, logins) = (d.password.clone(), d.logins.clone());
    drop(d);
    let gone = Instant::now();
    while reqwest::blocking::get(format!("{agent}/v1/certificate")).is_ok() {
        assert!(
            gone.elapsed() < Duration::from_secs(20),
            "the agent outlived kyso demo"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // The second run seeds nothing and prints the same logins.
    let d2 = demo(&data, port);
    assert_eq!(d2.password, password);
    assert_eq!(d2.logins, logins);
    assert!(!d2.printed.is_empty());
    let auditor = Session::login(&d2, "kiemtra");
    assert_eq!(documents(&auditor).len(), total);
    let agencies = Session::login(&d2, "quantri").get("/api/v1/agencies");
    assert_eq!(agencies.as_array().unwrap().len(), 11);
    // Its agents answer again, with the same certificates.
    let c = Client::new()
        .get(format!("{}/v1/certificate", d2.agents["chutich"]))
        .header("origin", &d2.base)
        .send()
        .unwrap();
    assert_eq!(c.status(), 200);
    let c: Value = c.json().unwrap();
    assert!(c["subject"].as_str().unwrap().contains("Nguyễn Văn An"));
    eprintln!("whole test {:?}", t0.elapsed());
}

/// `--demo-unattended` refuses a certificate `kyso demo` did not make
/// (here an ordinary subscriber's key file): a real signer's key never
/// signs unattended.
#[test]
fn unattended_signing_is_refused_for_other_keys() {
    let Some(lab) = common::lab::Lab::start() else {
        return;
    };
    lab.openssl_key_files("ec");
    let out = Command::new(KYSO)
        .arg("agent")
        .arg("--key")
        .arg(lab.peers.dir.join("ec.key"))
        .arg("--cert")
        .arg(lab.peers.dir.join("ec.crt"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--allow-origin",
            "http://127.0.0.1:8080",
        ])
        .arg("--demo-unattended")
        .env("KYSO_DEMO_AGENT_SECRET", "not-used")
        .env_remove("KYSO_PKCS11_MODULE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("kyso demo"), "{err}");
}

/// Without SoftHSM2 (`--demo-keys file`, what `auto` falls back to): the
/// approvers' keys are encrypted PKCS#8 files, their agents sign the
/// seeded approvals and a new one.
#[test]
fn demo_with_key_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = demo_with(&data, free_port(), &["--demo-keys", "file"]);
    assert!(d.printed.contains("encrypted key files"), "{}", d.printed);
    let key = std::fs::read_to_string(data.join("demo/keys/chutich.kimson.key.pem")).unwrap();
    assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assert!(!data.join("demo/softhsm").exists());
    let drafter = Session::login(&d, "chuyenvien.kimson");
    let docs = documents(&drafter);
    let submitted = docs.iter().find(|x| x["state"] == "submitted").unwrap();
    let approved = approve_with_agent(&d, "chutich.kimson", submitted["id"].as_i64().unwrap());
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["signer_name"], "Phạm Đức Thịnh");
    // The seeded approvals were signed by key-file agents too.
    let auditor = Session::login(&d, "kiemtra");
    assert!(states(&documents(&auditor)).contains("approved"));
}
