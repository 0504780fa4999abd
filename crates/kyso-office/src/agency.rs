//! Agencies (R-SCOPE): the province's tree — province → departments and
//! districts → communes — with official codes, names, contact details,
//! the seal image, the organization (seal) certificate and where its key
//! lives (R-TOKEN-ORG, R-CUSTODY). Administered by the department
//! administrator; read by everyone logged in (recipients are chosen from it).

use kyso_ca::IssueOptions;
use kyso_crypto::{KeySpec, Signer, SoftwareKey};
use kyso_pki::name::SubjectName;
use kyso_pki::profile::Profile;
use kyso_store::office::agency;
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::error::{OfficeError, Result};
use crate::keys::KeyLocation;
use crate::role::Role;
use crate::upload::check_png;
use crate::Office;

/// Levels of the tree.
pub const LEVELS: [&str; 5] = ["province", "department", "district", "commune", "unit"];

/// A new agency.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct NewAgency {
    /// The agency above (its id); none for the province.
    pub parent_id: Option<i64>,
    /// Official code, e.g. `000.00.01.H45`.
    pub code: String,
    pub name: String,
    /// Abbreviation in notations, e.g. `UBND`.
    pub short_name: String,
    /// province, department, district, commune or unit.
    pub level: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
}

/// Changes to an agency (absent fields unchanged).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct AgencyUpdate {
    pub name: Option<String>,
    pub short_name: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub active: Option<bool>,
}

/// An agency as shown.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AgencyView {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub level: String,
    pub email: String,
    pub address: String,
    pub phone: String,
    pub active: bool,
    /// SHA-256 of the seal image, if any.
    pub seal_image: Option<String>,
    /// The seal certificate's subject, serial and end of validity.
    pub seal_certificate: Option<CertificateSummary>,
    /// `file` or `pkcs11` when a seal key is configured.
    pub seal_key: Option<String>,
}

/// What people need to know of a certificate.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CertificateSummary {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
}

impl CertificateSummary {
    pub fn of_der(der: &[u8]) -> Option<CertificateSummary> {
        use der::Decode;
        let c = x509_cert::Certificate::from_der(der).ok()?;
        let tbs = &c.tbs_certificate;
        let t = |x: &x509_cert::time::Time| {
            kyso_pki::time::from_x509_time(x)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        Some(CertificateSummary {
            subject: kyso_pki::name::display_name(&tbs.subject),
            issuer: kyso_pki::name::display_name(&tbs.issuer),
            serial: hex::encode(tbs.serial_number.as_bytes()),
            not_before: t(&tbs.validity.not_before),
            not_after: t(&tbs.validity.not_after),
        })
    }
}

pub(crate) fn view(m: &agency::Model) -> AgencyView {
    AgencyView {
        id: m.id,
        parent_id: m.parent_id,
        code: m.code.clone(),
        name: m.name.clone(),
        short_name: m.short_name.clone(),
        level: m.level.clone(),
        email: m.email.clone(),
        address: m.address.clone(),
        phone: m.phone.clone(),
        active: m.active,
        seal_image: m.seal_image.clone(),
        seal_certificate: m
            .certificate_der
            .as_deref()
            .and_then(CertificateSummary::of_der),
        seal_key: m.key_kind.clone(),
    }
}

/// `000.00.01.H45`: four dot-separated groups of 1–4 letters or digits.
pub(crate) fn valid_code(c: &str) -> bool {
    let parts: Vec<&str> = c.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| (1..=4).contains(&p.len()) && p.chars().all(|ch| ch.is_ascii_alphanumeric()))
}

pub(crate) fn text_field(
    value: &str,
    max: usize,
    field_vi: &str,
    field_en: &str,
) -> Result<String> {
    let v = crate::document::metadata::clean_text(value);
    if v.is_empty() || v.chars().count() > max {
        return Err(OfficeError::invalid(
            "bad-field",
            format!("{field_vi} phải có 1–{max} ký tự"),
            format!("{field_en} needs 1–{max} characters"),
        ));
    }
    Ok(v)
}

