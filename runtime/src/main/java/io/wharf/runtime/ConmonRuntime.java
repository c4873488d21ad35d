package io.wharf.runtime;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.ErrorKind;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * {@link ContainerRuntime} over crun (or runc) with one conmon per container, the way podman's libpod drives them
 * (libpod/oci_conmon_linux.go):
 *
 * <ul>
 *   <li><b>create</b>: write config.json, spawn {@code conmon --api-version 1 -c ID -u ID -n ID -r crun -b BUNDLE
 *       -p BUNDLE/pidfile -P BUNDLE/conmon.pid -l k8s-file:BUNDLE/ctr.log --exit-dir RUN/exits --persist-dir BUNDLE
 *       --full-attach [-t] [-i] --runtime-arg --root=RUN/crun} with {@code _OCI_SYNCPIPE=3}. conmon double-forks
 *       (so it is re-parented away from Wharf and survives us), runs {@code crun create} with pipes (or, with -t, a
 *       console socket) for the container's stdio, and writes {@code {"data": PID}} (or a negative value and a
 *       message) on the sync pipe. No start pipe: podman uses it only to move conmon into a cgroup first.</li>
 *   <li><b>start</b>: what {@code crun start ID} does, done in-process: one byte into crun's exec.fifo (see
 *       startThroughFifo; runc still gets {@code runc start}). conmon keeps copying stdio to the log and to attach
 *       clients.</li>
 *   <li><b>exit</b>: conmon writes the exit code to BUNDLE/exit and RUN/exits/ID (watched with inotify), and an
 *       {@code oom} file into its cwd/persist dir (BUNDLE) when the cgroup OOM-killed. The kernel counter
 *       (memory.oom_control / memory.events oom_kill) is checked too, before the cgroup is removed.</li>
 *   <li><b>attach</b>: conmon's SOCK_SEQPACKET socket BUNDLE/attach: each message from conmon is one stream byte
 *       (2 stdout, 3 stderr) + data; what we write goes to the container's stdin; shutdown(SHUT_WR) closes it.
 *       Opened through {@link Native} (FFM), since Java cannot open SEQPACKET sockets. The rejected alternative —
 *       stdin through a fifo and output by tailing the log — would lose the stdout/stderr interleaving that
 *       `docker run` shows and add log-poll latency.</li>
 *   <li><b>resize</b>: "1 H W\n" into the BUNDLE/ctl fifo.</li>
 *   <li><b>exec</b>: {@code crun exec --process FILE ID} as a direct child of Wharf, not through conmon: one process
 *       fewer on the hot path (`docker exec` ≤ 40 ms), stdout/stderr naturally separate, exit code from waitpid.
 *       The cost: an exec session ends with Wharf (as a `docker exec` client does anyway). With a TTY,
 *       {@code --tty --console-socket} hands us the pty master over SCM_RIGHTS.</li>
 * </ul>
 *
 * <p>State is read without spawning processes: our BUNDLE/state.json (conmon pid, container pid and its start
 * time against pid reuse), conmon's exit file, /proc and the cgroup freezer. Everything for a container lives in
 * {@code containersRoot/ID}, so a new ConmonRuntime over the same dirs re-adopts running containers.
 *
 * <p>Start-path cost (`docker run --rm true`): posix_spawn conmon → conmon forks twice and execs crun create (the
 * bulk: namespaces, mounts, cgroup) → the exec.fifo write → exit via inotify → the state dir and cgroup removed
 * without {@code crun delete}. crun runs from a read-only bind mount of itself (roRuntime), which spares each crun
 * its own re-exec; the host's cgroup2 mount gets favordynmods (HostSetup), which spares each cgroup move an RCU
 * grace period.
 * config.json and state.json are written without fsync (rename is atomic against a crash of Wharf; they are
 * rewritten on every start).
 */
public final class ConmonRuntime implements ContainerRuntime {
    private static final Logger log = LoggerFactory.getLogger(ConmonRuntime.class);
    static final Logger trace = LoggerFactory.getLogger("io.wharf.engine.trace");
    private static final List<String> CHILD_ENV_BASE = List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

    private final RuntimeConfig config;
    private final Path exitDir;
    private final Path runtimeRoot;
    private final Path consoleDir;
    private final CgroupMode cgroupMode;
    private final Cgroups cgroups;
    private final long nofileHard;
    private final int capLastCap;
    private final boolean swapAccounting;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    /** Parsed "process" of each container's config.json, for exec (see processTemplate). */
    private final Map<String, ProcessTemplate> processTemplates = new ConcurrentHashMap<>();
    private final Map<String, List<CompletableFuture<ExitStatus>>> waiters = new java.util.HashMap<>();
    private final WatchService watcher;
    private final Thread watchThread;
    private volatile boolean closed;
    /** The OCI runtime binary as we spawn it: a read-only bind mount of it when that could be made (see roRuntime). */
    private final Path runtimeExec;
    /** The environment of the helpers we spawn (conmon, crun). */
    private final List<String> childEnv;

    /** Persisted per container in BUNDLE/state.json. */
    record Saved(String id, long conmonPid, long pid, long pidStart, Instant createdAt, Instant startedAt, boolean tty,
                 boolean openStdin, String stopSignal, String cgroupsPath, String rootfs, String runtime,
                 boolean oomKilled) {
        Saved withStarted(Instant t) {
            return new Saved(id, conmonPid, pid, pidStart, createdAt, t, tty, openStdin, stopSignal, cgroupsPath, rootfs, runtime, oomKilled);
        }
    }

    public ConmonRuntime(RuntimeConfig config) {
        this.config = config;
        this.exitDir = config.stateRoot().resolve("exits");
        this.runtimeRoot = config.stateRoot().resolve(config.runtimeName());
        this.consoleDir = config.stateRoot().resolve("console");
        try {
            Files.createDirectories(exitDir);
            Files.createDirectories(runtimeRoot);
            Files.createDirectories(consoleDir);
            Files.createDirectories(config.containersRoot());
        } catch (IOException e) {
            throw WharfException.internal("cannot create runtime dirs under " + config.stateRoot() + ": " + e.getMessage(), e);
        }
        this.cgroupMode = Cgroups.detect();
        this.cgroups = new Cgroups(cgroupMode);
        this.nofileHard = HostSetup.hardNofile();
        this.capLastCap = HostSetup.capLastCap();
        this.swapAccounting = cgroupMode == CgroupMode.V2
                ? true
                : cgroups.v1Mounts().containsKey("memory") && Files.exists(cgroups.v1Mounts().get("memory").resolve("memory.memsw.limit_in_bytes"));
        try {
            this.watcher = FileSystems.getDefault().newWatchService();
            exitDir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        } catch (IOException e) {
            throw WharfException.internal("cannot watch " + exitDir, e);
        }
        this.watchThread = Thread.ofVirtual().name("wharf-runtime-exits").start(this::watchExits);
        Path ro = config.runtimeName().equals("crun") ? roRuntime(config.runtimePath(), config.stateRoot().resolve(".crun-ro")) : null;
        this.runtimeExec = ro != null ? ro : config.runtimePath();
        this.childEnv = ro != null ? List.of(CHILD_ENV_BASE.getFirst(), "_LIBCONTAINER_CLONED_BINARY=1") : CHILD_ENV_BASE;
        // Link the native calls now rather than on the first `docker run` (the first use costs ~100 ms).
        try {
            int[] p = Native.pipe();
            Native.close(p[0]);
            Native.close(p[1]);
        } catch (IOException e) {
            throw WharfException.internal("native calls unavailable: " + e.getMessage(), e);
        }
    }

