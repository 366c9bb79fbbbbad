/** Types of parse-prometheus-text-format 1.1.1 (it ships none): prom2json-shaped output, values as text. */
declare module 'parse-prometheus-text-format' {
  export interface Sample {
    value: string;
    labels?: Record<string, string>;
  }
  export interface HistogramSample {
    buckets: Record<string, string>;
    count: string;
    sum: string;
    labels?: Record<string, string>;
  }
  export interface MetricFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: Array<Sample | HistogramSample>;
  }
  export default function parsePrometheusTextFormat(text: string): MetricFamily[];
}