fn optional_text(value: &str, max: usize, field_vi: &str, field_en: &str) -> Result<String> {
    let v = crate::document::metadata::clean_text(value);
    if v.chars().count() > max {
        return Err(OfficeError::invalid(
            "bad-field",
            format!("{field_vi} dài quá {max} ký tự"),
            format!("{field_en} is longer than {max} characters"),
        ));
    }
    Ok(v)
}

pub(crate) fn email_field(value: &str) -> Result<String> {
    let v = value.trim().to_lowercase();
    if v.is_empty() {
        return Ok(v);
    }
    let ok = v.len() <= 254
        && v.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
        })
        && !v.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(OfficeError::invalid(
            "bad-email",
            format!("địa chỉ thư điện tử không hợp lệ: {v}"),
            format!("not a valid e-mail address: {v}"),
        ));
    }
    Ok(v)
}

/// How the seal key of an agency is set up.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SealKeySetup {
    /// The server generates the key (RSA-3072), keeps it encrypted in the
    /// data directory, and the built-in CA issues the organization
    /// certificate.
    Generate,
    /// The key is on a PKCS#11 token or HSM; its certificate (PEM) is given.
    Pkcs11 {
        /// `module=PATH;token=LABEL;key=LABEL;pin-env=VAR`
        reference: String,
        certificate_pem: String,
    },
}

