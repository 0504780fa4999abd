//! Records files (hồ sơ; Decree 30/2020 Appendix V, Circular
//! 02/2019/TT-BNV): an agency's files of a year, each with its number and
//! notation, title, retention period and access regime
//! ([`records_file`]), and the documents filed in them in order
//! ([`records_file_item`]). What may be filed where is the office's rule.

pub(crate) mod migration;
pub mod records_file;
pub mod records_file_item;
