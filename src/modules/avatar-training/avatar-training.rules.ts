// The 2D avatar training job's rules, pure: its states and which of them allow what
// (SEMANTICS.md §3.6), the user-visible grouping, the upload slots of §4.6 and the checks of
// create and update input beyond what the contract's schema already enforces.
import type { OperationTypes } from '../../contract/generated/types.ts';
import { AvatarTrainingErrors } from './avatar-training.errors.ts';

type Types = OperationTypes;
export type CreateBody = Types['Create2dModelTrainingJob']['body'];
export type UpdateBody = Types['Update2dModelTrainingJob']['body'];
export type Command = Types['Execute2dModelTrainingCommandByUser']['body']['command'];

/** The states Doppel's jobs pass through (the contract lists many more, for MetaStudio's staff). */
export const TRAINING_STATES = [
  'WAIT_FILE_UPLOAD',
  'AUTO_VERIFYING',
  'AUTO_VERIFY_FAILED',
  'MANUAL_VERIFYING',
  'MANUAL_VERIFY_FAILED',
  'MANUAL_VERIFY_SUCCESS',
  'WAIT_TRAINING_DATA_PREPROCESS',
  'TRAINING_DATA_PREPROCESSING',
  'TRAINING_DATA_PREPROCESS_FAILED',
  'TRAINING_DATA_PREPROCESS_SUCCESS',
  'TRAINING',
  'TRAIN_FAILED',
  'TRAIN_SUCCESS',
  'INFERENCE_DATA_PREPROCESSING',
  'INFERENCE_DATA_PREPROCESS_FAILED',
  'JOB_SUCCESS',
] as const;
export type TrainingState = (typeof TRAINING_STATES)[number];

/** Update (new upload URLs) only after a failed review (§3.6). */
export const UPDATABLE: readonly TrainingState[] = ['AUTO_VERIFY_FAILED', 'MANUAL_VERIFY_FAILED'];

/**
 * Delete (§3.6), restricted to the states Doppel uses: not while the machine is working on
 * the job (review or training), since a worker holds its files.
 */
export const DELETABLE: readonly TrainingState[] = [
  'WAIT_FILE_UPLOAD',
  'AUTO_VERIFY_FAILED',
  'MANUAL_VERIFYING',
  'MANUAL_VERIFY_FAILED',
  'TRAINING_DATA_PREPROCESS_FAILED',
  'TRAIN_FAILED',
  'INFERENCE_DATA_PREPROCESS_FAILED',
  'JOB_SUCCESS',
];

/** States in which uploads may still be read (and the multipart commands make sense). */
export const UPLOADING: readonly TrainingState[] = ['WAIT_FILE_UPLOAD'];

/** States after which the training video is no longer needed (DELETE_JOB_VIDEO). */
export const ENDED: readonly TrainingState[] = [
  'AUTO_VERIFY_FAILED',
  'MANUAL_VERIFY_FAILED',
  'TRAINING_DATA_PREPROCESS_FAILED',
  'TRAIN_FAILED',
  'INFERENCE_DATA_PREPROCESS_FAILED',
  'JOB_SUCCESS',
];

/** The training stages in order, with the state of each stage's failure. */
export const STAGES = [
  {
    running: 'TRAINING_DATA_PREPROCESSING',
    done: 'TRAINING_DATA_PREPROCESS_SUCCESS',
    failed: 'TRAINING_DATA_PREPROCESS_FAILED',
    failLog: 'SYSTEM_TRAIN_DATA_PREPROCESS_FAILED',
  },
  { running: 'TRAINING', done: 'TRAIN_SUCCESS', failed: 'TRAIN_FAILED', failLog: 'SYSTEM_TRAIN_FAILED' },
  {
    running: 'INFERENCE_DATA_PREPROCESSING',
    done: 'JOB_SUCCESS',
    failed: 'INFERENCE_DATA_PREPROCESS_FAILED',
    failLog: 'SYSTEM_INFERENCE_DATA_PREPROCESS_FAILED',
  },
] as const satisfies ReadonlyArray<
  Record<'running' | 'done' | 'failed', TrainingState> & { failLog: string }
>;

/** Where a training job is, as the console shows it to a normal user (§3.6, Doppel's `state_group`). */
export type StateGroup =
  | 'WAIT_SUBMIT'
  | 'VERIFYING'
  | 'VERIFY_FAILED'
  | 'TRAINING'
  | 'TRAIN_FAILED'
  | 'SUCCEEDED';

export function stateGroup(s: TrainingState): StateGroup {
  switch (s) {
    case 'WAIT_FILE_UPLOAD':
      return 'WAIT_SUBMIT';
    case 'AUTO_VERIFYING':
    case 'MANUAL_VERIFYING':
      return 'VERIFYING';
    case 'AUTO_VERIFY_FAILED':
    case 'MANUAL_VERIFY_FAILED':
      return 'VERIFY_FAILED';
    case 'TRAINING_DATA_PREPROCESS_FAILED':
    case 'TRAIN_FAILED':
    case 'INFERENCE_DATA_PREPROCESS_FAILED':
      return 'TRAIN_FAILED';
    case 'JOB_SUCCESS':
      return 'SUCCEEDED';
    default:
      return 'TRAINING';
  }
}

