// The MetaStudio video flow end to end against the real CLI server, as a customer runs it
// (CreateVideoScripts, Create2DDigitalHumanVideo, Show2DDigitalHumanVideo, CreateAsyncTtsJob):
// upload a background picture and a music track as assets, save a two-scene script (Mandarin,
// then English) with burned subtitles, start a 2D video job from it, kill the server while it
// renders and start it again, then download the finished MP4 from the output asset and check
// it with ffprobe/ffmpeg: H.264 + AAC, 1920×1080, 25 fps, duration within 5 % of the speech
// (measured independently with async TTS jobs of the same texts and voice), sound that is not
// silent, a mouth that moves (speaking vs a pause), subtitles drawn, and no scratch files left.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { encodePng } from '../../src/core/media/encode.ts';
import { probeMedia, runToolBinary } from '../../src/core/media/index.ts';
import { SYSTEM_AVATARS } from '../../src/modules/assets/system-avatars.ts';
import { envTools, mkTmp, wavBytes } from '../helpers/media-fixtures.ts';
import {
  type Banner,
  callServer,
  type ServerProcess,
  startServer,
  tempDataDir,
} from '../helpers/server-process.ts';
import { ZH_VOICE } from '../helpers/tts.ts';

const MEI = SYSTEM_AVATARS[0];
const ZH_TEXT =
  '<speak>大家好，欢迎来到数字人的世界。<break time="1500ms"/>今天我们一起看看它是怎么做的。</speak>';
const EN_TEXT = 'Now in English: the same avatar keeps talking, with subtitles under it.';
// Mei's canvas is 1080×1080: at 1920×1080 she is drawn at scale 1 from x = 420. Her mouth
// sprite (124×104) sits at (478, 576) in the canvas; the crop leaves room for the idle sway.
const MOUTH = { x: 420 + 478 + 8, y: 576 + 10, w: 108, h: 84 };

