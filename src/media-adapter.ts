// Adapts core/media (ffprobe/ffmpeg) to the asset module's narrow media port.
// PLACEHOLDER until core/media lands in this session: every call fails loudly.
import type { Config } from './config.ts';
import type { AssetsMedia } from './modules/assets/index.ts';

export function createAssetsMedia(_cfg: Config['media'], _opts: { tmpDir: string }): AssetsMedia {
  const missing = async (): Promise<never> => {
    throw new Error('media tooling is not wired yet');
  };
  return { inspect: missing, makeCover: missing };
}
