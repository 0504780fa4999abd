//! The index on disk: opening (rebuilt empty when its schema is another
//! version or it cannot be read), writing a batch with the watermark it
//! reached, and reading back what it holds.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::TermSetQuery;
use tantivy::schema::{Schema, Value};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::schema::{register_tokenizer, schema, Fields, SCHEMA_VERSION};
use super::SearchError;

/// One document as the index keeps it.
#[derive(Clone, Debug, Default)]
pub struct IndexedDocument {
    pub id: i64,
    /// The issuing agency.
    pub agency_id: i64,
    /// The agencies it was delivered to.
    pub recipients: Vec<i64>,
    /// Register year (or the year of its date).
    pub year: i32,
    /// Its date as `YYYYMMDD` (issue date, else creation date).
    pub date: i64,
    pub type_code: String,
    pub category_id: Option<i64>,
    pub state: String,
    /// Whether it has a number of the outgoing register.
    pub numbered: bool,
    pub signer: String,
    pub subject: String,
    /// Number and notation, e.g. `01/QĐ-UBND`.
    pub number: String,
    /// Other searchable metadata: type name, agency names, place.
    pub meta: String,
    /// The PDF's text (empty for a scan).
    pub body: String,
    /// The latest `updated_at` of the document and its deliveries.
    pub version: i64,
    /// When this entry was written (Unix seconds).
    pub indexed_at: i64,
}

/// What the index holds of one document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexedVersion {
    pub version: i64,
    pub indexed_at: i64,
}

/// Size and content of the index.
#[derive(Clone, Debug, serde::Serialize)]
pub struct IndexStats {
    pub documents: u64,
    pub segments: usize,
    pub bytes: u64,
    pub watermark: Option<i64>,
}

/// The commit payload.
#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    schema: u32,
    watermark: i64,
}

/// Writes to the index; nothing is seen until [`SearchWriter::commit`],
/// and dropping it uncommitted leaves the index as it was.
pub struct SearchWriter<'a> {
    index: &'a SearchIndex,
    w: IndexWriter<TantivyDocument>,
}

impl SearchWriter<'_> {
    /// Removes every entry (a rebuild), as of the commit.
    pub fn clear(&mut self) -> Result<(), SearchError> {
        self.w.delete_all_documents()?;
        Ok(())
    }

    /// Removes the entry of document `id`.
    pub fn remove(&mut self, id: i64) {
        self.w
            .delete_term(Term::from_field_u64(self.index.fields.id, id as u64));
    }

    /// Writes `d`, replacing the entry of its id.
    pub fn put(&mut self, d: &IndexedDocument) -> Result<(), SearchError> {
        self.remove(d.id);
        self.w.add_document(self.index.document(d))?;
        Ok(())
    }

    /// Makes everything written visible, with `watermark` as the time up
    /// to which the database has been read; waits for the segment merges.
    pub fn commit(mut self, watermark: i64) -> Result<(), SearchError> {
        let payload = serde_json::to_string(&Payload {
            schema: SCHEMA_VERSION,
            watermark,
        })
        .map_err(|e| SearchError::Index(e.to_string()))?;
        let mut commit = self.w.prepare_commit()?;
        commit.set_payload(&payload);
        commit.commit()?;
        self.w.wait_merging_threads()?;
        self.index.reader.reload()?;
        Ok(())
    }
}

/// The index of one data directory, shared by the requests of a process.
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    dir: PathBuf,
}

