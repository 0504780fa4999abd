//! The DSS and document time-stamp updates of kyso-pdf: what they write
//! reads back, an existing DSS is extended without duplicates, and qpdf
//! accepts every revision.
mod common;

use std::path::Path;

use common::*;
use kyso_pdf::{
    append_dss, embedded_signatures, open, prepare_doc_timestamp, read_vri_keys, vri_key,
    DssMaterial, DssUpdate, PdfError, SignatureKind, VriEntry,
};
use lopdf::Object;

/// A stand-in TimeStampToken: a DER SEQUENCE.
const TOKEN: &[u8] = &[0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa];

fn stamped(dir: &Path) -> std::path::PathBuf {
    let input = dir.join("in.pdf");
    std::fs::write(&input, hand_pdf()).unwrap();
    let out = dir.join("ts.pdf");
    let mut p = prepare_doc_timestamp(&input, &out, 64).unwrap();
    assert_eq!(p.field_name(), "DocTimeStamp1");
    let digest = p.digest(kyso_crypto::DigestAlgorithm::Sha256).unwrap();
    assert_eq!(digest.len(), 32);
    p.finalize(TOKEN).unwrap();
    out
}

#[test]
fn document_timestamp_is_a_doc_timestamp_dictionary() {
    let dir = tempfile::tempdir().unwrap();
    let out = stamped(dir.path());
    let opened = open(&out).unwrap();
    let sigs = embedded_signatures(opened.document()).unwrap();
    assert_eq!(sigs.len(), 1);
    assert_eq!(sigs[0].kind, SignatureKind::DocTimeStamp);
    assert_eq!(sigs[0].sub_filter, "ETSI.RFC3161");
    assert_eq!(sigs[0].field_name, "DocTimeStamp1");
    assert_eq!(sigs[0].der(), Some(TOKEN));
    assert_eq!(sigs[0].contents.len(), 64);
    // No /M, /Name … in a document time-stamp.
    let doc = opened.document();
    let sig = doc
        .objects
        .values()
        .find_map(|o| match o {
            Object::Dictionary(d)
                if d.get(b"Type").ok() == Some(&Object::Name(b"DocTimeStamp".to_vec())) =>
            {
                Some(d.clone())
            }
            _ => None,
        })
        .expect("a /DocTimeStamp dictionary");
    assert!(sig.get(b"M").is_err() && sig.get(b"Name").is_err());
    // A second one takes the next name.
    let out2 = dir.path().join("ts2.pdf");
    let p = prepare_doc_timestamp(&out, &out2, 64).unwrap();
    assert_eq!(p.field_name(), "DocTimeStamp2");
    if have_qpdf() {
        let (ok, t) = qpdf(&["--check", out.to_str().unwrap()]);
        assert!(ok, "{t}");
    }
}

