//! PAdES B-LT and B-LTA end to end: `kyso sign --level B-LT|B-LTA` and
//! `kyso extend` on kyso's and pyHanko's signatures (and archive renewal),
//! checked by `pyhanko sign validate`, pdfsig and qpdf. A revoked signer
//! is reported and its evidence embedded all the same.
mod common;

use std::path::Path;
use std::process::Command;

use common::lab::*;

fn bytes_added(out: &str) -> u64 {
    out.lines()
        .find_map(|l| l.split("bytes added: ").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no 'bytes added' in: {out}"))
}

fn embedded(out: &str) -> (usize, usize, usize) {
    let line = out
        .lines()
        .find(|l| l.contains("embedded in the DSS:"))
        .unwrap_or_else(|| panic!("no DSS line in: {out}"));
    let nums: Vec<usize> = line
        .split(':')
        .nth(1)
        .unwrap()
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    (nums[0], nums[1], nums[2])
}

fn len(p: &Path) -> u64 {
    std::fs::metadata(p).unwrap().len()
}

#[test]
fn b_lt_and_b_lta_are_accepted_by_the_peers_and_extend_reports() {
    let Some(mut lab) = Lab::start() else {
        return;
    };
    let peers = &lab.peers;
    let plain = lab.path("plain.pdf");
    std::fs::write(&plain, hand_pdf()).unwrap();

    // kyso signs at B-LT (RSA) and B-LTA (EC).
    let lt = lab.path("lt.pdf");
    let o = lab.kyso_ok(&[
        "sign",
        s(&plain),
        "-o",
        s(&lt),
        "--p12",
        s(&lab.rsa),
        "--level",
        "B-LT",
        "--tsa",
        &lab.tsa,
    ]);
    let t = text(&o);
    assert!(t.contains("B-LT") && bytes_added(&t) > 0, "{t}");
    let (certs, ocsps, _) = embedded(&t);
    assert!(
        certs >= 3 && ocsps >= 2,
        "signer, issuing CA, TSA evidence: {t}"
    );
    let lta = lab.path("lta.pdf");
    let o = lab.kyso_ok(&[
        "sign",
        s(&plain),
        "-o",
        s(&lta),
        "--p12",
        s(&lab.ec),
        "--level",
        "B-LTA",
        "--tsa",
        &lab.tsa,
    ]);
    let t = text(&o);
    assert!(t.contains("document time-stamp"), "{t}");
    // B-LTA without a TSA is refused before anything is written.
    let refused = lab.path("refused.pdf");
    let o = lab.kyso(&["extend", s(&lt), "-o", s(&refused), "--to", "B-LTA"]);
    assert!(
        !o.status.success() && text(&o).contains("--tsa"),
        "{}",
        text(&o)
    );
    assert!(!refused.exists());
    // An unsigned file has nothing to extend.
    let o = lab.kyso(&["extend", s(&plain), "-o", s(&refused), "--to", "B-LT"]);
    assert!(
        !o.status.success() && text(&o).contains("no signature"),
        "{}",
        text(&o)
    );

    // pyHanko signs at B-T with the lab's RSA key; kyso extends it.
    let py_bt = lab.path("py-bt.pdf");
    let py_lt = lab.path("py-lt.pdf");
    let py_lta = lab.path("py-lta.pdf");
    let py_lta2 = lab.path("py-lta2.pdf");
    let two = lab.path("two.pdf");
    if let Some(pyhanko) = common::ltv::pyhanko_exe(peers) {
        std::fs::write(lab.path("pass.txt"), P12_PASSWORD).unwrap();
        let o = Command::new(&pyhanko)
            .current_dir(&peers.dir)
            .args([
                "sign",
                "addsig",
                "--field",
                "PySig",
                "--timestamp-url",
                &lab.tsa,
                "pkcs12",
                "--passfile",
                "pass.txt",
                "plain.pdf",
                "py-bt.pdf",
                "rsa.p12",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "pyhanko addsig: {}", text(&o));
        let o = lab.kyso_ok(&["extend", s(&py_bt), "-o", s(&py_lt), "--to", "B-LT"]);
        let t = text(&o);
        assert_eq!(bytes_added(&t), len(&py_lt) - len(&py_bt), "{t}");
        assert!(t.contains("good (OCSP)"), "{t}");
        let o = lab.kyso_ok(&[
            "extend",
            s(&py_lt),
            "-o",
            s(&py_lta),
            "--to",
            "B-LTA",
            "--tsa",
            &lab.tsa,
        ]);
        let t = text(&o);
        assert_eq!(bytes_added(&t), len(&py_lta) - len(&py_lt), "{t}");
        // Archive renewal: a new DSS and a new document time-stamp.
        let o = lab.kyso_ok(&[
            "extend",
            s(&py_lta),
            "-o",
            s(&py_lta2),
            "--to",
            "B-LTA",
            "--tsa",
            &lab.tsa,
        ]);
        let t = text(&o);
        assert!(t.contains("existing document time-stamps: 1"), "{t}");
        assert!(bytes_added(&t) > 0, "{t}");
        // A second signature, by kyso at B-LT, after pyHanko's.
        lab.kyso_ok(&[
            "sign",
            s(&py_bt),
            "-o",
            s(&two),
            "--p12",
            s(&lab.ec),
            "--level",
            "B-LT",
            "--tsa",
            &lab.tsa,
        ]);
    }

    // A revoked signer: the evidence says so, is embedded, and reported.
    let o = lab.kyso_ok(&[
        "ca",
        "issue",
        "--key-type",
        "p-256",
        "--subject",
        "CN=Lê Văn Cường, O=UBND tỉnh Ninh Bình, C=VN",
        "--email",
        "cuong@ninhbinh.gov.vn",
        "--p12",
        s(&lab.path("cuong.p12")),
        "-o",
        s(&lab.path("cuong.pem")),
    ]);
    let t = text(&o);
    let serial = t
        .split("serial ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("serial printed: {t}"))
        .to_string();
    let revoked_bt = lab.path("revoked-bt.pdf");
    lab.kyso_ok(&[
        "sign",
        s(&plain),
        "-o",
        s(&revoked_bt),
        "--p12",
        s(&lab.path("cuong.p12")),
        "--tsa",
        &lab.tsa,
    ]);
    lab.kyso_ok(&["ca", "revoke", &serial, "--reason", "keyCompromise"]);
    let revoked_lt = lab.path("revoked-lt.pdf");
    let mut t = String::new();
    // The server learns of the revocation by polling the store.
    for _ in 0..40 {
        t = text(&lab.kyso_ok(&[
            "extend",
            s(&revoked_bt),
            "-o",
            s(&revoked_lt),
            "--to",
            "B-LT",
        ]));
        if t.contains("REVOKED") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    assert!(
        t.lines()
            .any(|l| l.contains("CN=Lê Văn Cường") && l.contains("ĐÃ BỊ THU HỒI / REVOKED at")),
        "{t}"
    );
    assert!(embedded(&t).1 >= 1, "{t}");

    // pdfsig (which asks the OCSP responder itself), qpdf and pyHanko's
    // ordinary validation while the services still answer.
    peers.all_valid(&lt, 1, true);
    peers.all_valid(&lta, 1, true);
    if peers.python.is_some() {
        for file in [&py_lt, &py_lta, &py_lta2] {
            peers.all_valid(file, 1, true);
        }
        peers.all_valid(&two, 2, true);
    }

    // pyHanko's strict long-term validation with the services stopped and
    // fetching disabled: only what the files carry counts, and revocation
    // evidence is required for every certificate. B-LT files pass with
    // time; B-LTA files pass the full LTA validation.
    if peers.python.is_none() {
        return;
    }
    let _ = lab.server.child.kill();
    let _ = lab.server.child.wait();
    let mut files = vec![(&lt, false), (&lta, true)];
    files.extend([
        (&py_lt, false),
        (&py_lta, true),
        (&py_lta2, true),
        (&two, false),
    ]);
    for (file, archive) in files {
        let (ok, t) = common::ltv::pyhanko_ltv(peers, file, archive).unwrap();
        assert!(ok, "pyHanko strict LTV {}: {t}", file.display());
    }
    // The same check fails on the B-T file they were extended from: it
    // carries no revocation evidence.
    let (ok, t) = common::ltv::pyhanko_ltv(peers, &py_bt, false).unwrap();
    assert!(!ok && t.contains("FAILED"), "B-T without evidence: {t}");
}
