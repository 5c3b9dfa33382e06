// `syndic report` in a real browser: builds the report of the seed run,
// opens it from disk in headless Chromium and checks what a reader sees.
//
//   SYNDIC_BIN  the syndic binary        [default: <repo>/target/debug/syndic]
//   SEEDS_RUN   a run directory of the seeds [default: made by the test,
//               `syndic dedup ../shared/data/seeds --mode reprint`: the seed
//               pages stay in ../shared, never copied into the project]
//   CHROMIUM    the browser              [default: /usr/bin/chromium]
//
// Screenshots go to artifacts/ for a person to look at.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const bin = process.env.SYNDIC_BIN || path.join(root, 'target/debug/syndic');
const seeds = path.join(root, '../shared/data/seeds');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = path.join(here, 'artifacts');
const QUOTE = 'count on your strong support, leadership and guidance';
const SEED_CLUSTER = ['001.txt', '002.txt', '004.txt'];

let work;
let context;

// Writes `rows` as JSON lines.
function writeJsonl(file, rows) {
  fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

// A hand-made run directory `work/<name>/run` and its corpus
// `work/<name>/corpus.jsonl` of `docs`; the run's files are the test's to
// write.
function handMadeRun(name, docs) {
  const dir = path.join(work, name);
  const run = path.join(dir, 'run');
  fs.mkdirSync(run, { recursive: true });
  const corpus = path.join(dir, 'corpus.jsonl');
  writeJsonl(corpus, docs);
  return { run, corpus };
}

function report(runDir, out) {
  execFileSync(bin, ['report', runDir, '--out', out, '--force'], { cwd: root, stdio: 'pipe' });
  return pathToFileURL(out).href;
}

// Fails the test on any script error and any request that is not the file
// itself: the report must work offline and load nothing.
async function open(url) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`); });
  page.on('request', (req) => { if (!req.url().startsWith(url.split('#')[0])) problems.push(`request: ${req.url()}`); });
  await page.goto(url);
  return { page, problems };
}

before(async () => {
  assert.ok(fs.existsSync(bin), `no syndic binary at ${bin}: run \`cargo build -p syndic-cli\` or set SYNDIC_BIN`);
  assert.ok(fs.existsSync(browserPath), `no browser at ${browserPath}: run scripts/install-browser-deps.sh`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'syndic-report-'));
  fs.mkdirSync(artifacts, { recursive: true });
  context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
    executablePath: browserPath,
    headless: true,
    viewport: { width: 1500, height: 950 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
});

