package io.wharf.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A closed-loop load driver, the shape of the anchors' Go apibench: {@code workers} loops each issue one operation
 * after the other (so each owns its connection, if the operation keeps one per worker), for a duration or until
 * {@code total} operations have been issued. Records every latency; reports throughput and percentiles as one JSON
 * line so the shell scripts can pick fields out with python3.
 */
final class Load {
    private Load() {}

    /** One operation; returns an HTTP-like status (2xx/3xx = success, anything else counts as an error). */
    @FunctionalInterface
    interface Op {
        int call(int worker, long seq) throws Exception;
    }

    /** What a run measured; latencies in milliseconds. */
    record Result(String label, int workers, long requests, long errors, double seconds, double p50, double p90,
                  double p99, double max, Map<Integer, Long> codes, String firstError) {
        double rps() {
            return seconds > 0 ? requests / seconds : 0;
        }

        String json() {
            StringBuilder c = new StringBuilder("{");
            codes.forEach((k, v) -> c.append(c.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
            c.append('}');
            return String.format(java.util.Locale.ROOT,
                    "{\"label\":\"%s\",\"workers\":%d,\"requests\":%d,\"errors\":%d,\"seconds\":%.3f,\"rps\":%.1f,"
                            + "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"codes\":%s%s}",
                    label, workers, requests, errors, seconds, rps(), p50, p90, p99, max, c,
                    firstError == null ? "" : ",\"first_error\":\"" + firstError.replace("\\", "\\\\").replace("\"", "'") + "\"");
        }
    }

    /** Runs {@code op} from {@code workers} virtual threads for {@code duration}, or until {@code total} (> 0) ops. */
    static Result run(String label, int workers, long total, Duration duration, Op op) throws InterruptedException {
        AtomicLong issued = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        long[][] lat = new long[workers][];
        int[] counts = new int[workers];
        @SuppressWarnings("unchecked")
        Map<Integer, Long>[] codes = new Map[workers];
        long deadline = System.nanoTime() + duration.toNanos();
        Thread[] threads = new Thread[workers];
        long t0 = System.nanoTime();
        for (int w = 0; w < workers; w++) {
            final int worker = w;
            threads[w] = Thread.ofVirtual().start(() -> {
                long[] mine = new long[1024];
                int n = 0;
                Map<Integer, Long> myCodes = new TreeMap<>();
                for (long i = 0; ; i++) {
                    if (total > 0 ? issued.incrementAndGet() > total : System.nanoTime() > deadline) break;
                    long s = System.nanoTime();
                    int status;
                    try {
                        status = op.call(worker, i);
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, e.toString());
                        continue;
                    }
                    long d = System.nanoTime() - s;
                    if (n == mine.length) mine = Arrays.copyOf(mine, n * 2);
                    mine[n++] = d;
                    myCodes.merge(status, 1L, Long::sum);
                    if (status >= 400 || status <= 0) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, "status " + status);
                    }
                }
                lat[worker] = mine;
                counts[worker] = n;
                codes[worker] = myCodes;
            });
        }
        for (Thread t : threads) t.join();
        double seconds = (System.nanoTime() - t0) / 1e9;
        int all = 0;
        for (int c : counts) all += c;
        long[] merged = new long[all];
        int at = 0;
        Map<Integer, Long> allCodes = new TreeMap<>();
        for (int w = 0; w < workers; w++) {
            System.arraycopy(lat[w], 0, merged, at, counts[w]);
            at += counts[w];
            codes[w].forEach((k, v) -> allCodes.merge(k, v, Long::sum));
        }
        Arrays.sort(merged);
        return new Result(label, workers, all, errors.get(), seconds, pct(merged, 0.50), pct(merged, 0.90),
                pct(merged, 0.99), pct(merged, 1.0), allCodes, firstError.get());
    }

    /** Nearest-rank percentile (as the anchors' Go generator: index p*(n-1)) of sorted nanoseconds, in ms. */
    static double pct(long[] sortedNanos, double p) {
        if (sortedNanos.length == 0) return 0;
        return sortedNanos[(int) (p * (sortedNanos.length - 1))] / 1e6;
    }
}
