package io.wharf.runtime;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The container lifecycle layer the engine drives. One implementation, {@link ConmonRuntime}: crun (or runc) as the
 * OCI runtime, one conmon per container as monitor, so containers outlive Wharf and are re-adopted on restart.
 *
 * <h2>Lifecycle</h2>
 * <pre>
 *   create(spec) ──► CREATED ──start──► RUNNING ◄─pause/unpause─► PAUSED
 *                                         │ (exit, kill, stop)
 *                                         ▼
 *                                      STOPPED ──delete──► (gone from the OCI runtime; files kept unless asked)
 * </pre>
 * Docker's `create` only records metadata in the engine; the engine calls {@link #create} + {@link #start} at
 * `docker start` (attach in between to see every byte of output), and {@link #delete} + create + start again to
 * restart. The container dir (log, state) is kept across such restarts so `docker logs` shows all runs.
 *
 * <h2>Errors</h2> WharfException: NOT_FOUND for an unknown id, ALREADY_EXISTS when creating an id that still exists in
 * the runtime, CONFLICT/FAILED_PRECONDITION for a wrong state (e.g. exec in a stopped container), INVALID_ARGUMENT for a
 * bad spec (unknown user, bad signal), INTERNAL when crun/conmon fail (with their message).
 *
 * <p>All methods are thread-safe and blocking (call them from virtual threads). Ids are the engine's container ids.
 */
public interface ContainerRuntime extends AutoCloseable {

    /** "crun" or "runc". */
    String runtimeName();

    /**
     * Writes the OCI bundle and creates the container under a new conmon (`crun create`): namespaces, cgroup and
     * mounts are set up, the process waits before exec'ing the user program. Stale state of a previous run of
     * the same id that has stopped is cleaned up first.
     */
    ContainerState create(ContainerSpec spec);

    /** Starts a created container (`crun start`). Returns the running state (with pid and startedAt). */
    ContainerState start(String id);

    /** {@link #create} then {@link #start}. */
    default ContainerState run(ContainerSpec spec) {
        create(spec);
        return start(spec.id());
    }

    /** Current state; NOT_FOUND when the runtime has no such container (never created, or deleted with files). */
    ContainerState state(String id);

    /**
     * Every container known under the containers root, running or not: after a Wharf restart this is how the
     * engine re-adopts containers still held by their conmon.
     */
    List<ContainerState> list();

    /** Sends a signal ("SIGTERM", "TERM", "15", "KILL"...) to the container's init process. CONFLICT when not running. */
    void kill(String id, String signal);

    /**
     * Docker's stop: send {@code signal} (null = the spec's stopSignal, default SIGTERM), wait up to {@code timeout},
     * then SIGKILL and wait for the exit. Returns the final state. A stopped container is returned as is.
     * A paused container is unpaused after the signal so that it can act on it.
     */
    ContainerState stop(String id, String signal, Duration timeout);

    /** Freezes all processes (cgroup freezer). */
    void pause(String id);

    void unpause(String id);

    /**
     * Removes the container from the OCI runtime (killing it first when {@code force}; CONFLICT when running and not
     * forced) and removes its cgroup. With {@code removeFiles} the container dir (bundle, log) goes too and the id
     * becomes unknown.
     */
    void delete(String id, boolean force, boolean removeFiles);

    /**
     * Completes when the container's process has exited (conmon wrote its exit file), with the exit code and
     * OOM flag. Completes at once for a stopped container. Works for re-adopted containers.
     */
    CompletableFuture<ExitStatus> waitExit(String id);

    /**
     * Attaches to the main process's stdio through conmon. Attach before {@link #start} to see all output of a fresh
     * container. {@code stdin} = also open for writing (requires openStdin).
     */
    Attachment attach(String id, boolean stdin, OutputSink sink);

    /** Resizes the main process's terminal (conmon ctl fifo). No-op without TTY. */
    void resize(String id, int height, int width);

    /** Runs a process in a running container. FAILED_PRECONDITION when the container is not running or is paused. */
    ExecSession exec(String id, ExecSpec spec, OutputSink sink);

    /** The log records, oldest first; {@code tail} >= 0 keeps only the last {@code tail} records. */
    List<LogEntry> logs(String id, int tail);

    /**
     * Follows the log: delivers the last {@code tail} records (all when negative) then new ones as conmon writes
     * them, until the container has stopped and the log is drained, or until closed. Runs on its own virtual thread.
     */
    LogFollow followLogs(String id, int tail, java.util.function.Consumer<LogEntry> sink);

    /** Cgroup figures now. FAILED_PRECONDITION when the container is not running. */
    ContainerStats stats(String id);

    /** `ps` restricted to the container's processes. {@code psArgs} empty = "-ef". */
    TopResult top(String id, List<String> psArgs);

    /** Host pids of all processes in the container's cgroup. */
    List<Long> pids(String id);

    /** Stops background watching (exit watcher). Containers keep running under conmon. */
    @Override
    void close();
}
