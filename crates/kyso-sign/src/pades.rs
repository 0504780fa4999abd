//! Prepare and finalize a PAdES signature.
use std::path::{Path, PathBuf};

use kyso_crypto::SignatureAlgorithm;
use kyso_pdf::{ByteRange, OpenedPdf, PreparedPdf, SignatureRequest, SubFilter};
use time::macros::offset;
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::signed_attributes::{check_key_family, SignedAttributes};
use crate::{SignError, SignOptions};

/// A document with its signature field written and ByteRange hashed,
/// waiting for the signature over [`PreparedSignature::to_be_signed`].
#[derive(Debug)]
pub struct PreparedSignature {
    pdf: PreparedPdf,
    attributes: SignedAttributes,
}

impl PreparedSignature {
    /// The DER `SET OF Attribute` the key signs (hash it with the
    /// algorithm's digest, or pass it to [`kyso_crypto::Signer::sign`]).
    pub fn to_be_signed(&self) -> &[u8] {
        self.attributes.to_be_signed()
    }

    /// The digest of [`Self::to_be_signed`], for signers that take a
    /// digest ([`kyso_crypto::Signer::sign_digest`], tokens, agents).
    pub fn to_be_signed_digest(&self) -> Vec<u8> {
        self.attributes.to_be_signed_digest()
    }

    /// The digest of the ByteRange (the messageDigest attribute).
    pub fn document_digest(&self) -> &[u8] {
        self.attributes.message_digest()
    }

    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.attributes.signature_algorithm()
    }

    pub fn byte_range(&self) -> ByteRange {
        self.pdf.byte_range()
    }

    pub fn field_name(&self) -> &str {
        self.pdf.field_name()
    }

    /// Bytes reserved for the CMS in `/Contents`.
    pub fn contents_size(&self) -> usize {
        self.pdf.contents_size()
    }

    /// The prepared file (removed when this value is dropped unfinalized):
    /// what a server stores to finalize in another replica with
    /// [`crate::resume`].
    pub fn prepared_path(&self) -> &Path {
        self.pdf.temp_path()
    }

    pub(crate) fn from_parts(pdf: PreparedPdf, attributes: SignedAttributes) -> Self {
        PreparedSignature { pdf, attributes }
    }
}

/// Phase 1: write the incremental update of `input` with a new signature
/// field to a temporary file beside `output`, hash its ByteRange from disk
/// and build the signed attributes.
pub fn prepare(
    input: &Path,
    output: &Path,
    options: &SignOptions,
) -> Result<PreparedSignature, SignError> {
    prepare_opened(kyso_pdf::open(input)?, output, options)
}

/// [`prepare`] on a document already opened (to place a visible
/// signature, say), so that the file is parsed once.
pub fn prepare_opened(
    pdf: OpenedPdf,
    output: &Path,
    options: &SignOptions,
) -> Result<PreparedSignature, SignError> {
    let alg = options.signature_algorithm;
    check_key_family(&options.signer_certificate, alg)?;
    let signing_time = options
        .signing_time
        .unwrap_or_else(|| OffsetDateTime::now_utc().to_offset(offset!(+7)));
    let mut req = SignatureRequest::new(signing_time);
    req.field_name = options.field_name.clone();
    req.placement = options.placement.clone();
    req.reason = options.reason.clone();
    req.location = options.location.clone();
    req.name = options.name.clone();
    req.contact_info = options.contact_info.clone();
    req.sub_filter = SubFilter::EtsiCadesDetached;
    req.contents_size = options.contents_size;
    req.certify = options.certify;
    req.lock = options.lock.clone();
    req.new_fields = options.new_fields.clone();
    req.fill = options.fill.clone();
    let mut pdf = kyso_pdf::prepare_opened(pdf, output, &req)?;
    let message_digest = pdf.digest(alg.digest())?;
    // No signing-time attribute in PAdES: the time is /M or the time-stamp's.
    let attributes = SignedAttributes::new(&options.signer_certificate, alg, message_digest, None)?;
    Ok(PreparedSignature { pdf, attributes })
}

/// Phase 3: check `signature` against the signer certificate, assemble the
/// detached SignedData (signer certificate followed by `chain`), add
/// `timestamp` (a TimeStampToken DER over the signature value, see
/// [`crate::signature_timestamp_request`]) as the unsigned attribute
/// id-aa-signatureTimeStampToken, and write `/Contents`. Returns the
/// output path.
pub fn finalize(
    prepared: PreparedSignature,
    signature: &[u8],
    chain: &[Certificate],
    timestamp: Option<Vec<u8>>,
) -> Result<PathBuf, SignError> {
    let der = prepared.attributes.assemble(signature, chain, timestamp)?;
    Ok(prepared.pdf.finalize(&der)?)
}
