package io.wharf.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** Stops the daemon `wharf up` started: SIGTERM, then wait. Containers keep running under conmon. */
@Command(name = "down", mixinStandardHelpOptions = true, description = "Stop the Wharf daemon started by `wharf up` (containers keep running).")
final class DownCommand implements Callable<Integer> {
    @Mixin
    Settings settings;

    @Option(names = "--timeout", description = "Seconds to wait before SIGKILL (default: ${DEFAULT-VALUE}).", defaultValue = "30")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        Optional<ProcessHandle> p = Daemon.running(settings);
        if (p.isEmpty()) {
            System.out.println("wharf is not running");
            return 0;
        }
        ProcessHandle ph = p.get();
        ph.destroy();
        try {
            ph.onExit().get(timeoutSeconds, TimeUnit.SECONDS);
            System.out.println("wharf stopped (pid " + ph.pid() + ")");
            return 0;
        } catch (java.util.concurrent.TimeoutException e) {
            ph.destroyForcibly();
            System.err.println("wharf did not stop within " + timeoutSeconds + " s; killed pid " + ph.pid());
            return 1;
        }
    }
}
