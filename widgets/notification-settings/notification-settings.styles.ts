import { css } from 'lit';

/** What only `<o365-notification-settings>` has; the form, items and confirmation are the shared `settingsStyles`. */
export const notificationSettingsStyles = css`
  label.kind {
    flex: 0 1 auto;
  }
  .hint,
  .filters,
  .wide {
    flex-basis: 100%;
  }
  summary {
    cursor: pointer;
    font-size: 0.875em;
    padding: 4px 0;
  }
  fieldset {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 16px;
    margin: 8px 0 0;
    padding: 6px 10px 8px;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
    min-width: 0;
  }
  legend {
    padding: 0 4px;
    font-size: 0.875em;
    font-weight: 600;
  }
  label.check {
    flex: 0 1 auto;
    flex-direction: row;
    align-items: center;
    gap: 6px;
  }
  label.check input {
    width: auto;
    min-height: 0;
    margin: 0;
  }
  .secret {
    margin-top: 8px;
  }
  .secret code {
    font-family: ui-monospace, SFMono-Regular, Consolas, monospace;
    overflow-wrap: anywhere;
    user-select: all;
  }
  .secret p + p {
    margin-top: 4px;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
  }
  .actions {
    flex-wrap: wrap;
  }
  .edit {
    padding: 8px 12px 10px;
    background: var(--_raised);
    border-radius: calc(var(--_radius) / 2);
  }
  .edit .row {
    margin: 4px 0 0;
  }
  .deliveries {
    padding: 4px 12px;
    background: var(--_raised);
    border-radius: calc(var(--_radius) / 2);
  }
  .delivery {
    display: flex;
    flex-wrap: wrap;
    gap: 2px 10px;
    padding: 6px 0;
  }
  .delivery + .delivery {
    border-top: 1px solid var(--_border);
  }
  .delivery .reason {
    flex-basis: 100%;
    margin: 0;
  }
`;
