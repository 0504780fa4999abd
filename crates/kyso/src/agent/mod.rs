//! `kyso agent`: the local signing agent (DESIGN §1, §4). A small HTTP
//! service on 127.0.0.1 that holds no document, only the token: a web page
//! of an allowed origin asks it for the signer certificate and for the
//! signature of a digest bound to a one-time nonce of the server; the
//! agent shows the user what is being signed, asks for the PIN, signs on
//! the token in one session and returns the signature and the certificate
//! chain. Protocol: docs/agent-protocol.md.
//!
//! The key may also be a software key in a PKCS#8 file (its password is
//! asked at each signature). `kyso demo` starts one agent per demo
//! approver with `--demo-unattended`: no confirmation, allowed only for
//! the demo's own certificates in SoftHSM2 or key files.
mod confirm;
mod http;

use std::collections::{HashSet, VecDeque};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context as _, Result};
use clap::Args;
use der::Encode;
use kyso_crypto::pkcs11::ObjectClassName;
use x509_cert::Certificate;

use crate::token_cmd::TokenArgs;

#[derive(Args)]
pub struct AgentArgs {
    /// PKCS#11 module of the token (vendor .so/.dll/.dylib).
    #[arg(
        long,
        env = "KYSO_PKCS11_MODULE",
        value_name = "MODULE",
        required_unless_present = "key"
    )]
    pkcs11: Option<PathBuf>,
    /// Token label (default: the only token present).
    #[arg(long = "token", value_name = "LABEL")]
    token_label: Option<String>,
    /// Token serial number (instead of --token).
    #[arg(long, conflicts_with = "token_label")]
    token_serial: Option<String>,
    /// Label of the key (its certificate carries the same label, as
    /// `kyso token import-cert` stores it); default: the only key with a
    /// certificate.
    #[arg(long)]
    key_label: Option<String>,
    /// CKA_ID of the key, hex.
    #[arg(long, conflicts_with = "key_label")]
    key_id: Option<String>,
    /// Instead of a token: a software key in a PKCS#8 file (PEM or DER,
    /// encrypted with a password asked at every signature), with --cert.
    /// It takes precedence over --pkcs11 / KYSO_PKCS11_MODULE.
    #[arg(long, value_name = "KEY.pem", requires = "cert")]
    key: Option<PathBuf>,
    /// The certificate of --key (PEM or DER; its first certificate is the
    /// key's, further ones are its CA chain).
    #[arg(long, value_name = "CERT.pem", requires = "key")]
    cert: Option<PathBuf>,
    /// Address to listen on; must be a loopback address.
    #[arg(long, default_value = "127.0.0.1:8765")]
    listen: SocketAddr,
    /// Origin of a web page allowed to use the agent, e.g.
    /// https://ky.so.ninhbinh.gov.vn (repeatable). Without any, every
    /// request is refused.
    #[arg(long = "allow-origin", value_name = "URL")]
    allow_origin: Vec<String>,
    /// Enter the PIN on the token's PIN pad.
    #[arg(long)]
    pin_pad: bool,
    /// FOR AUTOMATED TESTS ONLY: enables --test-pin-env.
    #[arg(long)]
    insecure_test_hook: bool,
    /// FOR AUTOMATED TESTS ONLY (needs --insecure-test-hook): take the PIN
    /// from this environment variable instead of asking the user, and sign
    /// without the user's confirmation.
    #[arg(long, requires = "insecure_test_hook")]
    test_pin_env: Option<String>,
    /// DEMO ONLY (`kyso demo` starts its agents so): sign without asking,
    /// with the PIN or key password from the environment variable
    /// KYSO_DEMO_AGENT_SECRET. Refused unless the certificate is one
    /// `kyso demo` made (its subject carries the unit of [`DEMO_UNIT`]) and
    /// the key is in SoftHSM2 or a key file — never a hardware token.
    #[arg(long, conflicts_with_all = ["insecure_test_hook", "pin_pad"])]
    demo_unattended: bool,
}

