package io.wharf.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.Json;
import io.wharf.oci.Digest;
import io.wharf.oci.MediaTypes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A registry on 127.0.0.1:0 over a temp dir, and a java.net.http client with helpers for the spec's flows. Every test
 * method is bounded (inherited by subclasses): a server that stops reading a connection must fail the test, not hang
 * the build. A separate thread, because a thread blocked in a socket read does not notice an interrupt.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class RegistryTestBase {
    @TempDir
    Path root;
    RegistryServer server;
    HttpClient http;
    String base;

    RegistryConfig config() {
        return RegistryConfig.defaults().withRoot(root).withListen("127.0.0.1", 0);
    }

    @BeforeEach
    void startServer() throws Exception {
        server = new RegistryServer(config());
        server.start();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        base = (server.config().tls() ? "https" : "http") + "://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stopServer() {
        if (server != null) server.close();
        if (http != null) http.close();
    }

    HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) b.headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String str(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        return Json.MAPPER.readTree(r.body());
    }

    static String errorCode(HttpResponse<byte[]> r) throws IOException {
        return json(r).path("errors").path(0).path("code").asText();
    }

    /** Monolithic POST ?digest= push. */
    Digest pushBlob(String name, byte[] data) throws Exception {
        Digest d = Digest.sha256(data);
        var r = send("POST", "/v2/" + name + "/blobs/uploads/?digest=" + d, data, "Content-Type", "application/octet-stream");
        assertEquals(201, r.statusCode(), () -> str(r));
        return d;
    }

    Digest pushManifest(String name, String ref, String mediaType, byte[] bytes) throws Exception {
        var r = send("PUT", "/v2/" + name + "/manifests/" + ref, bytes, "Content-Type", mediaType);
        assertEquals(201, r.statusCode(), () -> str(r));
        return Digest.parse(r.headers().firstValue("Docker-Content-Digest").orElseThrow());
    }

    static byte[] manifest(String mediaType, Digest config, long configSize, List<Digest> layers, List<Long> sizes, String extra) {
        StringBuilder sb = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + mediaType + "\",\"config\":{\"mediaType\":\""
                + (mediaType.contains("docker") ? "application/vnd.docker.container.image.v1+json" : "application/vnd.oci.image.config.v1+json")
                + "\",\"digest\":\"" + config + "\",\"size\":" + configSize + "},\"layers\":[");
        for (int i = 0; i < layers.size(); i++) {
            if (i > 0) sb.append(',');
            sb.append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"").append(layers.get(i))
                    .append("\",\"size\":").append(sizes.get(i)).append('}');
        }
        sb.append(']');
        if (extra != null) sb.append(',').append(extra);
        sb.append('}');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A pushed image: config + one layer + OCI manifest, tagged. */
    record Image(Digest config, Digest layer, Digest manifest, byte[] manifestBytes) {}

    Image pushImage(String name, String tag, String layerContent) throws Exception {
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"x\":\"" + layerContent + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] layer = layerContent.getBytes(StandardCharsets.UTF_8);
        Digest c = pushBlob(name, config), l = pushBlob(name, layer);
        byte[] m = manifest(MediaTypes.OCI_MANIFEST, c, config.length, List.of(l), List.of((long) layer.length), null);
        Digest md = pushManifest(name, tag, MediaTypes.OCI_MANIFEST, m);
        return new Image(c, l, md, m);
    }

    /** Every file under the root except upload sessions: what "nothing stored" compares. */
    TreeSet<String> storedFiles() throws IOException {
        TreeSet<String> out = new TreeSet<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).filter(p -> !p.startsWith("_uploads")).forEach(out::add);
        }
        return out;
    }

    static Map<String, List<String>> hdrs(HttpResponse<?> r) {
        return r.headers().map();
    }
}
