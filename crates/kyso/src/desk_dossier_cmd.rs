//! `kyso desk leave|transfer|custodian|custody|dossier|dossiers`: a
//! person leaving the state sector or moving inside it (Decree 68/2024),
//! the organization token's change of custodian on a sealed handover
//! record (R-TOKEN-ORG), and request dossiers as one ZIP with a manifest
//! (R-DIC-RECORDS, R-MANAGER-DOSSIERS); with the search filters that
//! `kyso desk list` shares.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::doc::client::Api;
use crate::doc::query;

/// The search of requests (`kyso desk list`, `kyso desk dossiers`).
#[derive(Args, Clone, Default)]
pub struct SearchArgs {
    #[arg(long)]
    pub agency: Option<i64>,
    /// issue_person, issue_organization, renew, change, revoke, recover_token.
    #[arg(long)]
    pub kind: Option<String>,
    /// submitted, returned, confirmed, sent, approved, refused, completed, cancelled.
    #[arg(long)]
    pub state: Option<String>,
    /// Requests of this person (subscriber or creator).
    #[arg(long)]
    pub person: Option<i64>,
    /// The subscriber's name (accents and case ignored) or identity number.
    #[arg(long)]
    pub name: Option<String>,
    /// Only open requests past their deadline.
    #[arg(long)]
    pub overdue: bool,
    /// Open requests by deadline: overdue, due_today, on_time.
    #[arg(long)]
    pub deadline: Option<String>,
    /// Created on or after (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Created on or before (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<String>,
}

impl SearchArgs {
    /// The query string of `/api/v1/desk/requests` and `/api/v1/desk/dossiers`.
    pub fn query(&self) -> String {
        let c = self.clone();
        query(&[
            ("agency_id", c.agency.map(|x| x.to_string())),
            ("kind", c.kind.map(|k| k.replace('-', "_"))),
            ("state", c.state),
            ("person_id", c.person.map(|x| x.to_string())),
            ("name", c.name),
            ("overdue", c.overdue.then(|| "true".into())),
            ("deadline", c.deadline.map(|d| d.replace('-', "_"))),
            ("from", c.from),
            ("to", c.to),
        ])
    }
}

