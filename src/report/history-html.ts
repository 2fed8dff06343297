// The history dashboard: ONE self-contained HTML file (no network: the data, the style and a small
// script are inline, and the page's Content-Security-Policy forbids loading anything). Per suite, a
// chart per gated metric over the runs, for the point chosen in the suite's selector; points
// coloured by validity, the segment means between change points, each change point marked with its
// change and commit range; hover shows a run's details (SVG <title>).
//
// Only the chosen point of each suite is drawn, so 365 runs × 50 points × 20 metrics draw 20 charts
// of 365 runs per suite, not 365,000 marks. Every string from the results (suite names, labels,
// commits) reaches the page through JSON.parse and textContent, never as markup.
import { metricTitle } from '../catalog/metrics.js';
import type { HistoryAnalysis } from '../history/index.js';
import { historyHeadline } from './history.js';

type Num = number | null;

/** What the page's script reads, in short arrays (the file stays small at 365 × 50 × 20). */
export interface DashboardData {
  title: string;
  headline: string;
  detection: string;
  /** [id, started-at, commit] per run, oldest first. */
  runs: [string, string, string | null][];
  suites: {
    name: string;
    points: { key: string; label: string }[];
    metrics: { name: string; title: string; unit: string; higher: boolean }[];
  }[];
  /** [suite, point, metric, values, invalid run indices]; indices into `suites` and its lists. */
  series: [number, number, number, Num[], number[]][];
  /** [suite, point, metric, run index, before, after, change, p, regression 1|0, commit before, commit]. */
  cps: [number, number, number, number, number, number, number, number, 0 | 1, string | null, string | null][];
}

export function dashboardData(a: HistoryAnalysis, title: string): DashboardData {
  const suites: DashboardData['suites'] = [];
  const idx = new Map<string, [number, number, number]>();
  const slot = (suite: string, point: string, label: string, metric: string, unit: string, higher: boolean): [number, number, number] => {
    const key = JSON.stringify([suite, point, metric]);
    const hit = idx.get(key);
    if (hit) return hit;
    let s = suites.findIndex((x) => x.name === suite);
    if (s < 0) s = suites.push({ name: suite, points: [], metrics: [] }) - 1;
    const su = suites[s]!;
    let p = su.points.findIndex((x) => x.key === point);
    if (p < 0) p = su.points.push({ key: point, label }) - 1;
    let m = su.metrics.findIndex((x) => x.name === metric);
    if (m < 0) m = su.metrics.push({ name: metric, title: metricTitle(metric) ?? metric, unit, higher }) - 1;
    const out: [number, number, number] = [s, p, m];
    idx.set(key, out);
    return out;
  };
  const series = a.series.map((x): DashboardData['series'][number] => [
    ...slot(x.suite, x.point, x.label, x.metric, x.unit, x.direction === 'higher-is-better'),
    x.values.map(round),
    x.invalid,
  ]);
  const cps = a.changePoints.map((c): DashboardData['cps'][number] => {
    const [s, p, m] = idx.get(JSON.stringify([c.suite, c.point, c.metric]))!;
    return [
      s,
      p,
      m,
      c.index,
      round(c.before)!,
      round(c.after)!,
      Math.round(c.change * 10_000) / 10_000,
      Number(c.pValue.toPrecision(2)),
      c.direction === 'regression' ? 1 : 0,
      c.commitBefore,
      c.commit,
    ];
  });
  const d = a.detection;
  return {
    title,
    headline: historyHeadline(a),
    detection: `Change points: e-divisive means, Student's t-test p ≤ ${d.maxPValue} (a tenth of it with fewer than 6 runs on a side), at least ${d.minSegment} runs a side, the gate's noise floors scaled to the segment sizes; invalid points are gaps.`,
    runs: a.runs.map((r) => [r.id, r.startedAt, r.commit]),
    suites,
    series,
    cps,
  };
}

/** 4 significant digits: enough to draw and read, and a third of the bytes of a full double. */
function round(v: number | null): number | null {
  return v === null ? null : Number(v.toPrecision(4));
}

