//! `kyso backup` (make, verify, list) and `kyso restore`: the archive's
//! backups of the database, the data directory's files and the blobs, to
//! a directory or an S3 bucket, with a signed, time-stamped manifest
//! (kyso_office::archive).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use clap::{Args, Subcommand};
use kyso_office::archive::{self, backup::BackupSource, restore::RestoreInto, BackupMode};
use kyso_pki::trust::TrustStore;
use kyso_store::archive::target::Target;

use crate::context::Context;
use crate::office_cmd::blob_store;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    #[command(subcommand)]
    action: Option<BackupAction>,
    #[command(flatten)]
    make: MakeArgs,
}

/// Make a backup.
#[derive(Args)]
struct MakeArgs {
    /// Where to: a directory or s3://BUCKET/PREFIX (AWS_* variables as for
    /// --blobs). Repeat for a second, independent target.
    #[arg(long = "to")]
    to: Vec<String>,
    /// A full backup: every blob at the target read back, any missing or
    /// damaged one rewritten. Default: full on the 1st of the month or when
    /// the target has none, else incremental.
    #[arg(long, conflicts_with = "incremental")]
    full: bool,
    /// An incremental backup: only blobs the previous manifest lacks.
    #[arg(long)]
    incremental: bool,
    /// Where the system's blobs are (default: DATA/blobs).
    #[arg(long, env = "KYSO_BLOBS")]
    blobs: Option<String>,
    /// Attempts per target when it fails (full disk, unreachable).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=10))]
    attempts: u32,
}

#[derive(Subcommand)]
enum BackupAction {
    /// Kiểm tra bản sao lưu / check a backup without restoring it: the
    /// manifest's signature and time-stamp, and every object's SHA-256.
    /// Exit 0 whole, 1 otherwise (each bad object named).
    Verify(FromArgs),
    /// The complete backups at a target, oldest first.
    List {
        #[arg(long)]
        from: String,
    },
}

#[derive(Args)]
pub struct FromArgs {
    /// The target the backup is at.
    #[arg(long)]
    from: String,
    /// Which backup (default: the newest complete one).
    #[arg(long)]
    id: Option<String>,
    /// Trust anchor(s) the manifest's signer must chain to (PEM bundle or
    /// DER), e.g. the root kept from `kyso ca cert root`. Default: this
    /// data directory's CA root.
    #[arg(long)]
    trust: Vec<PathBuf>,
}

#[derive(Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    from: FromArgs,
    /// Where to put the blobs (default: DATA/blobs).
    #[arg(long, env = "KYSO_BLOBS")]
    blobs: Option<String>,
}

fn add_trust_file(trust: &mut TrustStore, p: &Path) -> Result<()> {
    let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
    let label = p.display().to_string();
    if bytes.windows(10).any(|w| w == b"-----BEGIN") {
        trust.add_pem_bundle(&bytes, &label)?;
    } else {
        trust.add_der(&bytes, &label)?;
    }
    Ok(())
}

async fn trust_of(ctx: &Context, files: &[PathBuf], restoring: bool) -> Result<TrustStore> {
    let mut trust = TrustStore::new();
    for p in files {
        add_trust_file(&mut trust, p)?;
    }
    if trust.is_empty() {
        if restoring || !ctx.config_path().exists() {
            bail!(
                "give the root the backups are signed under with --trust FILE (kyso ca cert root)"
            );
        }
        let ca = ctx.open_ca().await?;
        trust.add_der(ca.root_der(), "root")?;
    }
    Ok(trust)
}

pub async fn run(ctx: &Context, a: BackupArgs) -> Result<()> {
    match a.action {
        Some(BackupAction::Verify(f)) => verify(ctx, f).await,
        Some(BackupAction::List { from }) => {
            let target = Target::open(&from)?;
            for id in archive::list_backups(&target).await? {
                println!("{id}");
            }
            Ok(())
        }
        None => make(ctx, a.make).await,
    }
}

