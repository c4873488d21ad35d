package io.wharf.registry.client;

import com.sun.net.httpserver.HttpServer;
import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import io.wharf.oci.Descriptor;
import io.wharf.oci.Digest;
import io.wharf.oci.Index;
import io.wharf.oci.Manifest;
import io.wharf.oci.MediaTypes;
import io.wharf.oci.Platform;
import io.wharf.oci.Reference;
import io.wharf.registry.RegistryConfig;
import io.wharf.registry.RegistryServer;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

class RegistryClientTest {
    @TempDir
    Path root;
    @TempDir
    Path aux;
    RegistryServer server;
    RegistryClient client;
    HttpServer tokenServer;

    @AfterEach
    void tearDown() {
        if (client != null) client.close();
        if (server != null) server.close();
        if (tokenServer != null) tokenServer.stop(0);
    }

    String start(RegistryConfig cfg, RegistryClient.Options opts) throws Exception {
        server = new RegistryServer(cfg.withRoot(root).withListen("127.0.0.1", 0));
        server.start();
        client = new RegistryClient(opts);
        return "127.0.0.1:" + server.port();
    }

    /** Pushes config + one layer + manifest with the client; returns the manifest. */
    static Manifest pushImage(RegistryClient c, Reference ref, byte[] layer, List<String> mountFrom) throws Exception {
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"n\":" + layer.length + "}").getBytes();
        Descriptor cd = Descriptor.of(MediaTypes.OCI_CONFIG, config);
        Descriptor ld = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, layer);
        c.pushBlob(ref, cd, RegistryClient.BlobSource.of(config), mountFrom, RegistryClient.Progress.NONE);
        c.pushBlob(ref, ld, RegistryClient.BlobSource.of(layer), mountFrom, RegistryClient.Progress.NONE);
        Manifest m = Manifest.oci(cd, List.of(ld));
        c.pushManifest(ref, MediaTypes.OCI_MANIFEST, m.toBytes());
        return m;
    }

    @Test
    void pushResolveFetchRoundTrip() throws Exception {
        String host = start(RegistryConfig.defaults(), RegistryClient.Options.defaults());
        assertTrue(client.isInsecure(host));
        byte[] layer = new byte[700_000];
        new Random(1).nextBytes(layer);
        Reference ref = Reference.parse(host + "/app/web:1");
        Manifest m = pushImage(client, ref, layer, List.of());

        RegistryClient.Resolved r = client.resolve(ref, Platform.of("linux", "amd64", null));
        assertEquals(Digest.sha256(m.toBytes()), r.manifest().digest());
        assertNull(r.index());
        assertEquals(m.layers().getFirst().digest(), r.parsed().layers().getFirst().digest());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Long> progress = new ArrayList<>();
        client.fetchBlob(ref, m.layers().getFirst(), out, (d, t) -> progress.add(d));
        assertArrayEquals(layer, out.toByteArray());
        assertEquals(layer.length, progress.getLast());

        // resume: a partial download is continued with a Range request
        Path f = aux.resolve("partial");
        Files.write(f, Arrays.copyOf(layer, 123_456));
        client.fetchBlob(ref, m.layers().getFirst(), f, RegistryClient.Progress.NONE);
        assertArrayEquals(layer, Files.readAllBytes(f));
        // a corrupt partial file is detected and removed
        Files.write(f, new byte[1000]);
        assertThrows(WharfException.class, () -> client.fetchBlob(ref, m.layers().getFirst(), f, RegistryClient.Progress.NONE));
        assertFalse(Files.exists(f));

        assertEquals(List.of("1"), client.tags(ref.repository()));
        assertEquals(List.of("app/web"), client.catalog(host));
        assertEquals(Optional.of(Digest.sha256(m.toBytes())), client.headManifest(ref).map(Descriptor::digest));
        assertTrue(client.headManifest(ref.withTag("nope")).isEmpty());
        var missing = assertThrows(WharfException.class, () -> client.getManifest(ref.withTag("nope")));
        assertEquals(ErrorKind.NOT_FOUND, missing.kind());
        assertEquals("manifest for " + host + "/app/web:nope not found: manifest unknown: manifest unknown", missing.getMessage());
    }

    @Test
    void pushOutcomesAndChunkedUploads() throws Exception {
        String host = start(RegistryConfig.defaults(), RegistryClient.Options.defaults().withChunkSize(100_000));
        byte[] data = new byte[350_001];
        new Random(2).nextBytes(data);
        Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, data);
        Reference a = Reference.parse(host + "/a"), b = Reference.parse(host + "/b");
        AtomicLong last = new AtomicLong();
        assertEquals(RegistryClient.PushOutcome.UPLOADED, client.pushBlob(a, d, RegistryClient.BlobSource.of(data), List.of(), (x, t) -> last.set(x)));
        assertEquals(data.length, last.get());
        assertEquals(RegistryClient.PushOutcome.EXISTS, client.pushBlob(a, d, RegistryClient.BlobSource.of(data), List.of(), RegistryClient.Progress.NONE));
        assertEquals(RegistryClient.PushOutcome.MOUNTED, client.pushBlob(b, d, RegistryClient.BlobSource.of(data), List.of("a"), RegistryClient.Progress.NONE));
        // an empty blob and a source that lies about its content
        Descriptor empty = Descriptor.of(MediaTypes.OCI_EMPTY, new byte[0]);
        assertEquals(RegistryClient.PushOutcome.UPLOADED, client.pushBlob(a, empty, RegistryClient.BlobSource.of(new byte[0]), List.of(), RegistryClient.Progress.NONE));
        Descriptor lie = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256("other".getBytes()), 5);
        var e = assertThrows(WharfException.class, () -> client.pushBlob(a, lie, RegistryClient.BlobSource.of("bytes".getBytes()), List.of(), RegistryClient.Progress.NONE));
        assertTrue(e.getMessage().contains("digest invalid"), e.getMessage());
    }

    @Test
    void resolvesIndexToPlatform() throws Exception {
        String host = start(RegistryConfig.defaults(), RegistryClient.Options.defaults());
        Reference ref = Reference.parse(host + "/multi:latest");
        Manifest amd = pushImage(client, ref.withTag("amd64"), "amd".getBytes(), List.of());
        Manifest arm = pushImage(client, ref.withTag("arm64"), "arm".getBytes(), List.of());
        Index idx = Index.oci(List.of(
                Descriptor.of(MediaTypes.OCI_MANIFEST, arm.toBytes()).withPlatform(Platform.of("linux", "arm64", "v8")),
                Descriptor.of(MediaTypes.OCI_MANIFEST, amd.toBytes()).withPlatform(Platform.of("linux", "amd64", null))));
        client.pushManifest(ref, MediaTypes.OCI_INDEX, idx.toBytes());
        var r = client.resolve(ref, Platform.of("linux", "amd64", null));
        assertEquals(Digest.sha256(idx.toBytes()), r.index().digest());
        assertEquals(Digest.sha256(amd.toBytes()), r.manifest().digest());
        var none = assertThrows(WharfException.class, () -> client.resolve(ref, Platform.of("linux", "s390x", null)));
        assertEquals(ErrorKind.NOT_FOUND, none.kind());
    }

    @Test
    void basicAuthentication() throws Exception {
        Path htpasswd = aux.resolve("htpasswd");
        Files.writeString(htpasswd, "u:" + OpenBSDBCrypt.generate("2y", "pw".toCharArray(), new byte[16], 4) + "\n");
        String host = start(RegistryConfig.defaults().withHtpasswd(htpasswd),
                RegistryClient.Options.defaults().withCredentials(h -> Optional.of(new RegistryClient.Credentials("u", "pw"))));
        client.login(host);
        pushImage(client, Reference.parse(host + "/private:1"), "x".getBytes(), List.of());
        try (RegistryClient anon = new RegistryClient(RegistryClient.Options.defaults())) {
            var e = assertThrows(WharfException.class, () -> anon.login(host));
            assertEquals(ErrorKind.UNAUTHENTICATED, e.kind());
            assertThrows(WharfException.class, () -> anon.getManifest(Reference.parse(host + "/private:1")));
        }
    }

    @Test
    void tokenAuthenticationAgainstATokenService() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair kp = g.generateKeyPair();
        Path pub = aux.resolve("token.pub");
        Files.writeString(pub, "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(kp.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
        // a real (tiny) token service: grants the requested scopes to user t/pw, signs ES256 tokens
        List<String> seenScopes = new ArrayList<>();
        tokenServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        tokenServer.createContext("/token", ex -> {
            String authz = ex.getRequestHeaders().getFirst("Authorization");
            if (!("Basic " + Base64.getEncoder().encodeToString("t:pw".getBytes())).equals(authz)) {
                ex.sendResponseHeaders(401, -1);
                ex.close();
                return;
            }
            StringBuilder access = new StringBuilder("[");
            for (String kv : ex.getRequestURI().getQuery().split("&")) {
                if (!kv.startsWith("scope=")) continue;
                String s = java.net.URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8);
                seenScopes.add(s);
                String[] p = s.split(":");
                if (access.length() > 1) access.append(',');
                access.append("{\"type\":\"").append(p[0]).append("\",\"name\":\"").append(p[1]).append("\",\"actions\":[\"")
                        .append(String.join("\",\"", p[2].split(","))).append("\"]}");
            }
            access.append(']');
            try {
                Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
                String h = enc.encodeToString("{\"alg\":\"ES256\"}".getBytes());
                String c = enc.encodeToString(("{\"iss\":\"test-issuer\",\"aud\":\"wharf\",\"exp\":" + (Instant.now().getEpochSecond() + 300)
                        + ",\"access\":" + access + "}").getBytes());
                Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
                s.initSign(kp.getPrivate());
                s.update((h + "." + c).getBytes());
                byte[] body = ("{\"token\":\"" + h + "." + c + "." + enc.encodeToString(s.sign()) + "\",\"expires_in\":300}").getBytes();
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            } catch (Exception e) {
                ex.sendResponseHeaders(500, -1);
            }
            ex.close();
        });
        tokenServer.start();
        String realm = "http://127.0.0.1:" + tokenServer.getAddress().getPort() + "/token";
        String host = start(RegistryConfig.defaults().withToken(new RegistryConfig.TokenAuth(realm, "wharf", "test-issuer", pub)),
                RegistryClient.Options.defaults().withCredentials(h -> Optional.of(new RegistryClient.Credentials("t", "pw"))));
        Reference ref = Reference.parse(host + "/tok/app:1");
        Manifest m = pushImage(client, ref, "layer".getBytes(), List.of());
        assertEquals(Digest.sha256(m.toBytes()), client.resolve(ref, Platform.of("linux", "amd64", null)).manifest().digest());
        assertTrue(seenScopes.contains("repository:tok/app:pull,push"), seenScopes::toString);
        assertTrue(seenScopes.contains("repository:tok/app:pull"), seenScopes::toString);
    }

    @Test
    void insecureDecision() {
        try (RegistryClient c = new RegistryClient(RegistryClient.Options.defaults().withInsecure(Set.of("myregistry:5000")))) {
            assertTrue(c.isInsecure("localhost:5000"));
            assertTrue(c.isInsecure("127.0.0.1:5000"));
            assertTrue(c.isInsecure("[::1]:5000"));
            assertTrue(c.isInsecure("myregistry:5000"));
            assertFalse(c.isInsecure("registry-1.docker.io"));
            assertFalse(c.isInsecure("10.0.0.1:5000"));
        }
    }

    @Test
    void dockerHubReferencesGoThroughMirrors() throws Exception {
        String host = start(RegistryConfig.defaults(), RegistryClient.Options.defaults());
        Manifest m = pushImage(client, Reference.parse(host + "/library/busybox:1"), "bb".getBytes(), List.of());
        try (RegistryClient viaMirror = new RegistryClient(RegistryClient.Options.defaults()
                .withMirrors(List.of(java.net.URI.create("http://" + host))))) {
            // "busybox:1" is docker.io/library/busybox:1: served by the mirror, Docker Hub is never asked
            var r = viaMirror.resolve(Reference.parse("busybox:1"), Platform.of("linux", "amd64", null));
            assertEquals(Digest.sha256(m.toBytes()), r.manifest().digest());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            viaMirror.fetchBlob(Reference.parse("busybox"), m.layers().getFirst(), out, RegistryClient.Progress.NONE);
            assertArrayEquals("bb".getBytes(), out.toByteArray());
            assertTrue(viaMirror.headManifest(Reference.parse("busybox:1")).isPresent());
        }
    }

    @Test
    void httpsClientAgainstHttpRegistrySaysWhatDockerSays() throws Exception {
        String host = start(RegistryConfig.defaults(), RegistryClient.Options.defaults().withLoopbackInsecure(false));
        assertFalse(client.isInsecure(host));
        var e = assertThrows(WharfException.class, () -> client.getManifest(Reference.parse(host + "/x:1")));
        assertEquals("Get \"https://" + host + "/v2/\": http: server gave HTTP response to HTTPS client", e.getMessage());
        try (RegistryClient ok = new RegistryClient(RegistryClient.Options.defaults().withLoopbackInsecure(false).withInsecure(Set.of(host)))) {
            assertEquals(ErrorKind.NOT_FOUND, assertThrows(WharfException.class, () -> ok.getManifest(Reference.parse(host + "/x:1"))).kind());
        }
    }

    @Test
    void downloadResumesAfterADroppedConnection() throws Exception {
        byte[] blob = new byte[300_000];
        new Random(7).nextBytes(blob);
        Digest d = Digest.sha256(blob);
        List<String> ranges = new java.util.concurrent.CopyOnWriteArrayList<>();
        // a registry whose first blob response dies a third of the way (a real socket cut, not a mock of the client)
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress())) {
            Thread srv = Thread.ofVirtual().start(() -> {
                try {
                    for (int n = 0; n < 3; n++) {
                        try (java.net.Socket sock = ss.accept()) {
                            var raw = new java.io.PushbackInputStream(sock.getInputStream());
                            int first = raw.read();
                            if (first == 0x16) { // the client's TLS probe: answer as a plain HTTP server does
                                sock.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                                n--;
                                continue;
                            }
                            raw.unread(first);
                            var in = new java.io.BufferedReader(new java.io.InputStreamReader(raw, StandardCharsets.US_ASCII));
                            String line, range = null;
                            while ((line = in.readLine()) != null && !line.isEmpty()) {
                                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("range:")) range = line.substring(6).trim();
                            }
                            ranges.add(String.valueOf(range));
                            var out = sock.getOutputStream();
                            if (range == null) {
                                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + blob.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                                out.write(blob, 0, 100_000);
                                out.flush();
                                continue; // closing the socket cuts the body
                            }
                            int from = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
                            out.write(("HTTP/1.1 206 Partial Content\r\nContent-Length: " + (blob.length - from) + "\r\nContent-Range: bytes " + from + "-"
                                    + (blob.length - 1) + "/" + blob.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                            out.write(blob, from, blob.length - from);
                            out.flush();
                            return;
                        }
                    }
                } catch (java.io.IOException ignored) {
                    // test server ends with the test
                }
            });
            client = new RegistryClient(RegistryClient.Options.defaults().withInsecure(Set.of()));
            String host = "127.0.0.1:" + ss.getLocalPort();
            Path f = aux.resolve("blob");
            client.fetchBlob(Reference.parse(host + "/r"), Descriptor.of(MediaTypes.OCI_LAYER_GZIP, d, blob.length), f, RegistryClient.Progress.NONE);
            assertArrayEquals(blob, Files.readAllBytes(f));
            srv.join(5000);
        }
        assertEquals(2, ranges.size(), ranges::toString);
        assertEquals("null", ranges.get(0));
        assertEquals("bytes=100000-", ranges.get(1));
    }
}
