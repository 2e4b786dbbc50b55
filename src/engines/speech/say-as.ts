// <say-as> and SAY_AS vocabulary entries: turn digits, numbers, phone numbers, dates and
// letters into the words a voice should say, in English or Mandarin. Pure string functions.
// Content that does not fit the kind (e.g. cardinal "abc") is spoken as written rather than
// rejected: the markup is valid, only the reading hint does not apply.
import { SpeechError } from './types.ts';

export const SAY_AS_KINDS = [
  'cardinal',
  'number',
  'digits',
  'telephone',
  'characters',
  'spell-out',
  'ordinal',
  'date',
  'time',
] as const;
export type SayAsKind = (typeof SAY_AS_KINDS)[number];

export const isSayAsKind = (s: string): s is SayAsKind => (SAY_AS_KINDS as readonly string[]).includes(s);

/** 'zh' for Chinese voices (zh, cmn, yue, zh-CN …), 'en' for everything else. */
export const sayAsLanguage = (language: string): 'zh' | 'en' =>
  /^(zh|cmn|yue)\b/i.test(language) ? 'zh' : 'en';

/** Expands `text` read as `kind` in `language`; throws INVALID_TEXT for an unknown kind. */
export function expandSayAs(text: string, kind: string, language: string): string {
  if (!isSayAsKind(kind)) {
    throw new SpeechError(
      'INVALID_TEXT',
      `unsupported say-as interpret-as "${kind}" (supported: ${SAY_AS_KINDS.join(', ')})`,
    );
  }
  const zh = sayAsLanguage(language) === 'zh';
  const t = text.trim();
  switch (kind) {
    case 'cardinal':
    case 'number':
      return numberWords(t, zh) ?? t;
    case 'ordinal': {
      const n = numberWords(t.replace(/(st|nd|rd|th)$/i, ''), zh);
      if (n === undefined) return t;
      return zh ? `第${n}` : englishOrdinal(n);
    }
    case 'digits':
      return spellDigits(t, zh, false);
    case 'telephone':
      return spellDigits(t, zh, true);
    case 'characters':
    case 'spell-out':
      return spellCharacters(t, zh);
    case 'date':
      return dateWords(t, zh) ?? t;
    case 'time':
      return timeWords(t, zh) ?? t;
  }
}

// ── numbers ─────────────────────────────────────────────────────────────────

// biome-ignore format: a table
const EN_ONES = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
];
const EN_TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const EN_SCALES = ['', 'thousand', 'million', 'billion', 'trillion', 'quadrillion'];
const ZH_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** "-1,234.5" → words, or undefined when it is not a plain number. */
function numberWords(s: string, zh: boolean): string | undefined {
  const m = /^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return undefined;
  const int = m[2].replace(/,/g, '').replace(/^0+(?=\d)/, '');
  if (int.length > 18) return spellDigits(s, zh, false);
  const sign = m[1] === '-' ? (zh ? '负' : 'minus ') : '';
  const whole = zh ? chineseInteger(int) : englishInteger(int);
  const frac = m[3]
    ? zh
      ? `点${spellDigits(m[3], true, false)}`
      : ` point ${spellDigits(m[3], false, false)}`
    : '';
  return sign + whole + frac;
}

/** 2024 → "two thousand twenty-four" (no "and", as US English reads it). */
export function englishInteger(digits: string): string {
  if (/^0*$/.test(digits)) return 'zero';
  const groups: number[] = [];
  for (let end = digits.length; end > 0; end -= 3)
    groups.unshift(Number(digits.slice(Math.max(0, end - 3), end)));
  const words: string[] = [];
  groups.forEach((g, i) => {
    if (g === 0) return;
    const scale = EN_SCALES[groups.length - 1 - i];
    words.push(englishBelow1000(g) + (scale ? ` ${scale}` : ''));
  });
  return words.join(' ');
}

function englishBelow1000(n: number): string {
  const parts: string[] = [];
  if (n >= 100) parts.push(`${EN_ONES[Math.floor(n / 100)]} hundred`);
  const r = n % 100;
  if (r >= 20) parts.push(EN_TENS[Math.floor(r / 10)] + (r % 10 ? `-${EN_ONES[r % 10]}` : ''));
  else if (r > 0 || parts.length === 0) parts.push(EN_ONES[r]);
  return parts.join(' ');
}

// biome-ignore format: a table
const ORDINAL_IRREGULAR: Record<string, string> = {
  one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth',
};

function englishOrdinal(cardinal: string): string {
  const m = /^(.*?)([a-z]+)$/.exec(cardinal);
  if (!m) return cardinal;
  const last = m[2];
  const ord = ORDINAL_IRREGULAR[last] ?? (last.endsWith('y') ? `${last.slice(0, -1)}ieth` : `${last}th`);
  return m[1] + ord;
}

