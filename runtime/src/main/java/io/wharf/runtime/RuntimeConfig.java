package io.wharf.runtime;

import io.wharf.common.WharfException;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the runtime keeps things and which binaries it drives.
 *
 * @param runtimeName    "crun" or "runc" (reported by `docker info` as the default runtime)
 * @param runtimePath    the OCI runtime binary
 * @param conmonPath     the conmon binary
 * @param stateRoot      volatile state (tmpfs): the OCI runtime's --root, conmon's exit dir. Default /run/wharf/runtime
 * @param containersRoot persistent per-container dirs {@code <containersRoot>/<id>/} holding the bundle (config.json),
 *                       the log, conmon's persist files (exit, oom) and our state.json. Default /var/lib/wharf/containers
 * @param cgroupParent   cgroupfs parent path; each container goes to {@code <cgroupParent>/<id>}. Default /wharf
 * @param logSizeMax     conmon --log-size-max in bytes, 0 = unlimited
 */
public record RuntimeConfig(String runtimeName, Path runtimePath, Path conmonPath, Path stateRoot, Path containersRoot,
                            String cgroupParent, long logSizeMax) {
    public RuntimeConfig {
        Objects.requireNonNull(runtimeName, "runtimeName");
        Objects.requireNonNull(runtimePath, "runtimePath");
        Objects.requireNonNull(conmonPath, "conmonPath");
        Objects.requireNonNull(stateRoot, "stateRoot");
        Objects.requireNonNull(containersRoot, "containersRoot");
        if (cgroupParent == null || !cgroupParent.startsWith("/")) throw WharfException.invalid("cgroupParent must start with /: %s", cgroupParent);
        stateRoot = stateRoot.toAbsolutePath();
        containersRoot = containersRoot.toAbsolutePath();
    }

    /** crun + conmon from PATH locations on Debian, /run/wharf/runtime, /var/lib/wharf/containers, cgroup parent /wharf. */
    public static RuntimeConfig defaults() {
        return of("crun", Path.of("/run/wharf/runtime"), Path.of("/var/lib/wharf/containers"), "/wharf");
    }

    /** A config for the named runtime ("crun" or "runc") under the given roots. */
    public static RuntimeConfig of(String runtimeName, Path stateRoot, Path containersRoot, String cgroupParent) {
        Path bin = switch (runtimeName) {
            case "crun" -> Path.of("/usr/bin/crun");
            case "runc" -> Path.of("/usr/sbin/runc");
            default -> throw WharfException.invalid("unknown runtime %s (crun or runc)", runtimeName);
        };
        return new RuntimeConfig(runtimeName, which(runtimeName, bin), which("conmon", Path.of("/usr/bin/conmon")),
                stateRoot, containersRoot, cgroupParent, 0);
    }

    static Path which(String name, Path fallback) {
        if (java.nio.file.Files.isExecutable(fallback)) return fallback;
        String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            Path p = Path.of(dir, name);
            if (java.nio.file.Files.isExecutable(p)) return p;
        }
        return fallback;
    }
}
