// Row types of Doppel's own tables, as Kysely sees them. Wire shapes live in the
// generated contract; these are storage shapes and change only with a migration.
import type { ColumnType, Generated } from 'kysely';
import type { JobsTable } from '../jobs/jobs.table.ts';

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface ProjectsTable {
  id: string;
  name: string;
  domain_name: string;
  created_at: CreatedAt;
}

export interface CredentialsTable {
  access_key: string;
  project_id: string;
  secret_sealed: string;
  description: Generated<string>;
  created_at: CreatedAt;
  last_used_at: Date | null;
}

export interface UsersTable {
  id: string;
  domain_name: string;
  name: string;
  password_hash: string;
  created_at: CreatedAt;
}

export interface AuthTokensTable {
  token_hash: string;
  user_id: string;
  project_id: string;
  issued_at: CreatedAt;
  expires_at: Date;
}

/** Owner of the system assets every project sees (migration 0003); no one signs in to it. */
export const SYSTEM_PROJECT_ID = '00000000000000000000000000000000';

type Json<T> = ColumnType<T, T | string, T | string>;

export interface SystemPropertyRow {
  key: string;
  value: string;
}

export interface AssetsTable {
  project_id: string;
  asset_id: string;
  asset_source: ColumnType<'SYSTEM' | 'CUSTOMIZATION', 'SYSTEM' | 'CUSTOMIZATION' | undefined, never>;
  asset_name: string;
  asset_description: Generated<string>;
  asset_type: string;
  asset_state: string;
  state_before_delete: string | null;
  deleted_at: Date | null;
  fail_type: string | null;
  reason: string | null;
  block_reason_code: string | null;
  app_user_id: string | null;
  produce_id: string | null;
  tags: Generated<string[]>;
  system_properties: Json<SystemPropertyRow[]>;
  asset_extra_meta: Json<Record<string, unknown>>;
  shared_config: Json<Record<string, unknown>> | null;
  review_config: Json<Record<string, unknown>> | null;
  supported_service: Generated<string[]>;
  auto_operation_config: Json<unknown[]> | null;
  asset_order: number | null;
  is_need_generate_cover: Generated<boolean>;
  create_time: Date;
  update_time: Date;
}

export interface AssetSharesTable {
  project_id: string;
  asset_id: string;
  sharee_project_id: string;
  expires_at: Date | null;
  created_at: CreatedAt;
}

/** Kept by a trigger on assets (migration 0003); read-only for code. */
export interface AssetCountsTable {
  project_id: string;
  asset_type: string;
  asset_state: string;
  n: number;
}

export interface AssetFilesTable {
  project_id: string;
  file_id: string;
  asset_id: string;
  file_name: string;
  file_md5: Generated<string>;
  file_size: number;
  file_type: string;
  asset_file_category: string;
  state: string;
  reason: string | null;
  block_reason_code: string | null;
  object_key: string;
  upload_id: string | null;
  part_count: number | null;
  file_extra_meta: Json<Record<string, unknown>> | null;
  created_at: Date;
  updated_at: Date;
}