/** JSON that is inert inside <script>: no `</script>`, no `<!--`, no line separators. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function renderHistoryHtml(a: HistoryAnalysis, o: { title?: string } = {}): string {
  const data = dashboardData(a, o.title ?? 'Performance history');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>vllm-perf-gate history</title>',
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header><h1 id="title">vllm-perf-gate history</h1><p id="headline"></p></header>',
    '<section id="changes"></section>',
    '<main id="suites"></main>',
    '<footer><p id="detection"></p><p>Hover a run for its details. Filled: valid point; hollow red: invalid (not judged). Horizontal lines: segment means between change points.</p></footer>',
    `<script type="application/json" id="history-data">${scriptJson(data)}</script>`,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:0 16px 32px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:18px 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:14px;margin:14px 0 2px;font-weight:600}
#changes{overflow-x:auto}table{border-collapse:collapse;margin:8px 0;font-size:13px}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left;white-space:nowrap}th{background:#f6f8fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.reg{color:#cf222e}.imp{color:#1a7f37}a.go{cursor:pointer;color:#0969da;text-decoration:underline}
svg.chart{display:block;max-width:100%;height:auto;background:#fff}
svg .axis{stroke:#8c959f;stroke-width:1}svg .grid{stroke:#eaeef2;stroke-width:1}
svg text{font:11px system-ui,sans-serif;fill:#57606a}
svg .line{fill:none;stroke:#0969da;stroke-width:1.2}svg .ok{fill:#0969da}svg .bad{fill:#fff;stroke:#cf222e;stroke-width:1.5}
svg .seg{stroke:#6e7781;stroke-width:1.5;stroke-dasharray:5 3}
svg .cp-reg{stroke:#cf222e;stroke-width:1.5}svg .cp-imp{stroke:#1a7f37;stroke-width:1.5}
svg text.cp-reg{fill:#cf222e}svg text.cp-imp{fill:#1a7f37}
select{font:inherit;padding:2px 4px}.empty{color:#57606a}footer{margin-top:28px;color:#57606a;font-size:12px}
`.trim();

// The page's script, plain ES2019 run as it is (no build step, no library).
const SCRIPT = String.raw`
(function () {
  'use strict';
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById('history-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var W = 760, H = 190, L = 62, R = 14, T = 22, B = 24;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function sv(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function tip(node, text) {
    node.appendChild(sv('title', {}, text));
    return node;
  }
  function num(v) {
    if (v === null || v === undefined) return '–';
    var a = Math.abs(v);
    if (a >= 1000) return String(Math.round(v));
    if (a >= 100) return v.toFixed(1).replace(/\.0$/, '');
    if (a >= 10) return v.toFixed(2).replace(/0$/, '').replace(/\.$/, '');
    if (a >= 1) return v.toFixed(2);
    return v.toPrecision(2);
  }
  function pct(c) {
    var p = c * 100;
    return (p > 0 ? '+' : p < 0 ? '\u2212' : '\u00b1') + Math.abs(p).toFixed(1) + '%';
  }
  function short(s) { return s ? s.slice(0, 12) : '?'; }
  function range(cp) { return cp[9] || cp[10] ? short(cp[9]) + '..' + short(cp[10]) : ''; }
  function day(i) { return D.runs[i] ? D.runs[i][1].slice(0, 10) : ''; }

  var bySeries = {};
  D.series.forEach(function (x) { bySeries[x[0] + ':' + x[1] + ':' + x[2]] = x; });
  var cpsOf = {};
  D.cps.forEach(function (c) { var k = c[0] + ':' + c[1] + ':' + c[2]; (cpsOf[k] = cpsOf[k] || []).push(c); });
  var selected = D.suites.map(function (s, si) {
    var newest = D.cps.filter(function (c) { return c[0] === si; }).sort(function (a, b) { return b[3] - a[3]; })[0];
    return newest ? newest[1] : 0;
  });
  var bodies = [];
  var selects = [];

  function chart(si, pi, mi) {
    var s = D.suites[si], m = s.metrics[mi], x = bySeries[si + ':' + pi + ':' + mi];
    if (!x) return null;
    var vals = x[3], bad = {};
    x[4].forEach(function (i) { bad[i] = true; });
    // The scale fits the judged figures; an invalid one outside it sits on the edge (its tooltip has the figure).
    var n = D.runs.length, lo = Infinity, hi = -Infinity;
    vals.forEach(function (v, i) { if (v !== null && !bad[i]) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    if (lo === Infinity) vals.forEach(function (v) { if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    if (lo === Infinity) return null;
    if (hi - lo < Math.abs(hi) * 0.02) { var mid = (hi + lo) / 2, pad = Math.abs(mid) * 0.01 || 1; lo = mid - pad; hi = mid + pad; }
    var span = hi - lo; lo -= span * 0.08; hi += span * 0.08;
    var px = function (i) { return L + (n > 1 ? (i / (n - 1)) * (W - L - R) : (W - L - R) / 2); };
    var py = function (v) { return T + (1 - (Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * (H - T - B); };
    var svg = sv('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, class: 'chart', role: 'img', 'data-suite': s.name, 'data-metric': m.name });
    svg.appendChild(sv('title', {}, m.title + ' (' + m.name + ') \u00b7 ' + s.name + ' \u00b7 ' + s.points[pi].label));
    [lo + (hi - lo) * 0.08, (lo + hi) / 2, hi - (hi - lo) * 0.08].forEach(function (v) {
      svg.appendChild(sv('line', { x1: L, x2: W - R, y1: py(v), y2: py(v), class: 'grid' }));
      svg.appendChild(sv('text', { x: L - 6, y: py(v) + 4, 'text-anchor': 'end' }, num(v)));
    });
    svg.appendChild(sv('line', { x1: L, x2: L, y1: T, y2: H - B, class: 'axis' }));
    svg.appendChild(sv('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, class: 'axis' }));
    svg.appendChild(sv('text', { x: L, y: H - 6 }, day(0)));
    svg.appendChild(sv('text', { x: W - R, y: H - 6, 'text-anchor': 'end' }, day(n - 1)));
    // The line joins judged figures; a gap (not measured, or invalid) breaks it.
    var d = '', pen = false;
    vals.forEach(function (v, i) {
      if (v === null || bad[i]) { pen = false; return; }
      d += (pen ? 'L' : 'M') + px(i).toFixed(1) + ' ' + py(v).toFixed(1);
      pen = true;
    });
    if (d) svg.appendChild(sv('path', { d: d, class: 'line' }));
    var cps = (cpsOf[si + ':' + pi + ':' + mi] || []).slice().sort(function (a, b) { return a[3] - b[3]; });
    var cuts = [0].concat(cps.map(function (c) { return c[3]; }), [n]);
    for (var k = 0; k + 1 < cuts.length; k++) {
      var sum = 0, cnt = 0;
      for (var i = cuts[k]; i < cuts[k + 1]; i++) if (vals[i] !== null && !bad[i]) { sum += vals[i]; cnt++; }
      if (cnt > 0) tip(svg.appendChild(sv('line', { x1: px(cuts[k]), x2: px(Math.max(cuts[k], cuts[k + 1] - 1)), y1: py(sum / cnt), y2: py(sum / cnt), class: 'seg' })), 'mean of runs ' + (cuts[k] + 1) + '\u2013' + cuts[k + 1] + ': ' + num(sum / cnt) + ' ' + m.unit);
    }
    cps.forEach(function (c) {
      var cls = c[8] ? 'cp-reg' : 'cp-imp', xx = (px(c[3] - 1) + px(c[3])) / 2;
      var text = pct(c[6]) + ' ' + range(c);
      var what = (c[8] ? 'regression' : 'improvement') + ' at run ' + (c[3] + 1) + ' (' + day(c[3]) + '): ' + num(c[4]) + ' \u2192 ' + num(c[5]) + ' ' + m.unit + ' (' + pct(c[6]) + ', p ' + c[7] + '), commits ' + range(c);
      tip(svg.appendChild(sv('line', { x1: xx, x2: xx, y1: T - 4, y2: H - B, class: cls, 'data-cp': c[3] })), what);
      var anchor = xx > W - 200 ? 'end' : 'start';
      tip(svg.appendChild(sv('text', { x: anchor === 'end' ? xx - 4 : xx + 4, y: T - 8, class: cls, 'text-anchor': anchor }, text)), what);
    });
    var unit = m.unit ? ' ' + m.unit : '';
    vals.forEach(function (v, i) {
      if (v === null) return;
      var r = D.runs[i];
      var c = sv('circle', { cx: px(i).toFixed(1), cy: py(v).toFixed(1), r: n > 200 ? 1.8 : 2.6, class: bad[i] ? 'bad' : 'ok' });
      tip(c, 'run ' + (i + 1) + ' \u00b7 ' + r[1].slice(0, 16).replace('T', ' ') + ' \u00b7 ' + (r[2] ? r[2].slice(0, 12) : 'no commit') + ' \u00b7 ' + r[0] + '\n' + num(v) + unit + (bad[i] ? ' \u00b7 invalid point (not judged)' : ''));
      svg.appendChild(c);
    });
    return svg;
  }

  function renderSuite(si) {
    var body = bodies[si], s = D.suites[si], pi = selected[si];
    body.textContent = '';
    var drawn = 0;
    s.metrics.forEach(function (m, mi) {
      var svg = chart(si, pi, mi);
      if (!svg) return;
      var n = (cpsOf[si + ':' + pi + ':' + mi] || []).length;
      var h = el('h3', m.title + (m.title !== m.name ? ' (' + m.name + ')' : '') + (m.unit ? ', ' + m.unit : '') + (n ? ' \u00b7 ' + n + ' change point' + (n === 1 ? '' : 's') : ''));
      body.appendChild(h);
      body.appendChild(svg);
      drawn++;
    });
    if (!drawn) body.appendChild(el('p', 'No gated metric was measured at this point.', 'empty'));
  }

  function go(si, pi) {
    selected[si] = pi;
    selects[si].value = String(pi);
    renderSuite(si);
    bodies[si].parentNode.scrollIntoView();
  }

  document.title = D.title + ' \u00b7 vllm-perf-gate';
  document.getElementById('title').textContent = D.title;
  document.getElementById('headline').textContent = D.headline + '.';
  document.getElementById('detection').textContent = D.detection;

  var changes = document.getElementById('changes');
  if (D.cps.length) {
    changes.appendChild(el('h2', 'Change points, newest first'));
    var table = el('table'), head = el('tr');
    ['first run after', 'suite', 'point', 'metric', 'change', 'before \u2192 after', 'commits', 'p'].forEach(function (t) { head.appendChild(el('th', t)); });
    table.appendChild(head);
    D.cps.forEach(function (c) {
      var s = D.suites[c[0]], m = s.metrics[c[2]], tr = el('tr');
      tr.appendChild(el('td', day(c[3]) + ' (run ' + (c[3] + 1) + ')'));
      tr.appendChild(el('td', s.name));
      var a = el('a', s.points[c[1]].label, 'go');
      a.addEventListener('click', function () { go(c[0], c[1]); });
      var td = el('td'); td.appendChild(a); tr.appendChild(td);
      tr.appendChild(el('td', m.name));
      tr.appendChild(el('td', pct(c[6]) + (c[8] ? ' regression' : ' improvement'), c[8] ? 'num reg' : 'num imp'));
      tr.appendChild(el('td', num(c[4]) + ' \u2192 ' + num(c[5]) + (m.unit ? ' ' + m.unit : ''), 'num'));
      var code = el('td'); code.appendChild(el('code', range(c))); tr.appendChild(code);
      tr.appendChild(el('td', String(c[7]), 'num'));
      table.appendChild(tr);
    });
    changes.appendChild(table);
  } else changes.appendChild(el('p', 'No change points.', 'empty'));

  var main = document.getElementById('suites');
  D.suites.forEach(function (s, si) {
    var sec = el('section');
    sec.appendChild(el('h2', s.name));
    var lab = el('label', 'point ');
    var sel = el('select');
    sel.setAttribute('aria-label', 'point of ' + s.name);
    s.points.forEach(function (p, pi) { var o = el('option', p.label); o.value = String(pi); sel.appendChild(o); });
    sel.value = String(selected[si]);
    sel.addEventListener('change', function () { selected[si] = Number(sel.value); renderSuite(si); });
    lab.appendChild(sel);
    sec.appendChild(lab);
    var body = el('div');
    sec.appendChild(body);
    main.appendChild(sec);
    bodies.push(body);
    selects.push(sel);
    renderSuite(si);
  });
  document.body.setAttribute('data-render-ms', (performance.now() - t0).toFixed(1));
  document.body.setAttribute('data-ready', 'true');
})();
`.trim();
