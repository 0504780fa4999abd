//! The certificate desk's notices and reports (issue 12 §7–8) through the
//! office's use cases with the clock injected, on SQLite and (with
//! `KYSO_TEST_PG_URL`) PostgreSQL: an expiry notice reaches a local SMTP
//! sink (`aiosmtpd`, started on loopback) exactly once although two
//! replicas run the job twice; without SMTP configured notices stay
//! pending with the reason; a request left open past its deadline across
//! a holiday and a weekend shows as overdue.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::desk::{desk, form, send_by_letter};
use common::pyhanko_validate;
use kyso_crypto::{KeySpec, SoftwareKey};
use kyso_office::agency::SealKeySetup;
use kyso_office::desk::{
    chart_svg, report_csv, Approval, ChartKind, NewRequest, NoticeKind, NoticeState, ReportQuery,
    RequestKind, State,
};
use kyso_office::ErrorKind;
use kyso_pki::name::SubjectName;
use kyso_store::testing::test_stores;
use sha2::Digest;
use time::macros::datetime;

fn csr(key: &SoftwareKey, name: &str) -> String {
    use base64::Engine;
    let name = SubjectName {
        common_name: name.into(),
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

/// `aiosmtpd` on a loopback port, writing what it receives into a
/// maildir; stopped on drop.
struct SmtpSink {
    child: Child,
    port: u16,
    maildir: PathBuf,
    python: String,
}

impl SmtpSink {
    fn start(dir: &Path) -> Option<SmtpSink> {
        let python = match std::env::var("KYSO_TEST_PYTHON") {
            Ok(p) => p,
            Err(_) => {
                assert!(
                    std::env::var("KYSO_REQUIRE_PEERS").as_deref() != Ok("1"),
                    "KYSO_TEST_PYTHON is required by scripts/test.sh"
                );
                eprintln!("SKIP: KYSO_TEST_PYTHON unset: no SMTP sink");
                return None;
            }
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let maildir = dir.join("maildir");
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-u", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd (pip install aiosmtpd)");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "aiosmtpd did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(SmtpSink {
            child,
            port,
            maildir,
            python,
        })
    }

    /// (To, decoded Subject, decoded text body) of every mail received.
    fn mails(&self) -> Vec<(String, String, String)> {
        let script = r#"
import json, mailbox, sys
from email.header import decode_header, make_header
out = []
for m in mailbox.Maildir(sys.argv[1], create=False):
    body = m.get_payload(decode=True).decode(m.get_content_charset() or "utf-8")
    out.append([str(m["To"]), str(make_header(decode_header(m["Subject"]))), body])
print(json.dumps(out))
"#;
        let out = Command::new(&self.python)
            .args(["-c", script])
            .arg(&self.maildir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_once_and_overdue_in_reports() {
    for (backend, store) in test_stores().await {
        let w = desk(store).await;
        let o = &w.office;
        o.add_fixed_holidays(&w.admin, 2026).await.unwrap();

        // Two requests sent on Wednesday 29 April: 30 April and 1 May are
        // holidays, then the weekend — due Wednesday 6 May.
        let mut sent = Vec::new();
        for (name, email) in [
            ("Nguyễn Thị Lan", "lan@stc.ninhbinh.gov.vn"),
            ("Trần Văn Bình", "binh@stc.ninhbinh.gov.vn"),
        ] {
            let r = o
                .create_request(
                    &w.clerk_a,
                    NewRequest {
                        kind: RequestKind::IssuePerson,
                        agency_id: w.agency_a,
                        subscriber_id: None,
                        form: form(name, email),
                    },
                )
                .await
                .unwrap();
            o.confirm_request(&w.head_a, r.id).await.unwrap();
            let r = send_by_letter(&w, r.id).await;
            assert_eq!(r.due_date.as_deref(), Some("2026-05-06"), "{backend}");
            sent.push(r);
        }
        // The first is approved at once, valid 30 days (to 29 May).
        let key = SoftwareKey::generate(KeySpec::EcP256).unwrap();
        let lan = o
            .approve_request(
                &w.ca_operator,
                sent[0].id,
                Approval {
                    csr: Some(csr(&key, "Nguyễn Thị Lan")),
                    days: Some(30),
                    note: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(lan.state, State::Approved);
        let serial = lan.issued_serial.clone().unwrap();
        // The CA dates certificates by the system's clock, not the office's.
        let not_after = o
            .ca()
            .store()
            .certificate(&serial)
            .await
            .unwrap()
            .unwrap()
            .not_after
            .to_offset(time::macros::offset!(+7));
        let end_vn = format!(
            "{:02}/{:02}/{}",
            not_after.day(),
            u8::from(not_after.month()),
            not_after.year()
        );
        let overdue_id = sent[1].id;

        // Without SMTP: the state changes are logged, pending, with the
        // reason; nothing is dropped.
        let run = o.run_desk_notices(100).await.unwrap();
        assert!(run.queued >= 7, "{backend}: {run:?}");
        assert_eq!(run.sent, 0);
        assert_eq!(run.unsent_no_smtp, run.queued, "{backend}: {run:?}");
        let log = o.desk_notices(&w.ca_operator, 1000).await.unwrap();
        assert_eq!(log.len(), run.queued);
        assert!(log.iter().all(|n| n.kind == NoticeKind::State
            && n.state == NoticeState::Pending
            && n.last_error
                .as_deref()
                .unwrap()
                .contains("no SMTP configured")));
        assert!(log
            .iter()
            .any(|n| n.recipients.contains(&"stc@ninhbinh.gov.vn".to_string())));
        // Again: nothing new.
        assert_eq!(o.run_desk_notices(100).await.unwrap().queued, 0);
        // The managing organization of B sees none of A's notices; a
        // subscriber without a role there may not read the log.
        assert!(o.desk_notices(&w.clerk_b, 100).await.unwrap().is_empty());
        assert_eq!(
            o.desk_notices(&w.subscriber, 100).await.unwrap_err().kind,
            ErrorKind::Forbidden
        );

        // The report: Bình's request, due Wednesday 6 May, is overdue on
        // Friday 8 May by two working days and on Monday 11 May by three
        // (the weekend does not count).
        let period = ReportQuery {
            from: Some("2026-04-01".into()),
            to: Some("2026-05-31".into()),
            agency_id: None,
        };
        w.clock.set(datetime!(2026-05-08 10:00 +7));
        let r = o.desk_report(&w.ca_operator, &period).await.unwrap();
        let late: Vec<_> = r
            .overdue
            .iter()
            .map(|o| (o.id, o.working_days_late))
            .collect();
        assert_eq!(late, vec![(overdue_id, 2)], "{backend}");
        w.clock.set(datetime!(2026-05-11 10:00 +7));
        let r = o.desk_report(&w.ca_operator, &period).await.unwrap();
        assert_eq!(r.overdue[0].working_days_late, 3, "{backend}");
        assert_eq!(r.overdue[0].due_date, "2026-05-06");
        let issue = r
            .deadlines
            .iter()
            .find(|d| d.kind == RequestKind::IssuePerson)
            .unwrap();
        assert_eq!(
            (issue.on_time, issue.late, issue.overdue),
            (1, 0, 1),
            "{backend}"
        );
        let stc = r
            .certificates
            .iter()
            .find(|c| c.agency_id == w.agency_a)
            .unwrap();
        assert_eq!((stc.valid, stc.revoked), (1, 0), "{backend}");
        assert_eq!(
            r.expiring_30, 0,
            "{backend}: the CA's clock is months later"
        );
        assert!(r
            .requests
            .iter()
            .any(|q| q.state == State::Sent && q.count == 1));
        let csv = String::from_utf8(report_csv(&r).unwrap()).unwrap();
        assert!(
            csv.contains(&format!(
                "overdue,Sở Tài chính,issue_person,overdue,2026-05-06,3,#{overdue_id} Trần Văn Bình"
            )),
            "{csv}"
        );
        // The charts, drawn by plotters as SVG, name the agencies.
        for kind in ChartKind::ALL {
            let svg = chart_svg(&r, kind).unwrap();
            assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
            assert!(svg.contains("<rect"), "{kind:?}");
        }
        let svg = chart_svg(&r, ChartKind::Certificates).unwrap();
        assert!(svg.contains("Sở Tài chính"), "{svg}");
        assert!(chart_svg(&r, ChartKind::Deadlines)
            .unwrap()
            .contains("quá hạn / overdue"));
        // The PDF: laid out in Vietnamese, signed with the seal of the
        // CA's agency (province) or of the managing organization (its
        // own); pyHanko accepts it, pdftotext reads the figures back.
        let top = w.ca_operator.memberships[0].agency_id;
        let missing = o
            .desk_report_pdf(&w.ca_operator, &period)
            .await
            .unwrap_err();
        assert!(missing.en.contains("seal"), "{backend}: {missing:?}");
        for (who, agency) in [(&w.ca_operator, top), (&w.head_a, w.agency_a)] {
            o.set_seal_key(&w.admin, agency, SealKeySetup::Generate)
                .await
                .unwrap();
            let pdf = o.desk_report_pdf(who, &period).await.unwrap();
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("bao-cao.pdf");
            std::fs::write(&path, &pdf).unwrap();
            if let Some((ok, out)) = pyhanko_validate(o, &path) {
                assert!(ok, "{backend}: pyHanko: {out}");
                assert!(out.contains("The signature is judged VALID."), "{out}");
            }
            let text = Command::new("pdftotext")
                .args(["-layout"])
                .arg(&path)
                .arg("-")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&text.stdout);
            assert!(text.contains("BÁO CÁO TÌNH HÌNH CUNG CẤP"), "{text}");
            assert!(
                text.contains("từ ngày 01/04/2026 đến ngày 31/05/2026"),
                "{text}"
            );
            assert!(
                text.contains("Trần Văn Bình"),
                "{backend}: the overdue row: {text}"
            );
            assert!(text.contains("06/05/2026"), "{text}");
        }
        assert_eq!(
            o.desk_report_pdf(
                &w.clerk_b,
                &ReportQuery {
                    agency_id: Some(w.agency_a),
                    ..period.clone()
                }
            )
            .await
            .unwrap_err()
            .kind,
            ErrorKind::Forbidden
        );

        // The month's report made on the schedule and kept: two replicas
        // run the job at once on 11 May; April's report is kept once, for
        // the department (the body with a department administrator).
        let (r1, r2) = (w.replica(None), w.replica(None));
        let (a, b) = tokio::join!(r1.make_periodic_reports(), r2.make_periodic_reports());
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(
            a.failed.is_empty() && b.failed.is_empty(),
            "{backend}: {a:?} {b:?}"
        );
        let mut made: Vec<_> = a.kept.iter().chain(&b.kept).cloned().collect();
        made.sort();
        assert_eq!(made, vec![(top, "2026-04".to_string())], "{backend}");
        assert!(o.make_periodic_reports().await.unwrap().kept.is_empty());
        let kept = o.periodic_reports(&w.ca_operator).await.unwrap();
        assert_eq!(kept.len(), 1, "{backend}");
        assert_eq!(
            (kept[0].from.as_str(), kept[0].to.as_str()),
            ("2026-04-01", "2026-04-30")
        );
        let (view, pdf) = o.periodic_report_pdf(&w.admin, kept[0].id).await.unwrap();
        assert_eq!(view.sha256, hex::encode(sha2::Sha256::digest(&pdf)));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bao-cao-thang-4.pdf");
        std::fs::write(&path, &pdf).unwrap();
        if let Some((ok, out)) = pyhanko_validate(o, &path) {
            assert!(ok, "{backend}: pyHanko on the kept report: {out}");
        }
        let text = Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(
            text.contains("từ ngày 01/04/2026 đến ngày 30/04/2026"),
            "{text}"
        );
        // A managing organization lists none of the department's; a
        // drafter reads no kept report at all.
        assert!(o.periodic_reports(&w.head_a).await.unwrap().is_empty());
        for who in [&w.head_a, &w.subscriber] {
            let e = o.periodic_report_pdf(who, kept[0].id).await.unwrap_err();
            assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}");
        }
        assert_eq!(
            o.periodic_reports(&w.subscriber).await.unwrap_err().kind,
            ErrorKind::Forbidden
        );

        // The managing organization sees the same for its own agency;
        // another agency's report and bad periods are refused.
        let own = o.desk_report(&w.head_a, &period).await.unwrap();
        assert_eq!(own.overdue.len(), 1);
        assert_eq!(own.agencies, vec![w.agency_a]);
        let other = ReportQuery {
            agency_id: Some(w.agency_a),
            ..period.clone()
        };
        for who in [&w.clerk_b, &w.subscriber] {
            let e = o.desk_report(who, &other).await.unwrap_err();
            assert_eq!(e.kind, ErrorKind::Forbidden, "{backend}");
        }
        for (from, to) in [("2026-05-31", "2026-05-01"), ("2026-13-01", "2026-05-01")] {
            let bad = ReportQuery {
                from: Some(from.into()),
                to: Some(to.into()),
                agency_id: None,
            };
            let e = o.desk_report(&w.ca_operator, &bad).await.unwrap_err();
            assert_eq!(e.kind, ErrorKind::Invalid, "{backend}: {from} {to}");
        }

        // 14 days before Lan's certificate expires; Bình's request is
        // overdue (due 6 May). Two replicas with SMTP run the
        // job, twice each, at the same time.
        let Some(sink) = SmtpSink::start(w.dir.path()) else {
            return;
        };
        w.clock.set(not_after - time::Duration::days(14));
        let url = format!("smtp://127.0.0.1:{}", sink.port);
        let (r1, r2) = (w.replica(Some(url.clone())), w.replica(Some(url)));
        for _ in 0..2 {
            let (a, b) = tokio::join!(r1.run_desk_notices(100), r2.run_desk_notices(100));
            let (a, b) = (a.unwrap(), b.unwrap());
            assert_eq!(a.failed + b.failed, 0, "{backend}: {a:?} {b:?}");
        }
        let log = o.desk_notices(&w.ca_operator, 1000).await.unwrap();
        assert!(
            log.iter().all(|n| n.state == NoticeState::Sent),
            "{backend}: {log:?}"
        );
        let mails = sink.mails();
        assert_eq!(mails.len(), log.len(), "{backend}: one mail per notice");
        let expiry: Vec<_> = mails
            .iter()
            .filter(|m| m.1.contains("Certificate expires in 14 days"))
            .collect();
        assert_eq!(
            expiry.len(),
            1,
            "{backend}: exactly one expiry mail: {mails:?}"
        );
        let (to, subject, body) = expiry[0];
        assert!(subject.contains("Chứng thư số sắp hết hạn"), "{subject}");
        assert!(to.contains("lan@stc.ninhbinh.gov.vn"), "{to}");
        assert!(to.contains("stc@ninhbinh.gov.vn"), "{to}");
        assert!(body.contains(&serial) && body.contains(&end_vn), "{body}");
        let overdue: Vec<_> = mails
            .iter()
            .filter(|m| m.1.contains(&format!("Request {overdue_id} is overdue")))
            .collect();
        assert_eq!(overdue.len(), 1, "{backend}: {mails:?}");
        assert!(overdue[0].2.contains("06/05/2026"), "{}", overdue[0].2);
        assert_eq!(
            log.iter()
                .filter(|n| n.kind == NoticeKind::Expiry)
                .map(|n| (n.subject_ref.as_str(), n.threshold))
                .collect::<Vec<_>>(),
            vec![(serial.as_str(), 14)]
        );

        // Two days before: the 3-day warning, once more exactly once.
        w.clock.set(not_after - time::Duration::days(2));
        r1.run_desk_notices(100).await.unwrap();
        r2.run_desk_notices(100).await.unwrap();
        let mails = sink.mails();
        assert_eq!(
            mails
                .iter()
                .filter(|m| m.1.contains("Certificate expires in"))
                .count(),
            2,
            "{backend}"
        );
        assert_eq!(
            mails
                .iter()
                .filter(|m| m.1.contains("Certificate expires in 2 days"))
                .count(),
            1,
            "{backend}"
        );
        drop(sink);
    }
}
