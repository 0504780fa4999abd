use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{
    Attribute, AttributeType, CertificateType, KeyType, ObjectClass, ObjectHandle,
};
use cryptoki::session::{Session, UserType};
use der::Encode;

use super::public_key::certificate_spki;
use super::{
    check_before_login, ec_spki, rsa_spki, Pin, PinEntry, PinState, PinUser, Pkcs11Error,
    Pkcs11Module, Pkcs11Signer, TokenInfoSummary,
};
use crate::algorithm::oid;
use crate::{CryptoError, KeySpec, SignatureAlgorithm};

/// Which key on the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySelector {
    /// CKA_LABEL of the private key.
    Label(String),
    /// CKA_ID of the private key.
    Id(Vec<u8>),
    /// The key whose certificate (DER) is stored on the token: the private
    /// key with the certificate object's CKA_ID.
    Certificate(Vec<u8>),
}

impl std::fmt::Display for KeySelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySelector::Label(l) => write!(f, "label {l:?}"),
            KeySelector::Id(id) => write!(f, "id {}", hex_lower(id)),
            KeySelector::Certificate(_) => f.write_str("the given certificate"),
        }
    }
}

/// Object classes kyso lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectClassName {
    PrivateKey,
    PublicKey,
    Certificate,
}

impl std::fmt::Display for ObjectClassName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ObjectClassName::PrivateKey => "private-key",
            ObjectClassName::PublicKey => "public-key",
            ObjectClassName::Certificate => "certificate",
        })
    }
}

/// One object on the token, as listed.
#[derive(Clone, Debug)]
pub struct ObjectSummary {
    pub class: ObjectClassName,
    /// CKA_LABEL.
    pub label: String,
    /// CKA_ID.
    pub id: Vec<u8>,
    /// "RSA-2048", "EC P-256" for keys.
    pub key_type: Option<String>,
    /// CKA_SENSITIVE of a private key.
    pub sensitive: Option<bool>,
    /// CKA_EXTRACTABLE of a private key.
    pub extractable: Option<bool>,
    /// CKA_VALUE of a certificate (DER).
    pub value: Option<Vec<u8>>,
}

/// A certificate to store on the token. The caller parses the
/// certificate (kyso-pki) and hands in the DER pieces PKCS#11 wants.
#[derive(Clone, Debug)]
pub struct CertificateObject {
    /// The certificate, DER (CKA_VALUE).
    pub der: Vec<u8>,
    /// DER of the subject Name (CKA_SUBJECT).
    pub subject: Vec<u8>,
    /// DER of the issuer Name (CKA_ISSUER).
    pub issuer: Vec<u8>,
    /// DER INTEGER of the serial number (CKA_SERIAL_NUMBER).
    pub serial_number: Vec<u8>,
    /// CKA_LABEL.
    pub label: String,
    /// CKA_ID: the key's id for the holder's certificate.
    pub id: Vec<u8>,
}

/// An open read-write session on one token.
pub struct TokenSession {
    module: Pkcs11Module,
    info: TokenInfoSummary,
    pub(crate) session: Session,
}

impl std::fmt::Debug for TokenSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSession")
            .field("label", &self.info.label)
            .field("serial", &self.info.serial)
            .finish_non_exhaustive()
    }
}

pub(crate) fn hex_lower(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).trim_end().to_string()
}

impl TokenSession {
    pub(crate) fn new(module: Pkcs11Module, info: TokenInfoSummary, session: Session) -> Self {
        TokenSession {
            module,
            info,
            session,
        }
    }

    /// The token as seen when the session was opened (or last refreshed).
    pub fn info(&self) -> &TokenInfoSummary {
        &self.info
    }

    /// Re-read the token's flags (PIN state) now.
    pub fn refresh(&mut self) -> Result<PinState, Pkcs11Error> {
        self.info = self.module.token_info(self.info.slot)?;
        Ok(self.info.pin_state)
    }

