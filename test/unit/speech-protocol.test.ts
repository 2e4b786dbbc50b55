// The engine process protocol's framing: JSON lines, base64 PCM, validation both ways.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  base64ToPcm,
  encodeLine,
  LineSplitter,
  parseEngineMessage,
  parseEngineRequest,
  pcmToBase64,
} from '../../src/engines/speech/protocol.ts';

test('lines split across chunks are reassembled; blank lines are skipped', () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push('{"a":1}\n{"b"'), ['{"a":1}']);
  assert.deepEqual(s.push(':2}\n\n{"c":3}'), ['{"b":2}']);
  assert.deepEqual(s.push('\n'), ['{"c":3}']);
});

test('one message is one line, whatever the text holds', () => {
  const line = encodeLine({
    id: 1,
    op: 'synth',
    text: 'a\nb "引号"',
    voice: 'cmn',
    rate: 175,
    pitch: 50,
    volume: 100,
  });
  assert.equal(line.split('\n').length, 2);
  assert.ok(line.endsWith('\n'));
  const back = parseEngineRequest(line.trim());
  assert.ok(!('invalid' in back));
  assert.equal(back.text, 'a\nb "引号"');
});

test('PCM survives the base64 round trip, extremes included', () => {
  const pcm = Int16Array.from([0, 1, -1, 32767, -32768, 1234, -4321]);
  assert.deepEqual(base64ToPcm(pcmToBase64(pcm)), pcm);
  const view = new Int16Array(pcm.buffer, 2, 3); // a view with an offset
  assert.deepEqual(base64ToPcm(pcmToBase64(view)), Int16Array.from([1, -1, 32767]));
});

test('off-protocol output is reported, not trusted', () => {
  assert.ok('invalid' in parseEngineMessage('hello from emscripten'));
  assert.ok('invalid' in parseEngineMessage('{"no":"type"}'));
  assert.ok('invalid' in parseEngineMessage('{"type":"done"}'), 'replies need an id');
  assert.deepEqual(parseEngineMessage('{"type":"ready","protocol":1,"engine":"x","sampleRate":22050}'), {
    type: 'ready',
    protocol: 1,
    engine: 'x',
    sampleRate: 22050,
  });
});

test('requests are validated before they reach the engine', () => {
  assert.ok('invalid' in parseEngineRequest('{"id":1,"op":"dance"}'));
  assert.ok('invalid' in parseEngineRequest('{"id":1,"op":"synth","text":"x","voice":"en"}'));
  assert.ok('invalid' in parseEngineRequest('{"op":"synth"}'));
  const ok = parseEngineRequest(
    '{"id":2,"op":"synth","text":"x","voice":"en","rate":175,"pitch":50,"volume":100}',
  );
  assert.ok(!('invalid' in ok));
});
