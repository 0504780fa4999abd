//! Registers of outgoing and incoming documents (sổ đăng ký văn bản đi /
//! đến, Decree 30/2020 Art. 15–16, 22 and Appendix IV): one per agency,
//! direction and year; numbers start at 01 on 1 January and never repeat
//! or skip. The next number comes from a counter row updated in the
//! caller's transaction (`INSERT … ON CONFLICT DO UPDATE … RETURNING`):
//! PostgreSQL locks the row until commit, SQLite serialises writers, so
//! concurrent clerks on any number of replicas get consecutive numbers, and
//! a transaction that rolls back gives its number back.

use std::collections::HashMap;

use kyso_store::office::{agency, delivery, document, document_recipient, person, register_entry};
use kyso_store::sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actor::{Actor, Scope};
use crate::document::metadata::{fold, format_number, vn_date};
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// The next number of `agency_id`'s register `direction` (`out`, `in`)
/// of `year`, inside the caller's transaction.
pub(crate) async fn next_number(
    tx: &impl ConnectionTrait,
    agency_id: i64,
    direction: &str,
    year: i32,
) -> Result<i64> {
    Ok(kyso_store::bump_counter(tx, &format!("register:{direction}:{agency_id}:{year}")).await?)
}

/// `out` or `in`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Out,
    In,
}

impl Direction {
    pub fn code(self) -> &'static str {
        match self {
            Direction::Out => "out",
            Direction::In => "in",
        }
    }
}

/// One line of a register, with the columns of Decree 30/2020 Appendix IV.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RegisterLine {
    pub number: i64,
    /// `01/QĐ-UBND` (outgoing), or the sender's number (incoming).
    pub number_text: String,
    /// Outgoing: the document's date; incoming: the arrival date (dd/mm/yyyy).
    pub date: String,
    /// Incoming: the issuing body (tác giả).
    pub author: Option<String>,
    /// Incoming: the sender's date.
    pub document_date: Option<String>,
    /// Type and summary.
    pub type_and_subject: String,
    /// Outgoing: the signer.
    pub signer: Option<String>,
    /// Outgoing: the recipients.
    pub recipients: Option<String>,
    /// Incoming: the unit or person receiving it.
    pub handled_by: Option<String>,
    pub copies: Option<i32>,
    /// Date handed over (outgoing: issued; incoming: assigned).
    pub handed_over: Option<String>,
    pub notes: String,
    pub document_id: Option<i64>,
    pub delivery_id: Option<i64>,
}

fn date_of(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .map(|t| vn_date(crate::clock::vietnam_date(t)))
        .unwrap_or_default()
}

