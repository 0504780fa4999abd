//! OCSP (RFC 6960): request parsing and response signing for the
//! responder, request building and response reading for clients.
//!
//! The responder side is written for throughput: a request is decoded
//! once, the nonce extension value is echoed byte-for-byte, and a
//! response is assembled from its DER parts without encoding anything
//! twice.
use der::asn1::{BitString, GeneralizedTime, Null, ObjectIdentifier, OctetString, OctetStringRef};
use der::{Decode, Encode, Header, Length, Reader, SliceReader, Tag, TagNumber};
use kyso_crypto::{CryptoError, DigestAlgorithm, SignatureAlgorithm, Signer};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::ext::pkix::CrlReason;
use x509_cert::ext::Extension;
use x509_cert::Certificate;
pub use x509_ocsp::{BasicOcspResponse, CertId, OcspResponseStatus};
use x509_ocsp::{
    CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse, Request, ResponderId, ResponseData,
    RevokedInfo, SingleResponse, TbsRequest, Version,
};

use crate::{oids, RevocationReason, MAX_REQUEST_DER};

/// Most CertIDs accepted in one request.
pub const MAX_CERT_IDS: usize = 32;
/// Longest nonce accepted (RFC 8954 says 32; openssl and others send up
/// to this many).
pub const MAX_NONCE_LEN: usize = 128;
/// Largest OCSP response [`parse_ocsp_response`] reads: 1 MiB.
pub const MAX_RESPONSE_DER: usize = 1024 * 1024;

/// OCSP errors. Each maps to the OCSPResponseStatus a responder sends
/// ([`OcspError::response_status`]).
#[derive(Debug, thiserror::Error)]
pub enum OcspError {
    #[error("OCSP message of {0} bytes exceeds the limit")]
    TooLarge(usize),
    #[error("malformed OCSP message: {0}")]
    Malformed(String),
    #[error("the request holds no CertID")]
    NoCertIds,
    #[error("the request holds {0} CertIDs; at most {MAX_CERT_IDS} are accepted")]
    TooManyCertIds(usize),
    #[error("unsupported CertID hash algorithm {0}")]
    UnsupportedHash(ObjectIdentifier),
    #[error("nonce of {0} bytes; 1 to {MAX_NONCE_LEN} are accepted")]
    BadNonce(usize),
    #[error("unsupported critical extension {0}")]
    UnsupportedCriticalExtension(ObjectIdentifier),
    #[error("the responder is not authorized to answer for this certificate: {0}")]
    Unauthorized(String),
    #[error("the responder cannot answer now: {0}")]
    TryLater(String),
    #[error("OCSP encoding error: {0}")]
    Encoding(#[from] der::Error),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Time(#[from] crate::time::TimeError),
    #[error("the signer's public key is not the one in the responder certificate")]
    KeyMismatch,
}

impl OcspError {
    /// The OCSPResponseStatus to answer this error with.
    pub fn response_status(&self) -> OcspResponseStatus {
        use OcspError::*;
        match self {
            TooLarge(_)
            | Malformed(_)
            | NoCertIds
            | TooManyCertIds(_)
            | UnsupportedHash(_)
            | BadNonce(_)
            | UnsupportedCriticalExtension(_) => OcspResponseStatus::MalformedRequest,
            Unauthorized(_) => OcspResponseStatus::Unauthorized,
            TryLater(_) => OcspResponseStatus::TryLater,
            Encoding(_) | Crypto(_) | Time(_) | KeyMismatch => OcspResponseStatus::InternalError,
        }
    }
}

fn malformed(e: der::Error) -> OcspError {
    OcspError::Malformed(e.to_string())
}

/// A CertID read from a request or response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestedCertId {
    /// SHA-1, SHA-256, SHA-384 or SHA-512.
    pub hash_algorithm: DigestAlgorithm,
    /// Hash of the issuer's DER Name.
    pub issuer_name_hash: Vec<u8>,
    /// Hash of the issuer's subjectPublicKey BIT STRING value.
    pub issuer_key_hash: Vec<u8>,
    /// Serial number INTEGER content bytes, as in the certificate.
    pub serial: Vec<u8>,
    /// The CertID as received, to copy into the response.
    pub raw: CertId,
}

