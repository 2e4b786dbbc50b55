// The voice measurements on synthetic signals whose answers are known: pitch of pure and
// harmonic tones (YIN), no pitch in noise or silence, levels, clipping, SNR and text units.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateF0, quantile, summarisePitch } from '../../src/engines/voice-analysis/f0.ts';
import { measureSignal, spokenUnits } from '../../src/engines/voice-analysis/signal.ts';

const RATE = 22_050;

function tone(hz: (t: number) => number, seconds: number, opts: { harmonics?: number; amp?: number } = {}) {
  const n = Math.round(seconds * RATE);
  const out = new Int16Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    phase += (2 * Math.PI * hz(i / RATE)) / RATE;
    let v = 0;
    const h = opts.harmonics ?? 1;
    // Harmonics falling off as 1/k, with a weak fundamental: the octave trap YIN must avoid.
    for (let k = 1; k <= h; k++) v += (k === 1 && h > 1 ? 0.3 : 1 / k) * Math.sin(k * phase);
    out[i] = Math.max(
      -32768,
      Math.min(32767, Math.round((opts.amp ?? 0.5) * 32767 * (v / Math.max(1, h / 2)))),
    );
  }
  return out;
}

function noise(seconds: number, amp: number, seed = 1): Int16Array {
  let s = seed;
  const rnd = () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31 - 0.5;
  };
  return Int16Array.from({ length: Math.round(seconds * RATE) }, () => Math.round(rnd() * 2 * amp * 32767));
}

describe('YIN pitch estimation', () => {
  for (const hz of [80, 120, 220, 330, 450]) {
    it(`finds ${hz} Hz in a pure tone within 1 %`, () => {
      const s = summarisePitch(
        estimateF0(
          tone(() => hz, 0.5),
          RATE,
        ),
      );
      assert.ok(s, 'voiced');
      assert.ok(Math.abs(s.medianHz - hz) / hz < 0.01, `got ${s.medianHz}`);
    });
  }

  it('finds the fundamental of a harmonic tone whose fundamental is weak (no octave error)', () => {
    for (const hz of [100, 180, 260]) {
      const s = summarisePitch(
        estimateF0(
          tone(() => hz, 0.5, { harmonics: 8 }),
          RATE,
        ),
      );
      assert.ok(s && Math.abs(s.medianHz - hz) / hz < 0.02, `${hz}: got ${s?.medianHz}`);
    }
  });

  it('follows a glide and reports its range', () => {
    // 150 → 300 Hz over one second: an octave, so p10–p90 spans about 0.8 of 12 semitones.
    const s = summarisePitch(
      estimateF0(
        tone((t) => 150 * 2 ** t, 1),
        RATE,
      ),
    );
    assert.ok(s);
    assert.ok(Math.abs(s.medianHz - 150 * Math.SQRT2) < 6, `median ${s.medianHz}`);
    assert.ok(s.rangeSemitones > 8 && s.rangeSemitones < 11, `range ${s.rangeSemitones}`);
  });

  it('calls silence and white noise unvoiced', () => {
    assert.equal(summarisePitch(estimateF0(new Int16Array(RATE), RATE)), undefined);
    const f = estimateF0(noise(0.5, 0.3), RATE);
    assert.ok(f.filter((x) => x.hz > 0).length < f.length * 0.1, 'mostly unvoiced');
  });

  it('quantile interpolates', () => {
    assert.equal(quantile([1, 2, 3, 4, 5], 0.5), 3);
    assert.equal(quantile([0, 10], 0.25), 2.5);
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });
});

describe('signal measurements', () => {
  it('measures speech span, level and SNR of a tone between silences over light noise', () => {
    const quiet = noise(0.5, 0.001, 7);
    const loud = tone(() => 200, 1, { amp: 0.3 });
    const x = new Int16Array(quiet.length * 2 + loud.length);
    x.set(quiet, 0);
    for (let i = 0; i < loud.length; i++) x[quiet.length + i] = loud[i]! + (quiet[i % quiet.length] ?? 0);
    x.set(quiet, quiet.length + loud.length);
    const m = measureSignal(x, RATE);
    assert.ok(Math.abs(m.durationMs - 2000) < 1);
    assert.ok(Math.abs(m.speechMs - 1000) <= 40, `speech ${m.speechMs}`);
    // A sine of amplitude 0.3 has an RMS of 0.3/√2: −13.5 dBFS.
    assert.ok(Math.abs(m.speechDb + 13.5) < 0.5, `speech dB ${m.speechDb}`);
    assert.ok(m.snrDb > 40 && m.snrDb < 70, `snr ${m.snrDb}`);
    assert.equal(m.clippedRatio, 0);
  });

  it('counts clipping and finds a noisy recording noisy', () => {
    const clipped = tone(() => 200, 0.5, { amp: 2 });
    const c = measureSignal(clipped, RATE);
    assert.ok(c.clippedRatio > 0.2 && c.longestClipRun > 10, `clip ${c.clippedRatio}`);
    const hiss = noise(1, 0.05, 3);
    const noisy = tone(() => 200, 1, { amp: 0.1 }).map((v, i) => v + hiss[i]!);
    assert.ok(measureSignal(noisy, RATE).snrDb < 15);
  });

  it('counts spoken units: Han characters, vowel groups of Latin words, digits', () => {
    assert.equal(spokenUnits('大家好'), 3);
    assert.equal(spokenUnits('Hello world'), 3);
    assert.equal(spokenUnits('Room 42, 你好!'), 5);
    assert.equal(spokenUnits('…'), 0);
  });
});
