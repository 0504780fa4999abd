//! Feeding the index from the database, so that every replica keeps its
//! own (or several processes share one data directory's, one writing at a
//! time).
//!
//! Each feed reads the documents whose row, or one of whose deliveries,
//! changed at or after the index's watermark (`updated_at`, indexed
//! columns), writes those whose entry is missing or older, and commits
//! with the new watermark `now − LATE_COMMIT`: a write transaction stamps
//! its rows when it starts and may commit a little later, so the watermark
//! stays that far behind the clock and such rows are still read. An entry
//! written within `SAME_SECOND` of its version is written again by the
//! next feeds (times are to the second: a second change in that second has
//! the same version). A write transaction longer than `LATE_COMMIT` could
//! be missed: `kyso search reindex` rebuilds everything.

use std::collections::{BTreeSet, HashMap};

use kyso_store::office::{agency, delivery, document, document_file};
use kyso_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use kyso_store::search::{IndexedDocument, SearchIndex};
use serde::Serialize;

use crate::error::{OfficeError, Result};
use crate::Office;

/// How long after its `updated_at` a write transaction may still commit
/// and be read by the next feed.
pub const LATE_COMMIT: i64 = 60;
/// An entry written this soon after its version is written again.
const SAME_SECOND: i64 = 5;
/// Documents read from the database at a time.
const CHUNK: usize = 500;
/// Memory of the index writer of a rebuild.
const REBUILD_HEAP: usize = 200_000_000;

/// What a feed did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FeedReport {
    /// Documents read from the database.
    pub examined: usize,
    /// Entries written.
    pub indexed: usize,
    /// The watermark committed (Unix seconds).
    pub watermark: i64,
    /// Whether the index was rebuilt from nothing.
    pub rebuilt: bool,
}

