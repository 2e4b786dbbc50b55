// The dialog engine's text parts: the sentence chunker that lets a streamed answer be spoken
// sentence by sentence, and the SSE reader of OpenAI-compatible chat-completion chunks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LlmError, SentenceChunker, sseContent } from '../../src/engines/dialog/index.ts';

const feed = (pieces: string[]) => {
  const c = new SentenceChunker();
  const out = pieces.flatMap((p) => c.push(p));
  return { out, rest: c.flush() };
};

describe('SentenceChunker', () => {
  it('gives each sentence as soon as it is whole, whatever the pieces', () => {
    const { out, rest } = feed(['Hel', 'lo there. I am', ' the avatar! Ask ', 'me? Sure']);
    assert.deepEqual(out, ['Hello there.', 'I am the avatar!', 'Ask me?']);
    assert.deepEqual(rest, ['Sure']);
  });

  it('keeps decimals, waits on a final full stop, and splits Chinese punctuation', () => {
    assert.deepEqual(feed(['It costs 3.5 dollars.']).out, []);
    assert.deepEqual(feed(['It costs 3.5 dollars.']).rest, ['It costs 3.5 dollars.']);
    assert.deepEqual(feed(['你好。我是数字人！', '有什么问题？']).out, [
      '你好。',
      '我是数字人！',
      '有什么问题？',
    ]);
  });

  it('keeps a closing quote with its sentence and drops pieces without letters', () => {
    assert.deepEqual(feed(['He said "yes!" Then ', '... left.']).out, ['He said "yes!"', 'Then ...']);
    assert.deepEqual(feed(['...\n', '!!']).rest, []);
  });

  it('cuts a long run without end punctuation at a pause', () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const { out } = feed([words]);
    assert.ok(out.length >= 2, out.join('|'));
    assert.ok(
      out.every((s) => s.length <= 170),
      out.join('|'),
    );
  });
});

async function* chunks(...parts: string[]): AsyncIterable<Buffer> {
  for (const p of parts) yield Buffer.from(p);
}
const collect = async (it: AsyncIterable<string>) => {
  const out: string[] = [];
  for await (const x of it) out.push(x);
  return out;
};
const delta = (content: string) => `data: ${JSON.stringify({ choices: [{ delta: { content } }] })}\n\n`;

describe('sseContent', () => {
  it('reads delta contents across chunk boundaries up to [DONE]', async () => {
    const raw = delta('Hello') + delta(' world') + 'data:[DONE]\n\n' + delta('never');
    const out = await collect(sseContent(chunks(raw.slice(0, 17), raw.slice(17, 60), raw.slice(60))));
    assert.deepEqual(out, ['Hello', ' world']);
  });

  it('ignores comments, blank data and role-only chunks; CRLF lines work', async () => {
    const role = `data: ${JSON.stringify({ choices: [{ delta: { role: 'assistant' } }] })}\r\n\r\n`;
    const out = await collect(
      sseContent(chunks(': keep-alive\n\n', 'data:\n\n', role, delta('ok').replace(/\n/g, '\r\n'))),
    );
    assert.deepEqual(out, ['ok']);
  });

  it('a chunk that is not JSON, an error object or no choices is an LlmError', async () => {
    await assert.rejects(collect(sseContent(chunks('data: {oops\n\n'))), LlmError);
    await assert.rejects(
      collect(sseContent(chunks(`data: ${JSON.stringify({ error: { message: 'quota' } })}\n\n`))),
      /reported an error: .*quota/,
    );
    await assert.rejects(collect(sseContent(chunks('data: {"id":1}\n\n'))), /no choices/);
  });
});
