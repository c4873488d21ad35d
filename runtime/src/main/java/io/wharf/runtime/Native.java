package io.wharf.runtime;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The few libc calls the JDK does not offer, through the Foreign Function &amp; Memory API (final in Java 22; no JNI,
 * no C helper to build or ship). Why each is needed:
 * <ul>
 *   <li>{@code posix_spawn} with file actions: conmon reads its sync pipe from an inherited fd named in
 *       {@code _OCI_SYNCPIPE}; {@link ProcessBuilder} closes every fd above 2, so it cannot pass one. posix_spawn also
 *       lets us close every other fd ({@code addclosefrom_np}, glibc 2.34) so conmon, which outlives Wharf, never
 *       holds Wharf's listening sockets, and set conmon's cwd (it writes its {@code oom} file there).</li>
 *   <li>{@code socket(AF_UNIX, SOCK_SEQPACKET)}: conmon's attach socket is SEQPACKET; the JDK's unix channels (and
 *       Netty's epoll domain channels) only do SOCK_STREAM.</li>
 *   <li>{@code recvmsg(SCM_RIGHTS)} + {@code ioctl(TIOCSWINSZ)}: `crun exec --tty` hands the pty master over a
 *       console socket.</li>
 * </ul>
 * Blocking calls here pin a carrier thread when made from a virtual thread; callers that block for long (socket
 * readers) run on dedicated platform threads.
 *
 * <p>Linux x86_64/aarch64 glibc only (struct layouts below are those of LP64 Linux).
 */
final class Native {
    private Native() {}

    static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100, O_TRUNC = 01000, O_APPEND = 02000,
            O_NONBLOCK = 04000, O_CLOEXEC = 02000000, O_PATH = 010000000, O_NOCTTY = 0400;
    static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_SEQPACKET = 5, SOCK_CLOEXEC = 02000000;
    static final int SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;
    static final int EINTR = 4, EAGAIN = 11, ECHILD = 10, ESRCH = 3, ENXIO = 6;
    static final long TIOCSWINSZ = 0x5414;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

    private static MethodHandle fn(String name, FunctionDescriptor fd, Linker.Option... opts) {
        MemorySegment sym = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(sym, fd, opts);
    }

    private static final MethodHandle PIPE2 = fn("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle READ = fn("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_OPT);
    private static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_OPT);
    private static final MethodHandle OPEN = fn("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERRNO_OPT, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SOCKET = fn("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle CONNECT = fn("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle BIND = fn("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle LISTEN = fn("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle ACCEPT4 = fn("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle RECVMSG = fn("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle SHUTDOWN = fn("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle KILL = fn("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle WAITPID = fn("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle IOCTL = fn("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), ERRNO_OPT, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SIGEMPTYSET = fn("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGFILLSET = fn("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_INIT = fn("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_DESTROY = fn("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_DUP2 = fn("posix_spawn_file_actions_adddup2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_OPEN = fn("posix_spawn_file_actions_addopen", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_CLOSEFROM = fn("posix_spawn_file_actions_addclosefrom_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FA_CHDIR = fn("posix_spawn_file_actions_addchdir_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ATTR_INIT = fn("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_DESTROY = fn("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_FLAGS = fn("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private static final MethodHandle ATTR_SIGMASK = fn("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ATTR_SIGDEF = fn("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SPAWN = fn("posix_spawn", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));

    private static int errno(MemorySegment st) {
        return (int) ERRNO.get(st, 0L);
    }

    private static IOException err(String what, int errno) {
        return new IOException(what + ": errno " + errno + " (" + strerror(errno) + ")");
    }

    private static String strerror(int e) {
        return switch (e) {
            case 1 -> "EPERM"; case 2 -> "ENOENT"; case 3 -> "ESRCH"; case 4 -> "EINTR"; case 6 -> "ENXIO";
            case 9 -> "EBADF"; case 11 -> "EAGAIN"; case 13 -> "EACCES"; case 17 -> "EEXIST"; case 22 -> "EINVAL";
            case 32 -> "EPIPE"; case 104 -> "ECONNRESET"; case 107 -> "ENOTCONN"; case 111 -> "ECONNREFUSED";
            default -> "errno";
        };
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** pipe2(O_CLOEXEC): returns {read, write}. */
    static int[] pipe() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) PIPE2.invokeExact(st, fds, O_CLOEXEC);
            if (r < 0) throw err("pipe2", errno(st));
            return new int[]{fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void close(int fd) {
        if (fd < 0) return;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) CLOSE.invokeExact(st, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int open(String path, int flags, int mode) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(st, a.allocateFrom(path), flags, mode);
            if (fd < 0) throw err("open " + path, errno(st));
            return fd;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Reads up to {@code len} bytes into {@code buf}; returns 0 at EOF. Retries EINTR. */
    static int read(int fd, MemorySegment buf, MemorySegment st, long len) throws IOException {
        try {
            while (true) {
                long n = (long) READ.invokeExact(st, fd, buf, len);
                if (n >= 0) return (int) n;
                int e = errno(st);
                if (e != EINTR) throw err("read", e);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Writes all bytes (one write per call for SEQPACKET sockets: callers pass at most one message). */
    static void writeFully(int fd, byte[] data, int off, int len) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, len));
            MemorySegment.copy(data, off, buf, ValueLayout.JAVA_BYTE, 0, len);
            MemorySegment st = a.allocate(CAPTURE);
            long done = 0;
            while (done < len) {
                long n = (long) WRITE.invokeExact(st, fd, buf.asSlice(done), len - done);
                if (n < 0) {
                    int e = errno(st);
                    if (e == EINTR) continue;
                    throw err("write", e);
                }
                done += n;
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static MemorySegment sockaddr(Arena a, String path) throws IOException {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        if (p.length >= 108) throw new IOException("unix socket path too long: " + path);
        MemorySegment sa = a.allocate(110);
        sa.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(p, 0, sa, ValueLayout.JAVA_BYTE, 2, p.length);
        return sa;
    }

    /**
     * Connects a unix socket of the given type to {@code dir/name}. Long directory paths are reached through
     * {@code /proc/self/fd/N/name} of an O_PATH fd of the directory, the way conmon binds them (sun_path is 108 bytes).
     */
    static int connectUnix(int type, String dir, String name) throws IOException {
        int dirFd = -1;
        try (Arena a = Arena.ofConfined()) {
            String path = dir + "/" + name;
            if (path.length() >= 100) {
                dirFd = open(dir, O_PATH | O_CLOEXEC, 0);
                path = "/proc/self/fd/" + dirFd + "/" + name;
            }
            MemorySegment st = a.allocate(CAPTURE);
            int fd = (int) SOCKET.invokeExact(st, AF_UNIX, type | SOCK_CLOEXEC, 0);
            if (fd < 0) throw err("socket", errno(st));
            MemorySegment sa = sockaddr(a, path);
            int r = (int) CONNECT.invokeExact(st, fd, sa, 110);
            if (r < 0) {
                int e = errno(st);
                close(fd);
                throw err("connect " + dir + "/" + name, e);
            }
            return fd;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            close(dirFd);
        }
    }

    /** A listening SOCK_STREAM unix socket at {@code path} (which must be short enough). */
    static int listenUnix(String path) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int fd = (int) SOCKET.invokeExact(st, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0) throw err("socket", errno(st));
            int r = (int) BIND.invokeExact(st, fd, sockaddr(a, path), 110);
            if (r < 0) {
                int e = errno(st);
                close(fd);
                throw err("bind " + path, e);
            }
            r = (int) LISTEN.invokeExact(st, fd, 1);
            if (r < 0) {
                int e = errno(st);
                close(fd);
                throw err("listen " + path, e);
            }
            return fd;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int accept(int fd) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            while (true) {
                int c = (int) ACCEPT4.invokeExact(st, fd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
                if (c >= 0) return c;
                int e = errno(st);
                if (e != EINTR) throw err("accept", e);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Receives one fd passed with SCM_RIGHTS (the console socket protocol of runc/crun). */
    static int recvFd(int sock) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment data = a.allocate(4096);
            MemorySegment iov = a.allocate(16, 8);
            iov.set(ADDRESS, 0, data);
            iov.set(JAVA_LONG, 8, 4096);
            MemorySegment control = a.allocate(64, 8);
            MemorySegment msg = a.allocate(56, 8);
            msg.set(ADDRESS, 16, iov);
            msg.set(JAVA_LONG, 24, 1);
            msg.set(ADDRESS, 32, control);
            msg.set(JAVA_LONG, 40, 64);
            while (true) {
                long n = (long) RECVMSG.invokeExact(st, sock, msg, 0x40000000 /* MSG_CMSG_CLOEXEC */);
                if (n >= 0) break;
                int e = errno(st);
                if (e != EINTR) throw err("recvmsg", e);
            }
            long controlLen = msg.get(JAVA_LONG, 40);
            if (controlLen < 20) throw new IOException("console socket: no fd received");
            int level = control.get(JAVA_INT, 8), type = control.get(JAVA_INT, 12);
            if (level != 1 || type != 1) throw new IOException("console socket: unexpected control message");
            return control.get(JAVA_INT, 16);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void shutdown(int fd, int how) {
        try (Arena a = Arena.ofConfined()) {
            int r = (int) SHUTDOWN.invokeExact(a.allocate(CAPTURE), fd, how);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** kill(2); returns false when the process does not exist (ESRCH). */
    static boolean kill(long pid, int sig) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) KILL.invokeExact(st, (int) pid, sig);
            if (r == 0) return true;
            int e = errno(st);
            if (e == ESRCH) return false;
            throw err("kill " + pid, e);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Reaps a child we spawned with {@link #spawn}; returns the raw wait status, or -1 if it is not our child. */
    static int waitpid(long pid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment status = a.allocate(JAVA_INT);
            while (true) {
                int r = (int) WAITPID.invokeExact(st, (int) pid, status, 0);
                if (r >= 0) return status.get(JAVA_INT, 0);
                if (errno(st) != EINTR) return -1;
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void setWinsize(int fd, int rows, int cols) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ws = a.allocate(8);
            ws.set(JAVA_SHORT, 0, (short) rows);
            ws.set(JAVA_SHORT, 2, (short) cols);
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) IOCTL.invokeExact(st, fd, TIOCSWINSZ, ws);
            if (r < 0) throw err("ioctl TIOCSWINSZ", errno(st));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Spawns {@code argv} with {@code env}: fd 0 from /dev/null, fds 1 and 2 appended to {@code outFile},
     * {@code extraFds[i]} becomes fd 3+i in the child, every other fd is closed, the cwd is {@code cwd}, the signal
     * mask is empty and all signal dispositions are default. Returns the child's pid; the caller must {@link #waitpid}.
     */
    static long spawn(List<String> argv, List<String> env, String cwd, String outFile, int... extraFds) throws IOException {
        return posixSpawn(argv, env, (a, fa) -> {
            check((int) FA_OPEN.invokeExact(fa, 0, a.allocateFrom("/dev/null"), O_RDONLY, 0), "addopen");
            check((int) FA_OPEN.invokeExact(fa, 1, a.allocateFrom(outFile == null ? "/dev/null" : outFile), O_WRONLY | O_CREAT | O_APPEND, 0600), "addopen");
            check((int) FA_DUP2.invokeExact(fa, 1, 2), "adddup2");
            for (int i = 0; i < extraFds.length; i++) {
                // The source fds are large (the JVM holds many), so dup2 onto 3.. never clobbers a later source.
                if (extraFds[i] < 3 + extraFds.length) throw new IOException("fd " + extraFds[i] + " too low to pass");
                check((int) FA_DUP2.invokeExact(fa, extraFds[i], 3 + i), "adddup2");
            }
            check((int) FA_CLOSEFROM.invokeExact(fa, 3 + extraFds.length), "addclosefrom_np");
            if (cwd != null) check((int) FA_CHDIR.invokeExact(fa, a.allocateFrom(cwd)), "addchdir_np");
        });
    }

    /**
     * Spawns {@code argv} with {@code env} and the given descriptors as its fd 0, 1 and 2 ({@code -1}: /dev/null),
     * every other fd closed, an empty signal mask and default dispositions. One posix_spawn (vfork+exec), where
     * ProcessBuilder execs the JDK's jspawnhelper first and then the program. Returns the pid; the caller must
     * {@link #waitpid}.
     */
    static long spawnStdio(List<String> argv, List<String> env, int stdin, int stdout, int stderr) throws IOException {
        int[] fds = {stdin, stdout, stderr};
        for (int fd : fds) if (fd >= 0 && fd < 3) throw new IOException("fd " + fd + " too low to pass");
        return posixSpawn(argv, env, (a, fa) -> {
            for (int i = 0; i < 3; i++) {
                int r = fds[i] >= 0 ? (int) FA_DUP2.invokeExact(fa, fds[i], i)
                        : (int) FA_OPEN.invokeExact(fa, i, a.allocateFrom("/dev/null"), i == 0 ? O_RDONLY : O_WRONLY, 0);
                check(r, "file action for fd " + i);
            }
            check((int) FA_CLOSEFROM.invokeExact(fa, 3), "addclosefrom_np");
        });
    }

    /** Adds the child's file actions to {@code fa}, allocating what they need in {@code a}. */
    @FunctionalInterface
    private interface FileActions {
        void add(Arena a, MemorySegment fa) throws Throwable;
    }

    /** One posix_spawn with an empty signal mask, default dispositions, and the given file actions. */
    private static long posixSpawn(List<String> argv, List<String> env, FileActions actions) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fa = a.allocate(256, 16);
            MemorySegment attr = a.allocate(512, 16);
            MemorySegment empty = a.allocate(128, 8);
            MemorySegment full = a.allocate(128, 8);
            check((int) FA_INIT.invokeExact(fa), "posix_spawn_file_actions_init");
            check((int) ATTR_INIT.invokeExact(attr), "posix_spawnattr_init");
            int r;
            try {
                r = (int) SIGEMPTYSET.invokeExact(empty);
                r = (int) SIGFILLSET.invokeExact(full);
                r = (int) ATTR_SIGMASK.invokeExact(attr, empty);
                r = (int) ATTR_SIGDEF.invokeExact(attr, full);
                r = (int) ATTR_FLAGS.invokeExact(attr, (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
                actions.add(a, fa);
                MemorySegment argvSeg = cstrings(a, argv);
                MemorySegment envSeg = cstrings(a, env);
                MemorySegment pid = a.allocate(JAVA_INT);
                check((int) SPAWN.invokeExact(pid, a.allocateFrom(argv.getFirst()), fa, attr, argvSeg, envSeg), "posix_spawn " + argv.getFirst());
                return pid.get(JAVA_INT, 0);
            } finally {
                r = (int) FA_DESTROY.invokeExact(fa);
                r = (int) ATTR_DESTROY.invokeExact(attr);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** posix_spawn's helpers return an error number instead of setting errno. */
    private static void check(int r, String what) throws IOException {
        if (r != 0) throw err(what, r);
    }

    private static MemorySegment cstrings(Arena a, List<String> strings) {
        MemorySegment arr = a.allocate(ADDRESS, strings.size() + 1);
        for (int i = 0; i < strings.size(); i++) arr.setAtIndex(ADDRESS, i, a.allocateFrom(strings.get(i)));
        arr.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
        return arr;
    }

    static MemorySegment captureSegment(Arena a) {
        return a.allocate(CAPTURE);
    }
}
