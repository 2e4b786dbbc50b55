// Text or SSML in, SpeechScript out. Plain text is one piece; text that starts with <speak is
// parsed with a small tokenizer of our own (no XML dependency) that keeps every text node's
// offsets into the caller's original string, so word timings and subtitle cues point back at
// the characters the user wrote, markup and entities included.
//
// The subset is what MetaStudio texts use: speak, break, say-as, phoneme, prosody, p, s, plus
// sub (alias), emphasis (read as plain text) and mark (ignored), which SSML editors emit.
// Anything else, and any malformed markup, is an INVALID_TEXT error that names the position.
import { expandSayAs } from './say-as.ts';
import { type ScriptPiece, SpeechError, type SpeechScript } from './types.ts';

/** A <break> longer than this is clamped (engines and players handle long silence poorly). */
export const MAX_BREAK_MS = 10_000;
/** The pause a </p> or </s> adds unless an explicit <break> is already there. */
export const PARAGRAPH_BREAK_MS = 500;
export const SENTENCE_BREAK_MS = 250;

export interface ParseOptions {
  /** Speakable characters allowed (markup not counted). */
  maxChars: number;
  /** The voice's language, for say-as; default: 'zh' when the text has Han characters, else 'en'. */
  language?: string;
}

export const isSsml = (text: string): boolean => /^\s*<speak[\s/>]/.test(text);

export function parseSpeechInput(text: string, opts: ParseOptions): SpeechScript {
  const language = opts.language ?? (/\p{Script=Han}/u.test(text) ? 'zh' : 'en');
  const script = isSsml(text) ? new SsmlParser(text, language).parse() : plain(text);
  let chars = 0;
  for (const p of script.pieces) if (p.kind === 'speak') chars += countChars(p, text);
  if (chars === 0) throw new SpeechError('INVALID_TEXT', 'text has nothing to speak');
  if (chars > opts.maxChars) {
    throw new SpeechError(
      'TEXT_TOO_LONG',
      `text has ${chars} characters; at most ${opts.maxChars} are allowed`,
    );
  }
  return script;
}

function plain(text: string): SpeechScript {
  const start = text.length - text.trimStart().length;
  const end = text.trimEnd().length;
  const pieces: ScriptPiece[] =
    end > start ? [{ kind: 'speak', text: text.slice(start, end), source: [start, end] }] : [];
  return { original: text, pieces };
}

/** Characters the caller wrote for this piece (a say-as or alias counts its source, not its expansion). */
function countChars(p: Extract<ScriptPiece, { kind: 'speak' }>, original: string): number {
  const written = sourceMap(original, p)
    ? p.text
    : decodeEntities(original.slice(p.source[0], p.source[1])).text;
  return [...written.replace(/\s+/g, '')].length;
}

// ── entities and offset maps ────────────────────────────────────────────────

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/y;

/**
 * Decodes XML entities. `map[i]` is the offset in `raw` of decoded character i and
 * `map[text.length] === raw.length`. `error` is the offset of the first bad '&', if any.
 */
export function decodeEntities(raw: string): { text: string; map: number[]; error?: number } {
  let text = '';
  const map: number[] = [];
  let error: number | undefined;
  for (let i = 0; i < raw.length; ) {
    if (raw[i] === '&') {
      ENTITY.lastIndex = i;
      const m = ENTITY.exec(raw);
      const value = m ? entityValue(m[1]) : undefined;
      if (m && value !== undefined) {
        for (let k = 0; k < value.length; k++) map.push(i);
        text += value;
        i += m[0].length;
        continue;
      }
      error ??= i;
    }
    map.push(i);
    text += raw[i];
    i++;
  }
  map.push(raw.length);
  return { text, map, error };
}

