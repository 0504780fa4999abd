//! PKCS#10 parsing and signature check must never panic on any input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kyso_pki::csr::parse_csr(data);
});
