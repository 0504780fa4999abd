//! A small province served by `kyso serve`, for the office API tests:
//! `kyso ca init`, the first administrator (bootstrapped in process, as
//! `kyso office init` does), the approver's certificate for a key the test
//! holds (its "token"), then — over HTTP only — agencies, people in every
//! role, the sender's seal key and image, and an API token per person.
//! Include with `#[path = "common/office.rs"] mod office;` after `mod common;`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use kyso_crypto::{KeySpec, Signer, SoftwareKey};
use reqwest::blocking::{multipart, Client, RequestBuilder};
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::lab::Peers;
use crate::common::{have, python, Deployment, Server};

pub const PASSWORD: &str = "mật khẩu thử nghiệm 2026";
pub const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// An answer: status, JSON body (or Null), raw body, headers.
pub struct Answer {
    pub status: u16,
    pub json: Value,
    pub bytes: Vec<u8>,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The JSON body, after checking the status.
    pub fn expect(self, status: u16, what: &str) -> Value {
        assert_eq!(self.status, status, "{what}: {}", self.text());
        self.json
    }

    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    /// Checks the error shape and code.
    pub fn error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(self.json["error"], code, "{}", self.text());
        for k in ["message", "message_vi", "message_en", "request_id"] {
            assert!(
                self.json[k].as_str().is_some_and(|s| !s.is_empty()),
                "{k}: {}",
                self.text()
            );
        }
        assert_eq!(
            self.json["request_id"].as_str().unwrap(),
            self.header("x-request-id")
        );
    }
}

#[derive(Clone, Debug)]
pub enum Auth {
    Anonymous,
    Token(String),
    Session { cookie: String, csrf: String },
}

/// A client of the API as one caller.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub auth: Auth,
    client: Client,
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(120))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl Api {
    pub fn new(base: &str, auth: Auth) -> Api {
        Api {
            base: base.trim_end_matches('/').to_string(),
            auth,
            client: client(),
        }
    }

    /// Logs in with a password: a browser session (cookie and CSRF token).
    pub fn login(base: &str, user: &str) -> Api {
        let a = Api::new(base, Auth::Anonymous);
        let r = a.post(
            "/api/v1/auth/login",
            json!({"username": user, "password": PASSWORD}),
        );
        let set = r.header("set-cookie");
        let v = r.expect(200, &format!("login {user}"));
        let cookie = set.split(';').next().unwrap().to_string();
        assert!(cookie.starts_with("kyso_session="), "{set}");
        Api::new(
            base,
            Auth::Session {
                cookie,
                csrf: v["csrf"].as_str().unwrap().to_string(),
            },
        )
    }

    /// Logs in and makes an API token with every scope.
    pub fn token_of(base: &str, user: &str) -> (Api, i64) {
        let s = Api::login(base, user);
        let t = s
            .post(
                "/api/v1/me/tokens",
                json!({"name": "tests", "scopes": ["read", "write", "admin"], "valid_days": 2}),
            )
            .expect(201, "token");
        (
            Api::new(base, Auth::Token(t["token"].as_str().unwrap().to_string())),
            t["info"]["id"].as_i64().unwrap(),
        )
    }

    pub fn token(&self) -> &str {
        match &self.auth {
            Auth::Token(t) => t,
            _ => panic!("not a token"),
        }
    }

    /// A request with the credential (and, for a session's unsafe
    /// request, its CSRF token).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let unsafe_method = !matches!(method, Method::GET | Method::HEAD);
        let mut rb = self.raw(method, path);
        if let Auth::Session { csrf, .. } = &self.auth {
            if unsafe_method {
                rb = rb.header("x-csrf-token", csrf);
            }
        }
        rb
    }

    /// A request with the credential but no CSRF token.
    pub fn raw(&self, method: Method, path: &str) -> RequestBuilder {
        let rb = self.client.request(method, format!("{}{path}", self.base));
        match &self.auth {
            Auth::Anonymous => rb,
            Auth::Token(t) => rb.bearer_auth(t),
            Auth::Session { cookie, .. } => rb.header("cookie", cookie),
        }
    }

    pub fn send(rb: RequestBuilder) -> Answer {
        let r = rb.send().expect("HTTP request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = r.bytes().unwrap().to_vec();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            json,
            bytes,
            headers,
        }
    }

    pub fn get(&self, path: &str) -> Answer {
        Api::send(self.request(Method::GET, path))
    }

    pub fn json(&self, method: Method, path: &str, body: Value) -> Answer {
        Api::send(
            self.request(method, path)
                .header("content-type", "application/json")
                .body(body.to_string()),
        )
    }

    pub fn post(&self, path: &str, body: Value) -> Answer {
        self.json(Method::POST, path, body)
    }

    pub fn post_empty(&self, path: &str) -> Answer {
        Api::send(self.request(Method::POST, path))
    }

    pub fn put(&self, path: &str, body: Value) -> Answer {
        self.json(Method::PUT, path, body)
    }

    pub fn patch(&self, path: &str, body: Value) -> Answer {
        self.json(Method::PATCH, path, body)
    }

    pub fn delete(&self, path: &str) -> Answer {
        Api::send(self.request(Method::DELETE, path))
    }

    pub fn put_bytes(&self, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
        Api::send(
            self.request(Method::PUT, path)
                .header("content-type", content_type)
                .body(body),
        )
    }

    pub fn multipart(&self, method: Method, path: &str, form: multipart::Form) -> Answer {
        Api::send(self.request(method, path).multipart(form))
    }
}

