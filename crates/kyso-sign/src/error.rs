/// Errors of PAdES signing. Messages are Vietnamese first, English second.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error(transparent)]
    Pdf(#[from] kyso_pdf::PdfError),
    #[error("không đọc được tệp / cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("chữ ký hiển thị / signature appearance: {0}")]
    Appearance(String),
    #[error("lỗi CMS / CMS error: {0}")]
    Cms(#[from] kyso_pki::cms::CmsError),
    #[error("lỗi khóa hoặc chữ ký / key or signature error: {0}")]
    Crypto(#[from] kyso_crypto::CryptoError),
    #[error("lỗi mã hóa ASN.1 / ASN.1 encoding error: {0}")]
    Der(#[from] der::Error),
    #[error("chữ ký không khớp với chứng thư số của người ký / the signature does not verify with the signer certificate's key: {0}")]
    BadSignature(kyso_crypto::CryptoError),
    #[error("thuật toán {algorithm} không dùng được với khóa trong chứng thư / algorithm {algorithm} does not fit the certificate's key")]
    AlgorithmMismatch { algorithm: String },
    #[error("dấu thời gian không hợp lệ / invalid time-stamp: {0}")]
    TimeStamp(String),
    #[error("không mở rộng được chữ ký (LTV) / cannot extend the signatures (LTV): {0}")]
    Ltv(String),
    #[error("không lấy được dấu thời gian / the time-stamp authority could not be reached: {0}")]
    TsaTransport(String),
}
