//! People, custody and dossiers at the certificate desk (issue 12 §5–6),
//! on SQLite and (with `KYSO_TEST_PG_URL`) PostgreSQL: a person moving
//! inside the state sector (an information change request) and leaving it
//! (a revocation request per certificate, devices due back in 5 working
//! days over a holiday and a weekend, overdue in the report after); the
//! organization token's change of custodian refused without a sealed
//! record and accepted with one (pyHanko checks the record); dossier
//! searches and the ZIP whose manifest the test recomputes; refusals for
//! another agency's person that change nothing.

mod common;

use std::collections::BTreeMap;
use std::io::Read;

use common::desk::{csr, desk, issue_on, send_by_letter, snapshot, Desk};
use common::pyhanko_validate;
use kyso_crypto::{KeySpec, SoftwareKey};
use kyso_office::agency::SealKeySetup;
use kyso_office::desk::{
    Approval, CustodianChange, Departure, DeviceState, DueStatus, HandoverMethod, NewDevice,
    NewHandover, NewRequest, ReportQuery, RequestFilter, RequestKind, RequestView, State, Transfer,
};
use kyso_office::{ErrorKind, Office};
use kyso_pki::RevocationReason;
use kyso_store::testing::test_stores;
use sha2::{Digest, Sha256};
use time::macros::datetime;

/// Rows of `desk_custody`.
async fn custody_rows(o: &Office) -> i64 {
    use kyso_store::sea_orm::{EntityTrait, PaginatorTrait};
    kyso_store::desk::desk_custody::Entity::find()
        .count(o.store().connection())
        .await
        .unwrap() as i64
}

async fn register(w: &Desk, serial: &str) -> i64 {
    w.office
        .register_device(
            &w.ca_operator,
            NewDevice {
                serial: serial.into(),
                model: "SoftHSM v2".into(),
                module: "/usr/lib/softhsm/libsofthsm2.so".into(),
                agency_id: w.agency_a,
                holder_id: None,
            },
        )
        .await
        .unwrap()
        .id
}

fn handover(from: &str, to: &str, holder: Option<i64>, state: Option<DeviceState>) -> NewHandover {
    NewHandover {
        method: HandoverMethod::InPerson,
        tracking_number: None,
        handed_on: "2026-04-29".into(),
        from_party: from.into(),
        to_party: to.into(),
        holder_id: holder,
        new_state: state,
        request_id: None,
        note: None,
    }
}

/// The organization's seal certificate onto token `serial`, held by
/// agency A's head.
async fn issue_organization(w: &Desk, serial: &str) -> RequestView {
    let o = &w.office;
    let mut f = form("Sở Tài chính tỉnh Ninh Bình");
    f.identity_number = "2700123456".into();
    f.email = "stc@ninhbinh.gov.vn".into();
    f.token_serial = Some(serial.into());
    let r = o
        .create_request(
            &w.clerk_a,
            NewRequest {
                kind: RequestKind::IssueOrganization,
                agency_id: w.agency_a,
                subscriber_id: None,
                form: f,
            },
        )
        .await
        .unwrap();
    o.confirm_request(&w.head_a, r.id).await.unwrap();
    send_by_letter(w, r.id).await;
    let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
    o.approve_request(
        &w.ca_operator,
        r.id,
        Approval {
            csr: Some(csr(&key)),
            ..Approval::default()
        },
    )
    .await
    .unwrap()
}

/// The members of a ZIP by name.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        let name = f.name().unwrap().to_string();
        out.insert(name, b);
    }
    out
}

/// A manifest's row: path, SHA-256, size.
type Row = (String, String, u64);

