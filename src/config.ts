// The only module that reads the environment. Everything else receives a frozen Config.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type FaultPlan, NO_FAULTS, parseFaults } from './core/faults/index.ts';
import { MEDIA_TOOL_MODES, type MediaToolMode } from './core/media/tools.ts';

export const REGIONS = ['cn-north-4', 'cn-east-3', 'ap-southeast-1'] as const;
export type Region = (typeof REGIONS)[number];
export type Role = 'all' | 'api' | 'worker';
export type AuthMode = 'strict' | 'loose';

export interface S3Config {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

export interface NeuralRendererSettings {
  url: string;
  /** Bearer token; never logged. */
  token: string | undefined;
  /** What a failed neural render does: draw the avatar with the built-in renderer, or fail the job. */
  fallback: 'builtin' | 'fail';
  /** One scene's render, end to end. */
  timeoutMs: number;
  pollMs: number;
  maxVideoBytes: number;
}

/** Dialog sessions (docs/dialog.md). */
export interface DialogSettings {
  /** A chat-command WebSocket that sends nothing (not even a heartbeat) this long is closed. */
  socketIdleMs: number;
  /** Silence before a job ends MUTE_TIMEOUT when its room sets no exit_mute_threshold. */
  defaultMuteMs: number;
  /** Addresses offered to browsers as WebRTC host candidates (the media's UDP). */
  iceAddresses: string[];
  /** Speech recognition for AUDIO_DRIVE: an OpenAI-compatible /v1/audio/transcriptions endpoint. */
  asr: { url: string; token: string | undefined; model: string; timeoutMs: number } | undefined;
}

export interface VoiceCloningSettings {
  url: string;
  /** Bearer token; never logged. */
  token: string | undefined;
  /** One enrolment (the service may train a model meanwhile). */
  timeoutMs: number;
}

/** The knowledge matcher (engines/dialog): its threshold and an optional embeddings endpoint. */
export interface KnowledgeSettings {
  /** 0…1: a best intent under this is "no match" (the robot's fallback). */
  threshold: number | undefined;
  embeddings:
    | { url: string; apiKey: string | undefined; model: string; timeoutMs: number; blend: number }
    | undefined;
}

export interface Config {
  host: string;
  port: number;
  /** Base URL that clients use to reach this server; presigned object URLs are built on it. */
  publicUrl: string;
  dataDir: string;
  role: Role;
  /** `--api-processes N` / DOPPEL_API_PROCESSES: API processes on one port (PostgreSQL only). */
  apiProcesses: number;
  auth: AuthMode;
  region: Region;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  s3: S3Config | undefined;
  /** 32-byte key that encrypts secret keys at rest; when absent a key file in the data dir is used. */
  masterKey: Buffer | undefined;
  logLevel: string;
  bodyLimitBytes: number;
  /** Socket-level limits that keep slow or silent clients from holding the server (ERRATA 52). */
  http: HttpLimits;
  /** Backoff after failed passwords and signatures (ERRATA 53). */
  authFailures: { free: number; maxBlockMs: number };
  throttle: { enabled: boolean; defaultRps: number };
  jobs: { concurrency: number; leaseMs: number; pollMs: number; shutdownGraceMs: number };
  /** Video renders at once per worker process. */
  renderConcurrency: number;
  /**
   * 2D avatar modeling: `auto` trains as soon as the automatic review passes; `manual` holds
   * a passed job in MANUAL_VERIFYING until an operator runs `doppel modeling approve|reject`.
   */
  modelingReview: 'auto' | 'manual';
  /** An external neural lip-sync service for the avatar layer (docs/neural-renderer.md). */
  neuralRenderer: NeuralRendererSettings | undefined;
  /** An external voice-cloning service for trained voices (docs/voice-cloning.md). */
  voiceCloning: VoiceCloningSettings | undefined;
  dialog: DialogSettings;
  knowledge: KnowledgeSettings;
  /** Fault injection for integrators (docs/fault-injection.md); off unless configured. */
  faults: FaultPlan;
  /** Allow server-side fetches (callbacks, media by URL) to reach loopback and private networks. */
  allowPrivateFetch: boolean;
  /** `enforce`: work beyond the tenant's resource packages is refused (MSS.20050039); `off`: only metered. */
  quotas: 'off' | 'enforce';
  /** Where to look for ffmpeg/ffprobe: explicit paths first, then the search PATH, then npm's. */
  media: {
    ffmpegPath: string | undefined;
    ffprobePath: string | undefined;
    searchPath: string;
    /** DOPPEL_MEDIA_TOOLS: `auto` (FFMPEG_PATH → PATH → the npm build), `bundled` or `system`. */
    tools: MediaToolMode;
  };
  /** Speech engines: the eSpeak process pool size, and an optional OpenAI-compatible endpoint. */
  /** idleMs: an eSpeak process idle this long is stopped (0 = never). */
  speech: { poolSize: number; idleMs: number; openai: OpenAiSpeechSettings | undefined };
}

export interface HttpLimits {
  /** From connection (or the previous request) to the end of the request headers. */
  headersTimeoutMs: number;
  /** From the end of the headers to the end of an operation's JSON body. */
  bodyTimeoutMs: number;
  /** A whole request, headers and body (presigned uploads included). */
  requestTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed. */
  idleTimeoutMs: number;
  /** Bytes of bodies held across all requests whose signature is not checked yet. */
  unverifiedBodyBytes: number;
}

export interface OpenAiSpeechSettings {
  url: string;
  apiKey: string | undefined;
  model: string;
  /** Doppel voice name (VoiceSpec.params.voice) → the endpoint's voice. */
  voices: Record<string, string>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export type ConfigOverrides = Partial<
  Pick<Config, 'host' | 'port' | 'dataDir' | 'role' | 'apiProcesses' | 'auth' | 'logLevel'>
>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads `env` (normally process.env) into a frozen Config, collecting every invalid value before failing. */
export function loadConfig(env: NodeJS.ProcessEnv, overrides: ConfigOverrides = {}): Readonly<Config> {
  const problems: string[] = [];
  const str = (name: string, fallback?: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? fallback : v;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}=${JSON.stringify(raw)} must be an integer between ${min} and ${max}`);
      return fallback;
    }
    return n;
  };
  const fraction = (name: string): number | undefined => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0 || n > 1) {
      problems.push(`${name}=${JSON.stringify(raw)} must be a number between 0 and 1`);
      return undefined;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    problems.push(`${name}=${JSON.stringify(raw)} must be true or false`);
    return fallback;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name}=${JSON.stringify(raw)} must be one of ${allowed.join(', ')}`);
      return fallback;
    }
    return raw as T;
  };
  const url = (name: string, protocols: string[]): string | undefined => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
      return raw;
    } catch {
      problems.push(`${name} must be a ${protocols.join(' or ')} URL`);
      return undefined;
    }
  };

  const host = overrides.host ?? str('DOPPEL_HOST', '127.0.0.1')!;
  const port = overrides.port ?? int('DOPPEL_PORT', 8080, 0, 65535);
  const dataDir = path.resolve(overrides.dataDir ?? str('DOPPEL_DATA_DIR', './data')!);
  const role = overrides.role ?? oneOf<Role>('DOPPEL_ROLE', ['all', 'api', 'worker'], 'all');
  const auth = overrides.auth ?? oneOf<AuthMode>('DOPPEL_AUTH', ['strict', 'loose'], 'strict');
  const region = oneOf<Region>('DOPPEL_REGION', REGIONS, 'cn-north-4');
  const logLevel = overrides.logLevel ?? oneOf('DOPPEL_LOG_LEVEL', LOG_LEVELS, 'info');

  const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const publicUrl = (url('DOPPEL_PUBLIC_URL', ['http:', 'https:']) ?? `http://${publicHost}:${port}`).replace(
    /\/+$/,
    '',
  );

  let masterKey: Buffer | undefined;
  const rawKey = str('DOPPEL_MASTER_KEY');
  if (rawKey !== undefined) {
    masterKey = /^[0-9a-f]{64}$/i.test(rawKey) ? Buffer.from(rawKey, 'hex') : Buffer.from(rawKey, 'base64');
    if (masterKey.length !== 32) {
      problems.push('DOPPEL_MASTER_KEY must be 32 bytes, as 64 hex characters or base64');
      masterKey = undefined;
    }
  }

  let s3: S3Config | undefined;
  const s3Endpoint = url('S3_ENDPOINT', ['http:', 'https:']);
  if (s3Endpoint !== undefined) {
    const need = (name: string) => {
      const v = str(name);
      if (v === undefined) problems.push(`${name} is required when S3_ENDPOINT is set`);
      return v ?? '';
    };
    s3 = {
      endpoint: s3Endpoint,
      region: str('S3_REGION', 'us-east-1')!,
      bucket: need('S3_BUCKET'),
      accessKeyId: need('S3_ACCESS_KEY_ID'),
      secretAccessKey: need('S3_SECRET_ACCESS_KEY'),
      forcePathStyle: bool('S3_FORCE_PATH_STYLE', true),
    };
  }

  let openai: OpenAiSpeechSettings | undefined;
  const openaiUrl = url('DOPPEL_TTS_OPENAI_URL', ['http:', 'https:']);
  if (openaiUrl !== undefined) {
    let voices: Record<string, string> = {};
    const rawVoices = str('DOPPEL_TTS_OPENAI_VOICES');
    if (rawVoices !== undefined) {
      try {
        const v: unknown = JSON.parse(rawVoices);
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
        if (!Object.values(v).every((x) => typeof x === 'string')) throw new Error('values must be strings');
        voices = v as Record<string, string>;
      } catch {
        problems.push('DOPPEL_TTS_OPENAI_VOICES must be a JSON object of voice name → endpoint voice name');
      }
    }
    openai = {
      url: openaiUrl.replace(/\/+$/, ''),
      apiKey: str('DOPPEL_TTS_OPENAI_KEY'),
      model: str('DOPPEL_TTS_OPENAI_MODEL', 'tts-1')!,
      voices,
    };
  }

  let neuralRenderer: NeuralRendererSettings | undefined;
  const neuralUrl = url('DOPPEL_NEURAL_RENDERER_URL', ['http:', 'https:']);
  if (neuralUrl !== undefined) {
    neuralRenderer = {
      url: neuralUrl.replace(/\/+$/, ''),
      token: str('DOPPEL_NEURAL_RENDERER_TOKEN'),
      fallback: oneOf('DOPPEL_NEURAL_RENDERER_FALLBACK', ['builtin', 'fail'] as const, 'builtin'),
      timeoutMs: int('DOPPEL_NEURAL_RENDERER_TIMEOUT_MS', 600_000, 1_000, 24 * 3_600_000),
      pollMs: int('DOPPEL_NEURAL_RENDERER_POLL_MS', 1_000, 50, 60_000),
      maxVideoBytes: int(
        'DOPPEL_NEURAL_RENDERER_MAX_VIDEO_BYTES',
        2 * 1024 ** 3,
        1024,
        Number.MAX_SAFE_INTEGER,
      ),
    };
  }

  const embeddingsUrl = url('DOPPEL_EMBEDDINGS_URL', ['http:', 'https:']);
  const knowledge: KnowledgeSettings = {
    threshold: fraction('DOPPEL_KB_THRESHOLD'),
    embeddings:
      embeddingsUrl === undefined
        ? undefined
        : {
            url: embeddingsUrl.replace(/\/+$/, ''),
            apiKey: str('DOPPEL_EMBEDDINGS_KEY'),
            model: str('DOPPEL_EMBEDDINGS_MODEL', 'text-embedding-3-small')!,
            timeoutMs: int('DOPPEL_EMBEDDINGS_TIMEOUT_MS', 10_000, 100, 600_000),
            blend: fraction('DOPPEL_EMBEDDINGS_BLEND') ?? 0.5,
          },
  };

  let faults = NO_FAULTS;
  try {
    faults = parseFaults(str('DOPPEL_FAULTS'), bool('DOPPEL_FAULT_HEADER', false));
  } catch (e) {
    problems.push(`DOPPEL_FAULTS: ${(e as Error).message}`);
  }

  let voiceCloning: VoiceCloningSettings | undefined;
  const cloningUrl = url('DOPPEL_VOICE_CLONING_URL', ['http:', 'https:']);
  if (cloningUrl !== undefined) {
    if (new URL(cloningUrl).username || new URL(cloningUrl).password)
      problems.push('DOPPEL_VOICE_CLONING_URL must not carry credentials (use DOPPEL_VOICE_CLONING_TOKEN)');
    voiceCloning = {
      url: cloningUrl.replace(/\/+$/, ''),
      token: str('DOPPEL_VOICE_CLONING_TOKEN'),
      timeoutMs: int('DOPPEL_VOICE_CLONING_TIMEOUT_MS', 1_800_000, 1_000, 24 * 3_600_000),
    };
  }

  const asrUrl = url('DOPPEL_ASR_URL', ['http:', 'https:']);
  if (asrUrl !== undefined && (new URL(asrUrl).username || new URL(asrUrl).password))
    problems.push('DOPPEL_ASR_URL must not carry credentials (use DOPPEL_ASR_TOKEN)');
  const dialog: DialogSettings = {
    socketIdleMs: int('DOPPEL_CHAT_IDLE_MS', 60_000, 1_000, 3_600_000),
    defaultMuteMs: int('DOPPEL_CHAT_MUTE_MS', 300_000, 1_000, 86_400_000),
    iceAddresses: iceAddresses(str('DOPPEL_DIALOG_ICE_ADDRESSES'), publicUrl, problems),
    asr: asrUrl
      ? {
          url: asrUrl,
          token: str('DOPPEL_ASR_TOKEN'),
          model: str('DOPPEL_ASR_MODEL') ?? 'whisper-1',
          timeoutMs: int('DOPPEL_ASR_TIMEOUT_MS', 30_000, 1_000, 600_000),
        }
      : undefined,
  };

  const bodyLimitBytes = int('DOPPEL_BODY_LIMIT_BYTES', 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024);
  const unverifiedBodyBytes = int(
    'DOPPEL_UNVERIFIED_BODY_BYTES',
    Math.max(64 * 1024 * 1024, bodyLimitBytes),
    1024,
    Number.MAX_SAFE_INTEGER,
  );
  if (unverifiedBodyBytes < bodyLimitBytes) {
    problems.push('DOPPEL_UNVERIFIED_BODY_BYTES must be at least DOPPEL_BODY_LIMIT_BYTES');
  }
  const headersTimeoutMs = int('DOPPEL_HEADERS_TIMEOUT_MS', 20_000, 100, 600_000);
  const requestTimeoutMs = int('DOPPEL_REQUEST_TIMEOUT_MS', 3_600_000, 1_000, 24 * 3_600_000);
  // Node refuses a headers timeout longer than the request timeout.
  if (headersTimeoutMs > requestTimeoutMs) {
    problems.push('DOPPEL_HEADERS_TIMEOUT_MS must not exceed DOPPEL_REQUEST_TIMEOUT_MS');
  }

  const config: Config = {
    host,
    port,
    publicUrl,
    dataDir,
    role,
    apiProcesses: overrides.apiProcesses ?? int('DOPPEL_API_PROCESSES', 1, 1, 64),
    auth,
    region,
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    s3,
    masterKey,
    media: {
      ffmpegPath: str('FFMPEG_PATH'),
      ffprobePath: str('FFPROBE_PATH'),
      searchPath: env.PATH ?? '',
      tools: oneOf('DOPPEL_MEDIA_TOOLS', MEDIA_TOOL_MODES, 'auto'),
    },
    logLevel,
    bodyLimitBytes,
    http: {
      headersTimeoutMs,
      bodyTimeoutMs: int('DOPPEL_BODY_TIMEOUT_MS', 30_000, 100, 3_600_000),
      requestTimeoutMs,
      idleTimeoutMs: int('DOPPEL_IDLE_TIMEOUT_MS', 120_000, 100, 3_600_000),
      unverifiedBodyBytes,
    },
    authFailures: {
      free: int('DOPPEL_AUTH_FAILURES', 10, 1, 1_000_000),
      maxBlockMs: int('DOPPEL_AUTH_BACKOFF_MAX_MS', 15 * 60_000, 1_000, 24 * 3_600_000),
    },
    throttle: {
      enabled: bool('DOPPEL_THROTTLE', true),
      defaultRps: int('DOPPEL_THROTTLE_DEFAULT_RPS', 20, 1, 1_000_000),
    },
    jobs: {
      concurrency: int('DOPPEL_JOB_CONCURRENCY', Math.max(1, os.availableParallelism()), 1, 256),
      leaseMs: int('DOPPEL_JOB_LEASE_MS', 30_000, 1_000, 3_600_000),
      pollMs: int('DOPPEL_JOB_POLL_MS', 1_000, 10, 60_000),
      shutdownGraceMs: int('DOPPEL_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    },
    allowPrivateFetch: bool('DOPPEL_ALLOW_PRIVATE_FETCH', false),
    quotas: oneOf('DOPPEL_QUOTAS', ['off', 'enforce'] as const, 'off'),
    neuralRenderer,
    voiceCloning,
    dialog,
    knowledge,
    faults,
    modelingReview: oneOf('DOPPEL_MODELING_REVIEW', ['auto', 'manual'] as const, 'auto'),
    renderConcurrency: int(
      'DOPPEL_RENDER_CONCURRENCY',
      Math.max(1, Math.floor(os.availableParallelism() / 2)),
      1,
      64,
    ),
    speech: {
      poolSize: int('DOPPEL_TTS_POOL_SIZE', Math.max(1, os.availableParallelism()), 1, 256),
      idleMs: int('DOPPEL_TTS_IDLE_SECONDS', 60, 0, 86_400) * 1000,
      openai,
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/**
 * WebRTC host candidates: DOPPEL_DIALOG_ICE_ADDRESSES (comma-separated IPv4/IPv6 literals),
 * else 127.0.0.1 plus the public URL's host when that is an address.
 */
function iceAddresses(raw: string | undefined, publicUrl: string, problems: string[]): string[] {
  if (raw !== undefined) {
    const list = raw
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    for (const a of list)
      if (!net.isIP(a)) problems.push(`DOPPEL_DIALOG_ICE_ADDRESSES: ${a} is not an IP address`);
    return list;
  }
  const host = new URL(publicUrl).hostname.replace(/^\[|\]$/g, '');
  return net.isIP(host) && host !== '127.0.0.1' ? ['127.0.0.1', host] : ['127.0.0.1'];
}
