//! Queries: free text over the folded fields, the caller's visibility and
//! the filters as required clauses; ranked by relevance, then by date
//! (newest first); snippets of the subject and the text with the matched
//! words marked.

use std::ops::Bound;

use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, Occur, Query, QueryParser, RangeQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Order, TantivyDocument, Term};
use unicode_normalization::UnicodeNormalization;

use super::{SearchError, SearchIndex};

/// Which register a document is found through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegisterSide {
    /// Numbered in the outgoing register of an agency.
    Out,
    /// Delivered to an agency (its incoming register).
    In,
}

/// A search. Visibility comes first and is never optional: a document is
/// found only if its issuing agency is in `issuer_visible` or it was
/// delivered to an agency in `recipient_visible`.
#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    /// Words, "phrases", `-excluded`; empty for filters only.
    pub text: String,
    pub issuer_visible: Vec<i64>,
    pub recipient_visible: Vec<i64>,
    /// Issued by or delivered to this agency.
    pub agency: Option<i64>,
    pub register: Option<RegisterSide>,
    pub year: Option<i32>,
    pub type_code: Option<String>,
    pub category_id: Option<i64>,
    pub state: Option<String>,
    /// Words of the signer's name (folded, all required).
    pub signer: Option<String>,
    /// Inclusive `YYYYMMDD` bounds of the document's date.
    pub date_from: Option<i64>,
    pub date_to: Option<i64>,
    pub offset: usize,
    pub limit: usize,
}

/// Text with the ranges (byte offsets) of the matched words.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<(usize, usize)>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct SearchHit {
    pub id: i64,
    /// BM25 relevance (0 when there were no words).
    pub score: f32,
    /// The subject with matches marked (empty highlights when none).
    pub subject: Snippet,
    /// A fragment of the text around the best matches (empty when the text
    /// did not match).
    pub text: Snippet,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct SearchResults {
    /// Documents matching in all.
    pub total: usize,
    pub hits: Vec<SearchHit>,
}

/// Longest fragment of the text shown.
const SNIPPET_CHARS: usize = 240;
/// Most hits of one page.
pub const MAX_LIMIT: usize = 100;

impl SearchIndex {
    /// Runs `q`. Blocking (microseconds to milliseconds): fine on an async
    /// thread for an index of this size, or move it off.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let f = &self.fields;
        let searcher = self.reader.searcher();
        let mut must: Vec<Box<dyn Query>> = Vec::new();

        // Visibility.
        let issuer = u64_set(f.agency, &q.issuer_visible);
        let recipient = u64_set(f.recipient, &q.recipient_visible);
        must.push(Box::new(BooleanQuery::new(vec![
            (Occur::Should, issuer),
            (Occur::Should, recipient),
        ])));

        if let Some(a) = q.agency {
            let t = |field| -> Box<dyn Query> {
                Box::new(TermQuery::new(
                    Term::from_field_u64(field, a as u64),
                    IndexRecordOption::Basic,
                ))
            };
            must.push(match q.register {
                Some(RegisterSide::Out) => t(f.agency),
                Some(RegisterSide::In) => t(f.recipient),
                None => Box::new(BooleanQuery::new(vec![
                    (Occur::Should, t(f.agency)),
                    (Occur::Should, t(f.recipient)),
                ])),
            });
        }
        match q.register {
            Some(RegisterSide::Out) => {
                must.push(term_u64(f.numbered, 1));
                // Found through one of the caller's own outgoing registers.
                must.push(u64_set(f.agency, &q.issuer_visible));
            }
            Some(RegisterSide::In) => must.push(u64_set(f.recipient, &q.recipient_visible)),
            None => {}
        }
        if let Some(y) = q.year {
            must.push(Box::new(TermQuery::new(
                Term::from_field_i64(f.year, i64::from(y)),
                IndexRecordOption::Basic,
            )));
        }
        if let Some(t) = &q.type_code {
            must.push(term_text(f.type_code, t));
        }
        if let Some(c) = q.category_id {
            must.push(term_u64(f.category, c as u64));
        }
        if let Some(s) = &q.state {
            must.push(term_text(f.state, s));
        }
        if let Some(s) = q.signer.as_deref().filter(|s| !s.trim().is_empty()) {
            let mut p = QueryParser::for_index(&self.index, vec![f.signer]);
            p.set_conjunction_by_default();
            let words: String = s
                .nfc()
                .filter(|c| c.is_alphanumeric() || c.is_whitespace())
                .collect();
            must.push(p.parse_query_lenient(&words).0);
        }
        if q.date_from.is_some() || q.date_to.is_some() {
            let b = |v: Option<i64>| match v {
                Some(v) => Bound::Included(Term::from_field_i64(f.date, v)),
                None => Bound::Unbounded,
            };
            must.push(Box::new(RangeQuery::new(b(q.date_from), b(q.date_to))));
        }

