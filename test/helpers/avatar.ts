// A tiny 2D avatar package made from solid shapes, for render tests: a face disc, a distinct
// mouth sprite per required viseme (different colour and opening), and three eye states.
import { encodePngRgba } from '../../src/core/media/encode.ts';
import { REQUIRED_VISEMES } from '../../src/engines/render/avatar-package.ts';

type Rgba = [number, number, number, number];

export function rgbaPng(w: number, h: number, px: (x: number, y: number) => Rgba): Buffer {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(px(x, y), (y * w + x) * 4);
  return encodePngRgba(w, h, data);
}

export const MOUTH_BOX = { x: 140, y: 260, w: 120, h: 60 };
export const EYES_BOX = { x: 100, y: 140, w: 200, h: 40 };

// biome-ignore format: a table
const MOUTH_COLOURS: Record<string, Rgba> = {
  sil: [120, 40, 40, 255], PP: [200, 0, 0, 255], FF: [0, 200, 0, 255], aa: [0, 0, 255, 255],
  E: [255, 255, 0, 255], ih: [0, 255, 255, 255], oh: [255, 0, 255, 255], ou: [255, 128, 0, 255],
};

/** relative path → bytes of a valid package (canvas 400×400). */
export function avatarFiles(opts: { idle?: boolean } = {}): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const shapes: Record<string, string> = {};
  for (const v of REQUIRED_VISEMES) {
    const c = MOUTH_COLOURS[v];
    // sil is a thin line; the others an ellipse whose height differs per viseme.
    const open = v === 'sil' ? 0.1 : 0.3 + (Object.keys(MOUTH_COLOURS).indexOf(v) % 4) * 0.2;
    files.set(
      `mouth/${v}.png`,
      rgbaPng(MOUTH_BOX.w, MOUTH_BOX.h, (x, y) => {
        const dx = (x - MOUTH_BOX.w / 2) / (MOUTH_BOX.w / 2);
        const dy = (y - MOUTH_BOX.h / 2) / ((MOUTH_BOX.h / 2) * open);
        return dx * dx + dy * dy <= 1 ? c : [0, 0, 0, 0];
      }),
    );
    shapes[v] = `mouth/${v}.png`;
  }
  const eye = (openness: number): Buffer =>
    rgbaPng(EYES_BOX.w, EYES_BOX.h, (x, y) => {
      const cx = x < EYES_BOX.w / 2 ? 50 : 150;
      const dx = (x - cx) / 30;
      const dy = (y - 20) / Math.max(1, 20 * openness);
      return dx * dx + dy * dy <= 1 ? [20, 20, 20, 255] : [0, 0, 0, 0];
    });
  files.set('eyes/open.png', eye(1));
  files.set('eyes/half.png', eye(0.5));
  files.set('eyes/closed.png', eye(0.08));
  files.set(
    'base.png',
    rgbaPng(400, 400, (x, y) => {
      const d = (x - 200) ** 2 + (y - 220) ** 2;
      return d <= 170 ** 2 ? [240, 200, 170, 255] : [0, 0, 0, 0];
    }),
  );
  const manifest = {
    format: 'doppel.avatar2d',
    version: 1,
    name: 'Test Disc',
    canvas: { width: 400, height: 400 },
    base: 'base.png',
    mouth: { anchor: { x: MOUTH_BOX.x, y: MOUTH_BOX.y }, shapes },
    eyes: {
      anchor: { x: EYES_BOX.x, y: EYES_BOX.y },
      open: 'eyes/open.png',
      half: 'eyes/half.png',
      closed: 'eyes/closed.png',
    },
    ...(opts.idle ? { idle: { swayPx: 4, breathPeriodSec: 4.5 } } : {}),
  };
  files.set('manifest.json', Buffer.from(JSON.stringify(manifest, null, 2)));
  return files;
}
