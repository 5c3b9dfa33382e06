//! Bearer-token authentication.
//!
//! The token is compared in constant time (for tokens of the same length):
//! a comparison that stops at the first differing byte tells an attacker,
//! by its timing, how many leading bytes were right, and lets them guess a
//! token byte by byte. [`constant_time_eq`] touches every byte whatever
//! they hold. Ten lines are not worth a dependency.
//!
//! ```
//! use syndic_server::constant_time_eq;
//! assert!(constant_time_eq(b"s3cret", b"s3cret"));
//! assert!(!constant_time_eq(b"s3cret", b"s3cres"));
//! assert!(!constant_time_eq(b"s3cret", b"s3cret!"));
//! ```

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::AppState;

/// Whether `a == b`, in time that depends on the lengths only.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        // black_box keeps the optimizer from turning the fold into an
        // early exit once `diff` is known to be non-zero.
        diff |= std::hint::black_box(x ^ y);
    }
    diff == 0
}

/// Lets a request through when no token is configured or it carries the
/// right one.
pub(crate) async fn require_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(token) = &state.token else { return next.run(request).await };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        .unwrap_or_default();
    if constant_time_eq(given, token.as_bytes()) {
        next.run(request).await
    } else {
        ApiError::unauthorized().into_response()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn equality_table() {
        let cases: &[(&[u8], &[u8], bool)] = &[
            (b"", b"", true),
            (b"a", b"", false),
            (b"", b"a", false),
            (b"token", b"token", true),
            (b"token", b"tokem", false),
            (b"token", b"token\0", false),
            (b"\0", b"", false),
        ];
        for &(a, b, expected) in cases {
            assert_eq!(constant_time_eq(a, b), expected, "{a:?} {b:?}");
        }
    }

    proptest! {
        #[test]
        fn agrees_with_eq(a: Vec<u8>, b: Vec<u8>) {
            prop_assert_eq!(constant_time_eq(&a, &b), a == b);
            prop_assert!(constant_time_eq(&a, &a));
        }
    }
}