impl RequestedCertId {
    fn from_cert_id(raw: &CertId) -> Result<Self, OcspError> {
        let hash_algorithm = DigestAlgorithm::from_oid(&raw.hash_algorithm.oid)
            .map_err(|_| OcspError::UnsupportedHash(raw.hash_algorithm.oid))?;
        if let Some(p) = &raw.hash_algorithm.parameters {
            if *p != der::Any::null() {
                return Err(OcspError::Malformed(
                    "CertID hash algorithm parameters must be NULL or absent".into(),
                ));
            }
        }
        let issuer_name_hash = raw.issuer_name_hash.as_bytes().to_vec();
        let issuer_key_hash = raw.issuer_key_hash.as_bytes().to_vec();
        let n = hash_algorithm.output_len();
        if issuer_name_hash.len() != n || issuer_key_hash.len() != n {
            return Err(OcspError::Malformed(format!(
                "CertID hashes must have {n} bytes for {}",
                hash_algorithm.name()
            )));
        }
        Ok(RequestedCertId {
            hash_algorithm,
            issuer_name_hash,
            issuer_key_hash,
            serial: raw.serial_number.as_bytes().to_vec(),
            raw: raw.clone(),
        })
    }

    /// Whether this CertID names `issuer` (the issuer certificate's subject
    /// and public key). Compare the serial separately.
    pub fn matches_issuer(&self, issuer: &Certificate) -> bool {
        match issuer_hashes(issuer, self.hash_algorithm) {
            Ok((name, key)) => name == self.issuer_name_hash && key == self.issuer_key_hash,
            Err(_) => false,
        }
    }
}

/// issuerNameHash and issuerKeyHash of `issuer` with `hash` (RFC 6960
/// §4.1.1). Responders may compute these once per issuer and compare
/// them with [`RequestedCertId`] fields directly.
pub fn issuer_hashes(
    issuer: &Certificate,
    hash: DigestAlgorithm,
) -> Result<(Vec<u8>, Vec<u8>), OcspError> {
    let name = kyso_crypto::digest(hash, &issuer.tbs_certificate.subject.to_der()?);
    let key = kyso_crypto::digest(
        hash,
        issuer
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes(),
    );
    Ok((name, key))
}

/// What a responder needs from a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcspRequestInfo {
    /// The CertIDs asked about (1 to [`MAX_CERT_IDS`]).
    pub cert_ids: Vec<RequestedCertId>,
    /// The nonce extension's extnValue octets exactly as received (usually
    /// an OCTET STRING wrapping the nonce, RFC 8954), to echo back with
    /// [`build_ocsp_response`]. `None`: no nonce, the answer may be cached.
    pub nonce: Option<Vec<u8>>,
}

/// Check the non-nonce extensions and pick the nonce.
fn read_extensions(exts: Option<&Vec<Extension>>) -> Result<Option<Vec<u8>>, OcspError> {
    let mut nonce = None;
    for (i, ext) in exts.into_iter().flatten().enumerate() {
        if exts
            .into_iter()
            .flatten()
            .take(i)
            .any(|e| e.extn_id == ext.extn_id)
        {
            return Err(OcspError::Malformed(format!(
                "extension {} appears twice",
                ext.extn_id
            )));
        }
        if ext.extn_id == oids::PKIX_OCSP_NONCE {
            let value = ext.extn_value.as_bytes();
            let nonce_len = match OctetStringRef::from_der(value) {
                Ok(inner) => inner.as_bytes().len(),
                Err(_) => value.len(),
            };
            if nonce_len == 0 || nonce_len > MAX_NONCE_LEN {
                return Err(OcspError::BadNonce(nonce_len));
            }
            nonce = Some(value.to_vec());
        } else if ext.critical {
            return Err(OcspError::UnsupportedCriticalExtension(ext.extn_id));
        }
    }
    Ok(nonce)
}

/// Parse a DER OCSPRequest (RFC 6960 §4.1). Signed requests are accepted;
/// their signature is not checked.
pub fn parse_ocsp_request(der: &[u8]) -> Result<OcspRequestInfo, OcspError> {
    if der.len() > MAX_REQUEST_DER {
        return Err(OcspError::TooLarge(der.len()));
    }
    let req = OcspRequest::from_der(der).map_err(malformed)?;
    let list = &req.tbs_request.request_list;
    if list.is_empty() {
        return Err(OcspError::NoCertIds);
    }
    if list.len() > MAX_CERT_IDS {
        return Err(OcspError::TooManyCertIds(list.len()));
    }
    let mut cert_ids = Vec::with_capacity(list.len());
    for r in list {
        read_extensions(r.single_request_extensions.as_ref())?;
        cert_ids.push(RequestedCertId::from_cert_id(&r.req_cert)?);
    }
    let nonce = read_extensions(req.tbs_request.request_extensions.as_ref())?;
    Ok(OcspRequestInfo { cert_ids, nonce })
}

