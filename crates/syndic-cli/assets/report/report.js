// syndic report: draws the run data embedded in this page. Everything is
// rendered on demand from that data, and every piece of it goes into the DOM
// as text (never as markup): the documents are untrusted.
(() => {
  'use strict';

  const DATA = JSON.parse(document.getElementById('syndic-data').textContent);
  const app = document.getElementById('app');

  // ---------------------------------------------------------------- helpers

  function h(tag, props, ...kids) {
    const el = document.createElement(tag);
    setProps(el, props);
    append(el, kids);
    return el;
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  function s(tag, props, ...kids) {
    const el = document.createElementNS(SVG_NS, tag);
    setProps(el, props);
    append(el, kids);
    return el;
  }

  function setProps(el, props) {
    if (!props) return;
    for (const [k, v] of Object.entries(props)) {
      if (v == null || v === false) continue;
      if (k === 'class') el.setAttribute('class', v);
      else if (k === 'style') for (const [p, val] of Object.entries(v)) el.style.setProperty(p, val);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'value') el.value = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }

  // Like replaceChildren, but skipping null and false (which it would print).
  function fill(el, ...kids) {
    el.replaceChildren();
    append(el, kids);
  }

  function append(el, kids) {
    for (const kid of kids.flat(Infinity)) {
      if (kid == null || kid === false) continue;
      el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
  }

  const numberFormat = new Intl.NumberFormat('en-US');
  const fmtInt = (n) => (n == null ? '—' : numberFormat.format(n));
  const fmtSim = (x) => (x == null ? '—' : x.toFixed(3));
  const fmtPct = (f) => (f == null || !isFinite(f) ? '—' : `${(100 * f).toFixed(f > 0 && f < 0.1 ? 1 : 0)}%`);
  function fmtBytes(n) {
    if (n == null) return '—';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    let x = n;
    while (x >= 1000 && i < units.length - 1) { x /= 1000; i++; }
    return i === 0 ? `${n} B` : `${x.toFixed(x < 10 ? 1 : 0)} ${units[i]}`;
  }
  const plural = (n, one, many) => `${fmtInt(n)} ${n === 1 ? one : (many || `${one}s`)}`;

  // Passage group labels: A..Z, then AA, AB, ...
  function groupLabel(i) {
    let out = '';
    let n = i;
    do { out = String.fromCharCode(65 + (n % 26)) + out; n = Math.floor(n / 26) - 1; } while (n >= 0);
    return out;
  }

  // Light enough to read dark text on, edges dark enough to tell neighbours
  // apart. Ten is about as many hues as a reader can keep apart; beyond that
  // the letters in the legend and the tooltips tell groups apart.
  const PALETTE = [
    ['#fde68a', '#d97706'], ['#bfdbfe', '#2563eb'], ['#bbf7d0', '#16a34a'], ['#fbcfe8', '#db2777'],
    ['#ddd6fe', '#7c3aed'], ['#fed7aa', '#ea580c'], ['#99f6e4', '#0d9488'], ['#d9f99d', '#65a30d'],
    ['#f5d0fe', '#c026d3'], ['#cbd5e1', '#475569'],
  ];
  const colour = (g) => PALETTE[g % PALETTE.length];

  // ------------------------------------------------------------ data model

  const docs = DATA.docs;
  const clusters = DATA.clusters;
  const docIndexById = new Map(docs.map((d, i) => [d.id, i]));
  const clusterIndexById = new Map(clusters.map((c, i) => [c.id, i]));
  const passagesOfDoc = docs.map(() => []);
  DATA.passages.forEach((p, i) => { passagesOfDoc[p[0]].push(i); if (p[3] !== p[0]) passagesOfDoc[p[3]].push(i); });
  const pairsOfDoc = docs.map(() => []);
  DATA.pairs.forEach((p, i) => { pairsOfDoc[p[0]].push(i); if (p[1] !== p[0]) pairsOfDoc[p[1]].push(i); });

  function pairScore(a, b) {
    for (const i of pairsOfDoc[a]) {
      const p = DATA.pairs[i];
      if ((p[0] === a && p[1] === b) || (p[0] === b && p[1] === a)) return p;
    }
    return null;
  }

  // Boilerplate spans of a document, sorted and merged: [[start, end, reason]].
  const bpCache = new Map();
  function boilerplate(di) {
    if (!bpCache.has(di)) {
      const spans = (docs[di].bp || []).slice().sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      const merged = [];
      for (const [a, b, r] of spans) {
        const last = merged[merged.length - 1];
        if (last && a <= last[1]) last[1] = Math.max(last[1], b);
        else merged.push([a, b, r]);
      }
      bpCache.set(di, merged);
    }
    return bpCache.get(di);
  }
  const reason = (r) => (r == null ? 'boilerplate' : DATA.reasons[r] || 'boilerplate');

  // A short preview of a document: its text without boilerplate.
  const previewCache = new Map();
  function preview(di, max = 180) {
    if (!previewCache.has(di)) {
      const d = docs[di];
      let text = '';
      if (d.text != null) {
        let pos = 0;
        for (const [a, b] of boilerplate(di)) { text += `${d.text.slice(pos, a)} `; pos = b; if (text.length > max * 2) break; }
        if (text.length <= max * 2) text += d.text.slice(pos, pos + max * 2);
      }
      text = text.replace(/\s+/g, ' ').trim();
      previewCache.set(di, text.length > max ? `${text.slice(0, max - 1)}…` : text);
    }
    return previewCache.get(di);
  }

  const lowerCache = new Map();
  function lowerText(di) {
    if (!lowerCache.has(di)) lowerCache.set(di, (docs[di].text || '').toLowerCase());
    return lowerCache.get(di);
  }

  const docName = (di) => docs[di].id;
  const representative = (c) => c.docs.find((di) => docs[di].rep);

  // ---------------------------------------------------------------- routing

  function go(hash) { if (location.hash === hash) route(); else location.hash = hash; }
  const clusterHref = (c) => `#cluster/${encodeURIComponent(String(c.id))}`;
  const pairHref = (a, b) => `#pair/${encodeURIComponent(docs[a].id)}/${encodeURIComponent(docs[b].id)}`;

  function route() {
    const parts = location.hash.replace(/^#/, '').split('/').map((p) => {
      try { return decodeURIComponent(p); } catch (_) { return p; }
    });
    window.scrollTo(0, 0);
    if (parts[0] === 'clusters') return showClusterList();
    if (parts[0] === 'cluster') {
      const ci = clusterIndexById.get(Number(parts[1]));
      return ci == null ? notFound(`Cluster ${parts[1]} is not in this report.`) : showCluster(ci);
    }
    if (parts[0] === 'pair') {
      const a = docIndexById.get(parts[1]);
      const b = docIndexById.get(parts[2]);
      return a == null || b == null ? notFound('One of these documents is not in this report.') : showPair(a, b);
    }
    return showOverview();
  }

  function frame(active, ...content) {
    const nav = [
      ['overview', '#overview', 'Overview'],
      ['clusters', '#clusters', `Clusters (${fmtInt(clusters.length)})`],
    ];
    const title = DATA.title;
    const runInfo = [DATA.run.command, DATA.run.mode].filter(Boolean).join(' · ');
    fill(app,
      h('header', { class: 'top' },
        h('div', { class: 'brand' }, h('b', null, 'syndic'), ' report'),
        h('div', { class: 'run', title: `${title} (${runInfo})` }, title, runInfo ? ` — ${runInfo}` : ''),
        h('nav', null, nav.map(([key, href, label]) => h('a', { href, class: key === active ? 'on' : null }, label)))),
      h('main', null, content));
  }

  function notFound(message) {
    frame('', h('div', { class: 'panel' }, h('h2', null, 'Not found'), h('p', null, message), h('a', { href: '#clusters' }, 'Back to the clusters')));
  }

  // --------------------------------------------------------------- overview

  function showOverview() {
    const o = DATA.overview;
    const shown = clusters.length;
    const multi = clusters.filter((c) => c.size > 1).length;
    const lede = [
      `${plural(o.documents_read ?? 0, 'document')} read`,
      o.clusters != null ? `${plural(o.clusters, 'cluster')} in the run` : null,
      o.duplicates_removed != null ? `${plural(o.duplicates_removed, 'duplicate')} removed` : null,
      `${plural(shown, 'cluster')} of reused text shown here${multi !== shown ? ` (${fmtInt(multi)} with several documents)` : ''}`,
    ].filter(Boolean).join(' · ');

    frame('overview',
      h('section', { class: 'hero' },
        h('h1', null, 'Reused text in ', h('span', { class: 'mono' }, DATA.title)),
        h('p', { class: 'lede' }, lede)),
      omittedWarning(),
      h('div', { class: 'cards' },
        card('Documents', fmtInt(o.documents_read), o.documents_skipped ? `${fmtInt(o.documents_skipped)} skipped` : 'none skipped'),
        card('Clusters', fmtInt(o.clusters), o.clusters != null ? `${fmtInt(shown)} shown in this report` : null),
        card('Duplicates removed', fmtInt(o.duplicates_removed),
          o.duplicates_removed != null && o.documents_read ? `${fmtPct(o.duplicates_removed / o.documents_read)} of the documents` : null),
        card('Boilerplate', fmtBytes(o.boilerplate_bytes), o.boilerplate_bytes != null ? 'navigation, share bars, notices…' : 'not measured in this run')),
      h('div', { class: 'charts' },
        h('div', { class: 'panel' }, h('h2', null, 'Cluster sizes'),
          h('p', { class: 'note' }, 'How many clusters have each number of documents (all clusters of the run, log scale).'),
          sizeChart(o.size_histogram)),
        h('div', { class: 'panel' }, h('h2', null, 'Similarity'),
          h('p', { class: 'note' }, similarityNote(o.similarity_histogram)),
          similarityChart(o.similarity_histogram))),
      topClusters(),
      h('div', { class: 'two' }, parametersPanel(), inputsPanel()));
  }

  function card(label, value, sub) {
    return h('div', { class: 'card' }, h('div', { class: 'k' }, label), h('div', { class: 'v' }, value), sub ? h('div', { class: 's' }, sub) : null);
  }

  function omittedWarning() {
    const om = DATA.omitted;
    const items = [];
    if (om.clusters) {
      items.push(`${plural(om.clusters, 'more cluster')} not shown (${fmtInt(om.clusters_documents)} documents; the largest has ${fmtInt(om.largest_omitted_size)}): the report keeps the ${fmtInt(om.max_clusters)} largest (--max-clusters).`);
    }
    if (om.singletons) items.push(`${plural(om.singletons, 'single-document cluster')} not listed: ${om.singletons === 1 ? 'it shares' : 'they share'} no passage with another document.`);
    if (om.members) items.push(`${plural(om.members, 'member')} of shown clusters left out: each cluster shows at most ${fmtInt(om.sample)} documents (--sample).`);
    if (om.passages) items.push(`${plural(om.passages, 'passage')} left out because one of ${om.passages === 1 ? 'its' : 'their'} documents is not in the report.`);
    if (om.relations) items.push(`${plural(om.relations, 'relation')} left out because one of ${om.relations === 1 ? 'its' : 'their'} documents is not in the report.`);
    if (om.missing_texts) {
      const ids = om.missing_text_ids.join(', ');
      items.push(`${plural(om.missing_texts, 'document')} not found in the inputs (${ids}${om.missing_texts > om.missing_text_ids.length ? ', …' : ''}): the inputs may have changed since the run.`);
    }
    if (om.spans_out_of_range) items.push(`${plural(om.spans_out_of_range, 'span')} reach past the end of ${om.spans_out_of_range === 1 ? 'its document' : 'their documents'} and ${om.spans_out_of_range === 1 ? 'was' : 'were'} cut: the inputs may have changed since the run.`);
    if (!items.length) return null;
    const serious = om.missing_texts || om.spans_out_of_range;
    return h('div', { class: serious ? 'warn' : 'info' },
      h('b', null, serious ? 'Not everything is in this report.' : 'What this report leaves out'),
      h('ul', null, items.map((t) => h('li', null, t))));
  }

  function similarityNote(hist) {
    if (!hist) return 'No similarity scores in this run.';
    return hist.source === 'members'
      ? "Similarity of each duplicate to its cluster's representative (clusters.jsonl)."
      : 'Similarity of each pair of documents the run reported (pairs.jsonl).';
  }

  // Cluster sizes spread over many orders of magnitude: one bar per size while
  // that stays readable, then buckets doubling in width.
  function sizeChart(hist) {
    if (!hist || !hist.length) return h('p', { class: 'note' }, 'No cluster sizes in this run.');
    let bars;
    if (hist.length <= 16) {
      bars = hist.map(([size, n]) => ({ label: String(size), value: n, title: `${plural(n, 'cluster')} of ${plural(size, 'document')}` }));
    } else {
      const buckets = new Map();
      for (const [size, n] of hist) {
        const lo = size <= 4 ? size : 2 ** Math.floor(Math.log2(size));
        buckets.set(lo, (buckets.get(lo) || 0) + n);
      }
      bars = [...buckets.entries()].sort((x, y) => x[0] - y[0]).map(([lo, n]) => {
        const hi = lo <= 3 ? lo : lo === 4 ? 7 : lo * 2 - 1;
        // Past a thousand, powers of two read best as round thousands.
        const k = (n) => (n < 1000 ? String(n) : `${Math.floor(n / 1000)}k`);
        const label = lo === hi ? String(lo) : hi < 1000 ? `${lo}–${hi}` : `${k(lo)}–${k(hi + 1)}`;
        const range = lo === hi ? fmtInt(lo) : `${fmtInt(lo)} to ${fmtInt(hi)}`;
        return { label, value: n, title: `${plural(n, 'cluster')} of ${range} documents` };
      });
    }
    return barChart(bars, { log: true, xTitle: 'documents in the cluster', yTitle: 'clusters' });
  }

  function similarityChart(hist) {
    if (!hist) return null;
    const nb = hist.bins.length;
    let first = hist.bins.findIndex((n) => n > 0);
    if (first < 0) return h('p', { class: 'note' }, 'No scores.');
    first = Math.min(first, nb - 5);
    const bars = [];
    for (let i = first; i < nb; i++) {
      const lo = i / nb;
      const hi = (i + 1) / nb;
      bars.push({ label: lo.toFixed(2), value: hist.bins[i], title: `${plural(hist.bins[i], hist.source === 'members' ? 'document' : 'pair')} with similarity in [${lo.toFixed(2)}, ${hi.toFixed(2)}${i === nb - 1 ? ']' : ')'}` });
    }
    return barChart(bars, { log: false, xTitle: 'similarity (bin start)', yTitle: hist.source === 'members' ? 'documents' : 'pairs' });
  }

  function barChart(bars, { log, xTitle, yTitle }) {
    const W = 560; const H = 230; const ml = 58; const mr = 8; const mt = 18; const mb = 44;
    const pw = W - ml - mr; const ph = H - mt - mb;
    const max = Math.max(1, ...bars.map((b) => b.value));
    const scale = log ? (v) => (v <= 0 ? 0 : Math.log10(v + 1) / Math.log10(max + 1)) : (v) => v / max;
    const ticks = [];
    if (log) { for (let t = 1; t <= max * 1.0001; t *= 10) ticks.push(t); } else {
      const step = niceStep(max / 4);
      for (let t = 0; t <= max; t += step) ticks.push(t);
    }
    // Few bars stay bar-shaped rather than filling the plot.
    const bw = Math.min(pw / bars.length, 64);
    const x0 = ml + (pw - bw * bars.length) / 2;
    // Label every bar whose label fits; values only where bars are wide.
    const longest = Math.max(...bars.map((b) => b.label.length));
    const every = Math.max(1, Math.ceil((longest * 6.5 + 6) / bw));
    const showValues = bw >= 26;
    return s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${yTitle} by ${xTitle}` },
      ticks.map((t) => {
        const y = mt + ph - scale(t) * ph;
        return [s('line', { class: 'grid', x1: ml, x2: W - mr, y1: y, y2: y }),
          s('text', { x: ml - 6, y: y + 4, 'text-anchor': 'end' }, compact(t))];
      }),
      s('line', { class: 'axis', x1: ml, x2: W - mr, y1: mt + ph, y2: mt + ph }),
      bars.map((b, i) => {
        const bh = Math.max(b.value > 0 ? 1.5 : 0, scale(b.value) * ph);
        const x = x0 + i * bw + bw * 0.12;
        const w = bw * 0.76;
        return [
          s('rect', { class: 'bar', x, y: mt + ph - bh, width: w, height: bh, rx: 2 }, s('title', null, b.title)),
          showValues && b.value > 0 ? s('text', { class: 'val', x: x + w / 2, y: mt + ph - bh - 4, 'text-anchor': 'middle' }, compact(b.value)) : null,
          i % every === 0 ? s('text', { x: x + w / 2, y: mt + ph + 14, 'text-anchor': 'middle' }, b.label) : null,
        ];
      }),
      s('text', { x: ml + pw / 2, y: H - 6, 'text-anchor': 'middle' }, xTitle),
      s('text', { x: 12, y: mt + ph / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${mt + ph / 2})` }, yTitle));
  }

  function niceStep(raw) {
    const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
    for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
    return 10 * p;
  }

  // At most four characters, so that chart labels fit their bars.
  function compact(n) {
    for (const [unit, size] of [['G', 1e9], ['M', 1e6], ['k', 1e3]]) {
      if (n >= size) return n >= 10 * size ? `${Math.round(n / size)}${unit}` : `${+(n / size).toFixed(1)}${unit}`;
    }
    return String(n);
  }

  function topClusters() {
    if (!clusters.length) return h('div', { class: 'panel' }, h('h2', null, 'Clusters'), h('p', { class: 'note' }, 'This run found no reused text to show.'));
    const top = clusters.slice(0, 5);
    return h('div', { class: 'panel' },
      h('h2', null, 'Largest clusters'),
      clusterTable(top, false),
      clusters.length > top.length ? h('p', { class: 'more' }, h('a', { href: '#clusters' }, `All ${fmtInt(clusters.length)} clusters →`)) : null);
  }

  function parametersPanel() {
    const r = DATA.run;
    const rows = [['command', r.command], ['mode', r.mode]];
    for (const [k, v] of Object.entries(r.params || {})) rows.push([k, v]);
    for (const [k, v] of Object.entries(r.timings_ms || {})) rows.push([`time: ${k}`, typeof v === 'number' ? `${fmtInt(Math.round(v))} ms` : v]);
    rows.push(['report', `--max-clusters ${DATA.omitted.max_clusters} --sample ${DATA.omitted.sample}`]);
    return h('div', { class: 'panel' }, h('h2', null, 'Parameters'), kvTable(rows));
  }

  function inputsPanel() {
    const r = DATA.run;
    const rows = (r.inputs || []).map((p, i) => [`input ${i + 1}`, p]);
    for (const [k, v] of Object.entries(r.read_options || {})) rows.push([k, v]);
    for (const [k, v] of Object.entries(r.documents || {})) rows.push([`documents ${k}`, v]);
    return h('div', { class: 'panel' }, h('h2', null, 'Inputs'), kvTable(rows));
  }

  function kvTable(rows) {
    return h('table', { class: 'kv' }, h('tbody', null, rows.map(([k, v]) => h('tr', null, h('th', null, k), h('td', null, valueText(v))))));
  }

  function valueText(v) {
    if (v == null) return '—';
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }

  // ----------------------------------------------------------- cluster list

  const listState = { sort: 'rank', dir: 1, filter: '', limit: 200 };

  function showClusterList() {
    const body = h('div');
    const count = h('span', { class: 'note' });
    const draw = () => {
      const rows = filteredClusters();
      count.textContent = rows.length === clusters.length
        ? `${plural(clusters.length, 'cluster')}`
        : `${fmtInt(rows.length)} of ${plural(clusters.length, 'cluster')} match`;
      const shown = rows.slice(0, listState.limit);
      fill(body,
        rows.length ? clusterTable(shown, true, draw) : h('div', { class: 'panel note' }, 'No cluster matches this filter.'),
        rows.length > shown.length
          ? h('p', { class: 'more' }, h('button', { class: 'btn', onclick: () => { listState.limit += 500; draw(); } }, `Show ${fmtInt(Math.min(500, rows.length - shown.length))} more`))
          : null);
    };
    let timer = 0;
    const input = h('input', {
      type: 'search', placeholder: 'Filter by cluster id, document id or text…', value: listState.filter, 'aria-label': 'Filter clusters',
      oninput: (e) => { clearTimeout(timer); timer = setTimeout(() => { listState.filter = e.target.value; listState.limit = 200; draw(); }, 120); },
    });
    frame('clusters',
      h('div', { class: 'toolbar' }, input, count),
      omittedWarning(),
      body);
    draw();
    input.focus();
  }

  function filteredClusters() {
    const q = listState.filter.trim().toLowerCase();
    let rows = clusters;
    if (q) {
      const id = q.replace(/^#/, '');
      rows = clusters.filter((c) => String(c.id) === id
        || c.docs.some((di) => docs[di].id.toLowerCase().includes(q) || lowerText(di).includes(q)));
    }
    const key = {
      rank: (c) => clusterIndexById.get(c.id),
      size: (c) => c.size,
      similarity: (c) => (c.sim_min == null ? -1 : c.sim_min),
      passages: (c) => c.passages,
      id: (c) => c.id,
    }[listState.sort];
    const dir = listState.dir;
    return rows.slice().sort((x, y) => (key(x) - key(y)) * dir || clusterIndexById.get(x.id) - clusterIndexById.get(y.id));
  }

  function clusterTable(rows, sortable, redraw) {
    const th = (label, sortKey, cls) => {
      if (!sortable || !sortKey) return h('th', { class: cls }, label);
      const on = listState.sort === sortKey;
      const arrow = on ? (listState.dir < 0 ? ' ▼' : ' ▲') : '';
      return h('th', { class: cls, 'aria-sort': on ? (listState.dir < 0 ? 'descending' : 'ascending') : null },
        h('button', {
          class: on ? 'on' : null,
          title: `Sort by ${label.toLowerCase()}`,
          onclick: () => {
            if (listState.sort === sortKey) listState.dir = -listState.dir;
            else { listState.sort = sortKey; listState.dir = sortKey === 'id' ? 1 : -1; }
            redraw();
          },
        }, label + arrow));
    };
    return h('table', { class: 'list clusters' },
      h('thead', null, h('tr', null,
        th('Cluster', 'id'), th('Size', 'size', 'num'), th('Similarity', 'similarity'), th('Passages', 'passages', 'num'),
        th('Representative'), th('Preview'))),
      h('tbody', null, rows.map((c) => {
        const rep = representative(c) ?? c.docs[0];
        return h('tr', { dataset: { cluster: String(c.id) }, onclick: () => go(clusterHref(c)) },
          h('td', null, h('a', { href: clusterHref(c) }, `#${c.id}`)),
          h('td', { class: 'num' }, fmtInt(c.size)),
          h('td', { class: 'num', title: c.sim_mean != null ? `lowest ${fmtSim(c.sim_min)}, mean ${fmtSim(c.sim_mean)}` : null },
            c.sim_min == null ? '—' : [fmtSim(c.sim_min), h('span', { class: 'simbar' }, h('i', { style: { width: `${Math.round(100 * c.sim_min)}%` } }))]),
          h('td', { class: 'num' }, fmtInt(c.passages)),
          h('td', { class: 'mono' }, rep == null ? '—' : docName(rep)),
          h('td', { class: 'preview' }, rep == null ? '' : preview(rep)));
      })));
  }

  // ---------------------------------------------------------- passage groups

  // Groups the passages among `members` so that text shared by several
  // documents gets one colour everywhere: the two spans of a passage are one
  // group, and spans that overlap in one document are one group too, taken
  // transitively. Passages to documents outside `members` colour the side
  // inside. Returns, per member, disjoint [start, end, group] spans, and per
  // group its members, the documents outside that share it, and its first
  // span, groups numbered in reading order of the first member that has them.
  function passageGroups(members, passages) {
    const spans = [];
    for (const p of passages) spans.push([p[0], p[1], p[2]], [p[3], p[4], p[5]]);
    const parent = spans.map((_, i) => i);
    const find = (i) => { let x = i; while (parent[x] !== x) { parent[x] = parent[parent[x]]; x = parent[x]; } return x; };
    const union = (i, j) => { const a = find(i); const b = find(j); if (a !== b) parent[Math.max(a, b)] = Math.min(a, b); };
    for (let i = 0; i < spans.length; i += 2) union(i, i + 1);
    const byDoc = new Map(members.map((di) => [di, []]));
    spans.forEach((sp, i) => { if (byDoc.has(sp[0])) byDoc.get(sp[0]).push(i); });
    for (const list of byDoc.values()) {
      list.sort((x, y) => spans[x][1] - spans[y][1] || spans[x][2] - spans[y][2]);
      let open = -1; let end = -1;
      for (const i of list) {
        if (open >= 0 && spans[i][1] < end) { union(open, i); end = Math.max(end, spans[i][2]); } else { open = i; end = spans[i][2]; }
      }
    }
    // Number the groups in reading order, documents in display order.
    const number = new Map();
    const groups = [];
    const intervals = new Map();
    for (const di of members) {
      const merged = [];
      for (const i of byDoc.get(di)) {
        const root = find(i);
        if (!number.has(root)) { number.set(root, groups.length); groups.push({ docs: new Set(), outside: new Set(), first: [di, spans[i][1], spans[i][2]] }); }
        const g = number.get(root);
        const last = merged[merged.length - 1];
        if (last && spans[i][1] < last[1]) last[1] = Math.max(last[1], spans[i][2]);
        else merged.push([spans[i][1], spans[i][2], g]);
        groups[g].docs.add(di);
      }
      intervals.set(di, merged);
    }
    spans.forEach((sp, i) => {
      const g = number.get(find(i));
      if (!byDoc.has(sp[0]) && g != null) groups[g].outside.add(sp[0]);
    });
    return { groups, intervals };
  }

  // Cuts [0, len) at every span edge: pieces of {start, end, group, bp}.
  function pieces(len, groupSpans, bpSpans) {
    const cuts = new Set([0, len]);
    for (const [a, b] of groupSpans) { cuts.add(a); cuts.add(b); }
    for (const [a, b] of bpSpans) { cuts.add(a); cuts.add(b); }
    const pts = [...cuts].filter((x) => x >= 0 && x <= len).sort((x, y) => x - y);
    const out = [];
    let gi = 0; let bi = 0;
    for (let k = 0; k + 1 < pts.length; k++) {
      const a = pts[k]; const b = pts[k + 1];
      while (gi < groupSpans.length && groupSpans[gi][1] <= a) gi++;
      while (bi < bpSpans.length && bpSpans[bi][1] <= a) bi++;
      const g = gi < groupSpans.length && groupSpans[gi][0] <= a ? groupSpans[gi][2] : -1;
      const bp = bi < bpSpans.length && bpSpans[bi][0] <= a ? bpSpans[bi] : null;
      out.push({ start: a, end: b, group: g, bp });
    }
    return out;
  }

  // Shared text when the run wrote no passages: equal runs of words between
  // each member and the representative, from the word diff below.
  const MIN_SHARED_TOKENS = 8;
  function computedPassages(members, rep) {
    const out = [];
    const ta = tokens(rep);
    for (const di of members) {
      if (di === rep || docs[di].text == null) continue;
      const tb = tokens(di);
      for (const op of diffTokens(ta, tb, [])) {
        if (op[0] === EQ && op[2] - op[1] >= MIN_SHARED_TOKENS) {
          out.push([rep, ta.starts[op[1]], ta.ends[op[2] - 1], di, tb.starts[op[3]], tb.ends[op[4] - 1], op[2] - op[1], 1]);
        }
      }
    }
    return out;
  }

  // ----------------------------------------------------------- cluster view

  function showCluster(ci) {
    const c = clusters[ci];
    const rep = representative(c);
    const members = rep == null ? c.docs.slice() : [rep, ...c.docs.filter((di) => di !== rep)];
    const inCluster = new Set(members);
    const withText = members.filter((di) => docs[di].text != null);
    let passages = [];
    const seen = new Set();
    for (const di of members) {
      for (const pi of passagesOfDoc[di]) {
        const p = DATA.passages[pi];
        if (!seen.has(pi)) { seen.add(pi); passages.push(p); }
      }
    }
    // Members the run recorded no passage for (near-duplicates, or a run
    // without passages) are compared with the representative here.
    const base = rep != null && docs[rep].text != null ? rep : withText[0];
    const linked = new Set(passages.filter((p) => inCluster.has(p[0]) && inCluster.has(p[3])).flatMap((p) => [p[0], p[3]]));
    const lacking = withText.filter((di) => di !== base && !linked.has(di));
    const computed = lacking.length ? computedPassages([base, ...lacking], base) : [];
    passages = passages.concat(computed);
    const { groups, intervals } = passageGroups(members, passages);
    // Documents elsewhere in the report that share passages with this cluster.
    const outside = new Map();
    for (const di of members) {
      for (const pi of passagesOfDoc[di]) {
        const p = DATA.passages[pi];
        const other = p[0] === di ? p[3] : p[0];
        if (!inCluster.has(other)) outside.set(other, (outside.get(other) || 0) + 1);
      }
    }

    const coverage = new Map();
    for (const di of members) {
      const d = docs[di];
      if (d.text == null) continue;
      const len = d.text.length;
      let shared = 0; let bp = 0;
      for (const pc of pieces(len, intervals.get(di), boilerplate(di))) {
        const n = pc.end - pc.start;
        if (pc.bp) bp += n; else if (pc.group >= 0) shared += n;
      }
      coverage.set(di, { len, shared, bp, sharedOfContent: len - bp > 0 ? shared / (len - bp) : 0 });
    }

    const view = h('div', { class: 'cluster-view', dataset: { cluster: String(c.id) } });
    const columns = new Map();
    const hoverOn = (g, on) => { for (const m of view.querySelectorAll(`mark.pg[data-g="${g}"]`)) m.classList.toggle('hl', on); };
    const align = (mark) => {
      const g = mark.dataset.g;
      const top = mark.getBoundingClientRect().top;
      for (const body of columns.values()) {
        if (body.contains(mark)) continue;
        const target = body.querySelector(`mark.pg[data-g="${g}"]`);
        if (!target) continue;
        body.scrollTop += target.getBoundingClientRect().top - top;
        target.classList.remove('flash');
        void target.offsetWidth;
        target.classList.add('flash');
      }
    };

    let sharedSummary = null;
    if (withText.length > 1 && groups.length) {
      const shares = withText.map((di) => coverage.get(di).sharedOfContent);
      sharedSummary = withText.length <= 4
        ? `Shared text covers ${joinList(withText.map((di, k) => `${fmtPct(shares[k])} of ${docName(di)}`))} outside boilerplate.`
        : `Shared text covers ${fmtPct(Math.min(...shares))} to ${fmtPct(Math.max(...shares))} of each document outside boilerplate.`;
    }
    const head = h('div', { class: 'panel' },
      h('div', { class: 'crumbs' }, h('a', { href: '#clusters' }, 'Clusters'), ' › ', `#${c.id}`),
      h('div', { class: 'cluster-head' },
        h('div', { class: 'grow' },
          h('h1', null, `Cluster #${c.id}: `, plural(c.size, 'document')),
          h('p', { class: 'lede' },
            groups.length
              ? `${members.length > 1 ? `These ${fmtInt(members.length)} documents share` : 'This document shares'} ${plural(groups.length, 'passage')} of text (${groupLabel(0)}${groups.length > 1 ? `–${groupLabel(groups.length - 1)}` : ''}), each in its own colour below. Grey is page boilerplate. `
              : 'No shared passages are recorded for these documents. ',
            sharedSummary),
          computed.length ? h('p', { class: 'note' }, `The run recorded no passages for ${lacking.length === withText.length - 1 ? 'these documents' : joinList(lacking.map(docName))}: their shared text with ${docName(base)} was found in your browser, by comparing words.`) : null,
          groups.length ? h('p', { class: 'note' }, 'Point at a passage to see it in every document; click it to line the documents up there.') : null,
          c.more ? h('p', { class: 'note' }, `${plural(c.more, 'more document')} of this cluster ${c.more === 1 ? 'is' : 'are'} not in the report (--sample ${DATA.omitted.sample}).`) : null),
        h('div', null,
          c.sim_min != null ? h('div', { class: 'note' }, 'lowest similarity ', h('b', null, fmtSim(c.sim_min)), ' · mean ', h('b', null, fmtSim(c.sim_mean))) : null,
          h('div', { class: 'note' }, plural(c.passages, 'pairwise passage'), ' in the run'),
          members.length > 1 ? h('p', null, h('a', { class: 'btn', href: pairHref(members[0], members[1]) }, 'Compare two documents →')) : null)),
      legend(groups, hoverOn, rep != null),
      maps(members, intervals, coverage, (di, pos) => scrollToOffset(columns.get(di), pos)));

    const cols = members.map((di) => {
      const body = docBody(di, intervals.get(di), groups, hoverOn, align);
      columns.set(di, body);
      return docColumn(di, rep, body);
    });
    append(view, [head, h('div', { class: 'docs' }, cols), relationsPanel(members), pairsPanel(members), outsidePanel(outside)]);
    frame('clusters', view);
  }

  function joinList(items) {
    if (items.length <= 2) return items.join(' and ');
    return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
  }

  function legend(groups, hoverOn, hasRep) {
    const chips = groups.slice(0, 40).map((g, i) => {
      const [bg, edge] = colour(i);
      const d = docs[g.first[0]];
      const snippet = d.text.slice(g.first[1], Math.min(g.first[2], g.first[1] + 90)).replace(/\s+/g, ' ').trim();
      return h('span', {
        class: 'chip', title: `Passage ${groupLabel(i)}: in ${g.docs.size} documents: ${[...g.docs].map(docName).join(', ')}`,
        onmouseenter: () => hoverOn(i, true), onmouseleave: () => hoverOn(i, false),
      }, h('span', { class: 'sw', style: { background: bg, color: edge, border: `1px solid ${edge}` } }, groupLabel(i)),
      h('span', { class: 't' }, `${snippet}${g.first[2] - g.first[1] > 90 ? '…' : ''}`),
      h('span', { class: 'n' }, `${plural(g.docs.size, 'doc')}${g.outside.size ? ` + ${fmtInt(g.outside.size)} elsewhere` : ''}`));
    });
    return h('div', { class: 'legend' },
      chips,
      groups.length > 40 ? h('span', { class: 'note' }, `and ${fmtInt(groups.length - 40)} more passages`) : null,
      h('span', { class: 'chip bp' }, h('span', { class: 'sw' }, '  '), h('span', { class: 't' }, 'boilerplate')),
      hasRep ? h('span', { class: 'chip' }, h('span', { class: 'badge rep' }, '★'), h('span', { class: 't' }, `representative (${REP_MEANING})`)) : null);
  }

  // One bar per document: where its shared passages and boilerplate sit.
  // Side by side they show at a glance the same story in different pages.
  function maps(members, intervals, coverage, onPick) {
    const rows = [];
    for (const di of members) {
      const cov = coverage.get(di);
      if (!cov) continue;
      const len = Math.max(1, cov.len);
      const rects = [];
      for (const [a, b] of boilerplate(di)) {
        rects.push(s('rect', { x: (1000 * a) / len, y: 0, width: Math.max(1, (1000 * (b - a)) / len), height: 16, fill: '#d5dae3', onclick: () => onPick(di, a) }, s('title', null, 'boilerplate')));
      }
      for (const [a, b, g] of intervals.get(di)) {
        const [bg, edge] = colour(g);
        rects.push(s('rect', { x: (1000 * a) / len, y: 0, width: Math.max(2, (1000 * (b - a)) / len), height: 16, fill: bg, stroke: edge, 'stroke-width': 1, 'vector-effect': 'non-scaling-stroke', onclick: () => onPick(di, a) }, s('title', null, `passage ${groupLabel(g)}`)));
      }
      rows.push(
        h('span', { class: 'id' }, docs[di].rep ? '★ ' : '', docName(di)),
        s('svg', { class: 'map', viewBox: '0 0 1000 16', preserveAspectRatio: 'none', dataset: { doc: docName(di) } },
          s('rect', { x: 0, y: 0, width: 1000, height: 16, fill: '#ffffff', stroke: '#c9d0db', 'vector-effect': 'non-scaling-stroke' }), rects),
        h('span', { class: 'pct' }, `${fmtPct(cov.shared / len)} shared · ${fmtPct(cov.bp / len)} boilerplate · ${fmtPct(Math.max(0, len - cov.shared - cov.bp) / len)} its own`));
    }
    return rows.length ? h('div', { class: 'maps' }, rows) : null;
  }

  function scrollToOffset(body, pos) {
    if (!body) return;
    for (const el of body.querySelectorAll('[data-start]')) {
      if (Number(el.dataset.start) >= pos) {
        body.scrollTop += el.getBoundingClientRect().top - body.getBoundingClientRect().top - 24;
        body.scrollIntoView({ block: 'nearest' });
        return;
      }
    }
  }

  function docColumn(di, rep, body) {
    const d = docs[di];
    const isRep = di === rep;
    const score = !isRep && rep != null ? pairScore(di, rep) : null;
    const fields = (d.fields || []).map(([k, v]) => [h('dt', null, k), h('dd', { title: v }, v)]);
    return h('section', { class: `doc${isRep ? ' is-rep' : ''}`, dataset: { doc: d.id } },
      h('div', { class: 'doc-head' },
        h('div', { class: 'title' },
          h('span', { class: 'mono' }, d.id),
          isRep ? h('span', { class: 'badge rep', title: `The representative: ${REP_MEANING}.` }, '★ representative') : null),
        fields.length ? h('dl', { class: 'fields' }, fields) : null,
        h('div', { class: 'scores' },
          !isRep && d.sim != null ? h('span', { title: "Similarity to the cluster's representative" }, 'similarity ', h('b', null, fmtSim(d.sim))) : null,
          score && score[4] != null ? h('span', { title: 'Share of the text covered by passages shared with the representative' }, 'coverage ', h('b', null, fmtPct(score[4]))) : null,
          !isRep && rep != null ? h('a', { href: pairHref(rep, di) }, `compare with ${docName(rep)} →`) : null)),
      body);
  }

  function docBody(di, groupSpans, groups, hoverOn, align) {
    const d = docs[di];
    if (d.text == null) return h('div', { class: 'doc-body missing' }, 'This document was not found in the inputs.');
    const body = h('div', { class: 'doc-body' });
    for (const pc of pieces(d.text.length, groupSpans, boilerplate(di))) {
      const text = d.text.slice(pc.start, pc.end);
      if (pc.group < 0 && !pc.bp) { body.append(text); continue; }
      if (pc.group < 0) {
        body.append(h('span', { class: 'bp', title: reason(pc.bp[2]), dataset: { start: String(pc.start) } }, text));
        continue;
      }
      const [bg, edge] = colour(pc.group);
      const g = groups[pc.group];
      const others = [...g.docs].filter((x) => x !== di).map(docName);
      body.append(h('mark', {
        class: pc.bp ? 'pg bp' : 'pg',
        style: { '--pg': bg, '--pg-edge': edge },
        dataset: { g: String(pc.group), start: String(pc.start) },
        title: `Passage ${groupLabel(pc.group)}${others.length ? `, also in ${others.join(', ')}` : ''}${g.outside.size ? `; outside this cluster in ${[...g.outside].map(docName).join(', ')}` : ''}. Click to line the other documents up here.`,
        onmouseenter: () => hoverOn(pc.group, true),
        onmouseleave: () => hoverOn(pc.group, false),
        onclick: (e) => align(e.currentTarget),
      }, text));
    }
    return body;
  }

  function pairsPanel(members) {
    const rows = [];
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const a = members[i]; const b = members[j];
        const p = pairScore(a, b);
        const n = passagesOfDoc[a].filter((pi) => { const q = DATA.passages[pi]; return (q[0] === a && q[3] === b) || (q[0] === b && q[3] === a); }).length;
        if (p || n) rows.push({ a, b, p, n });
      }
    }
    if (!rows.length) return null;
    rows.sort((x, y) => (y.p ? y.p[2] : 0) - (x.p ? x.p[2] : 0));
    return h('div', { class: 'panel pairs-panel' },
      h('h2', null, 'Pairs'),
      h('table', { class: 'list' },
        h('thead', null, h('tr', null, h('th', null, 'Documents'), h('th', { class: 'num' }, 'Similarity'), h('th', null, 'Kind'), h('th', { class: 'num' }, 'Coverage'), h('th', { class: 'num' }, 'Passages'), h('th'))),
        h('tbody', null, rows.slice(0, 300).map(({ a, b, p, n }) => h('tr', null,
          h('td', { class: 'mono' }, `${docName(a)} ↔ ${docName(b)}`),
          h('td', { class: 'num' }, p ? fmtSim(p[2]) : '—'),
          h('td', null, p && p[3] ? h('span', { class: 'badge kind' }, p[3]) : '—'),
          h('td', { class: 'num' }, p && p[4] != null ? fmtPct(p[4]) : '—'),
          h('td', { class: 'num' }, fmtInt(n)),
          h('td', null, h('a', { href: pairHref(a, b) }, 'Compare →')))))),
      rows.length > 300 ? h('p', { class: 'note' }, `Showing 300 of ${fmtInt(rows.length)} pairs.`) : null);
  }

  // A stories run's relations inside one story: reuse (copy, near_copy,
  // reprint: with the passages shared) or same_story (with the names and
  // words that carried the link).
  const RELATION_TITLES = {
    copy: 'The same text.',
    near_copy: 'The same text, lightly edited.',
    reprint: 'One reuses the other\'s passages.',
    same_story: 'The same event in other words: no passage shared.',
  };
  // What a cluster's representative is: a story's is its earliest full
  // report, a dedup cluster's the copy kept.
  const REP_MEANING = DATA.run.command === 'stories' ? 'the earliest full report of the story' : 'the copy dedup keeps';
  const RELATION_NAMES = {
    copy: ['copy', 'copies'],
    near_copy: ['near copy', 'near copies'],
    reprint: ['reprint', 'reprints'],
    same_story: ['same-story link', 'same-story links'],
  };

  function relationsPanel(members) {
    const shown = new Set(members);
    const rows = (DATA.relations || []).filter((r) => shown.has(r.a) && shown.has(r.b));
    if (!rows.length) return null;
    const evidence = (r) => {
      if (r.passages) return r.passages[0] ? `${plural(r.passages[0], 'passage')}, ${plural(r.passages[1], 'word')}` : 'the whole text';
      return [r.names && r.names.length ? h('b', null, r.names.join(', ')) : null,
        r.names && r.names.length && r.terms && r.terms.length ? '; ' : null,
        r.terms && r.terms.length ? r.terms.join(', ') : null];
    };
    const counts = {};
    rows.forEach((r) => { counts[r.type] = (counts[r.type] || 0) + 1; });
    return h('div', { class: 'panel relations-panel' },
      h('h2', null, 'Relations'),
      h('p', { class: 'note' }, Object.keys(counts).sort().map((k) => plural(counts[k], ...(RELATION_NAMES[k] || [k]))).join(' · ')),
      h('table', { class: 'list' },
        h('thead', null, h('tr', null, h('th', null, 'Documents'), h('th', null, 'Type'), h('th', { class: 'num' }, 'Score'), h('th', null, 'Evidence'), h('th'))),
        h('tbody', null, rows.slice(0, 300).map((r) => h('tr', null,
          h('td', { class: 'mono' }, `${docName(r.a)} ↔ ${docName(r.b)}`),
          h('td', null, h('span', { class: 'badge kind', title: RELATION_TITLES[r.type] || '' }, r.type)),
          h('td', { class: 'num' }, fmtSim(r.score)),
          h('td', null, evidence(r)),
          h('td', null, h('a', { href: pairHref(r.a, r.b) }, 'Compare →')))))),
      rows.length > 300 ? h('p', { class: 'note' }, `Showing 300 of ${fmtInt(rows.length)} relations.`) : null);
  }

  function outsidePanel(outside) {
    if (!outside.size) return null;
    const items = [...outside.entries()].sort((x, y) => y[1] - x[1]).slice(0, 50);
    return h('div', { class: 'panel' },
      h('h2', null, 'Shares passages with documents in other clusters'),
      h('ul', null, items.map(([di, n]) => {
        const c = clusters[docs[di].cluster];
        return h('li', null, h('span', { class: 'mono' }, docName(di)), ` (${plural(n, 'passage')})`,
          c ? [' in ', h('a', { href: clusterHref(c) }, `cluster #${c.id}`)] : null);
      })));
  }

  // -------------------------------------------------------------- word diff

  // Words (with inner apostrophes) and single punctuation marks; spacing is
  // not compared. Keys fold case and typographic quotes and dashes, so that a
  // reprint that only changed "quotes" into “quotes” still lines up.
  const TOKEN_RE = /[\p{L}\p{N}_]+(?:['\u2019][\p{L}\p{N}_]+)*|[^\s\p{L}\p{N}_]/gu;
  const keyIds = new Map();
  const tokenCache = new Map();
  function tokens(di) {
    if (!tokenCache.has(di)) {
      const text = docs[di].text || '';
      const starts = []; const ends = []; const keys = []; const word = [];
      for (const m of text.matchAll(TOKEN_RE)) {
        const k = m[0].toLowerCase().replace(/[\u2018\u2019\u201b\u2032`]/g, "'").replace(/[\u201c\u201d\u201e\u2033]/g, '"').replace(/[\u2010-\u2015]/g, '-');
        if (!keyIds.has(k)) keyIds.set(k, keyIds.size);
        starts.push(m.index); ends.push(m.index + m[0].length); keys.push(keyIds.get(k));
        word.push(/[\p{L}\p{N}]/u.test(m[0]) ? 1 : 0);
      }
      tokenCache.set(di, { text, starts, ends, keys: Int32Array.from(keys), word: Uint8Array.from(word) });
    }
    return tokenCache.get(di);
  }

  const EQ = 0; const CHANGE = 1;
  // Ops are [kind, aFrom, aTo, bFrom, bTo] over token indices, covering both
  // token lists in order. `anchors` are [aFrom, aTo, bFrom, bTo] token ranges
  // known to correspond (the run's passages); the diff keeps to them.
  function diffTokens(ta, tb, anchors) {
    const out = [];
    const a = ta.keys; const b = tb.keys;
    let pa = 0; let pb = 0;
    for (const [a0, a1, b0, b1] of anchors) {
      diffRange(a, b, pa, a0, pb, b0, out);
      diffRange(a, b, a0, a1, b0, b1, out);
      pa = a1; pb = b1;
    }
    diffRange(a, b, pa, a.length, pb, b.length, out);
    return cleanup(out);
  }

  function emit(out, kind, a0, a1, b0, b1) {
    if (a0 === a1 && b0 === b1) return;
    const last = out[out.length - 1];
    if (last && last[0] === kind && last[2] === a0 && last[4] === b0) { last[2] = a1; last[4] = b1; } else out.push([kind, a0, a1, b0, b1]);
  }

  function diffRange(a, b, a0, a1, b0, b1, out) {
    let p = 0;
    while (a0 + p < a1 && b0 + p < b1 && a[a0 + p] === b[b0 + p]) p++;
    let q = 0;
    while (a1 - q > a0 + p && b1 - q > b0 + p && a[a1 - 1 - q] === b[b1 - 1 - q]) q++;
    emit(out, EQ, a0, a0 + p, b0, b0 + p);
    const ma0 = a0 + p; const ma1 = a1 - q; const mb0 = b0 + p; const mb1 = b1 - q;
    if (ma0 === ma1 || mb0 === mb1) emit(out, CHANGE, ma0, ma1, mb0, mb1);
    else middle(a, b, ma0, ma1, mb0, mb1, out);
    emit(out, EQ, ma1, a1, mb1, b1);
  }

  // Patience-style: tokens that occur once on each side and in the same order
  // split the problem; what is left without such anchors gets an exact LCS
  // while that is cheap, and is called a change otherwise.
  function middle(a, b, a0, a1, b0, b1, out) {
    const anchors = uniqueAnchors(a, b, a0, a1, b0, b1);
    if (anchors.length) {
      let pa = a0; let pb = b0;
      for (const [i, j] of anchors) { diffRange(a, b, pa, i, pb, j, out); emit(out, EQ, i, i + 1, j, j + 1); pa = i + 1; pb = j + 1; }
      diffRange(a, b, pa, a1, pb, b1, out);
    } else if ((a1 - a0) * (b1 - b0) <= 4e6) lcs(a, b, a0, a1, b0, b1, out);
    else emit(out, CHANGE, a0, a1, b0, b1);
  }

  function uniqueAnchors(a, b, a0, a1, b0, b1) {
    const seen = new Map();
    for (let i = a0; i < a1; i++) { const e = seen.get(a[i]); if (e) e[0]++; else seen.set(a[i], [1, i, 0, -1]); }
    for (let j = b0; j < b1; j++) { const e = seen.get(b[j]); if (e) { e[2]++; e[3] = j; } }
    const cand = [];
    for (const e of seen.values()) if (e[0] === 1 && e[2] === 1) cand.push([e[1], e[3]]);
    if (!cand.length) return cand;
    cand.sort((x, y) => x[0] - y[0]);
    // Longest increasing subsequence on the b positions.
    const tails = []; const prev = new Int32Array(cand.length).fill(-1); const tailIdx = [];
    for (let k = 0; k < cand.length; k++) {
      const v = cand[k][1];
      let lo = 0; let hi = tails.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (tails[mid] < v) lo = mid + 1; else hi = mid; }
      tails[lo] = v; tailIdx[lo] = k; prev[k] = lo > 0 ? tailIdx[lo - 1] : -1;
    }
    const chain = [];
    for (let k = tailIdx[tails.length - 1]; k >= 0; k = prev[k]) chain.push(cand[k]);
    return chain.reverse();
  }

  function lcs(a, b, a0, a1, b0, b1, out) {
    const n = a1 - a0; const m = b1 - b0;
    const w = m + 1;
    const L = new Uint16Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        L[i * w + j] = a[a0 + i] === b[b0 + j] ? L[(i + 1) * w + j + 1] + 1 : Math.max(L[(i + 1) * w + j], L[i * w + j + 1]);
      }
    }
    let i = 0; let j = 0;
    while (i < n && j < m) {
      if (a[a0 + i] === b[b0 + j]) { emit(out, EQ, a0 + i, a0 + i + 1, b0 + j, b0 + j + 1); i++; j++; } else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) { emit(out, CHANGE, a0 + i, a0 + i + 1, b0 + j, b0 + j); i++; } else { emit(out, CHANGE, a0 + i, a0 + i, b0 + j, b0 + j + 1); j++; }
    }
    emit(out, CHANGE, a0 + i, a1, b0 + j, b1);
  }

  // A couple of common words ("the", ",") matching inside unrelated text are
  // noise, not shared text: fold equal runs that short into the change.
  const MIN_EQ_TOKENS = 3;
  function cleanup(ops) {
    const out = [];
    ops.forEach((op, k) => {
      const isNoise = op[0] === EQ && op[2] - op[1] < MIN_EQ_TOKENS && k > 0 && k < ops.length - 1;
      const kind = isNoise ? CHANGE : op[0];
      const last = out[out.length - 1];
      if (last && last[0] === kind) { last[2] = op[2]; last[4] = op[4]; } else out.push([kind, op[1], op[2], op[3], op[4]]);
    });
    return out;
  }

  // The run's passages between two documents as token ranges, keeping the
  // heaviest chain that is in order on both sides.
  function passageAnchors(a, b, ta, tb) {
    const cand = [];
    for (const pi of passagesOfDoc[a]) {
      const p = DATA.passages[pi];
      let ra; let rb;
      if (p[0] === a && p[3] === b) { ra = [p[1], p[2]]; rb = [p[4], p[5]]; } else if (p[0] === b && p[3] === a) { ra = [p[4], p[5]]; rb = [p[1], p[2]]; } else continue;
      const r = [tokenAt(ta, ra[0]), tokenAt(ta, ra[1]), tokenAt(tb, rb[0]), tokenAt(tb, rb[1])];
      if (r[1] > r[0] && r[3] > r[2]) cand.push(r);
    }
    cand.sort((x, y) => x[0] - y[0] || x[2] - y[2]);
    const best = cand.map((r) => r[1] - r[0]);
    const from = cand.map(() => -1);
    for (let i = 0; i < cand.length; i++) {
      for (let j = 0; j < i; j++) {
        if (cand[j][1] <= cand[i][0] && cand[j][3] <= cand[i][2] && best[j] + cand[i][1] - cand[i][0] > best[i]) {
          best[i] = best[j] + cand[i][1] - cand[i][0]; from[i] = j;
        }
      }
    }
    let k = best.indexOf(Math.max(-1, ...best));
    const chain = [];
    for (; k >= 0; k = from[k]) chain.push(cand[k]);
    return chain.reverse();
  }

  // Index of the first token starting at or after `offset`.
  function tokenAt(t, offset) {
    let lo = 0; let hi = t.starts.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (t.starts[mid] < offset) lo = mid + 1; else hi = mid; }
    return lo;
  }

  // -------------------------------------------------------------- pair view

  const SMALL_CHANGE = 6;
  function showPair(a, b) {
    const da = docs[a]; const db = docs[b];
    const pick = (current, other, side) => h('select', {
      'aria-label': side === 'a' ? 'Left document' : 'Right document',
      onchange: (e) => go(side === 'a' ? pairHref(Number(e.target.value), other) : pairHref(other, Number(e.target.value))),
    }, clusters.map((c) => h('optgroup', { label: `cluster #${c.id}` },
      c.docs.map((di) => h('option', { value: String(di), selected: di === current }, `${docs[di].id}${docs[di].rep ? ' ★' : ''}`)))));
    const ca = clusters[da.cluster];
    const head = h('div', { class: 'panel' },
      h('div', { class: 'crumbs' }, h('a', { href: '#clusters' }, 'Clusters'), ca ? [' › ', h('a', { href: clusterHref(ca) }, `#${ca.id}`)] : null, ' › compare'),
      h('h1', null, 'Compare ', h('span', { class: 'mono' }, da.id), ' with ', h('span', { class: 'mono' }, db.id)),
      h('div', { class: 'pair-pick', style: { 'margin-top': '10px' } },
        pick(a, b, 'a'), h('button', { class: 'btn', title: 'Swap sides', onclick: () => go(pairHref(b, a)) }, '⇄'), pick(b, a, 'b')));
    if (da.text == null || db.text == null) {
      frame('clusters', head, h('div', { class: 'panel' }, 'One of these documents was not found in the inputs, so there is nothing to compare.'));
      return;
    }
    const ta = tokens(a); const tb = tokens(b);
    const anchors = a === b ? [] : passageAnchors(a, b, ta, tb);
    const ops = diffTokens(ta, tb, anchors);
    let sharedWords = 0;
    for (const op of ops) if (op[0] === EQ) for (let i = op[1]; i < op[2]; i++) sharedWords += ta.word[i];
    const wordsA = ta.word.reduce((x, y) => x + y, 0); const wordsB = tb.word.reduce((x, y) => x + y, 0);
    const score = pairScore(a, b);
    head.append(
      h('div', { class: 'pstats' },
        score ? h('span', null, 'similarity ', h('b', null, fmtSim(score[2])), score[3] ? [' ', h('span', { class: 'badge kind' }, score[3])] : null) : null,
        h('span', null, h('b', null, fmtInt(anchors.length)), ` of the run's passages used as anchors`),
        h('span', null, 'shared ', h('b', null, plural(sharedWords, 'word')), ` = ${fmtPct(wordsA ? sharedWords / wordsA : 0)} of ${da.id}, ${fmtPct(wordsB ? sharedWords / wordsB : 0)} of ${db.id}`)),
      h('div', { class: 'plegend' },
        h('span', null, h('span', { class: 'sw', style: { background: '#fff', border: '2px solid #16a34a' } }), 'text in both (green edge)'),
        h('span', null, h('span', { class: 'sw', style: { background: 'var(--only-a)' } }), `only in ${da.id}`),
        h('span', null, h('span', { class: 'sw', style: { background: 'var(--only-b)' } }), `only in ${db.id}`),
        h('span', null, h('span', { class: 'sw bp', style: { border: '1px solid #d5dae3' } }), 'boilerplate')));
    const grid = h('div', { class: 'diff' },
      h('div', { class: 'colhead mono' }, da.id, da.rep ? ' ★' : ''),
      h('div', { class: 'colhead mono' }, db.id, db.rep ? ' ★' : ''));
    for (const blk of diffBlocks(ops)) grid.append(...blockCells(blk, a, b, ta, tb));
    frame('clusters', h('div', { class: 'pair-view' }, head, grid));
  }

  // Rows of the aligned display: a "same" row is shared text with at most
  // small edits inside (shown inline); a "differ" row is text one side has
  // and the other has not, or has very differently.
  function diffBlocks(ops) {
    const blocks = [];
    ops.forEach((op, k) => {
      const small = op[0] === CHANGE && Math.max(op[2] - op[1], op[4] - op[3]) <= SMALL_CHANGE
        && ((k > 0 && ops[k - 1][0] === EQ) || (k + 1 < ops.length && ops[k + 1][0] === EQ));
      const kind = op[0] === EQ || small ? 'same' : 'differ';
      const last = blocks[blocks.length - 1];
      if (last && last.kind === kind && kind === 'same') last.ops.push(op); else blocks.push({ kind, ops: [op] });
    });
    return blocks;
  }

  // A long one-sided row (a page's furniture, a paragraph only one has)
  // shows its start and a button for the rest.
  const COLLAPSE_WORDS = 120;
  const HEAD_TOKENS = 60;
  function blockCells(blk, a, b, ta, tb) {
    const first = blk.ops[0]; const last = blk.ops[blk.ops.length - 1];
    if (blk.kind === 'same') {
      return [sameCell(blk.ops, ta, 1, 2, 'only-a'), sameCell(blk.ops, tb, 3, 4, 'only-b')];
    }
    return [
      differCell(ta, a, first[1], last[2], 'only-a', docs[b].id),
      differCell(tb, b, first[3], last[4], 'only-b', docs[a].id),
    ];
  }

  // Text of tokens [i, j) with the spacing after them, up to the next token.
  function sliceOf(t, i, j) {
    if (i >= j) return '';
    const end = j < t.starts.length ? t.starts[j] : t.text.length;
    const start = i === 0 ? 0 : t.starts[i];
    return t.text.slice(start, end);
  }

  function isBoilerplate(di, t, i, j) {
    if (i >= j) return false;
    const s0 = t.starts[i]; const e0 = t.ends[j - 1];
    let covered = 0;
    for (const [x, y] of boilerplate(di)) covered += Math.max(0, Math.min(y, e0) - Math.max(x, s0));
    return covered * 2 > e0 - s0;
  }

  function sameCell(ops, t, from, to, cls) {
    const cell = h('div', { class: 'cell same' });
    for (const op of ops) {
      const i = op[from]; const j = op[to];
      if (i === j) continue;
      if (op[0] === EQ) { cell.append(sliceOf(t, i, j)); continue; }
      const text = sliceOf(t, i, j);
      const core = text.replace(/\s+$/, '');
      cell.append(h(cls === 'only-a' ? 'del' : 'ins', { class: cls }, core), text.slice(core.length));
    }
    return cell;
  }

  function differCell(t, di, i, j, cls, otherId) {
    const side = cls === 'only-a' ? 'differ-a' : 'differ-b';
    if (i >= j) return h('div', { class: `cell ${side}` }, h('span', { class: 'none' }, `not in ${docs[di].id}`));
    const label = h('span', { class: 'tag' }, isBoilerplate(di, t, i, j) ? 'mostly boilerplate' : `not in ${otherId}`);
    const cell = h('div', { class: `cell ${side}` }, label);
    const start = i === 0 ? 0 : t.starts[i];
    const words = countWords(t, i, j);
    if (words <= COLLAPSE_WORDS) {
      append(cell, [marked(di, start, t.ends[j - 1], cls)]);
      return cell;
    }
    const cut = i + HEAD_TOKENS;
    append(cell, [marked(di, start, t.ends[cut - 1], cls), ' ', h('button', {
      class: 'btn small expand',
      onclick: () => fill(cell, label, marked(di, start, t.ends[j - 1], cls)),
    }, `… show ${plural(words - countWords(t, i, cut), 'more word')}`)]);
    return cell;
  }

  function countWords(t, i, j) {
    let n = 0;
    for (let k = i; k < j; k++) n += t.word[k];
    return n;
  }

  // Text [start, end) of a document as nodes: boilerplate greyed, the rest
  // marked as only in this document.
  function marked(di, start, end, cls) {
    const text = docs[di].text;
    const tag = cls === 'only-a' ? 'del' : 'ins';
    const out = [];
    let pos = start;
    for (const [a, b, r] of boilerplate(di)) {
      if (b <= pos) continue;
      if (a >= end) break;
      if (a > pos) out.push(h(tag, { class: cls }, text.slice(pos, a)));
      out.push(h('span', { class: 'bp', title: reason(r) }, text.slice(Math.max(a, pos), Math.min(b, end))));
      pos = Math.min(b, end);
    }
    if (pos < end) out.push(h(tag, { class: cls }, text.slice(pos, end)));
    return out;
  }

  window.addEventListener('hashchange', route);
  route();
})();
