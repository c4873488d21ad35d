package io.wharf.apiserver.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Request counters and latency histograms in Prometheus text format, with kube-apiserver's metric names
 * (apiserver_request_total, apiserver_request_duration_seconds).
 */
public final class Metrics {
    private static final double[] BUCKETS = {0.005, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private record Key(String verb, String group, String resource, int code) {}

    private record LKey(String verb, String resource) {}

    private static final class Hist {
        final LongAdder[] buckets = new LongAdder[BUCKETS.length];
        final LongAdder count = new LongAdder();
        final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

        Hist() { for (int i = 0; i < buckets.length; i++) buckets[i] = new LongAdder(); }
    }

    private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<LKey, Hist> latency = new ConcurrentHashMap<>();
    private final LongAdder watches = new LongAdder();

    public void record(String verb, String group, String resource, int code, long nanos) {
        counts.computeIfAbsent(new Key(verb, group, resource, code), k -> new LongAdder()).increment();
        if (verb.equals("WATCH")) return;
        Hist h = latency.computeIfAbsent(new LKey(verb, resource), k -> new Hist());
        double s = nanos / 1e9;
        // One bucket per request; text() sums them into Prometheus' cumulative form.
        for (int i = 0; i < BUCKETS.length; i++) if (s <= BUCKETS[i]) { h.buckets[i].increment(); break; }
        h.count.increment();
        h.sum.add(s);
    }

    public void watchStarted() { watches.increment(); }
    public void watchEnded() { watches.decrement(); }

    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, group, resource and HTTP response code.\n");
        sb.append("# TYPE apiserver_request_total counter\n");
        counts.forEach((k, v) -> sb.append("apiserver_request_total{code=\"").append(k.code).append("\",group=\"").append(k.group)
                .append("\",resource=\"").append(k.resource).append("\",verb=\"").append(k.verb).append("\"} ").append(v.sum()).append('\n'));
        sb.append("# HELP apiserver_request_duration_seconds Response latency distribution in seconds for each verb and resource.\n");
        sb.append("# TYPE apiserver_request_duration_seconds histogram\n");
        latency.forEach((k, h) -> {
            String labels = "resource=\"" + k.resource + "\",verb=\"" + k.verb + "\"";
            long cum = 0;
            for (int i = 0; i < BUCKETS.length; i++) {
                cum += h.buckets[i].sum();
                sb.append("apiserver_request_duration_seconds_bucket{").append(labels).append(",le=\"").append(BUCKETS[i]).append("\"} ").append(cum).append('\n');
            }
            sb.append("apiserver_request_duration_seconds_bucket{").append(labels).append(",le=\"+Inf\"} ").append(h.count.sum()).append('\n');
            sb.append("apiserver_request_duration_seconds_sum{").append(labels).append("} ").append(h.sum.sum()).append('\n');
            sb.append("apiserver_request_duration_seconds_count{").append(labels).append("} ").append(h.count.sum()).append('\n');
        });
        sb.append("# HELP apiserver_longrunning_requests Gauge of all active long-running apiserver requests.\n");
        sb.append("# TYPE apiserver_longrunning_requests gauge\n");
        sb.append("apiserver_longrunning_requests{verb=\"WATCH\"} ").append(watches.sum()).append('\n');
        return sb.toString();
    }
}
