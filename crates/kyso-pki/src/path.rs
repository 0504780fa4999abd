//! Certification path validation at a given time (RFC 5280 §6), with
//! revocation evidence (CRLs, RFC 6960 OCSP responses) handed in by the
//! caller: this module does no network I/O.
//!
//! What is checked, for a path end entity → intermediates → trust anchor:
//! the signature of every certificate (RSASSA-PSS, PKCS#1 v1.5, ECDSA;
//! SHA-1 and weaker refused, Circular 15/2025), validity of every
//! certificate at the validation time, basicConstraints cA and
//! pathLenConstraint and keyUsage keyCertSign for every issuer, unknown
//! critical extensions, RSA key size, the end entity's extended key usage
//! when one is required, and the revocation status of every certificate
//! below the anchor.
//!
//! Not implemented (a certificate marking these critical is refused as an
//! unknown critical extension): name constraints, policy mappings, policy
//! constraints, inhibitAnyPolicy. Certificate policies are accepted but
//! not processed (no explicit policy is required). CRLs: no delta CRLs,
//! no indirect CRLs; the issuingDistributionPoint scope flags are honoured
//! but its distribution point name is not matched.
use der::asn1::{ObjectIdentifier, UintRef};
use der::{Decode, Encode, Sequence, Tagged};
use kyso_crypto::{DigestAlgorithm, SignatureAlgorithm};
use time::{Duration, OffsetDateTime};
use x509_cert::certificate::Version;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, BasicConstraints, CrlDistributionPoints, CrlReason,
    ExtendedKeyUsage, KeyUsage,
};
use x509_cert::ext::Extensions;
use x509_cert::Certificate;
use x509_ocsp::{BasicOcspResponse, CertStatus, OcspResponse, OcspResponseStatus, ResponderId};

use crate::oids;
use crate::reason::RevocationReason;
use crate::time::{from_generalized_time, from_x509_time, iso8601_vn};
use crate::trust::{may_have_issued, names_match, subject_key_id, TrustStore};

/// How long a CRL or OCSP response without nextUpdate counts as current
/// after its thisUpdate.
pub const FRESHNESS_WITHOUT_NEXT_UPDATE: Duration = Duration::days(1);

/// Largest CRL or OCSP response read from the evidence: 64 MiB.
pub const MAX_EVIDENCE_DER: usize = 64 * 1024 * 1024;

/// At most this many candidate paths are built and checked.
const MAX_CANDIDATE_PATHS: usize = 16;
/// At most this many path-building steps (bounds hostile intermediate sets).
const MAX_BUILD_STEPS: usize = 1024;

const ANY_EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37.0");
const CE_ISSUER_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.18");
const CE_ISSUING_DISTRIBUTION_POINT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.28");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const ID_RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

/// Certificate extensions this validator understands (or may safely
/// ignore) when they are marked critical.
const KNOWN_CERT_EXTENSIONS: [ObjectIdentifier; 11] = [
    oids::CE_BASIC_CONSTRAINTS,
    oids::CE_KEY_USAGE,
    oids::CE_EXT_KEY_USAGE,
    oids::CE_SUBJECT_ALT_NAME,
    CE_ISSUER_ALT_NAME,
    oids::CE_CERTIFICATE_POLICIES,
    oids::CE_AUTHORITY_KEY_IDENTIFIER,
    oids::CE_SUBJECT_KEY_IDENTIFIER,
    oids::CE_CRL_DISTRIBUTION_POINTS,
    oids::PE_AUTHORITY_INFO_ACCESS,
    oids::PKIX_OCSP_NOCHECK,
];

/// CRL and OCSP responses the caller gathered (from the document's DSS,
/// the CMS, or fetched from the URLs of [`revocation_urls`]), DER.
#[derive(Clone, Debug, Default)]
pub struct RevocationEvidence {
    /// DER CertificateLists.
    pub crls: Vec<Vec<u8>>,
    /// DER OCSPResponses.
    pub ocsp_responses: Vec<Vec<u8>>,
}

/// What to do when no evidence answers for a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationPolicy {
    /// Fail with [`PathError::RevocationUnknown`].
    Require,
    /// Validate, with a warning naming the certificate.
    BestEffort,
    /// Do not check revocation at all.
    Skip,
}

/// Parameters of one validation.
#[derive(Clone, Debug)]
pub struct ValidationOptions {
    /// The time at which the path must be valid (now, the signing time, or
    /// the time a timestamp proves).
    pub time: OffsetDateTime,
    /// What to do when no revocation evidence answers.
    pub revocation: RevocationPolicy,
    /// Extended key usage the end entity must allow (an end entity without
    /// the extension, or with anyExtendedKeyUsage, allows every usage).
    pub required_eku: Option<ObjectIdentifier>,
    /// Smallest RSA modulus accepted anywhere in the path (Circular
    /// 15/2025: 2048).
    pub min_rsa_bits: usize,
    /// Largest number of intermediate CA certificates between the end
    /// entity and the trust anchor.
    pub max_path_len: usize,
}

impl ValidationOptions {
    /// Defaults at `time`: revocation required, no EKU, RSA ≥ 2048, at
    /// most 8 intermediates.
    pub fn at(time: OffsetDateTime) -> Self {
        Self {
            time,
            revocation: RevocationPolicy::Require,
            required_eku: None,
            min_rsa_bits: 2048,
            max_path_len: 8,
        }
    }
}

/// Where a revocation answer came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationSource {
    /// An RFC 6960 OCSP response.
    Ocsp,
    /// An RFC 5280 CRL.
    Crl,
    /// The certificate carries id-pkix-ocsp-nocheck: no check needed.
    NoCheck,
}

