// Makes the three system 2D avatars (docs/avatar-package.md) in assets/avatars/<id>/, a zip of
// each package in assets/avatars/<id>.zip (the MAIN file of the HUMAN_MODEL_2D system asset,
// src/modules/assets/system-avatars.ts) and a contact sheet per avatar in docs/avatars/<id>.png.
//
//   node --import tsx scripts/make-avatars.ts
//
// Every layer is a crop of one SVG scene, rasterised by resvg: the base is the scene without
// mouth and eyes, each mouth/eye sprite is the scene with that shape drawn, cropped to the
// sprite's rectangle at its anchor. A sprite is thus pixel-identical to the base around the
// part that moves (skin gradients, glasses, brows): no seam. Prints the catalog's size/MD5s.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import { zipSync } from 'fflate';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = path.join(ROOT, 'assets/avatars');
const SHEETS = path.join(ROOT, 'docs/avatars');
const W = 1080;
const CX = 540;

type Viseme = 'sil' | 'PP' | 'FF' | 'aa' | 'E' | 'ih' | 'oh' | 'ou';
type EyeState = 'open' | 'half' | 'closed';
const VISEMES: Viseme[] = ['sil', 'PP', 'FF', 'aa', 'E', 'ih', 'oh', 'ou'];
const EYES: EyeState[] = ['open', 'half', 'closed'];

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Avatar {
  id: string;
  name: string;
  skin: { light: string; mid: string; shade: string; blush: string };
  lips: { upper: string; lower: string };
  iris: string;
  brow: string;
  hair: { base: string; light: string; dark: string };
  lashes: boolean;
  eyeY: number;
  eyeDX: number;
  mouthY: number;
  hairBack: (a: Avatar) => string;
  hairFront: (a: Avatar) => string;
  body: (a: Avatar) => string;
  extras?: (a: Avatar) => string; // over the face (glasses)
  ears?: (a: Avatar) => string;
  mouthRect: Rect;
  eyeRect: Rect;
  idle: { swayPx: number; breathPeriodSec: number };
}

// ── geometry helpers ─────────────────────────────────────────────────────────

const f = (n: number) => Math.round(n * 10) / 10;
/** The face outline: forehead, temples, cheeks, jaw, chin (symmetric). */
function facePath(): string {
  return [
    `M ${CX} 258`,
    `C 615 258 690 300 700 385`,
    `C 706 440 700 500 684 545`,
    `C 664 600 625 645 585 664`,
    `C 566 673 553 676 ${CX} 676`,
    `C 527 676 514 673 495 664`,
    `C 455 645 416 600 396 545`,
    `C 380 500 374 440 380 385`,
    `C 390 300 465 258 ${CX} 258 Z`,
  ].join(' ');
}

function defs(a: Avatar): string {
  return `
  <linearGradient id="skin" gradientUnits="userSpaceOnUse" x1="400" y1="260" x2="690" y2="690">
    <stop offset="0" stop-color="${a.skin.light}"/>
    <stop offset="0.6" stop-color="${a.skin.mid}"/>
    <stop offset="1" stop-color="${a.skin.shade}"/>
  </linearGradient>
  <radialGradient id="faceShade" gradientUnits="userSpaceOnUse" cx="${CX}" cy="430" r="300">
    <stop offset="0.55" stop-color="${a.skin.shade}" stop-opacity="0"/>
    <stop offset="1" stop-color="${a.skin.shade}" stop-opacity="0.55"/>
  </radialGradient>
  <radialGradient id="blush" gradientUnits="objectBoundingBox">
    <stop offset="0" stop-color="${a.skin.blush}" stop-opacity="0.42"/>
    <stop offset="1" stop-color="${a.skin.blush}" stop-opacity="0"/>
  </radialGradient>
  <linearGradient id="neck" gradientUnits="userSpaceOnUse" x1="0" y1="640" x2="0" y2="800">
    <stop offset="0" stop-color="${a.skin.shade}"/>
    <stop offset="0.45" stop-color="${a.skin.mid}"/>
    <stop offset="1" stop-color="${a.skin.mid}"/>
  </linearGradient>
  <linearGradient id="hair" gradientUnits="userSpaceOnUse" x1="380" y1="170" x2="700" y2="720">
    <stop offset="0" stop-color="${a.hair.light}"/>
    <stop offset="0.45" stop-color="${a.hair.base}"/>
    <stop offset="1" stop-color="${a.hair.dark}"/>
  </linearGradient>
  <radialGradient id="irisG" gradientUnits="objectBoundingBox" cx="0.5" cy="0.42" r="0.6">
    <stop offset="0" stop-color="${a.iris}" stop-opacity="0.75"/>
    <stop offset="0.7" stop-color="${a.iris}"/>
    <stop offset="1" stop-color="#1b1410"/>
  </radialGradient>
  <linearGradient id="lipU" x1="0" y1="0" x2="0" y2="1">
    <stop offset="0" stop-color="${a.lips.upper}"/>
    <stop offset="1" stop-color="${a.lips.upper}" stop-opacity="0.92"/>
  </linearGradient>
  <linearGradient id="lipL" x1="0" y1="0" x2="0" y2="1">
    <stop offset="0" stop-color="${a.lips.lower}"/>
    <stop offset="1" stop-color="${a.lips.upper}"/>
  </linearGradient>
  <radialGradient id="mouthIn" cx="0.5" cy="0.35" r="0.7">
    <stop offset="0" stop-color="#5a2128"/>
    <stop offset="1" stop-color="#2a0c10"/>
  </radialGradient>
  <linearGradient id="teeth" x1="0" y1="0" x2="0" y2="1">
    <stop offset="0" stop-color="#ffffff"/>
    <stop offset="1" stop-color="#e4ddd6"/>
  </linearGradient>
  <clipPath id="faceClip"><path d="${facePath()}"/></clipPath>`;
}

// ── face ─────────────────────────────────────────────────────────────────────

function defaultEars(a: Avatar): string {
  const ear = (x: number, s: number) => `
    <path d="M ${x} 420 C ${x + s * 34} 405 ${x + s * 44} 440 ${x + s * 40} 470 C ${x + s * 36} 505 ${x + s * 18} 522 ${x - s * 4} 515 Z"
      fill="url(#skin)"/>
    <path d="M ${x + s * 6} 440 C ${x + s * 26} 432 ${x + s * 30} 458 ${x + s * 24} 478 C ${x + s * 20} 492 ${x + s * 10} 496 ${x + s * 2} 494"
      fill="none" stroke="${a.skin.shade}" stroke-width="5" stroke-linecap="round" opacity="0.6"/>`;
  return ear(702, 1) + ear(378, -1);
}