    /** The environment of the helpers we spawn (conmon, crun): a fixed PATH (and the cloned-binary marker). */
    List<String> childEnv() {
        return childEnv;
    }

    /**
     * crun (like runc, CVE-2019-5736) refuses to run from a binary a container could overwrite through
     * /proc/self/exe: each invocation bind-mounts itself read-only on a temp file and re-executes from there, ~2-3 ms
     * of every `crun create` and `crun exec`. It skips that when it already runs from a read-only mount and
     * {@code _LIBCONTAINER_CLONED_BINARY=1} is set (is_self_cloned in its cloned_binary.c). So do the bind mount
     * once, here, at {@code target}, and spawn crun from it: the same protection, paid once. Null (spawn the real
     * binary; crun then protects itself) when the mount cannot be made. An earlier mount (a Wharf that died) is reused.
     */
    private static Path roRuntime(Path binary, Path target) {
        try {
            if (Files.exists(target) && Files.isSameFile(target, binary) && mountedReadOnly(target)) return target;
            if (!Files.exists(target)) Files.createFile(target);
            if (runQuiet(List.of("mount", "--bind", binary.toString(), target.toString()))
                    && runQuiet(List.of("mount", "-o", "remount,bind,ro", target.toString()))
                    && Files.isSameFile(target, binary) && mountedReadOnly(target)) {
                return target;
            }
        } catch (IOException | RuntimeException e) {
            log.debug("read-only runtime mount at {}: {}", target, e.toString());
        }
        unmountQuiet(target);
        return null;
    }

    private static void unmountQuiet(Path target) {
        try {
            // one umount per mounted layer; it fails once nothing is mounted there
            for (int i = 0; i < 4 && runQuiet(List.of("umount", target.toString())); i++) { }
            Files.deleteIfExists(target);
        } catch (IOException | RuntimeException e) {
            log.debug("cannot remove {}: {}", target, e.toString());
        }
    }

    /** Whether the topmost mount at {@code target} is read-only (/proc/self/mounts; the last entry is the top). */
    private static boolean mountedReadOnly(Path target) {
        String want = target.toAbsolutePath().toString().replace(" ", "\\040");
        Boolean ro = null;
        for (String[] m : Cgroups.mounts()) if (m[1].equals(want)) ro = List.of(m[3].split(",")).contains("ro");
        return ro != null && ro;
    }

    /** mount(8)/umount(8) at start and close only: ProcessBuilder for its PATH lookup. */
    private static boolean runQuiet(List<String> cmd) throws IOException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    public RuntimeConfig config() {
        return config;
    }

    public CgroupMode cgroupMode() {
        return cgroupMode;
    }

    @Override
    public String runtimeName() {
        return config.runtimeName();
    }

    private Path dir(String id) {
        if (id == null || id.isEmpty() || id.contains("/") || id.startsWith(".")) throw WharfException.invalid("invalid container id: %s", id);
        return config.containersRoot().resolve(id);
    }

    private ReentrantLock lock(String id) {
        return locks.computeIfAbsent(id, k -> new ReentrantLock());
    }

    private String cgroupsPath(String id) {
        String parent = config.cgroupParent().endsWith("/") ? config.cgroupParent() : config.cgroupParent() + "/";
        return parent + id;
    }

    // ---------------------------------------------------------------- create / start

