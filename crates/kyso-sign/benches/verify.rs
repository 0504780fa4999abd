//! In-process verification of a 1-page PAdES B-B PDF (RSA-2048 PSS, a
//! self-signed trust anchor, revocation skipped as the anchor needs none):
//! ByteRange and format checks, CMS, path, modification analysis.
use criterion::{criterion_group, criterion_main, Criterion};
use kyso_crypto::Signer;
use kyso_sign::validate::{validate_pdf, Indication, ValidationContext};
use time::OffsetDateTime;

mod fixture;
use fixture::{one_page_pdf, rsa_signer};

fn verify(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let now = OffsetDateTime::now_utc();
    let (key, cert) = rsa_signer(now);
    let input = dir.path().join("in.pdf");
    let output = dir.path().join("out.pdf");
    std::fs::write(&input, one_page_pdf()).unwrap();
    let options = kyso_sign::SignOptions::new(cert.clone(), key.algorithm());
    kyso_sign::sign_pdf(&input, &output, &key, &[], &options, None).unwrap();
    let bytes = std::fs::read(&output).unwrap();
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
    let report = validate_pdf(&bytes, &ctx).unwrap();
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    std::fs::write(std::env::temp_dir().join("kyso-bench-verify.pdf"), &bytes).unwrap();
    c.bench_function("verify 1-page PAdES B-B (RSA-2048)", |b| {
        b.iter(|| validate_pdf(std::hint::black_box(&bytes), &ctx).unwrap())
    });
}

criterion_group!(benches, verify);
criterion_main!(benches);
