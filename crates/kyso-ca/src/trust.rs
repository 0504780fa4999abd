//! The trust store: anchors (national roots, the built-in root) kept in
//! the database, loaded into a `kyso_pki::trust::TrustStore` for path
//! validation.
use kyso_pki::certificate::fingerprint_sha256;
use kyso_pki::trust::{TrustError, TrustStore};
use kyso_store::{Store, StoreError, TrustAnchorRecord};
use time::OffsetDateTime;

use crate::CaError;

/// Import a CA certificate (DER or PEM; a PEM file may hold several) as a
/// trust anchor. Returns the fingerprints added.
pub async fn import_anchor(
    store: &Store,
    input: &[u8],
    label: &str,
    builtin: bool,
) -> Result<Vec<String>, CaError> {
    let mut parsed = TrustStore::new();
    if input.starts_with(b"-----") || input.windows(11).any(|w| w == b"-----BEGIN ") {
        parsed.add_pem_bundle(input, label)?;
    } else {
        parsed.add_der(input, label)?;
    }
    let mut added = Vec::new();
    for a in parsed.anchors() {
        let rec = TrustAnchorRecord {
            fingerprint_sha256: fingerprint_sha256(&a.der),
            subject: a.subject.clone(),
            label: label.to_string(),
            der: a.der.clone(),
            added_at: OffsetDateTime::now_utc(),
            builtin,
        };
        match store.add_trust_anchor(&rec).await {
            Ok(()) => added.push(rec.fingerprint_sha256),
            Err(StoreError::DuplicateAnchor) => {
                return Err(CaError::Trust(TrustError::Duplicate {
                    subject: rec.subject,
                    label: rec.label,
                    fingerprint: rec.fingerprint_sha256,
                }));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(added)
}

/// Remove an anchor by its SHA-256 fingerprint (hex, `:` allowed).
pub async fn remove_anchor(store: &Store, fingerprint: &str) -> Result<bool, CaError> {
    let fp: String = fingerprint
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .collect::<String>()
        .to_ascii_lowercase();
    Ok(store.remove_trust_anchor(&fp).await?)
}

/// Every anchor in the database as a trust store for path validation.
pub async fn load_trust_store(store: &Store) -> Result<TrustStore, CaError> {
    let mut ts = TrustStore::new();
    for rec in store.trust_anchors().await? {
        ts.add_der(&rec.der, &rec.label)?;
    }
    Ok(ts)
}
