//! Records files (lập hồ sơ; Decree 30/2020/NĐ-CP Art. 28–31 and
//! Appendix V, Circular 02/2019/TT-BNV): each agency keeps, per year, a
//! list of files (danh mục hồ sơ); the clerk or the head opens a file with
//! its number and notation, title, retention period (thời hạn bảo quản)
//! and access regime (chế độ sử dụng), files in it the documents the
//! agency issued or registered as received, and closes it (kết thúc hồ
//! sơ). The file's code (mã hồ sơ) is the agency's electronic code, the
//! year and the number and notation — `000.00.01.H45.2026.01.VP` — and
//! goes with each document into the archive export
//! ([`crate::archive::export`]).

use kyso_store::office::{agency, delivery, document};
use kyso_store::records::{records_file, records_file_item};
use kyso_store::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actor::{Actor, Scope};
use crate::audit::{record, Entry};
use crate::document::state::State;
use crate::document::{iso, view_number_text};
use crate::error::{OfficeError, Result};
use crate::role::Role;
use crate::Office;

/// Who opens, fills and closes an agency's files.
pub const KEEPERS: &[Role] = &[Role::Clerk, Role::Head];
/// Who reads them.
pub const READERS: &[Role] = &[Role::Clerk, Role::Head, Role::Auditor];

/// Longest retention in years short of permanent (the retention tables
/// of the Ministry of Home Affairs go to 70 years).
pub const MAX_RETENTION_YEARS: u16 = 70;

/// Thời hạn bảo quản.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retention {
    /// Vĩnh viễn.
    Permanent,
    /// A number of years, 1 to [`MAX_RETENTION_YEARS`].
    Years(u16),
}

impl Retention {
    /// `permanent` (or `vĩnh viễn`, `vinh-vien`) or a number of years.
    pub fn parse(s: &str) -> Result<Retention> {
        let t = s.trim().to_lowercase();
        if matches!(
            t.as_str(),
            "permanent" | "vĩnh viễn" | "vinh vien" | "vinh-vien" | "vinh_vien"
        ) {
            return Ok(Retention::Permanent);
        }
        let years = t.strip_suffix("năm").unwrap_or(&t).trim();
        match years.parse::<u16>() {
            Ok(n) if (1..=MAX_RETENTION_YEARS).contains(&n) => Ok(Retention::Years(n)),
            _ => Err(OfficeError::invalid(
                "retention",
                format!(
                    "thời hạn bảo quản không hợp lệ: {s} (\"vĩnh viễn\" hoặc từ 1 đến {MAX_RETENTION_YEARS} năm)"
                ),
                format!(
                    "invalid retention period: {s} (\"permanent\" or 1 to {MAX_RETENTION_YEARS} years)"
                ),
            )),
        }
    }

    /// As stored and exported: `permanent` or the number of years.
    pub fn code(self) -> String {
        match self {
            Retention::Permanent => "permanent".into(),
            Retention::Years(n) => n.to_string(),
        }
    }

    pub fn name_vi(self) -> String {
        match self {
            Retention::Permanent => "Vĩnh viễn".into(),
            Retention::Years(n) => format!("{n} năm"),
        }
    }
}

/// Chế độ sử dụng. State secrets never enter the electronic office
/// (seed 000 Art. 7.1), so there is no "secret" regime here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Công khai.
    Public,
    /// Sử dụng có điều kiện (hạn chế).
    Conditional,
}

impl Access {
    pub fn code(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Conditional => "conditional",
        }
    }

    pub fn parse(s: &str) -> Result<Access> {
        match s.trim().to_lowercase().as_str() {
            "public" | "công khai" => Ok(Access::Public),
            "conditional" | "sử dụng có điều kiện" | "hạn chế" => {
                Ok(Access::Conditional)
            }
            _ => Err(OfficeError::invalid(
                "access",
                format!("chế độ sử dụng không hợp lệ: {s} (public hoặc conditional)"),
                format!("invalid access regime: {s} (public or conditional)"),
            )),
        }
    }

    pub fn name_vi(self) -> &'static str {
        match self {
            Access::Public => "Công khai",
            Access::Conditional => "Sử dụng có điều kiện",
        }
    }
}

