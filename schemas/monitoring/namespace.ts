/** Avro namespace of every monitoring schema: the registry shows `tributary.monitoring.Metric` etc. */
export const MONITORING_NAMESPACE = 'tributary.monitoring';
