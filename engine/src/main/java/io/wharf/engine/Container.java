package io.wharf.engine;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One container's record, persisted as {@code <root>/containers/<id>/config.v2.json} (dockerd's file name).
 * {@code config} and {@code hostConfig} keep the client's Docker-shaped objects (merged with the image defaults at
 * create), so inspect echoes every field the client sent. Mutated only under the owning {@link Containers}' lock
 * for that container ({@code synchronized (container)}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Container {
    public String id;
    /** With the leading "/", as docker stores it. */
    public String name;
    public Instant created;
    /** The image as the user named it (Config.Image). */
    public String image;
    /** "sha256:..." */
    public String imageId;
    public ObjectNode config;
    public ObjectNode hostConfig;
    /** create's NetworkingConfig.EndpointsConfig (aliases, --ip per network), or null. */
    public ObjectNode endpointsConfig;
    public State state = new State();
    public int restartCount;
    /** docker stop/kill by the user: restart policies (unless-stopped, always at daemon start) respect it. */
    public boolean manuallyStopped;
    public boolean hasBeenStarted;
    public String rootfs;
    public String netnsPath;
    public List<MountPoint> mounts = new ArrayList<>();
    /** network name → endpoint details (a snapshot for inspect; the network module owns the truth). */
    public Map<String, NetEndpoint> networks = new LinkedHashMap<>();
    /** Resolved published ports: "80/tcp" → [{HostIp, HostPort}] (null list = exposed, not published). */
    public Map<String, List<Map<String, String>>> ports = new LinkedHashMap<>();
    public String hostsPath, hostnamePath, resolvConfPath, logPath;

    /**
     * Serialises lifecycle operations (start, stop, remove, pause) on this container, which call the runtime and may
     * take seconds. Readers (ps, inspect) never take it; short record updates use the object's monitor.
     */
    @JsonIgnore
    public final transient java.util.concurrent.locks.ReentrantLock op = new java.util.concurrent.locks.ReentrantLock();

    /** Container state, in inspect's shape. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class State {
        public String status = "created";
        public boolean running, paused, restarting, oomKilled, dead;
        public long pid;
        public int exitCode;
        public String error = "";
        public Instant startedAt;
        public Instant finishedAt;
        /** State.Health: present only for a container with a health check (null otherwise, as in dockerd). */
        public Health health;

        public State copy() {
            State s = new State();
            s.status = status; s.running = running; s.paused = paused; s.restarting = restarting; s.oomKilled = oomKilled;
            s.dead = dead; s.pid = pid; s.exitCode = exitCode; s.error = error; s.startedAt = startedAt; s.finishedAt = finishedAt;
            s.health = health == null ? null : health.copy();
            return s;
        }
    }

    /** The health check's state: "starting", "healthy" or "unhealthy", the failing streak and the last 5 probes. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Health {
        public String status = "starting";
        public int failingStreak;
        public List<Probe> log = new ArrayList<>();

        public Health copy() {
            Health h = new Health();
            h.status = status;
            h.failingStreak = failingStreak;
            h.log = new ArrayList<>(log);
            return h;
        }
    }

    /** One health probe as inspect's State.Health.Log shows it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Probe(Instant start, Instant end, int exitCode, String output) {}

    /** A mount as inspect's "Mounts" shows it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MountPoint(String type, String name, String source, String destination, String driver, String mode,
                             boolean rw, String propagation) {}

    /** An attachment to a network, as NetworkSettings.Networks.<name> shows it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record NetEndpoint(String networkId, String endpointId, String gateway, String ipAddress, int ipPrefixLen,
                              String macAddress, List<String> aliases, List<String> dnsNames) {}

    @JsonIgnore
    public String shortId() {
        return id.substring(0, 12);
    }

    @JsonIgnore
    public String bareName() {
        return name.startsWith("/") ? name.substring(1) : name;
    }

    @JsonIgnore
    public boolean tty() {
        return config != null && config.path("Tty").asBoolean(false);
    }

    @JsonIgnore
    public boolean autoRemove() {
        return hostConfig != null && hostConfig.path("AutoRemove").asBoolean(false);
    }

    @JsonIgnore
    public String networkMode() {
        String m = hostConfig == null ? "" : hostConfig.path("NetworkMode").asText("");
        return m.isEmpty() || m.equals("default") ? "bridge" : m;
    }

    @JsonIgnore
    public Map<String, String> labels() {
        Map<String, String> m = new LinkedHashMap<>();
        if (config != null && config.path("Labels").isObject()) config.path("Labels").properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }
}