impl SearchIndex {
    /// Opens the index in `dir` (created if missing). An index of another
    /// schema version, or one that cannot be read, is emptied: it is
    /// rebuilt from the database by the next feed.
    pub fn open(dir: &Path) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let index = match Self::open_existing(dir, &schema) {
            Some(i) => i,
            None => {
                for e in std::fs::read_dir(dir)? {
                    let p = e?.path();
                    if p.is_dir() {
                        std::fs::remove_dir_all(&p)?;
                    } else {
                        std::fs::remove_file(&p)?;
                    }
                }
                let d = MmapDirectory::open(dir).map_err(|e| SearchError::Index(e.to_string()))?;
                Index::create(d, schema, Default::default())?
            }
        };
        register_tokenizer(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            fields,
            dir: dir.to_path_buf(),
        })
    }

    fn open_existing(dir: &Path, schema: &Schema) -> Option<Index> {
        if !dir.join("meta.json").exists() {
            return None;
        }
        let d = MmapDirectory::open(dir).ok()?;
        let index = Index::open(d).ok()?;
        let metas = index.load_metas().ok()?;
        let payload: Payload = serde_json::from_str(metas.payload.as_deref()?).ok()?;
        (payload.schema == SCHEMA_VERSION && index.schema() == *schema).then_some(index)
    }

    /// Where the index lives.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The `updated_at` time up to which the database has been read, as
    /// committed last; `None` for an index never fed.
    pub fn watermark(&self) -> Result<Option<i64>, SearchError> {
        let metas = self.index.load_metas()?;
        Ok(metas
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str::<Payload>(p).ok())
            .filter(|p| p.schema == SCHEMA_VERSION)
            .map(|p| p.watermark))
    }

    /// A writer: one at a time per index directory, across processes
    /// ([`SearchError::Busy`] otherwise). `heap` is its memory budget in
    /// bytes (15 MB at least; from 100 MB two indexing threads). Blocking.
    pub fn writer(&self, heap: usize) -> Result<SearchWriter<'_>, SearchError> {
        let threads = if heap >= 100_000_000 { 2 } else { 1 };
        let w = self
            .index
            .writer_with_num_threads(threads, heap.max(15_000_000 * threads))?;
        Ok(SearchWriter { index: self, w })
    }

    /// Writes `docs` (each replacing the entry of its id) and removes the
    /// entries of `removed`, then commits with `watermark`. Blocking.
    pub fn apply(
        &self,
        docs: &[IndexedDocument],
        removed: &[i64],
        watermark: i64,
    ) -> Result<(), SearchError> {
        let mut w = self.writer(15_000_000)?;
        for id in removed {
            w.remove(*id);
        }
        for d in docs {
            w.put(d)?;
        }
        w.commit(watermark)
    }

    fn document(&self, d: &IndexedDocument) -> TantivyDocument {
        let f = &self.fields;
        let mut t = TantivyDocument::default();
        t.add_u64(f.id, d.id as u64);
        t.add_u64(f.agency, d.agency_id as u64);
        for r in &d.recipients {
            t.add_u64(f.recipient, *r as u64);
        }
        t.add_i64(f.year, i64::from(d.year));
        t.add_i64(f.date, d.date);
        t.add_text(f.type_code, &d.type_code);
        if let Some(c) = d.category_id {
            t.add_u64(f.category, c as u64);
        }
        t.add_text(f.state, &d.state);
        t.add_u64(f.numbered, u64::from(d.numbered));
        t.add_text(f.signer, &d.signer);
        t.add_text(f.subject, &d.subject);
        t.add_text(f.number, &d.number);
        t.add_text(f.meta, &d.meta);
        t.add_text(f.body, &d.body);
        t.add_i64(f.version, d.version);
        t.add_i64(f.indexed_at, d.indexed_at);
        t
    }

    /// What the index holds of the documents `ids` (absent ones left out).
    pub fn versions(&self, ids: &[i64]) -> Result<HashMap<i64, IndexedVersion>, SearchError> {
        let mut out = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let f = &self.fields;
        let searcher = self.reader.searcher();
        let q = TermSetQuery::new(ids.iter().map(|id| Term::from_field_u64(f.id, *id as u64)));
        let top = searcher.search(&q, &TopDocs::with_limit(ids.len() * 2).order_by_score())?;
        for (_, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let get = |field| doc.get_first(field).and_then(|v| v.as_i64());
            if let (Some(id), Some(version), Some(indexed_at)) = (
                doc.get_first(f.id).and_then(|v| v.as_u64()),
                get(f.version),
                get(f.indexed_at),
            ) {
                out.insert(
                    id as i64,
                    IndexedVersion {
                        version,
                        indexed_at,
                    },
                );
            }
        }
        Ok(out)
    }

    /// Size and content.
    pub fn stats(&self) -> Result<IndexStats, SearchError> {
        let searcher = self.reader.searcher();
        let mut bytes = 0;
        for e in std::fs::read_dir(&self.dir)? {
            let m = e?.metadata()?;
            if m.is_file() {
                bytes += m.len();
            }
        }
        Ok(IndexStats {
            documents: searcher.search(&tantivy::query::AllQuery, &Count)? as u64,
            segments: searcher.segment_readers().len(),
            bytes,
            watermark: self.watermark()?,
        })
    }
}
