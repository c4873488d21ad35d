package io.wharf.apiserver.pki;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.common.AtomicFiles;
import io.wharf.common.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

/** Writes kubeconfig files with the certificates embedded, so `KUBECONFIG=/etc/wharf/admin.conf kubectl ...` needs no flags. */
public final class Kubeconfig {
    private Kubeconfig() {}

    /** The admin kubeconfig: cluster/user/context all named "wharf", server {@code https://host:port}. */
    public static ObjectNode admin(Pki pki, String server) throws IOException {
        Base64.Encoder b64 = Base64.getEncoder();
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("apiVersion", "v1");
        root.put("kind", "Config");
        ObjectNode cluster = root.putArray("clusters").addObject();
        cluster.put("name", "wharf");
        cluster.putObject("cluster").put("server", server)
                .put("certificate-authority-data", b64.encodeToString(Pki.pem(pki.caCert()).getBytes(StandardCharsets.US_ASCII)));
        ObjectNode user = root.putArray("users").addObject();
        user.put("name", "wharf-admin");
        user.putObject("user")
                .put("client-certificate-data", b64.encodeToString(Pki.pem(pki.adminCert()).getBytes(StandardCharsets.US_ASCII)))
                .put("client-key-data", b64.encodeToString(pki.adminKeyPem().getBytes(StandardCharsets.US_ASCII)));
        ObjectNode ctx = root.putArray("contexts").addObject();
        ctx.put("name", "wharf");
        ctx.putObject("context").put("cluster", "wharf").put("user", "wharf-admin");
        root.put("current-context", "wharf");
        root.putObject("preferences");
        return root;
    }

    /** Writes {@code config} as YAML at {@code path}, mode 0600, atomically. */
    public static void write(Path path, ObjectNode config) throws IOException {
        AtomicFiles.write(path, Json.YAML.writeValueAsBytes(config));
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) { /* non-POSIX */ }
    }

    /**
     * Merges the "wharf" cluster, user and context of {@code config} into the kubeconfig at {@code target}
     * (typically ~/.kube/config), replacing entries of the same names and keeping everything else. Sets current-context
     * to "wharf" only when {@code makeCurrent}.
     */
    public static void merge(Path target, ObjectNode config, boolean makeCurrent) throws IOException {
        ObjectNode existing;
        if (Files.exists(target) && Files.size(target) > 0) {
            JsonNode n = Json.YAML.readTree(Files.readAllBytes(target));
            existing = n instanceof ObjectNode o ? o : Json.MAPPER.createObjectNode();
        } else {
            existing = Json.MAPPER.createObjectNode();
            existing.put("apiVersion", "v1");
            existing.put("kind", "Config");
            existing.putObject("preferences");
        }
        for (String section : new String[]{"clusters", "users", "contexts"}) {
            ArrayNode dst = existing.path(section) instanceof ArrayNode a ? a : existing.putArray(section);
            for (JsonNode item : config.path(section)) {
                String name = item.path("name").asText();
                for (int i = dst.size() - 1; i >= 0; i--) if (dst.get(i).path("name").asText().equals(name)) dst.remove(i);
                dst.add(item.deepCopy());
            }
        }
        if (makeCurrent || existing.path("current-context").asText("").isEmpty()) existing.put("current-context", "wharf");
        write(target, existing);
    }
}
