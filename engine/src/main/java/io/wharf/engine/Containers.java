package io.wharf.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.common.AtomicFiles;
import io.wharf.common.ErrorKind;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.network.AttachRequest;
import io.wharf.network.Endpoint;
import io.wharf.network.NetworkManager;
import io.wharf.network.NetworkMode;
import io.wharf.network.PortBinding;
import io.wharf.oci.ImageConfig;
import io.wharf.runtime.Attachment;
import io.wharf.runtime.ContainerRuntime;
import io.wharf.runtime.ContainerSpec;
import io.wharf.runtime.ContainerState;
import io.wharf.runtime.ContainerStatus;
import io.wharf.runtime.ExitStatus;
import io.wharf.runtime.Mount;
import io.wharf.runtime.NamespaceMode;
import io.wharf.runtime.OutputSink;
import io.wharf.runtime.Resources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Container management: the records (persisted atomically), their lifecycle through the runtime, networking
 * through the network module, rootfs through the image module, waits, restart policies and re-adoption.
 *
 * <p>Locking: lifecycle operations (start, remove, pause) hold the container's {@code op} lock so two never
 * interleave on one container; short record updates and saves use its monitor ({@code synchronized (c)}); readers
 * (ps, inspect) take neither and read a copy of the state.
 */
public final class Containers {
    private static final Logger log = LoggerFactory.getLogger(Containers.class);
    private static final Logger trace = LoggerFactory.getLogger("io.wharf.engine.trace");
    static final String FILE = "config.v2.json";

    private final Path dir;
    private final ContainerRuntime runtime;
    private final NetworkManager network;
    private final ImageAdapter images;
    private final Volumes volumes;
    private final Events events;
    private final Clock clock;
    private final HealthMonitor health = new HealthMonitor(this);
    private final Map<String, Container> byId = new ConcurrentHashMap<>();
    private final Map<String, String> byName = new ConcurrentHashMap<>();
    /** Waiters for the next exit of a container. */
    private final Map<String, List<CompletableFuture<Container.State>>> exitWaiters = new ConcurrentHashMap<>();
    /** Waiters for a container's removal. */
    private final Map<String, List<CompletableFuture<Container.State>>> removeWaiters = new ConcurrentHashMap<>();
    /** Attachments asked for before start (docker run attaches first): connected right after runtime create. */
    private final Map<String, List<PendingAttach>> pendingAttach = new ConcurrentHashMap<>();
    /** Containers whose exit is being watched, so one exit is handled once. */
    private final Set<String> watching = ConcurrentHashMap.newKeySet();
    /** Removals answered before their files were gone (see destroy): container id -> done. */
    private final Map<String, CompletableFuture<Void>> cleanups = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** An attach waiting for the container to be created in the runtime. */
    record PendingAttach(boolean stdin, OutputSink sink, CompletableFuture<Attachment> attached) {}

    Containers(Path root, ContainerRuntime runtime, NetworkManager network, ImageAdapter images, Volumes volumes, Events events, Clock clock) {
        this.dir = root.resolve("containers");
        this.runtime = runtime;
        this.network = network;
        this.images = images;
        this.volumes = volumes;
        this.events = events;
        this.clock = clock;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ContainerRuntime runtime() { return runtime; }

    boolean exists(String id) { return byId.containsKey(id); }

    /** The engine is shutting down: background work (health probes) stops; the containers keep running. */
    boolean closed() { return closed; }
    NetworkManager network() { return network; }
    ImageAdapter images() { return images; }
    Volumes volumes() { return volumes; }
    Events events() { return events; }
    Clock clock() { return clock; }
    Path dirOf(String id) { return dir.resolve(id); }

    // ---------------------------------------------------------------- lookup & persistence

    /** By full ID, name (with or without "/"), or unique ID prefix: dockerd's lookup order. */
    public Container get(String ref) {
        Container c = find(ref);
        if (c == null) throw WharfException.notFound("No such container: %s", ref);
        return c;
    }

    public Container find(String ref) {
        if (ref == null || ref.isEmpty()) return null;
        Container c = byId.get(ref);
        if (c != null) return c;
        String n = ref.startsWith("/") ? ref : "/" + ref;
        String id = byName.get(n);
        if (id != null && (c = byId.get(id)) != null) return c;
        if (ref.matches("[0-9a-f]{1,64}")) {
            Container found = null;
            for (Container x : byId.values()) {
                if (x.id.startsWith(ref)) {
                    if (found != null) throw WharfException.invalid("multiple IDs found with provided prefix: %s", ref);
                    found = x;
                }
            }
            return found;
        }
        return null;
    }

    public Collection<Container> all() {
        return byId.values();
    }

    void save(Container c) {
        save(c, true);
    }

    /**
     * Writes the record. {@code durable}: fsync the file and the directory (AtomicFiles); otherwise only write a
     * temp file and rename it over the record, which is atomic against a crash of Wharf but may lose the update on
     * power loss. The quick form is for the run path's state changes (start, exit; the record of a --rm container):
     * the two fsyncs cost several ms each on this disk, and what they protect is re-derived at the next engine start
     * from the runtime's own state (load() reconciles running/exited, and removes stopped --rm containers).
     */
    void save(Container c, boolean durable) {
        synchronized (c) {
            if (!byId.containsKey(c.id)) return; // removed meanwhile: never resurrect its file
            Path target = dir.resolve(c.id).resolve(FILE);
            try {
                if (durable) {
                    AtomicFiles.writeJson(target, c);
                } else {
                    Path tmp = target.resolveSibling("." + FILE + ".tmp-" + Thread.currentThread().threadId());
                    Files.write(tmp, Json.COMPACT.writerWithDefaultPrettyPrinter().writeValueAsBytes(c));
                    Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw WharfException.internal("cannot save container " + c.id + ": " + e.getMessage(), e);
            }
        }
    }

    /** Loads every record, re-adopts containers still running under conmon, reconciles those that died. */
    void load() throws IOException {
        Map<String, ContainerState> live = new LinkedHashMap<>();
        try {
            for (ContainerState s : runtime.list()) live.put(s.id(), s);
        } catch (RuntimeException e) {
            log.warn("cannot list runtime containers: {}", e.toString());
        }
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Path f = p.resolve(FILE);
                if (!Files.exists(f)) continue;
                Container c;
                try {
                    c = Json.MAPPER.readValue(f.toFile(), Container.class);
                } catch (IOException e) {
                    log.warn("skipping unreadable container record {}: {}", f, e.toString());
                    continue;
                }
                byId.put(c.id, c);
                byName.put(c.name, c.id);
            }
        }
        for (Container c : byId.values()) {
            ContainerState s = live.get(c.id);
            if (s != null && s.running()) {
                synchronized (c) {
                    c.state.running = true;
                    c.state.paused = s.status() == ContainerStatus.PAUSED;
                    c.state.status = s.status().dockerName();
                    c.state.pid = s.pid();
                }
                log.info("re-adopted running container {} ({})", c.shortId(), c.name);
                watchExit(c);
                health.started(c, true);
            } else if (c.state.running || c.state.paused || c.state.restarting) {
                // It died while the engine was down: record the exit as conmon saw it, then apply policies.
                int code = s != null && s.exitCode() >= 0 ? s.exitCode() : 137;
                boolean oom = s != null && s.oomKilled();
                Instant fin = s != null && s.finishedAt() != null ? s.finishedAt() : clock.instant();
                Thread.ofVirtual().start(() -> handleExit(c, new ExitStatus(code, oom, fin)));
            } else if (c.autoRemove() && c.hasBeenStarted) {
                Thread.ofVirtual().start(() -> removeQuietly(c));
            }
        }
        // restart policy "always" and "unless-stopped" (not manually stopped) at daemon start, as dockerd does
        for (Container c : byId.values()) {
            if (c.state.running) continue;
            String p = restartPolicy(c);
            // "always" comes back at daemon start even after a manual stop (docker's documented rule)
            if (p.equals("always") || (p.equals("unless-stopped") && !c.manuallyStopped)) {
                if (c.hasBeenStarted) Thread.ofVirtual().start(() -> {
                    try {
                        start(c.id);
                    } catch (RuntimeException e) {
                        log.warn("restart of {} at start-up failed: {}", c.shortId(), e.getMessage());
                    }
                });
            }
        }
    }

