package io.wharf.runtime;

import io.wharf.common.WharfException;

import java.util.List;

/**
 * A process to start in a running container (`docker exec`).
 *
 * @param args       argv; not empty
 * @param env        extra "KEY=value" entries, added over the container's environment
 * @param cwd        working directory, null/"" = the container's
 * @param user       Docker user string resolved against the container's rootfs, null/"" = the container's user
 * @param tty        allocate a pseudo-terminal (output then arrives as STDOUT only)
 * @param stdin      keep a stdin pipe open (else stdin is /dev/null)
 * @param privileged run with all capabilities
 * @param detach     `docker exec -d`: output discarded, nobody waits on it
 * @param height     initial terminal rows (0 = leave default)
 * @param width      initial terminal columns
 */
public record ExecSpec(List<String> args, List<String> env, String cwd, String user, boolean tty, boolean stdin,
                       boolean privileged, boolean detach, int height, int width) {
    public ExecSpec {
        if (args == null || args.isEmpty()) throw WharfException.invalid("No exec command specified");
        args = List.copyOf(args);
        env = env == null ? List.of() : List.copyOf(env);
        cwd = cwd == null ? "" : cwd;
        if (!cwd.isEmpty() && !cwd.startsWith("/")) throw WharfException.invalid("the working directory '%s' is invalid, it needs to be an absolute path", cwd);
        user = user == null ? "" : user;
    }

    public static ExecSpec of(String... args) {
        return new ExecSpec(List.of(args), List.of(), "", "", false, false, false, false, 0, 0);
    }
}
