//! `kyso backup`: a consistent logical export of the database, the data
//! directory's files (configuration, encrypted seal keys) and every blob
//! not already at the target, then the signed manifest — written last, so
//! a backup interrupted at any point (even `kill -9`) leaves the previous
//! backups untouched and is simply not a backup; the next run completes.
//!
//! Blobs are kept once per target, by their SHA-256 (`blobs/sha256/…`).
//! An incremental backup writes the blobs its predecessor's manifest does
//! not list (and that are not already there); a full backup reads back
//! every blob already at the target and rewrites any that is missing or
//! damaged, so a monthly full backup also repairs the target.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use kyso_ca::Ca;
use kyso_store::archive::dump;
use kyso_store::archive::target::{blob_object, Target};
use kyso_store::{BlobStore, Store};
use time::OffsetDateTime;

use super::manifest::{self, BlobEntry, FileEntry, Kind, Manifest, Previous, Source, TableEntry};
use super::seal::{verify_seal, BackupSeal};
use super::{backup_dir, latest_backup, manifest_object, signature_object, BackupError};

/// Which kind of backup to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackupMode {
    Full,
    Incremental,
    /// The schedule's rule: full on the first day of the month (UTC) or
    /// when the target has no backup to build on, else incremental.
    Scheduled,
}

/// What a backup did.
#[derive(Clone, Debug)]
pub struct BackupReport {
    pub id: String,
    pub kind: Kind,
    pub previous: Option<String>,
    pub tables: usize,
    pub rows: u64,
    pub files: usize,
    pub blobs: usize,
    pub blobs_written: u64,
    pub bytes_written: u64,
}

/// What is backed up.
pub struct BackupSource<'a> {
    pub store: &'a Store,
    pub blobs: &'a BlobStore,
    pub ca: &'a Ca,
    pub data_dir: &'a Path,
    /// The server's key password (it protects the backup seal key).
    pub password: &'a [u8],
}

/// The files of the data directory a backup keeps: the configuration and
/// the encrypted keys. Never the key password, the SQLite file (exported
/// logically) or local blobs (kept as blobs).
pub fn data_files(data_dir: &Path) -> Result<Vec<String>, BackupError> {
    let mut out = Vec::new();
    if data_dir.join("kyso.toml").is_file() {
        out.push("kyso.toml".to_string());
    }
    let keys = data_dir.join("keys");
    if keys.is_dir() {
        let mut names: Vec<String> = std::fs::read_dir(&keys)?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
            .filter_map(|e| e.file_name().to_str().map(|n| format!("keys/{n}")))
            .collect();
        names.sort();
        out.extend(names);
    }
    Ok(out)
}

fn backup_id(now: OffsetDateTime) -> Result<String, BackupError> {
    let mut r = [0u8; 3];
    kyso_crypto::random_bytes(&mut r).map_err(|e| BackupError::Other(e.to_string()))?;
    Ok(format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z-{}",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        hex::encode(r)
    ))
}

fn sha256_file(path: &Path) -> Result<(String, u64), BackupError> {
    use sha2::{Digest, Sha256};
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let n = std::io::copy(&mut f, &mut h)?;
    Ok((hex::encode(h.finalize()), n))
}

/// Test hook: `KYSO_FAULT_ABORT_AFTER_BLOBS=N` aborts the process (no
/// clean-up, as `kill -9` would) after N blobs were written.
fn abort_after_blobs() -> Option<u64> {
    std::env::var("KYSO_FAULT_ABORT_AFTER_BLOBS")
        .ok()
        .and_then(|v| v.parse().ok())
}

/// The previous backup's manifest, when its signature verifies under the
/// system's root (else the run is full).
async fn previous(
    target: &Target,
    ca: &Ca,
) -> Result<Option<(Previous, HashSet<String>)>, BackupError> {
    let Some(id) = latest_backup(target).await? else {
        return Ok(None);
    };
    let bytes = target.get(&manifest_object(&id)).await?;
    let p7s = target.get(&signature_object(&id)).await?;
    let mut trust = kyso_pki::trust::TrustStore::new();
    trust
        .add_der(ca.root_der(), "root")
        .map_err(|e| BackupError::Seal(e.to_string()))?;
    if let Err(e) = verify_seal(&p7s, &bytes, &trust) {
        tracing::warn!("the previous backup {id} does not verify ({e}): a full backup is made");
        return Ok(None);
    }
    let m = Manifest::parse(&bytes)?;
    let blobs = m.blobs.into_iter().map(|b| b.sha256).collect();
    Ok(Some((
        Previous {
            id,
            manifest_sha256: kyso_store::blobs::sha256_hex(&bytes),
        },
        blobs,
    )))
}

