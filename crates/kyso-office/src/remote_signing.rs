//! Signing with a key that never reaches the server (DESIGN §1, §4): the
//! server prepares the PDF and hands out the digest bound to a one-time
//! nonce; the holder's `kyso agent` (or `kyso doc approve` with a local
//! token) signs it; the server finalizes. Moved here from the server so
//! that the office's approval and the `/sign` page share one
//! implementation (protocol: docs/agent-protocol.md).
//!
//! Nothing is kept in process memory between the two steps: the prepared
//! file, its `/ByteRange` and the nonce live in the database, so any
//! replica finalizes. Finalizing checks the signature, time-stamps it with
//! the server's TSA and assembles the signed file *before* the nonce is
//! consumed; the nonce is consumed in the transaction that stores the
//! signed file, so a failure anywhere before that leaves the prepared
//! state for a retry, and a retry after it (the answer was lost) returns
//! the stored result for the same signature.

use std::path::Path;

use bytes::Bytes;
use der::{Decode, Encode};
use kyso_crypto::SignatureAlgorithm;
use kyso_sign::{ByteRange, SignOptions};
use kyso_store::sea_orm::DatabaseTransaction;
use kyso_store::{ConsumeRefusal, PendingDocument, PendingSignatureRecord, Store};
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use x509_cert::Certificate;

use crate::error::{ErrorKind, OfficeError, Result};
use crate::Office;

/// How long a prepared document waits for its signature.
pub const PENDING_TTL: Duration = Duration::minutes(10);
/// Most documents waiting at once, across every replica.
const MAX_PENDING: u64 = 256;
/// How long a finished or expired nonce is remembered, so that a late or
/// repeated answer gets "expired" or its result rather than "unknown".
const NONCE_KEPT: Duration = Duration::days(1);

/// The digest to sign, handed to the agent.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PreparedRemote {
    /// 64 hex digits; shown once, kept only as its SHA-256.
    pub nonce: String,
    /// Hex of the digest the key signs.
    pub digest: String,
    pub digest_algorithm: String,
    /// `rsa-pss-sha256`, `ecdsa-sha256`, … (what the agent signs with).
    pub algorithm: String,
    pub title: String,
    pub agency: String,
    pub certificate_subject: String,
    pub certificate_serial: String,
    pub expires_at: String,
}

/// The algorithm a certificate's key signs with: RSASSA-PSS SHA-256 for
/// RSA (Circular 15/2025), ECDSA with the curve's hash.
pub fn algorithm_for(cert: &Certificate) -> Option<SignatureAlgorithm> {
    const RSA: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    const EC: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    const P256: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
    const P384: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.3.132.0.34");
    let alg = &cert.tbs_certificate.subject_public_key_info.algorithm;
    if alg.oid == RSA {
        return Some(SignatureAlgorithm::RsaPssSha256);
    }
    if alg.oid == EC {
        let curve = alg
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())?;
        return match curve {
            c if c == P256 => Some(SignatureAlgorithm::EcdsaSha256),
            c if c == P384 => Some(SignatureAlgorithm::EcdsaSha384),
            _ => None,
        };
    }
    None
}

pub(crate) fn sha256_hex(b: &[u8]) -> String {
    kyso_store::blobs::sha256_hex(b)
}

pub(crate) fn iso_vn(t: OffsetDateTime) -> String {
    t.to_offset(crate::clock::VIETNAM)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn refuse(kind: ErrorKind, code: &'static str, vi: &str, en: &str) -> OfficeError {
    OfficeError::new(kind, code, vi, en)
}

/// Reads a base64 DER certificate as the agent reports it.
pub fn certificate_from_b64(b64: &str) -> Result<Certificate> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim().as_bytes())
        .ok()
        .and_then(|d| Certificate::from_der(&d).ok())
        .ok_or_else(|| {
            refuse(
                ErrorKind::Invalid,
                "bad-certificate",
                "chứng thư số không đọc được",
                "the signer certificate cannot be read",
            )
        })
}

