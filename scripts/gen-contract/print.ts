// Prints TS values: a Code tree is JSON plus `Ident`, a reference to a const emitted earlier.
export class Ident {
  constructor(readonly name: string) {}
}
export type Code = Ident | string | number | boolean | null | Code[] | { [key: string]: Code };

/** A single-quoted TS string literal. */
export function lit(s: string): string {
  return `'${JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

export function key(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) || /^(0|[1-9]\d*)$/.test(k) ? k : lit(k);
}

/** Objects and arrays whose one-line form fits in this width (indent included) stay on one line. */
const FLAT_WIDTH = 100;

function entriesOf(code: Code[] | { [key: string]: Code }): { k: string; v: Code }[] {
  return Array.isArray(code)
    ? code.map((v) => ({ k: '', v }))
    : Object.entries(code).map(([k, v]) => ({ k: `${key(k)}: `, v }));
}

function printFlat(code: Code): string {
  if (code instanceof Ident) return code.name;
  if (typeof code === 'string') return lit(code);
  if (code === null || typeof code !== 'object') return JSON.stringify(code);
  const inner = entriesOf(code).map((e) => e.k + printFlat(e.v));
  if (Array.isArray(code)) return `[${inner.join(', ')}]`;
  return inner.length ? `{ ${inner.join(', ')} }` : '{}';
}

/**
 * Prints on one line when it fits, otherwise one entry per line, two-space indent.
 * `lead` is how much of the line is already used before the value (indent, key, `const x = `).
 */
export function print(code: Code, indent = '', lead = indent.length): string {
  const flat = printFlat(code);
  if (
    lead + flat.length <= FLAT_WIDTH ||
    code === null ||
    typeof code !== 'object' ||
    code instanceof Ident
  ) {
    return flat;
  }
  const inner = `${indent}  `;
  if (Array.isArray(code) && code.every((v) => v === null || typeof v !== 'object')) {
    // Long lists of scalars (enums, required) are packed several to a line.
    const lines = [''];
    for (const item of code.map((v) => `${printFlat(v)},`)) {
      const last = lines.length - 1;
      if (lines[last] && inner.length + lines[last].length + item.length >= FLAT_WIDTH) lines.push('');
      lines[lines.length - 1] += lines[lines.length - 1] ? ` ${item}` : item;
    }
    return `[\n${lines.map((l) => inner + l).join('\n')}\n${indent}]`;
  }
  const lines = entriesOf(code).map((e) => `${inner}${e.k}${print(e.v, inner, inner.length + e.k.length)},`);
  const [open, close] = Array.isArray(code) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${lines.join('\n')}\n${indent}${close}`;
}
