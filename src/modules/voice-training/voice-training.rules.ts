// Voice training decisions that need no I/O: the editions and what each expects, the state
// machine (which command is allowed where), field validation, the duration limits the review
// applies (also what ShowTenantDurationCfg answers), object keys, and list filters.
import type {
  CommitJobReq,
  CreateTrainingJobReq,
  JobState,
  JobType,
  OperationTypes,
} from '../../contract/generated/types.ts';
import { VoiceTrainingErrors } from './voice-training.errors.ts';

export type Edition = Extract<JobType, 'BASIC' | 'MIDDLE' | 'ADVANCE'>;
export type CreateType = 'PACKAGE' | 'SEGMENT';

/** How many sentences an edition records (SEMANTICS §4.7); ADVANCE is one long recording. */
export const SENTENCES: Record<Edition, number | undefined> = { BASIC: 20, MIDDLE: 100, ADVANCE: undefined };

/**
 * The duration limits of the review, in seconds of recorded audio (all sentences together for
 * BASIC / MIDDLE, the one recording for ADVANCE). Doppel's own numbers (ERRATA 77): enough
 * speech to measure a voice, not more than a review can read in reasonable time.
 */
export const DURATION_LIMITS = {
  basic: { min: 30, max: 600, advice: 90 },
  middle: { min: 150, max: 3000, advice: 450 },
  advance: { min: 60, max: 7200, advice: 1200 },
} as const;

/** One sentence recording: 1–30 s. */
export const SENTENCE_SECONDS = { min: 1, max: 30 } as const;
/** Review thresholds (ERRATA 77). */
export const REVIEW = {
  minSampleRate: 16_000,
  minSnrDb: 20,
  maxClippedRatio: 0.001,
  /** Spoken units (syllables) per second of speech a reading can have. */
  minUnitsPerSecond: 1,
  maxUnitsPerSecond: 12,
  /** Speech must fill at least this share of a sentence recording. */
  minSpeechShare: 0.3,
  /** Transcript vs text similarity, when an ASR engine is configured. */
  minTranscriptSimilarity: 0.6,
  /** Largest upload read (zip or one WAV), and largest total once unzipped. */
  maxPackageBytes: 512 * 1024 * 1024,
  maxUnzippedBytes: 1024 * 1024 * 1024,
} as const;

export const UPLOAD_URL_TTL_SEC = 24 * 3600;

// ── states ────────────────────────────────────────────────────────────────

export const STATES = {
  /** Uploads may be (re)done, segments confirmed, the job committed. */
  editable: ['CREATING', 'AUDIT_FAILED'],
  /** The job may be deleted: nothing is running for it. */
  deletable: ['CREATING', 'AUDIT_FAILED', 'SUCCEED', 'FAILED'],
} as const satisfies Record<string, readonly JobState[]>;

export function requireState(jobId: string, state: string, allowed: readonly JobState[], what: string): void {
  if (!(allowed as readonly string[]).includes(state))
    throw VoiceTrainingErrors.wrongState(jobId, state, what, allowed);
}

// ── fields ────────────────────────────────────────────────────────────────

// C0/C1 controls, and lone surrogates (a high one not followed by a low one, or a low one alone).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Free text (description, custom_text) may hold line breaks and tabs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function text(field: string, v: string | undefined, multiline = false): string | undefined {
  if (v === undefined) return undefined;
  if (LONE_SURROGATE.test(v)) throw VoiceTrainingErrors.invalid(`${field} must not contain lone surrogates`);
  if ((multiline ? CONTROL_EXCEPT_LINES : CONTROL).test(v))
    throw VoiceTrainingErrors.invalid(`${field} must not contain control characters`);
  if (v.trim() === '') throw VoiceTrainingErrors.invalid(`${field} must not be blank`);
  return v;
}

/** The languages a Doppel voice can be built for: CN (Mandarin) and EN (English). */
export const LANGUAGES = ['CN', 'EN'] as const;
export type VoiceLanguage = (typeof LANGUAGES)[number];

