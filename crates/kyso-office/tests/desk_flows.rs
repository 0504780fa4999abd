//! The certificate desk through its use cases, on SQLite and (with
//! `KYSO_TEST_PG_URL`) PostgreSQL: a new issuance from subscriber to CA
//! with its deadline over a holiday and a weekend (clock injected), a
//! revocation that `openssl ocsp` reports at once, a token recovery within
//! one working day, devices and handovers, and refusals that change nothing.

mod common;

use std::process::Command;

use common::desk::{csr, desk, issue_on, send_by_letter, snapshot};
use common::{pem, pyhanko_validate};
use kyso_crypto::{KeySpec, SoftwareKey};
use kyso_office::desk::{
    Approval, DeviceState, DueStatus, HandoverMethod, NewDevice, NewHandover, NewRequest,
    RequestFilter, RequestForm, RequestKind, State,
};
use kyso_office::{ErrorKind, Office};
use kyso_store::testing::test_stores;
use time::macros::datetime;

/// Lan's form (the subscriber of agency A).
fn form(name: &str) -> RequestForm {
    common::desk::form(name, "lan@stc.ninhbinh.gov.vn")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issuance_from_subscriber_to_ca_with_deadline_and_refusals() {
    for (backend, store) in test_stores().await {
        let w = desk(store).await;
        let o = &w.office;
        // The calendar: the fixed holidays of 2026 (30 April, 1 May …).
        let fixed = o.add_fixed_holidays(&w.admin, 2026).await.unwrap();
        assert_eq!(fixed.len(), 4, "{backend}");
        // Only the department administrator edits it.
        let e = o
            .set_holiday(
                &w.clerk_a,
                kyso_office::desk::CalendarDay {
                    day: "2026-05-04".into(),
                    kind: kyso_office::desk::DayKind::Compensatory,
                    name: "Nghỉ bù".into(),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}");

        let new = NewRequest {
            kind: RequestKind::IssuePerson,
            agency_id: w.agency_a,
            subscriber_id: Some(w.subscriber.person_id),
            form: form("Nguyễn Thị Lan"),
        };
        let before = snapshot(o).await;
        // Another agency's subscriber: refused, nothing written.
        let e = o.create_request(&w.clerk_b, new.clone()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}: {e:?}");
        assert!(e.vi.contains("cơ quan của mình"), "{}", e.vi);
        // A subscriber cannot file for someone else.
        let mut other = new.clone();
        other.subscriber_id = Some(w.head_a.person_id);
        let e = o.create_request(&w.subscriber, other).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}");
        // The clerk of agency A cannot file for a person of agency B.
        let mut other = new.clone();
        other.subscriber_id = Some(w.clerk_b.person_id);
        let e = o.create_request(&w.clerk_a, other).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}");
        // A bad form.
        let mut bad = new.clone();
        bad.form.identity_number = "12AB".into();
        assert_eq!(
            o.create_request(&w.subscriber, bad).await.unwrap_err().code,
            "bad-form"
        );
        assert_eq!(
            snapshot(o).await,
            before,
            "{backend}: refusals wrote nothing"
        );

        let r = o.create_request(&w.subscriber, new.clone()).await.unwrap();
        assert_eq!(r.state, State::Submitted, "{backend}");
        assert_eq!(r.route, kyso_office::desk::Route::Ca);
        // Out of order, and by the wrong people: refused, nothing changed.
        let before = snapshot(o).await;
        let e = o.send_request(&w.clerk_a, r.id).await.unwrap_err();
        assert_eq!(e.code, "wrong-state", "{backend}");
        assert!(e.vi.contains("chờ cơ quan quản lý xác nhận"), "{}", e.vi);
        let e = o.confirm_request(&w.subscriber, r.id).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}: without the role");
        let e = o.confirm_request(&w.clerk_b, r.id).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "{backend}: another agency");
        let e = o
            .approve_request(&w.ca_operator, r.id, Approval::default())
            .await
            .unwrap_err();
        assert_eq!(e.code, "wrong-state", "{backend}");
        assert_eq!(snapshot(o).await, before, "{backend}");
        assert_eq!(
            o.desk_request(&w.subscriber, r.id).await.unwrap().state,
            State::Submitted
        );

        // The head files on someone's behalf and may not confirm it.
        let own = o.create_request(&w.head_a, new.clone()).await.unwrap();
        let e = o.confirm_request(&w.head_a, own.id).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}");
        assert!(e.vi.contains("người tạo yêu cầu không được tự"), "{}", e.vi);
        o.cancel_request(&w.head_a, own.id).await.unwrap();

        // Return with reasons, resubmit, confirm.
        assert_eq!(
            o.return_request(&w.head_a, r.id, " ")
                .await
                .unwrap_err()
                .code,
            "reasons-required"
        );
        let r = o
            .return_request(&w.head_a, r.id, "Thiếu số điện thoại di động")
            .await
            .unwrap();
        assert_eq!(r.state, State::Returned);
        let mut fixed = form("Nguyễn Thị Lan");
        fixed.phone = "0912345678".into();
        let r = o
            .resubmit_request(&w.subscriber, r.id, Some(fixed))
            .await
            .unwrap();
        assert_eq!(r.state, State::Submitted);
        assert_eq!(r.form.phone, "0912345678");
        let r = o.confirm_request(&w.head_a, r.id).await.unwrap();
        assert_eq!(r.state, State::Confirmed, "{backend}");
        assert_eq!(r.confirmed_by, Some(w.head_a.person_id));
        let c = r.confirmation.clone().unwrap();
        assert!(
            c.contains("Hoàng Văn Em") && c.contains("Giám đốc") && c.contains("chính xác"),
            "{c}"
        );

        // Sent on Wednesday 29 April: 30 April and 1 May are holidays, then
        // the weekend — three working days end on Wednesday 6 May.
        // The request travels as its letter: issuing the letter sends it.
        let r = send_by_letter(&w, r.id).await;
        assert_eq!(r.state, State::Sent, "{backend}");
        assert_eq!(r.due_date.as_deref(), Some("2026-05-06"), "{backend}");
        assert_eq!(r.due_status, Some(DueStatus::OnTime));
        w.clock.set(datetime!(2026-05-06 10:00 +7));
        let v = o.desk_request(&w.ca_operator, r.id).await.unwrap();
        assert_eq!(v.due_status, Some(DueStatus::DueToday), "{backend}");
        w.clock.set(datetime!(2026-05-07 08:00 +7));
        let v = o.desk_request(&w.ca_operator, r.id).await.unwrap();
        assert_eq!(v.due_status, Some(DueStatus::Overdue), "{backend}");
        let overdue = o
            .desk_requests(
                &w.ca_operator,
                &RequestFilter {
                    overdue: true,
                    ..RequestFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(overdue.iter().map(|r| r.id).collect::<Vec<_>>(), vec![r.id]);

        // The department administrator does not decide CA-routed requests;
        // a missing CSR is refused; nothing changes.
        let before = snapshot(o).await;
        let e = o
            .approve_request(&w.admin, r.id, Approval::default())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}");
        let e = o
            .approve_request(&w.ca_operator, r.id, Approval::default())
            .await
            .unwrap_err();
        assert_eq!(e.code, "csr-required", "{backend}");
        let e = o
            .approve_request(
                &w.ca_operator,
                r.id,
                Approval {
                    days: Some(6 * 365),
                    csr: Some(csr(&SoftwareKey::generate(KeySpec::EcP256).unwrap())),
                    note: None,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "bad-validity", "{backend}");
        assert_eq!(snapshot(o).await, before, "{backend}");

        // Approved: a certificate for the key on the subscriber's token.
        let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        let r = o
            .approve_request(
                &w.ca_operator,
                r.id,
                Approval {
                    csr: Some(csr(&key)),
                    days: Some(730),
                    note: Some("Đủ điều kiện".into()),
                },
            )
            .await
            .unwrap();
        assert_eq!(r.state, State::Approved, "{backend}");
        let serial = r.issued_serial.clone().unwrap();
        let rec = o.ca().store().certificate(&serial).await.unwrap().unwrap();
        assert!(rec.subject.contains("Nguyễn Thị Lan"), "{}", rec.subject);
        assert!(rec.subject.contains("Sở Tài chính"), "{}", rec.subject);
        // Approval twice: refused, nothing issued.
        let before = snapshot(o).await;
        let e = o
            .approve_request(
                &w.ca_operator,
                r.id,
                Approval {
                    csr: Some(csr(&key)),
                    ..Approval::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "wrong-state", "{backend}");
        assert!(e.vi.contains("đã phê duyệt"), "{}", e.vi);
        assert_eq!(snapshot(o).await, before, "{backend}");
        let r = o.complete_request(&w.clerk_a, r.id, None).await.unwrap();
        assert_eq!(r.state, State::Completed, "{backend}");
        let actions: Vec<&str> = r.events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["create", "return", "resubmit", "confirm", "send", "approve", "complete"],
            "{backend}"
        );
        // Every transition is in the audit chain, which stays unbroken.
        let audit = o.verify_audit().await.unwrap();
        assert!(audit.chain.broken.is_none(), "{backend}");
        drop(w.dir);
    }
}

