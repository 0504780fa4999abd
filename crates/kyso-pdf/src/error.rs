/// Errors reading or updating a PDF. Messages are Vietnamese first,
/// English second, as the CLI shows them.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("lỗi đọc/ghi tệp / I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("tệp không phải PDF / not a PDF file (no %PDF- header)")]
    NotPdf,
    #[error("tệp PDF bị cắt cụt / truncated PDF (no %%EOF at the end)")]
    Truncated,
    #[error("tệp PDF bị mã hóa, không ký được / encrypted PDF cannot be signed (remove the encryption first)")]
    Encrypted,
    #[error("tệp PDF bị hỏng / malformed PDF: {0}")]
    Malformed(String),
    #[error("tệp PDF có bảng xref hỏng (phải dựng lại) / malformed PDF: cross-reference data is broken and had to be rebuilt")]
    BrokenXref,
    #[error("trang {page} không có trong tài liệu ({count} trang) / page {page} does not exist (the document has {count} pages)")]
    NoSuchPage { page: u32, count: usize },
    #[error("tên trường chữ ký '{0}' đã có / signature field '{0}' already exists")]
    FieldExists(String),
    #[error("không điền được trường '{field}' / cannot fill field '{field}': {reason}")]
    Fill { field: String, reason: String },
    #[error("không có trường chữ ký '{0}' trong tài liệu / the document has no signature field '{0}' (give --page and --rect to create one)")]
    NoSuchField(String),
    #[error("trường chữ ký '{0}' đã được ký / signature field '{0}' is already signed")]
    FieldSigned(String),
    #[error("không ký được / cannot sign: {0}")]
    Permission(String),
    #[error("tùy chọn không hợp lệ / invalid option: {0}")]
    InvalidOption(String),
    #[error("chữ ký ({needed} byte) không vừa chỗ dành sẵn ({capacity} byte) / signature of {needed} bytes does not fit the {capacity} bytes reserved in /Contents")]
    ContentsTooSmall { needed: usize, capacity: usize },
    #[error("phông chữ / font: {0}")]
    Font(String),
    #[error("{0}")]
    Image(String),
    #[error("luồng dữ liệu giải nén vượt quá {0} byte (có thể là bom nén) / a stream decodes to more than {0} bytes (a decompression bomb?)")]
    DecodeLimit(usize),
    #[error("tệp quá lớn / file too large for the /ByteRange placeholder")]
    TooLarge,
    #[error("lỗi nội bộ khi ghi PDF / internal error writing the PDF: {0}")]
    Internal(String),
}

impl From<lopdf::Error> for PdfError {
    fn from(e: lopdf::Error) -> Self {
        PdfError::Malformed(e.to_string())
    }
}