    /// Log in. Refuses without trying when the PIN is locked, or on the
    /// final try unless `confirm_final_try`. A wrong PIN is reported with
    /// the token's state read right after.
    pub fn login(
        &mut self,
        who: PinUser,
        entry: &PinEntry,
        confirm_final_try: bool,
    ) -> Result<(), Pkcs11Error> {
        let state = self.refresh()?;
        check_before_login(&state, who, confirm_final_try)?;
        let user_type = match who {
            PinUser::User => UserType::User,
            PinUser::SecurityOfficer => UserType::So,
        };
        let result = match entry {
            PinEntry::PinPad => {
                if !self.info.pin_pad {
                    return Err(Pkcs11Error::NoPinPad);
                }
                self.session.login(user_type, None)
            }
            PinEntry::Pin(pin) => {
                if pin.len() < self.info.min_pin_len
                    || (self.info.max_pin_len > 0 && pin.len() > self.info.max_pin_len)
                {
                    // A PIN of the wrong length is wrong; do not spend a try.
                    return Err(Pkcs11Error::PinLength {
                        min: self.info.min_pin_len,
                        max: self.info.max_pin_len,
                    });
                }
                let auth = pin.auth();
                self.session.login(user_type, Some(&auth))
            }
        };
        match result {
            Ok(()) | Err(Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {
                self.refresh()?;
                Ok(())
            }
            Err(Error::Pkcs11(RvError::PinIncorrect, _)) => {
                let state = self.refresh()?;
                if state.describe(who) == "locked" {
                    return Err(Pkcs11Error::PinLocked(who));
                }
                Err(Pkcs11Error::PinIncorrect { who, state })
            }
            Err(Error::Pkcs11(RvError::PinLocked, _)) => Err(Pkcs11Error::PinLocked(who)),
            Err(e) => Err(Pkcs11Error::token("C_Login", e)),
        }
    }

    /// Log out (ignored when not logged in).
    pub fn logout(&self) {
        let _ = self.session.logout();
    }

    /// As the security officer (after [`Self::login`] with
    /// [`PinUser::SecurityOfficer`]): set a new user PIN (C_InitPIN),
    /// which unlocks a locked user PIN.
    pub fn init_user_pin(&self, new_pin: &Pin) -> Result<(), Pkcs11Error> {
        self.check_new_pin(new_pin)?;
        self.session
            .init_pin(&new_pin.auth())
            .map_err(|e| Pkcs11Error::token("C_InitPIN", e))
    }

    /// Change the PIN of the logged-in user (C_SetPIN).
    pub fn change_pin(&self, old_pin: &Pin, new_pin: &Pin) -> Result<(), Pkcs11Error> {
        self.check_new_pin(new_pin)?;
        match self.session.set_pin(&old_pin.auth(), &new_pin.auth()) {
            Ok(()) => Ok(()),
            Err(Error::Pkcs11(RvError::PinIncorrect, _)) => {
                let state = self.module.token_info(self.info.slot)?.pin_state;
                Err(Pkcs11Error::PinIncorrect {
                    who: PinUser::User,
                    state,
                })
            }
            Err(Error::Pkcs11(RvError::PinLenRange, _)) => Err(Pkcs11Error::PinLength {
                min: self.info.min_pin_len,
                max: self.info.max_pin_len,
            }),
            Err(e) => Err(Pkcs11Error::token("C_SetPIN", e)),
        }
    }

    fn check_new_pin(&self, pin: &Pin) -> Result<(), Pkcs11Error> {
        if pin.len() < self.info.min_pin_len.max(4)
            || (self.info.max_pin_len > 0 && pin.len() > self.info.max_pin_len)
        {
            return Err(Pkcs11Error::PinLength {
                min: self.info.min_pin_len.max(4),
                max: self.info.max_pin_len,
            });
        }
        Ok(())
    }

    fn find(&self, template: &[Attribute]) -> Result<Vec<ObjectHandle>, Pkcs11Error> {
        self.session
            .find_objects(template)
            .map_err(|e| Pkcs11Error::token("C_FindObjects", e))
    }

    fn attrs(
        &self,
        h: ObjectHandle,
        types: &[AttributeType],
    ) -> Result<Vec<Attribute>, Pkcs11Error> {
        self.session
            .get_attributes(h, types)
            .map_err(|e| Pkcs11Error::token("C_GetAttributeValue", e))
    }

    /// Keys and certificates visible in this session (private keys only
    /// after login).
    pub fn objects(&self) -> Result<Vec<ObjectSummary>, Pkcs11Error> {
        let mut out = Vec::new();
        for (class, name) in [
            (ObjectClass::PRIVATE_KEY, ObjectClassName::PrivateKey),
            (ObjectClass::PUBLIC_KEY, ObjectClassName::PublicKey),
            (ObjectClass::CERTIFICATE, ObjectClassName::Certificate),
        ] {
            for h in self.find(&[Attribute::Class(class)])? {
                out.push(self.summary(h, name)?);
            }
        }
        Ok(out)
    }

    fn summary(
        &self,
        h: ObjectHandle,
        class: ObjectClassName,
    ) -> Result<ObjectSummary, Pkcs11Error> {
        let mut s = ObjectSummary {
            class,
            label: String::new(),
            id: Vec::new(),
            key_type: None,
            sensitive: None,
            extractable: None,
            value: None,
        };
        let mut types = vec![AttributeType::Label, AttributeType::Id];
        match class {
            ObjectClassName::Certificate => types.push(AttributeType::Value),
            _ => types.extend([
                AttributeType::KeyType,
                AttributeType::Modulus,
                AttributeType::EcParams,
            ]),
        }
        if class == ObjectClassName::PrivateKey {
            types.extend([AttributeType::Sensitive, AttributeType::Extractable]);
        }
        let mut kt = None;
        let mut bits = None;
        let mut curve = None;
        for a in self.attrs(h, &types)? {
            match a {
                Attribute::Label(v) => s.label = text(&v),
                Attribute::Id(v) => s.id = v,
                Attribute::Value(v) => s.value = Some(v),
                Attribute::KeyType(k) => kt = Some(k),
                Attribute::Modulus(m) => {
                    let lead = m.iter().position(|b| *b != 0).unwrap_or(m.len());
                    let m = &m[lead..];
                    bits = m.first().map(|b| m.len() * 8 - b.leading_zeros() as usize);
                }
                Attribute::EcParams(p) => curve = der::asn1::ObjectIdentifier::from_der_bytes(&p),
                Attribute::Sensitive(b) => s.sensitive = Some(b),
                Attribute::Extractable(b) => s.extractable = Some(b),
                _ => {}
            }
        }
        s.key_type = match kt {
            Some(k) if k == KeyType::RSA => Some(match bits {
                Some(b) => format!("RSA-{b}"),
                None => "RSA".into(),
            }),
            Some(k) if k == KeyType::EC => Some(match curve {
                Some(oid::SECP256R1) => "EC P-256".into(),
                Some(oid::SECP384R1) => "EC P-384".into(),
                Some(c) => format!("EC {c}"),
                None => "EC".into(),
            }),
            Some(k) => Some(format!("{k}")),
            None => None,
        };
        Ok(s)
    }

    /// Generate a key pair ON the token: the private key is CKA_TOKEN,
    /// CKA_PRIVATE, CKA_SENSITIVE and not CKA_EXTRACTABLE, so it never
    /// leaves the token. Needs a user login. Returns the new key's CKA_ID.
    pub fn generate_key_pair(&self, spec: KeySpec, label: &str) -> Result<Vec<u8>, Pkcs11Error> {
        if !self
            .find(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Label(label.as_bytes().to_vec()),
            ])?
            .is_empty()
        {
            return Err(Pkcs11Error::KeyExists(label.to_string()));
        }
        let mut id = vec![0u8; 16];
        crate::random_bytes(&mut id)?;
        let common = |public: bool| {
            vec![
                Attribute::Token(true),
                Attribute::Private(!public),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Id(id.clone()),
            ]
        };
        let mut public = common(true);
        public.push(Attribute::Verify(true));
        let mut private = common(false);
        private.extend([
            Attribute::Sign(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
        ]);
        let mechanism = match spec {
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
                let bits: u64 = match spec {
                    KeySpec::Rsa2048 => 2048,
                    KeySpec::Rsa3072 => 3072,
                    _ => 4096,
                };
                public.push(Attribute::ModulusBits(bits.into()));
                public.push(Attribute::PublicExponent(vec![0x01, 0x00, 0x01]));
                Mechanism::RsaPkcsKeyPairGen
            }
            KeySpec::EcP256 | KeySpec::EcP384 => {
                let curve = if spec == KeySpec::EcP256 {
                    oid::SECP256R1
                } else {
                    oid::SECP384R1
                };
                public.push(Attribute::EcParams(
                    curve.to_der().map_err(CryptoError::from)?,
                ));
                Mechanism::EccKeyPairGen
            }
        };
        self.session
            .generate_key_pair(&mechanism, &public, &private)
            .map_err(|e| Pkcs11Error::token("C_GenerateKeyPair", e))?;
        Ok(id)
    }

