//! Body limits per kind of route (the framework refuses a larger body
//! with 413 before it is read whole).

/// JSON bodies of the API.
pub const JSON: usize = 1024 * 1024;
/// A PEM certificate or a PNG image.
pub const SMALL_FILE: usize = 8 * 1024 * 1024;
/// Text parts of a multipart upload (agency id, flow, metadata).
pub const MULTIPART_TEXT: usize = 256 * 1024;

/// A multipart document upload: the main file and up to 20 attachments
/// of at most `max_upload` each, bounded overall to three such files.
pub fn multipart(max_upload: usize) -> usize {
    max_upload
        .saturating_mul(3)
        .saturating_add(MULTIPART_TEXT * 4)
}

/// `/sign/prepare`: the PDF in base64 inside JSON.
pub fn sign_prepare(max_upload: usize) -> usize {
    (max_upload / 3 + 1)
        .saturating_mul(4)
        .saturating_add(64 * 1024)
}
