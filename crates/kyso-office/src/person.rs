//! People and their roles (R-ROLES): accounts, memberships of agencies
//! with a role, position and title (box 7a), the personal certificate and
//! the handwritten specimen image. The department administrator manages
//! everyone; an agency's IT officer manages the accounts of that agency
//! (but cannot grant the administrator or CA-operator roles).

use kyso_store::office::{membership, person};
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actor::{Actor, Scope};
use crate::agency::{email_field, text_field, CertificateSummary};
use crate::audit::{record, Entry};
use crate::auth::{check_password_policy, hash_password};
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::upload::check_png;
use crate::Office;

/// A new account.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct NewPerson {
    pub username: String,
    pub full_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    /// Initial password; none: API tokens only until one is set.
    pub password: Option<String>,
    #[serde(default)]
    pub memberships: Vec<NewMembership>,
}

/// A role in an agency.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub struct NewMembership {
    pub agency_id: i64,
    /// drafter, approver, clerk, head, it_officer, dept_admin, ca_operator, auditor.
    pub role: String,
    /// Chức vụ, e.g. `Chủ tịch`.
    pub position: Option<String>,
    /// Quyền hạn, e.g. `TM. ỦY BAN NHÂN DÂN`, `KT. CHỦ TỊCH`.
    pub title: Option<String>,
}

/// A person as shown.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonView {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub phone: String,
    pub active: bool,
    pub locked: bool,
    pub language: String,
    pub memberships: Vec<MembershipView>,
    pub certificate: Option<CertificateSummary>,
    pub signature_image: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MembershipView {
    pub id: i64,
    pub agency_id: i64,
    pub role: String,
    pub position: Option<String>,
    pub title: Option<String>,
}

/// Changes to a person (absent fields unchanged).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct PersonUpdate {
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub active: Option<bool>,
    /// `vi` or `en`.
    pub language: Option<String>,
    /// Clear a lock-out.
    pub unlock: Option<bool>,
}

fn username_field(u: &str) -> Result<String> {
    let u = u.trim().to_lowercase();
    let ok = (3..=64).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-@".contains(c));
    if !ok {
        return Err(OfficeError::invalid(
            "bad-username",
            "tên đăng nhập có 3–64 ký tự: chữ thường không dấu, số, . _ - @",
            "a user name has 3–64 characters: lower-case ASCII letters, digits, . _ - @",
        ));
    }
    Ok(u)
}

impl Office {
    /// Whether the actor administers the accounts of `agency_id`.
    fn administers(&self, actor: &Actor, agency_id: i64) -> bool {
        actor.has_anywhere(Role::DeptAdmin) || actor.has(Role::ItOfficer, agency_id)
    }

    fn require_administers(&self, actor: &Actor, agency_ids: &[i64]) -> Result<()> {
        actor.require_scope(Scope::Admin)?;
        if agency_ids.iter().all(|a| self.administers(actor, *a)) && !agency_ids.is_empty()
            || actor.has_anywhere(Role::DeptAdmin)
        {
            Ok(())
        } else {
            Err(OfficeError::forbidden(
                "chỉ quản trị Sở KH&CN hoặc cán bộ CNTT của cơ quan được quản lý tài khoản này",
                "only the department administrator or the agency's IT officer may manage this account",
            ))
        }
    }

    /// A role may be granted by the actor: administrators grant any, IT
    /// officers any but the administrator and CA-operator roles.
    fn check_grant(&self, actor: &Actor, m: &NewMembership) -> Result<Role> {
        let role = Role::parse(&m.role)?;
        if actor.has_anywhere(Role::DeptAdmin) {
            return Ok(role);
        }
        if matches!(role, Role::DeptAdmin | Role::CaOperator)
            || !actor.has(Role::ItOfficer, m.agency_id)
        {
            return Err(OfficeError::forbidden(
                format!("không được cấp vai trò {}", role.name_vi()),
                format!("you may not grant the {} role", role.name_en()),
            ));
        }
        Ok(role)
    }

