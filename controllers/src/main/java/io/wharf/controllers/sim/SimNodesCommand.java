package io.wharf.controllers.sim;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.wharf.controllers.ControllerManager;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code wharf sim-nodes --count N [--prefix NAME] [--kubeconfig PATH] [--cpu 4] [--memory 16Gi] [--pods 110]
 * [--ready-delay-ms 0] [--complete-after-ms 2000] [--delete-on-exit]}: runs a {@link NodeSimulator} until interrupted
 * (Ctrl-C / SIGTERM). Several may run at once with different prefixes. The kubeconfig defaults to $KUBECONFIG, then
 * /etc/wharf/admin.conf. For the CLI: {@code return SimNodesCommand.run(args, System.out, System.err);}
 */
public final class SimNodesCommand {
    private SimNodesCommand() {}

    public record Args(int count, String prefix, Path kubeconfig, NodeSimulator.Options options, boolean deleteOnExit) {}

    public static final String USAGE = "usage: wharf sim-nodes --count N [--prefix NAME] [--kubeconfig PATH] [--cpu 4] [--memory 16Gi] [--pods 110] "
            + "[--ready-delay-ms 0] [--complete-after-ms 2000] [--delete-on-exit]";

    public static Args parse(List<String> args) {
        int count = -1;
        String prefix = "wharf-sim";
        String env = System.getenv("KUBECONFIG");
        Path kubeconfig = env != null && !env.isEmpty() ? Path.of(env.split(":")[0]) : Path.of("/etc/wharf/admin.conf");
        NodeSimulator.Options o = NodeSimulator.Options.defaults();
        String cpu = o.cpu(), mem = o.memory();
        int pods = o.pods();
        boolean delete = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String v = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                v = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            if (a.equals("--delete-on-exit")) {
                delete = true;
                continue;
            }
            if (v == null) {
                if (i + 1 >= args.size()) throw new IllegalArgumentException(a + " needs a value\n" + USAGE);
                v = args.get(++i);
            }
            switch (a) {
                case "--count", "-n" -> count = Integer.parseInt(v);
                case "--prefix" -> prefix = v;
                case "--kubeconfig" -> kubeconfig = Path.of(v);
                case "--cpu" -> cpu = v;
                case "--memory" -> mem = v;
                case "--pods" -> pods = Integer.parseInt(v);
                case "--ready-delay-ms" -> o = o.withReadyDelay(Duration.ofMillis(Long.parseLong(v)));
                case "--complete-after-ms" -> o = o.withCompleteAfter(Duration.ofMillis(Long.parseLong(v)));
                default -> throw new IllegalArgumentException("unknown flag " + a + "\n" + USAGE);
            }
        }
        if (count < 0) throw new IllegalArgumentException("--count is required\n" + USAGE);
        return new Args(count, prefix, kubeconfig, o.withCapacity(cpu, mem, pods), delete);
    }

    /** Runs until the thread is interrupted or the JVM shuts down; returns the exit code. */
    public static int run(List<String> argv, PrintStream out, PrintStream err) {
        Args a;
        try {
            a = parse(argv);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        if (!Files.isReadable(a.kubeconfig())) {
            err.println("cannot read kubeconfig " + a.kubeconfig());
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        try (KubernetesClient client = ControllerManager.client(a.kubeconfig());
             NodeSimulator sim = new NodeSimulator(client, a.prefix(), a.count(), a.options(), Clock.systemUTC())) {
            sim.start();
            out.println("simulating " + a.count() + " node(s) " + a.prefix() + "-0.." + a.prefix() + "-" + (a.count() - 1) + " (SIMULATED: no containers run); Ctrl-C to stop");
            Thread hook = new Thread(stop::countDown);
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (a.deleteOnExit()) sim.deleteNodes();
            return 0;
        } catch (Exception e) {
            // fabric8 wraps the cause in "An error has occurred.": print the chain down to what went wrong
            StringBuilder msg = new StringBuilder("sim-nodes: " + e.getMessage());
            for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) msg.append(": ").append(c.getMessage());
            err.println(msg);
            return 1;
        }
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }
}