impl Office {
    /// Loads agency `id`.
    pub(crate) async fn agency_model(
        &self,
        db: &impl kyso_store::sea_orm::ConnectionTrait,
        id: i64,
    ) -> Result<agency::Model> {
        agency::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| OfficeError::not_found("cơ quan", "agency"))
    }

    /// Creates an agency (department administrator).
    pub async fn create_agency(&self, actor: &Actor, n: NewAgency) -> Result<AgencyView> {
        self.guard(actor, "agency.create", async || {
            actor.require_admin()?;
            let code = n.code.trim().to_string();
            if !valid_code(&code) {
                return Err(OfficeError::invalid(
                    "bad-code",
                    format!("mã định danh cơ quan không hợp lệ: {code} (ví dụ 000.00.01.H45)"),
                    format!("not a valid agency code: {code} (e.g. 000.00.01.H45)"),
                ));
            }
            if !LEVELS.contains(&n.level.as_str()) {
                return Err(OfficeError::invalid(
                    "bad-level",
                    format!("cấp không hợp lệ: {} ({})", n.level, LEVELS.join(", ")),
                    format!("unknown level: {} ({})", n.level, LEVELS.join(", ")),
                ));
            }
            let name = text_field(&n.name, 300, "tên cơ quan", "the agency name")?;
            let short = text_field(&n.short_name, 30, "tên viết tắt", "the short name")?;
            if short.contains('/') || short.contains(char::is_whitespace) {
                return Err(OfficeError::invalid(
                    "bad-short-name",
                    "tên viết tắt không được chứa dấu cách hoặc '/'",
                    "the short name may not contain spaces or '/'",
                ));
            }
            let email = email_field(&n.email)?;
            let address = optional_text(&n.address, 300, "địa chỉ", "the address")?;
            let phone = optional_text(&n.phone, 50, "số điện thoại", "the phone")?;
            let now = self.now();
            self.store
                .write(async |tx| {
                    if let Some(p) = n.parent_id {
                        self.agency_model(tx, p).await?;
                    }
                    if agency::Entity::find()
                        .filter(agency::Column::Code.eq(code.clone()))
                        .one(tx)
                        .await?
                        .is_some()
                    {
                        return Err(OfficeError::conflict(
                            "duplicate-code",
                            format!("đã có cơ quan mang mã {code}"),
                            format!("an agency with code {code} exists already"),
                        ));
                    }
                    let m = agency::ActiveModel {
                        parent_id: Set(n.parent_id),
                        code: Set(code.clone()),
                        name: Set(name.clone()),
                        short_name: Set(short.clone()),
                        level: Set(n.level.clone()),
                        email: Set(email.clone()),
                        address: Set(address.clone()),
                        phone: Set(phone.clone()),
                        seal_image: Set(None),
                        certificate_der: Set(None),
                        key_kind: Set(None),
                        key_ref: Set(None),
                        active: Set(true),
                        created_at: Set(now.unix_timestamp()),
                        ..Default::default()
                    }
                    .insert(tx)
                    .await?;
                    record(
                        tx,
                        actor,
                        Entry::new("agency.create", "agency", m.id)
                            .agency(m.id)
                            .role(Role::DeptAdmin)
                            .detail(code.clone()),
                        now,
                    )
                    .await?;
                    Ok(view(&m))
                })
                .await
        })
        .await
    }

    /// Changes an agency's details (department administrator).
    pub async fn update_agency(
        &self,
        actor: &Actor,
        id: i64,
        u: AgencyUpdate,
    ) -> Result<AgencyView> {
        self.guard(actor, "agency.update", async || {
            actor.require_admin()?;
            let now = self.now();
            self.store
                .write(async |tx| {
                    let m = self.agency_model(tx, id).await?;
                    let mut a: agency::ActiveModel = m.into();
                    if let Some(v) = &u.name {
                        a.name = Set(text_field(v, 300, "tên cơ quan", "the agency name")?);
                    }
                    if let Some(v) = &u.short_name {
                        a.short_name = Set(text_field(v, 30, "tên viết tắt", "the short name")?);
                    }
                    if let Some(v) = &u.email {
                        a.email = Set(email_field(v)?);
                    }
                    if let Some(v) = &u.address {
                        a.address = Set(optional_text(v, 300, "địa chỉ", "the address")?);
                    }
                    if let Some(v) = &u.phone {
                        a.phone = Set(optional_text(v, 50, "số điện thoại", "the phone")?);
                    }
                    if let Some(v) = u.active {
                        a.active = Set(v);
                    }
                    let m = a.update(tx).await?;
                    record(
                        tx,
                        actor,
                        Entry::new("agency.update", "agency", id)
                            .agency(id)
                            .role(Role::DeptAdmin),
                        now,
                    )
                    .await?;
                    Ok(view(&m))
                })
                .await
        })
        .await
    }

    /// Every agency, in tree order by code; `search` filters by name or
    /// code, without regard to accents or case.
    pub async fn list_agencies(
        &self,
        actor: &Actor,
        search: Option<&str>,
    ) -> Result<Vec<AgencyView>> {
        actor.require_scope(Scope::Read)?;
        let all = agency::Entity::find()
            .order_by_asc(agency::Column::Code)
            .all(self.store.connection())
            .await?;
        let needle = search
            .map(crate::document::metadata::fold)
            .unwrap_or_default();
        Ok(all
            .iter()
            .filter(|a| {
                needle.is_empty()
                    || crate::document::metadata::fold(&a.name).contains(&needle)
                    || a.code.to_lowercase().contains(&needle)
                    || crate::document::metadata::fold(&a.short_name).contains(&needle)
            })
            .map(view)
            .collect())
    }

    /// One agency.
    pub async fn agency(&self, actor: &Actor, id: i64) -> Result<AgencyView> {
        actor.require_scope(Scope::Read)?;
        Ok(view(&self.agency_model(self.store.connection(), id).await?))
    }

    /// Sets the agency's seal key: generated here (the CA issues its
    /// organization certificate) or on a PKCS#11 token. The department
    /// administrator or the agency's IT officer.
    pub async fn set_seal_key(
        &self,
        actor: &Actor,
        id: i64,
        setup: SealKeySetup,
    ) -> Result<AgencyView> {
        self.guard(actor, "agency.seal_key", async || {
            if !actor.has(Role::ItOfficer, id) {
                actor.require_admin()?;
            }
            actor.require_scope(Scope::Admin)?;
            let a = self.agency_model(self.store.connection(), id).await?;
            let (loc, cert_der) = match &setup {
                SealKeySetup::Generate => {
                    let key =
                        tokio::task::spawn_blocking(|| SoftwareKey::generate(KeySpec::Rsa3072))
                            .await
                            .map_err(|e| OfficeError::internal("key generation", e))?
                            .map_err(|e| OfficeError::internal("key generation", e))?;
                    let province = self.ca.config().province.clone();
                    let subject = SubjectName {
                        country: "VN".into(),
                        state: Some(province),
                        organization: Some(a.name.clone()),
                        common_name: a.name.clone(),
                        email: (!a.email.is_empty()).then(|| a.email.clone()),
                        uid: Some(format!("MDDCQ:{}", a.code)),
                        ..Default::default()
                    };
                    let issued = self
                        .ca
                        .issue_for_public_key(
                            &subject,
                            key.public_key_der(),
                            &IssueOptions {
                                profile: Profile::OrganizationSeal,
                                days: None,
                                subject: None,
                                email: subject.email.clone(),
                            },
                        )
                        .await
                        .map_err(|e| OfficeError::internal("organization certificate", e))?;
                    let file = format!(
                        "seal-{}-{}.p8",
                        a.id,
                        &issued.serial_hex[..12.min(issued.serial_hex.len())]
                    );
                    self.keys
                        .save_file_key(&file, key.pkcs8_der(), &self.config.key_password)?;
                    (KeyLocation::File(file), issued.der)
                }
                SealKeySetup::Pkcs11 {
                    reference,
                    certificate_pem,
                } => {
                    let loc = KeyLocation::parse("pkcs11", reference)?;
                    let der = pem_certificate(certificate_pem)?;
                    (loc, der)
                }
            };
            let now = self.now();
            let m = self
                .store
                .write(async |tx| {
                    let m = self.agency_model(tx, id).await?;
                    let mut am: agency::ActiveModel = m.into();
                    am.key_kind = Set(Some(loc.kind().to_string()));
                    am.key_ref = Set(Some(loc.reference()));
                    am.certificate_der = Set(Some(cert_der.clone()));
                    let m = am.update(tx).await?;
                    record(
                        tx,
                        actor,
                        Entry::new("agency.seal_key", "agency", id)
                            .agency(id)
                            .sha256(kyso_store::blobs::sha256_hex(&cert_der))
                            .detail(loc.kind()),
                        now,
                    )
                    .await?;
                    Ok::<_, OfficeError>(m)
                })
                .await?;
            self.keys.forget(id);
            Ok(view(&m))
        })
        .await
    }

    /// Sets the agency's seal image (PNG with transparency, red).
    pub async fn set_seal_image(
        &self,
        actor: &Actor,
        id: i64,
        png: bytes::Bytes,
    ) -> Result<AgencyView> {
        self.guard(actor, "agency.seal_image", async || {
            if !actor.has(Role::ItOfficer, id) && !actor.has(Role::Clerk, id) {
                actor.require_admin()?;
            }
            actor.require_scope(Scope::Write)?;
            check_png(&png)?;
            let r = self.blobs.put(png).await?;
            let now = self.now();
            self.store
                .write(async |tx| {
                    let m = self.agency_model(tx, id).await?;
                    kyso_store::record_blob(tx, &r, "image/png", None, now).await?;
                    let mut am: agency::ActiveModel = m.into();
                    am.seal_image = Set(Some(r.sha256.clone()));
                    let m = am.update(tx).await?;
                    record(
                        tx,
                        actor,
                        Entry::new("agency.seal_image", "agency", id)
                            .agency(id)
                            .sha256(r.sha256.clone()),
                        now,
                    )
                    .await?;
                    Ok(view(&m))
                })
                .await
        })
        .await
    }
}

/// The first certificate of a PEM text, DER.
pub(crate) fn pem_certificate(pem: &str) -> Result<Vec<u8>> {
    use der::{Decode, DecodePem, Encode};
    let bad = || {
        OfficeError::invalid(
            "bad-certificate",
            "không đọc được chứng thư số (PEM)",
            "cannot read the certificate (PEM)",
        )
    };
    let c = x509_cert::Certificate::from_pem(pem.trim().as_bytes()).map_err(|_| bad())?;
    let der = c.to_der().map_err(|_| bad())?;
    x509_cert::Certificate::from_der(&der).map_err(|_| bad())?;
    Ok(der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_emails() {
        assert!(valid_code("000.00.01.H45"));
        assert!(valid_code("000.01.00.G01"));
        assert!(!valid_code("000.00.01"));
        assert!(!valid_code("000.00.01.H45 "));
        assert!(!valid_code("000..01.H45"));
        assert_eq!(
            email_field(" VanThu@NinhBinh.gov.vn ").unwrap(),
            "vanthu@ninhbinh.gov.vn"
        );
        assert!(email_field("no-at-sign").is_err());
        assert!(email_field("a@b").is_err());
        assert_eq!(email_field("").unwrap(), "");
    }
}
