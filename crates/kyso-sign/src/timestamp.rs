//! The signature time-stamp of PAdES B-T (ETSI EN 319 122-1 §5.3): an
//! RFC 3161 token over the SHA-256 of the SignerInfo's signature value.
use kyso_crypto::DigestAlgorithm;
use kyso_pki::tsp::{self, PkiStatus};

use crate::SignError;

/// A TimeStampReq and the nonce it carries.
#[derive(Clone, Debug)]
pub struct TimeStampQuery {
    /// DER TimeStampReq, to POST as `application/timestamp-query`.
    pub request_der: Vec<u8>,
    /// The nonce (unsigned big-endian), to find echoed in the token.
    pub nonce: Vec<u8>,
    /// SHA-256 of the signature value (the message imprint).
    pub imprint: Vec<u8>,
}

/// Build the time-stamp request for a signature value (certReq true, a
/// random 64-bit nonce).
pub fn signature_timestamp_request(signature: &[u8]) -> Result<TimeStampQuery, SignError> {
    document_timestamp_request(&kyso_crypto::digest(DigestAlgorithm::Sha256, signature))
}

/// Build the time-stamp request for a SHA-256 digest already computed
/// (the ByteRange digest of a document time-stamp, PAdES B-LTA).
pub fn document_timestamp_request(sha256: &[u8]) -> Result<TimeStampQuery, SignError> {
    let imprint = sha256.to_vec();
    let mut nonce = vec![0u8; 8];
    kyso_crypto::random_bytes(&mut nonce)?;
    nonce[0] |= 0x01;
    nonce[0] &= 0x7f;
    let request_der =
        tsp::build_time_stamp_req(DigestAlgorithm::Sha256, &imprint, Some(&nonce), true, None)
            .map_err(|e| SignError::TimeStamp(e.to_string()))?;
    Ok(TimeStampQuery {
        request_der,
        nonce,
        imprint,
    })
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    &b[start..]
}

/// Check a DER TimeStampResp against `query` (status granted, imprint
/// algorithm and value, nonce echoed) and return its TimeStampToken DER.
/// The token's own signature is checked by verifiers, not here.
pub fn token_from_response(response: &[u8], query: &TimeStampQuery) -> Result<Vec<u8>, SignError> {
    let resp =
        tsp::parse_time_stamp_resp(response).map_err(|e| SignError::TimeStamp(e.to_string()))?;
    if !matches!(resp.status, PkiStatus::Granted | PkiStatus::GrantedWithMods) {
        return Err(SignError::TimeStamp(format!(
            "TSA từ chối / the TSA refused: {:?} {}",
            resp.status,
            resp.status_text.join("; ")
        )));
    }
    let (Some(token), Some(info)) = (resp.token_der, resp.tst_info) else {
        return Err(SignError::TimeStamp("granted without a token".into()));
    };
    if info.imprint_algorithm != DigestAlgorithm::Sha256.oid()
        || info.hashed_message != query.imprint
    {
        return Err(SignError::TimeStamp(
            "the token's message imprint is not the signature's".into(),
        ));
    }
    match &info.nonce {
        Some(n) if strip_zeros(n) == strip_zeros(&query.nonce) => {}
        _ => {
            return Err(SignError::TimeStamp(
                "the token does not echo the request's nonce".into(),
            ))
        }
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_carries_the_signature_imprint_and_nonce() {
        let q = signature_timestamp_request(b"signature value").unwrap();
        let req = tsp::parse_time_stamp_req(&q.request_der).unwrap();
        assert_eq!(req.hashed_message, q.imprint);
        assert_eq!(
            q.imprint,
            kyso_crypto::digest(DigestAlgorithm::Sha256, b"signature value")
        );
        assert!(req.cert_req);
        assert_eq!(q.nonce.len(), 8);
        assert!(q.nonce[0] != 0 && q.nonce[0] < 0x80);
    }

    #[test]
    fn garbage_and_rejections_are_errors() {
        let q = signature_timestamp_request(b"sig").unwrap();
        assert!(token_from_response(b"", &q).is_err());
        assert!(token_from_response(&[0x30, 0x80], &q).is_err());
        let rejection =
            tsp::rejection_response(&tsp::TspFailure::new(tsp::PkiFailureInfo::BadAlg, "no"));
        let e = token_from_response(&rejection, &q).unwrap_err();
        assert!(e.to_string().contains("refused"), "{e}");
    }
}
