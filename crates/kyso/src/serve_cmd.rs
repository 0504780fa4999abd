//! `kyso serve` (and `kyso demo`, crate::demo): the CA's endpoints (certificates, CRLs,
//! OCSP, TSA) and the document office (REST API, browser signing) in one
//! process, with the office's background jobs.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::Args;
use kyso_ca::Ca;
use kyso_office::{Office, OfficeConfig, SystemClock};
use kyso_server::{AppState, JobIntervals};
use kyso_store::BlobStore;

use crate::context::Context;

/// How the office is served.
#[derive(Args, Clone)]
pub struct OfficeArgs {
    /// Where documents and attachments are kept: a directory, or
    /// s3://BUCKET/PREFIX with the credentials, region and endpoint from
    /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL
    /// (AWS_ALLOW_HTTP=true for a plain-HTTP endpoint). Default: DATA/blobs.
    #[arg(long, env = "KYSO_BLOBS")]
    blobs: Option<String>,
    /// Largest file accepted (main file or attachment), in MiB.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1024))]
    max_upload_mb: u32,
    /// Logins a minute accepted from one client address (per process; the
    /// lock-out of an account after repeated failures is in the database).
    #[arg(long, default_value_t = kyso_server::AppState::DEFAULT_LOGINS_PER_MINUTE,
          value_parser = clap::value_parser!(u32).range(1..))]
    login_rate: u32,
    /// SMTP server of the certificate desk's e-mail notices (lettre URL,
    /// e.g. smtp://relay:25 or smtps://user:pass@host); default: `smtp_url`
    /// in kyso.toml. Without one, notices stay pending and are listed.
    #[arg(long, env = "KYSO_SMTP_URL")]
    smtp_url: Option<String>,
    /// Seconds between two rounds of the desk's notices.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=86400))]
    notice_interval: u64,
    /// How often the desk's report for the department is made, signed
    /// with its seal and kept: monthly, quarterly or off.
    #[arg(long, default_value = "monthly", value_parser = kyso_office::desk::Schedule::parse)]
    report_schedule: kyso_office::desk::Schedule,
    /// Seconds between two rounds of webhook sending.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=3600))]
    webhook_interval: u64,
    /// Seconds between two rounds of archive renewal (re-time-stamping
    /// long-term files whose TSA certificate nears its expiry).
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..=604_800))]
    archive_interval: u64,
    /// Days before the TSA certificate of a file's last document
    /// time-stamp expires that the file is time-stamped again.
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=3650))]
    ltv_margin_days: u32,
    /// Documents renewed per round (each under a lease in the database).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    ltv_batch: u64,
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    office: OfficeArgs,
}

pub async fn serve(ctx: &Context, a: ServeArgs) -> Result<()> {
    let ca = ctx.open_ca().await?;
    let state = office_state(ctx, ca, &a.office)?;
    run_server(state, a.listen, &a.office).await
}

/// The office over the CA's database, the blob store and the key
/// password (the CA's: it also protects the agencies' seal keys).
pub fn office_state(ctx: &Context, ca: Ca, a: &OfficeArgs) -> Result<AppState> {
    let data = std::path::absolute(&ctx.data)
        .with_context(|| format!("cannot resolve {}", ctx.data.display()))?;
    let blobs_url = a
        .blobs
        .clone()
        .unwrap_or_else(|| data.join("blobs").display().to_string());
    let blobs = BlobStore::open(&blobs_url)
        .with_context(|| format!("cannot open the blob store {blobs_url}"))?;
    let password = ctx.key_password(false)?;
    let ca = Arc::new(ca);
    let mut config = OfficeConfig::new(data, password, ca.config().base_url.clone());
    config.max_upload = a.max_upload_mb as usize * 1024 * 1024;
    config.smtp_url = a.smtp_url.clone().or_else(|| ca.config().smtp_url.clone());
    if let Some(url) = &config.smtp_url {
        kyso_office::desk::notice::check_smtp_url(url).map_err(anyhow::Error::msg)?;
    }
    if let Some(from) = &ca.config().smtp_from {
        config.smtp_from = from.clone();
    }
    config.ltv_margin = time::Duration::days(a.ltv_margin_days.into());
    config.report_schedule = a.report_schedule;
    let office = Office::new(
        ca.store().clone(),
        blobs,
        ca.clone(),
        config,
        Arc::new(SystemClock),
    )
    .context("cannot start the document office")?;
    Ok(AppState::new(Arc::new(office), ca).with_logins_per_minute(a.login_rate))
}

pub(crate) async fn run_server(state: AppState, listen: SocketAddr, a: &OfficeArgs) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let base = state.ca.config().base_url.trim_end_matches('/').to_string();
    println!("kyso đang phục vụ / kyso is serving on http://{addr}");
    println!("  CA gốc / root CA:        {base}/pki/root.crt");
    println!("  CA cấp / issuing CA:     {base}/pki/issuing.crt");
    println!("  CRL:                     {base}/pki/issuing.crl  {base}/pki/root.crl");
    println!("  OCSP:                    {base}/ocsp");
    println!("  TSA (RFC 3161):          {base}/tsa");
    println!(
        "  API văn phòng / office API: {base}/api/v1/  (mô tả / description: {base}/api/docs)"
    );
    println!("  Ký số trên trình duyệt / browser signing: {base}/sign");
    println!(
        "  Lưu tệp / blobs:         {}",
        state.office.blobs().describe()
    );
    println!("Dừng bằng Ctrl-C / stop with Ctrl-C.");
    use std::io::Write;
    std::io::stdout().flush()?;
    let intervals = JobIntervals {
        webhooks: Duration::from_secs(a.webhook_interval),
        desk_notices: Duration::from_secs(a.notice_interval),
        archive: Duration::from_secs(a.archive_interval),
        ltv_batch: a.ltv_batch,
        ..JobIntervals::default()
    };
    kyso_server::serve(listener, state, &intervals, shutdown_signal()).await?;
    Ok(())
}

/// Ctrl-C, or SIGTERM (what service managers and containers send).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
