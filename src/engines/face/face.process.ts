// The face-landmark model in a child process: TensorFlow.js on its WASM backend runs one
// inference at a time and blocks the thread it runs on, so it lives here and the server's
// event loop stays free. (A worker thread would do too, but there tfjs-backend-wasm takes
// itself for a browser and fetches its .wasm by URL.) IPC messages:
// {id, width, height, rgb} → {id, faces} | {id, error}.
// Everything loads from node_modules (weights in face-api's `model/`, .wasm files in the
// backend's `dist/`): nothing is fetched.
import { createRequire } from 'node:module';
import path from 'node:path';
import type { DetectedFace, FaceRequest } from './face.types.ts';

const require = createRequire(import.meta.url);

interface Point2 {
  x: number;
  y: number;
}
interface FaceApiResult {
  detection: { score: number; box: { x: number; y: number; width: number; height: number } };
  landmarks: { positions: Point2[] };
}

async function load() {
  const tf = require('@tensorflow/tfjs');
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  const wasmDir = path.join(
    path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'dist',
  );
  // A path prefix with the default (non-fetch) loader: the .wasm is read from disk.
  wasm.setWasmPaths(`${wasmDir}${path.sep}`);
  await tf.setBackend('wasm');
  await tf.ready();
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  return { tf, faceapi };
}

const ready = load();
const send = (m: unknown) => process.send?.(m);
// The parent gone: nothing left to answer.
process.on('disconnect', () => process.exit(0));

process.on('message', async (req: FaceRequest) => {
  try {
    const { tf, faceapi } = await ready;
    const faces = tf.tidy(() => tf.tensor3d(req.rgb, [req.height, req.width, 3], 'int32'));
    let results: FaceApiResult[];
    try {
      results = await faceapi
        .detectAllFaces(
          faces,
          new faceapi.SsdMobilenetv1Options({ minConfidence: req.minScore ?? 0.5, maxResults: 5 }),
        )
        .withFaceLandmarks();
    } finally {
      tf.dispose(faces);
    }
    const out: DetectedFace[] = results.map((r) => ({
      score: r.detection.score,
      box: {
        x: r.detection.box.x,
        y: r.detection.box.y,
        width: r.detection.box.width,
        height: r.detection.box.height,
      },
      landmarks: r.landmarks.positions.map((p) => [p.x, p.y] as [number, number]),
    }));
    send({ id: req.id, faces: out });
  } catch (e) {
    send({ id: req.id, error: (e as Error).message ?? String(e) });
  }
});
