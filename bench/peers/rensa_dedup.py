"""rensa's usual recipe: R-MinHash signatures built in batches
(`RMinHash.from_token_sets`), an `RMinHashLSH` index queried per document,
and each candidate checked against the estimated Jaccard before joining
(what `RMinHashDeduplicator` does), clusters by union-find.

rensa needs the band count to divide 128: 16 bands of 8 rows (LSH curve
midpoint ~0.71, under the 0.8 threshold, so the Jaccard check decides).
"""

from importlib.metadata import version

from rensa import RMinHash, RMinHashLSH

from common import NUM_PERM, THRESHOLD, UnionFind, parse_args, read_docs, report, shingles, write_clusters

BANDS = 16
SEED = 42
BATCH = 10_000


def main() -> None:
    args = parse_args(__doc__)
    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=BANDS)
    uf = UnionFind()
    ids = []
    sketches = {}

    def flush(batch):
        indexed = [(i, grams) for i, grams in batch if grams]
        minhashes = RMinHash.from_token_sets([grams for _, grams in indexed], num_perm=NUM_PERM, seed=SEED)
        for (i, _), m in zip(indexed, minhashes):
            for j in lsh.query(m):
                if m.jaccard(sketches[j]) >= THRESHOLD:
                    uf.union(i, j)
            lsh.insert(i, m)
            sketches[i] = m

    batch = []
    for doc_id, text in read_docs(args.input, args.id_field, args.text_field):
        batch.append((uf.add(), list(shingles(text))))
        ids.append(doc_id)
        if len(batch) == BATCH:
            flush(batch)
            batch = []
    flush(batch)
    clusters = write_clusters(args.out, ids, uf.find)
    report("rensa", len(ids), clusters, version=version("rensa"), bands=BANDS, rows=NUM_PERM // BANDS)


if __name__ == "__main__":
    main()
