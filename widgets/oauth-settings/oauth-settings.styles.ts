import { css } from 'lit';

/** What only `<o365-oauth-settings>` has; the rest is the shared `settingsStyles` (internal/styles.ts). */
export const oauthSettingsStyles = css`
  .explain {
    margin-top: 20px;
  }
  /* The API choice is as wide as its option ("Office 365 Service Communication API"), never cut. */
  label.api {
    flex: 0 1 auto;
  }
`;
