//! Folding Vietnamese text for search: a query typed without diacritics
//! ("quyet dinh") finds the text written with them ("Quyết định").
//!
//! The fold is canonical decomposition (NFD), then every combining mark
//! dropped (the tone marks and the vowel marks ^ ˘ ʼ of ă â ê ô ơ ư), then
//! `đ`/`Đ` — a letter of its own, not `d` with a mark, so NFD keeps it —
//! written `d`, then lower case. [`VietnameseFolding`] is the tantivy
//! [`TokenFilter`] applying it to each token; it changes a token's text,
//! never its offsets, so highlighted snippets point into the original.

use std::mem;

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// `s` folded: NFD, combining marks removed, `đ`/`Đ` → `d`, lower case.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

fn fold_into(s: &str, out: &mut String) {
    out.clear();
    if s.is_ascii() {
        out.push_str(s);
        out.make_ascii_lowercase();
        return;
    }
    for c in s.nfd() {
        match c {
            c if is_combining_mark(c) => {}
            'đ' | 'Đ' => out.push('d'),
            c => out.extend(c.to_lowercase()),
        }
    }
}

/// The tantivy token filter of [`fold`].
#[derive(Clone, Copy, Debug, Default)]
pub struct VietnameseFolding;

impl TokenFilter for VietnameseFolding {
    type Tokenizer<T: Tokenizer> = FoldingFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> FoldingFilter<T> {
        FoldingFilter {
            tokenizer,
            buffer: String::new(),
        }
    }
}

/// A tokenizer whose tokens are folded.
#[derive(Clone)]
pub struct FoldingFilter<T> {
    tokenizer: T,
    buffer: String,
}

impl<T: Tokenizer> Tokenizer for FoldingFilter<T> {
    type TokenStream<'a> = FoldingStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        self.buffer.clear();
        FoldingStream {
            tail: self.tokenizer.token_stream(text),
            buffer: &mut self.buffer,
        }
    }
}

/// The token stream of [`FoldingFilter`].
pub struct FoldingStream<'a, T> {
    buffer: &'a mut String,
    tail: T,
}

impl<T: TokenStream> TokenStream for FoldingStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        fold_into(&self.tail.token().text, self.buffer);
        mem::swap(&mut self.tail.token_mut().text, self.buffer);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{SimpleTokenizer, TextAnalyzer};

    use super::*;

    fn tokens(text: &str) -> Vec<(String, usize, usize)> {
        let mut a = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(VietnameseFolding)
            .build();
        let mut s = a.token_stream(text);
        let mut out = Vec::new();
        while s.advance() {
            let t = s.token();
            out.push((t.text.clone(), t.offset_from, t.offset_to));
        }
        out
    }

    #[test]
    fn folds_vietnamese_the_way_people_type_without_marks() {
        assert_eq!(fold("Quyết định"), "quyet dinh");
        assert_eq!(fold("ĐỒNG Ý"), "dong y");
        assert_eq!(
            fold("Ủy ban nhân dân tỉnh Ninh Bình"),
            "uy ban nhan dan tinh ninh binh"
        );
        assert_eq!(fold("Sở Tài chính"), "so tai chinh");
        assert_eq!(fold("Nghị định 30/2020/NĐ-CP"), "nghi dinh 30/2020/nd-cp");
        assert_eq!(
            fold("ưu tiên, ơn, ăn, ân, ên, ôn"),
            "uu tien, on, an, an, en, on"
        );
        assert_eq!(fold("Đỗ Thị Giang"), "do thi giang");
        assert_eq!(fold("THƯỢNG KHẨN"), "thuong khan");
        assert_eq!(fold("hỏa tốc"), fold("hoả tốc"));
        assert_eq!(fold("plain ascii ABC"), "plain ascii abc");
    }

    #[test]
    fn composed_and_decomposed_input_fold_alike() {
        let nfc: String = "Quyết định về việc".nfc().collect();
        let nfd: String = "Quyết định về việc".nfd().collect();
        assert_ne!(nfc, nfd);
        assert_eq!(fold(&nfc), fold(&nfd));
    }

    #[test]
    fn tokens_are_folded_and_keep_their_offsets() {
        let text = "Quyết định phê duyệt Đề án";
        let t = tokens(text);
        let words: Vec<&str> = t.iter().map(|(w, _, _)| w.as_str()).collect();
        assert_eq!(words, ["quyet", "dinh", "phe", "duyet", "de", "an"]);
        // Offsets still point into the original, marks and all.
        assert_eq!(&text[t[0].1..t[0].2], "Quyết");
        assert_eq!(&text[t[4].1..t[4].2], "Đề");
    }
}
