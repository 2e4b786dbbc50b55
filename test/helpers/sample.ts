// Builds the smallest value that a contract schema accepts, so a test can send a valid
// request to any of the 148 operations without hand-writing 148 payloads.
type Schema = { readonly [k: string]: unknown };

const DATE = '2024-01-15T08:30:00Z';

function sampleString(s: Schema): string {
  const min = Number(s.minLength ?? 1) || 1;
  const max = Number(s.maxLength ?? 64);
  if (s.format === 'date-time') return DATE;
  const candidates = [
    'a'.repeat(Math.max(min, 1)),
    '0123456789abcdef0123456789abcdef'.slice(0, Math.max(min, Math.min(32, max))),
    'demo',
    'demo.png',
    'force',
  ];
  const pattern = typeof s.pattern === 'string' ? new RegExp(s.pattern, 'u') : undefined;
  for (const c of candidates) {
    if (c.length >= min && c.length <= max && (!pattern || pattern.test(c))) return c;
  }
  return candidates[0]!;
}

export function sample(s: Schema | undefined): unknown {
  if (!s) return undefined;
  if (Array.isArray(s.enum)) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = (s.properties ?? {}) as Record<string, Schema>;
      for (const name of (s.required ?? []) as string[]) out[name] = sample(props[name]);
      return out;
    }
    case 'array': {
      const n = Math.max(1, Number(s.minItems ?? 1));
      return Array.from({ length: n }, () => sample(s.items as Schema));
    }
    case 'string':
      return sampleString(s);
    case 'integer':
    case 'number': {
      const min = typeof s.minimum === 'number' ? s.minimum : undefined;
      const max = typeof s.maximum === 'number' ? s.maximum : undefined;
      if (min !== undefined) return min;
      return max !== undefined && max < 1 ? max : 1;
    }
    case 'boolean':
      return true;
    default:
      return 'x';
  }
}
