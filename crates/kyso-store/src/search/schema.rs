//! The fields of the index.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST,
    INDEXED, STORED, STRING,
};
use tantivy::tokenizer::{RemoveLongFilter, SimpleTokenizer, TextAnalyzer};
use tantivy::Index;

use super::VietnameseFolding;

/// Bumped whenever the fields or the tokenizer change: an index written
/// with another version is rebuilt.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// The tokenizer of every text field: words (letters and digits), folded.
pub(crate) const TOKENIZER: &str = "vi_fold";

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub agency: Field,
    pub recipient: Field,
    pub year: Field,
    pub date: Field,
    pub type_code: Field,
    pub category: Field,
    pub state: Field,
    pub numbered: Field,
    pub signer: Field,
    pub subject: Field,
    pub number: Field,
    pub meta: Field,
    pub body: Field,
    pub version: Field,
    pub indexed_at: Field,
}

pub(crate) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored {
            o.set_stored()
        } else {
            o
        }
    };
    let num = NumericOptions::default() | INDEXED | FAST;
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        agency: b.add_u64_field("agency", num.clone()),
        recipient: b.add_u64_field("recipient", INDEXED),
        year: b.add_i64_field("year", num.clone()),
        date: b.add_i64_field("date", num.clone()),
        type_code: b.add_text_field("type", STRING),
        category: b.add_u64_field("category", INDEXED),
        state: b.add_text_field("state", STRING),
        numbered: b.add_u64_field("numbered", INDEXED),
        signer: b.add_text_field("signer", text(false)),
        subject: b.add_text_field("subject", text(true)),
        number: b.add_text_field("number", text(false)),
        meta: b.add_text_field("meta", text(false)),
        body: b.add_text_field("body", text(true)),
        version: b.add_i64_field("version", STORED),
        indexed_at: b.add_i64_field("indexed_at", STORED),
    };
    (b.build(), fields)
}

pub(crate) fn register_tokenizer(index: &Index) {
    index.tokenizers().register(
        TOKENIZER,
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(64))
            .filter(VietnameseFolding)
            .build(),
    );
}
