//! Show the user what is being signed, take the PIN (or the key file's
//! password), sign on the token or with the key.
use std::path::Path;

use anyhow::{bail, Result};
use der::Encode;
use kyso_crypto::pkcs11::{KeySelector, PinEntry, PinUser};
use kyso_crypto::Signer;

use super::http::SignJob;
use super::{Agent, Holder};
use crate::token_cmd::{read_pin, PinArgs, TokenArgs};

pub(crate) enum Refusal {
    /// The user refused (empty PIN at the prompt).
    Declined,
    Token(anyhow::Error),
}

/// What the user sees before giving the PIN.
fn describe(agent: &Agent, job: &SignJob) -> String {
    let c = &agent.identity.certificate;
    format!(
        "\n=== Yêu cầu ký số / signature request ===\n\
         Tài liệu / document:  {}\n\
         Cơ quan / agency:     {}\n\
         Mã băm / digest:      {} ({})\n\
         Chứng thư / signer:   {}\n\
         Số hiệu / serial:     {}\n\
         Mã yêu cầu / nonce:   {}\n",
        job.title,
        job.agency,
        hex::encode(&job.digest),
        job.algorithm,
        kyso_pki::name::display_name(&c.tbs_certificate.subject),
        kyso_pki::certificate::serial_hex(c),
        job.nonce
    )
}

/// Blocking: prompt (or the unattended secret), log in or open the key,
/// sign the digest, close.
pub(crate) fn sign(agent: &Agent, job: &SignJob) -> Result<Vec<u8>, Refusal> {
    eprintln!("{}", describe(agent, job));
    if agent.unattended.as_ref().is_some_and(|u| u.demo) {
        eprintln!(
            "*** KÝ TỰ ĐỘNG bằng khóa thử nghiệm của kyso demo / signing UNATTENDED with a kyso demo test key ***"
        );
    }
    let inner = || -> Result<Option<Vec<u8>>> {
        match &agent.holder {
            Holder::Token(token) => sign_on_token(agent, token, job),
            Holder::KeyFile(path) => sign_with_key_file(agent, path, job),
        }
    };
    match inner() {
        Ok(Some(sig)) => {
            eprintln!("Đã ký / signed ({}).", job.title);
            Ok(sig)
        }
        Ok(None) => {
            eprintln!("Đã từ chối / declined.");
            Err(Refusal::Declined)
        }
        Err(e) => {
            eprintln!("Lỗi / error: {e:#}");
            Err(Refusal::Token(e))
        }
    }
}

fn sign_on_token(agent: &Agent, token: &TokenArgs, job: &SignJob) -> Result<Option<Vec<u8>>> {
    let mut session = token.session()?;
    eprintln!(
        "Thiết bị / token {:?}: {}",
        session.info().label,
        session.info().pin_state
    );
    let pin_env = agent.unattended.as_ref().map(|u| u.secret_env.clone());
    let pin_args = PinArgs::new(pin_env, agent.pin_pad, false);
    let entry = read_pin(
        &pin_args,
        &session,
        PinUser::User,
        "Nhập PIN để ký (để trống để từ chối) / enter the PIN to sign (empty to refuse): ",
    )?;
    if let PinEntry::Pin(p) = &entry {
        if p.is_empty() {
            return Ok(None);
        }
    }
    session.login(PinUser::User, &entry, false)?;
    let signer = session.into_signer(
        &KeySelector::Certificate(agent.identity.certificate_der.clone()),
        Some(job.algorithm),
    )?;
    Ok(Some(signer.try_sign_digest(&job.digest)?))
}

fn sign_with_key_file(agent: &Agent, path: &Path, job: &SignJob) -> Result<Option<Vec<u8>>> {
    let password = zeroize::Zeroizing::new(match &agent.unattended {
        Some(u) => std::env::var(&u.secret_env).unwrap_or_default(),
        None => rpassword::prompt_password(
            "Nhập mật khẩu khóa để ký (để trống để từ chối) / enter the key password to sign (empty to refuse): ",
        )?,
    });
    if password.is_empty() {
        return Ok(None);
    }
    let key = crate::key_file::read_pkcs8_with(path, || Ok(password.clone()))?;
    let spki = agent
        .identity
        .certificate
        .tbs_certificate
        .subject_public_key_info
        .to_der()?;
    if key.public_key_der() != spki.as_slice() {
        bail!(
            "khóa {} không khớp với chứng thư / the key {} does not match the certificate",
            path.display(),
            path.display()
        );
    }
    let key = key.with_algorithm(job.algorithm)?;
    Ok(Some(key.sign_digest(&job.digest)?))
}