async fn make(ctx: &Context, a: MakeArgs) -> Result<()> {
    if a.to.is_empty() {
        bail!("--to DIR|s3://BUCKET/PREFIX is required");
    }
    let mode = match (a.full, a.incremental) {
        (true, _) => BackupMode::Full,
        (_, true) => BackupMode::Incremental,
        _ => BackupMode::Scheduled,
    };
    let ca = ctx.open_ca().await?;
    let blobs = blob_store(ctx, a.blobs.as_deref())?;
    let password = ctx.key_password(false)?;
    let data = std::path::absolute(&ctx.data)?;
    let src = BackupSource {
        store: ca.store(),
        blobs: &blobs,
        ca: &ca,
        data_dir: &data,
        password: &password,
    };
    let mut failed = Vec::new();
    for to in &a.to {
        let target = Target::open(to)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match archive::backup(&src, &target, mode).await {
                Ok(r) => {
                    println!(
                        "Đã sao lưu / backed up {} to {}: {:?}{}, {} tables ({} rows), {} files, {} blobs ({} written, {} bytes)",
                        r.id,
                        target.describe(),
                        r.kind,
                        r.previous
                            .map(|p| format!(" after {p}"))
                            .unwrap_or_default(),
                        r.tables,
                        r.rows,
                        r.files,
                        r.blobs,
                        r.blobs_written,
                        r.bytes_written
                    );
                    break;
                }
                Err(e) if attempt < a.attempts => {
                    eprintln!(
                        "sao lưu thất bại, thử lại / backup to {} failed (attempt {attempt}): {e}",
                        target.describe()
                    );
                    tokio::time::sleep(Duration::from_secs(2u64.pow(attempt))).await;
                }
                Err(e) => {
                    eprintln!(
                        "SAO LƯU THẤT BẠI / BACKUP FAILED to {} after {attempt} attempts: {e}",
                        target.describe()
                    );
                    failed.push(target.describe().to_string());
                    break;
                }
            }
        }
    }
    if !failed.is_empty() {
        bail!("no backup at {}", failed.join(", "));
    }
    Ok(())
}

async fn verify(ctx: &Context, f: FromArgs) -> Result<()> {
    let trust = trust_of(ctx, &f.trust, false).await?;
    let target = Target::open(&f.from)?;
    let r = archive::verify_backup(&target, f.id.as_deref(), &trust, None).await?;
    println!(
        "Bản sao lưu / backup {} ({:?}, {}): chữ ký / signed by {} at {}",
        r.id, r.manifest.kind, r.manifest.created_at, r.seal.signer, r.seal.time
    );
    println!("{} objects, {} bytes checked", r.objects, r.bytes);
    for p in &r.problems {
        println!("HỎNG / BAD: {p}");
    }
    if !r.problems.is_empty() {
        bail!(
            "bản sao lưu bị hỏng / the backup is damaged ({} objects)",
            r.problems.len()
        );
    }
    println!("Nguyên vẹn / whole");
    Ok(())
}

pub async fn restore(ctx: &Context, a: RestoreArgs) -> Result<()> {
    let trust = trust_of(ctx, &a.from.trust, true).await?;
    let target = Target::open(&a.from.from)?;
    let store = ctx.store().await?;
    let blobs = blob_store(ctx, a.blobs.as_deref())?;
    let data = std::path::absolute(&ctx.data)?;
    let r = archive::restore(
        &target,
        a.from.id.as_deref(),
        &trust,
        &RestoreInto {
            store: &store,
            blobs: &blobs,
            data_dir: &data,
        },
    )
    .await?;
    let rows: u64 = r.rows.values().sum();
    println!(
        "Đã khôi phục / restored {}: {} tables ({rows} rows), {} files, {} blobs ({} bytes)",
        r.id,
        r.rows.len(),
        r.files,
        r.blobs,
        r.bytes
    );
    println!(
        "Đặt mật khẩu khóa / set the key password (KYSO_KEY_PASSWORD or DATA/key-password): it is never in a backup."
    );
    Ok(())
}
