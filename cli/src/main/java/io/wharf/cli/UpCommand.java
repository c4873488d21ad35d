package io.wharf.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** Starts `wharf all` as a daemon (own session, log file, pid file) and waits until it is ready. */
@Command(name = "up", mixinStandardHelpOptions = true, description = "Start Wharf in the background and print how to use it.")
final class UpCommand implements Callable<Integer> {
    @Mixin
    Settings settings;

    @Option(names = "--timeout", description = "Seconds to wait for readiness (default: ${DEFAULT-VALUE}).", defaultValue = "120")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        Optional<ProcessHandle> running = Daemon.running(settings);
        if (running.isPresent()) {
            System.out.println("wharf is already running (pid " + running.get().pid() + ")");
            printUsage();
            return 0;
        }
        Files.createDirectories(settings.logDir);
        Files.createDirectories(settings.runDir);
        Files.deleteIfExists(settings.readyFile());
        String home = System.getProperty("wharf.home", Path.of("").toAbsolutePath().toString());
        List<String> cmd = new ArrayList<>(List.of("setsid", Path.of(home, "bin", "wharf").toString(), "all",
                "--root", settings.root.toString(), "--run-dir", settings.runDir.toString(),
                "--config-dir", settings.configDir.toString(), "--log-dir", settings.logDir.toString()));
        Process p = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(settings.logFile().toFile()))
                .redirectErrorStream(true)
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(settings.readyFile())) {
                System.out.println("wharf is up (pid " + Daemon.readPid(settings).orElse(p.pid()) + "), log: " + settings.logFile());
                printUsage();
                return 0;
            }
            if (!p.isAlive()) {
                System.err.println("wharf failed to start (exit " + p.exitValue() + "); last log lines from " + settings.logFile() + ":");
                tail(settings.logFile(), 30).forEach(System.err::println);
                return 1;
            }
            Thread.sleep(100);
        }
        System.err.println("wharf did not become ready within " + timeoutSeconds + " s; see " + settings.logFile());
        return 1;
    }

    private void printUsage() throws IOException {
        if (Files.exists(settings.readyFile())) {
            System.out.print(Files.readString(settings.readyFile(), StandardCharsets.UTF_8));
        }
    }

    static List<String> tail(Path file, int n) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return lines.subList(Math.max(0, lines.size() - n), lines.size());
        } catch (IOException e) {
            return List.of("(cannot read " + file + ": " + e.getMessage() + ")");
        }
    }
}
