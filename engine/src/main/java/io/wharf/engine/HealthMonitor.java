package io.wharf.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.runtime.ExecSession;
import io.wharf.runtime.ExecSpec;
import io.wharf.runtime.OutputSink;
import io.wharf.runtime.StreamType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HEALTHCHECK as dockerd runs it: the check from Config.Healthcheck (the image's, merged at create, or
 * --health-cmd) is exec'd in the running container every Interval (StartInterval during StartPeriod); a probe
 * that exits 0 makes the container healthy, Retries failures in a row unhealthy, and failures inside the start
 * period do not count. One virtual thread per running checked container; it ends when that run of the container
 * ends (the start time identifies the run).
 */
final class HealthMonitor {
    private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    static final Duration DEFAULT_START_INTERVAL = Duration.ofSeconds(5);
    static final int DEFAULT_RETRIES = 3;
    static final int MAX_LOG = 5;
    static final int MAX_OUTPUT = 4096;

    /** The check to run: argv, timings; null when the container has none (no Test, or Test ["NONE"]). */
    record Check(List<String> argv, Duration interval, Duration timeout, Duration startPeriod, Duration startInterval, int retries) {
        static Check of(JsonNode hc) {
            if (hc == null || !hc.path("Test").isArray() || hc.path("Test").isEmpty()) return null;
            List<String> t = new ArrayList<>();
            hc.path("Test").forEach(x -> t.add(x.asText()));
            List<String> argv = switch (t.getFirst()) {
                case "NONE" -> null;
                case "CMD" -> t.size() > 1 ? List.copyOf(t.subList(1, t.size())) : null;
                case "CMD-SHELL" -> t.size() > 1 ? List.of("/bin/sh", "-c", String.join(" ", t.subList(1, t.size()))) : null;
                default -> List.of("/bin/sh", "-c", String.join(" ", t)); // a bare string list: shell form, as dockerd
            };
            if (argv == null) return null;
            return new Check(argv, dur(hc, "Interval", DEFAULT_INTERVAL), dur(hc, "Timeout", DEFAULT_TIMEOUT),
                    dur(hc, "StartPeriod", Duration.ZERO), dur(hc, "StartInterval", DEFAULT_START_INTERVAL),
                    hc.path("Retries").asInt(0) > 0 ? hc.path("Retries").asInt() : DEFAULT_RETRIES);
        }

        private static Duration dur(JsonNode hc, String f, Duration dflt) {
            long ns = hc.path(f).asLong(0);
            return ns > 0 ? Duration.ofNanos(ns) : dflt;
        }
    }

    private final Containers containers;

    HealthMonitor(Containers containers) {
        this.containers = containers;
    }

    /**
     * Called once a run of {@code c} has started (a new run begins at "starting", as in dockerd) or was re-adopted
     * by a restarted engine (the recorded health is kept): begins probing if it has a check.
     */
    void started(Container c, boolean readopted) {
        Check check = Check.of(c.config.path("Healthcheck"));
        Instant run;
        synchronized (c) {
            if (check == null) {
                c.state.health = null;
                return;
            }
            if (!readopted || c.state.health == null) c.state.health = new Container.Health();
            run = c.state.startedAt;
        }
        Thread.ofVirtual().name("wharf-health-" + c.shortId()).start(() -> loop(c, check, run));
    }

    /** The container stopped: dockerd leaves the last probes and reports it unhealthy. */
    static void stopped(Container c) {
        if (c.state.health != null) c.state.health.status = "unhealthy";
    }

    /** Go's time.Duration text for whole seconds and below ("30s", "1m30s", "500ms"), as dockerd's message has it. */
    static String goDuration(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) return ms + "ms";
        long h = d.toHours(), m = d.toMinutesPart(), sec = d.toSecondsPart(), frac = d.toMillisPart();
        String secs = frac == 0 ? sec + "s" : sec + "." + String.format("%03d", frac).replaceAll("0+$", "") + "s";
        if (h > 0) return h + "h" + m + "m" + secs;
        if (m > 0) return m + "m" + secs;
        return secs;
    }

    private boolean sameRun(Container c, Instant run) {
        synchronized (c) {
            return c.state.running && !c.state.restarting && java.util.Objects.equals(c.state.startedAt, run)
                    && containers.exists(c.id) && !containers.closed();
        }
    }

    private void loop(Container c, Check check, Instant run) {
        Instant started = run == null ? Instant.now() : run;
        while (true) {
            boolean inStart = Duration.between(started, Instant.now()).compareTo(check.startPeriod()) < 0;
            Duration wait = inStart && !check.startPeriod().isZero() ? check.startInterval() : check.interval();
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                return;
            }
            if (!sameRun(c, run)) return;
            if (c.state.paused) continue;
            Container.Probe p = probe(c, check);
            if (!sameRun(c, run)) return;
            inStart = Duration.between(started, p.start()).compareTo(check.startPeriod()) < 0;
            record(c, check, p, inStart);
        }
    }

    Container.Probe probe(Container c, Check check) {
        Instant start = Instant.now();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputSink sink = new OutputSink() {
            @Override
            public void onOutput(StreamType stream, byte[] data, int offset, int length) {
                synchronized (out) {
                    int room = MAX_OUTPUT - out.size();
                    if (room > 0) out.write(data, offset, Math.min(room, length));
                }
            }
        };
        int code;
        String text;
        try {
            ExecSpec spec = new ExecSpec(check.argv(), List.of(), "", "", false, false, false, false, 0, 0);
            ExecSession s = containers.runtime().exec(c.id, spec, sink);
            try {
                code = s.exitCode().get(check.timeout().toMillis(), TimeUnit.MILLISECONDS);
                synchronized (out) {
                    text = out.toString(StandardCharsets.UTF_8);
                }
            } catch (TimeoutException e) {
                code = -1;
                text = "Health check exceeded timeout (" + goDuration(check.timeout()) + ")";
                long pid = s.pid();
                if (pid > 0) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            } finally {
                s.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = -1;
            text = "interrupted";
        } catch (Exception e) {
            // dockerd reports an exec that could not start as a failed probe with the runtime's message
            code = -1;
            text = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        return new Container.Probe(start, Instant.now(), code, text);
    }

    private void record(Container c, Check check, Container.Probe p, boolean inStart) {
        String before, after;
        synchronized (c) {
            Container.Health h = c.state.health;
            if (h == null) return;
            before = h.status;
            h.log.add(p);
            while (h.log.size() > MAX_LOG) h.log.removeFirst();
            if (p.exitCode() == 0) {
                h.failingStreak = 0;
                h.status = "healthy";
            } else if (!inStart) {
                h.failingStreak++;
                if (h.failingStreak >= check.retries()) h.status = "unhealthy";
            }
            after = h.status;
            containers.save(c);
        }
        if (!before.equals(after)) log.debug("container {} is {}", c.shortId(), after);
        // dockerd emits health_status on every status change ("health_status: healthy")
        if (!before.equals(after)) containers.events().emit("container", "health_status: " + after, c.id, containers.attrs(c));
    }
}