/// The test PDF (one page, written by hand: kyso-pdf's test input).
pub fn pdf() -> Vec<u8> {
    crate::common::lab::hand_pdf()
}

/// A red seal image, PNG with transparency.
pub fn seal_png() -> Vec<u8> {
    crate::common::appearance::seal_png(120, 96.0)
}

/// The metadata of a test document sent to `recipients`.
pub fn metadata(subject: &str, recipients: &[i64]) -> Value {
    json!({
        "type_code": "CV",
        "subject": subject,
        "category": "cong-van",
        "priority": "khan",
        "copies": 2,
        "recipients": recipients,
        "layout": {"approver": {"page": 1, "rect": [330.0, 200.0, 530.0, 290.0]}},
    })
}

/// The multipart form of a new document: the PDF and two attachments.
pub fn document_form(agency_id: i64, flow: &str, metadata: &Value) -> multipart::Form {
    let file = |name: &str, mime: &str, bytes: Vec<u8>| {
        multipart::Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str(mime)
            .unwrap()
    };
    multipart::Form::new()
        .text("agency_id", agency_id.to_string())
        .text("flow", flow.to_string())
        .part(
            "metadata",
            multipart::Part::text(metadata.to_string())
                .mime_str("application/json")
                .unwrap(),
        )
        .part("file", file("công văn.pdf", "application/pdf", pdf()))
        .part("attachment", file("phu-luc.pdf", "application/pdf", pdf()))
        .part(
            "attachment",
            file(
                "số liệu.csv",
                "text/csv",
                "Tên,Giá trị\nA,1\n".as_bytes().to_vec(),
            ),
        )
}

/// One person of the province: id and a client with their API token.
pub struct Person {
    pub id: i64,
    pub api: Api,
    pub token_id: i64,
}

/// Agencies and people: A (UBND tỉnh, the sender), B (Sở Tài chính) and
/// C (Sở Y tế) (recipients), D (Sở Nội vụ: a person in every role, for
/// the refusals).
pub struct Province {
    pub d: Deployment,
    pub server: Server,
    pub base: String,
    pub admin: Person,
    pub a: i64,
    pub b: i64,
    pub c: i64,
    pub other: i64,
    pub people: BTreeMap<String, Person>,
    /// The approver's key (on their "token") and certificate (DER).
    pub approver_key: SoftwareKey,
    pub approver_cert: Vec<u8>,
    /// Peers checking issued files (pdfsig, pyHanko), when installed.
    pub peers: Option<Peers>,
}