export interface DB {
  projects: ProjectsTable;
  credentials: CredentialsTable;
  users: UsersTable;
  auth_tokens: AuthTokensTable;
  jobs: JobsTable;
  assets: AssetsTable;
  asset_shares: AssetSharesTable;
  asset_counts: AssetCountsTable;
  asset_files: AssetFilesTable;
  tts_jobs: TtsJobsTable;
  tts_vocabulary_configs: TtsVocabularyConfigsTable;
  video_scripts: VideoScriptsTable;
  video_jobs: VideoJobsTable;
  subtitle_jobs: SubtitleJobsTable;
  usage_records: UsageRecordsTable;
  resource_packages: ResourcePackagesTable;
  live_rooms: LiveRoomsTable;
  live_rule_groups: LiveRuleGroupsTable;
  live_products: LiveProductsTable;
  live_platforms: LivePlatformsTable;
  live_jobs: LiveJobsTable;
  voice_training_jobs: VoiceTrainingJobsTable;
  voice_training_op_logs: VoiceTrainingOpLogsTable;
  avatar_training_jobs: AvatarTrainingJobsTable;
  robot_welcome_speeches: RobotWelcomeSpeechesTable;
  robot_hot_questions: RobotHotQuestionsTable;
  robot_hot_words: RobotHotWordsTable;
  robot_content_switches: RobotContentSwitchesTable;
  dialog_robots: DialogRobotsTable;
  dialog_once_codes: DialogOnceCodesTable;
  dialog_active_codes: DialogActiveCodesTable;
  dialog_active_code_credentials: DialogActiveCodeCredentialsTable;
  dialog_chat_rooms: DialogChatRoomsTable;
  dialog_chat_jobs: DialogChatJobsTable;
  dialog_agencies: DialogAgenciesTable;
  knowledge_skills: KnowledgeSkillsTable;
  knowledge_intents: KnowledgeIntentsTable;
  knowledge_questions: KnowledgeQuestionsTable;
  knowledge_revisions: KnowledgeRevisionsTable;
  knowledge_tombstones: KnowledgeTombstonesTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  bus_messages: BusMessagesTable;
}

/** Audition and async TTS jobs (migration 0004). */
export interface TtsJobsTable {
  project_id: string;
  job_id: string;
  kind: 'AUDITION' | 'ASYNC_JOB';
  state: 'WAITING' | 'PROCESSING' | 'SUCCEED' | 'FAILED';
  request: Json<Record<string, unknown>>;
  voice: Json<Record<string, unknown>>;
  outputs: Json<Record<string, unknown>>;
  duration_ms: number | null;
  code: string | null;
  message: string | null;
  callback_url: string | null;
  callback_state: string | null;
  app_user_id: string | null;
  create_time: Date;
  update_time: Date;
}

export interface TtsVocabularyConfigsTable {
  project_id: string;
  id: string;
  type: 'CHINESE_G2P' | 'PHONETIC_SYMBOL' | 'CONTINUUM' | 'ALIAS' | 'SAY_AS';
  key: string;
  value: string;
  group_id: Generated<string>;
  create_time: Date;
  update_time: Date;
}

/** Video scripts (migration 0005): list columns plus the script document in `body`. */
export interface VideoScriptsTable {
  project_id: string;
  script_id: string;
  script_name: string;
  script_description: Generated<string>;
  script_catalog: Generated<'VIDEO_DRAFT' | 'SYSTEM_VIDEO_TEMPLET'>;
  view_mode: Generated<'LANDSCAPE' | 'VERTICAL'>;
  model_asset_id: string | null;
  body: Json<Record<string, unknown>>;
  script_cover_url: string | null;
  app_user_id: string | null;
  create_time: Date;
  update_time: Date;
}

/** 2D avatar video jobs (migration 0006). */
export interface VideoJobsTable {
  project_id: string;
  job_id: string;
  job_type: Generated<string>;
  state: 'WAITING' | 'PROCESSING' | 'SUCCEED' | 'FAILED' | 'CANCELED' | 'BLOCK';
  script_id: string | null;
  asset_name: string;
  request: Json<Record<string, unknown>>;
  voice: Json<Record<string, unknown>>;
  progress: Generated<number>;
  duration_ms: number | null;
  asset_id: string | null;
  error_code: string | null;
  error_msg: string | null;
  start_time: Date | null;
  end_time: Date | null;
  callback_url: string | null;
  callback_state: string | null;
  app_user_id: string | null;
  create_time: Date;
  update_time: Date;
}

/** Subtitle-file jobs (migration 0006). */
export interface SubtitleJobsTable {
  project_id: string;
  job_id: string;
  script_id: string;
  job_state: 'GENERATING' | 'GENERATED';
  scenes: Json<Array<Record<string, unknown>>>;
  callback_url: string | null;
  callback_state: string | null;
  app_user_id: string | null;
  create_time: Date;
  update_time: Date;
}

