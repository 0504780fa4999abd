//! The validation report (DESIGN §7): one [`SignatureReport`] per
//! signature or document time-stamp, with the ETSI EN 319 102-1
//! indication and sub-indication, a plain sentence in Vietnamese and
//! English, and the fields Circular 15/2025 asks for. Serialized as the
//! JSON of docs/verify-report.md (schema docs/verify-report.schema.json).
use serde::Serialize;

/// Version of the JSON schema; bumped on any incompatible change.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// ETSI EN 319 102-1 main indication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Indication {
    #[serde(rename = "TOTAL-PASSED")]
    TotalPassed,
    #[serde(rename = "INDETERMINATE")]
    Indeterminate,
    #[serde(rename = "TOTAL-FAILED")]
    TotalFailed,
}

impl Indication {
    pub fn as_str(self) -> &'static str {
        match self {
            Indication::TotalPassed => "TOTAL-PASSED",
            Indication::Indeterminate => "INDETERMINATE",
            Indication::TotalFailed => "TOTAL-FAILED",
        }
    }

    /// Exit status of `kyso verify`: 0, 1 or 2.
    pub fn exit_code(self) -> u8 {
        match self {
            Indication::TotalPassed => 0,
            Indication::Indeterminate => 1,
            Indication::TotalFailed => 2,
        }
    }
}

/// Sub-indications (ETSI EN 319 102-1 §5.1.3), plus
/// `DISALLOWED_MODIFICATION` (kyso: the PDF was changed after signing in a
/// way its permissions do not allow; ETSI has no PDF-specific code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubIndication {
    FormatFailure,
    HashFailure,
    SigCryptoFailure,
    Revoked,
    DisallowedModification,
    NoSigningCertificateFound,
    NoCertificateChainFound,
    CertificateChainGeneralFailure,
    ChainConstraintsFailure,
    CryptoConstraintsFailure,
    SigConstraintsFailure,
    OutOfBoundsNoPoe,
    TryLater,
}

impl SubIndication {
    pub fn as_str(self) -> &'static str {
        use SubIndication::*;
        match self {
            FormatFailure => "FORMAT_FAILURE",
            HashFailure => "HASH_FAILURE",
            SigCryptoFailure => "SIG_CRYPTO_FAILURE",
            Revoked => "REVOKED",
            DisallowedModification => "DISALLOWED_MODIFICATION",
            NoSigningCertificateFound => "NO_SIGNING_CERTIFICATE_FOUND",
            NoCertificateChainFound => "NO_CERTIFICATE_CHAIN_FOUND",
            CertificateChainGeneralFailure => "CERTIFICATE_CHAIN_GENERAL_FAILURE",
            ChainConstraintsFailure => "CHAIN_CONSTRAINTS_FAILURE",
            CryptoConstraintsFailure => "CRYPTO_CONSTRAINTS_FAILURE",
            SigConstraintsFailure => "SIG_CONSTRAINTS_FAILURE",
            OutOfBoundsNoPoe => "OUT_OF_BOUNDS_NO_POE",
            TryLater => "TRY_LATER",
        }
    }
}

/// The outcome of one check of the report: `true`, `false`, or
/// `"unknown"` when it could not be decided (not evaluated because an
/// earlier step failed, or the evidence is missing, e.g. no revocation
/// information offline). Serialized as JSON `true` / `false` /
/// `"unknown"`, so a reader of schema version 1 that tests `== true`
/// keeps working and never mistakes "unknown" for "failed".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    Passed,
    Failed,
    Unknown,
}

impl Check {
    pub fn is_passed(self) -> bool {
        self == Check::Passed
    }

    /// "có / yes", "không / no", "chưa xác định / unknown".
    pub fn as_text(self) -> &'static str {
        match self {
            Check::Passed => "có / yes",
            Check::Failed => "không / no",
            Check::Unknown => "chưa xác định / unknown",
        }
    }
}

impl From<bool> for Check {
    fn from(b: bool) -> Self {
        if b {
            Check::Passed
        } else {
            Check::Failed
        }
    }
}

impl Serialize for Check {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Check::Passed => s.serialize_bool(true),
            Check::Failed => s.serialize_bool(false),
            Check::Unknown => s.serialize_str("unknown"),
        }
    }
}

