//! Throughput of each stage on real text: the first 20 MB of the Project
//! Gutenberg sample when `../shared/data` is present, else a synthetic
//! corpus (the numbers in bench/results come from the real one).
//!
//! `cargo bench -p syndic --bench stages`

use std::io::{BufRead, BufReader};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use syndic::align::{align, AlignConfig};
use syndic::fingerprint::{of_tokens, FingerprintConfig};
use syndic::lsh::LshParams;
use syndic::normalize::{Normalizer, Tokens};
use syndic::shingle::{ShingleConfig, Shingler};
use syndic::sketch::{SketchMethod, Sketcher};
use syndic::verify::{into_set, jaccard_sorted};

const BYTES: usize = 20 << 20;

/// Documents of about 100 KB each, so batches look like a real corpus.
fn corpus() -> Vec<String> {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/gutenberg-sample.jsonl.gz");
    let mut docs = Vec::new();
    let mut total = 0;
    if let Ok(file) = std::fs::File::open(path) {
        for line in BufReader::new(flate2::read::GzDecoder::new(file)).lines() {
            let value: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
            let text = value["text"].as_str().unwrap();
            for chunk in text.as_bytes().chunks(100_000) {
                let chunk = String::from_utf8_lossy(chunk).into_owned();
                total += chunk.len();
                docs.push(chunk);
            }
            if total >= BYTES {
                break;
            }
        }
    } else {
        let words = [
            "the", "harbour", "bridge", "reopened", "on", "monday", "after", "a", "repair", "said",
        ];
        let mut state = 1u64;
        while total < BYTES {
            let mut doc = String::with_capacity(100_000);
            while doc.len() < 100_000 {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                doc.push_str(words[(state >> 60) as usize % words.len()]);
                doc.push(' ');
            }
            total += doc.len();
            docs.push(doc);
        }
    }
    docs
}

fn stages(c: &mut Criterion) {
    let docs = corpus();
    let bytes: u64 = docs.iter().map(|d| d.len() as u64).sum();
    let shingler = Shingler::new(ShingleConfig::default()).unwrap();
    let mut tokens = Tokens::default();
    let shingle_sets: Vec<Vec<u64>> = docs
        .iter()
        .map(|d| {
            let mut out = Vec::new();
            shingler.shingles_into(d, &mut tokens, &mut out);
            out
        })
        .collect();

    let mut group = c.benchmark_group("per_core");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("normalize", |b| {
        let normalizer = Normalizer::default();
        b.iter(|| {
            for d in &docs {
                normalizer.tokenize(d, &mut tokens);
            }
        })
    });
    group.bench_function("normalize_and_shingle", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            for d in &docs {
                out.clear();
                shingler.shingles_into(d, &mut tokens, &mut out);
            }
        })
    });
    for method in [SketchMethod::OnePermutation, SketchMethod::MultiplyShift] {
        let sketcher = Sketcher::new(method, 128, 1).unwrap();
        group.bench_with_input(
            BenchmarkId::new("sketch_only", format!("{method:?}")),
            &shingle_sets,
            |b, sets| {
                let mut sig = vec![0u32; 128];
                b.iter(|| {
                    for s in sets {
                        sketcher.sketch_into(s, &mut sig);
                    }
                })
            },
        );
    }
    let sketcher = Sketcher::new(SketchMethod::OnePermutation, 128, 1).unwrap();
    group.bench_function("signatures_end_to_end", |b| {
        let mut out = Vec::new();
        let mut sig = vec![0u32; 128];
        b.iter(|| {
            for d in &docs {
                out.clear();
                shingler.shingles_into(d, &mut tokens, &mut out);
                sketcher.sketch_into(&out, &mut sig);
            }
        })
    });
    // Fingerprints as every front end takes them: OCR folding, then winnowing.
    group.bench_function("fingerprints", |b| {
        let cfg = FingerprintConfig::default();
        b.iter(|| {
            for d in &docs {
                Normalizer::default().tokenize(d, &mut tokens);
                std::hint::black_box(of_tokens(&tokens, &cfg));
            }
        })
    });
    group.finish();

    // LSH and verification on many short documents' worth of signatures.
    let lsh = LshParams::optimal(0.8, 128, 0.2, 0.8).unwrap();
    let sigs: Vec<Vec<u32>> = (0..100_000u64)
        .map(|i| {
            sketcher.sketch(&(i * 50..i * 50 + 120).map(syndic::hash::fmix64).collect::<Vec<_>>())
        })
        .collect();
    let keys: Vec<u64> = sigs.iter().flat_map(|s| lsh.band_keys(s).collect::<Vec<_>>()).collect();
    let mut group = c.benchmark_group("lsh");
    group.sample_size(10);
    group.throughput(Throughput::Elements(sigs.len() as u64));
    group.bench_function("band_keys_100k", |b| {
        b.iter(|| {
            sigs.iter().map(|s| lsh.band_keys(s).fold(0u64, |a, k| a ^ k)).fold(0, |a, k| a ^ k)
        })
    });
    group.bench_function("candidates_100k", |b| {
        b.iter(|| lsh.candidates(&keys, &vec![false; sigs.len()]))
    });
    group.finish();

    let sets: Vec<Vec<u64>> = shingle_sets.iter().take(100).map(|s| into_set(s.clone())).collect();
    let mut group = c.benchmark_group("verify");
    group.sample_size(10);
    group.throughput(Throughput::Elements(99));
    group.bench_function("exact_jaccard_100kb_pairs", |b| {
        b.iter(|| sets.windows(2).map(|w| jaccard_sorted(&w[0], &w[1])).sum::<f64>())
    });
    let mut normalizer_tokens = (Tokens::default(), Tokens::default());
    Normalizer::default().tokenize(&docs[0], &mut normalizer_tokens.0);
    let edited = docs[0].replace(" the ", " a ");
    Normalizer::default().tokenize(&edited, &mut normalizer_tokens.1);
    group.throughput(Throughput::Bytes(docs[0].len() as u64));
    group.bench_function("align_100kb_edited_copy", |b| {
        b.iter(|| {
            align(
                normalizer_tokens.0.hashes(),
                normalizer_tokens.1.hashes(),
                &AlignConfig::default(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
