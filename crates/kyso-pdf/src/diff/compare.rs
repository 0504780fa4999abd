//! Equality by meaning between a value of one revision and a value of the
//! next (DESIGN §7): what a viewer sees, not how it is written. Integers
//! and reals are numbers (`612` = `612.0`), literal and hex strings are
//! their bytes, a missing entry is `null`, an indirect value is the value
//! it points at, and an object renumbered with the same content is the
//! same object. Two references to the same object number are equal here:
//! if that object itself changed, the update's cross-reference section
//! lists it and it is judged on its own. Streams are equal when their
//! dictionaries are (but for `/Length`) and their payloads, or else their
//! decoded data, are.
use std::collections::HashSet;

use lopdf::{Dictionary, Object, ObjectId};

use crate::revision::Revision;

/// Most value comparisons one analysis makes; past it values are
/// "different" (the cautious answer).
const MAX_WORK: usize = 1_000_000;
/// Deepest comparison (references followed, arrays and dictionaries
/// entered); deeper values are "different".
const MAX_DEPTH: u32 = 48;
/// Largest stream payload compared.
const MAX_STREAM: usize = 16 * 1024 * 1024;

/// A comparison of two revisions, remembering the pairs of objects under
/// comparison (a cycle of references compares equal).
#[derive(Default)]
pub(crate) struct Same {
    assumed: HashSet<(ObjectId, ObjectId)>,
    work: usize,
    depth: u32,
}

fn number(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

impl Same {
    /// Whether `a` (in `old`) and `b` (in `new`) mean the same.
    pub(crate) fn values(
        &mut self,
        old: &mut Revision,
        new: &mut Revision,
        a: &Object,
        b: &Object,
    ) -> bool {
        self.work += 1;
        if self.work > MAX_WORK || self.depth >= MAX_DEPTH {
            return false;
        }
        self.depth += 1;
        let same = self.values_inner(old, new, a, b);
        self.depth -= 1;
        same
    }

    fn values_inner(
        &mut self,
        old: &mut Revision,
        new: &mut Revision,
        a: &Object,
        b: &Object,
    ) -> bool {
        match (a, b) {
            (Object::Reference(x), Object::Reference(y)) => {
                x == y || self.objects(old, new, *x, *y)
            }
            (Object::Reference(x), _) => match old.object(*x).ok().flatten().cloned() {
                Some(v) if !matches!(v, Object::Stream(_)) => self.values(old, new, &v, b),
                Some(_) => false,
                None => matches!(b, Object::Null),
            },
            (_, Object::Reference(y)) => match new.object(*y).ok().flatten().cloned() {
                Some(v) if !matches!(v, Object::Stream(_)) => self.values(old, new, a, &v),
                Some(_) => false,
                None => matches!(a, Object::Null),
            },
            (Object::Array(x), Object::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| self.values(old, new, p, q))
            }
            (Object::Dictionary(x), Object::Dictionary(y)) => self.dicts(old, new, x, y, &[]),
            (Object::String(x, _), Object::String(y, _)) => x == y,
            (Object::Name(x), Object::Name(y)) => x == y,
            (Object::Boolean(x), Object::Boolean(y)) => x == y,
            (Object::Null, Object::Null) => true,
            (Object::Stream(_), _) | (_, Object::Stream(_)) => false,
            _ => match (number(a), number(b)) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            },
        }
    }

    /// Dictionaries with the same keys and values, `skip` keys aside; a
    /// null value is no entry.
    pub(crate) fn dicts(
        &mut self,
        old: &mut Revision,
        new: &mut Revision,
        a: &Dictionary,
        b: &Dictionary,
        skip: &[&[u8]],
    ) -> bool {
        let keys = |d: &Dictionary| -> Vec<Vec<u8>> {
            let mut k: Vec<Vec<u8>> = d
                .iter()
                .filter(|(k, v)| !matches!(v, Object::Null) && !skip.contains(&k.as_slice()))
                .map(|(k, _)| k.clone())
                .collect();
            k.sort();
            k
        };
        let ka = keys(a);
        if ka != keys(b) {
            return false;
        }
        ka.iter().all(|k| match (a.get(k), b.get(k)) {
            (Ok(x), Ok(y)) => self.values(old, new, x, y),
            _ => false,
        })
    }

    /// Keys whose values differ, `skip` aside (a key only one side has
    /// included).
    pub(crate) fn changed_keys(
        &mut self,
        old: &mut Revision,
        new: &mut Revision,
        a: &Dictionary,
        b: &Dictionary,
    ) -> Vec<Vec<u8>> {
        let mut keys: Vec<Vec<u8>> = a.iter().map(|(k, _)| k.clone()).collect();
        for (k, _) in b.iter() {
            if !a.has(k) {
                keys.push(k.clone());
            }
        }
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter(|k| {
                let x = a.get(k).unwrap_or(&Object::Null).clone();
                let y = b.get(k).unwrap_or(&Object::Null).clone();
                !self.values(old, new, &x, &y)
            })
            .collect()
    }

    /// Object `x` of `old` and object `y` of `new`.
    pub(crate) fn objects(
        &mut self,
        old: &mut Revision,
        new: &mut Revision,
        x: ObjectId,
        y: ObjectId,
    ) -> bool {
        if !self.assumed.insert((x, y)) {
            return true;
        }
        let a = old.object(x).ok().flatten().cloned();
        let b = new.object(y).ok().flatten().cloned();
        let same = match (a, b) {
            (Some(Object::Stream(s)), Some(Object::Stream(t))) => {
                let coding: &[&[u8]] = &[b"Length", b"Filter", b"DecodeParms", b"DL"];
                let same_coding = |k: &[u8]| s.dict.get(k).ok() == t.dict.get(k).ok();
                self.dicts(old, new, &s.dict, &t.dict, coding)
                    && match (
                        old.stream_data(x, MAX_STREAM as u64),
                        new.stream_data(y, MAX_STREAM as u64),
                    ) {
                        (Ok(p), Ok(q))
                            if p == q && same_coding(b"Filter") && same_coding(b"DecodeParms") =>
                        {
                            true
                        }
                        _ => match (
                            old.stream_decoded(x, MAX_STREAM),
                            new.stream_decoded(y, MAX_STREAM),
                        ) {
                            (Ok(p), Ok(q)) => p == q,
                            _ => false,
                        },
                    }
            }
            (Some(p), Some(q)) => self.values(old, new, &p, &q),
            (None, None) => true,
            _ => false,
        };
        if !same {
            self.assumed.remove(&(x, y));
        }
        same
    }
}
