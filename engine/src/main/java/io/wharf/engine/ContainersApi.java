package io.wharf.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.engine.wire.Filters;
import io.wharf.engine.wire.Hijack;
import io.wharf.engine.wire.HttpRequest;
import io.wharf.engine.wire.HttpResponse;
import io.wharf.engine.wire.Router;
import io.wharf.engine.wire.StdCopy;
import io.wharf.image.Archive;
import io.wharf.image.ExtractOptions;
import io.wharf.image.PathStat;
import io.wharf.runtime.Attachment;
import io.wharf.runtime.ContainerStats;
import io.wharf.runtime.LogEntry;
import io.wharf.runtime.LogFollow;
import io.wharf.runtime.OutputSink;
import io.wharf.runtime.StreamType;
import io.wharf.runtime.TopResult;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The /containers endpoints. */
final class ContainersApi {
    private final Containers containers;

    ContainersApi(Containers containers) {
        this.containers = containers;
    }

    void routes(Router r) {
        r.add("POST", "/containers/create", this::create);
        r.add("GET", "/containers/json", this::list);
        r.add("POST", "/containers/prune", this::prune);
        r.add("GET", "/containers/{id}/json", this::inspect);
        r.add("POST", "/containers/{id}/start", (q, s) -> { containers.start(q.param("id")); s.status(204); });
        r.add("POST", "/containers/{id}/stop", (q, s) -> { containers.stop(q.param("id"), q.intQuery("t"), q.query("signal")); s.status(204); });
        r.add("POST", "/containers/{id}/restart", (q, s) -> { containers.restart(q.param("id"), q.intQuery("t"), q.query("signal")); s.status(204); });
        r.add("POST", "/containers/{id}/kill", (q, s) -> { containers.kill(q.param("id"), q.query("signal")); s.status(204); });
        r.add("POST", "/containers/{id}/pause", (q, s) -> { containers.pause(q.param("id")); s.status(204); });
        r.add("POST", "/containers/{id}/unpause", (q, s) -> { containers.unpause(q.param("id")); s.status(204); });
        r.add("POST", "/containers/{id}/rename", (q, s) -> { containers.rename(q.param("id"), q.query("name")); s.status(204); });
        r.add("DELETE", "/containers/{id}", (q, s) -> { containers.remove(q.param("id"), q.bool("force"), q.bool("v")); s.status(204); });
        r.add("POST", "/containers/{id}/wait", this::waitFor);
        r.add("POST", "/containers/{id}/attach", this::attach);
        r.add("POST", "/containers/{id}/resize", this::resize);
        r.add("GET", "/containers/{id}/logs", this::logs);
        r.add("GET", "/containers/{id}/top", this::top);
        r.add("GET", "/containers/{id}/stats", this::stats);
        r.add("HEAD", "/containers/{id}/archive", this::archiveHead);
        r.add("GET", "/containers/{id}/archive", this::archiveGet);
        r.add("PUT", "/containers/{id}/archive", this::archivePut);
        r.add("GET", "/containers/{id}/export", this::export);
        r.add("GET", "/containers/{id}/changes", this::changes);
        r.add("POST", "/containers/{id}/update", this::update);
    }

    // ---------------------------------------------------------------- create, list, inspect

    void create(HttpRequest req, HttpResponse resp) throws IOException {
        JsonNode body = req.json(JsonNode.class, null);
        if (body == null || !body.isObject()) throw WharfException.invalid("config cannot be empty in order to create a container");
        Container c = containers.create(req.query("name"), (ObjectNode) body);
        resp.json(201, Map.of("Id", c.id, "Warnings", List.of()));
    }

    void list(HttpRequest req, HttpResponse resp) throws IOException {
        Filters f = req.filters();
        boolean all = req.bool("all");
        Integer limit = req.intQuery("limit");
        boolean size = req.bool("size");
        List<Container> cs = new ArrayList<>(containers.all());
        cs.sort(Comparator.comparing((Container c) -> c.created).reversed());
        if (limit != null && limit > 0) all = true;
        List<Object> out = new ArrayList<>();
        for (Container c : cs) {
            Container.State st = c.state.copy();
            boolean running = st.running || st.restarting;
            if (!all && !running && !f.has("status") && !f.has("exited")) continue;
            if (!matches(c, st, f)) continue;
            out.add(summary(c, st, size));
            if (limit != null && limit > 0 && out.size() >= limit) break;
        }
        resp.json(200, out);
    }

