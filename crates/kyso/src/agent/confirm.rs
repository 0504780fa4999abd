//! Show the user what is being signed, take the PIN, sign on the token.
use anyhow::Result;
use kyso_crypto::pkcs11::{KeySelector, PinUser};

use super::http::SignJob;
use super::Agent;
use crate::token_cmd::{read_pin, PinArgs};

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

/// Blocking: prompt (or the test hook), log in, sign the digest, log out.
pub(crate) fn sign(agent: &Agent, job: &SignJob) -> Result<Vec<u8>, Refusal> {
    eprintln!("{}", describe(agent, job));
    let inner = || -> Result<Option<Vec<u8>>> {
        let mut session = agent.token.session()?;
        eprintln!(
            "Thiết bị / token {:?}: {}",
            session.info().label,
            session.info().pin_state
        );
        let pin_args = PinArgs::new(agent.test_pin_env.clone(), agent.pin_pad, false);
        let entry = read_pin(
            &pin_args,
            &session,
            PinUser::User,
            "Nhập PIN để ký (để trống để từ chối) / enter the PIN to sign (empty to refuse): ",
        )?;
        if let kyso_crypto::pkcs11::PinEntry::Pin(p) = &entry {
            if p.is_empty() {
                return Ok(None);
            }
        }
        session.login(PinUser::User, &entry, false)?;
        let signer = session.into_signer(
            &KeySelector::Certificate(agent.identity.certificate_der.clone()),
            Some(job.algorithm),
        )?;
        let sig = signer.try_sign_digest(&job.digest)?;
        Ok(Some(sig))
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
