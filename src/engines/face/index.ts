// The face engine: 68-point face landmarks from @vladmandic/face-api (SSD MobileNet v1 + the
// 68-landmark net, weights shipped in the npm package) on TensorFlow.js's WASM backend, run in
// a child process (face.process.ts) so inference never blocks the caller's event loop. One
// process per analyser; requests are answered in order.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DetectedFace, RgbFrame } from './face.types.ts';

export * from './face.measure.ts';
export type { DetectedFace, RgbFrame } from './face.types.ts';

export class FaceEngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaceEngineError';
  }
}

export interface FaceAnalyzer {
  detect(frame: RgbFrame, opts?: { minScore?: number }): Promise<DetectedFace[]>;
  close(): Promise<void>;
}

/**
 * Starts the process; the model loads in the background (~1 s) while the caller prepares frames.
 * The caller must close() it (the open IPC channel keeps the process alive).
 */
export function createFaceAnalyzer(): FaceAnalyzer {
  const child: ChildProcess = fork(fileURLToPath(new URL('./face.process.mjs', import.meta.url)), [], {
    // Structured clone: frames travel as bytes, not as JSON arrays of numbers.
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    execArgv: [],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-2000);
  });
  let next = 1;
  let failure: Error | undefined;
  const waiting = new Map<number, { resolve(f: DetectedFace[]): void; reject(e: Error): void }>();
  const failAll = (e: Error) => {
    failure ??= e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  child.on('message', (m: { id: number; faces?: DetectedFace[]; error?: string }) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.error !== undefined) w.reject(new FaceEngineError(`face model: ${m.error}`));
    else w.resolve(m.faces ?? []);
  });
  child.on('error', (e) => failAll(new FaceEngineError(`face process failed: ${e.message}`)));
  child.on('exit', (code, signal) =>
    failAll(
      new FaceEngineError(
        `face process exited (${signal ?? code})${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`,
      ),
    ),
  );
  return {
    detect(frame, opts = {}) {
      if (failure) return Promise.reject(failure);
      const id = next++;
      return new Promise<DetectedFace[]>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ id, width: frame.width, height: frame.height, rgb: frame.rgb, minScore: opts.minScore });
      });
    },
    async close() {
      failAll(new FaceEngineError('face analyser closed'));
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill();
        await gone;
      }
    },
  };
}
