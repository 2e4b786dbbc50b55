// Async TTS jobs end to end with the real speech engine: CreateAsyncTtsJob → the
// tts.synthesize job → ShowAsyncTtsJob with 1-hour URLs to real audio (decoded by the media
// tools), word timestamps, subtitles and the viseme (action) file. Errors: bad SSML, unknown
// voice, refused options, another tenant's job.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { SYSTEM_VOICES } from '../../src/modules/assets/system-voices.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { download, EN_VOICE, probeBytes, waitForAsyncJob, wavRms, ZH_VOICE } from '../helpers/tts.ts';

const EN_TEXT = 'Welcome to Doppel. This voice reads English text aloud, sentence by sentence.';
const ZH_TEXT = '欢迎使用数字人平台。今天天气很好，我们一起去公园散步吧。';

await describeEachDb('TTS async jobs (CreateAsyncTtsJob, ShowAsyncTtsJob)', (leg) => {
  let p: TestPlatform;
  let tmp: string;
  before(async () => {
    p = await startTestPlatform(leg);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-tts-'));
  });
  after(async () => {
    await p?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const create = (body: Record<string, unknown>) =>
    p.call('POST', '/v1/{project_id}/ttsc/async-jobs', { body });

  for (const [lang, voice, text] of [
    ['English', EN_VOICE, EN_TEXT],
    ['Mandarin', ZH_VOICE, ZH_TEXT],
  ] as const) {
    it(`CreateAsyncTtsJob ${lang} → SUCCEED with real audio, monotonic word timestamps, SRT and action file`, async () => {
      const c = await create({ text, voice_asset_id: voice, need_timestamp: true, gen_srt: true });
      assert.equal(c.status, 200, JSON.stringify(c.body));
      assert.match(c.body.job_id, /^[0-9a-f]{32}$/);
      const job = await waitForAsyncJob(p, c.body.job_id);
      assert.equal(job.state, 'SUCCEED', JSON.stringify(job));
      for (const k of [
        'audio_file_url',
        'audio_info_file_url',
        'audio_srt_file_url',
        'audio_action_file_url',
      ]) {
        assert.ok(job[k], k);
      }

      const wav = await download(p, job.audio_file_url);
      const info = await probeBytes(tmp, `${lang}.wav`, wav);
      assert.ok(info.audio, 'has an audio stream');
      assert.equal(info.audio.channels, 1);
      const seconds = info.durationSec ?? 0;
      // About 2–4 Chinese characters or 1.5–5 English words per second at speed 100.
      const chars = [...text].length;
      assert.ok(
        seconds > chars / (lang === 'English' ? 25 : 8),
        `duration ${seconds}s too short for ${chars} chars`,
      );
      assert.ok(
        seconds < chars / (lang === 'English' ? 5 : 1.5),
        `duration ${seconds}s too long for ${chars} chars`,
      );
      assert.ok(wavRms(wav).rms > 0.01, 'not silent');

      const ts = JSON.parse((await download(p, job.audio_info_file_url)).toString('utf8'));
      assert.ok(ts.words.length >= (lang === 'English' ? 10 : 8), `words: ${ts.words.length}`);
      let prev = -1;
      for (const w of ts.words) {
        assert.ok(w.begin_ms >= prev, 'word starts are monotonic');
        assert.ok(w.end_ms >= w.begin_ms);
        assert.equal(text.slice(w.begin_index, w.end_index), w.text);
        prev = w.begin_ms;
      }
      assert.ok(prev <= seconds * 1000 + 50);

      const srt = (await download(p, job.audio_srt_file_url)).toString('utf8');
      const cues = [...srt.matchAll(/(\d\d):(\d\d):(\d\d),(\d\d\d) --> (\d\d):(\d\d):(\d\d),(\d\d\d)/g)];
      assert.ok(cues.length >= 1, srt);
      const ms = (m: RegExpMatchArray, i: number) =>
        ((Number(m[i]) * 60 + Number(m[i + 1])) * 60 + Number(m[i + 2])) * 1000 + Number(m[i + 3]);
      let last = 0;
      for (const m of cues) {
        assert.ok(ms(m, 1) >= last, 'cues in order');
        assert.ok(ms(m, 5) >= ms(m, 1));
        last = ms(m, 5);
      }

      const action = JSON.parse((await download(p, job.audio_action_file_url)).toString('utf8'));
      assert.ok(action && typeof action === 'object');
      assert.ok(JSON.stringify(action).length > 20);
    });
  }

  it('CreateAsyncTtsJob: every shipped voice speaks', async () => {
    const jobs = await Promise.all(
      SYSTEM_VOICES.map(async (v) => {
        const text = v.voice.language === 'zh' ? '你好，世界。' : 'Hello, world.';
        const c = await create({ text, voice_asset_id: v.assetId });
        assert.equal(c.status, 200, `${v.name}: ${JSON.stringify(c.body)}`);
        return { v, jobId: c.body.job_id as string };
      }),
    );
    for (const { v, jobId } of jobs) {
      const job = await waitForAsyncJob(p, jobId);
      assert.equal(job.state, 'SUCCEED', `${v.name}: ${JSON.stringify(job)}`);
      assert.ok(wavRms(await download(p, job.audio_file_url)).rms > 0.005, v.name);
    }
  });

  it('CreateAsyncTtsJob MP3 in 2 channels, without SRT unless asked', async () => {
    const c = await create({
      text: EN_TEXT,
      voice_asset_id: EN_VOICE,
      audio_format: 'MP3',
      channels: 2,
      priority: 0,
    });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const job = await waitForAsyncJob(p, c.body.job_id);
    assert.equal(job.state, 'SUCCEED', JSON.stringify(job));
    assert.equal(job.audio_srt_file_url, undefined);
    const mp3 = await download(p, job.audio_file_url);
    const info = await probeBytes(tmp, 'stereo.mp3', mp3);
    assert.equal(info.audio?.codec.toLowerCase().includes('mp3'), true, info.audio?.codec);
    assert.equal(info.audio?.channels, 2);
    assert.ok((info.durationSec ?? 0) > 1);
  });

  it('ShowAsyncTtsJob hands out fresh URLs on each call', async () => {
    const c = await create({ text: 'Fresh links.', voice_asset_id: EN_VOICE });
    const job = await waitForAsyncJob(p, c.body.job_id);
    assert.equal(job.state, 'SUCCEED');
    const again = await p.call('GET', `/v1/{project_id}/ttsc/async-jobs/${c.body.job_id}`);
    assert.equal(again.status, 200);
    assert.ok(again.body.audio_file_url);
    assert.equal((await p.fetchUrl('GET', again.body.audio_file_url)).status, 200);
  });

  it('CreateAsyncTtsJob with malformed SSML is 400 MSS.20050040; empty text too', async () => {
    const bad = await create({ text: '<speak>Hello <break time="1s"></speak>', voice_asset_id: EN_VOICE });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_code, 'MSS.20050040');
    const empty = await create({ text: '   ', voice_asset_id: EN_VOICE });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error_code, 'MSS.20050040');
  });

  it('CreateAsyncTtsJob with an unknown voice is 400 MSS.10001001; a non-voice asset too', async () => {
    const r = await create({ text: 'Hi.', voice_asset_id: 'ffffffffffffffffffffffffffffffff' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error_code, 'MSS.10001001');
    // A system background image is an asset, but not a voice.
    const img = await create({ text: 'Hi.', voice_asset_id: '5d0c1f0a7e3b4c62a1f09d2e8b7c4a01' });
    assert.equal(img.status, 400);
    assert.equal(img.body.error_code, 'MSS.10001001');
  });

  it('CreateAsyncTtsJob refuses output_external_url (ERRATA 30) and a bad callback_config', async () => {
    const r = await create({
      text: 'Hi.',
      voice_asset_id: EN_VOICE,
      output_external_url: 'https://example.com/x',
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error_code, 'MSS.00000003');
    const cb = await create({
      text: 'Hi.',
      voice_asset_id: EN_VOICE,
      callback_config: { callback_url: 'ftp://x/y' },
    });
    assert.equal(cb.status, 400);
  });

  it('ShowAsyncTtsJob: another tenant cannot see the job; unknown ids are 400', async () => {
    const c = await create({ text: 'Mine.', voice_asset_id: EN_VOICE });
    const theirs = await p.call('GET', `/v1/{project_id}/ttsc/async-jobs/${c.body.job_id}`, { as: p.other });
    assert.equal(theirs.status, 400);
    assert.equal(theirs.body.error_code, 'MSS.00000003');
    const none = await p.call('GET', '/v1/{project_id}/ttsc/async-jobs/00000000000000000000000000000000');
    assert.equal(none.status, 400);
  });

  it('the voices are VOICE_MODEL system assets listed by ListAssets', async () => {
    const r = await p.call('GET', '/v1/{project_id}/digital-assets', {
      query: { asset_type: 'VOICE_MODEL', asset_source: 'SYSTEM', limit: 100 },
    });
    assert.equal(r.status, 200);
    const voices = r.body.assets;
    assert.ok(voices.length >= 8);
    const langs = voices.map(
      (a: { asset_extra_meta?: { voice_model_meta?: { language?: string } } }) =>
        a.asset_extra_meta?.voice_model_meta?.language,
    );
    assert.ok(langs.filter((l: string) => l === 'CN').length >= 4);
    assert.ok(langs.filter((l: string) => l === 'EN').length >= 4);
    for (const v of voices) {
      assert.equal(v.asset_state, 'ACTIVED');
      assert.equal(v.asset_extra_meta.doppel_voice, undefined, 'the engine mapping stays internal');
    }
  });
});
