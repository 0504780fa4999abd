//! Time-stamps answered per second by the TSA service (RSA-2048 TSA key,
//! PKCS#1 v1.5), beside the bare RSA-2048 signature that is its floor:
//! the difference is kyso's own cost per time-stamp (request parsing,
//! TSTInfo, signed attributes, SignedData, serial allocation).
use criterion::{criterion_group, criterion_main, Criterion};
use kyso_ca::{Ca, CaConfig, InitOptions};
use kyso_crypto::{DigestAlgorithm, KeySpec, SignatureAlgorithm, Signer, SoftwareKey};

fn tsa(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("kyso.db").display());
    let ca = rt.block_on(async {
        let store = kyso_store::Store::open(&url).await.unwrap();
        let opts = InitOptions {
            root_key: KeySpec::EcP384,
            ..Default::default()
        };
        Ca::init(store, CaConfig::default(), b"bench", &opts)
            .await
            .unwrap()
    });
    let imprint = kyso_crypto::digest(DigestAlgorithm::Sha256, b"document");
    let nonce = 0x1234_5678_9abc_def0u64.to_be_bytes();
    let with_certs = kyso_pki::tsp::build_time_stamp_req(
        DigestAlgorithm::Sha256,
        &imprint,
        Some(&nonce),
        true,
        None,
    )
    .unwrap();
    let without_certs = kyso_pki::tsp::build_time_stamp_req(
        DigestAlgorithm::Sha256,
        &imprint,
        Some(&nonce),
        false,
        None,
    )
    .unwrap();
    let key = SoftwareKey::generate(KeySpec::Rsa2048)
        .unwrap()
        .with_algorithm(SignatureAlgorithm::RsaPkcs1Sha256)
        .unwrap();
    let mut g = c.benchmark_group("tsa");
    g.bench_function("RSA-2048 PKCS#1 v1.5 signature alone (the floor)", |b| {
        b.iter(|| key.sign(&imprint).unwrap())
    });
    g.bench_function(
        "respond, certReq (token with TSA certificate and chain)",
        |b| b.iter(|| rt.block_on(ca.tsa().respond(&with_certs))),
    );
    g.bench_function("respond, no certReq", |b| {
        b.iter(|| rt.block_on(ca.tsa().respond(&without_certs)))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = tsa
}
criterion_main!(benches);
