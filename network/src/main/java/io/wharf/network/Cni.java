package io.wharf.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.common.Json;
import io.wharf.common.WharfException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A small libcni: runs a plugin chain (a conflist's "plugins") for ADD, CHECK and DEL as the CNI spec 1.0.0
 * (https://www.cni.dev/docs/spec/#section-4-plugin-delegation) prescribes: ADD in order, each plugin receiving
 * the previous plugin's result as {@code prevResult}; CHECK and DEL with the cached ADD result as prevResult, DEL
 * in reverse order. Capability arguments (portMappings) go in {@code runtimeConfig} only to plugins that declare
 * the capability. The cache is the caller's: it persists the ADD result with the endpoint, so DEL works after a
 * restart.
 */
final class Cni {
    static final String VERSION = "1.0.0";
    private final List<Path> path;

    Cni(List<Path> path) {
        this.path = path;
    }

    /** What a chain run needs besides the plugin configurations. */
    record Invocation(String networkName, String containerId, String netns, String ifName, String cniArgs,
                      Map<String, Object> capabilityArgs) {}

    JsonNode add(List<ObjectNode> plugins, Invocation inv) {
        JsonNode prev = null;
        for (ObjectNode plugin : plugins) {
            prev = exec("ADD", plugin, inv, prev);
        }
        return prev;
    }

    void check(List<ObjectNode> plugins, Invocation inv, JsonNode cached) {
        for (ObjectNode plugin : plugins) exec("CHECK", plugin, inv, cached);
    }

    /** DEL in reverse order; runs every plugin even if one fails, then reports the failures. */
    void del(List<ObjectNode> plugins, Invocation inv, JsonNode cached) {
        List<String> errors = new ArrayList<>();
        for (int i = plugins.size() - 1; i >= 0; i--) {
            try {
                exec("DEL", plugins.get(i), inv, cached);
            } catch (WharfException e) {
                errors.add(e.getMessage());
            }
        }
        if (!errors.isEmpty()) throw WharfException.internal(String.join("; ", errors), null);
    }

    private JsonNode exec(String command, ObjectNode plugin, Invocation inv, JsonNode prevResult) {
        String type = plugin.path("type").asText();
        ObjectNode conf = plugin.deepCopy();
        conf.put("cniVersion", VERSION);
        conf.put("name", inv.networkName());
        JsonNode caps = plugin.path("capabilities");
        if (caps.isObject() && inv.capabilityArgs() != null) {
            ObjectNode rc = Json.MAPPER.createObjectNode();
            caps.properties().forEach(e -> {
                if (e.getValue().asBoolean() && inv.capabilityArgs().containsKey(e.getKey()))
                    rc.set(e.getKey(), Json.MAPPER.valueToTree(inv.capabilityArgs().get(e.getKey())));
            });
            if (!rc.isEmpty()) conf.set("runtimeConfig", rc);
        }
        if (prevResult != null) conf.set("prevResult", prevResult);
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", inv.containerId());
        env.put("CNI_NETNS", inv.netns() == null ? "" : inv.netns());
        env.put("CNI_IFNAME", inv.ifName());
        env.put("CNI_ARGS", inv.cniArgs() == null ? "" : inv.cniArgs());
        env.put("CNI_PATH", path.stream().map(Path::toString).collect(Collectors.joining(":")));
        Exec.Result r = Exec.run(List.of(find(type).toString()), env, Json.bytes(conf));
        if (!r.ok()) {
            String msg = r.output();
            try {
                JsonNode err = Json.MAPPER.readTree(r.stdout());
                if (err.has("msg")) msg = err.path("msg").asText() + (err.hasNonNull("details") && !err.path("details").asText().isEmpty() ? ": " + err.path("details").asText() : "");
            } catch (IOException ignored) {
                // not a CNI error object; keep the raw output
            }
            throw WharfException.internal("CNI " + command + " " + type + " failed: " + msg, null);
        }
        if (!command.equals("ADD")) return null;
        try {
            return Json.MAPPER.readTree(r.stdout());
        } catch (IOException e) {
            throw WharfException.internal("CNI " + type + " returned invalid JSON: " + r.stdout(), e);
        }
    }

    private Path find(String type) {
        for (Path dir : path) {
            Path p = dir.resolve(type);
            if (Files.isExecutable(p)) return p;
        }
        throw WharfException.unavailable("CNI plugin %s not found in %s", type, path);
    }
}
