//! Metadata export for hand-over to the archive (issue 13 §5, Circular
//! 02/2019/TT-BNV): the documents of a year of an agency's outgoing
//! register, or a list of documents, as one ZIP with per document the
//! stored files (originals, sealed files, long-term copies, attachments:
//! the document's file rows, nothing reached by blob links), a verification
//! report made at export time, an XML metadata file (Decree 30/2020
//! fields, `docs/archive-metadata.xsd`), the audit slice of those
//! documents (JSON lines with the chain fields) and `manifest.xml`
//! listing every file with its SHA-256 and size.

use std::io::{Seek, Write};

use kyso_store::office::{
    agency, blob, category, delivery, document, document_file, document_recipient, register_entry,
};
use kyso_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use quick_xml::events::{BytesText, Event};

use super::package::{safe_name, xml_err, Package, Xml};
use crate::actor::{Actor, Scope};
use crate::error::{OfficeError, Result};
use crate::records_file::{filings, RecordsFileView};
use crate::register::Direction;
use crate::role::Role;
use crate::Office;

/// The XML namespace of the per-document metadata and the manifest.
pub const METADATA_NS: &str = "urn:kyso:archive:metadata:1";

/// Default largest number of documents in one export.
pub const DEFAULT_EXPORT_LIMIT: usize = 5_000;

/// What to export.
#[derive(Clone, Debug)]
pub enum ExportSelection {
    /// The documents of `agency_id`'s register `direction` of `year`:
    /// outgoing — the agency's own documents, every file; incoming — the
    /// documents delivered to it, the files a recipient reads (those
    /// issued) and the audit of the deliveries.
    Register {
        agency_id: i64,
        direction: Direction,
        year: i32,
    },
    /// These documents.
    Documents(Vec<i64>),
    /// The documents of a records file (hồ sơ) in their order, with the
    /// file's own metadata (`recordsfile.xml`).
    RecordsFile(i64),
}

/// What an export wrote.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExportReport {
    pub documents: usize,
    pub files: usize,
    pub bytes: u64,
    pub audit_entries: usize,
}

/// A document to export; with the delivery when it is exported by its
/// recipient (incoming register), and the records file the exporting
/// agency filed it in, at which position.
struct Selected {
    doc: document::Model,
    delivery: Option<delivery::Model>,
    filed: Option<(RecordsFileView, i32)>,
}

