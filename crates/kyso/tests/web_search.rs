//! Search end to end on `kyso demo` (issue 13 §3): the server's job feeds
//! the index from the database; the API finds the demo's documents by
//! words typed without accents, with marked snippets, only for people of
//! the agencies concerned (another agency's clerk gets nothing, an
//! anonymous request 401); `kyso doc search` prints the same; `kyso search
//! reindex` rebuilds the index beside the running server; then
//! tests/ui/search.mjs drives the search page in Debian's chromium
//! (skipped without chromium, node and tests/ui/node_modules unless
//! KYSO_REQUIRE_PEERS is set). Screenshots: target/ui-screenshots-search/.

mod common;
#[path = "common/demo.rs"]
mod demo;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{free_port, have, KYSO};
use kyso_store::search::fold;
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

fn search(d: &demo::Demo, token: Option<&str>, query: &str) -> (u16, Value) {
    let client = reqwest::blocking::Client::new();
    let mut r = client.get(format!("{}/api/v1/documents/search?{query}", d.base));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().unwrap();
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

fn subjects(v: &Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|h| h["subject"]["text"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn search_on_the_demo_through_the_api_the_cli_and_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = demo::start(KYSO, &data, free_port(), &[]);
    let drafter = token(&d, "chuyenvien");
    let other = token(&d, "vanthu.kimson");

    // The job feeds the index within a few seconds of the start.
    let start = Instant::now();
    let found = loop {
        let (status, v) = search(&d, Some(&drafter), "q=chuyen+doi+so");
        assert_eq!(status, 200, "{v}");
        if v["total"].as_u64().unwrap_or(0) > 0 {
            break v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never indexed: {v}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    let s = subjects(&found);
    assert!(
        s.iter()
            .any(|x| x == "Chuyển đổi số tỉnh Ninh Bình năm 2027"),
        "{s:?}"
    );
    let hit = found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["subject"]["text"] == "Chuyển đổi số tỉnh Ninh Bình năm 2027")
        .unwrap();
    let text = hit["subject"]["text"].as_str().unwrap();
    let marked: Vec<&str> = hit["subject"]["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &text[r[0].as_u64().unwrap() as usize..r[1].as_u64().unwrap() as usize])
        .collect();
    assert_eq!(marked, ["Chuyển", "đổi", "số"]);

    // Words of the text layer only.
    let (_, v) = search(&d, Some(&drafter), "q=giao+van+thu+quan+ly+chung+thu+so");
    assert_eq!(
        subjects(&v),
        ["Về việc triển khai sử dụng chữ ký số chuyên dùng Chính phủ"],
        "{v}"
    );
    let fragment = v["hits"][0]["text"]["text"].as_str().unwrap();
    let words: Vec<String> = fragment.split_whitespace().map(fold).collect();
    assert!(
        words.join(" ").contains("quan ly chung thu so"),
        "{fragment:?}"
    );

    // Kim Sơn's clerk: not the province's draft; anonymous: 401; another
    // agency by filter: 403.
    let (status, v) = search(&d, Some(&other), "q=chuyen+doi+so+tinh+ninh+binh+nam+2027");
    assert_eq!((status, v["total"].as_u64()), (200, Some(0)), "{v}");
    let (status, _) = search(&d, None, "q=chuyen+doi+so");
    assert_eq!(status, 401);
    let (status, v) = search(&d, Some(&other), "agency_id=1");
    assert_eq!(status, 403, "{v}");
    // Kim Sơn received the province's công văn: found as incoming.
    let (_, v) = search(&d, Some(&other), "q=de+nghi+cap+chung+thu+so&register=in");
    assert_eq!(
        subjects(&v),
        ["Về việc rà soát, đề nghị cấp chứng thư số cho người có thẩm quyền ký văn bản"],
        "{v}"
    );
    for h in v["hits"].as_array().unwrap() {
        assert_eq!(h["incoming"], true, "{h}");
        assert!(h["delivery_id"].as_i64().is_some(), "{h}");
    }

    // The CLI.
    let o = Command::new(KYSO)
        .args(["doc", "search", "quyet dinh", "--type", "QĐ"])
        .env("KYSO_SERVER", &d.base)
        .env("KYSO_API_TOKEN", &drafter)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{o:?}");
    assert!(
        said.contains("»Quyết« »định«") || said.contains("»quyết« »định«"),
        "{said}"
    );

    // Rebuilt beside the running server (it waits while the server writes).
    let o = Command::new(KYSO)
        .args(["--data", data.to_str().unwrap(), "search", "reindex"])
        .env_remove("KYSO_KEY_PASSWORD")
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("12 documents"),
        "{o:?}"
    );
    let (_, v) = search(&d, Some(&drafter), "q=chuyen+doi+so");
    assert_eq!(v["total"], found["total"]);

    // The page in chromium.
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
    let out = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("ui-screenshots-search");
    let _ = std::fs::remove_dir_all(&out);
    let run = Command::new("node")
        .arg(ui.join("search.mjs"))
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
    assert!(run.status.success(), "the browser search failed:\n{said}");
    assert!(said.contains("search steps passed"), "{said}");
    drop(d);
}
