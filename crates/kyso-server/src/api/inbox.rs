//! Incoming documents at a recipient agency, and what its people do with
//! them (status codes 01–16).

use axum::extract::State;
use kyso_office::delivery::{Assignment, DeliveryAction, InboxFilter, IncomingView};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::audited;
use crate::error::WebError;
use crate::extract::{Caller, OptionalJson, Path, Query};
use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one))
        .routes(routes!(act))
}

/// The incoming queue of the caller's agencies (or of one).
#[utoipa::path(get, path = "/api/v1/inbox", tag = "inbox", params(InboxFilter),
    responses((status = 200, body = [IncomingView])))]
async fn list(
    State(s): State<AppState>,
    Caller(a): Caller,
    Query(f): Query<InboxFilter>,
) -> Result<axum::Json<Vec<IncomingView>>, WebError> {
    let r = s.office.inbox(&a, &f).await;
    Ok(axum::Json(audited(&s, &a, "incoming.list", r).await?))
}

/// One incoming document.
#[utoipa::path(get, path = "/api/v1/inbox/{id}", tag = "inbox",
    params(("id" = i64, Path, description = "incoming document (delivery) id")),
    responses((status = 200, body = IncomingView)))]
async fn get_one(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<IncomingView>, WebError> {
    Ok(axum::Json(s.office.incoming(&a, id).await?))
}

/// What a recipient does.
#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum InboxAction {
    /// 03: the clerk registers it (incoming number).
    Register,
    /// 02: the clerk rejects it (a reason is required).
    Reject,
    /// 04: the head or clerk assigns it to a person or unit.
    Assign,
    /// 05: the assignee processes it.
    Process,
    /// 06: the assignee completes it.
    Complete,
    /// 15: the recall is accepted.
    AcceptRecall,
    /// 16: the recall is refused (a reason is required).
    RefuseRecall,
}

impl From<InboxAction> for DeliveryAction {
    fn from(a: InboxAction) -> Self {
        match a {
            InboxAction::Register => DeliveryAction::Register,
            InboxAction::Reject => DeliveryAction::Reject,
            InboxAction::Assign => DeliveryAction::Assign,
            InboxAction::Process => DeliveryAction::Process,
            InboxAction::Complete => DeliveryAction::Complete,
            InboxAction::AcceptRecall => DeliveryAction::AcceptRecall,
            InboxAction::RefuseRecall => DeliveryAction::RefuseRecall,
        }
    }
}

/// The optional body of an action.
#[derive(Default, Deserialize, ToSchema)]
pub struct InboxActionBody {
    /// Why (reject, refuse-recall).
    pub reason: Option<String>,
    /// Assign to this person …
    pub person_id: Option<i64>,
    /// … or to this unit.
    pub unit: Option<String>,
    pub note: Option<String>,
}

/// Take an action on an incoming document.
#[utoipa::path(post, path = "/api/v1/inbox/{id}/{action}", tag = "inbox",
    params(("id" = i64, Path, description = "incoming document (delivery) id"),
           ("action" = InboxAction, Path, description = "what to do")),
    request_body(content = Option<InboxActionBody>, content_type = "application/json",
        description = "optional"),
    responses((status = 200, body = IncomingView)))]
async fn act(
    State(s): State<AppState>,
    Caller(a): Caller,
    Path((id, action)): Path<(i64, InboxAction)>,
    OptionalJson(b): OptionalJson<InboxActionBody>,
) -> Result<axum::Json<IncomingView>, WebError> {
    let assigns = b.person_id.is_some() || b.unit.is_some() || b.note.is_some();
    let assignment = assigns.then_some(Assignment {
        person_id: b.person_id,
        unit: b.unit,
        note: b.note,
    });
    Ok(axum::Json(
        s.office
            .act_on_incoming(&a, id, action.into(), b.reason.as_deref(), assignment)
            .await?,
    ))
}
