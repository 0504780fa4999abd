//! Trust anchors (RFC 5280 §6.1.1 (d)): the roots a deployment trusts —
//! Vietnam's national root, the Government specialized-CA root, the
//! built-in CA — kept as certificates with a label and a SHA-256
//! fingerprint.
use der::asn1::{BmpString, Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use der::{Decode, Encode, Tag, Tagged};
use kyso_crypto::{DigestAlgorithm, SignatureAlgorithm};
use x509_cert::certificate::Version;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, SubjectKeyIdentifier};
use x509_cert::name::Name;
use x509_cert::Certificate;

/// Largest PEM bundle [`TrustStore::add_pem_bundle`] reads: 16 MiB.
pub const MAX_PEM_BUNDLE: usize = 16 * 1024 * 1024;

/// Errors adding trust anchors.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The bytes are not a DER (or PEM) X.509 certificate.
    #[error("not a valid X.509 certificate: {0}")]
    Malformed(String),
    /// The certificate is not a CA certificate (v3 with basicConstraints
    /// cA=TRUE, or a v1 self-signed root).
    #[error("certificate '{subject}' is not a CA certificate (needs basicConstraints cA=TRUE, or a v1 self-signed root)")]
    NotCa { subject: String },
    /// The same certificate is already a trust anchor.
    #[error("certificate '{subject}' is already a trust anchor (label '{label}', SHA-256 {fingerprint})")]
    Duplicate {
        subject: String,
        label: String,
        fingerprint: String,
    },
    /// A PEM bundle held no CERTIFICATE block.
    #[error("the PEM bundle holds no certificate")]
    EmptyBundle,
}

/// One trusted root (or trusted intermediate) certificate.
#[derive(Clone, Debug)]
pub struct TrustAnchor {
    /// The parsed certificate.
    pub certificate: Certificate,
    /// Its DER encoding, byte for byte as imported.
    pub der: Vec<u8>,
    /// A label chosen by the operator (e.g. "Root CA Vietnam (RSA)").
    pub label: String,
    /// SHA-256 of `der`, lowercase hex.
    pub fingerprint_sha256: String,
    /// The subject as an RFC 4514 string.
    pub subject: String,
}

/// A set of trust anchors.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    anchors: Vec<TrustAnchor>,
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a DER certificate as a trust anchor. It must be a CA
    /// certificate: v3 with basicConstraints cA=TRUE, or a v1 self-signed
    /// root. Refuses a certificate already present.
    pub fn add_der(&mut self, der: &[u8], label: &str) -> Result<&TrustAnchor, TrustError> {
        let anchor = prepare_anchor(der, label)?;
        if let Some(existing) = self.find(&anchor.fingerprint_sha256) {
            return Err(TrustError::Duplicate {
                subject: existing.subject.clone(),
                label: existing.label.clone(),
                fingerprint: existing.fingerprint_sha256.clone(),
            });
        }
        self.anchors.push(anchor);
        Ok(&self.anchors[self.anchors.len() - 1])
    }

    /// Adds every CERTIFICATE block of a PEM bundle; text between blocks
    /// is ignored. All-or-nothing: if one block is malformed or not a CA
    /// certificate, nothing is added. Certificates already present are
    /// skipped. Returns how many anchors were added. Labels are `label`,
    /// then `label #2`, `label #3`… for further certificates.
    pub fn add_pem_bundle(&mut self, pem: &[u8], label: &str) -> Result<usize, TrustError> {
        if pem.len() > MAX_PEM_BUNDLE {
            return Err(TrustError::Malformed(format!(
                "PEM bundle larger than {MAX_PEM_BUNDLE} bytes"
            )));
        }
        let blocks = pem_certificate_blocks(pem)?;
        if blocks.is_empty() {
            return Err(TrustError::EmptyBundle);
        }
        let mut fresh: Vec<TrustAnchor> = Vec::new();
        for (i, der) in blocks.iter().enumerate() {
            let name = if i == 0 {
                label.to_string()
            } else {
                format!("{label} #{}", i + 1)
            };
            let anchor = prepare_anchor(der, &name)?;
            let known = self.find(&anchor.fingerprint_sha256).is_some()
                || fresh
                    .iter()
                    .any(|a| a.fingerprint_sha256 == anchor.fingerprint_sha256);
            if !known {
                fresh.push(anchor);
            }
        }
        let added = fresh.len();
        self.anchors.extend(fresh);
        Ok(added)
    }

    /// Removes the anchor with this SHA-256 fingerprint (hex, any case,
    /// colons allowed). Returns whether one was removed.
    pub fn remove(&mut self, fingerprint_sha256: &str) -> bool {
        let wanted = normalize_fingerprint(fingerprint_sha256);
        let before = self.anchors.len();
        self.anchors.retain(|a| a.fingerprint_sha256 != wanted);
        self.anchors.len() != before
    }

    /// The anchors, in the order they were added.
    pub fn anchors(&self) -> &[TrustAnchor] {
        &self.anchors
    }

    /// The anchor with this SHA-256 fingerprint, if any.
    pub fn find(&self, fingerprint_sha256: &str) -> Option<&TrustAnchor> {
        let wanted = normalize_fingerprint(fingerprint_sha256);
        self.anchors.iter().find(|a| a.fingerprint_sha256 == wanted)
    }

    /// Anchors that may have issued `cert`: the anchor's subject matches
    /// the certificate's issuer (RFC 5280 §7.1 comparison), and when both
    /// the certificate's authorityKeyIdentifier and the anchor's
    /// subjectKeyIdentifier are present, they are equal.
    pub fn issuers_of(&self, cert: &Certificate) -> Vec<&TrustAnchor> {
        self.anchors
            .iter()
            .filter(|a| may_have_issued(&a.certificate, cert))
            .collect()
    }

    /// Whether the store holds no anchor.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// Number of anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }
}

