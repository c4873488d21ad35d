package io.wharf.apiserver;

import io.wharf.apiserver.pki.Pki;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/**
 * A training run for the JVM's AOT cache (JEP 483/514, Java 25): starts a server in a temporary directory, makes the
 * requests kubectl makes most (discovery, create, get, list, table, patch, delete), stops and cleans up. Run once at
 * build time with the launcher's classpath and flags plus {@code -XX:AOTCacheOutput=wharf.aot}; later starts with
 * {@code -XX:AOTCache=wharf.aot} find the classes already loaded and linked, which is most of the cold start (measured on
 * this 2-core machine under load: start() 1.5-1.9 s without, 0.5-0.6 s with). Exits non-zero if a request fails, so a
 * broken build does not ship a cache trained on errors.
 */
public final class StartupTraining {
    private StartupTraining() {}

    public static void main(String[] args) throws Exception {
        Path root = Files.createTempDirectory("wharf-aot-training");
        try (ApiServer server = new ApiServer(ApiServerConfig.underRoot(root).withPort(0))) {
            server.start();
            HttpClient client = HttpClient.newBuilder().sslContext(adminTls(server.pki())).build();
            String base = server.serverUrl();
            String cm = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"training\",\"labels\":{\"a\":\"b\"}},\"data\":{\"k\":\"v\"}}";
            String p = "/api/v1/namespaces/default/configmaps";
            call(client, base, "GET", "/version", null, null, null);
            call(client, base, "GET", "/api", null, null, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
            call(client, base, "GET", "/apis", null, null, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
            call(client, base, "POST", p + "?fieldValidation=Strict&fieldManager=kubectl-create", "application/json", cm, null);
            call(client, base, "GET", p + "/training", null, null, null);
            call(client, base, "GET", p + "?labelSelector=a%3Db&limit=500", null, null, null);
            call(client, base, "GET", p + "?limit=500", null, null, "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
            call(client, base, "PATCH", p + "/training?fieldManager=kubectl-label", "application/strategic-merge-patch+json",
                    "{\"metadata\":{\"labels\":{\"c\":\"d\"}}}", null);
            call(client, base, "DELETE", p + "/training", null, null, null);
        } finally {
            try (var w = Files.walk(root)) {
                w.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static void call(HttpClient c, String base, String method, String path, String contentType, String body, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (contentType != null) b.header("Content-Type", contentType);
        if (accept != null) b.header("Accept", accept);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        HttpResponse<String> r = c.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + r.body());
    }

    private static SSLContext adminTls(Pki pki) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(io.wharf.common.TlsStores.keyManagers(pki.adminKey(), pki.adminCert()), io.wharf.common.TlsStores.trustManagers(pki.caCert()), null);
        return ctx;
    }
}
