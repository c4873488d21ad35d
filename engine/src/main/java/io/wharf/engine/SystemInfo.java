package io.wharf.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the host that version/info report: kernel, memory, CPUs, cgroup version, OS name. */
final class SystemInfo {
    private SystemInfo() {}

    static String kernelVersion() {
        return read("/proc/sys/kernel/osrelease", System.getProperty("os.version"));
    }

    static long memTotal() {
        for (String l : read("/proc/meminfo", "").split("\n")) {
            if (l.startsWith("MemTotal:")) {
                String[] p = l.trim().split("\\s+");
                try {
                    return Long.parseLong(p[1]) * 1024;
                } catch (RuntimeException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    static int ncpu() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** "2" when /sys/fs/cgroup is a cgroup2 mount, otherwise "1" (hybrid hosts count as v1, as docker does). */
    static String cgroupVersion() {
        return Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? "2" : "1";
    }

    static String operatingSystem() {
        for (String l : read("/etc/os-release", "").split("\n")) {
            if (l.startsWith("PRETTY_NAME=")) return l.substring(12).replace("\"", "");
        }
        return "Linux";
    }

    static String hostname() {
        return read("/proc/sys/kernel/hostname", "localhost");
    }

    /** Plain read() to EOF: Files.readString sizes its buffer from stat, which is 0 (or 4096) for /proc files. */
    static String read(String path, String dflt) {
        try (java.io.FileInputStream in = new java.io.FileInputStream(path)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return dflt;
        }
    }
}