/** What billable work used, once per (metric, source) (migration 0013). */
export interface UsageRecordsTable {
  project_id: string;
  metric: string;
  source_id: string;
  dimension: Generated<string>;
  quantity: number;
  unallocated: number;
  recorded_at: Date;
}

/** Resource packages made by CreateMetaStudioOrders (migration 0013). */
export interface ResourcePackagesTable {
  project_id: string;
  resource_id: string;
  order_id: string;
  resource_type: string;
  business_type: string;
  charging_mode: 'PERIODIC' | 'ONE_TIME';
  resource_source: Generated<string>;
  metric: string;
  unit: string;
  base_per_unit: number;
  quota: number;
  used: Generated<number>;
  is_auto_renew: Generated<boolean>;
  create_time: Date;
  expire_time: Date;
}

/** Smart live rooms (migration 0009); `body` is the validated room document. */
export interface LiveRoomsTable {
  project_id: string;
  room_id: string;
  room_name: string;
  room_description: string;
  room_type: 'NORMAL' | 'TEMP' | 'TEMPLATE';
  room_state: ColumnType<'ENABLE' | 'DISABLE' | 'BLOCKED', 'ENABLE' | 'DISABLE' | 'BLOCKED' | undefined>;
  view_mode: 'LANDSCAPE' | 'VERTICAL';
  model_asset_ids: Json<string[]>;
  model_names: string;
  platform_id: string | null;
  body: Json<Record<string, unknown>>;
  script_version: string;
  last_job_id: string | null;
  last_job_status: string | null;
  last_job_start_time: Date | null;
  last_job_end_time: Date | null;
  app_user_id: string | null;
  create_time: Date;
  update_time: Date;
}

/** Live jobs (migration 0015); `config` is the room snapshot the job streams. */
export interface LiveJobsTable {
  project_id: string;
  job_id: string;
  room_id: string;
  room_name: string;
  state: 'WAITING' | 'PROCESSING' | 'SUCCEED' | 'FAILED' | 'BLOCKED';
  config: Json<Record<string, unknown>>;
  single_job: ColumnType<boolean, boolean | undefined, boolean>;
  stop_requested: ColumnType<boolean, boolean | undefined, boolean>;
  position: Json<Record<string, unknown>> | null;
  command_log: Json<Array<Record<string, unknown>>>;
  stream_ms: ColumnType<number, number | undefined, number>;
  error_code: string | null;
  error_msg: string | null;
  block_reason: string | null;
  app_user_id: string | null;
  start_time: Date | null;
  end_time: Date | null;
  create_time: Date;
  update_time: Date;
}

/** Interaction rule libraries (migration 0009). */
export interface LiveRuleGroupsTable {
  project_id: string;
  group_id: string;
  group_name: string;
  rules: Json<Array<Record<string, unknown>>>;
  create_time: Date;
  update_time: Date;
}

/** Live products (migration 0009). */
export interface LiveProductsTable {
  project_id: string;
  product_id: string;
  name: string;
  description: string;
  tags: Json<string[]>;
  cover: Json<Record<string, unknown>> | null;
  text_list: Json<Array<Record<string, unknown>>>;
  asset_list: Json<Array<Record<string, unknown>>>;
  state: 'ACTIVED' | 'UNACTIVED' | 'BLOCK' | 'DELETED';
  app_user_id: string | null;
  create_time: Date;
  update_time: Date;
}

/** Third-party live platforms (migration 0009). */
export interface LivePlatformsTable {
  project_id: string;
  platform_id: string;
  name: string;
  access_type: string;
  auth_key: string;
  callback_config: Json<Array<{ api_type: string; url: string }>>;
  authorize_state: 'AUTHORIZED' | 'UNAUTHORIZED';
  authorized_time: Date | null;
  account: string | null;
  create_time: Date;
  update_time: Date;
}