/// Revocation status of one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevocationStatus {
    /// Not revoked at the validation time. `this_update` is the
    /// thisUpdate of the OCSP response or CRL (`None` for `NoCheck`).
    Good {
        source: RevocationSource,
        this_update: Option<OffsetDateTime>,
    },
    /// Revoked at `time` (as the evidence says; may be after the
    /// validation time).
    Revoked {
        time: OffsetDateTime,
        reason: Option<RevocationReason>,
        source: RevocationSource,
    },
    /// No usable evidence.
    Unknown,
}

/// A validated path.
#[derive(Clone, Debug)]
pub struct ValidatedPath {
    /// End entity first, trust anchor last.
    pub certificates: Vec<Certificate>,
    /// SHA-256 fingerprint (lowercase hex) of the trust anchor.
    pub anchor_fingerprint: String,
    /// Status of every certificate below the anchor, by serial number
    /// (lowercase hex), end entity first. Empty with
    /// [`RevocationPolicy::Skip`].
    pub revocation: Vec<(String, RevocationStatus)>,
    /// Things a report should show: missing revocation information under
    /// `BestEffort`, revocations after the validation time, ignored
    /// evidence.
    pub warnings: Vec<String>,
}

/// Why a path does not validate. Messages name the certificate's subject.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("no path from '{subject}' to a trust anchor: its issuer '{issuer}' is neither a trust anchor nor among the intermediate certificates")]
    NoPathToTrustAnchor { subject: String, issuer: String },
    #[error("certificate '{subject}' expired at {}", iso8601_vn(*.not_after))]
    Expired {
        subject: String,
        not_after: OffsetDateTime,
    },
    #[error("certificate '{subject}' is not valid before {}", iso8601_vn(*.not_before))]
    NotYetValid {
        subject: String,
        not_before: OffsetDateTime,
    },
    #[error("the signature on certificate '{subject}' does not verify with its issuer's key")]
    BadSignature { subject: String },
    #[error("certificate '{subject}' issues certificates but is not a CA (basicConstraints cA is not TRUE)")]
    NotCa { subject: String },
    #[error("CA certificate '{subject}' allows at most {path_len} intermediate CA certificate(s) below it (pathLenConstraint)")]
    PathLenExceeded { subject: String, path_len: u8 },
    #[error("CA certificate '{subject}' has a keyUsage without keyCertSign")]
    MissingKeyCertSign { subject: String },
    #[error("certificate '{subject}' has an unknown critical extension {oid}")]
    UnknownCriticalExtension {
        subject: String,
        oid: ObjectIdentifier,
    },
    #[error("certificate '{subject}' does not allow the extended key usage {required}")]
    EkuNotAllowed {
        subject: String,
        required: ObjectIdentifier,
    },
    #[error("certificate '{subject}' has a {bits}-bit RSA key; at least {min_bits} bits are required (Circular 15/2025)")]
    WeakKey {
        subject: String,
        bits: usize,
        min_bits: usize,
    },
    #[error("certificate '{subject}' uses {algorithm}, which is not allowed (Circular 15/2025: RSA or ECDSA with SHA-2)")]
    WeakAlgorithm { subject: String, algorithm: String },
    #[error("certificate '{subject}' was revoked at {} ({})", iso8601_vn(*.time), reason_name(.reason))]
    Revoked {
        subject: String,
        time: OffsetDateTime,
        reason: Option<RevocationReason>,
    },
    #[error(
        "no CRL or OCSP response establishes the revocation status of certificate '{subject}'"
    )]
    RevocationUnknown { subject: String },
    #[error("malformed certificate data: {0}")]
    Malformed(String),
}

fn reason_name(r: &Option<RevocationReason>) -> &'static str {
    r.map(|r| r.name()).unwrap_or("no reason given")
}

fn subject_of(cert: &Certificate) -> String {
    cert.tbs_certificate.subject.to_string()
}

pub use crate::certificate::serial_hex;

/// Builds and validates a path from `end_entity` to an anchor of `trust`
/// at `options.time`. `intermediates` may hold extra, unrelated or
/// duplicate certificates; several candidate paths are tried and the first
/// valid one is returned.
pub fn validate_path(
    end_entity: &Certificate,
    intermediates: &[Certificate],
    trust: &TrustStore,
    evidence: &RevocationEvidence,
    options: &ValidationOptions,
) -> Result<ValidatedPath, PathError> {
    // The end entity may itself be a trust anchor.
    if let Some(anchor) = trust
        .anchors()
        .iter()
        .find(|a| a.certificate == *end_entity)
    {
        check_validity(end_entity, options.time)?;
        check_key_strength(end_entity, options.min_rsa_bits)?;
        return Ok(ValidatedPath {
            certificates: vec![end_entity.clone()],
            anchor_fingerprint: anchor.fingerprint_sha256.clone(),
            revocation: Vec::new(),
            warnings: Vec::new(),
        });
    }

    let mut candidates = Vec::new();
    let mut steps = 0usize;
    let mut chain = vec![end_entity];
    build_candidates(
        &mut chain,
        intermediates,
        trust,
        options.max_path_len,
        &mut candidates,
        &mut steps,
    );
    if candidates.is_empty() {
        return Err(PathError::NoPathToTrustAnchor {
            subject: subject_of(end_entity),
            issuer: end_entity.tbs_certificate.issuer.to_string(),
        });
    }

    let mut first_error: Option<PathError> = None;
    let mut first_specific_error: Option<PathError> = None;
    for (chain, anchor_index) in candidates {
        let anchor = &trust.anchors()[anchor_index];
        let mut path: Vec<&Certificate> = chain;
        path.push(&anchor.certificate);
        match check_path(&path, evidence, options) {
            Ok((revocation, warnings)) => {
                return Ok(ValidatedPath {
                    certificates: path.into_iter().cloned().collect(),
                    anchor_fingerprint: anchor.fingerprint_sha256.clone(),
                    revocation,
                    warnings,
                })
            }
            Err(e) => {
                // A signature that fails under a same-named but different
                // key says less than any other failure.
                if first_specific_error.is_none() && !matches!(e, PathError::BadSignature { .. }) {
                    first_specific_error = Some(e);
                } else if first_error.is_none() {
                    first_error = Some(e);
                }
            }
        }
    }
    Err(first_specific_error
        .or(first_error)
        .unwrap_or_else(|| PathError::Malformed("no candidate path".into())))
}

