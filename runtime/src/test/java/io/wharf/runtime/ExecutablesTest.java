package io.wharf.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The PATH lookup behind dockerd's missing-executable words, on a real directory tree with symlinks. */
class ExecutablesTest {
    @TempDir
    Path root;

    @Test
    void findsProgramsThroughPathAndSymlinksThatStayInTheRoot() throws Exception {
        Files.createDirectories(root.resolve("usr/bin"));
        Files.createDirectories(root.resolve("data"));
        Path bb = root.resolve("usr/bin/busybox");
        Files.writeString(bb, "x");
        Files.setPosixFilePermissions(bb, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(root.resolve("bin"), Path.of("usr/bin"));          // merged /usr, relative
        Files.createSymbolicLink(root.resolve("usr/bin/sh"), Path.of("/usr/bin/busybox")); // absolute: inside root
        Files.writeString(root.resolve("data/plain"), "not executable");
        List<String> env = List.of("PATH=/bin");

        assertEquals(Optional.empty(), Executables.problem(root, "sh", env, "/"));
        assertEquals(Optional.empty(), Executables.problem(root, "/bin/sh", env, "/"));
        assertEquals(Optional.empty(), Executables.problem(root, "../usr/bin/busybox", env, "/data"));
        assertEquals(Optional.of("exec: \"nosuch\": executable file not found in $PATH"), Executables.problem(root, "nosuch", env, "/"));
        assertEquals(Optional.of("exec: \"/nosuch\": stat /nosuch: no such file or directory"), Executables.problem(root, "/nosuch", env, "/"));
        assertEquals(Optional.of("exec: \"/data\": permission denied"), Executables.problem(root, "/data", env, "/"));
        assertEquals(Optional.of("exec: \"/data/plain\": permission denied"), Executables.problem(root, "/data/plain", env, "/"));
        // a non-executable file on PATH is skipped, as Go's LookPath does
        assertEquals(Optional.of("exec: \"plain\": executable file not found in $PATH"), Executables.problem(root, "plain", List.of("PATH=/data"), "/"));
        // no PATH in the environment: the default one
        assertEquals(Optional.empty(), Executables.problem(root, "busybox", List.of(), "/"));
    }

    @Test
    void aFailedExecReportsOnItsErrorStreamAndHasEnded() throws Exception {
        StringBuilder err = new StringBuilder();
        boolean[] closed = {false};
        OutputSink sink = new OutputSink() {
            @Override
            public void onOutput(StreamType stream, byte[] data, int offset, int length) {
                assertEquals(StreamType.STDERR, stream);
                err.append(new String(data, offset, length));
            }

            @Override
            public void onClose() {
                closed[0] = true;
            }
        };
        ExecSession s = Executables.failed("exec: \"x\": executable file not found in $PATH", 127, false, sink);
        assertEquals(127, s.exitCode().get());
        assertEquals("exec: \"x\": executable file not found in $PATH\n", err.toString());
        assertTrue(closed[0]);
    }

    @Test
    void aLinkLoopIsNotExecutable() throws Exception {
        Files.createSymbolicLink(root.resolve("a"), Path.of("/b"));
        Files.createSymbolicLink(root.resolve("b"), Path.of("/a"));
        assertTrue(Executables.problem(root, "/a", List.of(), "/").isPresent());
    }
}
