//! Detached CAdES signatures of files that are not PDF (R-ATTACH, ETSI EN
//! 319 122-1): a DER CMS SignedData without the content, with the signed
//! attributes content-type, message-digest, signing-certificate-v2 and
//! signing-time (CAdES-B-B), and for CAdES-B-T the signature-time-stamp
//! unsigned attribute. Same two phases as PAdES: [`prepare_detached`]
//! hashes the file from disk in chunks, the caller signs
//! [`PreparedDetached::to_be_signed`], [`finalize_detached`] assembles.
use std::io::Read;
use std::path::Path;

use kyso_crypto::{Hasher, SignatureAlgorithm, Signer};
use time::macros::offset;
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::signed_attributes::{check_key_family, signature_timestamp, SignedAttributes};
use crate::{SignError, TsaTransport};

/// Size of the chunks the content is read in.
const CHUNK: usize = 256 * 1024;

/// The signed attributes of a detached signature, waiting for the
/// signature over [`PreparedDetached::to_be_signed`].
#[derive(Clone, Debug)]
pub struct PreparedDetached {
    attributes: SignedAttributes,
    content_length: u64,
}

impl PreparedDetached {
    /// The DER `SET OF Attribute` the key signs.
    pub fn to_be_signed(&self) -> &[u8] {
        self.attributes.to_be_signed()
    }

    /// The digest of [`Self::to_be_signed`], for signers that take a digest.
    pub fn to_be_signed_digest(&self) -> Vec<u8> {
        self.attributes.to_be_signed_digest()
    }

    /// The digest of the content (the message-digest attribute).
    pub fn content_digest(&self) -> &[u8] {
        self.attributes.message_digest()
    }

    /// Bytes of content hashed.
    pub fn content_length(&self) -> u64 {
        self.content_length
    }

    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.attributes.signature_algorithm()
    }
}

/// Phase 1 from a reader: hash `content` in chunks and build the signed
/// attributes. `signing_time` `None` is now, in Vietnam time.
pub fn prepare_detached_reader(
    content: &mut dyn Read,
    signer_certificate: &Certificate,
    signature_algorithm: SignatureAlgorithm,
    signing_time: Option<OffsetDateTime>,
) -> Result<PreparedDetached, SignError> {
    check_key_family(signer_certificate, signature_algorithm)?;
    let mut hasher = Hasher::new(signature_algorithm.digest());
    let mut buf = vec![0u8; CHUNK];
    let mut content_length = 0u64;
    loop {
        let n = match content.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(SignError::Io(e)),
        };
        hasher.update(&buf[..n]);
        content_length += n as u64;
    }
    let message_digest = hasher.finish();
    let signing_time =
        signing_time.unwrap_or_else(|| OffsetDateTime::now_utc().to_offset(offset!(+7)));
    let attributes = SignedAttributes::new(
        signer_certificate,
        signature_algorithm,
        message_digest,
        Some(signing_time),
    )?;
    Ok(PreparedDetached {
        attributes,
        content_length,
    })
}

/// Phase 1: hash the file at `content` from disk and build the signed
/// attributes.
pub fn prepare_detached(
    content: &Path,
    signer_certificate: &Certificate,
    signature_algorithm: SignatureAlgorithm,
    signing_time: Option<OffsetDateTime>,
) -> Result<PreparedDetached, SignError> {
    let mut f = std::fs::File::open(content)?;
    prepare_detached_reader(
        &mut f,
        signer_certificate,
        signature_algorithm,
        signing_time,
    )
}

/// Phase 3: check `signature` against the signer certificate and assemble
/// the DER ContentInfo (detached SignedData) with the signer certificate
/// followed by `chain`, and `timestamp` (a TimeStampToken over the
/// signature value) as signature-time-stamp for CAdES-B-T.
pub fn finalize_detached(
    prepared: PreparedDetached,
    signature: &[u8],
    chain: &[Certificate],
    timestamp: Option<Vec<u8>>,
) -> Result<Vec<u8>, SignError> {
    prepared.attributes.assemble(signature, chain, timestamp)
}

/// Prepare, sign with `signer` and finalize a detached signature of the
/// file `content`; CAdES-B-T with `tsa`, else B-B. Returns the DER.
pub fn sign_detached(
    content: &Path,
    signer: &dyn Signer,
    signer_certificate: &Certificate,
    chain: &[Certificate],
    signing_time: Option<OffsetDateTime>,
    tsa: Option<TsaTransport<'_>>,
) -> Result<Vec<u8>, SignError> {
    let prepared = prepare_detached(
        content,
        signer_certificate,
        signer.algorithm(),
        signing_time,
    )?;
    let signature = signer.sign(prepared.to_be_signed())?;
    let timestamp = signature_timestamp(&signature, tsa)?;
    finalize_detached(prepared, &signature, chain, timestamp)
}
