import { svg, type SVGTemplateResult } from 'lit';
import type { Level } from './status.js';

/** 16×16 icons; decorative (`aria-hidden`), always next to words. Shapes differ per level. */
const icon = (body: SVGTemplateResult, cls = 'icon') =>
  svg`<svg class=${cls} viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">${body}</svg>`;

const glyph = (d: string) => svg`<path class="glyph" d=${d} />`;

/** Circle+check, diamond+?, circle+i, triangle+!, octagon+×. */
export const LEVEL_ICONS = {
  healthy: icon(svg`<circle cx="8" cy="8" r="7.2" />${glyph('M4.6 8.3l2.2 2.2 4.6-4.7')}`),
  unknown: icon(svg`<path d="M8 .6 15.4 8 8 15.4.6 8z" />${glyph('M6.4 6.4a1.7 1.7 0 1 1 2.3 1.6c-.5.2-.7.5-.7 1M8 11.2v.1')}`),
  advisory: icon(svg`<circle cx="8" cy="8" r="7.2" />${glyph('M8 7.2v4.2M8 4.6v.1')}`),
  degraded: icon(svg`<path d="M8 .9 15.6 14.6H.4z" />${glyph('M8 5.8v4M8 12.2v.1')}`),
  critical: icon(svg`<path d="M5 .8h6l4.2 4.2v6L11 15.2H5L.8 11V5z" />${glyph('M5.6 5.6l4.8 4.8m0-4.8-4.8 4.8')}`),
} as const satisfies Record<Level, SVGTemplateResult>;

export const chevronIcon = icon(svg`<path class="line" d="M5.5 3.5 10 8l-4.5 4.5" />`, 'icon chevron');
export const trashIcon = icon(
  svg`<path class="line" d="M2.5 4h11M6 4V2.5h4V4M4 4l.7 9.5h6.6L12 4M6.7 6.5v5M9.3 6.5v5" />`,
);
export const externalIcon = icon(svg`<path class="line" d="M9 2.5h4.5V7M13.5 2.5 7.5 8.5M11.5 9.5v4h-9v-9h4" />`, 'icon small');
