//! The archive hand-over export (issue 13 §5, Circular 02/2019): two
//! documents issued by A, the outgoing register of the year exported by
//! `kyso archive export` and by `GET /api/v1/archive/export`. Each ZIP is
//! unpacked by Python's zipfile (CRCs checked); every metadata.xml and the
//! manifest validate against docs/archive-metadata.xsd with xmllint; every
//! file has the SHA-256 and size the manifest says, and each document's
//! files those stored by the office; pyHanko (and pdfsig, qpdf) validate
//! the signatures of the exported PDFs; the verification reports are of
//! the exported files; audit.jsonl holds every audit entry of those
//! documents before the export's own, with the chain's hashes. B's
//! incoming register gives the issued files only. Another agency's
//! person gets 403, an anonymous caller 401, a malformed query 400. On
//! SQLite, and on PostgreSQL when KYSO_TEST_PG_URL is set.
mod common;
#[path = "common/office.rs"]
mod office;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use office::*;
use serde_json::Value;

/// The roles a recipient reads (kyso_office::files::ISSUED_ROLES).
const ISSUED_ROLES: &[&str] = &[
    "sealed",
    "attachment-sealed",
    "attachment-signature",
    "attachment",
    "verification",
    "issue-timestamp",
    "archive",
];

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn xsd() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/archive-metadata.xsd")
}

fn sha256(b: &[u8]) -> String {
    kyso_store::blobs::sha256_hex(b)
}

fn peers_required() -> bool {
    std::env::var("KYSO_REQUIRE_PEERS").as_deref() == Ok("1")
}

/// `kyso archive export ARGS` on `p`'s deployment as `user`.
fn cli_export(p: &Province, user: &str, args: &[&str]) -> Output {
    Command::new(KYSO)
        .args(["--data", p.d.data().to_str().unwrap(), "--db", &p.d.db])
        .args(["archive", "export", "--user", user, "--json"])
        .args(args)
        .env_remove("KYSO_KEY_PASSWORD")
        .env("KYSO_PASSWORD", PASSWORD)
        .env("KYSO_LOG", "warn")
        .output()
        .expect("run kyso")
}

/// `kyso archive export` of agency `agency`'s outgoing register of
/// `year` into `zip`, as `user`.
fn cli_export_out(p: &Province, user: &str, agency: &str, year: &str, zip: &Path) -> Output {
    cli_export(
        p,
        user,
        &[
            "--agency-id",
            agency,
            "--register",
            "out",
            "--year",
            year,
            "--out",
            zip.to_str().unwrap(),
        ],
    )
}

/// Unpacks `zip` into a new directory `into` with Python's zipfile
/// (which checks every member's CRC first, and that members are
/// dated with the export's time); the member names.
fn unzip(zip: &Path, into: &Path) -> Vec<String> {
    let py = python().unwrap_or_else(|| "python3".into());
    let script = r#"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
if bad is not None:
    sys.exit("bad CRC: " + bad)
for i in z.infolist():
    if i.filename.startswith('/') or '..' in i.filename.split('/') or '\\' in i.filename:
        sys.exit("unsafe name: " + i.filename)
    if i.date_time[0] < 2026:
        sys.exit("not dated with the export time: %s %s" % (i.filename, i.date_time))
    print(i.filename)
z.extractall(sys.argv[2])
"#;
    let o = Command::new(py)
        .args(["-c", script, zip.to_str().unwrap(), into.to_str().unwrap()])
        .output()
        .expect("python");
    assert!(o.status.success(), "unzip {}: {}", zip.display(), out(&o));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The value of attribute `name` in the XML element text `el`
/// (the values kyso writes here need no unescaping: hex, numbers, paths
/// of safe names).
fn attr(el: &str, name: &str) -> Option<String> {
    let el = format!(" {el}");
    let key = format!(" {name}=\"");
    let start = el.find(&key)? + key.len();
    let end = el[start..].find('"')? + start;
    Some(el[start..end].to_string())
}

/// The text between `start` and `end`.
fn between<'a>(xml: &'a str, start: &str, end: &str) -> &'a str {
    let i = xml.find(start).expect(start) + start.len();
    let j = xml[i..].find(end).expect(end) + i;
    &xml[i..j]
}