function face(a: Avatar): string {
  const nose = `
    <path d="M 526 520 C 530 530 536 534 ${CX} 534 C 544 534 550 530 554 520" fill="none" stroke="${a.skin.shade}"
      stroke-width="4.5" stroke-linecap="round" opacity="0.75"/>
    <path d="M 553 470 C 556 488 559 500 563 510" fill="none" stroke="${a.skin.shade}" stroke-width="3.5" stroke-linecap="round" opacity="0.14"/>
    <ellipse cx="${CX}" cy="512" rx="12" ry="8" fill="#ffffff" opacity="0.07"/>
    <ellipse cx="528" cy="524" rx="6" ry="3.2" fill="${a.skin.shade}" opacity="0.55"/>
    <ellipse cx="552" cy="524" rx="6" ry="3.2" fill="${a.skin.shade}" opacity="0.55"/>`;
  const brows = [1, -1]
    .map((s) => {
      const x0 = CX + s * (a.eyeDX - 42);
      const x1 = CX + s * (a.eyeDX + 44);
      const y = a.eyeY - 46;
      return `<path d="M ${x0} ${y + 4} C ${f(x0 + s * 30)} ${y - 12} ${f(x1 - s * 26)} ${y - 12} ${x1} ${y + 4}"
        fill="none" stroke="${a.brow}" stroke-width="${a.lashes ? 8.5 : 11}" stroke-linecap="round"/>`;
    })
    .join('');
  return `
  <path d="${facePath()}" fill="url(#skin)"/>
  <path d="${facePath()}" fill="url(#faceShade)"/>
  <g clip-path="url(#faceClip)">
    <ellipse cx="${CX - a.eyeDX - 12}" cy="${a.eyeY + 78}" rx="48" ry="30" fill="url(#blush)"/>
    <ellipse cx="${CX + a.eyeDX + 12}" cy="${a.eyeY + 78}" rx="48" ry="30" fill="url(#blush)"/>
  </g>
  ${nose}
  ${brows}`;
}

// ── eyes ─────────────────────────────────────────────────────────────────────

