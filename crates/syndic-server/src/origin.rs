//! Keeping web pages out of a token-less loopback server.
//!
//! Without a token, anything that can reach 127.0.0.1 may use the API, and
//! a web page the user visits can, through the browser: it may post to
//! any address (the JSON content type required of bodies stops the posts
//! a browser sends without asking the server first), and by DNS rebinding
//! (a name of the attacker's that first resolves to their server, then to
//! 127.0.0.1) it may read the answers as same-origin. A browser always
//! says where a request comes from: `Origin` on posts and cross-origin
//! requests, and the name it thinks it talks to in `Host`. So a request
//! whose `Host` (or absolute URI) is not a loopback name with this
//! server's port, or whose `Origin` is anything but this server, gets 403.
//! Programs (curl, the crawler) send `Host: 127.0.0.1:PORT` and no
//! `Origin`, and pass. With a token, or on a non-loopback address (which
//! needs one), the token does this job and nothing here applies.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::AppState;

/// Lets a request through unless it comes from, or names, another origin
/// than this loopback server; see the module docs.
pub(crate) async fn same_origin_only(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let loopback = state.listen.is_none_or(|addr| addr.ip().is_loopback());
    if state.token.is_some() || !loopback {
        return next.run(request).await;
    }
    let port = state.listen.map(|addr| addr.port());
    let headers = request.headers();
    let host = headers.get(header::HOST).map(|v| v.to_str().unwrap_or_default());
    let uri_host = request.uri().authority().map(|a| a.as_str());
    if let Some(host) = host.into_iter().chain(uri_host).find(|h| !is_local(h, port)) {
        return forbidden(format!(
            "`{host}` does not name this server: use 127.0.0.1 or localhost"
        ));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        let local = origin.strip_prefix("http://").is_some_and(|a| is_local(a, port));
        if !local {
            return forbidden(format!(
                "requests from web pages (`Origin: {origin}`) are refused by a server without a token"
            ));
        }
    }
    next.run(request).await
}

fn forbidden(message: String) -> Response {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", message).into_response()
}

/// Whether `authority` (`host[:port]`) is a loopback name or address with
/// `port` (any port when `None`; 80 when it names none).
fn is_local(authority: &str, port: Option<u16>) -> bool {
    let (host, given) = match authority.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((host, "")) => (host, None),
            Some((host, rest)) => match rest.strip_prefix(':') {
                Some(p) => (host, Some(p)),
                None => return false,
            },
            None => return false,
        },
        None => match authority.split_once(':') {
            Some((host, p)) => (host, Some(p)),
            None => (authority, None),
        },
    };
    let given = match given.map(str::parse::<u16>) {
        None => 80,
        Some(Ok(p)) => p,
        Some(Err(_)) => return false,
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    loopback && port.is_none_or(|p| p == given)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_authorities() {
        let cases = [
            ("127.0.0.1:8080", true),
            ("127.1.2.3:8080", true),
            ("localhost:8080", true),
            ("LocalHost:8080", true),
            ("[::1]:8080", true),
            ("127.0.0.1:8081", false),
            ("127.0.0.1", false),
            ("localhost", false),
            ("evil.example:8080", false),
            ("localhost.evil.example:8080", false),
            ("192.168.1.2:8080", false),
            ("[::1]", false),
            ("[::1]x", false),
            ("[::2]:8080", false),
            ("127.0.0.1:80x", false),
            ("", false),
        ];
        for (authority, local) in cases {
            assert_eq!(is_local(authority, Some(8080)), local, "{authority}");
        }
        assert!(is_local("localhost", Some(80)));
        assert!(is_local("127.0.0.1:1234", None));
        assert!(!is_local("evil.example:1234", None));
    }
}