/// Roles of D's people, and their user names.
pub const OTHER_ROLES: [(&str, &str); 7] = [
    ("drafter", "noivu.chuyenvien"),
    ("approver", "noivu.giamdoc"),
    ("clerk", "noivu.vanthu"),
    ("head", "noivu.thutruong"),
    ("it_officer", "noivu.cntt"),
    ("auditor", "noivu.kiemtra"),
    ("ca_operator", "noivu.ca"),
];

/// Runs `f` on an office over `d`'s database, in this process.
pub fn in_process<T>(
    d: &Deployment,
    f: impl AsyncFnOnce(&kyso_office::Office, &kyso_ca::Ca) -> T,
) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = kyso_store::Store::open(&d.db).await.unwrap();
        let pw = std::fs::read_to_string(d.data().join("key-password")).unwrap();
        let pw = pw.trim().as_bytes().to_vec();
        let config = kyso_ca::CaConfig::load(&d.data().join("kyso.toml")).unwrap();
        let ca = Arc::new(kyso_ca::Ca::open(store.clone(), config, &pw).await.unwrap());
        let office = kyso_office::Office::new(
            store,
            kyso_store::BlobStore::local(&d.data().join("blobs")).unwrap(),
            ca.clone(),
            kyso_office::OfficeConfig::new(d.data(), pw, d.base_url()),
            Arc::new(kyso_office::SystemClock),
        )
        .unwrap();
        f(&office, &ca).await
    })
}

/// The top agency and its administrator `quantri` (what `kyso office
/// init` does), in process; returns the agency's id.
pub fn bootstrap(d: &Deployment) -> i64 {
    in_process(d, async |office, _| {
        office
            .bootstrap(
                kyso_office::agency::NewAgency {
                    parent_id: None,
                    code: "000.00.00.H45".into(),
                    name: "Ủy ban nhân dân tỉnh Ninh Bình".into(),
                    short_name: "UBND".into(),
                    level: "province".into(),
                    email: "ubnd@ninhbinh.gov.vn".into(),
                    address: "Ninh Bình".into(),
                    phone: String::new(),
                },
                "quantri",
                "Quản trị hệ thống",
                PASSWORD,
            )
            .await
            .unwrap()
            .0
            .id
    })
}

impl Province {
    /// Sets up the province on `d` and serves it (with `extra` options
    /// of `kyso serve`).
    pub fn start(d: Deployment, extra: &[&str]) -> Province {
        Province::start_env(d, extra, &[])
    }

