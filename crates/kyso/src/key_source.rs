//! Where `kyso sign` gets its key: a PKCS#12 file or a PKCS#8 key file with
//! its certificate (software keys), or a key on a PKCS#11 token (USB
//! token, HSM). For a token the signer's
//! certificate and the CA certificates stored beside it are read from the
//! token; `--chain FILE.pem` adds the rest. The PIN comes from the
//! no-echo prompt, an environment variable the user names, or the token's
//! PIN pad, exactly as for `kyso token` (the same code: PIN state shown,
//! no try on a locked PIN, the final try only with --confirm-final-try).
//! One login serves every document of a batch.
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use der::{Decode, Encode};
use kyso_crypto::pkcs11::{KeySelector, ObjectClassName, ObjectSummary, PinUser};
use kyso_crypto::{DigestAlgorithm, SignatureAlgorithm, Signer, SoftwareKey};
use p12_keystore::{KeyStore, Pkcs12ImportPolicy};
use x509_cert::Certificate;

use crate::token_cmd::{login_user, PinArgs, TokenArgs};

/// Largest PKCS#12 or chain file read.
const MAX_KEY_FILE: u64 = 1024 * 1024;

/// The key source flags of `kyso sign`.
#[derive(clap::Args, Clone, Debug)]
pub struct KeySourceArgs {
    /// PKCS#12 file with the signing key and its certificate chain.
    #[arg(
        long,
        required_unless_present_any = ["pkcs11", "key"],
        conflicts_with_all = ["pkcs11", "key"]
    )]
    pub p12: Option<PathBuf>,
    /// Environment variable holding the PKCS#12 password (asked for when unset).
    #[arg(long, default_value = "KYSO_P12_PASSWORD")]
    pub p12_password_env: String,
    /// PKCS#8 private key file (PEM `PRIVATE KEY` / `ENCRYPTED PRIVATE KEY`,
    /// or DER), with --cert.
    #[arg(
        long,
        value_name = "KEY.pem",
        requires = "cert",
        conflicts_with = "pkcs11"
    )]
    pub key: Option<PathBuf>,
    /// The certificate of --key (PEM or DER; further certificates in the
    /// file are embedded as its chain).
    #[arg(long, value_name = "CERT.pem", requires = "key")]
    pub cert: Option<PathBuf>,
    /// Environment variable holding the password of an encrypted --key
    /// (asked for when unset).
    #[arg(long, default_value = "KYSO_SIGNING_KEY_PASSWORD", requires = "key")]
    pub key_password_env: String,
    /// Sign with a key on a token: path of its PKCS#11 module
    /// (e.g. /usr/lib/softhsm/libsofthsm2.so or the vendor's module).
    #[arg(long, value_name = "MODULE")]
    pub pkcs11: Option<PathBuf>,
    /// Token label (with --pkcs11; default: the only token present).
    #[arg(long = "token", value_name = "LABEL", requires = "pkcs11")]
    pub token_label: Option<String>,
    /// Token serial number (instead of --token).
    #[arg(long, requires = "pkcs11", conflicts_with = "token_label")]
    pub token_serial: Option<String>,
    /// Label of the key on the token (default: the only key).
    #[arg(long, requires = "pkcs11")]
    pub key_label: Option<String>,
    /// CKA_ID of the key on the token, hex.
    #[arg(long, requires = "pkcs11", conflicts_with = "key_label")]
    pub key_id: Option<String>,
    /// Environment variable holding the token PIN (else a no-echo prompt,
    /// or the PIN pad when the token has one).
    #[arg(long, requires = "pkcs11")]
    pub pin_env: Option<String>,
    /// Enter the PIN on the token's own PIN pad.
    #[arg(long, requires = "pkcs11", conflicts_with = "pin_env")]
    pub pin_pad: bool,
    /// Try the PIN even though the token says it is the last try.
    #[arg(long, requires = "pkcs11")]
    pub confirm_final_try: bool,
    /// CA certificates (PEM or DER, several per file allowed) embedded after
    /// the signer's, beyond those in the PKCS#12 or on the token (repeatable).
    #[arg(long, value_name = "FILE.pem")]
    pub chain: Vec<PathBuf>,
}

/// A key ready to sign, with the certificates to embed.
pub struct LoadedKey {
    pub signer: Box<dyn Signer>,
    /// The certificate of the key.
    pub certificate: Certificate,
    /// Issuing CA and upwards (signer's certificate excluded).
    pub chain: Vec<Certificate>,
    /// "PKCS#12 FILE" or "token LABEL, key LABEL", for messages.
    pub description: String,
}

/// RSA PKCS#1 v1.5 with the hash the key would use.
fn pkcs1v15_for(alg: SignatureAlgorithm) -> Result<SignatureAlgorithm> {
    if !alg.is_rsa() {
        bail!("--pkcs1v15 chỉ dùng cho khóa RSA / --pkcs1v15 is for RSA keys only");
    }
    Ok(match alg.digest() {
        DigestAlgorithm::Sha384 => SignatureAlgorithm::RsaPkcs1Sha384,
        DigestAlgorithm::Sha512 => SignatureAlgorithm::RsaPkcs1Sha512,
        _ => SignatureAlgorithm::RsaPkcs1Sha256,
    })
}

