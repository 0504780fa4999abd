use der::asn1::UintRef;
use der::{Encode, Sequence};

use crate::CryptoError;

/// ECDSA-Sig-Value (RFC 3279 §2.2.3).
#[derive(Sequence)]
struct EcdsaSigValue<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

/// Turn the raw `r ‖ s` that PKCS#11 CKM_ECDSA returns (two big-endian
/// integers of the curve size) into a DER ECDSA-Sig-Value, as X.509 and
/// CMS carry it.
pub fn ecdsa_raw_to_der(raw: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) || raw.len() > 2 * 66 {
        return Err(CryptoError::Encoding(format!(
            "raw ECDSA signature of {} bytes",
            raw.len()
        )));
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let v = EcdsaSigValue {
        r: UintRef::new(r)?,
        s: UintRef::new(s)?,
    };
    Ok(v.to_der()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_zeros_and_high_bits_are_encoded_as_der_integers() {
        let mut raw = vec![0u8; 64];
        raw[0] = 0x00;
        raw[1] = 0x7f; // r: leading zero stripped
        raw[31] = 1;
        raw[32] = 0x80; // s: high bit set, needs a 0x00 pad
        raw[63] = 2;
        let der = ecdsa_raw_to_der(&raw).unwrap();
        assert_eq!(der[0], 0x30);
        assert_eq!(&der[2..4], &[0x02, 31]);
        assert_eq!(der[4], 0x7f);
        let s_at = 4 + 31;
        assert_eq!(&der[s_at..s_at + 3], &[0x02, 33, 0x00]);
        assert_eq!(der[s_at + 3], 0x80);
        assert!(ecdsa_raw_to_der(&[1, 2, 3]).is_err());
        assert!(ecdsa_raw_to_der(&[]).is_err());
    }
}