#[test]
fn dss_is_extended_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let ts = stamped(dir.path());
    let contents = embedded_signatures(open(&ts).unwrap().document()).unwrap()[0]
        .contents
        .clone();
    let cert_a = vec![b'a'; 2000];
    let cert_b = vec![b'b'; 300];
    let cert_c = vec![b'c'; 10];
    let ocsp = vec![7u8; 500];
    let crl = vec![9u8; 700];
    let one = dir.path().join("dss1.pdf");
    let outcome = append_dss(
        &ts,
        &one,
        &DssUpdate {
            material: DssMaterial {
                crls: vec![crl.clone()],
                ..Default::default()
            },
            vri: vec![VriEntry {
                signature_contents: contents.clone(),
                material: DssMaterial {
                    certs: vec![cert_a.clone(), cert_b.clone()],
                    ocsps: vec![ocsp.clone()],
                    crls: vec![],
                },
            }],
            time: now(),
        },
    )
    .unwrap();
    assert_eq!(
        (
            outcome.certs_added,
            outcome.ocsps_added,
            outcome.crls_added,
            outcome.vri_added
        ),
        (2, 1, 1, 1)
    );
    let len = |p: &Path| std::fs::metadata(p).unwrap().len();
    assert_eq!(outcome.bytes_added, len(&one) - len(&ts));
    // The earlier revision is untouched.
    let before = std::fs::read(&ts).unwrap();
    assert!(std::fs::read(&one).unwrap().starts_with(&before));
    let mut opened = open(&one).unwrap();
    let m = opened.dss().unwrap();
    assert_eq!(m.certs, vec![cert_a.clone(), cert_b.clone()]);
    assert_eq!(m.ocsps, vec![ocsp.clone()]);
    assert_eq!(m.crls, vec![crl.clone()]);
    let key = vri_key(&contents);
    assert_eq!(key.len(), 40);
    assert_eq!(key, key.to_uppercase());
    assert_eq!(read_vri_keys(opened.document()), vec![key]);
    // Streams are Flate-compressed (the long repetitive certificate is).
    let flate = opened.document().objects.values().any(|o| match o {
        Object::Stream(s) => {
            s.dict.get(b"Filter").ok() == Some(&Object::Name(b"FlateDecode".to_vec()))
                && s.content.len() < 100
        }
        _ => false,
    });
    assert!(flate);

    // A second update: only what is new is added, the old entries stay.
    let two = dir.path().join("dss2.pdf");
    let outcome = append_dss(
        &one,
        &two,
        &DssUpdate {
            material: DssMaterial {
                certs: vec![cert_b.clone(), cert_c.clone()],
                ocsps: vec![ocsp.clone()],
                crls: vec![crl.clone()],
            },
            vri: vec![],
            time: now(),
        },
    )
    .unwrap();
    assert_eq!(
        (outcome.certs_added, outcome.ocsps_added, outcome.crls_added),
        (1, 0, 0)
    );
    let m = open(&two).unwrap().dss().unwrap();
    assert_eq!(
        m.certs,
        vec![cert_a.clone(), cert_b.clone(), cert_c.clone()]
    );
    assert_eq!(read_vri_keys(open(&two).unwrap().document()).len(), 1);
    // Nothing new: nothing appended, the input copied.
    let three = dir.path().join("dss3.pdf");
    let outcome = append_dss(
        &two,
        &three,
        &DssUpdate {
            material: m,
            vri: vec![],
            time: now(),
        },
    )
    .unwrap();
    assert_eq!(outcome.bytes_added, 0);
    assert_eq!(std::fs::read(&two).unwrap(), std::fs::read(&three).unwrap());
    if have_qpdf() {
        for f in [&one, &two] {
            let (ok, t) = qpdf(&["--check", f.to_str().unwrap()]);
            assert!(ok, "{t}");
        }
        // Also on a file with object streams and a cross-reference stream.
        let objstm = dir.path().join("objstm.pdf");
        let (ok, t) = qpdf(&[
            "--object-streams=generate",
            ts.to_str().unwrap(),
            objstm.to_str().unwrap(),
        ]);
        assert!(ok, "{t}");
        let four = dir.path().join("dss4.pdf");
        append_dss(
            &objstm,
            &four,
            &DssUpdate {
                material: DssMaterial {
                    certs: vec![cert_c],
                    ..Default::default()
                },
                vri: vec![],
                time: now(),
            },
        )
        .unwrap();
        let (ok, t) = qpdf(&["--check", four.to_str().unwrap()]);
        assert!(ok, "{t}");
    }
}

#[test]
fn bad_input_is_refused_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.pdf");
    std::fs::write(&bad, b"not a pdf at all").unwrap();
    let out = dir.path().join("out.pdf");
    let update = DssUpdate {
        material: DssMaterial {
            certs: vec![vec![1, 2, 3]],
            ..Default::default()
        },
        vri: vec![],
        time: now(),
    };
    assert!(matches!(
        append_dss(&bad, &out, &update),
        Err(PdfError::NotPdf)
    ));
    assert!(matches!(
        prepare_doc_timestamp(&bad, &out, 64),
        Err(PdfError::NotPdf)
    ));
    let mut truncated = hand_pdf();
    truncated.truncate(truncated.len() - 30);
    std::fs::write(&bad, truncated).unwrap();
    assert!(append_dss(&bad, &out, &update).is_err());
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
