//! The certificate desk's web pages end to end on `kyso demo` (issue 12
//! §9), on SQLite and on PostgreSQL (KYSO_TEST_PG_URL): tests/ui/desk.mjs
//! drives Debian's chromium — a subscriber files a request on /desk/new
//! (a refused identity number comes back with the values kept), the
//! managing organization's head confirms it, a stale second confirmation
//! is refused with the message naming the state, the department
//! administrator registers a device and records a handover, the
//! province's clerk seals the handover record, and a holiday and the
//! fixed holidays go into the calendar (a Saturday as a day off is
//! refused); axe-core on every screen. Then
//! the API says the same: the request confirmed by the head, the handover
//! with its sealed record, the days in the calendar. Skipped without
//! chromium, node and tests/ui/node_modules unless KYSO_REQUIRE_PEERS is
//! set. Screenshots: target/ui-screenshots-desk-{sqlite,postgres}/.

mod common;
#[path = "common/demo.rs"]
mod demo;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{deployments, have, KYSO};
use serde_json::Value;

fn token(d: &demo::Demo, user: &str) -> String {
    let o = Command::new(KYSO)
        .args(["doc", "login", "--user", user, "--scopes", "read"])
        .env("KYSO_SERVER", &d.base)
        .env("KYSO_PASSWORD", &d.password)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

fn get(d: &demo::Demo, token: &str, path: &str) -> Value {
    let r = reqwest::blocking::Client::new()
        .get(format!("{}{path}", d.base))
        .bearer_auth(token)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.json().unwrap()
}

#[test]
fn desk_pages_in_chromium_on_sqlite_and_postgres() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf();
    let ui = root.join("tests/ui");
    let ready = have("node")
        && Path::new("/usr/bin/chromium").exists()
        && ui.join("node_modules/playwright-core").exists()
        && ui.join("node_modules/axe-core").exists();
    if !ready {
        assert!(
            std::env::var_os("KYSO_REQUIRE_PEERS").is_none(),
            "chromium, node or tests/ui/node_modules missing (scripts/test.sh installs them)"
        );
        eprintln!("skipped the browser: chromium, node or tests/ui/node_modules missing");
        return;
    }
    for dep in deployments() {
        let data = dep.dir.path().join("data");
        let d = demo::start(KYSO, &data, dep.port, &["--db", &dep.db]);
        let out = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"))
            .join(format!("ui-screenshots-desk-{}", dep.backend));
        let _ = std::fs::remove_dir_all(&out);
        let run = Command::new("node")
            .arg(ui.join("desk.mjs"))
            .current_dir(&ui)
            .env("KYSO_BASE", &d.base)
            .env("KYSO_PASSWORD", &d.password)
            .env("KYSO_OUT", &out)
            .output()
            .expect("run node");
        let said = format!(
            "{}\n{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(
            run.status.success(),
            "the desk pages failed on {}:\n{said}",
            dep.backend
        );
        assert!(said.contains("desk steps passed"), "{said}");

        // What the pages did, as the API tells it.
        let head = token(&d, "chutich");
        let list = get(&d, &head, "/api/v1/desk/requests");
        let reqs = list.as_array().expect("a list");
        assert_eq!(reqs.len(), 1, "{list}");
        let r = &reqs[0];
        assert_eq!(r["state"], "confirmed", "{r}");
        assert_eq!(r["kind"], "issue_person", "{r}");
        assert_eq!(r["form"]["identity_number"], "037090001234", "{r}");
        let events: Vec<&str> = r["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        // One confirmation: the stale second click changed nothing.
        assert_eq!(events, ["create", "confirm"], "{r}");
        assert!(
            r["confirmation"]
                .as_str()
                .unwrap()
                .contains("Nguyễn Văn An"),
            "{r}"
        );

        let admin = token(&d, "quantri");
        let devices = get(&d, &admin, "/api/v1/desk/devices");
        let dev = &devices.as_array().unwrap()[0];
        assert_eq!(dev["serial"], "TK-2027-0001", "{devices}");
        assert_eq!(dev["state"], "issued", "{dev}");
        let hs = dev["handovers"].as_array().unwrap();
        assert_eq!(hs.len(), 1, "{dev}");
        assert_eq!(hs[0]["method"], "in_person", "{dev}");
        assert!(hs[0]["record_sha256"].as_str().is_some(), "{dev}");
        let pdf = std::fs::read(out.join("handover-record.pdf")).unwrap();
        let sha = kyso_store::blobs::sha256_hex(&pdf);
        assert_eq!(hs[0]["record_sha256"].as_str(), Some(sha.as_str()));

        let year: i32 = time::OffsetDateTime::now_utc()
            .to_offset(time::macros::offset!(+7))
            .year()
            + 1;
        let cal = get(&d, &admin, &format!("/api/v1/desk/calendar?year={year}"));
        let days: Vec<(&str, &str)> = cal
            .as_array()
            .unwrap()
            .iter()
            .map(|x| (x["day"].as_str().unwrap(), x["kind"].as_str().unwrap()))
            .collect();
        // The first weekday from 8 February (a Saturday was refused).
        let mut tet = time::Date::from_calendar_date(year, time::Month::February, 8).unwrap();
        while matches!(
            tet.weekday(),
            time::Weekday::Saturday | time::Weekday::Sunday
        ) {
            tet = tet.next_day().unwrap();
        }
        let tet = format!("{year}-02-{:02}", tet.day());
        assert!(days.contains(&(tet.as_str(), "lunar")), "{cal}");
        let fixed = kyso_office::desk::calendar::fixed_days_off(year).unwrap();
        assert_eq!(days.len(), fixed.len() + 1, "{cal}");
        drop(d);
    }
}
