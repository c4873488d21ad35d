package io.wharf.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.engine.wire.Hijack;
import io.wharf.engine.wire.HttpRequest;
import io.wharf.engine.wire.HttpResponse;
import io.wharf.engine.wire.Router;
import io.wharf.engine.wire.StdCopy;
import io.wharf.runtime.ExecSession;
import io.wharf.runtime.ExecSpec;
import io.wharf.runtime.OutputSink;
import io.wharf.runtime.StreamType;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** docker exec: create, start (hijacked or detached), inspect, resize. */
final class ExecApi {
    private static final org.slf4j.Logger trace = org.slf4j.LoggerFactory.getLogger("io.wharf.engine.trace");
    /** One exec instance; mutable fields are written by its start thread and read by inspect. */
    static final class Exec {
        final String id;
        final String containerId;
        final List<String> cmd;
        final List<String> env;
        final String user, workingDir;
        final boolean tty, attachStdin, attachStdout, attachStderr, privileged;
        volatile boolean running, started;
        volatile Integer exitCode;
        volatile long pid;
        volatile ExecSession session;
        volatile int height, width;

        Exec(String id, String containerId, JsonNode b) {
            this.id = id;
            this.containerId = containerId;
            this.cmd = strings(b.path("Cmd"));
            this.env = strings(b.path("Env"));
            this.user = b.path("User").asText("");
            this.workingDir = b.path("WorkingDir").asText("");
            this.tty = b.path("Tty").asBoolean(false);
            this.attachStdin = b.path("AttachStdin").asBoolean(false);
            this.attachStdout = b.path("AttachStdout").asBoolean(false);
            this.attachStderr = b.path("AttachStderr").asBoolean(false);
            this.privileged = b.path("Privileged").asBoolean(false);
            JsonNode cs = b.path("ConsoleSize");
            if (cs.isArray() && cs.size() == 2) {
                height = cs.get(0).asInt();
                width = cs.get(1).asInt();
            }
        }
    }

    private final Containers containers;
    private final Map<String, Exec> execs = new ConcurrentHashMap<>();

    ExecApi(Containers containers) {
        this.containers = containers;
    }

    void routes(Router r) {
        r.add("POST", "/containers/{id}/exec", this::create);
        r.add("POST", "/exec/{id}/start", this::start);
        r.add("POST", "/exec/{id}/resize", this::resize);
        r.add("GET", "/exec/{id}/json", this::inspect);
    }

