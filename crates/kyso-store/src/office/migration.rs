//! Migration `m0005_office`: the office's tables (see each entity) and the
//! default roles, document types and categories.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::migration::drop_table;

/// A column called `name`.
pub(crate) fn col(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
}
pub(crate) fn id() -> ColumnDef {
    col("id")
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}
pub(crate) fn text(name: &str) -> ColumnDef {
    col(name).text().not_null().to_owned()
}
pub(crate) fn text_null(name: &str) -> ColumnDef {
    col(name).text().null().to_owned()
}
pub(crate) fn big(name: &str) -> ColumnDef {
    col(name).big_integer().not_null().to_owned()
}
pub(crate) fn big_null(name: &str) -> ColumnDef {
    col(name).big_integer().null().to_owned()
}
pub(crate) fn int(name: &str) -> ColumnDef {
    col(name).integer().not_null().to_owned()
}
pub(crate) fn int_null(name: &str) -> ColumnDef {
    col(name).integer().null().to_owned()
}
pub(crate) fn boolean(name: &str) -> ColumnDef {
    col(name).boolean().not_null().to_owned()
}
fn blob_null(name: &str) -> ColumnDef {
    col(name).blob().null().to_owned()
}
/// `FOREIGN KEY (column) REFERENCES to(to_col)` named after the table.
pub(crate) fn fk(table: &str, column: &str, to: &str, to_col: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(Alias::new(table), Alias::new(column))
        .to(Alias::new(to), Alias::new(to_col))
        .to_owned()
}
pub(crate) fn table(name: &str) -> TableCreateStatement {
    Table::create().table(Alias::new(name)).to_owned()
}
/// `CREATE [UNIQUE] INDEX` named after the table and columns.
pub(crate) async fn index(
    m: &SchemaManager<'_>,
    table: &str,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.name(format!(
        "{}_{table}_{}",
        if unique { "uq" } else { "idx" },
        cols.join("_")
    ))
    .table(Alias::new(table));
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    m.create_index(i.to_owned()).await
}

/// Tables in creation order (drop in reverse).
const TABLES: &[&str] = &[
    "role",
    "agency",
    "person",
    "membership",
    "session",
    "api_token",
    "category",
    "document_type",
    "blob",
    "document",
    "document_file",
    "document_recipient",
    "register_entry",
    "delivery",
    "delivery_event",
    "idempotency",
    "webhook",
    "webhook_delivery",
];

pub(crate) struct M0005Office;