after(async () => {
  await context?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

// Without the seed pages the test is skipped (listed as such), except under
// CI=true, where it must run.
const seedsMissing =
  !process.env.SEEDS_RUN && !fs.existsSync(seeds) && process.env.CI !== 'true' ? `${seeds} is absent` : false;

// The seed run: SEEDS_RUN, or a reprint run made from the seed pages.
function seedsRun() {
  if (process.env.SEEDS_RUN) return path.resolve(process.env.SEEDS_RUN);
  const run = path.join(work, 'seeds-run');
  execFileSync(bin, ['dedup', seeds, '--mode', 'reprint', '--out', run, '--force', '-q'], { stdio: 'pipe' });
  return run;
}

test('the seed wire story shows as one cluster of three pages', { timeout: 120_000, skip: seedsMissing }, async () => {
  const url = report(seedsRun(), path.join(work, 'seeds.html'));
  const { page, problems } = await open(url);

  // Overview: the run's numbers and both charts.
  await page.waitForSelector('.cards');
  const lede = await page.textContent('.lede');
  assert.match(lede, /documents? read/);
  assert.equal(await page.locator('.charts svg.chart').count(), 2);
  assert.ok(await page.locator('.charts svg.chart rect.bar').count() >= 2, 'charts have bars');
  await page.screenshot({ path: path.join(artifacts, '1-overview.png'), fullPage: true });

  // Cluster list: filter by a document id, open the cluster.
  await page.click('nav a[href="#clusters"]');
  await page.fill('input[type=search]', '001.txt');
  await page.waitForFunction(() => document.querySelectorAll('table.clusters tbody tr').length === 1);
  await page.screenshot({ path: path.join(artifacts, '2-clusters.png') });
  await page.click('table.clusters tbody tr');

  // Cluster view: the three pages side by side.
  await page.waitForSelector('.cluster-view .doc');
  const shown = await page.$$eval('.cluster-view .doc', (els) => els.map((e) => e.dataset.doc));
  for (const id of SEED_CLUSTER) assert.ok(shown.includes(id), `${id} is shown (got ${shown})`);

  // The quote is highlighted in all three, in one colour.
  const quoteColours = await page.$$eval('.cluster-view .doc', (cols, quote) => cols.map((col) => {
    const mark = [...col.querySelectorAll('mark.pg')].find((m) => m.textContent.replace(/[\u2018\u2019]/g, "'").includes(quote));
    return mark ? [col.dataset.doc, getComputedStyle(mark).backgroundColor, mark.dataset.g] : [col.dataset.doc, null, null];
  }), QUOTE);
  const seedColours = quoteColours.filter(([id]) => SEED_CLUSTER.includes(id));
  for (const [id, colour] of seedColours) {
    assert.ok(colour && colour !== 'rgba(0, 0, 0, 0)', `the quote is highlighted in ${id}`);
  }
  assert.equal(new Set(seedColours.map(([, c]) => c)).size, 1, `one colour for the quote: ${JSON.stringify(seedColours)}`);
  assert.equal(new Set(seedColours.map(([, , g]) => g)).size, 1, 'one passage group for the quote');

  // A different passage has a different colour.
  const groups = await page.$$eval('.cluster-view mark.pg', (ms) => [...new Set(ms.map((m) => getComputedStyle(m).backgroundColor))]);
  assert.ok(groups.length >= 2, `several passage colours: ${groups}`);

  // Boilerplate is greyed: its own class, and text lighter than the story's.
  const grey = await page.$$eval('.cluster-view .doc', (cols) => cols.map((col) => {
    const body = col.querySelector('.doc-body');
    const bp = [...body.querySelectorAll('.bp')];
    const lum = (c) => { const [r, g, b] = c.match(/\d+/g).map(Number); return 0.299 * r + 0.587 * g + 0.114 * b; };
    return {
      id: col.dataset.doc,
      texts: bp.map((e) => e.textContent),
      lighter: bp.every((e) => lum(getComputedStyle(e).color) > lum(getComputedStyle(body).color) + 40),
    };
  }));
  const bpOf = (id) => grey.find((g) => g.id === id);
  assert.ok(bpOf('001.txt').texts.some((t) => t.includes('Twitter Facebook')), '001 share bar is boilerplate');
  assert.ok(bpOf('001.txt').texts.some((t) => t.includes('E-paper')), '001 E-paper block is boilerplate');
  assert.ok(bpOf('002.txt').texts.some((t) => t.includes('Dear reader')), '002 comment notice is boilerplate');
  assert.ok(bpOf('002.txt').texts.some((t) => t.includes('MIN +17')), '002 weather line is boilerplate');
  for (const g of grey) assert.ok(g.lighter, `boilerplate of ${g.id} is greyed`);

  // The representative is marked, once.
  const reps = await page.$$eval('.cluster-view .doc.is-rep', (els) => els.map((e) => [e.dataset.doc, e.querySelector('.badge.rep')?.textContent]));
  assert.equal(reps.length, 1);
  assert.match(reps[0][1], /representative/);
  if (!process.env.SEEDS_RUN) assert.equal(reps[0][0], '001.txt');

  // Each document's map bar shows where its passages and boilerplate are.
  assert.equal(await page.locator('.maps svg.map').count(), shown.length);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join(artifacts, '3-cluster.png') });
  await page.screenshot({ path: path.join(artifacts, '3-cluster-full.png'), fullPage: true });

  // Hovering a passage outlines it in every document.
  const quoteMark = page.locator('.cluster-view .doc[data-doc="002.txt"] mark.pg', { hasText: 'strong support' }).first();
  await quoteMark.hover();
  const lit = await page.$$eval('.cluster-view mark.pg.hl', (ms) => new Set(ms.map((m) => m.closest('.doc').dataset.doc)).size);
  assert.equal(lit, 3, 'the hovered passage lights up in the three documents');

  // Pair view of 001 and 002.
  await page.evaluate(() => { location.hash = '#pair/001.txt/002.txt'; });
  await page.waitForSelector('.pair-view .diff');
  const cols = await page.$$eval('.diff .colhead', (els) => els.map((e) => e.textContent));
  assert.match(cols[0], /001\.txt/);
  assert.match(cols[1], /002\.txt/);
  const same = await page.$$eval('.diff .cell.same', (els) => els.map((e) => e.textContent));
  assert.ok(same.some((t) => t.includes('strong support, leadership and guidance')), 'the quote is shown as shared');
  assert.ok(same.some((t) => t.includes('Ban is in the final year of his term')), 'the shared paragraph is shown as shared');
  const onlyA = await page.$$eval('.diff .cell.differ-a', (els) => els.map((e) => e.textContent).join('\n'));
  const onlyB = await page.$$eval('.diff .cell.differ-b', (els) => els.map((e) => e.textContent).join('\n'));
  assert.match(onlyA, /Twitter Facebook/, '001 only: its share bar');
  assert.match(onlyB, /Dear reader/, '002 only: its comment notice');
  // Shared rows sit side by side: the quote's row has it in both columns.
  const aligned = await page.$$eval('.diff .cell', (cells) => {
    for (let i = 2; i + 1 < cells.length; i += 2) {
      if (cells[i].textContent.includes('strong support') && cells[i + 1].textContent.includes('strong support')) return true;
    }
    return false;
  });
  assert.ok(aligned, 'the quote is on one row in both columns');
  const stats = await page.textContent('.pstats');
  assert.match(stats, /shared \d+ words/);
  await page.screenshot({ path: path.join(artifacts, '4-pair.png'), fullPage: true });

  assert.deepEqual(problems, []);
  await page.close();
});

