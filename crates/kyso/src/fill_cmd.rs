//! `kyso fill`: set the values of existing text fields of a PDF (the
//! clerk's number and date, DESIGN §6) in an incremental update that keeps
//! earlier signatures valid. Locked fields, signature fields and unknown
//! fields are refused.
use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use kyso_sign::FillPolicy;

#[derive(clap::Args)]
pub struct FillArgs {
    /// PDF whose fields are filled (only read).
    input: PathBuf,
    /// PDF to write.
    #[arg(short, long)]
    output: PathBuf,
    /// NAME=VALUE: set the text field NAME (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE", required = true)]
    set: Vec<String>,
    /// Fill even fields a signature locks or a P1 certification forbids
    /// (the earlier signature then reports the change as not allowed).
    #[arg(long)]
    force: bool,
}

/// `NAME=VALUE` of `--set`.
pub fn parse_set(s: &str) -> Result<(String, String)> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| anyhow!("--set '{s}': cần TÊN=GIÁ_TRỊ / expected NAME=VALUE"))?;
    let name = name.trim();
    if name.is_empty() {
        bail!("--set '{s}': thiếu tên trường / the field name is missing");
    }
    Ok((name.to_string(), value.to_string()))
}

pub async fn run(args: FillArgs) -> Result<()> {
    tokio::task::spawn_blocking(move || fill(args))
        .await
        .map_err(|e| anyhow!("fill task failed: {e}"))?
}

fn fill(a: FillArgs) -> Result<()> {
    let values = a
        .set
        .iter()
        .map(|s| parse_set(s))
        .collect::<Result<Vec<_>>>()?;
    let policy = if a.force {
        FillPolicy::Force
    } else {
        FillPolicy::Respect
    };
    let out = kyso_sign::fill_fields(&a.input, &a.output, &values, policy)?;
    let names: Vec<&str> = values.iter().map(|(n, _)| n.as_str()).collect();
    eprintln!("Đã điền / filled: {} ({})", out.display(), names.join(", "));
    Ok(())
}
