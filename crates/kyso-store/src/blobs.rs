//! The blob store: files (PDFs, attachments, reports) kept by their
//! SHA-256 in an object store — a directory under the data directory by
//! default, an S3 bucket by URL (DESIGN §1, §11). A blob is written once
//! and never changed (R-ARCHIVE-ORIGINAL): the key is the hash of the
//! bytes, and every read checks the bytes still hash to it.
//!
//! The bytes are put *before* the transaction that records them (the
//! `blob` row) commits, so a committed row always has its bytes; bytes of
//! a transaction that rolled back are unreferenced and harmless.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::io::AsyncWriteExt;

use crate::office::blob;
use crate::timestamp::to_db;

/// What can go wrong with blobs.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob store: {0}")]
    Store(String),
    #[error("blob {0} not found")]
    NotFound(String),
    #[error("blob {0} is corrupt: its bytes no longer hash to its name")]
    Corrupt(String),
    #[error("blob store URL not understood: {0} (expected a directory, file://DIR or s3://BUCKET[/PREFIX])")]
    BadUrl(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<object_store::Error> for BlobError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { path, .. } => BlobError::NotFound(path),
            other => BlobError::Store(other.to_string()),
        }
    }
}

/// A stored blob: its hash (hex) and size.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlobRef {
    pub sha256: String,
    pub size: u64,
}

/// Content-addressed blobs over an object store. Cheap to clone.
#[derive(Clone)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    describe: String,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe)
    }
}