/// Depth-first search for chains ending at an anchor (by name and key
/// identifiers; signatures are checked later). No certificate appears
/// twice; the number of intermediates is bounded by `max_intermediates`.
fn build_candidates<'a>(
    chain: &mut Vec<&'a Certificate>,
    intermediates: &'a [Certificate],
    trust: &TrustStore,
    max_intermediates: usize,
    out: &mut Vec<(Vec<&'a Certificate>, usize)>,
    steps: &mut usize,
) {
    if out.len() >= MAX_CANDIDATE_PATHS || *steps >= MAX_BUILD_STEPS {
        return;
    }
    *steps += 1;
    let Some(&current) = chain.last() else {
        return;
    };
    for (i, anchor) in trust.anchors().iter().enumerate() {
        if may_have_issued(&anchor.certificate, current) && !chain.contains(&&anchor.certificate) {
            out.push((chain.clone(), i));
        }
    }
    if chain.len() > max_intermediates {
        return;
    }
    for candidate in intermediates {
        if chain.contains(&candidate)
            || trust.anchors().iter().any(|a| a.certificate == *candidate)
            || !may_have_issued(candidate, current)
        {
            continue;
        }
        chain.push(candidate);
        build_candidates(chain, intermediates, trust, max_intermediates, out, steps);
        chain.pop();
        if out.len() >= MAX_CANDIDATE_PATHS || *steps >= MAX_BUILD_STEPS {
            return;
        }
    }
}

type RevocationList = Vec<(String, RevocationStatus)>;

/// Checks one complete path (end entity first, anchor last).
fn check_path(
    path: &[&Certificate],
    evidence: &RevocationEvidence,
    options: &ValidationOptions,
) -> Result<(RevocationList, Vec<String>), PathError> {
    let n = path.len();
    let anchor = path[n - 1];
    check_validity(anchor, options.time)?;
    check_key_strength(anchor, options.min_rsa_bits)?;
    check_issuer(path, n - 1)?;

    // From the certificate the anchor issued down to the end entity.
    for i in (0..n - 1).rev() {
        let cert = path[i];
        let issuer = path[i + 1];
        check_extensions(cert)?;
        check_signature(cert, issuer)?;
        check_validity(cert, options.time)?;
        check_key_strength(cert, options.min_rsa_bits)?;
        if i > 0 {
            check_issuer(path, i)?;
        }
    }
    if let Some(required) = options.required_eku {
        check_eku(path[0], required)?;
    }

    let mut warnings = Vec::new();
    let mut revocation = Vec::new();
    if options.revocation == RevocationPolicy::Skip {
        return Ok((revocation, warnings));
    }
    let mut unknown: Option<PathError> = None;
    for i in 0..n - 1 {
        let cert = path[i];
        let (status, mut notes) = revocation_status(cert, path[i + 1], evidence, options.time);
        warnings.append(&mut notes);
        let status = match status {
            RevocationStatus::Revoked {
                time,
                reason,
                source,
            } => {
                if time <= options.time {
                    return Err(PathError::Revoked {
                        subject: subject_of(cert),
                        time,
                        reason,
                    });
                }
                warnings.push(format!(
                    "certificate '{}' (serial {}) was revoked at {} ({}), after the validation time {}; it was valid at that time",
                    subject_of(cert),
                    serial_hex(cert),
                    iso8601_vn(time),
                    reason_name(&reason),
                    iso8601_vn(options.time)
                ));
                RevocationStatus::Good {
                    source,
                    this_update: None,
                }
            }
            RevocationStatus::Unknown => {
                match options.revocation {
                    RevocationPolicy::Require => {
                        if unknown.is_none() {
                            unknown = Some(PathError::RevocationUnknown {
                                subject: subject_of(cert),
                            });
                        }
                    }
                    _ => warnings.push(format!(
                        "no CRL or OCSP response establishes the revocation status of certificate '{}' (serial {})",
                        subject_of(cert),
                        serial_hex(cert)
                    )),
                }
                RevocationStatus::Unknown
            }
            good => good,
        };
        revocation.push((serial_hex(cert), status));
    }
    if let Some(e) = unknown {
        return Err(e);
    }
    Ok((revocation, warnings))
}

fn check_validity(cert: &Certificate, time: OffsetDateTime) -> Result<(), PathError> {
    let v = &cert.tbs_certificate.validity;
    let not_before = from_x509_time(&v.not_before);
    let not_after = from_x509_time(&v.not_after);
    if time < not_before {
        return Err(PathError::NotYetValid {
            subject: subject_of(cert),
            not_before,
        });
    }
    if time > not_after {
        return Err(PathError::Expired {
            subject: subject_of(cert),
            not_after,
        });
    }
    Ok(())
}

