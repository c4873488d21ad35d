package io.wharf.build;

import io.wharf.common.WharfException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** POST /build's query → BuildRequest, and the JSON messages as the CLI reads them (bytes in, objects out). */
class WireTest {
    static final ByteArrayInputStream EMPTY = new ByteArrayInputStream(new byte[0]);

    @Test
    void queryAsTheCliSendsIt() {
        BuildRequest r = BuildRequest.fromQuery(Map.of(
                "t", List.of("a:1", "b"), "dockerfile", List.of("sub/Dockerfile.dev"), "buildargs", List.of("{\"A\":\"x\",\"B\":null}"),
                "labels", List.of("{\"l\":\"v\"}"), "nocache", List.of("1"), "q", List.of("1"), "rm", List.of("0"),
                "forcerm", List.of("1"), "target", List.of("builder"), "networkmode", List.of("host")), EMPTY);
        assertEquals(List.of("a:1", "b"), r.tags());
        assertEquals("sub/Dockerfile.dev", r.dockerfile());
        assertEquals("x", r.buildArgs().get("A"));
        assertTrue(r.buildArgs().containsKey("B"));
        assertNull(r.buildArgs().get("B"));
        assertEquals(Map.of("l", "v"), r.labels());
        assertTrue(r.noCache() && r.quiet() && !r.rm() && r.forceRm());
        assertEquals("builder", r.target());
        assertEquals("host", r.networkMode());

        BuildRequest d = BuildRequest.fromQuery(Map.of(), EMPTY);
        assertEquals("Dockerfile", d.dockerfile());
        assertTrue(d.rm());
        assertEquals("default", d.networkMode());

        assertThrows(WharfException.class, () -> BuildRequest.fromQuery(Map.of("buildargs", List.of("[1]")), EMPTY));
        assertTrue(assertThrows(WharfException.class, () -> BuildRequest.fromQuery(Map.of("remote", List.of("https://github.com/x/y.git")), EMPTY))
                .getMessage().startsWith("remote build contexts are not supported"));
        assertThrows(WharfException.class, () -> Builder.validate(BuildRequest.of(EMPTY, "UPPER:x")));
        assertThrows(WharfException.class, () -> Builder.validate(BuildRequest.of(EMPTY, "a@sha256:" + "0".repeat(64))));
        Builder.validate(BuildRequest.of(EMPTY, "127.0.0.1:5000/app:v1"));
    }

    /** The CLI's tar for {@code docker build -f - .} stops right after the last entry's data (captured from CLI 28). */
    @Test
    void truncatedContextTarFromTheCliIsCompleted() throws Exception {
        byte[] full = new Tars().file("keep.txt", "k\n").file(".dockerignore", ".dockerignore\n.dockerfile.x\n").build();
        int cut = 512 * 3 + ".dockerignore\n.dockerfile.x\n".length(); // header, data block, header, data without padding
        byte[] truncated = java.util.Arrays.copyOf(full, cut);
        byte[] fixed = new Builder.TarEndPadding(new ByteArrayInputStream(truncated)).readAllBytes();
        assertEquals(512 * 4 + 1024, fixed.length);
        var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(new ByteArrayInputStream(fixed));
        assertEquals("keep.txt", tar.getNextEntry().getName());
        assertEquals(".dockerignore", tar.getNextEntry().getName());
        assertEquals(".dockerignore\n.dockerfile.x\n", new String(tar.readAllBytes(), StandardCharsets.UTF_8));
        assertNull(tar.getNextEntry());
        // a complete tar passes unchanged (plus zeros nobody reads)
        byte[] same = new Builder.TarEndPadding(new ByteArrayInputStream(full)).readAllBytes();
        assertArrayEquals(full, java.util.Arrays.copyOf(same, full.length));
    }

    @Test
    void messages() {
        assertEquals("{\"stream\":\"Step 1/2 : FROM x\\n\"}\r\n", s(new BuildMessage.Stream("Step 1/2 : FROM x\n")));
        assertEquals("{\"aux\":{\"ID\":\"sha256:abc\"}}\r\n", s(new BuildMessage.Aux("sha256:abc")));
        assertEquals("{\"errorDetail\":{\"code\":127,\"message\":\"m\"},\"error\":\"m\"}\r\n", s(new BuildMessage.Error(127, "m")));
        assertEquals("{\"errorDetail\":{\"message\":\"m\"},\"error\":\"m\"}\r\n", s(new BuildMessage.Error(0, "m")));
        assertEquals("{\"status\":\"Pulling fs layer\",\"id\":\"abc\"}\r\n", s(new BuildMessage.Status("Pulling fs layer", "abc")));
    }

    static String s(BuildMessage m) {
        return new String(m.toJson(), StandardCharsets.UTF_8);
    }
}
