/** Prometheus' naming rules (https://prometheus.io/docs/concepts/data_model/). */
export const METRIC_NAME_PATTERN = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
export const LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Label names starting with this are reserved for Prometheus' internal use (`__name__`, `__address__`...). */
export const RESERVED_LABEL_PREFIX = '__';

export function isValidMetricName(name: string): boolean {
  return METRIC_NAME_PATTERN.test(name);
}

export function isValidLabelName(name: string): boolean {
  return LABEL_NAME_PATTERN.test(name);
}
