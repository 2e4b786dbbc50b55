// What the face engine answers: per face, the detector's score and box and the 68 landmarks
// (iBUG 300-W order: 0–16 jaw, 17–26 brows, 27–35 nose, 36–47 eyes, 48–67 mouth), in pixels
// of the frame given.
export interface DetectedFace {
  score: number;
  box: { x: number; y: number; width: number; height: number };
  landmarks: Array<[number, number]>;
}

/** One RGB frame (3 bytes a pixel, rows top to bottom). */
export interface RgbFrame {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export interface FaceRequest extends RgbFrame {
  id: number;
  minScore?: number;
}
