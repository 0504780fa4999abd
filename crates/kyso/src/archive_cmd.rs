//! `kyso archive`: the long-term validity schedule of this server's
//! documents (kyso_office::archive::ltv). A running `kyso serve` renews
//! due files by itself (`--archive-interval`); `status` shows what is due,
//! done and failed, `renew` runs one round by hand.

use std::sync::Arc;

use anyhow::{anyhow, Context as _, Result};
use clap::Subcommand;
use kyso_office::archive::ltv::{ArchiveStatus, RenewalView};
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
}

fn parse_time(s: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("not an RFC 3339 time (2030-01-31T08:00:00Z): {e}"))
}

async fn open(
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
