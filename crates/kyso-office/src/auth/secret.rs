//! Random secrets handed out once (session cookies, CSRF tokens, API
//! tokens) and kept only as their SHA-256.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::{OfficeError, Result};

/// 32 random bytes, base64url without padding, after `prefix`.
pub(crate) fn new_secret(prefix: &str) -> Result<String> {
    let mut raw = [0u8; 32];
    kyso_crypto::random_bytes(&mut raw).map_err(|e| OfficeError::internal("random", e))?;
    Ok(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(raw)))
}

/// SHA-256 (hex) of a secret, as stored.
pub(crate) fn secret_hash(secret: &str) -> String {
    kyso_store::blobs::sha256_hex(secret.as_bytes())
}

/// Constant-time equality of two strings' bytes.
pub(crate) fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