export const STATE_GROUPS: readonly StateGroup[] = [
  'WAIT_SUBMIT',
  'VERIFYING',
  'VERIFY_FAILED',
  'TRAINING',
  'TRAIN_FAILED',
  'SUCCEEDED',
];

// ── uploads ──────────────────────────────────────────────────────────────────

export type UploadSlot =
  | 'training_video'
  | 'action_video'
  | 'audio'
  | 'cover'
  | 'id_card_image1'
  | 'id_card_image2'
  | 'grant_file';

export interface UploadRecord {
  key: string;
  /** A multipart upload: its id and part count (the URLs are one per part). */
  upload_id?: string;
  parts?: number;
  /** Multipart only: CONFIRM_*_MULTIPART_UPLOADED assembled the parts. */
  done?: boolean;
}

export type Uploads = Partial<Record<UploadSlot, UploadRecord>>;

/** The slots a job offers, from its flags (§4.6): audio only when the audio comes apart. */
export function slotsFor(o: TrainingOptions): UploadSlot[] {
  const slots: UploadSlot[] = [
    'training_video',
    'action_video',
    'cover',
    'id_card_image1',
    'id_card_image2',
    'grant_file',
  ];
  if (o.audio_source_type === 'AUDIO') slots.push('audio');
  return slots;
}

/** Content type each URL demands (§4.6: octet-stream, the audio zip application/zip). */
export const contentTypeOf = (slot: UploadSlot): string =>
  slot === 'audio' ? 'application/zip' : 'application/octet-stream';

/** Object keys are new for every upload round, so an older round's URL writes nowhere that counts. */
export const uploadKey = (projectId: string, jobId: string, round: number, slot: UploadSlot): string =>
  `avatar-training/${projectId}/${jobId}/upload-${round}/${slot}`;

export const jobPrefix = (projectId: string, jobId: string): string =>
  `avatar-training/${projectId}/${jobId}/`;

/** Where training keeps what each stage produced, so a resumed job starts at the next stage. */
export const workKey = (projectId: string, jobId: string, what: string): string =>
  `avatar-training/${projectId}/${jobId}/work/${what}`;

// ── input checks ───────────────────────────────────────────────────────────