/** Voice training jobs (migration 0012). */
export interface VoiceTrainingJobsTable {
  project_id: string;
  job_id: string;
  job_type: string;
  create_type: 'PACKAGE' | 'SEGMENT';
  state: string;
  reject_times: Generated<number>;
  voice_name: string;
  sex: string | null;
  language: string | null;
  tag: string | null;
  description: string | null;
  phone: string | null;
  dhtms_job_id: string | null;
  batch_name: string | null;
  output_language: string | null;
  custom_text: string | null;
  is_ondemand_resource: Generated<boolean>;
  app_user_id: string | null;
  segments: ColumnType<Record<string, { ok: boolean; reasons: string[] }>, string | undefined, string>;
  system_audit: Json<Record<string, unknown>> | null;
  result: Json<Record<string, unknown>> | null;
  asset_id: string | null;
  job_failed_code: string | null;
  job_failed_reason: string | null;
  create_time: Date;
  update_time: Date;
}

/** Operation logs of voice training jobs (migration 0012). */
export interface VoiceTrainingOpLogsTable {
  project_id: string;
  job_id: string;
  seq: Generated<number>;
  time: Date;
  action: string;
  operator: string;
  external_info: Json<Record<string, unknown>> | null;
}
/** 2D avatar training jobs (migration 0011); the JSON columns are typed by the module's rules. */
export interface AvatarTrainingJobsTable {
  project_id: string;
  job_id: string;
  name: string;
  contact: string | null;
  state: string;
  batch_name: string | null;
  tags: Json<string[]>;
  options: Json<Record<string, unknown>>;
  uploads: Json<Record<string, unknown>>;
  upload_round: Generated<number>;
  review: Json<Record<string, unknown>> | null;
  progress: Generated<number>;
  model_resolution: string | null;
  asset_id: string | null;
  error_code: string | null;
  error_msg: string | null;
  operation_logs: Json<Array<Record<string, unknown>>>;
  app_user_id: string | null;
  create_time: Date;
  update_time: Date;
}

/** A robot's welcome speeches (migration 0014). */
export interface RobotWelcomeSpeechesTable {
  project_id: string;
  welcome_speech_id: string;
  robot_id: string;
  language: string;
  welcome_speech: string;
  enabled: boolean;
  app_user_id: string | null;
  create_time: Date;
  update_time: Date;
}

/** A robot's hot (frequently asked) questions (migration 0014). */
export interface RobotHotQuestionsTable {
  project_id: string;
  hot_question_id: string;
  robot_id: string;
  language: string;
  hot_question: string;
  app_user_id: string | null;
  create_time: Date;
  update_time: Date;
}

/** A robot's hot-word records: references to SIS or Mobvoi vocabularies (migration 0014). */
export interface RobotHotWordsTable {
  project_id: string;
  hot_words_id: string;
  robot_id: string;
  hot_words_type: 'SIS' | 'MOBVOI';
  vocabulary_id: string;
  sis_project_id: string | null;
  region: number | null;
  language: string;
  app_user_id: string | null;
  create_time: Date;
  update_time: Date;
}

/** The welcome-speech and hot-word switches of one robot; null is the default (migration 0014). */
export interface RobotContentSwitchesTable {
  project_id: string;
  robot_id: string;
  enable_welcome_speech: boolean | null;
  enable_hot_words: boolean | null;
  update_time: Date;
}

/** Dialog agencies (CBS, SIS) a project has authorised (migration 0014). */
export interface DialogAgenciesTable {
  project_id: string;
  role_type: 'CBS' | 'SIS';
  agency_id: string;
  state: 'AUTHORIZED';
  create_time: Date;
  update_time: Date;
}

/** Knowledge base (migration 0007): skills → intents → questions, and their change feed. */
export interface KnowledgeSkillsTable {
  project_id: string;
  skill_id: string;
  name: string;
  identify: string;
  seq: Generated<number>;
  create_time: Date;
  update_time: Date;
}

export interface KnowledgeIntentsTable {
  project_id: string;
  intent_id: string;
  skill_id: string;
  name: string;
  identify: string;
  answer: string;
  seq: Generated<number>;
  create_time: Date;
  update_time: Date;
}

export interface KnowledgeQuestionsTable {
  project_id: string;
  question_id: string;
  intent_id: string;
  skill_id: string;
  question: string;
  rev: number;
  seq: Generated<number>;
  create_time: Date;
  update_time: Date;
}