/** 2024 → 两千零二十四; 10 → 十; 100000001 → 一亿零一. */
export function chineseInteger(digits: string): string {
  if (/^0*$/.test(digits)) return '零';
  const units = ['', '万', '亿', '万亿', '亿亿'];
  const groups: number[] = [];
  for (let end = digits.length; end > 0; end -= 4)
    groups.unshift(Number(digits.slice(Math.max(0, end - 4), end)));
  let out = '';
  let pendingZero = false;
  groups.forEach((g, i) => {
    const unit = units[groups.length - 1 - i];
    if (g === 0) {
      if (out) pendingZero = true;
      return;
    }
    if (out && (pendingZero || g < 1000)) out += '零';
    pendingZero = false;
    out += g === 2 && unit ? '两' : chineseBelow10000(g, out === '');
    out += unit;
  });
  return out;
}

function chineseBelow10000(n: number, leading: boolean): string {
  const places: [number, string][] = [
    [1000, '千'],
    [100, '百'],
    [10, '十'],
    [1, ''],
  ];
  let out = '';
  let zero = false;
  for (const [value, name] of places) {
    const d = Math.floor(n / value) % 10;
    if (d === 0) {
      if (out) zero = true;
      continue;
    }
    if (zero) out += '零';
    zero = false;
    // 十二 rather than 一十二 at the very start; 两千 rather than 二千.
    if (!(d === 1 && value === 10 && leading && out === ''))
      out += d === 2 && value === 1000 ? '两' : ZH_DIGITS[d];
    out += name;
  }
  return out;
}

// ── digits, phone numbers, letters ──────────────────────────────────────────

/**
 * Digit by digit. For telephone numbers Mandarin says 幺 for 1 (as people read phone
 * numbers), and groups separated by spaces, dashes, dots or brackets become short pauses.
 */
function spellDigits(s: string, zh: boolean, telephone: boolean): string {
  const groups = telephone ? s.split(/[\s\-.()/]+/).filter(Boolean) : [s];
  const spoken = groups.map((g) => {
    const out: string[] = [];
    for (const ch of g) {
      if (/\d/.test(ch)) {
        const d = Number(ch);
        out.push(zh ? (telephone && d === 1 ? '幺' : ZH_DIGITS[d]) : EN_ONES[d]);
      } else if (ch === '+') out.push(zh ? '加' : 'plus');
      else if (ch === '#') out.push(zh ? '井号' : 'pound');
      else if (ch === '*') out.push(zh ? '星号' : 'star');
      else if (ch.trim()) out.push(ch);
    }
    return out.join(zh ? '' : ' ');
  });
  return spoken.join(zh ? '，' : ', ');
}

function spellCharacters(s: string, zh: boolean): string {
  const out: string[] = [];
  for (const ch of s) {
    if (!ch.trim()) continue;
    out.push(/\d/.test(ch) ? (zh ? ZH_DIGITS[Number(ch)] : EN_ONES[Number(ch)]) : ch.toUpperCase());
  }
  // Han characters need no separator; letters do, or the engine reads them as one word.
  return zh && out.every((c) => /\p{Script=Han}/u.test(c)) ? out.join('') : out.join(' ');
}

// ── dates and times ─────────────────────────────────────────────────────────

// biome-ignore format: a table
const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

/** 2024-05-01, 2024/5/1, 2024.05.01, 20240501 (year first; the order Chinese and ISO use). */
function dateWords(s: string, zh: boolean): string | undefined {
  const m = /^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?$/.exec(s);
  if (!m) return undefined;
  const [year, month, day] = [m[1], Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (zh)
    return `${spellDigits(year, true, false)}年${chineseInteger(String(month))}月${chineseInteger(String(day))}日`;
  return `${MONTHS[month - 1]} ${englishOrdinal(englishInteger(String(day)))}, ${englishYear(year)}`;
}

/** 1999 → nineteen ninety-nine; 2005 → two thousand five; 2024 → twenty twenty-four. */
function englishYear(year: string): string {
  const y = Number(year);
  if (y % 1000 < 10 || y % 100 === 0) {
    return y % 100 === 0 && y % 1000 !== 0
      ? `${englishInteger(String(Math.floor(y / 100)))} hundred`
      : englishInteger(year);
  }
  const lo = y % 100;
  return `${englishInteger(String(Math.floor(y / 100)))} ${lo < 10 ? `oh ${EN_ONES[lo]}` : englishInteger(String(lo))}`;
}

function timeWords(s: string, zh: boolean): string | undefined {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (!m) return undefined;
  const [h, min] = [Number(m[1]), Number(m[2])];
  if (h > 24 || min > 59) return undefined;
  if (zh) return `${chineseInteger(String(h))}点${min ? `${chineseInteger(String(min))}分` : '整'}`;
  if (min === 0) return `${englishInteger(String(h))} o'clock`;
  return `${englishInteger(String(h))} ${min < 10 ? `oh ${EN_ONES[min]}` : englishInteger(String(min))}`;
}
