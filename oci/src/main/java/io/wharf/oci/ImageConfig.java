package io.wharf.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.common.Json;
import io.wharf.common.WharfException;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The image configuration JSON (OCI image spec config.md; Docker's image JSON is a superset). Fields Wharf does not
 * model (docker's {@code container}, {@code container_config}, {@code docker_version}, {@code variant}, …) are kept
 * in {@link #extra()} and written back, so parse → encode loses nothing.
 *
 * <p>The image ID is the sha256 of the exact config bytes. Re-encoding a parsed config may change whitespace or key
 * order, so whoever needs the ID must keep the original bytes (see {@link Raw}) and never re-encode a config it
 * did not create.
 *
 * @param created RFC 3339 time as written (kept as a string so odd precisions survive); see {@link #createdAt()}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageConfig(
        @JsonProperty("architecture") String architecture,
        @JsonProperty("os") String os,
        @JsonProperty("os.version") String osVersion,
        @JsonProperty("variant") String variant,
        @JsonProperty("created") String created,
        @JsonProperty("author") String author,
        @JsonProperty("config") ContainerConfig config,
        @JsonProperty("rootfs") RootFs rootfs,
        @JsonProperty("history") List<History> history,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extra) {

    public ImageConfig {
        history = history == null ? null : List.copyOf(history);
        extra = extra == null ? new LinkedHashMap<>() : new LinkedHashMap<>(extra);
    }

    /** Parses config bytes; malformed JSON is INVALID_ARGUMENT. */
    public static ImageConfig parse(byte[] bytes) {
        return Json.parse(bytes, ImageConfig.class);
    }

    /** Encodes this config (compact, nulls omitted). The digest of the result is the image ID of a new image. */
    public byte[] toBytes() {
        try {
            return Json.COMPACT.writeValueAsBytes(this);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw WharfException.internal("cannot encode image config", e);
        }
    }

    /** {@link #created} as an instant, or null when absent or not RFC 3339. */
    @JsonIgnore
    public Instant createdAt() {
        return parseTime(created);
    }

    /** The layer diff IDs from {@code rootfs.diff_ids} (empty when absent). */
    @JsonIgnore
    public List<Digest> diffIds() {
        return rootfs == null || rootfs.diffIds() == null ? List.of() : rootfs.diffIds();
    }

    /** The container config, never null (an empty one when absent). */
    @JsonIgnore
    public ContainerConfig configOrEmpty() {
        return config == null ? ContainerConfig.EMPTY : config;
    }

    public ImageConfig withConfig(ContainerConfig c) {
        return new ImageConfig(architecture, os, osVersion, variant, created, author, c, rootfs, history, extra);
    }

    public ImageConfig withRootFsAndHistory(RootFs r, List<History> h) {
        return new ImageConfig(architecture, os, osVersion, variant, created, author, config, r, h, extra);
    }

    public ImageConfig withCreated(String c, String a) {
        return new ImageConfig(architecture, os, osVersion, variant, c, a, config, rootfs, history, extra);
    }

    static Instant parseTime(String s) {
        if (s == null || s.isEmpty()) return null;
        try {
            return java.time.OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** RFC 3339 with nanoseconds trimmed like Go's {@code time.RFC3339Nano}. */
    public static String formatTime(Instant t) {
        return t.toString();
    }

    /**
     * The container defaults of an image ({@code config} in the OCI config; Go's {@code container.Config} subset
     * in Docker). Docker's capitalised JSON names. Unknown fields (Hostname, Image, Tty, …) round-trip in {@link #extra}.
     *
     * @param exposedPorts {@code {"80/tcp":{}}}
     * @param volumes      {@code {"/data":{}}}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ContainerConfig(
            @JsonProperty("User") String user,
            @JsonProperty("ExposedPorts") Map<String, Object> exposedPorts,
            @JsonProperty("Env") List<String> env,
            @JsonProperty("Entrypoint") List<String> entrypoint,
            @JsonProperty("Cmd") List<String> cmd,
            @JsonProperty("Volumes") Map<String, Object> volumes,
            @JsonProperty("WorkingDir") String workingDir,
            @JsonProperty("Labels") Map<String, String> labels,
            @JsonProperty("StopSignal") String stopSignal,
            @JsonProperty("Healthcheck") Healthcheck healthcheck,
            @JsonProperty("OnBuild") List<String> onBuild,
            @JsonProperty("Shell") List<String> shell,
            @JsonProperty("ArgsEscaped") Boolean argsEscaped,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extra) {

        public static final ContainerConfig EMPTY = new ContainerConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null);

        public ContainerConfig {
            extra = extra == null ? new LinkedHashMap<>() : new LinkedHashMap<>(extra);
        }

        public ContainerConfig withUser(String v) { return new ContainerConfig(v, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal, healthcheck, onBuild, shell, argsEscaped, extra); }
        public ContainerConfig withExposedPorts(Map<String, Object> v) { return new ContainerConfig(user, v, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal, healthcheck, onBuild, shell, argsEscaped, extra); }
        public ContainerConfig withEnv(List<String> v) { return new ContainerConfig(user, exposedPorts, v, entrypoint, cmd, volumes, workingDir, labels, stopSignal, healthcheck, onBuild, shell, argsEscaped, extra); }
        public ContainerConfig withEntrypoint(List<String> v) { return new ContainerConfig(user, exposedPorts, env, v, cmd, volumes, workingDir, labels, stopSignal, healthcheck, onBuild, shell, argsEscaped, extra); }
        public ContainerConfig withCmd(List<String> v) { return new ContainerConfig(user, exposedPorts, env, entrypoint, v, volumes, workingDir, labels, stopSignal, healthcheck, onBuild, shell, argsEscaped, extra); }
        public ContainerConfig withVolumes(Map<String, Object> v) { return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, v, workingDir, labels, stopSignal, healthcheck, onBuild, shell, argsEscaped, extra); }
        public ContainerConfig withWorkingDir(String v) { return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, v, labels, stopSignal, healthcheck, onBuild, shell, argsEscaped, extra); }
        public ContainerConfig withLabels(Map<String, String> v) { return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, v, stopSignal, healthcheck, onBuild, shell, argsEscaped, extra); }
        public ContainerConfig withStopSignal(String v) { return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, v, healthcheck, onBuild, shell, argsEscaped, extra); }
        public ContainerConfig withHealthcheck(Healthcheck v) { return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal, v, onBuild, shell, argsEscaped, extra); }
        public ContainerConfig withOnBuild(List<String> v) { return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal, healthcheck, v, shell, argsEscaped, extra); }
        public ContainerConfig withShell(List<String> v) { return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal, healthcheck, onBuild, v, argsEscaped, extra); }
    }

    /**
     * Docker's HEALTHCHECK (durations in nanoseconds, as Go's time.Duration encodes). Test: {@code ["NONE"]},
     * {@code ["CMD", args…]} or {@code ["CMD-SHELL", command]}.
     */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record Healthcheck(
            @JsonProperty("Test") List<String> test,
            @JsonProperty("Interval") long interval,
            @JsonProperty("Timeout") long timeout,
            @JsonProperty("StartPeriod") long startPeriod,
            @JsonProperty("StartInterval") long startInterval,
            @JsonProperty("Retries") int retries) {}

    /** {@code rootfs}: type is always {@code layers}; diff_ids are the sha256 of each uncompressed layer tar, bottom first. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RootFs(@JsonProperty("type") String type, @JsonProperty("diff_ids") List<Digest> diffIds) {
        public RootFs {
            diffIds = diffIds == null ? List.of() : List.copyOf(diffIds);
        }

        public static RootFs layers(List<Digest> diffIds) {
            return new RootFs("layers", diffIds);
        }
    }

    /** One {@code history} entry; {@code empty_layer} entries made no layer (ENV, CMD, …). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record History(
            @JsonProperty("created") String created,
            @JsonProperty("created_by") String createdBy,
            @JsonProperty("author") String author,
            @JsonProperty("comment") String comment,
            @JsonProperty("empty_layer") Boolean emptyLayer) {

        @JsonIgnore
        public boolean isEmptyLayer() {
            return Boolean.TRUE.equals(emptyLayer);
        }

        @JsonIgnore
        public Instant createdAt() {
            return parseTime(created);
        }
    }

    /**
     * A config together with its exact bytes. {@link #id()} (= the config digest) is the image ID.
     */
    public record Raw(byte[] bytes, ImageConfig config) {
        public Raw {
            if (bytes == null || config == null) throw new IllegalArgumentException("bytes and config are required");
        }

        public static Raw parse(byte[] bytes) {
            return new Raw(bytes, ImageConfig.parse(bytes));
        }

        /** Encodes a config Wharf creates. */
        public static Raw of(ImageConfig config) {
            return new Raw(config.toBytes(), config);
        }

        public Digest id() {
            return Digest.sha256(bytes);
        }
    }
}
