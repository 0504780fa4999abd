//! Notifications (issue 11 §3): A's clerk issues a document to B and C;
//! B's and C's clerks are told it arrived (unread), D's people are told
//! nothing; B registers it, rejects nothing, assigns it to an officer who
//! is told; A's clerk (who drafted and sealed it) learns each recipient's
//! status but not of their own actions; a drafter learns their draft was
//! returned with the comment; marking read empties the unread count and a
//! later event is unread again; the header's count (htmx fragment) and the
//! page show the same. On SQLite, and on PostgreSQL when KYSO_TEST_PG_URL
//! is set.
mod common;
#[path = "common/office.rs"]
mod office;

use common::*;
use office::*;
use serde_json::{json, Value};

fn notes(api: &Api) -> Value {
    api.get("/api/v1/me/notifications")
        .expect(200, "notifications")
}

/// (kind, status) of each notification about document `id`, newest first.
fn about(n: &Value, id: i64) -> Vec<(String, String)> {
    n["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["document_id"] == id)
        .map(|x| {
            (
                x["kind"].as_str().unwrap().to_string(),
                x["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn arrivals_and_status_changes_are_notified_to_whom_they_concern() {
    for d in deployments() {
        let backend = d.backend;
        let p = Province::start(d, &["--login-rate", "1000"]);
        let anon = Api::new(&p.base, Auth::Anonymous);
        assert_eq!(anon.get("/api/v1/me/notifications").status, 401);

        let doc = p.issue_scan("Công văn về việc báo cáo số liệu quý IV");
        let id = doc["id"].as_i64().unwrap();

        // The recipients' clerks: arrived, unread, linked to their inbox.
        for clerk in ["vanthu.stc", "vanthu.syt"] {
            let n = notes(p.api(clerk));
            assert_eq!(
                about(&n, id),
                vec![("arrival".into(), "01".into())],
                "{backend}: {clerk}: {n}"
            );
            assert_eq!(n["unread"], 1, "{backend}: {clerk}: {n}");
            let item = &n["items"][0];
            assert_eq!(item["unread"], true);
            assert!(
                item["link"].as_str().unwrap().starts_with("/inbox/"),
                "{item}"
            );
            assert!(
                item["agency_name"].as_str().unwrap().contains("Ninh Bình"),
                "{item}"
            );
        }
        // Nobody else: another agency's people, B's IT officer, the sender
        // for their own issuing.
        for user in ["noivu.vanthu", "noivu.thutruong", "cntt.stc", "vanthu"] {
            let n = notes(p.api(user));
            assert!(about(&n, id).is_empty(), "{backend}: {user}: {n}");
        }

        // B registers and assigns; the officer is told, A's clerk learns
        // both statuses of B.
        let clerk_b = p.api("vanthu.stc");
        let inc = clerk_b.get("/api/v1/inbox").expect(200, "inbox B")[0]["id"]
            .as_i64()
            .unwrap();
        clerk_b
            .post_empty(&format!("/api/v1/inbox/{inc}/register"))
            .expect(200, "register");
        p.api("giamdoc.stc")
            .post(
                &format!("/api/v1/inbox/{inc}/assign"),
                json!({"person_id": p.id("chuyenvien.stc"), "note": "Tổng hợp trước thứ Sáu"}),
            )
            .expect(200, "assign");
        let officer = notes(p.api("chuyenvien.stc"));
        let assigned = &officer["items"][0];
        assert_eq!(assigned["kind"], "assigned", "{backend}: {officer}");
        assert!(
            assigned["note"]
                .as_str()
                .unwrap()
                .ends_with("Tổng hợp trước thứ Sáu"),
            "{assigned}"
        );
        assert_eq!(assigned["link"], format!("/inbox/{inc}").as_str());
        let sender = notes(p.api("vanthu"));
        assert_eq!(
            about(&sender, id),
            vec![
                ("status".into(), "04".into()),
                ("status".into(), "03".into())
            ],
            "{backend}: {sender}"
        );
        assert!(sender["items"][0]["agency_name"]
            .as_str()
            .unwrap()
            .contains("Tài chính"));
        // B's clerk does not hear of their own registering.
        let b = notes(clerk_b);
        assert_eq!(
            about(&b, id),
            vec![("arrival".into(), "01".into())],
            "{backend}: {b}"
        );

        // Marked read: nothing unread; the next event is unread again.
        let sender_api = p.api("vanthu");
        assert_eq!(sender["unread"], 2, "{sender}");
        sender_api
            .post_empty("/api/v1/me/notifications/seen")
            .expect(204, "seen");
        assert_eq!(notes(sender_api)["unread"], 0);
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let clerk_c = p.api("vanthu.syt");
        let inc_c = clerk_c.get("/api/v1/inbox").expect(200, "inbox C")[0]["id"]
            .as_i64()
            .unwrap();
        clerk_c
            .post(
                &format!("/api/v1/inbox/{inc_c}/reject"),
                json!({"reason": "Không thuộc thẩm quyền"}),
            )
            .expect(200, "reject");
        let again = notes(sender_api);
        assert_eq!(again["unread"], 1, "{backend}: {again}");
        assert_eq!(again["items"][0]["status"], "02");
        assert!(
            again["items"][0]["note"]
                .as_str()
                .unwrap()
                .contains("Không thuộc thẩm quyền"),
            "{again}"
        );

        // A drafter learns their draft came back, with the comment.
        let draft = p.draft("Dự thảo tờ trình");
        p.api("chuyenvien")
            .post_empty(&format!("/api/v1/documents/{draft}/submit"))
            .expect(200, "submit");
        p.api("chutich")
            .post(
                &format!("/api/v1/documents/{draft}/return"),
                json!({"comment": "Bổ sung số liệu quý III"}),
            )
            .expect(200, "return");
        let drafter = notes(p.api("chuyenvien"));
        let back = &drafter["items"][0];
        assert_eq!(back["kind"], "returned", "{backend}: {drafter}");
        assert_eq!(back["note"], "Bổ sung số liệu quý III");
        assert_eq!(back["link"], format!("/documents/{draft}").as_str());

        // The web office: the header's count and the page.
        let web = Api::login(&p.base, "vanthu.stc");
        let count = web.get("/notifications/count");
        assert_eq!(count.status, 200);
        assert!(count.text().contains(">1<"), "{backend}: {}", count.text());
        let page = web.get("/notifications");
        let t = page.text();
        assert!(t.contains("data-kind=\"arrival\""), "{t}");
        assert!(t.contains("Công văn về việc báo cáo số liệu quý IV"), "{t}");
        assert!(t.contains("mark-seen"), "{t}");
        clerk_b
            .post_empty("/api/v1/me/notifications/seen")
            .expect(204, "seen");
        assert!(!web.get("/notifications/count").text().contains("count"));
        assert!(!web.get("/notifications").text().contains("mark-seen"));
    }
}