/// XML text with the five predefined entities replaced.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The `<file …>` elements of an XML text.
fn file_elements(xml: &str) -> Vec<String> {
    xml.split("<file ")
        .skip(1)
        .map(|s| s.split('>').next().unwrap().to_string())
        .collect()
}

/// xmllint validates `file` against the schema.
fn xmllint(file: &Path) {
    if !have("xmllint") {
        assert!(!peers_required(), "xmllint (libxml2-utils) is required");
        return;
    }
    let o = Command::new("xmllint")
        .args(["--noout", "--schema", xsd().to_str().unwrap()])
        .arg(file)
        .output()
        .expect("xmllint");
    assert!(
        o.status.success(),
        "xmllint {}: {}",
        file.display(),
        out(&o)
    );
}

/// The document's files as the office shows them to the sender's clerk
/// (ids, roles and SHA-256).
fn stored_files(p: &Province, id: i64) -> BTreeMap<i64, Value> {
    let d = p
        .api("vanthu")
        .get(&format!("/api/v1/documents/{id}"))
        .expect(200, "document");
    d["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_i64().unwrap(), f.clone()))
        .collect()
}

/// Every audit entry of `kind` `id`, by sequence number (as the
/// administrator reads them).
fn audit_of(p: &Province, kind: &str, id: i64) -> BTreeMap<i64, Value> {
    let v = p
        .admin
        .api
        .get(&format!(
            "/api/v1/audit?object_kind={kind}&object_id={id}&limit=1000"
        ))
        .expect(200, "audit");
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| (e["seq"].as_i64().unwrap(), e.clone()))
        .collect()
}

/// The newest `archive.export` entry.
fn last_export_entry(p: &Province) -> Value {
    let v = p
        .admin
        .api
        .get("/api/v1/audit?action=archive.export&limit=1")
        .expect(200, "audit");
    v[0].clone()
}

/// What a check of one export found.
struct Checked {
    /// File roles by document.
    roles: BTreeMap<i64, BTreeSet<String>>,
    pdfs: usize,
}

