//! `kyso sign FILE --detached`: CAdES-B-B and B-T detached signatures of a
//! file that is not PDF, checked by `openssl cms -verify` (content given
//! separately, root as the trust anchor), a changed byte refused, and the
//! attributes and time-stamp imprint read back with openssl and Python's
//! asn1crypto.
mod common;

use common::lab::*;
use common::*;

#[test]
fn detached_cades_is_verified_by_openssl() {
    let Some(lab) = Lab::start() else {
        return;
    };
    let dir = lab.d.dir.path().to_path_buf();
    // A binary file that is not a PDF, several chunks long.
    let report = lab.path("report.xlsx");
    let mut data = b"PK\x03\x04 bao cao quy III".to_vec();
    data.extend((0..700_000u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8));
    std::fs::write(&report, &data).unwrap();

    // B-B with the RSA key, default output name INPUT.p7s.
    let o = lab.kyso_ok(&["sign", s(&report), "--p12", s(&lab.rsa), "--detached"]);
    assert!(text(&o).contains("CAdES-B-B"), "{}", text(&o));
    let p7s = lab.path("report.xlsx.p7s");
    assert!(p7s.exists());
    // B-T with the EC key and the lab's TSA.
    let p7s_t = lab.path("report-t.p7s");
    let o = lab.kyso_ok(&[
        "sign",
        s(&report),
        "-o",
        s(&p7s_t),
        "--p12",
        s(&lab.ec),
        "--detached",
        "--tsa",
        &lab.tsa,
    ]);
    assert!(text(&o).contains("CAdES-B-T"), "{}", text(&o));

    let verify = |content: &str, sig: &str| openssl_cms_verify(&dir, sig, content);
    for sig in ["report.xlsx.p7s", "report-t.p7s"] {
        let (ok, t) = verify("report.xlsx", sig);
        assert!(ok, "openssl cms -verify {sig}: {t}");
        assert!(t.contains("Verification successful"), "{t}");
        // Detached: the content is not inside.
        let printed = openssl(
            &dir,
            &["cms", "-cmsout", "-print", "-inform", "DER", "-in", sig],
        );
        assert!(printed.contains("eContent: <ABSENT>"), "{printed}");
        for attr in [
            "contentType",
            "messageDigest",
            "signingTime",
            "id-smime-aa-signingCertificateV2",
        ] {
            assert!(printed.contains(attr), "{sig} lacks {attr}: {printed}");
        }
        assert_eq!(
            printed.contains("id-smime-aa-timeStampToken"),
            sig == "report-t.p7s",
            "{printed}"
        );
    }
    // One changed byte fails.
    let mut changed = data.clone();
    changed[400_000] ^= 1;
    std::fs::write(lab.path("changed.xlsx"), &changed).unwrap();
    let (ok, t) = verify("changed.xlsx", "report.xlsx.p7s");
    assert!(!ok, "a changed file verified: {t}");
    assert!(t.contains("verification failure"), "{t}");

    // The time-stamp token is over the signature value (ETSI EN 319 122-1).
    if let Some(py) = python() {
        let script = r#"
import sys, hashlib
from asn1crypto import cms, tsp
ci = cms.ContentInfo.load(open(sys.argv[1], 'rb').read())
sd = ci['content']
assert sd['encap_content_info']['content'].native is None
si = sd['signer_infos'][0]
names = [a['type'].native for a in si['signed_attrs']]
assert 'signing_certificate_v2' in names and 'signing_time' in names, names
tok = [a for a in si['unsigned_attrs'] if a['type'].native == 'signature_time_stamp_token'][0]
tst = tok['values'][0]['content']['encap_content_info']['content'].parsed
imprint = tst['message_imprint']['hashed_message'].native
assert imprint == hashlib.sha256(si['signature'].native).digest()
print('imprint ok')
"#;
        let (ok, t) = run_in(&dir, &py, &["-c", script, "report-t.p7s"]);
        assert!(ok && t.contains("imprint ok"), "{t}");
    }

    // PDF-only options are refused with --detached; a missing file is an error.
    let o = lab.kyso(&[
        "sign",
        s(&report),
        "--p12",
        s(&lab.rsa),
        "--detached",
        "--certify",
        "P2",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("--detached"), "{}", text(&o));
    let o = lab.kyso(&[
        "sign",
        s(&lab.path("missing.bin")),
        "--p12",
        s(&lab.rsa),
        "--detached",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("cannot read the file"), "{}", text(&o));
    assert!(!lab.path("missing.bin.p7s").exists());
}
