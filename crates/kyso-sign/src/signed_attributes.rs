//! The CMS half shared by PAdES and CAdES signatures: the signed
//! attributes over a message digest (phase 1), then, with the signature,
//! the detached SignedData with an optional signature time-stamp
//! (phase 3).
use der::{Any, Decode, Encode};
use kyso_crypto::SignatureAlgorithm;
use kyso_pki::cms::{self, SignedAttributesInput, SignedDataParts};
use kyso_pki::oids;
use time::OffsetDateTime;
use x509_cert::attr::Attribute;
use x509_cert::Certificate;

use crate::{signature_timestamp_request, token_from_response, SignError, TsaTransport};

/// rsaEncryption (RFC 8017).
const RSA_ENCRYPTION: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The key family of `alg` must be the certificate's; checked before
/// anything is written.
pub(crate) fn check_key_family(
    cert: &Certificate,
    alg: SignatureAlgorithm,
) -> Result<(), SignError> {
    let is_rsa = cert.tbs_certificate.subject_public_key_info.algorithm.oid == RSA_ENCRYPTION;
    if is_rsa != alg.is_rsa() {
        return Err(SignError::AlgorithmMismatch {
            algorithm: alg.to_string(),
        });
    }
    Ok(())
}

/// Signed attributes waiting for the signature over their DER.
#[derive(Clone, Debug)]
pub(crate) struct SignedAttributes {
    attributes: Vec<Attribute>,
    to_be_signed: Vec<u8>,
    message_digest: Vec<u8>,
    signature_algorithm: SignatureAlgorithm,
    signer_certificate: Certificate,
}

impl SignedAttributes {
    /// content-type id-data, message-digest, signing-certificate-v2, and
    /// signing-time when given (CAdES; PAdES leaves it out).
    pub(crate) fn new(
        signer_certificate: &Certificate,
        signature_algorithm: SignatureAlgorithm,
        message_digest: Vec<u8>,
        signing_time: Option<OffsetDateTime>,
    ) -> Result<Self, SignError> {
        let attributes = cms::signed_attributes(&SignedAttributesInput {
            content_type: oids::CT_DATA,
            message_digest: &message_digest,
            signer_certificate,
            signing_time,
            extra: Vec::new(),
        })?;
        let to_be_signed = cms::signed_attributes_der(&attributes)?;
        Ok(SignedAttributes {
            attributes,
            to_be_signed,
            message_digest,
            signature_algorithm,
            signer_certificate: signer_certificate.clone(),
        })
    }

    /// The DER `SET OF Attribute` the key signs.
    pub(crate) fn to_be_signed(&self) -> &[u8] {
        &self.to_be_signed
    }

    /// The digest of [`Self::to_be_signed`], for signers that take a digest.
    pub(crate) fn to_be_signed_digest(&self) -> Vec<u8> {
        kyso_crypto::digest(self.signature_algorithm.digest(), &self.to_be_signed)
    }

    /// The digest of the signed content (the message-digest attribute).
    pub(crate) fn message_digest(&self) -> &[u8] {
        &self.message_digest
    }

    pub(crate) fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.signature_algorithm
    }

    /// Check `signature` against the signer certificate, then assemble the
    /// DER ContentInfo (detached SignedData) with the signer certificate
    /// followed by `chain`, and `timestamp` (a TimeStampToken over the
    /// signature value) as the unsigned attribute
    /// id-aa-signatureTimeStampToken.
    pub(crate) fn assemble(
        self,
        signature: &[u8],
        chain: &[Certificate],
        timestamp: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, SignError> {
        let spki = self
            .signer_certificate
            .tbs_certificate
            .subject_public_key_info
            .to_der()?;
        kyso_crypto::verify_signature(
            &spki,
            self.signature_algorithm,
            &self.to_be_signed,
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
        certificates.push(self.signer_certificate.clone());
        certificates.extend(chain.iter().cloned());
        Ok(cms::assemble_signed_data(SignedDataParts {
            encapsulated_content_type: oids::CT_DATA,
            encapsulated_content: None,
            digest_algorithm: self.signature_algorithm.digest(),
            signature_algorithm: self.signature_algorithm,
            signed_attributes: self.attributes,
            signature: signature.to_vec(),
            signer_certificate: &self.signer_certificate,
            certificates,
            unsigned_attributes,
        })?)
    }
}

/// The signature time-stamp token over `signature` from `tsa`, if any.
pub(crate) fn signature_timestamp(
    signature: &[u8],
    tsa: Option<TsaTransport<'_>>,
) -> Result<Option<Vec<u8>>, SignError> {
    let Some(transport) = tsa else {
        return Ok(None);
    };
    let query = signature_timestamp_request(signature)?;
    let response =
        transport(&query.request_der).map_err(|e| SignError::TsaTransport(e.to_string()))?;
    Ok(Some(token_from_response(&response, &query)?))
}
