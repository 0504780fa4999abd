//! The PDF verifier on arbitrary bytes with an empty trust store: never a
//! panic, always a report.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let trust = kyso_pki::trust::TrustStore::new();
    let ctx = kyso_sign::validate::ValidationContext {
        trust: &trust,
        extra_certificates: Vec::new(),
        fetch: None,
        fetch_issuer: None,
        now: time::OffsetDateTime::UNIX_EPOCH,
        document_date: None,
    };
    let _ = kyso_sign::validate::validate_pdf(data, &ctx);
});
