import { css } from 'lit';

export const serviceMessagesStyles = css`
  .filters {
    display: flex;
    flex-wrap: wrap;
    gap: 8px 12px;
    margin-bottom: 12px;
  }
  /* Each field is as wide as its longest option (never cut) and the row wraps when they do not fit. */
  label {
    display: flex;
    flex-direction: column;
    gap: 2px;
    font-size: 0.875em;
    flex: 1 1 auto;
    min-width: 0;
  }
  label.search {
    flex-basis: 12rem;
  }
  .list {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
  }
  .item {
    min-width: 0;
    padding: 10px 0;
    border-top: 1px solid var(--_border);
  }
  .item-title {
    display: flex;
    gap: 6px;
    width: 100%;
    padding: 2px 0;
    border: 0;
    background: none;
    font-weight: 600;
    text-align: start;
  }
  .item-title > span {
    min-width: 0;
  }
  .item-title:hover {
    color: var(--_accent);
  }
  .chevron {
    margin-top: 0.2em;
    transition: transform 0.15s;
  }
  [aria-expanded='true'] .chevron {
    transform: rotate(90deg);
  }
  .meta {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 2px 10px;
    margin: 4px 0 2px 22px;
  }
  .meta > * {
    min-width: 0;
  }
  .details {
    margin: 8px 0 0 22px;
  }
  .more {
    margin-top: 12px;
  }
  @container (max-width: 20rem) {
    .meta,
    .details {
      margin-inline-start: 0;
    }
    .base {
      padding: calc(var(--_pad) * 0.75);
    }
  }
`;
