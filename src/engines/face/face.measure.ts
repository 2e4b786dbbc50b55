// Measures taken from 68 face landmarks (iBUG order), pure. Ratios are relative to the face's
// own size, so they hold at any resolution.
import type { DetectedFace } from './face.types.ts';

type P = [number, number];
const dist = (a: P, b: P): number => Math.hypot(a[0] - b[0], a[1] - b[1]);
const mid = (pts: P[]): P => [
  pts.reduce((s, p) => s + p[0], 0) / pts.length,
  pts.reduce((s, p) => s + p[1], 0) / pts.length,
];
const range = (l: P[], from: number, to: number): P[] => l.slice(from, to + 1);

export interface FaceMeasures {
  /** Eye centres, left and right in the image. */
  eyes: [P, P];
  /** Distance between the eye centres, px: the face's scale. */
  interocular: number;
  /** Inner-lip gap over mouth width: ~0 closed, ~0.5 wide open. */
  mouthOpen: number;
  /** Mouth width over interocular distance (wide for E/ih, narrow for ou/oh). */
  mouthWidth: number;
  /** Eye aspect ratio, both eyes averaged: ~0.3 open, < 0.15 closed. */
  eyeOpen: number;
  /** Head turn: where the nose tip sits between the jaw's sides, 0.5 = frontal; the distance from 0.5. */
  yaw: number;
  /** Head tilt, degrees (the eye line against the horizontal). */
  rollDeg: number;
  /** Mouth box (outer lips), px. */
  mouth: { x: number; y: number; width: number; height: number };
  /** Eye region box (both eyes and brows), px. */
  eyeBox: { x: number; y: number; width: number; height: number };
}

function box(pts: P[]) {
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

const ear = (e: P[]): number =>
  (dist(e[1]!, e[5]!) + dist(e[2]!, e[4]!)) / (2 * Math.max(1e-6, dist(e[0]!, e[3]!)));

export function measureFace(f: DetectedFace): FaceMeasures {
  const l = f.landmarks as P[];
  const leftEye = range(l, 36, 41);
  const rightEye = range(l, 42, 47);
  const eyes: [P, P] = [mid(leftEye), mid(rightEye)];
  const interocular = Math.max(1, dist(eyes[0], eyes[1]));
  const mouthW = Math.max(1, dist(l[48]!, l[54]!));
  // Inner lips: 61–63 top, 65–67 bottom.
  const gap = (dist(l[61]!, l[67]!) + dist(l[62]!, l[66]!) + dist(l[63]!, l[65]!)) / 3;
  const jawL = l[0]![0];
  const jawR = l[16]![0];
  const nose = l[30]![0];
  const yaw = Math.abs((nose - jawL) / Math.max(1, jawR - jawL) - 0.5);
  const rollDeg = (Math.atan2(eyes[1][1] - eyes[0][1], eyes[1][0] - eyes[0][0]) * 180) / Math.PI;
  return {
    eyes,
    interocular,
    mouthOpen: gap / mouthW,
    mouthWidth: mouthW / interocular,
    eyeOpen: (ear(leftEye) + ear(rightEye)) / 2,
    yaw,
    rollDeg,
    mouth: box(range(l, 48, 59)),
    eyeBox: box([...range(l, 17, 26), ...leftEye, ...rightEye]),
  };
}
