package io.wharf.runtime;

import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Drives the real crun + conmon (as root) with a busybox rootfs. */
class ConmonRuntimeTest {
    private Fixture f;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root"), "needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon")) && Files.isExecutable(Path.of("/usr/bin/crun")), "needs crun and conmon");
        HostSetup.prepare();
        f = new Fixture();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (f != null) f.close();
    }

    /** Collects output per stream. */
    static final class Collect implements OutputSink {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public synchronized void onOutput(StreamType stream, byte[] data, int offset, int length) {
            (stream == StreamType.STDERR ? err : out).write(data, offset, length);
        }

        @Override
        public void onClose() {
            closed.countDown();
        }

        synchronized String out() {
            return out.toString(StandardCharsets.UTF_8);
        }

        synchronized String err() {
            return err.toString(StandardCharsets.UTF_8);
        }

        String awaitOut(String expected) throws InterruptedException {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!out().contains(expected) && System.nanoTime() < deadline) Thread.sleep(10);
            return out();
        }
    }

    private ExitStatus await(String id) throws Exception {
        return f.runtime.waitExit(id).get(20, TimeUnit.SECONDS);
    }

    private static String text(List<LogEntry> entries, StreamType type) {
        StringBuilder sb = new StringBuilder();
        for (LogEntry e : entries) if (e.stream() == type) sb.append(new String(e.content(), StandardCharsets.UTF_8));
        return sb.toString();
    }

    @Test
    void echoHelloGoesToTheLogWithStreamsSeparated() throws Exception {
        String id = f.newId();
        f.runtime.run(f.spec(id, "sh", "-c", "echo hello; echo oops >&2").build());
        ExitStatus es = await(id);
        assertEquals(0, es.exitCode());
        try (var ds = Files.list(f.config.containersRoot().resolve(id))) {
            assertFalse(es.oomKilled(), ds.toList() + " " + Cgroups.read(Path.of("/sys/fs/cgroup/memory" + f.cgroupParent + "/" + id + "/memory.oom_control")));
        }
        List<LogEntry> logs = f.runtime.logs(id, -1);
        assertEquals("hello\n", text(logs, StreamType.STDOUT));
        assertEquals("oops\n", text(logs, StreamType.STDERR));
        assertEquals(1, f.runtime.logs(id, 1).size());

        // A line longer than conmon's buffer is split into partial ("P") records ending in a full one.
        String big = f.newId();
        f.runtime.run(f.spec(big, "sh", "-c", "head -c 20000 /dev/zero | tr '\\0' a; echo").build());
        assertEquals(0, await(big).exitCode());
        List<LogEntry> parts = f.runtime.logs(big, -1);
        assertTrue(parts.size() >= 2 && parts.getFirst().partial() && !parts.getLast().partial(), parts.size() + " records");
        assertEquals("a".repeat(20000) + "\n", text(parts, StreamType.STDOUT));
        ContainerState st = f.runtime.state(id);
        assertEquals(ContainerStatus.STOPPED, st.status());
        assertNotNull(st.startedAt());
        assertNotNull(st.finishedAt());
        assertFalse(st.finishedAt().isBefore(st.startedAt()));
    }

    @Test
    void startWithoutCrunStartLeavesCrunsOwnStateRunning() throws Exception {
        String id = f.newId();
        f.runtime.create(f.spec(id, "sleep", "100").build());
        Path fifo = f.config.stateRoot().resolve("crun").resolve(id).resolve("exec.fifo");
        assertTrue(Files.exists(fifo), "crun create leaves its exec fifo");
        assertEquals(ContainerStatus.CREATED, f.runtime.state(id).status());
        f.runtime.start(id);
        assertFalse(Files.exists(fifo), "start consumes the fifo as `crun start` does");
        assertEquals(ContainerStatus.RUNNING, f.runtime.state(id).status());
        // crun's own view agrees (what `crun exec`, `crun kill` and `crun delete` go by)
        Process p = new ProcessBuilder(f.config.runtimePath().toString(), "--root=" + f.config.stateRoot().resolve("crun"), "state", id)
                .redirectErrorStream(true).start();
        String state = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), state);
        assertTrue(state.contains("\"status\": \"running\""), state);
        f.runtime.kill(id, "KILL");
        assertEquals(137, await(id).exitCode());
    }

    @Test
    void crunRunsFromOneReadOnlyMountOfItself() throws Exception {
        Path ro = f.config.stateRoot().resolve(".crun-ro");
        assertTrue(Files.isSameFile(ro, f.config.runtimePath()), "a bind mount of the crun binary");
        String mount = Files.readAllLines(Path.of("/proc/self/mounts")).stream().filter(l -> l.split(" ")[1].equals(ro.toString())).reduce((a, b) -> b).orElseThrow();
        assertTrue(List.of(mount.split(" ")[3].split(",")).contains("ro"), mount);
        assertTrue(f.runtime.childEnv().contains("_LIBCONTAINER_CLONED_BINARY=1"), "crun skips its own re-exec only with the marker");
        String id = f.newId();
        f.runtime.run(f.spec(id, "sleep", "100").build());
        Collect c = new Collect();
        assertEquals(0, f.runtime.exec(id, ExecSpec.of("true"), c).exitCode().get(10, TimeUnit.SECONDS), c.err());
        f.runtime.kill(id, "KILL");
        await(id);
        f.runtime.close();
        assertFalse(Files.exists(ro), "close() unmounts and removes it");
        assertTrue(Files.readAllLines(Path.of("/proc/self/mounts")).stream().noneMatch(l -> l.contains(ro.toString())));
    }

    @Test
    void execStdinFromVirtualThreadsDoesNotStarveThem() throws Exception {
        // The engine drives exec sessions from virtual threads; output readers that pinned carriers made a
        // concurrent stdin pump never run on a 2-core host.
        String id = f.newId();
        f.runtime.run(f.spec(id, "sleep", "1000").build());
        int n = 4;
        List<CompletableFuture<String>> outs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            CompletableFuture<String> r = new CompletableFuture<>();
            outs.add(r);
            Thread.ofVirtual().start(() -> {
                try {
                    Collect c = new Collect();
                    ExecSession ex = f.runtime.exec(id, new ExecSpec(List.of("cat"), List.of(), "", "", false, true, false, false, 0, 0), c);
                    byte[] msg = ("line " + k + "\n").getBytes(StandardCharsets.UTF_8);
                    ex.writeStdin(msg, 0, msg.length);
                    ex.closeStdin();
                    assertEquals(0, ex.exitCode().get(20, TimeUnit.SECONDS));
                    r.complete(c.out());
                } catch (Throwable t) {
                    r.completeExceptionally(t);
                }
            });
        }
        for (int i = 0; i < n; i++) assertEquals("line " + i + "\n", outs.get(i).get(30, TimeUnit.SECONDS));
    }

    @Test
    void exitCodesAndSignals() throws Exception {
        String a = f.newId(), b = f.newId();
        f.runtime.run(f.spec(a, "sh", "-c", "exit 3").build());
        f.runtime.run(f.spec(b, "sleep", "100").build());
        assertEquals(3, await(a).exitCode());
        f.runtime.kill(b, "KILL");
        assertEquals(137, await(b).exitCode());
        assertEquals(137, f.runtime.state(b).exitCode());
        WharfException e = assertThrows(WharfException.class, () -> f.runtime.kill(b, "TERM"));
        assertEquals(ErrorKind.CONFLICT, e.kind());
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(WharfException.class, () -> f.runtime.kill(b, "SIGNOPE")).kind());
    }

    @Test
    void missingExecutableFailsCreate() {
        String id = f.newId();
        WharfException e = assertThrows(WharfException.class, () -> f.runtime.run(f.spec(id, "/nope").build()));
        assertTrue(e.getMessage().toLowerCase().contains("no such file"), e.getMessage());
    }

    @Test
    void stopUsesSigtermThenSigkillAfterTimeout() throws Exception {
        String graceful = f.newId(), stubborn = f.newId();
        f.runtime.run(f.spec(graceful, "sh", "-c", "trap 'exit 7' TERM; while :; do sleep 0.1; done").build());
        // pid 1 without a handler ignores SIGTERM: only the SIGKILL after the timeout ends it.
        f.runtime.run(f.spec(stubborn, "sleep", "1000").build());
        Thread.sleep(200); // let the shell install its trap
        ContainerState g = f.runtime.stop(graceful, null, Duration.ofSeconds(10));
        assertEquals(7, g.exitCode());
        long t0 = System.nanoTime();
        ContainerState s = f.runtime.stop(stubborn, null, Duration.ofMillis(700));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(137, s.exitCode());
        assertTrue(ms >= 650, "stopped after " + ms + " ms, before the timeout");
        assertEquals(ContainerStatus.STOPPED, s.status());
    }

    @Test
    void execSeparatesStreamsAndReportsExitCode() throws Exception {
        String id = f.newId();
        f.runtime.run(f.spec(id, "sleep", "1000").env(List.of("FOO=bar")).build());
        Collect c = new Collect();
        ExecSession ex = f.runtime.exec(id, new ExecSpec(List.of("sh", "-c", "echo out $FOO $X; echo err >&2; exit 5"),
                List.of("X=y"), "/tmp", "", false, false, false, false, 0, 0), c);
        assertEquals(5, ex.exitCode().get(10, TimeUnit.SECONDS));
        assertEquals("out bar y\n", c.out());
        assertEquals("err\n", c.err());
        assertTrue(c.closed.await(1, TimeUnit.SECONDS));

        Collect who = new Collect();
        ExecSession ex2 = f.runtime.exec(id, new ExecSpec(List.of("sh", "-c", "id -u; id -G; pwd"), List.of(), "", "app", false, false, false, false, 0, 0), who);
        assertEquals(0, ex2.exitCode().get(10, TimeUnit.SECONDS));
        assertEquals("1000\n1000 50\n/\n", who.out());

        Collect cat = new Collect();
        ExecSession ex3 = f.runtime.exec(id, new ExecSpec(List.of("cat"), List.of(), "", "", false, true, false, false, 0, 0), cat);
        byte[] msg = "via stdin\n".getBytes(StandardCharsets.UTF_8);
        ex3.writeStdin(msg, 0, msg.length);
        ex3.closeStdin();
        assertEquals(0, ex3.exitCode().get(10, TimeUnit.SECONDS));
        assertEquals("via stdin\n", cat.out());
        assertTrue(ex3.pid() > 0 || true);

        Collect missing = new Collect();
        assertEquals(127, f.runtime.exec(id, ExecSpec.of("/no/such"), missing).exitCode().get(10, TimeUnit.SECONDS), "Docker's code for not found");
        assertTrue(missing.err().contains("/no/such"), missing.err());
        assertEquals(126, f.runtime.exec(id, ExecSpec.of("/etc/passwd"), new Collect()).exitCode().get(10, TimeUnit.SECONDS), "not executable");
        assertEquals(255, f.runtime.exec(id, ExecSpec.of("sh", "-c", "exit 255"), new Collect()).exitCode().get(10, TimeUnit.SECONDS));
    }

    @Test
    void execWithTty() throws Exception {
        String id = f.newId();
        f.runtime.run(f.spec(id, "sleep", "1000").build());
        Collect c = new Collect();
        ExecSession ex = f.runtime.exec(id, new ExecSpec(List.of("sh", "-c", "tty; echo $TERM; echo E >&2"), List.of(), "", "", true, true, false, false, 30, 100), c);
        assertEquals(0, ex.exitCode().get(10, TimeUnit.SECONDS));
        String out = c.out();
        assertTrue(out.contains("/dev/pts/"), out);
        assertTrue(out.contains("xterm"), out);
        assertTrue(out.contains("E\r\n"), "stderr shares the terminal: " + out);
        assertEquals("", c.err());

        Collect sh = new Collect();
        ExecSession ex2 = f.runtime.exec(id, new ExecSpec(List.of("sh"), List.of(), "", "", true, true, false, false, 0, 0), sh);
        ex2.resize(20, 60);
        byte[] cmd = "stty size; exit 4\n".getBytes(StandardCharsets.UTF_8);
        ex2.writeStdin(cmd, 0, cmd.length);
        assertEquals(4, ex2.exitCode().get(10, TimeUnit.SECONDS));
        assertTrue(sh.out().contains("20 60"), sh.out());
    }

    @Test
    void attachWritesStdinAndStreamsOutput() throws Exception {
        String id = f.newLongId();
        f.runtime.create(f.spec(id, "sh", "-c", "while read l; do echo got:$l; echo e:$l >&2; done; echo bye")
                .openStdin(true).stdinOnce(true).build());
        Collect c = new Collect();
        Attachment at = f.runtime.attach(id, true, c);
        f.runtime.start(id);
        byte[] line = "one\n".getBytes(StandardCharsets.UTF_8);
        at.writeStdin(line, 0, line.length);
        assertTrue(c.awaitOut("got:one\n").contains("got:one\n"));
        at.closeStdin();
        assertEquals(0, await(id).exitCode());
        assertTrue(c.closed.await(5, TimeUnit.SECONDS));
        assertEquals("got:one\nbye\n", c.out());
        assertEquals("e:one\n", c.err());
        at.close();
        assertEquals("got:one\nbye\n", text(f.runtime.logs(id, -1), StreamType.STDOUT));
    }

    @Test
    void ttyContainerAttachAndResize() throws Exception {
        String id = f.newId();
        f.runtime.create(f.spec(id, "sh").tty(true).openStdin(true).stdinOnce(true).build());
        Collect c = new Collect();
        Attachment at = f.runtime.attach(id, true, c);
        f.runtime.start(id);
        f.runtime.resize(id, 25, 70);
        Thread.sleep(100);
        byte[] cmd = "tty; stty size; exit 2\n".getBytes(StandardCharsets.UTF_8);
        at.writeStdin(cmd, 0, cmd.length);
        assertEquals(2, await(id).exitCode());
        assertTrue(c.closed.await(5, TimeUnit.SECONDS));
        assertTrue(c.out().contains("/dev/pts/0"), c.out());
        assertTrue(c.out().contains("25 70"), c.out());
    }

    @Test
    void oomKilledWithMemoryLimit() throws Exception {
        String id = f.newId();
        // busybox tail buffers a "line" of /dev/zero forever: it allocates until the cgroup limit.
        Resources r = new Resources(64L << 20, 64L << 20, 0, 0, 0, 0, 0, null, null, 0, 0);
        f.runtime.run(f.spec(id, "tail", "/dev/zero").resources(r).build());
        ExitStatus es = await(id);
        assertEquals(137, es.exitCode());
        assertTrue(es.oomKilled(), "OOMKilled");
        assertTrue(f.runtime.state(id).oomKilled());
        f.runtime.delete(id, false, false);
        assertTrue(f.runtime.state(id).oomKilled(), "OOM flag survives the cgroup");
    }

    @Test
    void pidsLimitStopsAForkBomb() throws Exception {
        String id = f.newId();
        f.runtime.run(f.spec(id, "sleep", "1000").resources(Resources.NONE.withPidsLimit(12)).build());
        Collect c = new Collect();
        ExecSession bomb = f.runtime.exec(id, ExecSpec.of("sh", "-c", "for i in $(seq 1 40); do sleep 100 & done; wait"), c);
        int code = bomb.exitCode().get(20, TimeUnit.SECONDS);
        assertTrue(c.err().contains("fork") || c.err().contains("Resource temporarily unavailable"), "err: " + c.err() + " exit " + code);
        ContainerStats st = f.runtime.stats(id);
        assertEquals(12, st.pidsLimit());
        assertTrue(st.pidsCurrent() <= 12, "pids " + st.pidsCurrent());
        assertTrue(f.runtime.pids(id).size() <= 12);
        f.runtime.delete(id, true, false);
    }

    @Test
    void survivesRuntimeRestartAndIsReadopted() throws Exception {
        String id = f.newId();
        ContainerState before = f.runtime.run(f.spec(id, "sh", "-c", "echo started; trap 'exit 0' TERM; while :; do sleep 0.1; echo tick; done").build());
        Thread.sleep(100);
        f.reopen();
        List<ContainerState> all = f.runtime.list();
        ContainerState after = all.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
        assertEquals(ContainerStatus.RUNNING, after.status());
        assertEquals(before.pid(), after.pid());
        assertTrue(after.conmonPid() > 0, "conmon still holds it");
        assertTrue(text(f.runtime.logs(id, -1), StreamType.STDOUT).startsWith("started\n"));
        Collect c = new Collect();
        assertEquals(0, f.runtime.exec(id, ExecSpec.of("true"), c).exitCode().get(10, TimeUnit.SECONDS));
        Collect attached = new Collect();
        try (Attachment at = f.runtime.attach(id, false, attached)) {
            assertTrue(attached.awaitOut("tick\n").contains("tick\n"), "conmon still serves attach after the restart");
        }
        CompletableFuture<ExitStatus> w = f.runtime.waitExit(id);
        ContainerState stopped = f.runtime.stop(id, "SIGKILL", Duration.ofSeconds(5));
        assertEquals(137, stopped.exitCode());
        assertEquals(137, w.get(5, TimeUnit.SECONDS).exitCode());
    }

    @Test
    void pauseUnpauseStatsTopAndCgroupCleanup() throws Exception {
        String id = f.newId();
        f.runtime.run(f.spec(id, "sleep", "1000").resources(Resources.NONE.withMemory(32L << 20)).build());
        f.runtime.pause(id);
        assertEquals(ContainerStatus.PAUSED, f.runtime.state(id).status());
        f.runtime.unpause(id);
        assertEquals(ContainerStatus.RUNNING, f.runtime.state(id).status());
        ContainerStats st = f.runtime.stats(id);
        assertEquals(32L << 20, st.memoryLimit());
        assertTrue(st.memoryUsage() > 0);
        assertTrue(st.cpuTotalNs() > 0);
        assertTrue(st.systemCpuNs() > 0);
        TopResult top = f.runtime.top(id, List.of());
        assertTrue(top.titles().contains("PID"));
        assertEquals(1, top.processes().size(), top.toString());
        assertTrue(String.join(" ", top.processes().getFirst()).contains("sleep 1000"));
        String cgPath = f.cgroupParent + "/" + id;
        Cgroups cg = new Cgroups(Cgroups.detect());
        assertTrue(cg.exists(cgPath));
        assertEquals(ErrorKind.CONFLICT, assertThrows(WharfException.class, () -> f.runtime.delete(id, false, false)).kind());
        f.runtime.delete(id, true, true);
        assertFalse(cg.exists(cgPath), "cgroup removed");
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(WharfException.class, () -> f.runtime.state(id)).kind());
    }

    @Test
    void followLogsUntilExitAndRestartAppends() throws Exception {
        String id = f.newId();
        f.runtime.create(f.spec(id, "sh", "-c", "echo a; sleep 0.3; echo b").build());
        List<String> got = Collections.synchronizedList(new ArrayList<>());
        LogFollow follow = f.runtime.followLogs(id, -1, e -> got.add(new String(e.content(), StandardCharsets.UTF_8)));
        f.runtime.start(id);
        follow.done().get(10, TimeUnit.SECONDS);
        assertEquals(List.of("a\n", "b\n"), got);
        // restart: same id, same dir; the log keeps both runs
        f.runtime.delete(id, false, false);
        f.runtime.run(f.spec(id, "echo", "c").build());
        assertEquals(0, await(id).exitCode());
        assertEquals("a\nb\nc\n", text(f.runtime.logs(id, -1), StreamType.STDOUT));
    }

    @Test
    void isolationDefaults() throws Exception {
        String id = f.newId();
        f.runtime.run(f.spec(id, "sh", "-c",
                "hostname; cat /etc/hostname; grep -c localhost /etc/hosts; grep myhost /etc/hosts; " +
                        "cat /sys/class/net/lo/operstate; ls /sys/class/net | wc -l; echo $$; " +
                        "grep CapEff /proc/self/status; ulimit -n; touch /proc/sys/x 2>/dev/null || echo ro-ok; " +
                        "stat -c %t:%T /proc/timer_list; echo $HOME")
                .hostname("box").extraHosts(List.of("myhost:10.9.8.7")).build());
        assertEquals(0, await(id).exitCode(), text(f.runtime.logs(id, -1), StreamType.STDERR));
        String[] out = text(f.runtime.logs(id, -1), StreamType.STDOUT).split("\n");
        assertEquals("box", out[0]);
        assertEquals("box", out[1]);
        assertEquals("2", out[2]);
        assertEquals("10.9.8.7\tmyhost", out[3]);
        assertNotEquals("down", out[4], "loopback is up in a none network");
        assertEquals("1", out[5], "only lo");
        assertEquals("1", out[6], "own pid namespace");
        assertEquals("CapEff:\t00000000a80425fb", out[7], "Docker's default capabilities");
        assertEquals(Long.toString(Math.min(1048576, HostSetup.hardNofile())), out[8]);
        assertEquals("ro-ok", out[9]);
        assertEquals("1:3", out[10].trim(), "timer_list masked with /dev/null");
        assertEquals("/root", out[11]);
    }

    @Test
    void readonlyRootfsBindMountsAndTmpfs() throws Exception {
        String id = f.newId();
        Path vol = f.base.resolve("vol");
        Files.createDirectories(vol);
        Files.writeString(vol.resolve("in.txt"), "from-host\n");
        f.runtime.run(f.spec(id, "sh", "-c", "cat /data/in.txt; echo x > /data/out.txt; touch /nope 2>/dev/null || echo rofs; echo t > /scratch/t && echo tmpfs-ok")
                .readonlyRootfs(true).addMount(Mount.bind(vol.toString(), "/data", false))
                .addMount(Mount.tmpfs("/scratch", List.of())).build());
        assertEquals(0, await(id).exitCode());
        assertEquals("from-host\nrofs\ntmpfs-ok\n", text(f.runtime.logs(id, -1), StreamType.STDOUT));
        assertEquals("x\n", Files.readString(vol.resolve("out.txt")));
    }

    @Test
    void shareNetworkNamespaceOfAnotherContainer() throws Exception {
        String a = f.newId(), b = f.newId();
        ContainerState sa = f.runtime.run(f.spec(a, "sleep", "1000").build());
        f.runtime.run(f.spec(b, "sh", "-c", "readlink /proc/self/ns/net").network(new NamespaceMode.Container(a)).build());
        assertEquals(0, await(b).exitCode());
        String netA = Files.readSymbolicLink(Path.of("/proc/" + sa.pid() + "/ns/net")).toString();
        assertEquals(netA + "\n", text(f.runtime.logs(b, -1), StreamType.STDOUT));
    }

    @Test
    void runcIsSelectable() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runc")), "runc not installed");
        RuntimeConfig rc = RuntimeConfig.of("runc", f.config.stateRoot(), f.config.containersRoot(), f.cgroupParent);
        try (ConmonRuntime runc = new ConmonRuntime(rc)) {
            assertEquals("runc", runc.runtimeName());
            String id = f.newId();
            try {
                runc.run(f.spec(id, "sleep", "1000").build());
                Collect c = new Collect();
                assertEquals(3, runc.exec(id, ExecSpec.of("sh", "-c", "echo hi; exit 3"), c).exitCode().get(10, TimeUnit.SECONDS));
                assertEquals("hi\n", c.out());
                assertEquals(137, runc.stop(id, null, Duration.ofMillis(300)).exitCode());
            } finally {
                runc.delete(id, true, true);
            }
        }
    }

    private static long openFds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    @Test
    void noFileDescriptorLeaks() throws Exception {
        String id = f.newId();
        f.runtime.create(f.spec(id, "sh", "-c", "while read l; do echo $l; done").openStdin(true).build());
        f.runtime.start(id);
        f.runtime.exec(id, ExecSpec.of("true"), new Collect()).exitCode().get(10, TimeUnit.SECONDS);
        long before = openFds();
        for (int i = 0; i < 5; i++) {
            f.runtime.exec(id, ExecSpec.of("echo", "x"), new Collect()).exitCode().get(10, TimeUnit.SECONDS);
            f.runtime.exec(id, new ExecSpec(List.of("tty"), List.of(), "", "", true, false, false, false, 0, 0), new Collect()).exitCode().get(10, TimeUnit.SECONDS);
            Collect c = new Collect();
            Attachment at = f.runtime.attach(id, true, c);
            byte[] m = ("m" + i + "\n").getBytes(StandardCharsets.UTF_8);
            at.writeStdin(m, 0, m.length);
            c.awaitOut("m" + i);
            at.close();
            assertTrue(c.closed.await(5, TimeUnit.SECONDS));
            f.runtime.resize(id, 10, 10);
            f.runtime.state(id);
        }
        Thread.sleep(200);
        long after = openFds();
        assertTrue(after <= before + 2, "fds before " + before + " after " + after);
        f.runtime.delete(id, true, false);
    }
}
