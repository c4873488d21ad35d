package io.wharf.engine;

import io.wharf.engine.wire.ApiVersion;
import io.wharf.engine.wire.HttpRequest;
import io.wharf.engine.wire.HttpResponse;
import io.wharf.engine.wire.Router;

import io.wharf.common.Json;
import io.wharf.engine.wire.Filters;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** _ping, version, info, events, system df. */
final class SystemApi {
    static final String VERSION = "28.2.2-wharf";
    private final Containers containers;
    private final EngineConfig config;
    private final String engineId;

    SystemApi(Containers containers, EngineConfig config, String engineId) {
        this.containers = containers;
        this.config = config;
        this.engineId = engineId;
    }

    /** The routes that need no engine state (also used by wire tests). */
    static void basicRoutes(Router r) {
        r.add("GET", "/_ping", SystemApi::ping);
        r.add("HEAD", "/_ping", SystemApi::ping);
        r.add("GET", "/version", SystemApi::version);
    }

    void routes(Router r) {
        basicRoutes(r);
        r.add("GET", "/info", this::info);
        r.add("GET", "/events", this::events);
        r.add("GET", "/system/df", this::df);
    }

    void info(HttpRequest req, HttpResponse resp) throws IOException {
        int running = 0, paused = 0, stopped = 0, total = 0;
        for (Container c : containers.all()) {
            total++;
            if (c.state.paused) paused++;
            else if (c.state.running) running++;
            else stopped++;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", engineId);
        m.put("Containers", total);
        m.put("ContainersRunning", running);
        m.put("ContainersPaused", paused);
        m.put("ContainersStopped", stopped);
        m.put("Images", containers.images().count());
        m.put("Driver", "overlay2");
        m.put("DriverStatus", List.of(List.of("Backing Filesystem", "extfs"), List.of("Supports d_type", "true"), List.of("Using metacopy", "false"), List.of("Native Overlay Diff", "true"), List.of("userxattr", "false")));
        m.put("Plugins", Map.of("Volume", List.of("local"), "Network", List.of("bridge", "host", "null"), "Authorization", List.of(), "Log", List.of("k8s-file")));
        m.put("MemoryLimit", true);
        m.put("SwapLimit", true);
        m.put("CpuCfsPeriod", true);
        m.put("CpuCfsQuota", true);
        m.put("CPUShares", true);
        m.put("CPUSet", true);
        m.put("PidsLimit", true);
        m.put("IPv4Forwarding", true);
        m.put("Debug", false);
        m.put("NFd", countFds());
        m.put("OomKillDisable", false);
        m.put("NGoroutines", Thread.activeCount());
        m.put("SystemTime", java.time.OffsetDateTime.now().toString());
        m.put("LoggingDriver", "k8s-file");
        m.put("CgroupDriver", "cgroupfs");
        m.put("CgroupVersion", SystemInfo.cgroupVersion());
        m.put("NEventsListener", 0);
        m.put("KernelVersion", SystemInfo.kernelVersion());
        m.put("OperatingSystem", SystemInfo.operatingSystem());
        m.put("OSVersion", "");
        m.put("OSType", "linux");
        m.put("Architecture", "x86_64");
        m.put("IndexServerAddress", "https://index.docker.io/v1/");
        m.put("RegistryConfig", Map.of("InsecureRegistryCIDRs", List.of("127.0.0.0/8"), "IndexConfigs", Map.of(), "Mirrors", List.of()));
        m.put("NCPU", SystemInfo.ncpu());
        m.put("MemTotal", SystemInfo.memTotal());
        m.put("GenericResources", null);
        m.put("DockerRootDir", config.root().toString());
        m.put("HttpProxy", "");
        m.put("HttpsProxy", "");
        m.put("NoProxy", "");
        m.put("Name", SystemInfo.hostname());
        m.put("Labels", List.of());
        m.put("ExperimentalBuild", false);
        m.put("ServerVersion", VERSION);
        String rt = containers.runtime().runtimeName();
        m.put("Runtimes", Map.of(rt, Map.of("path", config.runtimeBinary())));
        m.put("DefaultRuntime", rt);
        m.put("Swarm", Map.of("NodeID", "", "NodeAddr", "", "LocalNodeState", "inactive", "ControlAvailable", false, "Error", "", "RemoteManagers", List.of()));
        m.put("LiveRestoreEnabled", true);
        m.put("Isolation", "");
        m.put("InitBinary", "");
        m.put("ContainerdCommit", Map.of("ID", ""));
        m.put("RuncCommit", Map.of("ID", ""));
        m.put("InitCommit", Map.of("ID", ""));
        m.put("SecurityOptions", List.of("name=seccomp,profile=builtin"));
        m.put("Warnings", List.of());
        resp.json(200, m);
    }

    private static long countFds() {
        String[] l = new java.io.File("/proc/self/fd").list();
        return l == null ? 0 : l.length;
    }

    void events(HttpRequest req, HttpResponse resp) throws Exception {
        Instant since = ContainersApi.parseTime(req.query("since"));
        Instant until = ContainersApi.parseTime(req.query("until"));
        Filters f = req.filters();
        java.util.concurrent.LinkedBlockingQueue<Events.Event> q = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.function.Consumer<Events.Event> sub = q::add;
        List<Events.Event> past = containers.events().subscribe(sub);
        OutputStream out = resp.stream(200, "application/json");
        java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
        resp.onClientClose(() -> { gone.set(true); q.add(new Events.Event("", "", "", Map.of(), 0)); });
        try {
            long sinceNs = since == null ? Long.MAX_VALUE : since.getEpochSecond() * 1_000_000_000L + since.getNano();
            long untilNs = until == null ? Long.MAX_VALUE : until.getEpochSecond() * 1_000_000_000L + until.getNano();
            java.util.Set<Events.Event> sent = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            if (since != null) for (Events.Event e : past) {
                if (e.timeNano() >= sinceNs && e.timeNano() <= untilNs && matches(e, f)) {
                    out.write(Json.bytes(e.toWire()));
                    out.write('\n');
                }
                sent.add(e);
            } else sent.addAll(past);
            while (!gone.get()) {
                long waitMs = until == null ? 60_000 : Duration.between(Instant.now(), until).toMillis();
                if (until != null && waitMs <= 0) return;
                Events.Event e = q.poll(Math.max(1, waitMs), java.util.concurrent.TimeUnit.MILLISECONDS);
                if (e == null) continue;
                if (e.type().isEmpty() || sent.contains(e)) continue;
                if (e.timeNano() > untilNs) return;
                if (!matches(e, f)) continue;
                out.write(Json.bytes(e.toWire()));
                out.write('\n');
            }
        } finally {
            containers.events().unsubscribe(sub);
        }
    }

    static boolean matches(Events.Event e, Filters f) {
        if (!f.match("type", v -> v.equals(e.type()))) return false;
        if (!f.match("event", v -> e.action().equals(v) || e.action().startsWith(v + ":"))) return false;
        String name = e.attributes().getOrDefault("name", "");
        if (e.type().equals("container") && !f.match("container", v -> e.actorId().startsWith(v) || name.equals(v))) return false;
        if (!e.type().equals("container") && f.has("container")) return false;
        if (!f.match("image", v -> v.equals(e.attributes().get("image")) || (e.type().equals("image") && (e.actorId().contains(v) || name.equals(v))))) return false;
        if (e.type().equals("network") && !f.match("network", v -> e.actorId().startsWith(v) || name.equals(v))) return false;
        if (e.type().equals("volume") && !f.match("volume", v -> e.actorId().equals(v))) return false;
        if (!f.matchLabels("label", e.attributes())) return false;
        return true;
    }

    void df(HttpRequest req, HttpResponse resp) throws IOException {
        containers.awaitCleanups(); // sizes without the leftovers of --rm containers answered as removed
        Map<String, Object> m = new LinkedHashMap<>();
        ImageAdapter.DiskUsage du = containers.images().diskUsage(containers);
        m.put("LayersSize", du.layersSize());
        m.put("Images", du.images());
        ContainersApi capi = new ContainersApi(containers);
        List<Object> cs = new ArrayList<>();
        for (Container c : containers.all()) cs.add(capi.summary(c, c.state.copy(), true));
        m.put("Containers", cs);
        List<Object> vs = new ArrayList<>();
        for (Volumes.Volume v : containers.volumes().list()) {
            vs.add(containers.volumes().toWire(v, Map.of("Size", containers.volumes().size(v.name()), "RefCount", containers.volumeUsers(v.name()).size())));
        }
        m.put("Volumes", vs);
        m.put("BuildCache", List.of());
        resp.json(200, m);
    }

    static void ping(HttpRequest req, HttpResponse resp) throws IOException {
        resp.header("Builder-Version", "1").header("Swarm", "inactive")
                .header("Cache-Control", "no-cache, no-store, must-revalidate").header("Pragma", "no-cache");
        resp.send(200, "text/plain; charset=utf-8", "OK".getBytes());
    }

    static void version(HttpRequest req, HttpResponse resp) throws IOException {
        resp.json(200, versionBody());
    }

    static Map<String, Object> versionBody() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("ApiVersion", ApiVersion.MAX.toString());
        details.put("Arch", "amd64");
        details.put("BuildTime", "2026-01-01T00:00:00.000000000+00:00");
        details.put("Experimental", "false");
        details.put("GitCommit", "wharf");
        details.put("GoVersion", "java" + Runtime.version().feature());
        details.put("KernelVersion", SystemInfo.kernelVersion());
        details.put("MinAPIVersion", ApiVersion.MIN.toString());
        details.put("Os", "linux");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Platform", Map.of("Name", "Wharf Engine"));
        m.put("Components", List.of(Map.of("Name", "Engine", "Version", VERSION, "Details", details)));
        m.put("Version", VERSION);
        m.put("ApiVersion", ApiVersion.MAX.toString());
        m.put("MinAPIVersion", ApiVersion.MIN.toString());
        m.put("GitCommit", "wharf");
        m.put("GoVersion", "java" + Runtime.version().feature());
        m.put("Os", "linux");
        m.put("Arch", "amd64");
        m.put("KernelVersion", SystemInfo.kernelVersion());
        m.put("BuildTime", "2026-01-01T00:00:00.000000000+00:00");
        return m;
    }
}
