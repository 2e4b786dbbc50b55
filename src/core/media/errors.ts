// What can go wrong when Doppel looks at a media file. These are not HTTP errors: core/media
// knows no module, so the asset and file services decide what a MediaError means for them
// (usually: the file or asset goes FAILED with `reason` set from `err.reason`).

export type MediaErrorCode =
  /** No usable ffmpeg, or a configured FFMPEG_PATH / FFPROBE_PATH that is not executable. */
  | 'TOOL_MISSING'
  /** The file does not exist or cannot be read by this process. */
  | 'UNREADABLE'
  /** Zero bytes. */
  | 'EMPTY'
  /** ffmpeg could not open or decode it: truncated, corrupt, or not media at all. */
  | 'UNDECODABLE'
  /** It opened, but holds no audio or video stream we can use. */
  | 'NO_STREAMS'
  /** The bytes are a different format than the file name claims. */
  | 'MISLABELLED'
  /** The tool ran past its time limit and was killed. */
  | 'TIMEOUT'
  /** The caller's AbortSignal fired and the tool was killed. */
  | 'ABORTED'
  /** The tool failed for another reason (e.g. could not write the output). */
  | 'FAILED';

/** The contract's `reason` fields hold at most 256 characters. */
export const REASON_MAX = 256;

export class MediaError extends Error {
  /** Short, path-free text fit for an API `reason` field (≤ 256 characters). */
  readonly reason: string;

  constructor(
    readonly code: MediaErrorCode,
    reason: string,
    options?: { cause?: unknown; detail?: string },
  ) {
    const short = clampReason(reason);
    // The message may carry more (e.g. the tool's stderr tail) for logs; `reason` never does.
    super(options?.detail ? `${short}\n${options.detail}` : short, { cause: options?.cause });
    this.name = 'MediaError';
    this.reason = short;
  }
}

export const isMediaError = (e: unknown): e is MediaError => e instanceof MediaError;

export function clampReason(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > REASON_MAX ? `${one.slice(0, REASON_MAX - 1)}…` : one;
}

/**
 * Picks the lines of ffmpeg/ffprobe stderr that say what went wrong, for a `reason`.
 * The tools prefix lines with `[demuxer @ 0x55…]` and with the input path; both are noise to an
 * API client and the path leaks the server's layout, so both go.
 */
export function summarizeStderr(stderr: string, filePath?: string): string | undefined {
  const paths = filePath ? [`file:${filePath}`, filePath] : [];
  const lines = stderr
    .split(/\r?\n/)
    .map((raw) => {
      const tag = /^\s*\[[^\]]* @ 0x[0-9a-f]+\]\s*/i.exec(raw);
      let text = (tag ? raw.slice(tag[0].length) : raw).trim();
      for (const p of paths) text = text.split(p).join('input');
      return { text, tagged: tag !== null };
    })
    .filter(({ text }) => text !== '' && !/^(\{|\}|Consider increasing|At least one output file)/.test(text));
  // The last two error-looking lines: the cause ("moov atom not found") usually comes just before
  // ffmpeg's generic verdict ("input: Invalid data found when processing input"). Lines from a
  // demuxer or decoder (`[png @ 0x…] chunk too big`) count as error-looking by themselves.
  const errorish = /invalid|not found|error|unsupported|no such|could not|failed|corrupt|truncat|denied/i;
  const errors = lines.filter((l) => l.tagged || errorish.test(l.text)).map((l) => l.text);
  const picked = [...new Set(errors)].slice(-2);
  const pick = picked.length > 0 ? picked.join('; ') : lines.at(-1)?.text;
  return pick === undefined ? undefined : clampReason(pick);
}
