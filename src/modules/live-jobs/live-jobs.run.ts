// One running live job in this process: drives a LiveStream from the job's scene scripts
// (rounds, repeat_count, random order from the second round), takes replies (commands, rules),
// and knows when live_exit_config or the end of the script ends it. The job task (live-jobs.jobs)
// makes it, watches it and ends the row; commands (live-jobs.commands) act on it in process.
import path from 'node:path';
import { phonemesFromPcm } from '../../engines/render/index.ts';
import { parseSpeechInput } from '../../engines/speech/ssml.ts';
import {
  audioClips,
  LiveStream,
  type PlayMode,
  type SpeechItem,
  type StreamEvent,
  speechClips,
} from '../../engines/stream/index.ts';
import { type LiveInteractionRule, type LiveSceneScript, replyPlayType } from '../live/index.ts';
import { paragraphRecording, RecordedAudio } from './live-audio.ts';
import { interactionCallbackOf, layerFinishedOf, liveCallbackOf } from './live-callbacks.rules.ts';
import { type LiveEventIn, RuleState } from './live-events.rules.ts';
import { HostRotation } from './live-hosts.ts';
import { LiveJobCodes } from './live-jobs.errors.ts';
import { exitsAt, type ScriptPosition, type ScriptStep, stepAt } from './live-jobs.rules.ts';
import {
  type LiveJobConfig,
  pushUrl,
  type RunEnd,
  type RunOptions,
  type Said,
} from './live-jobs.run-types.ts';
import { DEFAULT_LAYER_SECONDS, LayerBoard, layerBox, preparePicture } from './live-layers.ts';

export type { LiveJobConfig, RunEnd, RunOptions, RunVoices, Said } from './live-jobs.run-types.ts';
export { pushUrl } from './live-jobs.run-types.ts';

export class LiveRun {
  stream!: LiveStream<Said>;
  config: LiveJobConfig;
  /** The paragraph to pull next, and where the last started paragraph was (for resume). */
  private cursor: ScriptPosition;
  playedPosition: ScriptPosition;
  private scriptDone = false;
  private exitDue = false;
  private readonly ended: Promise<RunEnd>;
  private end!: (e: RunEnd) => void;
  private lastEnded: ScriptStep | undefined;
  private replySeq = 0;
  readonly events: StreamEvent<Said>[] = [];
  /** The interaction rules' windows and counters for this live. */
  readonly rules: RuleState;
  /** The script's recorded paragraphs, decoded once for every round. */
  private readonly recorded: RecordedAudio;
  private prefetching: Promise<void> = Promise.resolve();
  /** The run has ended (the job is stopping): no more prefetching. */
  private over = false;
  /** backup_model_asset_ids: the hosts the rounds rotate through. */
  private hosts: HostRotation | undefined;
  /** The pictures over the avatar (products, SHOW_LAYER). */
  private layers: LayerBoard | undefined;

  constructor(private readonly opts: RunOptions) {
    this.config = opts.config;
    this.rules = new RuleState(opts.config.interaction_rules);
    this.recorded = new RecordedAudio(opts.deps, opts.projectId, path.join(opts.dir, 'recorded'));
    this.cursor = opts.position ?? { round: 0, step: 0 };
    this.playedPosition = this.cursor;
    this.ended = new Promise((r) => {
      this.end = r;
    });
    void this.ended.then(() => {
      this.over = true;
      this.hosts?.stop();
      this.layers?.stop();
    });
  }