/// A file to open.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct NewRecordsFile {
    pub agency_id: i64,
    /// Năm hình thành hồ sơ.
    pub year: i32,
    /// Its number in the year's list; the next free one when absent.
    pub number: Option<i32>,
    /// Ký hiệu: letters, digits and `-` (`VP`, `TCKT`).
    pub notation: String,
    pub title: String,
    /// `permanent` or a number of years (1–70).
    pub retention: String,
    pub access: Access,
    /// `vi` when absent.
    pub language: Option<String>,
    #[serde(default)]
    pub keywords: String,
    #[serde(default)]
    pub note: String,
}

/// A document in a file.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RecordsFileItemView {
    pub position: i32,
    pub document_id: i64,
    pub type_name: String,
    /// `01/QĐ-UBND`.
    pub number_text: Option<String>,
    pub subject: String,
    /// ISO date printed on the document.
    pub issued_date: Option<String>,
    pub page_count: i32,
    /// Whether the agency received it (else it issued it).
    pub incoming: bool,
    pub added_at: String,
}

/// A records file with its documents.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RecordsFileView {
    pub id: i64,
    /// Mã hồ sơ: `000.00.01.H45.2026.01.VP`.
    pub code: String,
    pub agency_id: i64,
    pub agency_code: String,
    pub agency_name: String,
    pub year: i32,
    pub number: i32,
    pub notation: String,
    pub title: String,
    /// `permanent` or a number of years.
    pub retention: String,
    pub retention_vi: String,
    pub access: Access,
    pub language: String,
    pub keywords: String,
    pub note: String,
    pub created_at: String,
    pub closed_at: Option<String>,
    /// The earliest and latest dates of its documents.
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub page_count: i64,
    pub documents: Vec<RecordsFileItemView>,
}

/// The file's code from its agency's code, year, number and notation.
pub fn file_code(agency_code: &str, year: i32, number: i32, notation: &str) -> String {
    format!("{agency_code}.{year}.{number:02}.{notation}")
}

fn check_notation(s: &str) -> Result<String> {
    let t = s.trim();
    let ok = !t.is_empty()
        && t.chars().count() <= 20
        && t.chars().all(|c| c.is_alphanumeric() || c == '-')
        && !t.starts_with('-');
    if !ok {
        return Err(OfficeError::invalid(
            "notation",
            format!("ký hiệu hồ sơ không hợp lệ: \"{s}\" (chữ, số và dấu -, tối đa 20 ký tự)"),
            format!(
                "invalid file notation: \"{s}\" (letters, digits and -, at most 20 characters)"
            ),
        ));
    }
    Ok(t.to_uppercase())
}

fn check_text(
    code: &'static str,
    what_vi: &str,
    what_en: &str,
    s: &str,
    max: usize,
) -> Result<String> {
    let t = s.trim();
    if t.chars().count() > max || t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(OfficeError::invalid(
            code,
            format!("{what_vi} quá dài (tối đa {max} ký tự) hoặc có ký tự điều khiển"),
            format!("{what_en} is too long (at most {max} characters) or has control characters"),
        ));
    }
    Ok(t.to_string())
}

fn closed() -> OfficeError {
    OfficeError::conflict(
        "file-closed",
        "hồ sơ đã kết thúc: không thêm văn bản được nữa",
        "the file is closed: no document can be added",
    )
}

async fn agency_of(db: &impl ConnectionTrait, id: i64) -> Result<agency::Model> {
    agency::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| OfficeError::not_found("cơ quan", "agency"))
}

/// The file `id` if the actor holds one of `roles` in its agency.
async fn file_for(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    roles: &[Role],
    lock: bool,
) -> Result<records_file::Model> {
    let mut q = records_file::Entity::find_by_id(id);
    if lock && db.get_database_backend() == kyso_store::sea_orm::DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    let f = q
        .one(db)
        .await?
        .ok_or_else(|| OfficeError::not_found("hồ sơ", "records file"))?;
    if !READERS.iter().any(|r| actor.has(*r, f.agency_id)) {
        return Err(OfficeError::not_found("hồ sơ", "records file"));
    }
    actor.require_any(roles, f.agency_id)?;
    Ok(f)
}