impl Office {
    /// The register `direction` of `agency_id` for `year`: clerks, heads
    /// and auditors of the agency. `q` filters without regard to accents.
    pub async fn register(
        &self,
        actor: &Actor,
        agency_id: i64,
        direction: Direction,
        year: i32,
        q: Option<&str>,
    ) -> Result<Vec<RegisterLine>> {
        self.guard(actor, "register.read", async || {
            actor.require_scope(Scope::Read)?;
            actor.require_any(&[Role::Clerk, Role::Head, Role::Auditor], agency_id)?;
            let db = self.store.connection();
            let entries = register_entry::Entity::find()
                .filter(register_entry::Column::AgencyId.eq(agency_id))
                .filter(register_entry::Column::Direction.eq(direction.code()))
                .filter(register_entry::Column::Year.eq(year))
                .order_by_asc(register_entry::Column::Number)
                .all(db)
                .await?;
            let needle = q.map(fold).filter(|s| !s.is_empty());
            let mut out = Vec::with_capacity(entries.len());
            let agencies: HashMap<i64, String> = agency::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|a| (a.id, a.name))
                .collect();
            for e in entries {
                let line = match direction {
                    Direction::Out => {
                        let Some(d) = (match e.document_id {
                            Some(id) => document::Entity::find_by_id(id).one(db).await?,
                            None => None,
                        }) else {
                            continue;
                        };
                        let recips: Vec<String> = document_recipient::Entity::find()
                            .filter(document_recipient::Column::DocumentId.eq(d.id))
                            .all(db)
                            .await?
                            .into_iter()
                            .filter_map(|r| agencies.get(&r.agency_id).cloned())
                            .collect();
                        RegisterLine {
                            number: e.number,
                            number_text: format!(
                                "{}/{}",
                                format_number(e.number),
                                e.notation.clone().unwrap_or_default()
                            ),
                            date: d
                                .issued_date
                                .as_deref()
                                .and_then(|s| crate::document::metadata::parse_date(s, "", "").ok())
                                .map(vn_date)
                                .unwrap_or_default(),
                            author: None,
                            document_date: None,
                            type_and_subject: format!("{} {}", d.type_name, d.subject),
                            signer: d.signer_name.clone(),
                            recipients: Some(recips.join("; ")),
                            handled_by: None,
                            copies: Some(d.copies),
                            handed_over: d.issued_at.map(date_of),
                            notes: if d.state == "recalled" {
                                "Đã thu hồi".into()
                            } else {
                                String::new()
                            },
                            document_id: Some(d.id),
                            delivery_id: None,
                        }
                    }
                    Direction::In => {
                        let Some(dl) = (match e.delivery_id {
                            Some(id) => delivery::Entity::find_by_id(id).one(db).await?,
                            None => None,
                        }) else {
                            continue;
                        };
                        let Some(d) = document::Entity::find_by_id(dl.document_id).one(db).await?
                        else {
                            continue;
                        };
                        let handler = match dl.assigned_person_id {
                            Some(p) => person::Entity::find_by_id(p)
                                .one(db)
                                .await?
                                .map(|p| p.full_name),
                            None => None,
                        }
                        .or(dl.assigned_unit.clone());
                        RegisterLine {
                            number: e.number,
                            number_text: crate::document::view_number_text(&d).unwrap_or_default(),
                            date: date_of(dl.arrived_at),
                            author: agencies.get(&d.agency_id).cloned(),
                            document_date: d
                                .issued_date
                                .as_deref()
                                .and_then(|s| crate::document::metadata::parse_date(s, "", "").ok())
                                .map(vn_date),
                            type_and_subject: format!("{} {}", d.type_name, d.subject),
                            signer: None,
                            recipients: None,
                            handled_by: handler,
                            copies: None,
                            handed_over: dl.registered_at.map(date_of),
                            notes: if dl.frozen {
                                "Văn bản đã bị thu hồi".into()
                            } else {
                                String::new()
                            },
                            document_id: Some(d.id),
                            delivery_id: Some(dl.id),
                        }
                    }
                };
                let hit = needle.as_ref().is_none_or(|n| {
                    fold(&line.type_and_subject).contains(n.as_str())
                        || fold(&line.number_text).contains(n.as_str())
                        || line
                            .author
                            .as_deref()
                            .is_some_and(|a| fold(a).contains(n.as_str()))
                });
                if hit {
                    out.push(line);
                }
            }
            Ok(out)
        })
        .await
    }

    /// The register as CSV (UTF-8 with a byte-order mark, so spreadsheet
    /// programs show Vietnamese), with the columns of Appendix IV.
    pub async fn register_csv(
        &self,
        actor: &Actor,
        agency_id: i64,
        direction: Direction,
        year: i32,
    ) -> Result<Vec<u8>> {
        let lines = self
            .register(actor, agency_id, direction, year, None)
            .await?;
        let mut w = csv::Writer::from_writer(Vec::from(b"\xEF\xBB\xBF".as_slice()));
        let err = |e: csv::Error| OfficeError::internal("csv", e);
        w.write_record(crate::render::register_columns(direction))
            .map_err(err)?;
        for l in &lines {
            w.write_record(crate::render::register_cells(direction, l))
                .map_err(err)?;
        }
        w.into_inner()
            .map_err(|e| OfficeError::internal("csv", e.error()))
    }
}
