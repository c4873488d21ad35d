package io.wharf.runtime;

import java.util.Objects;

/**
 * One finding of a host check (for `wharf doctor`).
 *
 * @param name   short name, e.g. "crun", "overlayfs", "cgroup.memory"
 * @param status OK, WARN (works, degraded) or FAIL (Wharf cannot run containers properly)
 * @param detail what was found (a version, a path, a value)
 * @param fix    what to do about a WARN/FAIL, empty for OK
 */
public record HostCheck(String name, Status status, String detail, String fix) {
    public enum Status { OK, WARN, FAIL }

    public HostCheck {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        detail = detail == null ? "" : detail;
        fix = fix == null ? "" : fix;
    }

    public static HostCheck ok(String name, String detail) {
        return new HostCheck(name, Status.OK, detail, "");
    }

    public static HostCheck warn(String name, String detail, String fix) {
        return new HostCheck(name, Status.WARN, detail, fix);
    }

    public static HostCheck fail(String name, String detail, String fix) {
        return new HostCheck(name, Status.FAIL, detail, fix);
    }
}
