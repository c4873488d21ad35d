package io.wharf.image;

import io.wharf.oci.Digest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Checks the save format against a real reader/writer of docker archives (skopeo), both ways. */
class SkopeoCompatTest {
    @TempDir
    Path tmp;

    private static String run(Path cwd, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    @Test
    void skopeoReadsOurSaveAndWeLoadItsArchive() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo not installed");
        ImageService svc = new ImageService(tmp.resolve("a"));
        Digest id = svc.importImage(new ByteArrayInputStream(TarBuilder.busyboxRootfs()), ImportOptions.tagged("busybox:latest"));
        Path saved = tmp.resolve("saved.tar");
        try (OutputStream o = Files.newOutputStream(saved)) {
            svc.save(List.of("busybox"), o);
        }
        String inspect = run(tmp, "skopeo", "inspect", "--raw", "docker-archive:" + saved);
        assertTrue(inspect.contains(id.toString()), inspect);
        // skopeo writes a docker-archive of its own (legacy layout); we must load it to the same ID
        Path re = tmp.resolve("re.tar");
        run(tmp, "skopeo", "copy", "-q", "docker-archive:" + saved, "docker-archive:" + re + ":copied:v2");
        ImageService other = new ImageService(tmp.resolve("b"));
        try (InputStream in = Files.newInputStream(re)) {
            assertEquals(List.of("Loaded image: copied:v2"), other.load(in));
        }
        assertEquals(id, other.get("copied:v2").id());
        // and an OCI layout without manifest.json
        Path oci = tmp.resolve("oci");
        run(tmp, "skopeo", "copy", "-q", "docker-archive:" + saved, "oci:" + oci + ":v3");
        Path ociTar = tmp.resolve("oci.tar");
        run(oci, "tar", "-cf", ociTar.toString(), ".");
        ImageService third = new ImageService(tmp.resolve("c"));
        try (InputStream in = Files.newInputStream(ociTar)) {
            // skopeo rewrites the config as an OCI config (other bytes, other ID); the layer must be the same
            List<String> lines = third.load(in);
            assertEquals(1, lines.size());
            assertTrue(lines.getFirst().startsWith("Loaded image ID: sha256:"), lines.toString());
            assertEquals(svc.get(id).diffIds(), third.get(lines.getFirst().substring("Loaded image ID: ".length())).diffIds());
        }
    }
}