fn prepare_anchor(der: &[u8], label: &str) -> Result<TrustAnchor, TrustError> {
    if der.len() > crate::MAX_REQUEST_DER {
        return Err(TrustError::Malformed(format!(
            "certificate larger than {} bytes",
            crate::MAX_REQUEST_DER
        )));
    }
    let certificate =
        Certificate::from_der(der).map_err(|e| TrustError::Malformed(e.to_string()))?;
    let subject = certificate.tbs_certificate.subject.to_string();
    if !is_ca_certificate(&certificate) {
        return Err(TrustError::NotCa { subject });
    }
    Ok(TrustAnchor {
        fingerprint_sha256: fingerprint_sha256(der),
        der: der.to_vec(),
        label: label.to_string(),
        subject,
        certificate,
    })
}

/// SHA-256 of DER bytes, lowercase hex.
pub fn fingerprint_sha256(der: &[u8]) -> String {
    hex::encode(kyso_crypto::digest(DigestAlgorithm::Sha256, der))
}

fn normalize_fingerprint(f: &str) -> String {
    f.chars()
        .filter(|c| c.is_ascii_hexdigit())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// v3 with basicConstraints cA=TRUE, or v1 self-signed (name and signature).
fn is_ca_certificate(cert: &Certificate) -> bool {
    let tbs = &cert.tbs_certificate;
    match tbs.version {
        Version::V3 => matches!(tbs.get::<BasicConstraints>(), Ok(Some((_, bc))) if bc.ca),
        Version::V1 => names_match(&tbs.subject, &tbs.issuer) && self_signature_verifies(cert),
        Version::V2 => false,
    }
}

fn self_signature_verifies(cert: &Certificate) -> bool {
    let Ok(alg) = SignatureAlgorithm::from_algorithm_identifier(&cert.signature_algorithm, None)
    else {
        return false;
    };
    let (Ok(tbs), Ok(spki)) = (
        cert.tbs_certificate.to_der(),
        cert.tbs_certificate.subject_public_key_info.to_der(),
    ) else {
        return false;
    };
    let Some(sig) = cert.signature.as_bytes() else {
        return false;
    };
    kyso_crypto::verify_signature(&spki, alg, &tbs, sig).is_ok()
}

/// Whether `issuer` may have issued `cert`, judged by names and key
/// identifiers only (no signature check).
pub(crate) fn may_have_issued(issuer: &Certificate, cert: &Certificate) -> bool {
    if !names_match(
        &issuer.tbs_certificate.subject,
        &cert.tbs_certificate.issuer,
    ) {
        return false;
    }
    match (authority_key_id(cert), subject_key_id(issuer)) {
        (Some(aki), Some(ski)) => aki == ski,
        _ => true,
    }
}

/// The keyIdentifier of the authorityKeyIdentifier extension.
fn authority_key_id(cert: &Certificate) -> Option<Vec<u8>> {
    match cert.tbs_certificate.get::<AuthorityKeyIdentifier>() {
        Ok(Some((_, aki))) => aki.key_identifier.map(|k| k.as_bytes().to_vec()),
        _ => None,
    }
}

/// The subjectKeyIdentifier extension.
pub(crate) fn subject_key_id(cert: &Certificate) -> Option<Vec<u8>> {
    match cert.tbs_certificate.get::<SubjectKeyIdentifier>() {
        Ok(Some((_, ski))) => Some(ski.0.as_bytes().to_vec()),
        _ => None,
    }
}

/// Name comparison after RFC 5280 §7.1 (simplified RFC 4518): equal DER,
/// or the same RDNs with the same attribute types, string values equal
/// after case folding and whitespace collapsing, other values equal byte
/// for byte.
pub(crate) fn names_match(a: &Name, b: &Name) -> bool {
    if a == b {
        return true;
    }
    if a.0.len() != b.0.len() {
        return false;
    }
    a.0.iter().zip(b.0.iter()).all(|(ra, rb)| {
        ra.0.len() == rb.0.len()
            && ra.0.iter().all(|x| {
                rb.0.iter()
                    .any(|y| x.oid == y.oid && values_match(&x.value, &y.value))
            })
    })
}

fn values_match(a: &der::Any, b: &der::Any) -> bool {
    if a == b {
        return true;
    }
    match (string_value(a), string_value(b)) {
        (Some(x), Some(y)) => fold(&x) == fold(&y),
        _ => false,
    }
}

fn string_value(v: &der::Any) -> Option<String> {
    match v.tag() {
        Tag::Utf8String => v
            .decode_as::<Utf8StringRef<'_>>()
            .ok()
            .map(|s| s.to_string()),
        Tag::PrintableString => v
            .decode_as::<PrintableStringRef<'_>>()
            .ok()
            .map(|s| s.to_string()),
        Tag::Ia5String => v
            .decode_as::<Ia5StringRef<'_>>()
            .ok()
            .map(|s| s.to_string()),
        Tag::TeletexString => v
            .decode_as::<TeletexStringRef<'_>>()
            .ok()
            .map(|s| s.to_string()),
        Tag::BmpString => v.decode_as::<BmpString>().ok().map(|s| s.to_string()),
        _ => None,
    }
}

fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .nfkc()
        .flat_map(char::to_lowercase)
        .collect()
}

