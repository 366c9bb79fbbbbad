/** Microsoft's example payloads, copied unedited into test/fixtures (see its README). */
import { readFileSync } from 'node:fs';

const root = new URL('../fixtures/', import.meta.url);

/** The Graph fixtures the Graph client and the simulator are checked against. */
export const GRAPH_FIXTURES = [
  'serviceannouncement-list-healthoverviews.json',
  'serviceannouncement-list-healthoverviews-expand-issues.json',
  'servicehealth-get.json',
  'servicehealth-get-expand-issues.json',
  'serviceannouncement-list-issues.json',
  'servicehealthissue-get.json',
  'serviceannouncement-list-messages.json',
  'serviceupdatemessage-get.json',
  'organization-get.json',
  'error-401-expired-token-observed.json',
  'cli-microsoft365-serviceannouncement-health-get-issues.json',
  'cli-microsoft365-serviceannouncement-healthissue-list.json',
] as const;

export function graphFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`graph/${name}`, root), 'utf8'));
}

export function identityFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`identity/${name}`, root), 'utf8'));
}
