package io.wharf.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.wharf.common.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the controllers' fabric8 clients are set up: the {@link Config} of a kubeconfig file, the TLS key and trust
 * managers of an in-process client, and the one serialization they all share.
 * <p>
 * The kubeconfig is read without fabric8's static {@code Serialization}: that one decodes the file into fabric8's
 * model, whose extension fields are polymorphic, and so loads every model class named in the class path's
 * KubernetesResource service files (~1,000 classes for gateway API, DRA, flow control... that Wharf never decodes,
 * ~10 MB of class data and Jackson caches in an idle server). It is read with Wharf's own YAML mapper, which is
 * loaded anyway.
 */
public final class Clients {
    private Clients() {}

    /**
     * The current context's server, CA, client certificate and key, or token. Paths in the file are relative to its
     * folder, as kubectl reads them.
     */
    public static Config config(Path file) throws IOException {
        JsonNode root = Json.YAML.readTree(Files.readString(file));
        if (root == null || !root.isObject()) throw new IOException(file + ": not a kubeconfig");
        String current = root.path("current-context").asText("");
        JsonNode context = named(root, "contexts", current, "context");
        if (context == null) {
            JsonNode contexts = root.path("contexts");
            if (!current.isEmpty() || contexts.size() != 1) throw new IOException(file + ": no context \"" + current + "\"");
            context = contexts.get(0).path("context");
        }
        JsonNode cluster = named(root, "clusters", context.path("cluster").asText(""), "cluster");
        if (cluster == null || cluster.path("server").asText("").isEmpty()) throw new IOException(file + ": the current context names no cluster with a server");
        JsonNode user = named(root, "users", context.path("user").asText(""), "user");
        Path dir = file.toAbsolutePath().getParent();

        Config c = Config.empty();
        c.setMasterUrl(cluster.path("server").asText());
        c.setTrustCerts(cluster.path("insecure-skip-tls-verify").asBoolean(false));
        c.setCaCertData(text(cluster, "certificate-authority-data"));
        c.setCaCertFile(path(dir, cluster, "certificate-authority"));
        if (!context.path("namespace").asText("").isEmpty()) c.setNamespace(context.path("namespace").asText());
        if (user != null) {
            c.setClientCertData(text(user, "client-certificate-data"));
            c.setClientCertFile(path(dir, user, "client-certificate"));
            String keyData = text(user, "client-key-data"), keyFile = path(dir, user, "client-key");
            c.setClientKeyData(keyData);
            c.setClientKeyFile(keyFile);
            if (keyData != null || keyFile != null) c.setClientKeyAlgo(Config.getKeyAlgorithm(keyFile, keyData));
            String token = text(user, "token");
            String tokenFile = path(dir, user, "tokenFile");
            if (token == null && tokenFile != null) token = Files.readString(Path.of(tokenFile)).trim();
            c.setOauthToken(token);
            c.setUsername(text(user, "username"));
            c.setPassword(text(user, "password"));
        }
        return c;
    }

    /**
     * fabric8's serialization with its class-path scan off (see the class comment): kinds decode polymorphically (the
     * object of a watch event) only once registered, which {@link Informers#of} does for each type it watches. A
     * mapper of its own, as fabric8's default constructor makes (fabric8 registers its modules on it), that builds the
     * deserializers of model properties on first use ({@link LazyModelDeserializers}). One per process: each mapper
     * keeps its own caches of (de)serializers for the model classes.
     */
    public static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization(new ObjectMapper()
            .registerModule(new com.fasterxml.jackson.databind.module.SimpleModule("wharf-lazy-model")
                    .setDeserializerModifier(new LazyModelDeserializers())), false);

    private static JsonNode named(JsonNode root, String list, String name, String field) {
        for (JsonNode e : root.path(list)) if (name.equals(e.path("name").asText())) return e.path(field);
        return null;
    }

    private static String text(JsonNode n, String field) {
        String s = n.path(field).asText("");
        return s.isEmpty() ? null : s;
    }

    private static String path(Path dir, JsonNode n, String field) {
        String s = text(n, field);
        return s == null ? null : dir.resolve(s).toString();
    }
}