impl Office {
    /// Brings `index` up to date with the database; an index never fed
    /// (new, or emptied because its schema changed) is rebuilt.
    pub async fn feed_search(&self, index: &SearchIndex) -> Result<FeedReport> {
        let Some(wm) = index.watermark().map_err(internal)? else {
            return self.rebuild_search(index).await;
        };
        let now = self.now().unix_timestamp();
        let target = (now - LATE_COMMIT).max(wm);
        let db = self.store.connection();
        let mut ids: BTreeSet<i64> = document::Entity::find()
            .select_only()
            .column(document::Column::Id)
            .filter(document::Column::UpdatedAt.gte(wm))
            .into_tuple::<i64>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        ids.extend(
            delivery::Entity::find()
                .select_only()
                .column(delivery::Column::DocumentId)
                .filter(delivery::Column::UpdatedAt.gte(wm))
                .into_tuple::<i64>()
                .all(db)
                .await?,
        );
        let mut report = FeedReport {
            watermark: target,
            ..FeedReport::default()
        };
        let ids: Vec<i64> = ids.into_iter().collect();
        let mut changed = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let known = index.versions(chunk).map_err(internal)?;
            for d in self.index_entries(chunk, now).await? {
                report.examined += 1;
                let stale = known.get(&d.id).is_none_or(|k| {
                    k.version != d.version || k.indexed_at - k.version <= SAME_SECOND
                });
                if stale {
                    changed.push(d);
                }
            }
        }
        // Nothing new: move the watermark on now and then, not every time.
        if changed.is_empty() && target < wm + 10 * LATE_COMMIT {
            report.watermark = wm;
            return Ok(report);
        }
        report.indexed = changed.len();
        index.apply(&changed, &[], target).map_err(internal)?;
        Ok(report)
    }

    /// Rebuilds `index` from every document in the database (`kyso search
    /// reindex`); searches see the old entries until it commits.
    pub async fn rebuild_search(&self, index: &SearchIndex) -> Result<FeedReport> {
        let now = self.now().unix_timestamp();
        let db = self.store.connection();
        let mut report = FeedReport {
            watermark: now - LATE_COMMIT,
            rebuilt: true,
            ..FeedReport::default()
        };
        let mut w = index.writer(REBUILD_HEAP).map_err(internal)?;
        w.clear().map_err(internal)?;
        let mut after = 0i64;
        loop {
            let chunk: Vec<i64> = document::Entity::find()
                .select_only()
                .column(document::Column::Id)
                .filter(document::Column::Id.gt(after))
                .order_by_asc(document::Column::Id)
                .limit(CHUNK as u64)
                .into_tuple::<i64>()
                .all(db)
                .await?;
            let Some(last) = chunk.last() else { break };
            after = *last;
            for d in self.index_entries(&chunk, now).await? {
                report.examined += 1;
                report.indexed += 1;
                w.put(&d).map_err(internal)?;
            }
        }
        w.commit(report.watermark).map_err(internal)?;
        Ok(report)
    }

    /// The index entries of the documents `ids` (as of now).
    pub(crate) async fn index_entries(
        &self,
        ids: &[i64],
        now: i64,
    ) -> Result<Vec<IndexedDocument>> {
        let db = self.store.connection();
        let docs = document::Entity::find()
            .filter(document::Column::Id.is_in(ids.to_vec()))
            .order_by_asc(document::Column::Id)
            .all(db)
            .await?;
        let mut recipients: HashMap<i64, (Vec<i64>, i64)> = HashMap::new();
        for d in delivery::Entity::find()
            .filter(delivery::Column::DocumentId.is_in(ids.to_vec()))
            .all(db)
            .await?
        {
            let e = recipients.entry(d.document_id).or_default();
            e.0.push(d.agency_id);
            e.1 = e.1.max(d.updated_at);
        }
        // The document's own file: its first main file (the upload: the
        // text of later, signed versions is the same).
        let mut main: HashMap<i64, String> = HashMap::new();
        for f in document_file::Entity::find()
            .filter(document_file::Column::DocumentId.is_in(ids.to_vec()))
            .filter(document_file::Column::Role.is_in(["draft", "approved", "sealed"]))
            .order_by_asc(document_file::Column::Id)
            .all(db)
            .await?
        {
            main.entry(f.document_id).or_insert(f.blob_sha256);
        }
        let agencies: HashMap<i64, agency::Model> = agency::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let mut out = Vec::with_capacity(docs.len());
        for d in docs {
            let body = match main.get(&d.id) {
                Some(sha) => match self.pdf_text(sha).await {
                    Ok(t) => t.text,
                    // A blob missing from the store: found by metadata until
                    // it is back and the index rebuilt.
                    Err(e) => {
                        tracing::warn!("text of document {} not read: {e}", d.id);
                        String::new()
                    }
                },
                None => String::new(),
            };
            let (rcpt, delivered_at) = recipients.remove(&d.id).unwrap_or_default();
            let date = d
                .issued_date
                .as_deref()
                .and_then(|s| crate::document::metadata::parse_date(s, "", "").ok())
                .or_else(|| {
                    time::OffsetDateTime::from_unix_timestamp(d.created_at)
                        .ok()
                        .map(|t| t.to_offset(crate::clock::VIETNAM).date())
                })
                .unwrap_or(time::Date::MIN);
            let name = |id: &i64| agencies.get(id).map(|a| a.name.as_str()).unwrap_or("");
            let mut meta = vec![d.type_name.clone(), d.issue_place.clone()];
            meta.push(name(&d.agency_id).to_string());
            if let Some(a) = agencies.get(&d.agency_id) {
                meta.push(a.short_name.clone());
                meta.push(a.code.clone());
            }
            if let Some(p) = &d.signer_position {
                meta.push(p.clone());
            }
            meta.extend(rcpt.iter().map(|r| name(r).to_string()));
            out.push(IndexedDocument {
                id: d.id,
                agency_id: d.agency_id,
                recipients: rcpt,
                year: d.register_year.unwrap_or(date.year()),
                date: super::yyyymmdd(date),
                type_code: d.type_code.clone(),
                category_id: d.category_id,
                state: d.state.clone(),
                numbered: d.number.is_some(),
                signer: d.signer_name.clone().unwrap_or_default(),
                subject: d.subject.clone(),
                number: crate::document::view_number_text(&d).unwrap_or_default(),
                meta: meta.join(" · "),
                body,
                version: d.updated_at.max(delivered_at),
                indexed_at: now,
            });
        }
        Ok(out)
    }
}

/// `search-busy` (409) when another process writes the index, else a
/// failure of ours.
fn internal(e: kyso_store::search::SearchError) -> OfficeError {
    match e {
        kyso_store::search::SearchError::Busy => OfficeError::conflict(
            BUSY,
            "chỉ mục tìm kiếm đang được tiến trình khác ghi",
            "the search index is being written by another process",
        ),
        e => OfficeError::internal("search index", e),
    }
}

/// The code of the error when another process writes the index.
pub const BUSY: &str = "search-busy";