/// A finished remote signature.
pub(crate) struct Finished {
    pub record: PendingSignatureRecord,
    /// The signed file (a blob).
    pub result_sha256: String,
}

impl Office {
    /// Checks that `cert` was issued by this CA, is not revoked and is in
    /// its validity period.
    pub(crate) async fn check_signer_certificate(&self, cert: &Certificate) -> Result<()> {
        let now = self.now();
        let wrong = |vi: &str, en: &str| refuse(ErrorKind::Forbidden, "wrong-certificate", vi, en);
        let der = cert
            .to_der()
            .map_err(|e| OfficeError::internal("certificate", e))?;
        let record = self
            .store
            .certificate_by_fingerprint(&kyso_pki::certificate::fingerprint_sha256(&der))
            .await?;
        let Some(record) = record else {
            return Err(wrong(
                "chứng thư số không do CA của hệ thống cấp",
                "the certificate was not issued by this system's CA",
            ));
        };
        if record.status == kyso_store::CertificateStatus::Revoked {
            return Err(wrong(
                "chứng thư số đã bị thu hồi",
                "the certificate is revoked",
            ));
        }
        if now < record.not_before || now > record.not_after {
            return Err(wrong(
                "chứng thư số chưa có hoặc đã hết hiệu lực",
                "the certificate is not valid now",
            ));
        }
        Ok(())
    }

