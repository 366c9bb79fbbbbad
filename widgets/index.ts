/**
 * o365-health widgets: importing this module registers every element.
 * Bundled (Lit included) as `/widgets/o365-health.js` for one script tag; bundler users can
 * import the per-element modules instead (see widgets/package.json `exports`).
 * The light and dark themes are served next to the bundle, `/widgets/light.css` and
 * `/widgets/dark.css`, and exported as `@o365-health/widgets/themes/light.css` and `…/dark.css`.
 */
export { O365ServiceHealth } from './service-health/service-health.js';
export { O365ServiceMessages } from './service-messages/service-messages.js';
export { O365OAuthSettings } from './oauth-settings/oauth-settings.js';
export { O365ServiceUptime } from './service-uptime/service-uptime.js';
export { O365TenantOverview } from './tenant-overview/tenant-overview.js';
export { O365MessageCenter } from './message-center/message-center.js';
export { O365NotificationSettings } from './notification-settings/notification-settings.js';
export { ApiClient, ApiError } from './api/client.js';
export { getStore, invalidateStores, HealthStore } from './api/store.js';
export type * from './api/types.js';
export type * from './internal/events.js';
export type { PageDefaults } from './internal/config.js';
