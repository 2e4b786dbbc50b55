// How a TEXT scene is spoken: the one path shared by the video render and the subtitle-file
// job, so a downloaded SRT, the burned subtitles and the lips come from the same timings.
import type { SpeechService } from '../../engines/speech/index.ts';
import { parseSpeechInput } from '../../engines/speech/ssml.ts';
import type { Prosody, Synthesis, VocabularyEntry, VoiceSpec } from '../../engines/speech/types.ts';
import { applyVocabulary } from '../../engines/speech/vocabulary.ts';
import { MAX_SCENE_TEXT } from '../video-scripts/video-scripts.rules.ts';

export async function speakScene(
  speech: SpeechService,
  s: {
    text: string;
    voice: VoiceSpec;
    prosody: Prosody;
    vocabulary: VocabularyEntry[];
    signal?: AbortSignal;
  },
): Promise<{ synthesis: Synthesis; original: string }> {
  let script = parseSpeechInput(s.text, { maxChars: MAX_SCENE_TEXT, language: s.voice.language });
  if (s.vocabulary.length) script = applyVocabulary(script, s.vocabulary, { language: s.voice.language });
  const synthesis = await speech.synthesizeAll({
    script,
    voice: s.voice,
    prosody: s.prosody,
    ...(s.signal ? { signal: s.signal } : {}),
  });
  return { synthesis, original: script.original };
}
