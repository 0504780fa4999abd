//! `records_file_item`: a document filed in a records file, at its
//! position (số thứ tự văn bản trong hồ sơ). A document is filed at most
//! once by an agency: the sender files its own document, each recipient
//! the document it received.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "records_file_item")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub file_id: i64,
    /// The filing agency (the file's), for the one-file-per-agency rule.
    pub agency_id: i64,
    pub document_id: i64,
    /// From 1, in the order of filing.
    pub position: i32,
    pub added_by: i64,
    pub added_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
