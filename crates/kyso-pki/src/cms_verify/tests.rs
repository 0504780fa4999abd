use super::*;
use crate::certificate::{issue, random_serial, CertificateTemplate};
use crate::profile::Profile;
use crate::signed_data_parts::wrap;
use kyso_crypto::{KeySpec, Signer, SoftwareKey};

const CONTENT: &[u8] = b"C\xc3\xb4ng v\xc4\x83n s\xe1\xbb\x91 12/UBND";

/// A certificate template for `key` with the subject `dn`.
/// One reference time for every certificate of the test binary, so that a
/// certificate issued a second after its issuer (a loaded machine) still
/// ends inside the issuer's validity.
fn reference_time() -> OffsetDateTime {
    static AT: std::sync::OnceLock<OffsetDateTime> = std::sync::OnceLock::new();
    *AT.get_or_init(|| OffsetDateTime::now_utc().replace_nanosecond(0).unwrap())
}

fn template(profile: Profile, dn: &str, key: &SoftwareKey) -> CertificateTemplate {
    let now = reference_time();
    CertificateTemplate {
        profile,
        subject: crate::name::SubjectName::parse_dn(dn)
            .unwrap()
            .to_name()
            .unwrap(),
        subject_public_key_info: key.public_key_der().to_vec(),
        serial: random_serial(),
        not_before: now - time::Duration::hours(1),
        not_after: now + time::Duration::days(30),
        policy_oids: vec![],
        ocsp_url: None,
        ca_issuers_url: None,
        crl_url: None,
        path_len: None,
        email_san: None,
    }
}

fn signer() -> (SoftwareKey, Certificate) {
    let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
    let cert = issue(
        &template(Profile::RootCa, "CN=Ký thử, O=UBND, C=VN", &key),
        None,
        &key,
    )
    .unwrap();
    (key, cert)
}

/// A detached DER SignedData over [`CONTENT`].
fn signed(key: &SoftwareKey, cert: &Certificate) -> Vec<u8> {
    crate::cms::sign_content(oids::CT_DATA, CONTENT, false, key, cert, vec![], None).unwrap()
}

fn digest(alg: DigestAlgorithm) -> Result<Vec<u8>, String> {
    Ok(kyso_crypto::digest(alg, CONTENT))
}

/// `der` with every constructed encoding rewritten with an indefinite
/// length: BER as streaming signers write it.
fn indefinite(der: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in members(der).unwrap() {
        let (tag, h, t) = tlv(m).unwrap();
        if tag & 0x20 != 0 {
            out.extend([tag, 0x80]);
            out.extend(indefinite(&m[h..t]));
            out.extend([0, 0]);
        } else {
            out.extend_from_slice(m);
        }
    }
    out
}

/// The pieces of the only SignerInfo of `ci`: (offset of the SignerInfo,
/// its fields).
fn signer_info_fields(ci: &[u8]) -> (usize, Vec<Vec<u8>>) {
    let parts = crate::signed_data_parts::tolerate(ci).unwrap();
    let si = &parts.signer_infos[0];
    let at = ci
        .windows(si.len())
        .position(|w| w == si.as_slice())
        .unwrap();
    let (body, _) = enter(si, 0x30).unwrap();
    (
        at,
        members(body)
            .unwrap()
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect(),
    )
}

/// `ci` with its only SignerInfo replaced by `infos` (several allowed)
/// and extra `certificates` entries appended.
fn rebuild(ci: &[u8], infos: &[Vec<u8>], extra_certs: &[&[u8]]) -> Vec<u8> {
    let (c, _) = enter(ci, 0x30).unwrap();
    let (_, _, t) = tlv(c).unwrap();
    let (explicit, _) = enter(&c[t..], 0xa0).unwrap();
    let (sd, _) = enter(explicit, 0x30).unwrap();
    let mut fields: Vec<Vec<u8>> = members(sd)
        .unwrap()
        .into_iter()
        .map(<[u8]>::to_vec)
        .collect();
    let n = fields.len();
    let refs: Vec<&[u8]> = infos.iter().map(Vec::as_slice).collect();
    fields[n - 1] = wrap(0x31, &refs);
    if !extra_certs.is_empty() {
        let (_, h, t) = tlv(&fields[3]).unwrap();
        let mut certs: Vec<&[u8]> = members(&fields[3][h..t]).unwrap();
        certs.extend_from_slice(extra_certs);
        fields[3] = wrap(0xa0, &certs);
    }
    let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
    let sd = wrap(0x30, &refs);
    let explicit = wrap(0xa0, &[&sd]);
    wrap(0x30, &[&c[..t], &explicit])
}

