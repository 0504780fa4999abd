//! PAdES signing for kyso (DESIGN §4): two phases so that the private key
//! may live anywhere (software key, PKCS#11 token, browser agent, remote
//! service).
//!
//! 1. [`prepare`] adds the signature field as an incremental update (via
//!    `kyso-pdf`), hashes the ByteRange from disk and builds the CMS signed
//!    attributes (contentType, messageDigest, signingCertificateV2; no
//!    signingTime, as PAdES asks); [`PreparedSignature::to_be_signed`] is
//!    what the key signs.
//! 2. The caller signs.
//! 3. [`finalize`] assembles the detached SignedData, adds the signature
//!    time-stamp token for B-T, and writes `/Contents`.
//!
//! B-LT and B-LTA ([`extend`]) add the validation material in the DSS and
//! a document time-stamp to a signed file, kyso's or another signer's.
//!
//! [`sign_pdf`] does all three with a [`kyso_crypto::Signer`] at hand. No
//! network I/O here: the caller supplies the TSA transport.
#![forbid(unsafe_code)]

mod appearance;
mod archive_timestamp;
mod cades;
mod error;
mod flow;
mod level;
mod ltv;
mod options;
mod pades;
mod resume;
mod sign_pdf;
mod signed_attributes;
mod timestamp;
pub mod validate;

pub use appearance::{
    appearance_for_box, iso_time, place, plain_appearance, AppearanceKind, AppearanceRequest,
    PlacedAppearance, Target, COPY_FORMS, DEFAULT_DPI,
};
pub use archive_timestamp::{last_document_timestamp, ArchiveTimestamp};
pub use cades::{
    finalize_detached, prepare_detached, prepare_detached_reader, sign_detached, PreparedDetached,
};
pub use error::SignError;
pub use flow::{
    document_permissions, fill_fields, DocMdp, FieldLock, FillPolicy, NewField, NewFieldKind,
    Permissions,
};
pub use kyso_pdf::{open as open_pdf, ByteRange, Font, Image, OpenedPdf, Placement, Rect};
pub use level::PadesLevel;
pub use ltv::{
    add_document_timestamp, extend, CertificateEvidence, EvidenceStatus, LtvReport,
    RevocationFetcher,
};
pub use options::SignOptions;
pub use pades::{finalize, prepare, prepare_opened, PreparedSignature};
pub use resume::resume;
pub use sign_pdf::{sign_opened_pdf, sign_pdf, TsaTransport};
pub use timestamp::{
    document_timestamp_request, signature_timestamp_request, token_from_response, TimeStampQuery,
};
