use crate::CryptoError;

/// Fill `buf` from the system CSPRNG (aws-lc-rs).
pub fn random_bytes(buf: &mut [u8]) -> Result<(), CryptoError> {
    aws_lc_rs::rand::fill(buf).map_err(|_| CryptoError::Random)
}