fn seq(fields: &[Vec<u8>]) -> Vec<u8> {
    let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
    wrap(0x30, &refs)
}

#[test]
fn garbage_is_a_format_failure() {
    for bytes in [&b""[..], &[0x30, 0x80], &[0x30, 0x03, 0x06, 0x01, 0x00]] {
        assert!(matches!(
            verify_signed_data(bytes, Some(&digest)),
            Err(CmsVerifyError::Format(_))
        ));
    }
}

#[test]
fn der_verifies_without_notes_and_a_changed_content_is_a_hash_failure() {
    let (key, cert) = signer();
    let ci = signed(&key, &cert);
    let mut padded = ci.clone();
    padded.extend([0u8; 64]);
    let v = verify_signed_data(&padded, Some(&digest)).unwrap();
    assert!(v.notes.is_empty(), "{:?}", v.notes);
    assert!(v.refused.is_empty());
    assert_eq!(v.signature_algorithm.to_string(), "ecdsa-sha256");
    let other = |alg: DigestAlgorithm| Ok(kyso_crypto::digest(alg, b"other"));
    assert_eq!(
        verify_signed_data(&ci, Some(&other)).unwrap_err(),
        CmsVerifyError::HashFailure
    );
    assert!(raw_signed_attributes(&ci).unwrap().is_some());
}

#[test]
fn ber_signed_data_verifies_over_the_der_signed_attributes() {
    let (key, cert) = signer();
    let ci = signed(&key, &cert);
    let ber = indefinite(&ci);
    assert_ne!(ber, ci);
    assert_eq!(crate::ber::to_der(&ber).unwrap().as_ref(), ci.as_slice());
    let mut padded = ber.clone();
    padded.extend([0u8; 100]);
    let v = verify_signed_data(&padded, Some(&digest)).unwrap();
    // Every constructed encoding was indefinite, the signed attributes too.
    assert_eq!(
        v.notes,
        vec![CmsNote::BerEncoded, CmsNote::SignedAttributesBer]
    );
    // Only the outer layers in BER (as `openssl cms -stream` writes).
    let (c, _) = enter(&ci, 0x30).unwrap();
    let (_, _, t) = tlv(c).unwrap();
    let (explicit, _) = enter(&c[t..], 0xa0).unwrap();
    let mut outer = vec![0x30, 0x80];
    outer.extend_from_slice(&c[..t]);
    outer.extend([0xa0, 0x80]);
    outer.extend_from_slice(explicit);
    outer.extend([0, 0, 0, 0]);
    let v = verify_signed_data(&outer, Some(&digest)).unwrap();
    assert_eq!(v.notes, vec![CmsNote::BerEncoded]);
    // A BER copy with one byte of the signed content changed fails.
    let other = |alg: DigestAlgorithm| Ok(kyso_crypto::digest(alg, b"x"));
    assert_eq!(
        verify_signed_data(&ber, Some(&other)).unwrap_err(),
        CmsVerifyError::HashFailure
    );
}

