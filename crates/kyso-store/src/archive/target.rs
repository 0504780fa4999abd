//! Where backups go: a directory (`DIR` or `file://DIR`) or an S3 bucket
//! (`s3://BUCKET[/PREFIX]`, credentials and endpoint from the usual AWS
//! environment variables, as for [`crate::BlobStore`]). Every object is
//! written whole or not at all (a staged file renamed into place on a
//! directory, one PUT or a completed multipart upload on S3), so an
//! interrupted backup leaves no half-written object under its final name.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::ArchiveError;

/// Objects larger than this go up in parts.
const PART: usize = 8 << 20;

/// A backup target. Cheap to clone.
#[derive(Clone)]
pub struct Target {
    inner: Arc<dyn ObjectStore>,
    prefix: String,
    describe: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe)
    }
}

/// The object name of blob `sha256` under a target.
pub fn blob_object(sha256: &str) -> String {
    format!("blobs/sha256/{}/{sha256}", sha256.get(..2).unwrap_or("xx"))
}

impl Target {
    /// The target at `url` (a directory is created when missing).
    pub fn open(url: &str) -> Result<Target, ArchiveError> {
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(ArchiveError::Target(format!("bad target URL {url}")));
            }
            let s3 = AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()?;
            let prefix = prefix.trim_matches('/').to_string();
            return Ok(Target {
                inner: Arc::new(s3),
                describe: format!("s3://{bucket}/{prefix}"),
                prefix,
            });
        }
        let dir = url.strip_prefix("file://").unwrap_or(url);
        if dir.is_empty() || dir.contains("://") {
            return Err(ArchiveError::Target(format!(
                "bad target {url} (a directory, file://DIR or s3://BUCKET[/PREFIX])"
            )));
        }
        std::fs::create_dir_all(dir)?;
        let dir = std::path::absolute(dir)?;
        Ok(Target {
            inner: Arc::new(LocalFileSystem::new_with_prefix(&dir)?),
            prefix: String::new(),
            describe: dir.display().to_string(),
        })
    }

    /// Where the target is, for messages (no credentials).
    pub fn describe(&self) -> &str {
        &self.describe
    }

    fn path(&self, rel: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(rel)
        } else {
            ObjectPath::from(format!("{}/{rel}", self.prefix))
        }
    }

    /// Writes `bytes` as object `rel`.
    pub async fn put(&self, rel: &str, bytes: Bytes) -> Result<(), ArchiveError> {
        self.inner
            .put(&self.path(rel), PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    /// Writes the file at `file` as object `rel` (in parts when large).
    pub async fn put_file(&self, rel: &str, file: &Path) -> Result<(), ArchiveError> {
        let len = tokio::fs::metadata(file).await?.len();
        if len <= PART as u64 {
            return self
                .put(rel, Bytes::from(tokio::fs::read(file).await?))
                .await;
        }
        let mut upload = self.inner.put_multipart(&self.path(rel)).await?;
        let mut f = tokio::fs::File::open(file).await?;
        loop {
            let mut part = vec![0u8; PART];
            let mut filled = 0;
            while filled < PART {
                let n = f.read(&mut part[filled..]).await?;
                if n == 0 {
                    break;
                }
                filled += n;
            }
            if filled == 0 {
                break;
            }
            part.truncate(filled);
            upload.put_part(PutPayload::from(part)).await?;
            if filled < PART {
                break;
            }
        }
        upload.complete().await?;
        Ok(())
    }

    /// The bytes of object `rel`.
    pub async fn get(&self, rel: &str) -> Result<Bytes, ArchiveError> {
        match self.inner.get(&self.path(rel)).await {
            Ok(g) => Ok(g.bytes().await?),
            Err(object_store::Error::NotFound { .. }) => {
                Err(ArchiveError::Target(format!("{rel} is missing")))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Streams object `rel` into `file` (when given) and returns its
    /// SHA-256 (hex) and size.
    pub async fn hash(
        &self,
        rel: &str,
        file: Option<&Path>,
    ) -> Result<(String, u64), ArchiveError> {
        let got = match self.inner.get(&self.path(rel)).await {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(ArchiveError::Target(format!("{rel} is missing")))
            }
            Err(e) => return Err(e.into()),
        };
        let mut out = match file {
            Some(p) => Some(tokio::fs::File::create(p).await?),
            None => None,
        };
        let mut stream = got.into_stream();
        let mut h = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            h.update(&chunk);
            size += chunk.len() as u64;
            if let Some(o) = out.as_mut() {
                o.write_all(&chunk).await?;
            }
        }
        if let Some(o) = out.as_mut() {
            o.flush().await?;
        }
        Ok((hex::encode(h.finalize()), size))
    }

    /// Whether object `rel` exists.
    pub async fn exists(&self, rel: &str) -> Result<bool, ArchiveError> {
        match self.inner.head(&self.path(rel)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The names of the "directories" directly under `rel`.
    pub async fn children(&self, rel: &str) -> Result<Vec<String>, ArchiveError> {
        let base = self.path(rel);
        let listed = self.inner.list_with_delimiter(Some(&base)).await?;
        let mut out: Vec<String> = listed
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_string))
            .collect();
        out.sort();
        Ok(out)
    }

    /// Deletes object `rel` (tests corrupt and remove objects with it).
    pub async fn delete(&self, rel: &str) -> Result<(), ArchiveError> {
        self.inner.delete(&self.path(rel)).await?;
        Ok(())
    }
}
