// Recordings a live job plays: an INSERT_PLAY_AUDIO URL, or a script paragraph's audio_config
// (an audio_url, or an AUDIO/MUSIC asset of the project). Fetched through the SSRF guard with
// a size limit and a timeout, decoded by ffmpeg to the 16 kHz mono PCM the stream engine and
// the lip planner read. `RecordedAudio` keeps a job's decoded paragraphs so that later rounds
// play them without fetching again.
import fs from 'node:fs';
import path from 'node:path';
import { decodeMonoPcm, PCM_SAMPLE_RATE } from '../../core/media/pcm.ts';
import { newId } from '../../core/util/ids.ts';
import { type AvatarPackage, phonemesFromPcm } from '../../engines/render/index.ts';
import { audioClips, type Clip } from '../../engines/stream/index.ts';
import { AssetUnusable, fetchMainFile } from '../assets/index.ts';
import { type LiveParagraph, type LivePlayPolicy, paragraphDrive } from '../live/index.ts';
import type { ModuleDeps } from '../types.ts';
import { fetchForLive } from './live-fetch.ts';

/** Inserted or scripted audio: < 100 MB (SEMANTICS §5). */
export const MAX_LIVE_AUDIO_BYTES = 100 * 1024 * 1024;
export const LIVE_AUDIO_TIMEOUT_MS = 60_000;
/** Decoded recordings a job keeps across rounds (16 kHz mono: about 55 minutes). */
export const MAX_CACHED_AUDIO_BYTES = 100 * 1024 * 1024;

export interface DecodedAudio {
  samples: Int16Array;
  sampleRate: number;
}

/** Why a recording cannot be played: it could not be fetched, or not decoded. */
export class AudioUnusable extends Error {
  constructor(
    readonly stage: 'fetch' | 'decode',
    message: string,
  ) {
    super(message);
  }
}

type AudioDeps = Pick<ModuleDeps, 'tmpDir' | 'allowPrivateFetch' | 'mediaTools' | 'db' | 'objects' | 'clock'>;

/** Downloads (SSRF-guarded, < 100 MB, 60 s) and decodes an http(s) recording. */
export async function fetchAudioUrl(
  deps: AudioDeps,
  url: string,
  signal?: AbortSignal,
): Promise<DecodedAudio> {
  const got = await fetchForLive(
    deps,
    url,
    { timeoutMs: LIVE_AUDIO_TIMEOUT_MS, maxBodyBytes: MAX_LIVE_AUDIO_BYTES },
    signal,
  );
  if ('why' in got) throw new AudioUnusable('fetch', got.why);
  await fs.promises.mkdir(deps.tmpDir, { recursive: true });
  const file = path.join(deps.tmpDir, `live-audio-${newId()}`);
  await fs.promises.writeFile(file, got.body);
  try {
    return await decodeAudioFile(deps, file, signal);
  } finally {
    await fs.promises.rm(file, { force: true });
  }
}

/** Decodes a local file; AudioUnusable('decode') when ffmpeg cannot read it. */
export async function decodeAudioFile(
  deps: Pick<ModuleDeps, 'mediaTools'>,
  file: string,
  signal?: AbortSignal,
): Promise<DecodedAudio> {
  const samples = await decodeMonoPcm(deps.mediaTools().ffmpeg.path, file, signal ? { signal } : {});
  if (!samples) throw new AudioUnusable('decode', 'cannot be decoded (MP3, WAV or M4A expected)');
  return { samples, sampleRate: PCM_SAMPLE_RATE };
}

/** A script paragraph's recording: exactly one of the two is set (checked at room create). */
export interface AudioSource {
  asset_id?: string;
  audio_url?: string;
}

