//! Routes, request and response bodies, and handlers. `openapi.json`
//! specifies the same; `tests/api.rs` checks that they agree.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use syndic::align::AlignConfig;
use syndic::doc::MAX_ID_BYTES;
use syndic::index::{
    AddOutcome, ClusterInfo, Coverage, DocReport, IndexStats, Match, PassageSpan, QueryReport,
    StoryInfo,
};
use syndic::pairs::PairKind;
use syndic::stories::{parse_day, Day};
use syndic::Document;

use crate::error::ApiError;
use crate::{auth, origin, AppState};

/// The HTTP API over `state`'s index; see the crate docs for the routes.
pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .route("/v1/stats", get(stats))
        .route("/v1/documents", post(add_one))
        .route("/v1/documents/{id}", get(get_document).delete(delete_document))
        .route("/v1/batch/documents", post(add_batch))
        .route("/v1/query", post(query))
        .route("/v1/batch/query", post(query_batch))
        .route("/v1/story", post(story))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth::require_token));
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi))
        .merge(v1)
        .fallback(|| async { ApiError::not_found("no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed here",
            )
        })
        .layer(DefaultBodyLimit::max(state.limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(state.clone(), origin::same_origin_only))
        .with_state(state)
}

/// A JSON request body. Unlike axum's `Json`, it answers malformed JSON and
/// unknown, missing or mistyped fields with 400 (not 422), and a body that
/// does not arrive in time with 408, all with an error body of the API's
/// own shape. The content type must be JSON (415 otherwise): the types a
/// web page may post to another origin without asking (`text/plain`, form
/// data) are refused, so a page cannot add documents behind the user's
/// back.
struct JsonBody<T>(T);

/// Whether a `Content-Type` says JSON: `application/json`, any case, with
/// or without parameters.
fn is_json(content_type: Option<&header::HeaderValue>) -> bool {
    content_type
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        if !is_json(request.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the request body must be JSON, sent as `Content-Type: application/json`",
            ));
        }
        let read = Bytes::from_request(request, state);
        let bytes = tokio::time::timeout(state.limits.body_timeout, read)
            .await
            .map_err(|_| {
                ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "timeout",
                    format!(
                        "the request body did not arrive within {} s",
                        state.limits.body_timeout.as_secs_f64()
                    ),
                )
            })?
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::too_large(format!(
                        "request body over the limit of {} bytes",
                        state.limits.max_body_bytes
                    ))
                } else {
                    ApiError::bad_request(format!(
                        "cannot read the request body: {}",
                        rejection.body_text()
                    ))
                }
            })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::bad_request(format!("invalid request body: {e}")))
    }
}

/// The API's description, the same file the tests check responses against.
const OPENAPI: &str = include_str!("../openapi.json");