        let words: String = q.text.nfc().collect();
        let text_query: Option<Box<dyn Query>> = if words.trim().is_empty() {
            None
        } else {
            let mut p = QueryParser::for_index(
                &self.index,
                vec![f.subject, f.number, f.signer, f.meta, f.body],
            );
            p.set_conjunction_by_default();
            p.set_field_boost(f.subject, 3.0);
            p.set_field_boost(f.number, 3.0);
            p.set_field_boost(f.meta, 1.5);
            let (tq, _errors) = p.parse_query_lenient(&words);
            Some(tq)
        };

        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            must.into_iter().map(|m| (Occur::Must, m)).collect();
        if let Some(tq) = &text_query {
            clauses.push((Occur::Must, tq.box_clone()));
        } else {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        let query = BooleanQuery::new(clauses);

        let limit = q.limit.clamp(1, MAX_LIMIT);
        let page = TopDocs::with_limit(limit).and_offset(q.offset);
        let date_desc = (SortByStaticFastValue::<i64>::for_field("date"), Order::Desc);
        let (total, top): (usize, Vec<(f32, tantivy::DocAddress)>) = if text_query.is_some() {
            let (n, v) = searcher.search(
                &query,
                &(
                    Count,
                    page.order_by(((SortBySimilarityScore, Order::Desc), date_desc)),
                ),
            )?;
            (n, v.into_iter().map(|((s, _), a)| (s, a)).collect())
        } else {
            let (n, v) = searcher.search(&query, &(Count, page.order_by(date_desc)))?;
            (n, v.into_iter().map(|(_, a)| (0.0, a)).collect())
        };

        let generators = match &text_query {
            Some(tq) => {
                let mut body = SnippetGenerator::create(&searcher, tq.as_ref(), f.body)?;
                body.set_max_num_chars(SNIPPET_CHARS);
                let mut subject = SnippetGenerator::create(&searcher, tq.as_ref(), f.subject)?;
                subject.set_max_num_chars(1_000);
                Some((subject, body))
            }
            None => None,
        };
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let Some(id) = doc.get_first(f.id).and_then(|v| v.as_u64()) else {
                continue;
            };
            let subject_text = doc
                .get_first(f.subject)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            let (subject, text) = match &generators {
                Some((sg, bg)) => {
                    let mut s = snippet(&sg.snippet_from_doc(&doc));
                    if s.highlights.is_empty() {
                        s = Snippet {
                            text: subject_text,
                            highlights: Vec::new(),
                        };
                    }
                    (s, snippet(&bg.snippet_from_doc(&doc)))
                }
                None => (
                    Snippet {
                        text: subject_text,
                        highlights: Vec::new(),
                    },
                    Snippet::default(),
                ),
            };
            hits.push(SearchHit {
                id: id as i64,
                score,
                subject,
                text,
            });
        }
        Ok(SearchResults { total, hits })
    }
}

fn snippet(s: &tantivy::snippet::Snippet) -> Snippet {
    if s.is_empty() {
        return Snippet::default();
    }
    Snippet {
        text: s.fragment().to_string(),
        highlights: s.highlighted().iter().map(|r| (r.start, r.end)).collect(),
    }
}

fn u64_set(field: Field, values: &[i64]) -> Box<dyn Query> {
    if values.is_empty() {
        return Box::new(EmptyQuery);
    }
    Box::new(TermSetQuery::new(
        values
            .iter()
            .map(|v| Term::from_field_u64(field, *v as u64)),
    ))
}

fn term_u64(field: Field, v: u64) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_u64(field, v),
        IndexRecordOption::Basic,
    ))
}

fn term_text(field: Field, v: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, v),
        IndexRecordOption::Basic,
    ))
}