    /// [`Province::start`] with environment variables for `kyso serve`.
    pub fn start_env(d: Deployment, extra: &[&str], env: &[(&str, &str)]) -> Province {
        d.kyso(&[
            "ca",
            "init",
            "--root-key",
            "p-384",
            "--issuing-key",
            "p-256",
            "--tsa-key",
            "p-256",
            "--organization",
            "Sở Khoa học và Công nghệ tỉnh Ninh Bình",
            "--base-url",
            &d.base_url(),
        ]);
        let dir = d.dir.path().to_path_buf();
        d.kyso(&[
            "ca",
            "cert",
            "root",
            "-o",
            dir.join("root.pem").to_str().unwrap(),
        ]);
        d.kyso(&[
            "ca",
            "cert",
            "issuing",
            "-o",
            dir.join("issuing.pem").to_str().unwrap(),
        ]);
        let approver_key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        let top = bootstrap(&d);
        let (approver_pem, approver_cert) = in_process(&d, async |_, ca| {
            let issued = ca
                .issue_for_public_key(
                    &kyso_pki::name::SubjectName {
                        organization: Some("UBND tỉnh Ninh Bình".into()),
                        common_name: "Nguyễn Văn An".into(),
                        email: Some("chutich@ninhbinh.gov.vn".into()),
                        ..Default::default()
                    },
                    approver_key.public_key_der(),
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
        let server = d.serve_env(d.port, extra, env);
        let base = d.base_url();
        let (admin_api, admin_token) = Api::token_of(&base, "quantri");
        let admin = Person {
            id: admin_api.get("/api/v1/me").expect(200, "me")["person_id"]
                .as_i64()
                .unwrap(),
            api: admin_api,
            token_id: admin_token,
        };
        let agency = |code: &str, name: &str, short: &str| {
            admin
                .api
                .post(
                    "/api/v1/agencies",
                    json!({"parent_id": top, "code": code, "name": name, "short_name": short,
                           "level": "department", "email": format!("{}@ninhbinh.gov.vn", short.to_lowercase())}),
                )
                .expect(201, "agency")["id"]
                .as_i64()
                .unwrap()
        };
        let b = agency("000.01.00.H45", "Sở Tài chính", "STC");
        let c = agency("000.02.00.H45", "Sở Y tế", "SYT");
        let other = agency("000.03.00.H45", "Sở Nội vụ", "SNV");
        let mut accounts: Vec<Account> = vec![
            ("chuyenvien", "Trần Thị Bình", top, "drafter", None, None),
            (
                "chutich",
                "Nguyễn Văn An",
                top,
                "approver",
                Some("Chủ tịch"),
                Some("TM. ỦY BAN NHÂN DÂN"),
            ),
            ("vanthu", "Lê Thị Cúc", top, "clerk", None, None),
            ("chanhvanphong", "Ngô Văn Dậu", top, "head", None, None),
            ("cntt", "Mai Văn Tài", top, "it_officer", None, None),
            ("kiemtra", "Lý Thị Hoa", top, "auditor", None, None),
            ("vanthu.stc", "Phạm Văn Dũng", b, "clerk", None, None),
            ("giamdoc.stc", "Hoàng Văn Em", b, "head", None, None),
            ("chuyenvien.stc", "Đỗ Thị Giang", b, "drafter", None, None),
            ("cntt.stc", "Trịnh Văn Khoa", b, "it_officer", None, None),
            ("vanthu.syt", "Vũ Văn Hà", c, "clerk", None, None),
        ];
        for (role, user) in OTHER_ROLES {
            accounts.push((user, "Người Sở Nội vụ", other, role, None, None));
        }
        let mut people = BTreeMap::new();
        for (user, name, agency, role, position, title) in accounts {
            admin
                .api
                .post(
                    "/api/v1/people",
                    json!({"username": user, "full_name": name,
                           "email": format!("{user}@ninhbinh.gov.vn"), "password": PASSWORD,
                           "memberships": [{"agency_id": agency, "role": role,
                                            "position": position, "title": title}]}),
                )
                .expect(201, user);
            let (api, token_id) = Api::token_of(&base, user);
            let id = api.get("/api/v1/me").expect(200, "me")["person_id"]
                .as_i64()
                .unwrap();
            people.insert(user.to_string(), Person { id, api, token_id });
        }
        // The approver's certificate, the sender's seal key and image.
        let approver = people["chutich"].id;
        admin
            .api
            .put_bytes(
                &format!("/api/v1/people/{approver}/certificate"),
                "application/x-pem-file",
                approver_pem.into_bytes(),
            )
            .expect(200, "certificate");
        admin
            .api
            .put(
                &format!("/api/v1/agencies/{top}/seal-key"),
                json!({"kind": "generate"}),
            )
            .expect(200, "seal key");
        people["vanthu"]
            .api
            .put_bytes(
                &format!("/api/v1/agencies/{top}/seal-image"),
                "image/png",
                seal_png(),
            )
            .expect(200, "seal image");
        let peers = (have("pdfsig") && have("certutil") && have("qpdf"))
            .then(|| Peers::setup(&dir, python()));
        Province {
            d,
            server,
            base,
            admin,
            a: top,
            b,
            c,
            other,
            people,
            approver_key,
            approver_cert,
            peers,
        }
    }

    pub fn api(&self, user: &str) -> &Api {
        &self.people[user].api
    }

    pub fn id(&self, user: &str) -> i64 {
        self.people[user].id
    }

    /// The approver signs document `id` through the two-phase API with
    /// the key the test holds.
    pub fn approve(&self, id: i64) -> Value {
        self.approve_as("chutich", &self.approver_key, &self.approver_cert, id)
    }

    /// Approver `user` signs document `id` through the two-phase API with
    /// `key` (on their "token") and its certificate `cert` (DER).
    pub fn approve_as(&self, user: &str, key: &SoftwareKey, cert: &[u8], id: i64) -> Value {
        let api = self.api(user);
        let cert = B64.encode(cert);
        let p = api
            .post(
                &format!("/api/v1/documents/{id}/approval/prepare"),
                json!({"certificate": cert}),
            )
            .expect(200, "prepare approval");
        assert_eq!(p["algorithm"], "ecdsa-sha256");
        let digest = hex::decode(p["digest"].as_str().unwrap()).unwrap();
        let sig = key.sign_digest(&digest).unwrap();
        api.post(
            &format!("/api/v1/documents/{id}/approval/finalize"),
            json!({"nonce": p["nonce"], "signature": B64.encode(sig), "certificate": cert}),
        )
        .expect(200, "finalize approval")
    }

    /// A's drafter's new draft (two-signature flow, to B); its id.
    pub fn draft(&self, subject: &str) -> i64 {
        self.api("chuyenvien")
            .multipart(
                Method::POST,
                "/api/v1/documents",
                document_form(self.a, "two", &metadata(subject, &[self.b])),
            )
            .expect(201, "draft")["id"]
            .as_i64()
            .unwrap()
    }

    /// A document of A in the one-signature flow, sealed and issued to B
    /// and C by A's clerk.
    pub fn issue_scan(&self, subject: &str) -> Value {
        let clerk = self.api("vanthu");
        let d = clerk
            .multipart(
                Method::POST,
                "/api/v1/documents",
                document_form(self.a, "seal", &metadata(subject, &[self.b, self.c])),
            )
            .expect(201, "scan");
        let id = d["id"].as_i64().unwrap();
        clerk
            .post_empty(&format!("/api/v1/documents/{id}/seal"))
            .expect(200, "seal scan");
        clerk
            .post_empty(&format!("/api/v1/documents/{id}/issue"))
            .expect(200, "issue scan")
    }
}

/// A test HTTP receiver of webhooks on loopback: every request's headers
/// (lower-case names) and body, answered 200.
pub struct Receiver {
    pub url: String,
    pub requests: mpsc::Receiver<(BTreeMap<String, String>, Vec<u8>)>,
}

impl Receiver {
    pub fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks/kyso", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut headers = BTreeMap::new();
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':') {
                        headers.insert(k.trim().to_lowercase(), v.trim().to_string());
                    }
                }
                let n: usize = headers
                    .get("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0; n.min(1 << 20)];
                let _ = reader.read_exact(&mut body);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
                if tx.send((headers, body)).is_err() {
                    break;
                }
            }
        });
        Receiver { url, requests: rx }
    }

    /// The next request whose `x-kyso-event` is `event`, within a minute.
    pub fn wait_for(&self, event: &str) -> (BTreeMap<String, String>, Vec<u8>) {
        let until = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let left = until.saturating_duration_since(std::time::Instant::now());
            let (h, b) = self
                .requests
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no webhook {event} within a minute"));
            if h.get("x-kyso-event").map(String::as_str) == Some(event) {
                return (h, b);
            }
        }
    }
}

/// A demo account: user, full name, agency id, role, position, authority line.
type Account<'a> = (
    &'a str,
    &'a str,
    i64,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
);
