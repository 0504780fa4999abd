use der::{Decode, Encode};
use pkcs8::{EncryptedPrivateKeyInfo, PrivateKeyInfo};
use zeroize::Zeroizing;

use crate::CryptoError;

/// Encrypt a PKCS#8 key for storage at rest: PKCS#5 v2.0 PBES2 with
/// scrypt and AES-256-CBC (RFC 8018, RFC 7914), DER.
pub fn encrypt_pkcs8(pkcs8_der: &[u8], password: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let info =
        PrivateKeyInfo::from_der(pkcs8_der).map_err(|e| CryptoError::KeyRejected(e.to_string()))?;
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    aws_lc_rs::rand::fill(&mut salt).map_err(|_| CryptoError::KeyGeneration)?;
    aws_lc_rs::rand::fill(&mut iv).map_err(|_| CryptoError::KeyGeneration)?;
    // scrypt N=2^15, r=8, p=1: ~32 MiB and ~0.1 s, the RFC 7914 interactive cost.
    let params = pkcs8::pkcs5::pbes2::Parameters::scrypt_aes256cbc(
        pkcs8::pkcs5::scrypt::Params::new(15, 8, 1, 32).map_err(|_| CryptoError::KeyGeneration)?,
        &salt,
        &iv,
    )
    .map_err(|_| CryptoError::KeyGeneration)?;
    let doc = info
        .encrypt_with_params(params, password)
        .map_err(|_| CryptoError::KeyGeneration)?;
    Ok(doc.as_bytes().to_vec())
}

/// Decrypt a key written by [`encrypt_pkcs8`] (or any PBES2 PKCS#8).
pub fn decrypt_pkcs8(
    encrypted_der: &[u8],
    password: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let enc = EncryptedPrivateKeyInfo::from_der(encrypted_der)
        .map_err(|e| CryptoError::KeyRejected(e.to_string()))?;
    let doc = enc.decrypt(password).map_err(|_| CryptoError::Decryption)?;
    let info = PrivateKeyInfo::from_der(doc.as_bytes()).map_err(|_| CryptoError::Decryption)?;
    Ok(Zeroizing::new(info.to_der()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KeySpec, Signer, SoftwareKey};

    #[test]
    fn round_trip_and_wrong_password() {
        let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        let enc = encrypt_pkcs8(key.pkcs8_der(), b"secret").unwrap();
        // The private scalar must not appear in the stored bytes.
        let raw = key.pkcs8_der();
        assert!(!raw
            .windows(16)
            .skip(raw.len() / 3)
            .any(|w| enc.windows(16).any(|e| e == w)));
        let back = decrypt_pkcs8(&enc, b"secret").unwrap();
        let key2 = SoftwareKey::from_pkcs8_der(&back, None).unwrap();
        assert_eq!(key.public_key_der(), key2.public_key_der());
        assert!(matches!(
            decrypt_pkcs8(&enc, b"wrong"),
            Err(CryptoError::Decryption)
        ));
    }
}
