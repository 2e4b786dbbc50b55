// A dialog robot's third-party LLM (app_type 6): an OpenAI-compatible chat-completions
// endpoint. With `stream` the answer is read as server-sent events and handed on piece by
// piece, so the avatar can speak the first sentence while the model is still writing the
// rest; without it, one JSON answer. Every connection passes the SSRF guard (safeFetchStream);
// the wait for the first byte and each gap after it are bounded. What goes wrong comes back
// as an LlmError whose message says what, never the key.
import { safeFetchStream } from '../../core/net/safe-fetch.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmRequest {
  url: string;
  /** Sent as `Authorization: Bearer …` when set. */
  apiKey?: string;
  /** The `model` field (the robot's app_id); many local servers ignore it. */
  model?: string;
  messages: ChatMessage[];
  stream: boolean;
  allowPrivate: boolean;
  signal?: AbortSignal;
  /** The wait for the response head (default 10 s) and each later silence (default 30 s). */
  timeoutMs?: number;
  idleTimeoutMs?: number;
}

export class LlmError extends Error {}

const MAX_ANSWER_CHARS = 16_384;
const MAX_LINE_BYTES = 256 * 1024;

/** The answer's text as it comes, in pieces (one piece when not streamed). */
export async function* chatCompletion(req: LlmRequest): AsyncIterable<string> {
  const body = JSON.stringify({ model: req.model ?? 'default', messages: req.messages, stream: req.stream });
  let res: Awaited<ReturnType<typeof safeFetchStream>>;
  try {
    res = await safeFetchStream(req.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: req.stream ? 'text/event-stream' : 'application/json',
        ...(req.apiKey ? { authorization: `Bearer ${req.apiKey}` } : {}),
      },
      body,
      allowPrivate: req.allowPrivate,
      ...(req.signal ? { signal: req.signal } : {}),
      timeoutMs: req.timeoutMs ?? 10_000,
      idleTimeoutMs: req.idleTimeoutMs ?? 30_000,
    });
  } catch (e) {
    throw new LlmError(`the LLM endpoint could not be reached: ${(e as Error).message}`);
  }
  if (res.status < 200 || res.status >= 300) {
    const text = await readSome(res.body, 512);
    throw new LlmError(`the LLM endpoint answered HTTP ${res.status}${text ? `: ${text}` : ''}`);
  }
  const type = String(res.headers['content-type'] ?? '');
  let chars = 0;
  const capped = (piece: string): string => {
    const room = MAX_ANSWER_CHARS - chars;
    chars += Math.min(room, piece.length);
    return piece.slice(0, Math.max(0, room));
  };
  try {
    if (type.includes('text/event-stream')) {
      for await (const piece of sseContent(res.body)) {
        const p = capped(piece);
        if (p) yield p;
        if (chars >= MAX_ANSWER_CHARS) return;
      }
      return;
    }
    const text = await readSome(res.body, 4 * 1024 * 1024);
    const p = capped(contentOf(parseJson(text), 'message'));
    if (p) yield p;
  } catch (e) {
    if (e instanceof LlmError) throw e;
    if (req.signal?.aborted) return;
    throw new LlmError(`the LLM answer broke off: ${(e as Error).message}`);
  }
}

/** The `content` pieces of an SSE stream of chat-completion chunks, up to `[DONE]`. */
export async function* sseContent(body: AsyncIterable<Buffer>): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    if (buf.length > MAX_LINE_BYTES && !buf.includes('\n')) throw new LlmError('an SSE line is too long');
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl).replace(/\r$/, '');
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') return;
      if (data === '') continue;
      const piece = contentOf(parseJson(data), 'delta');
      if (piece) yield piece;
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new LlmError(`the LLM endpoint sent something that is not JSON: ${text.slice(0, 120)}`);
  }
}

/** choices[0].delta.content (a stream chunk) or choices[0].message.content (a whole answer). */
function contentOf(v: unknown, field: 'delta' | 'message'): string {
  const o = v as { choices?: Array<Record<string, { content?: unknown } | undefined>>; error?: unknown };
  if (o && typeof o === 'object' && o.error !== undefined)
    throw new LlmError(`the LLM endpoint reported an error: ${JSON.stringify(o.error).slice(0, 200)}`);
  if (!o || !Array.isArray(o.choices))
    throw new LlmError('the LLM answer has no choices (not an OpenAI-compatible chat completion)');
  const content = o.choices[0]?.[field]?.content;
  return typeof content === 'string' ? content : '';
}

async function readSome(body: AsyncIterable<Buffer>, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    parts.push(c);
    n += c.length;
    if (n >= max) break;
  }
  return Buffer.concat(parts).subarray(0, max).toString('utf8').trim();
}