    /// Store a certificate as a CKO_CERTIFICATE (X.509) token object.
    pub fn import_certificate(&self, cert: &CertificateObject) -> Result<(), Pkcs11Error> {
        if !self
            .find(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::Value(cert.der.clone()),
            ])?
            .is_empty()
        {
            return Ok(());
        }
        let template = vec![
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Label(cert.label.as_bytes().to_vec()),
            Attribute::Id(cert.id.clone()),
            Attribute::Subject(cert.subject.clone()),
            Attribute::Issuer(cert.issuer.clone()),
            Attribute::SerialNumber(cert.serial_number.clone()),
            Attribute::Value(cert.der.clone()),
        ];
        self.session
            .create_object(&template)
            .map(|_| ())
            .map_err(|e| Pkcs11Error::token("C_CreateObject", e))
    }

    /// The private key matching `sel`, with its CKA_ID and CKA_LABEL.
    pub(crate) fn find_private_key(
        &self,
        sel: &KeySelector,
    ) -> Result<(ObjectHandle, Vec<u8>, String), Pkcs11Error> {
        let mut template = vec![Attribute::Class(ObjectClass::PRIVATE_KEY)];
        match sel {
            KeySelector::Label(l) => template.push(Attribute::Label(l.as_bytes().to_vec())),
            KeySelector::Id(id) => template.push(Attribute::Id(id.clone())),
            KeySelector::Certificate(der) => {
                let certs = self.find(&[
                    Attribute::Class(ObjectClass::CERTIFICATE),
                    Attribute::Value(der.clone()),
                ])?;
                let cert = certs
                    .first()
                    .ok_or_else(|| Pkcs11Error::KeyNotFound(sel.to_string()))?;
                let id = self
                    .attrs(*cert, &[AttributeType::Id])?
                    .into_iter()
                    .find_map(|a| match a {
                        Attribute::Id(v) if !v.is_empty() => Some(v),
                        _ => None,
                    })
                    .ok_or_else(|| Pkcs11Error::KeyNotFound(sel.to_string()))?;
                template.push(Attribute::Id(id));
            }
        }
        let keys = self.find(&template)?;
        let h = match keys.len() {
            0 => return Err(Pkcs11Error::KeyNotFound(sel.to_string())),
            1 => keys[0],
            count => {
                return Err(Pkcs11Error::AmbiguousKey {
                    what: sel.to_string(),
                    count,
                })
            }
        };
        let mut id = Vec::new();
        let mut label = String::new();
        for a in self.attrs(h, &[AttributeType::Id, AttributeType::Label])? {
            match a {
                Attribute::Id(v) => id = v,
                Attribute::Label(v) => label = text(&v),
                _ => {}
            }
        }
        Ok((h, id, label))
    }

    /// SubjectPublicKeyInfo of a private key: from its public key object
    /// (same CKA_ID), else, for RSA, from the private key's own public
    /// attributes. Also says whether it is an RSA key.
    pub(crate) fn public_key_of(
        &self,
        private: ObjectHandle,
        id: &[u8],
    ) -> Result<(Vec<u8>, PublicKeyKind), Pkcs11Error> {
        let mut candidates = Vec::new();
        if !id.is_empty() {
            candidates = self.find(&[
                Attribute::Class(ObjectClass::PUBLIC_KEY),
                Attribute::Id(id.to_vec()),
            ])?;
        }
        candidates.push(private);
        for h in candidates {
            let attrs = self.attrs(
                h,
                &[
                    AttributeType::KeyType,
                    AttributeType::Modulus,
                    AttributeType::PublicExponent,
                    AttributeType::EcParams,
                    AttributeType::EcPoint,
                ],
            )?;
            let (mut kt, mut n, mut e, mut params, mut point) = (None, None, None, None, None);
            for a in attrs {
                match a {
                    Attribute::KeyType(k) => kt = Some(k),
                    Attribute::Modulus(v) => n = Some(v),
                    Attribute::PublicExponent(v) => e = Some(v),
                    Attribute::EcParams(v) => params = Some(v),
                    Attribute::EcPoint(v) => point = Some(v),
                    _ => {}
                }
            }
            match (kt, n, e, params, point) {
                (Some(k), Some(n), Some(e), _, _) if k == KeyType::RSA => {
                    return Ok((rsa_spki(&n, &e)?, PublicKeyKind::Rsa));
                }
                (Some(k), _, _, Some(p), Some(pt)) if k == KeyType::EC => {
                    let (spki, curve) = ec_spki(&p, &pt)?;
                    let kind = if curve == oid::SECP256R1 {
                        PublicKeyKind::EcP256
                    } else {
                        PublicKeyKind::EcP384
                    };
                    return Ok((spki, kind));
                }
                (Some(k), ..) if k != KeyType::RSA && k != KeyType::EC => {
                    return Err(Pkcs11Error::UnsupportedKey(format!("{k}")));
                }
                _ => {}
            }
        }
        // No public-key object (a key and certificate imported with
        // `pkcs11-tool --write-object`, the usual case for EC keys, whose
        // private object carries no CKA_EC_POINT): the certificate with
        // the same CKA_ID holds the public key, as pyHanko reads it.
        if !id.is_empty() {
            let private_type = self
                .attrs(private, &[AttributeType::KeyType])?
                .into_iter()
                .find_map(|a| match a {
                    Attribute::KeyType(k) => Some(k),
                    _ => None,
                });
            for h in self.find(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::Id(id.to_vec()),
            ])? {
                let Some(value) = self
                    .attrs(h, &[AttributeType::Value])?
                    .into_iter()
                    .find_map(|a| match a {
                        Attribute::Value(v) => Some(v),
                        _ => None,
                    })
                else {
                    continue;
                };
                let Ok(spki) = certificate_spki(&value) else {
                    continue;
                };
                let kind = spki_kind(&spki)?;
                let matches = match (private_type, kind) {
                    (Some(k), PublicKeyKind::Rsa) => k == KeyType::RSA,
                    (Some(k), _) => k == KeyType::EC,
                    (None, _) => true,
                };
                if matches {
                    return Ok((spki, kind));
                }
            }
        }
        Err(Pkcs11Error::UnsupportedKey(
            "no public key object, public attributes or certificate with the same CKA_ID for this key".into(),
        ))
    }

    /// The CKA_ID, CKA_LABEL and SubjectPublicKeyInfo of the private key
    /// matching `sel` (log in first).
    pub fn key_info(&self, sel: &KeySelector) -> Result<KeyInfo, Pkcs11Error> {
        let (key, id, label) = self.find_private_key(sel)?;
        let (spki, _) = self.public_key_of(key, &id)?;
        Ok(KeyInfo { id, label, spki })
    }

    /// A signer with the key matching `sel`, signing with `algorithm` (else
    /// RSASSA-PSS SHA-256 for RSA, ECDSA with the curve's hash for EC).
    /// Log in first; the session stays logged in for many signatures.
    pub fn into_signer(
        self,
        sel: &KeySelector,
        algorithm: Option<SignatureAlgorithm>,
    ) -> Result<Pkcs11Signer, Pkcs11Error> {
        let (key, id, label) = self.find_private_key(sel)?;
        let (spki, kind) = self.public_key_of(key, &id)?;
        Pkcs11Signer::new(self, key, id, label, spki, kind, algorithm)
    }
}