function entityValue(name: string): string | undefined {
  if (name[0] !== '#') return NAMED[name];
  const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

/**
 * Offsets of a piece's text characters in the original, or undefined when the piece's text is
 * not the (entity-decoded) source, i.e. a replacement such as a say-as expansion or an alias.
 */
export function sourceMap(
  original: string,
  piece: Extract<ScriptPiece, { kind: 'speak' }>,
): number[] | undefined {
  const [a, b] = piece.source;
  const raw = original.slice(a, b);
  if (raw === piece.text) return Array.from({ length: raw.length + 1 }, (_, i) => a + i);
  if (!raw.includes('&')) return undefined;
  const d = decodeEntities(raw);
  return d.text === piece.text ? d.map.map((o) => a + o) : undefined;
}

/**
 * Maps [start, end) in `piece.text` to [start, end) in the original text. Exact for text the
 * caller wrote; for replacements every span maps to the whole piece source (the key, the
 * say-as content), which is what a word timing or a subtitle should point at.
 */
export function mapToSource(
  original: string,
  piece: Extract<ScriptPiece, { kind: 'speak' }>,
  start: number,
  end: number,
  /** sourceMap(original, piece), when the caller maps many spans of one piece. */
  map: number[] | undefined = sourceMap(original, piece),
): [number, number] {
  if (!map) return [piece.source[0], piece.source[1]];
  const s = map[Math.max(0, Math.min(start, piece.text.length))];
  const e = end >= piece.text.length ? piece.source[1] : map[Math.max(0, end)];
  return [s, Math.max(s, e)];
}

/** Removes SSML tags and decodes entities (subtitle cue text). */
export const stripMarkup = (s: string): string => decodeEntities(s.replace(/<[^>]*>?/g, ' ')).text;

// ── the SSML tokenizer/parser ───────────────────────────────────────────────

interface Frame {
  name: string;
  at: number;
  rate: number;
  pitch: number;
  volume: number;
  /** say-as, phoneme and sub hold text only; it is collected here. */
  textOnly?: { start: number; end: number; attrs: Map<string, string> };
}

const ATTRS: Record<string, string[]> = {
  speak: ['version', 'xmlns', 'xml:lang', 'xml:base'],
  break: ['time', 'strength'],
  'say-as': ['interpret-as', 'format', 'detail'],
  phoneme: ['alphabet', 'ph'],
  prosody: ['rate', 'pitch', 'volume'],
  p: ['xml:lang'],
  s: ['xml:lang'],
  sub: ['alias'],
  emphasis: ['level'],
  mark: ['name'],
};

class SsmlParser {
  private pos = 0;
  private readonly pieces: ScriptPiece[] = [];
  private readonly stack: Frame[] = [];
  private rootClosed = false;
  /** Indexes of breaks that </p> or </s> added (merged with neighbours, dropped at the end). */
  private readonly structural = new Set<number>();

  constructor(
    private readonly src: string,
    private readonly language: string,
  ) {}

  parse(): SpeechScript {
    const s = this.src;
    while (this.pos < s.length) {
      const lt = s.indexOf('<', this.pos);
      const end = lt < 0 ? s.length : lt;
      if (end > this.pos) this.text(this.pos, end);
      this.pos = end;
      if (lt >= 0) this.markup();
    }
    if (this.stack.length) {
      const open = this.stack[this.stack.length - 1];
      this.fail(open.at, `<${open.name}> is never closed`);
    }
    if (!this.rootClosed) this.fail(s.length, 'missing <speak> root element');
    while (
      this.pieces.length &&
      this.pieces[this.pieces.length - 1].kind === 'break' &&
      this.structural.has(this.pieces.length - 1)
    ) {
      this.pieces.pop();
    }
    return { original: s, pieces: this.pieces };
  }

  private fail(at: number, what: string): never {
    const before = this.src.slice(0, at);
    const line = before.split('\n').length;
    const col = at - before.lastIndexOf('\n');
    throw new SpeechError(
      'INVALID_TEXT',
      `invalid SSML at offset ${at} (line ${line}, column ${col}): ${what}`,
    );
  }

  private text(start: number, end: number): void {
    const raw = this.src.slice(start, end);
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      if (raw.trim()) this.fail(start + raw.search(/\S/), 'text outside the <speak> element');
      return;
    }
    const decoded = decodeEntities(raw);
    if (decoded.error !== undefined)
      this.fail(start + decoded.error, "'&' must start an entity such as &amp;");
    if (top.textOnly) {
      if (top.textOnly.start < 0) top.textOnly.start = start;
      top.textOnly.end = end;
      return;
    }
    const lead = raw.length - raw.trimStart().length;
    const trail = raw.trimEnd().length;
    if (trail <= lead) return;
    const [a, b] = [start + lead, start + trail];
    this.speak(decodeEntities(this.src.slice(a, b)).text, [a, b]);
  }

  private speak(
    text: string,
    source: [number, number],
    phonemes?: Extract<ScriptPiece, { kind: 'speak' }>['phonemes'],
  ): void {
    const top = this.stack[this.stack.length - 1];
    const piece: ScriptPiece = { kind: 'speak', text, source };
    if (top.rate !== 1) piece.rate = top.rate;
    if (top.pitch !== 1) piece.pitch = top.pitch;
    if (top.volume !== 1) piece.volume = top.volume;
    if (phonemes) piece.phonemes = phonemes;
    this.pieces.push(piece);
  }

  private pause(ms: number, structural: boolean): void {
    const last = this.pieces[this.pieces.length - 1];
    if (!last) {
      // Nothing said yet. The pause an empty <p>/<s> would add means nothing here, but an
      // explicit <break> before the first word is silence the author asked for: keep it.
      if (!structural) this.pieces.push({ kind: 'break', ms });
      return;
    }
    if (last.kind === 'break' && (structural || this.structural.has(this.pieces.length - 1))) {
      last.ms = Math.max(last.ms, ms);
      if (!structural) this.structural.delete(this.pieces.length - 1);
      return;
    }
    this.pieces.push({ kind: 'break', ms });
    if (structural) this.structural.add(this.pieces.length - 1);
  }

  private markup(): void {
    const s = this.src;
    const at = this.pos;
    if (s.startsWith('<!--', at)) {
      const top = this.stack[this.stack.length - 1];
      // A comment would end up inside the content span that say-as/phoneme/sub keep as source.
      if (top?.textOnly) this.fail(at, `<${top.name}> may contain only text, not a comment`);
      const close = s.indexOf('-->', at + 4);
      if (close < 0) this.fail(at, 'comment is never closed');
      this.pos = close + 3;
      return;
    }
    if (s.startsWith('<?', at)) {
      const close = s.indexOf('?>', at + 2);
      if (close < 0 || this.stack.length || this.rootClosed)
        this.fail(at, 'unexpected processing instruction');
      this.pos = close + 2;
      return;
    }
    const closing = s[at + 1] === '/';
    const nameRe = /[A-Za-z_][\w.:-]*/y;
    nameRe.lastIndex = at + (closing ? 2 : 1);
    const m = nameRe.exec(s);
    if (!m) this.fail(at, "'<' must start a tag (write &lt; for a literal '<')");
    const name = m[0];
    this.pos = nameRe.lastIndex;
    if (closing) {
      this.skipSpace();
      if (s[this.pos] !== '>') this.fail(this.pos, `expected '>' to end </${name}>`);
      this.pos++;
      this.close(name, at);
      return;
    }
    const attrs = this.attributes(name);
    const selfClosing = s[this.pos] === '/';
    if (selfClosing) this.pos++;
    if (s[this.pos] !== '>') this.fail(this.pos, `expected '>' to end <${name}>`);
    this.pos++;
    this.open(name, at, attrs);
    if (selfClosing) this.close(name, at);
  }

  private skipSpace(): void {
    while (/\s/.test(this.src[this.pos] ?? '')) this.pos++;
  }

  private attributes(tag: string): Map<string, string> {
    const s = this.src;
    const attrs = new Map<string, string>();
    for (;;) {
      const before = this.pos;
      this.skipSpace();
      if (this.pos >= s.length) this.fail(this.pos, `<${tag}> is not terminated`);
      if (s[this.pos] === '>' || s[this.pos] === '/') return attrs;
      if (this.pos === before) this.fail(this.pos, `expected whitespace before an attribute of <${tag}>`);
      const re = /([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
      re.lastIndex = this.pos;
      const m = re.exec(s);
      if (!m) this.fail(this.pos, `malformed attribute in <${tag}> (expected name="value")`);
      if (attrs.has(m[1])) this.fail(this.pos, `duplicate attribute ${m[1]} in <${tag}>`);
      const raw = m[2] ?? m[3];
      const d = decodeEntities(raw);
      if (d.error !== undefined) this.fail(this.pos, `'&' in attribute ${m[1]} must start an entity`);
      attrs.set(m[1], d.text);
      this.pos = re.lastIndex;
    }
  }

  private open(name: string, at: number, attrs: Map<string, string>): void {
    const allowed = ATTRS[name];
    if (!allowed)
      this.fail(at, `unsupported element <${name}> (supported: ${Object.keys(ATTRS).join(', ')})`);
    for (const key of attrs.keys()) {
      if (!allowed.includes(key) && !key.startsWith('xmlns:') && key !== 'xml:lang') {
        this.fail(at, `<${name}> has no attribute ${key} (allowed: ${allowed.join(', ') || 'none'})`);
      }
    }
    const top = this.stack[this.stack.length - 1];
    if (name === 'speak' ? top || this.rootClosed : !top) {
      this.fail(
        at,
        name === 'speak' ? '<speak> must be the single root element' : `<${name}> outside <speak>`,
      );
    }
    if (top?.textOnly) this.fail(at, `<${top.name}> may contain only text, not <${name}>`);
    const frame: Frame = { name, at, rate: top?.rate ?? 1, pitch: top?.pitch ?? 1, volume: top?.volume ?? 1 };
    if (name === 'break') this.pause(this.breakMs(attrs, at), false);
    if (name === 'prosody') {
      const num = (key: string, parse: (v: string) => number | undefined): number => {
        const v = attrs.get(key);
        if (v === undefined) return 1;
        const r = parse(v.trim());
        if (r === undefined || !(r >= 0) || !Number.isFinite(r)) this.fail(at, `bad prosody ${key}="${v}"`);
        return r;
      };
      frame.rate *= num('rate', parseRate);
      frame.pitch *= num('pitch', parsePitch);
      frame.volume *= num('volume', parseVolume);
    }
    if (name === 'say-as' || name === 'phoneme' || name === 'sub') {
      this.checkTextOnly(name, attrs, at);
      frame.textOnly = { start: -1, end: -1, attrs };
    }
    this.stack.push(frame);
  }

  private checkTextOnly(name: string, attrs: Map<string, string>, at: number): void {
    if (name === 'say-as' && !attrs.get('interpret-as')) this.fail(at, '<say-as> needs interpret-as');
    if (name === 'sub' && !attrs.get('alias')?.trim()) this.fail(at, '<sub> needs a non-empty alias');
    if (name === 'phoneme') {
      const alphabet = attrs.get('alphabet') ?? 'ipa';
      if (!phonemeAlphabet(alphabet))
        this.fail(at, `unsupported phoneme alphabet "${alphabet}" (use ipa, x-espeak or pinyin)`);
      if (!attrs.get('ph')?.trim()) this.fail(at, '<phoneme> needs a non-empty ph');
      if (phonemeAlphabet(alphabet) === 'pinyin' && !isPinyin(attrs.get('ph') ?? '')) {
        this.fail(at, `ph="${attrs.get('ph')}" is not pinyin with tone numbers (e.g. "zhong1 guo2")`);
      }
    }
  }

  private breakMs(attrs: Map<string, string>, at: number): number {
    const time = attrs.get('time');
    if (time !== undefined) {
      const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$/.exec(time);
      if (!m) this.fail(at, `bad break time="${time}" (use e.g. 500ms or 2s)`);
      return Math.min(MAX_BREAK_MS, Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1)));
    }
    const strength = attrs.get('strength') ?? 'medium';
    const ms = BREAK_STRENGTH[strength];
    if (ms === undefined) this.fail(at, `bad break strength="${strength}"`);
    return ms;
  }

  private close(name: string, at: number): void {
    const top = this.stack.pop();
    if (!top) this.fail(at, `</${name}> closes nothing`);
    if (top.name !== name)
      this.fail(at, `</${name}> does not match <${top.name}> opened at offset ${top.at}`);
    this.stack.push(top); // pieces take prosody from the frame still on the stack
    if (top.textOnly) this.closeTextOnly(top, at);
    if (name === 'p') this.pause(PARAGRAPH_BREAK_MS, true);
    if (name === 's') this.pause(SENTENCE_BREAK_MS, true);
    this.stack.pop();
    if (name === 'speak') this.rootClosed = true;
  }

  private closeTextOnly(frame: Frame, at: number): void {
    const { start, end, attrs } = frame.textOnly ?? { start: -1, end: -1, attrs: new Map() };
    const raw = start < 0 ? '' : this.src.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    const [a, b] = [start + lead, start + raw.trimEnd().length];
    const content = b > a ? decodeEntities(this.src.slice(a, b)).text : '';
    if (!content && frame.name !== 'sub') this.fail(at, `<${frame.name}> is empty`);
    const source: [number, number] = b > a ? [a, b] : [at, at];
    if (frame.name === 'sub') this.speak(attrs.get('alias')?.trim() ?? '', source);
    else if (frame.name === 'say-as') {
      this.speak(expandSayAs(content, attrs.get('interpret-as') ?? '', this.language) || content, source);
    } else {
      const alphabet = phonemeAlphabet(attrs.get('alphabet') ?? 'ipa') ?? 'ipa';
      this.speak(content, source, { alphabet, ph: (attrs.get('ph') ?? '').trim() });
    }
  }
}

