//! Object identifiers kyso uses, named as in the RFCs.
use der::asn1::ObjectIdentifier as O;

// RFC 5280 attribute types (X.520, PKCS#9, RFC 4519)
pub const AT_COUNTRY_NAME: O = O::new_unwrap("2.5.4.6");
pub const AT_STATE_OR_PROVINCE_NAME: O = O::new_unwrap("2.5.4.8");
pub const AT_LOCALITY_NAME: O = O::new_unwrap("2.5.4.7");
pub const AT_ORGANIZATION_NAME: O = O::new_unwrap("2.5.4.10");
pub const AT_ORGANIZATIONAL_UNIT_NAME: O = O::new_unwrap("2.5.4.11");
pub const AT_COMMON_NAME: O = O::new_unwrap("2.5.4.3");
pub const AT_TITLE: O = O::new_unwrap("2.5.4.12");
pub const AT_SERIAL_NUMBER: O = O::new_unwrap("2.5.4.5");
pub const AT_EMAIL_ADDRESS: O = O::new_unwrap("1.2.840.113549.1.9.1");
pub const AT_UID: O = O::new_unwrap("0.9.2342.19200300.100.1.1");

// RFC 5280 extensions
pub const CE_SUBJECT_KEY_IDENTIFIER: O = O::new_unwrap("2.5.29.14");
pub const CE_KEY_USAGE: O = O::new_unwrap("2.5.29.15");
pub const CE_SUBJECT_ALT_NAME: O = O::new_unwrap("2.5.29.17");
pub const CE_BASIC_CONSTRAINTS: O = O::new_unwrap("2.5.29.19");
pub const CE_CRL_NUMBER: O = O::new_unwrap("2.5.29.20");
pub const CE_CRL_REASONS: O = O::new_unwrap("2.5.29.21");
pub const CE_INVALIDITY_DATE: O = O::new_unwrap("2.5.29.24");
pub const CE_CRL_DISTRIBUTION_POINTS: O = O::new_unwrap("2.5.29.31");
pub const CE_CERTIFICATE_POLICIES: O = O::new_unwrap("2.5.29.32");
pub const CE_AUTHORITY_KEY_IDENTIFIER: O = O::new_unwrap("2.5.29.35");
pub const CE_EXT_KEY_USAGE: O = O::new_unwrap("2.5.29.37");
pub const ANY_POLICY: O = O::new_unwrap("2.5.29.32.0");
pub const PE_AUTHORITY_INFO_ACCESS: O = O::new_unwrap("1.3.6.1.5.5.7.1.1");
pub const AD_OCSP: O = O::new_unwrap("1.3.6.1.5.5.7.48.1");
pub const AD_CA_ISSUERS: O = O::new_unwrap("1.3.6.1.5.5.7.48.2");
pub const QT_CPS: O = O::new_unwrap("1.3.6.1.5.5.7.2.1");

// Extended key usages
pub const KP_CLIENT_AUTH: O = O::new_unwrap("1.3.6.1.5.5.7.3.2");
pub const KP_EMAIL_PROTECTION: O = O::new_unwrap("1.3.6.1.5.5.7.3.4");
pub const KP_TIME_STAMPING: O = O::new_unwrap("1.3.6.1.5.5.7.3.8");
pub const KP_OCSP_SIGNING: O = O::new_unwrap("1.3.6.1.5.5.7.3.9");
/// Adobe Authentic Documents Trust / document signing (RFC 9336).
pub const KP_DOCUMENT_SIGNING: O = O::new_unwrap("1.3.6.1.5.5.7.3.36");

// RFC 6960
pub const PKIX_OCSP_BASIC: O = O::new_unwrap("1.3.6.1.5.5.7.48.1.1");
pub const PKIX_OCSP_NONCE: O = O::new_unwrap("1.3.6.1.5.5.7.48.1.2");
pub const PKIX_OCSP_NOCHECK: O = O::new_unwrap("1.3.6.1.5.5.7.48.1.5");

// RFC 5652, RFC 3161, RFC 5035
pub const CT_DATA: O = O::new_unwrap("1.2.840.113549.1.7.1");
pub const CT_SIGNED_DATA: O = O::new_unwrap("1.2.840.113549.1.7.2");
pub const CT_TST_INFO: O = O::new_unwrap("1.2.840.113549.1.9.16.1.4");
pub const AA_CONTENT_TYPE: O = O::new_unwrap("1.2.840.113549.1.9.3");
pub const AA_MESSAGE_DIGEST: O = O::new_unwrap("1.2.840.113549.1.9.4");
pub const AA_SIGNING_TIME: O = O::new_unwrap("1.2.840.113549.1.9.5");
pub const AA_SIGNING_CERTIFICATE_V2: O = O::new_unwrap("1.2.840.113549.1.9.16.2.47");
pub const AA_SIGNATURE_TIME_STAMP_TOKEN: O = O::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// kyso's default policy arc for the built-in CA and TSA when none is
/// configured (a private-use arc; deployments set their own in the config).
pub const KYSO_DEFAULT_CERT_POLICY: O = O::new_unwrap("1.3.6.1.4.1.59999.1.1");
pub const KYSO_DEFAULT_TSA_POLICY: O = O::new_unwrap("1.3.6.1.4.1.59999.1.2");
