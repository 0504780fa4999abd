//! `kyso doc …`: the document office from the command line, through the
//! REST API of a `kyso serve` with an API token (integrators, scripts,
//! and approvers who sign with their token from the terminal). Every
//! command is one API call or a short sequence of them; `--json` prints
//! the API's answer as it is.

pub(crate) mod client;
mod search;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use clap::{Args, Subcommand};
use der::Encode;
use reqwest::blocking::multipart;
use serde_json::{json, Value};

use client::Api;

use crate::key_source::KeySourceArgs;

/// Where the API is and how to call it (`kyso doc`, `kyso desk`).
#[derive(Args)]
pub struct ServerArgs {
    /// The kyso server.
    #[arg(
        long,
        global = true,
        env = "KYSO_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    pub server: String,
    /// Environment variable holding the API token (`kyso doc login` makes one).
    #[arg(long, global = true, default_value = "KYSO_API_TOKEN")]
    pub token_env: String,
    /// Print the API's JSON answer.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Args)]
pub struct DocArgs {
    #[command(flatten)]
    api: ServerArgs,
    #[command(subcommand)]
    command: DocCommand,
}

#[derive(Subcommand)]
pub enum DocCommand {
    /// Đăng nhập và tạo mã truy cập API / log in with a password and print
    /// a new API token (`export KYSO_API_TOKEN=…`).
    Login {
        #[arg(long)]
        user: String,
        /// Name of the token.
        #[arg(long, default_value = "kyso doc")]
        name: String,
        /// Scopes: read, write, admin (comma separated).
        #[arg(long, default_value = "read,write")]
        scopes: String,
        /// Days the token is valid.
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// Environment variable with the password (else a no-echo prompt).
        #[arg(long, default_value = "KYSO_PASSWORD")]
        password_env: String,
    },
    /// Tạo dự thảo / create a draft (two-signature flow) or a scanned
    /// original to seal (`--flow seal`).
    Create(Box<CreateArgs>),
    /// Danh sách văn bản đi / list outgoing documents.
    List {
        #[arg(long)]
        agency: Option<String>,
        #[arg(long)]
        state: Option<String>,
        /// Words of the subject or number (accents optional).
        #[arg(long)]
        q: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Xem văn bản / show a document with its files and recipients.
    Show { id: i64 },
    /// Tìm văn bản / search documents by words (accents optional) and
    /// filters, with the matched words marked.
    Search(search::SearchArgs),
    /// Trình ký / submit a draft to the approver.
    Submit { id: i64 },
    /// Trả lại / return a submitted draft with a comment.
    Return {
        id: i64,
        #[arg(long)]
        comment: String,
    },
    /// Hủy dự thảo / cancel a draft.
    Cancel { id: i64 },
    /// Ký duyệt / approve: sign with YOUR key (token, PKCS#12 or key file)
    /// here; the server prepares the document and never sees the key.
    Approve {
        id: i64,
        #[command(flatten)]
        key: Box<KeySourceArgs>,
    },
    /// Ký duyệt qua kyso agent / approve with the key of a running `kyso
    /// agent` (the approver's token; `kyso demo` starts one per approver):
    /// this command asks the agent as the server's web page would (Origin
    /// = the server), so the agent must allow the server's origin.
    ApproveAgent {
        id: i64,
        /// The agent's address.
        #[arg(long, default_value = "http://127.0.0.1:8765")]
        agent: String,
    },
    /// Cấp số và đóng dấu số / number from the register and seal with the
    /// agency's key (clerk).
    Seal { id: i64 },
    /// Phát hành / issue to every recipient.
    Issue { id: i64 },
    /// Thu hồi / recall an issued document.
    Recall {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Đăng lên cổng thông tin / publish an issued document on the
    /// agency's public portal page (clerk or head of the issuing agency).
    Publish {
        id: i64,
        /// schedule (lịch công tác), legal (văn bản pháp luật, chỉ đạo
        /// điều hành) or notice (thông báo).
        #[arg(long, value_parser = ["schedule", "legal", "notice"])]
        section: String,
    },
    /// Gỡ khỏi cổng thông tin / withdraw a document from the portal.
    Unpublish { id: i64 },
    /// Tải tệp / download a file of a document (default: the newest signed one).
    Download {
        id: i64,
        /// File id (see `show`); default: sealed, else approved, else draft.
        #[arg(long)]
        file: Option<i64>,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Văn bản đến / the incoming queue.
    Inbox {
        #[arg(long)]
        agency: Option<String>,
        /// Status code, e.g. 01.
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        q: Option<String>,
    },
    /// Xem văn bản đến / show an incoming document.
    Incoming { id: i64 },
    /// Vào sổ văn bản đến / register an incoming document (takes its
    /// incoming number).
    Register { id: i64 },
    /// Từ chối tiếp nhận / reject an incoming document.
    Reject {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Phân công xử lý / assign an incoming document.
    Assign {
        id: i64,
        #[arg(long)]
        person: Option<i64>,
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Đang xử lý / mark as being processed.
    Process { id: i64 },
    /// Hoàn thành / mark as completed.
    Complete { id: i64 },
    /// Trả lời yêu cầu thu hồi / answer a recall: accept, or refuse with a reason.
    AnswerRecall {
        id: i64,
        #[arg(long)]
        accept: bool,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Sổ đăng ký / a register: `out` or `in` of a year (CSV with --csv).
    Registry {
        agency: String,
        direction: String,
        year: i32,
        #[arg(long)]
        csv: Option<PathBuf>,
    },
    /// Nhật ký / the audit log (newest first).
    Audit {
        #[arg(long)]
        agency: Option<String>,
        #[arg(long)]
        action: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Check the whole chain and its time-stamps instead.
        #[arg(long)]
        verify: bool,
    },
}

#[derive(Args)]
pub struct CreateArgs {
    /// The main document (PDF).
    file: PathBuf,
    /// Issuing agency: id or official code.
    #[arg(long)]
    agency: String,
    /// `two` (drafter, approver's signature then seal) or `seal` (clerk's scan).
    #[arg(long, default_value = "two")]
    flow: String,
    /// Type abbreviation: CV, QĐ, TB, BC, KH, GM, …
    #[arg(long = "type")]
    type_code: String,
    /// Subject (trích yếu).
    #[arg(long)]
    subject: String,
    /// Category code.
    #[arg(long)]
    category: Option<String>,
    /// thuong, khan, thuong_khan, hoa_toc.
    #[arg(long, default_value = "thuong")]
    priority: String,
    /// Due date, YYYY-MM-DD.
    #[arg(long)]
    due: Option<String>,
    /// Recipients: ids or official codes, comma separated.
    #[arg(long, value_delimiter = ',')]
    to: Vec<String>,
    #[arg(long)]
    copies: Option<i32>,
    /// Separate attachments (each sealed with the agency's key).
    #[arg(long)]
    attach: Vec<PathBuf>,
    /// The approver's box: PAGE:x1,y1,x2,y2 (default: above the signer's name).
    #[arg(long)]
    approver_box: Option<String>,
    /// Idempotency-Key: a retried command creates nothing twice.
    #[arg(long)]
    idempotency_key: Option<String>,
}

fn print(json_out: bool, v: &Value, human: impl FnOnce(&Value) -> String) {
    if json_out {
        println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
    } else {
        println!("{}", human(v));
    }
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn doc_line(d: &Value) -> String {
    format!(
        "#{:<5} {:<12} {:<14} {:<4} {}",
        d.get("id").and_then(Value::as_i64).unwrap_or(0),
        s(d, "state"),
        d.get("number_text").and_then(Value::as_str).unwrap_or("-"),
        s(d, "type_code"),
        s(d, "subject")
    )
}

fn doc_text(d: &Value) -> String {
    let mut out = vec![
        doc_line(d),
        format!(
            "  Cơ quan / agency: {} ({})",
            s(d, "agency_name"),
            s(d, "agency_code")
        ),
        format!(
            "  Trạng thái / state: {} — {}",
            s(d, "state"),
            s(d, "state_name")
        ),
    ];
    if let Some(files) = d.get("files").and_then(Value::as_array) {
        out.push("  Tệp / files:".into());
        for f in files {
            out.push(format!(
                "    [{}] {:<22} {} ({} B)",
                f.get("id").and_then(Value::as_i64).unwrap_or(0),
                s(f, "role"),
                s(f, "name"),
                f.get("size").and_then(Value::as_i64).unwrap_or(0)
            ));
        }
    }
    if let Some(rs) = d.get("recipients").and_then(Value::as_array) {
        out.push("  Nơi nhận / recipients:".into());
        for r in rs {
            out.push(format!(
                "    {} {} — {}",
                s(r, "agency_code"),
                s(r, "agency_name"),
                r.get("status")
                    .and_then(Value::as_str)
                    .map(|c| format!("{c} {}", s(r, "status_name")))
                    .unwrap_or_else(|| "chưa phát hành / not issued".into())
            ));
        }
    }
    if let Some(a) = d.get("next_actions").and_then(Value::as_array) {
        let names: Vec<&str> = a.iter().filter_map(Value::as_str).collect();
        out.push(format!("  Tiếp theo / next: {}", names.join(", ")));
    }
    out.join("\n")
}

fn incoming_line(v: &Value) -> String {
    format!(
        "#{:<5} {} {:<26} {:<14} {:<13} {}",
        v.get("id").and_then(Value::as_i64).unwrap_or(0),
        s(v, "status"),
        s(v, "status_name"),
        v.get("number_text").and_then(Value::as_str).unwrap_or("-"),
        s(v, "verification"),
        s(v, "subject")
    )
}

/// An agency given as id or official code.
fn agency_id(api: &Api, a: &str) -> Result<i64> {
    if let Ok(id) = a.parse::<i64>() {
        return Ok(id);
    }
    let list: Vec<Value> = api.get(&format!("/api/v1/agencies?q={}", urlencode(a)))?;
    list.iter()
        .find(|x| s(x, "code") == a)
        .and_then(|x| x.get("id").and_then(Value::as_i64))
        .with_context(|| format!("không có cơ quan mã {a} / no agency with code {a}"))
}

pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(crate) fn query(pairs: &[(&str, Option<String>)]) -> String {
    let q: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", urlencode(v))))
        .collect();
    if q.is_empty() {
        String::new()
    } else {
        format!("?{}", q.join("&"))
    }
}

fn file_part(path: &PathBuf) -> Result<multipart::Part> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("không đọc được / cannot read {}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tep".into());
    let mime = if bytes.starts_with(b"%PDF-") {
        "application/pdf"
    } else {
        "application/octet-stream"
    };
    Ok(multipart::Part::bytes(bytes)
        .file_name(name)
        .mime_str(mime)?)
}

fn parse_box(s: &str) -> Result<Value> {
    let (page, rect) = s.split_once(':').context("PAGE:x1,y1,x2,y2")?;
    let r: Vec<f32> = rect
        .split(',')
        .map(|x| x.trim().parse::<f32>())
        .collect::<Result<_, _>>()
        .context("PAGE:x1,y1,x2,y2")?;
    if r.len() != 4 {
        bail!("PAGE:x1,y1,x2,y2");
    }
    Ok(json!({"page": page.parse::<u32>().context("PAGE:x1,y1,x2,y2")?, "rect": r}))
}

/// `kyso print`: the print-out of an issued document (R-PRINT).
#[derive(Args)]
pub struct PrintArgs {
    #[command(flatten)]
    api: ServerArgs,
    /// The document's id.
    id: i64,
    /// Where to write the print-out (PDF).
    #[arg(short, long)]
    out: PathBuf,
}

/// Fetches `GET /api/v1/documents/{id}/print` into `--out`.
pub async fn print_copy(a: PrintArgs) -> Result<()> {
    tokio::task::spawn_blocking(move || {
        let token = std::env::var(&a.api.token_env)
            .ok()
            .filter(|t| !t.is_empty());
        if token.is_none() {
            bail!(
                "cần mã truy cập API trong biến {} (tạo bằng `kyso doc login --user TÊN`) / an API token is needed in {} (make one with `kyso doc login --user NAME`)",
                a.api.token_env,
                a.api.token_env
            );
        }
        let api = Api::new(&a.api.server, token)?;
        let bytes = api.get_bytes(&format!("/api/v1/documents/{}/print", a.id))?;
        std::fs::write(&a.out, &bytes).with_context(|| a.out.display().to_string())?;
        if a.api.json {
            println!(
                "{}",
                json!({"document_id": a.id, "output": a.out.display().to_string(), "size": bytes.len()})
            );
        } else {
            eprintln!("{} ({} B)", a.out.display(), bytes.len());
        }
        Ok(())
    })
    .await?
}

pub async fn run(a: DocArgs) -> Result<()> {
    tokio::task::spawn_blocking(move || run_blocking(a)).await?
}

fn run_blocking(a: DocArgs) -> Result<()> {
    let token = std::env::var(&a.api.token_env)
        .ok()
        .filter(|t| !t.is_empty());
    let mut api = Api::new(&a.api.server, token.clone())?;
    let j = a.api.json;
    if !matches!(a.command, DocCommand::Login { .. }) && token.is_none() {
        bail!(
            "cần mã truy cập API trong biến {} (tạo bằng `kyso doc login --user TÊN`) / an API token is needed in {} (make one with `kyso doc login --user NAME`)",
            a.api.token_env,
            a.api.token_env
        );
    }
    let act = |api: &Api, id: i64, what: &str, body: Value| -> Result<()> {
        let d: Value = api.post(&format!("/api/v1/documents/{id}/{what}"), &body)?;
        print(j, &d, doc_text);
        Ok(())
    };
    let incoming_act = |api: &Api, id: i64, what: &str, body: Value| -> Result<()> {
        let v: Value = api.post(&format!("/api/v1/inbox/{id}/{what}"), &body)?;
        print(j, &v, incoming_line);
        Ok(())
    };
    match a.command {
        DocCommand::Login {
            user,
            name,
            scopes,
            days,
            password_env,
        } => {
            let pw = crate::key_source::password_from(
                &password_env,
                &format!("Mật khẩu / password ({user}): "),
            )?;
            api.login(&user, &pw)?;
            let scopes: Vec<&str> = scopes
                .split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .collect();
            let t: Value = api.post(
                "/api/v1/me/tokens",
                &json!({"name": name, "scopes": scopes, "valid_days": days}),
            )?;
            if j {
                print(true, &t, |_| String::new());
            } else {
                eprintln!("Mã truy cập mới (chỉ hiện một lần) / new API token (shown once):");
                println!("{}", s(&t, "token"));
                eprintln!("export {}=…", a.api.token_env);
            }
        }
        DocCommand::Create(c) => {
            let agency = agency_id(&api, &c.agency)?;
            let recipients =
                c.to.iter()
                    .filter(|x| !x.trim().is_empty())
                    .map(|x| agency_id(&api, x.trim()))
                    .collect::<Result<Vec<i64>>>()?;
            let mut metadata = json!({
                "type_code": c.type_code,
                "subject": c.subject,
                "category": c.category,
                "priority": c.priority,
                "due_date": c.due,
                "copies": c.copies,
                "recipients": recipients,
            });
            if let Some(b) = &c.approver_box {
                metadata["layout"] = json!({"approver": parse_box(b)?});
            }
            let mut form = multipart::Form::new()
                .text("agency_id", agency.to_string())
                .text("flow", c.flow.clone())
                .text("metadata", metadata.to_string())
                .part("file", file_part(&c.file)?);
            for p in &c.attach {
                form = form.part("attachment", file_part(p)?);
            }
            let d: Value =
                api.post_multipart("/api/v1/documents", form, c.idempotency_key.as_deref())?;
            print(j, &d, doc_text);
        }
        DocCommand::List {
            agency,
            state,
            q,
            limit,
        } => {
            let agency = agency.map(|x| agency_id(&api, &x)).transpose()?;
            let list: Value = api.get(&format!(
                "/api/v1/documents{}",
                query(&[
                    ("agency_id", agency.map(|x| x.to_string())),
                    ("state", state),
                    ("q", q),
                    ("limit", Some(limit.to_string())),
                ])
            ))?;
            print(j, &list, |v| {
                v.as_array()
                    .map(|a| a.iter().map(doc_line).collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default()
            });
        }
        DocCommand::Search(args) => search::run(&api, j, args)?,
        DocCommand::Show { id } => {
            let d: Value = api.get(&format!("/api/v1/documents/{id}"))?;
            print(j, &d, doc_text);
        }
        DocCommand::Submit { id } => act(&api, id, "submit", json!({}))?,
        DocCommand::Return { id, comment } => act(&api, id, "return", json!({"comment": comment}))?,
        DocCommand::Cancel { id } => act(&api, id, "cancel", json!({}))?,
        DocCommand::Seal { id } => act(&api, id, "seal", json!({}))?,
        DocCommand::Issue { id } => act(&api, id, "issue", json!({}))?,
        DocCommand::Recall { id, reason } => act(&api, id, "recall", json!({"reason": reason}))?,
        DocCommand::Publish { id, section } => {
            let p: Value = api.post(
                &format!("/api/v1/documents/{id}/publication"),
                &json!({"section": section}),
            )?;
            print(j, &p, |p| {
                format!(
                    "đã đăng / published: {} · {} · {}",
                    s(p, "section"),
                    s(p, "published_at"),
                    s(p, "indication")
                )
            });
        }
        DocCommand::Unpublish { id } => {
            api.delete(&format!("/api/v1/documents/{id}/publication"))?;
            if !j {
                println!("đã gỡ / withdrawn: {id}");
            }
        }
        DocCommand::Approve { id, key } => {
            let loaded = key.load(false)?;
            let cert_der = loaded.certificate.to_der()?;
            let p: Value = api.post(
                &format!("/api/v1/documents/{id}/approval/prepare"),
                &json!({"certificate": B64.encode(&cert_der)}),
            )?;
            let alg = loaded.signer.algorithm().to_string();
            if s(&p, "algorithm") != alg {
                bail!(
                    "máy chủ yêu cầu {} nhưng khóa ký bằng {alg} / the server asks for {} but the key signs with {alg}",
                    s(&p, "algorithm"),
                    s(&p, "algorithm")
                );
            }
            eprintln!(
                "Ký duyệt / approving: {}\n  chứng thư / certificate: {}\n  mã băm / digest: {}",
                s(&p, "title"),
                s(&p, "certificate_subject"),
                s(&p, "digest")
            );
            let digest = hex::decode(s(&p, "digest")).context("the digest is not hex")?;
            let sig = loaded.signer.sign_digest(&digest)?;
            let d: Value = api.post(
                &format!("/api/v1/documents/{id}/approval/finalize"),
                &json!({"nonce": s(&p, "nonce"), "signature": B64.encode(&sig), "certificate": B64.encode(&cert_der)}),
            )?;
            print(j, &d, doc_text);
        }
        DocCommand::ApproveAgent { id, agent } => {
            let d = approve_with_agent(&api, &a.api.server, id, &agent)?;
            print(j, &d, doc_text);
        }
        DocCommand::Download { id, file, output } => {
            let file = match file {
                Some(f) => f,
                None => {
                    let d: Value = api.get(&format!("/api/v1/documents/{id}"))?;
                    let files = d
                        .get("files")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    ["sealed", "approved", "draft"]
                        .iter()
                        .find_map(|r| files.iter().rev().find(|f| s(f, "role") == *r))
                        .and_then(|f| f.get("id").and_then(Value::as_i64))
                        .context("văn bản không có tệp / the document has no file")?
                }
            };
            let bytes = api.get_bytes(&format!("/api/v1/documents/{id}/files/{file}"))?;
            std::fs::write(&output, &bytes).with_context(|| output.display().to_string())?;
            eprintln!("{} ({} B)", output.display(), bytes.len());
        }
        DocCommand::Inbox { agency, status, q } => {
            let agency = agency.map(|x| agency_id(&api, &x)).transpose()?;
            let list: Value = api.get(&format!(
                "/api/v1/inbox{}",
                query(&[
                    ("agency_id", agency.map(|x| x.to_string())),
                    ("status", status),
                    ("q", q)
                ])
            ))?;
            print(j, &list, |v| {
                v.as_array()
                    .map(|a| a.iter().map(incoming_line).collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default()
            });
        }
        DocCommand::Incoming { id } => {
            let v: Value = api.get(&format!("/api/v1/inbox/{id}"))?;
            print(j, &v, |v| {
                let mut out = vec![
                    incoming_line(v),
                    format!(
                        "  Nơi gửi / from: {} ({})",
                        s(v, "sender_name"),
                        s(v, "sender_code")
                    ),
                ];
                for e in v
                    .get("events")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    out.push(format!(
                        "  {} {} {} {}",
                        s(e, "at"),
                        s(e, "status"),
                        s(e, "status_name"),
                        s(e, "note")
                    ));
                }
                out.join("\n")
            });
        }
        DocCommand::Register { id } => incoming_act(&api, id, "register", json!({}))?,
        DocCommand::Reject { id, reason } => {
            incoming_act(&api, id, "reject", json!({"reason": reason}))?
        }
        DocCommand::Assign {
            id,
            person,
            unit,
            note,
        } => incoming_act(
            &api,
            id,
            "assign",
            json!({"person_id": person, "unit": unit, "note": note}),
        )?,
        DocCommand::Process { id } => incoming_act(&api, id, "process", json!({}))?,
        DocCommand::Complete { id } => incoming_act(&api, id, "complete", json!({}))?,
        DocCommand::AnswerRecall { id, accept, reason } => {
            if accept {
                incoming_act(&api, id, "accept-recall", json!({}))?
            } else {
                incoming_act(&api, id, "refuse-recall", json!({"reason": reason}))?
            }
        }
        DocCommand::Registry {
            agency,
            direction,
            year,
            csv,
        } => {
            if direction != "out" && direction != "in" {
                bail!("sổ đi hoặc đến: out | in / direction: out or in");
            }
            let agency = agency_id(&api, &agency)?;
            let path = format!("/api/v1/registers/{agency}/{direction}/{year}");
            match csv {
                Some(out) => {
                    let bytes = api.get_bytes(&format!("{path}.csv"))?;
                    std::fs::write(&out, bytes).with_context(|| out.display().to_string())?;
                }
                None => {
                    let lines: Value = api.get(&path)?;
                    print(j, &lines, |v| {
                        v.as_array()
                            .map(|a| {
                                a.iter()
                                    .map(|l| {
                                        format!(
                                            "{:<16} {:<10} {}",
                                            s(l, "number_text"),
                                            s(l, "date"),
                                            s(l, "type_and_subject")
                                        )
                                    })
                                    .collect::<Vec<_>>()
                                    .join("\n")
                            })
                            .unwrap_or_default()
                    });
                }
            }
        }
        DocCommand::Audit {
            agency,
            action,
            limit,
            verify,
        } => {
            if verify {
                let r: Value = api.get("/api/v1/audit/verify")?;
                print(j, &r, crate::office_cmd::audit_report_text);
                if r.pointer("/chain/broken").is_some_and(|b| !b.is_null())
                    || r.get("anchors_invalid")
                        .and_then(Value::as_array)
                        .is_some_and(|a| !a.is_empty())
                {
                    bail!("nhật ký bị sửa đổi / the audit log was altered");
                }
                return Ok(());
            }
            let agency = agency.map(|x| agency_id(&api, &x)).transpose()?;
            let list: Value = api.get(&format!(
                "/api/v1/audit{}",
                query(&[
                    ("agency_id", agency.map(|x| x.to_string())),
                    ("action", action),
                    ("limit", Some(limit.to_string())),
                ])
            ))?;
            print(j, &list, |v| {
                v.as_array()
                    .map(|a| {
                        a.iter()
                            .map(|e| {
                                format!(
                                    "{:>6} {} {:<14} {:<24} {}:{} {}",
                                    e.get("seq").and_then(Value::as_i64).unwrap_or(0),
                                    s(e, "at"),
                                    s(e, "actor"),
                                    s(e, "action"),
                                    s(e, "object_kind"),
                                    s(e, "object_id"),
                                    s(e, "detail")
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default()
            });
        }
    }
    Ok(())
}

/// The agent protocol (docs/agent-protocol.md) from the command line:
/// the agent's certificate, the server's digest, the agent's signature,
/// the server's finalize.
fn approve_with_agent(api: &Api, server: &str, id: i64, agent: &str) -> Result<Value> {
    let origin = {
        let (scheme, rest) = server.split_once("://").unwrap_or(("http", server));
        format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest))
    };
    let agent = agent.trim_end_matches('/');
    let http = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(300))
        .build()?;
    let ask = |rb: reqwest::blocking::RequestBuilder| -> Result<Value> {
        let r = rb.header("origin", &origin).send().with_context(|| {
            format!("không kết nối được agent / cannot reach the agent at {agent}")
        })?;
        let status = r.status();
        let v: Value = r.json().context("the agent's answer is not JSON")?;
        if !status.is_success() {
            bail!(
                "agent: {} [{}] (HTTP {})",
                s(&v, "message"),
                s(&v, "error"),
                status.as_u16()
            );
        }
        Ok(v)
    };
    let c = ask(http.get(format!("{agent}/v1/certificate")))?;
    let cert = s(&c, "certificate");
    let p: Value = api.post(
        &format!("/api/v1/documents/{id}/approval/prepare"),
        &json!({"certificate": cert}),
    )?;
    eprintln!(
        "Ký duyệt qua agent / approving through the agent: {}\n  chứng thư / certificate: {}\n  mã băm / digest: {}",
        s(&p, "title"),
        s(&p, "certificate_subject"),
        s(&p, "digest")
    );
    let sig = ask(http.post(format!("{agent}/v1/sign")).json(&json!({
        "nonce": s(&p, "nonce"), "digest": s(&p, "digest"), "algorithm": s(&p, "algorithm"),
        "title": s(&p, "title"), "agency": s(&p, "agency"), "certificate": cert,
    })))?;
    api.post(
        &format!("/api/v1/documents/{id}/approval/finalize"),
        &json!({"nonce": s(&p, "nonce"), "signature": s(&sig, "signature"), "certificate": cert}),
    )
}