/// The status of one certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertStatusInfo {
    Good,
    Revoked {
        revocation_time: OffsetDateTime,
        reason: Option<RevocationReason>,
    },
    Unknown,
}

/// One SingleResponse to put into a response.
#[derive(Clone, Debug)]
pub struct SingleResponseInput {
    /// The CertID as requested ([`RequestedCertId::raw`]).
    pub cert_id: CertId,
    pub status: CertStatusInfo,
    pub this_update: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
}

fn ocsp_time(t: OffsetDateTime) -> Result<OcspGeneralizedTime, OcspError> {
    Ok(OcspGeneralizedTime(crate::time::generalized_time(t)?))
}

fn crl_reason(r: RevocationReason) -> CrlReason {
    use RevocationReason as R;
    match r {
        R::Unspecified => CrlReason::Unspecified,
        R::KeyCompromise => CrlReason::KeyCompromise,
        R::CaCompromise => CrlReason::CaCompromise,
        R::AffiliationChanged => CrlReason::AffiliationChanged,
        R::Superseded => CrlReason::Superseded,
        R::CessationOfOperation => CrlReason::CessationOfOperation,
        R::CertificateHold => CrlReason::CertificateHold,
        R::RemoveFromCrl => CrlReason::RemoveFromCRL,
        R::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
        R::AaCompromise => CrlReason::AaCompromise,
    }
}

/// Encode `tag` + length + the concatenation of `parts`.
fn tlv(tag: Tag, parts: &[&[u8]]) -> Result<Vec<u8>, der::Error> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let header = Header::new(tag, Length::try_from(len)?)?;
    let mut out = Vec::with_capacity(len + 6);
    header.encode_to_vec(&mut out)?;
    for p in parts {
        out.extend_from_slice(p);
    }
    Ok(out)
}

fn context(n: u8, parts: &[&[u8]]) -> Result<Vec<u8>, der::Error> {
    tlv(
        Tag::ContextSpecific {
            constructed: true,
            number: TagNumber::new(n),
        },
        parts,
    )
}

/// Build and sign a successful OCSPResponse (id-pkix-ocsp-basic) with
/// ResponderID byKey; `certs` holds the responder certificate followed by
/// `extra_certificates`. `nonce_extension_value` is echoed as the nonce
/// extension's extnValue ([`OcspRequestInfo::nonce`]).
pub fn build_ocsp_response(
    responder_certificate: &Certificate,
    signer: &dyn Signer,
    produced_at: OffsetDateTime,
    responses: &[SingleResponseInput],
    nonce_extension_value: Option<&[u8]>,
    extra_certificates: &[Certificate],
) -> Result<Vec<u8>, OcspError> {
    let spki = &responder_certificate
        .tbs_certificate
        .subject_public_key_info;
    if spki.to_der()? != signer.public_key_der() {
        return Err(OcspError::KeyMismatch);
    }
    let key_hash = kyso_crypto::digest(DigestAlgorithm::Sha1, spki.subject_public_key.raw_bytes());
    let mut single = Vec::with_capacity(responses.len());
    for r in responses {
        let cert_status = match r.status {
            CertStatusInfo::Good => CertStatus::Good(Null),
            CertStatusInfo::Unknown => CertStatus::Unknown(Null),
            CertStatusInfo::Revoked {
                revocation_time,
                reason,
            } => CertStatus::Revoked(RevokedInfo {
                revocation_time: ocsp_time(revocation_time)?,
                revocation_reason: reason.map(crl_reason),
            }),
        };
        single.push(SingleResponse {
            cert_id: r.cert_id.clone(),
            cert_status,
            this_update: ocsp_time(r.this_update)?,
            next_update: r.next_update.map(ocsp_time).transpose()?,
            single_extensions: None,
        });
    }
    let response_extensions = match nonce_extension_value {
        Some(v) => Some(vec![Extension {
            extn_id: oids::PKIX_OCSP_NONCE,
            critical: false,
            extn_value: OctetString::new(v)?,
        }]),
        None => None,
    };
    let tbs = ResponseData {
        version: Version::V1,
        responder_id: ResponderId::ByKey(OctetString::new(key_hash)?),
        produced_at: ocsp_time(produced_at)?,
        responses: single,
        response_extensions,
    }
    .to_der()?;
    let algorithm = signer.algorithm();
    let signature = signer.sign(&tbs)?;
    let sig_alg = algorithm.algorithm_identifier().to_der()?;
    let sig_bits = BitString::from_bytes(&signature)?.to_der()?;
    let mut cert_ders = Vec::with_capacity(extra_certificates.len() + 1);
    cert_ders.push(responder_certificate.to_der()?);
    for c in extra_certificates {
        cert_ders.push(c.to_der()?);
    }
    let cert_refs: Vec<&[u8]> = cert_ders.iter().map(Vec::as_slice).collect();
    let certs = context(0, &[&tlv(Tag::Sequence, &cert_refs)?])?;
    let basic = tlv(Tag::Sequence, &[&tbs, &sig_alg, &sig_bits, &certs])?;
    let response_bytes = tlv(
        Tag::Sequence,
        &[
            &oids::PKIX_OCSP_BASIC.to_der()?,
            &tlv(Tag::OctetString, &[&basic])?,
        ],
    )?;
    Ok(tlv(
        Tag::Sequence,
        &[
            &OcspResponseStatus::Successful.to_der()?,
            &context(0, &[&response_bytes])?,
        ],
    )?)
}