/** A paragraph's recording when it plays by audio (its drive, ERRATA 86), named for errors. */
export function paragraphRecording(
  p: LiveParagraph,
  playMode: LivePlayPolicy['play_mode'],
  scene: number,
  paragraph: number,
): (AudioSource & { field: string }) | undefined {
  if (paragraphDrive(p, playMode) !== 'AUDIO') return undefined;
  const a = p.audio_config;
  if (!a?.asset_id && !a?.audio_url) return undefined;
  return {
    ...(a.asset_id ? { asset_id: a.asset_id } : { audio_url: a.audio_url }),
    field: `scene_scripts[${scene}].shoot_scripts[${paragraph}].audio_config`,
  };
}

/** A job's recorded paragraphs, decoded once each and kept for the next rounds. */
export class RecordedAudio {
  private readonly cache = new Map<string, Promise<DecodedAudio>>();
  private cachedBytes = 0;
  private overflowed = false;

  constructor(
    private readonly deps: AudioDeps,
    private readonly projectId: string,
    /** Where asset files are written while they are decoded. */
    private readonly dir: string,
    /** Bytes of decoded sound kept (tests make it small). */
    private readonly budgetBytes = MAX_CACHED_AUDIO_BYTES,
  ) {}

  /** No more recordings are kept: what is fetched now is played and dropped. */
  get full(): boolean {
    return this.overflowed;
  }

  /** The decoded recording; a failure is not cached (a later round tries again). */
  get(src: AudioSource, field: string): Promise<DecodedAudio> {
    const key = src.asset_id ? `asset:${src.asset_id}` : `url:${src.audio_url ?? ''}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const p = this.load(src, field);
    this.cache.set(key, p);
    p.then(
      (a) => {
        // Past the budget a recording is played but not kept.
        if (this.cachedBytes + a.samples.byteLength > this.budgetBytes) {
          this.cache.delete(key);
          this.overflowed = true;
        } else this.cachedBytes += a.samples.byteLength;
      },
      () => this.cache.delete(key),
    );
    return p;
  }

  /** A recording as the stream's clips; `unusable` hears why it cannot be played, then it throws. */
  async *clips(
    rec: AudioSource & { field: string },
    avatar: AvatarPackage,
    unusable: (why: string) => void,
  ): AsyncIterable<Clip> {
    let audio: DecodedAudio;
    try {
      audio = await this.get(rec, rec.field);
    } catch (e) {
      const why =
        e instanceof AudioUnusable ? e.message : `${rec.field}: ${String((e as Error).message ?? e)}`;
      unusable(`A recorded paragraph cannot be played: ${why}`);
      throw e;
    }
    yield* audioClips(avatar, audio, phonemesFromPcm);
  }

  /**
   * Decodes recordings one after another (in the background: never rejects), until the
   * budget is reached or `stop()` says the job is over. A failure is not kept: the paragraph
   * tries again when it is due, and fails the job then.
   */
  async prefetch(recs: readonly (AudioSource & { field: string })[], stop: () => boolean): Promise<void> {
    for (const rec of recs) {
      if (stop() || this.full) return;
      await this.get(rec, rec.field).catch(() => {});
    }
  }

  private async load(src: AudioSource, field: string): Promise<DecodedAudio> {
    if (src.audio_url) {
      try {
        return await fetchAudioUrl(this.deps, src.audio_url);
      } catch (e) {
        if (e instanceof AudioUnusable) throw new AudioUnusable(e.stage, `${field}.audio_url ${e.message}`);
        throw e;
      }
    }
    if (!src.asset_id) throw new AudioUnusable('fetch', `${field}: no asset_id or audio_url`);
    let file: string;
    try {
      await fs.promises.mkdir(this.dir, { recursive: true });
      file = await fetchMainFile(this.deps, this.projectId, src.asset_id, this.dir, `${field}.asset_id`);
    } catch (e) {
      if (e instanceof AssetUnusable) throw new AudioUnusable('fetch', e.message);
      throw e;
    }
    try {
      return await decodeAudioFile(this.deps, file);
    } catch (e) {
      if (e instanceof AudioUnusable)
        throw new AudioUnusable(e.stage, `${field}.asset_id ${src.asset_id} ${e.message}`);
      throw e;
    } finally {
      await fs.promises.rm(file, { force: true });
    }
  }
}
