package io.wharf.build;

import com.fasterxml.jackson.core.type.TypeReference;
import io.wharf.common.Json;
import io.wharf.common.WharfException;

import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@code docker build} as POST /build carries it (Docker Engine API ImageBuild): the context tar (plain or
 * compressed) and the query parameters. Build with {@link #fromQuery}.
 *
 * @param context    the context tar stream (read once)
 * @param dockerfile path of the Dockerfile inside the context ({@code dockerfile=}, default "Dockerfile")
 * @param tags       {@code t=} (repeatable)
 * @param buildArgs  {@code buildargs=} JSON; a null value means "declared but no value"
 * @param labels     {@code labels=} JSON, applied to the final image
 * @param target     {@code target=} stage, or null for the last
 * @param noCache    {@code nocache=1}
 * @param pull       {@code pull=1}
 * @param quiet      {@code q=1}: only the image ID is streamed
 * @param rm         {@code rm} (default true); intermediate containers are never engine containers here, so they are
 *                   always removed; kept for the record
 * @param forceRm    {@code forcerm=1}
 * @param networkMode {@code networkmode=}: "default"/"bridge" (attach RUN to the default bridge), "none", "host"
 * @param extraHosts {@code extrahosts=} "name:ip" (repeatable)
 */
public record BuildRequest(InputStream context, String dockerfile, List<String> tags, Map<String, String> buildArgs,
                           Map<String, String> labels, String target, boolean noCache, boolean pull, boolean quiet,
                           boolean rm, boolean forceRm, String networkMode, List<String> extraHosts) {
    public BuildRequest {
        Objects.requireNonNull(context, "context");
        if (dockerfile == null || dockerfile.isEmpty()) dockerfile = "Dockerfile";
        tags = tags == null ? List.of() : List.copyOf(tags);
        buildArgs = buildArgs == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(buildArgs));
        labels = labels == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        if (target != null && target.isEmpty()) target = null;
        if (networkMode == null || networkMode.isEmpty()) networkMode = "default";
        extraHosts = extraHosts == null ? List.of() : List.copyOf(extraHosts);
    }

    /** A request with defaults, for tests and in-process callers. */
    public static BuildRequest of(InputStream context, String... tags) {
        return new BuildRequest(context, null, List.of(tags), Map.of(), Map.of(), null, false, false, false, true, false, null, List.of());
    }

    public BuildRequest withBuildArgs(Map<String, String> a) {
        return new BuildRequest(context, dockerfile, tags, a, labels, target, noCache, pull, quiet, rm, forceRm, networkMode, extraHosts);
    }

    public BuildRequest withTarget(String t) {
        return new BuildRequest(context, dockerfile, tags, buildArgs, labels, t, noCache, pull, quiet, rm, forceRm, networkMode, extraHosts);
    }

    public BuildRequest withNoCache(boolean n) {
        return new BuildRequest(context, dockerfile, tags, buildArgs, labels, target, n, pull, quiet, rm, forceRm, networkMode, extraHosts);
    }

    public BuildRequest withQuiet(boolean q) {
        return new BuildRequest(context, dockerfile, tags, buildArgs, labels, target, noCache, pull, q, rm, forceRm, networkMode, extraHosts);
    }

    public BuildRequest withNetworkMode(String n) {
        return new BuildRequest(context, dockerfile, tags, buildArgs, labels, target, noCache, pull, quiet, rm, forceRm, n, extraHosts);
    }

    public BuildRequest withDockerfile(String d) {
        return new BuildRequest(context, d, tags, buildArgs, labels, target, noCache, pull, quiet, rm, forceRm, networkMode, extraHosts);
    }

    public BuildRequest withLabels(Map<String, String> l) {
        return new BuildRequest(context, dockerfile, tags, buildArgs, l, target, noCache, pull, quiet, rm, forceRm, networkMode, extraHosts);
    }

    /**
     * From POST /build's query (each parameter with all its values, already URL-decoded). {@code remote=} (a git or
     * URL context) is refused: Wharf has no network access for the daemon.
     */
    public static BuildRequest fromQuery(Map<String, List<String>> q, InputStream context) {
        String remote = first(q, "remote");
        if (remote != null && !remote.isEmpty()) {
            throw WharfException.invalid("remote build contexts are not supported (remote=%s): send the context as a tar", remote);
        }
        return new BuildRequest(context, first(q, "dockerfile"), q.getOrDefault("t", List.of()),
                jsonMap(first(q, "buildargs"), "buildargs"), jsonMap(first(q, "labels"), "labels"), first(q, "target"),
                bool(q, "nocache", false), bool(q, "pull", false), bool(q, "q", false), bool(q, "rm", true),
                bool(q, "forcerm", false), first(q, "networkmode"), q.getOrDefault("extrahosts", List.of()));
    }

    private static String first(Map<String, List<String>> q, String k) {
        List<String> v = q.get(k);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    private static boolean bool(Map<String, List<String>> q, String k, boolean dflt) {
        String v = first(q, k);
        if (v == null || v.isEmpty()) return dflt;
        return v.equals("1") || v.equalsIgnoreCase("true");
    }

    private static Map<String, String> jsonMap(String s, String what) {
        if (s == null || s.isEmpty()) return Map.of();
        try {
            Map<String, String> m = Json.MAPPER.readValue(s, new TypeReference<LinkedHashMap<String, String>>() {});
            return m == null ? Map.of() : m;
        } catch (Exception e) {
            throw WharfException.invalid("invalid %s: %s", what, s);
        }
    }
}
