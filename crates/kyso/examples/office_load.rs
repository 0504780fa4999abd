//! Load driver of the document office (scripts/bench-office.sh): against
//! one or more `kyso serve` replicas of a fresh deployment (after `kyso ca
//! init` and `kyso office init`), it sets up the sender agency's clerk,
//! seal key and image and five recipient agencies through the API, then
//! has `--clients` concurrent API clients (each its own connection pool,
//! spread over the replicas) take documents end to end, as the clerk of the
//! one-signature flow (R-FLOW-SEAL) does:
//!
//! 1. `POST /api/v1/documents` — upload a scanned PDF (one A4 page, a
//!    200 dpi colour image, Flate-compressed, ~590 KiB with the default
//!    `--scan-kb 300`: the size is shown in the table);
//! 2. `POST /api/v1/documents/{id}/seal` — take the next number, seal with
//!    the organization key (PAdES with a time-stamp of kyso's TSA), store
//!    the blob;
//! 3. `POST /api/v1/documents/{id}/issue` — verify the sealed file, deliver
//!    to the five recipients (status 01, the verification report kept as
//!    the arrival check), time-stamp the issue, audit.
//!
//! Every answer is checked (status, state, number, five deliveries with
//! their verification); a document counts only when all three steps
//! succeeded. Prints one row of a Markdown table: documents per second
//! (completed documents over the wall time of the measured phase) and
//! p50/p99 latency of the requests, all and per step. A warm-up round of
//! `--clients` documents comes first and is not counted.
//!
//! ```text
//! office_load --base http://127.0.0.1:8080 [--base …] --admin quantri \
//!     [--password-env KYSO_ADMIN_PASSWORD] [--docs 500] [--clients 32] \
//!     [--recipients 5] [--label sqlite] [--header]
//! ```
use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use reqwest::{multipart, Client, Method, RequestBuilder};
use serde_json::{json, Value};

struct Args {
    bases: Vec<String>,
    admin: String,
    password: String,
    docs: usize,
    clients: usize,
    recipients: usize,
    scan_kb: usize,
    label: String,
    header: bool,
}

fn args() -> Result<Args> {
    let mut a = Args {
        bases: vec![],
        admin: "quantri".into(),
        password: String::new(),
        docs: 500,
        clients: 32,
        recipients: 5,
        scan_kb: 300,
        label: "kyso".into(),
        header: false,
    };
    let mut password_env = "KYSO_ADMIN_PASSWORD".to_string();
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().with_context(|| format!("{k} needs a value"));
        match k.as_str() {
            "--base" => a.bases.push(v()?.trim_end_matches('/').to_string()),
            "--admin" => a.admin = v()?,
            "--password-env" => password_env = v()?,
            "--docs" => a.docs = v()?.parse()?,
            "--clients" => a.clients = v()?.parse()?,
            "--recipients" => a.recipients = v()?.parse()?,
            "--scan-kb" => a.scan_kb = v()?.parse()?,
            "--label" => a.label = v()?,
            "--header" => a.header = true,
            _ => bail!("unknown argument {k}"),
        }
    }
    if a.bases.is_empty() || a.clients == 0 {
        bail!("usage: office_load --base URL [--base URL …] [--docs N] [--clients N] …");
    }
    a.password = std::env::var(&password_env)
        .with_context(|| format!("the administrator's password is not in {password_env}"))?;
    Ok(a)
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("HTTP client")
}

/// A caller of the API with a bearer token.
#[derive(Clone)]
struct Api {
    base: String,
    token: String,
    http: Client,
}