/// An unsuccessful OCSPResponse: just the status (RFC 6960 §4.2.1).
/// `Successful` has no meaning without a body and yields internalError.
pub fn ocsp_error_response(status: OcspResponseStatus) -> Vec<u8> {
    let code = match status {
        OcspResponseStatus::Successful => OcspResponseStatus::InternalError,
        s => s,
    } as u8;
    vec![0x30, 0x03, 0x0a, 0x01, code]
}

/// Build a DER OCSPRequest for `cert` issued by `issuer`. `nonce` is sent
/// as an OCTET STRING inside the extension value (RFC 8954).
pub fn build_ocsp_request(
    cert: &Certificate,
    issuer: &Certificate,
    hash: DigestAlgorithm,
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>, OcspError> {
    let (name, key) = issuer_hashes(issuer, hash)?;
    let cert_id = CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: hash.oid(),
            parameters: Some(Null.into()),
        },
        issuer_name_hash: OctetString::new(name)?,
        issuer_key_hash: OctetString::new(key)?,
        serial_number: cert.tbs_certificate.serial_number.clone(),
    };
    let request_extensions = match nonce {
        Some(n) => Some(vec![Extension {
            extn_id: oids::PKIX_OCSP_NONCE,
            critical: false,
            extn_value: OctetString::new(OctetStringRef::new(n)?.to_der()?)?,
        }]),
        None => None,
    };
    Ok(OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list: vec![Request {
                req_cert: cert_id,
                single_request_extensions: None,
            }],
            request_extensions,
        },
        optional_signature: None,
    }
    .to_der()?)
}

/// One SingleResponse as read by a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SingleResponseInfo {
    pub cert_id: RequestedCertId,
    pub status: CertStatusInfo,
    pub this_update: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
}

/// A DER OCSPResponse as read by a client.
#[derive(Clone, Debug)]
pub struct ParsedOcspResponse {
    pub status: OcspResponseStatus,
    /// The BasicOCSPResponse (only when `status` is successful).
    pub basic: Option<BasicOcspResponse>,
    /// The tbsResponseData exactly as received, for signature checks.
    pub tbs_response_data_der: Vec<u8>,
    pub produced_at: Option<OffsetDateTime>,
    pub responses: Vec<SingleResponseInfo>,
    /// The nonce extension's extnValue octets, as received.
    pub nonce: Option<Vec<u8>>,
}

impl ParsedOcspResponse {
    /// Check the response signature with `responder`'s public key.
    pub fn verify_signature(&self, responder: &Certificate) -> Result<(), OcspError> {
        let basic = self
            .basic
            .as_ref()
            .ok_or_else(|| OcspError::Malformed("no BasicOCSPResponse to verify".into()))?;
        let alg = SignatureAlgorithm::from_algorithm_identifier(&basic.signature_algorithm, None)?;
        let signature = basic
            .signature
            .as_bytes()
            .ok_or_else(|| OcspError::Malformed("signature has unused bits".into()))?;
        kyso_crypto::verify_signature(
            &responder.tbs_certificate.subject_public_key_info.to_der()?,
            alg,
            &self.tbs_response_data_der,
            signature,
        )?;
        Ok(())
    }
}

fn from_ocsp_time(t: &OcspGeneralizedTime) -> OffsetDateTime {
    let g: GeneralizedTime = t.0;
    crate::time::from_generalized_time(&g)
}

