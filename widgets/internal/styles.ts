import { css, unsafeCSS, type CSSResult } from 'lit';

/**
 * Two tiers of custom properties (STYLE.md): page tokens `--o365-color-*`, `--o365-font-*`,
 * `--o365-radius`, then per element `--o365-<element>-*` that default to the tokens with a
 * hard fallback. They are read once into private `--_…` aliases used by every rule.
 */
export function elementTokens(element: string): CSSResult {
  const e = unsafeCSS(`--o365-${element}`);
  return css`
    :host {
      --_bg: var(${e}-background, var(--o365-color-surface, #ffffff));
      --_fg: var(${e}-color, var(--o365-color-text, #1b1b1b));
      --_muted: var(${e}-muted-color, var(--o365-color-text-muted, #595959));
      --_border: var(${e}-border-color, var(--o365-color-border, #d1d1d1));
      --_radius: var(${e}-radius, var(--o365-radius, 8px));
      --_pad: var(${e}-padding, var(--o365-space, 16px));
      --_font: var(${e}-font-family, var(--o365-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif));
      --_size: var(${e}-font-size, var(--o365-font-size, 14px));
    }
  `;
}

/**
 * Host style shared by every element: block display, a size container, and a reset of every
 * inherited property (`all: initial`) so the host page's global CSS (fonts, line heights, text
 * transforms…) cannot leak in through inheritance.
 */
export const hostStyles = css`
  :host {
    --_raised: var(--o365-color-surface-raised, #f5f5f5);
    --_accent: var(--o365-color-accent, #0f6cbd);
    --_on-accent: var(--o365-color-on-accent, #ffffff);
    --_focus: var(--o365-color-focus, #0f6cbd);
    --_danger: var(--o365-color-danger, #b10e1c);
    --_healthy: var(--o365-color-healthy, #107c10);
    --_unknown: var(--o365-color-unknown, #616161);
    --_advisory: var(--o365-color-advisory, #0f6cbd);
    --_degraded: var(--o365-color-degraded, #bc4b09);
    --_critical: var(--o365-color-critical, #c50f1f);
    /* Every inherited property back to its initial value (custom properties are not affected)… */
    all: initial;
    /* …then ours. A rule of the page on the element itself still wins over these. */
    display: block;
    container-type: inline-size;
    /* The theme's scheme for the widget alone (themes set the token, never the page's color-scheme). */
    color-scheme: var(--o365-color-scheme, inherit);
    box-sizing: border-box;
    color: var(--_fg);
    font: 400 var(--_size) / 1.45 var(--_font);
    /* Data from Microsoft carries unbreakable tokens (error codes, URLs): they wrap, never widen the
       host. break-word, not anywhere: words that fit a line never break mid-word, and a flex row
       wraps its items before it squeezes them (anywhere makes every word's minimum one letter). */
    overflow-wrap: break-word;
  }
  [hidden] {
    display: none !important;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
    /* 1.45 × each element's own font size, in whole pixels: boxes stay on the pixel grid, so
       stacked rows do not add up sub-pixel heights (blurry borders, off-by-one screenshots). */
    line-height: round(1.45em, 1px);
  }
  .base {
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: var(--_pad);
  }
  .header {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 4px 12px;
    margin-bottom: 12px;
  }
  h2,
  h3,
  p,
  ul,
  ol {
    margin: 0;
    padding: 0;
  }
  ul,
  ol {
    list-style: none;
  }
  h2 {
    font-size: 1.15em;
    font-weight: 600;
    flex: 1 1 auto;
    min-width: 0;
  }
  h3 {
    font-size: 1em;
    font-weight: 600;
  }
  .muted {
    color: var(--_muted);
  }
  .small {
    font-size: 0.875em;
  }
  a {
    color: var(--_accent);
  }
  button,
  input,
  select {
    font: inherit;
    color: inherit;
    letter-spacing: inherit;
    text-transform: none;
  }
  button {
    cursor: pointer;
  }
  /* Form fields (the settings form, the messages filters): fill their label, never wider. */
  select,
  input {
    min-height: 32px;
    padding: 4px 8px;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
    background: var(--_bg);
    font-size: 1em;
    width: 100%;
    min-width: 0;
  }
  .btn {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    min-height: 32px;
    padding: 4px 12px;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
    background: var(--_bg);
  }
  .btn.primary {
    background: var(--_accent);
    border-color: var(--_accent);
    color: var(--_on-accent);
  }
  .btn.danger {
    background: var(--_danger);
    border-color: var(--_danger);
    color: #ffffff;
  }
  .btn:disabled {
    opacity: 0.6;
    cursor: default;
  }
  :focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .icon {
    flex: none;
    width: 1.15em;
    height: 1.15em;
    fill: currentColor;
    vertical-align: -0.2em;
  }
  .icon .glyph,
  .icon .line {
    fill: none;
    stroke-width: 1.6;
    stroke-linecap: round;
    stroke-linejoin: round;
  }
  .icon .glyph {
    stroke: var(--_bg);
  }
  .icon .line {
    stroke: currentColor;
  }
  .icon.small {
    width: 0.9em;
    height: 0.9em;
  }
  .level-healthy {
    --_level: var(--_healthy);
  }
  .level-unknown {
    --_level: var(--_unknown);
  }
  .level-advisory {
    --_level: var(--_advisory);
  }
  .level-degraded {
    --_level: var(--_degraded);
  }
  .level-critical {
    --_level: var(--_critical);
  }
  .status {
    display: inline-flex;
    align-items: center;
    gap: 6px;
  }
  .status .icon {
    color: var(--_level);
  }
  .badge {
    display: inline-block;
    padding: 0 8px;
    border: 1px solid var(--_border);
    border-radius: 1em;
    font-size: 0.8125em;
  }
  .state {
    display: flex;
    flex-direction: column;
    align-items: flex-start;
    gap: 8px;
    padding: 12px 0;
  }
  .spinner {
    width: 24px;
    height: 24px;
    border: 3px solid var(--_border);
    border-top-color: var(--_accent);
    border-radius: 50%;
    animation: spin 0.9s linear infinite;
  }
  @keyframes spin {
    to {
      transform: rotate(1turn);
    }
  }
  .notice {
    display: flex;
    gap: 8px;
    margin-bottom: 12px;
    padding: 8px 12px;
    border-inline-start: 4px solid var(--_level, var(--_degraded));
    background: var(--_raised);
    border-radius: calc(var(--_radius) / 2);
  }
  .notice .icon {
    color: var(--_level);
    margin-top: 0.15em;
  }
  .footer {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 16px;
    margin-top: 12px;
    font-size: 0.875em;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  @media (prefers-reduced-motion: reduce) {
    *,
    *::before,
    *::after {
      animation-duration: 0s !important;
      animation-iteration-count: 1 !important;
      transition-duration: 0s !important;
    }
  }
`;

