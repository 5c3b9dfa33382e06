//! Errors: [`ServerError`] for starting and running the server, and
//! [`ApiError`], what a request gets back when it fails: a status and a
//! JSON body `{"error": message, "code": name}` (schema `Error` in
//! `openapi.json`).

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Why the server could not start or went down.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A flag or file makes no sense.
    #[error("{0}")]
    Config(String),
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The address could not be bound or served.
    #[error("cannot serve on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The async runtime or signal handling could not start.
    #[error("cannot start the server runtime: {0}")]
    Runtime(#[source] io::Error),
}

/// A failed request: status, stable code, message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub(crate) fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong token: send `Authorization: Bearer <token>`",
        )
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl From<&syndic::Error> for ApiError {
    /// A full disk (or a file-size or quota limit) is 507, so that a client
    /// can tell "retry later, elsewhere" from a bug; the index itself is
    /// intact at its last commit either way.
    fn from(err: &syndic::Error) -> Self {
        match err {
            syndic::Error::Io { source, .. }
                if matches!(
                    source.kind(),
                    io::ErrorKind::StorageFull
                        | io::ErrorKind::FileTooLarge
                        | io::ErrorKind::QuotaExceeded
                ) =>
            {
                ApiError::new(
                    StatusCode::INSUFFICIENT_STORAGE,
                    "storage_full",
                    format!("not stored, the disk is full: {err}"),
                )
            }
            syndic::Error::Config(_) => ApiError::bad_request(err.to_string()),
            _ => ApiError::internal(err.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": self.message, "code": self.code});
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_errors_map_to_statuses() {
        let io = |kind| syndic::Error::io("idx/index.redb", io::Error::from(kind));
        let cases = [
            (io(io::ErrorKind::StorageFull), StatusCode::INSUFFICIENT_STORAGE),
            (io(io::ErrorKind::FileTooLarge), StatusCode::INSUFFICIENT_STORAGE),
            (io(io::ErrorKind::PermissionDenied), StatusCode::INTERNAL_SERVER_ERROR),
            (syndic::ConfigError::Conflict("x".into()).into(), StatusCode::BAD_REQUEST),
            (
                syndic::Error::Index { path: "idx".into(), message: "corrupt".into() },
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        ];
        for (err, status) in cases {
            assert_eq!(ApiError::from(&err).status, status, "{err}");
        }
    }
}
