//! Reading the rest of a refused request's body before answering. When a
//! request is refused before its body is read whole (401 before an upload
//! is read, 413 in the middle of a part that is too large), closing the
//! connection with bytes still unread makes the kernel reset it, and the
//! client — still sending — may never see the answer. So the body is lent
//! to the handler; if it comes back unfinished with a 4xx answer, the rest
//! is read and dropped first: at most [`DRAIN_MAX`] bytes for at most
//! [`DRAIN_TIME`] (a larger body is cut, as before).

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;

/// Most bytes read from a refused body.
pub const DRAIN_MAX: u64 = 64 * 1024 * 1024;
/// Longest time spent reading a refused body.
pub const DRAIN_TIME: Duration = Duration::from_secs(30);

type Slot = Arc<Mutex<Option<Body>>>;

/// The request body, given back to [`drain`] when dropped unfinished.
struct Lent {
    inner: Option<Body>,
    slot: Slot,
    finished: bool,
}

impl http_body::Body for Lent {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let r = Pin::new(inner).poll_frame(cx);
        if let Poll::Ready(None) = r {
            this.finished = true;
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map(|b| b.size_hint())
            .unwrap_or_default()
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Some(b) = self.inner.take() {
            if let Ok(mut slot) = self.slot.lock() {
                *slot = Some(b);
            }
        }
    }
}

pub async fn drain(req: Request, next: Next) -> Response {
    let slot: Slot = Arc::new(Mutex::new(None));
    let (parts, body) = req.into_parts();
    let lent = Lent {
        inner: Some(body),
        slot: slot.clone(),
        finished: false,
    };
    let resp = next.run(Request::from_parts(parts, Body::new(lent))).await;
    if !resp.status().is_client_error() {
        return resp;
    }
    let rest = slot.lock().ok().and_then(|mut s| s.take());
    if let Some(mut body) = rest {
        let mut read = 0u64;
        let _ = tokio::time::timeout(DRAIN_TIME, async {
            while read < DRAIN_MAX {
                match body.frame().await {
                    Some(Ok(f)) => read += f.data_ref().map_or(0, |d| d.len() as u64),
                    _ => break,
                }
            }
        })
        .await;
    }
    resp
}
