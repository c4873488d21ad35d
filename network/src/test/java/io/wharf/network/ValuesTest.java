package io.wharf.network;

import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The value types and the container files, without root. */
class ValuesTest {
    @Test
    void cidr() {
        Cidr c = Cidr.parse("172.17.3.4/16");
        assertEquals("172.17.0.0/16", c.toString());
        assertEquals("172.17.0.1", c.host(1));
        assertTrue(c.contains("172.17.255.254"));
        assertFalse(c.contains("172.18.0.1"));
        assertTrue(c.overlaps(Cidr.parse("172.17.5.0/24")));
        assertTrue(Cidr.parse("172.16.0.0/12").overlaps(c));
        assertFalse(c.overlaps(Cidr.parse("172.18.0.0/16")));
        assertEquals("0.0.0.0/0", Cidr.parse("1.2.3.4/0").toString());
        for (String bad : List.of("1.2.3/8", "1.2.3.256/8", "1.2.3.4/33", "x", "1.2.3.4")) {
            assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(WharfException.class, () -> Cidr.parse(bad)).kind(), bad);
        }
    }

    @Test
    void defaultSubnetSkipsTakenRanges() {
        List<Cidr> candidates = List.of(Cidr.parse("172.17.0.0/16"), Cidr.parse("172.18.0.0/16"), Cidr.parse("172.19.0.0/16"));
        assertEquals(Cidr.parse("172.17.0.0/16"), NetworkManager.firstFree(candidates, List.of(Cidr.parse("192.0.2.0/24"))));
        // a real docker0 on 172.17.0.1/16, and a host route inside 172.18
        assertEquals(Cidr.parse("172.19.0.0/16"), NetworkManager.firstFree(candidates,
                List.of(Cidr.parse("172.17.0.1/16"), Cidr.parse("172.18.5.0/24"))));
        assertEquals(null, NetworkManager.firstFree(candidates, List.of(Cidr.parse("172.16.0.0/12"))));
    }

    @Test
    void portBindings() {
        assertEquals(List.of(new PortBinding(Protocol.TCP, 80, "", 8080)), PortBinding.parse("8080:80"));
        assertEquals(List.of(new PortBinding(Protocol.UDP, 53, "127.0.0.1", 5353)), PortBinding.parse("127.0.0.1:5353:53/udp"));
        assertEquals(List.of(new PortBinding(Protocol.TCP, 80, "", 0)), PortBinding.parse("80"));
        assertEquals(new PortBinding(Protocol.TCP, 80, "", 0), PortBinding.of("80/tcp", "0.0.0.0", ""));
        assertEquals("0.0.0.0", PortBinding.of("80", null, "1").hostIpOrAny());
        assertEquals("443/tcp", PortBinding.of("443", "", "8443").key());
        assertThrows(WharfException.class, () -> PortBinding.parse("a:b:c:d"));
        assertThrows(WharfException.class, () -> PortBinding.parse("8080:0"));
        assertThrows(WharfException.class, () -> PortBinding.parse("80/icmp"));
    }

    @Test
    void networkModes() {
        assertEquals(new NetworkMode.Bridge("bridge"), NetworkMode.parse(""));
        assertEquals(new NetworkMode.Bridge("bridge"), NetworkMode.parse("default"));
        assertEquals(new NetworkMode.Bridge("mynet"), NetworkMode.parse("mynet"));
        assertEquals(new NetworkMode.Host(), NetworkMode.parse("host"));
        assertEquals(new NetworkMode.None(), NetworkMode.parse("none"));
        assertEquals(new NetworkMode.Container("web"), NetworkMode.parse("container:web"));
        assertThrows(WharfException.class, () -> NetworkMode.parse("container:"));
    }

    @Test
    void createRequestChecks() {
        assertThrows(WharfException.class, () -> new NetworkCreateRequest("bad name", null, null, null, false, null, null));
        assertThrows(WharfException.class, () -> new NetworkCreateRequest("n", null, "10.0.0.0/24", "10.0.1.1", false, null, null));
        assertThrows(WharfException.class, () -> new NetworkCreateRequest("n", "overlay", null, null, false, null, null));
        assertEquals("bridge", NetworkCreateRequest.of("n").driver());
    }

    @Test
    void resolvConfAndHosts(@TempDir Path dir) throws Exception {
        Path resolv = dir.resolve("resolv.conf");
        Files.writeString(resolv, "# generated\nnameserver 127.0.0.53\nnameserver fd00::1\nnameserver 10.9.9.9\nsearch example.com corp\noptions edns0\n");
        NetworkManager m = new NetworkManager(new NetworkConfig(dir.resolve("root"), dir.resolve("netns"), null, null, null, null,
                resolv, null, true, false));
        assertEquals("nameserver 10.9.9.9\nsearch example.com corp\noptions edns0\n", m.resolvConf(List.of(), List.of(), List.of(), List.of()));
        assertEquals("nameserver 1.1.1.1\nsearch a\noptions ndots:2\n",
                m.resolvConf(List.of(), List.of("1.1.1.1"), List.of("a"), List.of("ndots:2")));
        Files.writeString(resolv, "nameserver 127.0.0.53\n");
        assertEquals("nameserver 8.8.8.8\nnameserver 8.8.4.4\n", m.resolvConf(null, null, null, null));
        String hosts = m.hosts("h1", List.of(), List.of("db:10.1.1.1"));
        assertTrue(hosts.startsWith("127.0.0.1\tlocalhost\n"), hosts);
        assertTrue(hosts.contains("10.1.1.1\tdb\n"));
        assertThrows(WharfException.class, () -> m.hosts("h", List.of(), List.of("nocolon")));
    }
}