/// Whether `agency_id` may file document `d`: its own issued (or since
/// recalled) document, or one delivered to it and registered in its
/// incoming register. Returns whether it is incoming.
async fn fileable(db: &impl ConnectionTrait, agency_id: i64, d: &document::Model) -> Result<bool> {
    if d.agency_id == agency_id {
        let s = State::parse(&d.state)?;
        if matches!(s, State::Issued | State::Recalled) {
            return Ok(false);
        }
        return Err(OfficeError::conflict(
            "not-issued",
            format!(
                "chỉ văn bản đã phát hành mới được lập hồ sơ (văn bản đang ở trạng thái \"{}\")",
                s.name_vi()
            ),
            format!(
                "only an issued document can be filed (the document is {})",
                s.code()
            ),
        ));
    }
    let registered = delivery::Entity::find()
        .filter(delivery::Column::DocumentId.eq(d.id))
        .filter(delivery::Column::AgencyId.eq(agency_id))
        .filter(delivery::Column::IncomingNumber.is_not_null())
        .one(db)
        .await?
        .is_some();
    if registered {
        Ok(true)
    } else {
        Err(OfficeError::not_found("văn bản", "document"))
    }
}

impl Office {
    /// Opens a file in `n.agency_id`'s list of `n.year` (clerks and heads).
    pub async fn create_records_file(
        &self,
        actor: &Actor,
        n: NewRecordsFile,
    ) -> Result<RecordsFileView> {
        self.guard(actor, "records_file.create", async || {
            actor.require_scope(Scope::Write)?;
            actor.require_any(KEEPERS, n.agency_id)?;
            let now = self.now();
            let this_year = crate::clock::vietnam_date(now).year();
            if !(1945..=this_year + 1).contains(&n.year) {
                return Err(OfficeError::invalid(
                    "year",
                    format!("năm hình thành hồ sơ không hợp lệ: {}", n.year),
                    format!("invalid year of the file: {}", n.year),
                ));
            }
            if let Some(k) = n.number {
                if !(1..=9999).contains(&k) {
                    return Err(OfficeError::invalid(
                        "number",
                        format!("số hồ sơ không hợp lệ: {k} (1 đến 9999)"),
                        format!("invalid file number: {k} (1 to 9999)"),
                    ));
                }
            }
            let notation = check_notation(&n.notation)?;
            let title = check_text("title", "tiêu đề hồ sơ", "the title", &n.title, 500)?;
            if title.is_empty() {
                return Err(OfficeError::invalid(
                    "title",
                    "cần tiêu đề hồ sơ",
                    "the file needs a title",
                ));
            }
            let retention = Retention::parse(&n.retention)?;
            let language = n.language.as_deref().unwrap_or("vi").trim().to_lowercase();
            if language.len() < 2
                || language.len() > 8
                || !language.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            {
                return Err(OfficeError::invalid(
                    "language",
                    format!("mã ngôn ngữ không hợp lệ: {language}"),
                    format!("invalid language code: {language}"),
                ));
            }
            let keywords = check_text("keywords", "từ khóa", "the keywords", &n.keywords, 500)?;
            let note = check_text("note", "chú giải", "the note", &n.note, 2000)?;
            let id = self
                .store
                .write(async |tx| {
                    let number = match n.number {
                        Some(k) => k,
                        None => {
                            let max: Option<i32> = records_file::Entity::find()
                                .select_only()
                                .column_as(records_file::Column::Number.max(), "m")
                                .filter(records_file::Column::AgencyId.eq(n.agency_id))
                                .filter(records_file::Column::Year.eq(n.year))
                                .into_tuple::<Option<i32>>()
                                .one(tx)
                                .await?
                                .flatten();
                            max.unwrap_or(0) + 1
                        }
                    };
                    let taken = records_file::Entity::find()
                        .filter(records_file::Column::AgencyId.eq(n.agency_id))
                        .filter(records_file::Column::Year.eq(n.year))
                        .filter(records_file::Column::Number.eq(number))
                        .one(tx)
                        .await?
                        .is_some();
                    if taken {
                        return Err(OfficeError::conflict(
                            "file-number-taken",
                            format!("số hồ sơ {number:02} của năm {} đã có", n.year),
                            format!("file number {number:02} of {} is taken", n.year),
                        ));
                    }
                    let f = records_file::ActiveModel {
                        agency_id: Set(n.agency_id),
                        year: Set(n.year),
                        number: Set(number),
                        notation: Set(notation.clone()),
                        title: Set(title.clone()),
                        retention: Set(retention.code()),
                        access: Set(n.access.code().into()),
                        language: Set(language.clone()),
                        keywords: Set(keywords.clone()),
                        note: Set(note.clone()),
                        created_by: Set(actor.person_id),
                        created_at: Set(now.unix_timestamp()),
                        closed_at: Set(None),
                        ..Default::default()
                    }
                    .insert(tx)
                    .await?;
                    record(
                        tx,
                        actor,
                        Entry::new("records_file.create", "records_file", f.id)
                            .agency(n.agency_id)
                            .detail(format!("{}/{number:02}.{notation}", n.year)),
                        now,
                    )
                    .await?;
                    Ok(f.id)
                })
                .await?;
            self.records_file(actor, id).await
        })
        .await
    }

