package io.wharf.runtime;

import io.wharf.common.WharfException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One `crun exec` child of Wharf. Without a TTY its stdout/stderr are two pipes (read on virtual threads: the JDK's
 * pipe streams cooperate with them). With a TTY, crun sends the pty master over a console socket (SCM_RIGHTS); it is
 * read on a platform thread because the read is a native call.
 */
final class ExecProcess implements ExecSession {
    private static final Logger log = LoggerFactory.getLogger(ExecProcess.class);

    private final Process process;
    private final Path pidFile;
    private final boolean tty;
    private final OutputSink sink;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<Integer> masterFd = new CompletableFuture<>();
    private volatile OutputStream stdin;
    /** The head of the stderr pipe: crun's own error when the program could not be started. */
    private final ByteArrayOutputStream errHead = new ByteArrayOutputStream();
    private volatile long pid;

    private ExecProcess(Process process, Path pidFile, boolean tty, OutputSink sink) {
        this.process = process;
        this.pidFile = pidFile;
        this.tty = tty;
        this.sink = sink;
    }

    static ExecSession start(ConmonRuntime rt, String id, ExecSpec spec, OutputSink sink, Path procFile, Path pidFile, Path consoleSock) throws IOException {
        OutputSink out = sink == null || spec.detach() ? OutputSink.DISCARD : sink;
        List<String> args = new ArrayList<>(List.of("exec", "--process", procFile.toString(), "--pid-file", pidFile.toString()));
        int listenFd = -1;
        if (spec.tty() && !spec.detach()) {
            Files.deleteIfExists(consoleSock);
            listenFd = Native.listenUnix(consoleSock.toString());
            args.add("--tty");
            args.add("--console-socket=" + consoleSock);
        } else if (spec.detach()) {
            args.add("--detach");
        }
        args.add(id);
        ProcessBuilder pb = new ProcessBuilder(rt.runtimeCommand(args));
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        if (spec.stdin() && !spec.tty() && !spec.detach()) pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        else pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            Native.close(listenFd);
            throw e;
        }
        ExecProcess ep = new ExecProcess(p, pidFile, spec.tty(), out);
        if (spec.stdin() && !spec.tty()) ep.stdin = p.getOutputStream();
        else p.getOutputStream().close();
        List<CompletableFuture<Void>> readers = new ArrayList<>();
        if (spec.tty() && !spec.detach()) {
            readers.add(ep.pumpConsole(listenFd, consoleSock, spec));
            // crun's own messages (errors before the tty exists) still come on its stdout/stderr pipes.
            readers.add(ep.pump(p.getInputStream(), StreamType.STDOUT));
            readers.add(ep.pump(p.getErrorStream(), StreamType.STDERR));
        } else {
            readers.add(ep.pump(p.getInputStream(), StreamType.STDOUT));
            readers.add(ep.pump(p.getErrorStream(), StreamType.STDERR));
        }
        final int lfd = listenFd;
        Thread.ofVirtual().name("wharf-exec-wait").start(() -> {
            int code;
            try {
                code = p.waitFor();
            } catch (InterruptedException e) {
                code = -1;
            }
            if (lfd >= 0 && !ep.masterFd.isDone()) Native.shutdown(lfd, Native.SHUT_RDWR); // wake accept(): crun failed early
            for (CompletableFuture<Void> r : readers) {
                try {
                    r.get(2, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // a background child still holds the pty/pipe: report the exit anyway
                }
            }
            try {
                Files.deleteIfExists(procFile);
                Files.deleteIfExists(pidFile);
            } catch (IOException ignored) {
            }
            try {
                out.onClose();
            } catch (RuntimeException ignored) {
            }
            ep.exit.complete(ep.dockerExitCode(code));
        });
        return ep;
    }

