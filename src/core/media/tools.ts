// Which ffmpeg and ffprobe Doppel runs. In `auto` mode (the default): explicit FFMPEG_PATH /
// FFPROBE_PATH, then the binary on PATH, then the static ffmpeg shipped by
// @ffmpeg-installer/ffmpeg (which has no ffprobe, so everything must work with ffmpeg alone).
// DOPPEL_MEDIA_TOOLS=bundled takes only that npm build, the way a fresh machine runs (CI runs
// the suite a second time so); `system` never falls back to it. The environment itself is read
// by src/config.ts; this module only gets the few values it needs.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { MediaError } from './errors.ts';
import { runTool } from './run.ts';

export type ToolSource = 'env' | 'path' | 'npm';

export interface MediaTool {
  path: string;
  source: ToolSource;
}

export interface MediaTools {
  ffmpeg: MediaTool;
  /** Absent when only the npm fallback is there; probing then parses `ffmpeg -i`. */
  ffprobe?: MediaTool;
}

export const MEDIA_TOOL_MODES = ['auto', 'bundled', 'system'] as const;
export type MediaToolMode = (typeof MEDIA_TOOL_MODES)[number];

/** The slice of the environment the resolver needs (config.ts passes it through). */
export interface MediaToolsConfig {
  FFMPEG_PATH?: string;
  FFPROBE_PATH?: string;
  PATH?: string;
  /** `auto` (default), `bundled` or `system`; config.ts has validated it. */
  DOPPEL_MEDIA_TOOLS?: string;
}

/** The mode a config slice asks for; anything unknown is refused (config.ts says so at start). */
export function mediaToolMode(env: Pick<MediaToolsConfig, 'DOPPEL_MEDIA_TOOLS'>): MediaToolMode {
  const v = env.DOPPEL_MEDIA_TOOLS?.trim() || 'auto';
  if (!(MEDIA_TOOL_MODES as readonly string[]).includes(v))
    throw new MediaError('TOOL_MISSING', `DOPPEL_MEDIA_TOOLS=${v}: expected ${MEDIA_TOOL_MODES.join(', ')}`);
  return v as MediaToolMode;
}

/** The file-system facts the resolver depends on, replaceable in unit tests. */
export interface ResolveProbes {
  isExecutable(file: string): boolean;
  /** The npm-shipped ffmpeg, or undefined when the package has no binary for this platform. */
  npmFfmpeg(): string | undefined;
  platform: NodeJS.Platform;
}

const require = createRequire(import.meta.url);

export const systemProbes: ResolveProbes = {
  isExecutable(file) {
    try {
      if (!fs.statSync(file).isFile()) return false;
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  npmFfmpeg() {
    try {
      // The package throws a plain string on unsupported platforms, hence the bare catch.
      const p = (require('@ffmpeg-installer/ffmpeg') as { path?: unknown }).path;
      return typeof p === 'string' ? p : undefined;
    } catch {
      return undefined;
    }
  },
  platform: process.platform,
};

/**
 * Resolves the tools. A configured path that does not work is an error rather than a reason to
 * fall through: an operator who set FFMPEG_PATH wants that binary, not a silent substitute.
 */
export function resolveMediaTools(env: MediaToolsConfig, probes: ResolveProbes = systemProbes): MediaTools {
  const fromEnv = (name: 'FFMPEG_PATH' | 'FFPROBE_PATH'): MediaTool | undefined => {
    const value = env[name]?.trim();
    if (!value) return undefined;
    if (!probes.isExecutable(value)) {
      throw new MediaError('TOOL_MISSING', `${name}=${value} is not an executable file`);
    }
    return { path: value, source: 'env' };
  };
  const onPath = (bin: string): MediaTool | undefined => {
    const names = probes.platform === 'win32' ? [`${bin}.exe`, bin] : [bin];
    const { delimiter, join } = probes.platform === 'win32' ? path.win32 : path.posix;
    for (const dir of (env.PATH ?? '').split(delimiter)) {
      // An empty PATH entry means the working directory; a server should not run binaries from there.
      if (!dir) continue;
      for (const n of names) {
        const candidate = join(dir, n);
        if (probes.isExecutable(candidate)) return { path: candidate, source: 'path' };
      }
    }
    return undefined;
  };

  const npm = (): MediaTool | undefined => {
    const p = probes.npmFfmpeg();
    return p && probes.isExecutable(p) ? { path: p, source: 'npm' } : undefined;
  };
  const mode = mediaToolMode(env);
  if (mode === 'bundled') {
    const bundled = npm();
    if (!bundled)
      throw new MediaError(
        'TOOL_MISSING',
        'DOPPEL_MEDIA_TOOLS=bundled, but @ffmpeg-installer/ffmpeg has no ffmpeg for this platform',
      );
    return { ffmpeg: bundled };
  }
  const ffmpeg = fromEnv('FFMPEG_PATH') ?? onPath('ffmpeg') ?? (mode === 'auto' ? npm() : undefined);
  if (!ffmpeg) {
    throw new MediaError(
      'TOOL_MISSING',
      mode === 'system'
        ? 'DOPPEL_MEDIA_TOOLS=system, but no ffmpeg found: set FFMPEG_PATH or put ffmpeg on PATH (e.g. apt-get install ffmpeg)'
        : 'no ffmpeg found: set FFMPEG_PATH, put ffmpeg on PATH, or install @ffmpeg-installer/ffmpeg',
    );
  }
  const ffprobe = fromEnv('FFPROBE_PATH') ?? onPath('ffprobe');
  return ffprobe ? { ffmpeg, ffprobe } : { ffmpeg };
}

/** `ffmpeg version 5.1.9-0+deb12u1 Copyright…` → `5.1.9-0+deb12u1`. */
export function parseVersion(versionOutput: string): string | undefined {
  return /^\S+ version (\S+)/m.exec(versionOutput)?.[1];
}

export interface ToolDescription extends MediaTool {
  version?: string;
}

export interface MediaToolsDescription {
  ffmpeg: ToolDescription;
  ffprobe?: ToolDescription;
  /** One line for the start-up log. */
  line: string;
}

/** Runs `-version` on each tool once, for the start-up log line. */
export async function describeMediaTools(
  tools: MediaTools,
  opts: { signal?: AbortSignal } = {},
): Promise<MediaToolsDescription> {
  const one = async (tool: MediaTool): Promise<ToolDescription> => {
    try {
      const r = await runTool(tool.path, ['-hide_banner', '-version'], { ...opts, timeoutMs: 10_000 });
      return { ...tool, version: parseVersion(r.stdout) };
    } catch {
      // A broken binary is reported by the first real job; the log line just says "unknown".
      return { ...tool };
    }
  };
  const ffmpeg = await one(tools.ffmpeg);
  const ffprobe = tools.ffprobe && (await one(tools.ffprobe));
  const origin = { env: 'from FFMPEG_PATH/FFPROBE_PATH', path: 'from PATH', npm: 'npm fallback' };
  const show = (name: string, t: ToolDescription): string =>
    `${name} ${t.version ?? '(version unknown)'} (${origin[t.source]}: ${t.path})`;
  const line = [
    show('ffmpeg', ffmpeg),
    ffprobe ? show('ffprobe', ffprobe) : 'no ffprobe (probing parses `ffmpeg -i`)',
  ].join('; ');
  return ffprobe ? { ffmpeg, ffprobe, line } : { ffmpeg, line };
}
