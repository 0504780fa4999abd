//! `kyso desk …`: the certificate service desk through the REST API of a
//! `kyso serve` with an API token (`kyso doc login` makes one): requests
//! from subscriber to CA or department, the working-day calendar, and the
//! registry of key devices. `--json` prints the API's answer as it is.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::desk_dossier_cmd::{DossierCommand, SearchArgs};
use crate::doc::client::Api;
use crate::doc::{query, urlencode, ServerArgs};

#[derive(Args)]
pub struct DeskArgs {
    #[command(flatten)]
    api: ServerArgs,
    #[command(subcommand)]
    command: DeskCommand,
}

#[derive(Subcommand)]
pub enum DeskCommand {
    /// Lập yêu cầu / file a request (issue-person, issue-organization,
    /// renew, change, revoke, recover-token).
    Create(Box<CreateArgs>),
    /// Danh sách yêu cầu / list requests (by person, name, agency, kind,
    /// state, deadline and period).
    List(SearchArgs),
    /// Xem yêu cầu / show a request with its history.
    Show { id: i64 },
    /// Báo cáo chứng thư số / the desk's report for a period: printed,
    /// or as CSV (`--csv`), or as a PDF signed with the department's seal
    /// key (`--pdf FILE`).
    Report {
        /// First day (YYYY-MM-DD); default 1 January of this year.
        #[arg(long)]
        from: Option<String>,
        /// Last day (YYYY-MM-DD); default today.
        #[arg(long)]
        to: Option<String>,
        /// One agency only.
        #[arg(long)]
        agency: Option<i64>,
        /// Print CSV.
        #[arg(long, conflicts_with = "pdf")]
        csv: bool,
        /// Write the signed PDF report here.
        #[arg(long)]
        pdf: Option<PathBuf>,
    },
    /// Báo cáo định kỳ đã lưu / the reports made on the schedule (monthly
    /// by default) and kept; with an id and `--pdf`, one of them.
    Periodic {
        id: Option<i64>,
        /// Write the kept signed PDF here.
        #[arg(long, requires = "id")]
        pdf: Option<PathBuf>,
    },
    /// Nhật ký thông báo thư điện tử / the e-mail notice log (expiry,
    /// state changes, overdue requests), newest first.
    Notices {
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
    /// Xác nhận / confirm (managing organization; you answer for the
    /// form): drafts the request's letter, submitted to the approver.
    Confirm { id: i64 },
    /// Trả lại / return with written reasons (managing organization).
    Return {
        id: i64,
        #[arg(long)]
        reasons: String,
    },
    /// Gửi lại / resubmit a returned request (its creator).
    Resubmit { id: i64 },
    /// Hủy / cancel before confirmation (its creator).
    Cancel { id: i64 },
    /// Gửi / send to the CA or the department (clerk or head): needs the
    /// request's letter issued — and issuing the letter sends it already.
    Send { id: i64 },
    /// Phê duyệt / approve at the CA or department: a new issuance needs
    /// the CSR made on the subscriber's token (`kyso token csr`).
    Approve {
        id: i64,
        /// The PKCS#10 request (PEM or DER file).
        #[arg(long)]
        csr: Option<PathBuf>,
        /// Validity of a new certificate in days (≤ 5 years).
        #[arg(long)]
        days: Option<u32>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Từ chối / refuse in writing with reasons.
    Refuse {
        id: i64,
        #[arg(long)]
        reasons: String,
    },
    /// Hoàn thành / complete an approved request.
    Complete {
        id: i64,
        #[arg(long)]
        note: Option<String>,
    },
    /// Lịch ngày làm việc / the working-day calendar.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Thiết bị lưu khóa / key devices (tokens).
    #[command(subcommand)]
    Device(DeviceCommand),
    #[command(flatten)]
    Dossier(DossierCommand),
}

#[derive(Args)]
pub struct CreateArgs {
    /// issue-person, issue-organization, renew, change, revoke, recover-token.
    #[arg(long)]
    kind: String,
    /// The subscriber's agency id.
    #[arg(long)]
    agency: i64,
    /// The subscriber's account id (omit for someone without one or for
    /// the agency's seal).
    #[arg(long)]
    subscriber: Option<i64>,
    /// Identity number (CCCD, 12 digits) or the organization's code.
    #[arg(long)]
    identity: String,
    /// Full name, or the organization's name.
    #[arg(long)]
    name: String,
    #[arg(long, default_value = "")]
    position: String,
    #[arg(long)]
    email: String,
    #[arg(long, default_value = "")]
    phone: String,
    #[arg(long, default_value = "")]
    reason: String,
    #[arg(long)]
    token_serial: Option<String>,
    /// The certificate's serial (hex) for renew, change, revoke.
    #[arg(long)]
    certificate_serial: Option<String>,
    /// Revocation reason: RFC 5280 name or Vietnamese words.
    #[arg(long)]
    revocation_reason: Option<String>,
    #[arg(long)]
    renewal_days: Option<i32>,
}

#[derive(Subcommand)]
pub enum CalendarCommand {
    /// The entries of a year.
    List {
        #[arg(long)]
        year: i32,
    },
    /// Set a day: fixed, lunar, compensatory (off) or workday (a weekend day worked).
    Set {
        day: String,
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
    },
    /// Remove a day.
    Remove { day: String },
    /// Enter a year's fixed public holidays.
    Fixed {
        #[arg(long)]
        year: i32,
    },
}

#[derive(Subcommand)]
pub enum DeviceCommand {
    /// The devices you keep or hold.
    List {
        #[arg(long)]
        agency: Option<i64>,
    },
    /// Register a device (CA operator, department administrator).
    Register {
        #[arg(long)]
        serial: String,
        #[arg(long)]
        model: String,
        /// Its PKCS#11 module.
        #[arg(long)]
        module: String,
        #[arg(long)]
        agency: i64,
        #[arg(long)]
        holder: Option<i64>,
    },
    /// Show a device with its handovers.
    Show { id: i64 },
    /// Change its state: issued, in_use, locked, returned, destroyed, new.
    State { id: i64, state: String },
    /// Record a handover (biên bản bàn giao).
    Handover {
        id: i64,
        /// in_person, cipher or post.
        #[arg(long)]
        method: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        on: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        tracking: Option<String>,
        #[arg(long)]
        holder: Option<i64>,
        /// The state after the handover.
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        request: Option<i64>,
        #[arg(long)]
        note: Option<String>,
    },
    /// The handover record (biên bản bàn giao) as a PDF sealed with the
    /// agency's seal key (its clerk or head).
    Record {
        id: i64,
        handover: i64,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Record a loss (the certificate is revoked at once).
    Loss {
        id: i64,
        #[arg(long)]
        on: String,
        #[arg(long)]
        note: String,
    },
}

pub async fn run(a: DeskArgs) -> Result<()> {
    tokio::task::spawn_blocking(move || run_blocking(a)).await?
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn request_line(r: &Value) -> String {
    let form = &r["form"];
    format!(
        "#{:<5} {:<19} {:<10} {:<11} {:<10} {}",
        r["id"].as_i64().unwrap_or(0),
        s(r, "kind"),
        s(r, "state"),
        r["due_date"].as_str().unwrap_or("-"),
        r["due_status"].as_str().unwrap_or(""),
        s(form, "full_name"),
    )
}

fn request_text(r: &Value) -> String {
    let mut out = format!(
        "Yêu cầu #{} — {} ({})\nTrạng thái / state: {} ({})\nGửi tới / route: {}\n",
        r["id"].as_i64().unwrap_or(0),
        s(r, "kind_name"),
        s(r, "kind"),
        s(r, "state_name"),
        s(r, "state"),
        s(r, "route"),
    );
    if let Some(d) = r["due_date"].as_str() {
        out += &format!(
            "Hạn / due: {d} {}\n",
            r["due_status"].as_str().unwrap_or("")
        );
    }
    if let Some(c) = r["confirmation"].as_str() {
        out += &format!("Xác nhận / confirmation: {c}\n");
    }
    if let Some(d) = r["letter_document_id"].as_i64() {
        // The letter goes through `kyso doc approve`, `kyso doc seal`,
        // `kyso doc issue` like any outgoing document.
        out += &format!(
            "Công văn đề nghị / letter: văn bản / document #{d} {} — {}\n",
            r["letter_number"].as_str().unwrap_or(""),
            s(r, "letter_state"),
        );
    }
    if let Some(n) = r["note"].as_str() {
        out += &format!("Ghi chú / note: {n}\n");
    }
    if let Some(c) = r["issued_serial"].as_str() {
        out += &format!("Chứng thư / certificate: {c}\n");
    }
    for e in r["events"].as_array().into_iter().flatten() {
        out += &format!(
            "  {} {:<9} {} → {} ({})\n",
            s(e, "at"),
            s(e, "action"),
            s(e, "from_state"),
            s(e, "to_state"),
            s(e, "person_name")
        );
    }
    let actions: Vec<&str> = r["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    out += &format!("Việc tiếp theo / next: {}", actions.join(", "));
    out
}

fn periodic_text(v: &Value) -> String {
    let line = |r: &Value| {
        format!(
            "{:>5}  {:<8} {} – {}  {}  sha256 {}\n",
            r["id"],
            r["period"].as_str().unwrap_or(""),
            r["from"].as_str().unwrap_or(""),
            r["to"].as_str().unwrap_or(""),
            r["agency_name"].as_str().unwrap_or(""),
            r["sha256"].as_str().unwrap_or("")
        )
    };
    match v.as_array() {
        Some(a) if a.is_empty() => "Chưa có báo cáo định kỳ / no periodic report kept yet\n".into(),
        Some(a) => a.iter().map(line).collect(),
        None => line(v),
    }
}

fn report_text(r: &Value) -> String {
    let n = |v: &Value| v.as_u64().unwrap_or(0);
    let mut out = format!(
        "Báo cáo chứng thư số / certificate desk report {} – {} ({})\n",
        s(r, "from"),
        s(r, "to"),
        s(r, "scope")
    );
    out += "Chứng thư số theo cơ quan / certificates by agency (valid, expired, revoked):\n";
    for c in r["certificates"].as_array().into_iter().flatten() {
        out += &format!(
            "  {:<40} {:>5} {:>5} {:>5}\n",
            s(c, "agency_name"),
            n(&c["valid"]),
            n(&c["expired"]),
            n(&c["revoked"])
        );
    }
    out += "Yêu cầu / requests:\n";
    for q in r["requests"].as_array().into_iter().flatten() {
        out += &format!(
            "  {:<19} {:<10} {:>5}\n",
            s(q, "kind"),
            s(q, "state"),
            n(&q["count"])
        );
    }
    out += "Quá hạn / overdue:\n";
    for o in r["overdue"].as_array().into_iter().flatten() {
        out += &format!(
            "  #{:<5} {} {} hạn/due {} (+{} ngày làm việc / working days)\n",
            o["id"].as_i64().unwrap_or(0),
            s(o, "agency_name"),
            s(o, "full_name"),
            s(o, "due_date"),
            n(&o["working_days_late"])
        );
    }
    out += &format!(
        "Sắp hết hạn / expiring within 30/60/90 days: {}/{}/{}\n",
        n(&r["expiring_30"]),
        n(&r["expiring_60"]),
        n(&r["expiring_90"])
    );
    out += "Thiết bị / tokens:\n";
    for t in r["tokens"].as_array().into_iter().flatten() {
        out += &format!(
            "  {:<40} {:<10} {:>5}\n",
            s(t, "agency_name"),
            s(t, "state"),
            n(&t["count"])
        );
    }
    out += "Chữ ký số / signatures per month:\n";
    for g in r["signatures"].as_array().into_iter().flatten() {
        out += &format!(
            "  {:<40} {} {:>5}\n",
            s(g, "agency_name"),
            s(g, "month"),
            n(&g["count"])
        );
    }
    out.trim_end().to_string()
}

fn notices_text(v: &Value) -> String {
    let mut out = Vec::new();
    for n in v.as_array().into_iter().flatten() {
        let to: Vec<&str> = n["recipients"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        out.push(format!(
            "#{:<5} {:<8} {:<7} {} {} → {}{}",
            n["id"].as_i64().unwrap_or(0),
            s(n, "kind"),
            s(n, "state"),
            s(n, "created_at"),
            s(n, "subject"),
            to.join(", "),
            n["last_error"]
                .as_str()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default(),
        ));
    }
    if out.is_empty() {
        "Chưa có thông báo / no notices".into()
    } else {
        out.join("\n")
    }
}

fn device_text(d: &Value) -> String {
    let mut out = format!(
        "Thiết bị #{} {} ({}) — {} [{}]\n",
        d["id"].as_i64().unwrap_or(0),
        s(d, "serial"),
        s(d, "model"),
        s(d, "state_name"),
        s(d, "state"),
    );
    if let Some(c) = d["certificate_serial"].as_str() {
        out += &format!("Chứng thư / certificate: {c}\n");
    }
    if let Some(r) = d["return_due"].as_str() {
        out += &format!(
            "Hạn thu hồi / return due: {r} {}\n",
            d["return_status"].as_str().unwrap_or("")
        );
    }
    for h in d["handovers"].as_array().into_iter().flatten() {
        out += &format!(
            "  {} {} {}: {} → {}\n",
            s(h, "handed_on"),
            s(h, "kind"),
            s(h, "method"),
            s(h, "from_party"),
            s(h, "to_party")
        );
    }
    out.trim_end().to_string()
}

fn run_blocking(a: DeskArgs) -> Result<()> {
    let token = std::env::var(&a.api.token_env)
        .ok()
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        bail!(
            "cần mã truy cập API trong biến {} (tạo bằng `kyso doc login --user TÊN`) / an API token is needed in {}",
            a.api.token_env,
            a.api.token_env
        );
    };
    let api = Api::new(&a.api.server, Some(token))?;
    let j = a.api.json;
    let show = |v: &Value, human: fn(&Value) -> String| {
        if j {
            println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
        } else {
            println!("{}", human(v));
        }
    };
    let step = |id: i64, what: &str, body: Value| -> Result<()> {
        let r: Value = api.post(&format!("/api/v1/desk/requests/{id}/{what}"), &body)?;
        show(&r, request_text);
        Ok(())
    };
    match a.command {
        DeskCommand::Create(c) => {
            let body = json!({
                "kind": c.kind.replace('-', "_"),
                "agency_id": c.agency,
                "subscriber_id": c.subscriber,
                "form": {
                    "identity_number": c.identity,
                    "full_name": c.name,
                    "position": c.position,
                    "email": c.email,
                    "phone": c.phone,
                    "reason": c.reason,
                    "token_serial": c.token_serial,
                    "certificate_serial": c.certificate_serial,
                    "revocation_reason": c.revocation_reason,
                    "renewal_days": c.renewal_days,
                }
            });
            let r: Value = api.post("/api/v1/desk/requests", &body)?;
            show(&r, request_text);
        }
        DeskCommand::List(search) => {
            let q = search.query();
            let v: Value = api.get(&format!("/api/v1/desk/requests{q}"))?;
            if j {
                show(&v, |_| String::new());
            } else {
                for r in v.as_array().into_iter().flatten() {
                    println!("{}", request_line(r));
                }
            }
        }
        DeskCommand::Show { id } => {
            let r: Value = api.get(&format!("/api/v1/desk/requests/{id}"))?;
            show(&r, request_text);
        }
        DeskCommand::Report {
            from,
            to,
            agency,
            csv,
            pdf,
        } => {
            let mut q = Vec::new();
            if let Some(f) = from {
                q.push(format!("from={}", urlencode(&f)));
            }
            if let Some(t) = to {
                q.push(format!("to={}", urlencode(&t)));
            }
            if let Some(a) = agency {
                q.push(format!("agency_id={a}"));
            }
            let q = if q.is_empty() {
                String::new()
            } else {
                format!("?{}", q.join("&"))
            };
            if csv {
                let b = api.get_bytes(&format!("/api/v1/desk/report.csv{q}"))?;
                use std::io::Write;
                std::io::stdout().write_all(&b)?;
            } else if let Some(out) = pdf {
                let b = api.get_bytes(&format!("/api/v1/desk/report.pdf{q}"))?;
                std::fs::write(&out, &b)
                    .with_context(|| format!("cannot write {}", out.display()))?;
                if !j {
                    println!("{} ({} bytes)", out.display(), b.len());
                }
            } else {
                let v: Value = api.get(&format!("/api/v1/desk/report{q}"))?;
                show(&v, report_text);
            }
        }
        DeskCommand::Periodic { id, pdf } => match (id, pdf) {
            (Some(id), Some(out)) => {
                let b = api.get_bytes(&format!("/api/v1/desk/reports/periodic/{id}/pdf"))?;
                std::fs::write(&out, &b)
                    .with_context(|| format!("cannot write {}", out.display()))?;
                if !j {
                    println!("{} ({} bytes)", out.display(), b.len());
                }
            }
            (id, _) => {
                let v: Value = api.get("/api/v1/desk/reports/periodic")?;
                let v = match id {
                    Some(id) => v
                        .as_array()
                        .and_then(|a| a.iter().find(|r| r["id"] == id))
                        .cloned()
                        .with_context(|| format!("no periodic report {id}"))?,
                    None => v,
                };
                show(&v, periodic_text);
            }
        },
        DeskCommand::Notices { limit } => {
            let v: Value = api.get(&format!("/api/v1/desk/notices?limit={limit}"))?;
            show(&v, notices_text);
        }
        DeskCommand::Confirm { id } => step(id, "confirm", json!({}))?,
        DeskCommand::Return { id, reasons } => step(id, "return", json!({ "reasons": reasons }))?,
        DeskCommand::Resubmit { id } => step(id, "resubmit", json!({}))?,
        DeskCommand::Cancel { id } => step(id, "cancel", json!({}))?,
        DeskCommand::Send { id } => step(id, "send", json!({}))?,
        DeskCommand::Approve {
            id,
            csr,
            days,
            note,
        } => {
            let csr = match csr {
                Some(p) => {
                    let bytes = std::fs::read(&p)
                        .with_context(|| format!("cannot read {}", p.display()))?;
                    Some(match String::from_utf8(bytes.clone()) {
                        Ok(t) if t.contains("-----BEGIN") => t,
                        _ => {
                            use base64::Engine;
                            base64::engine::general_purpose::STANDARD.encode(bytes)
                        }
                    })
                }
                None => None,
            };
            step(
                id,
                "approve",
                json!({ "csr": csr, "days": days, "note": note }),
            )?
        }
        DeskCommand::Refuse { id, reasons } => step(id, "refuse", json!({ "reasons": reasons }))?,
        DeskCommand::Complete { id, note } => step(id, "complete", json!({ "note": note }))?,
        DeskCommand::Calendar(c) => match c {
            CalendarCommand::List { year } => {
                let v: Value = api.get(&format!("/api/v1/desk/calendar?year={year}"))?;
                print_days(j, &v);
            }
            CalendarCommand::Set { day, kind, name } => {
                let v: Value = api.put(
                    &format!("/api/v1/desk/calendar/{}", urlencode(&day)),
                    &json!({ "kind": kind, "name": name }),
                )?;
                print_days(j, &Value::Array(vec![v]));
            }
            CalendarCommand::Remove { day } => {
                api.delete(&format!("/api/v1/desk/calendar/{}", urlencode(&day)))?;
                if !j {
                    println!("đã xóa / removed {day}");
                }
            }
            CalendarCommand::Fixed { year } => {
                let v: Value = api.post(
                    &format!("/api/v1/desk/calendar/fixed?year={year}"),
                    &json!({}),
                )?;
                print_days(j, &v);
            }
        },
        DeskCommand::Dossier(c) => crate::desk_dossier_cmd::run(&api, j, device_text, c)?,
        DeskCommand::Device(c) => match c {
            DeviceCommand::List { agency } => {
                let q = query(&[("agency_id", agency.map(|a| a.to_string()))]);
                let v: Value = api.get(&format!("/api/v1/desk/devices{q}"))?;
                if j {
                    show(&v, |_| String::new());
                } else {
                    for d in v.as_array().into_iter().flatten() {
                        println!("{}", device_text(d).lines().next().unwrap_or(""));
                    }
                }
            }
            DeviceCommand::Register {
                serial,
                model,
                module,
                agency,
                holder,
            } => {
                let v: Value = api.post(
                    "/api/v1/desk/devices",
                    &json!({ "serial": serial, "model": model, "module": module,
                             "agency_id": agency, "holder_id": holder }),
                )?;
                show(&v, device_text);
            }
            DeviceCommand::Show { id } => {
                let v: Value = api.get(&format!("/api/v1/desk/devices/{id}"))?;
                show(&v, device_text);
            }
            DeviceCommand::State { id, state } => {
                let v: Value = api.post(
                    &format!("/api/v1/desk/devices/{id}/state"),
                    &json!({ "state": state.replace('-', "_") }),
                )?;
                show(&v, device_text);
            }
            DeviceCommand::Handover {
                id,
                method,
                on,
                from,
                to,
                tracking,
                holder,
                state,
                request,
                note,
            } => {
                let v: Value = api.post(
                    &format!("/api/v1/desk/devices/{id}/handovers"),
                    &json!({ "method": method.replace('-', "_"), "handed_on": on,
                             "from_party": from, "to_party": to,
                             "tracking_number": tracking, "holder_id": holder,
                             "new_state": state.map(|s| s.replace('-', "_")),
                             "request_id": request, "note": note }),
                )?;
                show(&v, device_text);
            }
            DeviceCommand::Record {
                id,
                handover,
                output,
            } => {
                let pdf = api.post_bytes(&format!(
                    "/api/v1/desk/devices/{id}/handovers/{handover}/record"
                ))?;
                std::fs::write(&output, &pdf)
                    .with_context(|| format!("cannot write {}", output.display()))?;
                if !j {
                    println!("{} ({} bytes)", output.display(), pdf.len());
                }
            }
            DeviceCommand::Loss { id, on, note } => {
                let v: Value = api.post(
                    &format!("/api/v1/desk/devices/{id}/loss"),
                    &json!({ "day": on, "note": note }),
                )?;
                show(&v, device_text);
            }
        },
    }
    Ok(())
}

fn print_days(j: bool, v: &Value) {
    if j {
        println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
        return;
    }
    for d in v.as_array().into_iter().flatten() {
        println!("{} {:<12} {}", s(d, "day"), s(d, "kind"), s(d, "name"));
    }
}
