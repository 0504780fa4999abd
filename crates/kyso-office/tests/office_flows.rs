//! The office end to end through its use cases, on SQLite and (with
//! `KYSO_TEST_PG_URL`) PostgreSQL: both signing flows, numbering,
//! issuing with verification, receiving with status codes, recall, the
//! audit chain, refusals that write nothing, concurrency of numbering.

mod common;

use std::collections::BTreeSet;

use bytes::Bytes;
use common::*;
use kyso_crypto::Signer;
use kyso_office::delivery::{Assignment, DeliveryAction, InboxFilter};
use kyso_office::document::draft::Upload;
use kyso_office::document::metadata::Secrecy;
use kyso_office::document::state::{Flow, State};
use kyso_office::register::Direction;
use kyso_office::ErrorKind;
use kyso_store::sea_orm::{ConnectionTrait, Statement};
use kyso_store::testing::test_stores;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_signature_flow_from_draft_to_completed_and_recalled() {
    for (backend, store) in test_stores().await {
        let w = world(store).await;
        let o = &w.office;
        let d = o
            .create_draft(
                &w.drafter,
                draft(&w, Flow::Two, "Về việc thử nghiệm hệ thống"),
                None,
            )
            .await
            .unwrap();
        assert_eq!(d.state, State::Draft, "{backend}");
        // Out of order: nothing to approve or seal yet.
        let e = o
            .prepare_approval(&w.approver, d.id, &w.approver_cert)
            .await
            .unwrap_err();
        assert_eq!(e.code, "wrong-state", "{backend}: {e:?}");
        let e = o.number_and_seal(&w.clerk, d.id).await.unwrap_err();
        assert_eq!(e.code, "wrong-state", "{backend}");
        // The wrong role.
        let e = o.submit_draft(&w.clerk, d.id).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}");
        o.submit_draft(&w.drafter, d.id).await.unwrap();
        let d = approve(&w, d.id).await;
        assert_eq!(d.state, State::Approved, "{backend}");
        assert_eq!(d.signer_position.as_deref(), Some("Chủ tịch"));
        let d = o.number_and_seal(&w.clerk, d.id).await.unwrap();
        assert_eq!(d.state, State::Sealed, "{backend}");
        assert_eq!(d.number_text.as_deref(), Some("01/CV-UBND"), "{backend}");
        let roles: Vec<&str> = d.files.iter().map(|f| f.role.as_str()).collect();
        for r in [
            "draft",
            "approved",
            "sealed",
            "attachment-sealed",
            "attachment-signature",
        ] {
            assert!(roles.contains(&r), "{backend}: {r} in {roles:?}");
        }
        let d = o.issue(&w.clerk, d.id).await.unwrap();
        assert_eq!(d.state, State::Issued, "{backend}");
        assert!(d.issued_at.is_some());
        assert!(
            o.issue_time(&w.clerk, d.id).await.unwrap().is_some(),
            "issue time-stamped"
        );
        // Issuing twice is refused.
        assert_eq!(
            o.issue(&w.clerk, d.id).await.unwrap_err().code,
            "wrong-state"
        );

        // The issued file: both signatures valid by kyso's verifier.
        let sealed = d.files.iter().rev().find(|f| f.role == "sealed").unwrap();
        let path = w.dir.path().join("issued.pdf");
        o.blobs().get_to_file(&sealed.sha256, &path).await.unwrap();
        let rep = o.verify_pdf_file(&path).await.unwrap();
        assert_eq!(rep.signatures.len(), 2, "{backend}");
        assert_eq!(
            rep.indication.as_str(),
            "TOTAL-PASSED",
            "{backend}: {}",
            rep.message_en
        );
        // Both signing times are written in Vietnam time (DESIGN §5): the
        // claimed times of the signature dictionaries (/M) and the times
        // shown in the appearances carry +07:00, not UTC.
        for s in &rep.signatures {
            let t = s.claimed_signing_time.as_deref().unwrap_or_default();
            assert!(t.ends_with("+07:00"), "{backend}: /M {t}");
        }
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        let dates: Vec<&str> = text
            .match_indices("/M(D:")
            .map(|(i, _)| &text[i + 3..text[i..].find(')').map_or(i, |j| i + j)])
            .collect();
        assert!(
            dates.len() >= 2 && dates.iter().all(|d| d.ends_with("+07'00'")),
            "{backend}: {dates:?}"
        );

        // Arrival at both recipients, verified.
        let inbox_a = o.inbox(&w.clerk_a, &InboxFilter::default()).await.unwrap();
        assert_eq!(inbox_a.len(), 1, "{backend}");
        let a = &inbox_a[0];
        assert_eq!(a.status, "01");
        assert_eq!(a.verification, "TOTAL-PASSED");
        assert_eq!(a.number_text.as_deref(), Some("01/CV-UBND"));
        // A recipient's clerk sees only their own queue.
        assert!(o.incoming(&w.clerk_b, a.id).await.is_err());
        // Assign before registering: refused, naming the status.
        let e = o
            .act_on_incoming(
                &w.clerk_a,
                a.id,
                DeliveryAction::Assign,
                None,
                Some(Assignment {
                    person_id: Some(w.officer_a.person_id),
                    unit: None,
                    note: None,
                }),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "wrong-status");
        let r = o
            .act_on_incoming(&w.clerk_a, a.id, DeliveryAction::Register, None, None)
            .await
            .unwrap();
        assert_eq!((r.status.as_str(), r.incoming_number), ("03", Some(1)));
        o.act_on_incoming(
            &w.head_a,
            a.id,
            DeliveryAction::Assign,
            None,
            Some(Assignment {
                person_id: Some(w.officer_a.person_id),
                unit: None,
                note: Some("Xử lý gấp".into()),
            }),
        )
        .await
        .unwrap();
        // Only the assignee (or the head) processes it.
        assert_eq!(
            o.act_on_incoming(&w.clerk_a, a.id, DeliveryAction::Process, None, None)
                .await
                .unwrap_err()
                .kind,
            ErrorKind::Forbidden
        );
        o.act_on_incoming(&w.officer_a, a.id, DeliveryAction::Process, None, None)
            .await
            .unwrap();
        let done = o
            .act_on_incoming(&w.officer_a, a.id, DeliveryAction::Complete, None, None)
            .await
            .unwrap();
        assert_eq!(done.status, "06");
        let b = o
            .inbox(&w.clerk_b, &InboxFilter::default())
            .await
            .unwrap()
            .remove(0);
        assert_eq!(
            o.act_on_incoming(&w.clerk_b, b.id, DeliveryAction::Reject, None, None)
                .await
                .unwrap_err()
                .code,
            "reason-required"
        );
        o.act_on_incoming(
            &w.clerk_b,
            b.id,
            DeliveryAction::Reject,
            Some("Không thuộc thẩm quyền"),
            None,
        )
        .await
        .unwrap();
        // The sender sees every recipient's history.
        let d = o.document(&w.clerk, d.id).await.unwrap();
        let mut seen: Vec<(i64, Vec<String>)> = d
            .recipients
            .iter()
            .map(|r| {
                (
                    r.agency_id,
                    r.events.iter().map(|e| e.status.clone()).collect(),
                )
            })
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            vec![
                (
                    w.recipient_a,
                    vec![
                        "01".into(),
                        "03".into(),
                        "04".into(),
                        "05".into(),
                        "06".into()
                    ]
                ),
                (w.recipient_b, vec!["01".into(), "02".into()]),
            ],
            "{backend}"
        );
        // Registers: one outgoing line, one incoming line at A.
        let out = o
            .register(
                &w.clerk,
                w.sender,
                Direction::Out,
                d.register_year.unwrap(),
                None,
            )
            .await
            .unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].number_text, "01/CV-UBND");
        let csv = o
            .register_csv(
                &w.clerk_a,
                w.recipient_a,
                Direction::In,
                d.register_year.unwrap(),
            )
            .await
            .unwrap();
        assert!(csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
        let text = String::from_utf8(csv).unwrap();
        assert!(
            text.contains("Ủy ban nhân dân tỉnh Ninh Bình") && text.contains("01/CV-UBND"),
            "{text}"
        );

        // Recall: the completed copy is frozen once accepted; the rejected one is left.
        let d = o
            .recall(&w.clerk, d.id, "Ban hành nhầm phụ lục")
            .await
            .unwrap();
        assert_eq!(d.state, State::Recalled);
        let a = o.incoming(&w.clerk_a, a.id).await.unwrap();
        assert_eq!(a.status, "13");
        let a = o
            .act_on_incoming(&w.clerk_a, a.id, DeliveryAction::AcceptRecall, None, None)
            .await
            .unwrap();
        assert!(a.frozen && a.status == "15");
        assert_eq!(
            o.act_on_incoming(&w.officer_a, a.id, DeliveryAction::Complete, None, None)
                .await
                .unwrap_err()
                .code,
            "recalled"
        );
        assert_eq!(o.incoming(&w.clerk_b, b.id).await.unwrap().status, "02");

        // The audit chain is whole, and time-stamped.
        assert!(o.anchor_audit().await.unwrap().is_some());
        let rep = o.verify_audit().await.unwrap();
        assert!(rep.ok(), "{backend}: {rep:?}");
        assert_eq!(rep.anchors_valid, 1);
        assert!(rep.chain.entries > 20);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_signature_flow_seals_and_issues_a_scan() {
    for (backend, store) in test_stores().await {
        let w = world(store).await;
        let o = &w.office;
        let mut n = draft(&w, Flow::Seal, "Thông báo kết luận cuộc họp");
        n.attachments.clear();
        n.metadata.type_code = "TB".into();
        // Only the clerk uploads scans.
        assert_eq!(
            o.create_draft(&w.drafter, n.clone(), None)
                .await
                .unwrap_err()
                .kind,
            ErrorKind::Forbidden,
            "{backend}"
        );
        let d = o.create_draft(&w.clerk, n, None).await.unwrap();
        let d = o.number_and_seal(&w.clerk, d.id).await.unwrap();
        assert_eq!(d.number_text.as_deref(), Some("01/TB-UBND"));
        let d = o.issue(&w.clerk, d.id).await.unwrap();
        assert_eq!(d.state, State::Issued, "{backend}");
        let inbox = o.inbox(&w.clerk_b, &InboxFilter::default()).await.unwrap();
        assert_eq!(inbox[0].verification, "TOTAL-PASSED", "{backend}");
        // A replacement keeps the link to the original, at the recipients too.
        let mut n = draft(&w, Flow::Seal, "Thông báo kết luận cuộc họp (thay thế)");
        n.attachments.clear();
        n.metadata.type_code = "TB".into();
        n.metadata.replaces_id = Some(d.id);
        n.metadata.relation = Some("replace".into());
        let r = o.create_draft(&w.clerk, n.clone(), None).await.unwrap();
        assert_eq!(
            (r.replaces_id, r.relation.as_deref()),
            (Some(d.id), Some("replace"))
        );
        o.number_and_seal(&w.clerk, r.id).await.unwrap();
        let r = o.issue(&w.clerk, r.id).await.unwrap();
        assert_eq!(r.number_text.as_deref(), Some("02/TB-UBND"));
        let got = o.inbox(&w.clerk_b, &InboxFilter::default()).await.unwrap();
        let newest = got.iter().find(|x| x.document_id == r.id).unwrap();
        assert_eq!(newest.replaces_document_id, Some(d.id), "{backend}");
        // Only issued documents are replaced, only with a relation.
        n.metadata.replaces_id = Some(r.id + 1000);
        assert!(o.create_draft(&w.clerk, n.clone(), None).await.is_err());
        n.metadata.replaces_id = Some(d.id);
        n.metadata.relation = None;
        assert_eq!(
            o.create_draft(&w.clerk, n, None).await.unwrap_err().code,
            "bad-relation"
        );
    }
}

async fn count(o: &kyso_office::Office, table: &str) -> i64 {
    let db = o.store().connection();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// A password-protected PDF made by qpdf (a test peer), if qpdf is here.
fn encrypted_pdf(dir: &std::path::Path) -> Option<Vec<u8>> {
    let (plain, enc) = (dir.join("plain.pdf"), dir.join("enc.pdf"));
    std::fs::write(&plain, pdf("secret")).unwrap();
    let ok = std::process::Command::new("qpdf")
        .args(["--encrypt", "u", "o", "256", "--"])
        .arg(&plain)
        .arg(&enc)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert_ne!(
            std::env::var("KYSO_REQUIRE_PEERS").as_deref(),
            Ok("1"),
            "qpdf is required"
        );
        eprintln!("note: qpdf missing, the encrypted upload is not tried");
        return None;
    }
    Some(std::fs::read(enc).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_store_nothing_and_are_audited() {
    for (backend, store) in test_stores().await {
        let w = world(store).await;
        let o = &w.office;
        let (docs, blobs_before) = (count(o, "document").await, o.blobs().count().await.unwrap());
        let denied_before = o
            .store()
            .audit_entries(&kyso_store::AuditFilter {
                action_prefix: Some("access.denied".into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .len();
        // Another agency's drafter cannot draft for the province.
        let e = o
            .create_draft(&w.officer_a, draft(&w, Flow::Two, "x"), None)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}");
        // A state secret.
        let mut n = draft(&w, Flow::Two, "Kế hoạch mật");
        n.metadata.secrecy = Secrecy::ToiMat;
        assert_eq!(
            o.create_draft(&w.drafter, n, None).await.unwrap_err().code,
            "state-secret"
        );
        // Not a PDF, an encrypted PDF, a broken PDF.
        let mut n = draft(&w, Flow::Two, "x");
        n.main = Upload {
            name: "a.docx".into(),
            media_type: "application/msword".into(),
            bytes: Bytes::from_static(b"PK\x03\x04 not a pdf"),
        };
        assert_eq!(
            o.create_draft(&w.drafter, n, None).await.unwrap_err().kind,
            ErrorKind::Unsupported
        );
        if let Some(enc) = encrypted_pdf(w.dir.path()) {
            let mut n = draft(&w, Flow::Two, "x");
            n.main.bytes = Bytes::from(enc);
            assert_eq!(
                o.create_draft(&w.drafter, n, None).await.unwrap_err().code,
                "encrypted-pdf"
            );
        }
        let mut n = draft(&w, Flow::Two, "x");
        n.main.bytes = Bytes::from_static(b"%PDF-1.7\n1 0 obj << >> endobj\n");
        assert_eq!(
            o.create_draft(&w.drafter, n, None).await.unwrap_err().code,
            "malformed-pdf"
        );
        // Unknown recipient, unknown type.
        let mut n = draft(&w, Flow::Two, "x");
        n.metadata.recipients.push(99_999);
        assert_eq!(
            o.create_draft(&w.drafter, n, None).await.unwrap_err().code,
            "unknown-recipient"
        );
        let mut n = draft(&w, Flow::Two, "x");
        n.metadata.type_code = "XYZ".into();
        assert_eq!(
            o.create_draft(&w.drafter, n, None).await.unwrap_err().code,
            "unknown-type"
        );
        assert_eq!(
            count(o, "document").await,
            docs,
            "{backend}: nothing stored"
        );
        // Checks before the upload: refused files never reach the blob store.
        assert_eq!(o.blobs().count().await.unwrap(), blobs_before, "{backend}");
        let denied = o
            .store()
            .audit_entries(&kyso_store::AuditFilter {
                action_prefix: Some("access.denied".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            denied.len(),
            denied_before + 1,
            "{backend}: the refusal is audited"
        );
        assert_eq!(denied[0].event.object_id, "document.create");
        assert!(o.verify_audit().await.unwrap().ok());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_and_approval_retries() {
    for (backend, store) in test_stores().await {
        let w = world(store).await;
        let o = &w.office;
        let first = o
            .create_draft(&w.drafter, draft(&w, Flow::Two, "Lần một"), Some("req-1"))
            .await
            .unwrap();
        let again = o
            .create_draft(&w.drafter, draft(&w, Flow::Two, "Lần một"), Some("req-1"))
            .await
            .unwrap();
        assert_eq!(first.id, again.id, "{backend}: one document");
        let e = o
            .create_draft(&w.drafter, draft(&w, Flow::Two, "Khác"), Some("req-1"))
            .await
            .unwrap_err();
        assert_eq!(e.code, "idempotency-key-reused");

        o.submit_draft(&w.drafter, first.id).await.unwrap();
        let p = o
            .prepare_approval(&w.approver, first.id, &w.approver_cert)
            .await
            .unwrap();
        let sig = w
            .approver_key
            .sign_digest(&hex::decode(&p.digest).unwrap())
            .unwrap();
        // A signature over something else is refused and consumes nothing.
        let bad = w.approver_key.sign_digest(&[7u8; 32]).unwrap();
        assert_eq!(
            o.finalize_approval(&w.approver, first.id, &p.nonce, &bad, &w.approver_cert)
                .await
                .unwrap_err()
                .code,
            "bad-signature"
        );
        let a = o
            .finalize_approval(&w.approver, first.id, &p.nonce, &sig, &w.approver_cert)
            .await
            .unwrap();
        // The answer was lost: the same signature again returns the same result.
        let b = o
            .finalize_approval(&w.approver, first.id, &p.nonce, &sig, &w.approver_cert)
            .await
            .unwrap();
        assert_eq!(
            a.files.len(),
            b.files.len(),
            "{backend}: nothing added twice"
        );
        assert_eq!(b.state, State::Approved);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_numbering_gives_consecutive_distinct_numbers() {
    for (backend, store) in test_stores().await {
        let w = world(store).await;
        let mut ids = Vec::new();
        for i in 0..12 {
            let mut n = draft(&w, Flow::Seal, &format!("Thông báo số {i}"));
            n.attachments.clear();
            ids.push(w.office.create_draft(&w.clerk, n, None).await.unwrap().id);
        }
        let mut tasks = Vec::new();
        for id in ids {
            let (o, clerk) = (w.office.clone(), w.clerk.clone());
            tasks.push(tokio::spawn(
                async move { o.number_and_seal(&clerk, id).await },
            ));
        }
        let mut numbers = BTreeSet::new();
        for t in tasks {
            numbers.insert(t.await.unwrap().unwrap().number.unwrap());
        }
        assert_eq!(numbers, (1..=12).collect::<BTreeSet<i64>>(), "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_or_deleted_audit_row_is_named() {
    for (backend, store) in test_stores().await {
        let w = world(store).await;
        let o = &w.office;
        let check = o.verify_audit().await.unwrap();
        assert!(check.ok());
        let db = o.store().connection();
        let b = db.get_database_backend();
        db.execute_raw(Statement::from_string(
            b,
            "UPDATE audit_entry SET detail = 'sửa trộm' WHERE seq = 5",
        ))
        .await
        .unwrap();
        let r = o.verify_audit().await.unwrap();
        assert_eq!(
            r.chain.broken.as_ref().map(|x| x.seq),
            Some(5),
            "{backend}: {r:?}"
        );
        db.execute_raw(Statement::from_string(
            b,
            "DELETE FROM audit_entry WHERE seq = 3",
        ))
        .await
        .unwrap();
        let r = o.verify_audit().await.unwrap();
        assert_eq!(
            r.chain.broken.as_ref().map(|x| x.seq),
            Some(3),
            "{backend}: {r:?}"
        );
        assert!(r.chain.broken.unwrap().reason.contains("missing"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_wrong_passwords_lock_the_account() {
    for (backend, store) in test_stores().await {
        let w = world(store).await;
        let o = &w.office;
        for _ in 0..kyso_office::auth::MAX_FAILED_LOGINS - 1 {
            assert_eq!(
                o.login("vanthu", "sai mật khẩu rồi", None)
                    .await
                    .unwrap_err()
                    .kind,
                ErrorKind::Unauthenticated
            );
        }
        let e = o
            .login("vanthu", "sai mật khẩu rồi", None)
            .await
            .unwrap_err();
        assert_eq!(e.code, "account-locked", "{backend}");
        // Even the right password is refused while locked.
        assert_eq!(
            o.login("vanthu", PASSWORD, None).await.unwrap_err().code,
            "account-locked"
        );
        assert_eq!(
            o.login("khongco", PASSWORD, None).await.unwrap_err().kind,
            ErrorKind::Unauthenticated
        );
        let locked = o
            .store()
            .audit_entries(&kyso_store::AuditFilter {
                action_prefix: Some("login.locked".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(locked.len(), 1);
        // A session works until logout; a token until revoked.
        let s = o.login("chuyenvien", PASSWORD, None).await.unwrap();
        assert!(o.session(&s.session_secret, None).await.is_ok());
        o.logout(&s.session_secret, &s.actor).await.unwrap();
        assert!(o.session(&s.session_secret, None).await.is_err());
        let t = o
            .create_api_token(&s.actor, "tích hợp", &[kyso_office::Scope::Read], Some(30))
            .await
            .unwrap();
        let actor = o.token_actor(&t.token, None).await.unwrap();
        assert_eq!(actor.scopes, vec![kyso_office::Scope::Read]);
        // A read-only token cannot act.
        assert_eq!(
            o.create_draft(&actor, draft(&w, Flow::Two, "x"), None)
                .await
                .unwrap_err()
                .kind,
            ErrorKind::Forbidden
        );
        o.revoke_api_token(&s.actor, t.info.id).await.unwrap();
        assert!(o.token_actor(&t.token, None).await.is_err());
    }
}