/// `manifest.xml`'s root attributes and its rows.
fn manifest(xml: &[u8]) -> (BTreeMap<String, String>, Vec<Row>) {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut root = BTreeMap::new();
    let mut rows = Vec::new();
    loop {
        match r.read_event_into(&mut buf).unwrap() {
            Event::Start(e) if e.name().as_ref() == b"manifest" => {
                for a in e.attributes() {
                    let a = a.unwrap();
                    root.insert(
                        String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                        String::from_utf8(a.value.to_vec()).unwrap(),
                    );
                }
            }
            Event::Empty(e) if e.name().as_ref() == b"file" => {
                let get = |k: &str| {
                    e.try_get_attribute(k)
                        .unwrap()
                        .unwrap()
                        .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                        .unwrap()
                        .into_owned()
                };
                rows.push((get("path"), get("sha256"), get("size").parse().unwrap()));
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    (root, rows)
}

/// Every member but the manifest is listed once with its SHA-256 and
/// size, recomputed here; the members by name.
fn checked_zip(bytes: &[u8]) -> (BTreeMap<String, String>, BTreeMap<String, Vec<u8>>) {
    let files = unzip(bytes);
    let (root, rows) = manifest(&files["manifest.xml"]);
    let listed: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let members: Vec<&str> = files
        .keys()
        .map(String::as_str)
        .filter(|n| *n != "manifest.xml")
        .collect();
    let mut sorted = listed.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, members, "the manifest lists every member, once");
    for (path, sha, size) in &rows {
        let b = &files[path];
        assert_eq!(hex::encode(Sha256::digest(b)), *sha, "{path}");
        assert_eq!(b.len() as u64, *size, "{path}");
    }
    (root, files)
}

async fn ids(o: &Office, w: &Desk, f: RequestFilter) -> Vec<i64> {
    let mut v: Vec<i64> = o
        .desk_requests(&w.ca_operator, &f)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    v.sort_unstable();
    v
}

/// Lan's form (the subscriber of agency A).
fn form(name: &str) -> kyso_office::desk::RequestForm {
    common::desk::form(name, "lan@stc.ninhbinh.gov.vn")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_custody_and_dossiers() {
    for (backend, store) in test_stores().await {
        let w = desk(store).await;
        let o = &w.office;
        o.add_fixed_holidays(&w.admin, 2026).await.unwrap();
        o.set_seal_key(&w.admin, w.agency_a, SealKeySetup::Generate)
            .await
            .unwrap();

        // The subscriber's certificate on their token, handed over with a
        // sealed record.
        let dev = register(&w, "SH-0101").await;
        let issued = issue_on(&w, "SH-0101").await;
        let serial = issued.issued_serial.clone().unwrap();
        let mut h = handover(
            "Cục Chứng thực số và Bảo mật thông tin",
            "Nguyễn Thị Lan",
            None,
            Some(DeviceState::InUse),
        );
        h.request_id = Some(issued.id);
        let d = o.record_handover(&w.clerk_a, dev, h).await.unwrap();
        let delivery = d.handovers[0].id;
        o.handover_record(&w.clerk_a, dev, delivery).await.unwrap();
        o.complete_request(&w.clerk_a, issued.id, None)
            .await
            .unwrap();

        // Another agency's clerk reports nothing about agency A's people;
        // the subscriber reports nothing about themselves: nothing changes.
        let before = snapshot(o).await;
        let leave = |agency| Departure {
            agency_id: agency,
            revocation_reason: None,
            reason: "Nghỉ hưu theo Quyết định số 12/QĐ-STC".into(),
            identity_number: None,
        };
        let move_to = |agency, to| Transfer {
            agency_id: agency,
            new_agency_id: to,
            new_position: "Phó Giám đốc".into(),
            reason: "Quyết định điều động số 7/QĐ-UBND".into(),
            identity_number: None,
        };
        for (who, agency) in [
            (&w.clerk_b, w.agency_a),
            (&w.clerk_b, w.agency_b),
            (&w.subscriber, w.agency_a),
        ] {
            let e = o
                .person_leaves(who, w.subscriber.person_id, leave(agency))
                .await
                .unwrap_err();
            assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}: {e:?}");
            let e = o
                .person_transfers(who, w.subscriber.person_id, move_to(agency, w.agency_b))
                .await
                .unwrap_err();
            assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}: {e:?}");
        }
        let e = o
            .person_leaves(&w.clerk_b, w.subscriber.person_id, leave(w.agency_b))
            .await
            .unwrap_err();
        assert!(e.vi.contains("không thuộc cơ quan của bạn"), "{}", e.vi);
        assert_eq!(
            snapshot(o).await,
            before,
            "{backend}: refusals wrote nothing"
        );
        assert_eq!(
            o.device(&w.clerk_a, dev).await.unwrap().return_due,
            None,
            "{backend}"
        );

        // A transfer inside the sector: an information change request under
        // the new agency, with the new position.
        let t = o
            .person_transfers(
                &w.clerk_a,
                w.subscriber.person_id,
                move_to(w.agency_a, w.agency_b),
            )
            .await
            .unwrap();
        assert_eq!(t.requests.len(), 1, "{backend}");
        let change = &t.requests[0];
        assert_eq!(change.kind, RequestKind::Change);
        assert_eq!(change.state, State::Submitted);
        assert_eq!(change.agency_id, w.agency_b, "{backend}");
        assert_eq!(change.subscriber_id, Some(w.subscriber.person_id));
        assert_eq!(change.form.position, "Phó Giám đốc");
        assert_eq!(
            change.form.certificate_serial.as_deref(),
            Some(serial.as_str())
        );
        assert_eq!(change.form.identity_number, "037190001234");
        assert!(
            change.form.reason.contains("Sở Y tế"),
            "{}",
            change.form.reason
        );
        // Once only while it is open.
        let again = o
            .person_transfers(
                &w.clerk_a,
                w.subscriber.person_id,
                move_to(w.agency_a, w.agency_b),
            )
            .await
            .unwrap();
        assert!(again.requests.is_empty(), "{backend}");
        let change_id = change.id;
        // The transfer is called off: its creator cancels the request.
        o.cancel_request(&w.clerk_a, change_id).await.unwrap();

        // The subscriber leaves on Wednesday 29 April: a revocation request
        // (cessationOfOperation) and the token due back within 5 working
        // days — 30 April and 1 May are holidays, then the weekend: Friday
        // 8 May.
        let before = snapshot(o).await;
        let left = o
            .person_leaves(&w.clerk_a, w.subscriber.person_id, leave(w.agency_a))
            .await
            .unwrap();
        assert_eq!(left.requests.len(), 1, "{backend}");
        let revoke = &left.requests[0];
        assert_eq!(revoke.kind, RequestKind::Revoke);
        assert_eq!(revoke.state, State::Submitted);
        assert_eq!(revoke.created_by, w.clerk_a.person_id);
        assert_eq!(
            revoke.form.revocation_reason.as_deref(),
            Some(RevocationReason::CessationOfOperation.vietnamese())
        );
        assert_eq!(
            revoke.form.certificate_serial.as_deref(),
            Some(serial.as_str())
        );
        assert_eq!(left.devices.len(), 1, "{backend}");
        assert_eq!(left.devices[0].id, dev);
        assert_eq!(left.devices[0].return_due.as_deref(), Some("2026-05-08"));
        let (r0, e0, c0, d0) = before;
        assert_eq!(snapshot(o).await, (r0 + 1, e0 + 1, c0, d0), "{backend}");
        let d = o.device(&w.clerk_a, dev).await.unwrap();
        assert_eq!(d.return_due.as_deref(), Some("2026-05-08"), "{backend}");
        assert_eq!(d.return_status, Some(DueStatus::OnTime));
        // Said twice, nothing new.
        let twice = o
            .person_leaves(&w.clerk_a, w.subscriber.person_id, leave(w.agency_a))
            .await
            .unwrap();
        assert!(twice.requests.is_empty(), "{backend}");
        // The revocation travels like any request and is decided.
        let revoke_id = revoke.id;
        o.confirm_request(&w.head_a, revoke_id).await.unwrap();
        send_by_letter(&w, revoke_id).await;
        let rv = o
            .approve_request(&w.ca_operator, revoke_id, Approval::default())
            .await
            .unwrap();
        assert_eq!(rv.state, State::Approved, "{backend}");
        let rec = o.ca().store().certificate(&serial).await.unwrap().unwrap();
        assert_eq!(rec.status, kyso_store::CertificateStatus::Revoked);

        // The organization's token: issued, handed to the head in person.
        let org_dev = register(&w, "ORG-0001").await;
        let org = issue_organization(&w, "ORG-0001").await;
        assert_eq!(org.state, State::Approved, "{backend}");
        let d = o
            .record_handover(
                &w.clerk_a,
                org_dev,
                handover(
                    "Cục Chứng thực số và Bảo mật thông tin",
                    "Hoàng Văn Em",
                    Some(w.head_a.person_id),
                    Some(DeviceState::InUse),
                ),
            )
            .await
            .unwrap();
        assert_eq!(d.holder_id, Some(w.head_a.person_id));
        // It passes to the clerk: not by a bare handover, not without the
        // sealed record; nothing changes.
        let e = o
            .record_handover(
                &w.clerk_a,
                org_dev,
                handover(
                    "Hoàng Văn Em",
                    "Phạm Văn Dũng",
                    Some(w.clerk_a.person_id),
                    None,
                ),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "sealed-record-required", "{backend}: {e:?}");
        let d = o
            .record_handover(
                &w.clerk_a,
                org_dev,
                handover("Hoàng Văn Em", "Phạm Văn Dũng", None, None),
            )
            .await
            .unwrap();
        let pass = d.handovers.last().unwrap().id;
        let change = CustodianChange {
            handover_id: pass,
            custodian_id: w.clerk_a.person_id,
        };
        let e = o
            .change_custodian(&w.clerk_a, org_dev, change.clone())
            .await
            .unwrap_err();
        assert_eq!(e.code, "sealed-record-required", "{backend}");
        assert!(e.vi.contains("biên bản bàn giao"), "{}", e.vi);
        assert!(e.en.contains("sealed"), "{}", e.en);
        assert_eq!(custody_rows(o).await, 0);
        assert_eq!(
            o.device(&w.clerk_a, org_dev).await.unwrap().holder_id,
            Some(w.head_a.person_id),
            "{backend}: unchanged"
        );
        // The record, sealed with the managing organization's key; pyHanko
        // accepts it.
        let pdf = o.handover_record(&w.clerk_a, org_dev, pass).await.unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("bien-ban-giao-nguoi-giu.pdf");
        std::fs::write(&path, &pdf).unwrap();
        if let Some((ok, out)) = pyhanko_validate(o, &path) {
            assert!(ok, "{backend}: pyHanko: {out}");
            assert!(out.contains("The signature is judged VALID."), "{out}");
        }
        // Not another agency's clerk, not someone without the role.
        let e = o
            .change_custodian(&w.clerk_b, org_dev, change.clone())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "{backend}");
        let e = o
            .change_custodian(&w.subscriber, org_dev, change.clone())
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}");
        // A personal token is never handed on.
        let e = o
            .change_custodian(
                &w.clerk_a,
                dev,
                CustodianChange {
                    handover_id: delivery,
                    custodian_id: w.clerk_a.person_id,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "personal-token", "{backend}");
        assert_eq!(custody_rows(o).await, 0);
        let d = o
            .change_custodian(&w.clerk_a, org_dev, change.clone())
            .await
            .unwrap();
        assert_eq!(d.holder_id, Some(w.clerk_a.person_id), "{backend}");
        let kept = o.custody_changes(&w.head_a, org_dev).await.unwrap();
        assert_eq!(kept.len(), 1, "{backend}");
        assert_eq!(kept[0].old_holder_id, Some(w.head_a.person_id));
        assert_eq!(kept[0].old_holder_name.as_deref(), Some("Hoàng Văn Em"));
        assert_eq!(kept[0].new_holder_id, w.clerk_a.person_id);
        assert_eq!(kept[0].record_sha256, hex::encode(Sha256::digest(&pdf)));
        // A record serves one change only.
        let e = o
            .change_custodian(
                &w.clerk_a,
                org_dev,
                CustodianChange {
                    handover_id: pass,
                    custodian_id: w.head_a.person_id,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "record-used", "{backend}");
        // The token is lost later: a loss record, sealed too.
        let d = o
            .report_loss(&w.clerk_a, org_dev, "2026-04-29", "Mất khi đi công tác")
            .await
            .unwrap();
        let loss = d.handovers.last().unwrap().id;
        o.handover_record(&w.clerk_a, org_dev, loss).await.unwrap();

        // A request left open: three working days from 29 April end on
        // Wednesday 6 May.
        let open = o
            .create_request(
                &w.subscriber,
                NewRequest {
                    kind: RequestKind::IssuePerson,
                    agency_id: w.agency_a,
                    subscriber_id: Some(w.subscriber.person_id),
                    form: form("Nguyễn Thị Lan"),
                },
            )
            .await
            .unwrap();
        o.confirm_request(&w.head_a, open.id).await.unwrap();
        let open = send_by_letter(&w, open.id).await;
        assert_eq!(open.due_date.as_deref(), Some("2026-05-06"));

        // Searches: by person, name (accents ignored), identity number,
        // agency, kind, state, deadline and period.
        let mut mine = vec![issued.id, change_id, revoke_id, open.id];
        mine.sort_unstable();
        let by = |f: RequestFilter| ids(o, &w, f);
        assert_eq!(
            by(RequestFilter {
                person_id: Some(w.subscriber.person_id),
                ..Default::default()
            })
            .await,
            mine,
            "{backend}"
        );
        assert_eq!(
            by(RequestFilter {
                name: Some("nguyen thi LAN".into()),
                ..Default::default()
            })
            .await,
            mine,
            "{backend}"
        );
        assert_eq!(
            by(RequestFilter {
                name: Some("2700123456".into()),
                ..Default::default()
            })
            .await,
            vec![org.id],
            "{backend}"
        );
        assert_eq!(
            by(RequestFilter {
                agency_id: Some(w.agency_b),
                ..Default::default()
            })
            .await,
            vec![change_id],
            "{backend}"
        );
        assert_eq!(
            by(RequestFilter {
                kind: Some(RequestKind::Revoke),
                ..Default::default()
            })
            .await,
            vec![revoke_id]
        );
        assert_eq!(
            by(RequestFilter {
                state: Some(State::Cancelled),
                ..Default::default()
            })
            .await,
            vec![change_id]
        );
        assert_eq!(
            by(RequestFilter {
                deadline: Some(DueStatus::OnTime),
                ..Default::default()
            })
            .await,
            vec![open.id],
            "{backend}"
        );
        assert!(by(RequestFilter {
            from: Some("2026-04-30".into()),
            ..Default::default()
        })
        .await
        .is_empty());
        assert_eq!(
            by(RequestFilter {
                from: Some("2026-04-29".into()),
                to: Some("2026-04-29".into()),
                ..Default::default()
            })
            .await
            .len(),
            5
        );
        w.clock.set(datetime!(2026-05-06 10:00 +7));
        assert_eq!(
            by(RequestFilter {
                deadline: Some(DueStatus::DueToday),
                ..Default::default()
            })
            .await,
            vec![open.id],
            "{backend}"
        );
        assert!(by(RequestFilter {
            deadline: Some(DueStatus::Overdue),
            ..Default::default()
        })
        .await
        .is_empty());

        // Monday 11 May: the request is overdue, and so is the token (due
        // Friday 8 May, one working day late), in the search and the report.
        w.clock.set(datetime!(2026-05-11 09:00 +7));
        assert_eq!(
            by(RequestFilter {
                deadline: Some(DueStatus::Overdue),
                ..Default::default()
            })
            .await,
            vec![open.id],
            "{backend}"
        );
        let d = o.device(&w.clerk_a, dev).await.unwrap();
        assert_eq!(d.return_status, Some(DueStatus::Overdue), "{backend}");
        let report = o
            .desk_report(&w.ca_operator, &ReportQuery::default())
            .await
            .unwrap();
        assert_eq!(report.overdue_returns.len(), 1, "{backend}");
        let late = &report.overdue_returns[0];
        assert_eq!(
            (
                late.device_id,
                late.return_due.as_str(),
                late.working_days_late
            ),
            (dev, "2026-05-08", 1)
        );
        let csv = String::from_utf8(kyso_office::desk::report_csv(&report).unwrap()).unwrap();
        assert!(csv.contains("overdue_returns"), "{csv}");
        assert!(csv.contains("SH-0101"), "{csv}");

        // One request's dossier: its manifest recomputed, every part there.
        let before = snapshot(o).await;
        let e = o
            .request_dossier(&w.subscriber, issued.id, std::io::Cursor::new(Vec::new()))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}: the subscriber");
        let e = o
            .request_dossier(&w.clerk_b, issued.id, std::io::Cursor::new(Vec::new()))
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "{backend}: another agency");
        let e = o
            .search_dossiers(
                &w.subscriber,
                &RequestFilter::default(),
                std::io::Cursor::new(Vec::new()),
            )
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}");
        assert_eq!(snapshot(o).await, before, "{backend}");

        let mut out = std::io::Cursor::new(Vec::new());
        let rep = o
            .request_dossier(&w.head_a, issued.id, &mut out)
            .await
            .unwrap();
        assert_eq!(rep.requests, 1);
        let (root, files) = checked_zip(out.get_ref());
        assert_eq!(root.get("requests").map(String::as_str), Some("1"));
        assert_eq!(rep.files, files.len() - 1, "{backend}");
        let dir = format!("requests/{}", issued.id);
        for part in [
            "form.json",
            "request.json",
            "decision.json",
            "audit.jsonl",
            &format!("certificates/{serial}.der"),
            &format!("certificates/{serial}.pem"),
            &format!("handovers/{delivery}-handover.json"),
            &format!("handovers/{delivery}-handover.pdf"),
            "letter.pdf",
        ] {
            assert!(
                files.contains_key(&format!("{dir}/{part}")),
                "{backend}: {part} in {:?}",
                files.keys().collect::<Vec<_>>()
            );
        }
        let form_json: serde_json::Value =
            serde_json::from_slice(&files[&format!("{dir}/form.json")]).unwrap();
        assert_eq!(form_json["form"]["full_name"], "Nguyễn Thị Lan");
        let decision: serde_json::Value =
            serde_json::from_slice(&files[&format!("{dir}/decision.json")]).unwrap();
        assert_eq!(decision["issued_serial"], serial.as_str());
        assert_eq!(decision["state"], "completed");
        let der = &files[&format!("{dir}/certificates/{serial}.der")];
        assert_eq!(der, &rec.der, "{backend}");
        let audit = String::from_utf8(files[&format!("{dir}/audit.jsonl")].clone()).unwrap();
        let actions: Vec<String> = audit
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["action"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        for a in [
            "desk.request.create",
            "desk.request.confirm",
            "desk.request.send",
            "desk.request.approve",
            "desk.request.complete",
            "desk.device.record",
        ] {
            assert!(
                actions.iter().any(|x| x == a),
                "{backend}: {a} in {actions:?}"
            );
        }
        let record = &files[&format!("{dir}/handovers/{delivery}-handover.pdf")];
        assert!(record.starts_with(b"%PDF"), "{backend}");
        // The letter as issued: the approver's signature and the seal.
        let letter = tmp.path().join("cong-van-de-nghi.pdf");
        std::fs::write(&letter, &files[&format!("{dir}/letter.pdf")]).unwrap();
        if let Some((ok, said)) = pyhanko_validate(o, &letter) {
            assert!(ok, "{backend}: pyHanko on the dossier's letter: {said}");
            assert_eq!(said.matches("judged VALID").count(), 2, "{said}");
        }

        // The organization request's dossier holds the loss record.
        let mut out = std::io::Cursor::new(Vec::new());
        o.request_dossier(&w.ca_operator, org.id, &mut out)
            .await
            .unwrap();
        let (_, files) = checked_zip(out.get_ref());
        let dir = format!("requests/{}", org.id);
        assert!(
            files.contains_key(&format!("{dir}/handovers/{loss}-loss.json"))
                && files.contains_key(&format!("{dir}/handovers/{loss}-loss.pdf")),
            "{backend}: {:?}",
            files.keys().collect::<Vec<_>>()
        );

        // A search's dossiers in one ZIP.
        let mut out = std::io::Cursor::new(Vec::new());
        let rep = o
            .search_dossiers(
                &w.admin,
                &RequestFilter {
                    person_id: Some(w.subscriber.person_id),
                    ..Default::default()
                },
                &mut out,
            )
            .await
            .unwrap();
        assert_eq!(rep.requests, mine.len(), "{backend}");
        let (root, files) = checked_zip(out.get_ref());
        assert_eq!(
            root.get("requests").map(String::as_str),
            Some(mine.len().to_string().as_str())
        );
        for id in &mine {
            assert!(files.contains_key(&format!("requests/{id}/form.json")));
        }
        let index: serde_json::Value = serde_json::from_slice(&files["dossier.json"]).unwrap();
        assert_eq!(index["filter"]["person_id"], w.subscriber.person_id);
        // Every export is in the audit chain, which stays unbroken.
        let audit = o.verify_audit().await.unwrap();
        assert!(audit.chain.broken.is_none(), "{backend}");
        drop(w.dir);
    }
}
