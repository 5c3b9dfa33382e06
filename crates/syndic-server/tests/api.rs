//! The API through the router, every response checked against
//! `openapi.json`.

mod common;

use common::{call, call_raw, conforms, runtime, spec};
use proptest::prelude::*;
use serde_json::{json, Value};
use syndic::dedup::{DedupConfig, Deduper};
use syndic::index::Index;
use syndic::Document;
use syndic_server::{check_listen, read_token, router, AppState, Limits};

const STORY: &str = "shares of the company rose sharply on tuesday after it reported quarterly \
    earnings that beat analyst expectations and raised its forecast for the full year citing \
    strong demand in asia and europe";

fn app(token: Option<&str>, limits: Limits) -> (tempfile::TempDir, axum::Router) {
    let dir = tempfile::tempdir().unwrap();
    let config = DedupConfig::builder().threshold(0.5).build().unwrap();
    let index = Index::create(dir.path().join("idx"), config).unwrap();
    (dir, router(AppState::new(index, token.map(str::to_owned), limits)))
}

fn small_limits() -> Limits {
    Limits { max_body_bytes: 4096, max_doc_bytes: 1024, max_batch: 3, ..Limits::default() }
}

#[test]
fn responses_follow_the_spec() {
    let spec = spec();
    let rt = runtime();
    let (_dir, app) = app(None, small_limits());
    let near = STORY.replace("tuesday", "monday");
    let big = "word ".repeat(300);
    // (method, path, body, expected status, what must hold of the body)
    type Check = fn(&Value) -> bool;
    let cases: Vec<(&str, String, Option<Value>, u16, Check)> = vec![
        ("GET", "/health".into(), None, 200, |b| b["status"] == "ok"),
        // The spec itself, served as the file the tests read.
        ("GET", "/openapi.json".into(), None, 200, |b| {
            b["paths"]["/openapi.json"].is_object() && b["openapi"].is_string()
        }),
        ("POST", "/v1/documents".into(), Some(json!({"id": "a", "text": STORY})), 201, |b| {
            b["cluster"]["size"] == 1 && b["matches"] == json!([])
        }),
        ("POST", "/v1/documents".into(), Some(json!({"id": "b", "text": near})), 201, |b| {
            b["matches"][0]["id"] == "a" && b["cluster"]["id"] == "a" && b["cluster"]["size"] == 2
        }),
        (
            "POST",
            "/v1/documents".into(),
            Some(json!({"id": "c", "text": STORY.to_uppercase()})),
            201,
            |b| b["matches"] == json!([{"id": "a", "similarity": 1.0, "kind": "exact"}]),
        ),
        ("POST", "/v1/documents".into(), Some(json!({"id": "a", "text": "other"})), 409, |b| {
            b["code"] == "duplicate_id"
        }),
        ("GET", "/v1/documents/a".into(), None, 200, |b| {
            b["matches"].as_array().map(Vec::len) == Some(2)
        }),
        ("GET", "/v1/documents/nope".into(), None, 404, |b| b["code"] == "not_found"),
        ("POST", "/v1/query".into(), Some(json!({"text": STORY})), 200, |b| {
            b["matches"][0]["kind"] == "exact"
                && b["clusters"][0]["size"] == 3
                && b["matches"][0].get("passages").is_none()
        }),
        (
            "POST",
            "/v1/query".into(),
            Some(json!({"text": near, "passages": true, "min_passage_words": 10})),
            200,
            |b| b["matches"][0]["passages"][0]["words"].as_u64() > Some(20),
        ),
        ("POST", "/v1/query".into(), Some(json!({"text": "nothing like it"})), 200, |b| {
            b == &json!({"matches": [], "clusters": []})
        }),
        (
            "POST",
            "/v1/batch/documents".into(),
            Some(json!({"documents": [{"id": "d", "text": near}, {"id": "a", "text": "x"}]})),
            200,
            |b| {
                b["results"][0]["status"] == "added"
                    && b["results"][0]["cluster"]["size"] == 4
                    && b["results"][1] == json!({"id": "a", "status": "duplicate_id"})
            },
        ),
        (
            "POST",
            "/v1/batch/query".into(),
            Some(json!({"texts": [STORY, "unrelated words here"]})),
            200,
            |b| {
                b["results"][0]["clusters"][0]["id"] == "a"
                    && b["results"][1]["matches"] == json!([])
            },
        ),
        ("GET", "/v1/stats".into(), None, 200, |b| {
            b["documents"] == 4 && b["clusters"] == 1 && b["params"]["threshold"] == 0.5
        }),
        ("DELETE", "/v1/documents/c".into(), None, 200, |b| {
            b == &json!({"id": "c", "deleted": true})
        }),
        ("DELETE", "/v1/documents/c".into(), None, 404, |b| b["code"] == "not_found"),
        ("GET", "/v1/documents/c".into(), None, 404, |b| b["code"] == "not_found"),
        ("GET", "/v1/documents/a".into(), None, 200, |b| b["cluster"]["size"] == 3),
        // Ids are percent-decoded path segments.
        (
            "POST",
            "/v1/documents".into(),
            Some(json!({"id": "x/y z", "text": "slashes in ids"})),
            201,
            |b| b["id"] == "x/y z",
        ),
        ("GET", "/v1/documents/x%2Fy%20z".into(), None, 200, |b| b["id"] == "x/y z"),
        // Bad requests.
        ("POST", "/v1/documents".into(), Some(json!({"id": "e"})), 400, |b| {
            b["error"].as_str().is_some_and(|m| m.contains("missing field `text`"))
        }),
        (
            "POST",
            "/v1/documents".into(),
            Some(json!({"id": "e", "text": "t", "extra": 1})),
            400,
            |b| b["error"].as_str().is_some_and(|m| m.contains("unknown field `extra`")),
        ),
        ("POST", "/v1/documents".into(), Some(json!({"id": 5, "text": "t"})), 400, |b| {
            b["code"] == "bad_request"
        }),
        ("POST", "/v1/documents".into(), Some(json!({"id": "e", "text": "  \n "})), 400, |b| {
            b["error"].as_str().is_some_and(|m| m.contains("empty"))
        }),
        ("POST", "/v1/documents".into(), Some(json!({"id": "", "text": "t"})), 400, |b| {
            b["code"] == "bad_request"
        }),
        (
            "POST",
            "/v1/query".into(),
            Some(json!({"text": "t", "min_passage_words": 0})),
            400,
            |b| b["code"] == "bad_request",
        ),
        ("POST", "/v1/batch/query".into(), Some(json!([1, 2])), 400, |b| {
            b["code"] == "bad_request"
        }),
        // Too large: a document, a batch, a body.
        ("POST", "/v1/documents".into(), Some(json!({"id": "e", "text": big})), 413, |b| {
            b["error"].as_str().is_some_and(|m| m.contains("limit of 1024 bytes"))
        }),
        (
            "POST",
            "/v1/batch/query".into(),
            Some(json!({"texts": ["a", "b", "c", "d"]})),
            413,
            |b| b["code"] == "too_large",
        ),
        (
            "POST",
            "/v1/batch/documents".into(),
            Some(
                json!({"documents": (0..6).map(|i| json!({"id": i.to_string(), "text": "w ".repeat(400)})).collect::<Vec<_>>()}),
            ),
            413,
            |b| {
                b["error"]
                    .as_str()
                    .is_some_and(|m| m.contains("request body over the limit of 4096 bytes"))
            },
        ),
    ];
    for (method, path, body, status, holds) in cases {
        let (got, value) = call(&rt, &app, method, &path, body);
        assert_eq!(got, status, "{method} {path}: {value}");
        conforms(&spec, method, &path, status, &value);
        assert!(holds(&value), "{method} {path}: {value}");
    }
    // Malformed JSON, and routes and methods that do not exist: JSON errors
    // of the documented shape.
    let json = [("content-type", "application/json")];
    let (status, body, _) =
        call_raw(&rt, &app, "POST", "/v1/query", &json, b"{\"text\": ".to_vec());
    assert_eq!(status, 400);
    conforms(&spec, "POST", "/v1/query", 400, &serde_json::from_slice(&body).unwrap());
    for (method, path, status) in
        [("GET", "/v2/nothing", 404), ("PUT", "/v1/documents", 405), ("POST", "/health", 405)]
    {
        let (got, body) = call(&rt, &app, method, path, None);
        assert_eq!(got, status, "{method} {path}");
        common::check(&spec, &json!({"$ref": "#/components/schemas/Error"}), &body, "$").unwrap();
    }
}

