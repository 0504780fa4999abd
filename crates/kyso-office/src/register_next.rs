//! The number the next document of a register will get, for the clerk's
//! number-and-seal queue (the number itself is taken, atomically, when
//! the document is sealed: this only reads where the counter stands).

use kyso_store::sea_orm::{ConnectionTrait, Statement};

use crate::actor::{Actor, Scope};
use crate::error::Result;
use crate::register::Direction;
use crate::role::Role;
use crate::Office;

impl Office {
    /// The next number of `agency_id`'s register `direction` this year
    /// (Vietnam time): clerks, heads and auditors of the agency.
    pub async fn next_register_number(
        &self,
        actor: &Actor,
        agency_id: i64,
        direction: Direction,
    ) -> Result<i64> {
        actor.require_scope(Scope::Read)?;
        actor.require_any(&[Role::Clerk, Role::Head, Role::Auditor], agency_id)?;
        let year = crate::clock::vietnam_date(self.now()).year();
        let name = format!("register:{}:{agency_id}:{year}", direction.code());
        let db = self.store.connection();
        let backend = db.get_database_backend();
        let sql = match backend {
            kyso_store::sea_orm::DbBackend::Postgres => "SELECT value FROM counter WHERE name = $1",
            _ => "SELECT value FROM counter WHERE name = ?",
        };
        let row = db
            .query_one_raw(Statement::from_sql_and_values(backend, sql, [name.into()]))
            .await?;
        let current: i64 = match row {
            Some(r) => r.try_get("", "value")?,
            None => 0,
        };
        Ok(current + 1)
    }
}
