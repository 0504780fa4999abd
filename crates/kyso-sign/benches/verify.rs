//! In-process verification of a 1-page PAdES B-B PDF (RSA-2048 PSS, a
//! self-signed trust anchor, revocation skipped as the anchor needs none):
//! ByteRange and format checks, CMS, path, modification analysis.
use criterion::{criterion_group, criterion_main, Criterion};
use kyso_crypto::{KeySpec, Signer, SoftwareKey};
use kyso_pki::certificate::{issue, random_serial, CertificateTemplate};
use kyso_pki::name::SubjectName;
use kyso_pki::profile::Profile;
use kyso_sign::validate::{validate_pdf, Indication, ValidationContext};
use time::{Duration, OffsetDateTime};

const ONE_PAGE: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>\nendobj\n4 0 obj\n<< /Length 44 >>\nstream\nBT /F1 24 Tf 72 700 Td (Hello kyso) Tj ET\n\nendstream\nendobj\n5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n";

fn one_page_pdf() -> Vec<u8> {
    let mut out = ONE_PAGE.to_vec();
    let mut offsets = Vec::new();
    for n in 1..=5 {
        let tag = format!("{n} 0 obj");
        offsets.push(
            out.windows(tag.len())
                .position(|w| w == tag.as_bytes())
                .unwrap(),
        );
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 6\n0000000000 65535 f \n");
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

fn verify(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let key = SoftwareKey::generate(KeySpec::Rsa2048).unwrap();
    let now = OffsetDateTime::now_utc();
    let subject = SubjectName {
        common_name: "Bench Signer".into(),
        organization: Some("kyso".into()),
        ..Default::default()
    };
    let template = CertificateTemplate {
        profile: Profile::RootCa,
        subject: subject.to_name().unwrap(),
        subject_public_key_info: key.public_key_der().to_vec(),
        serial: random_serial(),
        not_before: now - Duration::days(1),
        not_after: now + Duration::days(30),
        policy_oids: Vec::new(),
        ocsp_url: None,
        ca_issuers_url: None,
        crl_url: None,
        path_len: None,
        email_san: None,
    };
    let cert = issue(&template, None, &key).unwrap();
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