    /// Prepares `input` for a signature by `cert` with `options`, stores
    /// the prepared file with a fresh nonce, and returns what the agent
    /// signs. `purpose` says what finishing it will do; `agency` is the
    /// organization the agent's confirmation names (the document's agency,
    /// or the signer's own organization on the `/sign` page).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn prepare_remote(
        &self,
        title: &str,
        agency: String,
        input: &Path,
        cert: &Certificate,
        mut options: SignOptions,
        purpose: &str,
        link: impl AsyncFnOnce(&DatabaseTransaction, &str) -> Result<()>,
    ) -> Result<PreparedRemote> {
        let now = self.now();
        self.sweep_pending(now).await;
        let title: String = crate::document::metadata::clean_text(title)
            .chars()
            .take(200)
            .collect();
        if title.is_empty() {
            return Err(refuse(
                ErrorKind::Invalid,
                "bad-title",
                "cần tên tài liệu",
                "a document title is required",
            ));
        }
        self.check_signer_certificate(cert).await?;
        let algorithm = algorithm_for(cert).ok_or_else(|| {
            refuse(
                ErrorKind::Invalid,
                "bad-certificate",
                "loại khóa của chứng thư không được hỗ trợ",
                "the certificate's key type is not supported",
            )
        })?;
        if self.store.open_pending_documents(now).await? >= MAX_PENDING {
            return Err(refuse(
                ErrorKind::TooManyRequests,
                "busy",
                "quá nhiều tài liệu đang chờ ký, thử lại sau",
                "too many documents are waiting for a signature; try again later",
            ));
        }
        let mut raw = [0u8; 32];
        kyso_crypto::random_bytes(&mut raw).map_err(|e| OfficeError::internal("random", e))?;
        let nonce = hex::encode(raw);
        let nonce_sha = sha256_hex(nonce.as_bytes());
        options.signature_algorithm = algorithm;
        let dir = self.work_dir()?;
        let output = dir.path().join("signed.pdf");
        let input = input.to_path_buf();
        let (prepared, prepared_pdf) = tokio::task::spawn_blocking(move || {
            let prepared = kyso_sign::prepare(&input, &output, &options)?;
            let bytes = std::fs::read(prepared.prepared_path())
                .map_err(|e| kyso_sign::SignError::Pdf(e.into()))?;
            Ok::<_, kyso_sign::SignError>((prepared, bytes))
        })
        .await
        .map_err(|e| OfficeError::internal("prepare task", e))?
        .map_err(|e| {
            OfficeError::invalid(
                "cannot-prepare",
                format!("không chuẩn bị được tài liệu để ký: {e}"),
                format!("cannot prepare the document for signing: {e}"),
            )
        })?;
        let digest = prepared.to_be_signed_digest();
        let expires_at = now + PENDING_TTL;
        let cert_der = cert
            .to_der()
            .map_err(|e| OfficeError::internal("certificate", e))?;
        let record = PendingSignatureRecord {
            nonce_sha256: nonce_sha.clone(),
            document_title: title.clone(),
            digest_hex: hex::encode(&digest),
            algorithm: algorithm.to_string(),
            certificate_sha256: sha256_hex(&cert_der),
            created_at: now,
            expires_at,
            consumed_at: None,
            purpose: Some(purpose.to_string()),
            signature_sha256: None,
            result_sha256: None,
        };
        let br = prepared.byte_range();
        let document = PendingDocument {
            nonce_sha256: nonce_sha.clone(),
            prepared_pdf,
            contents_start: br.contents_start,
            contents_end: br.contents_end,
            contents_size: prepared.contents_size() as u64,
            field_name: prepared.field_name().to_owned(),
        };
        drop(prepared);
        drop(dir);
        self.store
            .write(async |tx| {
                Store::insert_pending_in(tx, &record, &document).await?;
                link(tx, &nonce_sha).await
            })
            .await?;
        Ok(PreparedRemote {
            nonce,
            digest: hex::encode(&digest),
            digest_algorithm: algorithm.digest().name().to_string(),
            algorithm: algorithm.to_string(),
            title,
            agency,
            certificate_subject: kyso_pki::name::display_name(&cert.tbs_certificate.subject),
            certificate_serial: kyso_pki::certificate::serial_hex(cert),
            expires_at: iso_vn(expires_at),
        })
    }

    /// Deletes expired prepared documents and long-expired nonces.
    pub(crate) async fn sweep_pending(&self, now: OffsetDateTime) {
        if let Err(e) = self.store.purge_pending_documents(now).await {
            tracing::warn!("remote signing: purging expired documents: {e}");
        }
        if let Err(e) = self.store.purge_pending_signatures(now - NONCE_KEPT).await {
            tracing::warn!("remote signing: purging old nonces: {e}");
        }
    }

    /// Finishes the remote signature of `nonce` with `signature` by
    /// `cert`: checks everything, time-stamps (B-T) and assembles the file,
    /// stores it as a blob, then runs `store_result` and consumes the nonce
    /// in one transaction. A retry with the same signature after success
    /// returns the stored result.
    pub(crate) async fn finalize_remote(
        &self,
        nonce: &str,
        signature: &[u8],
        cert: &Certificate,
        expected_purpose: impl Fn(&str) -> bool,
        store_result: impl AsyncFnOnce(
            &DatabaseTransaction,
            &PendingSignatureRecord,
            &kyso_store::BlobRef,
        ) -> Result<()>,
    ) -> Result<Finished> {
        let now = self.now();
        let unknown = || {
            refuse(
                ErrorKind::NotFound,
                "unknown-nonce",
                "không có tài liệu chờ ký với mã này",
                "no document is waiting for a signature with this nonce",
            )
        };
        let gone = || {
            refuse(
                ErrorKind::Conflict,
                "expired-nonce",
                "đã quá hạn ký tài liệu này, hãy chuẩn bị lại",
                "the time to sign this document is over; prepare it again",
            )
        };
        let reused = || {
            refuse(
                ErrorKind::Conflict,
                "reused-nonce",
                "mã này đã được dùng cho một chữ ký khác",
                "this nonce was used for another signature already",
            )
        };
        if nonce.len() != 64 || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(unknown());
        }
        let nonce_sha = sha256_hex(nonce.to_ascii_lowercase().as_bytes());
        let signature_sha = sha256_hex(signature);
        let (record, document) = self
            .store
            .pending_document(&nonce_sha)
            .await?
            .ok_or_else(unknown)?;
        if !record.purpose.as_deref().is_some_and(&expected_purpose) {
            return Err(unknown());
        }
        if record.consumed_at.is_some() {
            // A retry of the same answer gets the same result.
            return match (&record.signature_sha256, &record.result_sha256) {
                (Some(s), Some(r)) if *s == signature_sha => Ok(Finished {
                    result_sha256: r.clone(),
                    record: record.clone(),
                }),
                _ => Err(reused()),
            };
        }
        if record.expires_at <= now {
            return Err(gone());
        }
        let document = document.ok_or_else(gone)?;
        let cert_der = cert
            .to_der()
            .map_err(|e| OfficeError::internal("certificate", e))?;
        if sha256_hex(&cert_der) != record.certificate_sha256 {
            return Err(refuse(
                ErrorKind::Forbidden,
                "wrong-certificate",
                "chứng thư khác với chứng thư đã dùng khi chuẩn bị",
                "the certificate is not the one the document was prepared for",
            ));
        }
        let algorithm = algorithm_for(cert)
            .filter(|a| a.to_string() == record.algorithm)
            .ok_or_else(|| OfficeError::internal("pending document", "algorithm differs"))?;
        let dir = self.work_dir()?;
        let output = dir.path().join("signed.pdf");
        let expected_digest = record.digest_hex.clone();
        let (c2, o2, work) = (cert.clone(), output.clone(), dir.path().to_path_buf());
        let prepared = tokio::task::spawn_blocking(move || -> std::result::Result<_, String> {
            let prepared = resume_prepared(&work, &o2, document, &c2, algorithm)?;
            if hex::encode(prepared.to_be_signed_digest()) != expected_digest {
                return Err("the stored document no longer hashes to the digest handed out".into());
            }
            Ok(prepared)
        })
        .await
        .map_err(|e| OfficeError::internal("resume task", e))?
        .map_err(|e| OfficeError::internal("pending document", e))?;
        let spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| OfficeError::internal("certificate", e))?;
        if kyso_crypto::verify_signature(&spki, algorithm, prepared.to_be_signed(), signature)
            .is_err()
        {
            return Err(refuse(
                ErrorKind::Invalid,
                "bad-signature",
                "chữ ký không khớp với tài liệu và chứng thư",
                "the signature does not verify for this document and certificate",
            ));
        }
        // B-T with the server's own TSA, before anything is consumed.
        let query = kyso_sign::signature_timestamp_request(signature)
            .map_err(|e| OfficeError::internal("time-stamp request", e))?;
        let resp = self.ca.tsa().respond(&query.request_der).await;
        let timestamp = kyso_sign::token_from_response(&resp, &query)
            .map_err(|e| OfficeError::internal("time-stamp", e))?;
        let chain = self.ca_chain();
        let sig = signature.to_vec();
        let signed = tokio::task::spawn_blocking(move || {
            let path = kyso_sign::finalize(prepared, &sig, &chain, Some(timestamp))
                .map_err(|e| e.to_string())?;
            std::fs::read(&path).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| OfficeError::internal("finalize task", e))?
        .map_err(|e| OfficeError::internal("finalize", e))?;
        drop(dir);
        let blob = self.blobs.put(Bytes::from(signed)).await?;
        let outcome = self
            .store
            .write(async |tx| {
                match Store::finish_pending_signature(
                    tx,
                    &nonce_sha,
                    now,
                    &signature_sha,
                    &blob.sha256,
                )
                .await?
                {
                    Ok(()) => {}
                    Err(ConsumeRefusal::Unknown) => return Err(unknown()),
                    Err(ConsumeRefusal::Expired) => return Err(gone()),
                    Err(ConsumeRefusal::AlreadyUsed) => return Err(reused()),
                }
                kyso_store::record_blob(tx, &blob, "application/pdf", None, now).await?;
                store_result(tx, &record, &blob).await
            })
            .await;
        match outcome {
            Ok(()) => Ok(Finished {
                record,
                result_sha256: blob.sha256,
            }),
            Err(e) if e.code == "reused-nonce" => {
                // Another replica finished it meanwhile: same signature?
                let again = self
                    .store
                    .pending_document(&nonce_sha)
                    .await?
                    .ok_or_else(unknown)?
                    .0;
                match (&again.signature_sha256, &again.result_sha256) {
                    (Some(s), Some(r)) if *s == signature_sha => Ok(Finished {
                        result_sha256: r.clone(),
                        record: again.clone(),
                    }),
                    _ => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The issuing CA and root certificates, embedded after a signer's.
    pub(crate) fn ca_chain(&self) -> Vec<Certificate> {
        [self.ca.issuing_der(), self.ca.root_der()]
            .iter()
            .filter_map(|d| Certificate::from_der(d).ok())
            .collect()
    }

    /// The `/sign` page's use: sign an uploaded PDF (no office document).
    pub async fn prepare_plain_signature(
        &self,
        title: &str,
        pdf: &[u8],
        cert: &Certificate,
    ) -> Result<PreparedRemote> {
        if pdf.len() > self.config.max_upload {
            return Err(crate::upload::too_large(self.config.max_upload));
        }
        let dir = self.work_dir()?;
        crate::upload::check_pdf_bytes(pdf, dir.path(), self.config.max_upload).await?;
        let input = dir.path().join("upload.pdf");
        let signer_name = kyso_pki::name::common_name(&cert.tbs_certificate.subject)
            .unwrap_or_else(|| kyso_pki::name::display_name(&cert.tbs_certificate.subject));
        let algorithm = algorithm_for(cert).unwrap_or(SignatureAlgorithm::RsaPssSha256);
        let mut options = SignOptions::new(cert.clone(), algorithm);
        options.name = Some(signer_name);
        options.reason = Some(format!("Ký số / signed: {}", title.trim()));
        // The signer's own organization (O of the certificate), else the
        // system's.
        let agency = kyso_pki::name::SubjectName::from_name(&cert.tbs_certificate.subject)
            .ok()
            .and_then(|n| n.organization)
            .unwrap_or_else(|| self.ca.config().organization.clone());
        self.prepare_remote(
            title,
            agency,
            &input,
            cert,
            options,
            "sign",
            async |_, _| Ok(()),
        )
        .await
    }

    /// The `/sign` page's finalize: the signed PDF's bytes.
    pub async fn finalize_plain_signature(
        &self,
        nonce: &str,
        signature: &[u8],
        cert: &Certificate,
    ) -> Result<(String, Bytes)> {
        let f = self
            .finalize_remote(
                nonce,
                signature,
                cert,
                |p| p == "sign",
                async |_, _, _| Ok(()),
            )
            .await?;
        let bytes = self.blobs.get(&f.result_sha256).await?;
        Ok((f.record.document_title, bytes))
    }
}

/// The stored prepared document written back to a file in `work` and
/// taken up again (see [`kyso_sign::resume`]).
fn resume_prepared(
    work: &Path,
    output: &Path,
    document: PendingDocument,
    cert: &Certificate,
    algorithm: SignatureAlgorithm,
) -> std::result::Result<kyso_sign::PreparedSignature, String> {
    use std::io::Write;
    let mut file = tempfile::Builder::new()
        .prefix("prepared-")
        .tempfile_in(work)
        .map_err(|e| e.to_string())?;
    file.write_all(&document.prepared_pdf)
        .and_then(|()| file.flush())
        .map_err(|e| e.to_string())?;
    let len = document.prepared_pdf.len() as u64;
    let byte_range = ByteRange {
        contents_start: document.contents_start,
        contents_end: document.contents_end,
        second_len: len.saturating_sub(document.contents_end),
    };
    let contents_size = usize::try_from(document.contents_size).map_err(|e| e.to_string())?;
    kyso_sign::resume(
        file,
        output,
        byte_range,
        contents_size,
        document.field_name,
        cert,
        algorithm,
    )
    .map_err(|e| e.to_string())
}