    private boolean matches(Container c, Container.State st, Filters f) {
        if (!f.match("id", v -> c.id.startsWith(v))) return false;
        if (!f.match("name", v -> c.bareName().contains(v.startsWith("/") ? v.substring(1) : v) || c.name.matches(".*" + v + ".*"))) return false;
        if (!f.matchLabels("label", c.labels())) return false;
        if (!f.match("status", v -> v.equals(st.status))) return false;
        if (!f.match("exited", v -> !st.running && c.hasBeenStarted && String.valueOf(st.exitCode).equals(v))) return false;
        if (!f.match("ancestor", v -> v.equals(c.image) || c.imageId.equals(v) || c.imageId.startsWith("sha256:" + v) || (c.image + ":latest").equals(v) || c.image.equals(v + ":latest"))) return false;
        if (!f.match("network", v -> c.networks.containsKey(v) || c.networks.values().stream().anyMatch(n -> n.networkId().startsWith(v)))) return false;
        if (!f.match("volume", v -> c.mounts.stream().anyMatch(m -> v.equals(m.name()) || v.equals(m.destination()) || v.equals(m.source())))) return false;
        if (!f.match("is-task", v -> v.equals("false"))) return false;
        if (!f.match("before", v -> { Container o = containers.find(v); return o != null && c.created.isBefore(o.created); })) return false;
        if (!f.match("since", v -> { Container o = containers.find(v); return o != null && c.created.isAfter(o.created); })) return false;
        return true;
    }

