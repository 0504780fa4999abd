//! `kyso search`: the search index of this data directory (`DATA/search`).
//! A running `kyso serve` feeds it by itself; `reindex` rebuilds it from
//! the database (after a restore, or if it was damaged), `status` shows
//! what it holds.

use anyhow::{anyhow, Context as _, Result};
use clap::Subcommand;
use kyso_store::search::SearchIndex;

use crate::context::Context;
use crate::office_cmd::open_office;

#[derive(Subcommand)]
pub enum SearchCommand {
    /// Xây lại chỉ mục tìm kiếm / rebuild the search index from the
    /// database (searches see the old index until it is done).
    Reindex {
        /// Blob store (default DATA/blobs, or KYSO_BLOBS).
        #[arg(long, env = "KYSO_BLOBS")]
        blobs: Option<String>,
        /// Seconds to wait for a running server that is writing the index.
        #[arg(long, default_value_t = 60)]
        wait: u64,
    },
    /// Chỉ mục tìm kiếm / what the index holds: documents, size, watermark.
    Status {
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(ctx: &Context, c: SearchCommand) -> Result<()> {
    let dir = ctx.data.join("search");
    match c {
        SearchCommand::Reindex { blobs, wait } => {
            let office = open_office(ctx, blobs.as_deref()).await?;
            let index = SearchIndex::open(&dir)
                .with_context(|| format!("cannot open the search index {}", dir.display()))?;
            let started = std::time::Instant::now();
            let deadline = started + std::time::Duration::from_secs(wait);
            let report = loop {
                match office.rebuild_search(&index).await {
                    Ok(r) => break r,
                    Err(e)
                        if e.code == kyso_office::search::feed::BUSY
                            && std::time::Instant::now() < deadline =>
                    {
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    }
                    Err(e) => return Err(anyhow!(e.message())),
                }
            };
            let stats = index.stats()?;
            println!(
                "đã lập chỉ mục / indexed {} documents in {:.1} s; {} segments, {:.1} MB in {}",
                report.indexed,
                started.elapsed().as_secs_f64(),
                stats.segments,
                stats.bytes as f64 / 1e6,
                dir.display()
            );
            Ok(())
        }
        SearchCommand::Status { json } => {
            let index = SearchIndex::open(&dir)
                .with_context(|| format!("cannot open the search index {}", dir.display()))?;
            let stats = index.stats()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                println!(
                    "{} documents, {} segments, {:.1} MB, read up to {}",
                    stats.documents,
                    stats.segments,
                    stats.bytes as f64 / 1e6,
                    stats
                        .watermark
                        .map(|w| w.to_string())
                        .unwrap_or_else(|| "(never fed)".into())
                );
            }
            Ok(())
        }
    }
}