function eye(a: Avatar, cx: number, side: number, state: EyeState): string {
  const y = a.eyeY;
  const rw = 33; // half width
  const top = y - 19;
  const bot = y + 14;
  const inner = cx - side * rw; // towards the nose
  const outer = cx + side * rw;
  const outerY = y - 3;
  const almond = `M ${inner} ${y} C ${f(inner + side * 14)} ${top} ${f(outer - side * 20)} ${top - 2} ${outer} ${outerY}
    C ${f(outer - side * 16)} ${bot + 2} ${f(inner + side * 16)} ${bot} ${inner} ${y} Z`;
  const upperLid = `M ${inner} ${y} C ${f(inner + side * 14)} ${top} ${f(outer - side * 20)} ${top - 2} ${outer} ${outerY}`;
  const crease = `M ${f(inner + side * 6)} ${top - 4} C ${f(inner + side * 20)} ${top - 15} ${f(outer - side * 20)} ${top - 16} ${f(outer + side * 2)} ${outerY - 9}`;
  // A point on a cubic Bézier (the lid lines), for lashes that grow out of them.
  const bez = (p: number[][], u: number) =>
    [0, 1].map(
      (k) =>
        (1 - u) ** 3 * p[0][k] +
        3 * (1 - u) ** 2 * u * p[1][k] +
        3 * (1 - u) * u ** 2 * p[2][k] +
        u ** 3 * p[3][k],
    );
  const lashes = (curve: number[][], dirY: number) =>
    a.lashes
      ? [0.72, 0.84, 0.95]
          .map((u, i) => {
            const [x, by] = bez(curve, u);
            const len = 6 + i * 1.5;
            return `<path d="M ${f(x)} ${f(by)} q ${f(side * len * 0.3)} ${f(dirY * len * 0.7)} ${f(side * len)} ${f(dirY * len * 0.8)}" stroke="#1d1412" stroke-width="2.4" fill="none" stroke-linecap="round"/>`;
          })
          .join('')
      : '';
  const upperCurve = [
    [inner, y],
    [inner + side * 14, top],
    [outer - side * 20, top - 2],
    [outer, outerY],
  ];
  const clipId = `eyeClip${side > 0 ? 'R' : 'L'}`;
  const creaseSvg = `<path d="${crease}" fill="none" stroke="${a.skin.shade}" stroke-width="3.5" stroke-linecap="round" opacity="0.55"/>`;
  if (state === 'closed') {
    // The lid covers the eye: a soft downward arc with lashes at the outer end.
    const lidLine = `M ${inner} ${y + 1} C ${f(inner + side * 18)} ${y + 11} ${f(outer - side * 18)} ${y + 10} ${outer} ${outerY + 1}`;
    return `
      <path d="${almond}" fill="url(#skin)"/>
      <path d="M ${inner} ${y} C ${f(inner + side * 18)} ${y - 10} ${f(outer - side * 18)} ${y - 10} ${outer} ${outerY}" fill="${a.skin.shade}" opacity="0.12"/>
      <path d="${lidLine}" fill="none" stroke="#2a1c18" stroke-width="4.5" stroke-linecap="round"/>
      ${lashes(
        [
          [inner, y + 1],
          [inner + side * 18, y + 11],
          [outer - side * 18, y + 10],
          [outer, outerY + 1],
        ],
        1,
      )}
      ${creaseSvg}`;
  }
  const iris = `
    <g clip-path="url(#${clipId})">
      <path d="${almond}" fill="#fbf8f4"/>
      <circle cx="${cx + side * 1}" cy="${y - 1}" r="16.5" fill="url(#irisG)"/>
      <circle cx="${cx + side * 1}" cy="${y - 1}" r="7.5" fill="#120c0a"/>
      <circle cx="${cx + side * 1 + 6}" cy="${y - 7}" r="4.2" fill="#ffffff" opacity="0.95"/>
      <circle cx="${cx + side * 1 - 5}" cy="${y + 6}" r="1.8" fill="#ffffff" opacity="0.6"/>
      <path d="M ${inner} ${y} C ${f(inner + side * 14)} ${top} ${f(outer - side * 20)} ${top - 2} ${outer} ${outerY}" fill="none" stroke="#000" stroke-opacity="0.12" stroke-width="12"/>
      ${
        state === 'half'
          ? `<path d="M ${inner - side * 4} ${top - 6} L ${outer + side * 4} ${top - 6} L ${outer + side * 4} ${outerY}
               C ${f(outer - side * 18)} ${y + 3} ${f(inner + side * 18)} ${y + 3} ${inner - side * 4} ${y} Z" fill="url(#skin)"/>`
          : ''
      }
    </g>`;
  const lidEdge =
    state === 'half'
      ? `<path d="M ${inner} ${y} C ${f(inner + side * 18)} ${y + 3} ${f(outer - side * 18)} ${y + 3} ${outer} ${outerY}" fill="none" stroke="#241815" stroke-width="5" stroke-linecap="round"/>
         ${lashes(
           [
             [inner, y],
             [inner + side * 18, y + 3],
             [outer - side * 18, y + 3],
             [outer, outerY],
           ],
           -0.7,
         )}`
      : `<path d="${upperLid}" fill="none" stroke="#241815" stroke-width="5.5" stroke-linecap="round"/>
         ${lashes(upperCurve, -1)}`;
  const lower = `<path d="M ${f(inner + side * 8)} ${y + 8} C ${f(inner + side * 22)} ${bot + 3} ${f(outer - side * 16)} ${bot + 2} ${f(outer - side * 3)} ${outerY + 4}" fill="none" stroke="${a.skin.shade}" stroke-width="2.5" stroke-linecap="round" opacity="0.55"/>`;
  return `<defs><clipPath id="${clipId}"><path d="${almond}"/></clipPath></defs>${iris}${lower}${lidEdge}${creaseSvg}`;
}

function eyes(a: Avatar, state: EyeState): string {
  return eye(a, CX + a.eyeDX, 1, state) + eye(a, CX - a.eyeDX, -1, state);
}

// ── mouth ────────────────────────────────────────────────────────────────────

interface MouthShape {
  w: number; // half-width at the corners
  ow: number; // half-width of the opening
  top: number; // opening above the lip line
  bot: number; // opening below
  up: number; // upper lip thickness
  lo: number; // lower lip thickness
  smile: number; // corner lift
  upperTeeth?: number;
  lowerTeeth?: number;
  tongue?: boolean;
  round?: boolean;
  ff?: boolean; // lower lip tucked under the upper teeth
}

const SHAPES: Record<Viseme, MouthShape> = {
  sil: { w: 46, ow: 40, top: 0, bot: 0, up: 10, lo: 13, smile: 4 },
  PP: { w: 44, ow: 40, top: 0, bot: 0, up: 6, lo: 8, smile: 2 },
  FF: { w: 45, ow: 34, top: 4, bot: 3, up: 10, lo: 10, smile: 3, upperTeeth: 9, ff: true },
  aa: { w: 44, ow: 36, top: 11, bot: 34, up: 11, lo: 11, smile: 1, upperTeeth: 9, tongue: true },
  E: { w: 54, ow: 46, top: 7, bot: 11, up: 8, lo: 10, smile: 5, upperTeeth: 8, lowerTeeth: 5 },
  ih: { w: 47, ow: 38, top: 4, bot: 8, up: 9, lo: 11, smile: 3, upperTeeth: 6 },
  oh: { w: 33, ow: 22, top: 13, bot: 25, up: 11, lo: 13, smile: 0, upperTeeth: 6, round: true, tongue: true },
  ou: { w: 24, ow: 10, top: 6, bot: 8, up: 12, lo: 13, smile: 0, round: true },
};

function mouth(a: Avatar, v: Viseme): string {
  const s = SHAPES[v];
  const cy = a.mouthY;
  const c = cy - s.smile; // corner height
  const L = CX - s.w;
  const R = CX + s.w;
  const oL = CX - s.ow;
  const oR = CX + s.ow;
  const t = cy - s.top; // inner top at centre
  const b = cy + s.bot; // inner bottom at centre
  const uT = t - s.up; // outer top
  const lB = b + s.lo; // outer bottom
  // Inner opening (left→right along the top, right→left along the bottom).
  const k = s.round ? 1 : 0.62;
  const innerTop = `C ${f(oL + s.ow * (1 - k) * 0.5)} ${f(t - (s.round ? 2 : 0))} ${f(CX - s.ow * 0.45)} ${t} ${CX} ${t}
    C ${f(CX + s.ow * 0.45)} ${t} ${f(oR - s.ow * (1 - k) * 0.5)} ${f(t - (s.round ? 2 : 0))} ${oR} ${c}`;
  const innerBot = `C ${f(oR - s.ow * 0.05)} ${f(b + (s.round ? 2 : -s.bot * 0.2))} ${f(CX + s.ow * 0.5)} ${b} ${CX} ${b}
    C ${f(CX - s.ow * 0.5)} ${b} ${f(oL + s.ow * 0.05)} ${f(b + (s.round ? 2 : -s.bot * 0.2))} ${oL} ${c}`;
  const opening = `M ${oL} ${c} ${innerTop} ${innerBot} Z`;
  // Outer upper lip with a cupid's bow.
  const bowX = s.round ? s.w * 0.3 : s.w * 0.33;
  const upper = `M ${L} ${c}
    C ${f(L + s.w * 0.25)} ${f(c - s.up * 0.55 - s.top * 0.6)} ${f(CX - bowX - 8)} ${f(uT - 2)} ${f(CX - bowX)} ${f(uT - 1)}
    C ${f(CX - bowX * 0.45)} ${f(uT - 1)} ${CX - 4} ${f(uT + 3)} ${CX} ${f(uT + 4)}
    C ${CX + 4} ${f(uT + 3)} ${f(CX + bowX * 0.45)} ${f(uT - 1)} ${f(CX + bowX)} ${f(uT - 1)}
    C ${f(CX + bowX + 8)} ${f(uT - 2)} ${f(R - s.w * 0.25)} ${f(c - s.up * 0.55 - s.top * 0.6)} ${R} ${c}
    L ${oR} ${c}
    C ${f(oR - s.ow * (1 - k) * 0.5)} ${f(t - (s.round ? 2 : 0))} ${f(CX + s.ow * 0.45)} ${t} ${CX} ${t}
    C ${f(CX - s.ow * 0.45)} ${t} ${f(oL + s.ow * (1 - k) * 0.5)} ${f(t - (s.round ? 2 : 0))} ${oL} ${c} Z`;
  // lower outline: from left corner down around to the right corner, then along the inner bottom back.
  const lowerLip = `M ${L} ${c}
    C ${f(L + s.w * 0.2)} ${f(lB - s.lo * 0.1)} ${f(CX - s.w * 0.55)} ${lB} ${CX} ${lB}
    C ${f(CX + s.w * 0.55)} ${lB} ${f(R - s.w * 0.2)} ${f(lB - s.lo * 0.1)} ${R} ${c}
    L ${oR} ${c}
    ${innerBot} Z`;
  const clip = `<clipPath id="mouthClip"><path d="${opening}"/></clipPath>`;
  let inside = '';
  if (s.top + s.bot > 0) {
    const teethU = s.upperTeeth
      ? `<path d="M ${oL - 4} ${t - 4} L ${oR + 4} ${t - 4} L ${oR + 4} ${t + s.upperTeeth - 2}
           C ${CX + s.ow * 0.5} ${t + s.upperTeeth + 3} ${CX - s.ow * 0.5} ${t + s.upperTeeth + 3} ${oL - 4} ${t + s.upperTeeth - 2} Z" fill="url(#teeth)"/>
         <path d="M ${CX} ${t} L ${CX} ${t + s.upperTeeth}" stroke="#d8cfc6" stroke-width="1.2" opacity="0.8"/>`
      : '';
    const teethL = s.lowerTeeth
      ? `<path d="M ${oL - 4} ${b + 4} L ${oR + 4} ${b + 4} L ${oR + 4} ${b - s.lowerTeeth}
           C ${CX + s.ow * 0.5} ${b - s.lowerTeeth - 3} ${CX - s.ow * 0.5} ${b - s.lowerTeeth - 3} ${oL - 4} ${b - s.lowerTeeth} Z" fill="#e9e2da"/>`
      : '';
    const tongue = s.tongue
      ? `<ellipse cx="${CX}" cy="${b + 2}" rx="${f(s.ow * 0.72)}" ry="${f(Math.max(6, s.bot * 0.42))}" fill="#c8626b"/>
         <ellipse cx="${CX}" cy="${b - s.bot * 0.12}" rx="${f(s.ow * 0.4)}" ry="${f(Math.max(3, s.bot * 0.16))}" fill="#d9808a" opacity="0.7"/>`
      : '';
    inside = `<g clip-path="url(#mouthClip)"><rect x="${oL - 5}" y="${t - 5}" width="${2 * s.ow + 10}" height="${s.top + s.bot + 10}" fill="url(#mouthIn)"/>${tongue}${teethU}${teethL}</g>`;
  }
  const ffTuck = s.ff
    ? // The lower lip rolled up under the upper teeth: its top edge meets the teeth.
      `<path d="M ${oL} ${c} C ${CX - s.ow * 0.5} ${b - 1} ${CX + s.ow * 0.5} ${b - 1} ${oR} ${c}" fill="none" stroke="${a.lips.upper}" stroke-width="2" opacity="0.5"/>`
    : '';
  const line =
    s.top + s.bot === 0
      ? `<path d="M ${L + 2} ${c} C ${CX - s.w * 0.5} ${cy + 2} ${CX + s.w * 0.5} ${cy + 2} ${R - 2} ${c}" fill="none" stroke="#5b2a2c" stroke-width="${v === 'PP' ? 3.5 : 3}" stroke-linecap="round" opacity="0.85"/>`
      : '';
  const shadeBelow = `<ellipse cx="${CX}" cy="${lB + 5}" rx="${f(s.w * 0.4)}" ry="4" fill="${a.skin.shade}" opacity="0.18"/>`;
  const corners = [L, R]
    .map((x) => `<circle cx="${x}" cy="${c}" r="1.6" fill="${a.skin.shade}" opacity="0.35"/>`)
    .join('');
  return `<defs>${clip}</defs>${shadeBelow}${inside}
    <path d="${lowerLip}" fill="url(#lipL)"/>
    <path d="${upper}" fill="url(#lipU)"/>
    <ellipse cx="${CX}" cy="${f(lB - s.lo * 0.45)}" rx="${f(s.w * 0.32)}" ry="${f(Math.max(2, s.lo * 0.2))}" fill="#ffffff" opacity="0.22"/>
    ${ffTuck}${line}${corners}`;
}

