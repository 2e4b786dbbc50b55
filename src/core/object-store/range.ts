// `Range: bytes=…` for the GET route (RFC 9110 §14). One range only: a header this does not
// understand (multiple ranges, other units, garbage) is ignored and the whole object served,
// which the RFC allows.

export type RangeResult = { start: number; end: number } | 'unsatisfiable' | undefined;

export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    // bytes=-n: the last n bytes
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return undefined; // invalid range: ignore the header
  if (start >= size) return 'unsatisfiable';
  return { start, end: m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1) };
}

/**
 * `Content-Range: bytes a-b/size` of a 206, or undefined when it is not that (`*` sizes included).
 * A window past the size is kept: the caller judges it against the range it asked for.
 */
export function parseContentRange(
  header: string | null,
): { start: number; end: number; size: number } | undefined {
  const m = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15})$/.exec(header?.trim() ?? '');
  if (!m) return undefined;
  const [start, end, size] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return start <= end ? { start, end, size } : undefined;
}