impl KeySourceArgs {
    /// Open the key (one PIN entry or password for all that follows).
    pub fn load(&self, pkcs1v15: bool) -> Result<LoadedKey> {
        let mut key = match (&self.p12, &self.pkcs11, &self.key, &self.cert) {
            (Some(p12), None, None, _) => self.load_p12(p12, pkcs1v15)?,
            (None, Some(module), None, _) => self.load_token(module, pkcs1v15)?,
            (None, None, Some(key), Some(cert)) => self.load_key_file(key, cert, pkcs1v15)?,
            _ => bail!(
                "cần --p12 FILE, --key FILE --cert FILE hoặc --pkcs11 MODULE / give --p12 FILE, --key FILE --cert FILE or --pkcs11 MODULE"
            ),
        };
        for f in &self.chain {
            for c in read_certificates(f)? {
                if c != key.certificate && !key.chain.contains(&c) {
                    key.chain.push(c);
                }
            }
        }
        Ok(key)
    }

    fn load_p12(&self, path: &Path, pkcs1v15: bool) -> Result<LoadedKey> {
        let password = password_from(
            &self.p12_password_env,
            "Mật khẩu PKCS#12 / PKCS#12 password: ",
        )?;
        let (mut key, certificate, chain) = read_p12(path, &password)?;
        if pkcs1v15 {
            let alg = pkcs1v15_for(key.algorithm())?;
            key = key.with_algorithm(alg)?;
        }
        Ok(LoadedKey {
            signer: Box::new(key),
            certificate,
            chain,
            description: format!("PKCS#12 {}", path.display()),
        })
    }

    fn load_key_file(&self, path: &Path, cert: &Path, pkcs1v15: bool) -> Result<LoadedKey> {
        let mut key = crate::key_file::read_pkcs8(path, &self.key_password_env)?;
        let (certificate, others) = crate::key_file::certificate_for(&key, cert)?;
        if pkcs1v15 {
            let alg = pkcs1v15_for(key.algorithm())?;
            key = key.with_algorithm(alg)?;
        }
        Ok(LoadedKey {
            signer: Box::new(key),
            chain: chain_above(&certificate, others),
            certificate,
            description: format!("key {}", path.display()),
        })
    }

