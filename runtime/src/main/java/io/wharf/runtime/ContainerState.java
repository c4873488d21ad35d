package io.wharf.runtime;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of one container as the runtime sees it. Read without spawning any process: the runtime's own state
 * file, conmon's exit/oom files, /proc and the cgroup freezer.
 *
 * @param id         container id
 * @param status     created / running / paused / stopped
 * @param pid        host pid of the container's init process (0 when stopped)
 * @param conmonPid  host pid of the conmon monitoring it (0 if gone)
 * @param exitCode   exit code once stopped (128+signal when killed by a signal), else -1
 * @param oomKilled  true when the kernel OOM killer killed a process of this container's cgroup
 * @param createdAt  when the runtime created it
 * @param startedAt  when it was started, or null
 * @param finishedAt when it stopped, or null
 * @param bundle     the OCI bundle dir (config.json, attach socket, ctl fifo)
 * @param logPath    conmon's k8s-file log
 * @param tty        whether the main process has a terminal
 */
public record ContainerState(String id, ContainerStatus status, long pid, long conmonPid, int exitCode,
                             boolean oomKilled, Instant createdAt, Instant startedAt, Instant finishedAt,
                             Path bundle, Path logPath, boolean tty) {
    public ContainerState {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
    }

    public boolean running() {
        return status == ContainerStatus.RUNNING || status == ContainerStatus.PAUSED;
    }
}
