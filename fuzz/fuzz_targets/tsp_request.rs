//! RFC 3161 TimeStampReq parsing (the TSA's input) must never panic on any input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kyso_pki::tsp::parse_time_stamp_req(data);
});
