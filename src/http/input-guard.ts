// Values no MetaStudio field can hold, rejected for every operation before any module sees
// them: the database refuses NUL in text and lone surrogates in JSON (a 500 otherwise), a
// non-finite or unsafe number cannot be stored or compared, and a `__proto__` key is a
// prototype-pollution attempt on whatever later spreads the object. Modules still validate
// their own fields (lengths, patterns, control characters); this is the floor under them.

/** Where a value sits, as the error message names it: `body.scenes[0].name`. */
const child = (field: string, key: string | number): string =>
  typeof key === 'number' ? `${field}[${key}]` : `${field}.${key}`;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(s)) return 'must not contain unpaired UTF-16 surrogates';
  return undefined;
}

/**
 * The first unsafe value in `value`, as `<field> <problem>`, or undefined. Depth is bounded
 * by the JSON parser's own recursion (a body deep enough to overflow it never parses).
 */
export function findUnsafeValue(value: unknown, field: string): string | undefined {
  switch (typeof value) {
    case 'string': {
      const p = textProblem(value);
      return p && `${field} ${p}`;
    }
    case 'number':
      if (!Number.isFinite(value)) return `${field} must be a finite number`;
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        return `${field} is out of range (integers are limited to ±${Number.MAX_SAFE_INTEGER})`;
      }
      return undefined;
    case 'object': {
      if (value === null || Buffer.isBuffer(value)) return undefined;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const p = findUnsafeValue(value[i], child(field, i));
          if (p) return p;
        }
        return undefined;
      }
      for (const [key, v] of Object.entries(value)) {
        const keyProblem = textProblem(key);
        if (keyProblem) return `${field} has a key that ${keyProblem}`;
        if (key === '__proto__') return `${child(field, key)} is not an allowed field name`;
        if (key === 'constructor' && typeof v === 'object' && v !== null && 'prototype' in v) {
          return `${child(field, key)} is not an allowed field name`;
        }
        const p = findUnsafeValue(v, child(field, key));
        if (p) return p;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * For a body that is not valid UTF-8: the first string field whose decoding needed a
 * replacement character (the likely culprit), or undefined when none is found.
 */
export function findReplacedText(value: unknown, field: string): string | undefined {
  if (typeof value === 'string') return value.includes('\uFFFD') ? field : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const entries: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  for (const [key, v] of entries) {
    if (typeof key === 'string' && key.includes('\uFFFD')) return `${field} (a key)`;
    const f = findReplacedText(v, child(field, key));
    if (f) return f;
  }
  return undefined;
}
