package io.wharf.network;

import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real plugins, real namespaces, real iptables (root only). Names all start with "wnt" (bridges) and subnets are
 * 10.231.77.0/24 (user network) and 10.231.78.0/24 (the default network of this test), so that other engineers'
 * tests on the same host are not disturbed. Everything created is removed in {@link #cleanUp()}, even on failure,
 * and the last test verifies that nothing is left.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetworkManagerTest {
    static final String USER_BRIDGE = "wnt-u1";
    static final String DEFAULT_BRIDGE = "wnt-d0";
    static final String USER_SUBNET = "10.231.77.0/24";
    static final String DEFAULT_SUBNET = "10.231.78.0/24";
    static final String USER_BRIDGE2 = "wnt-u2";
    static final String USER_SUBNET2 = "10.231.79.0/24";

    static Path root;
    static Path netnsDir;
    static Path webRoot;
    static NetworkManager mgr;
    static final String c1 = randomId();
    static final String c2 = randomId();
    static final String c3 = randomId();
    static final List<Process> processes = new ArrayList<>();
    static final List<String> extra = Collections.synchronizedList(new ArrayList<>());
    static int hostPort;

    static String randomId() {
        byte[] b = new byte[32];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    @BeforeAll
    static void setUp() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/lib/cni/bridge")), "needs the CNI plugins in /usr/lib/cni");
        root = Files.createTempDirectory("wharf-nettest");
        netnsDir = Path.of("/run/wharf-nettest-" + ProcessHandle.current().pid());
        webRoot = Files.createTempDirectory("wharf-nettest-www");
        Files.writeString(webRoot.resolve("index.html"), "hello from c1\n");
        mgr = new NetworkManager(NetworkConfig.under(root, netnsDir).withDefaultBridge(DEFAULT_BRIDGE, DEFAULT_SUBNET, null));
        long t0 = System.nanoTime();
        mgr.start();
        System.out.printf("first start %.1f ms%n", (System.nanoTime() - t0) / 1e6);
    }

    @Test
    @Order(1)
    void predefinedNetworks() {
        assertEquals(List.of("bridge", "host", "none"), mgr.list().stream().map(Network::name).toList());
        Network bridge = mgr.get("bridge");
        assertEquals(DEFAULT_SUBNET, bridge.subnet());
        assertEquals("10.231.78.1", bridge.gateway());
        assertTrue(Host.linkExists(DEFAULT_BRIDGE));
        assertTrue(sh("ip", "route", "show", "type", "unreachable").contains(DEFAULT_SUBNET));
        WharfException e = assertThrows(WharfException.class, () -> mgr.remove("bridge"));
        assertEquals(ErrorKind.PERMISSION_DENIED, e.kind());
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(WharfException.class, () -> mgr.get("wnt-nope")).kind());
    }

    @Test
    @Order(2)
    void createUserNetworkAndAttach() throws Exception {
        Network n = mgr.create(new NetworkCreateRequest("wnt-net", null, USER_SUBNET, null, false, Map.of("a", "b"),
                Map.of(NetworkCreateRequest.BRIDGE_NAME_OPTION, USER_BRIDGE)));
        assertTrue(n.id().matches("[0-9a-f]{64}"));
        assertEquals("10.231.77.1", n.gateway());
        assertEquals(n, mgr.get(n.shortId()));
        assertEquals(ErrorKind.ALREADY_EXISTS, assertThrows(WharfException.class,
                () -> mgr.create(NetworkCreateRequest.of("wnt-net"))).kind());
        assertEquals(ErrorKind.CONFLICT, assertThrows(WharfException.class,
                () -> mgr.create(new NetworkCreateRequest("wnt-net2", null, "10.231.77.128/25", null, false, null, null))).kind());
        assertTrue(sh("ip", "route", "show", "type", "unreachable").contains(USER_SUBNET));
        // the host's own range (loopback here, always present) is refused
        assertEquals(ErrorKind.CONFLICT, assertThrows(WharfException.class,
                () -> mgr.create(new NetworkCreateRequest("wnt-net3", null, "127.0.0.0/8", null, false, null, null))).kind());
        assertTrue(sh("iptables-save", "-t", "filter").contains("-A WHARF-INPUT -d 10.231.77.1/32 -i " + USER_BRIDGE + " -p udp"));

        long t0 = System.nanoTime();
        Path p1 = mgr.createSandbox(c1);
        long t1 = System.nanoTime();
        Path p2 = mgr.createSandbox(c2);
        assertEquals(p1, mgr.createSandbox(c1), "idempotent");
        Endpoint e1 = mgr.attach(new AttachRequest(c1, "/web", "wnt-net", p1, List.of("www"),
                List.of(new PortBinding(Protocol.TCP, 80, "", 0)), null));
        long t2 = System.nanoTime();
        Endpoint e2 = mgr.attach(AttachRequest.of(c2, "client", n.id(), p2, List.of()));
        long t3 = System.nanoTime();
        System.out.printf("createSandbox %.1f ms, attach with ports %.1f ms, attach without ports %.1f ms%n",
                (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6);
        assertEquals("eth0", e1.ifName());
        assertTrue(Cidr.parse(USER_SUBNET).contains(e1.ipAddress()), e1.ipAddress());
        assertEquals(24, e1.prefixLen());
        assertEquals("10.231.77.1", e1.gateway());
        assertTrue(e1.macAddress().matches("([0-9a-f]{2}:){5}[0-9a-f]{2}"), e1.macAddress());
        assertEquals(List.of("web", c1.substring(0, 12), "www"), e1.dnsNames());
        hostPort = e1.ports().getFirst().hostPort();
        assertTrue(hostPort >= 32768 && hostPort <= 60999, "ephemeral port " + hostPort);
        assertNotEquals(e1.ipAddress(), e2.ipAddress());
        assertEquals(2, mgr.endpoints("wnt-net").size());
        assertTrue(sh("nsenter", "--net=" + p1, "ip", "-o", "addr", "show", "eth0").contains(e1.ipv4Cidr()));
        assertTrue(sh("nsenter", "--net=" + p1, "ip", "route").contains("default via 10.231.77.1"));
        mgr.check(c1, "wnt-net");
        assertTrue(sh("iptables-save", "-t", "nat").contains("-A WHARF-POSTROUTING -s " + USER_SUBNET + " ! -o " + USER_BRIDGE + " -j MASQUERADE"),
                "outbound masquerade");

        // ping between the two namespaces by IP
        assertEquals(0, run("nsenter", "--net=" + p2, "/bin/busybox", "ping", "-c", "1", "-W", "3", e1.ipAddress()).exit(),
                "ping c2 -> c1");
    }

    @Test
    @Order(3)
    void nameResolutionAndHttpByName() throws Exception {
        Path p1 = mgr.sandboxPath(c1);
        Path p2 = mgr.sandboxPath(c2);
        String ip1 = mgr.endpointsOf(c1).getFirst().ipAddress();
        // the resolver the engine would write into c2
        String resolv = mgr.resolvConf(mgr.endpointsOf(c2), List.of(), List.of(), List.of());
        assertTrue(resolv.startsWith("nameserver 10.231.77.1\n"), resolv);
        assertTrue(resolv.contains("ndots:0"), resolv);
        for (String name : List.of("web", "www", "WEB.wnt-net", c1.substring(0, 12))) {
            Exec.Result r = run("nsenter", "--net=" + p2, "/bin/busybox", "nslookup", name, "10.231.77.1");
            assertTrue(r.stdout().contains(ip1), name + ": " + r.output());
        }
        // busybox httpd in c1, fetched from c2 by the address the name resolves to
        startHttpd(p1);
        String out = waitFor(() -> run("nsenter", "--net=" + p2, "/bin/busybox", "wget", "-q", "-O", "-", "http://" + ip1 + "/"));
        assertEquals("hello from c1\n", out);
        // TCP DNS too (large answers and resolvers with use-vc)
        DnsTcp.assertResolves("10.231.77.1", "web", ip1);
        mgr.rename(c1, "/web2");
        DnsTcp.assertResolves("10.231.77.1", "web2", ip1);
        DnsTcp.assertResolves("10.231.77.1", "www", ip1);
        assertEquals("web2", mgr.endpointsOf(c1).getFirst().containerName());
        mgr.rename(c1, "web");
    }

    @Test
    @Order(4)
    void portMappingFromLoopbackAndHostAddress() throws Exception {
        assertEquals("hello from c1\n", httpGet("127.0.0.1", hostPort));
        String hostIp = hostAddress();
        System.out.println("host address " + hostIp);
        if (hostIp != null) assertEquals("hello from c1\n", httpGet(hostIp, hostPort));
    }

    @Test
    @Order(5)
    void portConflictAndExplicitPorts() throws Exception {
        Path p3 = mgr.createSandbox(c3);
        WharfException e = assertThrows(WharfException.class, () -> mgr.attach(new AttachRequest(c3, "other", "bridge", p3,
                List.of(), List.of(new PortBinding(Protocol.TCP, 80, "", hostPort)), null)));
        assertEquals(ErrorKind.CONFLICT, e.kind());
        assertTrue(e.getMessage().contains("Bind for 0.0.0.0:" + hostPort + " failed: port is already allocated"), e.getMessage());
        // the failed attach left nothing behind: the same container attaches fine without the port
        Endpoint e3 = mgr.attach(new AttachRequest(c3, "other", "bridge", p3, List.of("ignored"),
                List.of(new PortBinding(Protocol.UDP, 53, "127.0.0.1", 0), new PortBinding(Protocol.TCP, 80, "127.0.0.1", 0)), null));
        // -p 127.0.0.1::80 answers on loopback only
        int local = e3.ports().get(1).hostPort();
        startHttpd(p3);
        assertEquals("hello from c1\n", waitFor(() -> {
            try {
                return new Exec.Result(0, httpGet("127.0.0.1", local), "");
            } catch (IOException ex) {
                return new Exec.Result(1, "", ex.toString());
            }
        }));
        String hostIp = hostAddress();
        if (hostIp != null) assertThrows(IOException.class, () -> httpGet(hostIp, local));
        assertTrue(Cidr.parse(DEFAULT_SUBNET).contains(e3.ipAddress()));
        assertEquals(List.of(), e3.dnsNames(), "no names on the default bridge");
        assertEquals(Protocol.UDP, e3.ports().getFirst().protocol());
        // default bridge: resolv.conf is the host's without loopback servers
        String resolv = mgr.resolvConf(List.of(e3), List.of(), List.of(), List.of());
        assertFalse(resolv.contains("nameserver 127."), resolv);
        assertFalse(resolv.contains("10.231."), resolv);
        String hosts = mgr.hosts("c3host", List.of(e3), List.of("db:10.0.0.9"));
        assertTrue(hosts.contains(e3.ipAddress() + "\tc3host\n") && hosts.contains("10.0.0.9\tdb\n"), hosts);
        // the default network is isolated from the user network (docker's isolation chains)
        String ip1 = mgr.endpointsOf(c1).getFirst().ipAddress();
        assertEquals(0, run("nsenter", "--net=" + p3, "/bin/busybox", "ping", "-c", "1", "-W", "3", "10.231.78.1").exit(),
                "c3 reaches its gateway");
        assertNotEquals(0, run("nsenter", "--net=" + p3, "/bin/busybox", "ping", "-c", "1", "-W", "1", ip1).exit(),
                "bridge -> wnt-net must be dropped");
    }

    @Test
    @Order(6)
    void namesAcrossNetworksOfTheAsker() {
        Network n2 = mgr.create(new NetworkCreateRequest("wnt-net2", null, USER_SUBNET2, null, false, null,
                Map.of(NetworkCreateRequest.BRIDGE_NAME_OPTION, USER_BRIDGE2)));
        Endpoint e3 = mgr.attach(new AttachRequest(c3, "other", n2.name(), mgr.sandboxPath(c3), List.of("db"), List.of(), "10.231.79.50"));
        assertEquals("10.231.79.50", e3.ipAddress());
        assertEquals("eth1", e3.ifName(), "second interface of c3");
        Endpoint e2b = mgr.attach(AttachRequest.of(c2, "client", n2.name(), mgr.sandboxPath(c2), List.of()));
        assertEquals("eth1", e2b.ifName());
        assertEquals(ErrorKind.CONFLICT, assertThrows(WharfException.class,
                () -> mgr.attach(AttachRequest.of(c2, "client", n2.name(), mgr.sandboxPath(c2), List.of()))).kind());
        // c2 asks wnt-net's server (its first network) for a name that only wnt-net2 has
        Exec.Result r = run("nsenter", "--net=" + mgr.sandboxPath(c2), "/bin/busybox", "nslookup", "db", "10.231.77.1");
        assertTrue(r.stdout().contains("10.231.79.50"), r.output());
        mgr.detach(c2, "wnt-net2");
        mgr.detach(c3, n2.id());
        assertEquals(ErrorKind.FAILED_PRECONDITION, assertThrows(WharfException.class, () -> mgr.detach(c3, n2.id())).kind());
        mgr.remove("wnt-net2");
        assertFalse(Host.linkExists(USER_BRIDGE2));
    }

    @Test
    @Order(7)
    void internalNetworkAndConcurrentAttaches() throws Exception {
        Network n = mgr.create(new NetworkCreateRequest("wnt-int", null, USER_SUBNET2, null, true, null,
                Map.of(NetworkCreateRequest.BRIDGE_NAME_OPTION, USER_BRIDGE2)));
        List<String> ids = List.of(randomId(), randomId(), randomId());
        extra.addAll(ids);
        List<Thread> threads = new ArrayList<>();
        List<Endpoint> eps = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        for (String id : ids) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    eps.add(mgr.attach(AttachRequest.of(id, null, "wnt-int", mgr.createSandbox(id), List.of())));
                } catch (Throwable t) {
                    errors.add(t);
                }
            }));
        }
        for (Thread t : threads) t.join();
        assertEquals(List.of(), errors);
        assertEquals(3, eps.stream().map(Endpoint::ipAddress).distinct().count(), "distinct addresses");
        Path p = mgr.sandboxPath(ids.getFirst());
        assertFalse(sh("nsenter", "--net=" + p, "ip", "route").contains("default"), "no default route on an internal network");
        assertFalse(sh("iptables-save", "-t", "nat").contains(USER_SUBNET2), "no masquerade for an internal network");
        assertEquals(0, run("nsenter", "--net=" + p, "/bin/busybox", "ping", "-c", "1", "-W", "3", eps.get(1).ipAddress()).exit());
        for (String id : ids) {
            mgr.detachAll(id);
            mgr.removeSandbox(id);
        }
        mgr.remove(n.id());
    }

    @Test
    @Order(8)
    void removeWithActiveEndpointsConflicts() {
        WharfException e = assertThrows(WharfException.class, () -> mgr.remove("wnt-net"));
        assertEquals(ErrorKind.CONFLICT, e.kind());
        assertTrue(e.getMessage().matches("error while removing network: network wnt-net id [0-9a-f]{64} has active endpoints"), e.getMessage());
    }

    @Test
    @Order(9)
    void detachWorksAfterRestart() throws Exception {
        mgr.close();
        // a half-done previous life: c3's namespace vanished behind our back (reboot, crash), and a stray file
        String ip3 = mgr.endpointsOf(c3).getFirst().ipAddress();
        Path lease3 = root.resolve("ipam").resolve("wharf-" + mgr.get("bridge").shortId()).resolve(ip3);
        assertTrue(Files.exists(lease3), "host-local lease of c3");
        assertEquals(0, run("umount", "-l", mgr.sandboxPath(c3).toString()).exit());
        Files.delete(mgr.sandboxPath(c3));
        Files.writeString(netnsDir.resolve("stray"), "");
        mgr = new NetworkManager(NetworkConfig.under(root, netnsDir).withDefaultBridge(DEFAULT_BRIDGE, DEFAULT_SUBNET, null));
        long t0 = System.nanoTime();
        mgr.start();
        System.out.printf("restart %.1f ms%n", (System.nanoTime() - t0) / 1e6);
        assertEquals(2, mgr.endpoints("wnt-net").size());
        assertEquals(List.of(c1, c2).stream().sorted().toList(), mgr.sandboxes());
        assertFalse(Files.exists(netnsDir.resolve("stray")), "stray file removed");
        assertEquals(List.of(), mgr.endpointsOf(c3), "stale endpoint released at start");
        assertFalse(Files.exists(lease3), "its address released");
        // names are served again after the restart
        String ip1 = mgr.endpointsOf(c1).getFirst().ipAddress();
        assertTrue(run("nsenter", "--net=" + mgr.sandboxPath(c2), "/bin/busybox", "nslookup", "web", "10.231.77.1").stdout().contains(ip1));
        // the port is still held after the restart
        Path p3 = mgr.createSandbox(c3);
        assertEquals(ErrorKind.CONFLICT, assertThrows(WharfException.class, () -> mgr.attach(new AttachRequest(c3, "other", "wnt-net",
                p3, List.of(), List.of(new PortBinding(Protocol.TCP, 80, "", hostPort)), null))).kind());
        assertEquals(List.of(), mgr.endpointsOf(c3));
        String iptBefore = sh("iptables-save", "-t", "nat");
        assertTrue(iptBefore.contains(c1), "portmap rules for c1 exist");
        stopProcesses();
        for (String c : List.of(c1, c2, c3)) {
            mgr.detachAll(c);
            mgr.removeSandbox(c);
        }
        assertEquals(0, mgr.endpoints("wnt-net").size());
        assertFalse(sh("iptables-save", "-t", "nat").contains(c1), "portmap rules for c1 removed");
        assertEquals("", sh("ip", "-o", "link", "show", "master", USER_BRIDGE).trim(), "no veth left on the bridge");
        mgr.remove("wnt-net");
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(WharfException.class, () -> mgr.get("wnt-net")).kind());
    }

    @Test
    @Order(10)
    void nothingLeft() throws IOException {
        assertFalse(Host.linkExists(USER_BRIDGE));
        assertFalse(sh("ip", "route").contains("10.231.77."));
        assertFalse(sh("ip", "route").contains("10.231.79."));
        assertFalse(sh("iptables-save").contains(USER_BRIDGE));
        assertFalse(sh("iptables-save").contains(USER_BRIDGE2));
        try (var s = Files.list(netnsDir)) {
            assertEquals(List.of(), s.toList());
        }
        // host-local's leases of the removed network are gone with it
        try (var s = Files.list(root.resolve("ipam"))) {
            assertTrue(s.allMatch(p -> p.getFileName().toString().equals("wharf-" + mgr.get("bridge").shortId())));
        }
    }

    @AfterAll
    static void cleanUp() {
        if (root == null) return;
        stopProcesses();
        if (mgr != null) {
            List<String> all = new ArrayList<>(List.of(c1, c2, c3));
            all.addAll(extra);
            for (String c : all) {
                try {
                    mgr.detachAll(c);
                } catch (RuntimeException ignored) {
                }
                try {
                    mgr.removeSandbox(c);
                } catch (RuntimeException ignored) {
                }
            }
            for (Network n : mgr.list()) {
                if (n.userDefined()) {
                    try {
                        mgr.remove(n.id());
                    } catch (RuntimeException ignored) {
                    }
                }
            }
            mgr.close();
        }
        // Last resort for a half-done run: the test's own bridges, routes, rules and namespace mounts.
        for (String c : List.of(c1, c2, c3)) run("umount", "-l", netnsDir.resolve(c).toString());
        for (String c : List.copyOf(extra)) run("umount", "-l", netnsDir.resolve(c).toString());
        run("rm", "-rf", netnsDir.toString());
        for (String b : List.of(USER_BRIDGE, USER_BRIDGE2, DEFAULT_BRIDGE)) run("ip", "link", "del", b);
        for (String s : List.of(USER_SUBNET, USER_SUBNET2, DEFAULT_SUBNET)) run("ip", "route", "del", "unreachable", s, "metric", "4000");
        for (String table : List.of("filter", "nat")) {
            for (String line : sh("iptables-save", "-t", table).split("\n")) {
                if (line.startsWith("-A ") && (line.contains(USER_BRIDGE) || line.contains(USER_BRIDGE2) || line.contains(DEFAULT_BRIDGE) || line.contains("10.231.79.")
                        || line.contains("10.231.77.") || line.contains("10.231.78.") || line.contains(c1) || line.contains(c2) || line.contains(c3))) {
                    List<String> cmd = new ArrayList<>(List.of("sh", "-c", "iptables -w 5 -t " + table + " -D " + line.substring(3)));
                    run(cmd.toArray(String[]::new));
                }
            }
        }
        run("rm", "-rf", root.toString(), webRoot.toString());
        assertFalse(sh("iptables-save").contains(DEFAULT_BRIDGE), "rules of the test's default bridge left");
        assertFalse(sh("ip", "route").contains("10.231.78."), "routes of the test's default network left");
    }

    // ---- helpers ----

    static void startHttpd(Path netns) throws IOException {
        Process p = new ProcessBuilder("nsenter", "--net=" + netns, "/bin/busybox", "httpd", "-f", "-p", "80", "-h", webRoot.toString())
                .redirectErrorStream(true).start();
        processes.add(p);
    }

    static void stopProcesses() {
        for (Process p : processes) {
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
    }

    interface Attempt {
        Exec.Result run();
    }

    static String waitFor(Attempt a) throws InterruptedException {
        Exec.Result r = null;
        for (int i = 0; i < 30; i++) {
            r = a.run();
            if (r.ok()) return r.stdout();
            Thread.sleep(100);
        }
        throw new AssertionError("never succeeded: " + r.output());
    }

    static String httpGet(String host, int port) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://" + host + ":" + port + "/").toURL().openConnection();
        c.setConnectTimeout(3000);
        c.setReadTimeout(3000);
        try (var in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }

    /** The host's own source address towards the default route (a route lookup only; nothing is sent), or null. */
    static String hostAddress() {
        String[] t = sh("ip", "-4", "-o", "route", "get", "1.1.1.1").trim().split("\\s+");
        for (int i = 0; i + 1 < t.length; i++) if (t[i].equals("src")) return t[i + 1];
        return null;
    }

    static Exec.Result run(String... cmd) {
        return Exec.run(cmd);
    }

    static String sh(String... cmd) {
        return Exec.run(cmd).stdout();
    }
}
