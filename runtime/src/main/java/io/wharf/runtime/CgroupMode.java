package io.wharf.runtime;

/**
 * The host's cgroup layout. HYBRID: v1 controller hierarchies plus a v2 mount at /sys/fs/cgroup/unified
 * (systemd's hybrid mode); containers then use v1 (crun requires that the v2 part owns no controller).
 */
public enum CgroupMode {
    V1, V2, HYBRID;

    /** True when container limits go through v2 files (cgroup.procs, memory.max...). */
    public boolean unified() {
        return this == V2;
    }

    /** Docker's `docker info` CgroupVersion: "1" or "2". */
    public String dockerVersion() {
        return this == V2 ? "2" : "1";
    }
}
