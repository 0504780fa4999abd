//! Prepare and finalize a PAdES signature.
use std::path::{Path, PathBuf};

use der::{Any, Decode, Encode};
use kyso_crypto::SignatureAlgorithm;
use kyso_pdf::{ByteRange, PreparedPdf, SignatureRequest, SubFilter};
use kyso_pki::cms::{self, SignedAttributesInput, SignedDataParts};
use kyso_pki::oids;
use time::macros::offset;
use time::OffsetDateTime;
use x509_cert::attr::Attribute;
use x509_cert::Certificate;

use crate::{SignError, SignOptions};

/// rsaEncryption (RFC 8017).
const RSA_ENCRYPTION: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// A document with its signature field written and ByteRange hashed,
/// waiting for the signature over [`PreparedSignature::to_be_signed`].
#[derive(Debug)]
pub struct PreparedSignature {
    pdf: PreparedPdf,
    signed_attributes: Vec<Attribute>,
    to_be_signed: Vec<u8>,
    message_digest: Vec<u8>,
    signature_algorithm: SignatureAlgorithm,
    signer_certificate: Certificate,
}

impl PreparedSignature {
    /// The DER `SET OF Attribute` the key signs (hash it with the
    /// algorithm's digest, or pass it to [`kyso_crypto::Signer::sign`]).
    pub fn to_be_signed(&self) -> &[u8] {
        &self.to_be_signed
    }

    /// The digest of [`Self::to_be_signed`], for signers that take a
    /// digest ([`kyso_crypto::Signer::sign_digest`], tokens, agents).
    pub fn to_be_signed_digest(&self) -> Vec<u8> {
        kyso_crypto::digest(self.signature_algorithm.digest(), &self.to_be_signed)
    }

    /// The digest of the ByteRange (the messageDigest attribute).
    pub fn document_digest(&self) -> &[u8] {
        &self.message_digest
    }

    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.signature_algorithm
    }

    pub fn byte_range(&self) -> ByteRange {
        self.pdf.byte_range()
    }

    pub fn field_name(&self) -> &str {
        self.pdf.field_name()
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
    let alg = options.signature_algorithm;
    // The key family must fit the certificate before anything is written.
    let is_rsa_key = options
        .signer_certificate
        .tbs_certificate
        .subject_public_key_info
        .algorithm
        .oid
        == RSA_ENCRYPTION;
    if is_rsa_key != alg.is_rsa() {
        return Err(SignError::AlgorithmMismatch {
            algorithm: alg.to_string(),
        });
    }
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
    let mut pdf = kyso_pdf::prepare(input, output, &req)?;
    let message_digest = pdf.digest(alg.digest())?;
    let signed_attributes = cms::signed_attributes(&SignedAttributesInput {
        content_type: oids::CT_DATA,
        message_digest: &message_digest,
        signer_certificate: &options.signer_certificate,
        signing_time: None,
        extra: Vec::new(),
    })?;
    let to_be_signed = cms::signed_attributes_der(&signed_attributes)?;
    Ok(PreparedSignature {
        pdf,
        signed_attributes,
        to_be_signed,
        message_digest,
        signature_algorithm: alg,
        signer_certificate: options.signer_certificate.clone(),
    })
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
    let spki = prepared
        .signer_certificate
        .tbs_certificate
        .subject_public_key_info
        .to_der()?;
    kyso_crypto::verify_signature(
        &spki,
        prepared.signature_algorithm,
        &prepared.to_be_signed,
        signature,
    )
    .map_err(SignError::BadSignature)?;
    let mut unsigned_attributes = Vec::new();
    if let Some(token) = timestamp {
        let mut values = der::asn1::SetOfVec::new();
        values.insert(Any::from_der(&token)?)?;
        unsigned_attributes.push(Attribute {
            oid: oids::AA_SIGNATURE_TIME_STAMP_TOKEN,
            values,
        });
    }
    let mut certificates = Vec::with_capacity(chain.len() + 1);
    certificates.push(prepared.signer_certificate.clone());
    certificates.extend(chain.iter().cloned());
    let der = cms::assemble_signed_data(SignedDataParts {
        encapsulated_content_type: oids::CT_DATA,
        encapsulated_content: None,
        digest_algorithm: prepared.signature_algorithm.digest(),
        signature_algorithm: prepared.signature_algorithm,
        signed_attributes: prepared.signed_attributes,
        signature: signature.to_vec(),
        signer_certificate: &prepared.signer_certificate,
        certificates,
        unsigned_attributes,
    })?;
    Ok(prepared.pdf.finalize(&der)?)
}