#[test]
fn signed_attributes_are_verified_in_the_order_sent() {
    let (key, cert) = signer();
    let ci = signed(&key, &cert);
    let (_, mut fields) = signer_info_fields(&ci);
    let raw = raw_signed_attributes(&ci).unwrap().unwrap();
    let (_, h, t) = tlv(&raw).unwrap();
    let mut attrs: Vec<&[u8]> = members(&raw[h..t]).unwrap();
    assert!(attrs.len() >= 3);
    attrs.reverse();
    let reordered = wrap(0x31, &attrs);
    let mut implicit = reordered.clone();
    implicit[0] = 0xa0;
    fields[3] = implicit;
    // Put out of DER order without re-signing: the signature is over the
    // DER order, not over what was sent.
    let swapped = rebuild(&ci, &[seq(&fields)], &[]);
    match verify_signed_data(&swapped, Some(&digest)) {
        Err(CmsVerifyError::SignatureInvalid(m)) => assert!(m.contains("re-ordered"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Re-signed in the order sent: verifies, noted.
    let sig = key.sign(&reordered).unwrap();
    let n = fields.len();
    let sig_pos = fields.iter().rposition(|f| f[0] == 0x04).unwrap();
    assert!(sig_pos < n);
    fields[sig_pos] = wrap(0x04, &[&sig]);
    let resigned = rebuild(&ci, &[seq(&fields)], &[]);
    let v = verify_signed_data(&resigned, Some(&digest)).unwrap();
    assert_eq!(v.notes, vec![CmsNote::SignedAttributesNotInDerOrder]);
}

#[test]
fn several_signer_infos_use_the_first_that_verifies() {
    let (key, cert) = signer();
    let ci = signed(&key, &cert);
    let (_, fields) = signer_info_fields(&ci);
    let good = seq(&fields);
    let mut broken = fields.clone();
    let sig_pos = broken.iter().rposition(|f| f[0] == 0x04).unwrap();
    let mut sig = broken[sig_pos].clone();
    let last = sig.len() - 1;
    sig[last] ^= 0x01;
    broken[sig_pos] = sig;
    let bad = seq(&broken);
    let v = verify_signed_data(
        &rebuild(&ci, &[bad.clone(), good.clone()], &[]),
        Some(&digest),
    )
    .unwrap();
    match &v.notes[..] {
        [CmsNote::SeveralSignerInfos {
            count: 2,
            used: 2,
            others,
        }] => {
            assert_eq!(others.len(), 1);
            assert_eq!(others[0].index, 1);
            assert!(others[0].signer.as_deref().unwrap().contains("Ký thử"));
            assert!(others[0].problem.is_some());
        }
        n => panic!("{n:?}"),
    }
    // None verifies: the first one's error.
    assert!(matches!(
        verify_signed_data(
            &rebuild(&ci, std::slice::from_ref(&bad), &[]),
            Some(&digest)
        ),
        Err(CmsVerifyError::SignatureInvalid(_))
    ));
    // An identical copy is dropped, not counted as a second signer.
    let v = verify_signed_data(&rebuild(&ci, &[good.clone(), good], &[]), Some(&digest)).unwrap();
    assert_eq!(
        v.notes,
        vec![CmsNote::Tolerated(Tolerated::RepeatedSignerInfos(1))]
    );
}

#[test]
fn unsigned_repeats_and_attribute_certificates_are_tolerated() {
    use crate::signed_data_parts::CertificateChoice;
    let (key, cert) = signer();
    let ci = signed(&key, &cert);
    let (_, mut fields) = signer_info_fields(&ci);
    // An unsigned attribute whose value is listed twice, as some signers
    // write a signature time-stamp token; the value here is not a token,
    // so it is reported later as a broken time-stamp, not a format error.
    let oid = oids::AA_SIGNATURE_TIME_STAMP_TOKEN.to_der().unwrap();
    let value: &[u8] = &[0x30, 0x03, 0x02, 0x01, 0x07];
    let attr = wrap(0x30, &[&oid, &wrap(0x31, &[value, value])]);
    fields.push(wrap(0xa1, &[&attr]));
    // A v2 attribute certificate ([2]) next to the signer's certificate.
    let attr_cert: &[u8] = &[0xa2, 0x03, 0x02, 0x01, 0x01];
    let cert_der = cert.to_der().unwrap();
    let ci2 = rebuild(&ci, &[seq(&fields)], &[attr_cert, &cert_der]);
    let v = verify_signed_data(&ci2, Some(&digest)).unwrap();
    assert_eq!(
        v.notes,
        vec![
            CmsNote::Tolerated(Tolerated::RepeatedCertificates(1)),
            CmsNote::Tolerated(Tolerated::OtherCertificateChoices(vec![
                CertificateChoice::AttributeCertificateV2
            ])),
            CmsNote::Tolerated(Tolerated::RepeatedUnsignedAttribute {
                signer: 1,
                oid: oids::AA_SIGNATURE_TIME_STAMP_TOKEN.to_string()
            }),
        ]
    );
    assert_eq!(v.timestamp_token.as_deref(), Some(value));
    for n in &v.notes {
        assert!(n.to_string().contains(" / "), "{n}");
        assert!(!n.code().is_empty());
    }
}

#[test]
fn a_time_stamp_of_other_data_is_an_imprint_mismatch() {
    use crate::tsp;
    let (key, cert) = signer();
    let tsa_key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let t = template(Profile::Tsa, "CN=TSA thử, C=VN", &tsa_key);
    let tsa_cert = issue(&t, Some(&cert), &key).unwrap();
    let stamped = b"signature value";
    let req = tsp::build_time_stamp_req(
        DigestAlgorithm::Sha256,
        &kyso_crypto::digest(DigestAlgorithm::Sha256, stamped),
        None,
        true,
        None,
    )
    .unwrap();
    let req = tsp::parse_time_stamp_req(&req).unwrap();
    let policy = tsp::TsaPolicy {
        policy: oids::KYSO_DEFAULT_TSA_POLICY,
        accepted_policies: vec![],
        accuracy: tsp::Accuracy::default(),
        digest_algorithm: DigestAlgorithm::Sha256,
    };
    let unit = tsp::TsaUnit {
        certificate: &tsa_cert,
        chain: &[],
        signer: &tsa_key,
    };
    let resp = tsp::build_time_stamp_resp(&req, &unit, &policy, &[7], now).unwrap();
    let token = tsp::parse_time_stamp_resp(&resp)
        .unwrap()
        .token_der
        .unwrap();
    let right = |alg: DigestAlgorithm| Ok(kyso_crypto::digest(alg, stamped));
    let v = verify_time_stamp_token(&token, &right).unwrap();
    assert_eq!(v.gen_time, now);
    // The same token over another signature value (copied from another
    // document): the imprint does not match.
    let wrong = |alg: DigestAlgorithm| Ok(kyso_crypto::digest(alg, b"another signature"));
    assert_eq!(
        verify_time_stamp_token(&token, &wrong).unwrap_err(),
        CmsVerifyError::ImprintMismatch
    );
    // BER-encoded, the token verifies as well.
    let v = verify_time_stamp_token(&indefinite(&token), &right).unwrap();
    assert!(v.cms.notes.contains(&CmsNote::BerEncoded));
    // A SignedData that is not a time-stamp token.
    assert!(matches!(
        verify_time_stamp_token(&signed(&key, &cert), &right),
        Err(CmsVerifyError::Format(_))
    ));
}

#[test]
fn detached_content_signed_without_signed_attributes() {
    // RFC 5652 §5.4: without signed attributes the signature is over the
    // content itself (older adbe.pkcs7.detached signers do this).
    let (key, cert) = signer();
    let ci = signed(&key, &cert);
    let (_, mut fields) = signer_info_fields(&ci);
    assert_eq!(fields[3][0], 0xa0);
    fields.remove(3);
    let sig_pos = fields.iter().rposition(|f| f[0] == 0x04).unwrap();
    fields[sig_pos] = wrap(0x04, &[&key.sign(CONTENT).unwrap()]);
    let bare = rebuild(&ci, &[seq(&fields)], &[]);
    let v = verify_signed_data(&bare, Some(&digest)).unwrap();
    assert_eq!(v.ess, EssBinding::Absent);
    assert!(raw_signed_attributes(&bare).unwrap().is_none());
    let other = |alg: DigestAlgorithm| Ok(kyso_crypto::digest(alg, b"other"));
    assert!(matches!(
        verify_signed_data(&bare, Some(&other)),
        Err(CmsVerifyError::SignatureInvalid(_))
    ));
}
