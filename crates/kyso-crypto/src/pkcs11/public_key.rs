use der::asn1::{AnyRef, BitString, BitStringRef, ObjectIdentifier, OctetStringRef, UintRef};
use der::{Decode, Encode, Sequence};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};

use crate::algorithm::oid;
use crate::CryptoError;

#[derive(Sequence)]
struct RsaPublicKey<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

/// SubjectPublicKeyInfo (rsaEncryption, NULL parameters) from the token's
/// CKA_MODULUS and CKA_PUBLIC_EXPONENT (big-endian integers).
pub fn rsa_spki(modulus: &[u8], public_exponent: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let key = RsaPublicKey {
        modulus: UintRef::new(modulus)?,
        public_exponent: UintRef::new(public_exponent)?,
    }
    .to_der()?;
    let info = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: oid::RSA_ENCRYPTION,
            parameters: Some(der::Any::null()),
        },
        subject_public_key: BitString::from_bytes(&key)?,
    };
    Ok(info.to_der()?)
}

/// The uncompressed point size of the curves kyso supports.
fn point_len(curve: ObjectIdentifier) -> Result<usize, CryptoError> {
    match curve {
        oid::SECP256R1 => Ok(65),
        oid::SECP384R1 => Ok(97),
        c => Err(CryptoError::UnsupportedAlgorithm(format!("curve {c}"))),
    }
}

/// SubjectPublicKeyInfo (id-ecPublicKey, named curve) from the token's
/// CKA_EC_PARAMS (DER namedCurve OID) and CKA_EC_POINT, which PKCS#11
/// wraps in a DER OCTET STRING (some modules give the bare point).
/// Returns the SPKI and the curve.
pub fn ec_spki(
    ec_params: &[u8],
    ec_point: &[u8],
) -> Result<(Vec<u8>, ObjectIdentifier), CryptoError> {
    let curve = ObjectIdentifier::from_der(ec_params).map_err(|e| {
        CryptoError::BadPublicKey(format!("CKA_EC_PARAMS is not a named curve: {e}"))
    })?;
    let n = point_len(curve)?;
    let point: &[u8] = if ec_point.len() == n && ec_point[0] == 0x04 {
        ec_point
    } else {
        OctetStringRef::from_der(ec_point)
            .map_err(|e| CryptoError::BadPublicKey(format!("CKA_EC_POINT: {e}")))?
            .as_bytes()
    };
    if point.len() != n || point[0] != 0x04 {
        return Err(CryptoError::BadPublicKey(
            "CKA_EC_POINT is not an uncompressed point of the curve".into(),
        ));
    }
    let info = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: oid::ID_EC_PUBLIC_KEY,
            parameters: Some(der::Any::from_der(ec_params)?),
        },
        subject_public_key: BitString::from_bytes(point)?,
    };
    Ok((info.to_der()?, curve))
}

/// TBSCertificate (RFC 5280 §4.1), read only as far as kyso needs.
#[derive(Sequence)]
struct TbsCertificate<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    version: Option<AnyRef<'a>>,
    serial_number: AnyRef<'a>,
    signature: AnyRef<'a>,
    issuer: AnyRef<'a>,
    validity: AnyRef<'a>,
    subject: AnyRef<'a>,
    subject_public_key_info: SubjectPublicKeyInfoRef<'a>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    issuer_unique_id: Option<BitStringRef<'a>>,
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT", optional = "true")]
    subject_unique_id: Option<BitStringRef<'a>>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<AnyRef<'a>>,
}

#[derive(Sequence)]
struct CertificateRef<'a> {
    tbs_certificate: TbsCertificate<'a>,
    signature_algorithm: AnyRef<'a>,
    signature: BitStringRef<'a>,
}

/// The DER SubjectPublicKeyInfo of the DER X.509 certificate `cert`
/// (a token's CKO_CERTIFICATE CKA_VALUE), for keys whose token holds no
/// public-key object.
pub fn certificate_spki(cert: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let c = CertificateRef::from_der(cert)
        .map_err(|e| CryptoError::BadPublicKey(format!("certificate on the token: {e}")))?;
    Ok(c.tbs_certificate.subject_public_key_info.to_der()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KeySpec, Signer, SoftwareKey};
    use spki::SubjectPublicKeyInfoRef;

    #[test]
    fn ec_spki_from_wrapped_and_bare_points_matches_software() {
        let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        let spki = SubjectPublicKeyInfoRef::from_der(key.public_key_der()).unwrap();
        let point = spki.subject_public_key.raw_bytes();
        let params = oid::SECP256R1.to_der().unwrap();
        let wrapped = OctetStringRef::new(point).unwrap().to_der().unwrap();
        for p in [&wrapped[..], point] {
            let (der, curve) = ec_spki(&params, p).unwrap();
            assert_eq!(curve, oid::SECP256R1);
            assert_eq!(der, key.public_key_der());
        }
        assert!(ec_spki(&params, &point[1..]).is_err());
        assert!(ec_spki(b"\x05\x00", &wrapped).is_err());
    }

    #[test]
    fn the_public_key_of_a_certificate_is_read() {
        let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        let any = |b: &'static [u8]| AnyRef::from_der(b).unwrap();
        let name: &[u8] = &[0x30, 0x00];
        let tbs = TbsCertificate {
            version: Some(any(&[0x02, 0x01, 0x02])),
            serial_number: any(&[0x02, 0x01, 0x01]),
            signature: any(&[0x30, 0x03, 0x06, 0x01, 0x2a]),
            issuer: AnyRef::from_der(name).unwrap(),
            validity: any(&[0x30, 0x00]),
            subject: AnyRef::from_der(name).unwrap(),
            subject_public_key_info: SubjectPublicKeyInfoRef::from_der(key.public_key_der())
                .unwrap(),
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(any(&[0x30, 0x00])),
        };
        let cert = CertificateRef {
            tbs_certificate: tbs,
            signature_algorithm: any(&[0x30, 0x03, 0x06, 0x01, 0x2a]),
            signature: BitStringRef::from_bytes(&[1, 2, 3]).unwrap(),
        }
        .to_der()
        .unwrap();
        assert_eq!(certificate_spki(&cert).unwrap(), key.public_key_der());
        assert!(certificate_spki(&cert[..cert.len() - 1]).is_err());
        assert!(certificate_spki(b"not a certificate").is_err());
    }

    #[test]
    fn rsa_spki_matches_software() {
        let key = SoftwareKey::generate(KeySpec::Rsa2048).unwrap();
        let spki = SubjectPublicKeyInfoRef::from_der(key.public_key_der()).unwrap();
        let rsa = RsaPublicKey::from_der(spki.subject_public_key.raw_bytes()).unwrap();
        let der = rsa_spki(rsa.modulus.as_bytes(), rsa.public_exponent.as_bytes()).unwrap();
        assert_eq!(der, key.public_key_der());
    }
}
