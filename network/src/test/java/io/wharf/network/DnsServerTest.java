package io.wharf.network;

import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded DNS on loopback: local answers, NODATA for other types, forwarding, SERVFAIL. */
class DnsServerTest {
    static int answers(byte[] r) {
        return ByteBuffer.wrap(r).getShort(6) & 0xffff;
    }

    static int rcode(byte[] r) {
        return r[3] & 0x0f;
    }

    static String lastA(byte[] r) {
        return Cidr.formatIp(ByteBuffer.wrap(r).getInt(r.length - 4));
    }

    static byte[] udp(int port, byte[] q) throws Exception {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(6000);
            s.send(new DatagramPacket(q, q.length, new InetSocketAddress("127.0.0.1", port)));
            byte[] buf = new byte[2048];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            s.receive(p);
            return java.util.Arrays.copyOf(buf, p.getLength());
        }
    }

    @Test
    void answersForwardsAndFails() throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        DnsServer dead = new DnsServer(lo, 0, "dead", List.of());
        dead.start();
        int deadPort = dead.port();
        dead.close();
        try (DnsServer upstream = new DnsServer(lo, 0, "up", List.of())) {
            upstream.start();
            upstream.register("u", List.of("far.example"), "192.0.2.77");
            try (DnsServer dns = new DnsServer(lo, 0, "mynet", List.of(new InetSocketAddress(lo, deadPort), new InetSocketAddress(lo, upstream.port())))) {
                dns.start();
                dns.register("c1", List.of("web", "www"), "10.231.77.2");
                dns.register("c2", List.of("db"), "10.231.77.3");
                byte[] r = udp(dns.port(), DnsTcp.query("WWW", 1));
                assertEquals(1, answers(r));
                assertEquals("10.231.77.2", lastA(r));
                assertEquals("10.231.77.3", lastA(udp(dns.port(), DnsTcp.query("db.mynet", 1))));
                byte[] ptr = udp(dns.port(), DnsTcp.query("3.77.231.10.in-addr.arpa", 12));
                assertEquals(1, answers(ptr));
                assertTrue(new String(ptr, java.nio.charset.StandardCharsets.US_ASCII).contains("\u0002db\u0005mynet\u0000"));
                byte[] aaaa = udp(dns.port(), DnsTcp.query("web", 28));
                assertEquals(0, answers(aaaa));
                assertEquals(0, rcode(aaaa));
                // not ours: relayed (the first upstream is dead, the second answers)
                assertEquals("192.0.2.77", lastA(udp(dns.port(), DnsTcp.query("far.example", 1))));
                dns.unregister("c1");
                // now "web" is forwarded; the upstream forwards nowhere and says SERVFAIL
                assertEquals(2, rcode(udp(dns.port(), DnsTcp.query("web", 1))));
            }
        }
    }
}
