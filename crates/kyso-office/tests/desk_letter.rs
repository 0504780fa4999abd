//! The request as a letter (issue 12 §2, R-REQUEST-EXCHANGE), on SQLite
//! and (with `KYSO_TEST_PG_URL`) PostgreSQL: confirming a request drafts
//! the managing organization's công văn with the form and the confirming
//! person's statement, submitted to its approver; the approver signs it,
//! the clerk numbers, seals and issues it — which sends the request to
//! the deciding agency; that agency's clerk receives and registers it;
//! only then may the CA operator or the department administrator
//! approve. pyHanko accepts both signatures of the issued letter. Sending
//! before the letter is issued and approving before it is received are
//! refused with what is missing, and change nothing.

mod common;

use std::process::Command;

use common::desk::{desk, form, issue_letter, receive_letter, sign_letter, Desk};
use common::pyhanko_validate;
use kyso_crypto::{KeySpec, SoftwareKey};
use kyso_office::desk::{Approval, NewRequest, RequestKind, Route, State};
use kyso_office::document::state::{Flow, State as DocState};
use kyso_office::Office;
use kyso_pki::name::SubjectName;
use kyso_store::sea_orm::{ConnectionTrait, Statement};
use kyso_store::testing::test_stores;

fn csr(key: &SoftwareKey) -> String {
    use base64::Engine;
    let name = SubjectName {
        common_name: "Nguyễn Thị Lan".into(),
        ..SubjectName::default()
    }
    .to_name()
    .unwrap();
    let der = kyso_pki::csr::build_csr(&name, key).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
        lines.join("\n")
    )
}