function language(field: string, v: string | undefined): VoiceLanguage | undefined {
  if (v === undefined) return undefined;
  const up = v.toUpperCase();
  if (!(LANGUAGES as readonly string[]).includes(up))
    throw VoiceTrainingErrors.invalid(`${field} must be CN or EN, got ${JSON.stringify(v)}`);
  return up as VoiceLanguage;
}

function phone(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!/^\+?[0-9][0-9 -]{0,15}$/.test(v)) throw VoiceTrainingErrors.invalid('phone must be digits');
  return v;
}

/** The columns a create or a commit sets; absent fields are left alone. */
export interface JobFields {
  voice_name?: string;
  sex?: 'FEMALE' | 'MALE';
  language?: VoiceLanguage;
  tag?: string;
  description?: string;
  phone?: string;
  output_language?: VoiceLanguage;
  custom_text?: string;
  app_user_id?: string;
}

function fields(b: CommitJobReq | CreateTrainingJobReq): JobFields {
  const out: JobFields = {
    voice_name: text('voice_name', b.voice_name),
    sex: b.sex,
    language: language('language', b.language),
    tag: b.tag,
    description: text('description', b.description, true),
    phone: phone(b.phone),
    output_language: language('output_language', b.output_language),
    custom_text: text('custom_text', b.custom_text, true),
  };
  for (const k of Object.keys(out) as Array<keyof JobFields>) if (out[k] === undefined) delete out[k];
  return out;
}

export interface CreateSpec extends JobFields {
  voice_name: string;
  create_type: CreateType;
  dhtms_job_id?: string;
  batch_name?: string;
  is_ondemand_resource: boolean;
}

export function createSpec(edition: Edition, b: CreateTrainingJobReq): CreateSpec {
  const createType = b.create_type ?? 'PACKAGE';
  if (createType === 'SEGMENT' && SENTENCES[edition] === undefined)
    throw VoiceTrainingErrors.invalid(
      `create_type SEGMENT needs sentence recordings; the ${edition} edition takes one long recording (PACKAGE)`,
    );
  const dhtms = text('dhtms_job_id', b.dhtms_job_id);
  const batch = text('batch_name', b.batch_name);
  return {
    ...(fields(b) as JobFields & { voice_name: string }),
    create_type: createType,
    ...(dhtms !== undefined && { dhtms_job_id: dhtms }),
    ...(batch !== undefined && { batch_name: batch }),
    is_ondemand_resource: b.is_ondemand_resource ?? false,
  };
}

export function commitFields(b: CommitJobReq): JobFields {
  const out = fields(b);
  if (b.app_user_id !== undefined) {
    if (b.app_user_id !== '') text('app_user_id', b.app_user_id);
    out.app_user_id = b.app_user_id;
  }
  return out;
}

export function batchName(v: string | undefined): string {
  if (v === undefined) throw VoiceTrainingErrors.invalid('batch_name is required');
  return text('batch_name', v)!;
}

export const MAX_BATCH_JOBS = 100;

export function batchJobIds(ids: string[] | undefined): string[] {
  if (!ids || ids.length === 0) throw VoiceTrainingErrors.invalid('job_ids must name at least one job');
  if (ids.length > MAX_BATCH_JOBS)
    throw VoiceTrainingErrors.invalid(`job_ids: at most ${MAX_BATCH_JOBS} jobs, got ${ids.length}`);
  for (const id of ids) {
    if (typeof id !== 'string' || id.length < 1 || id.length > 64 || CONTROL.test(id))
      throw VoiceTrainingErrors.invalid('job_ids entries must be job ids of 1-64 characters');
  }
  return [...new Set(ids)];
}

// ── uploads ───────────────────────────────────────────────────────────────

export const jobPrefix = (projectId: string, jobId: string): string =>
  `voice-training/${projectId}/${jobId}/`;
export const packageKey = (projectId: string, jobId: string): string =>
  `${jobPrefix(projectId, jobId)}package.zip`;
export const authorizationKey = (projectId: string, jobId: string): string =>
  `${jobPrefix(projectId, jobId)}authorization-letter`;
export const segmentKey = (projectId: string, jobId: string, index: number, kind: 'wav' | 'txt'): string =>
  `${jobPrefix(projectId, jobId)}segments/${index}.${kind}`;