// ── the three presenters ─────────────────────────────────────────────────────

const neck = (a: Avatar, w = 68) => `
  <path d="M ${CX - w} 590 L ${CX - w} 760 C ${CX - w} 790 ${CX + w} 790 ${CX + w} 760 L ${CX + w} 590 Z" fill="url(#neck)"/>
  <path d="M ${CX - w} 660 C ${CX - 20} 730 ${CX + 20} 730 ${CX + w} 660 L ${CX + w} 620 L ${CX - w} 620 Z" fill="${a.skin.shade}" opacity="0.4"/>`;

/** Shoulders and upper torso: a rounded trapezoid from the neck down to the canvas edge. */
const torso = (top = 745, shoulderY = 820, half = 420) =>
  `M ${CX - 110} ${top} C ${CX - 200} ${top + 15} ${CX - half + 40} ${shoulderY - 30} ${CX - half + 10} ${shoulderY + 30}
   C ${CX - half - 20} ${shoulderY + 90} ${CX - half - 30} 1000 ${CX - half - 34} ${W} L ${CX + half + 34} ${W}
   C ${CX + half + 30} 1000 ${CX + half + 20} ${shoulderY + 90} ${CX + half - 10} ${shoulderY + 30}
   C ${CX + half - 40} ${shoulderY - 30} ${CX + 200} ${top + 15} ${CX + 110} ${top} Z`;

