//! The demo's signing agents: one `kyso agent` per approver — as each
//! approver has a token and an agent of their own on their computer —
//! started beside the server on loopback, each with its approver's
//! software token, `--demo-unattended` (it signs without asking, which
//! it allows only for the demo's own keys) and the server's origin
//! allowed. They speak docs/agent-protocol.md like any agent; the demo's
//! own approvals go through them too ([`approve`]).
//!
//! An agent's stdin is a pipe held by `kyso demo`: when the demo ends,
//! however it ends, the pipe closes and the agent exits.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use kyso_office::document::DocumentView;
use kyso_office::{Actor, Office};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

use super::state::{DemoApprover, KeyHolder};
use crate::agent::DEMO_SECRET_ENV;

/// A running agent.
pub struct RunningAgent {
    pub username: String,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    _child: tokio::process::Child,
    _stdin: tokio::process::ChildStdin,
}

/// Starts the agent of `a` on `port` (0: any free port) allowing
/// `origins`; returns when it listens.
pub async fn start(
    data: &Path,
    a: &DemoApprover,
    port: u16,
    origins: &[String],
) -> Result<RunningAgent> {
    let logs = super::state::dir(data).join("agents");
    std::fs::create_dir_all(&logs)?;
    let log = std::fs::File::create(logs.join(format!("{}.log", a.username)))?;
    let mut c = tokio::process::Command::new(std::env::current_exe()?);
    c.arg("agent")
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--demo-unattended",
        ])
        .env(DEMO_SECRET_ENV, &a.secret)
        .env_remove("KYSO_PKCS11_MODULE")
        .env("KYSO_LOG", "warn");
    for o in origins {
        c.args(["--allow-origin", o]);
    }
    match &a.holder {
        KeyHolder::Softhsm { module, token } => {
            c.env("SOFTHSM2_CONF", super::keys::softhsm_conf(data)?)
                .arg("--pkcs11")
                .arg(module)
                .args(["--token", token, "--key-label", &a.username]);
        }
        KeyHolder::File { key, cert } => {
            c.arg("--key").arg(key).arg("--cert").arg(cert);
        }
    }
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .kill_on_drop(true);
    let mut child = c.spawn().context("cannot start kyso agent")?;
    let stdin = child.stdin.take().context("agent stdin")?;
    let stdout = child.stdout.take().context("agent stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .ok()
        .and_then(|l| l.ok().flatten())
        .unwrap_or_default();
    let Some(url) = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .map(str::to_string)
    else {
        bail!(
            "kyso agent của {} không khởi động được / the agent of {} did not start (port {port} taken? see {})",
            a.username,
            a.username,
            logs.join(format!("{}.log", a.username)).display()
        );
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(RunningAgent {
        username: a.username.clone(),
        url,
        _child: child,
        _stdin: stdin,
    })
}

fn client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?)
}

async fn agent_json(rb: reqwest::RequestBuilder) -> Result<Value> {
    let r = rb.send().await.context("cannot reach the agent")?;
    let status = r.status();
    let v: Value = r.json().await.context("the agent's answer is not JSON")?;
    if !status.is_success() {
        bail!("the agent refused ({status}): {}", v["message"]);
    }
    Ok(v)
}

/// The approver's signature of document `id` as production makes it:
/// the agent reports its certificate, the office prepares the document
/// for it, the agent signs the digest, the office finalizes.
pub async fn approve(
    office: &Office,
    actor: &Actor,
    id: i64,
    agent_url: &str,
    origin: &str,
) -> Result<DocumentView> {
    let http = client()?;
    let c = agent_json(
        http.get(format!("{agent_url}/v1/certificate"))
            .header("origin", origin),
    )
    .await?;
    let cert_b64 = c["certificate"].as_str().context("agent certificate")?;
    let cert = kyso_office::remote_signing::certificate_from_b64(cert_b64)?;
    let p = office.prepare_approval(actor, id, &cert).await?;
    let s = agent_json(
        http.post(format!("{agent_url}/v1/sign"))
            .header("origin", origin)
            .json(&json!({
                "nonce": p.nonce, "digest": p.digest, "algorithm": p.algorithm,
                "title": p.title, "agency": p.agency, "certificate": cert_b64,
            })),
    )
    .await?;
    let sig = B64
        .decode(s["signature"].as_str().context("agent signature")?)
        .context("the agent's signature is not base64")?;
    Ok(office
        .finalize_approval(actor, id, &p.nonce, &sig, &cert)
        .await?)
}
