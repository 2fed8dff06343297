// The simulator's deterministic tokenizer. No vocabulary file, no download: a piece is up to three
// ASCII letters with an optional leading space, one digit, one punctuation mark (each with an
// optional leading space), a chat special token, or any other single character. That is roughly
// three to four characters per token, like a BPE tokenizer on English. Ids are reversible
// encodings of the piece, so /detokenize(/tokenize(x)) === x. /tokenize, usage counts and the
// performance model all count with this one function.

const PIECE = /<\|[a-z_]+\|>| ?[A-Za-z]{1,3}| ?[0-9]| ?[!-/:-@[-`{-~]|[\s\S]/gu;

// Symbols 1..97: '\n', '\t', then ASCII 32..126. Base 98 packing of up to 4 symbols.
const BASE = 98;
const UNICODE_BASE = 100_000_000;
const SPECIAL_BASE = 200_000_000;
export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

function symbolOf(code: number): number {
  if (code === 10) return 1;
  if (code === 9) return 2;
  if (code >= 32 && code <= 126) return code - 29;
  return 0;
}
function charOfSymbol(sym: number): string {
  if (sym === 1) return '\n';
  if (sym === 2) return '\t';
  return String.fromCharCode(sym + 29);
}

function pieceId(piece: string): number {
  if (piece.length > 4 && piece.startsWith('<|')) {
    const i = (SPECIAL_TOKENS as readonly string[]).indexOf(piece);
    if (i >= 0) return SPECIAL_BASE + i;
  }
  let id = 0;
  for (let i = 0; i < piece.length; i++) {
    const s = symbolOf(piece.charCodeAt(i));
    if (s === 0 || piece.length > 4) return UNICODE_BASE + (piece.codePointAt(0) ?? 0);
    id = id * BASE + s;
  }
  return id;
}

/** The pieces of a text (one per token). */
export function tokenPieces(text: string): string[] {
  return text.match(PIECE) ?? [];
}

/** Token ids of a text. */
export function encode(text: string): number[] {
  const out: number[] = [];
  for (const p of tokenPieces(text)) out.push(pieceId(p));
  return out;
}

/** Number of tokens of a text, without building the id list. */
export function countTokens(text: string): number {
  PIECE.lastIndex = 0;
  let n = 0;
  while (PIECE.exec(text) !== null) n++;
  return n;
}

/** The text of one token id (any integer decodes to something; unknown ids to ''). */
export function decodeToken(id: number): string {
  if (!Number.isInteger(id) || id < 0) return '';
  if (id >= SPECIAL_BASE) return SPECIAL_TOKENS[id - SPECIAL_BASE] ?? '';
  if (id >= UNICODE_BASE) return String.fromCodePoint(Math.min(id - UNICODE_BASE, 0x10ffff));
  let s = '';
  while (id > 0) {
    const sym = id % BASE;
    s = (sym === 0 ? '' : charOfSymbol(sym)) + s;
    id = Math.floor(id / BASE);
  }
  return s;
}

export function decode(ids: readonly number[]): string {
  let s = '';
  for (const id of ids) s += decodeToken(id);
  return s;
}

export interface ChatMessage {
  role: string;
  content: unknown;
}

/** Text of message content: a string, or OpenAI content parts of type text. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    let s = '';
    for (const part of content) {
      if (part !== null && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') {
        s += (part as { text: string }).text;
      }
    }
    return s;
  }
  return '';
}

/** A ChatML rendering (Qwen's template shape) of messages plus the assistant generation prompt. */
export function renderChat(messages: readonly ChatMessage[]): string {
  let s = '';
  for (const m of messages) s += `<|im_start|>${m.role}\n${contentText(m.content)}<|im_end|>\n`;
  return s + '<|im_start|>assistant\n';
}

/**
 * Words the simulated model writes, each exactly one token of this tokenizer, so that
 * re-tokenizing a generated text gives back the completion token count.
 */
export const OUTPUT_WORDS: readonly string[] = [
  ' the',
  ' of',
  ' and',
  ' to',
  ' in',
  ' is',
  ' it',
  ' for',
  ' on',
  ' was',
  ' as',
  ' be',
  ' at',
  ' by',
  ' an',
  ' or',
  ' we',
  ' can',
  ' you',
  ' all',
  ' new',
  ' one',
  ' two',
  ' may',
  ' use',
  ' has',
  ' not',
  ' but',
  ' are',
  ' his',
  ' her',
  ' its',
  ' our',
  ' out',
  ' up',
  ' so',
  ' if',
  ' no',
  ' do',
  ' get',
  ' see',
  ' now',
  ' way',
  ' day',
  ' man',
  ' big',
  ' old',
  ' any',
  '.',
  ',',
  ' a',
  ' sky',
  ' sea',
  ' run',
  ' fly',
  ' red',
  ' sun',
  ' key',
  ' map',
  ' end',
  ' top',
  ' low',
  ' far',
  ' set',
];

/** The token id of each output word (index for index). */
export const OUTPUT_IDS: readonly number[] = OUTPUT_WORDS.map((w) => pieceId(w));