    fn load_token(&self, module: &Path, pkcs1v15: bool) -> Result<LoadedKey> {
        let token = TokenArgs::new(
            module.to_path_buf(),
            self.token_label.clone(),
            self.token_serial.clone(),
        );
        let pin = PinArgs::new(self.pin_env.clone(), self.pin_pad, self.confirm_final_try);
        let session = login_user(&token, &pin)?;
        let token_label = session.info().label.clone();
        eprintln!(
            "Thiết bị / token {:?} serial {}: {}",
            token_label,
            session.info().serial,
            session.info().pin_state.describe(PinUser::User)
        );
        let objects = session.objects()?;
        let selector = match (&self.key_label, &self.key_id) {
            (Some(l), _) => KeySelector::Label(l.clone()),
            (None, Some(h)) => KeySelector::Id(
                hex::decode(h.trim()).context("--key-id không phải hex / --key-id is not hex")?,
            ),
            (None, None) => {
                let keys: Vec<_> = objects
                    .iter()
                    .filter(|o| o.class == ObjectClassName::PrivateKey)
                    .collect();
                match keys.as_slice() {
                    [one] => KeySelector::Id(one.id.clone()),
                    [] => bail!("thiết bị không có khóa bí mật / the token holds no private key"),
                    many => bail!(
                        "thiết bị có {} khóa, chọn bằng --key-label hoặc --key-id / the token holds {} keys: choose one with --key-label or --key-id ({})",
                        many.len(),
                        many.len(),
                        many.iter()
                            .map(|k| format!("{:?} id {}", k.label, hex::encode(&k.id)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            }
        };
        let info = session.key_info(&selector)?;
        // Certificates stored on the token (public objects).
        let on_token = certificates_on_token(&objects).map(|(_, c)| c);
        let (certificate, others) = certificate_of_key(&info.spki, on_token)?;
        let certificate = certificate.ok_or_else(|| {
            anyhow!(
                "không có chứng thư của khóa {:?} trên thiết bị (dùng `kyso token import-cert`) / no certificate for key {:?} on the token (store it with `kyso token import-cert`)",
                info.label,
                info.label
            )
        })?;
        let chain = chain_above(&certificate, others);
        let mut signer = session.into_signer(&KeySelector::Id(info.id.clone()), None)?;
        if pkcs1v15 {
            let alg = pkcs1v15_for(signer.algorithm())?;
            signer = signer.with_algorithm(alg)?;
        }
        Ok(LoadedKey {
            description: format!("token {token_label:?}, key {:?}", info.label),
            signer: Box::new(signer),
            certificate,
            chain,
        })
    }
}

/// The X.509 certificates stored on a token, each with the object holding
/// it; objects that do not parse as certificates are skipped.
pub(crate) fn certificates_on_token(
    objects: &[ObjectSummary],
) -> impl Iterator<Item = (&ObjectSummary, Certificate)> {
    objects
        .iter()
        .filter(|o| o.class == ObjectClassName::Certificate)
        .filter_map(|o| Some((o, Certificate::from_der(o.value.as_ref()?).ok()?)))
}

/// The certificates of `pool` that issue `leaf`, its issuer, and so on,
/// in that order (the other certificates are left out).
pub(crate) fn chain_above(leaf: &Certificate, mut pool: Vec<Certificate>) -> Vec<Certificate> {
    let mut chain: Vec<Certificate> = Vec::new();
    let mut current = leaf.clone();
    while let Some(i) = pool
        .iter()
        .position(|c| c.tbs_certificate.subject == current.tbs_certificate.issuer)
    {
        let next = pool.swap_remove(i);
        let self_signed = next.tbs_certificate.subject == next.tbs_certificate.issuer;
        chain.push(next.clone());
        if self_signed {
            break;
        }
        current = next;
    }
    chain
}

pub(crate) fn read_limited(path: &Path) -> Result<Vec<u8>> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("không đọc được / cannot read {}", path.display()))?
        .len();
    if len > MAX_KEY_FILE {
        bail!(
            "tệp quá lớn / file too large: {} ({len} bytes)",
            path.display()
        );
    }
    std::fs::read(path).with_context(|| format!("không đọc được / cannot read {}", path.display()))
}

/// Every certificate in a PEM file (one or more blocks) or a DER file.
pub fn read_certificates(path: &Path) -> Result<Vec<Certificate>> {
    let data = read_limited(path)?;
    let bad = || {
        format!(
            "không đọc được chứng thư / cannot read a certificate in {}",
            path.display()
        )
    };
    let text = std::str::from_utf8(&data).unwrap_or("");
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Ok(vec![
            kyso_pki::certificate::parse_certificate(&data).with_context(bad)?
        ]);
    }
    let mut out = Vec::new();
    for block in text.split("-----BEGIN CERTIFICATE-----").skip(1) {
        let pem = format!("-----BEGIN CERTIFICATE-----{block}");
        let end = pem
            .find("-----END CERTIFICATE-----")
            .ok_or_else(|| anyhow!(bad()))?;
        let one = &pem[..end + "-----END CERTIFICATE-----".len()];
        out.push(kyso_pki::certificate::parse_certificate(one.as_bytes()).with_context(bad)?);
    }
    Ok(out)
}

/// The first of `certs` whose public key is `spki` (DER
/// SubjectPublicKeyInfo), and the others in their order.
pub(crate) fn certificate_of_key(
    spki: &[u8],
    certs: impl IntoIterator<Item = Certificate>,
) -> Result<(Option<Certificate>, Vec<Certificate>)> {
    let mut mine = None;
    let mut others = Vec::new();
    for c in certs {
        if mine.is_none() && c.tbs_certificate.subject_public_key_info.to_der()? == spki {
            mine = Some(c);
        } else {
            others.push(c);
        }
    }
    Ok((mine, others))
}

/// A password from the environment variable `env` when it is set and not
/// empty, else asked for without echo.
pub(crate) fn password_from(env: &str, prompt: &str) -> Result<zeroize::Zeroizing<String>> {
    let p = match std::env::var(env) {
        Ok(p) if !p.is_empty() => p,
        _ => rpassword::prompt_password(prompt)
            .context("không đọc được mật khẩu / cannot read the password")?,
    };
    Ok(zeroize::Zeroizing::new(p))
}

/// The key and certificates of a PKCS#12 file: the signer's certificate
/// (the one certifying the key) and the others.
pub fn read_p12(
    path: &Path,
    password: &str,
) -> Result<(SoftwareKey, Certificate, Vec<Certificate>)> {
    let data = read_limited(path)?;
    let ks = KeyStore::from_pkcs12(&data, password, Pkcs12ImportPolicy::Relaxed).map_err(|e| {
        anyhow!("không mở được PKCS#12 (sai mật khẩu?) / cannot open the PKCS#12 (wrong password?): {e}")
    })?;
    let (_, chain) = ks.private_key_chain().ok_or_else(|| {
        anyhow!("PKCS#12 không có khóa bí mật / the PKCS#12 holds no private key")
    })?;
    let key = SoftwareKey::from_pkcs8_der(chain.key().as_der(), None)
        .context("khóa trong PKCS#12 / the key in the PKCS#12")?;
    let certs = chain
        .certs()
        .iter()
        .map(|c| {
            Certificate::from_der(c.as_der())
                .context("chứng thư trong PKCS#12 / a certificate in the PKCS#12")
        })
        .collect::<Result<Vec<_>>>()?;
    let (signer_cert, others) = certificate_of_key(key.public_key_der(), certs)?;
    let signer_cert = signer_cert.ok_or_else(|| {
        anyhow!("PKCS#12 không có chứng thư của khóa / the PKCS#12 has no certificate for its key")
    })?;
    Ok((key, signer_cert, others))
}
