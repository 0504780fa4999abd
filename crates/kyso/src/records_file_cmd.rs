//! `kyso archive file`: an agency's records files (hồ sơ) of a year
//! (kyso_office::records_file) — open, file documents, close, list,
//! show — as a clerk or the head of the agency, who logs in with their
//! password. `kyso archive export --records-file ID` writes one for the
//! archive.

use anyhow::{anyhow, Result};
use clap::Subcommand;
use kyso_office::records_file::{Access, NewRecordsFile, RecordsFileView};
use kyso_office::Office;

use crate::archive_cmd::{login, open};
use crate::context::Context;

/// Who acts, and where the blobs are.
#[derive(clap::Args)]
pub struct As {
    /// A clerk, head (or, to read, auditor) of the agency.
    #[arg(long)]
    user: String,
    /// Environment variable with the person's password (else a prompt).
    #[arg(long, default_value = "KYSO_PASSWORD")]
    user_password_env: String,
    #[arg(long, env = "KYSO_BLOBS")]
    blobs: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub enum FileCommand {
    /// Mở hồ sơ / open a file in the agency's list of the year.
    Create {
        #[arg(long)]
        agency_id: i64,
        /// Năm hình thành hồ sơ.
        #[arg(long, value_parser = clap::value_parser!(i32).range(1945..=9999))]
        year: i32,
        /// Số hồ sơ (the next free one when absent).
        #[arg(long)]
        number: Option<i32>,
        /// Ký hiệu hồ sơ: VP, TCKT …
        #[arg(long)]
        notation: String,
        /// Tiêu đề hồ sơ.
        #[arg(long)]
        title: String,
        /// Thời hạn bảo quản: `permanent` (vĩnh viễn) or years (1–70).
        #[arg(long)]
        retention: String,
        /// Chế độ sử dụng: `public` or `conditional`.
        #[arg(long, default_value = "public")]
        access: String,
        #[arg(long)]
        language: Option<String>,
        #[arg(long, default_value = "")]
        keywords: String,
        /// Chú giải.
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        who: As,
    },
    /// Lập văn bản vào hồ sơ / file documents (issued by the agency, or
    /// received and registered) in a file, in this order.
    Add {
        file: i64,
        #[arg(required = true)]
        documents: Vec<i64>,
        #[command(flatten)]
        who: As,
    },
    /// Kết thúc hồ sơ / close a file: nothing is added after.
    Close {
        file: i64,
        #[command(flatten)]
        who: As,
    },
    /// Danh mục hồ sơ / the agency's files of a year.
    List {
        #[arg(long)]
        agency_id: i64,
        #[arg(long)]
        year: i32,
        #[command(flatten)]
        who: As,
    },
    /// One file with its documents.
    Show {
        file: i64,
        #[command(flatten)]
        who: As,
    },
}

fn print_file(f: &RecordsFileView, with_documents: bool) {
    println!(
        "{} — {} ({}; {}; {} văn bản / documents, {} trang / pages{})",
        f.code,
        f.title,
        f.retention_vi,
        f.access.code(),
        f.documents.len(),
        f.page_count,
        if f.closed_at.is_some() {
            "; đã kết thúc / closed"
        } else {
            ""
        }
    );
    if with_documents {
        for d in &f.documents {
            println!(
                "  {:>3}. văn bản / document {} {} — {}{}",
                d.position,
                d.document_id,
                d.number_text.as_deref().unwrap_or("(chưa số)"),
                d.subject,
                if d.incoming {
                    " [đến / incoming]"
                } else {
                    ""
                }
            );
        }
    }
}

async fn act<T>(
    ctx: &Context,
    who: &As,
    f: impl AsyncFnOnce(&Office, &kyso_office::Actor) -> kyso_office::Result<T>,
) -> Result<T> {
    let office = open(ctx, who.blobs.as_deref(), None, 365).await?;
    let l = login(&office, &who.user, &who.user_password_env).await?;
    let r = f(&office, &l.actor).await;
    let _ = office.logout(&l.session_secret, &l.actor).await;
    r.map_err(|e| anyhow!(e.message()))
}

fn show(f: &RecordsFileView, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(f)?);
    } else {
        print_file(f, true);
    }
    Ok(())
}

pub async fn run(ctx: &Context, c: FileCommand) -> Result<()> {
    match c {
        FileCommand::Create {
            agency_id,
            year,
            number,
            notation,
            title,
            retention,
            access,
            language,
            keywords,
            note,
            who,
        } => {
            let access = Access::parse(&access).map_err(|e| anyhow!(e.message()))?;
            let n = NewRecordsFile {
                agency_id,
                year,
                number,
                notation,
                title,
                retention,
                access,
                language,
                keywords,
                note,
            };
            let f = act(ctx, &who, async |o, a| o.create_records_file(a, n).await).await?;
            show(&f, who.json)
        }
        FileCommand::Add {
            file,
            documents,
            who,
        } => {
            let f = act(ctx, &who, async |o, a| {
                let mut last = None;
                for d in &documents {
                    last = Some(o.file_document(a, file, *d).await?);
                }
                match last {
                    Some(f) => Ok(f),
                    None => o.records_file(a, file).await,
                }
            })
            .await?;
            show(&f, who.json)
        }
        FileCommand::Close { file, who } => {
            let f = act(ctx, &who, async |o, a| o.close_records_file(a, file).await).await?;
            show(&f, who.json)
        }
        FileCommand::Show { file, who } => {
            let f = act(ctx, &who, async |o, a| o.records_file(a, file).await).await?;
            show(&f, who.json)
        }
        FileCommand::List {
            agency_id,
            year,
            who,
        } => {
            let v = act(ctx, &who, async |o, a| {
                o.records_files(a, agency_id, year).await
            })
            .await?;
            if who.json {
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else if v.is_empty() {
                println!("chưa có hồ sơ nào / no files for {year}");
            } else {
                v.iter().for_each(|f| print_file(f, false));
            }
            Ok(())
        }
    }
}
