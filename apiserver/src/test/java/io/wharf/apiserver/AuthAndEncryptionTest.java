package io.wharf.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.apiserver.auth.Authenticator;
import io.wharf.apiserver.auth.UserInfo;
import io.wharf.common.Json;
import io.wharf.store.KeyValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Bearer tokens (static file, ServiceAccount JWT, bootstrap token), RBAC decisions, and Secrets encrypted at rest. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthAndEncryptionTest {
    Path tmp;
    ApiServer server;
    HttpClient client;

    @BeforeAll
    void start() throws Exception {
        tmp = Files.createTempDirectory("wharf-apiserver-auth");
        Path tokens = tmp.resolve("tokens.csv");
        Files.writeString(tokens, "# comment\nadmintoken,alice,u1,\"system:masters,devs\"\nbobtoken,bob,u2\n");
        Path enc = tmp.resolve("enc.yaml");
        String key = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
        Files.writeString(enc, """
                apiVersion: apiserver.config.k8s.io/v1
                kind: EncryptionConfiguration
                resources:
                - resources: [secrets]
                  providers:
                  - aesgcm:
                      keys:
                      - {name: key1, secret: %s}
                  - identity: {}
                """.formatted(key));
        server = new ApiServer(ApiServerConfig.underRoot(tmp.resolve("root")).withTokenFile(tokens).withEncryptionConfig(enc));
        server.start();
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", server.pki().caCert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        client = HttpClient.newBuilder().sslContext(ctx).build();
    }

    @AfterAll
    void stop() throws IOException {
        if (server != null) server.close();
        try (var w = Files.walk(tmp)) {
            w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    HttpResponse<String> call(String token, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.serverUrl() + path));
        if (token != null) b.header("Authorization", "Bearer " + token);
        b.header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.replace('\'', '"')));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void staticTokensAuthenticateAndRbacAuthorizes() throws Exception {
        assertEquals(200, call("admintoken", "GET", "/api/v1/namespaces", null).statusCode());
        HttpResponse<String> bob = call("bobtoken", "GET", "/api/v1/namespaces/default/configmaps", null);
        assertEquals(403, bob.statusCode());
        assertTrue(bob.body().contains("User \\\"bob\\\" cannot list resource \\\"configmaps\\\" in API group \\\"\\\" in the namespace \\\"default\\\""), bob.body());
        assertEquals(401, call("nosuchtoken", "GET", "/api/v1/namespaces", null).statusCode());
        // bind bob to view in default: reads pass, writes stay forbidden
        assertEquals(201, call("admintoken", "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
                "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'RoleBinding','metadata':{'name':'bob-view'},"
                        + "'roleRef':{'apiGroup':'rbac.authorization.k8s.io','kind':'ClusterRole','name':'view'},"
                        + "'subjects':[{'kind':'User','name':'bob','apiGroup':'rbac.authorization.k8s.io'}]}").statusCode());
        assertEquals(200, call("bobtoken", "GET", "/api/v1/namespaces/default/configmaps", null).statusCode());
        assertEquals(403, call("bobtoken", "POST", "/api/v1/namespaces/default/configmaps", "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'x'}}").statusCode());
        assertEquals(403, call("bobtoken", "GET", "/api/v1/namespaces/kube-system/configmaps", null).statusCode());
        JsonNode review = Json.MAPPER.readTree(call("bobtoken", "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                "{'apiVersion':'authorization.k8s.io/v1','kind':'SelfSubjectAccessReview','spec':{'resourceAttributes':{'verb':'delete','resource':'configmaps','namespace':'default'}}}").body());
        assertFalse(review.path("status").path("allowed").asBoolean(true));
    }

    @Test
    void serviceAccountAndBootstrapTokens() throws Exception {
        String jwt = server.issueServiceAccountToken("default", "robot", 3600);
        HttpResponse<String> r = call(jwt, "GET", "/api/v1/namespaces/default/pods", null);
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("system:serviceaccount:default:robot"), r.body());
        String forged = jwt.substring(0, jwt.lastIndexOf('.') + 1) + "AAAA";
        assertEquals(401, call(forged, "GET", "/api/v1/namespaces", null).statusCode());

        Map<String, String> data = Map.of("token-id", "abcdef", "token-secret", "0123456789abcdef", "usage-bootstrap-authentication", "true");
        StringBuilder d = new StringBuilder();
        data.forEach((k, v) -> d.append(d.isEmpty() ? "" : ",").append("'").append(k).append("':'").append(Base64.getEncoder().encodeToString(v.getBytes())).append("'"));
        assertEquals(201, call("admintoken", "POST", "/api/v1/namespaces/kube-system/secrets",
                "{'apiVersion':'v1','kind':'Secret','metadata':{'name':'bootstrap-token-abcdef'},'type':'bootstrap.kubernetes.io/token','data':{" + d + "}}").statusCode());
        HttpResponse<String> boot = call("abcdef.0123456789abcdef", "GET", "/api/v1/nodes", null);
        assertEquals(403, boot.statusCode(), boot.body());
        assertTrue(boot.body().contains("system:bootstrap:abcdef"), boot.body());
        assertEquals(401, call("abcdef.0123456789abcdeX", "GET", "/api/v1/nodes", null).statusCode());
    }

    @Test
    void secretsAreEncryptedAtRest() throws Exception {
        assertEquals(201, call("admintoken", "POST", "/api/v1/namespaces/default/secrets",
                "{'apiVersion':'v1','kind':'Secret','metadata':{'name':'s'},'stringData':{'password':'hunter2'}}").statusCode());
        KeyValue raw = server.store().get("/registry/secrets/default/s").orElseThrow();
        String stored = new String(raw.value(), StandardCharsets.ISO_8859_1);
        assertTrue(stored.startsWith("k8s:enc:aesgcm:v1:key1:"), stored.substring(0, Math.min(40, stored.length())));
        assertFalse(stored.contains("hunter2") || stored.contains(Base64.getEncoder().encodeToString("hunter2".getBytes())));
        JsonNode back = Json.MAPPER.readTree(call("admintoken", "GET", "/api/v1/namespaces/default/secrets/s", null).body());
        assertEquals("hunter2", new String(Base64.getDecoder().decode(back.path("data").path("password").asText())));
    }

    @Test
    void tokenFileParsing() throws Exception {
        Path f = tmp.resolve("t.csv");
        Files.writeString(f, "t1,u1,id1,\"g1,g2\"\n\nt2,u2,id2\n");
        Map<String, UserInfo> m = Authenticator.readTokenFile(f);
        assertEquals(java.util.List.of("g1", "g2", "system:authenticated"), m.get("t1").groups());
        assertEquals("u2", m.get("t2").name());
        Files.writeString(f, "broken\n");
        assertThrows(IOException.class, () -> Authenticator.readTokenFile(f));
    }
}