/// SHA-256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl BlobStore {
    /// Blobs under the directory `dir` (created when missing).
    pub fn local(dir: &Path) -> Result<BlobStore, BlobError> {
        std::fs::create_dir_all(dir)?;
        let fs = LocalFileSystem::new_with_prefix(dir)?;
        Ok(BlobStore {
            inner: Arc::new(fs),
            prefix: ObjectPath::from("blobs"),
            describe: format!("files under {}", dir.display()),
        })
    }

    /// Blobs at `url`: a directory path or `file://DIR`, or
    /// `s3://BUCKET[/PREFIX]` with the credentials, region and endpoint
    /// from the usual AWS environment variables (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL`;
    /// `AWS_ALLOW_HTTP=true` for a plain-HTTP endpoint on a private network).
    pub fn open(url: &str) -> Result<BlobStore, BlobError> {
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(BlobError::BadUrl(url.into()));
            }
            let s3 = AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()?;
            let prefix = prefix.trim_matches('/');
            return Ok(BlobStore {
                inner: Arc::new(s3),
                prefix: ObjectPath::from(if prefix.is_empty() { "blobs" } else { prefix }),
                describe: format!("s3://{bucket}/{prefix}"),
            });
        }
        let dir = url.strip_prefix("file://").unwrap_or(url);
        if dir.contains("://") || dir.is_empty() {
            return Err(BlobError::BadUrl(url.into()));
        }
        BlobStore::local(Path::new(dir))
    }

    /// Where the blobs are, for messages (no credentials).
    pub fn describe(&self) -> &str {
        &self.describe
    }

    fn key(&self, sha256: &str) -> ObjectPath {
        let sub = sha256.get(..2).unwrap_or("xx");
        self.prefix.clone().join("sha256").join(sub).join(sha256)
    }

    /// Stores `bytes` (idempotent: the same bytes are the same blob).
    pub async fn put(&self, bytes: Bytes) -> Result<BlobRef, BlobError> {
        let sha256 = sha256_hex(&bytes);
        let size = bytes.len() as u64;
        let key = self.key(&sha256);
        if self.inner.head(&key).await.is_err() {
            self.inner.put(&key, PutPayload::from(bytes)).await?;
        }
        Ok(BlobRef { sha256, size })
    }

    /// Stores the file at `path`, read once to hash it and once to upload
    /// it in parts (large scans never sit whole in memory).
    pub async fn put_file(&self, path: &Path) -> Result<BlobRef, BlobError> {
        use tokio::io::AsyncReadExt;
        let mut f = tokio::fs::File::open(path).await?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut size = 0u64;
        loop {
            let n = f.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            size += n as u64;
        }
        let sha256 = hex::encode(h.finalize());
        let key = self.key(&sha256);
        if self.inner.head(&key).await.is_ok() {
            return Ok(BlobRef { sha256, size });
        }
        if size <= 8 << 20 {
            let bytes = tokio::fs::read(path).await?;
            self.inner.put(&key, PutPayload::from(bytes)).await?;
        } else {
            let mut upload = self.inner.put_multipart(&key).await?;
            let mut f = tokio::fs::File::open(path).await?;
            let mut part = vec![0u8; 8 << 20];
            loop {
                let mut filled = 0;
                while filled < part.len() {
                    let n = f.read(&mut part[filled..]).await?;
                    if n == 0 {
                        break;
                    }
                    filled += n;
                }
                if filled == 0 {
                    break;
                }
                upload
                    .put_part(PutPayload::from(part[..filled].to_vec()))
                    .await?;
                if filled < part.len() {
                    break;
                }
            }
            upload.complete().await?;
        }
        Ok(BlobRef { sha256, size })
    }

    /// The bytes of blob `sha256`, checked against their hash.
    pub async fn get(&self, sha256: &str) -> Result<Bytes, BlobError> {
        let bytes = self.inner.get(&self.key(sha256)).await?.bytes().await?;
        if sha256_hex(&bytes) != sha256 {
            return Err(BlobError::Corrupt(sha256.into()));
        }
        Ok(bytes)
    }

    /// Writes blob `sha256` to the file `path`, streamed, and checks its hash.
    pub async fn get_to_file(&self, sha256: &str, path: &Path) -> Result<u64, BlobError> {
        use futures_util::StreamExt;
        let got = self.inner.get(&self.key(sha256)).await?;
        let mut stream = got.into_stream();
        let mut out = tokio::fs::File::create(path).await?;
        let mut h = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            h.update(&chunk);
            size += chunk.len() as u64;
            out.write_all(&chunk).await?;
        }
        out.flush().await?;
        if hex::encode(h.finalize()) != sha256 {
            let _ = tokio::fs::remove_file(path).await;
            return Err(BlobError::Corrupt(sha256.into()));
        }
        Ok(size)
    }

    /// Whether blob `sha256` is stored.
    pub async fn exists(&self, sha256: &str) -> Result<bool, BlobError> {
        match self.inner.head(&self.key(sha256)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// Records blob `r` in the database (in the caller's transaction); a blob
/// already recorded keeps its first row.
pub async fn record_blob(
    tx: &impl ConnectionTrait,
    r: &BlobRef,
    media_type: &str,
    parent_sha256: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), crate::StoreError> {
    blob::Entity::insert(blob::ActiveModel {
        sha256: Set(r.sha256.clone()),
        size: Set(r.size as i64),
        media_type: Set(media_type.to_string()),
        parent_sha256: Set(parent_sha256.map(str::to_string)),
        created_at: Set(to_db(now)),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_blobs_are_content_addressed_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let s = BlobStore::local(dir.path()).unwrap();
        let r = s.put(Bytes::from_static(b"%PDF-1.7 test")).await.unwrap();
        assert_eq!(r.sha256, sha256_hex(b"%PDF-1.7 test"));
        assert_eq!(
            s.put(Bytes::from_static(b"%PDF-1.7 test")).await.unwrap(),
            r
        );
        assert_eq!(&s.get(&r.sha256).await.unwrap()[..], b"%PDF-1.7 test");
        assert!(s.exists(&r.sha256).await.unwrap());
        assert!(!s.exists(&"0".repeat(64)).await.unwrap());
        assert!(matches!(
            s.get(&"0".repeat(64)).await,
            Err(BlobError::NotFound(_))
        ));
        // A file large enough to go up in parts.
        let big: Vec<u8> = (0..9 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        let p = dir.path().join("big.bin");
        std::fs::write(&p, &big).unwrap();
        let rb = s.put_file(&p).await.unwrap();
        assert_eq!(rb.size, big.len() as u64);
        let out = dir.path().join("out.bin");
        s.get_to_file(&rb.sha256, &out).await.unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), big);
        // Bytes changed behind the store's back are caught on read.
        let path = dir
            .path()
            .join("blobs/sha256")
            .join(&r.sha256[..2])
            .join(&r.sha256);
        std::fs::write(&path, b"tampered").unwrap();
        assert!(matches!(s.get(&r.sha256).await, Err(BlobError::Corrupt(_))));
    }

    #[test]
    fn urls() {
        assert!(matches!(
            BlobStore::open("s3://"),
            Err(BlobError::BadUrl(_))
        ));
        assert!(matches!(
            BlobStore::open("gs://x"),
            Err(BlobError::BadUrl(_))
        ));
        let dir = tempfile::tempdir().unwrap();
        let s = BlobStore::open(&format!("file://{}", dir.path().display())).unwrap();
        assert!(s.describe().contains(&dir.path().display().to_string()));
    }
}
