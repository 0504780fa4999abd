//! The CMS verifier on arbitrary bytes: a SignedData with a detached
//! digest, as a time-stamp token, and the raw signed-attributes walker;
//! never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let digest = |alg: kyso_crypto::DigestAlgorithm| Ok(kyso_crypto::digest(alg, b"content"));
    let _ = kyso_pki::cms_verify::verify_signed_data(data, Some(&digest));
    let _ = kyso_pki::cms_verify::verify_signed_data(data, None);
    let _ = kyso_pki::cms_verify::verify_time_stamp_token(data, &digest);
    let _ = kyso_pki::cms_verify::raw_signed_attributes(data);
});
