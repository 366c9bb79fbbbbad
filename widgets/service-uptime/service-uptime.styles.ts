import { css } from 'lit';

/*
 * Each bar's level is its colour (the level's token, as every status) and its pattern, so it
 * never depends on colour alone: operational solid, advisory horizontal bands, degradation
 * diagonal hatching, interruption a bar broken in the middle, no data a low outline. The legend
 * repeats each pattern with its icon and words. Bars share the row's width (a 90-day row fits a
 * 320 px tile); under 360 px the tile shows the newest 30 days.
 */
export const serviceUptimeStyles = css`
  :host {
    --_bar: var(--o365-service-uptime-bar-height, 28px);
    --_gap: var(--o365-service-uptime-bar-gap, 1px);
  }
  .list {
    display: grid;
    gap: 12px;
  }
  .row-head {
    display: flex;
    flex-wrap: wrap;
    justify-content: space-between;
    gap: 0 8px;
    margin-bottom: 4px;
  }
  .name {
    font-weight: 600;
    min-width: 0;
  }
  .availability {
    font-variant-numeric: tabular-nums;
  }
  .days {
    display: flex;
    gap: var(--_gap);
    height: var(--_bar);
    align-items: flex-end;
  }
  .day,
  .swatch {
    --_c: var(--_level);
    flex: 1 1 0;
    min-width: 2px;
    height: 100%;
    padding: 0;
    border: 0;
    border-radius: 1px;
    background: var(--_c);
  }
  .d-advisory {
    background: repeating-linear-gradient(0deg, var(--_c) 0 3px, transparent 3px 5px);
  }
  .d-degradation {
    background: repeating-linear-gradient(135deg, var(--_c) 0 3px, transparent 3px 5px), linear-gradient(color-mix(in srgb, var(--_c) 35%, transparent) 0 0);
  }
  .d-interruption {
    background: linear-gradient(var(--_c) 0 40%, transparent 40% 60%, var(--_c) 60%);
  }
  .d-nodata {
    height: 30%;
    background: none;
    border: 1px solid var(--o365-service-uptime-border-color, var(--_border));
  }
  .day:hover {
    filter: brightness(0.85);
  }
  .day:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .axis {
    display: flex;
    justify-content: space-between;
    margin-top: 4px;
  }
  .tip {
    min-height: 1.45em;
    margin-top: 4px;
  }
  .issues {
    margin-top: 8px;
    padding: 8px;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 2);
  }
  .legend {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 14px;
    margin-top: 12px;
  }
  .legend li {
    display: inline-flex;
    align-items: center;
    gap: 4px;
  }
  .legend .icon {
    color: var(--_level);
  }
  .swatch {
    display: inline-block;
    flex: none;
    width: 8px;
    height: 16px;
  }
  .swatch.d-nodata {
    height: 6px;
  }
  /* Forced colours (Windows contrast themes) would drop the backgrounds: keep the patterns. */
  @media (forced-colors: active) {
    .day,
    .swatch {
      forced-color-adjust: none;
    }
  }
  .narrow {
    display: none;
  }
  @container (max-width: 359.98px) {
    .days > .day:nth-last-child(n + 31) {
      display: none;
    }
    .wide {
      display: none;
    }
    .narrow {
      display: inline;
    }
  }
`;
