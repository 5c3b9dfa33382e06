//! `syndic eval` end to end: label files in a temp dir, the real binary, and
//! scores checked against numbers worked out by hand.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn syndic(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_syndic"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the syndic binary runs")
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// Gold {a, b, c} {d, e} as JSONL with string labels.
const GOLD_JSONL: &str = r#"{"id": "a", "cluster": "x"}
{"id": "b", "cluster": "x"}
{"id": "c", "cluster": "x"}

{"id": "d", "cluster": "y"}
{"id": "e", "cluster": "y"}
"#;

/// The seed-style gold: one object whose `stories` member maps id -> label.
const GOLD_MAP: &str = r#"{
  "about": "five documents, three stories",
  "stories": {"000": "annan", "001": "ban", "002": "ban", "003": "putin", "004": "ban"}
}"#;

struct Case {
    name: &'static str,
    gold: &'static str,
    pred: &'static str,
    flags: &'static [&'static str],
    /// (JSON pointer, expected value); floats compare within 1e-12.
    expect: &'static [(&'static str, f64)],
}

#[test]
fn json_scores_match_hand_computed_values() {
    let cases = [
        // Pred {a, b} {c, d, e}, integer labels. Cells 2, 1, 2: common pairs
        // 2, gold 4, pred 4, total 10: ARI = (2 - 1.6) / (4 - 1.6) = 1/6.
        // B-cubed P = (1 + 1 + 1/3 + 2/3 + 2/3) / 5 = 11/15, R likewise.
        Case {
            name: "one document moved",
            gold: GOLD_JSONL,
            pred: "{\"id\":\"a\",\"cluster\":1}\n{\"id\":\"b\",\"cluster\":1}\n{\"id\":\"c\",\"cluster\":2}\n{\"id\":\"d\",\"cluster\":2}\n{\"id\":\"e\",\"cluster\":2}\n",
            flags: &[],
            expect: &[
                ("/ari", 1.0 / 6.0),
                ("/pair_precision", 0.5),
                ("/pair_recall", 0.5),
                ("/pair_f1", 0.5),
                ("/bcubed_precision", 11.0 / 15.0),
                ("/bcubed_recall", 11.0 / 15.0),
                ("/bcubed_f1", 11.0 / 15.0),
                ("/gold_clusters", 2.0),
                ("/pred_clusters", 2.0),
                ("/worst_false_merges/0/wrong_pairs", 2.0),
                ("/worst_misses/0/missed_pairs", 2.0),
            ],
        },
        // Map gold found under `stories` without a flag; pred under other
        // field names, 004 absent and so a singleton. Gold pairs 3 (ban),
        // pred pairs 1 (001-002), common 1, total 10:
        // ARI = 2(1·10 - 3·1) / ((3 + 1)·10 - 2·3) = 14/34.
        // B-cubed R = (1 + 2/3 + 2/3 + 1 + 1/3) / 5 = 11/15.
        Case {
            name: "map gold, renamed pred fields, absent id",
            gold: GOLD_MAP,
            pred: "{\"doc\":\"000\",\"group\":\"1\"}\n{\"doc\":\"001\",\"group\":\"2\"}\n{\"doc\":\"002\",\"group\":\"2\"}\n{\"doc\":\"003\",\"group\":\"3\"}\n{\"doc\":\"zzz\",\"group\":\"3\"}\n",
            flags: &["--pred-id-field", "doc", "--pred-label-field", "group"],
            expect: &[
                ("/ari", 14.0 / 34.0),
                ("/pair_precision", 1.0),
                ("/pair_recall", 1.0 / 3.0),
                ("/bcubed_precision", 1.0),
                ("/bcubed_recall", 11.0 / 15.0),
                ("/gold_clusters", 3.0),
                ("/pred_clusters", 4.0),
                ("/coverage/evaluated", 5.0),
                ("/coverage/absent_from_pred", 1.0),
                ("/coverage/absent_from_gold", 1.0),
            ],
        },
        // The same with the map named and absent ids skipped: 000..003 are
        // partitioned identically on both sides.
        Case {
            name: "named map field, absent ids skipped",
            gold: GOLD_MAP,
            pred: "{\"id\":\"000\",\"cluster\":7}\n{\"id\":\"001\",\"cluster\":8}\n{\"id\":\"002\",\"cluster\":8}\n{\"id\":\"003\",\"cluster\":9}\n",
            flags: &["--gold-map-field", "stories", "--missing", "skip"],
            expect: &[
                ("/ari", 1.0),
                ("/pair_f1", 1.0),
                ("/bcubed_f1", 1.0),
                ("/coverage/evaluated", 4.0),
                ("/coverage/absent_from_pred", 1.0),
            ],
        },
        // Everything one cluster on both sides: ARI's 0/0 defined as 1.
        Case {
            name: "one cluster",
            gold: "{\"id\":1,\"cluster\":0}\n{\"id\":2,\"cluster\":0}\n{\"id\":3,\"cluster\":0}\n",
            pred: "{\"1\":\"k\",\"2\":\"k\",\"3\":\"k\"}",
            flags: &[],
            expect: &[("/ari", 1.0), ("/pair_f1", 1.0), ("/pred_clusters", 1.0)],
        },
    ];
    for case in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "gold.json", case.gold);
        write(dir.path(), "pred.jsonl", case.pred);
        let mut args = vec!["eval", "--gold", "gold.json", "--pred", "pred.jsonl", "--json"];
        args.extend_from_slice(case.flags);
        let out = syndic(dir.path(), &args);
        assert!(out.status.success(), "{}: {}", case.name, String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(stdout.lines().count(), 1, "{}: one JSON line", case.name);
        let report: Value = serde_json::from_str(&stdout).unwrap();
        for &(pointer, want) in case.expect {
            let got = report.pointer(pointer).and_then(Value::as_f64);
            assert!(
                got.is_some_and(|got| (got - want).abs() < 1e-12),
                "{}: {pointer} is {got:?}, expected {want}",
                case.name
            );
        }
    }
}