const MEI: Avatar = {
  id: 'mei',
  name: 'Mei',
  skin: { light: '#fbe3d0', mid: '#f1cdb2', shade: '#d9a184', blush: '#f08a8a' },
  lips: { upper: '#c2595f', lower: '#d66e72' },
  iris: '#5a3a26',
  brow: '#2b201d',
  hair: { base: '#1e1a1d', light: '#3b3239', dark: '#0c0a0c' },
  lashes: true,
  eyeY: 445,
  eyeDX: 72,
  mouthY: 592,
  mouthRect: { x: 478, y: 546, w: 124, h: 104 },
  eyeRect: { x: 420, y: 398, w: 240, h: 84 },
  idle: { swayPx: 4, breathPeriodSec: 4.5 },
  hairBack: () => `
    <path d="M 540 168 C 690 168 770 262 772 410 C 774 520 770 600 760 672 C 740 690 700 694 660 688
             L 420 688 C 380 694 340 690 320 672 C 310 600 306 520 308 410 C 310 262 390 168 540 168 Z" fill="url(#hair)"/>`,
  hairFront: (a) => `
    <path d="M 540 170 C 668 170 748 248 752 372 C 754 470 748 560 742 640 C 742 668 726 684 700 688
             C 706 610 708 520 700 430 C 694 360 676 318 640 296 C 600 330 520 350 420 352
             C 398 380 388 430 386 500 C 384 570 384 630 382 688 C 352 684 336 668 336 640
             C 330 560 326 470 328 372 C 332 248 412 170 540 170 Z" fill="url(#hair)"/>
    <path d="M 640 296 C 604 334 524 354 420 352 C 430 300 470 262 520 250 C 470 282 450 316 446 336 C 520 332 590 316 640 296 Z" fill="${a.hair.dark}" opacity="0.35"/>
    <path d="M 470 200 C 420 230 386 290 378 360" fill="none" stroke="${a.hair.light}" stroke-width="6" stroke-linecap="round" opacity="0.55"/>
    <path d="M 600 196 C 680 226 722 300 726 400" fill="none" stroke="${a.hair.light}" stroke-width="5" stroke-linecap="round" opacity="0.45"/>
    <path d="M 560 182 C 520 230 470 280 430 330" fill="none" stroke="${a.hair.light}" stroke-width="4" stroke-linecap="round" opacity="0.4"/>`,
  body: () => `
    <defs>
      <linearGradient id="blazer" gradientUnits="userSpaceOnUse" x1="0" y1="740" x2="0" y2="1080">
        <stop offset="0" stop-color="#2b3f6e"/><stop offset="1" stop-color="#1a2747"/>
      </linearGradient>
      <linearGradient id="blouse" gradientUnits="userSpaceOnUse" x1="0" y1="740" x2="0" y2="1080">
        <stop offset="0" stop-color="#ffffff"/><stop offset="1" stop-color="#e6e9f0"/>
      </linearGradient>
    </defs>
    <path d="${torso(742, 820, 400)}" fill="url(#blazer)"/>
    <path d="M 440 748 L 640 748 L 590 900 L 540 960 L 490 900 Z" fill="url(#blouse)"/>
    <path d="M 478 752 L 540 850 L 602 752 C 580 770 500 770 478 752 Z" fill="url(#neck)"/>
    <path d="M 478 752 L 540 850 L 602 752" fill="none" stroke="#d5d9e3" stroke-width="5" stroke-linejoin="round"/>
    <path d="M 448 744 L 420 770 L 470 890 L 440 910 L 540 1080 L 430 1080 L 380 860 L 412 770 Z" fill="#22345d"/>
    <path d="M 632 744 L 660 770 L 610 890 L 640 910 L 540 1080 L 650 1080 L 700 860 L 668 770 Z" fill="#22345d"/>
    <path d="M 448 744 L 420 770 L 470 890 L 440 910 L 540 1080" fill="none" stroke="#3d5590" stroke-width="3" opacity="0.8"/>
    <path d="M 632 744 L 660 770 L 610 890 L 640 910 L 540 1080" fill="none" stroke="#3d5590" stroke-width="3" opacity="0.8"/>
    <path d="M 200 1080 C 210 980 230 920 260 880" fill="none" stroke="#16203b" stroke-width="6" opacity="0.5"/>
    <path d="M 880 1080 C 870 980 850 920 820 880" fill="none" stroke="#16203b" stroke-width="6" opacity="0.5"/>
    <circle cx="540" cy="${W - 40}" r="9" fill="#c9a45c"/>
    <path d="M 505 820 C 520 840 560 840 575 820" fill="none" stroke="#c9a45c" stroke-width="2.5"/>
    <circle cx="540" cy="836" r="6" fill="#e2c17a"/>`,
};

