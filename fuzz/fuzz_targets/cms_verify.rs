//! The CMS verifier on arbitrary bytes: a SignedData with a detached
//! digest, as a time-stamp token, the raw signed-attributes walker, the
//! BER to DER conversion (its output must be DER that converts to itself)
//! and the reading past unsigned parts; never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let digest = |alg: kyso_crypto::DigestAlgorithm| Ok(kyso_crypto::digest(alg, b"content"));
    let _ = kyso_pki::cms_verify::verify_signed_data(data, Some(&digest));
    let _ = kyso_pki::cms_verify::verify_signed_data(data, None);
    let _ = kyso_pki::cms_verify::verify_time_stamp_token(data, &digest);
    let _ = kyso_pki::cms_verify::raw_signed_attributes(data);
    if let Ok(der) = kyso_pki::ber::to_der(data) {
        let again = kyso_pki::ber::to_der(&der).expect("DER output reads back");
        assert_eq!(again.as_ref(), der.as_ref(), "the conversion is idempotent");
        let _ = kyso_pki::signed_data_parts::tolerate(&der);
    }
});
