// "Did you mean" hints for misspelt keys and values: Levenshtein distance, with `_` read as `-`
// because users copy vLLM's snake_case flag spellings into our kebab-case config.

/** Edit distance (insert, delete, substitute; each costs 1). */
export function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/**
 * The candidate closest to `word`, when it is close enough to be a typo of it (at most a third of
 * the word's letters wrong, and never 2 edits or fewer on a 1-2 letter word); undefined otherwise.
 * `_` and `-` are one on both sides, so a vLLM snake_case spelling finds our kebab-case key and a
 * kebab-case typo finds a snake_case name (vLLM's suite-file keys, metric names); the candidate is
 * returned as it was given.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const byKey = new Map<string, string>();
  for (const c of candidates) byKey.set(comparable(c), c);
  const w = comparable(word);
  let best: string | undefined;
  let bestD = Infinity;
  for (const [key, c] of byKey) {
    const d = levenshtein(w, key);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(w.length / 3)));
  return best !== undefined && bestD <= allowed && bestD < w.length ? best : undefined;
}

function comparable(s: string): string {
  return s.replace(/_/g, '-').toLowerCase();
}
