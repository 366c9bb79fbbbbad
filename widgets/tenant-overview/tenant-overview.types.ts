import type { OverviewIssue, OverviewTenant } from '../api/types.js';
import type { Level } from '../internal/status.js';

/** A tenant row after mapping: its widget level (colour and icon shape) and words. */
export interface TenantRow {
  tenant: OverviewTenant;
  level: Level;
  /** "Degradation", "Operational", "No data", … */
  levelText: string;
}

/** An active issue that reaches several tenants, with their labels (in the overview's order). */
export interface SharedIssue {
  issue: OverviewIssue;
  labels: string[];
}
