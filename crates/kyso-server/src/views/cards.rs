//! Signatures the way people see them: one card a signature of a
//! [`ValidationReport`] — who, which organization, when (the time-stamp
//! when there is one), the verdict in one sentence, the Circular 15/2025
//! fields, and what changed in the file after it.

use kyso_sign::validate::{Indication, SignatureReport, ValidationReport};

use super::fmt::{times_in, when};
use super::i18n::Lang;

/// The verdict as a badge: class and catalogue key.
#[derive(Clone, Debug)]
pub struct Badge {
    /// `ok`, `warn` or `bad` (the CSS class).
    pub class: &'static str,
    /// `verdict.TOTAL-PASSED` …
    pub label: &'static str,
}

impl Badge {
    pub fn of(i: Indication, lang: Lang) -> Badge {
        let class = match i {
            Indication::TotalPassed => "ok",
            Indication::Indeterminate => "warn",
            Indication::TotalFailed => "bad",
        };
        Badge {
            class,
            label: lang.t(&format!("verdict.{}", i.as_str())),
        }
    }

    /// The badge of an indication written as text (the arrival check).
    pub fn of_code(code: &str, lang: Lang) -> Badge {
        let i = match code {
            "TOTAL-PASSED" => Indication::TotalPassed,
            "INDETERMINATE" => Indication::Indeterminate,
            _ => Indication::TotalFailed,
        };
        Badge::of(i, lang)
    }
}

/// One signature card.
#[derive(Clone, Debug)]
pub struct Card {
    pub index: usize,
    /// The signature field's name (the preview draws its box).
    pub field: String,
    /// `card.kind.signature` or `card.kind.timestamp` (text).
    pub kind: &'static str,
    pub who: String,
    pub organization: String,
    pub when: String,
    /// The time is a trusted time-stamp (not the signer's claim).
    pub timestamped: bool,
    pub badge: Badge,
    pub sentence: String,
    pub level: String,
    pub issuer: String,
    pub managing_unit: String,
    pub serial: String,
    pub valid_until: String,
    pub algorithm: String,
    /// One sentence per later revision; empty when nothing changed.
    pub changes: Vec<String>,
}

/// The half of `"vi / en"` in `lang`.
fn half(s: &str, lang: Lang) -> String {
    match s.split_once(" / ") {
        Some((vi, en)) => lang.pick(vi, en).to_string(),
        None => s.to_string(),
    }
}

fn card(s: &SignatureReport, lang: Lang) -> Card {
    let dash = || "—".to_string();
    let signer = s.signer.as_ref();
    let (when_text, timestamped) =
        match (&s.timestamp, &s.claimed_signing_time, &s.cms_signing_time) {
            (Some(t), _, _) => (when(&t.time), true),
            (None, Some(c), _) | (None, None, Some(c)) => (when(c), false),
            _ => (dash(), false),
        };
    let mut changes: Vec<String> = s
        .later_revisions
        .iter()
        .map(|r| times_in(lang.pick(&r.message_vi, &r.message_en)))
        .collect();
    if changes.is_empty() {
        changes = s
            .modifications
            .iter()
            .map(|m| half(&m.reason, lang))
            .collect();
    }
    Card {
        index: s.index,
        field: s.field.clone().unwrap_or_default(),
        kind: if s.kind == "document-timestamp" {
            lang.t("card.kind.timestamp")
        } else {
            lang.t("card.kind.signature")
        },
        who: signer
            .map(|c| c.common_name.clone().unwrap_or_else(|| c.subject.clone()))
            .unwrap_or_else(dash),
        organization: signer
            .and_then(|c| c.organization.clone())
            .or_else(|| s.managing_unit.clone())
            .unwrap_or_else(dash),
        when: when_text,
        timestamped,
        badge: Badge::of(s.indication, lang),
        sentence: times_in(lang.pick(&s.message_vi, &s.message_en)),
        level: s.level.clone().unwrap_or_else(dash),
        issuer: s.issuer.clone().unwrap_or_else(dash),
        managing_unit: s.managing_unit.clone().unwrap_or_else(dash),
        serial: signer.map(|c| c.serial.clone()).unwrap_or_else(dash),
        valid_until: signer.map(|c| when(&c.not_after)).unwrap_or_else(dash),
        algorithm: match (&s.digest_algorithm, &s.signature_algorithm) {
            (Some(d), Some(a)) => format!("{a} / {d}"),
            (None, Some(a)) => a.clone(),
            (Some(d), None) => d.clone(),
            _ => dash(),
        },
        changes,
    }
}

/// The report as the page shows it.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub badge: Badge,
    pub sentence: String,
    pub sha256: String,
    pub cards: Vec<Card>,
    /// The plain-text report (both languages), for the full report.
    pub text: String,
}

impl Verdict {
    pub fn of(r: &ValidationReport, lang: Lang) -> Verdict {
        Verdict {
            badge: Badge::of(r.indication, lang),
            sentence: times_in(lang.pick(&r.message_vi, &r.message_en)),
            sha256: r.file_sha256.clone(),
            cards: r.signatures.iter().map(|s| card(s, lang)).collect(),
            text: kyso_sign::validate::render::text(r),
        }
    }
}
