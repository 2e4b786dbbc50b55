// An OpenAI-compatible embeddings client (`POST {url}/v1/embeddings`), for the matcher's
// optional semantic half. Configured by the operator (DOPPEL_EMBEDDINGS_*), so it may reach a
// private address only when allowPrivateFetch says so, like every server-side fetch.
import { BlockedAddressError, safeFetch } from '../../core/net/safe-fetch.ts';
import type { EmbeddingEngine } from './types.ts';

export interface OpenAiEmbeddingsOptions {
  url: string;
  apiKey?: string;
  model: string;
  timeoutMs?: number;
  /** Texts per request; the endpoint's own limit is usually far higher. */
  batch?: number;
  allowPrivate: boolean;
}

export class EmbeddingsError extends Error {
  override name = 'EmbeddingsError';
}

export function openAiEmbeddings(o: OpenAiEmbeddingsOptions): EmbeddingEngine {
  const endpoint = `${o.url.replace(/\/+$/, '')}/v1/embeddings`;
  const batch = o.batch ?? 64;
  async function call(input: readonly string[]): Promise<Float32Array[]> {
    let res: Awaited<ReturnType<typeof safeFetch>>;
    try {
      res = await safeFetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: o.model, input }),
        allowPrivate: o.allowPrivate,
        timeoutMs: o.timeoutMs ?? 10_000,
        maxBodyBytes: 64 * 1024 * 1024,
        maxRedirects: 0,
      });
    } catch (e) {
      if (e instanceof BlockedAddressError) throw new EmbeddingsError(e.message);
      throw new EmbeddingsError(`embeddings endpoint unreachable: ${(e as Error).message}`);
    }
    if (res.status !== 200) throw new EmbeddingsError(`embeddings endpoint answered ${res.status}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new EmbeddingsError('embeddings endpoint answered something that is not JSON');
    }
    const data = (parsed as { data?: unknown }).data;
    if (!Array.isArray(data) || data.length !== input.length)
      throw new EmbeddingsError('embeddings answer has no data[] of one vector per input');
    const out: Float32Array[] = new Array(input.length);
    for (const [i, item] of data.entries()) {
      const { embedding, index } = (item ?? {}) as { embedding?: unknown; index?: unknown };
      const at = typeof index === 'number' ? index : i;
      if (!Array.isArray(embedding) || embedding.length === 0 || at < 0 || at >= input.length)
        throw new EmbeddingsError('embeddings answer holds a malformed vector');
      out[at] = unit(Float32Array.from(embedding as number[]));
    }
    return out;
  }
  return {
    name: `openai:${o.model}`,
    async embed(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batch) out.push(...(await call(texts.slice(i, i + batch))));
      return out;
    },
  };
}

/** The vector scaled to length 1 (so that a dot product is the cosine). */
export function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / n;
  return v;
}

export function dot(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let s = 0;
  for (let i = 0; i < n; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