/// The organizational unit `kyso demo` puts in the subject of every
/// personal certificate it makes; only such a certificate may sign
/// unattended (`--demo-unattended`).
pub const DEMO_UNIT: &str = "kyso demo - chứng thư thử nghiệm, không có giá trị pháp lý";

/// Where the demo agent reads its PIN or key password.
pub const DEMO_SECRET_ENV: &str = "KYSO_DEMO_AGENT_SECRET";

/// Where the key is.
#[derive(Clone)]
pub(crate) enum Holder {
    /// A PKCS#11 token (or SoftHSM2).
    Token(TokenArgs),
    /// An (encrypted) PKCS#8 key file.
    KeyFile(PathBuf),
}

/// Signing without a person at the keyboard.
#[derive(Clone)]
pub(crate) struct Unattended {
    /// The environment variable with the PIN or key password.
    pub secret_env: String,
    /// `--demo-unattended` (else the tests' hook).
    pub demo: bool,
}

/// The signer certificate and the CA certificates stored on the token.
#[derive(Clone)]
pub(crate) struct Identity {
    pub certificate: Certificate,
    pub certificate_der: Vec<u8>,
    pub chain: Vec<Certificate>,
}

/// Nonces already seen (bounded: the oldest are forgotten first; the
/// server's database is what guarantees one use).
pub(crate) struct SeenNonces {
    set: HashSet<String>,
    order: VecDeque<String>,
}

const MAX_SEEN: usize = 100_000;

impl SeenNonces {
    fn new() -> Self {
        SeenNonces {
            set: HashSet::new(),
            order: VecDeque::new(),
        }
    }