impl MigrationName for M0005Office {
    fn name(&self) -> &str {
        "m0005_office"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0005Office {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("role")
                .col(col("code").text().not_null().primary_key())
                .col(text("name_vi"))
                .col(text("name_en"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("agency")
                .col(id())
                .col(big_null("parent_id"))
                .col(text("code"))
                .col(text("name"))
                .col(text("short_name"))
                .col(text("level"))
                .col(text("email"))
                .col(text("address"))
                .col(text("phone"))
                .col(text_null("seal_image"))
                .col(blob_null("certificate_der"))
                .col(text_null("key_kind"))
                .col(text_null("key_ref"))
                .col(boolean("active"))
                .col(big("created_at"))
                .foreign_key(&mut fk("agency", "parent_id", "agency", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "agency", &["code"], true).await?;
        index(m, "agency", &["parent_id"], false).await?;
        m.create_table(
            table("person")
                .col(id())
                .col(text("username"))
                .col(text("full_name"))
                .col(text("email"))
                .col(text("phone"))
                .col(text_null("password_hash"))
                .col(int("failed_logins"))
                .col(big_null("locked_until"))
                .col(blob_null("certificate_der"))
                .col(text_null("signature_image"))
                .col(text("language"))
                .col(boolean("active"))
                .col(big("created_at"))
                .to_owned(),
        )
        .await?;
        index(m, "person", &["username"], true).await?;
        m.create_table(
            table("membership")
                .col(id())
                .col(big("person_id"))
                .col(big("agency_id"))
                .col(text("role_code"))
                .col(text_null("position"))
                .col(text_null("title"))
                .col(big("created_at"))
                .foreign_key(&mut fk("membership", "person_id", "person", "id"))
                .foreign_key(&mut fk("membership", "agency_id", "agency", "id"))
                .foreign_key(&mut fk("membership", "role_code", "role", "code"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "membership",
            &["person_id", "agency_id", "role_code"],
            true,
        )
        .await?;
        index(m, "membership", &["agency_id", "role_code"], false).await?;
        m.create_table(
            table("session")
                .col(col("id_sha256").text().not_null().primary_key())
                .col(big("person_id"))
                .col(text("csrf"))
                .col(big("created_at"))
                .col(big("expires_at"))
                .col(big("last_seen_at"))
                .foreign_key(
                    fk("session", "person_id", "person", "id").on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        index(m, "session", &["expires_at"], false).await?;
        m.create_table(
            table("api_token")
                .col(id())
                .col(big("person_id"))
                .col(text("name"))
                .col(text("token_sha256"))
                .col(text("scopes"))
                .col(big("created_at"))
                .col(big_null("expires_at"))
                .col(big_null("revoked_at"))
                .col(big_null("last_used_at"))
                .foreign_key(&mut fk("api_token", "person_id", "person", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "api_token", &["token_sha256"], true).await?;
        m.create_table(
            table("category")
                .col(id())
                .col(big("scope_agency_id"))
                .col(text("code"))
                .col(text("name_vi"))
                .col(text("name_en"))
                .col(big("created_at"))
                .to_owned(),
        )
        .await?;
        index(m, "category", &["scope_agency_id", "code"], true).await?;
        m.create_table(
            table("document_type")
                .col(col("code").text().not_null().primary_key())
                .col(text("name_vi"))
                .col(text("name_en"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("blob")
                .col(col("sha256").text().not_null().primary_key())
                .col(big("size"))
                .col(text("media_type"))
                .col(text_null("parent_sha256"))
                .col(big("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("document")
                .col(id())
                .col(big("agency_id"))
                .col(text("flow"))
                .col(text("state"))
                .col(text("type_code"))
                .col(text("type_name"))
                .col(text("subject"))
                .col(big_null("category_id"))
                .col(text("priority"))
                .col(text_null("due_date"))
                .col(int("page_count"))
                .col(int("copies"))
                .col(text("language"))
                .col(text("issue_place"))
                .col(text_null("signer_position"))
                .col(text_null("signer_name"))
                .col(big("drafter_id"))
                .col(big_null("approver_id"))
                .col(big_null("clerk_id"))
                .col(big_null("number"))
                .col(text_null("notation"))
                .col(int_null("register_year"))
                .col(text_null("issued_date"))
                .col(big_null("issued_at"))
                .col(big_null("replaces_id"))
                .col(text_null("relation"))
                .col(text_null("layout"))
                .col(text_null("comment"))
                .col(big("created_at"))
                .col(big("updated_at"))
                .foreign_key(&mut fk("document", "agency_id", "agency", "id"))
                .foreign_key(&mut fk("document", "category_id", "category", "id"))
                .foreign_key(&mut fk("document", "drafter_id", "person", "id"))
                .foreign_key(&mut fk("document", "replaces_id", "document", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "document", &["agency_id", "state"], false).await?;
        index(
            m,
            "document",
            &["agency_id", "register_year", "number"],
            true,
        )
        .await?;
        m.create_table(
            table("document_file")
                .col(id())
                .col(big("document_id"))
                .col(text("role"))
                .col(text("name"))
                .col(text("blob_sha256"))
                .col(text_null("parent_sha256"))
                .col(big_null("created_by"))
                .col(big("created_at"))
                .foreign_key(&mut fk("document_file", "document_id", "document", "id"))
                .foreign_key(&mut fk("document_file", "blob_sha256", "blob", "sha256"))
                .to_owned(),
        )
        .await?;
        index(m, "document_file", &["document_id"], false).await?;
        m.create_table(
            table("document_recipient")
                .col(big("document_id"))
                .col(big("agency_id"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("document_id"))
                        .col(Alias::new("agency_id")),
                )
                .foreign_key(&mut fk(
                    "document_recipient",
                    "document_id",
                    "document",
                    "id",
                ))
                .foreign_key(&mut fk("document_recipient", "agency_id", "agency", "id"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("register_entry")
                .col(id())
                .col(big("agency_id"))
                .col(text("direction"))
                .col(int("year"))
                .col(big("number"))
                .col(text_null("notation"))
                .col(big_null("document_id"))
                .col(big_null("delivery_id"))
                .col(big_null("created_by"))
                .col(big("created_at"))
                .foreign_key(&mut fk("register_entry", "agency_id", "agency", "id"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "register_entry",
            &["agency_id", "direction", "year", "number"],
            true,
        )
        .await?;
        m.create_table(
            table("delivery")
                .col(id())
                .col(big("document_id"))
                .col(big("agency_id"))
                .col(text("status"))
                .col(big("sent_at"))
                .col(big("arrived_at"))
                .col(text("verification"))
                .col(text_null("verification_sha256"))
                .col(big_null("incoming_number"))
                .col(int_null("incoming_year"))
                .col(big_null("registered_at"))
                .col(big_null("assigned_person_id"))
                .col(text_null("assigned_unit"))
                .col(text_null("reason"))
                .col(boolean("frozen"))
                .col(big("updated_at"))
                .foreign_key(&mut fk("delivery", "document_id", "document", "id"))
                .foreign_key(&mut fk("delivery", "agency_id", "agency", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "delivery", &["document_id", "agency_id"], true).await?;
        index(m, "delivery", &["agency_id", "status"], false).await?;
        m.create_table(
            table("delivery_event")
                .col(id())
                .col(big("delivery_id"))
                .col(text("status"))
                .col(big("at"))
                .col(big_null("person_id"))
                .col(text_null("note"))
                .foreign_key(&mut fk("delivery_event", "delivery_id", "delivery", "id"))
                .to_owned(),
        )
        .await?;
        index(m, "delivery_event", &["delivery_id"], false).await?;
        m.create_table(
            table("idempotency")
                .col(big("person_id"))
                .col(text("key"))
                .col(text("request_sha256"))
                .col(text("response"))
                .col(big("created_at"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("person_id"))
                        .col(Alias::new("key")),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("webhook")
                .col(id())
                .col(big("agency_id"))
                .col(text("url"))
                .col(text("secret"))
                .col(text("events"))
                .col(boolean("active"))
                .col(big("created_at"))
                .foreign_key(&mut fk("webhook", "agency_id", "agency", "id"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table("webhook_delivery")
                .col(id())
                .col(big("webhook_id"))
                .col(text("event"))
                .col(text("payload"))
                .col(int("attempts"))
                .col(big("next_attempt_at"))
                .col(big_null("delivered_at"))
                .col(text_null("last_error"))
                .col(big_null("leased_until"))
                .col(big("created_at"))
                .foreign_key(&mut fk("webhook_delivery", "webhook_id", "webhook", "id"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "webhook_delivery",
            &["delivered_at", "next_attempt_at"],
            false,
        )
        .await?;
        seed(m).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in TABLES.iter().rev() {
            drop_table(m, Alias::new(*t)).await?;
        }
        Ok(())
    }
}

/// Roles (DESIGN §9): code, Vietnamese and English names.
pub const ROLES: &[(&str, &str, &str)] = &[
    ("drafter", "Chuyên viên soạn thảo", "Drafter"),
    ("approver", "Người ký duyệt", "Approver"),
    ("clerk", "Văn thư", "Clerk"),
    ("head", "Thủ trưởng cơ quan", "Head of agency"),
    ("it_officer", "Cán bộ công nghệ thông tin", "IT officer"),
    (
        "dept_admin",
        "Quản trị Sở Khoa học và Công nghệ",
        "Department administrator",
    ),
    ("ca_operator", "Cán bộ vận hành CA", "CA operator"),
    ("auditor", "Kiểm tra viên", "Auditor"),
];

/// Types of administrative documents and their abbreviations (Decree
/// 30/2020, Appendix III).
pub const DOCUMENT_TYPES: &[(&str, &str, &str)] = &[
    ("NQ", "Nghị quyết", "Resolution"),
    ("QĐ", "Quyết định", "Decision"),
    ("CT", "Chỉ thị", "Directive"),
    ("QC", "Quy chế", "Regulation"),
    ("QYĐ", "Quy định", "Rules"),
    ("TC", "Thông cáo", "Communiqué"),
    ("TB", "Thông báo", "Notice"),
    ("HD", "Hướng dẫn", "Guidance"),
    ("CTr", "Chương trình", "Programme"),
    ("KH", "Kế hoạch", "Plan"),
    ("PA", "Phương án", "Scheme"),
    ("ĐA", "Đề án", "Project"),
    ("DA", "Dự án", "Investment project"),
    ("BC", "Báo cáo", "Report"),
    ("BB", "Biên bản", "Minutes"),
    ("TTr", "Tờ trình", "Submission"),
    ("HĐ", "Hợp đồng", "Contract"),
    ("CĐ", "Công điện", "Official telegram"),
    ("BGN", "Bản ghi nhớ", "Memorandum"),
    ("BTT", "Bản thỏa thuận", "Agreement"),
    ("GUQ", "Giấy ủy quyền", "Power of attorney"),
    ("GM", "Giấy mời", "Invitation"),
    ("GGT", "Giấy giới thiệu", "Letter of introduction"),
    ("GNP", "Giấy nghỉ phép", "Leave certificate"),
    ("PG", "Phiếu gửi", "Dispatch slip"),
    ("PC", "Phiếu chuyển", "Transfer slip"),
    ("PB", "Phiếu báo", "Notification slip"),
    ("CV", "Công văn", "Official letter"),
];

/// The categories that must go electronically (R-CATEGORIES, seed 000
/// Art. 7.1): the default set, to which agencies add their own.
pub const CATEGORIES: &[(&str, &str, &str)] = &[
    (
        "cong-van",
        "Văn bản hành chính, công văn",
        "Official letters",
    ),
    (
        "giay-moi",
        "Giấy mời, giấy triệu tập (kèm tài liệu họp)",
        "Invitations and summons (with meeting papers)",
    ),
    (
        "bao-cao",
        "Báo cáo định kỳ, đột xuất",
        "Periodic and ad-hoc reports",
    ),
    (
        "thong-tin",
        "Văn bản để biết, phối hợp, báo cáo lãnh đạo",
        "For information, coordination and reporting to leaders",
    ),
    (
        "xin-y-kien",
        "Văn bản xin ý kiến (kèm dự thảo)",
        "Requests for comments (with drafts)",
    ),
    (
        "thong-bao",
        "Thông báo (kết luận, giới thiệu con dấu, chữ ký, trụ sở)",
        "Notices (conclusions, introducing seal, signature, office)",
    ),
    ("lich-cong-tac", "Lịch công tác", "Work schedules"),
];

/// `'…'` with single quotes doubled.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

async fn seed(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    let rows = |set: &[(&str, &str, &str)]| {
        set.iter()
            .map(|(c, vi, en)| format!("({}, {}, {})", quote(c), quote(vi), quote(en)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    db.execute_unprepared(&format!(
        "INSERT INTO role (code, name_vi, name_en) VALUES {}",
        rows(ROLES)
    ))
    .await?;
    db.execute_unprepared(&format!(
        "INSERT INTO document_type (code, name_vi, name_en) VALUES {}",
        rows(DOCUMENT_TYPES)
    ))
    .await?;
    let cats = CATEGORIES
        .iter()
        .map(|(c, vi, en)| format!("(0, {}, {}, {}, 0)", quote(c), quote(vi), quote(en)))
        .collect::<Vec<_>>()
        .join(", ");
    db.execute_unprepared(&format!(
        "INSERT INTO category (scope_agency_id, code, name_vi, name_en, created_at) VALUES {cats}"
    ))
    .await?;
    Ok(())
}
