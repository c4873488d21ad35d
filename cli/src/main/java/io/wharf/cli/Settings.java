package io.wharf.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The directories every part shares (design §6). A mixin so each subcommand takes the same flags. */
public final class Settings {
    @Option(names = "--root", description = "State directory (default: ${DEFAULT-VALUE}).", defaultValue = "/var/lib/wharf")
    Path root;

    @Option(names = "--run-dir", description = "Runtime directory for sockets and pid files (default: ${DEFAULT-VALUE}).", defaultValue = "/run/wharf")
    Path runDir;

    @Option(names = "--config-dir", description = "Configuration directory (default: ${DEFAULT-VALUE}).", defaultValue = "/etc/wharf")
    Path configDir;

    @Option(names = "--log-dir", description = "Where `wharf up` writes its log (default: ${DEFAULT-VALUE}).", defaultValue = "/var/log/wharf")
    Path logDir;

    Path pidFile() {
        return runDir.resolve("wharf.pid");
    }

    Path readyFile() {
        return runDir.resolve("wharf.ready");
    }

    Path logFile() {
        return logDir.resolve("wharf.log");
    }
}