/// A certificate as the report shows it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CertificateInfo {
    pub subject: String,
    pub common_name: Option<String>,
    /// O of the subject.
    pub organization: Option<String>,
    /// OU values of the subject.
    pub organizational_units: Vec<String>,
    pub email: Option<String>,
    pub issuer: String,
    pub serial: String,
    /// ISO 8601, +07:00.
    pub not_before: String,
    pub not_after: String,
    pub sha256: String,
}

/// The signature time-stamp or the document time-stamp token.
#[derive(Clone, Debug, Serialize)]
pub struct TimestampInfo {
    /// genTime, ISO 8601 +07:00.
    pub time: String,
    pub tsa: Option<CertificateInfo>,
    /// Token signature and imprint verified.
    pub intact: bool,
    /// The TSA certificate chains to a trust anchor (`"unknown"` when its
    /// revocation status or path could not be established).
    pub trusted: Check,
    pub problem: Option<String>,
}

/// One change after the signature (modification analysis).
#[derive(Clone, Debug, Serialize)]
pub struct ModificationInfo {
    /// `"N G"` object number and generation.
    pub object: Option<String>,
    pub allowed: bool,
    /// `dss` (DSS, document time-stamps, metadata), `form-filling`
    /// (form filling and signing), `annotations` or `disallowed`.
    pub level: String,
    pub code: String,
    /// "Vietnamese / English".
    pub reason: String,
    /// The revision (1-based) whose update made the change; null for a
    /// detached signature.
    pub revision: Option<usize>,
    /// The page it is on (1-based), when it is on one.
    pub page: Option<u32>,
    /// Its rectangle `[x1, y1, x2, y2]` in default user space.
    pub rect: Option<[f32; 4]>,
    /// The part of the signed page content its appearance paints over.
    pub covers: Option<[f32; 4]>,
}

/// One incremental update after a signature, compared with the revision
/// just before it and judged against the DocMDP/FieldMDP in force then.
#[derive(Clone, Debug, Serialize)]
pub struct RevisionInfo {
    /// 1-based revision number, in the order of the cross-reference
    /// chain (bytes after the last revision: one more).
    pub revision: usize,
    /// Byte offsets: the update spans `[start, end)`.
    pub start: u64,
    pub end: u64,
    /// `signature`, `document-timestamp`, `dss`, `form-filling`,
    /// `annotation`, `page-content`, `metadata`, `invalid-update`,
    /// `no-change` or `other`.
    pub kind: String,
    /// The highest level of its changes: `none`, `dss`, `form-filling`,
    /// `annotations`, `disallowed`.
    pub level: String,
    /// Every change in it is allowed.
    pub allowed: bool,
    /// One plain sentence: what the update did and whether it is allowed.
    pub message_vi: String,
    pub message_en: String,
    pub changes: Vec<ModificationInfo>,
}

/// A certificate fetched from an AIA caIssuers URL to complete a path.
#[derive(Clone, Debug, Serialize)]
pub struct FetchedCertificate {
    /// Where it came from.
    pub url: String,
    /// The subject of the certificate whose issuer it is.
    pub for_subject: String,
    pub certificate: CertificateInfo,
}

/// Revocation status of one certificate of the path.
#[derive(Clone, Debug, Serialize)]
pub struct RevocationInfo {
    pub serial: String,
    /// `good`, `revoked` or `unknown`.
    pub status: String,
    /// `ocsp`, `crl`, `ocsp-nocheck` or null.
    pub source: Option<String>,
}

/// How a signature's CMS departs from one DER SignedData with one
/// SignerInfo (BER, repeated or unread entries, several SignerInfos):
/// tolerated because the signature does not cover it, or reported.
#[derive(Clone, Debug, Serialize)]
pub struct CmsNoteInfo {
    /// Stable code: `ber-encoded`, `signed-attributes-ber`,
    /// `signed-attributes-not-in-der-order`, `repeated-certificates`,
    /// `other-certificate-choices`, `repeated-revocation-info`,
    /// `other-revocation-info`, `repeated-digest-algorithms`,
    /// `repeated-signer-infos`, `repeated-unsigned-attribute`,
    /// `several-signer-infos`.
    pub code: String,
    pub message_vi: String,
    pub message_en: String,
}