test('untrusted ids and texts stay text', { timeout: 60_000 }, async () => {
  const evilId = '<img src=x onerror="window.__pwned=1">';
  const evilText = 'Breaking news </script><script>window.__pwned=2</script> <b>not bold</b> & more.\n'.repeat(3);
  const { run, corpus } = handMadeRun('hostile', [
    { id: evilId, text: evilText, date: '2024-01-01<script>' },
    { id: 'plain', text: evilText },
  ]);
  fs.writeFileSync(path.join(run, 'summary.json'), JSON.stringify({
    command: 'dedup', mode: 'exact', inputs: [corpus], read_options: { format: 'jsonl', id_field: 'id', text_field: 'text', site_field: null },
    params: {}, documents: { read: 2, skipped: 0 }, clusters: 1, duplicates_removed: 1, cluster_size_histogram: { 2: 1 },
  }));
  writeJsonl(path.join(run, 'clusters.jsonl'), [
    { id: evilId, cluster: 0, representative: true, similarity: 1 },
    { id: 'plain', cluster: 0, representative: false, similarity: 1 },
  ]);

  const url = report(run, path.join(work, 'hostile.html'));
  const { page, problems } = await open(`${url}#cluster/0`);
  await page.waitForSelector('.cluster-view .doc');
  const body = await page.textContent('.cluster-view .doc.is-rep .doc-body');
  assert.ok(body.includes('</script><script>window.__pwned=2</script> <b>not bold</b>'), 'the text is shown as written');
  const head = await page.textContent('.cluster-view .doc.is-rep .doc-head');
  assert.ok(head.includes(evilId), 'the id is shown as written');
  assert.ok(head.includes('2024-01-01<script>'), 'own fields are shown as written');
  const injected = ['img', 'b', 'script'].flatMap((tag) => ['.doc-body', '.doc-head .title', '.fields'].map((at) => `.cluster-view ${at} ${tag}`));
  assert.equal(await page.locator(injected.join(', ')).count(), 0, 'no markup from the data');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  // Identical texts: the browser finds the shared text itself, one passage.
  assert.equal(await page.$$eval('.cluster-view mark.pg', (ms) => new Set(ms.map((m) => m.dataset.g)).size), 1);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a single document that shares a passage is listed and shows it', { timeout: 60_000 }, async () => {
  const story = 'The council met on Tuesday and agreed to build the new bridge over the river by spring.';
  const { run, corpus } = handMadeRun('single', [
    { id: 'a', text: story },
    { id: 'b', text: `${story} More at eleven.` },
    { id: 'c', text: `Opinion. ${story} We think it is a mistake.` },
    { id: 'd', text: 'Unrelated weather notes for the weekend.' },
  ]);
  fs.writeFileSync(path.join(run, 'summary.json'), JSON.stringify({ command: 'dedup', mode: 'minhash', inputs: [corpus] }));
  writeJsonl(path.join(run, 'clusters.jsonl'), [
    { id: 'a', cluster: 0, representative: true, similarity: 1 },
    { id: 'b', cluster: 0, representative: false, similarity: 0.9 },
    { id: 'c', cluster: 1, representative: true, similarity: 1 },
    { id: 'd', cluster: 2, representative: true, similarity: 1 },
  ]);
  const len = Buffer.byteLength(story);
  writeJsonl(path.join(run, 'passages.jsonl'), [
    { a: 'a', b: 'c', a_start: 0, a_end: len, b_start: 9, b_end: 9 + len, words: 17, identity: 1 },
  ]);

  const url = report(run, path.join(work, 'single.html'));
  const { page, problems } = await open(`${url}#clusters`);
  const listed = await page.$$eval('table.clusters tbody tr', (rows) => rows.map((r) => r.dataset.cluster));
  assert.deepEqual(listed, ['0', '1'], 'the singleton with a passage is listed, the other is not');

  await page.click('table.clusters tbody tr[data-cluster="1"]');
  await page.waitForSelector('.cluster-view .doc');
  const marked = await page.$$eval('.cluster-view .doc[data-doc="c"] mark.pg', (ms) => ms.map((m) => m.textContent).join(''));
  assert.equal(marked, story, 'the passage shared with a document of another cluster is highlighted');
  const elsewhere = await page.textContent('.cluster-view');
  assert.match(elsewhere, /1 elsewhere/);
  await page.click('.cluster-view a[href="#cluster/0"]');
  await page.waitForSelector('.cluster-view[data-cluster="0"]');
  // Near-duplicates without recorded passages: shared text found in the page.
  const shared = await page.$$eval('.cluster-view .doc[data-doc="b"] mark.pg', (ms) => ms.map((m) => m.textContent).join(''));
  assert.equal(shared, story);
  assert.deepEqual(problems, []);
  await page.close();
});

