//! In-process signing of a 1-page and a 2,000-page PDF (PAdES B-B,
//! RSA-2048 PSS, invisible): prepare (parse, incremental update written to a temporary
//! file, ByteRange hashed from it) + the RSA signature + finalize (CMS
//! into /Contents, file moved into place). Files live in /dev/shm when
//! there is one, so that the disk's fsync is not what is measured. The
//! RSA-2048 PSS signature alone is measured beside it: the goal of issue 3
//! is a document signed within 3× of that.
use criterion::{criterion_group, criterion_main, Criterion};
use kyso_crypto::Signer;
use time::OffsetDateTime;

mod fixture;
use fixture::{one_page_pdf, pages_pdf, rsa_signer};

fn sign(c: &mut Criterion) {
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let (key, cert) = rsa_signer(OffsetDateTime::now_utc());
    let input = dir.path().join("in.pdf");
    let output = dir.path().join("out.pdf");
    std::fs::write(&input, one_page_pdf()).unwrap();
    let options = kyso_sign::SignOptions::new(cert, key.algorithm());
    c.bench_function("sign 1-page PAdES B-B (RSA-2048 PSS)", |b| {
        b.iter(|| kyso_sign::sign_pdf(&input, &output, &key, &[], &options, None).unwrap())
    });
    // Cost follows the objects a signature touches, not the page count.
    let manual = dir.path().join("manual.pdf");
    std::fs::write(&manual, pages_pdf(2000)).unwrap();
    c.bench_function("sign 2000-page PAdES B-B (RSA-2048 PSS)", |b| {
        b.iter(|| kyso_sign::sign_pdf(&manual, &output, &key, &[], &options, None).unwrap())
    });
    let message = [7u8; 32];
    c.bench_function("RSA-2048 PSS signature alone", |b| {
        b.iter(|| key.sign(std::hint::black_box(&message)).unwrap())
    });
}

criterion_group!(benches, sign);
criterion_main!(benches);