    static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n != null && n.isArray()) n.forEach(x -> out.add(x.asText()));
        return out;
    }

    void create(HttpRequest req, HttpResponse resp) throws IOException {
        Container c = containers.get(req.param("id"));
        JsonNode b = req.json(JsonNode.class, null);
        if (b == null || !b.isObject()) throw WharfException.invalid("exec config cannot be empty");
        if (strings(b.path("Cmd")).isEmpty()) throw WharfException.invalid("No exec command specified");
        if (!c.state.running) throw WharfException.conflict("container %s is not running", c.id);
        if (c.state.paused) throw WharfException.conflict("container %s is paused, unpause the container before exec", c.id);
        // drop finished execs of the past so the map does not grow without bound
        execs.values().removeIf(e -> e.started && !e.running && e.exitCode != null && containers.find(e.containerId) == null);
        Exec e = new Exec(Names.newId(), c.id, b);
        execs.put(e.id, e);
        containers.events().emit("container", "exec_create: " + String.join(" ", e.cmd), c.id, containers.attrs(c));
        resp.json(201, Map.of("Id", e.id));
    }

    private Exec get(String id) {
        Exec e = execs.get(id);
        if (e == null) throw WharfException.notFound("No such exec instance: %s", id);
        return e;
    }

    void start(HttpRequest req, HttpResponse resp) throws Exception {
        Exec e = get(req.param("id"));
        JsonNode b = req.json(JsonNode.class, Json.MAPPER.createObjectNode());
        boolean detach = b.path("Detach").asBoolean(false);
        synchronized (e) {
            if (e.started) throw WharfException.conflict("Error: Exec command %s has already run", e.id);
            e.started = true;
        }
        Container c = containers.get(e.containerId);
        if (!c.state.running) throw WharfException.conflict("container %s is not running", c.id);
        JsonNode cs = b.path("ConsoleSize");
        if (cs.isArray() && cs.size() == 2) {
            e.height = cs.get(0).asInt();
            e.width = cs.get(1).asInt();
        }
        ExecSpec spec = new ExecSpec(e.cmd, e.env, e.workingDir, e.user, e.tty, e.attachStdin && !detach, e.privileged, detach, e.height, e.width);
        Map<String, String> attrs = containers.attrs(c);
        if (detach) {
            e.running = true;
            ExecSession s = containers.runtime().exec(c.id, spec, OutputSink.DISCARD);
            e.session = s;
            e.pid = s.pid();
            containers.events().emit("container", "exec_start: " + String.join(" ", e.cmd), c.id, attrs);
            s.exitCode().whenComplete((code, err) -> {
                e.exitCode = code == null ? 126 : code;
                e.running = false;
                containers.events().emit("container", "exec_die", c.id, withExit(attrs, e));
            });
            resp.send(200, "application/json", new byte[0]);
            return;
        }
        boolean upgrade = req.header("upgrade") != null;
        String ctype = !e.tty && req.apiAtLeast("1.42") ? "application/vnd.docker.multiplexed-stream" : "application/vnd.docker.raw-stream";
        Hijack h = resp.hijack(upgrade, ctype);
        OutputStream out = h.out();
        CountDownLatch outputDone = new CountDownLatch(1);
        OutputSink sink = new OutputSink() {
            @Override
            public void onOutput(StreamType st, byte[] d, int off, int len) {
                if (st == StreamType.STDERR && !e.attachStderr) return;
                if (st == StreamType.STDOUT && !e.attachStdout) return;
                try {
                    if (e.tty) {
                        synchronized (out) {
                            out.write(d, off, len);
                        }
                    } else {
                        StdCopy.write(out, st == StreamType.STDERR ? StdCopy.STDERR : StdCopy.STDOUT, d, off, len);
                    }
                } catch (IOException ignored) {
                }
            }

            @Override
            public void onClose() {
                outputDone.countDown();
            }
        };
        ExecSession s;
        long t0 = System.nanoTime();
        try {
            e.running = true;
            s = containers.runtime().exec(c.id, spec, sink);
        } catch (RuntimeException ex) {
            e.running = false;
            e.exitCode = 126;
            // The stream is already hijacked: report the failure in-band the way dockerd does for OCI errors.
            String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            byte[] m = (msg + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (msg.contains("executable file not found") || msg.contains("no such file")) e.exitCode = 127;
            try {
                if (e.tty) out.write(m);
                else StdCopy.write(out, StdCopy.STDERR, m, 0, m.length);
            } catch (IOException ignored) {
            }
            h.finish(Duration.ofSeconds(5));
            return;
        }
        e.session = s;
        e.pid = s.pid();
        containers.events().emit("container", "exec_start: " + String.join(" ", e.cmd), c.id, attrs);
        if (e.attachStdin) {
            InputStream in = h.in();
            // a platform thread: writeStdin is a plain blocking pipe/pty write, which would pin a virtual thread's carrier
            Thread.ofPlatform().daemon().name("wharf-exec-stdin").start(() -> pump(in, s));
        } else {
            h.discardInput();
        }
        long t1 = System.nanoTime();
        int code;
        try {
            code = s.exitCode().get();
        } catch (Exception ex) {
            code = 126;
        }
        long t2 = System.nanoTime();
        outputDone.await(5, TimeUnit.SECONDS);
        // ExitCode must be final before the stream closes: the CLI inspects right after EOF (wire notes §11.10).
        e.exitCode = code;
        e.running = false;
        containers.events().emit("container", "exec_die", c.id, withExit(attrs, e));
        h.finish(Duration.ofSeconds(5));
        s.close();
        if (trace.isDebugEnabled()) trace.debug("exec start {}: spawn {} exit {} finish {} us", e.id.substring(0, 12),
                (t1 - t0) / 1000, (t2 - t1) / 1000, (System.nanoTime() - t2) / 1000);
    }

    private static Map<String, String> withExit(Map<String, String> attrs, Exec e) {
        Map<String, String> a = new LinkedHashMap<>(attrs);
        a.put("execID", e.id);
        a.put("exitCode", String.valueOf(e.exitCode));
        return a;
    }

    private static void pump(InputStream in, ExecSession s) {
        byte[] buf = new byte[32 * 1024];
        boolean writable = true;
        try {
            int n;
            while ((n = in.read(buf, 0, buf.length)) >= 0) {
                if (!writable) continue;
                try {
                    s.writeStdin(buf, 0, n);
                } catch (IOException | RuntimeException ex) {
                    writable = false;
                }
            }
        } catch (IOException ignored) {
        }
        try {
            s.closeStdin();
        } catch (IOException | RuntimeException ignored) {
        }
    }

    void resize(HttpRequest req, HttpResponse resp) throws IOException {
        Exec e = get(req.param("id"));
        Integer h = req.intQuery("h"), w = req.intQuery("w");
        e.height = h == null ? 0 : h;
        e.width = w == null ? 0 : w;
        ExecSession s = e.session;
        if (s != null) s.resize(e.height, e.width);
        resp.send(200, "text/plain; charset=utf-8", new byte[0]);
    }

    void inspect(HttpRequest req, HttpResponse resp) throws IOException {
        Exec e = get(req.param("id"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", e.id);
        m.put("Running", e.running);
        m.put("ExitCode", e.exitCode);
        Map<String, Object> pc = new LinkedHashMap<>();
        pc.put("tty", e.tty);
        pc.put("entrypoint", e.cmd.isEmpty() ? "" : e.cmd.getFirst());
        pc.put("arguments", e.cmd.size() > 1 ? e.cmd.subList(1, e.cmd.size()) : List.of());
        pc.put("privileged", e.privileged);
        pc.put("user", e.user);
        m.put("ProcessConfig", pc);
        m.put("OpenStdin", e.attachStdin);
        m.put("OpenStderr", e.attachStderr);
        m.put("OpenStdout", e.attachStdout);
        m.put("CanRemove", false);
        m.put("ContainerID", e.containerId);
        m.put("DetachKeys", "");
        m.put("Pid", e.pid);
        resp.json(200, m);
    }
}
