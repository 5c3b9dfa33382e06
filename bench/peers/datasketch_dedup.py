"""datasketch's usual recipe: one `MinHash` per document, streamed through
`MinHashLSH` (query, then insert), LSH candidates joined by union-find.

Candidates are not re-checked against the estimated Jaccard: `MinHashLSH`
users take its answers as they are.
"""

from datasketch import MinHash, MinHashLSH
from datasketch import __version__ as version

from common import NUM_PERM, THRESHOLD, UnionFind, parse_args, read_docs, report, shingles, write_clusters


def main() -> None:
    args = parse_args(__doc__)
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    uf = UnionFind()
    ids = []
    for doc_id, text in read_docs(args.input, args.id_field, args.text_field):
        i = uf.add()
        ids.append(doc_id)
        grams = shingles(text)
        if not grams:
            continue
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch([g.encode("utf-8") for g in grams])
        for j in lsh.query(m):
            uf.union(i, j)
        lsh.insert(i, m, check_duplication=False)
    clusters = write_clusters(args.out, ids, uf.find)
    report("datasketch", len(ids), clusters, version=version, bands=lsh.b, rows=lsh.r)


if __name__ == "__main__":
    main()
