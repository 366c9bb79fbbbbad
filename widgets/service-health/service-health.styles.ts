import { css } from 'lit';

export const serviceHealthStyles = css`
  .list {
    display: grid;
    gap: 0;
  }
  .item {
    border-top: 1px solid var(--_border);
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 2px 10px;
    width: 100%;
    min-height: 40px;
    padding: 6px 4px;
    border: 0;
    background: none;
    text-align: start;
  }
  button.row:hover {
    background: var(--_raised);
  }
  .name {
    flex: 1 1 10em;
    font-weight: 600;
    min-width: 0;
    overflow-wrap: anywhere;
  }
  .counts {
    flex: none;
  }
  .chevron {
    transition: transform 0.15s;
  }
  [aria-expanded='true'] .chevron {
    transform: rotate(90deg);
  }
  .issues {
    display: grid;
    gap: 8px;
    padding: 4px 4px 12px 28px;
  }
  .issue-title {
    padding: 0;
    border: 0;
    background: none;
    color: var(--_accent);
    text-decoration: underline;
    text-align: start;
    font-weight: 600;
  }
  .issue-meta {
    display: flex;
    flex-wrap: wrap;
    gap: 2px 10px;
  }
  .summary {
    display: flex;
    align-items: center;
    gap: 6px;
    flex-basis: 100%;
  }
  /* A wide host: services in a grid of cards. */
  @container (min-width: 40rem) {
    :host(:not([compact])) .list {
      grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr));
      gap: 8px;
    }
    :host(:not([compact])) .item {
      border: 1px solid var(--_border);
      border-radius: calc(var(--_radius) / 2);
    }
    :host(:not([compact])) .row {
      padding: 8px 10px;
    }
    :host(:not([compact])) .issues {
      padding-inline-start: 12px;
    }
  }
  /* A small tile (or compact): a dense list, words under the name. */
  @container (max-width: 20rem) {
    .row {
      gap: 0 8px;
      padding: 4px 0;
    }
    .status {
      order: 2;
      flex-basis: 100%;
      padding-inline-start: 0;
    }
    .counts {
      order: 3;
    }
    .issues {
      padding-inline-start: 8px;
    }
    .base {
      padding: calc(var(--_pad) * 0.75);
    }
  }
  :host([compact]) .row {
    min-height: 32px;
    padding: 2px 0;
  }
  :host([compact]) .header {
    margin-bottom: 6px;
  }
`;
