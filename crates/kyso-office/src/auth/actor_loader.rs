//! Builds the [`Actor`] of a person from their row and memberships.

use std::collections::HashMap;

use kyso_store::office::{agency, membership, person};
use kyso_store::sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::actor::{Actor, Membership, Scope};
use crate::error::{OfficeError, Result};
use crate::role::Role;

/// The actor for person `person_id` with `scopes`; refused when the
/// account is disabled.
pub(crate) async fn load_actor(
    db: &impl ConnectionTrait,
    person_id: i64,
    scopes: Vec<Scope>,
    request_id: Option<String>,
) -> Result<Actor> {
    let p = person::Entity::find_by_id(person_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            OfficeError::unauthenticated("tài khoản không tồn tại", "no such account")
        })?;
    if !p.active {
        return Err(OfficeError::unauthenticated(
            "tài khoản đã bị vô hiệu hóa",
            "the account is disabled",
        ));
    }
    let ms = membership::Entity::find()
        .filter(membership::Column::PersonId.eq(person_id))
        .all(db)
        .await?;
    let ids: Vec<i64> = ms.iter().map(|m| m.agency_id).collect();
    let agencies: HashMap<i64, agency::Model> = agency::Entity::find()
        .filter(agency::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut memberships = Vec::new();
    for m in ms {
        let Some(a) = agencies.get(&m.agency_id) else {
            continue;
        };
        if !a.active {
            continue;
        }
        // A role code no longer known to this version grants nothing.
        let Ok(role) = Role::parse(&m.role_code) else {
            continue;
        };
        memberships.push(Membership {
            agency_id: a.id,
            agency_code: a.code.clone(),
            agency_name: a.name.clone(),
            role,
            position: m.position,
            title: m.title,
        });
    }
    memberships.sort_by_key(|m| (m.agency_id, m.role));
    Ok(Actor {
        person_id: p.id,
        username: p.username,
        full_name: p.full_name,
        email: p.email,
        language: p.language,
        memberships,
        scopes,
        request_id,
    })
}
