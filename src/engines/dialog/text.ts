// Text → weighted features for the knowledge matcher, for Chinese, English and both mixed.
//
// Normalisation: NFKC (full-width letters, digits and punctuation become their half-width
// forms), lower case, traditional → simplified Chinese (OpenCC's tables, from the opencc-js
// package), punctuation and symbols → spaces. Features: Intl.Segmenter splits the text into
// words; a Latin word becomes its stem (a light English suffix stripper) unless it is a stop
// word; a run of CJK characters gives its character bigrams, its segmenter words of three or
// more characters, and its single characters at a low weight (one character carries little
// meaning alone, but "码" or "退" can be the only overlap between two phrasings).
import { Converter } from 'opencc-js/t2cn';
import { conceptsOf, conceptTable } from './synonyms.ts';

// Built on the first Chinese text, not at import (its tables are ≈ 8 MB of heap).
let converter: ((s: string) => string) | undefined;
const toSimplified = (s: string): string => {
  const convert = converter ?? Converter({ from: 't', to: 'cn' });
  converter = convert;
  return convert(s);
};

const CJK = /\p{Script=Han}/u;
const PUNCT = /[\p{P}\p{S}]+/gu;
const HAN_RUNS = /\p{Script=Han}+/gu;
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/** Weights of the three CJK feature kinds and of a Latin stem. */
export const FEATURE_WEIGHT = { bigram: 1, word: 1, char: 0.35, latin: 1, concept: 1, minWord: 3 } as const;

// Function words that say nothing about what is asked. English only: Chinese particles are
// single characters, already weighed down as unigrams and by their document frequency.
const STOP = new Set(
  (
    'a an the is are was were be been am do does did doing done to of in on at for with by from as ' +
    'and or but if so it its this that these those i me my we our us you your he she they them ' +
    'their what which who whom how can could would should will shall may might must there here ' +
    'please hi hello hey just about any some tell want wanna know get got need have has had ' +
    'many much not no dont cant cannot wont isnt doesnt didnt im ive one also very too still yet ' +
    'more most than then now all each every other into out up down over again off only same such ' +
    'why where when while like way thing something anything possible able'
  ).split(' '),
);
const CJK_STOP_CHARS = new Set('的了吗呢吧啊呀么嘛哦哈是我你他她它们在有和与及就都也还请问'.split(''));
/** Question frames ("what", "how", "can I") that end a run too: they say how, not what, is asked. */
const CJK_FRAME_WORDS = new Set(
  '什么 怎么 怎样 如何 多少 可以 能不能 是不是 有没有 没有 为什么 怎么办 请问 一下 这个 那个 这款 我们 你们 我的 我要 我想 有 是 我 你 能 要 想 还'.split(
    ' ',
  ),
);
/** Particles that end a run of characters: no bigram is made across them. */
const CJK_PARTICLES = new Set('的了吗呢吧啊呀嘛哦哈'.split(''));
/** The frame of a Chinese question ("what", "how", "can I"), not its topic. */
const CJK_STOP_PAIRS = new Set(
  '什么 怎么 怎样 如何 多少 可以 能不 不能 是不 不是 有没 没有 一下 一个 这个 那个 我们 你们 我的 我要 我想 请问 为什 么办 怎么办'.split(
    ' ',
  ),
);

export function normalizeText(text: string): string {
  let s = text.normalize('NFKC').toLowerCase();
  if (CJK.test(s)) s = toSimplified(s);
  return s
    .replace(/['\u2019]/g, '')
    .replace(PUNCT, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A light English stemmer: enough that "refunds", "refunded" and "refunding" meet. */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(sses|xes|ches|shes)$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = undouble(w.slice(0, -3));
  else if (w.length > 4 && w.endsWith('ed')) w = undouble(w.slice(0, -2));
  if (w.length > 5 && w.endsWith('ly')) w = w.slice(0, -2);
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

function undouble(w: string): string {
  return w.length > 3 && w.at(-1) === w.at(-2) && !/[lsz]/.test(w.at(-1) ?? '') ? w.slice(0, -1) : w;
}

/** Features of a text and their weights (a feature seen twice keeps its larger weight). */
export function features(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const add = (f: string, w: number) => {
    if ((out.get(f) ?? 0) < w) out.set(f, w);
  };
  const norm = normalizeText(text);
  let run = '';
  const stems: string[] = [];
  const flushRun = () => {
    for (let i = 0; i < run.length; i++) {
      const ch = run[i] as string;
      if (!CJK_STOP_CHARS.has(ch)) add(`c:${ch}`, FEATURE_WEIGHT.char);
      if (i + 1 < run.length) {
        const pair = run.slice(i, i + 2);
        if (!CJK_STOP_PAIRS.has(pair)) add(`b:${pair}`, FEATURE_WEIGHT.bigram);
      }
    }
    run = '';
  };
  for (const seg of segmenter.segment(norm)) {
    const w = seg.segment;
    if (!seg.isWordLike) {
      // A space ends a CJK run; other non-words were turned into spaces already.
      flushRun();
      continue;
    }
    if (CJK.test(w)) {
      if (CJK_PARTICLES.has(w) || CJK_FRAME_WORDS.has(w)) {
        flushRun();
        continue;
      }
      run += w;
      if ([...w].length >= FEATURE_WEIGHT.minWord) add(`w:${w}`, FEATURE_WEIGHT.word);
      continue;
    }
    flushRun();
    const st = /^\d+$/.test(w) ? w : stem(w);
    stems.push(st);
    if (STOP.has(w)) continue;
    add(`l:${st}`, FEATURE_WEIGHT.latin);
  }
  flushRun();
  for (const c of conceptsOf(norm.match(HAN_RUNS) ?? [], stems, conceptTable(stem)))
    add(`s:${c}`, FEATURE_WEIGHT.concept);
  return out;
}