  async start(): Promise<void> {
    const { deps, config, avatar } = this.opts;
    const url = config.output_urls[0];
    const key = config.stream_keys[0];
    const rtmpUrl = url ? pushUrl(url, key) : undefined;
    this.stream = await LiveStream.start<Said>({
      tools: deps.mediaTools(),
      avatar,
      width: config.video_config.width,
      height: config.video_config.height,
      bitrateKbps: config.video_config.bitrate,
      background: this.opts.background,
      dir: this.opts.dir,
      ...(rtmpUrl ? { rtmpUrl } : {}),
      seed: this.opts.seed,
      preset: 'ultrafast',
      synthesize: (item, signal) => {
        const audio = item.payload.audio;
        if (audio) return toAsync(audioClips(avatar, audio, phonemesFromPcm));
        const recording = item.payload.recording;
        // One that cannot be fetched or decoded fails the job (the unusable-input code).
        if (recording)
          return this.recorded.clips(recording, avatar, (error) =>
            this.end({ kind: 'failed', error, code: LiveJobCodes.inputUnusable }),
          );
        const { voice, prosody } = this.opts.voices.of(item.payload.scene);
        return speechClips(deps.speech, avatar, {
          script: parseSpeechInput(item.payload.text, { maxChars: 131_072, language: voice.language }),
          voice,
          prosody,
          signal,
        });
      },
      nextScript: () => this.nextScript(),
      onEvent: (e) => this.onEvent(e),
    });
    this.prefetchRecordings();
    this.layers = new LayerBoard((l) => this.stream.setLayers(l));
    this.hosts = new HostRotation(
      this.stream,
      this.config.scene_scripts[0]?.model_asset_id ?? '',
      this.opts.backups ?? [],
      (assetId, err) =>
        this.opts.deps.logger.warn(
          { jobId: this.opts.jobId, assetId, err },
          'a backup host could not be prepared: its rounds keep the host on screen',
        ),
    );
    void this.stream.finished.then((r) => {
      if (r.error) this.end({ kind: 'failed', error: r.error });
    });
  }

  /** Recordings are decoded ahead, one after another, so none waits for its download when due. */
  private prefetchRecordings(): void {
    if (!this.scripted) return;
    const recs = this.config.scene_scripts.flatMap((scene, i) =>
      scene.shoot_scripts.flatMap(
        (p, j) => paragraphRecording(p, this.config.play_policy.play_mode, i, j) ?? [],
      ),
    );
    const previous = this.prefetching;
    this.prefetching = previous.then(() => this.recorded.prefetch(recs, () => this.over));
  }

  /** The model_asset_id of the host on screen. */
  get hostAssetId(): string | undefined {
    return this.hosts?.assetId;
  }

  get jobId(): string {
    return this.opts.jobId;
  }

  /** Resolves when the job should end (stop, exit config, script over, encoder gone). */
  get done(): Promise<RunEnd> {
    return this.ended;
  }

  stop(): void {
    this.end({ kind: 'stopped' });
  }

  /** Checked by the task once a second: the max duration reached ends the job (FORCE_EXIT now). */
  checkExit(now: Date): void {
    const exit = this.config.play_policy.live_exit_config;
    if (exit.max_live_duration <= 0) return;
    const since = this.config.exit_since ? new Date(this.config.exit_since) : this.opts.startedAt;
    if (now.getTime() < since.getTime() + exit.max_live_duration * 3_600_000) return;
    this.exitDue = true;
    if (exitsAt(exit.auto_stop_mode, undefined)) this.end({ kind: 'exit' });
  }

  /** Whether the script plays at all (auto_play_script, play_mode NO_PRESET: replies only). */
  private get scripted(): boolean {
    const p = this.config.play_policy;
    return p.auto_play_script && p.play_mode !== 'NO_PRESET';
  }

  private nextScript(): SpeechItem<Said> | undefined {
    if (!this.scripted || this.exitDue) return undefined;
    const at = stepAt(this.config.scene_scripts, this.config.play_policy, this.cursor, this.opts.seed);
    if (!at) {
      this.scriptDone = true;
      return undefined;
    }
    const position = this.cursor;
    this.cursor = at.next;
    const recording = paragraphRecording(
      at.paragraph,
      this.config.play_policy.play_mode,
      at.step.scene,
      at.step.paragraph,
    );
    return {
      id: `script-${position.round}-${position.step}`,
      kind: 'script',
      payload: {
        text: at.paragraph.text_config?.text ?? '',
        scene: at.step.scene,
        step: at.step,
        position,
        ...(recording ? { recording } : {}),
      },
    };
  }

