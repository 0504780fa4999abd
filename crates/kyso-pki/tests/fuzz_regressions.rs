//! Inputs the fuzz targets once crashed on, run through the same calls as
//! the target (fuzz/fuzz_targets/cms_verify.rs): none may panic.
use std::path::Path;

#[test]
fn cms_verify_findings_no_longer_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions/cms_verify");
    let mut seen = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(e.unwrap().path()).unwrap();
        let digest = |alg: kyso_crypto::DigestAlgorithm| Ok(kyso_crypto::digest(alg, b"content"));
        let _ = kyso_pki::cms_verify::verify_signed_data(&data, Some(&digest));
        let _ = kyso_pki::cms_verify::verify_signed_data(&data, None);
        let _ = kyso_pki::cms_verify::verify_time_stamp_token(&data, &digest);
        let _ = kyso_pki::cms_verify::raw_signed_attributes(&data);
        if let Ok(der) = kyso_pki::ber::to_der(&data) {
            let again = kyso_pki::ber::to_der(&der).expect("DER output reads back");
            assert_eq!(again.as_ref(), der.as_ref(), "the conversion is idempotent");
            let _ = kyso_pki::signed_data_parts::tolerate(&der);
        }
        seen += 1;
    }
    assert!(seen > 0, "no inputs in {}", dir.display());
}
