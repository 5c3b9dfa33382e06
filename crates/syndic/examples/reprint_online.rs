//! How the answers a reprint index gives as documents arrive compare with
//! the batch result over the whole corpus (issue 15).
//!
//! ```text
//! cargo run -p syndic --example reprint_online -- corpus.jsonl.gz [share]
//! ```
//!
//! Creates a reprint index (default settings) in a temporary directory,
//! adds the first `share` (default 0.8) of the corpus in batches of 1,000,
//! then the rest one document at a time, as an aggregator would, keeping
//! each of those adds' answers. It then exports the index (the batch
//! pipeline over every stored document, `syndic dedup --mode reprint`) and
//! compares, for each document added one at a time: the documents its add
//! reported as reprints or exact copies, against its pairs in the export
//! with documents indexed before it; and the representative its add
//! reported, against its representative in the export.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use syndic::cluster::Keep;
use syndic::index::{AddOutcome, Index};
use syndic::read::{resolve_inputs, CorpusReader, ReadOptions};
use syndic::settings::ReprintSettings;
use syndic::{DocId, Document};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = PathBuf::from(args.first().ok_or("usage: reprint_online CORPUS [SHARE]")?);
    let share: f64 = args.get(1).map_or(Ok(0.8), |s| s.parse())?;
    let opts = ReadOptions::default();
    let inputs = resolve_inputs(&[data], &opts)?;
    let docs: Vec<Document> = CorpusReader::new(&inputs, &opts).collect::<Result<_, _>>()?;
    let split = (docs.len() as f64 * share) as usize;
    let dir = tempfile::tempdir()?;
    let index = Index::create_reprint(dir.path(), ReprintSettings::default(), Keep::Longest)?;
    let started = Instant::now();
    for chunk in docs[..split].chunks(1000) {
        index.add_batch(chunk)?;
    }
    let created = started.elapsed();
    let started = Instant::now();
    let mut answers = Vec::new();
    for doc in &docs[split..] {
        match index.add_batch(std::slice::from_ref(doc))?.remove(0) {
            AddOutcome::Added(report) => answers.push(report),
            AddOutcome::DuplicateId(id) => return Err(format!("duplicate id {id}").into()),
        }
    }
    let added = started.elapsed();
    let export = index.export()?;
    let result = &export.result;
    let pairs = result.pairs.to_vec()?;
    let position = |id: &str| export.ids.iter().position(|x| x == id).expect("exported");
    let (mut same_matches, mut same_rep) = (0, 0);
    let (mut only_online, mut only_batch) = (Vec::new(), Vec::new());
    let mut reps_differ = Vec::new();
    let mut later_source = 0;
    for report in &answers {
        let d = position(&report.id);
        let online: BTreeSet<&str> = report.matches.iter().map(|m| m.id.as_str()).collect();
        // Its pairs with documents before it, and (an exact copy stands in
        // for the one it copies, as the index answers) those of its copy.
        let mut batch: BTreeSet<&str> = BTreeSet::new();
        let copied = pairs
            .iter()
            .find(|p| p.b.as_usize() == d && p.kind == syndic::pairs::PairKind::Exact)
            .map(|p| p.a.as_usize());
        for p in &pairs {
            for subject in [Some(d), copied].into_iter().flatten() {
                let other = match (p.a.as_usize() == subject, p.b.as_usize() == subject) {
                    (true, _) => p.b.as_usize(),
                    (_, true) => p.a.as_usize(),
                    _ => continue,
                };
                if other < d && other != subject {
                    batch.insert(export.ids[other].as_str());
                }
            }
        }
        batch.remove(report.id.as_str());
        if online == batch {
            same_matches += 1;
        } else {
            for id in online.difference(&batch) {
                only_online.push((report.id.clone(), id.to_string()));
            }
            for id in batch.difference(&online) {
                only_batch.push((report.id.clone(), id.to_string()));
            }
        }
        let c = result.clustering.cluster_of(DocId::from_u32(d as u32));
        let rep = &export.ids[result.clustering.representative(c).as_usize()];
        if *rep == report.cluster.representative {
            same_rep += 1;
        } else if position(rep) > d {
            // A fuller version arrived later and became the source.
            later_source += 1;
        } else {
            reps_differ.push((report.id.clone(), report.cluster.representative.clone(), rep));
        }
    }
    let n = answers.len();
    println!(
        "documents {}: {split} indexed in batches of 1000 in {:.1} s, {n} added one at a time in \
         {:.1} s ({:.0}/s)",
        docs.len(),
        created.as_secs_f64(),
        added.as_secs_f64(),
        n as f64 / added.as_secs_f64()
    );
    println!(
        "matches at add time equal to the export's (with earlier documents): {same_matches} of {n}"
    );
    println!("pairs reported at add time, absent from the export: {}", only_online.len());
    for (doc, other) in only_online.iter().take(20) {
        println!("  {doc} -> {other}");
    }
    println!("pairs in the export not reported at add time: {}", only_batch.len());
    for (doc, other) in only_batch.iter().take(20) {
        println!("  {doc} -> {other}");
    }
    println!(
        "representative at add time equal to the export's: {same_rep} of {n}; a document added \
         later is the export's representative: {later_source}; otherwise different: {}",
        reps_differ.len()
    );
    for (doc, online, batch) in reps_differ.iter().take(20) {
        println!("  {doc}: at add time {online}, in the export {batch}");
    }
    Ok(())
}
