// The shapes a live run is made from (live-jobs.run.ts): the job's room snapshot, what the
// stream says, the run's options and how it ends.
import type { AvatarPackage } from '../../engines/render/index.ts';
import type { Prosody, VoiceSpec } from '../../engines/speech/types.ts';
import type { StreamBackground } from '../../engines/stream/index.ts';
import type { LiveInteractionRule, LivePlayPolicy, LiveSceneScript } from '../live/index.ts';
import type { ModuleDeps } from '../types.ts';
import type { AudioSource } from './live-audio.ts';
import type { LiveEventTarget } from './live-callbacks.rules.ts';
import type { LiveCallbackSender } from './live-callbacks.sender.ts';
import type { ScriptPosition, ScriptStep } from './live-jobs.rules.ts';

/** The room as the job streams it (a snapshot taken at start; REWRITE commands change it). */
export interface LiveJobConfig {
  scene_scripts: LiveSceneScript[];
  interaction_rules: LiveInteractionRule[];
  play_policy: LivePlayPolicy;
  video_config: { width: number; height: number; bitrate: number };
  output_urls: string[];
  stream_keys: string[];
  backup_model_asset_ids: string[];
  /** Set by RESET_EXIT_CONFIG: the exit deadline counts from then. */
  exit_since?: string;
  /** Where the job's event callbacks go (live_event_callback_config), if anywhere. */
  event_callback?: LiveEventTarget;
  /** Where CALLBACK rule hits go (StartSmartLive's interaction_callback_url), if anywhere. */
  interaction_callback?: LiveEventTarget;
}

/** The push target: the output URL with the stream key as its last path segment (ERRATA 69). */
export function pushUrl(url: string, key: string | undefined): string {
  const base = url.replace(/\/+$/, '');
  return key && !base.endsWith(`/${key}`) ? `${base}/${key}` : base;
}

export interface Said {
  text: string;
  /** INSERT_PLAY_AUDIO: the decoded recording (the lips follow its sound). */
  audio?: { samples: Int16Array; sampleRate: number };
  /** A recorded script paragraph (audio_config): fetched and decoded when it is prepared. */
  recording?: AudioSource & { field: string };
  /** The scene whose voice speaks (replies: the scene playing when they were queued). */
  scene: number;
  /** Script paragraphs: which step of which round. */
  step?: ScriptStep;
  position?: ScriptPosition;
  /** Replies: where they came from (a command id, a rule index). */
  source?: string;
}

export interface RunVoices {
  /** The voice and prosody of a scene (already resolved). */
  of(scene: number): { voice: VoiceSpec; prosody: Prosody };
}

export interface RunOptions {
  deps: ModuleDeps;
  projectId: string;
  jobId: string;
  config: LiveJobConfig;
  avatar: AvatarPackage;
  /** backup_model_asset_ids' hosts, loaded: round r shows host r mod (1 + backups) (ERRATA 86). */
  backups?: Array<{ assetId: string; avatar: AvatarPackage }>;
  background: StreamBackground;
  voices: RunVoices;
  dir: string;
  /** Where the script resumes (a job taken over after its worker died), else the start. */
  position?: ScriptPosition;
  /** When live_exit_config's clock started (the job's start time). */
  startedAt: Date;
  seed: number;
  /** The job's event callbacks (RTMP state, paragraph switch, finished replies). */
  callbacks?: { sender: LiveCallbackSender; roomId: string };
  /** CALLBACK rules: where their hits are POSTed (interaction_callback_url, ERRATA 100). */
  interaction?: { sender: LiveCallbackSender; roomId: string };
  /** relation_product: product id → its picture (PNG), loaded at the job's start. */
  products?: Map<string, string>;
  /** INTELLIGENT_REPLY: the robot's whole answer to a viewer's comment (ERRATA 62). */
  askRobot?: (robotId: string, question: string, signal: AbortSignal) => Promise<string>;
}

export type RunEnd =
  | { kind: 'stopped' | 'exit' | 'script-end' }
  /** `code`: the error_info code when it is not a stream failure (an unusable recording). */
  | { kind: 'failed'; error: string; code?: string };
