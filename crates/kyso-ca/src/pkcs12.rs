//! Encrypted PKCS#12 files for keys kyso generates for a subscriber.
use p12_keystore::{Certificate as P12Cert, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};

use crate::CaError;

/// A PKCS#12 (PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC, HMAC-SHA256 MAC)
/// holding the key and its chain, leaf first. Readable by openssl 3,
/// pyHanko (cryptography) and Windows/NSS.
pub fn write_pkcs12(
    pkcs8_der: &[u8],
    chain_der: &[Vec<u8>],
    friendly_name: &str,
    password: &str,
) -> Result<Vec<u8>, CaError> {
    if password.is_empty() {
        return Err(CaError::Pkcs12(
            "an empty PKCS#12 password is not allowed".into(),
        ));
    }
    let err = |e: p12_keystore::error::Error| CaError::Pkcs12(e.to_string());
    let key = PrivateKey::from_der(pkcs8_der).map_err(err)?;
    let certs = chain_der
        .iter()
        .map(|d| P12Cert::from_der(d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    let leaf = chain_der
        .first()
        .ok_or_else(|| CaError::Pkcs12("empty chain".into()))?;
    let key_id = kyso_crypto::digest(kyso_crypto::DigestAlgorithm::Sha1, leaf);
    let mut ks = KeyStore::new();
    ks.add_entry(
        friendly_name,
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(key_id, key, certs)),
    );
    ks.writer(password)
        .encryption_iterations(100_000)
        .mac_iterations(100_000)
        .write()
        .map_err(err)
}
