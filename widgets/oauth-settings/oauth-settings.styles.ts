import { css } from 'lit';

export const oauthSettingsStyles = css`
  section + section,
  .explain {
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
  /* The API choice is as wide as its option ("Office 365 Service Communication API"), never cut. */
  label.api {
    flex: 0 1 auto;
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
