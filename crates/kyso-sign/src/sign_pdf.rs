//! One-shot PAdES signing with a [`Signer`] at hand.
use std::path::{Path, PathBuf};

use kyso_crypto::Signer;
use x509_cert::Certificate;

use crate::signed_attributes::signature_timestamp;
use crate::{finalize, prepare_opened};
use crate::{SignError, SignOptions};
use kyso_pdf::OpenedPdf;

/// The caller's TSA transport: takes a DER TimeStampReq and returns the
/// DER TimeStampResp (e.g. an HTTP POST of `application/timestamp-query`).
pub type TsaTransport<'a> =
    &'a dyn Fn(&[u8]) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>>;

/// Prepare, sign with `signer` and finalize. `chain` holds the
/// certificates embedded after the signer's (issuing CA, …). With `tsa`
/// the signature gets a time-stamp (B-T), otherwise it is B-B. The
/// signature algorithm is the signer's.
pub fn sign_pdf(
    input: &Path,
    output: &Path,
    signer: &dyn Signer,
    chain: &[Certificate],
    options: &SignOptions,
    tsa: Option<TsaTransport<'_>>,
) -> Result<PathBuf, SignError> {
    sign_opened_pdf(kyso_pdf::open(input)?, output, signer, chain, options, tsa)
}

/// [`sign_pdf`] on a document already opened (see [`crate::open_pdf`]).
pub fn sign_opened_pdf(
    pdf: OpenedPdf,
    output: &Path,
    signer: &dyn Signer,
    chain: &[Certificate],
    options: &SignOptions,
    tsa: Option<TsaTransport<'_>>,
) -> Result<PathBuf, SignError> {
    let mut options = options.clone();
    options.signature_algorithm = signer.algorithm();
    let prepared = prepare_opened(pdf, output, &options)?;
    let signature = signer.sign(prepared.to_be_signed())?;
    let timestamp = signature_timestamp(&signature, tsa)?;
    finalize(prepared, &signature, chain, timestamp)
}
