//! schemathesis (PyPI) against /api/openapi.json of `kyso serve` (SQLite
//! and PostgreSQL), authenticated with an API token of each role: every
//! operation gets generated valid and invalid requests, and no answer may
//! be a 5xx or break the description. The number of examples is bounded
//! (KYSO_SCHEMATHESIS_EXAMPLES, default 3; KYSO_SCHEMATHESIS_PHASES,
//! default `examples,fuzzing`) so the suite stays short; raise them to
//! hunt.
mod common;
#[path = "common/office.rs"]
mod office;

use std::path::Path;
use std::process::Command;

use common::*;
use office::*;

/// The people whose tokens schemathesis uses: a person in each role.
/// Those who administer accounts come last (their generated requests may
/// disable the accounts of their agency), the department administrator
/// last of all.
const ROLES: &[&str] = &[
    "chuyenvien",
    "chutich",
    "vanthu",
    "chanhvanphong",
    "kiemtra",
    "vanthu.stc",
    "noivu.ca",
    "cntt",
];

fn schemathesis() -> Option<String> {
    let python = python()?;
    let exe = Path::new(&python).parent().unwrap().join("schemathesis");
    if exe.is_file() {
        return Some(exe.to_string_lossy().into_owned());
    }
    if std::env::var("KYSO_REQUIRE_PEERS").as_deref() == Ok("1") {
        panic!("schemathesis is required (KYSO_REQUIRE_PEERS=1) but not in the test venv");
    }
    eprintln!("SKIP: schemathesis not installed next to {python}");
    None
}

#[test]
fn schemathesis_finds_no_server_error_and_no_answer_off_the_description() {
    let Some(st) = schemathesis() else { return };
    let examples = std::env::var("KYSO_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "3".into());
    let phases =
        std::env::var("KYSO_SCHEMATHESIS_PHASES").unwrap_or_else(|_| "examples,fuzzing".into());
    for d in deployments() {
        let backend = d.backend;
        let p = Province::start(d, &["--login-rate", "100000", "--webhook-interval", "3600"]);
        // Something to find: an issued document, a draft, an arrival.
        p.issue_scan("Văn bản cho schemathesis");
        let users: Vec<(&str, String)> = ROLES
            .iter()
            .map(|u| (*u, p.api(u).token().to_string()))
            .chain([("quantri", p.admin.api.token().to_string())])
            .collect();
        for (user, token) in users {
            let report = p.d.path(&format!("schemathesis-{user}.xml"));
            let o = Command::new(&st)
                .current_dir(p.d.dir.path())
                .env("SCHEMATHESIS_HOOKS", "")
                .args([
                    "run",
                    &format!("{}/api/openapi.json", p.base),
                    "--checks",
                    "not_a_server_error,response_schema_conformance",
                    "--max-examples",
                    &examples,
                    "--phases",
                    &phases,
                    "--seed",
                    "20261122",
                    // One worker: hypothesis describing strategies from two
                    // threads at once has failed inside Python's ast module.
                    "--workers",
                    "1",
                    "--no-shrink",
                    "--suppress-health-check",
                    "all",
                    "--request-timeout",
                    "120",
                    "--report",
                    "junit",
                    "--report-junit-path",
                    report.to_str().unwrap(),
                    // Revoking one's own token would end the run's
                    // authentication (revocation is tested elsewhere).
                    "--exclude-operation-id",
                    "auth_revoke_token",
                    "-H",
                    &format!("Authorization: Bearer {token}"),
                ])
                .output()
                .expect("run schemathesis");
            let out = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(
                o.status.success(),
                "{backend}: schemathesis as {user} found problems:\n{out}"
            );
            // It did run the operations: every one described but the one
            // excluded (counted from the description, which grows).
            let spec: serde_json::Value =
                reqwest::blocking::get(format!("{}/api/openapi.json", p.base))
                    .unwrap()
                    .json()
                    .unwrap();
            let total: usize = spec["paths"]
                .as_object()
                .unwrap()
                .values()
                .map(|item| {
                    ["get", "put", "post", "delete", "patch"]
                        .iter()
                        .filter(|m| item.get(**m).is_some())
                        .count()
                })
                .sum();
            assert!(total >= 71, "{total} operations described");
            let ran = format!("{} selected / {total} total", total - 1);
            assert!(out.contains(&ran), "{ran}?\n{out}");
        }
    }
}
