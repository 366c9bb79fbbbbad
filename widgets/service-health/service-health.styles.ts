import { css } from 'lit';

/*
 * A row is a grid, so every row lines up whatever its name: the chevron (or the space it would
 * take), the name (wrapping, never cut), the status right-aligned on the name's first line, and
 * the counts under the name. Tracks are `minmax(0, …)`: an unbreakable word (an error code in a
 * title) wraps instead of widening the list, the card or the page.
 */
export const serviceHealthStyles = css`
  .list,
  .issues {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
  }
  .item,
  .issue {
    min-width: 0;
  }
  .item {
    border-top: 1px solid var(--_border);
  }
  .row {
    display: grid;
    /* The status keeps its words on one line unless it would take more than 60% of the row. */
    /* The name is never narrower than its longest word ("SharePoint"): the status wraps first. */
    grid-template-columns: 1.15em minmax(min-content, 1fr) fit-content(60%);
    grid-template-areas: 'icon name status' '. counts counts';
    align-items: start;
    gap: 2px 8px;
    width: 100%;
    min-height: 40px;
    padding: 8px 4px;
    border: 0;
    background: none;
    text-align: start;
  }
  button.row:hover {
    background: var(--_raised);
  }
  .row > .chevron {
    grid-area: icon;
    margin-top: 0.15em;
  }
  .name {
    grid-area: name;
    font-weight: 600;
    min-width: 0;
  }
  .row > .status {
    grid-area: status;
    justify-self: end;
    align-items: flex-start;
    text-align: end;
  }
  .row > .status .icon {
    margin-top: 0.15em;
  }
  .counts {
    grid-area: counts;
  }
  .chevron {
    transition: transform 0.15s;
  }
  [aria-expanded='true'] .chevron {
    transform: rotate(90deg);
  }
  .issues {
    gap: 8px;
    padding: 4px 4px 12px 28px;
  }
  .issue-title {
    max-width: 100%;
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
  .issue-meta > * {
    min-width: 0;
  }
  .summary {
    flex-basis: 100%;
  }
  .details {
    margin-top: 4px;
  }
  /* A wide host: services in a grid of cards, every card of a row as tall as the row; an opened
     card takes the whole row (room for its issues' post history). */
  @container (min-width: 40rem) {
    :host(:not([compact])) .list {
      grid-template-columns: repeat(auto-fill, minmax(min(17rem, 100%), 1fr));
      gap: 8px;
    }
    :host(:not([compact])) .item.open {
      grid-column: 1 / -1;
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
  /* A small tile (or compact): a dense list, the status under the name. */
  @container (max-width: 20rem) {
    .row {
      grid-template-columns: 1.15em minmax(0, 1fr);
      grid-template-areas: 'icon name' '. status' '. counts';
      gap: 0 6px;
      padding: 4px 0;
    }
    .row > .status {
      justify-self: start;
      text-align: start;
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