  /** Queues a reply (a command, a rule); the id names it in events and GET_CURRENT_PLAYING_SCRIPTS. */
  say(text: string, mode: PlayMode, source: string, audio?: Said['audio']): string {
    const id = `reply-${++this.replySeq}`;
    const scene = this.stream.nowPlaying()?.item.payload.scene ?? 0;
    this.stream.say(
      { id, kind: 'reply', payload: { text, scene, source, ...(audio ? { audio } : {}) } },
      mode,
    );
    return id;
  }

  /** REWRITE_INTERACTION_RULES: new rules with fresh windows. */
  rewriteRules(rules: LiveInteractionRule[]): void {
    this.config = { ...this.config, interaction_rules: rules };
    this.rules.replace(rules);
  }

  /**
   * Reported audience events, in order: each one may fire one rule, whose reply goes into the
   * play queue (its play_type). Returns the rules that fired and the replies queued.
   */
  report(events: LiveEventIn[]): Array<{ rule_index: string; reply_id?: string }> {
    const out: Array<{ rule_index: string; reply_id?: string }> = [];
    for (const e of events) {
      const scene = this.stream.nowPlaying()?.item.payload.scene;
      const name = scene === undefined ? undefined : this.config.scene_scripts[scene]?.script_name;
      const hit = this.rules.evaluate(e, name);
      if (!hit) continue;
      const rule = hit.rule as LiveInteractionRule;
      if (rule.trigger.reply_mode === 'INTELLIGENT_REPLY') {
        // The robot answers the comment; the answer is said when it is complete.
        this.askRobot(rule, hit.ruleIndex, e);
        out.push({ rule_index: hit.ruleIndex });
        continue;
      }
      const mode = rule.trigger.reply_mode;
      const replyId = hit.replyText
        ? this.say(hit.replyText, replyPlayType(rule, undefined), `rule:${hit.ruleIndex}`)
        : mode === 'SHOW_LAYER'
          ? this.showLayer(rule, hit.ruleIndex)
          : undefined;
      if (mode === 'CALLBACK' || mode === 'SYSTEM_REPLY_AND_CALLBACK')
        this.callBack(rule, hit.ruleIndex, e, name, replyId);
      out.push({ rule_index: hit.ruleIndex, ...(replyId ? { reply_id: replyId } : {}) });
    }
    return out;
  }

  /** A CALLBACK rule fired: its hit goes to the interaction receiver in the background. */
  private callBack(
    rule: LiveInteractionRule,
    ruleIndex: string,
    e: LiveEventIn,
    sceneName: string | undefined,
    replyId: string | undefined,
  ): void {
    const cb = this.opts.interaction;
    if (!cb) return;
    cb.sender.push(
      interactionCallbackOf(
        { ruleIndex, rule, event: e, ...(replyId ? { replyId } : {}) },
        {
          roomId: cb.roomId,
          jobId: this.opts.jobId,
          now: this.opts.deps.clock.now(),
          ...(sceneName !== undefined ? { sceneName } : {}),
        },
      ),
    );
  }

  /**
   * SHOW_LAYER: the rule's IMAGE layer is fetched and shown for its display_duration
   * (DEFAULT_LAYER_SECONDS when 0 or absent); REPLY_COMMAND_FINISH when it is taken down.
   */
  private showLayer(rule: LiveInteractionRule, ruleIndex: string): string {
    const id = `reply-${++this.replySeq}`;
    const l = rule.trigger.layer_config;
    const from = { ...(l?.asset_id ? { assetId: l.asset_id } : { url: l?.image_config?.image_url ?? '' }) };
    const dir = path.join(this.opts.dir, 'layers');
    const field = `interaction_rules[${ruleIndex}].trigger.layer_config`;
    void preparePicture(this.opts.deps, this.opts.projectId, from, dir, field)
      .then((image) => {
        if (this.over) return;
        const seconds = l?.image_config?.display_duration || DEFAULT_LAYER_SECONDS;
        this.layers?.show({ image, ...layerBox(l, this.config.video_config) }, seconds, () => {
          const cb = this.opts.callbacks;
          const now = this.opts.deps.clock.now();
          cb?.sender.push(layerFinishedOf({ roomId: cb.roomId, jobId: this.opts.jobId, now }, id, ruleIndex));
        });
      })
      .catch((err) =>
        this.opts.deps.logger.warn(
          { jobId: this.opts.jobId, ruleIndex, err: (err as Error).message },
          'layer not shown',
        ),
      );
    return id;
  }

