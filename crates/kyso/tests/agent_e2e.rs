//! Browser signing through `kyso agent`, end to end without a person: the
//! test plays the browser (log in, GET the page of `kyso serve`, ask the
//! agent for the certificate with an Origin header, upload to
//! /sign/prepare with the session's CSRF token, ask the agent to sign the
//! digest, post to /sign/finalize). SoftHSM2 holds the
//! key; the agent takes the PIN through its insecure test hook. Checked:
//! origins not allowed are refused, a nonce is used once at the agent and
//! at the server, wrong certificates and bad signatures are refused, and
//! the signed PDF is accepted by qpdf, pdfsig and pyHanko.
mod common;
#[path = "common/office.rs"]
mod office;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

use base64::Engine;
use common::lab::*;
use common::token::*;
use common::*;
use serde_json::{json, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

struct Agent {
    child: Child,
    url: String,
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_agent(hsm: &Hsm, lab: &Lab, extra: &[&str]) -> Agent {
    let port = free_port();
    let mut child = hsm
        .command(&lab.d)
        .env("AGENT_TEST_PIN", PIN)
        .args([
            "agent",
            "--pkcs11",
            hsm.module(),
            "--token",
            "an",
            "--key-label",
            "an-rsa",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start kyso agent");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().and_then(|l| l.ok()).unwrap_or_default();
    assert!(
        first.contains("listening"),
        "kyso agent did not start: {first}"
    );
    std::thread::spawn(move || for _ in lines {});
    Agent {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// (status, JSON body or Null, raw bytes)
fn call(
    method: reqwest::Method,
    url: &str,
    origin: Option<&str>,
    body: Option<Value>,
) -> (u16, Value, Vec<u8>) {
    call_as(None, method, url, origin, body)
}

/// [`call`] in a browser session: its cookie, and its CSRF token.
fn call_as(
    session: Option<&office::Api>,
    method: reqwest::Method,
    url: &str,
    origin: Option<&str>,
    body: Option<Value>,
) -> (u16, Value, Vec<u8>) {
    let mut r = client().request(method, url);
    if let Some(office::Auth::Session { cookie, csrf }) = session.map(|s| &s.auth) {
        r = r.header("cookie", cookie).header("x-csrf-token", csrf);
    }
    if let Some(o) = origin {
        r = r.header("origin", o);
    }
    if let Some(b) = body {
        r = r
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = r.send().expect("request");
    let status = resp.status().as_u16();
    let bytes = resp.bytes().unwrap().to_vec();
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, v, bytes)
}

#[test]
fn browser_signing_through_the_agent() {
    let Some(hsm) = Hsm::new() else { return };
    let Some(lab) = Lab::start() else { return };
    let d = &lab.d;
    hsm.init_token("an");
    hsm.enrol(&lab, "an", "an-rsa", "rsa-2048", "Nguyễn Văn An");
    let page_origin = d.base_url();
    let evil = "http://evil.example";

    // The test hook is refused without --insecure-test-hook; and an agent
    // without --allow-origin answers nobody.
    let o = hsm.kyso_raw(
        d,
        &[
            "agent",
            "--pkcs11",
            hsm.module(),
            "--test-pin-env",
            "AGENT_TEST_PIN",
        ],
    );
    assert!(!o.status.success(), "{}", text(&o));
    {
        let lonely = start_agent(&hsm, &lab, &[]);
        let (st, v, _) = call(
            reqwest::Method::GET,
            &format!("{}/v1/certificate", lonely.url),
            Some(&page_origin),
            None,
        );
        assert_eq!(st, 403, "{v}");
        assert_eq!(v["error"], "origin-not-allowed");
    }

    let agent = start_agent(
        &hsm,
        &lab,
        &[
            "--allow-origin",
            &page_origin,
            "--insecure-test-hook",
            "--test-pin-env",
            "AGENT_TEST_PIN",
        ],
    );

    // The page is behind a login; its script runs the protocol.
    office::bootstrap(d);
    let (st, _, form) = call(reqwest::Method::GET, &lab.server.url("/sign"), None, None);
    let form = String::from_utf8(form).unwrap();
    assert_eq!(st, 200);
    assert!(
        form.contains("action=\"/login\"") && form.contains("value=\"/sign\""),
        "anonymous: sent to the login form: {form}"
    );
    let (st, v, _) = call(
        reqwest::Method::POST,
        &lab.server.url("/sign/prepare"),
        Some(&page_origin),
        Some(json!({"title": "x", "pdf": "", "certificate": ""})),
    );
    assert_eq!((st, v["error"].as_str()), (401, Some("unauthenticated")));
    let session = office::Api::login(&d.base_url(), "quantri");
    let (st, _, page) = call_as(
        Some(&session),
        reqwest::Method::GET,
        &lab.server.url("/sign"),
        None,
        None,
    );
    assert_eq!(st, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("name=\"csrf-token\"") && page.contains("/static/sign.js"));
    let (st, script) = get(&lab.server.url("/static/sign.js"));
    assert_eq!(st, 200);
    let script = String::from_utf8(script).unwrap();
    assert!(script.contains("/v1/certificate") && script.contains("/sign/finalize"));

    // Origins: missing or not allowed → refused; allowed → CORS answer.
    let cert_url = format!("{}/v1/certificate", agent.url);
    let (st, v, _) = call(reqwest::Method::GET, &cert_url, Some(evil), None);
    assert_eq!((st, v["error"].as_str()), (403, Some("origin-not-allowed")));
    let (st, v, _) = call(reqwest::Method::GET, &cert_url, None, None);
    assert_eq!((st, v["error"].as_str()), (403, Some("origin-required")));
    let pre = client()
        .request(reqwest::Method::OPTIONS, format!("{}/v1/sign", agent.url))
        .header("origin", &page_origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .unwrap();
    assert_eq!(pre.status().as_u16(), 204);
    assert_eq!(
        pre.headers()["access-control-allow-origin"]
            .to_str()
            .unwrap(),
        page_origin
    );
    let (st, who, _) = call(reqwest::Method::GET, &cert_url, Some(&page_origin), None);
    assert_eq!(st, 200, "{who}");
    assert!(who["subject"].as_str().unwrap().contains("Nguyễn Văn An"));
    assert_eq!(who["chain"].as_array().unwrap().len(), 2, "{who}");
    let certificate = who["certificate"].as_str().unwrap().to_string();

    // The server prepares the document.
    let pdf = hand_pdf();
    let prepare = |title: &str, cert: &str| {
        call_as(
            Some(&session),
            reqwest::Method::POST,
            &lab.server.url("/sign/prepare"),
            Some(&page_origin),
            Some(json!({"title": title, "pdf": B64.encode(&pdf), "certificate": cert})),
        )
    };
    let (st, prep, _) = prepare("Công văn 12/UBND", &certificate);
    assert_eq!(st, 200, "{prep}");
    assert_eq!(prep["algorithm"], "rsa-pss-sha256");
    assert_eq!(prep["digest"].as_str().unwrap().len(), 64);
    assert!(prep["expires_at"].as_str().unwrap().ends_with("+07:00"));
    let nonce = prep["nonce"].as_str().unwrap().to_string();
    // A certificate this CA did not issue is refused.
    let (st, v, _) = prepare("x", &B64.encode(pem_der(&d.path("root.pem"))));
    assert_eq!(
        (st, v["error"].as_str()),
        (403, Some("wrong-certificate")),
        "{v}"
    );
    // Garbage is refused, not a crash.
    let (st, v, _) = call_as(
        Some(&session),
        reqwest::Method::POST,
        &lab.server.url("/sign/prepare"),
        None,
        Some(json!({"title": "x", "pdf": B64.encode(b"not a pdf"), "certificate": certificate})),
    );
    assert_eq!((st, v["error"].as_str()), (415, Some("not-pdf")), "{v}");
    let (st, v, _) = call_as(
        Some(&session),
        reqwest::Method::POST,
        &lab.server.url("/sign/prepare"),
        None,
        Some(json!({"title": "x", "pdf": "***", "certificate": certificate})),
    );
    assert_eq!((st, v["error"].as_str()), (400, Some("bad-pdf")), "{v}");

    let sign_body = json!({
        "nonce": nonce,
        "digest": prep["digest"],
        "algorithm": prep["algorithm"],
        "title": prep["title"],
        "agency": prep["agency"],
        "certificate": certificate,
    });
    let sign_url = format!("{}/v1/sign", agent.url);
    // Wrong origin → refused, and the nonce is not spent by it.
    let (st, v, _) = call(
        reqwest::Method::POST,
        &sign_url,
        Some(evil),
        Some(sign_body.clone()),
    );
    assert_eq!((st, v["error"].as_str()), (403, Some("origin-not-allowed")));
    let (st, signed, _) = call(
        reqwest::Method::POST,
        &sign_url,
        Some(&page_origin),
        Some(sign_body.clone()),
    );
    assert_eq!(st, 200, "{signed}");
    // The agent refuses a nonce it has seen.
    let (st, v, _) = call(
        reqwest::Method::POST,
        &sign_url,
        Some(&page_origin),
        Some(sign_body),
    );
    assert_eq!((st, v["error"].as_str()), (409, Some("reused-nonce")));

    let finalize = |nonce: &str, sig: &str, cert: &str| {
        call_as(
            Some(&session),
            reqwest::Method::POST,
            &lab.server.url("/sign/finalize"),
            Some(&page_origin),
            Some(json!({"nonce": nonce, "signature": sig, "certificate": cert})),
        )
    };
    let signature = signed["signature"].as_str().unwrap();
    // A bad signature and a wrong certificate are refused and leave the
    // nonce pending.
    let mut bad = B64.decode(signature).unwrap();
    bad[10] ^= 1;
    let (st, v, _) = finalize(&nonce, &B64.encode(&bad), &certificate);
    assert_eq!(
        (st, v["error"].as_str()),
        (400, Some("bad-signature")),
        "{v}"
    );
    let other = B64.encode(pem_der(&d.path("ec.pem")));
    let (st, v, _) = finalize(&nonce, signature, &other);
    assert_eq!(
        (st, v["error"].as_str()),
        (403, Some("wrong-certificate")),
        "{v}"
    );
    let (st, v, _) = finalize(&"ab".repeat(32), signature, &certificate);
    assert_eq!((st, v["error"].as_str()), (404, Some("unknown-nonce")));
    // The good answer gives the signed PDF, from another replica: nothing
    // of the prepared document stayed in the first server's memory.
    let replica = d.serve_on(free_port());
    let (st, _, body) = call_as(
        Some(&session),
        reqwest::Method::POST,
        &replica.url("/sign/finalize"),
        Some(&page_origin),
        Some(json!({"nonce": nonce, "signature": signature, "certificate": signed["certificate"]})),
    );
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
    let out = d.path("browser-signed.pdf");
    std::fs::write(&out, &body).unwrap();
    lab.peers.all_valid(&out, 1, true);
    // Once only, on any replica: the same answer again (its response was
    // lost) gets the same signed file; another signature is refused.
    let (st, _, again) = finalize(&nonce, signature, &certificate);
    assert_eq!(st, 200);
    assert_eq!(again, body, "the stored result");
    let (st, v, _) = finalize(&nonce, &B64.encode(&bad), &certificate);
    assert_eq!(
        (st, v["error"].as_str()),
        (409, Some("reused-nonce")),
        "{v}"
    );
}

/// DER of the first certificate of a PEM file.
fn pem_der(path: &std::path::Path) -> Vec<u8> {
    let pem = std::fs::read_to_string(path).unwrap();
    let b64: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    B64.decode(b64).unwrap()
}
