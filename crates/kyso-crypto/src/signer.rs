use crate::{CryptoError, SignatureAlgorithm};

/// Something that holds a private key and signs with it.
///
/// Implementations: [`crate::SoftwareKey`] today; PKCS#11 tokens and
/// external (browser agent, remote) signers implement the same trait.
pub trait Signer: Send + Sync {
    /// The algorithm this signer signs with.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// DER SubjectPublicKeyInfo of the key.
    fn public_key_der(&self) -> &[u8];
    /// Hash `message` with the algorithm's digest and sign it.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// Sign a digest computed elsewhere (two-phase signing). The digest
    /// must be of the algorithm's digest algorithm.
    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, CryptoError>;
}