/// The kind of key of a DER SubjectPublicKeyInfo kyso can sign with.
fn spki_kind(spki: &[u8]) -> Result<PublicKeyKind, Pkcs11Error> {
    use der::Decode;
    let info = spki::SubjectPublicKeyInfoRef::from_der(spki)
        .map_err(|e| Pkcs11Error::UnsupportedKey(format!("certificate key: {e}")))?;
    if info.algorithm.oid == oid::RSA_ENCRYPTION {
        return Ok(PublicKeyKind::Rsa);
    }
    if info.algorithm.oid == oid::ID_EC_PUBLIC_KEY {
        match info.algorithm.parameters_oid() {
            Ok(oid::SECP256R1) => return Ok(PublicKeyKind::EcP256),
            Ok(oid::SECP384R1) => return Ok(PublicKeyKind::EcP384),
            Ok(c) => return Err(Pkcs11Error::UnsupportedKey(format!("EC curve {c}"))),
            Err(_) => {}
        }
    }
    Err(Pkcs11Error::UnsupportedKey(format!(
        "certificate key {}",
        info.algorithm.oid
    )))
}

/// A private key on the token, described.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// CKA_ID.
    pub id: Vec<u8>,
    /// CKA_LABEL.
    pub label: String,
    /// DER SubjectPublicKeyInfo.
    pub spki: Vec<u8>,
}

/// The kind of key a signer holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PublicKeyKind {
    Rsa,
    EcP256,
    EcP384,
}

trait FromDerBytes: Sized {
    fn from_der_bytes(b: &[u8]) -> Option<Self>;
}

impl FromDerBytes for der::asn1::ObjectIdentifier {
    fn from_der_bytes(b: &[u8]) -> Option<Self> {
        <Self as der::Decode>::from_der(b).ok()
    }
}