export interface KnowledgeRevisionsTable {
  project_id: string;
  rev: number;
}

export interface KnowledgeTombstonesTable {
  project_id: string;
  question_id: string;
  rev: number;
}

/** The webhook log (migration 0019). */
export interface WebhookDeliveriesTable {
  project_id: string;
  delivery_id: string;
  delivery_key: string;
  source: string;
  resource_id: string;
  target: Json<{ url: string; auth_type: string; key?: string }>;
  body: Json<unknown>;
  state: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: Generated<number>;
  last_status: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  replay_of: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookAttemptsTable {
  project_id: string;
  delivery_id: string;
  attempt: number;
  started_at: Date;
  status: number | null;
  error: string | null;
  latency_ms: number;
}

/** Dialog applications (migration 0016). */
export interface DialogRobotsTable {
  project_id: string;
  robot_id: string;
  name: string;
  app_type: number;
  backing: 'LLM' | 'KNOWLEDGE_BASE';
  room_id: string | null;
  robot_type: 'LIVE' | 'CHAT';
  language: string;
  tail_silence_time: number;
  enable_question_audit: boolean;
  app_id: string | null;
  llm_url: string | null;
  is_stream: boolean | null;
  chat_rounds: number | null;
  is_ifly_production: boolean | null;
  sis_region: number | null;
  sis_project_id: string | null;
  enable_hot_words: boolean | null;
  asr_type: string | null;
  asr_account: string | null;
  secrets_sealed: string | null;
  app_key_set: boolean;
  app_user_id: string | null;
  create_time: Date;
  update_time: Date;
}

export interface DialogOnceCodesTable {
  project_id: string;
  code_hash: string;
  room_id: string | null;
  create_time: Date;
  expire_time: Date;
  used_time: Date | null;
}

export interface DialogActiveCodesTable {
  project_id: string;
  active_code_id: string;
  active_code: string;
  robot_id: string;
  room_id: string;
  valid_period: number;
  valid_from: Date;
  app_user_id: string | null;
  create_time: Date;
  update_time: Date;
}

export interface DialogActiveCodeCredentialsTable {
  project_id: string;
  active_code_id: string;
  credential_hash: string;
  first_use_time: Date;
}

/** Smart chat rooms (migration 0017); `body` is the validated CreateSmartChatRoomReq. */
export interface DialogChatRoomsTable {
  project_id: string;
  room_id: string;
  room_name: string;
  robot_id: string | null;
  model_asset_id: string | null;
  concurrency: number;
  client_nums: number;
  body: Json<Record<string, unknown>>;
  app_user_id: string | null;
  create_time: Date;
  update_time: Date;
}

/** Smart chat jobs (migration 0018). */
export interface DialogChatJobsTable {
  project_id: string;
  job_id: string;
  room_id: string;
  robot_id: string;
  state: 'WAITING' | 'PROCESSING' | 'SUCCEED' | 'FAILED';
  chat_state: Generated<number>;
  job_finish_reason: 'NORMAL' | 'MUTE_TIMEOUT' | null;
  client_id: string | null;
  extend_param: string | null;
  config: Json<Record<string, unknown>>;
  owner: string;
  stop_requested: Generated<boolean>;
  heartbeat_time: Date;
  error_code: string | null;
  error_msg: string | null;
  app_user_id: string | null;
  start_time: Date | null;
  end_time: Date | null;
  create_time: Date;
  update_time: Date;
}

/** The request/reply bus between processes (migration 0020, src/core/bus). */
export interface BusMessagesTable {
  id: Generated<number>;
  project_id: string;
  target: string;
  payload: Json<unknown>;
  state: ColumnType<
    'pending' | 'claimed' | 'replied' | 'expired' | 'abandoned',
    'pending' | undefined,
    'claimed' | 'replied' | 'expired' | 'abandoned'
  >;
  reply: Json<unknown> | null;
  claimed_by: string | null;
  created_at: CreatedAt;
  claimed_at: Date | null;
  replied_at: Date | null;
}
