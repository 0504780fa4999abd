//! `records_file`: one file (hồ sơ) of an agency's file list (danh mục hồ
//! sơ) of a year. Its code (mã hồ sơ) is the agency's electronic code,
//! the year and the number and notation: `000.00.01.H45.2026.01.VP`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "records_file")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub agency_id: i64,
    /// The year the file is formed (năm hình thành hồ sơ).
    pub year: i32,
    /// Its number in the year's file list (số hồ sơ), from 1.
    pub number: i32,
    /// Its notation (ký hiệu hồ sơ): the unit's abbreviation, `VP`.
    pub notation: String,
    /// Tiêu đề hồ sơ.
    pub title: String,
    /// Thời hạn bảo quản: `permanent` or a number of years.
    pub retention: String,
    /// Chế độ sử dụng: `public` or `conditional`.
    pub access: String,
    /// Language code of its documents: `vi`.
    pub language: String,
    /// Từ khóa, comma-separated.
    pub keywords: String,
    /// Chú giải.
    pub note: String,
    pub created_by: i64,
    pub created_at: i64,
    /// When the file was closed (kết thúc hồ sơ); nothing is added after.
    pub closed_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
