//! The OCSP responder (RFC 6960) over the certificate registry.
//!
//! Answers to requests without a nonce are pre-produced once, cached and
//! served from memory until they near their nextUpdate. Every revocation
//! empties the cache at once: in this process directly, in other replicas
//! through the store's revocation watch (PostgreSQL LISTEN/NOTIFY, or
//! polling on SQLite).
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use kyso_pki::ocsp::{
    build_ocsp_response, ocsp_error_response, parse_ocsp_request, CertStatusInfo, RequestedCertId,
    SingleResponseInput,
};
use kyso_pki::RevocationReason;
use kyso_store::Store;
use time::{Duration, OffsetDateTime};
use tokio::sync::watch;
use x509_ocsp::OcspResponseStatus;

use crate::authority::{Authority, ISSUING, ROOT};
use crate::CaConfig;

struct Cached {
    der: Bytes,
    refresh_after: OffsetDateTime,
}

struct Cache {
    generation: i64,
    answers: HashMap<Vec<u8>, Cached>,
}

/// Answers OCSP requests for the root and the issuing CA.
pub struct OcspResponder {
    inner: Option<Inner>,
}

struct Inner {
    store: Store,
    validity: Duration,
    root: Arc<Authority>,
    issuing: Arc<Authority>,
    responder: Arc<Authority>,
    cache: RwLock<Cache>,
    revocations: watch::Receiver<i64>,
}

/// Most cached answers kept; past this the cache is emptied and refilled.
const MAX_CACHED: usize = 200_000;

impl OcspResponder {
    pub(crate) fn placeholder() -> Self {
        OcspResponder { inner: None }
    }

    pub(crate) fn new(
        store: &Store,
        config: &CaConfig,
        root: Arc<Authority>,
        issuing: Arc<Authority>,
        responder: Arc<Authority>,
    ) -> Self {
        let revocations = store.watch_revocations();
        let generation = *revocations.borrow();
        OcspResponder {
            inner: Some(Inner {
                store: store.clone(),
                validity: Duration::minutes(i64::from(config.ocsp_validity_minutes)),
                root,
                issuing,
                responder,
                cache: RwLock::new(Cache {
                    generation,
                    answers: HashMap::new(),
                }),
                revocations,
            }),
        }
    }

    /// The delegated responder's certificate (DER).
    pub fn responder_der(&self) -> &[u8] {
        self.inner
            .as_ref()
            .map(|i| i.responder.der.as_slice())
            .unwrap_or_default()
    }

    /// Drop every cached answer (after a revocation in this process).
    pub fn invalidate(&self) {
        if let Some(inner) = &self.inner {
            if let Ok(mut c) = inner.cache.write() {
                c.answers.clear();
            }
        }
    }

    /// Answer a DER OCSPRequest. Always returns a DER OCSPResponse: a
    /// signed answer, or an error status (malformedRequest, unauthorized,
    /// internalError, tryLater).
    pub async fn respond(&self, request: &[u8]) -> Bytes {
        let Some(inner) = &self.inner else {
            return Bytes::from(ocsp_error_response(OcspResponseStatus::TryLater));
        };
        let req = match parse_ocsp_request(request) {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!("OCSP request refused: {e}");
                return Bytes::from(ocsp_error_response(e.response_status()));
            }
        };
        let Some(first) = req.cert_ids.first() else {
            return Bytes::from(ocsp_error_response(OcspResponseStatus::MalformedRequest));
        };
        let (issuer_id, signer_authority, extra) =
            if first.matches_issuer(&inner.issuing.certificate) {
                (ISSUING, &inner.responder, vec![])
            } else if first.matches_issuer(&inner.root.certificate) {
                (ROOT, &inner.root, vec![])
            } else {
                return Bytes::from(ocsp_error_response(OcspResponseStatus::Unauthorized));
            };
        let issuer_cert = if issuer_id == ISSUING {
            &inner.issuing
        } else {
            &inner.root
        };

        let cache_key = (req.nonce.is_none() && req.cert_ids.len() == 1).then(|| cache_key(first));
        let now = OffsetDateTime::now_utc();
        if let Some(key) = &cache_key {
            if let Some(hit) = inner.cached(key, now) {
                return hit;
            }
        }

