//! PAdES signing.
#![forbid(unsafe_code)]