#[test]
fn table_names_scores_and_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "gold.jsonl", GOLD_JSONL);
    write(
        dir.path(),
        "pred.jsonl",
        "{\"id\":\"a\",\"cluster\":1}\n{\"id\":\"b\",\"cluster\":1}\n{\"id\":\"c\",\"cluster\":2}\n{\"id\":\"d\",\"cluster\":2}\n{\"id\":\"e\",\"cluster\":2}\n",
    );
    let out = syndic(dir.path(), &["eval", "--gold", "gold.jsonl", "--pred", "pred.jsonl"]);
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    let ari_line = table.lines().find(|l| l.starts_with("ARI")).expect("an ARI line");
    assert!(ari_line.ends_with("0.1667"), "{ari_line}");
    let pairwise = table.lines().find(|l| l.starts_with("pairwise")).expect("a pairwise line");
    assert_eq!(
        pairwise.split_whitespace().collect::<Vec<_>>(),
        ["pairwise", "0.5000", "0.5000", "0.5000"]
    );
    assert!(table.contains("cluster 2: 3 docs from 2 gold clusters, 2 wrong pairs"), "{table}");
    assert!(table.contains("gold x: 3 docs over 2 predicted clusters, 2 missed pairs"), "{table}");
}

#[test]
fn bad_input_is_named_by_file_and_line() {
    let cases = [
        (
            "malformed line",
            "{\"id\":\"a\",\"cluster\":1}\n{\"id\":\"b\" \"cluster\":1}\n",
            "pred.jsonl, line 2, column 11: malformed JSON: expected `,` or `}`",
        ),
        (
            "missing label",
            "{\"id\":\"a\",\"cluster\":1}\n\n{\"id\":\"b\"}\n",
            "pred.jsonl, line 3: missing field `cluster`",
        ),
        (
            "label of the wrong type",
            "{\"id\":\"a\",\"cluster\":[1]}\n",
            "pred.jsonl, line 1: field `cluster` is an array, expected a string or an integer",
        ),
        (
            "not an object",
            "{\"id\":\"a\",\"cluster\":1}\n[1, 2]\n",
            "pred.jsonl, line 2: expected a JSON object, found an array",
        ),
        (
            "duplicate id",
            "{\"id\":\"a\",\"cluster\":1}\n{\"id\":\"a\",\"cluster\":2}\n",
            "pred.jsonl, line 2: duplicate id `a`",
        ),
        (
            "object with no single map",
            "{\"one\": {\"a\": 1}, \"two\": {\"b\": 2}}",
            "pred.jsonl: one JSON object, but not an id -> label map, and no single member holds one (object members: [one, two])",
        ),
        (
            "bad label in a map",
            "{\"a\": 1.5}",
            "pred.jsonl: the label of id `a` is a non-integer number, expected a string or an integer",
        ),
    ];
    for (name, pred, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "gold.jsonl", GOLD_JSONL);
        write(dir.path(), "pred.jsonl", pred);
        let out = syndic(dir.path(), &["eval", "--gold", "gold.jsonl", "--pred", "pred.jsonl"]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(message), "{name}: {stderr}");
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
    }
}

#[test]
fn named_map_field_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "gold.json", GOLD_MAP);
    write(dir.path(), "pred.jsonl", "{\"id\":\"000\",\"cluster\":1}\n");
    let out = syndic(
        dir.path(),
        &["eval", "--gold", "gold.json", "--pred", "pred.jsonl", "--gold-map-field", "labels"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("gold.json: no object member `labels`"), "{stderr}");

    let missing = syndic(dir.path(), &["eval", "--gold", "nope.jsonl", "--pred", "pred.jsonl"]);
    let stderr = String::from_utf8(missing.stderr).unwrap();
    assert!(stderr.contains("nope.jsonl: cannot read"), "{stderr}");
}