    /// Files document `document_id` in file `file_id`, at the next
    /// position: the file's agency's own issued document or one it
    /// registered as received; once per agency; not in a closed file.
    pub async fn file_document(
        &self,
        actor: &Actor,
        file_id: i64,
        document_id: i64,
    ) -> Result<RecordsFileView> {
        self.guard(actor, "records_file.add", async || {
            actor.require_scope(Scope::Write)?;
            let now = self.now();
            self.store
                .write(async |tx| {
                    let f = file_for(tx, actor, file_id, KEEPERS, true).await?;
                    if f.closed_at.is_some() {
                        return Err(closed());
                    }
                    let d = document::Entity::find_by_id(document_id)
                        .one(tx)
                        .await?
                        .ok_or_else(|| OfficeError::not_found("văn bản", "document"))?;
                    fileable(tx, f.agency_id, &d).await?;
                    if let Some(other) = records_file_item::Entity::find()
                        .filter(records_file_item::Column::AgencyId.eq(f.agency_id))
                        .filter(records_file_item::Column::DocumentId.eq(document_id))
                        .one(tx)
                        .await?
                    {
                        let o = records_file::Entity::find_by_id(other.file_id)
                            .one(tx)
                            .await?
                            .map(|o| format!("{}/{:02}.{}", o.year, o.number, o.notation))
                            .unwrap_or_default();
                        return Err(OfficeError::conflict(
                            "already-filed",
                            format!("văn bản đã được lập vào hồ sơ {o}"),
                            format!("the document is already filed in {o}"),
                        ));
                    }
                    let last: Option<i32> = records_file_item::Entity::find()
                        .select_only()
                        .column_as(records_file_item::Column::Position.max(), "m")
                        .filter(records_file_item::Column::FileId.eq(f.id))
                        .into_tuple::<Option<i32>>()
                        .one(tx)
                        .await?
                        .flatten();
                    let position = last.unwrap_or(0) + 1;
                    records_file_item::ActiveModel {
                        file_id: Set(f.id),
                        agency_id: Set(f.agency_id),
                        document_id: Set(document_id),
                        position: Set(position),
                        added_by: Set(actor.person_id),
                        added_at: Set(now.unix_timestamp()),
                        ..Default::default()
                    }
                    .insert(tx)
                    .await?;
                    record(
                        tx,
                        actor,
                        Entry::new("records_file.add", "records_file", f.id)
                            .agency(f.agency_id)
                            .detail(format!("document {document_id} at {position}")),
                        now,
                    )
                    .await
                })
                .await?;
            self.records_file(actor, file_id).await
        })
        .await
    }

    /// Closes file `id` (kết thúc hồ sơ): it must hold a document;
    /// nothing is added after.
    pub async fn close_records_file(&self, actor: &Actor, id: i64) -> Result<RecordsFileView> {
        self.guard(actor, "records_file.close", async || {
            actor.require_scope(Scope::Write)?;
            let now = self.now();
            self.store
                .write(async |tx| {
                    let f = file_for(tx, actor, id, KEEPERS, true).await?;
                    if f.closed_at.is_some() {
                        return Err(closed());
                    }
                    let any = records_file_item::Entity::find()
                        .filter(records_file_item::Column::FileId.eq(f.id))
                        .one(tx)
                        .await?
                        .is_some();
                    if !any {
                        return Err(OfficeError::conflict(
                            "file-empty",
                            "hồ sơ chưa có văn bản nào: không kết thúc được",
                            "the file holds no document: it cannot be closed",
                        ));
                    }
                    let agency_id = f.agency_id;
                    let mut a: records_file::ActiveModel = f.into();
                    a.closed_at = Set(Some(now.unix_timestamp()));
                    a.update(tx).await?;
                    record(
                        tx,
                        actor,
                        Entry::new("records_file.close", "records_file", id).agency(agency_id),
                        now,
                    )
                    .await
                })
                .await?;
            self.records_file(actor, id).await
        })
        .await
    }

