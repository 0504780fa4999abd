//! The office's tables (DESIGN §9): agencies, people and their roles,
//! sessions and API tokens, categories and document types, documents with
//! their files and recipients, registers, deliveries to recipients with
//! their status events, idempotency keys and webhooks.
//!
//! The store owns the schema (these entities and migration
//! `m0005_office`); `kyso-office` owns the rules and writes through
//! [`crate::Store::write`], one transaction per use case. Times are Unix
//! seconds; dates printed on documents are ISO `YYYY-MM-DD` text.

pub mod agency;
pub mod api_token;
pub mod blob;
pub mod category;
pub mod delivery;
pub mod delivery_event;
pub mod document;
pub mod document_file;
pub mod document_recipient;
pub mod document_type;
pub mod idempotency;
pub mod membership;
pub mod person;
pub mod register_entry;
pub mod role;
pub mod session;
pub mod webhook;
pub mod webhook_delivery;

pub(crate) mod migration;
