package io.wharf.cli;

import io.wharf.runtime.HostCheck;
import io.wharf.runtime.HostSetup;
import io.wharf.runtime.RuntimeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * `wharf doctor`: the runtime's host checks (kernel features, cgroups, crun/conmon, rlimits, disk) plus what the
 * network part drives (CNI plugins, iptables). Exit 1 when any check fails; each finding says how to fix it.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true, description = "Check the host: kernel features, cgroups, binaries, disk; say what to fix.")
final class DoctorCommand implements Callable<Integer> {
    static final Path CNI_DIR = Path.of("/usr/lib/cni");

    @Mixin
    Settings settings;

    @Override
    public Integer call() {
        List<HostCheck> checks = new ArrayList<>();
        checks.add(HostCheck.ok("kernel", System.getProperty("os.version")));
        checks.add(HostCheck.ok("java", Runtime.version().toString()));
        checks.addAll(HostSetup.checks(RuntimeConfig.of("crun", settings.runDir.resolve("runtime"), settings.root.resolve("containers"), "/wharf")));
        for (String plugin : List.of("bridge", "host-local", "portmap", "loopback", "firewall")) {
            Path p = CNI_DIR.resolve(plugin);
            checks.add(Files.isExecutable(p) ? HostCheck.ok("cni." + plugin, p.toString())
                    : HostCheck.fail("cni." + plugin, p + " not found", "apt-get install -y containernetworking-plugins"));
        }
        checks.add(which("iptables").map(p -> HostCheck.ok("iptables", p.toString()))
                .orElse(HostCheck.fail("iptables", "not found", "apt-get install -y iptables")));
        checks.add(which("ip").map(p -> HostCheck.ok("iproute2", p.toString()))
                .orElse(HostCheck.fail("iproute2", "ip not found", "apt-get install -y iproute2")));
        String fwd = read(Path.of("/proc/sys/net/ipv4/ip_forward"));
        checks.add("1".equals(fwd) ? HostCheck.ok("ip_forward", "1")
                : HostCheck.warn("ip_forward", String.valueOf(fwd), "wharf enables it at start; or: sysctl -w net.ipv4.ip_forward=1"));

        int fails = 0;
        for (HostCheck c : checks) {
            System.out.printf("%-4s %-18s %s%n", c.status(), c.name(), c.detail());
            if (!c.fix().isEmpty()) System.out.printf("     %-18s fix: %s%n", "", c.fix());
            if (c.status() == HostCheck.Status.FAIL) fails++;
        }
        System.out.println(fails == 0 ? "no problems found" : fails + " problem(s) found");
        return fails == 0 ? 0 : 1;
    }

    private static java.util.Optional<Path> which(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return java.util.Optional.of(p);
        }
        for (String dir : List.of("/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return java.util.Optional.of(p);
        }
        return java.util.Optional.empty();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (Exception e) {
            return null;
        }
    }
}
