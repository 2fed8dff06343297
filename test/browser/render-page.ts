// The report as GitHub shows it: Markdown through a GFM renderer (marked) and Mermaid, both from
// node_modules (no network), in a comment column styled like GitHub's, in headless Chromium
// (Debian's `chromium`). The page measures itself and writes what it found into the DOM, which
// `chromium --dump-dom` prints once the page is idle; `--screenshot` keeps a picture of it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '../..');
const MARKED = path.join(root, 'node_modules/marked/lib/marked.umd.js');
const MERMAID = path.join(root, 'node_modules/mermaid/dist/mermaid.min.js');
/** Where CI keeps the screenshots as an artifact. */
export const SCREENSHOTS = path.join(root, '.ci/out/screenshots');

/** GitHub's light theme, or its dark one (the background of the page and Mermaid's theme). */
export type Theme = 'light' | 'dark';

/** What the page found about itself. */
export interface PageFacts {
  /** Mermaid blocks, and for each whether it became an SVG and the error, if any. */
  charts: { svg: boolean; error: string | null }[];
  /** Elements wider than the comment column (tag, text, px over), and the column's own scroll overflow. */
  overflow: { what: string; over: number }[];
  /** Bottom edge (px from the top of the page) of the verdict heading and of the impact sentence. */
  verdictBottom: number;
  impactBottom: number;
  impactText: string;
  /** Any error thrown while rendering. */
  error: string | null;
}

/** The binary, or a failure that says how to install it: a missing browser never skips the test. */
export function chromium(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  throw new Error('Chromium is not installed: install it with `apt-get install -y chromium` (Debian) and run the test again');
}

/**
 * GitHub's comment body, near enough for widths: a 14 px system font, tables as blocks that scroll
 * when wider than the column, 6/13 px cell padding. The column is 850 px wide in a 900 px window.
 */
const CSS = `
  body { margin: 0; background: #fff; color: #1f2328; }
  body[data-theme="dark"] { background: #0d1117; color: #f0f6fc; }
  .markdown-body { box-sizing: border-box; width: 850px; padding: 16px; margin: 0 auto 0 0;
    font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; overflow-wrap: break-word; }
  .markdown-body table { display: block; width: max-content; max-width: 100%; overflow: auto; border-spacing: 0; border-collapse: collapse; }
  .markdown-body td, .markdown-body th { padding: 6px 13px; border: 1px solid #d1d9e0; }
  .markdown-body pre { overflow: auto; }
  .markdown-body code { font: 85% ui-monospace, SFMono-Regular, Menlo, monospace; }
  .markdown-body img, .markdown-body svg { max-width: 100%; }
  .markdown-body h2 { font-size: 1.5em; margin: 24px 0 16px; }
`;

/** The script the page runs: render, then measure, then write the facts into #facts. */
const SCRIPT = `
(async () => {
  const facts = { charts: [], overflow: [], verdictBottom: -1, impactBottom: -1, impactText: '', error: null };
  try {
    const body = document.querySelector('.markdown-body');
    body.innerHTML = marked.parse(document.getElementById('md').textContent, { gfm: true });
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: document.body.dataset.theme === 'dark' ? 'dark' : 'default' });
    let n = 0;
    for (const code of [...body.querySelectorAll('code.language-mermaid')]) {
      const host = document.createElement('div');
      const pre = code.parentElement;
      pre.replaceWith(host);
      try {
        const { svg } = await mermaid.render('chart' + n++, code.textContent);
        host.innerHTML = svg;
        facts.charts.push({ svg: host.querySelector('svg') !== null && !/Syntax error/i.test(host.textContent), error: null });
      } catch (e) {
        facts.charts.push({ svg: false, error: String(e && e.message || e) });
      }
    }
    // Open every <details>: folded content must fit too.
    for (const d of body.querySelectorAll('details')) d.open = true;
    const col = body.getBoundingClientRect();
    const inner = col.right - parseFloat(getComputedStyle(body).paddingRight);
    for (const el of body.querySelectorAll('table, pre, svg, p, li, h2, h3, div')) {
      const r = el.getBoundingClientRect();
      const scroll = el.scrollWidth - el.clientWidth;
      const over = Math.max(r.right - inner, el.tagName === 'TABLE' || el.tagName === 'PRE' ? scroll : 0);
      if (over > 1) facts.overflow.push({ what: el.tagName + ': ' + el.textContent.slice(0, 80), over: Math.round(over) });
    }
    if (body.scrollWidth > body.clientWidth + 1) facts.overflow.push({ what: 'the column', over: body.scrollWidth - body.clientWidth });
    const h2 = body.querySelector('h2');
    facts.verdictBottom = h2 ? h2.getBoundingClientRect().bottom + scrollY : -1;
    const impact = h2 && h2.nextElementSibling;
    if (impact) { facts.impactBottom = impact.getBoundingClientRect().bottom + scrollY; facts.impactText = impact.textContent; }
  } catch (e) {
    facts.error = String(e && e.stack || e);
  }
  document.getElementById('facts').textContent = JSON.stringify(facts);
})();
`;

function html(markdown: string, theme: Theme): string {
  // The Markdown sits in a <script type="text/plain">, which the parser does not interpret; only
  // "</script" could end it early, and the report escapes "<" in anything it did not write.
  const md = markdown.replace(/<\/script/gi, '<\\/script');
  return `<!doctype html><html><head><meta charset="utf-8"><style>${CSS}</style>
<script src="${pathToFileURL(MARKED).href}"></script><script src="${pathToFileURL(MERMAID).href}"></script></head>
<body data-theme="${theme}"><article class="markdown-body"></article><pre id="facts" hidden></pre>
<script type="text/plain" id="md">${md}</script><script>${SCRIPT}</script></body></html>`;
}

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--hide-scrollbars'];

/** Renders `markdown` at 900 px, keeps a screenshot named `name`, and returns what the page found. */
export function renderInChromium(markdown: string, name: string, dir: string, theme: Theme = 'light'): PageFacts {
  const bin = chromium();
  const file = path.join(dir, `${name}.html`);
  writeFileSync(file, html(markdown, theme));
  const url = pathToFileURL(file).href;
  const profile = path.join(dir, `profile-${name}`);
  const common = [...FLAGS, `--user-data-dir=${profile}`, '--allow-file-access-from-files', '--virtual-time-budget=15000'];
  const dom = spawnSync(bin, [...common, '--window-size=900,1200', '--dump-dom', url], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 << 20,
  });
  const m = /<pre id="facts" hidden="">([\s\S]*?)<\/pre>/.exec(dom.stdout ?? '');
  if (!m || !m[1]) throw new Error(`Chromium did not render ${file} (exit ${dom.status}): ${(dom.stderr ?? '').slice(-1500)}`);
  const facts = JSON.parse(
    m[1]
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  ) as PageFacts;
  mkdirSync(SCREENSHOTS, { recursive: true });
  spawnSync(bin, [...common, '--window-size=900,6000', `--screenshot=${path.join(SCREENSHOTS, `${name}.png`)}`, url], { timeout: 60_000 });
  return facts;
}
