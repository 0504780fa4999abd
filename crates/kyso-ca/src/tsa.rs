//! The time-stamping authority (RFC 3161).
//!
//! Serial numbers are unique across replicas: each process reserves a
//! block of 2^20 serials from a database counter and hands them out from
//! memory, so the database is touched once per million time-stamps.
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use kyso_pki::tsp::{
    build_time_stamp_resp, parse_time_stamp_req, rejection_response, Accuracy, TsaPolicy, TsaUnit,
};
use kyso_store::Store;
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::authority::Authority;
use crate::config::parse_oid;
use crate::{CaConfig, CaError};

const BLOCK_BITS: u32 = 20;

pub struct TimeStampAuthority {
    inner: Option<Inner>,
}

struct Inner {
    store: Store,
    authority: Authority,
    chain: Vec<Certificate>,
    policy: TsaPolicy,
    /// Next serial in the current block, and the block's end (exclusive).
    next: AtomicU64,
    block_end: AtomicU64,
    refill: tokio::sync::Mutex<()>,
}

impl TimeStampAuthority {
    pub(crate) fn placeholder() -> Self {
        TimeStampAuthority { inner: None }
    }

    pub(crate) fn new(
        store: &Store,
        config: &CaConfig,
        authority: Authority,
        chain: Vec<Certificate>,
    ) -> Result<Self, CaError> {
        let ms = config.tsa_accuracy_ms;
        let policy = TsaPolicy {
            policy: parse_oid(&config.tsa_policy)?,
            accepted_policies: config
                .tsa_accepted_policies
                .iter()
                .map(|p| parse_oid(p))
                .collect::<Result<_, _>>()?,
            accuracy: Accuracy {
                seconds: ms / 1000,
                millis: (ms % 1000) as u16,
                micros: 0,
            },
            digest_algorithm: kyso_crypto::DigestAlgorithm::Sha256,
        };
        Ok(TimeStampAuthority {
            inner: Some(Inner {
                store: store.clone(),
                authority,
                chain,
                policy,
                next: AtomicU64::new(0),
                block_end: AtomicU64::new(0),
                refill: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// The TSA certificate (DER).
    pub fn certificate_der(&self) -> &[u8] {
        self.inner
            .as_ref()
            .map(|i| i.authority.der.as_slice())
            .unwrap_or_default()
    }

    /// Answer a DER TimeStampReq with a DER TimeStampResp: granted with a
    /// token, or a rejection carrying the failure information.
    pub async fn respond(&self, request: &[u8]) -> Bytes {
        let Some(inner) = &self.inner else {
            return Bytes::from(rejection_response(&system_failure(
                "the TSA is not configured",
            )));
        };
        let req = match parse_time_stamp_req(request) {
            Ok(r) => r,
            Err(f) => return Bytes::from(rejection_response(&f)),
        };
        let serial = match inner.next_serial().await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("TSA serial allocation failed: {e}");
                return Bytes::from(rejection_response(&system_failure(
                    "serial numbers are not available",
                )));
            }
        };
        let unit = TsaUnit {
            certificate: &inner.authority.certificate,
            chain: &inner.chain,
            signer: inner.authority.signer.as_ref(),
        };
        match build_time_stamp_resp(
            &req,
            &unit,
            &inner.policy,
            &serial,
            OffsetDateTime::now_utc(),
        ) {
            Ok(der) => Bytes::from(der),
            Err(f) => Bytes::from(rejection_response(&f)),
        }
    }
}

fn system_failure(text: &str) -> kyso_pki::tsp::TspFailure {
    kyso_pki::tsp::TspFailure {
        fail_info: kyso_pki::tsp::PkiFailureInfo::SystemFailure,
        text: text.into(),
    }
}

impl Inner {
    async fn next_serial(&self) -> Result<Vec<u8>, CaError> {
        loop {
            let n = self.next.fetch_add(1, Ordering::Relaxed);
            if n < self.block_end.load(Ordering::Acquire) {
                return Ok(serial_bytes(n));
            }
            // Block exhausted (or none yet): one task fetches the next block.
            let guard = self.refill.try_lock();
            if let Ok(_g) = guard {
                if self.next.load(Ordering::Relaxed) >= self.block_end.load(Ordering::Acquire) {
                    let block = self.store.next_counter("tsa_serial_block").await? as u64;
                    let start = block << BLOCK_BITS;
                    self.next.store(start, Ordering::Relaxed);
                    self.block_end
                        .store(start + (1 << BLOCK_BITS), Ordering::Release);
                }
            } else {
                tokio::task::yield_now().await;
            }
        }
    }
}

/// Positive DER INTEGER contents of `n`, minimal length.
fn serial_bytes(n: u64) -> Vec<u8> {
    let b = n.to_be_bytes();
    let skip = b.iter().take_while(|x| **x == 0).count().min(7);
    let mut v = b[skip..].to_vec();
    if v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::serial_bytes;

    #[test]
    fn serials_are_minimal_positive_integers() {
        assert_eq!(serial_bytes(0), vec![0]);
        assert_eq!(serial_bytes(0x7f), vec![0x7f]);
        assert_eq!(serial_bytes(0x80), vec![0, 0x80]);
        assert_eq!(serial_bytes(1 << 20), vec![0x10, 0, 0]);
    }
}
