package io.wharf.runtime;

import java.time.Instant;

/**
 * How a container (or exec process) ended.
 *
 * @param exitCode   the process exit code; 128+N when killed by signal N (conmon's and Docker's convention)
 * @param oomKilled  the cgroup saw an OOM kill
 * @param finishedAt when conmon recorded the exit
 */
public record ExitStatus(int exitCode, boolean oomKilled, Instant finishedAt) {}
