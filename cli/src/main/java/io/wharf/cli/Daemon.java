package io.wharf.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Optional;

/** The pid file of the `wharf up` daemon, checked against the process table so a stale file is ignored. */
final class Daemon {
    private Daemon() {}

    static Optional<Long> readPid(Settings s) {
        try {
            return Optional.of(Long.parseLong(Files.readString(s.pidFile(), StandardCharsets.US_ASCII).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The daemon's process, if the pid file names a live `wharf` Java process. */
    static Optional<ProcessHandle> running(Settings s) {
        return readPid(s).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive)
                .filter(ph -> ph.info().commandLine().map(c -> c.contains("io.wharf.cli.Main")).orElse(true));
    }
}
