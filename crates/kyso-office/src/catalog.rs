//! The data tables people choose from: document types (Decree 30/2020
//! Appendix III) and categories (R-CATEGORIES as the default set; each
//! agency adds its own, R-EXTRA-CATEGORIES).

use kyso_store::office::{category, document_type};
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::document::metadata::clean_text;
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DocumentTypeView {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub id: i64,
    /// The agency that added it; none for the default set.
    pub agency_id: Option<i64>,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

/// A category an agency adds.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct NewCategory {
    pub agency_id: i64,
    pub code: String,
    pub name_vi: String,
    #[serde(default)]
    pub name_en: String,
}

fn view(m: category::Model) -> CategoryView {
    CategoryView {
        id: m.id,
        agency_id: (m.scope_agency_id != 0).then_some(m.scope_agency_id),
        code: m.code,
        name_vi: m.name_vi,
        name_en: m.name_en,
    }
}

impl Office {
    pub async fn document_types(&self, actor: &Actor) -> Result<Vec<DocumentTypeView>> {
        actor.require_scope(Scope::Read)?;
        Ok(document_type::Entity::find()
            .order_by_asc(document_type::Column::Code)
            .all(self.store.connection())
            .await?
            .into_iter()
            .map(|t| DocumentTypeView {
                code: t.code,
                name_vi: t.name_vi,
                name_en: t.name_en,
            })
            .collect())
    }

    /// The default categories and those of `agency_id` (or of all the
    /// actor's agencies).
    pub async fn categories(
        &self,
        actor: &Actor,
        agency_id: Option<i64>,
    ) -> Result<Vec<CategoryView>> {
        actor.require_scope(Scope::Read)?;
        let mut scopes = vec![0];
        match agency_id {
            Some(a) => scopes.push(a),
            None => scopes.extend(actor.agency_ids()),
        }
        Ok(category::Entity::find()
            .filter(category::Column::ScopeAgencyId.is_in(scopes))
            .order_by_asc(category::Column::ScopeAgencyId)
            .order_by_asc(category::Column::Code)
            .all(self.store.connection())
            .await?
            .into_iter()
            .map(view)
            .collect())
    }

    /// Adds a category of the agency's own (its head, clerk or IT officer;
    /// the department administrator).
    pub async fn add_category(&self, actor: &Actor, n: NewCategory) -> Result<CategoryView> {
        self.guard(actor, "category.create", async || {
            actor.require_scope(Scope::Write)?;
            if !actor.has_anywhere(Role::DeptAdmin) {
                actor.require_any(&[Role::Head, Role::Clerk, Role::ItOfficer], n.agency_id)?;
            }
            let code = n.code.trim().to_lowercase();
            if code.is_empty()
                || code.len() > 50
                || !code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(OfficeError::invalid(
                    "bad-code",
                    "mã danh mục có 1–50 ký tự: chữ thường không dấu, số, '-'",
                    "a category code has 1–50 characters: lower-case ASCII letters, digits, '-'",
                ));
            }
            let name_vi = clean_text(&n.name_vi);
            if name_vi.is_empty() || name_vi.chars().count() > 300 {
                return Err(OfficeError::invalid(
                    "bad-name",
                    "tên danh mục phải có 1–300 ký tự",
                    "the category name needs 1–300 characters",
                ));
            }
            let name_en = clean_text(&n.name_en).chars().take(300).collect::<String>();
            let now = self.now();
            self.store
                .write(async |tx| {
                    self.agency_model(tx, n.agency_id).await?;
                    let exists = category::Entity::find()
                        .filter(category::Column::Code.eq(code.clone()))
                        .filter(category::Column::ScopeAgencyId.is_in([0, n.agency_id]))
                        .one(tx)
                        .await?;
                    if exists.is_some() {
                        return Err(OfficeError::conflict(
                            "duplicate-code",
                            format!("đã có danh mục mã {code}"),
                            format!("a category with code {code} exists already"),
                        ));
                    }
                    let m = category::ActiveModel {
                        scope_agency_id: Set(n.agency_id),
                        code: Set(code.clone()),
                        name_vi: Set(name_vi.clone()),
                        name_en: Set(name_en.clone()),
                        created_at: Set(now.unix_timestamp()),
                        ..Default::default()
                    }
                    .insert(tx)
                    .await?;
                    record(
                        tx,
                        actor,
                        Entry::new("category.create", "category", m.id)
                            .agency(n.agency_id)
                            .detail(code.clone()),
                        now,
                    )
                    .await?;
                    Ok(view(m))
                })
                .await
        })
        .await
    }
}