/** The flags a job keeps (create's, replaced field by field by update). */
export interface TrainingOptions {
  model_version: 'V2' | 'V3' | 'V3.2' | 'V3.3';
  is_flexus: boolean;
  is_fast_flexus: boolean;
  is_background_replacement: boolean;
  is_only_human_model: boolean;
  is_live_copy: boolean;
  is_ondemand_resource: boolean;
  audio_source_type: 'VIDEO' | 'AUDIO';
  video_multipart_count?: number;
  action_video_multipart_count?: number;
  supported_service: Array<'VIDEO_2D' | 'LIVE_2D' | 'CHAT_2D'>;
  voice_properties?: CreateBody['voice_properties'];
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function checkText(field: string, v: string | undefined, opts: { required?: boolean } = {}): void {
  if (v === undefined) {
    if (opts.required) throw AvatarTrainingErrors.invalid(`${field} is required`);
    return;
  }
  if (LONE_SURROGATE.test(v)) throw AvatarTrainingErrors.invalid(`${field} must not contain lone surrogates`);
  if (CONTROL.test(v)) throw AvatarTrainingErrors.invalid(`${field} must not contain control characters`);
  if (opts.required && !v.trim()) throw AvatarTrainingErrors.invalid(`${field} must not be blank`);
}

export const MAX_TAGS = 50;
export const MAX_TAG_LENGTH = 128;

export function checkTags(tags: string[] | undefined): string[] | undefined {
  if (tags === undefined) return undefined;
  if (tags.length > MAX_TAGS) throw AvatarTrainingErrors.invalid(`tags: at most ${MAX_TAGS}`);
  for (const [i, t] of tags.entries()) {
    checkText(`tags[${i}]`, t);
    if (t.length > MAX_TAG_LENGTH)
      throw AvatarTrainingErrors.invalid(`tags[${i}]: at most ${MAX_TAG_LENGTH} characters`);
  }
  return [...new Set(tags)];
}

function checkServices(
  o: Pick<TrainingOptions, 'is_flexus' | 'supported_service'>,
): TrainingOptions['supported_service'] {
  const services = [...new Set(o.supported_service)];
  // §4.6: a Flexus (fast, cheaper) model serves 2D video only.
  if (o.is_flexus && services.some((s) => s !== 'VIDEO_2D'))
    throw AvatarTrainingErrors.invalid(
      'supported_service: a Flexus model (is_flexus) supports VIDEO_2D only',
    );
  return services;
}

/** Create's body → the job's name, contact, batch, tags and options; throws 400 naming the field. */
export function checkCreate(body: CreateBody) {
  checkText('name', body.name, { required: true });
  checkText('contact', body.contact);
  checkText('batch_name', body.batch_name);
  if (body.command_message !== undefined && body.command_message !== 'UPLOAD_VIDEO')
    throw AvatarTrainingErrors.invalid(
      `command_message: ${body.command_message} is not valid when creating a job`,
    );
  const isFlexus = body.is_flexus ?? false;
  const options: TrainingOptions = {
    model_version: body.model_version ?? 'V3.2',
    is_flexus: isFlexus || body.is_fast_flexus === true,
    is_fast_flexus: body.is_fast_flexus ?? false,
    is_background_replacement: body.is_background_replacement ?? false,
    is_only_human_model: body.is_only_human_model ?? false,
    is_live_copy: body.is_live_copy ?? false,
    is_ondemand_resource: body.is_ondemand_resource ?? false,
    audio_source_type: body.audio_source_type ?? 'VIDEO',
    supported_service: [],
    ...(body.video_multipart_count !== undefined
      ? { video_multipart_count: body.video_multipart_count }
      : {}),
    ...(body.action_video_multipart_count !== undefined
      ? { action_video_multipart_count: body.action_video_multipart_count }
      : {}),
    ...(body.voice_properties ? { voice_properties: body.voice_properties } : {}),
  };
  if (options.model_version === 'V3.3' && !options.is_flexus) options.is_flexus = true;
  options.supported_service = checkServices({
    is_flexus: options.is_flexus,
    supported_service:
      body.supported_service ?? (options.is_flexus ? ['VIDEO_2D'] : ['VIDEO_2D', 'LIVE_2D', 'CHAT_2D']),
  });
  return {
    name: body.name,
    contact: body.contact ?? null,
    batchName: body.batch_name ?? null,
    tags: checkTags(body.tags) ?? [],
    options,
  };
}

/** Update's body applied to the stored job: each given field replaces the stored one. */
export function checkUpdate(
  body: UpdateBody,
  current: {
    name: string;
    contact: string | null;
    batchName: string | null;
    tags: string[];
    options: TrainingOptions;
  },
) {
  checkText('name', body.name, { required: body.name !== undefined });
  checkText('contact', body.contact);
  checkText('batch_name', body.batch_name);
  if (body.command_message !== undefined && body.command_message !== 'UPDATE_VIDEO')
    throw AvatarTrainingErrors.invalid(`command_message: ${body.command_message} is not valid in an update`);
  if (body.samples_basic_info !== undefined)
    throw AvatarTrainingErrors.invalid('samples_basic_info: action samples are not supported');
  const o = current.options;
  const options: TrainingOptions = {
    ...o,
    ...(body.is_background_replacement !== undefined
      ? { is_background_replacement: body.is_background_replacement }
      : {}),
    ...(body.is_fast_flexus !== undefined ? { is_fast_flexus: body.is_fast_flexus } : {}),
    ...(body.audio_source_type !== undefined ? { audio_source_type: body.audio_source_type } : {}),
    ...(body.voice_properties !== undefined ? { voice_properties: body.voice_properties } : {}),
  };
  // A new round of uploads: the part counts are this update's (none given: one URL each).
  delete options.video_multipart_count;
  delete options.action_video_multipart_count;
  if (body.video_multipart_count !== undefined) options.video_multipart_count = body.video_multipart_count;
  if (body.action_video_multipart_count !== undefined)
    options.action_video_multipart_count = body.action_video_multipart_count;
  if (options.is_fast_flexus) options.is_flexus = true;
  options.supported_service = checkServices({
    is_flexus: options.is_flexus,
    supported_service: body.supported_service ?? o.supported_service,
  });
  return {
    name: body.name ?? current.name,
    contact: body.contact !== undefined ? body.contact : current.contact,
    batchName: body.batch_name !== undefined ? body.batch_name : current.batchName,
    tags: checkTags(body.tags) ?? current.tags,
    options,
  };
}

/** The list's comma-separated `state` filter: contract states and Doppel's groups. */
export function parseStateFilter(v: string | undefined): TrainingState[] | undefined {
  if (v === undefined || v === '') return undefined;
  const out = new Set<TrainingState>();
  for (const raw of v.split(',')) {
    const s = raw.trim();
    if ((TRAINING_STATES as readonly string[]).includes(s)) out.add(s as TrainingState);
    else if ((STATE_GROUPS as readonly string[]).includes(s)) {
      for (const t of TRAINING_STATES) if (stateGroup(t) === s) out.add(t);
    } else if (!s || !/^[A-Z_]+$/.test(s))
      throw AvatarTrainingErrors.invalid(`state: "${s}" is not a job state`);
    // A contract state Doppel never enters matches nothing; it is not an error.
  }
  return [...out];
}
