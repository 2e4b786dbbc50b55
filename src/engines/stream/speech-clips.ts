// Speech → clips: the speech service streams an utterance sentence by sentence; each chunk
// becomes a clip as soon as it arrives, so the first sentence of a long paragraph (or a reply)
// plays while the rest is still being synthesised.
import type { AvatarPackage } from '../render/avatar-package.ts';
import type { SpeechService } from '../speech/index.ts';
import type { SynthesisRequest } from '../speech/types.ts';
import { type Clip, makeClip } from './clip.ts';

export async function* speechClips(
  speech: SpeechService,
  avatar: AvatarPackage,
  req: SynthesisRequest,
): AsyncIterable<Clip> {
  for await (const chunk of speech.synthesize(req)) {
    if (chunk.samples.length === 0) continue;
    // Chunk timings count from the utterance's start; a clip's from its own.
    const phonemes = chunk.phonemes.map((p) => ({
      ...p,
      startMs: p.startMs - chunk.offsetMs,
      endMs: p.endMs - chunk.offsetMs,
    }));
    yield makeClip(avatar, chunk, phonemes);
  }
}

/** Clips from decoded audio (an inserted or scripted recording): the lips follow the sound. */
export function* audioClips(
  avatar: AvatarPackage,
  audio: { samples: Int16Array; sampleRate: number },
  phonemesFromPcm: (s: Int16Array, rate: number) => import('../speech/types.ts').PhonemeTiming[],
  sliceSec = 10,
): Iterable<Clip> {
  // Cut into slices so a long recording is interruptible sentence-sized pieces.
  const step = Math.round(audio.sampleRate * sliceSec);
  for (let at = 0; at < audio.samples.length; at += step) {
    const part = audio.samples.subarray(at, Math.min(audio.samples.length, at + step));
    yield makeClip(
      avatar,
      { samples: part, sampleRate: audio.sampleRate },
      phonemesFromPcm(part, audio.sampleRate),
    );
  }
}