    /// File `id` with its documents in order.
    pub async fn records_file(&self, actor: &Actor, id: i64) -> Result<RecordsFileView> {
        self.guard(actor, "records_file.show", async || {
            let db = self.store.connection();
            let f = file_for(db, actor, id, READERS, false).await?;
            file_view(db, &f).await
        })
        .await
    }

    /// The list of files of `agency_id` for `year` (danh mục hồ sơ), by
    /// number.
    pub async fn records_files(
        &self,
        actor: &Actor,
        agency_id: i64,
        year: i32,
    ) -> Result<Vec<RecordsFileView>> {
        self.guard(actor, "records_file.list", async || {
            actor.require_any(READERS, agency_id)?;
            let db = self.store.connection();
            let files = records_file::Entity::find()
                .filter(records_file::Column::AgencyId.eq(agency_id))
                .filter(records_file::Column::Year.eq(year))
                .order_by_asc(records_file::Column::Number)
                .all(db)
                .await?;
            let mut out = Vec::with_capacity(files.len());
            for f in &files {
                out.push(file_view(db, f).await?);
            }
            Ok(out)
        })
        .await
    }
}

/// A document the file's agency may still file (for the file's page).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Fileable {
    pub document_id: i64,
    pub number_text: Option<String>,
    pub subject: String,
    pub incoming: bool,
}

/// Most candidates one file's page offers.
pub const CANDIDATE_LIMIT: u64 = 500;

impl Office {
    /// The documents of file `id`'s year that its agency may still file
    /// there: its own issued ones (outgoing register of the year) and
    /// those it registered as received that year, not yet filed; newest
    /// first, at most [`CANDIDATE_LIMIT`]. Nothing for a closed file.
    pub async fn fileable_documents(&self, actor: &Actor, id: i64) -> Result<Vec<Fileable>> {
        self.guard(actor, "records_file.candidates", async || {
            let db = self.store.connection();
            let f = file_for(db, actor, id, KEEPERS, false).await?;
            if f.closed_at.is_some() {
                return Ok(Vec::new());
            }
            let filed: std::collections::HashSet<i64> = records_file_item::Entity::find()
                .filter(records_file_item::Column::AgencyId.eq(f.agency_id))
                .all(db)
                .await?
                .into_iter()
                .map(|i| i.document_id)
                .collect();
            let mut out = Vec::new();
            let own = document::Entity::find()
                .filter(document::Column::AgencyId.eq(f.agency_id))
                .filter(
                    document::Column::State.is_in([State::Issued.code(), State::Recalled.code()]),
                )
                .filter(document::Column::RegisterYear.eq(f.year))
                .order_by_desc(document::Column::Id)
                .limit(CANDIDATE_LIMIT)
                .all(db)
                .await?;
            for d in own.into_iter().filter(|d| !filed.contains(&d.id)) {
                out.push(Fileable {
                    document_id: d.id,
                    number_text: view_number_text(&d),
                    subject: d.subject.clone(),
                    incoming: false,
                });
            }
            let arrivals = delivery::Entity::find()
                .filter(delivery::Column::AgencyId.eq(f.agency_id))
                .filter(delivery::Column::IncomingYear.eq(f.year))
                .filter(delivery::Column::IncomingNumber.is_not_null())
                .order_by_desc(delivery::Column::Id)
                .limit(CANDIDATE_LIMIT)
                .all(db)
                .await?;
            for dl in arrivals
                .into_iter()
                .filter(|d| !filed.contains(&d.document_id))
            {
                if let Some(d) = document::Entity::find_by_id(dl.document_id).one(db).await? {
                    out.push(Fileable {
                        document_id: d.id,
                        number_text: view_number_text(&d),
                        subject: d.subject.clone(),
                        incoming: true,
                    });
                }
            }
            out.truncate(CANDIDATE_LIMIT as usize);
            Ok(out)
        })
        .await
    }
}