async fn count(o: &Office, table: &str) -> i64 {
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

/// What a refusal must leave as it was.
async fn snapshot(o: &Office) -> Vec<i64> {
    let mut v = Vec::new();
    for t in [
        "desk_request",
        "desk_event",
        "certificate",
        "document",
        "delivery",
        "delivery_event",
    ] {
        v.push(count(o, t).await);
    }
    v
}

/// The text of a PDF, whitespace folded (None without pdftotext).
fn pdf_text(path: &std::path::Path) -> Option<String> {
    let out = Command::new("pdftotext").arg(path).arg("-").output().ok()?;
    assert!(out.status.success());
    Some(
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The newest file of `role` of document `doc`, written to `dir`.
async fn file_of(w: &Desk, doc: i64, role: &str, dir: &std::path::Path) -> std::path::PathBuf {
    let o = &w.office;
    let d = o.document(&w.clerk_a, doc).await.unwrap();
    let f = d.files.iter().rev().find(|f| f.role == role).unwrap();
    let path = dir.join(format!("{role}.pdf"));
    o.blobs().get_to_file(&f.sha256, &path).await.unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_travels_as_its_letter_signed_twice() {
    for (backend, store) in test_stores().await {
        let w = desk(store).await;
        let o = &w.office;
        let dir = tempfile::tempdir().unwrap();
        let mut f = form("Nguyễn Thị Lan", "lan@stc.ninhbinh.gov.vn");
        f.token_serial = Some("SH-0042".into());
        let r = o
            .create_request(
                &w.subscriber,
                NewRequest {
                    kind: RequestKind::IssuePerson,
                    agency_id: w.agency_a,
                    subscriber_id: Some(w.subscriber.person_id),
                    form: f,
                },
            )
            .await
            .unwrap();
        assert_eq!(r.letter_document_id, None, "{backend}");

        // Confirmed: the letter is drafted and waits for the approver.
        let r = o.confirm_request(&w.head_a, r.id).await.unwrap();
        assert_eq!(r.state, State::Confirmed, "{backend}");
        let doc = r.letter_document_id.expect("the letter");
        assert_eq!(r.letter_state.as_deref(), Some("submitted"), "{backend}");
        assert_eq!(r.letter_number, None);
        let d = o.document(&w.head_a, doc).await.unwrap();
        assert_eq!((d.flow, d.state), (Flow::Two, DocState::Submitted));
        assert_eq!(d.agency_id, w.agency_a);
        assert_eq!(
            d.recipients.iter().map(|r| r.agency_id).collect::<Vec<_>>(),
            vec![w.top],
            "{backend}: addressed to the CA operators' agency"
        );
        assert!(d.subject.contains("Nguyễn Thị Lan"), "{}", d.subject);
        let draft = file_of(&w, doc, "draft", dir.path()).await;
        if let Some(text) = pdf_text(&draft) {
            for want in [
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "SỞ TÀI CHÍNH",
                "Kính gửi: Ủy ban nhân dân tỉnh Ninh Bình",
                "cấp mới chứng thư số cá nhân",
                "Số định danh cá nhân: 037190001234",
                "Họ và tên: Nguyễn Thị Lan",
                "Chức vụ: Chuyên viên",
                "Cơ quan, đơn vị công tác: Sở Tài chính",
                "Thư điện tử công vụ: lan@stc.ninhbinh.gov.vn",
                "Số điện thoại: 0912345678",
                "Số hiệu thiết bị lưu khóa bí mật: SH-0042",
                "Lý do đề nghị: Cấp mới để ký văn bản",
                "Tôi, Hoàng Văn Em, Giám đốc, xác nhận",
                "chịu trách nhiệm",
                "GIÁM ĐỐC",
                "Hoàng Văn Em",
            ] {
                assert!(text.contains(want), "{backend}: {want:?} in {text}");
            }
        }

        // Sending before the letter is issued: refused, naming what is
        // missing; nothing changes.
        let before = snapshot(o).await;
        let e = o.send_request(&w.clerk_a, r.id).await.unwrap_err();
        assert_eq!(e.code, "letter-not-issued", "{backend}: {e:?}");
        assert!(
            e.vi.contains("chờ ký duyệt") && e.vi.contains("phát hành"),
            "{}",
            e.vi
        );
        assert!(e.en.contains("issue"), "{}", e.en);
        sign_letter(&w, r.id).await;
        let e = o.send_request(&w.clerk_a, r.id).await.unwrap_err();
        assert_eq!(e.code, "letter-not-issued", "{backend}");
        assert!(e.vi.contains("đã ký duyệt"), "{}", e.vi);
        assert_eq!(
            o.desk_request(&w.clerk_a, r.id).await.unwrap().state,
            State::Confirmed
        );
        assert_eq!(snapshot(o).await[..2], before[..2], "{backend}");

        // The clerk numbers, seals and issues it: the request is sent with
        // it, by the clerk, in the same transaction.
        let d = issue_letter(&w, r.id).await;
        assert_eq!(d.state, DocState::Issued, "{backend}");
        let r = o.desk_request(&w.clerk_a, r.id).await.unwrap();
        assert_eq!(r.state, State::Sent, "{backend}");
        assert!(r.due_date.is_some() && r.sent_at.is_some());
        assert_eq!(r.letter_state.as_deref(), Some("issued"));
        assert_eq!(r.letter_number.as_deref(), Some("01/CV-STC"), "{backend}");
        let last = r.events.last().unwrap();
        assert_eq!(
            (last.action.as_str(), last.person_id),
            ("send", w.clerk_a.person_id)
        );
        assert_eq!(
            o.send_request(&w.clerk_a, r.id).await.unwrap_err().code,
            "wrong-state"
        );

        // Both signatures, checked by pyHanko.
        let sealed = file_of(&w, doc, "sealed", dir.path()).await;
        let rep = o.verify_pdf_file(&sealed).await.unwrap();
        assert_eq!(rep.signatures.len(), 2, "{backend}");
        assert_eq!(
            rep.indication.as_str(),
            "TOTAL-PASSED",
            "{}",
            rep.message_en
        );
        if let Some((ok, out)) = pyhanko_validate(o, &sealed) {
            assert!(ok, "{backend}: pyHanko: {out}");
            assert_eq!(
                out.matches("The signature is judged VALID.").count(),
                2,
                "{backend}: {out}"
            );
        }

        // Approving before the deciding agency's clerk has received and
        // registered it: refused, nothing changes.
        let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        let approval = Approval {
            csr: Some(csr(&key)),
            ..Approval::default()
        };
        let before = snapshot(o).await;
        let e = o
            .approve_request(&w.ca_operator, r.id, approval.clone())
            .await
            .unwrap_err();
        assert_eq!(e.code, "letter-not-received", "{backend}: {e:?}");
        assert!(e.vi.contains("chưa tiếp nhận, vào sổ"), "{}", e.vi);
        assert_eq!(snapshot(o).await, before, "{backend}: nothing issued");

        receive_letter(&w, r.id).await;
        let r = o
            .approve_request(&w.ca_operator, r.id, approval)
            .await
            .unwrap();
        assert_eq!(r.state, State::Approved, "{backend}");
        assert!(r.issued_serial.is_some());
        let actions: Vec<&str> = r.events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["create", "confirm", "send", "approve"],
            "{backend}"
        );

        // A department-routed kind goes to the department administrators'
        // agency and is decided there after the same path.
        let mut f = form("Nguyễn Thị Lan", "lan@stc.ninhbinh.gov.vn");
        f.token_serial = Some("SH-0042".into());
        f.reason = "Nhập sai mã PIN quá số lần cho phép".into();
        let rec = o
            .create_request(
                &w.subscriber,
                NewRequest {
                    kind: RequestKind::RecoverToken,
                    agency_id: w.agency_a,
                    subscriber_id: Some(w.subscriber.person_id),
                    form: f,
                },
            )
            .await
            .unwrap();
        assert_eq!(rec.route, Route::Department);
        let rec = o.confirm_request(&w.head_a, rec.id).await.unwrap();
        let letter = o
            .document(&w.head_a, rec.letter_document_id.unwrap())
            .await
            .unwrap();
        assert_eq!(
            letter
                .recipients
                .iter()
                .map(|r| r.agency_id)
                .collect::<Vec<_>>(),
            vec![w.top]
        );
        sign_letter(&w, rec.id).await;
        issue_letter(&w, rec.id).await;
        let e = o
            .approve_request(&w.admin, rec.id, Approval::default())
            .await
            .unwrap_err();
        assert_eq!(e.code, "letter-not-received", "{backend}");
        receive_letter(&w, rec.id).await;
        let rec = o
            .approve_request(&w.admin, rec.id, Approval::default())
            .await
            .unwrap();
        assert_eq!(rec.state, State::Approved, "{backend}");
        assert_eq!(rec.letter_number.as_deref(), Some("02/CV-STC"));

        // The audit chain holds every step and stays unbroken.
        let audit = o.verify_audit().await.unwrap();
        assert!(audit.chain.broken.is_none(), "{backend}");
        drop(w.dir);
    }
}

/// A request confirmed before letters existed (no letter linked) cannot
/// be sent or approved: each refusal names the missing letter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_letter_nothing_travels() {
    for (backend, store) in test_stores().await {
        let w = desk(store).await;
        let o = &w.office;
        let r = o
            .create_request(
                &w.subscriber,
                NewRequest {
                    kind: RequestKind::IssuePerson,
                    agency_id: w.agency_a,
                    subscriber_id: Some(w.subscriber.person_id),
                    form: form("Nguyễn Thị Lan", "lan@stc.ninhbinh.gov.vn"),
                },
            )
            .await
            .unwrap();
        o.confirm_request(&w.head_a, r.id).await.unwrap();
        let db = o.store().connection();
        db.execute_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "UPDATE desk_request SET letter_document_id = NULL WHERE id = {}",
                r.id
            ),
        ))
        .await
        .unwrap();
        let before = snapshot(o).await;
        let e = o.send_request(&w.clerk_a, r.id).await.unwrap_err();
        assert_eq!(e.code, "letter-missing", "{backend}: {e:?}");
        assert!(e.vi.contains("công văn đề nghị"), "{}", e.vi);
        assert_eq!(snapshot(o).await, before, "{backend}");
        drop(w.dir);
    }
}

