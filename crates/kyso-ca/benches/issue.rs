//! Certificates issued per second by the CA service, registry on SQLite
//! (CSR check, TBS build, RSA-3072 PSS signature by the issuing CA,
//! registry insert).
use criterion::{criterion_group, criterion_main, Criterion};
use kyso_ca::{Ca, CaConfig, InitOptions, IssueOptions};
use kyso_crypto::KeySpec;
use kyso_pki::profile::Profile;

fn issue(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let csr_path = dir.path().join("ee.csr");
    let ok = std::process::Command::new("openssl")
        .args([
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            "/C=VN/CN=Bench",
        ])
        .args([
            "-keyout",
            dir.path().join("ee.key").to_str().unwrap(),
            "-out",
            csr_path.to_str().unwrap(),
        ])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "openssl is needed to make the benchmark's CSR");
    let csr = std::fs::read(&csr_path).unwrap();
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
    let opts = IssueOptions {
        profile: Profile::PersonalSigning,
        days: Some(365),
        subject: None,
        email: None,
    };
    c.bench_function("issue_from_csr (RSA-3072 PSS issuing CA, SQLite)", |b| {
        b.iter(|| rt.block_on(ca.issue_from_csr(&csr, &opts)).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = issue
}
criterion_main!(benches);