/// Unknown critical extensions, and any extension present twice.
fn check_extensions(cert: &Certificate) -> Result<(), PathError> {
    let exts = cert.tbs_certificate.extensions.as_deref().unwrap_or(&[]);
    for (i, e) in exts.iter().enumerate() {
        if exts[..i].iter().any(|p| p.extn_id == e.extn_id) {
            return Err(PathError::Malformed(format!(
                "certificate '{}' has extension {} twice",
                subject_of(cert),
                e.extn_id
            )));
        }
        if e.critical && !KNOWN_CERT_EXTENSIONS.contains(&e.extn_id) {
            return Err(PathError::UnknownCriticalExtension {
                subject: subject_of(cert),
                oid: e.extn_id,
            });
        }
    }
    Ok(())
}

/// The signature algorithm, refusing SHA-1, MD5 and anything kyso-crypto
/// does not verify.
fn signature_algorithm(
    subject: &str,
    outer: &spki::AlgorithmIdentifierOwned,
) -> Result<SignatureAlgorithm, PathError> {
    parse_signature_algorithm(outer).map_err(|e| PathError::WeakAlgorithm {
        subject: subject.to_string(),
        algorithm: format!("signature algorithm {} ({e})", algorithm_name(&outer.oid)),
    })
}

/// RSASSA-PSS-params (RFC 4055 §3.1) as kyso-crypto accepts them: the
/// three first fields present, trailerField absent.
#[derive(Sequence)]
struct RsassaPssParams<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    hash_algorithm: spki::AlgorithmIdentifierRef<'a>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT")]
    mask_gen_algorithm: spki::AlgorithmIdentifierRef<'a>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT")]
    salt_length: u32,
}

/// [`SignatureAlgorithm::from_algorithm_identifier`], plus the parameter
/// rules it leaves out: PKCS#1 v1.5 parameters NULL or absent (RFC 4055
/// §5), ECDSA parameters absent (RFC 5758 §3.2), RSASSA-PSS hash
/// parameters NULL or absent. This matters where the
/// AlgorithmIdentifier is not covered by the signature (OCSP).
fn parse_signature_algorithm(
    ai: &spki::AlgorithmIdentifierOwned,
) -> Result<SignatureAlgorithm, String> {
    let alg = SignatureAlgorithm::from_algorithm_identifier(ai, None).map_err(|e| e.to_string())?;
    let null_or_absent = |p: Option<der::asn1::AnyRef<'_>>| {
        p.is_none_or(|p| p.tag() == der::Tag::Null && p.value().is_empty())
    };
    let params_ok = if alg.is_pss() {
        ai.parameters
            .as_ref()
            .and_then(|p| p.decode_as::<RsassaPssParams<'_>>().ok())
            .and_then(|p| {
                let mgf_hash = p
                    .mask_gen_algorithm
                    .parameters?
                    .decode_as::<spki::AlgorithmIdentifierRef<'_>>()
                    .ok()?;
                Some(
                    null_or_absent(p.hash_algorithm.parameters)
                        && null_or_absent(mgf_hash.parameters),
                )
            })
            .unwrap_or(false)
    } else if alg.is_ecdsa() {
        ai.parameters.is_none()
    } else {
        ai.parameters
            .as_ref()
            .is_none_or(|p| p.tag() == der::Tag::Null && p.value().is_empty())
    };
    if params_ok {
        Ok(alg)
    } else {
        Err(format!("unexpected parameters for {alg}"))
    }
}

fn algorithm_name(oid: &ObjectIdentifier) -> String {
    match const_oid::db::DB.by_oid(oid) {
        Some(name) => format!("{name} {oid}"),
        None => oid.to_string(),
    }
}

fn verify_with(
    issuer: &Certificate,
    alg: SignatureAlgorithm,
    message: &[u8],
    signature: &der::asn1::BitString,
) -> bool {
    let Ok(spki) = issuer.tbs_certificate.subject_public_key_info.to_der() else {
        return false;
    };
    let Some(sig) = signature.as_bytes() else {
        return false;
    };
    kyso_crypto::verify_signature(&spki, alg, message, sig).is_ok()
}

fn check_signature(cert: &Certificate, issuer: &Certificate) -> Result<(), PathError> {
    let subject = subject_of(cert);
    if cert.signature_algorithm != cert.tbs_certificate.signature {
        return Err(PathError::Malformed(format!(
            "certificate '{subject}': signatureAlgorithm differs from the signature field of TBSCertificate"
        )));
    }
    let alg = signature_algorithm(&subject, &cert.signature_algorithm)?;
    let tbs = cert
        .tbs_certificate
        .to_der()
        .map_err(|e| PathError::Malformed(format!("certificate '{subject}': {e}")))?;
    if verify_with(issuer, alg, &tbs, &cert.signature) {
        Ok(())
    } else {
        Err(PathError::BadSignature { subject })
    }
}

/// RSA modulus ≥ `min_rsa_bits`; EC keys on P-256, P-384 or P-521.
fn check_key_strength(cert: &Certificate, min_rsa_bits: usize) -> Result<(), PathError> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let subject = subject_of(cert);
    let oid = spki.algorithm.oid;
    if oid == RSA_ENCRYPTION || oid == ID_RSASSA_PSS {
        let bits = spki
            .subject_public_key
            .as_bytes()
            .and_then(rsa_modulus_bits)
            .ok_or_else(|| {
                PathError::Malformed(format!("certificate '{subject}': bad RSA public key"))
            })?;
        if bits < min_rsa_bits {
            return Err(PathError::WeakKey {
                subject,
                bits,
                min_bits: min_rsa_bits,
            });
        }
        Ok(())
    } else if oid == ID_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
            .ok_or_else(|| {
                PathError::Malformed(format!(
                    "certificate '{subject}': EC key without a named curve"
                ))
            })?;
        if [SECP256R1, SECP384R1, SECP521R1].contains(&curve) {
            Ok(())
        } else {
            Err(PathError::WeakAlgorithm {
                subject,
                algorithm: format!("elliptic curve {}", algorithm_name(&curve)),
            })
        }
    } else {
        Err(PathError::WeakAlgorithm {
            subject,
            algorithm: format!("public key algorithm {}", algorithm_name(&oid)),
        })
    }
}

