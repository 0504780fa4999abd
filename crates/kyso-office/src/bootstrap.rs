//! The first account: on an empty office, `kyso office init` (or `kyso
//! demo`) creates the province's top agency and the department
//! administrator who then creates everything else through the API.
//! Refused once anyone exists.

use kyso_store::office::{agency, membership, person};
use kyso_store::sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait};
use kyso_store::AuditEvent;

use crate::agency::{view, AgencyView, NewAgency};
use crate::auth::{check_password_policy, hash_password};
use crate::error::{OfficeError, Result};
use crate::person::PersonView;
use crate::role::Role;
use crate::Office;

impl Office {
    /// Creates the top agency and its department administrator on an
    /// office with no people yet.
    pub async fn bootstrap(
        &self,
        top: NewAgency,
        username: &str,
        full_name: &str,
        password: &str,
    ) -> Result<(AgencyView, PersonView)> {
        check_password_policy(password)?;
        if !crate::agency::valid_code(top.code.trim())
            || !crate::agency::LEVELS.contains(&top.level.as_str())
        {
            return Err(OfficeError::invalid(
                "bad-agency",
                "mã định danh hoặc cấp của cơ quan không hợp lệ",
                "the agency's code or level is not valid",
            ));
        }
        crate::agency::text_field(&top.name, 300, "tên cơ quan", "the agency name")?;
        crate::agency::text_field(&top.short_name, 30, "tên viết tắt", "the short name")?;
        let pw = password.to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
            .await
            .map_err(|e| OfficeError::internal("password hash", e))??;
        let username = username.trim().to_lowercase();
        let full_name = crate::document::metadata::clean_text(full_name);
        let now = self.now();
        let t = now.unix_timestamp();
        self.store
            .write(async |tx| {
                if person::Entity::find().count(tx).await? > 0 {
                    return Err(OfficeError::conflict(
                        "already-initialised",
                        "văn phòng đã có tài khoản; hãy dùng tài khoản quản trị để tạo thêm",
                        "the office has accounts already; use an administrator account to add more",
                    ));
                }
                let a = agency::ActiveModel {
                    parent_id: Set(None),
                    code: Set(top.code.trim().to_string()),
                    name: Set(crate::document::metadata::clean_text(&top.name)),
                    short_name: Set(top.short_name.trim().to_string()),
                    level: Set(top.level.clone()),
                    email: Set(crate::agency::email_field(&top.email)?),
                    address: Set(top.address.clone()),
                    phone: Set(top.phone.clone()),
                    seal_image: Set(None),
                    certificate_der: Set(None),
                    key_kind: Set(None),
                    key_ref: Set(None),
                    active: Set(true),
                    created_at: Set(t),
                    ..Default::default()
                }
                .insert(tx)
                .await?;
                let p = person::ActiveModel {
                    username: Set(username.clone()),
                    full_name: Set(full_name.clone()),
                    email: Set(String::new()),
                    phone: Set(String::new()),
                    password_hash: Set(Some(hash.clone())),
                    failed_logins: Set(0),
                    locked_until: Set(None),
                    certificate_der: Set(None),
                    signature_image: Set(None),
                    language: Set("vi".into()),
                    active: Set(true),
                    created_at: Set(t),
                    ..Default::default()
                }
                .insert(tx)
                .await?;
                membership::ActiveModel {
                    person_id: Set(p.id),
                    agency_id: Set(a.id),
                    role_code: Set(Role::DeptAdmin.code().into()),
                    position: Set(None),
                    title: Set(None),
                    created_at: Set(t),
                    ..Default::default()
                }
                .insert(tx)
                .await?;
                crate::audit::record_event(
                    tx,
                    AuditEvent {
                        actor: "system".into(),
                        action: "office.bootstrap".into(),
                        object_kind: "person".into(),
                        object_id: p.id.to_string(),
                        agency_id: Some(a.id),
                        detail: Some(format!("{} / {}", a.code, username)),
                        ..Default::default()
                    },
                    now,
                )
                .await?;
                let pv = self.person_view(tx, p).await?;
                Ok((view(&a), pv))
            })
            .await
    }
}