/// The first TLV inside the SEQUENCE `der` (tbsResponseData of a
/// BasicOCSPResponse), as raw bytes.
fn first_element(der: &[u8]) -> Result<&[u8], der::Error> {
    let mut reader = SliceReader::new(der)?;
    let header = Header::decode(&mut reader)?;
    header.tag.assert_eq(Tag::Sequence)?;
    reader.tlv_bytes()
}

/// Read a DER OCSPResponse (RFC 6960 §4.2.1); the signature is not checked
/// here (see [`ParsedOcspResponse::verify_signature`]).
pub fn parse_ocsp_response(der: &[u8]) -> Result<ParsedOcspResponse, OcspError> {
    if der.len() > MAX_RESPONSE_DER {
        return Err(OcspError::TooLarge(der.len()));
    }
    let resp = OcspResponse::from_der(der).map_err(malformed)?;
    let mut parsed = ParsedOcspResponse {
        status: resp.response_status,
        basic: None,
        tbs_response_data_der: Vec::new(),
        produced_at: None,
        responses: Vec::new(),
        nonce: None,
    };
    if resp.response_status != OcspResponseStatus::Successful {
        return Ok(parsed);
    }
    let bytes = resp
        .response_bytes
        .ok_or_else(|| OcspError::Malformed("successful response without responseBytes".into()))?;
    if bytes.response_type != oids::PKIX_OCSP_BASIC {
        return Err(OcspError::Malformed(format!(
            "response type {} is not id-pkix-ocsp-basic",
            bytes.response_type
        )));
    }
    let basic_der = bytes.response.as_bytes();
    let basic = BasicOcspResponse::from_der(basic_der).map_err(malformed)?;
    parsed.tbs_response_data_der = first_element(basic_der).map_err(malformed)?.to_vec();
    let data = &basic.tbs_response_data;
    parsed.produced_at = Some(from_ocsp_time(&data.produced_at));
    for r in &data.responses {
        let status = match &r.cert_status {
            CertStatus::Good(_) => CertStatusInfo::Good,
            CertStatus::Unknown(_) => CertStatusInfo::Unknown,
            CertStatus::Revoked(info) => CertStatusInfo::Revoked {
                revocation_time: from_ocsp_time(&info.revocation_time),
                reason: info
                    .revocation_reason
                    .and_then(|c| RevocationReason::from_code(c as u8)),
            },
        };
        parsed.responses.push(SingleResponseInfo {
            cert_id: RequestedCertId::from_cert_id(&r.cert_id)?,
            status,
            this_update: from_ocsp_time(&r.this_update),
            next_update: r.next_update.as_ref().map(from_ocsp_time),
        });
    }
    parsed.nonce = data
        .response_extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == oids::PKIX_OCSP_NONCE)
        .map(|e| e.extn_value.as_bytes().to_vec());
    parsed.basic = Some(basic);
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_responses_are_the_rfc_encoding() {
        assert_eq!(
            ocsp_error_response(OcspResponseStatus::MalformedRequest),
            [0x30, 0x03, 0x0a, 0x01, 0x01]
        );
        assert_eq!(
            ocsp_error_response(OcspResponseStatus::Unauthorized),
            [0x30, 0x03, 0x0a, 0x01, 0x06]
        );
        for s in [
            OcspResponseStatus::MalformedRequest,
            OcspResponseStatus::InternalError,
            OcspResponseStatus::TryLater,
            OcspResponseStatus::SigRequired,
            OcspResponseStatus::Unauthorized,
        ] {
            let p = parse_ocsp_response(&ocsp_error_response(s)).unwrap();
            assert_eq!(p.status, s);
            assert!(p.basic.is_none());
        }
    }

    #[test]
    fn garbage_requests_are_malformed() {
        for der in [
            &b""[..],
            b"\x30\x00",
            b"\x30\x80\x00\x00",
            b"hello",
            &[0x30; 40],
        ] {
            let e = parse_ocsp_request(der).unwrap_err();
            assert_eq!(e.response_status(), OcspResponseStatus::MalformedRequest);
        }
        let big = vec![0x30; MAX_REQUEST_DER + 1];
        assert!(matches!(
            parse_ocsp_request(&big),
            Err(OcspError::TooLarge(_))
        ));
    }

    fn cert_id(hash: ObjectIdentifier, len: usize) -> CertId {
        CertId {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: hash,
                parameters: Some(Null.into()),
            },
            issuer_name_hash: OctetString::new(vec![1u8; len]).unwrap(),
            issuer_key_hash: OctetString::new(vec![2u8; len]).unwrap(),
            serial_number: x509_cert::serial_number::SerialNumber::new(&[0x01, 0x23]).unwrap(),
        }
    }

    fn request(ids: Vec<CertId>, exts: Option<Vec<Extension>>) -> Vec<u8> {
        OcspRequest {
            tbs_request: TbsRequest {
                version: Version::V1,
                requestor_name: None,
                request_list: ids
                    .into_iter()
                    .map(|req_cert| Request {
                        req_cert,
                        single_request_extensions: None,
                    })
                    .collect(),
                request_extensions: exts,
            },
            optional_signature: None,
        }
        .to_der()
        .unwrap()
    }

    fn nonce_ext(value: &[u8], critical: bool) -> Vec<Extension> {
        vec![Extension {
            extn_id: oids::PKIX_OCSP_NONCE,
            critical,
            extn_value: OctetString::new(value).unwrap(),
        }]
    }

    #[test]
    fn raw_and_wrapped_nonces_are_echoed_byte_for_byte() {
        let sha1 = DigestAlgorithm::Sha1.oid();
        // Raw (pre-RFC 8954) form: the extnValue is the nonce itself.
        let raw = [0x5a; 20];
        let info = parse_ocsp_request(&request(
            vec![cert_id(sha1, 20)],
            Some(nonce_ext(&raw, false)),
        ))
        .unwrap();
        assert_eq!(info.nonce.as_deref(), Some(&raw[..]));
        assert_eq!(info.cert_ids[0].serial, [0x01, 0x23]);
        // Wrapped form, 128 bytes: accepted; 129: refused; empty: refused.
        for (n, ok) in [(1usize, true), (128, true), (129, false), (0, false)] {
            let wrapped = OctetString::new(vec![9u8; n]).unwrap().to_der().unwrap();
            let r = parse_ocsp_request(&request(
                vec![cert_id(sha1, 20)],
                Some(nonce_ext(&wrapped, false)),
            ));
            match r {
                Ok(info) => {
                    assert!(ok, "{n}");
                    assert_eq!(info.nonce.unwrap(), wrapped);
                }
                Err(e) => {
                    assert!(!ok, "{n}");
                    assert!(matches!(e, OcspError::BadNonce(_)));
                }
            }
        }
    }

    #[test]
    fn request_limits_and_algorithms() {
        let sha256 = DigestAlgorithm::Sha256.oid();
        let ok = vec![cert_id(sha256, 32); MAX_CERT_IDS];
        assert_eq!(
            parse_ocsp_request(&request(ok, None))
                .unwrap()
                .cert_ids
                .len(),
            32
        );
        let too_many = vec![cert_id(sha256, 32); MAX_CERT_IDS + 1];
        assert!(matches!(
            parse_ocsp_request(&request(too_many, None)),
            Err(OcspError::TooManyCertIds(33))
        ));
        let md5 = ObjectIdentifier::new_unwrap("1.2.840.113549.2.5");
        assert!(matches!(
            parse_ocsp_request(&request(vec![cert_id(md5, 16)], None)),
            Err(OcspError::UnsupportedHash(_))
        ));
        // Hash lengths must fit the algorithm.
        assert!(parse_ocsp_request(&request(vec![cert_id(sha256, 20)], None)).is_err());
        // Unknown critical extensions are refused, unknown others ignored.
        let other = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.4");
        for (critical, accepted) in [(false, true), (true, false)] {
            let ext = vec![Extension {
                extn_id: other,
                critical,
                extn_value: OctetString::new(vec![0x05, 0x00]).unwrap(),
            }];
            let r = parse_ocsp_request(&request(vec![cert_id(sha256, 32)], Some(ext)));
            assert_eq!(r.is_ok(), accepted);
        }
        // A duplicated nonce is malformed.
        let mut twice = nonce_ext(&[4, 1, 7], false);
        twice.extend(nonce_ext(&[4, 1, 8], false));
        assert!(parse_ocsp_request(&request(vec![cert_id(sha256, 32)], Some(twice))).is_err());
    }

    #[test]
    fn internal_failures_are_internal_errors() {
        assert_eq!(
            OcspError::KeyMismatch.response_status(),
            OcspResponseStatus::InternalError
        );
        assert_eq!(
            OcspError::TryLater("db".into()).response_status(),
            OcspResponseStatus::TryLater
        );
    }
}