/// RSAPublicKey (RFC 8017 A.1.1).
#[derive(Sequence)]
struct RsaPublicKey<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

fn rsa_modulus_bits(key: &[u8]) -> Option<usize> {
    let k = RsaPublicKey::from_der(key).ok()?;
    let _ = k.public_exponent;
    let m = k.modulus.as_bytes();
    let first = *m.first()?;
    Some(m.len() * 8 - first.leading_zeros() as usize)
}

fn is_self_issued(cert: &Certificate) -> bool {
    names_match(&cert.tbs_certificate.subject, &cert.tbs_certificate.issuer)
}

/// basicConstraints, pathLenConstraint and keyUsage of the issuer at
/// `index` in `path` (index ≥ 1).
fn check_issuer(path: &[&Certificate], index: usize) -> Result<(), PathError> {
    let cert = path[index];
    let tbs = &cert.tbs_certificate;
    let is_anchor = index == path.len() - 1;
    let bc = tbs.get::<BasicConstraints>().map_err(|e| {
        PathError::Malformed(format!(
            "certificate '{}': basicConstraints: {e}",
            subject_of(cert)
        ))
    })?;
    match (&tbs.version, bc) {
        (_, Some((_, bc))) if bc.ca => {
            if let Some(path_len) = bc.path_len_constraint {
                let below = path[1..index].iter().filter(|c| !is_self_issued(c)).count();
                if below > usize::from(path_len) {
                    return Err(PathError::PathLenExceeded {
                        subject: subject_of(cert),
                        path_len,
                    });
                }
            }
        }
        // A v1 trust anchor is a CA by being trusted.
        (Version::V1, None) if is_anchor => {}
        _ => {
            return Err(PathError::NotCa {
                subject: subject_of(cert),
            })
        }
    }
    let ku = tbs.get::<KeyUsage>().map_err(|e| {
        PathError::Malformed(format!("certificate '{}': keyUsage: {e}", subject_of(cert)))
    })?;
    if let Some((_, ku)) = ku {
        if !ku.key_cert_sign() {
            return Err(PathError::MissingKeyCertSign {
                subject: subject_of(cert),
            });
        }
    }
    Ok(())
}

fn check_eku(cert: &Certificate, required: ObjectIdentifier) -> Result<(), PathError> {
    let eku = cert
        .tbs_certificate
        .get::<ExtendedKeyUsage>()
        .map_err(|e| {
            PathError::Malformed(format!(
                "certificate '{}': extKeyUsage: {e}",
                subject_of(cert)
            ))
        })?;
    match eku {
        None => Ok(()),
        Some((_, eku)) if eku.0.contains(&required) || eku.0.contains(&ANY_EXTENDED_KEY_USAGE) => {
            Ok(())
        }
        Some(_) => Err(PathError::EkuNotAllowed {
            subject: subject_of(cert),
            required,
        }),
    }
}

fn has_extension(exts: &Option<Extensions>, oid: ObjectIdentifier) -> bool {
    exts.as_deref()
        .unwrap_or(&[])
        .iter()
        .any(|e| e.extn_id == oid)
}

/// Whether `cert` is a CA certificate (basicConstraints cA=TRUE).
pub fn is_ca(cert: &Certificate) -> bool {
    matches!(cert.tbs_certificate.get::<BasicConstraints>(), Ok(Some((_, bc))) if bc.ca)
}

// ---------------------------------------------------------------------
// Revocation
// ---------------------------------------------------------------------

/// A conclusive answer from one piece of evidence.
enum Finding {
    Good(RevocationSource, OffsetDateTime),
    Revoked(OffsetDateTime, Option<RevocationReason>, RevocationSource),
}

/// Revocation status of `cert`, issued by `issuer`, at `time`, from the
/// evidence: OCSP responses signed by the issuer or by a responder the
/// issuer authorized (OCSPSigning EKU), and CRLs signed by the issuer.
/// Every usable piece of evidence is read; a revocation found in any of
/// them wins. `Revoked` is returned whatever the revocation time; the
/// caller compares it with the validation time. The second value holds
/// notes on evidence that was about this certificate but was not usable.
pub fn revocation_status(
    cert: &Certificate,
    issuer: &Certificate,
    evidence: &RevocationEvidence,
    time: OffsetDateTime,
) -> (RevocationStatus, Vec<String>) {
    let mut notes = Vec::new();
    if has_extension(&cert.tbs_certificate.extensions, oids::PKIX_OCSP_NOCHECK) {
        return (
            RevocationStatus::Good {
                source: RevocationSource::NoCheck,
                this_update: None,
            },
            notes,
        );
    }
    let mut findings = Vec::new();
    for der in &evidence.ocsp_responses {
        findings.extend(ocsp_finding(cert, issuer, der, time, &mut notes));
    }
    for der in &evidence.crls {
        findings.extend(crl_finding(cert, issuer, der, time, &mut notes));
    }
    let revoked = findings
        .iter()
        .filter_map(|f| match f {
            Finding::Revoked(t, r, s) => Some((*t, *r, *s)),
            Finding::Good(..) => None,
        })
        .min_by_key(|(t, _, _)| *t);
    if let Some((time, reason, source)) = revoked {
        return (
            RevocationStatus::Revoked {
                time,
                reason,
                source,
            },
            notes,
        );
    }
    let good = findings.iter().find_map(|f| match f {
        Finding::Good(s, t) => Some((*s, *t)),
        Finding::Revoked(..) => None,
    });
    match good {
        Some((source, this_update)) => (
            RevocationStatus::Good {
                source,
                this_update: Some(this_update),
            },
            notes,
        ),
        None => (RevocationStatus::Unknown, notes),
    }
}