impl Office {
    /// Writes the export of `sel` as a ZIP to `out`. Clerks, heads and
    /// auditors of the documents' agency only; more than `limit`
    /// documents is refused. One audit entry `archive.export`.
    pub async fn export_archive<W: Write + Seek>(
        &self,
        actor: &Actor,
        sel: &ExportSelection,
        limit: usize,
        out: W,
    ) -> Result<ExportReport> {
        self.guard(actor, "archive.export", async || {
            actor.require_scope(Scope::Read)?;
            let db = self.store.connection();
            let readers = [Role::Clerk, Role::Head, Role::Auditor];
            let docs: Vec<Selected> = match sel {
                ExportSelection::Register {
                    agency_id,
                    direction,
                    year,
                } => {
                    actor.require_any(&readers, *agency_id)?;
                    let entries = register_entry::Entity::find()
                        .filter(register_entry::Column::AgencyId.eq(*agency_id))
                        .filter(register_entry::Column::Direction.eq(direction.code()))
                        .filter(register_entry::Column::Year.eq(*year))
                        .order_by_asc(register_entry::Column::Number)
                        .all(db)
                        .await?;
                    if entries.len() > limit {
                        return Err(too_many(entries.len(), limit));
                    }
                    let mut v = Vec::with_capacity(entries.len());
                    for e in entries {
                        match direction {
                            Direction::Out => {
                                let Some(id) = e.document_id else { continue };
                                let Some(d) = document::Entity::find_by_id(id).one(db).await?
                                else {
                                    continue;
                                };
                                v.push(Selected {
                                    doc: d,
                                    delivery: None,
                                    filed: None,
                                });
                            }
                            Direction::In => {
                                let Some(id) = e.delivery_id else { continue };
                                let Some(dl) = delivery::Entity::find_by_id(id).one(db).await?
                                else {
                                    continue;
                                };
                                let Some(d) =
                                    document::Entity::find_by_id(dl.document_id).one(db).await?
                                else {
                                    continue;
                                };
                                v.push(Selected {
                                    doc: d,
                                    delivery: Some(dl),
                                    filed: None,
                                });
                            }
                        }
                    }
                    v
                }
                ExportSelection::Documents(ids) => {
                    if ids.len() > limit {
                        return Err(too_many(ids.len(), limit));
                    }
                    let mut v = Vec::with_capacity(ids.len());
                    for id in ids {
                        let d = document::Entity::find_by_id(*id)
                            .one(db)
                            .await?
                            .ok_or_else(|| OfficeError::not_found("văn bản", "document"))?;
                        actor.require_any(&readers, d.agency_id)?;
                        v.push(Selected {
                            doc: d,
                            delivery: None,
                            filed: None,
                        });
                    }
                    v
                }
                ExportSelection::RecordsFile(id) => {
                    let f = self.records_file(actor, *id).await?;
                    actor.require_any(&readers, f.agency_id)?;
                    if f.documents.len() > limit {
                        return Err(too_many(f.documents.len(), limit));
                    }
                    let mut v = Vec::with_capacity(f.documents.len());
                    for it in &f.documents {
                        let Some(d) = document::Entity::find_by_id(it.document_id).one(db).await?
                        else {
                            continue;
                        };
                        let dl = if it.incoming {
                            delivery::Entity::find()
                                .filter(delivery::Column::DocumentId.eq(d.id))
                                .filter(delivery::Column::AgencyId.eq(f.agency_id))
                                .one(db)
                                .await?
                        } else {
                            None
                        };
                        v.push(Selected {
                            doc: d,
                            delivery: dl,
                            filed: None,
                        });
                    }
                    v
                }
            };
            // A document named twice (or delivered twice to the same
            // agency) is exported once: its files would clash in the ZIP.
            let mut docs = docs;
            let mut seen = std::collections::HashSet::new();
            docs.retain(|s| seen.insert(s.doc.id));
            if docs.len() > limit {
                return Err(too_many(docs.len(), limit));
            }
            if docs.is_empty() {
                return Err(OfficeError::invalid(
                    "export_empty",
                    "không có văn bản nào để xuất",
                    "nothing to export: no documents selected",
                ));
            }
            // Each document with the records file the exporting agency
            // (the register's, the file's, or the document's own) filed
            // it in.
            let file = match sel {
                ExportSelection::RecordsFile(id) => Some(self.records_file(actor, *id).await?),
                _ => None,
            };
            let exporter = |s: &Selected| match sel {
                ExportSelection::Register { agency_id, .. } => *agency_id,
                ExportSelection::RecordsFile(_) => {
                    file.as_ref().map(|f| f.agency_id).unwrap_or_default()
                }
                ExportSelection::Documents(_) => s.doc.agency_id,
            };
            let mut by_agency: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
            for s in &docs {
                by_agency.entry(exporter(s)).or_default().push(s.doc.id);
            }
            let mut filed = std::collections::HashMap::new();
            for (agency, ids) in &by_agency {
                filed.insert(*agency, filings(db, *agency, ids).await?);
            }
            for s in docs.iter_mut() {
                let agency = exporter(s);
                s.filed = filed.get(&agency).and_then(|m| m.get(&s.doc.id)).cloned();
            }
            let report = self.write_export(&docs, file.as_ref(), out).await?;
            let agency_id = match sel {
                ExportSelection::Register { agency_id, .. } => *agency_id,
                ExportSelection::Documents(_) => docs[0].doc.agency_id,
                ExportSelection::RecordsFile(_) => {
                    file.as_ref().map(|f| f.agency_id).unwrap_or_default()
                }
            };
            let detail = match sel {
                ExportSelection::Register {
                    agency_id,
                    direction,
                    year,
                } => {
                    format!(
                        "register agency={agency_id} direction={} year={year}; {} documents",
                        direction.code(),
                        docs.len()
                    )
                }
                ExportSelection::Documents(ids) => format!(
                    "documents {}",
                    ids.iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                ExportSelection::RecordsFile(id) => format!(
                    "records file {id} {}; {} documents",
                    file.as_ref().map(|f| f.code.as_str()).unwrap_or(""),
                    docs.len()
                ),
            };
            let now = self.now();
            self.store
                .write(async |tx| {
                    crate::audit::record(
                        tx,
                        actor,
                        crate::audit::Entry::new("archive.export", "agency", agency_id)
                            .agency(agency_id)
                            .detail(detail.clone()),
                        now,
                    )
                    .await
                })
                .await?;
            Ok(report)
        })
        .await
    }

    async fn write_export<W: Write + Seek>(
        &self,
        docs: &[Selected],
        file: Option<&RecordsFileView>,
        out: W,
    ) -> Result<ExportReport> {
        let db = self.store.connection();
        let agencies: std::collections::HashMap<i64, agency::Model> = agency::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let mut pkg = Package::new(out, self.now());
        let mut audit_lines = Vec::new();
        let mut audit_count = 0usize;
        for sel in docs {
            let d = &sel.doc;
            let dir = format!("documents/{}", d.id);
            // A recipient's export holds what was issued to it only.
            let files: Vec<document_file::Model> = document_file::Entity::find()
                .filter(document_file::Column::DocumentId.eq(d.id))
                .order_by_asc(document_file::Column::Id)
                .all(db)
                .await?
                .into_iter()
                .filter(|f| {
                    sel.delivery.is_none() || crate::files::ISSUED_ROLES.contains(&f.role.as_str())
                })
                .collect();
            let mut file_meta: Vec<(document_file::Model, String, String, u64)> = Vec::new();
            let mut signed: Option<(String, Vec<u8>)> = None;
            let mut signed_rank = 0;
            for f in &files {
                let bytes = self.blobs.get(&f.blob_sha256).await?;
                let path = format!("{dir}/files/{}-{}-{}", f.id, f.role, safe_name(&f.name));
                let media = blob::Entity::find_by_id(f.blob_sha256.clone())
                    .one(db)
                    .await?
                    .map(|b| b.media_type)
                    .unwrap_or_default();
                // The report is made on the newest long-term copy, else
                // the sealed file, else the approved one.
                let rank = |role: &str| match role {
                    crate::archive::ltv::ARCHIVE_ROLE => 3,
                    "sealed" => 2,
                    "approved" => 1,
                    _ => 0,
                };
                if media == "application/pdf" && rank(&f.role) > 0 && signed_rank <= rank(&f.role) {
                    signed_rank = rank(&f.role);
                    signed = Some((path.clone(), bytes.to_vec()));
                }
                pkg.put(path.clone(), &bytes)?;
                file_meta.push((f.clone(), path, media, bytes.len() as u64));
            }
            // The long-term (LT/LTA) copies are files of the document
            // (role `archive`, each linked to the file it extends), so
            // they are in the loop above. Blobs are shared by content
            // across documents: the document's own file rows are the only
            // source, never the blob table's parent links, which would
            // reach other documents' files.
            if let Some((path, bytes)) = &signed {
                let report = self.verify_pdf_bytes(bytes).await?;
                let json = serde_json::json!({ "file": path, "report": report });
                let text = serde_json::to_vec_pretty(&json)
                    .map_err(|e| OfficeError::internal("archive export report", e))?;
                pkg.put(format!("{dir}/verification.json"), &text)?;
            }
            let recipients = document_recipient::Entity::find()
                .filter(document_recipient::Column::DocumentId.eq(d.id))
                .all(db)
                .await?;
            let category = match d.category_id {
                Some(c) => category::Entity::find_by_id(c).one(db).await?,
                None => None,
            };
            let xml = metadata_xml(
                d,
                &agencies,
                &recipients,
                category.as_ref(),
                sel.filed.as_ref(),
                &file_meta,
            )?;
            pkg.put(format!("{dir}/metadata.xml"), &xml)?;
            // The sender's history of its document; a recipient's, of
            // its delivery.
            let (kind, object) = match &sel.delivery {
                None => ("document", d.id),
                Some(dl) => ("delivery", dl.id),
            };
            let entries = self
                .store
                .audit_entries(&kyso_store::AuditFilter {
                    object_kind: Some(kind.into()),
                    object_id: Some(object.to_string()),
                    limit: 10_000,
                    ..Default::default()
                })
                .await?;
            for e in entries.iter().rev() {
                let line = serde_json::to_string(e)
                    .map_err(|e| OfficeError::internal("archive export audit", e))?;
                audit_lines.extend_from_slice(line.as_bytes());
                audit_lines.push(b'\n');
                audit_count += 1;
            }
        }
        pkg.put("audit.jsonl".into(), &audit_lines)?;
        if let Some(f) = file {
            pkg.put("recordsfile.xml".into(), &records_file_xml(f)?)?;
        }
        let n = docs.len().to_string();
        let (files, bytes) = pkg.finish(&[("documents", &n)])?;
        Ok(ExportReport {
            documents: docs.len(),
            files,
            bytes,
            audit_entries: audit_count,
        })
    }
}

fn too_many(n: usize, limit: usize) -> OfficeError {
    OfficeError::invalid(
        "export_too_large",
        format!("quá nhiều văn bản để xuất một lần: {n} (tối đa {limit})"),
        format!("too many documents for one export: {n} (at most {limit})"),
    )
}

/// `recordsfile.xml`: the file-level metadata of a records file
/// (Circular 02/2019/TT-BNV), its documents in order pointing at their
/// `metadata.xml`.
fn records_file_xml(f: &RecordsFileView) -> Result<Vec<u8>> {
    let mut x = Xml::new()?;
    let id = f.id.to_string();
    x.start("recordsFile", &[("xmlns", METADATA_NS), ("id", &id)])?;
    x.text("code", &f.code)?;
    x.start("issuingBody", &[("code", &f.agency_code)])?;
    x.w.write_event(Event::Text(BytesText::new(&f.agency_name)))
        .map_err(xml_err)?;
    x.end("issuingBody")?;
    x.text("year", &f.year.to_string())?;
    x.text("number", &format!("{:02}", f.number))?;
    x.text("notation", &f.notation)?;
    x.text("title", &f.title)?;
    x.text("retention", &f.retention)?;
    x.text("access", f.access.code())?;
    x.text("language", &f.language)?;
    x.opt("startDate", f.start_date.as_deref())?;
    x.opt("endDate", f.end_date.as_deref())?;
    x.text("documentCount", &f.documents.len().to_string())?;
    x.text("pageCount", &f.page_count.to_string())?;
    if !f.keywords.is_empty() {
        x.text("keywords", &f.keywords)?;
    }
    if !f.note.is_empty() {
        x.text("note", &f.note)?;
    }
    x.opt("closed", f.closed_at.as_deref())?;
    x.start("items", &[])?;
    for it in &f.documents {
        let pos = it.position.to_string();
        let doc = it.document_id.to_string();
        let path = format!("documents/{}/metadata.xml", it.document_id);
        x.empty(
            "item",
            &[("position", &pos), ("document", &doc), ("path", &path)],
        )?;
    }
    x.end("items")?;
    x.end("recordsFile")?;
    Ok(x.finish())
}

fn metadata_xml(
    d: &document::Model,
    agencies: &std::collections::HashMap<i64, agency::Model>,
    recipients: &[document_recipient::Model],
    category: Option<&category::Model>,
    filed: Option<&(RecordsFileView, i32)>,
    files: &[(document_file::Model, String, String, u64)],
) -> Result<Vec<u8>> {
    let mut x = Xml::new()?;
    let id = d.id.to_string();
    x.start("document", &[("xmlns", METADATA_NS), ("id", &id)])?;
    x.start("type", &[("code", &d.type_code)])?;
    x.w.write_event(Event::Text(BytesText::new(&d.type_name)))
        .map_err(xml_err)?;
    x.end("type")?;
    x.opt(
        "number",
        d.number
            .map(crate::document::metadata::format_number)
            .as_deref(),
    )?;
    x.opt("notation", d.notation.as_deref())?;
    x.opt(
        "registerYear",
        d.register_year.map(|y| y.to_string()).as_deref(),
    )?;
    x.text("issuePlace", &d.issue_place)?;
    x.opt("issueDate", d.issued_date.as_deref())?;
    let ag = agencies.get(&d.agency_id);
    x.start(
        "issuingBody",
        &[("code", ag.map(|a| a.code.as_str()).unwrap_or(""))],
    )?;
    x.w.write_event(Event::Text(BytesText::new(
        ag.map(|a| a.name.as_str()).unwrap_or(""),
    )))
    .map_err(xml_err)?;
    x.end("issuingBody")?;
    x.text("subject", &d.subject)?;
    x.opt("signerPosition", d.signer_position.as_deref())?;
    x.opt("signerName", d.signer_name.as_deref())?;
    x.start("recipients", &[])?;
    for r in recipients {
        let a = agencies.get(&r.agency_id);
        x.start(
            "recipient",
            &[("code", a.map(|a| a.code.as_str()).unwrap_or(""))],
        )?;
        x.w.write_event(Event::Text(BytesText::new(
            a.map(|a| a.name.as_str()).unwrap_or(""),
        )))
        .map_err(xml_err)?;
        x.end("recipient")?;
    }
    x.end("recipients")?;
    x.text("priority", &d.priority)?;
    x.opt("dueDate", d.due_date.as_deref())?;
    x.text("pageCount", &d.page_count.to_string())?;
    x.text("copies", &d.copies.to_string())?;
    if let Some(c) = category {
        x.start("category", &[("code", &c.code)])?;
        x.w.write_event(Event::Text(BytesText::new(&c.name_vi)))
            .map_err(xml_err)?;
        x.end("category")?;
    }
    x.text("language", &d.language)?;
    if let Some((f, position)) = filed {
        let position = position.to_string();
        x.empty(
            "filedIn",
            &[
                ("code", f.code.as_str()),
                ("position", position.as_str()),
                ("title", f.title.as_str()),
                ("retention", f.retention.as_str()),
                ("access", f.access.code()),
            ],
        )?;
    }
    x.start("files", &[])?;
    for (f, path, media, size) in files {
        let size = size.to_string();
        x.empty(
            "file",
            &[
                ("role", f.role.as_str()),
                ("name", f.name.as_str()),
                ("path", path.as_str()),
                ("mediaType", media.as_str()),
                ("size", size.as_str()),
                ("sha256", f.blob_sha256.as_str()),
            ],
        )?;
    }
    x.end("files")?;
    x.end("document")?;
    Ok(x.finish())
}