/// The approver returns the letter: the request goes back to its creator
/// with the approver's comment; corrected and confirmed again, it gets a
/// new letter. While the letter is with the approver, the desk cannot
/// pull the request back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returned_letter_returns_the_request() {
    for (backend, store) in test_stores().await {
        let w = desk(store).await;
        let o = &w.office;
        let new = NewRequest {
            kind: RequestKind::IssuePerson,
            agency_id: w.agency_a,
            subscriber_id: Some(w.subscriber.person_id),
            form: form("Nguyễn Thị Lan", "lan@stc.ninhbinh.gov.vn"),
        };
        let r = o.create_request(&w.subscriber, new.clone()).await.unwrap();
        let r = o.confirm_request(&w.head_a, r.id).await.unwrap();
        let first = r.letter_document_id.unwrap();

        let before = snapshot(o).await;
        let e = o
            .return_request(&w.head_a, r.id, "Sai số điện thoại")
            .await
            .unwrap_err();
        assert_eq!(e.code, "letter-pending", "{backend}: {e:?}");
        assert!(e.vi.contains("chờ ký duyệt"), "{}", e.vi);
        assert_eq!(snapshot(o).await, before, "{backend}");

        o.return_draft(&w.head_a, first, "Số điện thoại chưa đúng")
            .await
            .unwrap();
        let r = o.desk_request(&w.subscriber, r.id).await.unwrap();
        assert_eq!(r.state, State::Returned, "{backend}");
        assert!(
            r.note
                .as_deref()
                .unwrap()
                .contains("Số điện thoại chưa đúng"),
            "{:?}",
            r.note
        );
        assert_eq!((r.letter_document_id, r.confirmed_by), (None, None));
        let last = r.events.last().unwrap();
        assert_eq!(
            (last.action.as_str(), last.person_id),
            ("return", w.head_a.person_id)
        );

        let mut f = new.form.clone();
        f.phone = "0987654321".into();
        o.resubmit_request(&w.subscriber, r.id, Some(f))
            .await
            .unwrap();
        let r = o.confirm_request(&w.head_a, r.id).await.unwrap();
        let second = r.letter_document_id.unwrap();
        assert_ne!(first, second, "{backend}: a new letter");
        assert_eq!(
            o.document(&w.head_a, first).await.unwrap().state,
            DocState::Returned,
            "the returned letter stays as it was"
        );
        sign_letter(&w, r.id).await;
        issue_letter(&w, r.id).await;
        let r = o.desk_request(&w.clerk_a, r.id).await.unwrap();
        assert_eq!(r.state, State::Sent, "{backend}");
        let actions: Vec<&str> = r.events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["create", "confirm", "return", "resubmit", "confirm", "send"],
            "{backend}"
        );
        drop(w.dir);
    }
}
