//! `kyso`: the command line over the whole system.
#![forbid(unsafe_code)]

mod agent;
mod archive_cmd;
mod backup_cmd;
mod batch;
mod ca_cmd;
mod context;
mod demo;
mod desk_cmd;
mod desk_dossier_cmd;
mod doc;
mod extend_cmd;
mod fetch;
mod fill_cmd;
mod key_file;
mod key_source;
mod office_cmd;
mod records_file_cmd;
mod search_cmd;
mod serve_cmd;
mod sign_appearance;
mod sign_cmd;
mod token_cmd;
mod trust_cmd;
mod verify_cmd;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// kyso — chữ ký số cho cơ quan nhà nước / government digital signatures.
#[derive(Parser)]
#[command(name = "kyso", version, about, long_about = None)]
pub struct Cli {
    /// Data directory (configuration, SQLite database, key password file).
    #[arg(long, global = true, env = "KYSO_DATA", default_value = "kyso-data")]
    data: PathBuf,
    /// Database URL: sqlite://FILE or postgres://… (default: SQLite in the data directory).
    #[arg(long, global = true, env = "KYSO_DB")]
    db: Option<String>,
    /// Name of an environment variable holding the password of the CA keys
    /// (default: KYSO_KEY_PASSWORD, else the file key-password in the data directory).
    #[arg(long, global = true)]
    password_env: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Certification authority: init, issue, renew, revoke, CRL, list, show.
    #[command(subcommand)]
    Ca(ca_cmd::CaCommand),
    /// Trust anchors (national roots, the built-in root): import, list, remove.
    #[command(subcommand)]
    Trust(trust_cmd::TrustCommand),
    /// Keys on PKCS#11 tokens: list, keygen, csr, import-cert, sign,
    /// change-pin, recover (security officer), recoveries.
    #[command(subcommand)]
    Token(token_cmd::TokenCommand),
    /// Serve the document office (REST API, browser signing) and the CA
    /// certificates, CRLs, OCSP and the TSA over HTTP.
    Serve(serve_cmd::ServeArgs),
    /// Ký số tệp PDF (PAdES) / sign a PDF (PAdES B-B, B-T, B-LT or B-LTA).
    Sign(Box<sign_cmd::SignArgs>),
    /// Local signing agent on 127.0.0.1: signs digests for allowed web
    /// pages with the key on your token, after showing what is signed.
    Agent(agent::AgentArgs),
    /// Thêm dữ liệu kiểm tra dài hạn / extend a signed PDF to PAdES B-LT or
    /// B-LTA (DSS with certificates, OCSP answers, CRLs; document time-stamp).
    Extend(extend_cmd::ExtendArgs),
    /// Điền trường biểu mẫu PDF / fill form fields of a PDF (incremental update).
    Fill(fill_cmd::FillArgs),
    /// Kiểm tra chữ ký số (PDF hoặc CMS tách rời) / verify the signatures of
    /// a PDF or a detached CMS signature. Exit status 0 TOTAL-PASSED,
    /// 1 INDETERMINATE, 2 TOTAL-FAILED, 3 the file could not be read.
    Verify(verify_cmd::VerifyArgs),
    /// Văn bản đi, đến / the document office through its API: create,
    /// list, show, submit, approve (with your token), seal, issue, inbox,
    /// register, reject, assign, recall, registers, audit.
    Doc(doc::DocArgs),
    /// In bản giấy / the print-out of an issued document through the API:
    /// its signed file with a verification band and QR code under every
    /// page (`kyso print ID --out FILE.pdf`).
    Print(doc::PrintArgs),
    /// Dịch vụ chứng thư số / the certificate desk through the API:
    /// requests (create, confirm, send, approve, refuse, …), the
    /// working-day calendar, key devices and their handovers.
    Desk(desk_cmd::DeskArgs),
    /// The office on this server's data: `init` makes the first administrator.
    #[command(subcommand)]
    Office(office_cmd::OfficeCommand),
    /// Nhật ký kiểm toán / the audit log: verify its hash chain and time-stamps.
    #[command(subcommand)]
    Audit(office_cmd::AuditCommand),
    /// Sao lưu / back up the database, the data directory's files and the
    /// blobs to a directory or S3 with a signed manifest; `verify`, `list`.
    Backup(backup_cmd::BackupArgs),
    /// Khôi phục / restore a verified backup onto an empty data directory
    /// and database.
    Restore(backup_cmd::RestoreArgs),
    /// Lưu trữ dài hạn / long-term validity of stored documents: the
    /// renewal schedule (`status`), one renewal round by hand (`renew`).
    #[command(subcommand)]
    Archive(archive_cmd::ArchiveCommand),
    /// Tìm kiếm / the search index of this data directory: reindex, status.
    #[command(subcommand)]
    Search(search_cmd::SearchCommand),
    /// One command on embedded defaults: create the data directory with a
    /// CA, TSA and OCSP responder if needed, then serve them and the
    /// document office on localhost.
    Demo(demo::DemoArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KYSO_LOG")
                .unwrap_or_else(|_| "kyso=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async {
        let ctx = context::Context::new(&cli);
        match cli.command {
            Command::Ca(c) => ca_cmd::run(&ctx, c).await,
            Command::Trust(c) => trust_cmd::run(&ctx, c).await,
            Command::Token(c) => token_cmd::run(&ctx, c).await,
            Command::Serve(a) => serve_cmd::serve(&ctx, a).await,
            Command::Demo(a) => demo::run(&ctx, a).await,
            Command::Sign(a) => sign_cmd::run(*a).await,
            Command::Agent(a) => agent::run(a).await,
            Command::Extend(a) => extend_cmd::run(a).await,
            Command::Fill(a) => fill_cmd::run(a).await,
            Command::Doc(a) => doc::run(a).await,
            Command::Print(a) => doc::print_copy(a).await,
            Command::Desk(a) => desk_cmd::run(a).await,
            Command::Office(c) => office_cmd::run(&ctx, c).await,
            Command::Audit(c) => office_cmd::audit(&ctx, c).await,
            Command::Backup(a) => backup_cmd::run(&ctx, a).await,
            Command::Restore(a) => backup_cmd::restore(&ctx, a).await,
            Command::Search(c) => search_cmd::run(&ctx, c).await,
            Command::Archive(c) => archive_cmd::run(&ctx, c).await,
            Command::Verify(a) => {
                return verify_cmd::run(&ctx, a).await.map_err(|e| {
                    eprintln!("lỗi / error: {e:#}");
                    3u8
                })
            }
        }
        .map(|()| 0u8)
        .map_err(|e| {
            eprintln!("lỗi / error: {e:#}");
            1u8
        })
    });
    match result {
        Ok(code) => std::process::ExitCode::from(code),
        Err(code) => std::process::ExitCode::from(code),
    }
}
