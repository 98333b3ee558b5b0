import type { Gauge, LabelValues, Registry } from 'prom-client';

/**
 * How often the event loop's delay is sampled (ms), for the metrics and the console's figures. A
 * sampling timer wakes an idle server: at prom-client's default of 10 ms that was 100 wake-ups a
 * second and 0.6 % of a core per process doing nothing; a blocked loop still shows at 100 ms.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/**
 * How late the sampling timer ran, in ms, from an interval Node's `monitorEventLoopDelay` recorded
 * (in ns). Node records the whole interval between the timer's runs, so an idle loop reads the
 * sampling period itself; taking it off leaves the delay.
 */
export function timerLatenessMs(intervalNs: number): number {
  return Math.max(0, intervalNs / 1e6 - EVENT_LOOP_SAMPLE_MS);
}

/** prom-client's gauges read from its event-loop histogram: all but the standard deviation hold the period. */
const INTERVAL_GAUGES = ['min', 'max', 'mean', 'p50', 'p90', 'p99'].map((stat) => `nodejs_eventloop_lag_${stat}_seconds`);

/**
 * Makes prom-client's event-loop delay gauges (sampled every `EVENT_LOOP_SAMPLE_MS`) report the
 * delay without the sampling period: prom-client sets them (as `set(labels, seconds)`) from its
 * histogram at each scrape, and each value has the period taken off as it is set.
 */
export function reportLoopDelayWithoutPeriod(registry: Registry): void {
  for (const name of INTERVAL_GAUGES) {
    const gauge = registry.getSingleMetric(name) as Gauge | undefined;
    if (!gauge) continue;
    const set = gauge.set.bind(gauge) as (labels: LabelValues<string>, seconds: number) => void;
    gauge.set = ((labels: LabelValues<string>, seconds: number) => set(labels, timerLatenessMs(seconds * 1e9) / 1000)) as Gauge['set'];
  }
}