  private askRobot(rule: LiveInteractionRule, ruleIndex: string, e: LiveEventIn): void {
    const ask = this.opts.askRobot;
    const robotId = rule.trigger.robot_id;
    const question = typeof e.content.content === 'string' ? e.content.content.trim() : '';
    if (!ask || !robotId || !question) return;
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), 30_000);
    void ask(robotId, question, ctrl.signal)
      .then((answer) => {
        if (answer) this.say(answer, replyPlayType(rule, undefined), `rule:${ruleIndex}`);
      })
      .catch((err) =>
        this.opts.deps.logger.warn(
          { jobId: this.opts.jobId, ruleIndex, err: (err as Error).message },
          'robot reply failed',
        ),
      )
      .finally(() => clearTimeout(timer));
  }

  /** The script is rewritten: queued paragraphs go and play resumes at the first paragraph. */
  rewriteScenes(scenes: LiveSceneScript[], delay: boolean): void {
    this.config = { ...this.config, scene_scripts: scenes };
    this.prefetchRecordings();
    if (delay) {
      // is_rewrite_delay: the new script starts with the next round.
      this.cursor = { round: this.cursor.round + 1, step: 0 };
      return;
    }
    this.stream.dropScript(true);
    this.cursor = { round: this.cursor.round, step: 0 };
    this.scriptDone = false;
  }

  private onEvent(e: StreamEvent<Said>): void {
    this.events.push(e);
    const cb = this.opts.callbacks;
    const body =
      cb &&
      liveCallbackOf(e, {
        roomId: cb.roomId,
        jobId: this.opts.jobId,
        scenes: this.config.scene_scripts,
        now: this.opts.deps.clock.now(),
      });
    if (body) cb.sender.push(body);
    if (this.events.length > 200) this.events.splice(0, 100);
    if (e.type === 'start' && e.item.kind === 'script' && e.item.payload.position) {
      this.playedPosition = e.item.payload.position;
      this.hosts?.rotate(e.item.payload.position.round);
      this.showProduct(e.item.payload.step);
    }
    if (e.type === 'end' && e.item.kind === 'script') {
      this.lastEnded = e.item.payload.step;
      const exit = this.config.play_policy.live_exit_config;
      if (this.exitDue && exitsAt(exit.auto_stop_mode, this.lastEnded)) this.end({ kind: 'exit' });
    }
    if (e.type === 'end' && (this.scriptDone || this.exitDue) && this.idle()) {
      this.end({ kind: this.exitDue ? 'exit' : 'script-end' });
    }
    if (e.type === 'failed') this.end({ kind: 'failed', error: e.error });
  }

  /** A paragraph starts: its relation_product's picture shows while it plays, or none. */
  private showProduct(step: ScriptStep | undefined): void {
    const para = step && this.config.scene_scripts[step.scene]?.shoot_scripts[step.paragraph];
    const id = para?.relation_product?.product_id;
    const image = id ? this.opts.products?.get(id) : undefined;
    this.layers?.setProduct(image ? { image, ...layerBox(undefined, this.config.video_config) } : undefined);
  }

  /** Nothing left to say: the queue is empty after the entry that just ended. */
  private idle(): boolean {
    return this.stream.queue.entries.length === 0;
  }

  /** Milliseconds the RTMP push has been connected. */
  streamedMs(): number {
    return this.stream?.stats().rtmp?.streamedMs ?? 0;
  }
}

async function* toAsync<T>(xs: Iterable<T>): AsyncIterable<T> {
  yield* xs;
}
