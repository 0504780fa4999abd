//! The HTTP layer in process (no socket): security headers, request ids,
//! the error shape, sessions with CSRF, API tokens, the login rate limit,
//! the login form and the signing page's login. The office runs on a
//! fresh SQLite store; the flows end to end over a real socket, on SQLite
//! and PostgreSQL, are in crates/kyso/tests/office_api.rs.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, Response};
use axum::Router;
use kyso_ca::{Ca, CaConfig, InitOptions};
use kyso_crypto::KeySpec;
use kyso_office::agency::NewAgency;
use kyso_office::{Office, OfficeConfig, SystemClock};
use kyso_server::AppState;
use kyso_store::BlobStore;
use serde_json::{json, Value};
use tower::ServiceExt;

const PASSWORD: &str = "mật khẩu thử nghiệm 2026";

struct Site {
    state: AppState,
    _dir: tempfile::TempDir,
}

async fn site() -> Site {
    let store = kyso_store::testing::sqlite_store().await;
    let dir = tempfile::tempdir().unwrap();
    let fast = InitOptions {
        root_key: KeySpec::EcP256,
        issuing_key: KeySpec::EcP256,
        tsa_key: KeySpec::EcP256,
        ocsp_key: KeySpec::EcP256,
        ..InitOptions::default()
    };
    let ca = Arc::new(
        Ca::init(store.clone(), CaConfig::default(), b"ca password", &fast)
            .await
            .unwrap(),
    );
    let office = Arc::new(
        Office::new(
            store,
            BlobStore::local(&dir.path().join("blobs")).unwrap(),
            ca.clone(),
            OfficeConfig::new(
                dir.path().to_path_buf(),
                b"key password".to_vec(),
                "http://127.0.0.1:8080".into(),
            ),
            Arc::new(SystemClock),
        )
        .unwrap(),
    );
    office
        .bootstrap(
            NewAgency {
                parent_id: None,
                code: "000.00.00.H45".into(),
                name: "Ủy ban nhân dân tỉnh Ninh Bình".into(),
                short_name: "UBND".into(),
                level: "province".into(),
                email: String::new(),
                address: String::new(),
                phone: String::new(),
            },
            "quantri",
            "Quản trị hệ thống",
            PASSWORD,
        )
        .await
        .unwrap();
    Site {
        state: AppState::new(office, ca),
        _dir: dir,
    }
}

fn app(state: &AppState) -> Router {
    kyso_server::router(state.clone())
}

/// Sends `req` from 192.0.2.1; returns the answer and its body.
async fn send(app: &Router, mut req: Request<Body>) -> (Response<()>, Vec<u8>) {
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 5555))));
    let resp = app.clone().oneshot(req).await.unwrap();
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (Response::from_parts(parts, ()), bytes.to_vec())
}