#[test]
fn every_route_of_the_spec_is_served() {
    let spec = spec();
    let rt = runtime();
    let (_dir, app) = app(None, Limits::default());
    let mut served = 0;
    for (template, item) in spec["paths"].as_object().unwrap() {
        for method in ["get", "post", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let path = template.replace("{id}", "missing");
            let body = (method == "post").then(|| json!({}));
            let (status, value) = call(&rt, &app, &method.to_uppercase(), &path, body);
            // Served: answered by the route's handler (a 400 for the empty
            // body, a 404 for the missing document), not by the fallbacks.
            assert!(
                value["error"] != "no such route" && status != 405,
                "{method} {template}: {status} {value}"
            );
            conforms(&spec, method, &path, status, &value);
            served += 1;
        }
    }
    assert_eq!(served, 10);
}

#[test]
fn tokens_guard_the_v1_routes() {
    let rt = runtime();
    let (_dir, app) = app(Some("s3cret"), Limits::default());
    let stats =
        |headers: &[(&str, &str)]| call_raw(&rt, &app, "GET", "/v1/stats", headers, Vec::new());
    let cases: &[(&[(&str, &str)], u16)] = &[
        (&[], 401),
        (&[("authorization", "Bearer wrong")], 401),
        (&[("authorization", "Bearer s3cret2")], 401),
        (&[("authorization", "bearer s3cret")], 401),
        (&[("authorization", "s3cret")], 401),
        (&[("authorization", "Bearer s3cret")], 200),
    ];
    for (headers, status) in cases {
        let (got, _, response_headers) = stats(headers);
        assert_eq!(got, *status, "{headers:?}");
        if got == 401 {
            assert_eq!(response_headers["www-authenticate"], "Bearer");
        }
    }
    // Health needs no token.
    assert_eq!(call(&rt, &app, "GET", "/health", None).0, 200);
}