    pub(crate) async fn person_view(
        &self,
        db: &impl kyso_store::sea_orm::ConnectionTrait,
        p: person::Model,
    ) -> Result<PersonView> {
        let ms = membership::Entity::find()
            .filter(membership::Column::PersonId.eq(p.id))
            .order_by_asc(membership::Column::Id)
            .all(db)
            .await?;
        let now = self.now().unix_timestamp();
        Ok(PersonView {
            id: p.id,
            username: p.username,
            full_name: p.full_name,
            email: p.email,
            phone: p.phone,
            active: p.active,
            locked: p.locked_until.is_some_and(|t| t > now),
            language: p.language,
            memberships: ms
                .into_iter()
                .map(|m| MembershipView {
                    id: m.id,
                    agency_id: m.agency_id,
                    role: m.role_code,
                    position: m.position,
                    title: m.title,
                })
                .collect(),
            certificate: p
                .certificate_der
                .as_deref()
                .and_then(CertificateSummary::of_der),
            signature_image: p.signature_image,
        })
    }

    async fn person_model(
        &self,
        db: &impl kyso_store::sea_orm::ConnectionTrait,
        id: i64,
    ) -> Result<person::Model> {
        person::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| OfficeError::not_found("người dùng", "person"))
    }

    /// Creates an account with its roles.
    pub async fn create_person(&self, actor: &Actor, n: NewPerson) -> Result<PersonView> {
        self.guard(actor, "person.create", async || {
            let agencies: Vec<i64> = n.memberships.iter().map(|m| m.agency_id).collect();
            self.require_administers(actor, &agencies)?;
            let roles = n
                .memberships
                .iter()
                .map(|m| self.check_grant(actor, m))
                .collect::<Result<Vec<Role>>>()?;
            let username = username_field(&n.username)?;
            let full_name = text_field(&n.full_name, 200, "họ và tên", "the full name")?;
            let email = email_field(&n.email)?;
            let phone = n.phone.trim().chars().take(50).collect::<String>();
            let hash = match &n.password {
                Some(pw) => {
                    check_password_policy(pw)?;
                    let pw = pw.clone();
                    Some(
                        tokio::task::spawn_blocking(move || hash_password(&pw))
                            .await
                            .map_err(|e| OfficeError::internal("password hash", e))??,
                    )
                }
                None => None,
            };
            let now = self.now();
            self.store
                .write(async |tx| {
                    if person::Entity::find()
                        .filter(person::Column::Username.eq(username.clone()))
                        .one(tx)
                        .await?
                        .is_some()
                    {
                        return Err(OfficeError::conflict(
                            "duplicate-username",
                            format!("tên đăng nhập {username} đã có người dùng"),
                            format!("the user name {username} is taken"),
                        ));
                    }
                    let p = person::ActiveModel {
                        username: Set(username.clone()),
                        full_name: Set(full_name.clone()),
                        email: Set(email.clone()),
                        phone: Set(phone.clone()),
                        password_hash: Set(hash.clone()),
                        failed_logins: Set(0),
                        locked_until: Set(None),
                        certificate_der: Set(None),
                        signature_image: Set(None),
                        language: Set("vi".into()),
                        active: Set(true),
                        created_at: Set(now.unix_timestamp()),
                        ..Default::default()
                    }
                    .insert(tx)
                    .await?;
                    for (m, role) in n.memberships.iter().zip(&roles) {
                        self.agency_model(tx, m.agency_id).await?;
                        insert_membership(tx, p.id, m, *role, now.unix_timestamp()).await?;
                    }
                    record(
                        tx,
                        actor,
                        Entry::new("person.create", "person", p.id).detail(username.clone()),
                        now,
                    )
                    .await?;
                    self.person_view(tx, p).await
                })
                .await
        })
        .await
    }

    /// Changes a person's details (themself: name, e-mail, phone,
    /// language; an administrator also active and unlock).
    pub async fn update_person(
        &self,
        actor: &Actor,
        id: i64,
        u: PersonUpdate,
    ) -> Result<PersonView> {
        self.guard(actor, "person.update", async || {
            actor.require_scope(Scope::Write)?;
            let now = self.now();
            self.store
                .write(async |tx| {
                    let p = self.person_model(tx, id).await?;
                    if id != actor.person_id || u.active.is_some() || u.unlock.is_some() {
                        let agencies = person_agencies(tx, id).await?;
                        self.require_administers(actor, &agencies)?;
                    }
                    let mut a: person::ActiveModel = p.into();
                    if let Some(v) = &u.full_name {
                        a.full_name = Set(text_field(v, 200, "họ và tên", "the full name")?);
                    }
                    if let Some(v) = &u.email {
                        a.email = Set(email_field(v)?);
                    }
                    if let Some(v) = &u.phone {
                        a.phone = Set(v.trim().chars().take(50).collect());
                    }
                    if let Some(v) = &u.language {
                        if v != "vi" && v != "en" {
                            return Err(OfficeError::invalid(
                                "bad-language",
                                "ngôn ngữ là vi hoặc en",
                                "the language is vi or en",
                            ));
                        }
                        a.language = Set(v.clone());
                    }
                    if let Some(v) = u.active {
                        a.active = Set(v);
                    }
                    if u.unlock == Some(true) {
                        a.locked_until = Set(None);
                        a.failed_logins = Set(0);
                    }
                    let p = a.update(tx).await?;
                    record(tx, actor, Entry::new("person.update", "person", id), now).await?;
                    self.person_view(tx, p).await
                })
                .await
        })
        .await
    }

    /// Sets a password: the person themself (with the current one), or an
    /// administrator of their agencies (a reset).
    pub async fn set_password(
        &self,
        actor: &Actor,
        id: i64,
        current: Option<&str>,
        new: &str,
    ) -> Result<()> {
        self.guard(actor, "person.password", async || {
            actor.require_scope(Scope::Write)?;
            check_password_policy(new)?;
            let db = self.store.connection();
            let p = self.person_model(db, id).await?;
            if id == actor.person_id && current.is_some() {
                let ok = match (&p.password_hash, current) {
                    (Some(h), Some(c)) => {
                        let (h, c) = (h.clone(), c.to_string());
                        tokio::task::spawn_blocking(move || crate::auth::verify_password(&c, &h))
                            .await
                            .map_err(|e| OfficeError::internal("password check", e))?
                    }
                    _ => false,
                };
                if !ok {
                    return Err(OfficeError::unauthenticated(
                        "mật khẩu hiện tại không đúng",
                        "the current password is wrong",
                    ));
                }
            } else {
                let agencies = person_agencies(db, id).await?;
                self.require_administers(actor, &agencies)?;
            }
            let new = new.to_string();
            let hash = tokio::task::spawn_blocking(move || hash_password(&new))
                .await
                .map_err(|e| OfficeError::internal("password hash", e))??;
            let now = self.now();
            self.store
                .write(async |tx| {
                    let mut a: person::ActiveModel = self.person_model(tx, id).await?.into();
                    a.password_hash = Set(Some(hash.clone()));
                    a.failed_logins = Set(0);
                    a.locked_until = Set(None);
                    a.update(tx).await?;
                    // Other sessions of the account end with the old password.
                    kyso_store::office::session::Entity::delete_many()
                        .filter(kyso_store::office::session::Column::PersonId.eq(id))
                        .exec(tx)
                        .await?;
                    record(tx, actor, Entry::new("person.password", "person", id), now).await
                })
                .await
        })
        .await
    }

    /// Grants a role in an agency.
    pub async fn add_membership(
        &self,
        actor: &Actor,
        person_id: i64,
        m: NewMembership,
    ) -> Result<PersonView> {
        self.guard(actor, "person.grant", async || {
            self.require_administers(actor, &[m.agency_id])?;
            let role = self.check_grant(actor, &m)?;
            let now = self.now();
            self.store
                .write(async |tx| {
                    let p = self.person_model(tx, person_id).await?;
                    self.agency_model(tx, m.agency_id).await?;
                    let exists = membership::Entity::find()
                        .filter(membership::Column::PersonId.eq(person_id))
                        .filter(membership::Column::AgencyId.eq(m.agency_id))
                        .filter(membership::Column::RoleCode.eq(role.code()))
                        .one(tx)
                        .await?;
                    if exists.is_some() {
                        return Err(OfficeError::conflict(
                            "duplicate-role",
                            "người này đã có vai trò đó tại cơ quan đó",
                            "the person holds that role in that agency already",
                        ));
                    }
                    insert_membership(tx, person_id, &m, role, now.unix_timestamp()).await?;
                    record(
                        tx,
                        actor,
                        Entry::new("person.grant", "person", person_id)
                            .agency(m.agency_id)
                            .detail(role.code()),
                        now,
                    )
                    .await?;
                    self.person_view(tx, p).await
                })
                .await
        })
        .await
    }

    /// Removes a role.
    pub async fn remove_membership(
        &self,
        actor: &Actor,
        person_id: i64,
        membership_id: i64,
    ) -> Result<PersonView> {
        self.guard(actor, "person.revoke_role", async || {
            let now = self.now();
            self.store
                .write(async |tx| {
                    let ms = membership::Entity::find_by_id(membership_id)
                        .one(tx)
                        .await?
                        .filter(|m| m.person_id == person_id)
                        .ok_or_else(|| OfficeError::not_found("vai trò", "membership"))?;
                    self.require_administers(actor, &[ms.agency_id])?;
                    if !actor.has_anywhere(Role::DeptAdmin)
                        && matches!(ms.role_code.as_str(), "dept_admin" | "ca_operator")
                    {
                        return Err(OfficeError::forbidden(
                            "không được thu hồi vai trò này",
                            "you may not remove this role",
                        ));
                    }
                    membership::Entity::delete_by_id(membership_id)
                        .exec(tx)
                        .await?;
                    record(
                        tx,
                        actor,
                        Entry::new("person.revoke_role", "person", person_id)
                            .agency(ms.agency_id)
                            .detail(ms.role_code.clone()),
                        now,
                    )
                    .await?;
                    let p = self.person_model(tx, person_id).await?;
                    self.person_view(tx, p).await
                })
                .await
        })
        .await
    }

    /// People the actor may see: everyone for an administrator; else the
    /// members of the actor's agencies (to assign documents to them).
    pub async fn list_people(
        &self,
        actor: &Actor,
        agency_id: Option<i64>,
    ) -> Result<Vec<PersonView>> {
        actor.require_scope(Scope::Read)?;
        let db = self.store.connection();
        let admin = actor.has_anywhere(Role::DeptAdmin);
        let agencies: Vec<i64> = match agency_id {
            Some(a) if admin || actor.member_of(a) => vec![a],
            Some(_) => {
                return Err(OfficeError::forbidden(
                    "chỉ xem được người dùng của cơ quan mình",
                    "you may only list the people of your own agencies",
                ))
            }
            None if admin => Vec::new(),
            None => actor.agency_ids(),
        };
        let mut q = person::Entity::find().order_by_asc(person::Column::Username);
        if !agencies.is_empty() {
            let ids: Vec<i64> = membership::Entity::find()
                .filter(membership::Column::AgencyId.is_in(agencies))
                .all(db)
                .await?
                .into_iter()
                .map(|m| m.person_id)
                .collect();
            q = q.filter(person::Column::Id.is_in(ids));
        }
        let mut out = Vec::new();
        for p in q.all(db).await? {
            out.push(self.person_view(db, p).await?);
        }
        Ok(out)
    }

    /// One person (themself, a member of the same agency, or an administrator).
    pub async fn person(&self, actor: &Actor, id: i64) -> Result<PersonView> {
        actor.require_scope(Scope::Read)?;
        let db = self.store.connection();
        let p = self.person_model(db, id).await?;
        if id != actor.person_id && !actor.has_anywhere(Role::DeptAdmin) {
            let theirs = person_agencies(db, id).await?;
            if !theirs.iter().any(|a| actor.member_of(*a)) {
                return Err(OfficeError::not_found("người dùng", "person"));
            }
        }
        self.person_view(db, p).await
    }

    /// Sets a person's certificate (PEM) — themself, or an administrator.
    pub async fn set_person_certificate(
        &self,
        actor: &Actor,
        id: i64,
        pem: &str,
    ) -> Result<PersonView> {
        self.guard(actor, "person.certificate", async || {
            actor.require_scope(Scope::Write)?;
            let der = crate::agency::pem_certificate(pem)?;
            let now = self.now();
            self.store
                .write(async |tx| {
                    if id != actor.person_id {
                        let agencies = person_agencies(tx, id).await?;
                        self.require_administers(actor, &agencies)?;
                    }
                    let mut a: person::ActiveModel = self.person_model(tx, id).await?.into();
                    a.certificate_der = Set(Some(der.clone()));
                    let p = a.update(tx).await?;
                    record(
                        tx,
                        actor,
                        Entry::new("person.certificate", "person", id)
                            .sha256(kyso_store::blobs::sha256_hex(&der)),
                        now,
                    )
                    .await?;
                    self.person_view(tx, p).await
                })
                .await
        })
        .await
    }

    /// Sets a person's handwritten specimen (PNG) — themself, or an administrator.
    pub async fn set_signature_image(
        &self,
        actor: &Actor,
        id: i64,
        png: bytes::Bytes,
    ) -> Result<PersonView> {
        self.guard(actor, "person.signature_image", async || {
            actor.require_scope(Scope::Write)?;
            check_png(&png)?;
            if id != actor.person_id {
                let agencies = person_agencies(self.store.connection(), id).await?;
                self.require_administers(actor, &agencies)?;
            }
            let r = self.blobs.put(png).await?;
            let now = self.now();
            self.store
                .write(async |tx| {
                    kyso_store::record_blob(tx, &r, "image/png", None, now).await?;
                    let mut a: person::ActiveModel = self.person_model(tx, id).await?.into();
                    a.signature_image = Set(Some(r.sha256.clone()));
                    let p = a.update(tx).await?;
                    record(
                        tx,
                        actor,
                        Entry::new("person.signature_image", "person", id).sha256(r.sha256.clone()),
                        now,
                    )
                    .await?;
                    self.person_view(tx, p).await
                })
                .await
        })
        .await
    }
}

async fn insert_membership(
    tx: &impl kyso_store::sea_orm::ConnectionTrait,
    person_id: i64,
    m: &NewMembership,
    role: Role,
    now: i64,
) -> Result<()> {
    let clean = |s: &Option<String>| {
        s.as_deref()
            .map(crate::document::metadata::clean_text)
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(200).collect::<String>())
    };
    membership::ActiveModel {
        person_id: Set(person_id),
        agency_id: Set(m.agency_id),
        role_code: Set(role.code().to_string()),
        position: Set(clean(&m.position)),
        title: Set(clean(&m.title)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(())
}

/// The agencies a person belongs to.
pub(crate) async fn person_agencies(
    db: &impl kyso_store::sea_orm::ConnectionTrait,
    person_id: i64,
) -> Result<Vec<i64>> {
    let mut v: Vec<i64> = membership::Entity::find()
        .filter(membership::Column::PersonId.eq(person_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.agency_id)
        .collect();
    v.sort_unstable();
    v.dedup();
    Ok(v)
}