/// Where `agency_id` filed each of `documents`: the file and the position.
pub(crate) async fn filings(
    db: &impl ConnectionTrait,
    agency_id: i64,
    documents: &[i64],
) -> Result<std::collections::HashMap<i64, (RecordsFileView, i32)>> {
    let items = records_file_item::Entity::find()
        .filter(records_file_item::Column::AgencyId.eq(agency_id))
        .filter(records_file_item::Column::DocumentId.is_in(documents.iter().copied()))
        .all(db)
        .await?;
    let mut files: std::collections::HashMap<i64, RecordsFileView> = Default::default();
    let mut out = std::collections::HashMap::new();
    for it in items {
        if !files.contains_key(&it.file_id) {
            if let Some(f) = records_file::Entity::find_by_id(it.file_id).one(db).await? {
                files.insert(f.id, file_view(db, &f).await?);
            }
        }
        if let Some(v) = files.get(&it.file_id) {
            out.insert(it.document_id, (v.clone(), it.position));
        }
    }
    Ok(out)
}

async fn file_view(db: &impl ConnectionTrait, f: &records_file::Model) -> Result<RecordsFileView> {
    let a = agency_of(db, f.agency_id).await?;
    let items = records_file_item::Entity::find()
        .filter(records_file_item::Column::FileId.eq(f.id))
        .order_by_asc(records_file_item::Column::Position)
        .all(db)
        .await?;
    let mut documents = Vec::with_capacity(items.len());
    for it in &items {
        let Some(d) = document::Entity::find_by_id(it.document_id).one(db).await? else {
            continue;
        };
        documents.push(RecordsFileItemView {
            position: it.position,
            document_id: d.id,
            type_name: d.type_name.clone(),
            number_text: view_number_text(&d),
            subject: d.subject.clone(),
            issued_date: d.issued_date.clone(),
            page_count: d.page_count,
            incoming: d.agency_id != f.agency_id,
            added_at: iso(it.added_at),
        });
    }
    let dates = documents.iter().filter_map(|d| d.issued_date.clone());
    let start_date = dates.clone().min();
    let end_date = dates.max();
    let retention = Retention::parse(&f.retention)?;
    Ok(RecordsFileView {
        id: f.id,
        code: file_code(&a.code, f.year, f.number, &f.notation),
        agency_id: f.agency_id,
        agency_code: a.code.clone(),
        agency_name: a.name.clone(),
        year: f.year,
        number: f.number,
        notation: f.notation.clone(),
        title: f.title.clone(),
        retention: retention.code(),
        retention_vi: retention.name_vi(),
        access: Access::parse(&f.access)?,
        language: f.language.clone(),
        keywords: f.keywords.clone(),
        note: f.note.clone(),
        created_at: iso(f.created_at),
        closed_at: f.closed_at.map(iso),
        start_date,
        end_date,
        page_count: documents.iter().map(|d| i64::from(d.page_count)).sum(),
        documents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_reads_words_and_years() {
        assert_eq!(Retention::parse("permanent").unwrap(), Retention::Permanent);
        assert_eq!(Retention::parse("Vĩnh viễn").unwrap(), Retention::Permanent);
        assert_eq!(Retention::parse("10").unwrap(), Retention::Years(10));
        assert_eq!(Retention::parse("20 năm").unwrap(), Retention::Years(20));
        for bad in ["0", "71", "-5", "", "mãi mãi", "10y"] {
            assert!(Retention::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Retention::Years(70).code(), "70");
        assert_eq!(Retention::Permanent.name_vi(), "Vĩnh viễn");
    }

    #[test]
    fn codes_and_notations() {
        assert_eq!(
            file_code("000.00.01.H45", 2026, 1, "VP"),
            "000.00.01.H45.2026.01.VP"
        );
        assert_eq!(check_notation(" tckt ").unwrap(), "TCKT");
        for bad in ["", "A.B", "A/B", "-X", "A B", &"X".repeat(21)] {
            assert!(check_notation(bad).is_err(), "{bad}");
        }
        assert_eq!(Access::parse("công khai").unwrap(), Access::Public);
        assert!(Access::parse("mật").is_err());
    }
}
