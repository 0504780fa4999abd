//! OCSP request parsing (the responder's input) must never panic on any input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kyso_pki::ocsp::parse_ocsp_request(data);
});
