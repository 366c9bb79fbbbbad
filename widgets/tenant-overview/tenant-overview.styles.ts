import { css } from 'lit';

/*
 * A wide host lists one row per tenant: name, level, then counts and marks, every row on the same
 * columns (`minmax(0, …)`, so a long label wraps rather than widening the card). Under 36rem, or
 * with `compact`, each tenant is a tile of a grid, its lines stacked. The selected tenant has an
 * accent bar and the word "Selected", never the colour alone.
 */
export const tenantOverviewStyles = css`
  .summary {
    flex-basis: 100%;
  }
  .search {
    display: grid;
    gap: 4px;
    margin-bottom: 8px;
  }
  .list {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
  }
  .tenant {
    display: grid;
    grid-template-columns: minmax(0, 1.3fr) minmax(0, 1fr) minmax(0, 1.4fr);
    align-items: start;
    gap: 2px 12px;
    width: 100%;
    min-height: 40px;
    padding: 8px;
    border: 0;
    border-top: 1px solid var(--_border);
    background: none;
    text-align: start;
  }
  .tenant:hover {
    background: var(--_raised);
  }
  .tenant[aria-current='true'] {
    background: var(--_raised);
    box-shadow: inset 4px 0 0 var(--_accent);
  }
  .who,
  .facts {
    display: flex;
    flex-direction: column;
    min-width: 0;
  }
  .label {
    font-weight: 600;
  }
  .marks {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
  }
  .marks:empty {
    display: none;
  }
  .badge .icon {
    width: 1em;
    height: 1em;
    color: var(--_level);
  }
  .shared {
    margin-top: 16px;
  }
  .shared h3 {
    margin-bottom: 4px;
  }
  .issue {
    border-top: 1px solid var(--_border);
  }
  .issue-row {
    display: grid;
    grid-template-columns: 1.15em minmax(0, 1fr);
    align-items: start;
    gap: 2px 8px;
    width: 100%;
    padding: 8px 4px;
    border: 0;
    background: none;
    text-align: start;
  }
  .issue-row:hover {
    background: var(--_raised);
  }
  .issue-row > .chevron {
    margin-top: 0.15em;
  }
  .issue-title {
    font-weight: 600;
  }
  .issue-meta {
    grid-column: 2;
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 2px 12px;
  }
  .chevron {
    transition: transform 0.15s;
  }
  [aria-expanded='true'] .chevron {
    transform: rotate(90deg);
  }
  .affected-tenants {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
    padding: 0 4px 8px calc(1.15em + 12px);
  }
  @container (max-width: 35.98rem) {
    .list {
      grid-template-columns: repeat(auto-fill, minmax(min(11rem, 100%), 1fr));
      gap: 8px;
    }
    .tenant {
      grid-template-columns: minmax(0, 1fr);
      height: 100%;
      border: 1px solid var(--_border);
      border-radius: calc(var(--_radius) / 2);
    }
  }
  :host([compact]) .list {
    grid-template-columns: repeat(auto-fill, minmax(min(11rem, 100%), 1fr));
    gap: 8px;
  }
  :host([compact]) .tenant {
    grid-template-columns: minmax(0, 1fr);
    height: 100%;
    padding: 6px 8px;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
  }
`;