    Map<String, Object> summary(Container c, Container.State st, boolean size) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", c.id);
        m.put("Names", List.of(c.name));
        m.put("Image", c.image);
        m.put("ImageID", c.imageId);
        m.put("Command", commandLine(c));
        m.put("Created", c.created.getEpochSecond());
        m.put("Ports", portList(c, st));
        m.put("Labels", c.labels());
        m.put("State", st.status);
        m.put("Status", statusText(st, c, containers.clock().instant()));
        m.put("HostConfig", Map.of("NetworkMode", c.hostConfig.path("NetworkMode").asText("default")));
        m.put("NetworkSettings", Map.of("Networks", networksWire(c)));
        m.put("Mounts", mountsWire(c));
        if (size) {
            long rw = containers.images().sizeRw(c.id);
            m.put("SizeRw", rw);
            m.put("SizeRootFs", rw + imageSize(c));
        }
        return m;
    }

    private long imageSize(Container c) {
        try {
            return containers.images().get(c.imageId).size();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static String commandLine(Container c) {
        List<String> a = Containers.argv(c.config);
        StringBuilder sb = new StringBuilder();
        for (String s : a) {
            if (!sb.isEmpty()) sb.append(' ');
            sb.append(s);
        }
        return sb.toString();
    }

    private List<Map<String, Object>> portList(Container c, Container.State st) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (var e : portsWire(c, st).entrySet()) {
            String[] pp = e.getKey().split("/");
            int priv = Integer.parseInt(pp[0]);
            String type = pp.length > 1 ? pp[1] : "tcp";
            if (e.getValue() == null) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("PrivatePort", priv);
                m.put("Type", type);
                out.add(m);
            } else for (Map<String, String> b : e.getValue()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("IP", b.get("HostIp"));
                m.put("PrivatePort", priv);
                m.put("PublicPort", Integer.parseInt(b.get("HostPort")));
                m.put("Type", type);
                out.add(m);
            }
        }
        return out;
    }

    static String statusText(Container.State st, Container c, Instant now) {
        if (st.restarting) return "Restarting (" + st.exitCode + ") " + Wire.humanDuration(Duration.between(st.finishedAt == null ? now : st.finishedAt, now)) + " ago";
        if (st.running) {
            String s = "Up " + Wire.humanDuration(Duration.between(st.startedAt == null ? now : st.startedAt, now));
            if (st.paused) return s + " (Paused)";
            if (st.health != null) {
                // docker ps: "Up 5 seconds (health: starting)", "(healthy)", "(unhealthy)"
                return s + (st.health.status.equals("starting") ? " (health: starting)" : " (" + st.health.status + ")");
            }
            return s;
        }
        if (st.status.equals("removing")) return "Removal In Progress";
        if (!c.hasBeenStarted || st.finishedAt == null) return "Created";
        return "Exited (" + st.exitCode + ") " + Wire.humanDuration(Duration.between(st.finishedAt, now)) + " ago";
    }

    /**
     * NetworkSettings.Ports: while running, every exposed or bound port; empty otherwise, since dockerd fills it when
     * the network is set up at start and clears it on release (so `docker ps -a` shows no ports for a stopped one).
     */
    static Map<String, List<Map<String, String>>> portsWire(Container c, Container.State st) {
        Map<String, List<Map<String, String>>> m = new LinkedHashMap<>();
        if (!st.running) return m;
        if (c.config.path("ExposedPorts").isObject()) c.config.path("ExposedPorts").fieldNames().forEachRemaining(p -> m.put(p.contains("/") ? p : p + "/tcp", null));
        if (st.running) m.putAll(c.ports);
        return m;
    }

    static Map<String, Object> networksWire(Container c) {
        Map<String, Object> nets = new LinkedHashMap<>();
        String mode = c.networkMode();
        // never started: the primary network is not set up yet, but dockerd lists it beside any `network connect`ed one
        if (!mode.startsWith("container:") && (c.networks.isEmpty() || !c.hasBeenStarted && !c.networks.containsKey(mode))) {
            nets.put(mode, endpointWire(null));
        }
        for (var e : c.networks.entrySet()) nets.put(e.getKey(), endpointWire(e.getValue()));
        return nets;
    }

    static Map<String, Object> endpointWire(Container.NetEndpoint ep) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("IPAMConfig", null);
        m.put("Links", null);
        m.put("Aliases", ep == null || ep.aliases().isEmpty() ? null : ep.aliases());
        m.put("MacAddress", ep == null ? "" : ep.macAddress());
        m.put("DriverOpts", null);
        m.put("GwPriority", 0);
        m.put("NetworkID", ep == null ? "" : ep.networkId());
        m.put("EndpointID", ep == null ? "" : ep.endpointId());
        m.put("Gateway", ep == null ? "" : ep.gateway());
        m.put("IPAddress", ep == null ? "" : ep.ipAddress());
        m.put("IPPrefixLen", ep == null ? 0 : ep.ipPrefixLen());
        m.put("IPv6Gateway", "");
        m.put("GlobalIPv6Address", "");
        m.put("GlobalIPv6PrefixLen", 0);
        m.put("DNSNames", ep == null || ep.dnsNames().isEmpty() ? null : ep.dnsNames());
        return m;
    }

    static List<Map<String, Object>> mountsWire(Container c) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Container.MountPoint mp : c.mounts) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Type", mp.type());
            if (mp.type().equals("volume")) m.put("Name", mp.name());
            m.put("Source", mp.source());
            m.put("Destination", mp.destination());
            if (mp.type().equals("volume")) m.put("Driver", "local");
            m.put("Mode", mp.mode());
            m.put("RW", mp.rw());
            m.put("Propagation", mp.propagation());
            out.add(m);
        }
        return out;
    }

    void inspect(HttpRequest req, HttpResponse resp) throws IOException {
        Container c = containers.get(req.param("id"));
        resp.json(200, inspectBody(c, req.bool("size")));
    }

    Map<String, Object> inspectBody(Container c, boolean size) {
        Container.State st = c.state.copy();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", c.id);
        m.put("Created", Wire.time(c.created));
        List<String> argv = Containers.argv(c.config);
        m.put("Path", argv.isEmpty() ? "" : argv.getFirst());
        m.put("Args", argv.isEmpty() ? List.of() : argv.subList(1, argv.size()));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("Status", st.status);
        s.put("Running", st.running);
        s.put("Paused", st.paused);
        s.put("Restarting", st.restarting);
        s.put("OOMKilled", st.oomKilled);
        s.put("Dead", st.dead);
        s.put("Pid", st.pid);
        s.put("ExitCode", st.exitCode);
        s.put("Error", st.error == null ? "" : st.error);
        s.put("StartedAt", Wire.time(st.startedAt));
        s.put("FinishedAt", Wire.time(st.finishedAt));
        if (st.health != null) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("Status", st.health.status);
            h.put("FailingStreak", st.health.failingStreak);
            List<Map<String, Object>> log = new ArrayList<>();
            for (Container.Probe p : st.health.log) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("Start", Wire.time(p.start()));
                e.put("End", Wire.time(p.end()));
                e.put("ExitCode", p.exitCode());
                e.put("Output", p.output());
                log.add(e);
            }
            h.put("Log", log);
            s.put("Health", h);
        }
        m.put("State", s);
        m.put("Image", c.imageId);
        m.put("ResolvConfPath", c.resolvConfPath == null ? "" : c.resolvConfPath);
        m.put("HostnamePath", c.hostnamePath == null ? "" : c.hostnamePath);
        m.put("HostsPath", c.hostsPath == null ? "" : c.hostsPath);
        m.put("LogPath", c.logPath == null ? "" : c.logPath);
        m.put("Name", c.name);
        m.put("RestartCount", c.restartCount);
        m.put("Driver", "overlay2");
        m.put("Platform", "linux");
        m.put("MountLabel", "");
        m.put("ProcessLabel", "");
        m.put("AppArmorProfile", "");
        m.put("ExecIDs", null);
        m.put("HostConfig", c.hostConfig);
        m.put("GraphDriver", Map.of("Name", "overlay2", "Data", c.rootfs == null ? Map.of() : Map.of("MergedDir", c.rootfs)));
        if (size) {
            long rw = containers.images().sizeRw(c.id);
            m.put("SizeRw", rw);
            m.put("SizeRootFs", rw + imageSize(c));
        }
        m.put("Mounts", mountsWire(c));
        ObjectNode cfg = c.config.deepCopy();
        if (!cfg.has("Image")) cfg.put("Image", c.image);
        m.put("Config", cfg);
        Map<String, Object> ns = new LinkedHashMap<>();
        Container.NetEndpoint first = c.networks.values().stream().filter(e -> !e.ipAddress().isEmpty()).findFirst().orElse(null);
        Container.NetEndpoint bridge = c.networks.get("bridge");
        ns.put("Bridge", "");
        ns.put("SandboxID", c.netnsPath == null ? "" : c.id);
        ns.put("SandboxKey", c.netnsPath == null ? "" : c.netnsPath);
        ns.put("HairpinMode", false);
        ns.put("LinkLocalIPv6Address", "");
        ns.put("LinkLocalIPv6PrefixLen", 0);
        ns.put("Ports", portsWire(c, st));
        ns.put("SecondaryIPAddresses", null);
        ns.put("SecondaryIPv6Addresses", null);
        // top-level address fields describe the default bridge only, as in dockerd
        ns.put("EndpointID", bridge == null ? "" : bridge.endpointId());
        ns.put("Gateway", bridge == null ? "" : bridge.gateway());
        ns.put("GlobalIPv6Address", "");
        ns.put("GlobalIPv6PrefixLen", 0);
        ns.put("IPAddress", bridge == null ? "" : bridge.ipAddress());
        ns.put("IPPrefixLen", bridge == null ? 0 : bridge.ipPrefixLen());
        ns.put("IPv6Gateway", "");
        ns.put("MacAddress", bridge == null ? "" : bridge.macAddress());
        ns.put("Networks", networksWire(c));
        m.put("NetworkSettings", ns);
        return m;
    }

    void prune(HttpRequest req, HttpResponse resp) throws IOException {
        Filters f = req.filters();
        List<String> deleted = new ArrayList<>();
        for (Container c : new ArrayList<>(containers.all())) {
            if (c.state.running || c.state.restarting || c.state.paused) continue;
            if (!f.matchLabels("label", c.labels())) continue;
            try {
                containers.remove(c.id, false, false);
                deleted.add(c.id);
            } catch (WharfException ignored) {
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ContainersDeleted", deleted.isEmpty() ? null : deleted);
        m.put("SpaceReclaimed", 0);
        resp.json(200, m);
    }

    void update(HttpRequest req, HttpResponse resp) throws IOException {
        Container c = containers.get(req.param("id"));
        JsonNode body = req.json(JsonNode.class, Json.MAPPER.createObjectNode());
        synchronized (c) {
            if (body.path("RestartPolicy").isObject()) c.hostConfig.set("RestartPolicy", body.get("RestartPolicy"));
            containers.save(c);
        }
        resp.json(200, Map.of("Warnings", List.of()));
    }

    // ---------------------------------------------------------------- wait

    void waitFor(HttpRequest req, HttpResponse resp) throws Exception {
        Container c = containers.get(req.param("id"));
        CompletableFuture<Container.State> f = containers.waitFor(c.id, req.query("condition"));
        // Headers go out now: the CLI does not send start until it has them (wire notes §6).
        OutputStream out = resp.stream(200, "application/json");
        resp.onClientClose(() -> {
            containers.cancelWait(c.id, f);
            f.cancel(false);
        });
        Container.State st;
        try {
            st = f.get();
        } catch (Exception e) {
            return; // client went away (docker run -d)
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("StatusCode", st.exitCode);
        body.put("Error", null);
        out.write(Json.bytes(body));
        out.write('\n');
    }

    // ---------------------------------------------------------------- attach

    void attach(HttpRequest req, HttpResponse resp) throws Exception {
        Container c = containers.get(req.param("id"));
        boolean stdin = req.bool("stdin"), stdout = req.bool("stdout"), stderr = req.bool("stderr");
        boolean tty = c.tty();
        boolean upgrade = req.header("upgrade") != null;
        String ctype = !tty && req.apiAtLeast("1.42") ? "application/vnd.docker.multiplexed-stream" : "application/vnd.docker.raw-stream";
        if (!req.bool("stream")) {
            Hijack h = resp.hijack(upgrade, ctype);
            if (req.bool("logs")) {
                for (LogEntry e : containers.runtime().logs(c.id, -1)) write(h.out(), tty, e.stream(), e.content(), stdout, stderr);
            }
            h.finish(Duration.ofSeconds(2));
            return;
        }
        // The attachment is registered BEFORE the 101 goes out: the CLI sends start as soon as it has the 101, and a
        // start that ran before the registration would lose the output (and the attach would never end). Output
        // that arrives before the socket is ours is held in a small buffer.
        CountDownLatch done = new CountDownLatch(1);
        Deferred out = new Deferred();
        OutputSink sink = new OutputSink() {
            @Override
            public void onOutput(StreamType s, byte[] d, int off, int len) {
                try {
                    byte[] b = new byte[len];
                    System.arraycopy(d, off, b, 0, len);
                    write(out, tty, s, b, stdout, stderr);
                } catch (IOException e) {
                    // the client went away; the process keeps running, this attachment ends
                    done.countDown();
                }
            }

            @Override
            public void onClose() {
                done.countDown();
            }
        };
        CompletableFuture<Attachment> af = containers.attach(c, stdin && c.config.path("OpenStdin").asBoolean(false), sink);
        Hijack h;
        try {
            h = resp.hijack(upgrade, ctype);
            if (req.bool("logs")) {
                for (LogEntry e : containers.runtime().logs(c.id, -1)) write(h.out(), tty, e.stream(), e.content(), stdout, stderr);
            }
            out.connect(h.out());
        } catch (IOException e) {
            containers.cancelPendingAttach(c.id, af);
            Attachment a = af.isDone() && !af.isCompletedExceptionally() ? af.getNow(null) : null;
            if (a != null) a.close();
            throw e;
        }
        events(c, "attach");
        if (stdin) {
            Thread.ofVirtual().start(() -> pumpStdin(h.in(), af));
        } else {
            h.discardInput();
        }
        // End when the process's output ends (or the client is gone: a write failed). A client EOF means nothing
        // here: the CLI half-closes right after the hijack when it has no stdin to send (moby's beginInputStream).
        done.await();
        Attachment a = af.isDone() && !af.isCompletedExceptionally() ? af.getNow(null) : null;
        if (a != null) a.close();
        h.finish(Duration.ofSeconds(5));
    }

    /** An output that buffers until the real stream is connected, then writes through. */
    static final class Deferred extends OutputStream {
        private OutputStream target;
        private java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

        synchronized void connect(OutputStream t) throws IOException {
            target = t;
            if (pending.size() > 0) t.write(pending.toByteArray());
            pending = null;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (target != null) target.write(b, off, len);
            else if (pending.size() + len > 8 << 20) throw new IOException("attach output buffer overflow");
            else pending.write(b, off, len);
        }
    }

    private static void write(OutputStream out, boolean tty, StreamType s, byte[] b, boolean stdout, boolean stderr) throws IOException {
        if (s == StreamType.STDERR && !stderr) return;
        if (s == StreamType.STDOUT && !stdout) return;
        if (tty) {
            synchronized (out) {
                out.write(b);
            }
        } else {
            StdCopy.write(out, s == StreamType.STDERR ? StdCopy.STDERR : StdCopy.STDOUT, b, 0, b.length);
        }
    }

    private static void pumpStdin(InputStream in, CompletableFuture<Attachment> af) {
        byte[] buf = new byte[32 * 1024];
        Attachment a = null;
        try {
            a = af.get();
        } catch (Exception e) {
            // never attached: just drain
        }
        boolean writable = a != null;
        try {
            int n;
            while ((n = in.read(buf, 0, buf.length)) >= 0) {
                if (writable) {
                    try {
                        a.writeStdin(buf, 0, n);
                    } catch (IOException | RuntimeException e) {
                        writable = false; // process gone: keep draining so the client sees a clean close
                    }
                }
            }
        } catch (IOException ignored) {
        }
        if (a != null) {
            try {
                a.closeStdin();
            } catch (IOException | RuntimeException ignored) {
            }
        }
    }

    private void events(Container c, String action) {
        containers.events().emit("container", action, c.id, containers.attrs(c));
    }

    void resize(HttpRequest req, HttpResponse resp) throws IOException {
        Container c = containers.get(req.param("id"));
        Integer h = req.intQuery("h"), w = req.intQuery("w");
        if (!c.state.running) throw WharfException.conflict("Container %s is not running", c.id);
        containers.runtime().resize(c.id, h == null ? 0 : h, w == null ? 0 : w);
        resp.send(200, "text/plain; charset=utf-8", new byte[0]);
    }

    // ---------------------------------------------------------------- logs

    void logs(HttpRequest req, HttpResponse resp) throws Exception {
        Container c = containers.get(req.param("id"));
        boolean stdout = req.bool("stdout"), stderr = req.bool("stderr");
        if (!stdout && !stderr) throw WharfException.invalid("Bad parameters: you must choose at least one stream");
        boolean follow = req.bool("follow"), ts = req.bool("timestamps");
        String tailS = req.query("tail", "all");
        int tail;
        try {
            tail = tailS.equals("all") || tailS.isEmpty() ? -1 : Integer.parseInt(tailS);
        } catch (NumberFormatException e) {
            tail = -1;
        }
        Instant since = parseTime(req.query("since")), until = parseTime(req.query("until"));
        boolean tty = c.tty();
        String ctype = !tty && req.apiAtLeast("1.42") ? "application/vnd.docker.multiplexed-stream" : "application/vnd.docker.raw-stream";
        OutputStream out = resp.stream(200, ctype);
        java.util.function.Consumer<LogEntry> sink = e -> {
            if (since != null && e.time().isBefore(since)) return;
            if (until != null && e.time().isAfter(until)) return;
            byte[] b = e.content();
            if (ts) {
                byte[] p = (Wire.time(e.time()) + " ").getBytes(StandardCharsets.UTF_8);
                byte[] x = new byte[p.length + b.length];
                System.arraycopy(p, 0, x, 0, p.length);
                System.arraycopy(b, 0, x, p.length, b.length);
                b = x;
            }
            try {
                write(out, tty, e.stream(), b, stdout, stderr);
            } catch (IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        };
        if (!follow || !c.state.running) {
            for (LogEntry e : containers.runtime().logs(c.id, tail)) {
                try {
                    sink.accept(e);
                } catch (java.io.UncheckedIOException ex) {
                    return;
                }
            }
            return;
        }
        LogFollow lf = containers.runtime().followLogs(c.id, tail, e -> {
            try {
                sink.accept(e);
            } catch (java.io.UncheckedIOException ignored) {
            }
        });
        resp.onClientClose(lf::close);
        try {
            if (until != null) lf.done().get(Math.max(1, Duration.between(Instant.now(), until).toMillis()), TimeUnit.MILLISECONDS);
            else lf.done().get();
        } catch (Exception ignored) {
        } finally {
            lf.close();
        }
    }

    /** Docker's since/until: unix seconds with optional fraction, or RFC 3339. */
    static Instant parseTime(String s) {
        if (s == null || s.isEmpty()) return null;
        try {
            if (s.matches("\\d+(\\.\\d+)?")) {
                int dot = s.indexOf('.');
                long secs = Long.parseLong(dot < 0 ? s : s.substring(0, dot));
                long nanos = 0;
                if (dot >= 0) {
                    String f = (s.substring(dot + 1) + "000000000").substring(0, 9);
                    nanos = Long.parseLong(f);
                }
                return Instant.ofEpochSecond(secs, nanos);
            }
            return java.time.OffsetDateTime.parse(s).toInstant();
        } catch (RuntimeException e) {
            throw WharfException.invalid("invalid time value: %s", s);
        }
    }

    // ---------------------------------------------------------------- top, stats

    void top(HttpRequest req, HttpResponse resp) throws IOException {
        Container c = containers.get(req.param("id"));
        if (!c.state.running) throw WharfException.conflict("Container %s is not running", c.id);
        String ps = req.query("ps_args", "");
        TopResult t = containers.runtime().top(c.id, ps.isBlank() ? List.of() : List.of(ps.trim().split("\\s+")));
        resp.json(200, Map.of("Titles", t.titles(), "Processes", t.processes()));
    }

    void stats(HttpRequest req, HttpResponse resp) throws Exception {
        Container c = containers.get(req.param("id"));
        boolean stream = req.bool("stream", true) && !req.bool("one-shot");
        OutputStream out = resp.stream(200, "application/json");
        ContainerStats prev = null;
        if (!stream) {
            ContainerStats a = statsOrNull(c);
            if (a != null && !req.bool("one-shot")) {
                // the CLI computes CPU% from precpu_stats: take a second sample shortly after
                Thread.sleep(100);
                ContainerStats b = statsOrNull(c);
                if (b != null) {
                    prev = a;
                    a = b;
                }
            }
            out.write(Json.bytes(statsBody(c, a, prev)));
            out.write('\n');
            return;
        }
        java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
        resp.onClientClose(() -> gone.set(true));
        while (!gone.get()) {
            ContainerStats now = statsOrNull(c);
            try {
                out.write(Json.bytes(statsBody(c, now, prev)));
                out.write('\n');
            } catch (IOException e) {
                return;
            }
            if (now == null && !c.state.running) return;
            prev = now;
            Thread.sleep(1000);
        }
    }

    private ContainerStats statsOrNull(Container c) {
        if (!c.state.running) return null;
        try {
            return containers.runtime().stats(c.id);
        } catch (RuntimeException e) {
            return null;
        }
    }

    static Map<String, Object> statsBody(Container c, ContainerStats s, ContainerStats prev) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("read", s == null ? Wire.ZERO_TIME : Wire.time(s.read()));
        m.put("preread", prev == null ? Wire.ZERO_TIME : Wire.time(prev.read()));
        m.put("pids_stats", s == null ? Map.of() : pids(s));
        Map<String, Object> blk = new LinkedHashMap<>();
        List<Map<String, Object>> io = new ArrayList<>();
        if (s != null) for (ContainerStats.BlkioEntry e : s.blkio())
            io.add(Map.of("major", e.major(), "minor", e.minor(), "op", e.op().toLowerCase(), "value", e.value()));
        blk.put("io_service_bytes_recursive", s == null ? null : io);
        for (String k : List.of("io_serviced_recursive", "io_queue_recursive", "io_service_time_recursive", "io_wait_time_recursive", "io_merged_recursive", "io_time_recursive", "sectors_recursive"))
            blk.put(k, null);
        m.put("blkio_stats", blk);
        m.put("num_procs", 0);
        m.put("storage_stats", Map.of());
        m.put("cpu_stats", cpu(s));
        m.put("precpu_stats", cpu(prev));
        Map<String, Object> mem = new LinkedHashMap<>();
        if (s != null) {
            mem.put("usage", s.memoryUsage());
            if (s.memoryMaxUsage() > 0) mem.put("max_usage", s.memoryMaxUsage());
            mem.put("stats", s.memoryStats());
            mem.put("limit", s.memoryLimit());
        }
        m.put("memory_stats", mem);
        m.put("name", c.name);
        m.put("id", c.id);
        if (s != null && !s.networks().isEmpty()) {
            Map<String, Object> nets = new LinkedHashMap<>();
            s.networks().forEach((k, v) -> {
                Map<String, Object> n = new LinkedHashMap<>();
                n.put("rx_bytes", v.rxBytes());
                n.put("rx_packets", v.rxPackets());
                n.put("rx_errors", v.rxErrors());
                n.put("rx_dropped", v.rxDropped());
                n.put("tx_bytes", v.txBytes());
                n.put("tx_packets", v.txPackets());
                n.put("tx_errors", v.txErrors());
                n.put("tx_dropped", v.txDropped());
                nets.put(k, n);
            });
            m.put("networks", nets);
        }
        return m;
    }

    private static Map<String, Object> pids(ContainerStats s) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("current", s.pidsCurrent());
        if (s.pidsLimit() > 0) p.put("limit", s.pidsLimit());
        return p;
    }

    private static Map<String, Object> cpu(ContainerStats s) {
        Map<String, Object> cpu = new LinkedHashMap<>();
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("total_usage", s == null ? 0 : s.cpuTotalNs());
        if (s != null && !s.perCpuNs().isEmpty()) usage.put("percpu_usage", s.perCpuNs());
        usage.put("usage_in_kernelmode", s == null ? 0 : s.cpuSystemNs());
        usage.put("usage_in_usermode", s == null ? 0 : s.cpuUserNs());
        cpu.put("cpu_usage", usage);
        if (s != null) {
            cpu.put("system_cpu_usage", s.systemCpuNs());
            cpu.put("online_cpus", s.onlineCpus());
        }
        cpu.put("throttling_data", Map.of("periods", 0, "throttled_periods", 0, "throttled_time", 0));
        return cpu;
    }

    // ---------------------------------------------------------------- archive (docker cp), export, changes

    /**
     * The filesystem root to read or write for docker cp: a running container's /proc/PID/root (so volumes, binds
     * and tmpfs mounts are seen as the process sees them), else its rootfs snapshot.
     */
    private Path fsRoot(Container c) {
        {
            if (c.state.running && c.state.pid > 0) {
                Path p = Path.of("/proc/" + c.state.pid + "/root");
                if (java.nio.file.Files.exists(p)) return p;
            }
            if (c.rootfs != null && java.nio.file.Files.isDirectory(Path.of(c.rootfs))) return Path.of(c.rootfs);
            Path p = containers.images().mountRootfs(c.id, c.imageId);
            c.rootfs = p.toString();
            containers.save(c);
            return p;
        }
    }

    /**
     * Where a docker cp path really lives: a root and the path inside it; {@code baseName} is the container path's
     * own base name when the path is a mount point read through its source (null otherwise).
     */
    record CpTarget(Path root, String path, boolean readOnly, String baseName) {}

    /**
     * A stopped container has no mount namespace to look through, so docker cp resolves paths under a volume or bind
     * mount to the mount's source itself (dockerd mounts them for the copy). A running container is seen through
     * /proc/PID/root, where the mounts already are. A mount point itself is read through its source too, its tar
     * entries named as the container path ({@link CpTarget#baseName}).
     */
    CpTarget cpTarget(Container c, String path, boolean extraction) {
        Path root = fsRoot(c);
        if (c.state.running && root.startsWith("/proc")) return new CpTarget(root, path, false, null);
        String clean = "/" + Path.of("/").resolve(path.startsWith("/") ? path.substring(1) : path).normalize().toString()
                .replaceFirst("^/+", "");
        boolean dotted = path.endsWith("/.");
        Container.MountPoint best = null;
        for (Container.MountPoint m : c.mounts) {
            if (m.source() == null || m.source().isEmpty() || m.destination() == null) continue;
            if (!m.type().equals("volume") && !m.type().equals("bind")) continue;
            String d = m.destination().replaceAll("/+$", "");
            boolean under = clean.startsWith(d + "/");
            boolean at = clean.equals(d);
            if ((under || at) && (best == null || d.length() > best.destination().replaceAll("/+$", "").length())) best = m;
        }
        if (best == null) return new CpTarget(root, path, false, null);
        String d = best.destination().replaceAll("/+$", "");
        String rest = clean.substring(d.length());
        if (rest.isEmpty()) rest = "/";
        if (dotted && !rest.endsWith("/.")) rest = rest.equals("/") ? "/." : rest + "/.";
        String baseName = null;
        if (rest.equals("/") && !extraction) {
            String[] seg = clean.split("/");
            baseName = seg.length == 0 ? "." : seg[seg.length - 1];
        }
        return new CpTarget(Path.of(best.source()), rest, !best.rw(), baseName);
    }

    private static String statHeader(PathStat st) {
        return Base64.getEncoder().encodeToString(st.toJson().getBytes(StandardCharsets.UTF_8));
    }

    private static String cpPath(HttpRequest req) {
        String p = req.query("path");
        if (p == null || p.isEmpty()) throw WharfException.invalid("path is required");
        return p;
    }

    private PathStat statIn(Container c, Path root, String path) {
        try {
            return Archive.stat(root, path);
        } catch (WharfException e) {
            if (e.kind() == io.wharf.common.ErrorKind.NOT_FOUND)
                throw WharfException.notFound("Could not find the file %s in container %s", path, c.bareName());
            throw e;
        }
    }

    void archiveHead(HttpRequest req, HttpResponse resp) throws IOException {
        Container c = containers.get(req.param("id"));
        String path = cpPath(req);
        CpTarget t = cpTarget(c, path, true);
        PathStat st = statIn(c, t.root(), t.path());
        if (!t.root().equals(fsRoot(c))) {
            // stat of a mount point through its source: the name stays the container path's base name
            String[] seg = path.replaceAll("/+$", "").split("/");
            String name = path.endsWith("/.") ? "." : seg.length == 0 ? "/" : seg[seg.length - 1];
            st = new PathStat(name, st.size(), st.mode(), st.mtime(), st.linkTarget());
        }
        resp.header("X-Docker-Container-Path-Stat", statHeader(st));
        resp.send(200, "application/json", new byte[0]);
    }

    void archiveGet(HttpRequest req, HttpResponse resp) throws IOException {
        Container c = containers.get(req.param("id"));
        CpTarget t = cpTarget(c, cpPath(req), false);
        Path root = t.root();
        String path = t.path();
        PathStat st = statIn(c, root, path);
        if (t.baseName() != null) st = new PathStat(t.baseName(), st.size(), st.mode(), st.mtime(), st.linkTarget());
        resp.header("X-Docker-Container-Path-Stat", statHeader(st));
        OutputStream out = resp.stream(200, "application/x-tar");
        Archive.tar(root, path, t.baseName(), new java.io.BufferedOutputStream(out, 64 * 1024) {
            @Override
            public void close() throws IOException {
                flush();
            }
        });
    }

    void archivePut(HttpRequest req, HttpResponse resp) throws IOException {
        Container c = containers.get(req.param("id"));
        CpTarget t = cpTarget(c, cpPath(req), true);
        Path root = t.root();
        String path = t.path();
        PathStat st = statIn(c, root, path);
        if (!st.isDir()) throw WharfException.invalid("extraction point is not a directory");
        if (t.readOnly()) throw WharfException.precondition("mounted volume is marked read-only");
        if (t.root().equals(fsRoot(c)) && c.hostConfig.path("ReadonlyRootfs").asBoolean(false)) throw WharfException.precondition("container rootfs is marked read-only");
        ExtractOptions opts = req.bool("copyUIDGID") ? ExtractOptions.COPY_PRESERVE : ExtractOptions.copy(0, 0);
        Archive.extract(root, path, new java.io.BufferedInputStream(req.body(), 64 * 1024), opts);
        resp.send(200, "text/plain; charset=utf-8", new byte[0]);
    }

    void export(HttpRequest req, HttpResponse resp) throws IOException {
        Container c = containers.get(req.param("id"));
        OutputStream out = resp.stream(200, "application/x-tar");
        java.io.BufferedOutputStream bo = new java.io.BufferedOutputStream(out, 64 * 1024);
        containers.images().export(c.id, c.imageId, bo);
        bo.flush();
        events(c, "export");
    }

    void changes(HttpRequest req, HttpResponse resp) throws IOException {
        Container c = containers.get(req.param("id"));
        List<Map<String, Object>> out = new ArrayList<>();
        for (io.wharf.image.Change ch : containers.images().changes(c.id)) out.add(Map.of("Path", ch.path(), "Kind", ch.kind()));
        resp.json(200, out.isEmpty() ? null : out);
    }
}
