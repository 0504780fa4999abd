use kyso_crypto::SignatureAlgorithm;
use kyso_pdf::{DocMdp, FieldLock, NewField, Placement, DEFAULT_CONTENTS_SIZE};
use time::OffsetDateTime;
use x509_cert::Certificate;

/// What a PAdES signature is made of, apart from the key.
#[derive(Clone, Debug)]
pub struct SignOptions {
    /// The signer's certificate (named in signingCertificateV2 and the
    /// SignerInfo).
    pub signer_certificate: Certificate,
    /// The algorithm the key will sign with.
    pub signature_algorithm: SignatureAlgorithm,
    pub placement: Placement,
    /// Signature field name; `None` picks `Signature1`, `Signature2`, …
    pub field_name: Option<String>,
    pub reason: Option<String>,
    pub location: Option<String>,
    /// `/Name` of the signature dictionary.
    pub name: Option<String>,
    pub contact_info: Option<String>,
    /// `/M`; `None` is now, in Vietnam time (+07:00).
    pub signing_time: Option<OffsetDateTime>,
    /// Bytes reserved for the CMS in `/Contents`.
    pub contents_size: usize,
    /// A certification signature with these DocMDP permissions.
    pub certify: Option<DocMdp>,
    /// FieldMDP lock written with the signature.
    pub lock: Option<FieldLock>,
    /// Empty text and signature fields created in the signed revision.
    pub new_fields: Vec<NewField>,
    /// Text fields filled in the signed revision (name, value).
    pub fill: Vec<(String, String)>,
}

impl SignOptions {
    /// An invisible signature with defaults.
    pub fn new(signer_certificate: Certificate, signature_algorithm: SignatureAlgorithm) -> Self {
        SignOptions {
            signer_certificate,
            signature_algorithm,
            placement: Placement::Invisible,
            field_name: None,
            reason: None,
            location: None,
            name: None,
            contact_info: None,
            signing_time: None,
            contents_size: DEFAULT_CONTENTS_SIZE,
            certify: None,
            lock: None,
            new_fields: Vec::new(),
            fill: Vec::new(),
        }
    }
}