    /**
     * crun exits 255 when it cannot start the program; Docker reports 127 (not found) and 126 (not executable),
     * which scripts test for. Only crun's own messages are mapped, so a program that exits 255 keeps its code.
     */
    int dockerExitCode(int code) {
        if (code != 255) return code;
        String err;
        synchronized (errHead) {
            err = errHead.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
        if (err.contains("not found in $PATH") || err.contains("executable file not found") || err.startsWith("exec: ") && err.contains("no such file")) return 127;
        if (err.contains("open executable: Permission denied") || err.contains("permission denied") && err.contains("exec")) return 126;
        return code;
    }

    private CompletableFuture<Void> pump(InputStream in, StreamType type) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[32768];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    if (type == StreamType.STDERR) {
                        synchronized (errHead) {
                            if (errHead.size() < 4096) errHead.write(buf, 0, Math.min(n, 4096 - errHead.size()));
                        }
                    }
                    if (!closed.get()) sink.onOutput(type, buf, 0, n);
                }
            } catch (IOException | RuntimeException e) {
                log.debug("exec output: {}", e.toString());
            } finally {
                done.complete(null);
            }
        });
        return done;
    }

    private CompletableFuture<Void> pumpConsole(int listenFd, Path sockPath, ExecSpec spec) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("wharf-exec-tty").start(() -> {
            int master = -1;
            try {
                int conn = Native.accept(listenFd);
                try {
                    master = Native.recvFd(conn);
                } finally {
                    Native.close(conn);
                }
            } catch (IOException e) {
                masterFd.complete(-1);
                done.complete(null);
                return;
            } finally {
                Native.close(listenFd);
                try {
                    Files.deleteIfExists(sockPath);
                } catch (IOException ignored) {
                }
            }
            // The initial size is also in process.consoleSize, but crun may apply it only after the program has
            // started; set it as soon as we hold the master too (a program that reads its size at once can
            // still see 0x0, as with Docker: clients send a resize right after start).
            try {
                if (spec.height() > 0 && spec.width() > 0) Native.setWinsize(master, spec.height(), spec.width());
            } catch (IOException ignored) {
            }
            masterFd.complete(master);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment buf = a.allocate(32768);
                MemorySegment st = Native.captureSegment(a);
                byte[] data = new byte[32768];
                while (true) {
                    int n;
                    try {
                        n = Native.read(master, buf, st, buf.byteSize());
                    } catch (IOException e) {
                        break; // EIO: every slave end is closed
                    }
                    if (n <= 0) break;
                    MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, data, 0, n);
                    if (!closed.get()) sink.onOutput(StreamType.STDOUT, data, 0, n);
                }
            } catch (RuntimeException e) {
                log.debug("exec tty: {}", e.toString());
            } finally {
                Native.close(master);
                done.complete(null);
            }
        });
        return done;
    }

    @Override
    public long pid() {
        if (pid == 0) {
            try {
                String s = Files.readString(pidFile).trim();
                if (!s.isEmpty()) pid = Long.parseLong(s);
            } catch (IOException | NumberFormatException ignored) {
            }
        }
        return pid;
    }

    @Override
    public CompletableFuture<Integer> exitCode() {
        return exit;
    }

    @Override
    public void writeStdin(byte[] data, int offset, int length) throws IOException {
        if (tty) {
            int fd = masterFdNow();
            Native.writeFully(fd, data, offset, length);
            return;
        }
        OutputStream o = stdin;
        if (o == null) throw WharfException.precondition("exec was started without stdin");
        o.write(data, offset, length);
        o.flush();
    }

    private int masterFdNow() throws IOException {
        try {
            int fd = masterFd.get(10, TimeUnit.SECONDS);
            if (fd < 0) throw new IOException("exec has no terminal");
            if (exit.isDone()) throw new IOException("exec process has exited");
            return fd;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("exec terminal not ready", e);
        }
    }

    @Override
    public void closeStdin() throws IOException {
        if (tty) return; // a terminal has no half-close; the client sends ^D itself
        OutputStream o = stdin;
        if (o != null) o.close();
    }

    @Override
    public void resize(int height, int width) throws IOException {
        if (!tty) return;
        Native.setWinsize(masterFdNow(), height, width);
    }

    @Override
    public void close() {
        closed.set(true);
        OutputStream o = stdin;
        if (o != null) {
            try {
                o.close();
            } catch (IOException ignored) {
            }
        }
    }
}
