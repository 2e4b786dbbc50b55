// Image layers: the encoder argv that draws them, their default box, and the board that says
// which are on screen (products under SHOW_LAYER pictures, taken down after their time).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type EncoderPlan, encoderArgs, sameLayers } from '../../src/engines/stream/index.ts';
import { LayerBoard, layerBox } from '../../src/modules/live-jobs/live-layers.ts';

const plan: EncoderPlan = {
  width: 1920,
  height: 1080,
  bitrateKbps: 2000,
  background: { color: '#203040' },
  avatar: { base: '/tmp/body.pam', faces: '/tmp/faces', x: 0, y: 0, faceAt: { x: 200, y: 100 } },
  face: { width: 200, height: 200 },
  hls: { dir: '/tmp/hls', segmentSec: 2, listSize: 6 },
};

it('layers are extra inputs overlaid after the face, in order, the last one giving [v]', () => {
  const none = encoderArgs(plan);
  const graph0 = none[none.indexOf('-filter_complex') + 1] as string;
  assert.match(graph0, /shortest=1,format=yuv420p\[v\]/);
  const args = encoderArgs({
    ...plan,
    layers: [
      { image: '/tmp/a.png', x: 10, y: 20, width: 100, height: 50 },
      { image: '/tmp/b.png', x: 30, y: 40, width: 60, height: 60 },
    ],
  });
  const inputs = args.flatMap((a, i) => (a === '-i' ? [args[i + 1]] : []));
  assert.deepEqual(inputs.slice(4), ['/tmp/a.png', '/tmp/b.png']);
  const graph = args[args.indexOf('-filter_complex') + 1] as string;
  assert.match(graph, /\[4:v\]scale=100:50,format=yuva420p,setsar=1\[li0\]/);
  assert.match(graph, /\[l0\]\[li0\]overlay=x=10:y=20:format=yuv420\[l1\]/);
  assert.match(graph, /\[l1\]\[li1\]overlay=x=30:y=40:format=yuv420,format=yuv420p\[v\]/);
  assert.equal(graph.match(/\[v\]/g)?.length, 1);
});

it('sameLayers compares the whole set', () => {
  const a = { image: '/a.png', x: 1, y: 2, width: 3, height: 4 };
  assert.ok(sameLayers([a], [{ ...a }]));
  assert.ok(!sameLayers([a], [{ ...a, x: 5 }]));
  assert.ok(!sameLayers([a], []));
});

it('layerBox: given position and size, else a quarter-width square in the top right', () => {
  assert.deepEqual(layerBox(undefined, { width: 1920, height: 1080 }), {
    x: 1363,
    y: 54,
    width: 480,
    height: 480,
  });
  assert.deepEqual(
    layerBox(
      { position: { dx: 5, dy: 7, layer_index: 1 }, size: { width: 101, height: 60 } },
      { width: 1920, height: 1080 },
    ),
    { x: 5, y: 7, width: 102, height: 60 },
  );
  assert.deepEqual(layerBox({ size: { width: 100 } } as never, { width: 1080, height: 1920 }).height, 100);
});

it('LayerBoard: the product stays under shown pictures, which go after their time', async () => {
  const seen: string[][] = [];
  const board = new LayerBoard((l) => seen.push(l.map((x) => x.image)));
  const box = { x: 0, y: 0, width: 2, height: 2 };
  board.setProduct({ image: 'product', ...box });
  let done = 0;
  board.show({ image: 'badge', ...box }, 0.02, () => done++);
  board.setProduct(undefined);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(seen, [['product'], ['product', 'badge'], ['badge'], []]);
  assert.equal(done, 1);
  board.show({ image: 'late', ...box }, 10, () => done++);
  board.stop();
  assert.equal(done, 1, 'a stopped board raises nothing');
});
