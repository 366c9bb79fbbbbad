import { html, svg, type SVGTemplateResult, type TemplateResult } from 'lit';
import type { Level } from './status.js';

/** 16×16 icons; decorative (`aria-hidden`), always next to words. Shapes differ per level. */
const icon = (body: SVGTemplateResult, cls = 'icon') =>
  svg`<svg class=${cls} viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">${body}</svg>`;

const glyph = (d: string) => svg`<path class="glyph" d=${d} />`;

/**
 * Circle+check, rounded square+?, circle+i, triangle+!, octagon+×. (Not a diamond+?: that is
 * what the "�" replacement character looks like, and reads as broken text.)
 */
export const LEVEL_ICONS = {
  healthy: icon(svg`<circle cx="8" cy="8" r="7.2" />${glyph('M4.6 8.3l2.2 2.2 4.6-4.7')}`, 'icon icon-healthy'),
  unknown: icon(svg`<rect x=".8" y=".8" width="14.4" height="14.4" rx="3" />${glyph('M6.2 6.2a1.9 1.9 0 1 1 2.6 1.8c-.5.2-.8.6-.8 1.1M8 11.6v.1')}`, 'icon icon-unknown'),
  advisory: icon(svg`<circle cx="8" cy="8" r="7.2" />${glyph('M8 7.2v4.2M8 4.6v.1')}`, 'icon icon-advisory'),
  degraded: icon(svg`<path d="M8 .9 15.6 14.6H.4z" />${glyph('M8 5.8v4M8 12.2v.1')}`, 'icon icon-degraded'),
  critical: icon(svg`<path d="M5 .8h6l4.2 4.2v6L11 15.2H5L.8 11V5z" />${glyph('M5.6 5.6l4.8 4.8m0-4.8-4.8 4.8')}`, 'icon icon-critical'),
} as const satisfies Record<Level, SVGTemplateResult>;

/** A clock face: something is under way (waiting for sign-in and consent). */
export const pendingIcon = icon(svg`<circle class="line" cx="8" cy="8" r="6.6" /><path class="line" d="M8 4.4V8l2.4 1.6" />`, 'icon icon-pending');

/**
 * The one rendering of a status every element uses: the level's colour and icon shape, then the
 * words (status is never colour alone). `level` comes from status.ts (`issueLevel` & co.).
 */
export const renderStatus = (level: Level, text: string, shape: SVGTemplateResult = LEVEL_ICONS[level]): TemplateResult =>
  html`<span part="status" class="status level-${level}">${shape} ${text}</span>`;

export const chevronIcon = icon(svg`<path class="line" d="M5.5 3.5 10 8l-4.5 4.5" />`, 'icon chevron');
export const trashIcon = icon(
  svg`<path class="line" d="M2.5 4h11M6 4V2.5h4V4M4 4l.7 9.5h6.6L12 4M6.7 6.5v5M9.3 6.5v5" />`,
);
export const externalIcon = icon(svg`<path class="line" d="M9 2.5h4.5V7M13.5 2.5 7.5 8.5M11.5 9.5v4h-9v-9h4" />`, 'icon small');
