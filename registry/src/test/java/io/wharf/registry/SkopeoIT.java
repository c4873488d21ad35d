package io.wharf.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.Json;
import io.wharf.oci.Digest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The real {@code skopeo} against the registry: push an OCI-layout busybox image, inspect it, pull it back into
 * another OCI layout, and compare digests; then the tutorial's catalog and tags checks.
 */
class SkopeoIT extends RegistryTestBase {
    @BeforeEach
    void needSkopeo() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static is not installed");
    }

    static String run(Path cwd, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + String.join(" ", cmd));
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + "\n" + out);
        return out;
    }

    /** Writes an OCI image layout holding a busybox rootfs as one gzip layer; returns the manifest digest. */
    static Digest buildLayout(Path work, Path layout) throws Exception {
        Path rootfs = work.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
        Path tar = work.resolve("layer.tar");
        run(work, "tar", "--numeric-owner", "--owner=0", "--group=0", "--mtime=@0", "-C", rootfs.toString(), "-cf", tar.toString(), ".");
        byte[] raw = Files.readAllBytes(tar);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(raw);
        }
        byte[] layer = gz.toByteArray();
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.sha256(raw) + "\"]}}").getBytes(StandardCharsets.UTF_8);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Digest.sha256(config) + "\",\"size\":" + config.length + "},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + Digest.sha256(layer) + "\",\"size\":" + layer.length + "}]}")
                .getBytes(StandardCharsets.UTF_8);
        Digest md = Digest.sha256(manifest);
        Path blobs = layout.resolve("blobs/sha256");
        Files.createDirectories(blobs);
        for (byte[] b : List.of(layer, config, manifest)) Files.write(blobs.resolve(Digest.sha256(b).hex()), b);
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
                + md + "\",\"size\":" + manifest.length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"1\"}}]}");
        return md;
    }

    @Test
    void copyInspectAndCopyBack() throws Exception {
        Path work = Files.createTempDirectory("wharf-registry-it");
        try {
            Path src = work.resolve("src"), back = work.resolve("back");
            Digest md = buildLayout(work, src);
            String dest = "docker://127.0.0.1:" + server.port() + "/busybox:1";
            run(work, "skopeo", "copy", "--dest-tls-verify=false", "oci:" + src + ":1", dest);

            JsonNode inspect = Json.MAPPER.readTree(run(work, "skopeo", "inspect", "--tls-verify=false", dest));
            assertEquals(md.toString(), inspect.path("Digest").asText());
            assertEquals("amd64", inspect.path("Architecture").asText());
            JsonNode raw = Json.MAPPER.readTree(run(work, "skopeo", "inspect", "--raw", "--tls-verify=false", dest));
            assertEquals("application/vnd.oci.image.manifest.v1+json", raw.path("mediaType").asText());

            run(work, "skopeo", "copy", "--src-tls-verify=false", dest, "oci:" + back + ":1");
            JsonNode idx = Json.MAPPER.readTree(Files.readAllBytes(back.resolve("index.json")));
            assertEquals(md.toString(), idx.path("manifests").path(0).path("digest").asText());
            List<String> srcBlobs = list(src.resolve("blobs/sha256")), backBlobs = list(back.resolve("blobs/sha256"));
            assertEquals(srcBlobs, backBlobs);

            // a second push finds every blob present and re-tags by the same digest
            run(work, "skopeo", "copy", "--dest-tls-verify=false", "oci:" + src + ":1", "docker://127.0.0.1:" + server.port() + "/library/busybox:latest");

            // Docker v2 schema 2 on the way in (skopeo converts), list-tags, and delete by digest
            String v2 = "docker://127.0.0.1:" + server.port() + "/busybox:v2s2";
            run(work, "skopeo", "copy", "--dest-tls-verify=false", "--format", "v2s2", "oci:" + src + ":1", v2);
            JsonNode v2raw = Json.MAPPER.readTree(run(work, "skopeo", "inspect", "--raw", "--tls-verify=false", v2));
            assertEquals("application/vnd.docker.distribution.manifest.v2+json", v2raw.path("mediaType").asText());
            JsonNode listed = Json.MAPPER.readTree(run(work, "skopeo", "list-tags", "--tls-verify=false", "docker://127.0.0.1:" + server.port() + "/busybox"));
            assertEquals(List.of("1", "v2s2"), ContentDiscoveryTest.strings(listed.path("Tags")));
            run(work, "skopeo", "delete", "--tls-verify=false", v2);
            assertEquals(404, send("GET", "/v2/busybox/manifests/v2s2", null).statusCode());

            // what the tutorial does with curl
            var cat = send("GET", "/v2/_catalog", null);
            assertEquals(List.of("busybox", "library/busybox"), ContentDiscoveryTest.strings(json(cat).path("repositories")));
            var tags = send("GET", "/v2/busybox/tags/list", null);
            assertEquals("{\"name\":\"busybox\",\"tags\":[\"1\"]}", str(tags));
            String curl = run(work, "curl", "-sf", base + "/v2/library/busybox/tags/list");
            assertEquals("{\"name\":\"library/busybox\",\"tags\":[\"latest\"]}", curl.trim());
        } finally {
            run(Path.of("/"), "rm", "-rf", work.toString());
        }
    }

    static List<String> list(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.forEach(p -> out.add(p.getFileName().toString()));
        }
        out.sort(null);
        return out;
    }
}
