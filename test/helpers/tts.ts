// Helpers for the TTS suites: the shipped voices by language, polling a job to its end, and
// downloading + decoding what it produced.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { type MediaInfo, probeMedia } from '../../src/core/media/index.ts';
import { SYSTEM_VOICES } from '../../src/modules/assets/system-voices.ts';
import { waitFor } from './assets.ts';
import { envTools } from './media-fixtures.ts';
import type { TestPlatform } from './platform.ts';

export const EN_VOICE = SYSTEM_VOICES.find((v) => v.voice.language === 'en')!.assetId;
export const ZH_VOICE = SYSTEM_VOICES.find((v) => v.voice.language === 'zh')!.assetId;

// biome-ignore lint/suspicious/noExplicitAny: job bodies are read as JSON.
export async function waitForAsyncJob(p: TestPlatform, jobId: string, ms = 60_000): Promise<any> {
  return waitFor(`TTS job ${jobId}`, ms, async () => {
    const r = await p.call('GET', `/v1/{project_id}/ttsc/async-jobs/${jobId}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.state === 'SUCCEED' || r.body.state === 'FAILED' ? r.body : undefined;
  });
}

export async function download(p: TestPlatform, url: string): Promise<Buffer> {
  const r = await p.fetchUrl('GET', url);
  assert.equal(r.status, 200, `GET ${url}`);
  return r.raw;
}

/** Probes the bytes with the real tools (ffprobe, or ffmpeg -i). */
export async function probeBytes(dir: string, name: string, bytes: Buffer): Promise<MediaInfo> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return probeMedia(envTools(), file, { timeoutMs: 20_000 });
}

/** RMS of 16-bit PCM in a canonical WAV file (data chunk found by scanning), 0–1. */
export function wavRms(wav: Buffer): { rms: number; channels: number; sampleRate: number } {
  assert.equal(wav.toString('ascii', 0, 4), 'RIFF');
  let off = 12;
  let channels = 1;
  let sampleRate = 0;
  while (off + 8 <= wav.length) {
    const id = wav.toString('ascii', off, off + 4);
    const size = wav.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      channels = wav.readUInt16LE(off + 10);
      sampleRate = wav.readUInt32LE(off + 12);
    }
    if (id === 'data') {
      let sum = 0;
      const n = Math.floor(Math.min(size, wav.length - off - 8) / 2);
      for (let i = 0; i < n; i++) {
        const v = wav.readInt16LE(off + 8 + i * 2) / 32768;
        sum += v * v;
      }
      return { rms: Math.sqrt(sum / Math.max(1, n)), channels, sampleRate };
    }
    off += 8 + size + (size % 2);
  }
  throw new Error('no data chunk');
}
