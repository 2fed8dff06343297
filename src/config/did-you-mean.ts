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
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  return closest(word.replace(/_/g, '-'), candidates);
}

/** As didYouMean, with the word taken as it is (for snake_case names such as metric names). */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(w, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(w.length / 3)));
  return best !== undefined && bestD <= allowed && bestD < w.length ? best : undefined;
}
