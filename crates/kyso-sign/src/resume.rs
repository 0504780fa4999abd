//! Phase 3 in another process: a server replica kept the prepared file,
//! its `/ByteRange` and the signer certificate; the one that receives the
//! signature rebuilds the [`PreparedSignature`] from them (DESIGN §1, §4:
//! no document in process memory, no sticky sessions).
use std::path::Path;

use kyso_crypto::SignatureAlgorithm;
use kyso_pdf::{ByteRange, PreparedPdf};
use tempfile::NamedTempFile;
use x509_cert::Certificate;

use crate::signed_attributes::{check_key_family, SignedAttributes};
use crate::{PreparedSignature, SignError};

/// The prepared document in `file` (a copy of
/// [`PreparedSignature::prepared_path`]) with the values
/// [`PreparedSignature::byte_range`], [`PreparedSignature::contents_size`]
/// and [`PreparedSignature::field_name`] had, to be finalized into
/// `output`. The ByteRange is hashed again and the signed attributes
/// rebuilt: compare [`PreparedSignature::to_be_signed_digest`] with the
/// digest handed out at prepare time before accepting a signature, so a
/// stored copy that changed is refused.
pub fn resume(
    file: NamedTempFile,
    output: &Path,
    byte_range: ByteRange,
    contents_size: usize,
    field_name: String,
    signer_certificate: &Certificate,
    algorithm: SignatureAlgorithm,
) -> Result<PreparedSignature, SignError> {
    check_key_family(signer_certificate, algorithm)?;
    let mut pdf = PreparedPdf::resume(file, output, byte_range, contents_size, field_name)?;
    let message_digest = pdf.digest(algorithm.digest())?;
    let attributes = SignedAttributes::new(signer_certificate, algorithm, message_digest, None)?;
    Ok(PreparedSignature::from_parts(pdf, attributes))
}