const MARCUS: Avatar = {
  id: 'marcus',
  name: 'Marcus',
  skin: { light: '#a8714f', mid: '#8d5a3c', shade: '#6a4029', blush: '#b4584a' },
  lips: { upper: '#6e3a30', lower: '#8a4c40' },
  iris: '#3b2314',
  brow: '#1a1210',
  hair: { base: '#1b1512', light: '#3a2e28', dark: '#0b0908' },
  lashes: false,
  eyeY: 448,
  eyeDX: 70,
  mouthY: 596,
  mouthRect: { x: 478, y: 550, w: 124, h: 104 },
  eyeRect: { x: 412, y: 402, w: 256, h: 86 },
  idle: { swayPx: 3, breathPeriodSec: 5 },
  ears: (a) => defaultEars(a),
  hairBack: () => '',
  hairFront: (a) => `
    <path d="M 384 430 C 366 320 398 208 540 202 C 682 208 714 320 696 430 C 690 410 686 380 676 352
             C 640 318 600 306 540 310 C 480 306 440 318 404 352 C 394 380 390 410 384 430 Z" fill="url(#hair)"/>
    <path d="M 404 352 C 430 318 480 300 540 302 C 610 300 650 316 676 352" fill="none" stroke="${a.hair.dark}" stroke-width="5" opacity="0.2"/>
    <path d="M 462 226 C 500 214 570 212 624 228" fill="none" stroke="${a.hair.light}" stroke-width="9" stroke-linecap="round" opacity="0.35"/>
    <path d="M 430 262 C 470 244 520 240 560 246 M 560 240 C 600 240 640 252 664 276" fill="none" stroke="${a.hair.light}" stroke-width="4" stroke-linecap="round" opacity="0.3"/>
    <path d="M 384 430 L 392 470 L 398 470 L 396 420 Z" fill="url(#hair)"/>
    <path d="M 696 430 L 688 470 L 682 470 L 684 420 Z" fill="url(#hair)"/>`,
  extras: (a) => {
    const lens = (cx: number) =>
      `<rect x="${cx - 52}" y="${a.eyeY - 34}" width="104" height="70" rx="22" fill="#dfefff" fill-opacity="0.1" stroke="#1c1d22" stroke-width="7"/>
       <path d="M ${cx - 30} ${a.eyeY - 24} L ${cx - 44} ${a.eyeY - 6}" stroke="#ffffff" stroke-width="5" stroke-linecap="round" opacity="0.35"/>`;
    return `${lens(CX - a.eyeDX)}${lens(CX + a.eyeDX)}
      <path d="M ${CX - a.eyeDX + 52} ${a.eyeY - 10} C ${CX - 8} ${a.eyeY - 22} ${CX + 8} ${a.eyeY - 22} ${CX + a.eyeDX - 52} ${a.eyeY - 10}" fill="none" stroke="#1c1d22" stroke-width="7"/>
      <path d="M ${CX - a.eyeDX - 52} ${a.eyeY - 18} L 384 ${a.eyeY - 24}" stroke="#1c1d22" stroke-width="7" stroke-linecap="round"/>
      <path d="M ${CX + a.eyeDX + 52} ${a.eyeY - 18} L 696 ${a.eyeY - 24}" stroke="#1c1d22" stroke-width="7" stroke-linecap="round"/>`;
  },
  body: () => `
    <defs>
      <linearGradient id="jacket" gradientUnits="userSpaceOnUse" x1="0" y1="740" x2="0" y2="1080">
        <stop offset="0" stop-color="#3b4048"/><stop offset="1" stop-color="#23262c"/>
      </linearGradient>
      <linearGradient id="shirt" gradientUnits="userSpaceOnUse" x1="0" y1="740" x2="0" y2="1080">
        <stop offset="0" stop-color="#e9f1fb"/><stop offset="1" stop-color="#c9d8ea"/>
      </linearGradient>
      <linearGradient id="tie" gradientUnits="userSpaceOnUse" x1="0" y1="780" x2="0" y2="1080">
        <stop offset="0" stop-color="#8e2b36"/><stop offset="1" stop-color="#6a1c26"/>
      </linearGradient>
    </defs>
    <path d="${torso(738, 810, 440)}" fill="url(#jacket)"/>
    <path d="M 452 740 L 628 740 L 600 1080 L 480 1080 Z" fill="url(#shirt)"/>
    <path d="M 470 735 L 540 800 L 492 832 L 456 760 Z" fill="#f4f8fd" stroke="#b8c7da" stroke-width="2.5"/>
    <path d="M 610 735 L 540 800 L 588 832 L 624 760 Z" fill="#f4f8fd" stroke="#b8c7da" stroke-width="2.5"/>
    <path d="M 522 800 L 558 800 L 564 832 L 540 846 L 516 832 Z" fill="#7a2430"/>
    <path d="M 518 840 L 562 840 L 580 1010 L 540 1060 L 500 1010 Z" fill="url(#tie)"/>
    <path d="M 530 870 L 556 900 M 524 930 L 566 972 M 522 990 L 552 1020" stroke="#a84250" stroke-width="4" opacity="0.45"/>
    <path d="M 456 738 L 424 768 L 478 930 L 452 950 L 520 1080 L 420 1080 L 372 880 L 404 768 Z" fill="#2d3138"/>
    <path d="M 624 738 L 656 768 L 602 930 L 628 950 L 560 1080 L 660 1080 L 708 880 L 676 768 Z" fill="#2d3138"/>
    <path d="M 456 738 L 424 768 L 478 930 L 452 950 L 520 1080" fill="none" stroke="#4b515b" stroke-width="3"/>
    <path d="M 624 738 L 656 768 L 602 930 L 628 950 L 560 1080" fill="none" stroke="#4b515b" stroke-width="3"/>
    <path d="M 686 906 L 764 900" stroke="#1e2126" stroke-width="4" stroke-linecap="round"/>
    <path d="M 694 905 L 708 884 L 720 900 L 734 880 L 748 899 L 758 890 L 758 902 Z" fill="#f1f4f8"/>
    <path d="M 180 1080 C 190 980 210 915 246 870" fill="none" stroke="#1b1d22" stroke-width="6" opacity="0.5"/>
    <path d="M 900 1080 C 890 980 870 915 834 870" fill="none" stroke="#1b1d22" stroke-width="6" opacity="0.5"/>`,
};

