//! A small blocking client of the office's REST API (docs/office-api.md):
//! bearer token authentication, the API's error shape turned into a
//! readable error, JSON and multipart bodies.

use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use reqwest::blocking::{multipart, Client, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Largest answer read into memory (a signed PDF, a register).
const MAX_ANSWER: u64 = 512 * 1024 * 1024;

pub struct Api {
    base: String,
    token: Option<String>,
    client: Client,
    /// CSRF token of a cookie session (only for `kyso doc login`).
    csrf: Option<String>,
}

impl Api {
    pub fn new(base: &str, token: Option<String>) -> Result<Api> {
        let client = Client::builder()
            .timeout(Duration::from_secs(300))
            .cookie_store(true)
            .build()?;
        Ok(Api {
            base: base.trim_end_matches('/').to_string(),
            token,
            client,
            csrf: None,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn auth(&self, rb: RequestBuilder) -> RequestBuilder {
        let rb = match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        };
        match &self.csrf {
            Some(c) => rb.header("x-csrf-token", c),
            None => rb,
        }
    }

    fn send(&self, rb: RequestBuilder) -> Result<Response> {
        let resp = self
            .auth(rb)
            .send()
            .with_context(|| format!("không kết nối được máy chủ / cannot reach {}", self.base))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status();
        let body = resp.text().unwrap_or_default();
        let msg = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| {
                let m = v.get("message")?.as_str()?.to_string();
                let code = v.get("error").and_then(Value::as_str).unwrap_or("");
                Some(format!("{m} [{code}]"))
            })
            .unwrap_or_else(|| body.chars().take(500).collect());
        bail!("{msg} (HTTP {})", status.as_u16())
    }

    fn json<T: DeserializeOwned>(resp: Response) -> Result<T> {
        let bytes = read_capped(resp)?;
        serde_json::from_slice(&bytes)
            .context("câu trả lời không phải JSON / the answer is not JSON")
    }

    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        Self::json(self.send(self.client.get(self.url(path)))?)
    }

    pub fn get_bytes(&self, path: &str) -> Result<Vec<u8>> {
        read_capped(self.send(self.client.get(self.url(path)))?)
    }

    pub fn post<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T> {
        Self::json(self.send(self.client.post(self.url(path)).json(body))?)
    }

    /// POST without a body; the answer's bytes (a PDF).
    pub fn post_bytes(&self, path: &str) -> Result<Vec<u8>> {
        read_capped(self.send(self.client.post(self.url(path)))?)
    }

    pub fn put<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T> {
        Self::json(self.send(self.client.put(self.url(path)).json(body))?)
    }

    /// DELETE; the answer's body is not read.
    pub fn delete(&self, path: &str) -> Result<()> {
        self.send(self.client.delete(self.url(path)))?;
        Ok(())
    }

    pub fn post_multipart<T: DeserializeOwned>(
        &self,
        path: &str,
        form: multipart::Form,
        idempotency_key: Option<&str>,
    ) -> Result<T> {
        let mut rb = self.client.post(self.url(path)).multipart(form);
        if let Some(k) = idempotency_key {
            rb = rb.header("idempotency-key", k);
        }
        Self::json(self.send(rb)?)
    }

    /// Logs in with a password (cookie session), keeping the CSRF token.
    pub fn login(&mut self, username: &str, password: &str) -> Result<Value> {
        let v: Value = Self::json(
            self.send(
                self.client
                    .post(self.url("/api/v1/auth/login"))
                    .json(&serde_json::json!({"username": username, "password": password})),
            )?,
        )?;
        self.csrf = Some(
            v.get("csrf")
                .and_then(Value::as_str)
                .ok_or_else(|| anyhow!("the login answer has no CSRF token"))?
                .to_string(),
        );
        Ok(v)
    }
}

fn read_capped(resp: Response) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    resp.take(MAX_ANSWER + 1).read_to_end(&mut out)?;
    if out.len() as u64 > MAX_ANSWER {
        bail!("câu trả lời quá lớn / the answer is larger than {MAX_ANSWER} bytes");
    }
    Ok(out)
}