impl Api {
    fn req(&self, m: Method, path: &str) -> RequestBuilder {
        self.http
            .request(m, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }
}

/// Sends and reads the JSON answer; an error unless the status is `want`.
async fn call(rb: RequestBuilder, want: u16, what: &str) -> Result<Value> {
    let r = rb.send().await.with_context(|| what.to_string())?;
    let status = r.status().as_u16();
    let body = r.bytes().await?;
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if status != want {
        bail!("{what}: {status} {}", String::from_utf8_lossy(&body));
    }
    Ok(v)
}

/// Logs in `user` and makes an API token with every scope.
async fn token_of(base: &str, user: &str, password: &str) -> Result<Api> {
    let http = client();
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await?;
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    let (Some(cookie), true) = (cookie, status.is_success()) else {
        bail!("login {user}: {status} {v}");
    };
    let t = call(
        http.post(format!("{base}/api/v1/me/tokens"))
            .header("cookie", cookie)
            .header("x-csrf-token", v["csrf"].as_str().unwrap_or_default())
            .json(&json!({"name": "bench", "scopes": ["read", "write", "admin"], "valid_days": 1})),
        201,
        "token",
    )
    .await?;
    Ok(Api {
        base: base.to_string(),
        token: t["token"].as_str().context("token")?.to_string(),
        http,
    })
}

/// The sender agency, its clerk (a token) and the recipient agencies.
struct Setup {
    sender: i64,
    clerk_token: String,
    recipients: Vec<i64>,
}

async fn setup(a: &Args) -> Result<Setup> {
    let base = &a.bases[0];
    let admin = token_of(base, &a.admin, &a.password).await?;
    let agencies = call(admin.req(Method::GET, "/api/v1/agencies"), 200, "agencies").await?;
    let sender = agencies
        .as_array()
        .and_then(|l| l.iter().find(|x| x["parent_id"].is_null()))
        .and_then(|x| x["id"].as_i64())
        .context("no top agency: run `kyso office init` first")?;
    let mut recipients = vec![];
    for i in 0..a.recipients {
        let short = format!("S{:02}", i + 1);
        let v = call(
            admin.req(Method::POST, "/api/v1/agencies").json(&json!({
                "parent_id": sender, "code": format!("000.{:02}.00.H45", i + 1),
                "name": format!("Sở thử tải {}", i + 1), "short_name": short,
                "level": "department", "email": format!("{}@bench.gov.vn", short.to_lowercase())})),
            201,
            "agency",
        )
        .await?;
        recipients.push(v["id"].as_i64().context("agency id")?);
    }
    call(
        admin.req(Method::POST, "/api/v1/people").json(&json!({
            "username": "vanthu.bench", "full_name": "Văn thư thử tải",
            "email": "vanthu@bench.gov.vn", "password": a.password,
            "memberships": [{"agency_id": sender, "role": "clerk"}]})),
        201,
        "clerk",
    )
    .await?;
    call(
        admin
            .req(Method::PUT, &format!("/api/v1/agencies/{sender}/seal-key"))
            .json(&json!({"kind": "generate"})),
        200,
        "seal key",
    )
    .await?;
    let clerk = token_of(base, "vanthu.bench", &a.password).await?;
    call(
        clerk
            .req(
                Method::PUT,
                &format!("/api/v1/agencies/{sender}/seal-image"),
            )
            .header("content-type", "image/png")
            .body(seal_png()?),
        200,
        "seal image",
    )
    .await?;
    Ok(Setup {
        sender,
        clerk_token: clerk.token,
        recipients,
    })
}

/// A red round seal, 240×240 RGBA.
fn seal_png() -> Result<Vec<u8>> {
    let n = 240u32;
    let mut px = Vec::with_capacity((n * n * 4) as usize);
    let c = n as f32 / 2.0;
    for y in 0..n {
        for x in 0..n {
            let r = ((x as f32 - c).powi(2) + (y as f32 - c).powi(2)).sqrt();
            let ink = (r < c - 2.0 && r > c - 14.0) || (r < c * 0.35);
            px.extend_from_slice(if ink {
                &[200, 20, 20, 230]
            } else {
                &[0, 0, 0, 0]
            });
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, n, n);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()?.write_image_data(&px)?;
    Ok(out)
}

/// A scanned A4 page: one colour image of 1654×2339 pixels drawn over
/// the page (200 dpi), Flate-compressed to about `kb` KiB (white paper
/// with noisy "text" rows), written by hand with a correct xref table.
fn scan_pdf(kb: usize) -> Vec<u8> {
    use flate2::write::ZlibEncoder;
    let (w, h) = (1654usize, 2339usize);
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    // The share of noisy rows that gives roughly `kb` KiB compressed.
    let noisy_rows = (kb * 1024 / (w * 3 / 4)).min(h);
    let mut raw = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        let noisy = y * noisy_rows / h != (y + 1) * noisy_rows / h;
        for _ in 0..w {
            if noisy {
                let v = (next() & 0x3f) as u8 + 40;
                raw.extend_from_slice(&[v, v, v]);
            } else {
                raw.extend_from_slice(&[250, 250, 248]);
            }
        }
    }
    let mut z = ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(&raw).expect("compress");
    let image = z.finish().expect("compress");
    let content = b"q 595 0 0 842 0 0 cm /Im1 Do Q\n".to_vec();
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = vec![];
    let mut obj = |out: &mut Vec<u8>, n: usize, head: String, stream: Option<&[u8]>| {
        offsets.push((n, out.len()));
        out.extend_from_slice(format!("{n} 0 obj\n{head}").as_bytes());
        if let Some(s) = stream {
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(s);
            out.extend_from_slice(b"\nendstream");
        }
        out.extend_from_slice(b"\nendobj\n");
    };
    obj(
        &mut out,
        1,
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        None,
    );
    obj(
        &mut out,
        2,
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
        None,
    );
    obj(
        &mut out,
        3,
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>".into(),
        None,
    );
    obj(
        &mut out,
        4,
        format!("<< /Length {} >>", content.len()),
        Some(&content),
    );
    obj(
        &mut out,
        5,
        format!("<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode /Length {} >>", image.len()),
        Some(&image),
    );
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 6\n0000000000 65535 f \n");
    offsets.sort();
    for (_, off) in &offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

/// What one request took.
#[derive(Clone, Copy)]
enum Step {
    Create,
    Seal,
    Issue,
}

#[derive(Default)]
struct Stats {
    /// (step, latency) of every successful request.
    latencies: Vec<(usize, Duration)>,
    done: usize,
    errors: Vec<String>,
}

/// One document end to end as the clerk on `api`.
async fn one_document(
    api: &Api,
    s: &Setup,
    scan: &[u8],
    i: usize,
    lat: &mut Vec<(usize, Duration)>,
) -> Result<()> {
    let meta = json!({"type_code": "CV", "subject": format!("Văn bản thử tải số {i}"),
                      "category": "cong-van", "priority": "thuong", "copies": 1,
                      "recipients": s.recipients});
    let form = multipart::Form::new()
        .text("agency_id", s.sender.to_string())
        .text("flow", "seal")
        .part(
            "metadata",
            multipart::Part::text(meta.to_string()).mime_str("application/json")?,
        )
        .part(
            "file",
            multipart::Part::bytes(scan.to_vec())
                .file_name("ban-quet.pdf")
                .mime_str("application/pdf")?,
        );
    let t = Instant::now();
    let d = call(
        api.req(Method::POST, "/api/v1/documents").multipart(form),
        201,
        "create",
    )
    .await?;
    lat.push((Step::Create as usize, t.elapsed()));
    let id = d["id"].as_i64().context("id")?;
    let t = Instant::now();
    let d = call(
        api.req(Method::POST, &format!("/api/v1/documents/{id}/seal")),
        200,
        "seal",
    )
    .await?;
    lat.push((Step::Seal as usize, t.elapsed()));
    if d["state"] != "sealed" || d["number"].as_i64().is_none() {
        bail!("seal {id}: {d}");
    }
    let t = Instant::now();
    let d = call(
        api.req(Method::POST, &format!("/api/v1/documents/{id}/issue")),
        200,
        "issue",
    )
    .await?;
    lat.push((Step::Issue as usize, t.elapsed()));
    let delivered = d["recipients"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter(|x| x["delivery_id"].is_i64() && x["status"] == "01")
                .count()
        })
        .unwrap_or(0);
    let verified = d["files"]
        .as_array()
        .is_some_and(|f| f.iter().any(|x| x["role"] == "verification"));
    if d["state"] != "issued" || delivered != s.recipients.len() || !verified {
        bail!("issue {id}: {d}");
    }
    Ok(())
}

/// `n` documents by `clients` concurrent clients; the wall time.
async fn run(a: &Args, s: &Arc<Setup>, scan: &Arc<Vec<u8>>, n: usize) -> (Duration, Stats) {
    let next = Arc::new(AtomicUsize::new(0));
    let stats = Arc::new(Mutex::new(Stats::default()));
    let start = Instant::now();
    let mut tasks = vec![];
    for c in 0..a.clients {
        let api = Api {
            base: a.bases[c % a.bases.len()].clone(),
            token: s.clerk_token.clone(),
            http: client(),
        };
        let (s, scan, next, stats) = (s.clone(), scan.clone(), next.clone(), stats.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = vec![];
            let mut done = 0;
            let mut errors = vec![];
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                match one_document(&api, &s, &scan, i, &mut lat).await {
                    Ok(()) => done += 1,
                    Err(e) => errors.push(format!("{e:#}")),
                }
            }
            let mut st = stats.lock().unwrap();
            st.latencies.extend(lat);
            st.done += done;
            st.errors.extend(errors);
        }));
    }
    for t in tasks {
        t.await.expect("client task");
    }
    let wall = start.elapsed();
    let st = std::mem::take(&mut *stats.lock().unwrap());
    (wall, st)
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort();
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Result<()> {
    let a = args()?;
    let scan = Arc::new(scan_pdf(a.scan_kb));
    let s = Arc::new(setup(&a).await.context("setting up the agencies")?);
    let (_, warm) = run(&a, &s, &scan, a.clients).await;
    if let Some(e) = warm.errors.first() {
        bail!("warm-up failed: {e}");
    }
    let (wall, mut st) = run(&a, &s, &scan, a.docs).await;
    for e in st.errors.iter().take(5) {
        eprintln!("error: {e}");
    }
    let mut all: Vec<Duration> = st.latencies.iter().map(|(_, d)| *d).collect();
    let by = |k: Step| -> Vec<Duration> {
        st.latencies
            .iter()
            .filter(|(s, _)| *s == k as usize)
            .map(|(_, d)| *d)
            .collect()
    };
    let (mut c, mut se, mut is) = (by(Step::Create), by(Step::Seal), by(Step::Issue));
    if a.header {
        println!(
            "| setup | replicas | clients | docs (scan KiB) | errors | wall s | docs/s | p50 ms | p99 ms | create p50/p99 | seal p50/p99 | issue p50/p99 |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    }
    println!(
        "| {} | {} | {} | {} ({}) | {} | {:.1} | {:.1} | {:.0} | {:.0} | {:.0}/{:.0} | {:.0}/{:.0} | {:.0}/{:.0} |",
        a.label,
        a.bases.len(),
        a.clients,
        st.done,
        scan.len() / 1024,
        st.errors.len(),
        wall.as_secs_f64(),
        st.done as f64 / wall.as_secs_f64(),
        pct(&mut all, 0.50),
        pct(&mut all, 0.99),
        pct(&mut c, 0.50),
        pct(&mut c, 0.99),
        pct(&mut se, 0.50),
        pct(&mut se, 0.99),
        pct(&mut is, 0.50),
        pct(&mut is, 0.99),
    );
    st.latencies.clear();
    if !st.errors.is_empty() {
        bail!("{} documents failed", st.errors.len());
    }
    Ok(())
}