const PRIYA: Avatar = {
  id: 'priya',
  name: 'Priya',
  skin: { light: '#e6b48f', mid: '#cf9670', shade: '#a96b4a', blush: '#d46a5e' },
  lips: { upper: '#a24a48', lower: '#b95b57' },
  iris: '#4a2c1a',
  brow: '#231814',
  hair: { base: '#2a1a14', light: '#5a3a2a', dark: '#120b08' },
  lashes: true,
  eyeY: 446,
  eyeDX: 71,
  mouthY: 594,
  mouthRect: { x: 478, y: 548, w: 124, h: 104 },
  eyeRect: { x: 420, y: 398, w: 240, h: 84 },
  idle: { swayPx: 5, breathPeriodSec: 4 },
  ears: (a) =>
    `${defaultEars(a)}
     <circle cx="376" cy="516" r="9" fill="#e0b95a"/><circle cx="704" cy="516" r="9" fill="#e0b95a"/>
     <circle cx="373" cy="513" r="3" fill="#fff3c8"/><circle cx="701" cy="513" r="3" fill="#fff3c8"/>`,
  hairBack: (a) => `
    <path d="M 600 170 C 700 150 790 200 800 300 C 812 420 780 560 800 700 C 812 780 780 840 740 860
             C 760 760 730 640 740 520 C 748 420 740 300 650 230 Z" fill="url(#hair)"/>
    <path d="M 700 200 C 760 250 780 330 770 430 C 760 540 770 660 772 780" fill="none" stroke="${a.hair.light}" stroke-width="6" opacity="0.4" stroke-linecap="round"/>`,
  hairFront: (a) => `
    <ellipse cx="548" cy="180" rx="70" ry="44" fill="url(#hair)"/>
    <path d="M 500 168 C 530 150 580 150 604 170" fill="none" stroke="${a.hair.light}" stroke-width="7" stroke-linecap="round" opacity="0.5"/>
    <rect x="520" y="206" width="60" height="22" rx="10" fill="#c4512f"/>
    <path d="M 384 420 C 372 320 420 232 540 226 C 660 232 708 320 696 420 C 690 380 678 340 650 310
             C 620 296 590 292 566 300 C 540 296 470 300 430 310 C 402 340 390 380 384 420 Z" fill="url(#hair)"/>
    <path d="M 566 234 C 561 260 562 282 566 298" fill="none" stroke="${a.hair.dark}" stroke-width="3" opacity="0.4"/>
    <path d="M 486 244 C 458 256 436 276 420 302" fill="none" stroke="${a.hair.light}" stroke-width="5" stroke-linecap="round" opacity="0.45"/>
    <path d="M 594 244 C 622 256 644 276 660 302" fill="none" stroke="${a.hair.light}" stroke-width="5" stroke-linecap="round" opacity="0.35"/>`,
  body: () => `
    <defs>
      <linearGradient id="sweater" gradientUnits="userSpaceOnUse" x1="0" y1="740" x2="0" y2="1080">
        <stop offset="0" stop-color="#d9703f"/><stop offset="1" stop-color="#b2512a"/>
      </linearGradient>
    </defs>
    <path d="${torso(748, 822, 390)}" fill="url(#sweater)"/>
    <path d="M 448 742 C 470 800 610 800 632 742 L 650 752 C 630 830 450 830 430 752 Z" fill="#c35c31"/>
    ${Array.from({ length: 17 }, (_, i) => {
      const t = i / 16;
      const x = 436 + 208 * t;
      const y0 = 752 + Math.sin(Math.PI * t) * 40;
      return `<path d="M ${f(x)} ${f(y0 - 6)} L ${f(x + (t - 0.5) * 8)} ${f(y0 + 28)}" stroke="#a24a24" stroke-width="3" opacity="0.55"/>`;
    }).join('')}
    <path d="M 230 1080 C 236 990 250 930 280 890" fill="none" stroke="#9e4622" stroke-width="6" opacity="0.5"/>
    <path d="M 850 1080 C 844 990 830 930 800 890" fill="none" stroke="#9e4622" stroke-width="6" opacity="0.5"/>
    <path d="M 300 960 C 360 950 420 970 470 1000 M 780 960 C 720 950 660 970 610 1000" fill="none" stroke="#e58a5c" stroke-width="4" opacity="0.35"/>`,
};

// ── rendering ────────────────────────────────────────────────────────────────

/** The head is drawn 0-based and moved down by this much (the neck shows less). */
const HEAD_DY = 30;
const shifted = (r: Rect): Rect => ({ ...r, y: r.y + HEAD_DY });

function scene(a: Avatar, m: Viseme | null, e: EyeState | null): string {
  const head = (svg: string) => `<g transform="translate(0 ${HEAD_DY})">${svg}</g>`;
  return `<defs>${defs(a)}</defs>
    ${head(a.hairBack(a))}
    ${a.body(a)}
    ${neck(a)}
    ${head(`${a.ears ? a.ears(a) : ''}
    ${face(a)}
    ${e ? eyes(a, e) : ''}
    ${m ? mouth(a, m) : ''}
    ${a.hairFront(a)}
    ${a.extras ? a.extras(a) : ''}`)}`;
}

function render(inner: string, r: Rect, scale = 1): Buffer {
  const full = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${W}" viewBox="0 0 ${W} ${W}">${inner}</svg>`;
  const png = new Resvg(full, { fitTo: { mode: 'width', value: Math.round(W * scale) } }).render().asPng();
  if (r.x === 0 && r.y === 0 && r.w === W && r.h === W) return png;
  // A crop: resvg 2.6 panics on a layer (opacity, clip) wholly outside a cropped viewBox, so
  // the scene is rendered whole and the sprite cut out of it, pixel for pixel.
  const crop = `<svg xmlns="http://www.w3.org/2000/svg" width="${r.w}" height="${r.h}">
    <image href="${dataUri(png)}" x="${-r.x}" y="${-r.y}" width="${W}" height="${W}" image-rendering="optimizeSpeed"/></svg>`;
  return new Resvg(crop).render().asPng();
}

const dataUri = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;
const md5 = (b: Buffer | Uint8Array) => createHash('md5').update(b).digest('base64');
const SOFT_BG = `<defs><radialGradient id="bg" cx="0.5" cy="0.4" r="0.75">
  <stop offset="0" stop-color="#eef2f7"/><stop offset="1" stop-color="#b9c4d3"/></radialGradient></defs>`;

function build(a: Avatar) {
  const dir = path.join(OUT, a.id);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'mouth'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'eyes'), { recursive: true });
  const full: Rect = { x: 0, y: 0, w: W, h: W };
  const mouthRect = shifted(a.mouthRect);
  const eyeRect = shifted(a.eyeRect);
  const files: Record<string, Buffer> = {};
  files['base.png'] = render(scene(a, null, null), full);
  for (const v of VISEMES) files[`mouth/${v}.png`] = render(scene(a, v, null), mouthRect);
  for (const e of EYES) files[`eyes/${e}.png`] = render(scene(a, null, e), eyeRect);
  // Preview: the composed avatar over a soft studio backdrop, 512 px.
  files['preview.png'] = render(
    `${SOFT_BG}<rect width="${W}" height="${W}" fill="url(#bg)"/>${scene(a, 'sil', 'open')}`,
    full,
    512 / W,
  );
  const manifest = {
    format: 'doppel.avatar2d',
    version: 1,
    name: a.name,
    canvas: { width: W, height: W },
    base: 'base.png',
    mouth: {
      anchor: { x: mouthRect.x, y: mouthRect.y },
      shapes: Object.fromEntries(VISEMES.map((v) => [v, `mouth/${v}.png`])),
    },
    eyes: {
      anchor: { x: eyeRect.x, y: eyeRect.y },
      open: 'eyes/open.png',
      half: 'eyes/half.png',
      closed: 'eyes/closed.png',
    },
    idle: a.idle,
    preview: 'preview.png',
  };
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  files['manifest.json'] = manifestBytes;
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), bytes);
  // The zip: fixed timestamps so that re-running gives the same bytes; PNGs are stored.
  const mtime = new Date('2026-01-01T00:00:00Z');
  const entries = Object.fromEntries(
    Object.entries(files)
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([name, bytes]) => [
        name,
        [new Uint8Array(bytes), { level: name.endsWith('.png') ? 0 : 6, mtime }] as [
          Uint8Array,
          { level: 0 | 6; mtime: Date },
        ],
      ]),
  );
  const zip = Buffer.from(zipSync(entries));
  fs.writeFileSync(path.join(OUT, `${a.id}.zip`), zip);
  sheet(a, files);
  if (process.argv.includes('--check')) check(a, files, mouthRect, eyeRect);
  const pngBytes = Object.entries(files)
    .filter(([n]) => n.endsWith('.png'))
    .reduce((s, [, b]) => s + b.length, 0);
  return { zip, preview: files['preview.png'], pngBytes };
}