/// `GET /openapi.json`: the OpenAPI description of this API, without a
/// token (it holds nothing of the index).
async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDocument {
    id: String,
    text: String,
    /// Its site; reprint indexes learn boilerplate per site too.
    #[serde(default)]
    site: Option<String>,
    /// Its date (`YYYY-MM-DD` or `YYYYMMDD` at the start); an index with
    /// stories compares documents within its window.
    #[serde(default)]
    date: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoryRequest {
    text: String,
    /// Its date, as a new document's.
    #[serde(default)]
    date: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDocuments {
    documents: Vec<NewDocument>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryRequest {
    text: String,
    /// Also align the passages shared with each match.
    #[serde(default)]
    passages: bool,
    /// Shortest passage reported, in words (default 25).
    #[serde(default)]
    min_passage_words: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryTexts {
    texts: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum AddStatus {
    Added,
    DuplicateId,
}

#[derive(Serialize)]
struct BatchItem {
    id: String,
    status: AddStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    matches: Option<Vec<Match>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster: Option<ClusterInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    story: Option<StoryInfo>,
}

#[derive(Serialize)]
struct QueryMatch {
    id: String,
    similarity: f64,
    kind: PairKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<Coverage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    passages: Option<Vec<PassageSpan>>,
}

#[derive(Serialize)]
struct QueryResponse {
    matches: Vec<QueryMatch>,
    clusters: Vec<ClusterInfo>,
}

#[derive(Serialize)]
struct StatsResponse {
    #[serde(flatten)]
    stats: IndexStats,
    params: serde_json::Value,
    version: &'static str,
}

/// Runs index reads on the blocking pool: redb reads block on I/O.
async fn blocking<T: Send + 'static>(
    op: impl FnOnce() -> syndic::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(op).await {
        Ok(result) => result.map_err(|e| ApiError::from(&e)),
        Err(_) => Err(ApiError::internal("the index read failed unexpectedly")),
    }
}

/// Computes an answer (a query, a `get`, a story) on one of the answer
/// threads (see `crate::answerer`).
async fn answer<T: Send + 'static>(
    state: &AppState,
    op: impl FnOnce() -> syndic::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    state.answerers.answer(op).await
}

fn check_text(text: &str, what: &str, state: &AppState) -> Result<(), ApiError> {
    if text.len() > state.limits.max_doc_bytes {
        return Err(ApiError::too_large(format!(
            "{what} is {} bytes, over the limit of {} bytes",
            text.len(),
            state.limits.max_doc_bytes
        )));
    }
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(format!("{what} is empty")));
    }
    Ok(())
}

fn check_batch(len: usize, state: &AppState) -> Result<(), ApiError> {
    if len > state.limits.max_batch {
        return Err(ApiError::too_large(format!(
            "{len} items in one batch, over the limit of {}",
            state.limits.max_batch
        )));
    }
    Ok(())
}

/// The day of a `date` field; a date that is not one is refused, not read
/// as undated.
fn day(date: Option<&str>) -> Result<Option<Day>, ApiError> {
    date.map(|date| {
        parse_day(date).ok_or_else(|| {
            ApiError::bad_request(format!("date `{date}` is not YYYY-MM-DD or YYYYMMDD"))
        })
    })
    .transpose()
}

fn document(doc: NewDocument, state: &AppState) -> Result<(Document, Option<Day>), ApiError> {
    // The core's rule, which the batch readers apply too: an id the CLI
    // accepts can always be addressed here, and the other way round.
    if let Err(problem) = syndic::doc::check_id(&doc.id) {
        return Err(ApiError::bad_request(format!(
            "invalid document id: {problem} (ids are 1 to {MAX_ID_BYTES} bytes)"
        )));
    }
    check_text(&doc.text, &format!("document `{}`", doc.id), state)?;
    let day = day(doc.date.as_deref())?;
    let mut document = Document::new(doc.id, doc.text);
    document.site = doc.site;
    Ok((document, day))
}

fn duplicate(id: &str) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "duplicate_id", format!("a document with id `{id}` exists"))
}

/// 200 when the index can be read and its last write (if any failed
/// since the last success) went through; 503 with the reason otherwise. A
/// failed write is reported until an add or delete succeeds again: there
/// is no telling that space is back short of writing.
async fn health(State(state): State<AppState>) -> Response {
    let index = state.index.clone();
    let problem = match blocking(move || index.stats()).await {
        Err(e) => Some(("not_readable", e.message)),
        Ok(_) => state.writer.failure().map(|why| ("not_writable", why)),
    };
    match problem {
        None => {
            Json(serde_json::json!({"status": "ok", "version": syndic_version()})).into_response()
        }
        Some((status, why)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": status, "version": syndic_version(), "error": why})),
        )
            .into_response(),
    }
}

fn syndic_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

async fn stats(State(state): State<AppState>) -> Result<Json<StatsResponse>, ApiError> {
    let index = state.index.clone();
    let stats = blocking(move || index.stats()).await?;
    let params = state.index.params_json();
    Ok(Json(StatsResponse { stats, params, version: syndic_version() }))
}

async fn add_one(
    State(state): State<AppState>,
    JsonBody(doc): JsonBody<NewDocument>,
) -> Result<Response, ApiError> {
    let (doc, day) = document(doc, &state)?;
    let id = doc.id.clone();
    let index = state.index.clone();
    let batch = blocking(move || index.prepare_dated(vec![doc], vec![day])).await?;
    match state.writer.add(batch).await?.pop() {
        Some(AddOutcome::Added(report)) => Ok((StatusCode::CREATED, Json(report)).into_response()),
        _ => Err(duplicate(&id)),
    }
}

