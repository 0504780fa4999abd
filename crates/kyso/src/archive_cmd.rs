//! `kyso archive`: the long-term validity schedule of this server's
//! documents (kyso_office::archive::ltv). A running `kyso serve` renews
//! due files by itself (`--archive-interval`); `status` shows what is due,
//! done and failed, `renew` runs one round by hand. `export` writes the
//! hand-over ZIP of a register year or of documents
//! (kyso_office::archive::export) as a person of the agency, who logs in
//! with their password.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{anyhow, Context as _, Result};
use clap::Subcommand;
use kyso_office::archive::export::{ExportSelection, DEFAULT_EXPORT_LIMIT};
use kyso_office::archive::ltv::{ArchiveStatus, RenewalView};
use kyso_office::register::Direction;
use kyso_office::{Clock, FixedClock, Office, OfficeConfig, SystemClock};
use time::OffsetDateTime;

use crate::context::Context;
use crate::office_cmd::blob_store;

#[derive(Subcommand)]
pub enum ArchiveCommand {
    /// Lịch lưu trữ dài hạn / the long-term validity schedule: documents
    /// due, done and failed (with their errors).
    Status {
        /// Blob store (default DATA/blobs, or KYSO_BLOBS).
        #[arg(long, env = "KYSO_BLOBS")]
        blobs: Option<String>,
        /// The time to judge at (RFC 3339), instead of now.
        #[arg(long, value_parser = parse_time)]
        now: Option<OffsetDateTime>,
        #[arg(long)]
        json: bool,
    },
    /// Gia hạn dấu thời gian lưu trữ / run one renewal round now: every
    /// due document's long-term file gets fresh validation material and a
    /// new document time-stamp. Exit 1 when a renewal failed.
    Renew {
        #[arg(long, env = "KYSO_BLOBS")]
        blobs: Option<String>,
        /// The time to run at (RFC 3339), instead of now.
        #[arg(long, value_parser = parse_time)]
        now: Option<OffsetDateTime>,
        /// Days before the TSA certificate expires that a file is due.
        #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=3650))]
        margin_days: u32,
        /// Most documents renewed in this round.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        batch: u64,
        #[arg(long)]
        json: bool,
    },
    /// Xuất hồ sơ nộp lưu / export for hand-over to the archive (Circular
    /// 02/2019): a ZIP with the documents' files, long-term copies,
    /// verification reports, metadata.xml (docs/archive-metadata.xsd),
    /// their audit entries and manifest.xml. As a clerk, head or auditor
    /// of the agency (password from KYSO_PASSWORD or --user-password-env, else a prompt).
    Export(Box<ExportArgs>),
    /// Hồ sơ / records files (Circular 02/2019): open, file documents,
    /// close, list and show an agency's files of a year.
    #[command(subcommand)]
    File(Box<crate::records_file_cmd::FileCommand>),
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// The agency whose register is exported.
    #[arg(long, required_unless_present_any = ["document", "records_file"], requires = "register")]
    agency_id: Option<i64>,
    /// `out`: the outgoing register (the agency's documents); `in`: the
    /// incoming register (documents delivered to it, the issued files).
    #[arg(long, value_parser = ["in", "out"], requires = "year", conflicts_with = "document")]
    register: Option<String>,
    /// The register's year.
    #[arg(long, requires = "register", value_parser = clap::value_parser!(i32).range(1900..=9999))]
    year: Option<i32>,
    /// These documents (by id), instead of a register.
    #[arg(long, num_args = 1.., conflicts_with_all = ["register", "agency_id"])]
    document: Vec<i64>,
    /// A records file (hồ sơ, by id): its documents in order and
    /// recordsfile.xml, instead of a register.
    #[arg(long, conflicts_with_all = ["register", "agency_id", "document"])]
    records_file: Option<i64>,
    /// The ZIP to write (written whole or not at all).
    #[arg(long)]
    out: PathBuf,
    /// Who exports: a person of the agency.
    #[arg(long)]
    user: String,
    /// Environment variable with the person's password (else a no-echo
    /// prompt; `--password-env` stays the CA keys' one).
    #[arg(long, default_value = "KYSO_PASSWORD")]
    user_password_env: String,
    /// Most documents in one export.
    #[arg(long, default_value_t = DEFAULT_EXPORT_LIMIT)]
    limit: usize,
    #[arg(long, env = "KYSO_BLOBS")]
    blobs: Option<String>,
    #[arg(long)]
    json: bool,
}

