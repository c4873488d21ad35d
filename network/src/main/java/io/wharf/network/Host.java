package io.wharf.network;

import io.wharf.common.WharfException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The host-side plumbing around CNI: bridges, fallback routes, sysctls, iptables. All calls are idempotent. */
final class Host {
    private Host() {}

    /** Metric of the unreachable fallback route of every Wharf subnet (far above any real route). */
    static final int FALLBACK_METRIC = 4000;

    private static final Set<String> ROUTE_TYPES = Set.of("unreachable", "blackhole", "prohibit", "throw", "local",
            "broadcast", "anycast", "multicast", "nat");

    /**
     * Adds {@code unreachable <cidr> metric 4000} if absent, so that traffic for a Wharf subnet never leaves by
     * the default route while its bridge is missing (before creation, after a crash, after removal races).
     */
    static void ensureUnreachableRoute(Cidr cidr) {
        Exec.Result r = Exec.run("ip", "route", "add", "unreachable", cidr.toString(), "metric", String.valueOf(FALLBACK_METRIC));
        if (!r.ok() && !r.output().contains("File exists"))
            throw WharfException.internal("cannot add the fallback route for " + cidr + ": " + r.output(), null);
    }

    static void deleteUnreachableRoute(Cidr cidr) {
        Exec.run("ip", "route", "del", "unreachable", cidr.toString(), "metric", String.valueOf(FALLBACK_METRIC));
    }

    static boolean linkExists(String name) {
        return Files.exists(Path.of("/sys/class/net", name));
    }

    /** Creates the bridge with the gateway address and brings it up (one ip(8) run). */
    static void ensureBridge(String name, String gateway, int prefix) {
        // A fixed MAC: otherwise the bridge takes the lowest MAC of its ports and changes it as veths come and go,
        // which breaks CNI CHECK (it compares the cached result's bridge MAC) and upsets neighbours' ARP caches.
        int gw = Cidr.parseIp(gateway);
        String mac = String.format("02:42:%02x:%02x:%02x:%02x", (gw >>> 24) & 255, (gw >>> 16) & 255, (gw >>> 8) & 255, gw & 255);
        String batch = "link add name " + name + " type bridge\n"
                + "link set " + name + " address " + mac + "\n"
                + "addr replace " + gateway + "/" + prefix + " dev " + name + "\n"
                + "link set " + name + " up\n";
        Exec.Result r = Exec.run(List.of("ip", "-force", "-batch", "-"), null, batch.getBytes(StandardCharsets.UTF_8));
        if (!linkExists(name)) throw WharfException.internal("cannot create bridge " + name + ": " + r.output(), null);
        if (!r.ok() && !r.output().contains("File exists"))
            throw WharfException.internal("cannot set up bridge " + name + ": " + r.output(), null);
    }

    static void deleteLink(String name) {
        if (linkExists(name)) Exec.run("ip", "link", "del", name);
    }

    static void enableIpForward() {
        Path p = Path.of("/proc/sys/net/ipv4/ip_forward");
        try {
            if (!Files.readString(p).trim().equals("1")) Files.writeString(p, "1");
        } catch (IOException e) {
            throw WharfException.internal("cannot enable net.ipv4.ip_forward: " + e.getMessage(), e);
        }
    }

    /**
     * IPv4 ranges the host already uses: interface addresses and main-table routes, except the default route and
     * typed routes (unreachable fallbacks such as ours). The subnets of bridges in {@code ignoreDevices} (our
     * own) are left out, so a restart does not consider its own network as taken.
     */
    static List<Cidr> usedRanges(Set<String> ignoreDevices) {
        List<Cidr> out = new ArrayList<>();
        for (String line : Exec.run("ip", "-4", "-o", "route", "show").stdout().split("\n")) {
            String[] t = line.trim().split("\\s+");
            if (t.length == 0 || t[0].isEmpty() || t[0].equals("default") || ROUTE_TYPES.contains(t[0])) continue;
            String dev = null;
            for (int i = 0; i + 1 < t.length; i++) if (t[i].equals("dev")) dev = t[i + 1];
            if (dev != null && ignoreDevices.contains(dev)) continue;
            try {
                out.add(t[0].contains("/") ? Cidr.parse(t[0]) : new Cidr(Cidr.parseIp(t[0]), 32));
            } catch (WharfException ignored) {
                // not an address we understand
            }
        }
        for (String line : Exec.run("ip", "-4", "-o", "addr", "show").stdout().split("\n")) {
            String[] t = line.trim().split("\\s+");
            if (t.length < 4 || ignoreDevices.contains(t[1].replaceFirst("@.*", ""))) continue;
            for (int i = 0; i + 1 < t.length; i++) {
                if (t[i].equals("inet")) {
                    try {
                        out.add(Cidr.parse(t[i + 1]));
                    } catch (WharfException ignored) {
                        // skip
                    }
                }
            }
        }
        return out;
    }

    // ---- iptables ----

    static Exec.Result iptables(String... args) {
        List<String> cmd = new ArrayList<>(List.of("iptables", "-w", "5"));
        cmd.addAll(List.of(args));
        return Exec.run(cmd, null, null);
    }

    static void ensureChain(String table, String chain) {
        iptables("-t", table, "-N", chain); // "Chain already exists" is fine
    }

    /** Appends (or, with {@code insert}, inserts at the top) a rule unless an identical one exists. */
    static void ensureRule(boolean insert, String table, String chain, String... rule) {
        List<String> check = new ArrayList<>(List.of("-t", table, "-C", chain));
        check.addAll(List.of(rule));
        if (iptables(check.toArray(String[]::new)).ok()) return;
        List<String> add = new ArrayList<>(List.of("-t", table, insert ? "-I" : "-A", chain));
        if (insert) add.add("1");
        add.addAll(List.of(rule));
        Exec.Result r = iptables(add.toArray(String[]::new));
        if (!r.ok()) throw WharfException.internal("iptables " + String.join(" ", add) + ": " + r.output(), null);
    }

    /** Deletes every copy of a rule (a half-done run may have added it twice). */
    static void deleteRule(String table, String chain, String... rule) {
        List<String> del = new ArrayList<>(List.of("-t", table, "-D", chain));
        del.addAll(List.of(rule));
        for (int i = 0; i < 5 && iptables(del.toArray(String[]::new)).ok(); i++) {
            // repeat until gone
        }
    }
}