/** The post history of an opened issue (both elements show it). */
export const postStyles = css`
  .timeline {
    margin-top: 8px;
    border-inline-start: 2px solid var(--_border);
    padding-inline-start: 12px;
  }
  .post {
    margin-bottom: 12px;
  }
  .post-body {
    white-space: pre-line;
  }
  .post-body > :first-child {
    margin-top: 4px;
  }
`;

/** The admin elements (`<o365-oauth-settings>`, `<o365-notification-settings>`): add form, list of items with actions, in-place confirmation. */
export const settingsStyles = css`
  section + section {
    margin-top: 20px;
  }
  h3 {
    margin-bottom: 8px;
  }
  form {
    display: flex;
    flex-wrap: wrap;
    align-items: flex-end;
    gap: 8px 12px;
  }
  label {
    display: flex;
    flex-direction: column;
    gap: 2px;
    flex: 1 1 12rem;
    min-width: 0;
    font-size: 0.875em;
  }
  .hint {
    flex-basis: 100%;
  }
  .item {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 12px;
    padding: 10px 0;
    border-top: 1px solid var(--_border);
  }
  .item-main {
    flex: 1 1 14rem;
    min-width: 0;
  }
  .item-label {
    font-weight: 600;
  }
  dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0 10px;
    margin: 4px 0 0;
  }
  dt {
    color: var(--_muted);
  }
  dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
  .actions {
    display: flex;
    gap: 8px;
    align-items: flex-start;
  }
  .icon-btn {
    padding: 4px 8px;
  }
  .confirm {
    flex-basis: 100%;
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px;
    padding: 8px 12px;
    background: var(--_raised);
    border-radius: calc(var(--_radius) / 2);
  }
  .confirm p {
    flex-basis: 100%;
  }
  .message {
    margin-top: 8px;
  }
  .reason {
    display: block;
    margin-top: 2px;
  }
  @container (max-width: 20rem) {
    dl {
      grid-template-columns: 1fr;
    }
    dd {
      margin-bottom: 4px;
    }
    .base {
      padding: calc(var(--_pad) * 0.75);
    }
  }
`;