fn json_of(b: &[u8]) -> Value {
    serde_json::from_slice(b).unwrap_or(Value::Null)
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn post_json(uri: &str) -> axum::http::request::Builder {
    Request::post(uri).header(header::CONTENT_TYPE, "application/json")
}

/// Logs in through the API: (cookie header value, csrf).
async fn login(app: &Router) -> (String, String) {
    let body = json!({"username": "quantri", "password": PASSWORD});
    let (r, b) = send(
        app,
        post_json("/api/v1/auth/login")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", String::from_utf8_lossy(&b));
    let set = r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"));
    let cookie = set.split(';').next().unwrap().to_string();
    let v = json_of(&b);
    assert_eq!(v["me"]["username"], "quantri");
    assert_eq!(v["me"]["memberships"][0]["role"], "dept_admin");
    (cookie, v["csrf"].as_str().unwrap().to_string())
}

/// Sends `req`, expects the error `status` and `code`; the answer's headers.
async fn refused(app: &Router, req: Request<Body>, status: u16, code: &str) -> Response<()> {
    let (r, b) = send(app, req).await;
    assert_eq!(r.status(), status, "{}", String::from_utf8_lossy(&b));
    assert_error(&b, code);
    r
}

fn assert_error(b: &[u8], code: &str) -> Value {
    let v = json_of(b);
    assert_eq!(v["error"], code, "{v}");
    for k in ["message", "message_vi", "message_en", "request_id"] {
        assert!(v[k].as_str().is_some_and(|s| !s.is_empty()), "{k} in {v}");
    }
    assert_eq!(
        v["message"].as_str().unwrap(),
        format!(
            "{} / {}",
            v["message_vi"].as_str().unwrap(),
            v["message_en"].as_str().unwrap()
        )
    );
    v
}

#[tokio::test]
async fn security_headers_request_ids_and_the_error_shape() {
    let s = site().await;
    let app = app(&s.state);
    for uri in [
        "/api/v1/me",
        "/api/docs",
        "/healthz",
        "/api/openapi.json",
        "/login",
    ] {
        let (r, _) = send(&app, get(uri)).await;
        let h = r.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{uri}: {csp}");
        assert!(csp.contains("script-src 'self'") && csp.contains("style-src 'self'"));
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY", "{uri}");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
        assert!(!h.contains_key(header::STRICT_TRANSPORT_SECURITY), "no TLS");
        assert_eq!(h["x-request-id"].len(), 24, "{uri}");
    }
    // Pages carry no inline script or style: their files come from here.
    let (_, page) = send(&app, get("/api/docs")).await;
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("<script src=\"/static/api-docs.js\""));
    assert!(!page.contains("<style") && !page.contains("style=") && !page.contains("<script>"));
    let (r, js) = send(&app, get("/static/api-docs.js")).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(String::from_utf8(js).unwrap().contains("/api/openapi.json"));

    // Anonymous: 401 in the error shape, with the client's request id.
    let mut req = get("/api/v1/me");
    req.headers_mut()
        .insert("x-request-id", "test-123".parse().unwrap());
    let (r, b) = send(&app, req).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["x-request-id"], "test-123");
    assert!(r.headers().contains_key(header::WWW_AUTHENTICATE));
    assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
    let v = assert_error(&b, "unauthenticated");
    assert_eq!(v["request_id"], "test-123");
    // A request id that is not a sane token is replaced.
    let mut req = get("/api/v1/me");
    req.headers_mut()
        .insert("x-request-id", "a b<script>".parse().unwrap());
    let (r, _) = send(&app, req).await;
    assert_ne!(r.headers()["x-request-id"], "a b<script>");

    // The framework's own refusals under /api/ have the shape too.
    refused(&app, get("/api/v1/nowhere"), 404, "not-found").await;
    let (r, b) = send(
        &app,
        Request::delete("/api/v1/me").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(r.status(), 405);
    assert!(r.headers().contains_key(header::ALLOW));
    assert_error(&b, "method-not-allowed");
    // A bad token is 401, a bad body 400/415, in the shape.
    refused(
        &app,
        Request::get("/api/v1/me")
            .header(header::AUTHORIZATION, "Bearer kyso_nope")
            .body(Body::empty())
            .unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    refused(
        &app,
        Request::post("/api/v1/auth/login")
            .body(Body::from("username=x"))
            .unwrap(),
        415,
        "unsupported-media-type",
    )
    .await;
    refused(
        &app,
        post_json("/api/v1/auth/login")
            .body(Body::from("{\"username\": 1"))
            .unwrap(),
        400,
        "bad-json",
    )
    .await;
    refused(
        &app,
        post_json("/api/v1/auth/login")
            .body(Body::from(
                json!({"username": "quantri", "password": "wrong password"}).to_string(),
            ))
            .unwrap(),
        401,
        "unauthenticated",
    )
    .await;

    // The description is OpenAPI 3.1.
    let (r, b) = send(&app, get("/api/openapi.json")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(json_of(&b)["openapi"], "3.1.0");
}

#[tokio::test]
async fn over_tls_cookies_are_secure_and_hsts_is_sent() {
    let s = site().await;
    let app = app(&s.state.clone().with_tls(true));
    let (r, _) = send(&app, get("/healthz")).await;
    assert!(r.headers()[header::STRICT_TRANSPORT_SECURITY]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
    let body = json!({"username": "quantri", "password": PASSWORD}).to_string();
    let (r, _) = send(
        &app,
        post_json("/api/v1/auth/login")
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert!(r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("; Secure"));
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_token_and_api_tokens_do_not() {
    let s = site().await;
    let app = app(&s.state);
    let (cookie, csrf) = login(&app).await;
    // Reading with the cookie needs nothing more.
    let (r, b) = send(
        &app,
        Request::get("/api/v1/me")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(json_of(&b)["username"], "quantri");
    let token_req = |csrf: Option<&str>| {
        let mut b = post_json("/api/v1/me/tokens")
            .header(header::COOKIE, &cookie)
            .header("x-request-id", "csrf-check-1");
        if let Some(c) = csrf {
            b = b.header("x-csrf-token", c);
        }
        b.body(Body::from(
            json!({"name": "cli", "scopes": ["read", "write", "admin"], "valid_days": 30})
                .to_string(),
        ))
        .unwrap()
    };
    // Without the token, and with a wrong one: refused, and audited.
    refused(&app, token_req(None), 403, "csrf").await;
    let (r, _) = send(&app, token_req(Some("wrong"))).await;
    assert_eq!(r.status(), 403);
    let denied = s
        .state
        .office
        .store()
        .audit_entries(&kyso_store::AuditFilter {
            action_prefix: Some("access.denied".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(denied.len(), 2);
    assert_eq!(denied[0].event.object_id, "csrf /api/v1/me/tokens");
    assert_eq!(denied[0].event.request_id.as_deref(), Some("csrf-check-1"));
    assert_eq!(denied[0].event.actor, "quantri");
    // With it: created.
    let (r, b) = send(&app, token_req(Some(&csrf))).await;
    assert_eq!(r.status(), 201, "{}", String::from_utf8_lossy(&b));
    let token = json_of(&b)["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("kyso_"));
    // The API token needs no CSRF token for an unsafe method.
    let (r, b) = send(
        &app,
        post_json("/api/v1/me/tokens")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::from(
                json!({"name": "read-only", "scopes": ["read"]}).to_string(),
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), 201, "{}", String::from_utf8_lossy(&b));
    let read_only = json_of(&b)["token"].as_str().unwrap().to_string();
    // A read-only token may not write: 403, audited by the office.
    refused(
        &app,
        post_json("/api/v1/me/tokens")
            .header(header::AUTHORIZATION, format!("Bearer {read_only}"))
            .body(Body::from(
                json!({"name": "x", "scopes": ["read"]}).to_string(),
            ))
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    // Logout is for sessions; it ends the cookie's session.
    let (r, _) = send(
        &app,
        Request::post("/api/v1/auth/logout")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), 400);
    let (r, _) = send(
        &app,
        Request::post("/api/v1/auth/logout")
            .header(header::COOKIE, &cookie)
            .header("x-csrf-token", &csrf)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert!(r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    refused(
        &app,
        Request::get("/api/v1/me")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
        401,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn logins_are_rate_limited_per_address() {
    let s = site().await;
    let app = app(&s.state.clone().with_logins_per_minute(2));
    let body = json!({"username": "nobody", "password": "wrong password"}).to_string();
    let attempt = || {
        post_json("/api/v1/auth/login")
            .body(Body::from(body.clone()))
            .unwrap()
    };
    for _ in 0..2 {
        let (r, _) = send(&app, attempt()).await;
        assert_eq!(r.status(), 401);
    }
    let (r, b) = send(&app, attempt()).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()[header::RETRY_AFTER], "30");
    assert_error(&b, "too-many-logins");
    // The form counts against the same limit.
    let (r, _) = send(
        &app,
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("username=quantri&password=x"))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), 429);
}

#[tokio::test]
async fn the_signing_page_is_behind_a_login() {
    let s = site().await;
    let app = app(&s.state);
    // Anonymous: the page sends to the login form; the API answers 401.
    let (r, _) = send(&app, get("/sign")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()[header::LOCATION], "/login?next=/sign");
    refused(
        &app,
        post_json("/sign/prepare").body(Body::from("{}")).unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    let (r, form) = send(&app, get("/login?next=/sign")).await;
    assert_eq!(r.status(), 200);
    let form = String::from_utf8(form).unwrap();
    assert!(form.contains("name=\"next\" value=\"/sign\""));
    // A redirect elsewhere is not offered.
    let (_, form) = send(&app, get("/login?next=//evil.example")).await;
    assert!(!String::from_utf8(form).unwrap().contains("evil"));
    // A cross-site post of the form is refused.
    let login_form = |origin: &str| {
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::ORIGIN, origin)
            .body(Body::from(format!(
                "username=quantri&password={}&next=%2Fsign",
                PASSWORD.replace(' ', "+")
            )))
            .unwrap()
    };
    let (r, _) = send(&app, login_form("http://evil.example")).await;
    assert_eq!(r.status(), 403);
    let (r, _) = send(&app, login_form("http://127.0.0.1:8080")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()[header::LOCATION], "/sign");
    let cookie = r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let (r, page) = send(
        &app,
        Request::get("/sign")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), 200);
    let csp = r.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.contains("connect-src 'self' http://127.0.0.1:*"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("<meta name=\"csrf-token\" content=\""));
    assert!(page.contains("<script src=\"/static/sign.js\""));
    assert!(!page.contains("<script>") && !page.contains("<style"));
    // The page's requests need the CSRF token like any other.
    refused(
        &app,
        post_json("/sign/prepare")
            .header(header::COOKIE, &cookie)
            .body(Body::from("{}"))
            .unwrap(),
        403,
        "csrf",
    )
    .await;
}
