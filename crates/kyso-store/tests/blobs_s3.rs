//! The blob store on S3 (moto_server, started by scripts/test.sh): the
//! same content addressing, idempotent puts, multipart uploads of large
//! files and hash checks on read as on files.

use bytes::Bytes;
use kyso_store::testing::test_blob_store;
use kyso_store::BlobError;

#[tokio::test]
async fn s3_blobs_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    // "postgres" picks S3 when KYSO_TEST_S3_URL is set.
    let s = test_blob_store("postgres", dir.path());
    if !s.describe().starts_with("s3://") {
        eprintln!("note: no S3 server, nothing to test");
        return;
    }
    let r = s
        .put(Bytes::from_static("Công văn số 01".as_bytes()))
        .await
        .unwrap();
    assert_eq!(
        s.put(Bytes::from_static("Công văn số 01".as_bytes()))
            .await
            .unwrap(),
        r
    );
    assert_eq!(
        &s.get(&r.sha256).await.unwrap()[..],
        "Công văn số 01".as_bytes()
    );
    assert!(s.exists(&r.sha256).await.unwrap());
    assert_eq!(s.count().await.unwrap(), 1);
    assert!(matches!(
        s.get(&"ab".repeat(32)).await,
        Err(BlobError::NotFound(_))
    ));
    // 20 MiB: uploaded in parts, read back streamed.
    let big: Vec<u8> = (0..20 * 1024 * 1024u32).map(|i| (i % 253) as u8).collect();
    let p = dir.path().join("scan.bin");
    std::fs::write(&p, &big).unwrap();
    let rb = s.put_file(&p).await.unwrap();
    assert_eq!(rb.size, big.len() as u64);
    let out = dir.path().join("back.bin");
    s.get_to_file(&rb.sha256, &out).await.unwrap();
    assert!(std::fs::read(&out).unwrap() == big);
}
