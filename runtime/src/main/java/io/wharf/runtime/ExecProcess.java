package io.wharf.runtime;

import io.wharf.common.WharfException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
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

    private ExecProcess(Path pidFile, boolean tty, OutputSink sink) {
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
        boolean withStdin = spec.stdin() && !spec.tty() && !spec.detach();
        // crun as our direct child through one posix_spawn (no jspawnhelper exec as with ProcessBuilder), its stdio
        // on pipes; the parent's ends are re-opened through /proc so that plain JDK streams read and write them
        // (virtual-thread friendly), and the exit comes from waitpid on a platform thread (a blocking native call).
        int[] outPipe = null, errPipe = null, inPipe = null;
        long pid;
        long t0 = System.nanoTime();
        InputStream stdoutIn, stderrIn;
        OutputStream stdinOut = null;
        try {
            outPipe = Native.pipe();
            errPipe = Native.pipe();
            if (withStdin) inPipe = Native.pipe();
            pid = Native.spawnStdio(rt.runtimeCommand(args), rt.childEnv(), inPipe == null ? -1 : inPipe[0], outPipe[1], errPipe[1]);
            stdoutIn = new FileInputStream("/proc/self/fd/" + outPipe[0]);
            stderrIn = new FileInputStream("/proc/self/fd/" + errPipe[0]);
            if (inPipe != null) stdinOut = new FileOutputStream("/proc/self/fd/" + inPipe[1]);
        } catch (IOException | RuntimeException e) {
            Native.close(listenFd);
            throw e;
        } finally {
            for (int[] pp : new int[][]{outPipe, errPipe, inPipe}) {
                if (pp == null) continue;
                Native.close(pp[0]);
                Native.close(pp[1]);
            }
        }
        ExecProcess ep = new ExecProcess(pidFile, spec.tty(), out);
        ep.stdin = stdinOut;
        List<CompletableFuture<Void>> readers = new ArrayList<>();
        if (spec.tty() && !spec.detach()) readers.add(ep.pumpConsole(listenFd, consoleSock, spec));
        // with a tty, crun's own messages (errors before the tty exists) still come on its stdout/stderr pipes
        readers.add(ep.pump(stdoutIn, StreamType.STDOUT));
        readers.add(ep.pump(stderrIn, StreamType.STDERR));
        final int lfd = listenFd;
        Thread.ofPlatform().daemon().name("wharf-exec-wait").start(() -> {
            int status = Native.waitpid(pid);
            int code = status < 0 ? -1 : (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
            long t1 = System.nanoTime();
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
            ConmonRuntime.trace.debug("crun exec: process {} us, readers {} us", (t1 - t0) / 1000, (System.nanoTime() - t1) / 1000);
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

    /**
     * Copies one output pipe to the sink on a platform thread: a FileInputStream read of a pipe is a plain blocking
     * read that pins a virtual thread's carrier (only the JDK's own Process streams park), and two pinned readers
     * would take both carriers of a 2-core host.
     */
    private CompletableFuture<Void> pump(InputStream in, StreamType type) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("wharf-exec-" + (type == StreamType.STDERR ? "err" : "out")).start(() -> {
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

    /** Blocks while the pipe (or pty) is full: call it from a platform thread (ExecApi's stdin pump is one). */
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
