export { SluiceMetrics, type MetricSources, type MetricsOptions } from './metrics.js';
export { MeteredGate, type GateMeters, type GateOutcome, type SessionKind } from './metered-gate.js';
export { metricsRoute } from './metrics-route.js';
