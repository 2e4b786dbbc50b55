// Decodes what HTTP speech engines send back: RIFF/WAVE (PCM s16/s24/s32, float32,
// WAVE_FORMAT_EXTENSIBLE) downmixed to mono s16, or headerless s16le PCM. Pure.
import { SpeechError } from './types.ts';

export interface DecodedAudio {
  sampleRate: number;
  samples: Int16Array;
}

export function decodeWav(buf: Buffer): DecodedAudio {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new SpeechError('ENGINE_FAILED', 'the engine did not return a WAV file', false);
  }
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  let at = 12;
  while (at + 8 <= buf.length) {
    const id = buf.toString('ascii', at, at + 4);
    let size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      let format = buf.readUInt16LE(body);
      if (format === 0xfffe && size >= 26) format = buf.readUInt16LE(body + 24); // sub-format GUID's first 2 bytes
      fmt = {
        format,
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) break;
      // Streaming servers write 0 or 0xFFFFFFFF when they did not know the length yet.
      if (size === 0 || size === 0xffffffff || body + size > buf.length) size = buf.length - body;
      return { sampleRate: fmt.sampleRate, samples: toMonoS16(buf.subarray(body, body + size), fmt) };
    }
    at = body + size + (size & 1);
  }
  throw new SpeechError('ENGINE_FAILED', 'the WAV file has no usable fmt/data chunks', false);
}

function toMonoS16(data: Buffer, f: { format: number; channels: number; bits: number }): Int16Array {
  const bytes = f.bits / 8;
  const frame = bytes * f.channels;
  if (f.channels < 1 || ![16, 24, 32].includes(f.bits) || (f.format !== 1 && f.format !== 3)) {
    throw new SpeechError(
      'ENGINE_FAILED',
      `unsupported WAV encoding (format ${f.format}, ${f.bits} bit)`,
      false,
    );
  }
  const read = (o: number): number => {
    if (f.format === 3) return f.bits === 32 ? data.readFloatLE(o) : 0;
    if (f.bits === 16) return data.readInt16LE(o) / 32768;
    if (f.bits === 24) return data.readIntLE(o, 3) / 8388608;
    return data.readInt32LE(o) / 2147483648;
  };
  const n = Math.floor(data.length / frame);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < f.channels; c++) sum += read(i * frame + c * bytes);
    out[i] = Math.max(-32768, Math.min(32767, Math.round((sum / f.channels) * 32768)));
  }
  return out;
}

/** Headerless little-endian s16 mono, as OpenAI's `response_format: 'pcm'` sends (24 kHz). */
export function decodePcm16(buf: Buffer, sampleRate: number): DecodedAudio {
  const samples = new Int16Array(buf.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = buf.readInt16LE(i * 2);
  return { sampleRate, samples };
}
