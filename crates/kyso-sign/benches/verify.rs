//! In-process verification (RSA-2048 PSS, a self-signed trust anchor,
//! revocation skipped as the anchor needs none), read from the file as
//! `kyso verify` reads it: a 1-page PAdES B-B PDF, and the same page
//! signed ten times, each signature in its own revision (ten ByteRange
//! checks and CMS, nine updates analysed for the first signature).
use criterion::{criterion_group, criterion_main, Criterion};
use kyso_crypto::Signer;
use kyso_sign::validate::{validate_pdf_file, Indication, ValidationContext};
use time::OffsetDateTime;

mod fixture;
use fixture::{one_page_pdf, rsa_signer};

fn verify(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let now = OffsetDateTime::now_utc();
    let (key, cert) = rsa_signer(now);
    let mut trust = kyso_pki::trust::TrustStore::new();
    trust
        .add_der(&kyso_pki::certificate::to_der(&cert), "bench")
        .unwrap();
    let ctx = ValidationContext {
        trust: &trust,
        extra_certificates: Vec::new(),
        fetch: None,
        fetch_issuer: None,
        now,
        document_date: None,
    };
    let options = kyso_sign::SignOptions::new(cert.clone(), key.algorithm());
    let mut input = dir.path().join("s0.pdf");
    std::fs::write(&input, one_page_pdf()).unwrap();
    for i in 1..=10 {
        let output = dir.path().join(format!("s{i}.pdf"));
        let mut o = options.clone();
        o.field_name = Some(format!("Signature{i}"));
        kyso_sign::sign_pdf(&input, &output, &key, &[], &o, None).unwrap();
        input = output;
    }
    let one = dir.path().join("s1.pdf");
    let ten = dir.path().join("s10.pdf");
    for (f, n) in [(&one, 1), (&ten, 10)] {
        let report = validate_pdf_file(f, &ctx).unwrap();
        assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
        assert_eq!(report.signatures.len(), n);
    }
    std::fs::copy(&one, std::env::temp_dir().join("kyso-bench-verify.pdf")).unwrap();
    c.bench_function("verify 1-page PAdES B-B (RSA-2048)", |b| {
        b.iter(|| validate_pdf_file(std::hint::black_box(&one), &ctx).unwrap())
    });
    c.bench_function("verify 10 signatures in 10 revisions", |b| {
        b.iter(|| validate_pdf_file(std::hint::black_box(&ten), &ctx).unwrap())
    });
}

criterion_group!(benches, verify);
criterion_main!(benches);
