//! What the API tests share: calling the router in-process, and checking
//! response bodies against the schemas of `openapi.json`.
//!
//! The checker covers the part of JSON Schema (OpenAPI 3.0 dialect) the
//! spec uses: `$ref`, `type`, `enum`, `required`, `properties`,
//! `additionalProperties: false`, `items`, `minimum`, `maximum`,
//! `minLength`, `maxLength`. A keyword it does not know fails the check, so
//! the spec cannot silently outgrow it.

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use serde_json::Value;
use tower::ServiceExt;

/// The spec, parsed.
pub fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A current-thread runtime for driving the router.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// One request through the router: status and raw body.
pub fn call_raw(
    rt: &tokio::runtime::Runtime,
    app: &Router,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (u16, Vec<u8>, axum::http::HeaderMap) {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Body::from(body)).unwrap();
    rt.block_on(async {
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, bytes.to_vec(), headers)
    })
}

/// One JSON request through the router: status and parsed body.
pub fn call(
    rt: &tokio::runtime::Runtime,
    app: &Router,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let json: &[(&str, &str)] = &[("content-type", "application/json")];
    let headers = if body.is_some() { json } else { &[] };
    let bytes = body.map(|b| serde_json::to_vec(&b).unwrap()).unwrap_or_default();
    let (status, body, _) = call_raw(rt, app, method, path, headers, bytes);
    let value = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("{method} {path}: {status} body is not JSON ({e}): {body:?}"));
    (status, value)
}

/// The spec's path template matching a concrete path (query string and
/// percent-encoding aside).
pub fn template<'a>(spec: &'a Value, path: &str) -> Option<&'a str> {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    spec["paths"].as_object()?.keys().map(String::as_str).find(|t| {
        let ts: Vec<&str> = t.split('/').collect();
        ts.len() == segments.len()
            && ts.iter().zip(&segments).all(|(t, s)| t == s || t.starts_with('{'))
    })
}

/// Checks a response against the spec's schema for its path, method and
/// status; panics with the reason if it does not conform.
pub fn conforms(spec: &Value, method: &str, path: &str, status: u16, body: &Value) {
    let template = template(spec, path).unwrap_or_else(|| panic!("{path} is not in the spec"));
    let operation = &spec["paths"][template][method.to_ascii_lowercase()];
    assert!(operation.is_object(), "{method} {template} is not in the spec");
    let schema =
        &operation["responses"][status.to_string()]["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {template} does not document status {status}");
    if let Err(e) = check(spec, schema, body, "$") {
        panic!("{method} {path} → {status}: {e}\nbody: {body}");
    }
}

/// Checks `value` against `schema`.
pub fn check(spec: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let schema = schema.as_object().ok_or_else(|| format!("{at}: schema is not an object"))?;
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.strip_prefix("#/components/schemas/").ok_or("bad $ref")?;
        return check(spec, &spec["components"]["schemas"][name], value, at);
    }
    for (keyword, rule) in schema {
        let ok = match keyword.as_str() {
            "description" | "default" => true,
            "type" => match rule.as_str().unwrap_or_default() {
                "object" => value.is_object(),
                "array" => value.is_array(),
                "string" => value.is_string(),
                "integer" => value.is_u64() || value.is_i64(),
                "number" => value.is_number(),
                "boolean" => value.is_boolean(),
                other => return Err(format!("{at}: unknown type {other}")),
            },
            "enum" => rule.as_array().is_some_and(|options| options.contains(value)),
            "minimum" => value.as_f64().is_none_or(|v| v >= rule.as_f64().unwrap_or(f64::MIN)),
            "maximum" => value.as_f64().is_none_or(|v| v <= rule.as_f64().unwrap_or(f64::MAX)),
            "minLength" => value
                .as_str()
                .is_none_or(|s| s.chars().count() as u64 >= rule.as_u64().unwrap_or(0)),
            "maxLength" => value
                .as_str()
                .is_none_or(|s| s.chars().count() as u64 <= rule.as_u64().unwrap_or(u64::MAX)),
            "required" => {
                let fields = rule.as_array().cloned().unwrap_or_default();
                match fields.iter().find(|f| value.get(f.as_str().unwrap_or_default()).is_none()) {
                    Some(missing) => return Err(format!("{at}: missing required field {missing}")),
                    None => true,
                }
            }
            "properties" => {
                if let (Some(props), Some(object)) = (rule.as_object(), value.as_object()) {
                    for (name, field) in object {
                        if let Some(field_schema) = props.get(name) {
                            check(spec, field_schema, field, &format!("{at}.{name}"))?;
                        }
                    }
                }
                true
            }
            "additionalProperties" => {
                let props = schema.get("properties").and_then(Value::as_object);
                match (rule.as_bool(), value.as_object(), props) {
                    (Some(false), Some(object), Some(props)) => {
                        match object.keys().find(|k| !props.contains_key(*k)) {
                            Some(extra) => return Err(format!("{at}: undocumented field {extra}")),
                            None => true,
                        }
                    }
                    _ => true,
                }
            }
            "items" => {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    check(spec, rule, item, &format!("{at}[{i}]"))?;
                }
                true
            }
            other => return Err(format!("{at}: the checker does not know `{other}`")),
        };
        if !ok {
            return Err(format!("{at}: {value} fails {keyword}: {rule}"));
        }
    }
    Ok(())
}
