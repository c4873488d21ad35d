package io.wharf.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The lookup runc does before it execs a container's program (Go's exec.LookPath inside the container), so Wharf can
 * report a missing program with dockerd's exact words, which the docker CLI maps to exit codes 127/126:
 * {@code exec: "x": executable file not found in $PATH}, {@code exec: "/x": stat /x: no such file or directory},
 * {@code exec: "/dir": permission denied}. Paths resolve inside {@code root}: absolute symlinks stay in it.
 */
public final class Executables {
    private Executables() {}

    /** dockerd's reason why {@code argv0} cannot be executed, or empty when it looks executable (or cannot be judged). */
    public static Optional<String> problem(Path root, String argv0, List<String> env, String cwd) {
        if (argv0 == null || argv0.isEmpty()) return Optional.of("exec: \"\": executable file not found in $PATH");
        if (argv0.contains("/")) {
            String abs = argv0.startsWith("/") ? argv0 : (cwd == null || cwd.isEmpty() ? "/" : cwd) + "/" + argv0;
            Path p = resolve(root, abs);
            if (p == null || !Files.exists(p)) return Optional.of("exec: \"" + argv0 + "\": stat " + argv0 + ": no such file or directory");
            if (!isExecutableFile(p)) return Optional.of("exec: \"" + argv0 + "\": permission denied");
            return Optional.empty();
        }
        String path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        for (String e : env) if (e.startsWith("PATH=")) path = e.substring(5);
        for (String dir : path.split(":", -1)) {
            if (dir.isEmpty()) dir = cwd == null || cwd.isEmpty() ? "/" : cwd; // an empty element means "."
            if (!dir.startsWith("/")) dir = (cwd == null || cwd.isEmpty() ? "/" : cwd) + "/" + dir;
            Path p = resolve(root, dir + "/" + argv0);
            if (p != null && isExecutableFile(p)) return Optional.empty();
        }
        return Optional.of("exec: \"" + argv0 + "\": executable file not found in $PATH");
    }

    /**
     * An exec whose program could not be started: {@code message} is delivered on its error stream (its output
     * stream with a TTY) and it has already ended with {@code exitCode}, so callers treat it as any finished exec.
     */
    static ExecSession failed(String message, int exitCode, boolean tty, OutputSink sink) {
        byte[] b = (message + (tty ? "\r\n" : "\n")).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        sink.onOutput(tty ? StreamType.STDOUT : StreamType.STDERR, b, 0, b.length);
        sink.onClose();
        java.util.concurrent.CompletableFuture<Integer> done = java.util.concurrent.CompletableFuture.completedFuture(exitCode);
        return new ExecSession() {
            @Override
            public long pid() {
                return 0;
            }

            @Override
            public java.util.concurrent.CompletableFuture<Integer> exitCode() {
                return done;
            }

            @Override
            public void writeStdin(byte[] data, int offset, int length) throws IOException {
                throw new IOException("exec process has exited");
            }

            @Override
            public void closeStdin() {
            }

            @Override
            public void resize(int height, int width) {
            }

            @Override
            public void close() {
            }
        };
    }

    private static boolean isExecutableFile(Path p) {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) return false;
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
            return perms.contains(PosixFilePermission.OWNER_EXECUTE) || perms.contains(PosixFilePermission.GROUP_EXECUTE)
                    || perms.contains(PosixFilePermission.OTHERS_EXECUTE);
        } catch (IOException | UnsupportedOperationException e) {
            return true; // cannot tell: let the runtime decide
        }
    }

    /**
     * {@code path} (absolute, in the container) resolved under {@code root}, following symlinks as the container
     * would see them; null after too many links.
     */
    static Path resolve(Path root, String path) {
        Deque<String> todo = new ArrayDeque<>();
        for (String s : path.split("/")) if (!s.isEmpty()) todo.addLast(s);
        Deque<String> done = new ArrayDeque<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String s = todo.pollFirst();
            if (s.equals(".")) continue;
            if (s.equals("..")) {
                done.pollLast();
                continue;
            }
            done.addLast(s);
            Path cur = join(root, done);
            if (Files.isSymbolicLink(cur)) {
                if (++links > 40) return null;
                String target;
                try {
                    target = Files.readSymbolicLink(cur).toString();
                } catch (IOException e) {
                    return null;
                }
                done.pollLast();
                if (target.startsWith("/")) done.clear();
                String[] parts = target.split("/");
                for (int i = parts.length - 1; i >= 0; i--) if (!parts[i].isEmpty()) todo.addFirst(parts[i]);
            }
        }
        return join(root, done);
    }

    private static Path join(Path root, Deque<String> parts) {
        Path p = root;
        for (String s : parts) p = p.resolve(s);
        return p;
    }
}