    @Override
    public ContainerState create(ContainerSpec spec) {
        String id = spec.id();
        ReentrantLock l = lock(id);
        l.lock();
        try {
            long t0 = System.nanoTime();
            Path d = dir(id);
            Saved old = readSaved(id);
            if (old != null) {
                ContainerState st = stateOf(old);
                if (st.status() != ContainerStatus.STOPPED) throw WharfException.alreadyExists("container %s already exists and is %s", id, st.status().dockerName());
                cleanupRuntimeState(old);
            } else if (Files.exists(runtimeRoot.resolve(id))) {
                // Created by a Wharf that died before recording it: remove the orphan so the id can be reused.
                runRuntimeQuiet(List.of("delete", "--force", id));
                cgroups.remove(cgroupsPath(id));
            }
            Files.createDirectories(d);
            for (String f : List.of("exit", "oom", "oomkilled", "pidfile", "conmon.pid", "conmon.out", "attach", "ctl", "winsz")) Files.deleteIfExists(d.resolve(f));
            Files.deleteIfExists(exitDir.resolve(id));

            UserResolver.ResolvedUser user = UserResolver.resolve(spec.rootfs(), spec.user(), spec.groupAdd());
            Path hosts = spec.hostsFile(), hostname = spec.hostnameFile();
            if (hosts == null) {
                hosts = d.resolve("hosts");
                writeQuick(hosts, defaultHosts(spec).getBytes(StandardCharsets.UTF_8));
            }
            if (hostname == null && !(spec.uts() instanceof NamespaceMode.Host)) {
                hostname = d.resolve("hostname");
                writeQuick(hostname, (spec.hostname() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            String cgPath = cgroupsPath(id);
            OciConfig.Context ctx = new OciConfig.Context(cgroupMode, cgPath, nofileHard, capLastCap, swapAccounting,
                    hosts, hostname, spec.resolvConfFile(), this::runningPid);
            Map<String, Object> cfg = OciConfig.build(spec, user, ctx);
            writeQuick(d.resolve("config.json"), Json.COMPACT.writeValueAsBytes(cfg));

            Instant createdAt = Instant.now();
            long t1 = System.nanoTime();
            long[] pids = spawnConmon(spec, d);
            long t2 = System.nanoTime();
            long pid = pids[0], conmonPid = pids[1];
            Saved saved = new Saved(id, conmonPid, pid, procStartTime(pid), createdAt, null, spec.tty(), spec.openStdin(),
                    spec.stopSignal(), cgPath, spec.rootfs().toString(), config.runtimeName(), false);
            writeSaved(saved);
            ContainerState result = stateOf(saved);
            if (trace.isDebugEnabled()) trace.debug("runtime create {}: config {} conmon+crun-create {} state {} us", id,
                    (t1 - t0) / 1000, (t2 - t1) / 1000, (System.nanoTime() - t2) / 1000);
            return result;
        } catch (IOException e) {
            throw WharfException.internal("create " + id + ": " + e.getMessage(), e);
        } finally {
            l.unlock();
        }
    }

    private static String defaultHosts(ContainerSpec spec) {
        StringBuilder sb = new StringBuilder();
        sb.append("127.0.0.1\tlocalhost\n");
        sb.append("::1\tlocalhost ip6-localhost ip6-loopback\n");
        sb.append("fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
        for (String h : spec.extraHosts()) {
            int c = h.indexOf(':');
            String name = h.substring(0, c), ip = h.substring(c + 1);
            if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.substring(1, ip.length() - 1);
            sb.append(ip).append('\t').append(name).append('\n');
        }
        return sb.toString();
    }

    /** Spawns conmon; returns {container pid, conmon pid}. */
    private long[] spawnConmon(ContainerSpec spec, Path d) throws IOException {
        String id = spec.id();
        List<String> argv = new ArrayList<>(List.of(config.conmonPath().toString(), "--api-version", "1",
                "-c", id, "-u", id, "-n", id, "-r", runtimeExec.toString(), "-b", d.toString(),
                "-p", d.resolve("pidfile").toString(), "-P", d.resolve("conmon.pid").toString(),
                "-l", "k8s-file:" + d.resolve("ctr.log"), "--exit-dir", exitDir.toString(), "--persist-dir", d.toString(),
                "--full-attach", "--socket-dir-path", config.stateRoot().toString(),
                "--log-level", "error", "--no-sync-log", "--runtime-arg", "--root=" + runtimeRoot));
        if (config.logSizeMax() > 0) argv.addAll(List.of("--log-size-max", Long.toString(config.logSizeMax())));
        if (spec.tty()) argv.add("-t");
        if (spec.openStdin()) {
            argv.add("-i");
            if (!spec.stdinOnce()) argv.add("--leave-stdin-open");
        }
        List<String> env = new ArrayList<>(childEnv);
        env.add("_OCI_SYNCPIPE=3");
        int[] pipe = Native.pipe();
        long spawned;
        try {
            spawned = Native.spawn(argv, env, d.toString(), d.resolve("conmon.out").toString(), pipe[1]);
        } finally {
            Native.close(pipe[1]);
        }
        String msg;
        // Re-open the pipe's read end through /proc so a plain FileInputStream reads it: blocking reads on
        // virtual threads are then handled by the JDK instead of pinning a carrier in a native call.
        try (InputStream in = new FileInputStream("/proc/self/fd/" + pipe[0])) {
            Native.close(pipe[0]);
            pipe[0] = -1;
            // One JSON line; conmon keeps the pipe open afterwards (it would report an exec's exit on it), so
            // read up to the newline, never to EOF.
            java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') line.write(b);
            msg = line.toString(StandardCharsets.UTF_8).trim();
        } finally {
            Native.close(pipe[0]);
        }
        Native.waitpid(spawned); // the first conmon exits right after its fork
        long pid = -1;
        String message = null;
        if (!msg.isEmpty()) {
            String first = msg.lines().findFirst().orElse("");
            try {
                JsonNode n = Json.MAPPER.readTree(first);
                pid = n.path("data").asLong(-1);
                if (n.hasNonNull("message")) message = n.get("message").asText();
            } catch (IOException e) {
                message = first;
            }
        }
        if (pid <= 0) {
            String out = readQuiet(d.resolve("conmon.out"));
            String why = message != null ? message.trim() : (out.isBlank() ? "conmon exited without reporting a pid" : out.trim());
            // Clean what crun may have left half-created.
            runRuntimeQuiet(List.of("delete", "--force", id));
            cgroups.remove(cgroupsPath(id));
            throw classifyCreateError(id, why);
        }
        long conmonPid = 0;
        String cp = readQuiet(d.resolve("conmon.pid")).trim();
        if (!cp.isEmpty()) conmonPid = Long.parseLong(cp);
        return new long[]{pid, conmonPid};
    }

    private static WharfException classifyCreateError(String id, String why) {
        String w = why.toLowerCase();
        // Docker reports a missing/unexecutable entrypoint as a create/start error with these words; the engine
        // maps them to exit 127/126 for `docker run`.
        if (w.contains("no such file or directory") || w.contains("executable file not found") || w.contains("permission denied")) {
            // crun words it "executable file `x` not found in $PATH"; dockerd (runc) says exec: "x": ... and the CLI
            // keys its exit code on those words
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("executable file `([^`]*)` not found in \\$PATH").matcher(why);
            if (m.find()) {
                String x = m.group(1);
                // runc: a name with a slash is stat'ed, not looked up in PATH
                why = x.contains("/") ? "exec: \"" + x + "\": stat " + x + ": no such file or directory"
                        : "exec: \"" + x + "\": executable file not found in $PATH";
            }
            return new WharfException(ErrorKind.INVALID_ARGUMENT, "OCI runtime create failed: " + why);
        }
        return new WharfException(ErrorKind.INTERNAL, "OCI runtime create failed for " + id + ": " + why);
    }

    @Override
    public ContainerState start(String id) {
        ReentrantLock l = lock(id);
        l.lock();
        try {
            Saved s = requireSaved(id);
            ContainerState st = stateOf(s);
            if (st.status() != ContainerStatus.CREATED) {
                throw WharfException.conflict("container %s is %s, not created", id, st.status().dockerName());
            }
            // Taken and recorded before `crun start`: a short program may exit (and conmon stamp its exit) before
            // crun returns, and a Wharf killed in between must re-adopt the container as started.
            Instant startedAt = Instant.now();
            Saved started = s.withStarted(startedAt);
            writeSaved(started);
            try {
                if (!startThroughFifo(id)) runRuntime(List.of("start", id));
            } catch (RuntimeException e) {
                writeSaved(s);
                throw e;
            }
            return stateOf(started);
        } finally {
            l.unlock();
        }
    }

    /**
     * What {@code crun start} does (libcrun_container_start: libcrun_status_write_exec_fifo), without spawning it:
     * the container's init blocks reading RUN/crun/ID/exec.fifo until one byte arrives. Open it for writing
     * without blocking (ENXIO if no reader, i.e. the init is gone), unlink it (crun's "created" marker, so `crun state`
     * says running) and write the byte. Saves a fork+exec of crun per start. False when the fifo is not there (runc,
     * whose fifo works the other way round, or a crun that changed): the caller runs `start` then.
     */
    private boolean startThroughFifo(String id) {
        if (!config.runtimeName().equals("crun")) return false;
        Path fifo = runtimeRoot.resolve(id).resolve("exec.fifo");
        if (!Files.exists(fifo, LinkOption.NOFOLLOW_LINKS)) return false;
        int fd = -1;
        try {
            fd = Native.open(fifo.toString(), Native.O_WRONLY | Native.O_NONBLOCK | Native.O_CLOEXEC, 0);
            Files.delete(fifo);
            Native.writeFully(fd, new byte[]{0}, 0, 1);
            return true;
        } catch (IOException e) {
            throw new WharfException(ErrorKind.INTERNAL, config.runtimeName() + " start " + id + ": " + e.getMessage());
        } finally {
            Native.close(fd);
        }
    }

    // ---------------------------------------------------------------- state

    @Override
    public ContainerState state(String id) {
        Saved s = requireSaved(id);
        return stateOf(s);
    }

    @Override
    public List<ContainerState> list() {
        List<ContainerState> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(config.containersRoot())) {
            for (Path p : ds) {
                Saved s = readSaved(p.getFileName().toString());
                if (s != null) out.add(stateOf(s));
            }
        } catch (IOException e) {
            throw WharfException.internal("list " + config.containersRoot(), e);
        }
        return out;
    }

    private Saved requireSaved(String id) {
        Saved s = readSaved(id);
        if (s == null) throw WharfException.notFound("No such container: %s", id);
        return s;
    }

    private Saved readSaved(String id) {
        Path f = dir(id).resolve("state.json");
        try {
            return Json.MAPPER.readValue(f.toFile(), Saved.class);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return null;
        } catch (IOException e) {
            log.warn("unreadable runtime state {}: {}", f, e.toString());
            return null;
        }
    }

    private void writeSaved(Saved s) {
        try {
            writeQuick(dir(s.id()).resolve("state.json"), Json.COMPACT.writeValueAsBytes(s));
        } catch (IOException e) {
            throw WharfException.internal("write state of " + s.id(), e);
        }
    }

    /** Write to a temp file and rename: atomic against a crash of Wharf (no fsync: rewritten on each start). */
    private static void writeQuick(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.write(tmp, content);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private ContainerState stateOf(Saved s) {
        Path d = dir(s.id());
        Path exit = d.resolve("exit");
        if (Files.exists(exit)) {
            recordOom(s);
            return stopped(s, d, exit, oomKilled(s));
        }
        boolean oom = oomKilled(s);
        boolean alive = s.pid() > 0 && alive(s.pid(), s.pidStart());
        if (!alive) {
            // The container is gone; conmon writes the exit file a moment later. Give it that moment.
            boolean conmonAlive = s.conmonPid() > 0 && alive(s.conmonPid(), -1);
            long deadline = System.nanoTime() + (conmonAlive ? 2_000_000_000L : 0);
            while (System.nanoTime() < deadline) {
                if (Files.exists(exit)) return stateOf(s);
                sleep(10);
            }
            if (Files.exists(exit)) return stateOf(s);
            // conmon is gone too and left no exit code (killed): Docker shows such containers as exited (255).
            return new ContainerState(s.id(), ContainerStatus.STOPPED, 0, 0, 255, oom, s.createdAt(), s.startedAt(),
                    s.startedAt() == null ? null : lastModified(d.resolve("ctr.log")), d, d.resolve("ctr.log"), s.tty());
        }
        ContainerStatus status;
        if (s.startedAt() == null) status = ContainerStatus.CREATED;
        else status = cgroups.frozen(s.pid(), s.cgroupsPath()) ? ContainerStatus.PAUSED : ContainerStatus.RUNNING;
        long conmon = s.conmonPid() > 0 && alive(s.conmonPid(), -1) ? s.conmonPid() : 0;
        return new ContainerState(s.id(), status, s.pid(), conmon, -1, oom, s.createdAt(), s.startedAt(), null, d,
                d.resolve("ctr.log"), s.tty());
    }

    private ContainerState stopped(Saved s, Path d, Path exit, boolean oom) {
        int code = -1;
        String txt = readQuiet(exit).trim();
        try {
            code = Integer.parseInt(txt);
        } catch (NumberFormatException ignored) {
        }
        if (code == -1) code = 255; // conmon's timeout/unknown marker
        Instant finished = lastModified(exit);
        // file times are kernel-tick coarse: never report an end before the start
        if (finished != null && s.startedAt() != null && finished.isBefore(s.startedAt())) finished = s.startedAt();
        return new ContainerState(s.id(), ContainerStatus.STOPPED, 0, 0, code, oom, s.createdAt(), s.startedAt(),
                finished, d, d.resolve("ctr.log"), s.tty());
    }

    private static Instant lastModified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toInstant();
        } catch (IOException e) {
            return null;
        }
    }

    /** The pid of a running container (for namespace sharing), or null. */
    private Long runningPid(String id) {
        Saved s = readSaved(id);
        if (s == null) return null;
        ContainerState st = stateOf(s);
        return st.running() || st.status() == ContainerStatus.CREATED ? st.pid() : null;
    }

    /** Field 22 of /proc/PID/stat: start time in clock ticks since boot; guards against pid reuse. */
    static long procStartTime(long pid) {
        try {
            String stat = Cgroups.readRaw(Path.of("/proc/" + pid + "/stat"));
            if (stat == null) return -1;
            int rp = stat.lastIndexOf(')');
            String[] f = stat.substring(rp + 2).split(" ");
            return Long.parseLong(f[19]); // fields after "pid (comm) ": state is index 0 = field 3
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static boolean alive(long pid, long start) {
        long now = procStartTime(pid);
        if (now < 0) return false;
        if (start > 0 && now != start) return false;
        // a zombie is not alive for our purposes
        String stat = Cgroups.readRaw(Path.of("/proc/" + pid + "/stat"));
        if (stat == null) return false;
        int rp = stat.lastIndexOf(')');
        return rp > 0 && rp + 2 < stat.length() && stat.charAt(rp + 2) != 'Z';
    }

    // ---------------------------------------------------------------- signals, stop, pause

    @Override
    public void kill(String id, String signal) {
        int sig = Signals.parse(signal == null ? "KILL" : signal);
        Saved s = requireSaved(id);
        ContainerState st = stateOf(s);
        if (!st.running() && st.status() != ContainerStatus.CREATED) throw WharfException.conflict("Container %s is not running", id);
        try {
            if (!Native.kill(st.pid(), sig)) throw WharfException.conflict("Container %s is not running", id);
        } catch (IOException e) {
            throw WharfException.internal("kill " + id + ": " + e.getMessage(), e);
        }
    }

    @Override
    public ContainerState stop(String id, String signal, Duration timeout) {
        Saved s = requireSaved(id);
        ContainerState st = stateOf(s);
        if (!st.running() && st.status() != ContainerStatus.CREATED) return st;
        String sigName = signal != null && !signal.isBlank() ? signal : s.stopSignal() != null && !s.stopSignal().isBlank() ? s.stopSignal() : "SIGTERM";
        int sig = Signals.parse(sigName);
        CompletableFuture<ExitStatus> exit = waitExit(id);
        try {
            Native.kill(st.pid(), sig);
            if (st.status() == ContainerStatus.PAUSED) runRuntimeQuiet(List.of("resume", id));
            if (timeout == null || !timeout.isNegative()) {
                long ms = timeout == null ? 10_000 : timeout.toMillis();
                try {
                    exit.get(ms, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    log.debug("container {} did not stop on signal {} in {} ms; sending SIGKILL", id, sig, ms);
                    Native.kill(st.pid(), Signals.SIGKILL);
                    exit.get(30, TimeUnit.SECONDS);
                }
            } else {
                exit.get();
            }
        } catch (IOException e) {
            throw WharfException.internal("stop " + id + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WharfException.unavailable("interrupted while stopping %s", id);
        } catch (ExecutionException | TimeoutException e) {
            throw WharfException.internal("container " + id + " did not exit after SIGKILL", e);
        }
        return state(id);
    }

    @Override
    public void pause(String id) {
        ContainerState st = state(id);
        if (st.status() == ContainerStatus.PAUSED) throw WharfException.conflict("Container %s is already paused", id);
        if (st.status() != ContainerStatus.RUNNING) throw WharfException.conflict("Container %s is not running", id);
        runRuntime(List.of("pause", id));
    }

    @Override
    public void unpause(String id) {
        ContainerState st = state(id);
        if (st.status() != ContainerStatus.PAUSED) throw WharfException.conflict("Container %s is not paused", id);
        runRuntime(List.of("resume", id));
    }

    // ---------------------------------------------------------------- delete

    @Override
    public void delete(String id, boolean force, boolean removeFiles) {
        ReentrantLock l = lock(id);
        l.lock();
        try {
            Saved s = readSaved(id);
            Path d = dir(id);
            if (s == null) {
                if (removeFiles && Files.exists(d)) removeTree(d);
                else if (!Files.exists(d)) throw WharfException.notFound("No such container: %s", id);
                return;
            }
            ContainerState st = stateOf(s);
            if (st.status() != ContainerStatus.STOPPED) {
                if (!force) throw WharfException.conflict("You cannot remove a %s container %s. Stop the container before attempting removal or force remove", st.status().dockerName(), id);
                try {
                    CompletableFuture<ExitStatus> exit = waitExit(id);
                    Native.kill(st.pid(), Signals.SIGKILL);
                    if (st.status() == ContainerStatus.PAUSED) runRuntimeQuiet(List.of("resume", id));
                    exit.get(30, TimeUnit.SECONDS);
                } catch (IOException | ExecutionException | TimeoutException e) {
                    throw WharfException.internal("cannot kill " + id + ": " + e, e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw WharfException.unavailable("interrupted");
                }
            }
            cleanupRuntimeState(s);
            processTemplates.remove(id);
            if (removeFiles) {
                removeTree(d);
                locks.remove(id);
            }
        } finally {
            l.unlock();
        }
    }

    /** Removes what crun, conmon and the cgroup hold for a stopped container; keeps the container dir. */
    private void cleanupRuntimeState(Saved s) {
        String id = s.id();
        recordOom(s);
        Path rtState = runtimeRoot.resolve(id);
        if (Files.exists(rtState)) {
            // crun keeps only a state dir and the cgroup for a stopped container: removing both ourselves saves
            // a process spawn on `docker run --rm`. Anything unexpected (cgroup still busy) goes the long way.
            boolean done = false;
            if (config.runtimeName().equals("crun") && Files.exists(dir(id).resolve("exit"))) {
                cgroups.remove(s.cgroupsPath());
                if (!cgroups.exists(s.cgroupsPath())) {
                    try {
                        removeTree(rtState);
                        done = true;
                    } catch (RuntimeException e) {
                        log.debug("fast delete of {}: {}", id, e.toString());
                    }
                }
            }
            if (!done) runRuntimeQuiet(List.of("delete", "--force", id));
        }
        // conmon exits right after writing the exit file; wait a little so its attach symlink etc. are gone.
        if (s.conmonPid() > 0) {
            long deadline = System.nanoTime() + 2_000_000_000L;
            // (conmon is re-parented to pid 1, which may reap it late: a zombie counts as gone)
            while (alive(s.conmonPid(), -1) && System.nanoTime() < deadline && isConmon(s.conmonPid())) sleep(2);
        }
        cgroups.remove(s.cgroupsPath());
        try {
            Files.deleteIfExists(exitDir.resolve(id));
            Files.deleteIfExists(config.stateRoot().resolve(id)); // conmon's socket-dir symlink, if any
        } catch (IOException ignored) {
        }
    }

    private static boolean isConmon(long pid) {
        return "conmon".equals(Cgroups.read(Path.of("/proc/" + pid + "/comm")));
    }

    /**
     * Persists an OOM kill seen by the kernel's counter (memory.oom_control oom_kill on v1, memory.events on v2)
     * as BUNDLE/oomkilled, while the container's cgroup still exists (it goes with `crun delete`). conmon's own
     * {@code oom} file is not trusted on v1: conmon 2.1.6 writes it for any event of its v1 eventfd, e.g. when a
     * short-lived container's cgroup goes away.
     */
    private void recordOom(Saved s) {
        Path d = dir(s.id());
        if (Files.exists(d.resolve("oomkilled"))) return;
        try {
            if (cgroups.exists(s.cgroupsPath()) && cgroups.oomKills(0, s.cgroupsPath()) > 0) {
                Files.write(d.resolve("oomkilled"), new byte[0]);
            }
        } catch (IOException ignored) {
        }
    }

    private boolean oomKilled(Saved s) {
        Path d = dir(s.id());
        return s.oomKilled() || Files.exists(d.resolve("oomkilled")) || (cgroupMode == CgroupMode.V2 && Files.exists(d.resolve("oom")));
    }

    /** Deletes a directory tree without following symlinks and without descending into mount points. */
    private static void removeTree(Path root) {
        try {
            Object rootDev = Files.getAttribute(root, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            removeRec(root, rootDev);
        } catch (IOException e) {
            throw WharfException.internal("cannot remove " + root + ": " + e.getMessage(), e);
        }
    }

    private static void removeRec(Path p, Object rootDev) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            if (!rootDev.equals(Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
                throw new IOException(p + " is a mount point; unmount it first");
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                for (Path c : ds) removeRec(c, rootDev);
            }
        }
        Files.deleteIfExists(p);
    }

    // ---------------------------------------------------------------- wait

    @Override
    public CompletableFuture<ExitStatus> waitExit(String id) {
        Saved s = requireSaved(id);
        CompletableFuture<ExitStatus> f = new CompletableFuture<>();
        synchronized (waiters) {
            waiters.computeIfAbsent(id, k -> new ArrayList<>()).add(f);
        }
        checkExit(id, s);
        return f;
    }

    /** Completes the waiters of {@code id} if it has stopped. */
    private void checkExit(String id, Saved s) {
        synchronized (waiters) {
            if (!waiters.containsKey(id)) return;
        }
        if (s == null) s = readSaved(id);
        if (s == null) {
            for (CompletableFuture<ExitStatus> f : takeWaiters(id)) f.completeExceptionally(WharfException.notFound("No such container: %s", id));
            return;
        }
        Path d = dir(id);
        boolean exited = Files.exists(d.resolve("exit"));
        if (!exited) {
            boolean alive = s.pid() > 0 && alive(s.pid(), s.pidStart());
            boolean conmonAlive = s.conmonPid() > 0 && alive(s.conmonPid(), -1);
            if (alive || conmonAlive) return;
        }
        ContainerState st = stateOf(s);
        if (st.status() != ContainerStatus.STOPPED) return; // re-created meanwhile
        ExitStatus es = new ExitStatus(st.exitCode(), st.oomKilled(), st.finishedAt() == null ? Instant.now() : st.finishedAt());
        for (CompletableFuture<ExitStatus> f : takeWaiters(id)) f.complete(es);
    }

    private List<CompletableFuture<ExitStatus>> takeWaiters(String id) {
        synchronized (waiters) {
            List<CompletableFuture<ExitStatus>> l = waiters.remove(id);
            return l == null ? List.of() : l;
        }
    }

    private boolean hasWaiters(String id) {
        synchronized (waiters) {
            return waiters.containsKey(id);
        }
    }

    private List<String> waitingIds() {
        synchronized (waiters) {
            return new ArrayList<>(waiters.keySet());
        }
    }

    private void watchExits() {
        while (!closed) {
            try {
                WatchKey key = watcher.poll(2, TimeUnit.SECONDS);
                if (key != null) {
                    for (WatchEvent<?> ev : key.pollEvents()) {
                        if (ev.context() instanceof Path p) {
                            String id = p.getFileName().toString();
                            trace.debug("exit file event {} {}", ev.kind(), id);
                            if (!id.startsWith(".") && hasWaiters(id)) checkExit(id, null);
                        }
                    }
                    key.reset();
                } else {
                    // Fallback for exits without an exit file (conmon killed) and for missed events.
                    for (String id : waitingIds()) checkExit(id, null);
                }
            } catch (ClosedWatchServiceException e) {
                return;
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("exit watcher: {}", e.toString());
            }
        }
    }

    // ---------------------------------------------------------------- attach, resize

    @Override
    public Attachment attach(String id, boolean stdin, OutputSink sink) {
        Saved s = requireSaved(id);
        ContainerState st = stateOf(s);
        if (st.status() == ContainerStatus.STOPPED) throw WharfException.conflict("You cannot attach to a stopped container, start it first");
        if (stdin && !s.openStdin()) throw WharfException.precondition("container %s was not created with stdin open", id);
        try {
            // conmon forwards output only to clients it has accepted, and accepts from its main loop: on a busy host a
            // client connected between create and start can miss a short program's whole output. Before start, wait
            // (briefly) until conmon holds one more descriptor, i.e. has accepted us.
            Path conmonFds = st.status() == ContainerStatus.CREATED && st.conmonPid() > 0 ? Path.of("/proc/" + st.conmonPid() + "/fd") : null;
            int before = conmonFds == null ? -1 : countEntries(conmonFds);
            int fd = Native.connectUnix(Native.SOCK_SEQPACKET, dir(id).toString(), "attach");
            if (before >= 0) {
                long t0 = System.nanoTime(), deadline = t0 + 2_000_000_000L;
                int n;
                while ((n = countEntries(conmonFds)) >= 0 && n <= before && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                log.debug("attach {}: conmon fds {} -> {} after {} us", id, before, n, (System.nanoTime() - t0) / 1000);
            }
            return new SeqpacketAttachment(fd, stdin, s.tty(), sink, dir(id));
        } catch (IOException e) {
            throw WharfException.internal("attach " + id + ": " + e.getMessage(), e);
        }
    }

    /** Entries of a /proc/PID/fd directory; -1 when it cannot be read (the process is gone). */
    private static int countEntries(Path dir) {
        try (var st = Files.list(dir)) {
            return (int) st.count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return -1;
        }
    }

    @Override
    public void resize(String id, int height, int width) {
        Saved s = requireSaved(id);
        if (!s.tty()) return;
        writeCtl(dir(id), height, width);
    }

    static void writeCtl(Path bundle, int height, int width) {
        if (height < 0 || width < 0 || height > 1000 || width > 1000) throw WharfException.invalid("invalid terminal size %dx%d", height, width);
        int fd = -1;
        try {
            // O_NONBLOCK: fails with ENXIO instead of hanging when conmon (the reader) is gone.
            fd = Native.open(bundle.resolve("ctl").toString(), Native.O_WRONLY | Native.O_NONBLOCK | Native.O_CLOEXEC, 0);
            byte[] msg = ("1 " + height + " " + width + "\n").getBytes(StandardCharsets.US_ASCII);
            Native.writeFully(fd, msg, 0, msg.length);
        } catch (IOException e) {
            throw WharfException.conflict("cannot resize: %s", e.getMessage());
        } finally {
            Native.close(fd);
        }
    }

    /** conmon's attach socket: see the class comment. One platform reader thread (the read is a blocking native call). */
    private static final class SeqpacketAttachment implements Attachment {
        private final int fd;
        private final boolean stdin, tty;
        private final OutputSink sink;
        private final Path bundle;
        private final AtomicBoolean closed = new AtomicBoolean();

        SeqpacketAttachment(int fd, boolean stdin, boolean tty, OutputSink sink, Path bundle) {
            this.fd = fd;
            this.stdin = stdin;
            this.tty = tty;
            this.sink = sink == null ? OutputSink.DISCARD : sink;
            this.bundle = bundle;
            // No shutdown(SHUT_WR) for read-only attachments: conmon treats EOF from any client as "close the
            // container's stdin" (unless --leave-stdin-open, i.e. not stdinOnce).
            Thread.ofPlatform().daemon().name("wharf-attach-" + fd).start(this::pump);
        }

        private void pump() {
            try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
                java.lang.foreign.MemorySegment buf = a.allocate(65536 + 1);
                java.lang.foreign.MemorySegment st = Native.captureSegment(a);
                byte[] data = new byte[65537];
                while (true) {
                    int n;
                    try {
                        n = Native.read(fd, buf, st, buf.byteSize());
                    } catch (IOException e) {
                        break;
                    }
                    if (n <= 0) break;
                    java.lang.foreign.MemorySegment.copy(buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, data, 0, n);
                    if (n < 2 || closed.get()) continue;
                    StreamType type = data[0] == 3 ? StreamType.STDERR : StreamType.STDOUT;
                    try {
                        sink.onOutput(type, data, 1, n - 1);
                    } catch (RuntimeException e) {
                        log.debug("attach sink failed: {}", e.toString());
                        break;
                    }
                }
            } finally {
                closed.set(true);
                Native.close(fd);
                try {
                    sink.onClose();
                } catch (RuntimeException ignored) {
                }
            }
        }

        @Override
        public void writeStdin(byte[] data, int offset, int length) throws IOException {
            if (!stdin) throw WharfException.precondition("attachment has no stdin");
            if (closed.get()) throw new IOException("attachment closed");
            // conmon receives one message of at most 32 KiB - 1 per read; send smaller messages so none is truncated.
            for (int o = 0; o < length; o += 8192) {
                Native.writeFully(fd, data, offset + o, Math.min(8192, length - o));
            }
        }

        @Override
        public void closeStdin() {
            if (stdin && !closed.get()) Native.shutdown(fd, Native.SHUT_WR);
        }

        @Override
        public void resize(int height, int width) {
            if (tty) writeCtl(bundle, height, width);
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                // shutdown wakes the reader thread, which then closes the fd (closing it here could let a new
                // fd reuse the number under the reader's feet).
                Native.shutdown(fd, Native.SHUT_RDWR);
            }
        }
    }

    // ---------------------------------------------------------------- exec

    @Override
    public ExecSession exec(String id, ExecSpec spec, OutputSink sink) {
        long t0 = System.nanoTime();
        Saved s = requireSaved(id);
        ContainerState st = stateOf(s);
        long t1 = System.nanoTime();
        if (st.status() == ContainerStatus.PAUSED) throw WharfException.conflict("Container %s is paused, unpause the container before exec", id);
        if (st.status() != ContainerStatus.RUNNING) throw WharfException.conflict("Container %s is not running", id);
        Path d = dir(id);
        try {
            Map<String, Object> proc = Json.MAPPER.convertValue(processTemplate(id, s, d), new TypeReference<LinkedHashMap<String, Object>>() {});
            long t2 = System.nanoTime();
            trace.debug("exec prep {}: state {} us, config {} us", id, (t1 - t0) / 1000, (t2 - t1) / 1000);
            proc.put("args", spec.args());
            proc.put("terminal", spec.tty());
            if (!spec.cwd().isEmpty()) proc.put("cwd", spec.cwd());
            // Environment: the container's, overridden key by key by the exec's.
            @SuppressWarnings("unchecked")
            List<String> baseEnv = (List<String>) proc.getOrDefault("env", List.of());
            Map<String, String> env = new LinkedHashMap<>();
            for (String e : baseEnv) env.put(e.contains("=") ? e.substring(0, e.indexOf('=')) : e, e);
            for (String e : spec.env()) env.put(e.contains("=") ? e.substring(0, e.indexOf('=')) : e, e.contains("=") ? e : e + "=");
            if (spec.tty() && !env.containsKey("TERM")) env.put("TERM", "TERM=xterm");
            proc.put("env", new ArrayList<>(env.values()));
            if (!spec.user().isEmpty()) {
                UserResolver.ResolvedUser u = UserResolver.resolve(Path.of(s.rootfs()), spec.user(), List.of());
                Map<String, Object> um = new LinkedHashMap<>();
                um.put("uid", u.uid());
                um.put("gid", u.gid());
                if (!u.additionalGids().isEmpty()) um.put("additionalGids", u.additionalGids());
                proc.put("user", um);
            }
            if (spec.privileged()) {
                List<String> all = OciConfig.ALL_CAPS.subList(0, Math.min(OciConfig.ALL_CAPS.size(), capLastCap + 1));
                proc.put("capabilities", Map.of("bounding", all, "effective", all, "permitted", all));
            }
            if (spec.tty() && spec.height() > 0 && spec.width() > 0) {
                proc.put("consoleSize", Map.of("height", spec.height(), "width", spec.width()));
            }
            // runc's own lookup, done here so the error carries dockerd's words (the CLI maps them to 127/126)
            // rather than crun's; /proc/PID/root sees the container's mounts (volumes, binds) as the program will.
            if (st.pid() > 0) {
                Path procRoot = Path.of("/proc/" + st.pid() + "/root");
                if (Files.isDirectory(procRoot)) {
                    @SuppressWarnings("unchecked")
                    List<String> finalEnv = (List<String>) proc.get("env");
                    String cwd = String.valueOf(proc.getOrDefault("cwd", "/"));
                    java.util.Optional<String> bad = Executables.problem(procRoot, spec.args().getFirst(), finalEnv, cwd);
                    if (bad.isPresent()) {
                        // reported like a started exec whose program failed: the words on its error stream, 127/126
                        String msg = "OCI runtime exec failed: exec failed: unable to start container process: " + bad.get() + ": unknown";
                        return Executables.failed(msg, bad.get().endsWith("permission denied") ? 126 : 127, spec.tty(), sink);
                    }
                }
            }
            Path execDir = d.resolve("exec");
            Files.createDirectories(execDir);
            String token = Long.toHexString(System.nanoTime()) + Long.toHexString(Thread.currentThread().threadId());
            Path procFile = execDir.resolve(token + ".json");
            Path pidFile = execDir.resolve(token + ".pid");
            Files.write(procFile, Json.COMPACT.writeValueAsBytes(proc));
            trace.debug("exec prep {}: total {} us", id, (System.nanoTime() - t0) / 1000);
            return ExecProcess.start(this, id, spec, sink, procFile, pidFile, consoleDir.resolve(token + ".sock"));
        } catch (IOException e) {
            throw WharfException.internal("exec in " + id + ": " + e.getMessage(), e);
        }
    }

    /**
     * The container's "process" from its config.json, parsed once per container run: config.json is rewritten only by
     * create, which also gives the container a new pid, so (pid, pid start time) identifies the version.
     */
    private JsonNode processTemplate(String id, Saved s, Path d) throws IOException {
        String key = s.pid() + ":" + s.pidStart();
        ProcessTemplate t = processTemplates.get(id);
        if (t != null && t.key().equals(key)) return t.process();
        JsonNode process = Json.MAPPER.readTree(d.resolve("config.json").toFile()).get("process");
        processTemplates.put(id, new ProcessTemplate(key, process));
        return process;
    }

    private record ProcessTemplate(String key, JsonNode process) {}

    List<String> runtimeCommand(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(runtimeExec.toString());
        cmd.add("--root=" + runtimeRoot);
        cmd.addAll(args);
        return cmd;
    }

    // ---------------------------------------------------------------- logs

    @Override
    public List<LogEntry> logs(String id, int tail) {
        requireSaved(id);
        try {
            return K8sLog.readAll(dir(id).resolve("ctr.log"), tail);
        } catch (IOException e) {
            throw WharfException.internal("read log of " + id, e);
        }
    }

    @Override
    public LogFollow followLogs(String id, int tail, Consumer<LogEntry> sink) {
        requireSaved(id);
        Path file = dir(id).resolve("ctr.log");
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicBoolean stop = new AtomicBoolean();
        long start;
        try {
            start = K8sLog.offsetOfTail(file, tail);
        } catch (IOException e) {
            throw WharfException.internal("read log of " + id, e);
        }
        Thread.ofVirtual().name("wharf-logs-" + id).start(() -> {
            K8sLog.Tail t = new K8sLog.Tail(file, start);
            try {
                while (!stop.get()) {
                    boolean got = t.poll(sink);
                    if (got) continue;
                    Saved s = readSaved(id);
                    if (s == null || Files.exists(dir(id).resolve("exit")) || !(s.pid() > 0 && alive(s.pid(), s.pidStart()))) {
                        t.poll(sink); // drain what conmon wrote before the exit file
                        break;
                    }
                    sleep(50);
                }
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return new LogFollow() {
            @Override
            public CompletableFuture<Void> done() {
                return done;
            }

            @Override
            public void close() {
                stop.set(true);
            }
        };
    }

    // ---------------------------------------------------------------- stats, top

    @Override
    public ContainerStats stats(String id) {
        Saved s = requireSaved(id);
        ContainerState st = stateOf(s);
        if (!st.running()) throw WharfException.precondition("container %s is not running", id);
        return cgroups.stats(st.pid(), s.cgroupsPath());
    }

    @Override
    public List<Long> pids(String id) {
        Saved s = requireSaved(id);
        ContainerState st = stateOf(s);
        if (!st.running() && st.status() != ContainerStatus.CREATED) return List.of();
        return cgroups.pids(st.pid(), s.cgroupsPath());
    }

    @Override
    public TopResult top(String id, List<String> psArgs) {
        ContainerState st = state(id);
        if (!st.running()) throw WharfException.conflict("Container %s is not running", id);
        List<Long> pids = pids(id);
        List<String> cmd = new ArrayList<>();
        cmd.add("ps");
        if (psArgs == null || psArgs.isEmpty()) cmd.add("-ef");
        else for (String a : psArgs) cmd.addAll(List.of(a.trim().split("\\s+")));
        String out;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) throw WharfException.invalid("ps: %s", out.trim());
        } catch (IOException e) {
            throw WharfException.internal("ps: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WharfException.unavailable("interrupted");
        }
        List<String> lines = out.lines().toList();
        if (lines.isEmpty()) throw WharfException.internal("ps printed nothing", null);
        List<String> titles = List.of(lines.getFirst().trim().split("\\s+"));
        int pidCol = titles.indexOf("PID");
        if (pidCol < 0) throw WharfException.invalid("Couldn't find PID field in ps output");
        List<List<String>> procs = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            // The last column (CMD) may contain spaces: split into titles.size() fields at most.
            String[] f = line.trim().split("\\s+", titles.size());
            if (f.length <= pidCol) continue;
            try {
                if (pids.contains(Long.parseLong(f[pidCol]))) procs.add(List.of(f));
            } catch (NumberFormatException ignored) {
            }
        }
        return new TopResult(titles, procs);
    }

    // ---------------------------------------------------------------- helpers

    /** Runs the OCI runtime with our --root; INTERNAL with its stderr on failure. */
    void runRuntime(List<String> args) {
        Result r = exec(runtimeCommand(args));
        if (r.status != 0) {
            throw new WharfException(ErrorKind.INTERNAL, config.runtimeName() + " " + String.join(" ", args) + ": " + r.output.trim());
        }
    }

    private void runRuntimeQuiet(List<String> args) {
        Result r = exec(runtimeCommand(args));
        if (r.status != 0) log.debug("{} {}: {}", config.runtimeName(), args, r.output.trim());
    }

    private record Result(int status, String output) {}

    /**
     * Runs a short helper command with posix_spawn (one exec, unlike ProcessBuilder's jspawnhelper + exec) and
     * its output in a temp file read only on failure.
     */
    private Result exec(List<String> cmd) {
        Path out = config.stateRoot().resolve(".out-" + Thread.currentThread().threadId() + "-" + System.nanoTime());
        try {
            long pid = Native.spawn(cmd, childEnv, null, out.toString());
            int status = Native.waitpid(pid);
            int code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
            String output = code == 0 ? "" : readQuiet(out);
            return new Result(code, output);
        } catch (IOException e) {
            throw WharfException.internal("cannot run " + cmd.getFirst() + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(out);
            } catch (IOException ignored) {
            }
        }
    }

    static String readQuiet(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        // Containers keep running under conmon; only our own exec/create spawns used the mount.
        if (!runtimeExec.equals(config.runtimePath())) unmountQuiet(runtimeExec);
        try {
            watcher.close();
        } catch (IOException ignored) {
        }
        watchThread.interrupt();
        for (String id : waitingIds()) {
            for (CompletableFuture<ExitStatus> f : takeWaiters(id)) f.completeExceptionally(WharfException.unavailable("runtime closed"));
        }
    }

}
