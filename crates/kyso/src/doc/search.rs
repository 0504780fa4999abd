//! `kyso doc search`: the office's search through its API.

use anyhow::Result;
use clap::Args;
use serde_json::Value;

use super::client::Api;
use super::{agency_id, print, query, s};

/// Tìm văn bản / search documents: words (accents optional) and filters.
#[derive(Args)]
pub struct SearchArgs {
    /// Words of the subject, number, signer, agencies or text ("a phrase",
    /// -excluded); may be empty when filters are given.
    #[arg(default_value = "")]
    words: String,
    /// Issued by or delivered to this agency (id or code).
    #[arg(long)]
    agency: Option<String>,
    /// `out` (outgoing register) or `in` (delivered to your agencies).
    #[arg(long)]
    register: Option<String>,
    #[arg(long)]
    year: Option<i32>,
    /// Type code: QĐ, CV, …
    #[arg(long = "type")]
    type_code: Option<String>,
    #[arg(long)]
    category: Option<i64>,
    /// Workflow state: draft, issued, …
    #[arg(long)]
    status: Option<String>,
    /// Words of the signer's name.
    #[arg(long)]
    signer: Option<String>,
    /// From date (YYYY-MM-DD, inclusive).
    #[arg(long)]
    from: Option<String>,
    /// To date (YYYY-MM-DD, inclusive).
    #[arg(long)]
    to: Option<String>,
    #[arg(long, default_value_t = 20)]
    limit: u32,
    #[arg(long, default_value_t = 0)]
    offset: u32,
}

pub(super) fn run(api: &Api, json: bool, a: SearchArgs) -> Result<()> {
    let agency = a.agency.map(|x| agency_id(api, &x)).transpose()?;
    let page: Value = api.get(&format!(
        "/api/v1/documents/search{}",
        query(&[
            ("q", Some(a.words)),
            ("agency_id", agency.map(|x| x.to_string())),
            ("register", a.register),
            ("year", a.year.map(|x| x.to_string())),
            ("type", a.type_code),
            ("category_id", a.category.map(|x| x.to_string())),
            ("status", a.status),
            ("signer", a.signer),
            ("from", a.from),
            ("to", a.to),
            ("limit", Some(a.limit.to_string())),
            ("offset", Some(a.offset.to_string())),
        ])
    ))?;
    print(json, &page, text);
    Ok(())
}

/// A snippet with its matched words between » and «.
fn marked(v: &Value) -> String {
    let text = s(v, "text");
    let mut out = String::new();
    let mut at = 0;
    for h in v
        .get("highlights")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(a), Some(b)) = (
            h.get(0).and_then(Value::as_u64),
            h.get(1).and_then(Value::as_u64),
        ) else {
            continue;
        };
        let (a, b) = (a as usize, b as usize);
        let (Some(before), Some(word)) = (text.get(at..a), text.get(a..b)) else {
            continue;
        };
        out.push_str(before);
        out.push('»');
        out.push_str(word);
        out.push('«');
        at = b;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out.replace('\n', " ")
}

fn text(page: &Value) -> String {
    let hits = page.get("hits").and_then(Value::as_array);
    let mut lines = vec![format!(
        "{} văn bản / documents",
        page.get("total").and_then(Value::as_u64).unwrap_or(0)
    )];
    for h in hits.into_iter().flatten() {
        lines.push(format!(
            "#{:<5} {:<10} {:<14} {:<4} {}  {}",
            h.get("id").and_then(Value::as_i64).unwrap_or(0),
            s(h, "state"),
            h.get("number_text").and_then(Value::as_str).unwrap_or("-"),
            s(h, "type_code"),
            h.get("issued_date").and_then(Value::as_str).unwrap_or(""),
            s(h, "agency_name"),
        ));
        if let Some(subject) = h.get("subject") {
            lines.push(format!("       {}", marked(subject)));
        }
        if let Some(t) = h.get("text").filter(|t| !s(t, "text").is_empty()) {
            lines.push(format!("       … {} …", marked(t)));
        }
    }
    lines.join("\n")
}