/// Whether a "not revoked" statement made at `this_update` (current until
/// `next_update`) speaks for `time`: it was made after `time`, or its
/// window covers `time`.
fn good_statement_covers(
    this_update: OffsetDateTime,
    next_update: Option<OffsetDateTime>,
    time: OffsetDateTime,
) -> bool {
    if this_update >= time {
        return true;
    }
    match next_update {
        Some(next) => time <= next,
        None => time - this_update <= FRESHNESS_WITHOUT_NEXT_UPDATE,
    }
}

fn ocsp_finding(
    cert: &Certificate,
    issuer: &Certificate,
    der: &[u8],
    time: OffsetDateTime,
    notes: &mut Vec<String>,
) -> Option<Finding> {
    if der.len() > MAX_EVIDENCE_DER {
        return None;
    }
    let response = OcspResponse::from_der(der).ok()?;
    if response.response_status != OcspResponseStatus::Successful {
        return None;
    }
    let bytes = response.response_bytes?;
    if bytes.response_type != oids::PKIX_OCSP_BASIC {
        return None;
    }
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).ok()?;
    let matching: Vec<_> = basic
        .tbs_response_data
        .responses
        .iter()
        .filter(|r| cert_id_matches(&r.cert_id, cert, issuer))
        .collect();
    if matching.is_empty() {
        return None;
    }
    let serial = serial_hex(cert);
    match check_ocsp_signer(&basic, issuer) {
        Ok(note) => notes.extend(note),
        Err(why) => {
            notes.push(format!(
                "OCSP response for certificate serial {serial} ignored: {why}"
            ));
            return None;
        }
    }
    for single in matching {
        let this_update = from_generalized_time(&single.this_update.0);
        let next_update = single.next_update.map(|t| from_generalized_time(&t.0));
        match &single.cert_status {
            CertStatus::Good(_) => {
                if good_statement_covers(this_update, next_update, time) {
                    return Some(Finding::Good(RevocationSource::Ocsp, this_update));
                }
                notes.push(format!(
                    "OCSP response for certificate serial {serial} ignored: it is not current at {} (thisUpdate {})",
                    iso8601_vn(time),
                    iso8601_vn(this_update)
                ));
            }
            CertStatus::Revoked(info) => {
                let reason = info
                    .revocation_reason
                    .and_then(|r| RevocationReason::from_code(r as u32 as u8));
                return Some(Finding::Revoked(
                    from_generalized_time(&info.revocation_time.0),
                    reason,
                    RevocationSource::Ocsp,
                ));
            }
            CertStatus::Unknown(_) => notes.push(format!(
                "OCSP responder answered 'unknown' for certificate serial {serial}"
            )),
        }
    }
    None
}

/// CertID (RFC 6960 §4.1.1) with SHA-1 or SHA-2 hashes.
fn cert_id_matches(id: &x509_ocsp::CertId, cert: &Certificate, issuer: &Certificate) -> bool {
    if id.serial_number != cert.tbs_certificate.serial_number {
        return false;
    }
    let Ok(hash) = DigestAlgorithm::from_oid(&id.hash_algorithm.oid) else {
        return false;
    };
    let key_hash = kyso_crypto::digest(
        hash,
        issuer
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes(),
    );
    if id.issuer_key_hash.as_bytes() != key_hash.as_slice() {
        return false;
    }
    [
        &cert.tbs_certificate.issuer,
        &issuer.tbs_certificate.subject,
    ]
    .iter()
    .filter_map(|n| n.to_der().ok())
    .any(|n| kyso_crypto::digest(hash, &n) == id.issuer_name_hash.as_bytes())
}

fn responder_id_matches(id: &ResponderId, cert: &Certificate) -> bool {
    match id {
        ResponderId::ByName(name) => names_match(name, &cert.tbs_certificate.subject),
        ResponderId::ByKey(hash) => {
            let key = cert
                .tbs_certificate
                .subject_public_key_info
                .subject_public_key
                .raw_bytes();
            kyso_crypto::digest(DigestAlgorithm::Sha1, key) == hash.as_bytes()
        }
    }
}