/// Checks the export `zip` of documents `ids` (all of them, nothing
/// else) against what the office stores (as the sender's clerk reads
/// it); `incoming`: exported by a recipient through these deliveries
/// (the issued files, the deliveries' audit).
fn check_export(
    p: &Province,
    zip: &Path,
    ids: &[i64],
    incoming: &BTreeMap<i64, i64>,
    what: &str,
) -> Checked {
    let backend = p.d.backend;
    let dir = tempfile::tempdir().unwrap();
    let names = unzip(zip, dir.path());
    let root = dir.path();

    // The manifest lists every other member once, with its digest and size.
    assert!(names.contains(&"manifest.xml".to_string()), "{what}");
    let manifest = std::fs::read_to_string(root.join("manifest.xml")).unwrap();
    xmllint(&root.join("manifest.xml"));
    assert!(
        manifest.contains(&format!("documents=\"{}\"", ids.len())),
        "{backend} {what}: {manifest}"
    );
    let mut listed = BTreeMap::new();
    for el in file_elements(&manifest) {
        let path = attr(&el, "path").unwrap();
        let sha = attr(&el, "sha256").unwrap();
        let size: u64 = attr(&el, "size").unwrap().parse().unwrap();
        assert!(
            listed.insert(path.clone(), (sha, size)).is_none(),
            "{what}: {path} twice"
        );
    }
    let members: BTreeSet<String> = names
        .iter()
        .filter(|n| *n != "manifest.xml" && !n.ends_with('/'))
        .cloned()
        .collect();
    assert_eq!(
        members,
        listed.keys().cloned().collect::<BTreeSet<_>>(),
        "{backend} {what}: the manifest lists every file"
    );
    for (path, (sha, size)) in &listed {
        let b = std::fs::read(root.join(path)).unwrap();
        assert_eq!(&sha256(&b), sha, "{backend} {what}: {path}");
        assert_eq!(b.len() as u64, *size, "{backend} {what}: {path}");
    }

    // Exactly the documents asked for.
    let docs: BTreeSet<i64> = members
        .iter()
        .filter_map(|m| m.strip_prefix("documents/"))
        .map(|m| m.split('/').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        docs,
        ids.iter().copied().collect::<BTreeSet<_>>(),
        "{backend} {what}"
    );

    let mut checked = Checked {
        roles: BTreeMap::new(),
        pdfs: 0,
    };
    for &id in ids {
        let ddir = root.join(format!("documents/{id}"));
        let meta_path = ddir.join("metadata.xml");
        xmllint(&meta_path);
        let meta = std::fs::read_to_string(&meta_path).unwrap();
        assert!(
            meta.contains(&format!(
                "<document xmlns=\"urn:kyso:archive:metadata:1\" id=\"{id}\""
            )),
            "{what}: {meta}"
        );
        let view = p
            .api("vanthu")
            .get(&format!("/api/v1/documents/{id}"))
            .expect(200, "document");
        assert_eq!(
            unescape(between(&meta, "<subject>", "</subject>")),
            view["subject"].as_str().unwrap(),
            "{what}: {meta}"
        );
        assert!(
            meta.contains(
                "<issuingBody code=\"000.00.00.H45\">Ủy ban nhân dân tỉnh Ninh Bình</issuingBody>"
            ),
            "{what}: {meta}"
        );
        assert!(
            meta.contains("Sở Tài chính") && meta.contains("Sở Y tế"),
            "{what}: {meta}"
        );

        // Every file of metadata.xml is in the ZIP with the digest the
        // office stores for it.
        let stored = stored_files(p, id);
        let mut roles = BTreeSet::new();
        let mut in_meta = BTreeSet::new();
        for el in file_elements(&meta) {
            let path = attr(&el, "path").unwrap();
            let sha = attr(&el, "sha256").unwrap();
            let role = attr(&el, "role").unwrap();
            let file_id: i64 = path
                .rsplit('/')
                .next()
                .unwrap()
                .split('-')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            let s = &stored[&file_id];
            assert_eq!(s["sha256"], sha.as_str(), "{backend} {what}: {path}");
            assert_eq!(s["role"], role.as_str(), "{backend} {what}: {path}");
            assert_eq!(listed[&path].0, sha, "{backend} {what}: {path}");
            let bytes = p
                .api("vanthu")
                .get(&format!("/api/v1/documents/{id}/files/{file_id}"));
            assert_eq!(bytes.status, 200, "{}", bytes.text());
            assert_eq!(sha256(&bytes.bytes), sha, "{backend} {what}: {path}");
            roles.insert(role);
            in_meta.insert(path);
        }
        // And nothing else in the document's directory: no file of
        // another document (blobs are shared by content across them).
        let under: BTreeSet<String> = listed
            .keys()
            .filter(|k| k.starts_with(&format!("documents/{id}/")))
            .cloned()
            .collect();
        let mut want = in_meta.clone();
        want.insert(format!("documents/{id}/metadata.xml"));
        want.insert(format!("documents/{id}/verification.json"));
        assert_eq!(under, want, "{backend} {what}");
        // Every file the office lists for the document (a recipient:
        // the issued ones) is there.
        let want_ids: BTreeSet<i64> = stored
            .iter()
            .filter(|(_, f)| {
                !incoming.contains_key(&id) || ISSUED_ROLES.contains(&f["role"].as_str().unwrap())
            })
            .map(|(k, _)| *k)
            .collect();
        let got_ids: BTreeSet<i64> = in_meta
            .iter()
            .map(|p| {
                p.rsplit('/')
                    .next()
                    .unwrap()
                    .split('-')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert_eq!(got_ids, want_ids, "{backend} {what}");
        if incoming.contains_key(&id) {
            for r in &roles {
                assert!(
                    ISSUED_ROLES.contains(&r.as_str()),
                    "{backend} {what}: a recipient got a {r} file"
                );
            }
        }
        assert!(roles.contains("sealed"), "{backend} {what}: {roles:?}");

        // The peers validate every exported PDF's signatures.
        for path in listed
            .keys()
            .filter(|k| k.starts_with(&format!("documents/{id}/")) && k.ends_with(".pdf"))
        {
            let f = root.join(path);
            let role = path.rsplit('/').next().unwrap().split('-').nth(1);
            let Some(peers) = &p.peers else {
                assert!(!peers_required(), "peers are required");
                continue;
            };
            match role {
                Some("sealed") => {
                    peers.all_valid(&f, 1, true);
                    checked.pdfs += 1;
                }
                Some("archive") => {
                    peers.qpdf_check(&f);
                    let t = peers.pdfsig(&f);
                    assert!(t.contains("Signature is Valid."), "pdfsig {path}: {t}");
                    match common::ltv::pyhanko_ltv(peers, &f, true) {
                        Some((ok, t)) => assert!(ok, "pyHanko LTA {path}: {t}"),
                        None => assert!(!peers_required(), "pyHanko is required"),
                    }
                    checked.pdfs += 1;
                }
                _ => {}
            }
        }

        // The verification report is of an exported file, and passed.
        let v: Value =
            serde_json::from_slice(&std::fs::read(ddir.join("verification.json")).unwrap())
                .unwrap();
        let file = v["file"].as_str().unwrap();
        assert!(listed.contains_key(file), "{what}: {v}");
        assert_eq!(
            v["report"]["file_sha256"],
            listed[file].0.as_str(),
            "{what}"
        );
        assert_eq!(v["report"]["indication"], "TOTAL-PASSED", "{what}: {v}");
        checked.roles.insert(id, roles);
    }

    // The audit slice: every entry of those documents (or deliveries)
    // before the export's own, with the chain's hashes.
    let export = last_export_entry(p);
    let export_seq = export["seq"].as_i64().unwrap();
    let lines: BTreeMap<i64, Value> = std::fs::read_to_string(root.join("audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let e: Value = serde_json::from_str(l).unwrap();
            (e["seq"].as_i64().unwrap(), e)
        })
        .collect();
    let mut expected = BTreeMap::new();
    for &id in ids {
        let (kind, object) = match incoming.get(&id) {
            Some(dl) => ("delivery", *dl),
            None => ("document", id),
        };
        let entries = audit_of(p, kind, object);
        assert!(
            !entries.is_empty(),
            "{backend} {what}: no audit of {kind} {object}"
        );
        if kind == "document" {
            assert!(
                entries.values().any(|e| e["action"] == "document.issue"),
                "{backend} {what}: {entries:?}"
            );
        }
        expected.extend(entries.into_iter().filter(|(seq, _)| *seq < export_seq));
    }
    assert_eq!(
        lines.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{backend} {what}: the audit slice"
    );
    for (seq, e) in &lines {
        for k in ["hash", "prev_hash", "action", "object_id", "actor"] {
            assert_eq!(e[k], expected[seq][k], "{backend} {what}: entry {seq} {k}");
        }
    }
    checked
}

#[test]
fn archive_export_of_a_register_year() {
    for d in deployments() {
        let backend = d.backend;
        let p = Province::start(d, &["--login-rate", "1000"]);
        let year = time::OffsetDateTime::now_utc()
            .to_offset(time::macros::offset!(+7))
            .year()
            .to_string();
        let a = p.a.to_string();
        let ids: Vec<i64> = [
            "Quyết định về việc nộp lưu hồ sơ điện tử <năm> & \"kế hoạch\"",
            "Công văn về lập danh mục hồ sơ",
        ]
        .iter()
        .map(|s| p.issue_scan(s)["id"].as_i64().unwrap())
        .collect();
        // A draft is in no register: not exported.
        let draft = p.draft("Dự thảo chưa ban hành");
        let none = BTreeMap::new();

        // The CLI, as A's clerk.
        let zip = p.d.path("cli.zip");
        let o = cli_export_out(&p, "vanthu", &a, &year, &zip);
        assert!(o.status.success(), "{backend}: {}", out(&o));
        let r: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(r["documents"], 2, "{backend}: {r}");
        let cli = check_export(&p, &zip, &ids, &none, "cli");
        assert!(!cli.roles.contains_key(&draft));
        let export = last_export_entry(&p);
        assert_eq!(export["actor"], "vanthu", "{backend}: {export}");
        assert_eq!(export["agency_id"], p.a, "{backend}: {export}");

        // The API, as A's auditor.
        let got = p.api("kiemtra").get(&format!(
            "/api/v1/archive/export?agency_id={a}&register=out&year={year}"
        ));
        assert_eq!(got.status, 200, "{backend}: {}", got.text());
        assert_eq!(got.header("content-type"), "application/zip");
        let cd = got.header("content-disposition");
        assert!(
            cd.starts_with("attachment") && cd.contains(".zip"),
            "{backend}: {cd}"
        );
        let zip = p.d.path("api.zip");
        std::fs::write(&zip, &got.bytes).unwrap();
        let api = check_export(&p, &zip, &ids, &none, "api");
        assert_eq!(api.roles, cli.roles, "{backend}");
        if p.peers.is_some() {
            assert!(api.pdfs >= 2, "{backend}: {} PDFs checked", api.pdfs);
        }
        assert_eq!(last_export_entry(&p)["actor"], "kiemtra", "{backend}");

        // One document by id (named twice: exported once).
        let one = p.api("vanthu").get(&format!(
            "/api/v1/archive/export?document={},{}",
            ids[1], ids[1]
        ));
        assert_eq!(one.status, 200, "{backend}: {}", one.text());
        let zip = p.d.path("one.zip");
        std::fs::write(&zip, &one.bytes).unwrap();
        check_export(&p, &zip, &ids[1..], &none, "one document");

        // And by the CLI.
        let zip = p.d.path("one-cli.zip");
        let first = ids[0].to_string();
        let o = cli_export(
            &p,
            "chanhvanphong",
            &["--document", &first, "--out", zip.to_str().unwrap()],
        );
        assert!(o.status.success(), "{backend}: {}", out(&o));
        check_export(&p, &zip, &ids[..1], &none, "one document, CLI");

        // B's incoming register, once B's clerk registered the arrivals:
        // the issued files only, the deliveries' audit.
        let clerk_b = p.api("vanthu.stc");
        let inbox = clerk_b
            .get(&format!("/api/v1/inbox?agency_id={}", p.b))
            .expect(200, "inbox");
        let mut incoming = BTreeMap::new();
        for dl in inbox.as_array().unwrap() {
            let dl_id = dl["id"].as_i64().unwrap();
            clerk_b
                .post_empty(&format!("/api/v1/inbox/{dl_id}/register"))
                .expect(200, "register arrival");
            incoming.insert(dl["document_id"].as_i64().unwrap(), dl_id);
        }
        assert_eq!(
            incoming.keys().copied().collect::<Vec<_>>(),
            ids,
            "{backend}: {inbox}"
        );
        let got = clerk_b.get(&format!(
            "/api/v1/archive/export?agency_id={}&register=in&year={year}",
            p.b
        ));
        assert_eq!(got.status, 200, "{backend}: {}", got.text());
        let zip = p.d.path("in.zip");
        std::fs::write(&zip, &got.bytes).unwrap();
        check_export(&p, &zip, &ids, &incoming, "incoming");

        // Refusals: another agency's people (every role of D, and B's
        // clerk for A's register), anonymous, malformed queries.
        let path = format!("/api/v1/archive/export?agency_id={a}&register=out&year={year}");
        for (_, user) in OTHER_ROLES {
            p.api(user).get(&path).error(403, "forbidden");
        }
        clerk_b.get(&path).error(403, "forbidden");
        clerk_b
            .get(&format!("/api/v1/archive/export?document={}", ids[0]))
            .error(403, "forbidden");
        Api::new(&p.base, Auth::Anonymous)
            .get(&path)
            .error(401, "unauthenticated");
        for bad in [
            format!("agency_id={a}&register=sideways&year={year}"),
            format!("agency_id={a}&register=out"),
            format!("agency_id=x&register=out&year={year}"),
            format!("agency_id={a}&register=out&year={year}&document=1"),
            "document=1,zwei".to_string(),
            "document=".to_string(),
            String::new(),
        ] {
            p.api("vanthu")
                .get(&format!("/api/v1/archive/export?{bad}"))
                .error(400, "bad-query");
        }
        // Nothing in a register: a 400 that says so, not an empty ZIP.
        p.api("vanthu")
            .get(&format!(
                "/api/v1/archive/export?agency_id={a}&register=out&year=1999"
            ))
            .error(400, "export_empty");
        // The CLI refuses another agency's person and writes nothing.
        let zip = p.d.path("refused.zip");
        let o = cli_export_out(&p, "noivu.vanthu", &a, &year, &zip);
        assert!(!o.status.success(), "{backend}: {}", out(&o));
        assert!(!zip.exists(), "{backend}");
        let o = cli_export_out(&p, "vanthu", &a, &year, &zip);
        assert!(o.status.success(), "{backend}: {}", out(&o));
        // Wrong password: refused.
        let o = Command::new(KYSO)
            .args(["--data", p.d.data().to_str().unwrap(), "--db", &p.d.db])
            .args(["archive", "export", "--user", "vanthu", "--agency-id", &a])
            .args(["--register", "out", "--year", &year, "--out"])
            .arg(p.d.path("wrong.zip"))
            .env_remove("KYSO_KEY_PASSWORD")
            .env("KYSO_PASSWORD", "sai mật khẩu")
            .output()
            .unwrap();
        assert!(!o.status.success(), "{backend}: {}", out(&o));
        assert!(!p.d.path("wrong.zip").exists());
    }
}

/// `kyso archive file ARGS` on `p`'s deployment as `user` (JSON out).
fn cli_file(p: &Province, user: &str, args: &[&str]) -> Output {
    Command::new(KYSO)
        .args(["--data", p.d.data().to_str().unwrap(), "--db", &p.d.db])
        .args(["archive", "file"])
        .args(args)
        .args(["--user", user, "--json"])
        .env_remove("KYSO_KEY_PASSWORD")
        .env("KYSO_PASSWORD", PASSWORD)
        .env("KYSO_LOG", "warn")
        .output()
        .expect("run kyso")
}

/// The `<filedIn …/>` element of a metadata.xml, if any.
fn filed_in(meta: &str) -> Option<String> {
    meta.split("<filedIn ")
        .nth(1)
        .map(|s| s.split("/>").next().unwrap().to_string())
}

/// Records files (hồ sơ, Circular 02/2019): A's clerk opens a file of
/// the year, files two issued documents (API and CLI) and closes it; B's
/// clerk files a document it received once registered; the refusals
/// (a draft, a document twice, another agency, a closed file, an empty
/// file closed, a taken number, a bad retention, an auditor writing)
/// change nothing; the file's export holds its documents, each
/// metadata.xml names the file and the position, and recordsfile.xml
/// carries the file-level metadata, all valid against the schema; a
/// register export names the files too.
#[test]
fn records_files_and_their_export() {
    for d in deployments() {
        let backend = d.backend;
        let p = Province::start(d, &["--login-rate", "1000"]);
        let year: i32 = time::OffsetDateTime::now_utc()
            .to_offset(time::macros::offset!(+7))
            .year();
        let a = p.a;
        let ids: Vec<i64> = ["Quyết định thành lập tổ công tác", "Kế hoạch kiểm tra"]
            .iter()
            .map(|s| p.issue_scan(s)["id"].as_i64().unwrap())
            .collect();
        let draft = p.draft("Dự thảo chưa ban hành");
        let clerk = p.api("vanthu");
        let new_file = |notation: &str, extra: Value| {
            let mut body = serde_json::json!({
                "agency_id": a, "year": year, "notation": notation,
                "title": "Hồ sơ về công tác văn thư, lưu trữ năm nay",
                "retention": "vĩnh viễn", "access": "public",
                "keywords": "văn thư, lưu trữ", "note": "Mở đầu năm",
            });
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            body
        };
        let f = clerk
            .post(
                "/api/v1/archive/files",
                new_file("vp", serde_json::json!({})),
            )
            .expect(201, "open a file");
        let fid = f["id"].as_i64().unwrap();
        let code = format!("000.00.00.H45.{year}.01.VP");
        assert_eq!(f["code"], code.as_str(), "{backend}: {f}");
        assert_eq!(f["retention"], "permanent", "{backend}: {f}");
        assert_eq!(f["retention_vi"], "Vĩnh viễn", "{backend}: {f}");

        // Refusals when opening.
        clerk
            .post(
                "/api/v1/archive/files",
                new_file("VP", serde_json::json!({"number": 1})),
            )
            .error(409, "file-number-taken");
        clerk
            .post(
                "/api/v1/archive/files",
                new_file("TC", serde_json::json!({"retention": "mãi mãi"})),
            )
            .error(400, "retention");
        clerk
            .post(
                "/api/v1/archive/files",
                new_file("V.P", serde_json::json!({})),
            )
            .error(400, "notation");
        let secret = clerk.post(
            "/api/v1/archive/files",
            new_file("TC", serde_json::json!({"access": "secret"})),
        );
        assert!(matches!(secret.status, 400 | 422), "{}", secret.text());
        p.api("kiemtra")
            .post(
                "/api/v1/archive/files",
                new_file("KT", serde_json::json!({})),
            )
            .error(403, "forbidden");
        p.api("noivu.vanthu")
            .post(
                "/api/v1/archive/files",
                new_file("NV", serde_json::json!({})),
            )
            .error(403, "forbidden");
        let list = |who: &str| {
            p.api(who)
                .get(&format!("/api/v1/archive/files?agency_id={a}&year={year}"))
                .expect(200, "list")
        };
        assert_eq!(list("kiemtra").as_array().unwrap().len(), 1, "{backend}");

        // Filing: by the API, then by the CLI; a draft and a second
        // filing are refused; another agency's clerk does not see it.
        let add = format!("/api/v1/archive/files/{fid}/documents");
        clerk
            .post(&add, serde_json::json!({"document_id": ids[0]}))
            .expect(200, "file the first");
        clerk
            .post(&add, serde_json::json!({"document_id": draft}))
            .error(409, "not-issued");
        clerk
            .post(&add, serde_json::json!({"document_id": ids[0]}))
            .error(409, "already-filed");
        p.api("noivu.vanthu")
            .post(&add, serde_json::json!({"document_id": ids[1]}))
            .error(404, "not-found");
        Api::new(&p.base, Auth::Anonymous)
            .get(&format!("/api/v1/archive/files/{fid}"))
            .error(401, "unauthenticated");
        let second = ids[1].to_string();
        let o = cli_file(&p, "vanthu", &["add", &fid.to_string(), &second]);
        assert!(o.status.success(), "{backend}: {}", out(&o));
        let f: Value = serde_json::from_slice(&o.stdout).unwrap();
        let order: Vec<(i64, i64)> = f["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["position"].as_i64().unwrap(),
                    d["document_id"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(order, vec![(1, ids[0]), (2, ids[1])], "{backend}: {f}");
        assert_eq!(
            f["start_date"].as_str().map(|s| s.len()),
            Some(10),
            "{backend}: {f}"
        );

        // Closing: an empty file cannot be; this one can, once; then
        // nothing is added.
        let empty = clerk
            .post(
                "/api/v1/archive/files",
                new_file("TH", serde_json::json!({"retention": "10"})),
            )
            .expect(201, "a second file");
        assert_eq!(
            empty["code"],
            format!("000.00.00.H45.{year}.02.TH").as_str()
        );
        clerk
            .post_empty(&format!("/api/v1/archive/files/{}/close", empty["id"]))
            .error(409, "file-empty");
        let closed = clerk
            .post_empty(&format!("/api/v1/archive/files/{fid}/close"))
            .expect(200, "close");
        assert!(closed["closed_at"].is_string(), "{backend}: {closed}");
        clerk
            .post_empty(&format!("/api/v1/archive/files/{fid}/close"))
            .error(409, "file-closed");
        let third = p.issue_scan("Thông báo sau khi kết thúc hồ sơ")["id"]
            .as_i64()
            .unwrap();
        clerk
            .post(&add, serde_json::json!({"document_id": third}))
            .error(409, "file-closed");
        let after = clerk
            .get(&format!("/api/v1/archive/files/{fid}"))
            .expect(200, "show");
        assert_eq!(after["documents"].as_array().unwrap().len(), 2, "{backend}");

        // The file's export, by the API and the CLI.
        let none = BTreeMap::new();
        let got = p
            .api("kiemtra")
            .get(&format!("/api/v1/archive/export?records_file={fid}"));
        assert_eq!(got.status, 200, "{backend}: {}", got.text());
        let zip = p.d.path("file.zip");
        std::fs::write(&zip, &got.bytes).unwrap();
        check_export(&p, &zip, &ids, &none, "records file");
        let dir = tempfile::tempdir().unwrap();
        unzip(&zip, dir.path());
        let rf_path = dir.path().join("recordsfile.xml");
        xmllint(&rf_path);
        let rf = std::fs::read_to_string(&rf_path).unwrap();
        for want in [
            format!("<code>{code}</code>"),
            "<retention>permanent</retention>".to_string(),
            "<access>public</access>".to_string(),
            "<documentCount>2</documentCount>".to_string(),
            "<notation>VP</notation>".to_string(),
            format!("<item position=\"1\" document=\"{}\"", ids[0]),
            format!("<item position=\"2\" document=\"{}\"", ids[1]),
        ] {
            assert!(rf.contains(&want), "{backend}: {want} in {rf}");
        }
        for (i, id) in ids.iter().enumerate() {
            let meta =
                std::fs::read_to_string(dir.path().join(format!("documents/{id}/metadata.xml")))
                    .unwrap();
            let el = filed_in(&meta).unwrap_or_else(|| panic!("{backend}: {meta}"));
            assert_eq!(attr(&el, "code").as_deref(), Some(code.as_str()), "{el}");
            assert_eq!(attr(&el, "position"), Some((i + 1).to_string()), "{el}");
            assert_eq!(attr(&el, "retention").as_deref(), Some("permanent"), "{el}");
        }
        let zip = p.d.path("file-cli.zip");
        let o = cli_export(
            &p,
            "vanthu",
            &[
                "--records-file",
                &fid.to_string(),
                "--out",
                zip.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{backend}: {}", out(&o));
        check_export(&p, &zip, &ids, &none, "records file, CLI");
        // Another agency's people cannot export it.
        p.api("noivu.vanthu")
            .get(&format!("/api/v1/archive/export?records_file={fid}"))
            .error(404, "not-found");
        p.api("kiemtra")
            .get(&format!(
                "/api/v1/archive/export?records_file={fid}&document=1"
            ))
            .error(400, "bad-query");

        // A register export names the file of each filed document; the
        // unfiled third has none.
        let got = clerk.get(&format!(
            "/api/v1/archive/export?agency_id={a}&register=out&year={year}"
        ));
        assert_eq!(got.status, 200, "{backend}: {}", got.text());
        let zip = p.d.path("register.zip");
        std::fs::write(&zip, &got.bytes).unwrap();
        let dir = tempfile::tempdir().unwrap();
        unzip(&zip, dir.path());
        let meta = |id: i64| {
            std::fs::read_to_string(dir.path().join(format!("documents/{id}/metadata.xml")))
                .unwrap()
        };
        assert!(filed_in(&meta(ids[1])).is_some(), "{backend}");
        assert!(filed_in(&meta(third)).is_none(), "{backend}");
        assert!(!dir.path().join("recordsfile.xml").exists(), "{backend}");

        // B files a document it received, once registered, in its own
        // file (with the CLI).
        let clerk_b = p.api("vanthu.stc");
        let o = cli_file(
            &p,
            "vanthu.stc",
            &[
                "create",
                "--agency-id",
                &p.b.to_string(),
                "--year",
                &year.to_string(),
                "--notation",
                "TCKT",
                "--title",
                "Văn bản đến về kiểm tra",
                "--retention",
                "20",
                "--access",
                "conditional",
            ],
        );
        assert!(o.status.success(), "{backend}: {}", out(&o));
        let fb: Value = serde_json::from_slice(&o.stdout).unwrap();
        let fb_id = fb["id"].as_i64().unwrap();
        let add_b = format!("/api/v1/archive/files/{fb_id}/documents");
        clerk_b
            .post(&add_b, serde_json::json!({"document_id": ids[1]}))
            .error(404, "not-found");
        let inbox = clerk_b
            .get(&format!("/api/v1/inbox?agency_id={}", p.b))
            .expect(200, "inbox");
        let dl = inbox
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["document_id"] == ids[1])
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        clerk_b
            .post_empty(&format!("/api/v1/inbox/{dl}/register"))
            .expect(200, "register");
        let fb = clerk_b
            .post(&add_b, serde_json::json!({"document_id": ids[1]}))
            .expect(200, "file a received document");
        assert_eq!(fb["documents"][0]["incoming"], true, "{backend}: {fb}");
        let got = clerk_b.get(&format!("/api/v1/archive/export?records_file={fb_id}"));
        assert_eq!(got.status, 200, "{backend}: {}", got.text());
        let zip = p.d.path("file-b.zip");
        std::fs::write(&zip, &got.bytes).unwrap();
        let incoming = BTreeMap::from([(ids[1], dl)]);
        check_export(&p, &zip, &ids[1..], &incoming, "B's records file");
        let dir = tempfile::tempdir().unwrap();
        unzip(&zip, dir.path());
        let rf = std::fs::read_to_string(dir.path().join("recordsfile.xml")).unwrap();
        xmllint(&dir.path().join("recordsfile.xml"));
        assert!(
            rf.contains("<retention>20</retention>") && rf.contains("<access>conditional</access>"),
            "{backend}: {rf}"
        );
    }
}