/// Splits a PEM bundle into the DER of its CERTIFICATE blocks.
fn pem_certificate_blocks(pem: &[u8]) -> Result<Vec<Vec<u8>>, TrustError> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let text = std::str::from_utf8(pem)
        .map_err(|_| TrustError::Malformed("PEM bundle is not UTF-8 text".into()))?;
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let after = &rest[start..];
        let end = after
            .find(END)
            .ok_or_else(|| TrustError::Malformed("unterminated CERTIFICATE block".into()))?;
        let block = &after[..end + END.len()];
        let (label, der) = der::pem::decode_vec(block.as_bytes())
            .map_err(|e| TrustError::Malformed(format!("bad PEM block: {e}")))?;
        if label != "CERTIFICATE" {
            return Err(TrustError::Malformed(format!(
                "unexpected PEM label {label}"
            )));
        }
        out.push(der);
        rest = &after[end + END.len()..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;
    use x509_cert::name::RdnSequence;

    fn name(s: &str) -> Name {
        RdnSequence::from_str(s).unwrap()
    }

    #[test]
    fn names_compare_case_and_space_insensitively() {
        assert!(names_match(
            &name("CN=Root CA,O=Kyso,C=VN"),
            &name("CN=Root CA,O=Kyso,C=VN")
        ));
        assert!(names_match(
            &name("CN=root  ca,O=KYSO,C=VN"),
            &name("CN=Root CA,O=Kyso,C=VN")
        ));
        assert!(!names_match(
            &name("CN=Root CA 2,O=Kyso,C=VN"),
            &name("CN=Root CA,O=Kyso,C=VN")
        ));
        assert!(!names_match(
            &name("CN=Root CA,C=VN"),
            &name("CN=Root CA,O=Kyso,C=VN")
        ));
        assert!(!names_match(
            &name("O=Root CA,C=VN"),
            &name("CN=Root CA,C=VN")
        ));
    }

    #[test]
    fn malformed_and_empty_input_is_refused() {
        let mut store = TrustStore::new();
        assert!(matches!(
            store.add_der(b"\x30\x03\x02\x01\x01", "x"),
            Err(TrustError::Malformed(_))
        ));
        assert!(matches!(
            store.add_pem_bundle(b"# nothing here\n", "x"),
            Err(TrustError::EmptyBundle)
        ));
        assert!(matches!(
            store.add_pem_bundle(b"-----BEGIN CERTIFICATE-----\nAAAA\n", "x"),
            Err(TrustError::Malformed(_))
        ));
        assert!(store.is_empty());
        assert!(!store.remove("00"));
    }

    #[test]
    fn fingerprints_normalize() {
        assert_eq!(normalize_fingerprint("AB:cd:01"), "abcd01");
        assert_eq!(
            fingerprint_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