/// Makes one backup of `src` at `target`.
pub async fn backup(
    src: &BackupSource<'_>,
    target: &Target,
    mode: BackupMode,
) -> Result<BackupReport, BackupError> {
    let seal = BackupSeal::load_or_create(src.ca, src.data_dir, src.password).await?;
    let now = OffsetDateTime::now_utc();
    let prev = previous(target, src.ca).await?;
    let kind = match (mode, &prev) {
        (BackupMode::Full, _) | (_, None) => Kind::Full,
        (BackupMode::Incremental, Some(_)) => Kind::Incremental,
        (BackupMode::Scheduled, Some(_)) if now.day() == 1 => Kind::Full,
        (BackupMode::Scheduled, Some(_)) => Kind::Incremental,
    };
    let id = backup_id(now)?;
    let dir = backup_dir(&id);
    let work = tempfile::Builder::new().prefix("kyso-backup-").tempdir()?;

    let snap = dump::snapshot(src.store, work.path()).await?;
    let mut tables = Vec::new();
    let mut rows = 0;
    for t in &snap.tables {
        let name = t
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("table.jsonl");
        let object = format!("{dir}/db/{name}");
        target.put_file(&object, &t.path).await?;
        rows += t.rows;
        tables.push(TableEntry {
            table: t.table.clone(),
            object,
            sha256: t.sha256.clone(),
            size: t.size,
            rows: t.rows,
        });
    }

    let mut files = Vec::new();
    for rel in data_files(src.data_dir)? {
        let path: PathBuf = src.data_dir.join(&rel);
        let (sha256, size) = sha256_file(&path)?;
        let object = format!("{dir}/files/{rel}");
        target.put_file(&object, &path).await?;
        files.push(FileEntry {
            path: rel,
            object,
            sha256,
            size,
        });
    }

    let known: HashSet<String> = match (&prev, kind) {
        (Some((_, blobs)), Kind::Incremental) => blobs.clone(),
        _ => HashSet::new(),
    };
    let abort_after = abort_after_blobs();
    let (mut blobs_written, mut bytes_written) = (0u64, 0u64);
    for b in &snap.blobs {
        let object = blob_object(&b.sha256);
        let present = if known.contains(&b.sha256) {
            true
        } else if kind == Kind::Full {
            match target.hash(&object, None).await {
                Ok((sha, size)) => sha == b.sha256 && size == b.size,
                Err(kyso_store::archive::ArchiveError::Target(m)) if m.ends_with("missing") => {
                    false
                }
                Err(e) => return Err(e.into()),
            }
        } else {
            target.exists(&object).await?
        };
        if present {
            continue;
        }
        let bytes = src.blobs.get(&b.sha256).await?;
        bytes_written += bytes.len() as u64;
        target.put(&object, bytes).await?;
        blobs_written += 1;
        if abort_after == Some(blobs_written) {
            std::process::abort();
        }
    }

    let m = Manifest {
        format: manifest::FORMAT.into(),
        id: id.clone(),
        kind,
        created_at: now
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| BackupError::Other(e.to_string()))?,
        previous: prev.as_ref().map(|(p, _)| p.clone()),
        source: Source {
            backend: match src.store.backend() {
                kyso_store::Backend::Sqlite => "sqlite".into(),
                kyso_store::Backend::Postgres => "postgres".into(),
            },
            migrations: snap.migrations.clone(),
        },
        tables,
        files,
        blobs: snap
            .blobs
            .iter()
            .map(|b| BlobEntry {
                sha256: b.sha256.clone(),
                size: b.size,
            })
            .collect(),
        blobs_written,
        bytes_written,
    };
    let bytes = serde_json::to_vec_pretty(&m)?;
    let p7s = seal.sign(src.ca, &bytes).await?;
    target
        .put(&signature_object(&id), bytes::Bytes::from(p7s))
        .await?;
    target
        .put(&manifest_object(&id), bytes::Bytes::from(bytes))
        .await?;
    Ok(BackupReport {
        id,
        kind,
        previous: m.previous.map(|p| p.id),
        tables: m.tables.len(),
        rows,
        files: m.files.len(),
        blobs: m.blobs.len(),
        blobs_written,
        bytes_written,
    })
}
