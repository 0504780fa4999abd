//! `kyso sign --key FILE --cert FILE`: a software key in a PKCS#8 file,
//! PEM (`PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`) or DER, as written by
//! `openssl genpkey` / `openssl pkcs8 -topk8`. An encrypted key (PBES2) is
//! opened with the password from the environment variable the user names,
//! else a no-echo prompt; the decrypted key is wiped from memory when
//! dropped and never written anywhere.
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use der::Decode;
use kyso_crypto::{Signer, SoftwareKey};
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::key_source::{certificate_of_key, password_from, read_certificates, read_limited};

const PLAIN: &str = "PRIVATE KEY";
const ENCRYPTED: &str = "ENCRYPTED PRIVATE KEY";

/// The key of a PKCS#8 file.
pub fn read_pkcs8(path: &Path, password_env: &str) -> Result<SoftwareKey> {
    let prompt = format!("Mật khẩu khóa / key password ({}): ", path.display());
    read_pkcs8_with(path, || password_from(password_env, &prompt))
}

/// The key of a PKCS#8 file; `password` is asked only when it is encrypted.
pub fn read_pkcs8_with(
    path: &Path,
    password: impl FnOnce() -> Result<Zeroizing<String>>,
) -> Result<SoftwareKey> {
    let data = Zeroizing::new(read_limited(path)?);
    let shown = path.display();
    let (label, der) = match std::str::from_utf8(&data) {
        Ok(text) if text.contains("-----BEGIN ") => {
            let (label, der) = der::pem::decode_vec(text.trim().as_bytes())
                .map_err(|e| anyhow!("không đọc được PEM / cannot read the PEM in {shown}: {e}"))?;
            (label.to_owned(), Zeroizing::new(der))
        }
        _ => {
            // DER: PrivateKeyInfo or EncryptedPrivateKeyInfo.
            let label = if pkcs8::EncryptedPrivateKeyInfo::from_der(&data).is_ok() {
                ENCRYPTED
            } else {
                PLAIN
            };
            (label.to_owned(), Zeroizing::new(data.to_vec()))
        }
    };
    let plain = match label.as_str() {
        PLAIN => der,
        ENCRYPTED => {
            let password = password()?;
            kyso_crypto::decrypt_pkcs8(&der, password.as_bytes()).map_err(|_| {
                anyhow!("không giải mã được khóa (sai mật khẩu?) / cannot decrypt the key (wrong password?): {shown}")
            })?
        }
        other => bail!(
            "{shown}: khối PEM {other:?} không phải PKCS#8; chuyển bằng `openssl pkcs8 -topk8 -in KEY -out key.p8` / PEM block {other:?} is not PKCS#8: convert it with `openssl pkcs8 -topk8 -in KEY -out key.p8`"
        ),
    };
    SoftwareKey::from_pkcs8_der(&plain, None)
        .with_context(|| format!("khóa không dùng được / unusable key in {shown}"))
}

/// The certificate of `key` among those of `cert_file` (PEM with one or
/// more certificates, or DER), and the other certificates of the file.
pub fn certificate_for(
    key: &SoftwareKey,
    cert_file: &Path,
) -> Result<(Certificate, Vec<Certificate>)> {
    let (mine, others) = certificate_of_key(key.public_key_der(), read_certificates(cert_file)?)?;
    let mine = mine.ok_or_else(|| {
        anyhow!(
            "{}: không có chứng thư của khóa này / holds no certificate for this key",
            cert_file.display()
        )
    })?;
    Ok((mine, others))
}
