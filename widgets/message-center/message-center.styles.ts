import { css } from 'lit';

/** What the Message center adds to the feed styles of `<o365-service-messages>` (filters, items, details). */
export const messageCenterStyles = css`
  label.check {
    flex-direction: row;
    align-items: center;
    gap: 6px;
    flex: 0 1 auto;
    align-self: flex-end;
    min-height: 32px;
  }
  label.check input {
    width: auto;
    min-height: 0;
    margin: 0;
  }
  .tags {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
    margin: 4px 0 0 22px;
  }
  .chip {
    padding: 0 8px;
    border-radius: 1em;
    background: var(--_raised);
    border: 1px solid var(--_border);
    font-size: 0.8125em;
  }
  .act-by {
    font-weight: 600;
  }
  /* A post body is HTML with paragraphs and lists (the host styles reset both). */
  .post-body p,
  .post-body ul,
  .post-body ol {
    margin: 0 0 0.5em;
  }
  .post-body ul,
  .post-body ol {
    padding-inline-start: 1.5em;
  }
  .post-body ul {
    list-style: disc;
  }
  .post-body ol {
    list-style: decimal;
  }
  .admin {
    margin-top: 8px;
  }
  .facts {
    display: grid;
    grid-template-columns: minmax(0, max-content) minmax(0, 1fr);
    gap: 4px 12px;
    margin: 0 0 8px;
  }
  .facts dt {
    color: var(--_muted);
  }
  .facts dd {
    margin: 0;
    display: flex;
    flex-wrap: wrap;
    gap: 2px 12px;
  }
  @container (max-width: 20rem) {
    .tags {
      margin-inline-start: 0;
    }
    .facts {
      grid-template-columns: minmax(0, 1fr);
    }
    .facts dd {
      margin-bottom: 4px;
    }
  }
`;