#[test]
fn listen_address_and_token_file_rules() {
    // A loopback address needs no token; any other address needs one.
    let addresses = ["127.0.0.1:8080", "[::1]:8080", "0.0.0.0:8080", "192.0.2.1:8080"];
    for (addr, loopback) in addresses.into_iter().zip([true, true, false, false]) {
        let addr = addr.parse().unwrap();
        assert_eq!(check_listen(addr, None).is_ok(), loopback, "{addr} without a token");
        assert!(check_listen(addr, Some("t")).is_ok(), "{addr} with a token");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    for (content, expected) in
        [("abc\n", Some("abc")), ("  \n", None), ("two words", None), ("", None)]
    {
        std::fs::write(&path, content).unwrap();
        assert_eq!(read_token(&path).ok().as_deref(), expected, "{content:?}");
    }
    assert!(read_token(&dir.path().join("missing")).is_err());
}

/// Many clients adding at once go through group commit; the result is what
/// the batch pipeline gives for the documents in the order they were
/// committed.
#[test]
fn concurrent_adds_keep_batch_semantics() {
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let builder = DedupConfig::builder().threshold(0.5);
    let index = Index::create(dir.path().join("idx"), builder.clone().build().unwrap()).unwrap();
    let app = router(AppState::new(index, None, Limits::default()));
    let texts: Vec<String> = (0..60)
        .map(|i| match i % 3 {
            0 => STORY.to_owned(),
            1 => STORY.replace("tuesday", &format!("day{i}")),
            _ => {
                format!("an unrelated story number {i} about the weather and the harvest this year")
            }
        })
        .collect();
    let statuses: Vec<u16> = rt.block_on(async {
        let mut tasks = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let app = app.clone();
            let body = serde_json::to_vec(&json!({"id": format!("d{i}"), "text": text})).unwrap();
            tasks.push(tokio::spawn(async move {
                use tower::ServiceExt;
                let request = axum::http::Request::post("/v1/documents")
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(body))
                    .unwrap();
                app.oneshot(request).await.unwrap().status().as_u16()
            }));
        }
        let mut out = Vec::new();
        for task in tasks {
            out.push(task.await.unwrap());
        }
        out
    });
    assert!(statuses.iter().all(|&s| s == 201), "{statuses:?}");
    drop(app);
    // The writer thread releases the index once the router is gone.
    let reopened = (0..500).find_map(|_| {
        let opened = Index::open(dir.path().join("idx")).ok();
        if opened.is_none() {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        opened
    });
    let export = reopened.expect("the writer released the index").export().unwrap();
    let docs: Vec<Document> = export
        .ids
        .iter()
        .map(|id| Document::new(id.as_str(), texts[id[1..].parse::<usize>().unwrap()].as_str()))
        .collect();
    let mut deduper = Deduper::new(builder.build().unwrap()).unwrap();
    deduper.add_batch(&docs).unwrap();
    deduper.plan();
    if deduper.needs_second_pass() {
        deduper.second_pass_batch(&docs).unwrap();
    }
    let expected = deduper.finish().unwrap();
    assert_eq!(export.result.clustering, expected.clustering);
    assert_eq!(export.result.similarity, expected.similarity);
    assert_eq!(export.result.stats, expected.stats);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// No request, however malformed, gets a 500 or a non-JSON answer.
    #[test]
    fn arbitrary_requests_never_break_the_server(
        method in prop::sample::select(vec!["GET", "POST", "DELETE", "PUT"]),
        route in prop::sample::select(vec!["/v1/documents", "/v1/batch/documents", "/v1/query", "/v1/batch/query", "/v1/stats", "/v1/documents/", "/health", "/"]),
        suffix in "[a-z%0-9/]{0,12}",
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..200),
            any::<String>().prop_map(|text| serde_json::to_vec(&json!({"id": "p", "text": text})).unwrap()),
            any::<String>().prop_map(|text| serde_json::to_vec(&json!({"texts": [text]})).unwrap()),
            any::<String>().prop_map(|text| serde_json::to_vec(&json!({"documents": [{"id": text.clone(), "text": text}]})).unwrap()),
        ],
    ) {
        thread_local! {
            static APP: (tokio::runtime::Runtime, tempfile::TempDir, axum::Router) = {
                let (dir, app) = app(None, small_limits());
                (runtime(), dir, app)
            };
        }
        let path = format!("{route}{suffix}");
        let (status, bytes) = APP.with(|(rt, _, app)| {
            let json = [("content-type", "application/json")];
            let (status, bytes, _) = call_raw(rt, app, method, &path, &json, body);
            (status, bytes)
        });
        prop_assert!(status < 500, "{} {}: {}", method, path, status);
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        if status >= 400 {
            prop_assert!(value["error"].is_string() && value["code"].is_string(), "{}", value);
        }
    }
}

