// Reading a job's training data out of the object store: the PACKAGE zip (sentence pairs
// `0.wav` + `0.txt` …, or ADVANCE's one long WAV) or the SEGMENT uploads, as a list of
// recordings plus whatever in the upload does not belong (extra or unpaired files). Sizes are
// checked before anything is inflated, so a zip bomb is refused instead of unpacked.
import { unzipSync } from 'fflate';
import type { ObjectStore } from '../../core/object-store/types.ts';
import { decodeWav } from '../../engines/speech/wav-decode.ts';
import { type Edition, packageKey, REVIEW, SENTENCES, segmentKey } from './voice-training.rules.ts';

export interface Recording {
  index: number;
  audioName: string;
  textName?: string;
  /** The WAV bytes as uploaded. */
  wav: Buffer;
  /** The sentence the recording reads (absent for ADVANCE without a transcript). */
  text?: string;
}

export interface AuditError {
  audio_name?: string;
  text_name?: string;
  error_code: string;
  error_message: string;
}

export interface TrainingData {
  recordings: Recording[];
  /** Problems with the upload as a whole (missing, unreadable, extra files). */
  errors: AuditError[];
}

async function readAll(
  objects: ObjectStore,
  key: string,
  limit: number,
): Promise<Buffer | 'absent' | 'too-large'> {
  const got = await objects.get(key);
  if (!got) return 'absent';
  if (got.meta.size > limit) {
    (got.body as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    return 'too-large';
  }
  const parts: Buffer[] = [];
  for await (const c of got.body) parts.push(Buffer.from(c as Buffer));
  return Buffer.concat(parts);
}

const decodeText = (b: Uint8Array): string | undefined => {
  try {
    return new TextDecoder('utf-8', { fatal: true })
      .decode(b)
      .replace(/^\uFEFF/, '')
      .trim();
  } catch {
    return undefined;
  }
};

const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
/** Folders and the metadata archivers add (macOS resource forks, dot files) are not content. */
const ignorable = (p: string): boolean =>
  p.endsWith('/') || p.startsWith('__MACOSX/') || baseName(p).startsWith('.');

export async function loadTrainingData(
  objects: ObjectStore,
  projectId: string,
  jobId: string,
  edition: Edition,
  createType: 'PACKAGE' | 'SEGMENT',
): Promise<TrainingData> {
  if (createType === 'SEGMENT') return loadSegments(objects, projectId, jobId, SENTENCES[edition] ?? 0);
  const zip = await readAll(objects, packageKey(projectId, jobId), REVIEW.maxPackageBytes);
  if (zip === 'absent')
    return {
      recordings: [],
      errors: [{ error_code: 'PACKAGE_MISSING', error_message: 'no training data was uploaded' }],
    };
  if (zip === 'too-large')
    return {
      recordings: [],
      errors: [
        {
          error_code: 'PACKAGE_TOO_LARGE',
          error_message: `the package exceeds ${REVIEW.maxPackageBytes} bytes`,
        },
      ],
    };
  let files: Record<string, Uint8Array>;
  try {
    let total = 0;
    files = unzipSync(zip, {
      filter: (f) => {
        if (ignorable(f.name)) return false;
        total += f.originalSize;
        if (total > REVIEW.maxUnzippedBytes) throw new Error('unzipped size over the limit');
        return true;
      },
    });
  } catch (e) {
    return {
      recordings: [],
      errors: [
        {
          error_code: 'PACKAGE_UNREADABLE',
          error_message: `the package is not a readable zip: ${(e as Error).message}`,
        },
      ],
    };
  }
  return edition === 'ADVANCE' ? advanceRecording(files) : sentencePairs(files, SENTENCES[edition]!);
}

/** ADVANCE: exactly one WAV, optionally with one TXT transcript. */
function advanceRecording(files: Record<string, Uint8Array>): TrainingData {
  const names = Object.keys(files);
  const wavs = names.filter((n) => /\.wav$/i.test(n));
  const txts = names.filter((n) => /\.txt$/i.test(n));
  const errors: AuditError[] = names
    .filter((n) => !/\.(wav|txt)$/i.test(n))
    .map((n) => ({
      audio_name: n,
      error_code: 'FILE_EXTRA',
      error_message: `${n} is neither a WAV recording nor its transcript`,
    }));
  if (wavs.length !== 1)
    errors.push({
      error_code: wavs.length ? 'FILE_EXTRA' : 'SENTENCE_MISSING',
      error_message: `the package must hold exactly one WAV recording, found ${wavs.length}`,
    });
  if (txts.length > 1)
    errors.push({ error_code: 'FILE_EXTRA', error_message: `at most one transcript, found ${txts.length}` });
  if (wavs.length !== 1) return { recordings: [], errors };
  const text = txts.length === 1 ? decodeText(files[txts[0]!]!) : undefined;
  if (txts.length === 1 && text === undefined)
    errors.push({
      text_name: txts[0]!,
      error_code: 'TEXT_UNREADABLE',
      error_message: 'the transcript is not UTF-8 text',
    });
  return {
    recordings: [
      {
        index: 0,
        audioName: wavs[0]!,
        wav: Buffer.from(files[wavs[0]!]!),
        ...(txts[0] && text !== undefined && { textName: txts[0], text }),
      },
    ],
    errors,
  };
}

/** BASIC / MIDDLE: `{i}.wav` with `{i}.txt` for i in 0…n−1, anywhere in the zip. */
function sentencePairs(files: Record<string, Uint8Array>, n: number): TrainingData {
  const wav = new Map<number, string>();
  const txt = new Map<number, string>();
  const errors: AuditError[] = [];
  for (const name of Object.keys(files)) {
    const m = /^(\d{1,4})\.(wav|txt)$/i.exec(baseName(name));
    const index = m ? Number(m[1]) : -1;
    const map = m?.[2]?.toLowerCase() === 'wav' ? wav : txt;
    if (!m || index >= n || map.has(index)) {
      errors.push({
        ...(m?.[2]?.toLowerCase() === 'txt' ? { text_name: name } : { audio_name: name }),
        error_code: 'SENTENCE_EXTRA',
        error_message:
          m && index < n
            ? `${name}: sentence ${index} appears twice`
            : `${name} is not one of 0.wav/0.txt … ${n - 1}.wav/${n - 1}.txt`,
      });
      continue;
    }
    map.set(index, name);
  }
  const recordings: Recording[] = [];
  for (let i = 0; i < n; i++) {
    const a = wav.get(i);
    const t = txt.get(i);
    if (!a || !t) {
      errors.push({
        ...(a ? { audio_name: a } : {}),
        ...(t ? { text_name: t } : {}),
        error_code: 'SENTENCE_MISSING',
        error_message: `sentence ${i}: ${!a && !t ? 'no recording and no text' : !a ? 'no recording (.wav)' : 'no text (.txt)'}`,
      });
      continue;
    }
    const text = decodeText(files[t]!);
    if (text === undefined) {
      errors.push({
        audio_name: a,
        text_name: t,
        error_code: 'TEXT_UNREADABLE',
        error_message: `${t} is not UTF-8 text`,
      });
      continue;
    }
    recordings.push({ index: i, audioName: a, textName: t, wav: Buffer.from(files[a]!), text });
  }
  return { recordings, errors };
}

/** One sentence of a SEGMENT job; undefined parts when not uploaded. */
export async function loadSegment(
  objects: ObjectStore,
  projectId: string,
  jobId: string,
  index: number,
): Promise<{ wav?: Buffer; text?: string; textUnreadable?: boolean; tooLarge?: boolean }> {
  const [wav, txt] = await Promise.all([
    readAll(objects, segmentKey(projectId, jobId, index, 'wav'), REVIEW.maxPackageBytes),
    readAll(objects, segmentKey(projectId, jobId, index, 'txt'), 64 * 1024),
  ]);
  const text = Buffer.isBuffer(txt) ? decodeText(txt) : undefined;
  return {
    ...(Buffer.isBuffer(wav) && { wav }),
    ...(text !== undefined && { text }),
    ...(Buffer.isBuffer(txt) && text === undefined && { textUnreadable: true }),
    ...((wav === 'too-large' || txt === 'too-large') && { tooLarge: true }),
  };
}

async function loadSegments(
  objects: ObjectStore,
  projectId: string,
  jobId: string,
  n: number,
): Promise<TrainingData> {
  const recordings: Recording[] = [];
  const errors: AuditError[] = [];
  for (let i = 0; i < n; i++) {
    const s = await loadSegment(objects, projectId, jobId, i);
    if (!s.wav || s.text === undefined) {
      errors.push({
        audio_name: `${i}.wav`,
        text_name: `${i}.txt`,
        error_code: 'SENTENCE_MISSING',
        error_message: `sentence ${i}: ${s.tooLarge ? 'upload too large' : s.textUnreadable ? 'the text is not UTF-8' : !s.wav ? 'no recording uploaded' : 'no text uploaded'}`,
      });
      continue;
    }
    recordings.push({ index: i, audioName: `${i}.wav`, textName: `${i}.txt`, wav: s.wav, text: s.text });
  }
  return { recordings, errors };
}

/** decodeWav, or the reason a recording cannot be read. */
export function readWav(
  r: Pick<Recording, 'wav'>,
): { sampleRate: number; samples: Int16Array; sourceRate: number } | string {
  try {
    const d = decodeWav(r.wav);
    return { ...d, sourceRate: d.sampleRate };
  } catch (e) {
    return (e as Error).message.replace(/the engine did not return/, 'not');
  }
}
