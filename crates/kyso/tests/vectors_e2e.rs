//! `kyso verify` on every attack and edge-case vector of
//! crates/kyso-sign/tests/vectors (their table is README.md there): no
//! panic, the exit status docs/verify-report.md gives for the verdicts in
//! the table (0 all TOTAL-PASSED, 1 INDETERMINATE, 2 TOTAL-FAILED, 3 not
//! readable), and bounded memory — the peak resident memory of the child
//! process, sampled from /proc while it runs, stays far below what a
//! decompression bomb would take (the DSS of `dss-deflate-bomb.pdf`
//! inflates to 1 GiB). Needs no peer tool.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Most resident memory a verification may take.
const MAX_RSS_KB: u64 = 150 * 1024;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../kyso-sign/tests/vectors")
}

/// VmHWM of process `pid`, in kB (None once it has exited).
fn peak_kb(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Run `kyso verify` on `file`: exit status, peak RSS (kB), output.
fn verify(file: &Path) -> (Option<i32>, u64, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kyso"))
        .args(["verify", "--offline", "--json", "--trust"])
        .arg(vectors().join("signer.pem"))
        .arg(file)
        .env("KYSO_DATA", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut peak = 0;
    loop {
        if let Some(kb) = peak_kb(pid) {
            peak = peak.max(kb);
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), peak, text)
}

#[test]
fn kyso_verify_on_every_vector_exits_as_documented_within_bounded_memory() {
    let readme = std::fs::read_to_string(vectors().join("README.md")).unwrap();
    // file → expected exit status (the worst verdict of its signatures).
    let mut expected: BTreeMap<String, i32> = BTreeMap::new();
    for l in readme.lines().filter(|l| l.starts_with("| `")) {
        let c: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
        let code = match c[3] {
            "TOTAL-PASSED" => 0,
            "INDETERMINATE" => 1,
            "TOTAL-FAILED" => 2,
            "unreadable" => 3,
            x => panic!("{x}"),
        };
        let e = expected
            .entry(c[0].trim_matches('`').to_string())
            .or_insert(0);
        *e = (*e).max(code);
    }
    assert!(expected.len() >= 35);
    let mut failures = Vec::new();
    for (file, code) in &expected {
        let (got, peak, text) = verify(&vectors().join(file));
        eprintln!("{file}: exit {got:?}, peak {} MB", peak / 1024);
        if got != Some(*code) || text.contains("panicked") || peak > MAX_RSS_KB {
            failures.push(format!(
                "{file}: exit {got:?} (expected {code}), peak {peak} kB\n{text}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
