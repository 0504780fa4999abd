//! Shared by kyso-pdf's integration tests: the hand-written input PDF and
//! qpdf as the peer.
#![allow(dead_code)]

use std::process::Command;

mod hand_pdf;
#[allow(unused_imports)]
pub use hand_pdf::hand_pdf;

pub fn have_qpdf() -> bool {
    let ok = Command::new("qpdf")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("KYSO_REQUIRE_PEERS").as_deref() == Ok("1") {
            panic!("qpdf is required (KYSO_REQUIRE_PEERS=1)");
        }
        eprintln!("SKIP: qpdf not found");
    }
    ok
}

pub fn qpdf(args: &[&str]) -> (bool, String) {
    let o = Command::new("qpdf").args(args).output().expect("qpdf");
    // qpdf exits 3 on warnings.
    (
        o.status.code() == Some(0),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7))
}
