//! `kyso trust …`
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Subcommand;

use crate::context::Context;

#[derive(Subcommand)]
pub enum TrustCommand {
    /// Import CA certificates (PEM bundle or DER) as trust anchors, e.g. the
    /// national root CA and the Government specialized-CA root.
    Import {
        file: PathBuf,
        /// A name for the anchor(s), e.g. "Root CA Việt Nam".
        #[arg(long)]
        label: Option<String>,
    },
    /// List the trust anchors.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a trust anchor by its SHA-256 fingerprint.
    Remove { fingerprint: String },
}

pub async fn run(ctx: &Context, cmd: TrustCommand) -> Result<()> {
    let store = ctx.store().await?;
    match cmd {
        TrustCommand::Import { file, label } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let label = label.unwrap_or_else(|| {
                file.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
            let added = kyso_ca::trust::import_anchor(&store, &bytes, &label, false).await?;
            for fp in &added {
                println!("Đã thêm / added {fp}");
            }
        }
        TrustCommand::List { json } => {
            let anchors = store.trust_anchors().await?;
            if json {
                let v: Vec<_> = anchors
                    .iter()
                    .map(|a| {
                        serde_json::json!({
                            "fingerprint_sha256": a.fingerprint_sha256,
                            "subject": a.subject,
                            "label": a.label,
                            "builtin": a.builtin,
                            "added_at": kyso_pki::time::iso8601_vn(a.added_at),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                for a in &anchors {
                    println!(
                        "{}  {}  [{}]{}",
                        a.fingerprint_sha256,
                        a.subject,
                        a.label,
                        if a.builtin { " (built-in)" } else { "" }
                    );
                }
                eprintln!("{} điểm tin cậy / trust anchors", anchors.len());
            }
        }
        TrustCommand::Remove { fingerprint } => {
            if kyso_ca::trust::remove_anchor(&store, &fingerprint).await? {
                println!("Đã xóa / removed {fingerprint}");
            } else {
                anyhow::bail!("no trust anchor with fingerprint {fingerprint}");
            }
        }
    }
    Ok(())
}