/// A made-up paragraph of `words` words (deterministic in `seed`).
fn paragraph(seed: u64, words: usize) -> String {
    const VOCAB: [&str; 24] = [
        "council", "bridge", "river", "budget", "mayor", "winter", "market", "school", "harbour",
        "railway", "doctor", "farmers", "storm", "village", "court", "tax", "the", "of", "and",
        "to", "in", "said", "was", "on",
    ];
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let out: Vec<&str> = (0..words)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            VOCAB[(x % VOCAB.len() as u64) as usize]
        })
        .collect();
    format!("{}.", out.join(" "))
}

/// The service over a new reprint index with default settings in `dir`.
fn reprint_app(dir: &std::path::Path) -> axum::Router {
    let index = Index::create_reprint(
        dir.join("idx"),
        syndic::settings::ReprintSettings::default(),
        syndic::cluster::Keep::Longest,
    )
    .unwrap();
    router(AppState::new(index, None, Limits::default()))
}

/// Issue 15: a reprint index over HTTP. Adds (one and in batches) answer
/// with reprint matches, their passages and coverage, and the cluster
/// whose representative is the source; queries the same without adding;
/// every response follows the spec.
#[test]
fn issue15_reprint_index_answers_follow_the_spec() {
    let spec = spec();
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let app = reprint_app(dir.path());
    let story: Vec<String> = (0..6).map(|p| paragraph(100 + p, 40)).collect();
    let source = story.join("\n\n");
    let abridged = format!("Home | News\n\n{}\n\nShare this story", story[..4].join("\n\n"));
    let other = paragraph(9_000, 150);
    type Check = fn(&Value) -> bool;
    let cases: Vec<(&str, &str, Option<Value>, u16, Check)> = vec![
        ("POST", "/v1/documents", Some(json!({"id": "source", "text": source})), 201, |b| {
            b["matches"] == json!([]) && b["cluster"]["size"] == 1
        }),
        (
            "POST",
            "/v1/batch/documents",
            Some(json!({"documents": [
                {"id": "copy", "text": abridged, "site": "example.org"},
                {"id": "other", "text": other},
            ]})),
            200,
            |b| {
                let copy = &b["results"][0];
                let m = &copy["matches"][0];
                m["id"] == "source"
                    && m["kind"] == "reprint"
                    && m["coverage"]["query"].as_f64() > Some(0.9)
                    && m["coverage"]["doc"].as_f64() < Some(0.8)
                    && m["passages"][0]["words"].as_u64() > Some(100)
                    && copy["cluster"]["representative"] == "source"
                    && copy["cluster"]["size"] == 2
                    && b["results"][1]["matches"] == json!([])
            },
        ),
        ("GET", "/v1/documents/source", None, 200, |b| {
            b["matches"][0]["id"] == "copy" && b["matches"][0]["passages"].is_array()
        }),
        ("POST", "/v1/query", Some(json!({"text": abridged})), 200, |b| {
            // An exact copy of `copy`: it, and the reprint it is of.
            b["matches"][0]["kind"] == "exact"
                && b["matches"][1]["id"] == "source"
                && b["matches"][1]["passages"][0]["words"].as_u64() > Some(100)
                && b["clusters"][0]["representative"] == "source"
                && b["clusters"][0]["size"] == 3
        }),
        (
            "POST",
            "/v1/batch/query",
            Some(json!({"texts": [story[..3].join("\n\n"), paragraph(5, 50)]})),
            200,
            |b| {
                b["results"][0]["matches"][0]["kind"] == "reprint"
                    && b["results"][0]["matches"][0]["coverage"]["query"].as_f64() > Some(0.9)
                    && b["results"][1] == json!({"matches": [], "clusters": []})
            },
        ),
        ("GET", "/v1/stats", None, 200, |b| {
            b["documents"] == 3
                && b["params"]["mode"] == "reprint"
                && b["params"]["min_coverage"] == 0.5
        }),
        ("DELETE", "/v1/documents/copy", None, 400, |b| {
            b["error"].as_str().is_some_and(|m| m.contains("reprint index"))
        }),
    ];
    for (method, path, body, status, holds) in cases {
        let (got, value) = call(&rt, &app, method, path, body);
        assert_eq!(got, status, "{method} {path}: {value}");
        conforms(&spec, method, path, status, &value);
        assert!(holds(&value), "{method} {path}: {value}");
    }
}