/// The verdict on one signature.
#[derive(Clone, Debug, Serialize)]
pub struct SignatureReport {
    /// 1-based, in document order.
    pub index: usize,
    /// Field name (PDF) or null (detached CMS).
    pub field: Option<String>,
    /// `signature` or `document-timestamp`.
    pub kind: String,
    pub sub_filter: Option<String>,
    /// PAdES / CAdES baseline level reached: B-B, B-T, B-LT, B-LTA (null
    /// for a document time-stamp).
    pub level: Option<String>,
    pub indication: Indication,
    pub sub_indication: Option<SubIndication>,
    pub message_vi: String,
    pub message_en: String,
    pub signer: Option<CertificateInfo>,
    /// Issuer of the signer certificate (Circular 15/2025 field).
    pub issuer: Option<String>,
    /// O / OU of the signer (Circular 15/2025: managing unit).
    pub managing_unit: Option<String>,
    /// `/M` of the signature dictionary (a claim), ISO 8601 +07:00.
    pub claimed_signing_time: Option<String>,
    /// signingTime CMS attribute (a claim).
    pub cms_signing_time: Option<String>,
    pub timestamp: Option<TimestampInfo>,
    /// The time the validation used: the trusted time-stamp, else now.
    pub validation_time: String,
    /// Hash and signature over the signed bytes verified (`"unknown"`
    /// when they could not be checked: signer certificate missing, an
    /// algorithm refused before verifying).
    pub integrity: Check,
    /// The path to a trust anchor was valid at `validation_time`
    /// (`"unknown"` when it could not be decided: no revocation
    /// information, no path found, expired without proof of an earlier
    /// signing time, or not evaluated because an earlier check failed).
    pub certificate_valid_at_signing_time: Check,
    pub chain: Vec<CertificateInfo>,
    /// Intermediates missing from the file and the options, fetched from
    /// the AIA caIssuers URL of the certificate they issue (never
    /// offline).
    pub fetched_certificates: Vec<FetchedCertificate>,
    pub revocation: Vec<RevocationInfo>,
    pub digest_algorithm: Option<String>,
    pub signature_algorithm: Option<String>,
    /// Algorithms Circular 15/2025 refuses that the signature uses
    /// (`SHA-1`, `RSA-1024`, `brainpoolP256r1 (…)`): the verdict is then
    /// CRYPTO_CONSTRAINTS_FAILURE while `integrity` still tells whether
    /// the signed bytes are intact.
    pub refused_algorithms: Vec<String>,
    /// How the CMS departs from one DER SignedData with one SignerInfo.
    pub cms_notes: Vec<CmsNoteInfo>,
    /// DocMDP level of a certification signature.
    pub doc_mdp: Option<u8>,
    /// Byte length of the revision the signature covers.
    pub signed_revision_length: Option<u64>,
    /// The signature covers the whole file as it is (`"unknown"` when the
    /// `/ByteRange` is unusable).
    pub covers_whole_document: Check,
    /// Every change after the signature (the `changes` of
    /// `later_revisions`, flattened).
    pub modifications: Vec<ModificationInfo>,
    /// The incremental updates after the signature, oldest first.
    pub later_revisions: Vec<RevisionInfo>,
    pub reason: Option<String>,
    pub location: Option<String>,
    pub warnings: Vec<String>,
}

/// The report on one file.
#[derive(Clone, Debug, Serialize)]
pub struct ValidationReport {
    pub schema_version: u32,
    /// `pdf` or `cms-detached`.
    pub format: String,
    pub file_sha256: String,
    pub file_size: u64,
    /// PDF revisions (each `%%EOF`).
    pub revisions: usize,
    /// The worst indication over all signatures (TOTAL-FAILED when there
    /// is no signature at all).
    pub indication: Indication,
    pub message_vi: String,
    pub message_en: String,
    /// ISO 8601 +07:00.
    pub validated_at: String,
    pub signatures: Vec<SignatureReport>,
    pub warnings: Vec<String>,
}

impl ValidationReport {
    pub fn exit_code(&self) -> u8 {
        self.indication.exit_code()
    }
}