// Issue 18: a stories run's report shows each story's relations with their
// types and evidence: passages for reuse, shared names and words for
// `same_story`. The example corpus in the repository has all four types.
test('issue18 a stories report shows relation types and their evidence', { timeout: 60_000 }, async () => {
  const run = path.join(work, 'stories-run');
  execFileSync(bin, ['stories', path.join(root, 'examples/corpus'), '--out', run, '--force', '-q'], { stdio: 'pipe' });
  const url = report(run, path.join(work, 'stories.html'));
  const { page, problems } = await open(`${url}#clusters`);
  await page.fill('input[type=search]', 'bridge-reopens.txt');
  await page.waitForFunction(() => document.querySelectorAll('table.clusters tbody tr').length === 1);
  await page.click('table.clusters tbody tr');
  await page.waitForSelector('.relations-panel');
  const rows = await page.$$eval('.relations-panel tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  const types = new Set(rows.map((r) => r[1]));
  for (const t of ['copy', 'reprint', 'same_story']) assert.ok(types.has(t), `a ${t} relation is listed: ${JSON.stringify(rows)}`);
  const sameStory = rows.find((r) => r[1] === 'same_story');
  assert.match(sameStory[3], /ruiz/, 'a same-story link names the shared names');
  const reprint = rows.find((r) => r[1] === 'reprint');
  assert.match(reprint[3], /\d+ passages?, \d+ words/, 'a reprint says what passages it shares');
  assert.match(await page.textContent('.relations-panel .note'), /copy.*reprints.*same-story link/);
  await page.screenshot({ path: path.join(artifacts, '5-stories.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});