/// Issue 15: queries sent at once, more than the cores that compute them
/// (the rest wait their turn), each get the answer they get alone; so do
/// `get`s among them.
#[test]
fn issue15_queries_at_once_answer_as_alone() {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let app = reprint_app(dir.path());
    let story: Vec<String> = (0..6).map(|p| paragraph(100 + p, 40)).collect();
    let documents: Vec<Value> = (0..4)
        .map(|i| json!({"id": format!("d{i}"), "text": story[i..i + 3].join("\n\n")}))
        .chain([json!({"id": "other", "text": paragraph(9_000, 150)})])
        .collect();
    let (status, _) =
        call(&rt, &app, "POST", "/v1/batch/documents", Some(json!({"documents": documents})));
    assert_eq!(status, 200);
    let mut requests: Vec<(&str, String, Option<Value>)> = (0..24)
        .map(|i| {
            let text = match i % 3 {
                0 => story[i % 4..i % 4 + 2].join("\n\n"),
                1 => format!("{}\n\n{}", story[i % 5], paragraph(i as u64, 60)),
                _ => paragraph(9_000 + i as u64 % 2, 150),
            };
            ("POST", "/v1/query".to_owned(), Some(json!({"text": text})))
        })
        .collect();
    requests.extend((0..4).map(|i| ("GET", format!("/v1/documents/d{i}"), None)));
    let alone: Vec<(u16, Value)> =
        requests.iter().map(|(m, p, b)| call(&rt, &app, m, p, b.clone())).collect();
    assert!(alone.iter().all(|(status, _)| *status == 200), "{alone:?}");
    let matched = alone.iter().filter(|(_, b)| b["matches"] != json!([])).count();
    // Most answers have matches, passages and clusters to get wrong.
    assert!(matched * 2 > alone.len(), "{matched} of the answers match something: {alone:?}");
    let together: Vec<(u16, Value)> = rt.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, (method, path, body)) in requests.iter().cloned().enumerate() {
            let app = app.clone();
            tasks.spawn(async move {
                let mut request = Request::builder().method(method).uri(path);
                if body.is_some() {
                    request = request.header("content-type", "application/json");
                }
                let bytes = body.map(|b| serde_json::to_vec(&b).unwrap()).unwrap_or_default();
                let response = app.oneshot(request.body(Body::from(bytes)).unwrap()).await.unwrap();
                let status = response.status().as_u16();
                let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
                (i, (status, serde_json::from_slice::<Value>(&body).unwrap()))
            });
        }
        let mut answers = tasks.join_all().await;
        answers.sort_by_key(|(i, _)| *i);
        answers.into_iter().map(|(_, answer)| answer).collect()
    });
    assert_eq!(together, alone);
}