    void close() {
        closed = true;
        awaitCleanups();
    }

    // ---------------------------------------------------------------- create

    /** POST /containers/create: validates, merges with the image config, records. Returns the new container. */
    public Container create(String name, ObjectNode body) throws IOException {
        if (body == null) throw WharfException.invalid("config cannot be empty in order to create a container");
        String imageRef = body.path("Image").asText("");
        if (imageRef.isEmpty()) throw WharfException.invalid("No image specified");
        ImageAdapter.Resolved img = images.resolve(imageRef);
        ObjectNode hc = body.path("HostConfig").isObject() ? ((ObjectNode) body.path("HostConfig")).deepCopy() : Json.MAPPER.createObjectNode();
        ObjectNode cfg = body.deepCopy();
        cfg.remove("HostConfig");
        cfg.remove("NetworkingConfig");
        // --network-alias / --ip of the first network: NetworkingConfig.EndpointsConfig.<net>.{Aliases,IPAMConfig}
        JsonNode epc = body.path("NetworkingConfig").path("EndpointsConfig");
        String id = Names.newId();
        mergeImageConfig(cfg, img.config(), id);
        validateHostConfig(hc, cfg);

        Container c = new Container();
        c.id = id;
        c.created = clock.instant();
        c.image = imageRef;
        c.imageId = img.id();
        c.config = cfg;
        c.hostConfig = hc;
        if (epc.isObject() && !epc.isEmpty()) c.endpointsConfig = (ObjectNode) epc.deepCopy();
        c.state = new Container.State();
        c.state.status = "created";
        c.logPath = dir.resolve(id).resolve("ctr.log").toString();
        c.mounts = planMounts(c, img.config());
        String wanted = name == null || name.isEmpty() ? null : (name.startsWith("/") ? name : "/" + name);
        if (wanted != null && !Names.VALID.matcher(wanted).matches())
            throw WharfException.invalid("Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
        synchronized (byName) {
            if (wanted == null) {
                for (int i = 0; wanted == null || byName.containsKey(wanted); i++) wanted = "/" + Names.random(i);
            } else if (byName.containsKey(wanted)) {
                throw WharfException.conflict("Conflict. The container name \"%s\" is already in use by container \"%s\". You have to remove (or rename) that container to be able to reuse that name.", wanted, byName.get(wanted));
            }
            c.name = wanted;
            Files.createDirectories(dir.resolve(id));
            byId.put(id, c);
            byName.put(wanted, id);
        }
        try {
            createVolumes(c);
            save(c, !c.autoRemove());
        } catch (RuntimeException | IOException e) {
            byId.remove(id);
            byName.remove(c.name);
            Volumes.deleteTree(dir.resolve(id));
            throw e;
        }
        events.emit("container", "create", id, Map.of("image", imageRef, "name", c.bareName()));
        return c;
    }

    /** moby's merge(userConf, imageConf) plus the defaults dockerd fills in. */
    static void mergeImageConfig(ObjectNode cfg, ImageConfig image, String id) {
        ImageConfig.ContainerConfig ic = image == null ? ImageConfig.ContainerConfig.EMPTY : image.configOrEmpty();
        boolean userEntrypoint = isSet(cfg.get("Entrypoint"));
        if (!userEntrypoint || cfg.path("Entrypoint").isEmpty()) {
            if (!isSet(cfg.get("Cmd")) || cfg.path("Cmd").isEmpty()) {
                if (ic.cmd() != null) cfg.set("Cmd", Json.MAPPER.valueToTree(ic.cmd()));
            }
            if (!userEntrypoint && ic.entrypoint() != null) cfg.set("Entrypoint", Json.MAPPER.valueToTree(ic.entrypoint()));
        }
        // Env: image first, user values override by key.
        Map<String, String> env = new LinkedHashMap<>();
        if (ic.env() != null) for (String e : ic.env()) env.put(key(e), e);
        if (cfg.path("Env").isArray()) for (JsonNode e : cfg.path("Env")) env.put(key(e.asText()), e.asText());
        if (env.keySet().stream().noneMatch("PATH"::equals))
            env = prepend(env, "PATH", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        cfg.set("Env", Json.MAPPER.valueToTree(new ArrayList<>(env.values())));
        if (cfg.path("WorkingDir").asText("").isEmpty() && ic.workingDir() != null) cfg.put("WorkingDir", ic.workingDir());
        if (cfg.path("User").asText("").isEmpty() && ic.user() != null) cfg.put("User", ic.user());
        if (cfg.path("StopSignal").asText("").isEmpty() && ic.stopSignal() != null) cfg.put("StopSignal", ic.stopSignal());
        mergeHealthcheck(cfg, ic.healthcheck());
        ObjectNode ports = cfg.path("ExposedPorts").isObject() ? (ObjectNode) cfg.get("ExposedPorts") : Json.MAPPER.createObjectNode();
        if (ic.exposedPorts() != null) for (String p : ic.exposedPorts().keySet()) if (!ports.has(p)) ports.putObject(p);
        if (!ports.isEmpty()) cfg.set("ExposedPorts", ports);
        ObjectNode vols = cfg.path("Volumes").isObject() ? (ObjectNode) cfg.get("Volumes") : Json.MAPPER.createObjectNode();
        if (ic.volumes() != null) for (String v : ic.volumes().keySet()) if (!vols.has(v)) vols.putObject(v);
        if (!vols.isEmpty()) cfg.set("Volumes", vols);
        ObjectNode labels = Json.MAPPER.createObjectNode();
        if (ic.labels() != null) ic.labels().forEach(labels::put);
        if (cfg.path("Labels").isObject()) labels.setAll((ObjectNode) cfg.get("Labels"));
        cfg.set("Labels", labels);
        if (cfg.path("Hostname").asText("").isEmpty()) cfg.put("Hostname", id.substring(0, 12));
        for (String k : List.of("Domainname", "User", "WorkingDir")) if (!cfg.has(k) || cfg.get(k).isNull()) cfg.put(k, "");
        for (String k : List.of("AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce"))
            if (!cfg.has(k)) cfg.put(k, false);
        boolean noCmd = (!cfg.path("Cmd").isArray() || cfg.path("Cmd").isEmpty()) && (!cfg.path("Entrypoint").isArray() || cfg.path("Entrypoint").isEmpty());
        if (noCmd) throw WharfException.invalid("no command specified");
    }

    private static Map<String, String> prepend(Map<String, String> m, String k, String v) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(k, v);
        out.putAll(m);
        return out;
    }

    private static boolean isSet(JsonNode n) {
        return n != null && !n.isNull() && !n.isMissingNode();
    }

    private static String key(String env) {
        int eq = env.indexOf('=');
        return eq < 0 ? env : env.substring(0, eq);
    }

    /** The process argv: Entrypoint + Cmd. */
    static List<String> argv(ObjectNode cfg) {
        List<String> a = new ArrayList<>();
        if (cfg.path("Entrypoint").isArray()) cfg.path("Entrypoint").forEach(x -> a.add(x.asText()));
        if (cfg.path("Cmd").isArray()) cfg.path("Cmd").forEach(x -> a.add(x.asText()));
        if (a.size() == 1 && a.getFirst().isEmpty()) a.clear();
        return a;
    }

    private void validateHostConfig(ObjectNode hc, ObjectNode cfg) {
        String nm = hc.path("NetworkMode").asText("");
        if (nm.isEmpty()) hc.put("NetworkMode", nm = "default");
        NetworkMode mode = NetworkMode.parse(nm);
        switch (mode) {
            case NetworkMode.Bridge b -> network.get(b.network()); // 404 "network x not found"
            case NetworkMode.Container x -> get(x.container());
            case NetworkMode.Host h -> { }
            case NetworkMode.None n -> { }
        }
        if (hc.path("PortBindings").isObject()) {
            hc.path("PortBindings").properties().forEach(e -> {
                if (e.getValue().isArray()) for (JsonNode b : e.getValue())
                    PortBinding.of(e.getKey(), b.path("HostIp").asText(""), b.path("HostPort").asText(""));
                else PortBinding.of(e.getKey(), "", "");
            });
        }
        if (hc.path("Binds").isArray()) for (JsonNode b : hc.path("Binds")) parseBind(b.asText());
        resources(hc); // validates limits (memory minimum, swap vs memory...)
        String rp = hc.path("RestartPolicy").path("Name").asText("");
        if (!List.of("", "no", "always", "unless-stopped", "on-failure").contains(rp))
            throw WharfException.invalid("invalid restart policy '%s'", rp);
        if (hc.path("AutoRemove").asBoolean(false) && !rp.isEmpty() && !rp.equals("no"))
            throw WharfException.invalid("can't create 'AutoRemove' container with restart policy");
        if (!hc.has("RestartPolicy")) hc.putObject("RestartPolicy").put("Name", "no").put("MaximumRetryCount", 0);
        if (!hc.has("LogConfig")) hc.putObject("LogConfig").put("Type", "json-file").putObject("Config");
        for (String k : List.of("Privileged", "PublishAllPorts", "ReadonlyRootfs", "AutoRemove")) if (!hc.has(k)) hc.put(k, false);
    }

    /** A parsed -v spec: source (a host path or a volume name, or null for anonymous), destination, read-only. */
    record Bind(String source, String destination, boolean readOnly, String mode) {}

    static Bind parseBind(String spec) {
        String[] p = spec.split(":");
        String src, dst, mode = "";
        switch (p.length) {
            case 1 -> { src = null; dst = p[0]; }
            case 2 -> { src = p[0]; dst = p[1]; }
            case 3 -> { src = p[0]; dst = p[1]; mode = p[2]; }
            default -> throw WharfException.invalid("invalid volume specification: '%s'", spec);
        }
        if (!dst.startsWith("/")) throw WharfException.invalid("invalid volume specification: '%s': invalid mount config for type \"bind\": invalid mount path: '%s' mount path must be absolute", spec, dst);
        if (src != null && src.isEmpty()) throw WharfException.invalid("invalid volume specification: '%s'", spec);
        boolean ro = false;
        for (String m : mode.split(",")) {
            if (m.isEmpty()) continue;
            switch (m) {
                case "ro" -> ro = true;
                case "rw", "z", "Z", "rprivate", "private", "rshared", "shared", "rslave", "slave", "nocopy" -> { }
                default -> throw WharfException.invalid("invalid mode: %s", m);
            }
        }
        return new Bind(src, dst, ro, mode);
    }

    /** Binds, named/anonymous volumes (from -v, --mount and the image's VOLUME), tmpfs: inspect's Mounts. */
    private List<Container.MountPoint> planMounts(Container c, ImageConfig img) {
        Map<String, Container.MountPoint> byDst = new LinkedHashMap<>();
        ObjectNode hc = c.hostConfig;
        if (hc.path("Binds").isArray()) for (JsonNode b : hc.path("Binds")) {
            Bind bind = parseBind(b.asText());
            if (bind.source() == null) {
                byDst.put(bind.destination(), volumeMount(null, bind.destination(), !bind.readOnly()));
            } else if (bind.source().startsWith("/")) {
                if (!Files.exists(Path.of(bind.source()))) {
                    try {
                        Files.createDirectories(Path.of(bind.source())); // dockerd creates a missing bind source (-v)
                    } catch (IOException e) {
                        throw WharfException.invalid("invalid mount config: cannot create %s: %s", bind.source(), e.getMessage());
                    }
                }
                byDst.put(bind.destination(), new Container.MountPoint("bind", "", bind.source(), bind.destination(), "", bind.mode(), !bind.readOnly(), "rprivate"));
            } else {
                byDst.put(bind.destination(), volumeMount(bind.source(), bind.destination(), !bind.readOnly()));
            }
        }
        if (hc.path("Mounts").isArray()) for (JsonNode m : hc.path("Mounts")) {
            String type = m.path("Type").asText("volume");
            String dst = m.path("Target").asText("");
            if (!dst.startsWith("/")) throw WharfException.invalid("invalid mount config for type \"%s\": invalid mount path: '%s' mount path must be absolute", type, dst);
            boolean rw = !m.path("ReadOnly").asBoolean(false);
            switch (type) {
                case "bind" -> {
                    String src = m.path("Source").asText("");
                    if (!src.startsWith("/") || !Files.exists(Path.of(src)))
                        throw WharfException.invalid("invalid mount config for type \"bind\": bind source path does not exist: %s", src);
                    byDst.put(dst, new Container.MountPoint("bind", "", src, dst, "", "", rw, "rprivate"));
                }
                case "volume" -> byDst.put(dst, volumeMount(m.path("Source").asText("").isEmpty() ? null : m.path("Source").asText(), dst, rw));
                case "tmpfs" -> byDst.put(dst, new Container.MountPoint("tmpfs", "", "", dst, "", "", rw, ""));
                default -> throw WharfException.invalid("mount type unknown: %s", type);
            }
        }
        if (hc.path("Tmpfs").isObject()) hc.path("Tmpfs").properties().forEach(e ->
                byDst.put(e.getKey(), new Container.MountPoint("tmpfs", "", "", e.getKey(), "", e.getValue().asText(""), true, "")));
        if (c.config.path("Volumes").isObject()) c.config.path("Volumes").fieldNames().forEachRemaining(dst -> {
            if (!byDst.containsKey(dst)) byDst.put(dst, volumeMount(null, dst, true));
        });
        return new ArrayList<>(byDst.values());
    }

    private Container.MountPoint volumeMount(String name, String dst, boolean rw) {
        // the name of an anonymous volume is chosen now; the volume itself is created in createVolumes
        String n = name == null ? Names.newId() : name;
        return new Container.MountPoint("volume", n, volumes.mountpoint(n).toString(), dst, "local", "", rw, "");
    }

    private void createVolumes(Container c) throws IOException {
        for (Container.MountPoint m : c.mounts) {
            if (!m.type().equals("volume")) continue;
            boolean existed = volumes.find(m.name()) != null;
            volumes.create(m.name(), Map.of(), Map.of(), m.name().matches("[0-9a-f]{64}"));
            if (!existed) events.emit("volume", "create", m.name(), Map.of("driver", "local"));
        }
    }

    static Resources resources(ObjectNode hc) {
        long memory = hc.path("Memory").asLong(0);
        long swap = hc.path("MemorySwap").asLong(0);
        long pids = hc.path("PidsLimit").asLong(0);
        return new Resources(memory, swap, hc.path("MemoryReservation").asLong(0), hc.path("NanoCpus").asLong(0),
                hc.path("CpuShares").asLong(0), hc.path("CpuQuota").asLong(0), hc.path("CpuPeriod").asLong(0),
                emptyToNull(hc.path("CpusetCpus").asText("")), emptyToNull(hc.path("CpusetMems").asText("")),
                pids, hc.path("BlkioWeight").asInt(0));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    static String restartPolicy(Container c) {
        String p = c.hostConfig.path("RestartPolicy").path("Name").asText("");
        return p.isEmpty() ? "no" : p;
    }

    // ---------------------------------------------------------------- start

    /** POST /containers/{id}/start. NOT_MODIFIED when already running. */
    public void start(String ref) {
        Container c = get(ref);
        c.op.lock();
        try {
            if (c.state.running) throw WharfException.notModified("container already started");
            if (c.state.status.equals("removing")) throw WharfException.conflict("container is marked for removal and cannot be started");
            try {
                doStart(c);
            } catch (RuntimeException | Error e) {
                if (e instanceof WharfException w && w.kind() == ErrorKind.NOT_MODIFIED) throw e;
                RuntimeException r = e instanceof RuntimeException re ? re : WharfException.internal(String.valueOf(e), e);
                r = dockerStartError(r);
                failStart(c, r);
                throw r;
            }
        } finally {
            c.op.unlock();
        }
        events.emit("container", "start", c.id, attrs(c));
        health.started(c, false);
    }

    /**
     * dockerd's merge of the image's HEALTHCHECK into the container's: no container check takes the image's; a
     * container check without a Test takes the image's Test; zero durations and retries take the image's values.
     */
    static void mergeHealthcheck(ObjectNode cfg, io.wharf.oci.ImageConfig.Healthcheck img) {
        if (img == null) return;
        JsonNode cur = cfg.path("Healthcheck");
        ObjectNode hc = cur.isObject() ? (ObjectNode) cur : Json.MAPPER.createObjectNode();
        if (!hc.path("Test").isArray() || hc.path("Test").isEmpty()) {
            if (img.test() != null && !img.test().isEmpty()) hc.set("Test", Json.MAPPER.valueToTree(img.test()));
        }
        if (hc.path("Interval").asLong(0) == 0 && img.interval() != 0) hc.put("Interval", img.interval());
        if (hc.path("Timeout").asLong(0) == 0 && img.timeout() != 0) hc.put("Timeout", img.timeout());
        if (hc.path("StartPeriod").asLong(0) == 0 && img.startPeriod() != 0) hc.put("StartPeriod", img.startPeriod());
        if (hc.path("StartInterval").asLong(0) == 0 && img.startInterval() != 0) hc.put("StartInterval", img.startInterval());
        if (hc.path("Retries").asInt(0) == 0 && img.retries() != 0) hc.put("Retries", img.retries());
        if (!hc.isEmpty()) cfg.set("Healthcheck", hc);
    }

    /**
     * Rewrites a missing-executable error the way dockerd words it ({@code exec: "x": executable file not found in
     * $PATH}), because the CLI picks its exit code (127/126) from those exact words.
     */
    static RuntimeException dockerStartError(RuntimeException e) {
        String m = e.getMessage();
        if (m == null) return e;
        java.util.regex.Matcher x = java.util.regex.Pattern.compile("executable file `([^`]*)` not found in \\$PATH|exec: \"([^\"]*)\": executable file not found in \\$PATH").matcher(m);
        if (x.find()) {
            return new WharfException(ErrorKind.INVALID_ARGUMENT, "failed to create task for container: OCI runtime create failed: exec: \"" + (x.group(1) != null ? x.group(1) : x.group(2)) + "\": executable file not found in $PATH: unknown", e);
        }
        if (!(e instanceof WharfException)) return e;
        return e;
    }

    private void failStart(Container c, RuntimeException e) {
        List<PendingAttach> pend = pendingAttach.remove(c.id);
        if (pend != null) for (PendingAttach p : pend) {
            p.attached().completeExceptionally(e);
            p.sink().onClose();
        }
        try {
            teardownNetwork(c);
        } catch (RuntimeException ignored) {
        }
        c.state.running = false;
        c.state.error = e.getMessage() == null ? e.toString() : e.getMessage();
        String msg = c.state.error;
        c.state.exitCode = msg.contains("executable file not found") || msg.contains("no such file or directory") ? 127
                : msg.contains("permission denied") ? 126 : 128;
        c.state.status = c.hasBeenStarted ? "exited" : "created";
        save(c);
        if (c.autoRemove()) {
            // docker run --rm: the CLI waits for "removed" even when start failed (wire notes §6)
            Container.State st = c.state.copy();
            Thread.ofVirtual().start(() -> {
                removeQuietly(c);
                complete(exitWaiters, c.id, st);
            });
        } else {
            complete(exitWaiters, c.id, c.state.copy());
        }
    }

    private void doStart(Container c) {
        long t0 = System.nanoTime();
        // stale runtime state of a previous run
        try {
            ContainerState s = runtime.state(c.id);
            if (s.running()) throw WharfException.notModified("container already started");
            runtime.delete(c.id, true, false);
        } catch (WharfException e) {
            if (e.kind() == ErrorKind.NOT_MODIFIED) throw e;
        }
        long t1 = System.nanoTime();
        Path rootfs = images.mountRootfs(c.id, c.imageId);
        c.rootfs = rootfs.toString();
        long t2 = System.nanoTime();
        ContainerSpec.Builder spec = ContainerSpec.builder(c.id, rootfs);
        ObjectNode cfg = c.config;
        ObjectNode hc = c.hostConfig;
        List<String> args = argv(cfg);
        if (args.isEmpty()) throw WharfException.invalid("no command specified");
        spec.args(args);
        List<String> env = new ArrayList<>();
        cfg.path("Env").forEach(e -> env.add(e.asText()));
        spec.env(env).cwd(cfg.path("WorkingDir").asText("")).user(cfg.path("User").asText(""))
                .hostname(cfg.path("Hostname").asText(null)).domainname(emptyToNull(cfg.path("Domainname").asText("")))
                .tty(cfg.path("Tty").asBoolean(false)).openStdin(cfg.path("OpenStdin").asBoolean(false))
                .stdinOnce(cfg.path("StdinOnce").asBoolean(false))
                .resources(resources(hc)).privileged(hc.path("Privileged").asBoolean(false))
                .capAdd(strings(hc.path("CapAdd"))).capDrop(strings(hc.path("CapDrop")))
                .readonlyRootfs(hc.path("ReadonlyRootfs").asBoolean(false))
                .groupAdd(strings(hc.path("GroupAdd"))).shmSize(hc.path("ShmSize").asLong(0))
                .stopSignal(emptyToNull(cfg.path("StopSignal").asText("")));
        if (hc.path("Sysctls").isObject()) {
            Map<String, String> s = new LinkedHashMap<>();
            hc.path("Sysctls").properties().forEach(e -> s.put(e.getKey(), e.getValue().asText()));
            spec.sysctls(s);
        }
        if (hc.path("IpcMode").asText("").equals("host")) spec.ipc(NamespaceMode.HOST);
        if (hc.path("PidMode").asText("").equals("host")) spec.pid(NamespaceMode.HOST);
        if (hc.path("UTSMode").asText("").equals("host")) spec.uts(NamespaceMode.HOST);
        setupNetwork(c, spec);
        long t3 = System.nanoTime();
        List<Mount> mounts = new ArrayList<>();
        for (Container.MountPoint m : c.mounts) {
            switch (m.type()) {
                case "bind", "volume" -> mounts.add(new Mount(Mount.Type.BIND, m.source(), m.destination(), !m.rw(), List.of("rbind", "rprivate")));
                case "tmpfs" -> {
                    List<String> opts = new ArrayList<>(List.of("nosuid", "nodev", "noexec"));
                    if (!m.mode().isEmpty()) opts = new ArrayList<>(List.of(m.mode().split(",")));
                    mounts.add(Mount.tmpfs(m.destination(), opts));
                }
                default -> { }
            }
        }
        spec.mounts(mounts);
        c.hasBeenStarted = true;
        c.manuallyStopped = false;
        runtime.create(spec.build());
        long t4 = System.nanoTime();
        List<PendingAttach> pend = pendingAttach.remove(c.id);
        if (pend != null) for (PendingAttach p : pend) {
            try {
                p.attached().complete(runtime.attach(c.id, p.stdin(), p.sink()));
            } catch (RuntimeException e) {
                p.attached().completeExceptionally(e);
                p.sink().onClose();
            }
        }
        long t5 = System.nanoTime();
        ContainerState st = runtime.start(c.id);
        long t6 = System.nanoTime();
        c.state.running = true;
        c.state.paused = false;
        c.state.restarting = false;
        c.state.oomKilled = false;
        c.state.dead = false;
        c.state.status = "running";
        c.state.pid = st.pid();
        c.state.exitCode = 0;
        c.state.error = "";
        c.state.startedAt = st.startedAt() != null ? st.startedAt() : clock.instant();
        save(c, false);
        watchExit(c);
        if (trace.isDebugEnabled()) {
            trace.debug("start {}: stale {} rootfs {} network {} create {} attach {} crun-start {} save+watch {} us", c.shortId(),
                    (t1 - t0) / 1000, (t2 - t1) / 1000, (t3 - t2) / 1000, (t4 - t3) / 1000, (t5 - t4) / 1000, (t6 - t5) / 1000, (System.nanoTime() - t6) / 1000);
        }
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n != null && n.isArray()) n.forEach(x -> out.add(x.asText()));
        return out;
    }

    private void setupNetwork(Container c, ContainerSpec.Builder spec) {
        ObjectNode hc = c.hostConfig;
        List<String> extraHosts = strings(hc.path("ExtraHosts"));
        List<String> dns = strings(hc.path("Dns"));
        List<String> dnsSearch = strings(hc.path("DnsSearch"));
        List<String> dnsOpts = strings(hc.path("DnsOptions"));
        String hostname = c.config.path("Hostname").asText(c.shortId());
        Path cdir = dir.resolve(c.id);
        Path hostsFile = cdir.resolve("hosts"), hostnameFile = cdir.resolve("hostname"), resolvFile = cdir.resolve("resolv.conf");
        c.networks.clear();
        c.ports.clear();
        c.netnsPath = null;
        NetworkMode mode = NetworkMode.parse(hc.path("NetworkMode").asText(""));
        String hosts, resolv;
        switch (mode) {
            case NetworkMode.Host h -> {
                spec.network(NamespaceMode.HOST);
                spec.uts(NamespaceMode.HOST);
                hostname = SystemInfo.hostname();
                hosts = SystemInfo.read("/etc/hosts", "127.0.0.1\tlocalhost") + "\n" + extraHostsLines(extraHosts);
                resolv = network.hostResolvConf();
                c.networks.put("host", new Container.NetEndpoint(network.get("host").id(), "", "", "", 0, "", List.of(), List.of()));
            }
            case NetworkMode.None n -> {
                // crun creates the namespace and raises lo in it (as it does for any new network namespace), so no
                // sandbox of our own: that saved an unshare+ip spawn at start and an umount at exit. Nothing joins it
                // by path (a none container cannot be connected; --network container:X joins through X's pid).
                spec.network(NamespaceMode.PRIVATE);
                hosts = network.hosts(hostname, List.of(), extraHosts);
                resolv = network.resolvConf(List.of(), dns, dnsSearch, dnsOpts);
                c.networks.put("none", new Container.NetEndpoint(network.get("none").id(), "", "", "", 0, "", List.of(), List.of()));
            }
            case NetworkMode.Container x -> {
                Container other = get(x.container());
                if (!other.state.running) throw WharfException.conflict("cannot join network of a non running container: %s", other.id);
                if (other.netnsPath != null) spec.network(new NamespaceMode.Join(Path.of(other.netnsPath)));
                else if (other.networkMode().equals("host")) spec.network(NamespaceMode.HOST);
                else spec.network(new NamespaceMode.Container(other.id));
                hostname = other.config.path("Hostname").asText(hostname);
                spec.hostname(hostname);
                hosts = readOr(other.hostsPath, "127.0.0.1\tlocalhost\n");
                resolv = readOr(other.resolvConfPath, network.hostResolvConf());
            }
            case NetworkMode.Bridge b -> {
                Path ns = network.createSandbox(c.id);
                c.netnsPath = ns.toString();
                spec.network(new NamespaceMode.Join(ns));
                List<PortBinding> ports = portBindings(c);
                JsonNode epc = c.endpointsConfig == null ? Json.MAPPER.createObjectNode() : c.endpointsConfig.path(hc.path("NetworkMode").asText(""));
                List<String> aliases = strings(epc.path("Aliases"));
                String ip = epc.path("IPAMConfig").path("IPv4Address").asText("");
                Endpoint ep = network.attach(new AttachRequest(c.id, c.bareName(), b.network(), ns, aliases, ports, ip.isEmpty() ? null : ip));
                recordEndpoint(c, ep);
                List<Endpoint> eps = new ArrayList<>(List.of(ep));
                eps.addAll(attachExtraNetworks(c, ns, ep.networkId()));
                hosts = network.hosts(hostname, eps, extraHosts);
                resolv = network.resolvConf(eps, dns, dnsSearch, dnsOpts);
            }
        }
        try {
            Files.writeString(hostsFile, hosts);
            Files.writeString(hostnameFile, hostname + "\n");
            Files.writeString(resolvFile, resolv);
        } catch (IOException e) {
            throw WharfException.internal("cannot write network files: " + e.getMessage(), e);
        }
        c.hostsPath = hostsFile.toString();
        c.hostnamePath = hostnameFile.toString();
        c.resolvConfPath = resolvFile.toString();
        spec.hostsFile(hostsFile).hostnameFile(hostnameFile).resolvConfFile(resolvFile);
        if (!(mode instanceof NetworkMode.Container) && !(mode instanceof NetworkMode.Host)) spec.hostname(hostname);
    }

    /**
     * The networks other than the primary one a container belongs to (docker run with several --network, or
     * `docker network connect` while stopped or before a restart): dockerd keeps them in EndpointsConfig and attaches
     * them at every start, so do we.
     */
    private List<Endpoint> attachExtraNetworks(Container c, Path ns, String primaryId) {
        List<Endpoint> out = new ArrayList<>();
        if (c.endpointsConfig == null) return out;
        String primary = c.hostConfig.path("NetworkMode").asText("");
        for (var e : c.endpointsConfig.properties()) {
            // the primary network's own entry (by the name the client used, "default" for docker0) is attached already
            if (e.getKey().equals(primary) || e.getKey().equals("default")) continue;
            io.wharf.network.Network n;
            try {
                n = network.get(e.getKey());
            } catch (WharfException ex) {
                log.warn("container {}: network {} is gone; not attached", c.shortId(), e.getKey());
                continue;
            }
            if (n.id().equals(primaryId) || !n.driver().equals("bridge")) continue;
            String ip = e.getValue().path("IPAMConfig").path("IPv4Address").asText("");
            Endpoint ep = network.attach(new AttachRequest(c.id, c.bareName(), n.id(), ns, strings(e.getValue().path("Aliases")),
                    List.of(), ip.isEmpty() ? null : ip));
            recordEndpoint(c, ep);
            out.add(ep);
        }
        return out;
    }

    private static String extraHostsLines(List<String> extra) {
        StringBuilder sb = new StringBuilder();
        for (String h : extra) {
            int i = h.indexOf(':');
            if (i > 0) sb.append(h.substring(i + 1)).append('\t').append(h, 0, i).append('\n');
        }
        return sb.toString();
    }

    private static String readOr(String path, String dflt) {
        if (path == null) return dflt;
        try {
            return Files.readString(Path.of(path));
        } catch (IOException e) {
            return dflt;
        }
    }

    void recordEndpoint(Container c, Endpoint ep) {
        c.networks.put(ep.networkName(), new Container.NetEndpoint(ep.networkId(), ep.endpointId(), ep.gateway(), ep.ipAddress(),
                ep.prefixLen(), ep.macAddress(), ep.aliases(), ep.dnsNames()));
        for (PortBinding p : ep.ports()) {
            c.ports.computeIfAbsent(p.key(), k -> new ArrayList<>()).add(Map.of("HostIp", p.hostIpOrAny(), "HostPort", String.valueOf(p.hostPort())));
        }
    }

    /** PortBindings plus, with PublishAllPorts, every exposed port on an ephemeral host port. */
    static List<PortBinding> portBindings(Container c) {
        List<PortBinding> out = new ArrayList<>();
        Set<String> bound = new LinkedHashSet<>();
        JsonNode pb = c.hostConfig.path("PortBindings");
        if (pb.isObject()) pb.properties().forEach(e -> {
            bound.add(e.getKey().contains("/") ? e.getKey() : e.getKey() + "/tcp");
            if (e.getValue().isArray() && !e.getValue().isEmpty()) {
                for (JsonNode b : e.getValue()) out.add(PortBinding.of(e.getKey(), b.path("HostIp").asText(""), b.path("HostPort").asText("")));
            } else out.add(PortBinding.of(e.getKey(), "", ""));
        });
        if (c.hostConfig.path("PublishAllPorts").asBoolean(false) && c.config.path("ExposedPorts").isObject()) {
            c.config.path("ExposedPorts").fieldNames().forEachRemaining(p -> {
                String k = p.contains("/") ? p : p + "/tcp";
                if (!bound.contains(k)) out.add(PortBinding.of(k, "", ""));
            });
        }
        return out;
    }

    private void teardownNetwork(Container c) {
        String mode = c.networkMode();
        c.ports.clear();
        // a stopped container keeps its network names (for ps/inspect) but no addresses, as in dockerd
        c.networks.replaceAll((k, v) -> new Container.NetEndpoint(v.networkId(), "", "", "", 0, "", v.aliases(), List.of()));
        if (mode.equals("host") || mode.startsWith("container:")) return;
        try {
            network.detachAll(c.id);
        } catch (RuntimeException e) {
            log.warn("detach of {} failed: {}", c.shortId(), e.getMessage());
        }
        try {
            network.removeSandbox(c.id);
        } catch (RuntimeException e) {
            log.warn("sandbox removal of {} failed: {}", c.shortId(), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- exit handling, wait, restart policy

    private void watchExit(Container c) {
        if (!watching.add(c.id)) return;
        CompletableFuture<ExitStatus> f;
        try {
            f = runtime.waitExit(c.id);
        } catch (RuntimeException e) {
            watching.remove(c.id);
            log.warn("cannot watch {}: {}", c.shortId(), e.toString());
            return;
        }
        f.whenComplete((st, err) -> Thread.ofVirtual().start(() -> {
            watching.remove(c.id);
            if (closed) return;
            ExitStatus s = st;
            if (err != null) {
                log.warn("wait on {} failed: {}", c.shortId(), err.toString());
                s = new ExitStatus(137, false, clock.instant());
            }
            handleExit(c, s);
        }));
    }

    private void handleExit(Container c, ExitStatus st) {
        trace.debug("exit {} seen", c.shortId());
        Container.State snapshot;
        boolean restart;
        synchronized (c) {
            if (!byId.containsKey(c.id)) return;
            c.state.running = false;
            c.state.paused = false;
            c.state.pid = 0;
            c.state.exitCode = st.exitCode();
            c.state.oomKilled = st.oomKilled();
            c.state.finishedAt = st.finishedAt() != null ? st.finishedAt() : clock.instant();
            c.state.status = "exited";
            HealthMonitor.stopped(c);
            teardownNetwork(c);
            restart = shouldRestart(c, st.exitCode());
            if (restart) {
                c.state.restarting = true;
                c.state.status = "restarting";
            }
            save(c, false);
            snapshot = c.state.copy();
        }
        if (st.oomKilled()) events.emit("container", "oom", c.id, attrs(c));
        Map<String, String> a = new LinkedHashMap<>(attrs(c));
        a.put("exitCode", String.valueOf(st.exitCode()));
        events.emit("container", "die", c.id, a);
        complete(exitWaiters, c.id, snapshot);
        if (c.autoRemove()) {
            try {
                destroy(c, true, true);
            } catch (RuntimeException e) {
                log.warn("auto-remove of {} failed: {}", c.shortId(), e.getMessage());
            }
            return;
        }
        if (restart) scheduleRestart(c);
    }

    private boolean shouldRestart(Container c, int exitCode) {
        if (c.manuallyStopped || closed) return false;
        String p = restartPolicy(c);
        return switch (p) {
            case "always", "unless-stopped" -> true;
            case "on-failure" -> {
                int max = c.hostConfig.path("RestartPolicy").path("MaximumRetryCount").asInt(0);
                yield exitCode != 0 && (max == 0 || c.restartCount < max);
            }
            default -> false;
        };
    }

    /** dockerd's backoff: 100 ms doubling per restart, capped at one minute; reset after 10 s of running. */
    private void scheduleRestart(Container c) {
        long delay;
        synchronized (c) {
            boolean ranLong = c.state.startedAt != null && c.state.finishedAt != null
                    && Duration.between(c.state.startedAt, c.state.finishedAt).toSeconds() >= 10;
            if (ranLong) c.restartCount = 0;
            delay = Math.min(60_000, 100L << Math.min(c.restartCount, 10));
            c.restartCount++;
        }
        CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS).execute(() -> Thread.ofVirtual().start(() -> {
            // the check and the start under the lifecycle lock: a stop or kill that lands meanwhile (they take it
            // too) either cancels this restart or finds the container running and stops it
            c.op.lock();
            try {
                synchronized (c) {
                    if (!byId.containsKey(c.id) || c.manuallyStopped || !c.state.restarting || closed) return;
                }
                start(c.id);
                events.emit("container", "restart", c.id, attrs(c));
            } catch (RuntimeException e) {
                log.warn("restart of {} failed: {}", c.shortId(), e.getMessage());
                synchronized (c) {
                    c.state.restarting = false;
                    c.state.status = "exited";
                    save(c);
                }
            } finally {
                c.op.unlock();
            }
        }));
    }

    private void complete(Map<String, List<CompletableFuture<Container.State>>> waiters, String id, Container.State s) {
        List<CompletableFuture<Container.State>> l = waiters.remove(id);
        if (l != null) for (var f : l) f.complete(s);
    }

    /**
     * POST /containers/{id}/wait. The future completes with the state at the condition: not-running (at once if not
     * running), next-exit, removed.
     */
    public CompletableFuture<Container.State> waitFor(String ref, String condition) {
        Container c = get(ref);
        String cond = condition == null || condition.isEmpty() ? "not-running" : condition;
        CompletableFuture<Container.State> f = new CompletableFuture<>();
        synchronized (c) {
            switch (cond) {
                case "not-running" -> {
                    if (!c.state.running && !c.state.restarting) return CompletableFuture.completedFuture(c.state.copy());
                    exitWaiters.computeIfAbsent(c.id, k -> new CopyOnWriteArrayList<>()).add(f);
                }
                case "next-exit" -> exitWaiters.computeIfAbsent(c.id, k -> new CopyOnWriteArrayList<>()).add(f);
                case "removed" -> removeWaiters.computeIfAbsent(c.id, k -> new CopyOnWriteArrayList<>()).add(f);
                default -> throw WharfException.invalid("invalid condition: \"%s\"", cond);
            }
        }
        return f;
    }

    void cancelWait(String id, CompletableFuture<Container.State> f) {
        for (var m : List.of(exitWaiters, removeWaiters)) {
            List<CompletableFuture<Container.State>> l = m.get(id);
            if (l != null) l.remove(f);
        }
    }

    // ---------------------------------------------------------------- stop, kill, restart, pause

    public void stop(String ref, Integer timeoutSeconds, String signal) {
        Container c = get(ref);
        // under the lifecycle lock, so a policy restart in progress finishes first (then this stops it)
        c.op.lock();
        try {
            synchronized (c) {
                if (!c.state.running && !c.state.restarting) throw WharfException.notModified("container already stopped");
                c.manuallyStopped = true;
                if (c.state.restarting && !c.state.running) {
                    c.state.restarting = false;
                    c.state.status = "exited";
                    save(c);
                    return;
                }
                save(c);
            }
        } finally {
            c.op.unlock();
        }
        int t = timeoutSeconds != null ? timeoutSeconds : c.config.path("StopTimeout").asInt(10);
        events.emit("container", "kill", c.id, withAttr(c, "signal", "15"));
        CompletableFuture<Container.State> exited = waitFor(c.id, "next-exit");
        runtime.stop(c.id, emptyToNull(signal), t < 0 ? Duration.ofDays(365) : Duration.ofSeconds(t));
        awaitQuietly(exited, 15);
        events.emit("container", "stop", c.id, attrs(c));
    }

    /**
     * docker kill, with dockerd's restart rules: SIGKILL, the container's StopSignal, or any signal when it has none
     * ends the restart policy (dockerd's ExitOnNext); every kill counts as a manual stop for unless-stopped. A
     * container between restarts is "running" to dockerd: killing it only cancels the pending restart. SIGKILL
     * returns once the container has exited, as dockerd's Kill waits.
     */
    public void kill(String ref, String signal) {
        Container c = get(ref);
        String sig = signal == null || signal.isEmpty() ? "KILL" : signal;
        String stopSignal = c.config.path("StopSignal").asText("");
        boolean isKill = sameSignal(sig, "KILL");
        boolean endsPolicy = isKill || stopSignal.isEmpty() || sameSignal(sig, stopSignal);
        CompletableFuture<Container.State> exited;
        c.op.lock(); // as in stop: a policy restart in progress finishes first
        try {
            synchronized (c) {
                if (c.state.restarting && !c.state.running) {
                    c.manuallyStopped = true;
                    c.state.restarting = false;
                    c.state.status = "exited";
                    save(c);
                    return;
                }
                if (!c.state.running) throw WharfException.conflict("Cannot kill container: %s: container %s is not running", ref, c.id);
                if (endsPolicy || restartPolicy(c).equals("unless-stopped")) {
                    c.manuallyStopped = true;
                    save(c);
                }
                exited = isKill ? waitFor(c.id, "next-exit") : null;
            }
        } finally {
            c.op.unlock();
        }
        try {
            runtime.kill(c.id, sig);
        } catch (WharfException e) {
            // it exited on its own just before the signal (its exit is being recorded): dockerd ignores ESRCH too
            if (e.kind() != ErrorKind.CONFLICT) throw e;
        }
        events.emit("container", "kill", c.id, withAttr(c, "signal", String.valueOf(signalNumber(sig))));
        if (exited != null) awaitQuietly(exited, 10);
    }

    /** The signal's number (docker's event attribute), or -1 when the name is unknown. */
    static int signalNumber(String sig) {
        String s = sig.toUpperCase(java.util.Locale.ROOT).replaceFirst("^SIG", "");
        if (s.chars().allMatch(Character::isDigit) && !s.isEmpty()) return Integer.parseInt(s);
        return switch (s) {
            case "HUP" -> 1; case "INT" -> 2; case "QUIT" -> 3; case "ILL" -> 4; case "TRAP" -> 5; case "ABRT", "IOT" -> 6;
            case "BUS" -> 7; case "FPE" -> 8; case "KILL" -> 9; case "USR1" -> 10; case "SEGV" -> 11; case "USR2" -> 12;
            case "PIPE" -> 13; case "ALRM" -> 14; case "TERM" -> 15; case "STKFLT" -> 16; case "CHLD" -> 17; case "CONT" -> 18;
            case "STOP" -> 19; case "TSTP" -> 20; case "TTIN" -> 21; case "TTOU" -> 22; case "URG" -> 23; case "XCPU" -> 24;
            case "XFSZ" -> 25; case "VTALRM" -> 26; case "PROF" -> 27; case "WINCH" -> 28; case "IO", "POLL" -> 29; case "PWR" -> 30;
            case "SYS" -> 31;
            default -> -1;
        };
    }

    static boolean sameSignal(String a, String b) {
        int x = signalNumber(a), y = signalNumber(b);
        return x > 0 && x == y;
    }

    public void restart(String ref, Integer timeoutSeconds, String signal) {
        Container c = get(ref);
        if (c.state.running) {
            try {
                stop(c.id, timeoutSeconds, signal);
            } catch (WharfException e) {
                if (e.kind() != ErrorKind.NOT_MODIFIED) throw e;
            }
        }
        synchronized (c) {
            c.manuallyStopped = false;
        }
        try {
            start(c.id);
        } catch (WharfException e) {
            if (e.kind() != ErrorKind.NOT_MODIFIED) throw e;
        }
        events.emit("container", "restart", c.id, attrs(c));
    }

    public void pause(String ref) {
        Container c = get(ref);
        c.op.lock();
        try {
            if (!c.state.running) throw WharfException.conflict("Container %s is not running", c.id);
            if (c.state.paused) throw WharfException.conflict("Container %s is already paused", c.id);
            runtime.pause(c.id);
            c.state.paused = true;
            c.state.status = "paused";
            save(c);
        } finally {
            c.op.unlock();
        }
        events.emit("container", "pause", c.id, attrs(c));
    }

    public void unpause(String ref) {
        Container c = get(ref);
        c.op.lock();
        try {
            if (!c.state.paused) throw WharfException.conflict("Container %s is not paused", c.id);
            runtime.unpause(c.id);
            c.state.paused = false;
            c.state.status = "running";
            save(c);
        } finally {
            c.op.unlock();
        }
        events.emit("container", "unpause", c.id, attrs(c));
    }

    // ---------------------------------------------------------------- remove, rename

    public void remove(String ref, boolean force, boolean removeVolumes) {
        Container c = get(ref);
        synchronized (c) {
            if ((c.state.running || c.state.restarting) && !force) {
                throw WharfException.conflict("cannot remove container \"%s\": container is running: stop the container before removing or force remove", c.name);
            }
            if (c.state.status.equals("removing")) throw WharfException.conflict("removal of container %s is already in progress", c.id);
            c.manuallyStopped = true;
            c.state.restarting = false;
        }
        if (c.state.running) {
            CompletableFuture<Container.State> exited = waitFor(c.id, "next-exit");
            try {
                runtime.kill(c.id, "KILL");
            } catch (RuntimeException ignored) {
            }
            awaitQuietly(exited, 10);
        }
        destroy(c, removeVolumes);
    }

    private void removeQuietly(Container c) {
        try {
            destroy(c, true);
        } catch (RuntimeException e) {
            log.warn("auto-remove of {} failed: {}", c.shortId(), e.getMessage());
        }
    }

    private void destroy(Container c, boolean removeVolumes) {
        destroy(c, removeVolumes, false);
    }

    /**
     * Removes a container. {@code answerFirst} (the auto-removal of `docker run --rm` after its exit): the container
     * leaves the tables (ps, names, inspect) and its "removed" waiters are answered first, and the files (runtime
     * state, rootfs unmount, snapshot, directory, anonymous volumes) go right after, on this same thread. The CLI
     * exits on that answer, so it no longer waits ~10-30 ms for unmount and deletes. Whatever could see the leftovers
     * waits for them first ({@link #awaitCleanups}: image removal, volume listing and removal); a crash in between
     * leaves the record, which load() removes (a stopped --rm container).
     */
    private void destroy(Container c, boolean removeVolumes, boolean answerFirst) {
        long t0 = System.nanoTime();
        CompletableFuture<Void> cleaned = null;
        c.op.lock();
        try {
            if (!byId.containsKey(c.id)) return;
            c.state.status = "removing";
            teardownNetwork(c);
            if (answerFirst) {
                cleaned = new CompletableFuture<>();
                cleanups.put(c.id, cleaned);
                byId.remove(c.id);
                byName.remove(c.name, c.id);
            } else {
                removeFiles(c);
                byId.remove(c.id);
                byName.remove(c.name, c.id);
                removeDir(c);
            }
        } finally {
            c.op.unlock();
        }
        long t1 = System.nanoTime();
        if (cleaned == null) {
            if (removeVolumes) removeAnonymousVolumes(c);
            answerRemoved(c);
        } else {
            answerRemoved(c);
            try {
                removeFiles(c);
                removeDir(c);
                if (removeVolumes) removeAnonymousVolumes(c);
            } finally {
                cleanups.remove(c.id, cleaned);
                cleaned.complete(null);
            }
        }
        if (trace.isDebugEnabled()) trace.debug("destroy {}{}: before the answer {} us, after {} us", c.shortId(), answerFirst ? " (answer first)" : "",
                (t1 - t0) / 1000, (System.nanoTime() - t1) / 1000);
    }

    private void answerRemoved(Container c) {
        events.emit("container", "destroy", c.id, attrs(c));
        Container.State st = c.state.copy();
        complete(exitWaiters, c.id, st);
        complete(removeWaiters, c.id, st);
    }

    /** The runtime's state and the rootfs: unmounted before any recursive delete, which must never walk into it. */
    private void removeFiles(Container c) {
        try {
            runtime.delete(c.id, true, false);
        } catch (WharfException e) {
            if (e.kind() != ErrorKind.NOT_FOUND) log.warn("runtime delete of {}: {}", c.shortId(), e.getMessage());
        }
        try {
            images.unmountRootfs(c.id);
            images.removeRootfs(c.id);
        } catch (RuntimeException e) {
            log.warn("rootfs removal of {}: {}", c.shortId(), e.getMessage());
        }
        try {
            runtime.delete(c.id, true, true);
        } catch (WharfException e) {
            if (e.kind() != ErrorKind.NOT_FOUND) log.debug("runtime delete of {}: {}", c.shortId(), e.getMessage());
        }
    }

    private void removeDir(Container c) {
        try {
            Volumes.deleteTree(dir.resolve(c.id));
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", dir.resolve(c.id), e.toString());
        }
    }

    private void removeAnonymousVolumes(Container c) {
        for (Container.MountPoint m : c.mounts) {
            // docker rm -v removes anonymous volumes only
            if (m.type().equals("volume") && m.name().matches("[0-9a-f]{64}") && volumeUsers(m.name()).isEmpty()) {
                try {
                    volumes.remove(m.name());
                    events.emit("volume", "destroy", m.name(), Map.of("driver", "local"));
                } catch (IOException | RuntimeException ignored) {
                }
            }
        }
    }

    /** Waits (bounded) until the files of containers already answered as removed are gone. */
    void awaitCleanups() {
        for (CompletableFuture<Void> f : List.copyOf(cleanups.values())) awaitQuietly(f, 30);
    }

    public List<Container> volumeUsers(String volume) {
        List<Container> out = new ArrayList<>();
        for (Container c : byId.values())
            for (Container.MountPoint m : c.mounts) if ("volume".equals(m.type()) && volume.equals(m.name())) out.add(c);
        return out;
    }

    public void rename(String ref, String newName) {
        Container c = get(ref);
        if (newName == null || newName.isEmpty()) throw WharfException.invalid("Neither old nor new names may be empty");
        String n = newName.startsWith("/") ? newName : "/" + newName;
        if (!Names.VALID.matcher(n).matches()) throw WharfException.invalid("Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", newName);
        String old;
        synchronized (byName) {
            if (n.equals(c.name)) throw WharfException.invalid("Renaming a container with the same name as its current name");
            if (byName.containsKey(n))
                throw WharfException.conflict("Conflict. The container name \"%s\" is already in use by container \"%s\". You have to remove (or rename) that container to be able to reuse that name.", n, byName.get(n));
            old = c.name;
            byName.remove(old);
            byName.put(n, c.id);
            synchronized (c) {
                c.name = n;
            }
        }
        save(c);
        if (c.state.running && !c.networks.isEmpty()) {
            try {
                network.rename(c.id, c.bareName());
            } catch (RuntimeException e) {
                log.warn("network rename of {}: {}", c.shortId(), e.getMessage());
            }
        }
        events.emit("container", "rename", c.id, withAttr(c, "oldName", old));
    }

    // ---------------------------------------------------------------- attach

    /**
     * Attaches to the main process. If the container has not been created in the runtime yet (docker run attaches
     * before start), the attachment is connected right after the runtime creates it, so no output is lost.
     */
    public CompletableFuture<Attachment> attach(Container c, boolean stdin, OutputSink sink) {
        // under the lifecycle lock: a start in progress either sees this pending attach or has finished
        c.op.lock();
        try {
            if (c.state.running) {
                return CompletableFuture.completedFuture(runtime.attach(c.id, stdin, sink));
            }
            PendingAttach p = new PendingAttach(stdin, sink, new CompletableFuture<>());
            pendingAttach.computeIfAbsent(c.id, k -> new CopyOnWriteArrayList<>()).add(p);
            return p.attached();
        } finally {
            c.op.unlock();
        }
    }

    void cancelPendingAttach(String id, CompletableFuture<Attachment> f) {
        List<PendingAttach> l = pendingAttach.get(id);
        if (l != null) l.removeIf(p -> p.attached() == f);
    }

    // ---------------------------------------------------------------- helpers

    Map<String, String> attrs(Container c) {
        Map<String, String> a = new LinkedHashMap<>();
        a.putAll(c.labels());
        a.put("image", c.image);
        a.put("name", c.bareName());
        return a;
    }

    private Map<String, String> withAttr(Container c, String k, String v) {
        Map<String, String> a = new LinkedHashMap<>(attrs(c));
        a.put(k, v);
        return a;
    }

    private static void awaitQuietly(CompletableFuture<?> f, int seconds) {
        try {
            f.get(seconds, TimeUnit.SECONDS);
        } catch (Exception ignored) {
        }
    }

    /** Used by ImagesApi: containers that use an image (docker's rmi conflict rule). */
    public List<Container> usersOfImage(String imageId) {
        List<Container> out = new ArrayList<>();
        for (Container c : byId.values()) if (imageId.equals(c.imageId)) out.add(c);
        return out;
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static <T, R> List<R> map(Collection<T> in, Function<T, R> f) {
        List<R> out = new ArrayList<>(in.size());
        for (T t : in) out.add(f.apply(t));
        return out;
    }
}