fn have_openssl() -> bool {
    Command::new("openssl").arg("version").output().is_ok()
}

fn openssl(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl {args:?}: {text}");
    text
}

/// `openssl ocsp`'s status line for `serial` from kyso's responder.
async fn ocsp_status(o: &Office, dir: &std::path::Path, serial: &str) -> String {
    std::fs::write(dir.join("issuing.pem"), pem(o.ca().issuing_der())).unwrap();
    std::fs::write(dir.join("root.pem"), pem(o.ca().root_der())).unwrap();
    let s = format!("0x{serial}");
    openssl(
        dir,
        &[
            "ocsp",
            "-issuer",
            "issuing.pem",
            "-serial",
            &s,
            "-no_nonce",
            "-reqout",
            "q.der",
        ],
    );
    let q = std::fs::read(dir.join("q.der")).unwrap();
    let resp = o.ca().ocsp().respond(&q).await;
    std::fs::write(dir.join("r.der"), &resp).unwrap();
    openssl(
        dir,
        &[
            "ocsp",
            "-respin",
            "r.der",
            "-issuer",
            "issuing.pem",
            "-serial",
            &s,
            "-CAfile",
            "root.pem",
        ],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_recovery_and_devices() {
    for (backend, store) in test_stores().await {
        let w = desk(store).await;
        let o = &w.office;
        o.add_fixed_holidays(&w.admin, 2026).await.unwrap();
        // A device for the subscriber, issued and handed over.
        let dev = o
            .register_device(
                &w.ca_operator,
                NewDevice {
                    serial: "SH-0001".into(),
                    model: "SoftHSM v2".into(),
                    module: "/usr/lib/softhsm/libsofthsm2.so".into(),
                    agency_id: w.agency_a,
                    holder_id: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(dev.state, DeviceState::New);
        let e = o
            .register_device(
                &w.ca_operator,
                NewDevice {
                    serial: "SH-0001".into(),
                    model: "x".into(),
                    module: "x".into(),
                    agency_id: w.agency_a,
                    holder_id: None,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "duplicate-device", "{backend}");
        let e = o
            .register_device(
                &w.clerk_a,
                NewDevice {
                    serial: "SH-0002".into(),
                    model: "x".into(),
                    module: "x".into(),
                    agency_id: w.agency_a,
                    holder_id: None,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden);

        let r = issue_on(&w, "SH-0001").await;
        let serial = r.issued_serial.clone().unwrap();
        let dev = o.device(&w.ca_operator, dev.id).await.unwrap();
        assert_eq!(dev.state, DeviceState::Issued, "{backend}");
        assert_eq!(dev.certificate_serial.as_deref(), Some(serial.as_str()));
        assert_eq!(dev.holder_id, Some(w.subscriber.person_id));
        // Handed to the subscriber in person; by post needs a tracking number.
        let mut h = NewHandover {
            method: HandoverMethod::Post,
            tracking_number: None,
            handed_on: "2026-04-30".into(),
            from_party: "Cục Chứng thực số và Bảo mật thông tin".into(),
            to_party: "Nguyễn Thị Lan".into(),
            holder_id: None,
            new_state: Some(DeviceState::InUse),
            request_id: Some(r.id),
            note: None,
        };
        assert_eq!(
            o.record_handover(&w.clerk_a, dev.id, h.clone())
                .await
                .unwrap_err()
                .code,
            "tracking-required"
        );
        h.method = HandoverMethod::InPerson;
        let dev = o
            .record_handover(&w.clerk_a, dev.id, h.clone())
            .await
            .unwrap();
        assert_eq!(dev.state, DeviceState::InUse, "{backend}");
        assert_eq!(dev.handovers.len(), 1);
        o.complete_request(&w.clerk_a, r.id, None).await.unwrap();
        // The handover record, sealed with the managing organization's key.
        let hid = dev.handovers[0].id;
        assert_eq!(
            o.handover_record(&w.subscriber, dev.id, hid)
                .await
                .unwrap_err()
                .kind,
            ErrorKind::Forbidden
        );
        let pdf = o.handover_record(&w.clerk_a, dev.id, hid).await.unwrap();
        let rec_dir = tempfile::tempdir().unwrap();
        let rec_path = rec_dir.path().join("bien-ban.pdf");
        std::fs::write(&rec_path, &pdf).unwrap();
        if let Some((ok, out)) = pyhanko_validate(o, &rec_path) {
            assert!(ok, "{backend}: pyHanko: {out}");
            assert!(out.contains("The signature is judged VALID."), "{out}");
        }
        let dev = o.device(&w.clerk_a, dev.id).await.unwrap();
        assert!(dev.handovers[0].record_sha256.is_some(), "{backend}");

        // The token locks; recovery goes to the department, due the next
        // working day; the department administrator completes it.
        let dev = o
            .set_device_state(&w.clerk_a, dev.id, DeviceState::Locked)
            .await
            .unwrap();
        assert_eq!(dev.state, DeviceState::Locked);
        let e = o
            .set_device_state(&w.clerk_a, dev.id, DeviceState::Destroyed)
            .await
            .unwrap_err();
        assert_eq!(e.code, "wrong-state");
        assert!(e.vi.contains("bị khóa"), "{}", e.vi);
        let mut f = form("Nguyễn Thị Lan");
        f.token_serial = Some("SH-0001".into());
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
        assert_eq!(rec.route, kyso_office::desk::Route::Department);
        o.confirm_request(&w.head_a, rec.id).await.unwrap();
        let rec = send_by_letter(&w, rec.id).await;
        // Sent Wednesday 29 April: the next working day is Monday 4 May.
        assert_eq!(rec.due_date.as_deref(), Some("2026-05-04"), "{backend}");
        // The CA operator does not decide department-routed requests.
        assert_eq!(
            o.approve_request(&w.ca_operator, rec.id, Approval::default())
                .await
                .unwrap_err()
                .kind,
            ErrorKind::Forbidden
        );
        let rec = o
            .approve_request(&w.admin, rec.id, Approval::default())
            .await
            .unwrap();
        assert_eq!(rec.state, State::Approved);
        assert_eq!(rec.due_status, None, "decided on time");
        assert_eq!(
            o.device(&w.clerk_a, dev.id).await.unwrap().state,
            DeviceState::InUse,
            "{backend}"
        );

        // The subscriber leaves the state sector: revocation, reason in
        // Vietnamese words; OCSP says revoked at once; the device is due back
        // within five working days.
        let dir = tempfile::tempdir().unwrap();
        if have_openssl() {
            let text = ocsp_status(o, dir.path(), &serial).await;
            assert!(text.contains(": good"), "{text}");
        }
        let mut f = form("Nguyễn Thị Lan");
        f.certificate_serial = Some(serial.clone());
        f.revocation_reason = Some("thay đổi cơ quan, đơn vị".into());
        f.reason = "Chuyển công tác ra ngoài khu vực nhà nước".into();
        let rv = o
            .create_request(
                &w.clerk_a,
                NewRequest {
                    kind: RequestKind::Revoke,
                    agency_id: w.agency_a,
                    subscriber_id: Some(w.subscriber.person_id),
                    form: f,
                },
            )
            .await
            .unwrap();
        o.confirm_request(&w.head_a, rv.id).await.unwrap();
        send_by_letter(&w, rv.id).await;
        let rv = o
            .approve_request(&w.ca_operator, rv.id, Approval::default())
            .await
            .unwrap();
        assert_eq!(rv.state, State::Approved, "{backend}");
        assert_eq!(
            rv.form.revocation_reason.as_deref(),
            Some("thay đổi cơ quan, đơn vị")
        );
        let rec = o.ca().store().certificate(&serial).await.unwrap().unwrap();
        assert_eq!(rec.status, kyso_store::CertificateStatus::Revoked);
        if have_openssl() {
            let text = ocsp_status(o, dir.path(), &serial).await;
            assert!(text.contains(": revoked"), "{text}");
            assert!(text.contains("Response verify OK"), "{text}");
            assert!(text.contains("affiliationChanged"), "{text}");
        }
        let dev = o.device(&w.clerk_a, dev.id).await.unwrap();
        // Wednesday 29 April + 5 working days: 4–8 May.
        assert_eq!(dev.return_due.as_deref(), Some("2026-05-08"), "{backend}");
        w.clock.set(datetime!(2026-05-11 09:00 +7));
        let dev = o.device(&w.clerk_a, dev.id).await.unwrap();
        assert_eq!(dev.return_status, Some(DueStatus::Overdue));
        let dev = o
            .record_handover(
                &w.clerk_a,
                dev.id,
                NewHandover {
                    method: HandoverMethod::Cipher,
                    tracking_number: None,
                    handed_on: "2026-05-11".into(),
                    from_party: "Sở Tài chính".into(),
                    to_party: "Cục Chứng thực số và Bảo mật thông tin".into(),
                    holder_id: None,
                    new_state: Some(DeviceState::Returned),
                    request_id: Some(rv.id),
                    note: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(dev.state, DeviceState::Returned);
        assert_eq!(dev.return_due, None);

        // A lost device: its certificate is revoked at once.
        let dev2 = o
            .register_device(
                &w.ca_operator,
                NewDevice {
                    serial: "SH-0002".into(),
                    model: "SoftHSM v2".into(),
                    module: "/usr/lib/softhsm/libsofthsm2.so".into(),
                    agency_id: w.agency_a,
                    holder_id: None,
                },
            )
            .await
            .unwrap();
        let r2 = issue_on(&w, "SH-0002").await;
        let serial2 = r2.issued_serial.unwrap();
        let e = o
            .report_loss(&w.clerk_b, dev2.id, "2026-05-11", "Mất khi đi công tác")
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "another agency's device");
        let dev2 = o
            .report_loss(&w.clerk_a, dev2.id, "2026-05-11", "Mất khi đi công tác")
            .await
            .unwrap();
        assert_eq!(dev2.state, DeviceState::Lost);
        assert_eq!(dev2.handovers[0].kind, "loss");
        let rec = o.ca().store().certificate(&serial2).await.unwrap().unwrap();
        assert_eq!(
            rec.status,
            kyso_store::CertificateStatus::Revoked,
            "{backend}"
        );
        if have_openssl() {
            let text = ocsp_status(o, dir.path(), &serial2).await;
            assert!(
                text.contains(": revoked") && text.contains("keyCompromise"),
                "{text}"
            );
        }
        let _ = (&w.agency_b, &w.subscriber);
    }
}
