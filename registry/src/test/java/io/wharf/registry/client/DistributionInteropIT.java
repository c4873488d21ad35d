package io.wharf.registry.client;

import io.wharf.oci.Digest;
import io.wharf.oci.Manifest;
import io.wharf.oci.Platform;
import io.wharf.oci.Reference;
import io.wharf.registry.RegistryConfig;
import io.wharf.registry.RegistryServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Interoperability with the reference registry (Debian's docker-registry, distribution 2.8): the client pushes to
 * and pulls from it, and skopeo copies images between it and Wharf's registry in both directions.
 */
class DistributionInteropIT {
    @TempDir
    Path dir;
    Process distribution;
    RegistryServer wharf;
    RegistryClient client;
    String distHost;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/docker-registry")), "docker-registry is not installed");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        distHost = "127.0.0.1:" + port;
        Path cfg = dir.resolve("config.yml");
        Files.writeString(cfg, """
                version: 0.1
                log:
                  level: error
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: %s
                """.formatted(dir.resolve("dist-root"), distHost));
        distribution = new ProcessBuilder("/usr/bin/docker-registry", "serve", cfg.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("dist.log").toFile()).start();
        try (HttpClient h = HttpClient.newHttpClient()) {
            for (int i = 0; ; i++) {
                try {
                    if (h.send(HttpRequest.newBuilder(URI.create("http://" + distHost + "/v2/")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) break;
                } catch (java.io.IOException e) {
                    if (i > 100) throw e;
                }
                Thread.sleep(50);
            }
        }
        wharf = new RegistryServer(RegistryConfig.defaults().withRoot(dir.resolve("wharf-root")).withListen("127.0.0.1", 0));
        wharf.start();
        client = new RegistryClient(RegistryClient.Options.defaults().withChunkSize(1 << 20));
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) client.close();
        if (wharf != null) wharf.close();
        if (distribution != null) {
            distribution.destroy();
            if (!distribution.waitFor(5, TimeUnit.SECONDS)) distribution.destroyForcibly();
        }
    }

    static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + "\n" + out);
    }

    @Test
    void clientPushesAndPullsWithDistribution() throws Exception {
        byte[] layer = new byte[2_500_000];
        new Random(4).nextBytes(layer);
        Reference ref = Reference.parse(distHost + "/interop/app:1");
        Manifest m = RegistryClientTest.pushImage(client, ref, layer, List.of());
        var r = client.resolve(ref, Platform.of("linux", "amd64", null));
        assertEquals(Digest.sha256(m.toBytes()), r.manifest().digest());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        client.fetchBlob(ref, r.parsed().layers().getFirst(), out, RegistryClient.Progress.NONE);
        assertArrayEquals(layer, out.toByteArray());
        assertEquals(RegistryClient.PushOutcome.MOUNTED, client.pushBlob(Reference.parse(distHost + "/interop/other"),
                m.layers().getFirst(), RegistryClient.BlobSource.of(layer), List.of("interop/app"), RegistryClient.Progress.NONE));
        assertEquals(List.of("1"), client.tags(ref.repository()));
    }

    @Test
    void skopeoCopiesBetweenWharfAndDistribution() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed");
        String wharfHost = "127.0.0.1:" + wharf.port();
        // real gzip: containers/image would otherwise compress the layer on the way and change the digests
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (var z = new java.util.zip.GZIPOutputStream(gz)) {
            z.write("layer-bytes".getBytes());
        }
        Manifest m = RegistryClientTest.pushImage(client, Reference.parse(wharfHost + "/x/img:1"), gz.toByteArray(), List.of());
        run("skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false", "docker://" + wharfHost + "/x/img:1", "docker://" + distHost + "/x/img:1");
        assertEquals(Digest.sha256(m.toBytes()), client.getManifest(Reference.parse(distHost + "/x/img:1")).digest());
        run("skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false", "docker://" + distHost + "/x/img:1", "docker://" + wharfHost + "/y/img:2");
        assertEquals(Digest.sha256(m.toBytes()), client.getManifest(Reference.parse(wharfHost + "/y/img:2")).digest());
    }
}