        let mut responses = Vec::with_capacity(req.cert_ids.len());
        let mut cacheable = true;
        for id in &req.cert_ids {
            let status = if id.matches_issuer(&issuer_cert.certificate) {
                match inner.status(issuer_id, &id.serial).await {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::error!("OCSP status lookup failed: {e}");
                        return Bytes::from(ocsp_error_response(OcspResponseStatus::InternalError));
                    }
                }
            } else {
                CertStatusInfo::Unknown
            };
            if matches!(status, CertStatusInfo::Unknown) {
                // A serial may be issued later: never cache "unknown".
                cacheable = false;
            }
            responses.push(SingleResponseInput {
                cert_id: id.raw.clone(),
                status,
                this_update: now,
                next_update: Some(now + inner.validity),
            });
        }
        let generation_before = *inner.revocations.borrow();
        let der = match build_ocsp_response(
            &signer_authority.certificate,
            signer_authority.signer.as_ref(),
            now,
            &responses,
            req.nonce.as_deref(),
            &extra,
        ) {
            Ok(d) => Bytes::from(d),
            Err(e) => {
                tracing::error!("OCSP signing failed: {e}");
                return Bytes::from(ocsp_error_response(OcspResponseStatus::InternalError));
            }
        };
        if let (Some(key), true) = (cache_key, cacheable) {
            inner.store_cached(key, der.clone(), now, generation_before);
        }
        der
    }
}

impl Inner {
    fn cached(&self, key: &[u8], now: OffsetDateTime) -> Option<Bytes> {
        let generation = *self.revocations.borrow();
        let cache = self.cache.read().ok()?;
        if cache.generation != generation {
            return None;
        }
        cache
            .answers
            .get(key)
            .filter(|c| now < c.refresh_after)
            .map(|c| c.der.clone())
    }

    fn store_cached(&self, key: Vec<u8>, der: Bytes, now: OffsetDateTime, generation_seen: i64) {
        let Ok(mut cache) = self.cache.write() else {
            return;
        };
        let generation = *self.revocations.borrow();
        if cache.generation != generation {
            cache.answers.clear();
            cache.generation = generation;
        }
        // An answer built before a revocation that raced with it is not kept.
        if generation_seen != generation {
            return;
        }
        if cache.answers.len() >= MAX_CACHED {
            cache.answers.clear();
        }
        // Refresh at half the validity, so clients never see a stale answer.
        cache.answers.insert(
            key,
            Cached {
                der,
                refresh_after: now + self.validity / 2,
            },
        );
    }

    async fn status(
        &self,
        issuer_id: &str,
        serial: &[u8],
    ) -> Result<CertStatusInfo, kyso_store::StoreError> {
        let serial_hex = hex::encode(strip_leading_zeros(serial));
        Ok(match self.store.certificate(&serial_hex).await? {
            Some(rec) if rec.issuer_id == issuer_id => {
                match (rec.status.as_str(), rec.revoked_at) {
                    ("revoked", Some(at)) => CertStatusInfo::Revoked {
                        revocation_time: at,
                        reason: rec
                            .revocation_reason
                            .and_then(|c| u8::try_from(c).ok())
                            .and_then(RevocationReason::from_code),
                    },
                    _ => CertStatusInfo::Good,
                }
            }
            _ => CertStatusInfo::Unknown,
        })
    }
}

fn cache_key(id: &RequestedCertId) -> Vec<u8> {
    let mut k = Vec::with_capacity(
        8 + id.issuer_name_hash.len() + id.issuer_key_hash.len() + id.serial.len(),
    );
    k.extend_from_slice(id.hash_algorithm.oid().as_bytes());
    k.push(0);
    k.extend_from_slice(&id.issuer_name_hash);
    k.extend_from_slice(&id.issuer_key_hash);
    k.extend_from_slice(&id.serial);
    k
}

/// The registry keys serials as minimal lowercase hex; DER INTEGER
/// contents may carry a leading 0x00 for sign.
fn strip_leading_zeros(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| **b == 0).count();
    if n == s.len() {
        &s[s.len().saturating_sub(1)..]
    } else {
        &s[n..]
    }
}
