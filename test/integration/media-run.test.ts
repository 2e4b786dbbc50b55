// The process runner with real processes: Node itself stands in for a misbehaving tool
// (floods, hangs), and ffmpeg's endless test source for a real one that has to be killed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isMediaError, type MediaErrorCode, runTool } from '../../src/core/media/index.ts';
import { envTools } from '../helpers/media-fixtures.ts';

const node = (script: string) => [process.execPath, ['-e', script]] as const;
const fails = (code: MediaErrorCode) => (e: unknown) => {
  assert.ok(isMediaError(e), String(e));
  assert.equal(e.code, code, e.message);
  return true;
};

describe('runTool', () => {
  test('collects stdout, stderr and a non-zero exit code without rejecting', async () => {
    const [cmd, args] = node('process.stdout.write("out"); process.stderr.write("err"); process.exit(3)');
    assert.deepEqual(await runTool(cmd, args), { code: 3, stdout: 'out', stderr: 'err' });
  });

  test('arguments reach the process verbatim: no shell', async () => {
    const tricky = '$(echo pwned); `id` | rm -rf / > x';
    const r = await runTool(process.execPath, ['-e', 'process.stdout.write(process.argv[1])', tricky]);
    assert.equal(r.stdout, tricky);
  });

  test('stderr is bounded, keeping its start and its end', async () => {
    const [cmd, args] = node('process.stderr.write("FIRST\\n" + "x".repeat(1_000_000) + "\\nLAST\\n")');
    const r = await runTool(cmd, args, { maxStderrBytes: 1024 });
    assert.ok(r.stderr.length < 1200, String(r.stderr.length));
    assert.ok(r.stderr.startsWith('FIRST') && r.stderr.trimEnd().endsWith('LAST'));
    assert.match(r.stderr, /bytes dropped/);
  });

  test('too much stdout kills the process', async () => {
    const [cmd, args] = node('setInterval(() => process.stdout.write("y".repeat(65536)), 1)');
    await assert.rejects(runTool(cmd, args, { maxStdoutBytes: 100_000 }), fails('FAILED'));
  });

  test('a hung process is killed at the timeout', async () => {
    const started = Date.now();
    const [cmd, args] = node('setInterval(() => {}, 1000)');
    await assert.rejects(runTool(cmd, args, { timeoutMs: 200 }), fails('TIMEOUT'));
    assert.ok(Date.now() - started < 5_000);
  });

  test('an argument the OS cannot take is a MediaError, not a crash', async () => {
    await assert.rejects(runTool(process.execPath, ['-e', 'a\0b']), fails('FAILED'));
  });

  test('a missing binary is TOOL_MISSING', async () => {
    await assert.rejects(runTool('/nonexistent/ffmpeg', ['-version']), fails('TOOL_MISSING'));
  });

  test('an already-aborted signal never starts the process', async () => {
    await assert.rejects(
      runTool(process.execPath, ['-e', ''], { signal: AbortSignal.abort() }),
      fails('ABORTED'),
    );
  });

  test('aborting kills a running ffmpeg', async () => {
    const ffmpeg = envTools().ffmpeg.path;
    const ac = new AbortController();
    // An endless synthetic source encoded to nowhere: runs until killed.
    const args = ['-hide_banner', '-nostdin', '-f', 'lavfi', '-i', 'testsrc=size=64x48', '-f', 'null', '-'];
    const running = runTool(ffmpeg, args, { signal: ac.signal, timeoutMs: 30_000 });
    setTimeout(() => ac.abort(new Error('job cancelled')), 300);
    await assert.rejects(running, (e: unknown) => {
      assert.ok(isMediaError(e) && e.code === 'ABORTED', String(e));
      assert.equal((e.cause as Error).message, 'job cancelled');
      return true;
    });
  });
});