describe('a two-scene Mandarin + English video, rendered through the API, survives a crash', {
  timeout: 600_000,
}, () => {
  const dataDir = tempDataDir();
  const tmp = mkTmp('video-e2e');
  let server: ServerProcess | undefined;
  let cred: Banner;
  after(async () => {
    await server?.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  // A short lease, so the restarted server takes the killed render over quickly.
  const env = { DOPPEL_JOB_LEASE_MS: '3000', DOPPEL_JOB_POLL_MS: '200' };

  const api = (method: string, p: string, body?: unknown) =>
    callServer(server as ServerProcess, cred, method, p, body);
  const poll = async <T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline)
        assert.fail(`${what}: not reached in ${ms} ms\n${server?.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const get = async (url: string): Promise<Buffer> => {
    const r = await fetch(url);
    assert.equal(r.status, 200, url);
    return Buffer.from(await r.arrayBuffer());
  };

  /** CreateDigitalAsset + CreateFile + PUT + ConfirmFileUpload, then wait for ACTIVED. */
  const uploadAsset = async (
    type: string,
    name: string,
    fileName: string,
    bytes: Buffer,
  ): Promise<string> => {
    const a = await api('POST', '/v1/{project_id}/digital-assets', { asset_name: name, asset_type: type });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    const md5 = createHash('md5').update(bytes).digest('base64');
    const f = await api('POST', '/v1/{project_id}/files', {
      file_name: fileName,
      file_md5: md5,
      file_size: bytes.length,
      asset_id: a.body.asset_id,
      asset_file_category: 'MAIN',
    });
    assert.equal(f.status, 200, JSON.stringify(f.body));
    const put = await fetch(f.body.upload_url, {
      method: 'PUT',
      body: new Uint8Array(bytes),
      headers: { 'Content-MD5': md5 },
    });
    assert.equal(put.status, 200, await put.text());
    const c = await api('POST', `/v1/{project_id}/files/${f.body.file_id}/complete`, { state: 'CREATED' });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    await poll(`${type} asset`, 60_000, async () => {
      const s = await api('GET', `/v1/{project_id}/digital-assets/${a.body.asset_id}`);
      assert.notEqual(s.body.asset_state, 'FAILED', JSON.stringify(s.body));
      return s.body.asset_state === 'ACTIVED' ? true : undefined;
    });
    return a.body.asset_id;
  };

  /** The speech alone: an async TTS job of the same text and voice; its WAV length in seconds and word timings. */
  const speechOf = async (text: string) => {
    const c = await api('POST', '/v1/{project_id}/ttsc/async-jobs', { text, voice_asset_id: ZH_VOICE });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const job = await poll('TTS job', 60_000, async () => {
      const s = await api('GET', `/v1/{project_id}/ttsc/async-jobs/${c.body.job_id}`);
      return s.body.state === 'SUCCEED' ? s.body : undefined;
    });
    const info = JSON.parse((await get(job.audio_info_file_url)).toString());
    return {
      seconds: info.duration_ms / 1000,
      words: info.words as Array<{ begin_ms: number; end_ms: number }>,
    };
  };

  const frameRegion = async (file: string, t: number, r: { x: number; y: number; w: number; h: number }) => {
    const out = await runToolBinary(envTools().ffmpeg.path, [
      '-v', 'error', '-ss', t.toFixed(3), '-i', file, '-frames:v', '1',
      '-vf', `crop=${r.w}:${r.h}:${r.x}:${r.y}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
    ]); // biome-ignore format: argv pairs
    assert.equal(out.code, 0, out.stderr);
    return out.stdout;
  };
  const meanDiff = (a: Buffer, b: Buffer) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
    return s / a.length;
  };

  it('uploads, scripts, renders (killed and restarted mid-render) and checks the MP4', async () => {
    server = await startServer({ dataDir, env });
    assert.ok(server.banner, server.output());
    cred = server.banner;

    // A dark blue studio gradient (no white, so subtitle text stands out) and a 3 s tune.
    const bg = encodePng(1920, 1080, (x, y) => [
      10 + Math.round((x / 1920) * 30),
      20 + Math.round((y / 1080) * 40),
      90,
    ]);
    const image = await uploadAsset('IMAGE', 'studio backdrop', 'studio.png', bg);
    const music = await uploadAsset('MUSIC', 'soft tune', 'tune.wav', wavBytes({ seconds: 3, freq: 330 }));

    const script = await api('POST', '/v1/{project_id}/digital-human-video-scripts', {
      script_name: 'Bilingual welcome',
      model_asset_id: MEI.assetId,
      voice_config: { voice_asset_id: ZH_VOICE },
      video_config: {
        codec: 'H264',
        width: 1920,
        height: 1080,
        bitrate: 4000,
        is_subtitle_enable: true,
        subtitle_config: { font_size: 56 },
      },
      background_music_config: { music_asset_id: music, volume: 30 },
      shoot_scripts: [
        {
          sequence_no: 1,
          shoot_script: {
            text_config: { text: ZH_TEXT },
            background_config: [{ background_type: 'IMAGE', background_asset_id: image }],
          },
        },
        {
          sequence_no: 2,
          shoot_script: {
            text_config: { text: EN_TEXT },
            background_config: [{ background_type: 'IMAGE', background_asset_id: image }],
          },
        },
      ],
    });
    assert.equal(script.status, 200, JSON.stringify(script.body));

    const job = await api('POST', '/v1/{project_id}/2d-digital-human-videos', {
      script_id: script.body.script_id,
      output_asset_config: { asset_name: 'bilingual welcome video' },
    });
    assert.equal(job.status, 200, JSON.stringify(job.body));
    const jobId = job.body.job_id as string;

    // Progress shows while it renders; then the server dies without any shutdown code.
    const progressed = await poll('render progress', 120_000, async () => {
      const s = await api('GET', `/v1/{project_id}/2d-digital-human-videos/${jobId}`);
      assert.notEqual(s.body.state, 'FAILED', JSON.stringify(s.body.error_info));
      return s.body.state === 'PROCESSING' && s.body.progress >= 15 ? s.body : undefined;
    });
    assert.ok(progressed.progress < 100);
    await server.kill();
    server = await startServer({ dataDir, env });

    const done = await poll('the video job', 300_000, async () => {
      const s = await api('GET', `/v1/{project_id}/2d-digital-human-videos/${jobId}`);
      return ['SUCCEED', 'FAILED'].includes(s.body.state) ? s.body : undefined;
    });
    assert.equal(done.state, 'SUCCEED', JSON.stringify(done.error_info));
    assert.equal(done.output_asset_config.asset_name, 'bilingual welcome video');
    // The killed run's scratch directory is gone too.
    assert.deepEqual(
      fs.readdirSync(path.join(dataDir, 'tmp')).filter((n) => n.startsWith('video-')),
      [],
    );

    const asset = await api('GET', `/v1/{project_id}/digital-assets/${done.output_asset_config.asset_id}`);
    assert.equal(asset.body.asset_state, 'ACTIVED');
    const main = asset.body.files.find(
      (f: { asset_file_category: string }) => f.asset_file_category === 'MAIN',
    );
    const file = path.join(tmp, 'video.mp4');
    fs.writeFileSync(file, await get(main.download_url));

    const info = await probeMedia(envTools(), file);
    assert.equal(info.video?.codec, 'h264');
    assert.equal(info.audio?.codec, 'aac');
    assert.deepEqual([info.video?.width, info.video?.height], [1920, 1080]);
    assert.equal(info.video?.fps, 25);
    const zh = await speechOf(ZH_TEXT);
    const en = await speechOf(EN_TEXT);
    const speech = zh.seconds + en.seconds;
    const duration = info.durationSec ?? 0;
    assert.ok(Math.abs(duration - speech) <= speech * 0.05, `video ${duration} s vs speech ${speech} s`);

    // The sound is not silent: RMS of the decoded track.
    const pcm = await runToolBinary(
      envTools().ffmpeg.path,
      ['-v', 'error', '-i', file, '-ac', '1', '-ar', '16000', '-f', 's16le', 'pipe:1'],
      {
        maxStdoutBytes: 64 * 1024 * 1024,
      },
    );
    const samples = new Int16Array(pcm.stdout.buffer, pcm.stdout.byteOffset, pcm.stdout.length >> 1);
    let sum = 0;
    for (const v of samples) sum += v * v;
    const rms = Math.sqrt(sum / samples.length);
    assert.ok(rms > 500, `audio RMS ${rms.toFixed(0)}`);

    // The pause in the Mandarin scene: the widest gap between words. The mouth is closed there
    // (after a short release) and open somewhere while a word is spoken.
    let gap = { from: 0, to: 0 };
    for (let i = 1; i < zh.words.length; i++) {
      const from = zh.words[i - 1].end_ms;
      const to = zh.words[i].begin_ms;
      if (to - from > gap.to - gap.from) gap = { from, to };
    }
    assert.ok(gap.to - gap.from >= 1200, `the 1.5 s break is in the timings (${JSON.stringify(gap)})`);
    const silentAt = (gap.from + gap.to) / 2000;
    const silent = await frameRegion(file, silentAt, MOUTH);
    const diffs: number[] = [];
    for (const w of zh.words.slice(0, 8))
      diffs.push(meanDiff(silent, await frameRegion(file, (w.begin_ms + w.end_ms) / 2000, MOUTH)));
    assert.ok(
      Math.max(...diffs) > 4,
      `the mouth moves while speaking (diffs ${diffs.map((d) => d.toFixed(1))})`,
    );

    // Subtitles: near-white text pixels in the subtitle band while a word is spoken, far fewer in the pause.
    const band = { x: 480, y: 900, w: 960, h: 150 };
    const whites = (b: Buffer) => {
      let n = 0;
      for (let i = 0; i < b.length; i += 3) if (b[i] > 215 && b[i + 1] > 215 && b[i + 2] > 215) n++;
      return n;
    };
    const speaking = whites(
      await frameRegion(file, (zh.words[2].begin_ms + zh.words[2].end_ms) / 2000, band),
    );
    const pause = whites(await frameRegion(file, silentAt, band));
    assert.ok(speaking > pause + 400, `subtitle pixels: ${speaking} while speaking, ${pause} in the pause`);
    // The English scene is subtitled too (it starts after the Mandarin one).
    const enWord = en.words[3];
    const english = whites(
      await frameRegion(file, zh.seconds + (enWord.begin_ms + enWord.end_ms) / 2000, band),
    );
    assert.ok(english > pause + 400, `English subtitle pixels: ${english}`);
  });
});