    /// False when `nonce` was seen before; else remembers it.
    pub fn insert(&mut self, nonce: &str) -> bool {
        if !self.set.insert(nonce.to_string()) {
            return false;
        }
        self.order.push_back(nonce.to_string());
        if self.order.len() > MAX_SEEN {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }
}

pub(crate) struct Agent {
    pub holder: Holder,
    pub identity: Identity,
    pub allowed: Vec<String>,
    pub listen: SocketAddr,
    pub seen: Mutex<SeenNonces>,
    /// One signature at a time (one prompt, one token session).
    pub busy: tokio::sync::Mutex<()>,
    pub pin_pad: bool,
    pub unattended: Option<Unattended>,
}

/// `scheme://host[:port]`, lower-case, no path or trailing slash.
pub(crate) fn normalize_origin(s: &str) -> Result<String> {
    let s = s.trim().trim_end_matches('/');
    let (scheme, rest) = s
        .split_once("://")
        .with_context(|| format!("--allow-origin {s:?}: give scheme://host[:port]"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        bail!("--allow-origin {s:?}: only http and https origins");
    }
    if rest.is_empty() || rest.contains('/') || rest.contains('?') || rest.contains('#') {
        bail!("--allow-origin {s:?}: an origin has no path (scheme://host[:port])");
    }
    Ok(format!("{scheme}://{}", rest.to_ascii_lowercase()))
}

/// Read the signer certificate (and CA certificates) from the token
/// without logging in: certificates are public objects.
fn identity(
    token: &TokenArgs,
    key_label: Option<String>,
    key_id: Option<String>,
) -> Result<Identity> {
    let session = token.session()?;
    let objects = session.objects()?;
    let public_ids: HashSet<Vec<u8>> = objects
        .iter()
        .filter(|o| o.class == ObjectClassName::PublicKey)
        .map(|o| o.id.clone())
        .collect();
    let want_id = match &key_id {
        Some(h) => Some(hex::decode(h.trim()).context("--key-id is not hex")?),
        None => None,
    };
    let mut candidates = Vec::new();
    let mut others = Vec::new();
    for (o, c) in crate::key_source::certificates_on_token(&objects) {
        let chosen = match (&key_label, &want_id) {
            (Some(l), _) => &o.label == l && public_ids.contains(&o.id),
            (None, Some(id)) => &o.id == id,
            (None, None) => public_ids.contains(&o.id),
        };
        if chosen {
            candidates.push(c);
        } else {
            others.push(c);
        }
    }
    let certificate = match candidates.len() {
        1 => candidates.remove(0),
        0 => bail!(
            "không tìm thấy chứng thư của khóa trên thiết bị (dùng `kyso token import-cert`) / no certificate for the key on the token (store it with `kyso token import-cert`)"
        ),
        n => bail!(
            "thiết bị có {n} chứng thư của khóa, chọn bằng --key-label hoặc --key-id / the token holds {n} key certificates: choose one with --key-label or --key-id"
        ),
    };
    let chain = crate::key_source::chain_above(&certificate, others);
    Ok(Identity {
        certificate_der: certificate.to_der()?,
        certificate,
        chain,
    })
}

/// The certificate of a key file: the first of `cert`, with the CA
/// certificates after it.
fn identity_of_file(cert: &Path) -> Result<Identity> {
    let mut certs = crate::key_source::read_certificates(cert)?;
    if certs.is_empty() {
        bail!(
            "{}: không có chứng thư / holds no certificate",
            cert.display()
        );
    }
    let certificate = certs.remove(0);
    let chain = crate::key_source::chain_above(&certificate, certs);
    Ok(Identity {
        certificate_der: certificate.to_der()?,
        certificate,
        chain,
    })
}

/// Whether `cert` is a certificate `kyso demo` made (see [`DEMO_UNIT`]).
pub(crate) fn is_demo_certificate(cert: &Certificate) -> bool {
    kyso_pki::name::SubjectName::from_name(&cert.tbs_certificate.subject)
        .map(|n| n.organizational_units.iter().any(|u| u == DEMO_UNIT))
        .unwrap_or(false)
}

/// The checks of `--demo-unattended`: a demo certificate, in SoftHSM2 or
/// a key file.
fn check_demo_key(holder: &Holder, identity: &Identity) -> Result<()> {
    if !is_demo_certificate(&identity.certificate) {
        bail!(
            "--demo-unattended chỉ dùng với chứng thư do `kyso demo` tạo / --demo-unattended only signs with a certificate `kyso demo` made (subject unit {DEMO_UNIT:?})"
        );
    }
    if let Holder::Token(t) = holder {
        let soft = t
            .module_path()
            .file_name()
            .is_some_and(|n| n.to_string_lossy().to_lowercase().contains("softhsm"));
        if !soft {
            bail!(
                "--demo-unattended không dùng với thiết bị thật / --demo-unattended never signs on a hardware token (only SoftHSM2 or a key file)"
            );
        }
    }
    if !std::env::var(DEMO_SECRET_ENV).is_ok_and(|v| !v.is_empty()) {
        bail!("--demo-unattended needs the PIN or key password in {DEMO_SECRET_ENV}");
    }
    Ok(())
}

fn banner(lines: &[String]) {
    let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 4;
    eprintln!("{}", "*".repeat(width));
    for l in lines {
        eprintln!("* {l:<w$} *", w = width - 4);
    }
    eprintln!("{}", "*".repeat(width));
}

pub async fn run(a: AgentArgs) -> Result<()> {
    if !a.listen.ip().is_loopback() {
        bail!(
            "kyso agent chỉ nghe trên 127.0.0.1 / kyso agent listens on loopback only, not {}",
            a.listen
        );
    }
    let allowed = a
        .allow_origin
        .iter()
        .map(|o| normalize_origin(o))
        .collect::<Result<Vec<_>>>()?;
    let holder = match (&a.key, &a.pkcs11) {
        (Some(key), _) => Holder::KeyFile(key.clone()),
        (None, Some(module)) => Holder::Token(TokenArgs::new(
            module.clone(),
            a.token_label.clone(),
            a.token_serial.clone(),
        )),
        (None, None) => bail!("cần --pkcs11 MODULE hoặc --key FILE --cert FILE / give --pkcs11 MODULE or --key FILE --cert FILE"),
    };
    let identity = match (&holder, &a.cert) {
        (Holder::KeyFile(_), Some(cert)) => identity_of_file(cert)?,
        (Holder::KeyFile(_), None) => bail!("--key cần --cert / --key needs --cert"),
        (Holder::Token(token), _) => {
            let (t, l, i) = (token.clone(), a.key_label.clone(), a.key_id.clone());
            tokio::task::spawn_blocking(move || identity(&t, l, i))
                .await
                .context("agent start")??
        }
    };
    let unattended = match (&a.test_pin_env, a.insecure_test_hook, a.demo_unattended) {
        (_, _, true) => {
            check_demo_key(&holder, &identity)?;
            banner(&[
                "CẢNH BÁO / WARNING: --demo-unattended (kyso demo)".into(),
                "Ký KHÔNG hỏi người dùng, bằng khóa thử nghiệm do kyso demo tạo.".into(),
                "Signs WITHOUT asking anyone, with a test key kyso demo made.".into(),
                "Chỉ để trình diễn — demonstration only, never real documents.".into(),
            ]);
            Some(Unattended {
                secret_env: DEMO_SECRET_ENV.into(),
                demo: true,
            })
        }
        (Some(v), true, false) => {
            banner(&[
                "CẢNH BÁO / WARNING: --insecure-test-hook: the PIN is taken from".into(),
                format!("${v} and documents are signed WITHOUT asking the user."),
                "For automated tests only — never on a signer's computer.".into(),
            ]);
            Some(Unattended {
                secret_env: v.clone(),
                demo: false,
            })
        }
        (None, true, false) => {
            bail!("--insecure-test-hook chỉ dùng với --test-pin-env / --insecure-test-hook only goes with --test-pin-env")
        }
        _ => None,
    };
    let listener = tokio::net::TcpListener::bind(a.listen)
        .await
        .with_context(|| format!("cannot listen on {}", a.listen))?;
    let addr = listener.local_addr()?;
    let cert = &identity.certificate;
    println!("kyso agent đang nghe / kyso agent is listening on http://{addr}");
    println!(
        "  Chứng thư / certificate: {} (serial {})",
        kyso_pki::name::display_name(&cert.tbs_certificate.subject),
        kyso_pki::certificate::serial_hex(cert)
    );
    if allowed.is_empty() {
        println!("  Chưa cho phép trang nào (--allow-origin) — mọi yêu cầu bị từ chối / no origin allowed (--allow-origin): every request is refused");
    } else {
        println!(
            "  Trang được phép / allowed origins: {}",
            allowed.join(", ")
        );
    }
    use std::io::Write;
    std::io::stdout().flush()?;
    let demo = a.demo_unattended;
    let agent = Arc::new(Agent {
        holder,
        identity,
        allowed,
        listen: addr,
        seen: Mutex::new(SeenNonces::new()),
        busy: tokio::sync::Mutex::new(()),
        pin_pad: a.pin_pad,
        unattended,
    });
    let app = http::routes(agent);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            if demo {
                // The demo's agents end with `kyso demo`: it holds their
                // stdin, which closes when it exits, however it exits.
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = stdin_closed() => {}
                }
            } else {
                let _ = tokio::signal::ctrl_c().await;
            }
        })
        .await?;
    Ok(())
}

/// Resolves when standard input reaches its end (or fails).
async fn stdin_closed() {
    use tokio::io::AsyncReadExt;
    let mut stdin = tokio::io::stdin();
    let mut buf = [0u8; 256];
    loop {
        match stdin.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalized_and_checked() {
        assert_eq!(
            normalize_origin("HTTPS://Ky.So.gov.vn/").unwrap(),
            "https://ky.so.gov.vn"
        );
        assert_eq!(
            normalize_origin("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(normalize_origin("ky.so.gov.vn").is_err());
        assert!(normalize_origin("https://ky.so.gov.vn/sign").is_err());
        assert!(normalize_origin("file://x").is_err());
    }

    #[test]
    fn a_nonce_is_seen_once() {
        let mut s = SeenNonces::new();
        assert!(s.insert("a"));
        assert!(!s.insert("a"));
        assert!(s.insert("b"));
    }
}
