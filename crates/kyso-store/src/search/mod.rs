//! The embedded search index (DESIGN §1, §11; issue 13 §3): tantivy in the
//! data directory, with a Vietnamese folding filter ([`fold`]), fed from
//! the database so that each replica keeps its own.
//!
//! The index holds one entry per document — its metadata, the agencies
//! that may see it, and the text of its PDF ([`document_text`]) — and, in
//! the payload of each commit, the *watermark*: the `updated_at` time up to
//! which the database has been read ([`SearchIndex::watermark`]). What
//! feeds it (reading the database, extracting text, checking who may see
//! what) is the office's; this module only stores and queries.

pub mod document_text;
mod fold;
mod index;
pub(crate) mod migration;
mod query;
mod schema;

pub use fold::{fold, FoldingFilter, VietnameseFolding};
pub use index::{IndexStats, IndexedDocument, IndexedVersion, SearchIndex, SearchWriter};
pub use query::{RegisterSide, SearchHit, SearchQuery, SearchResults, Snippet};

/// What can go wrong with the index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// Another process (a running `kyso serve`, a `kyso search reindex`)
    /// is writing to this index; try again.
    #[error("the search index is being written by another process")]
    Busy,
    /// tantivy or the file system failed.
    #[error("search index: {0}")]
    Index(String),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        match e {
            tantivy::TantivyError::LockFailure(..) => SearchError::Busy,
            e => SearchError::Index(e.to_string()),
        }
    }
}

impl From<std::io::Error> for SearchError {
    fn from(e: std::io::Error) -> Self {
        SearchError::Index(e.to_string())
    }
}

#[cfg(test)]
mod tests;