async fn export(ctx: &Context, a: &ExportArgs) -> Result<()> {
    let sel = match (&a.register, a.agency_id, a.year) {
        (Some(r), Some(agency_id), Some(year)) => ExportSelection::Register {
            agency_id,
            direction: if r == "in" {
                Direction::In
            } else {
                Direction::Out
            },
            year,
        },
        _ if !a.document.is_empty() => ExportSelection::Documents(a.document.clone()),
        _ if a.records_file.is_some() => {
            ExportSelection::RecordsFile(a.records_file.unwrap_or_default())
        }
        _ => {
            return Err(anyhow!(
                "cần --agency-id, --register và --year, hoặc --document, hoặc --records-file / give --agency-id, --register and --year, or --document, or --records-file"
            ))
        }
    };
    let office = open(ctx, a.blobs.as_deref(), None, 365).await?;
    let login = login(&office, &a.user, &a.user_password_env).await?;
    let dir = match a.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let file = tmp.reopen()?;
    let result = office
        .export_archive(&login.actor, &sel, a.limit, std::io::BufWriter::new(file))
        .await;
    // The session was for this command only.
    let _ = office.logout(&login.session_secret, &login.actor).await;
    let report = result.map_err(|e| anyhow!(e.message()))?;
    tmp.persist(&a.out)
        .with_context(|| format!("cannot write {}", a.out.display()))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "đã xuất / exported {} văn bản / documents, {} tệp / files ({} bytes), {} mục nhật ký / audit entries → {}",
            report.documents,
            report.files,
            report.bytes,
            report.audit_entries,
            a.out.display()
        );
    }
    Ok(())
}

/// Logs `user` in for one command, the password from the environment
/// variable `env` or a no-echo prompt.
pub(crate) async fn login(
    office: &Office,
    user: &str,
    env: &str,
) -> Result<kyso_office::auth::LoginOutcome> {
    let pw = crate::key_source::password_from(env, &format!("Mật khẩu / password ({user}): "))?;
    office
        .login(user, &pw, None)
        .await
        .map_err(|e| anyhow!(e.message()))
}

fn parse_time(s: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("not an RFC 3339 time (2030-01-31T08:00:00Z): {e}"))
}

pub(crate) async fn open(
    ctx: &Context,
    blobs: Option<&str>,
    now: Option<OffsetDateTime>,
    margin_days: u32,
) -> Result<Office> {
    let ca = Arc::new(ctx.open_ca().await?);
    let mut config = OfficeConfig::new(
        ctx.data.clone(),
        ctx.key_password(false)?,
        ca.config().base_url.clone(),
    );
    config.ltv_margin = time::Duration::days(margin_days.into());
    let clock: Arc<dyn Clock> = match now {
        Some(t) => Arc::new(FixedClock::new(t)),
        None => Arc::new(SystemClock),
    };
    let store = ca.store().clone();
    Office::new(store, blob_store(ctx, blobs)?, ca, config, clock)
        .context("cannot start the document office")
}

fn vn(t: OffsetDateTime) -> String {
    kyso_pki::time::iso8601_vn(t)
}

fn print_row(r: &RenewalView) {
    println!(
        "  văn bản / document {}: {} — hạn / due {}, lần thử / attempts {}, gia hạn / renewals {}{}",
        r.document_id,
        r.state,
        vn(r.next_due),
        r.attempts,
        r.renewals,
        r.tsa_not_after
            .map(|t| format!(", chứng thư TSA đến / TSA certificate until {}", vn(t)))
            .unwrap_or_default()
    );
    if let Some(e) = &r.last_error {
        println!("    lỗi / error: {e}");
    }
}

fn print_status(s: &ArchiveStatus) {
    println!(
        "Lưu trữ dài hạn / long-term validity at {}: {} đến hạn / due, {} xong / done, {} lỗi / failed ({} đến hạn trong 30 ngày / due within 30 days)",
        vn(s.now),
        s.due,
        s.done,
        s.failed,
        s.due_soon
    );
    if !s.failed_rows.is_empty() {
        println!("Lỗi / failed:");
        s.failed_rows.iter().for_each(print_row);
    }
    if !s.due_rows.is_empty() {
        println!("Đến hạn / due:");
        s.due_rows.iter().for_each(print_row);
    }
}

pub async fn run(ctx: &Context, c: ArchiveCommand) -> Result<()> {
    match c {
        ArchiveCommand::Export(a) => export(ctx, &a).await,
        ArchiveCommand::File(c) => crate::records_file_cmd::run(ctx, *c).await,
        ArchiveCommand::Status { blobs, now, json } => {
            let office = open(ctx, blobs.as_deref(), now, 365).await?;
            let s = office
                .archive_status_all()
                .await
                .map_err(|e| anyhow!(e.message()))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                print_status(&s);
            }
            Ok(())
        }
        ArchiveCommand::Renew {
            blobs,
            now,
            margin_days,
            batch,
            json,
        } => {
            let office = open(ctx, blobs.as_deref(), now, margin_days).await?;
            let added = office
                .schedule_unscheduled()
                .await
                .map_err(|e| anyhow!(e.message()))?;
            let margin = office.config().ltv_margin;
            let r = office
                .renew_due(margin, batch)
                .await
                .map_err(|e| anyhow!(e.message()))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                if added > 0 {
                    println!("đã đưa vào lịch / scheduled: {added} documents");
                }
                println!(
                    "đã gia hạn / renewed: {} {:?}; lỗi / failed: {}; máy khác đang làm / taken by another replica: {}",
                    r.renewed.len(),
                    r.renewed,
                    r.failed.len(),
                    r.skipped
                );
                for (doc, e) in &r.failed {
                    println!("  văn bản / document {doc}: {e}");
                }
            }
            if r.failed.is_empty() {
                Ok(())
            } else {
                Err(anyhow!(
                    "{} gia hạn lỗi / renewals failed; they are retried on the next round",
                    r.failed.len()
                ))
            }
        }
    }
}
