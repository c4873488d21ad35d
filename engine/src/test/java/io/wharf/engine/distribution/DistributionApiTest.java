package io.wharf.engine.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.Json;
import io.wharf.engine.Events;
import io.wharf.engine.wire.HttpServer;
import io.wharf.engine.wire.Router;
import io.wharf.image.ImageService;
import io.wharf.image.ImportOptions;
import io.wharf.registry.RegistryConfig;
import io.wharf.registry.RegistryServer;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The endpoints over the engine's HTTP server and router, as the CLI calls them: unescaped names in push paths,
 * X-Registry-Auth, HTTP errors before the stream and errorDetail after it, /auth against an htpasswd registry, and
 * the fromSrc= fallback.
 */
class DistributionApiTest {
    @TempDir
    Path tmp;
    RegistryServer registry;
    HttpServer server;
    HttpClient http = HttpClient.newHttpClient();
    String base, host;
    ImageService images;
    final List<String> fallbackCalls = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Path pw = tmp.resolve("htpasswd");
        byte[] salt = new byte[16];
        new java.security.SecureRandom().nextBytes(salt);
        Files.writeString(pw, "alice:" + OpenBSDBCrypt.generate("2y", "s3cret".toCharArray(), salt, 4) + "\n");
        registry = new RegistryServer(RegistryConfig.defaults().withRoot(tmp.resolve("registry")).withListen("127.0.0.1", 0).withHtpasswd(pw));
        registry.start();
        host = "127.0.0.1:" + registry.port();
        images = new ImageService(tmp.resolve("engine"));
        Distribution d = new Distribution(images, DaemonConfig.defaults(), tmp.resolve("engine/distribution"));
        Router r = new Router();
        new DistributionApi(d, new Events(Clock.systemUTC())).routes(r, (q, s) -> {
            fallbackCalls.add(q.query("fromSrc"));
            s.json(200, java.util.Map.of("status", "imported"));
        });
        server = new HttpServer(r);
        base = "http://127.0.0.1:" + server.bindTcp("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (registry != null) registry.close();
        http.close();
    }

    HttpResponse<String> post(String path, String auth, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) b.header("X-Registry-Auth", auth);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static List<JsonNode> messages(String body) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : body.split("\r\n")) if (!l.isBlank()) out.add(Json.MAPPER.readTree(l));
        return out;
    }

    @Test
    void loginPushAndPullThroughTheApi() throws Exception {
        String good = new AuthConfig("alice", "s3cret", null, null, host, null, null).encodeHeader();
        // /auth
        var ok = post("/v1.47/auth", null, "{\"username\":\"alice\",\"password\":\"s3cret\",\"serveraddress\":\"" + host + "\"}");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("{\"Status\":\"Login Succeeded\",\"IdentityToken\":\"\"}", ok.body());
        var bad = post("/v1.47/auth", null, "{\"username\":\"alice\",\"password\":\"wrong\",\"serveraddress\":\"" + host + "\"}");
        assertEquals(401, bad.statusCode());
        assertEquals("login attempt to http://" + host + "/v2/ failed with status: 401 Unauthorized", Json.MAPPER.readTree(bad.body()).path("message").asText());
        assertEquals("application/json", bad.headers().firstValue("Content-Type").orElse(""));

        images.importImage(new ByteArrayInputStream(DistributionTest.busyboxRootfs()), ImportOptions.tagged(host + "/busybox:v1"));
        // without credentials the push fails in-band, after its first line
        var denied = post("/v1.47/images/" + host + "/busybox/push?tag=v1", "e30=", null);
        assertEquals(200, denied.statusCode());
        List<JsonNode> dm = messages(denied.body());
        assertEquals("The push refers to repository [" + host + "/busybox]", dm.getFirst().path("status").asText());
        assertTrue(dm.getLast().path("errorDetail").path("message").asText().startsWith("unauthorized:"), denied.body());

        var pushed = post("/v1.47/images/" + host + "/busybox/push?tag=v1", good, null);
        assertEquals(200, pushed.statusCode());
        assertEquals("application/json", pushed.headers().firstValue("Content-Type").orElse(""));
        List<JsonNode> pm = messages(pushed.body());
        assertTrue(pm.stream().noneMatch(m -> m.has("errorDetail")), pushed.body());
        JsonNode aux = pm.getLast().path("aux");
        assertEquals("v1", aux.path("Tag").asText());
        assertTrue(aux.path("Digest").asText().startsWith("sha256:"));

        images.delete(host + "/busybox:v1", false, true, io.wharf.image.ContainerUsage.NONE);
        // a missing tag is a 404 before any stream
        var missing = post("/v1.47/images/create?fromImage=" + host + "/busybox&tag=nope", good, null);
        assertEquals(404, missing.statusCode(), missing.body());
        assertTrue(Json.MAPPER.readTree(missing.body()).path("message").asText().startsWith("manifest for " + host + "/busybox:nope not found"), missing.body());
        // anonymous pull from an htpasswd registry: docker's "pull access denied"
        var anon = post("/v1.47/images/create?fromImage=" + host + "/busybox&tag=v1", "e30=", null);
        assertEquals(404, anon.statusCode(), anon.body());
        assertEquals("pull access denied for " + host + "/busybox, repository does not exist or may require 'docker login': unauthorized: authentication required",
                Json.MAPPER.readTree(anon.body()).path("message").asText());

        var pulled = post("/v1.47/images/create?fromImage=" + host + "%2Fbusybox&tag=v1", good, null);
        assertEquals(200, pulled.statusCode(), pulled.body());
        List<JsonNode> m = messages(pulled.body());
        assertEquals("Pulling from busybox", m.getFirst().path("status").asText());
        assertEquals("v1", m.getFirst().path("id").asText());
        assertEquals("Digest: " + aux.path("Digest").asText(), m.get(m.size() - 2).path("status").asText());
        assertEquals("Status: Downloaded newer image for " + host + "/busybox:v1", m.getLast().path("status").asText());
        assertTrue(images.find(host + "/busybox:v1").isPresent());
    }

    @Test
    void importsGoToTheFallbackAndBadHeadersAre400() throws Exception {
        var imp = post("/v1.47/images/create?fromSrc=-&repo=x", null, "");
        assertEquals(200, imp.statusCode());
        assertEquals(List.of("-"), fallbackCalls);
        var badAuth = post("/v1.47/images/create?fromImage=busybox&tag=latest", "%%%notbase64", null);
        assertEquals(400, badAuth.statusCode());
        var badRef = post("/v1.47/images/create?fromImage=Busy:box&tag=latest", null, null);
        assertEquals(400, badRef.statusCode());
    }
}