/**
 * Seams: every (mouth, eyes) pair composed from the layers must match the scene drawn whole.
 * Prints the largest channel difference and how many pixels differ by more than 8.
 */
function check(a: Avatar, files: Record<string, Buffer>, mouthRect: Rect, eyeRect: Rect) {
  const img = (png: Buffer, r: Rect) =>
    `<image href="${dataUri(png)}" x="${r.x}" y="${r.y}" width="${r.w}" height="${r.h}" image-rendering="optimizeSpeed"/>`;
  const pixels = (svg: string) =>
    new Resvg(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${W}">${svg}</svg>`).render()
      .pixels;
  for (const v of VISEMES) {
    for (const e of EYES) {
      const layered = pixels(
        img(files['base.png'], { x: 0, y: 0, w: W, h: W }) +
          img(files[`mouth/${v}.png`], mouthRect) +
          img(files[`eyes/${e}.png`], eyeRect),
      );
      const whole = pixels(scene(a, v, e));
      let max = 0;
      let off = 0;
      for (let i = 0; i < whole.length; i++) {
        // Nearly transparent edge pixels lose colour precision through the PNGs: skip them.
        const alpha = whole[i - (i % 4) + 3];
        if (alpha < 24 && i % 4 !== 3) continue;
        const d = Math.abs(whole[i] - layered[i]);
        if (d > max) max = d;
        if (d > 8 && off++ < 3 && process.env.WHERE)
          console.log(
            `    at ${(i >> 2) % W},${Math.floor(i / 4 / W)} ch${i % 4}: ${whole[i]} vs ${layered[i]}`,
          );
      }
      if (max > 8) console.log(`  ${a.id} ${v}/${e}: max diff ${max}, ${off} channel values off`);
    }
  }
  console.log(`  ${a.id}: layers checked against the whole scene`);
}

/** Contact sheet: the avatar large, then every mouth shape and eye state composed, zoomed. */
function sheet(a: Avatar, files: Record<string, Buffer>) {
  const mouthRect = shifted(a.mouthRect);
  const eyeRect = shifted(a.eyeRect);
  const base = dataUri(files['base.png']);
  const img = (href: string, r: Rect) =>
    `<image href="${href}" x="${r.x}" y="${r.y}" width="${r.w}" height="${r.h}"/>`;
  const composed = (v: Viseme, e: EyeState) =>
    `<image href="${base}" x="0" y="0" width="${W}" height="${W}"/>
     ${img(dataUri(files[`mouth/${v}.png`]), mouthRect)}
     ${img(dataUri(files[`eyes/${e}.png`]), eyeRect)}`;
  const SW = 1900;
  const SH = 1100;
  const cell = (x: number, y: number, size: number, view: Rect, content: string) =>
    `<rect x="${x - 3}" y="${y - 3}" width="${size + 6}" height="${size + 6}" rx="10" fill="#ffffff" opacity="0.6"/>
     <svg x="${x}" y="${y}" width="${size}" height="${size}" viewBox="${view.x} ${view.y} ${view.w} ${view.h}">${content}</svg>
`;
  void 0;
  const parts: string[] = [
    `${SOFT_BG}<rect width="${SW}" height="${SH}" fill="url(#bg)"/>`,
    `<svg x="20" y="20" width="1060" height="1060" viewBox="0 0 ${W} ${W}">${composed('sil', 'open')}</svg>`,
  ];
  const mouthView: Rect = { x: 430, y: 520, w: 220, h: 220 };
  VISEMES.forEach((v, i) => {
    const x = 1110 + (i % 4) * 195;
    const y = 30 + Math.floor(i / 4) * 200;
    parts.push(cell(x, y, 180, mouthView, composed(v, 'open')));
    // Little marks so the viseme order is readable without text: i+1 dots.
    for (let d = 0; d <= i; d++)
      parts.push(`<circle cx="${x + 8 + d * 10}" cy="${y + 192}" r="3" fill="#33415c"/>`);
  });
  const eyeView: Rect = { x: 380, y: 360, w: 320, h: 320 };
  EYES.forEach((e, i) => {
    parts.push(cell(1110 + i * 260, 450, 240, eyeView, composed('sil', e)));
  });
  const faceView: Rect = { x: 300, y: 170, w: 480, h: 560 };
  parts.push(
    `<svg x="1110" y="730" width="300" height="350" viewBox="${faceView.x} ${faceView.y} ${faceView.w} ${faceView.h}">${composed('aa', 'half')}</svg>`,
  );
  parts.push(
    `<svg x="1430" y="730" width="300" height="350" viewBox="${faceView.x} ${faceView.y} ${faceView.w} ${faceView.h}">${composed('E', 'closed')}</svg>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SW}" height="${SH}">${parts.join('')}</svg>`;
  fs.mkdirSync(SHEETS, { recursive: true });
  fs.writeFileSync(path.join(SHEETS, `${a.id}.png`), new Resvg(svg).render().asPng());
}

const only = process.argv.slice(2).find((x) => !x.startsWith('--'));
for (const a of [MEI, MARCUS, PRIYA]) {
  if (only && a.id !== only) continue;
  const { zip, preview, pngBytes } = build(a);
  console.log(
    `${a.id}: package PNGs ${pngBytes} B; files('${a.id}', n, [${zip.length}, '${md5(zip)}'], [${preview.length}, '${md5(preview)}'])`,
  );
}
