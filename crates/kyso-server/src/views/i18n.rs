//! The web office's words: one catalogue per language
//! (`crates/kyso-server/i18n/vi.txt`, then `en.txt`), `key = text` a
//! line, `#` comments. Every text a template shows comes from here; the
//! tests check that both catalogues have the same keys and that the
//! templates use only keys that exist and hold no text of their own.

use std::collections::HashMap;
use std::sync::LazyLock;

const VI: &str = include_str!("../../i18n/vi.txt");
const EN: &str = include_str!("../../i18n/en.txt");

/// The language of the pages: Vietnamese first, English on request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

/// `key = text` lines; `#` starts a comment line.
pub fn parse(src: &'static str) -> HashMap<&'static str, &'static str> {
    src.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

static CATALOGUES: LazyLock<[HashMap<&'static str, &'static str>; 2]> =
    LazyLock::new(|| [parse(VI), parse(EN)]);

impl Lang {
    /// `vi` or `en` (the cookie's value and `<html lang>`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language (the switch in the page header).
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// The text of `key`; the key itself when it is missing (the tests
    /// make sure none is).
    pub fn t(self, key: &str) -> &'static str {
        let cat = &CATALOGUES[self as usize];
        match cat.get(key) {
            Some(v) => v,
            None => {
                tracing::warn!(key, lang = self.code(), "missing catalogue key");
                "?"
            }
        }
    }

    /// Whether `key` exists (for keys made from data, e.g. `ok.submitted`).
    pub fn has(self, key: &str) -> bool {
        CATALOGUES[self as usize].contains_key(key)
    }

    /// One of an office message's two languages.
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(src: &'static str) -> BTreeSet<&'static str> {
        parse(src).keys().copied().collect()
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let vi = keys(VI);
        let en = keys(EN);
        let only_vi: Vec<_> = vi.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&vi).collect();
        assert!(only_vi.is_empty(), "only in vi.txt: {only_vi:?}");
        assert!(only_en.is_empty(), "only in en.txt: {only_en:?}");
        for (k, v) in parse(VI).into_iter().chain(parse(EN)) {
            assert!(!v.is_empty(), "{k} is empty");
        }
        // No key twice in one file (the map would keep the last silently).
        for src in [VI, EN] {
            let lines = src
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.trim().starts_with('#'))
                .count();
            assert_eq!(lines, parse(src).len(), "a key appears twice");
        }
    }

    /// The keys the templates name: `c.t("…")` calls.
    fn template_keys(src: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = src;
        while let Some(i) = rest.find(".t(\"") {
            let after = &rest[i + 4..];
            let end = after.find('"').expect("closing quote");
            out.push(after[..end].to_string());
            rest = &after[end..];
        }
        out
    }

    /// `src` without template code (`{{ }}`, `{% %}`, `{# #}`).
    fn without_code(src: &str) -> String {
        let mut out = String::new();
        let mut rest = src;
        loop {
            let next = ["{{", "{%", "{#"]
                .iter()
                .filter_map(|o| rest.find(o).map(|i| (i, *o)))
                .min();
            let Some((i, open)) = next else {
                out.push_str(rest);
                return out;
            };
            out.push_str(&rest[..i]);
            let close = match open {
                "{{" => "}}",
                "{%" => "%}",
                _ => "#}",
            };
            let end = rest[i..].find(close).expect("closed template tag");
            out.push(' ');
            rest = &rest[i + end + 2..];
        }
    }

    /// Words a template may hold as they are: product names, file
    /// formats, codes that read the same in every language.
    const UNTRANSLATED: &[&str] = &["kyso", "PDF", "CSV", "JSON", "HTML", "SHA-256", "PIN", "MB"];

    fn has_words(text: &str) -> bool {
        text.split(|c: char| !c.is_alphanumeric() && c != '-')
            .filter(|w| !w.is_empty())
            .any(|w| w.chars().any(char::is_alphabetic) && !UNTRANSLATED.contains(&w))
    }

    /// Text between tags, and the values of the attributes people read.
    fn visible_texts(html: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = html;
        while let Some(lt) = rest.find('<') {
            out.push(rest[..lt].to_string());
            let Some(gt) = rest[lt..].find('>') else {
                break;
            };
            let tag = &rest[lt..lt + gt];
            if tag.starts_with("<script") || tag.starts_with("<!") {
                rest = &rest[lt + gt + 1..];
                continue;
            }
            for attr in ["placeholder=\"", "title=\"", "alt=\"", "aria-label=\""] {
                if let Some(a) = tag.find(attr) {
                    let v = &tag[a + attr.len()..];
                    out.push(v[..v.find('"').unwrap_or(v.len())].to_string());
                }
            }
            rest = &rest[lt + gt + 1..];
        }
        out.push(rest.to_string());
        out
    }

    #[test]
    fn templates_use_only_catalogue_keys_and_hold_no_text() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let vi = parse(VI);
        let mut seen = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            let src = std::fs::read_to_string(&path).unwrap();
            for k in template_keys(&src) {
                assert!(
                    vi.contains_key(k.as_str()),
                    "{}: unknown key {k}",
                    path.display()
                );
                seen += 1;
            }
            for text in visible_texts(&without_code(&src)) {
                let text = text.replace("&nbsp;", " ").replace("&middot;", " ");
                assert!(
                    !has_words(&text),
                    "{}: text outside the catalogue: {:?}",
                    path.display(),
                    text.trim()
                );
            }
        }
        assert!(seen > 100, "only {seen} keys used");
    }

    #[test]
    fn the_checks_catch_text() {
        let words = |html: &str| {
            visible_texts(&without_code(html))
                .iter()
                .any(|s| has_words(s))
        };
        assert!(words("<p>Xin chào {{ x }}</p>"));
        assert!(!words("<p>{{ c.t(\"a\") }} — PDF</p>"));
        let t = visible_texts("<input placeholder=\"Tìm\"><b>{{x}}</b>");
        assert!(t.iter().any(|s| has_words(s)));
        assert_eq!(
            template_keys("{{ c.t(\"a.b\") }} {{ c.t(\"c\") }}"),
            ["a.b", "c"]
        );
    }

    #[test]
    fn data_keys_exist() {
        use kyso_office::document::state::{Action, State};
        for s in State::ALL {
            assert!(Lang::Vi.has(&format!("state.{}", s.code())), "{s:?}");
        }
        for a in Action::ALL {
            assert!(
                Lang::Vi.has(&format!("action.{}", super::super::fmt::action_code(a))),
                "{a:?}"
            );
        }
        for code in ["01", "02", "03", "04", "05", "06", "13", "15", "16"] {
            assert!(Lang::Vi.has(&format!("status.{code}")), "{code}");
        }
        for p in ["thuong", "khan", "thuong_khan", "hoa_toc"] {
            assert!(Lang::Vi.has(&format!("priority.{p}")), "{p}");
        }
        for r in kyso_office::Role::ALL {
            assert!(Lang::Vi.has(&format!("role.{}", r.code())), "{r:?}");
        }
        for i in ["TOTAL-PASSED", "INDETERMINATE", "TOTAL-FAILED"] {
            assert!(Lang::Vi.has(&format!("verdict.{i}")), "{i}");
        }
    }
}
