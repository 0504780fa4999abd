//! `kyso office init` (the first administrator) and `kyso audit verify`
//! (the audit chain and its time-stamps), run on the server's data
//! directory and database directly.

use std::sync::Arc;

use anyhow::{bail, Context as _, Result};
use clap::{Args, Subcommand};
use kyso_office::agency::NewAgency;
use kyso_office::{Office, OfficeConfig, SystemClock};
use kyso_store::BlobStore;
use serde_json::Value;

use crate::context::Context;

#[derive(Subcommand)]
pub enum OfficeCommand {
    /// Tạo cơ quan cấp tỉnh và tài khoản quản trị đầu tiên / create the
    /// top agency and the first department administrator (once).
    Init(InitArgs),
}

#[derive(Args)]
pub struct InitArgs {
    /// Official code of the top agency, e.g. 000.00.00.H45.
    #[arg(long)]
    code: String,
    /// Its name, e.g. "Ủy ban nhân dân tỉnh Ninh Bình".
    #[arg(long)]
    name: String,
    /// Abbreviation in notations, e.g. UBND.
    #[arg(long)]
    short_name: String,
    #[arg(long, default_value = "")]
    email: String,
    /// The administrator's user name.
    #[arg(long)]
    admin: String,
    #[arg(long)]
    admin_name: String,
    /// Environment variable with the administrator's password (else a
    /// prompt). Not the global `--password-env`, which names the CA keys'.
    #[arg(long, default_value = "KYSO_ADMIN_PASSWORD")]
    admin_password_env: String,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Kiểm tra chuỗi nhật ký / recompute the hash chain from its first
    /// entry and check every time-stamp over it. Exit 0 unbroken, 1 broken
    /// (the first broken entry is named).
    Verify {
        #[arg(long)]
        json: bool,
    },
}

/// Where blobs live: `--blobs` / `KYSO_BLOBS`, else DATA/blobs.
pub fn blob_store(ctx: &Context, blobs: Option<&str>) -> Result<BlobStore> {
    Ok(match blobs {
        Some(url) => BlobStore::open(url)?,
        None => BlobStore::local(&ctx.data.join("blobs"))?,
    })
}

/// The office over the data directory's CA and database.
pub async fn open_office(ctx: &Context, blobs: Option<&str>) -> Result<Arc<Office>> {
    let ca = Arc::new(ctx.open_ca().await?);
    let config = OfficeConfig::new(
        ctx.data.clone(),
        ctx.key_password(false)?,
        ca.config().base_url.clone(),
    );
    let store = ca.store().clone();
    Ok(Arc::new(Office::new(
        store,
        blob_store(ctx, blobs)?,
        ca,
        config,
        Arc::new(SystemClock),
    )?))
}

pub async fn run(ctx: &Context, c: OfficeCommand) -> Result<()> {
    match c {
        OfficeCommand::Init(a) => {
            let office = open_office(ctx, std::env::var("KYSO_BLOBS").ok().as_deref()).await?;
            let pw = crate::key_source::password_from(
                &a.admin_password_env,
                "Mật khẩu quản trị / administrator password: ",
            )?;
            let (agency, person) = office
                .bootstrap(
                    NewAgency {
                        parent_id: None,
                        code: a.code,
                        name: a.name,
                        short_name: a.short_name,
                        level: "province".into(),
                        email: a.email,
                        address: String::new(),
                        phone: String::new(),
                    },
                    &a.admin,
                    &a.admin_name,
                    &pw,
                )
                .await
                .map_err(|e| anyhow::anyhow!(e.message()))?;
            println!(
                "Đã tạo / created: {} ({}), quản trị / administrator {}",
                agency.name, agency.code, person.username
            );
            Ok(())
        }
    }
}

/// The report of `kyso audit verify` as text.
pub fn audit_report_text(r: &Value) -> String {
    let s = |p: &str| r.pointer(p).map(|v| v.to_string()).unwrap_or_default();
    let mut out = vec![format!(
        "Nhật ký / audit log: {} mục / entries, đầu chuỗi / head {} {}",
        s("/chain/entries"),
        s("/chain/head_seq"),
        r.pointer("/chain/head_hash")
            .and_then(Value::as_str)
            .unwrap_or("")
    )];
    match r.pointer("/chain/broken").filter(|b| !b.is_null()) {
        Some(b) => out.push(format!(
            "HỎNG tại mục / BROKEN at entry {}: {}",
            b.get("seq").map(|v| v.to_string()).unwrap_or_default(),
            b.get("reason").and_then(Value::as_str).unwrap_or("")
        )),
        None => out.push("Chuỗi nguyên vẹn / the chain is unbroken".into()),
    }
    out.push(format!(
        "Dấu thời gian hợp lệ / valid time-stamps: {}; mới nhất / newest: mục / entry {} lúc / at {}",
        s("/anchors_valid"),
        s("/last_anchor_seq"),
        r.get("last_anchor_time").and_then(Value::as_str).unwrap_or("-")
    ));
    for bad in r
        .get("anchors_invalid")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.push(format!("  {}", bad.as_str().unwrap_or("")));
    }
    out.join("\n")
}

pub async fn audit(ctx: &Context, c: AuditCommand) -> Result<()> {
    match c {
        AuditCommand::Verify { json } => {
            let office = open_office(ctx, std::env::var("KYSO_BLOBS").ok().as_deref()).await?;
            let rep = office
                .verify_audit()
                .await
                .map_err(|e| anyhow::anyhow!(e.message()))?;
            let v = serde_json::to_value(&rep).context("report")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!("{}", audit_report_text(&v));
            }
            if !rep.ok() {
                bail!("nhật ký bị sửa đổi / the audit log was altered");
            }
            Ok(())
        }
    }
}