async fn add_batch(
    State(state): State<AppState>,
    JsonBody(batch): JsonBody<NewDocuments>,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_batch(batch.documents.len(), &state)?;
    let (docs, days): (Vec<_>, Vec<_>) = batch
        .documents
        .into_iter()
        .map(|doc| document(doc, &state))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .unzip();
    let index = state.index.clone();
    let batch = blocking(move || index.prepare_dated(docs, days)).await?;
    let items: Vec<BatchItem> = state
        .writer
        .add(batch)
        .await?
        .into_iter()
        .map(|outcome| match outcome {
            AddOutcome::Added(DocReport { id, matches, cluster, story }) => BatchItem {
                id,
                status: AddStatus::Added,
                matches: Some(matches),
                cluster: Some(cluster),
                story,
            },
            AddOutcome::DuplicateId(id) => BatchItem {
                id,
                status: AddStatus::DuplicateId,
                matches: None,
                cluster: None,
                story: None,
            },
        })
        .collect();
    Ok(Json(serde_json::json!({ "results": items })))
}

fn path_id(id: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    id.map(|Path(id)| id)
        .map_err(|e| ApiError::bad_request(format!("bad document id: {}", e.body_text())))
}

async fn get_document(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<DocReport>, ApiError> {
    let id = path_id(id)?;
    let index = state.index.clone();
    let wanted = id.clone();
    match answer(&state, move || index.get(&wanted)).await? {
        Some(report) => Ok(Json(report)),
        None => Err(ApiError::not_found(format!("no document with id `{id}`"))),
    }
}

async fn delete_document(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = path_id(id)?;
    if state.writer.delete(id.clone()).await? {
        Ok(Json(serde_json::json!({"id": id, "deleted": true})))
    } else {
        Err(ApiError::not_found(format!("no document with id `{id}`")))
    }
}

async fn query(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<QueryRequest>,
) -> Result<Json<QueryResponse>, ApiError> {
    check_text(&request.text, "the text", &state)?;
    let align = AlignConfig {
        min_tokens: request.min_passage_words.unwrap_or(AlignConfig::default().min_tokens),
        ..AlignConfig::default()
    };
    align.validate().map_err(|e| ApiError::bad_request(e.to_string()))?;
    let index = state.index.clone();
    answer(&state, move || {
        let QueryReport { matches, clusters, .. } = index.query(&request.text)?;
        let matches = matches
            .into_iter()
            .map(|m| {
                // A reprint index answers with its passages, aligned by its
                // own settings; the others align on request.
                let passages = match m.passages {
                    Some(passages) => Some(passages),
                    None if request.passages => {
                        Some(index.passages(&request.text, &m.id, &align)?.unwrap_or_default())
                    }
                    None => None,
                };
                Ok(QueryMatch {
                    id: m.id,
                    similarity: m.similarity,
                    kind: m.kind,
                    coverage: m.coverage,
                    passages,
                })
            })
            .collect::<syndic::Result<Vec<_>>>()?;
        Ok(QueryResponse { matches, clusters })
    })
    .await
    .map(Json)
}

async fn query_batch(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<QueryTexts>,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_batch(request.texts.len(), &state)?;
    for (i, text) in request.texts.iter().enumerate() {
        check_text(text, &format!("text {i}"), &state)?;
    }
    let index = state.index.clone();
    let reports = answer(&state, move || {
        let texts: Vec<&str> = request.texts.iter().map(String::as_str).collect();
        index.query_batch(&texts)
    })
    .await?;
    Ok(Json(serde_json::json!({ "results": reports })))
}

/// `POST /v1/story`: the story a text would join, without adding it (an
/// index with stories only).
async fn story(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<StoryRequest>,
) -> Result<Json<StoryInfo>, ApiError> {
    check_text(&request.text, "the text", &state)?;
    let day = day(request.date.as_deref())?;
    if state.index.stories_settings().is_none() {
        return Err(ApiError::bad_request("this index was created without stories"));
    }
    let index = state.index.clone();
    let report = answer(&state, move || {
        index.query_batch_dated(&[&request.text], &[day]).map(|mut r| r.remove(0))
    })
    .await?;
    report.story.map(Json).ok_or_else(|| ApiError::internal("an index with stories told none"))
}