/// RFC 6960 §4.2.2.2: the response is signed by the issuer itself, or by
/// a certificate in the response that the issuer signed and that carries
/// the OCSPSigning EKU and is valid when the response was produced.
fn check_ocsp_signer(
    basic: &BasicOcspResponse,
    issuer: &Certificate,
) -> Result<Option<String>, String> {
    let alg = parse_signature_algorithm(&basic.signature_algorithm)
        .map_err(|e| format!("signature algorithm not allowed ({e})"))?;
    let tbs = basic
        .tbs_response_data
        .to_der()
        .map_err(|e| format!("cannot encode ResponseData: {e}"))?;
    let responder_id = &basic.tbs_response_data.responder_id;
    if responder_id_matches(responder_id, issuer)
        && verify_with(issuer, alg, &tbs, &basic.signature)
    {
        return Ok(None);
    }
    let produced_at = from_generalized_time(&basic.tbs_response_data.produced_at.0);
    let mut why = format!(
        "not signed by '{}' or by a responder it authorized",
        subject_of(issuer)
    );
    for responder in basic.certs.as_deref().unwrap_or(&[]) {
        if !responder_id_matches(responder_id, responder) {
            continue;
        }
        let name = subject_of(responder);
        if !may_have_issued(issuer, responder) || check_signature(responder, issuer).is_err() {
            why = format!(
                "the responder certificate '{name}' was not issued by '{}'",
                subject_of(issuer)
            );
            continue;
        }
        if let Err(e) = check_extensions(responder) {
            why = e.to_string();
            continue;
        }
        let ocsp_signing = matches!(
            responder.tbs_certificate.get::<ExtendedKeyUsage>(),
            Ok(Some((_, eku))) if eku.0.contains(&oids::KP_OCSP_SIGNING)
        );
        if !ocsp_signing {
            why = format!(
                "the responder certificate '{name}' lacks the OCSPSigning extended key usage"
            );
            continue;
        }
        if check_validity(responder, produced_at).is_err() {
            why = format!(
                "the responder certificate '{name}' was not valid when the response was produced"
            );
            continue;
        }
        if !verify_with(responder, alg, &tbs, &basic.signature) {
            why = format!("the signature does not verify with the key of '{name}'");
            continue;
        }
        let note = (!has_extension(
            &responder.tbs_certificate.extensions,
            oids::PKIX_OCSP_NOCHECK,
        ))
        .then(|| {
            format!(
                "the OCSP responder certificate '{name}' has no id-pkix-ocsp-nocheck; its own revocation status was not checked"
            )
        });
        return Ok(note);
    }
    Err(why)
}

fn crl_finding(
    cert: &Certificate,
    issuer: &Certificate,
    der: &[u8],
    time: OffsetDateTime,
    notes: &mut Vec<String>,
) -> Option<Finding> {
    if der.len() > MAX_EVIDENCE_DER {
        return None;
    }
    let crl = CertificateList::from_der(der).ok()?;
    let tbs = &crl.tbs_cert_list;
    if !names_match(&tbs.issuer, &cert.tbs_certificate.issuer) {
        return None;
    }
    let crl_aki = tbs
        .crl_extensions
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .find(|e| e.extn_id == oids::CE_AUTHORITY_KEY_IDENTIFIER)
        .and_then(|e| {
            x509_cert::ext::pkix::AuthorityKeyIdentifier::from_der(e.extn_value.as_bytes()).ok()
        })
        .and_then(|a| a.key_identifier.map(|k| k.as_bytes().to_vec()));
    if let (Some(aki), Some(ski)) = (crl_aki, subject_key_id(issuer)) {
        if aki != ski {
            return None;
        }
    }
    let serial = serial_hex(cert);
    let issued_by = subject_of(issuer);
    let ignore = |notes: &mut Vec<String>, why: String| {
        notes.push(format!(
            "CRL of '{issued_by}' ignored for certificate serial {serial}: {why}"
        ));
        None
    };
    if crl.signature_algorithm != tbs.signature {
        return ignore(notes, "signatureAlgorithm differs from TBSCertList".into());
    }
    let alg = match parse_signature_algorithm(&crl.signature_algorithm) {
        Ok(a) => a,
        Err(e) => return ignore(notes, format!("signature algorithm not allowed ({e})")),
    };
    let Ok(tbs_der) = tbs.to_der() else {
        return ignore(notes, "cannot encode TBSCertList".into());
    };
    if !verify_with(issuer, alg, &tbs_der, &crl.signature) {
        return ignore(
            notes,
            "its signature does not verify with the issuer's key".into(),
        );
    }
    if let Ok(Some((_, ku))) = issuer.tbs_certificate.get::<KeyUsage>() {
        if !ku.crl_sign() {
            return ignore(notes, "the issuer's keyUsage lacks cRLSign".into());
        }
    }
    for ext in tbs.crl_extensions.as_deref().unwrap_or(&[]) {
        if ext.extn_id == CE_ISSUING_DISTRIBUTION_POINT {
            let Ok(idp) = IssuingDistributionPoint::from_der(ext.extn_value.as_bytes()) else {
                return ignore(notes, "malformed issuingDistributionPoint".into());
            };
            if idp.indirect_crl
                || idp.only_some_reasons.is_some()
                || idp.only_contains_attribute_certs
            {
                return ignore(
                    notes,
                    "indirect or partial-reason CRLs are not supported".into(),
                );
            }
            let ca = is_ca(cert);
            if (idp.only_contains_user_certs && ca) || (idp.only_contains_ca_certs && !ca) {
                return None;
            }
        } else if ext.critical
            && ext.extn_id != oids::CE_CRL_NUMBER
            && ext.extn_id != oids::CE_AUTHORITY_KEY_IDENTIFIER
        {
            // deltaCRLIndicator and anything unknown.
            return ignore(
                notes,
                format!("unsupported critical CRL extension {}", ext.extn_id),
            );
        }
    }
    let this_update = from_x509_time(&tbs.this_update);
    let next_update = tbs.next_update.as_ref().map(from_x509_time);
    let entry = tbs
        .revoked_certificates
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .find(|e| e.serial_number == cert.tbs_certificate.serial_number);
    if let Some(entry) = entry {
        let mut reason = None;
        for ext in entry.crl_entry_extensions.as_deref().unwrap_or(&[]) {
            if ext.extn_id == oids::CE_CRL_REASONS {
                reason = CrlReason::from_der(ext.extn_value.as_bytes())
                    .ok()
                    .and_then(|r| RevocationReason::from_code(r as u32 as u8));
            } else if ext.critical && ext.extn_id != oids::CE_INVALIDITY_DATE {
                return ignore(
                    notes,
                    format!("unsupported critical entry extension {}", ext.extn_id),
                );
            }
        }
        if reason != Some(RevocationReason::RemoveFromCrl) {
            return Some(Finding::Revoked(
                from_x509_time(&entry.revocation_date),
                reason,
                RevocationSource::Crl,
            ));
        }
    }
    if good_statement_covers(this_update, next_update, time) {
        Some(Finding::Good(RevocationSource::Crl, this_update))
    } else {
        ignore(
            notes,
            format!(
                "it is not current at {} (thisUpdate {})",
                iso8601_vn(time),
                iso8601_vn(this_update)
            ),
        )
    }
}