/// Issue 18: an index with stories over HTTP. Each add (acknowledged once
/// committed) says which story the document joined, with the links that
/// carried it; `POST /v1/story` answers the same without adding; every
/// response follows the spec.
#[test]
fn issue18_story_answers_follow_the_spec() {
    let spec = spec();
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let index = Index::create_stories(
        dir.path().join("idx"),
        syndic::settings::ReprintSettings::default(),
        Some(syndic::settings::StoriesSettings::default()),
        syndic::cluster::Keep::Longest,
    )
    .unwrap();
    let stories = router(AppState::new(index, None, Limits::default()));
    let wire = "Ferry Sinks Off Osterby\n\nThe passenger ferry Marisol sank off the harbour of \
        Osterby on Tuesday night after striking the Kettle Rocks in a gale, and coastguard crews \
        from Hallvik pulled forty-one people from the water, the harbour master Ingrid Vasska said.";
    let own_words = "Divers search for the Marisol crew\n\nRescue divers from Hallvik returned to \
        the Kettle Rocks near Osterby to look for two sailors of the Marisol, the ferry that went \
        down in the storm. Harbour master Ingrid Vasska said the survivors were in hospital.";
    let others = [
        "Council budget rises\n\nThe county council of Lindmark approved a budget that rises by \
         four percent, with more money for schools and roads, after a long debate on Thursday.",
        "New school opens in Dalby\n\nPupils in Dalby moved into a new primary school on Monday \
         after two years of building work, the head teacher Per Holm said.",
    ];
    type Check = fn(&Value) -> bool;
    let cases: Vec<(&str, &str, Option<Value>, u16, Check)> = vec![
        (
            "POST",
            "/v1/batch/documents",
            Some(json!({"documents": [
                {"id": "budget", "text": others[0], "date": "2024-03-04"},
                {"id": "school", "text": others[1], "date": "2024-03-04"},
            ]})),
            200,
            |b| {
                b["results"][1]["story"]
                    == json!({"id": "school", "representative": "school", "size": 1, "links": []})
            },
        ),
        (
            "POST",
            "/v1/documents",
            Some(json!({"id": "wire", "text": wire, "date": "2024-03-05"})),
            201,
            |b| b["story"]["id"] == "wire",
        ),
        ("POST", "/v1/story", Some(json!({"text": own_words, "date": "2024-03-06"})), 200, |b| {
            b["id"] == "wire" && b["size"] == 2 && b["links"][0]["kind"] == "same_story"
        }),
        ("POST", "/v1/story", Some(json!({"text": own_words, "date": "2026-03-06"})), 200, |b| {
            b.get("id").is_none() && b["size"] == 1
        }),
        (
            "POST",
            "/v1/documents",
            Some(json!({"id": "own-words", "text": own_words, "date": "2024-03-06"})),
            201,
            |b| {
                let link = &b["story"]["links"][0];
                b["story"]["id"] == "wire"
                    && b["story"]["representative"] == "wire"
                    && link["id"] == "wire"
                    && link["entities"].as_array().is_some_and(|e| e.contains(&json!("marisol")))
            },
        ),
        ("POST", "/v1/story", Some(json!({"text": wire, "date": "March"})), 400, |b| {
            b["error"].as_str().is_some_and(|m| m.contains("March"))
        }),
    ];
    for (method, path, body, status, holds) in cases {
        let (got, value) = call(&rt, &stories, method, path, body);
        assert_eq!(got, status, "{method} {path}: {value}");
        conforms(&spec, method, path, status, &value);
        assert!(holds(&value), "{method} {path}: {value}");
    }
    // An index without stories says so.
    let (_dir, plain) = app(None, Limits::default());
    let (got, value) = call(&rt, &plain, "POST", "/v1/story", Some(json!({"text": wire})));
    assert_eq!(got, 400, "{value}");
    conforms(&spec, "POST", "/v1/story", 400, &value);
}