export const CONTENT_TYPES = { zip: 'application/zip', wav: 'audio/wav', txt: 'text/plain' } as const;

// ── list ──────────────────────────────────────────────────────────────────

export interface JobListSpec {
  offset: number;
  limit: number;
  states?: string[];
  jobTypes?: string[];
  jobId?: string;
  voiceName?: string;
  tag?: string;
  batchName?: string;
  isOndemand?: boolean;
  createSince?: Date;
  createUntil?: Date;
  updateSince?: Date;
  updateUntil?: Date;
  sortKey: 'create_time' | 'update_time';
  sortDir: 'asc' | 'desc';
}

const ALL_STATES: readonly string[] = [
  'CREATING',
  'SYSTEM_AUDITING',
  'AUDITING',
  'AUDIT_FAILED',
  'WAITING_SPLIT',
  'SPLITTING',
  'SPLIT_FAILED',
  'ANNOTATING',
  'WAITING',
  'PROCESSING',
  'RESULT_REVIEW',
  'USER_RESULT_REVIEW',
  'USER_REVIEW_REJECT',
  'UPLOADING',
  'FAILED',
  'SUCCEED',
];
const ALL_TYPES: readonly string[] = [
  'BASIC',
  'MIDDLE',
  'ADVANCE',
  'THIRD_PARTY',
  'THIRD_PARTY_LJZN',
  'FLEXUS',
];
const TAGS: readonly string[] = [
  'ECOMMERCE',
  'NEWS',
  'MARKETING',
  'LIVE',
  'EDUCATION',
  'CUSTOMER',
  'STORYTELLING',
];

function list(field: string, v: string | undefined, allowed: readonly string[]): string[] | undefined {
  if (v === undefined) return undefined;
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const i of items)
    if (!allowed.includes(i))
      throw VoiceTrainingErrors.invalid(`${field}: unknown value ${JSON.stringify(i)}`);
  return items.length ? items : undefined;
}

/** `2021-01-10T08:43:17Z` or epoch milliseconds (the voice-training times are ms, ERRATA 76). */
export function parseTime(field: string, v: string | undefined): Date | undefined {
  if (v === undefined || v === '') return undefined;
  const d = /^\d{1,16}$/.test(v)
    ? new Date(Number(v))
    : /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v)
      ? new Date(v)
      : undefined;
  if (!d || Number.isNaN(d.getTime()))
    throw VoiceTrainingErrors.invalid(`${field} must be yyyy-MM-ddTHH:mm:ssZ or epoch milliseconds`);
  return d;
}

export function listSpec(q: OperationTypes['ListVoiceTrainingJob']['query']): JobListSpec {
  const sortKey = q.sort_key ?? 'create_time';
  // The docs spell it `ceate_time`; both spellings are accepted.
  const key = sortKey === 'ceate_time' ? 'create_time' : sortKey;
  if (key !== 'create_time' && key !== 'update_time')
    throw VoiceTrainingErrors.invalid('sort_key must be create_time or update_time');
  const dir = q.sort_dir ?? 'desc';
  if (dir !== 'asc' && dir !== 'desc') throw VoiceTrainingErrors.invalid('sort_dir must be asc or desc');
  const tag = list('tag', q.tag, TAGS);
  if (tag && tag.length > 1) throw VoiceTrainingErrors.invalid('tag takes one value');
  const spec: JobListSpec = {
    offset: q.offset ?? 0,
    limit: q.limit ?? 10,
    sortKey: key,
    sortDir: dir,
    states: list('state', q.state, ALL_STATES),
    jobTypes: list('job_type', q.job_type, ALL_TYPES),
    jobId: text('job_id', q.job_id),
    voiceName: text('voice_name', q.voice_name),
    tag: tag?.[0],
    batchName: text('batch_name', q.batch_name),
    isOndemand: q.is_ondemand_resource,
    createSince: parseTime('create_since', q.create_since),
    createUntil: parseTime('create_until', q.create_until),
    updateSince: parseTime('update_since', q.update_since),
    updateUntil: parseTime('update_until', q.update_until),
  };
  for (const k of Object.keys(spec) as Array<keyof JobListSpec>) if (spec[k] === undefined) delete spec[k];
  return spec;
}