// ---------------------------------------------------------------------
// Where to fetch evidence
// ---------------------------------------------------------------------

fn uris(names: &[GeneralName]) -> impl Iterator<Item = String> + '_ {
    names.iter().filter_map(|n| match n {
        GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
        _ => None,
    })
}

fn access_locations(cert: &Certificate, method: ObjectIdentifier) -> Vec<String> {
    match cert.tbs_certificate.get::<AuthorityInfoAccessSyntax>() {
        Ok(Some((_, aia))) => aia
            .0
            .iter()
            .filter(|d| d.access_method == method)
            .flat_map(|d| uris(std::slice::from_ref(&d.access_location)).collect::<Vec<_>>())
            .collect(),
        _ => Vec::new(),
    }
}

/// OCSP responder URLs (authorityInfoAccess id-ad-ocsp) and CRL URLs
/// (cRLDistributionPoints fullName URIs) of a certificate.
pub fn revocation_urls(cert: &Certificate) -> (Vec<String>, Vec<String>) {
    let ocsp = access_locations(cert, oids::AD_OCSP);
    let crl = match cert.tbs_certificate.get::<CrlDistributionPoints>() {
        Ok(Some((_, cdp))) => cdp
            .0
            .iter()
            .filter_map(|dp| match &dp.distribution_point {
                Some(DistributionPointName::FullName(names)) => {
                    Some(uris(names).collect::<Vec<_>>())
                }
                _ => None,
            })
            .flatten()
            .collect(),
        _ => Vec::new(),
    };
    (ocsp, crl)
}

/// URLs of the issuer's certificate (authorityInfoAccess id-ad-caIssuers).
pub fn ca_issuers_urls(cert: &Certificate) -> Vec<String> {
    access_locations(cert, oids::AD_CA_ISSUERS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn good_statements_cover_their_window_or_the_past() {
        let t = datetime!(2026-05-01 0:00 UTC);
        let day = Duration::days(1);
        // Made after the validation time: speaks for it.
        assert!(good_statement_covers(t + day * 100, None, t));
        // Window covers the time.
        assert!(good_statement_covers(t - day, Some(t + day), t));
        assert!(good_statement_covers(t - day, Some(t), t));
        // Stale.
        assert!(!good_statement_covers(t - day * 10, Some(t - day), t));
        // No nextUpdate: current for FRESHNESS_WITHOUT_NEXT_UPDATE.
        assert!(good_statement_covers(t - Duration::hours(23), None, t));
        assert!(!good_statement_covers(t - Duration::hours(25), None, t));
    }

    #[test]
    fn rsa_modulus_size_counts_significant_bits() {
        let exp = [0x01, 0x00, 0x01];
        let key = |m: &[u8]| {
            RsaPublicKey {
                modulus: UintRef::new(m).unwrap(),
                public_exponent: UintRef::new(&exp).unwrap(),
            }
            .to_der()
            .unwrap()
        };
        assert_eq!(rsa_modulus_bits(&key(&[0xc3; 256])), Some(2048));
        let mut m = vec![0xc3; 128];
        m[0] = 0x01;
        assert_eq!(rsa_modulus_bits(&key(&m)), Some(1017));
        assert_eq!(rsa_modulus_bits(b"\x30\x00"), None);
        assert_eq!(rsa_modulus_bits(b""), None);
    }

    #[test]
    fn messages_name_the_subject_and_use_vietnam_time() {
        let e = PathError::Revoked {
            subject: "CN=Nguyễn Văn An".into(),
            time: datetime!(2026-11-22 02:30:05 UTC),
            reason: Some(RevocationReason::KeyCompromise),
        };
        assert_eq!(
            e.to_string(),
            "certificate 'CN=Nguyễn Văn An' was revoked at 2026-11-22T09:30:05+07:00 (keyCompromise)"
        );
        let e = PathError::Revoked {
            subject: "CN=X".into(),
            time: datetime!(2026-11-22 02:30:05 UTC),
            reason: None,
        };
        assert!(e.to_string().ends_with("(no reason given)"));
        let e = PathError::WeakKey {
            subject: "CN=Y".into(),
            bits: 1024,
            min_bits: 2048,
        };
        assert!(e.to_string().contains("1024-bit RSA key"));
    }

    #[test]
    fn options_default_to_strict() {
        let o = ValidationOptions::at(datetime!(2026-01-01 0:00 UTC));
        assert_eq!(o.revocation, RevocationPolicy::Require);
        assert_eq!(o.min_rsa_bits, 2048);
        assert_eq!(o.max_path_len, 8);
        assert!(o.required_eku.is_none());
    }
}