const BREAK_STRENGTH: Record<string, number> = {
  none: 0,
  'x-weak': 100,
  weak: 250,
  medium: 500,
  strong: 750,
  'x-strong': 1000,
};

/** 'ipa' | 'x-espeak' | 'pinyin' for the alphabet names SSML texts use. */
export function phonemeAlphabet(name: string): 'ipa' | 'x-espeak' | 'pinyin' | undefined {
  const n = name.trim().toLowerCase();
  if (n === 'ipa') return 'ipa';
  if (n === 'x-espeak' || n === 'espeak') return 'x-espeak';
  if (n === 'py' || n === 'pinyin' || n === 'x-pinyin') return 'pinyin';
  return undefined;
}

/** Space-separated pinyin syllables each ending in a tone number 1–5 ("zhong1 guo2"). */
export const isPinyin = (ph: string): boolean => /^\s*[a-zü:v]+[1-5](\s+[a-zü:v]+[1-5])*\s*$/i.test(ph);

// Relative forms: "+20%", "-10%", "120%" (of the default), keywords, and bare multipliers ("1.2").
const RATE_WORDS: Record<string, number> = {
  'x-slow': 0.5,
  slow: 0.75,
  medium: 1,
  default: 1,
  fast: 1.25,
  'x-fast': 1.5,
};
const PITCH_WORDS: Record<string, number> = {
  'x-low': 0.7,
  low: 0.85,
  medium: 1,
  default: 1,
  high: 1.15,
  'x-high': 1.3,
};
const VOLUME_WORDS: Record<string, number> = {
  silent: 0,
  'x-soft': 0.5,
  soft: 0.75,
  medium: 1,
  default: 1,
  loud: 1.25,
  'x-loud': 1.5,
};

function percent(v: string): number | undefined {
  const m = /^([+-]?)(\d+(?:\.\d+)?)%$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[2]) / 100;
  return m[1] === '+' ? 1 + n : m[1] === '-' ? 1 - n : n;
}

export function parseRate(v: string): number | undefined {
  return RATE_WORDS[v] ?? percent(v) ?? (/^\d+(\.\d+)?$/.test(v) ? Number(v) : undefined);
}

export function parsePitch(v: string): number | undefined {
  const st = /^([+-]\d+(?:\.\d+)?)st$/.exec(v);
  if (st) return 2 ** (Number(st[1]) / 12);
  return PITCH_WORDS[v] ?? percent(v);
}

export function parseVolume(v: string): number | undefined {
  const db = /^([+-]?\d+(?:\.\d+)?)dB$/.exec(v);
  if (db) return 10 ** (Number(db[1]) / 20);
  // SSML 1.1: a bare number is a level 0–100 where 100 is the default loudness.
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) <= 100 ? Number(v) / 100 : undefined;
  return VOLUME_WORDS[v] ?? percent(v);
}