#[derive(Subcommand)]
pub enum DossierCommand {
    /// Thôi làm việc trong khu vực nhà nước / a person leaves the state
    /// sector: a revocation request for each of their valid certificates,
    /// their devices due back within 5 working days (managing organization).
    Leave {
        /// The person's id.
        person: i64,
        /// Their agency.
        #[arg(long)]
        agency: i64,
        /// Written reason (e.g. the decision ending their service).
        #[arg(long)]
        reason: String,
        /// RFC 5280 reason or Vietnamese words (default cessationOfOperation).
        #[arg(long)]
        revocation_reason: Option<String>,
        /// Identity number (CCCD) when the desk has none on file.
        #[arg(long)]
        identity: Option<String>,
    },
    /// Chuyển công tác / a person moves inside the state sector: an
    /// information change request with the new agency and position.
    Transfer {
        person: i64,
        /// Their agency now.
        #[arg(long)]
        agency: i64,
        /// The agency they move to.
        #[arg(long)]
        to_agency: i64,
        /// Their new position.
        #[arg(long)]
        position: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        identity: Option<String>,
    },
    /// Giao thiết bị của cơ quan cho người giữ mới / hand the
    /// organization's token to a new custodian, on the handover whose
    /// record was sealed (`kyso desk device record`).
    Custodian {
        /// The device's id.
        device: i64,
        /// The handover with its sealed record.
        #[arg(long)]
        handover: i64,
        /// The new custodian's id.
        #[arg(long)]
        custodian: i64,
    },
    /// Các lần đổi người giữ / a device's changes of custodian.
    Custody { device: i64 },
    /// Hồ sơ yêu cầu / one request's dossier as a ZIP with a manifest.
    Dossier {
        id: i64,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Hồ sơ theo tìm kiếm / the dossiers of the requests a search finds,
    /// as one ZIP.
    Dossiers {
        #[command(flatten)]
        search: SearchArgs,
        #[arg(short, long)]
        output: PathBuf,
    },
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn departure_text(v: &Value) -> String {
    let mut out = String::from("Yêu cầu thu hồi / revocation requests:\n");
    for r in v["requests"].as_array().into_iter().flatten() {
        out += &format!(
            "  #{} {} {}\n",
            r["id"].as_i64().unwrap_or(0),
            s(&r["form"], "certificate_serial"),
            s(r, "state")
        );
    }
    out += "Thiết bị phải hoàn trả / devices due back:\n";
    for d in v["devices"].as_array().into_iter().flatten() {
        out += &format!(
            "  #{} {} {}\n",
            d["id"].as_i64().unwrap_or(0),
            s(d, "serial"),
            s(d, "return_due")
        );
    }
    for d in v["custodian_needed"].as_array().into_iter().flatten() {
        out += &format!(
            "Cần giao cho người giữ mới / needs a new custodian: #{} {}\n",
            d["id"].as_i64().unwrap_or(0),
            s(d, "serial")
        );
    }
    out.trim_end().to_string()
}

fn transfer_text(v: &Value) -> String {
    let mut out = String::from("Yêu cầu thay đổi thông tin / change requests:");
    for r in v["requests"].as_array().into_iter().flatten() {
        out += &format!(
            "\n  #{} {} {} ({})",
            r["id"].as_i64().unwrap_or(0),
            s(&r["form"], "certificate_serial"),
            s(r, "agency_name"),
            s(&r["form"], "position")
        );
    }
    out
}

fn custody_text(v: &Value) -> String {
    let mut out = Vec::new();
    for c in v.as_array().into_iter().flatten() {
        out.push(format!(
            "{} {} → {} (biên bản / record {}, bàn giao / handover #{})",
            s(c, "changed_at"),
            c["old_holder_name"].as_str().unwrap_or("-"),
            s(c, "new_holder_name"),
            s(c, "record_sha256"),
            c["handover_id"].as_i64().unwrap_or(0)
        ));
    }
    if out.is_empty() {
        "Chưa đổi người giữ / no change of custodian".into()
    } else {
        out.join("\n")
    }
}

fn write_zip(out: &Path, bytes: &[u8], json: bool) -> Result<()> {
    std::fs::write(out, bytes).with_context(|| format!("cannot write {}", out.display()))?;
    if !json {
        println!("{} ({} bytes)", out.display(), bytes.len());
    }
    Ok(())
}

/// Runs `c` against `api`; `json` prints the API's answers as they are,
/// `device_text` shows a device.
pub fn run(
    api: &Api,
    json_out: bool,
    device_text: fn(&Value) -> String,
    c: DossierCommand,
) -> Result<()> {
    let show = |v: &Value, human: &dyn Fn(&Value) -> String| {
        if json_out {
            println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
        } else {
            println!("{}", human(v));
        }
    };
    match c {
        DossierCommand::Leave {
            person,
            agency,
            reason,
            revocation_reason,
            identity,
        } => {
            let v: Value = api.post(
                &format!("/api/v1/desk/people/{person}/leave"),
                &json!({ "agency_id": agency, "reason": reason,
                         "revocation_reason": revocation_reason, "identity_number": identity }),
            )?;
            show(&v, &departure_text);
        }
        DossierCommand::Transfer {
            person,
            agency,
            to_agency,
            position,
            reason,
            identity,
        } => {
            let v: Value = api.post(
                &format!("/api/v1/desk/people/{person}/transfer"),
                &json!({ "agency_id": agency, "new_agency_id": to_agency,
                         "new_position": position, "reason": reason,
                         "identity_number": identity }),
            )?;
            show(&v, &transfer_text);
        }
        DossierCommand::Custodian {
            device,
            handover,
            custodian,
        } => {
            let v: Value = api.post(
                &format!("/api/v1/desk/devices/{device}/custodian"),
                &json!({ "handover_id": handover, "custodian_id": custodian }),
            )?;
            show(&v, &device_text);
        }
        DossierCommand::Custody { device } => {
            let v: Value = api.get(&format!("/api/v1/desk/devices/{device}/custody"))?;
            show(&v, &custody_text);
        }
        DossierCommand::Dossier { id, output } => {
            let b = api.get_bytes(&format!("/api/v1/desk/requests/{id}/dossier"))?;
            write_zip(&output, &b, json_out)?;
        }
        DossierCommand::Dossiers { search, output } => {
            let b = api.get_bytes(&format!("/api/v1/desk/dossiers{}", search.query()))?;
            write_zip(&output, &b, json_out)?;
        }
    }
    Ok(())
}
