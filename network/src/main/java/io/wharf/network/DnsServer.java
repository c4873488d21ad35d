package io.wharf.network;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The embedded DNS of one user-defined network (docker's 127.0.0.11 resolver, placed differently): it listens on
 * the network's gateway address, port 53, UDP and TCP, in the host's namespace, so one server per network serves
 * every container on it without entering their namespaces. It answers A queries for the names registered on the
 * network (container name, short ID, aliases; also {@code name.<network>}), answers other types for those names
 * with an empty NOERROR (so resolvers do not fall back to upstream for AAAA), PTR for their addresses
 * ({@code name.<network>}), and relays everything else verbatim
 * to the host's resolvers (RFC 1035 §4.2: TCP messages carry a two-byte length prefix).
 */
final class DnsServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DnsServer.class.getName());
    private static final int TTL = 600;

    private final InetAddress bind;
    private final int port;
    private final String networkName;
    private final List<InetSocketAddress> upstreams;
    /** containerId -> (names, ip) */
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private volatile DatagramSocket udp;
    private volatile ServerSocket tcp;
    private volatile boolean closed;

    record Entry(List<String> names, String ip) {}

    /**
     * Names of the asking container's other networks (docker resolves a name on every network the asker shares
     * with the target, whichever server it asks). Given the asker's address; returns addresses or an empty list.
     */
    interface PeerLookup {
        List<String> lookup(String name, InetAddress asker);
    }

    private volatile PeerLookup peers = (n, a) -> List.of();

    void peers(PeerLookup lookup) {
        this.peers = lookup;
    }

    DnsServer(InetAddress bind, int port, String networkName, List<InetSocketAddress> upstreams) {
        this.bind = bind;
        this.port = port;
        this.networkName = networkName.toLowerCase(Locale.ROOT);
        this.upstreams = List.copyOf(upstreams);
    }

    void start() throws IOException {
        DatagramSocket u = new DatagramSocket(null);
        u.setReuseAddress(true);
        u.bind(new InetSocketAddress(bind, port));
        ServerSocket t = new ServerSocket();
        t.setReuseAddress(true);
        try {
            // the same port as UDP even when asked for an ephemeral one (tests)
            t.bind(new InetSocketAddress(bind, u.getLocalPort()), 64);
        } catch (IOException e) {
            u.close();
            throw e;
        }
        udp = u;
        tcp = t;
        Thread.ofVirtual().name("dns-udp-" + bind.getHostAddress()).start(this::serveUdp);
        Thread.ofVirtual().name("dns-tcp-" + bind.getHostAddress()).start(this::serveTcp);
    }

    int port() {
        return udp.getLocalPort();
    }

    void register(String containerId, List<String> names, String ip) {
        entries.put(containerId, new Entry(names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList(), ip));
    }

    void unregister(String containerId) {
        entries.remove(containerId);
    }

    /** Addresses for a name, or an empty list if it is not ours. */
    List<String> lookup(String qname) {
        String n = normalise(qname);
        List<String> ips = new ArrayList<>();
        for (Entry e : entries.values()) if (e.names().contains(n)) ips.add(e.ip());
        return ips;
    }

    /** Lower case, no trailing dot, no ".<network>" suffix. */
    String normalise(String qname) {
        String n = qname.toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) n = n.substring(0, n.length() - 1);
        String suffix = "." + networkName;
        if (n.endsWith(suffix)) n = n.substring(0, n.length() - suffix.length());
        return n;
    }

    private void serveUdp() {
        byte[] buf = new byte[4096];
        while (!closed) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(p);
            } catch (IOException e) {
                if (!closed) LOG.log(System.Logger.Level.WARNING, "dns udp receive: " + e);
                continue;
            }
            byte[] query = Arrays.copyOf(p.getData(), p.getLength());
            InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
            Thread.ofVirtual().start(() -> {
                byte[] answer = answer(query, false, from.getAddress());
                if (answer == null) return;
                try {
                    udp.send(new DatagramPacket(answer, answer.length, from));
                } catch (IOException e) {
                    if (!closed) LOG.log(System.Logger.Level.DEBUG, "dns udp send: " + e);
                }
            });
        }
    }

    private void serveTcp() {
        while (!closed) {
            Socket s;
            try {
                s = tcp.accept();
            } catch (IOException e) {
                if (!closed) LOG.log(System.Logger.Level.WARNING, "dns tcp accept: " + e);
                continue;
            }
            Thread.ofVirtual().start(() -> {
                try (s) {
                    s.setSoTimeout(10_000);
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    DataOutputStream out = new DataOutputStream(s.getOutputStream());
                    while (true) {
                        int len = in.readUnsignedShort();
                        byte[] q = in.readNBytes(len);
                        if (q.length < len) return;
                        byte[] a = answer(q, true, s.getInetAddress());
                        if (a == null) return;
                        out.writeShort(a.length);
                        out.write(a);
                        out.flush();
                    }
                } catch (IOException ignored) {
                    // client closed or timed out
                }
            });
        }
    }

    /** The reply to one query message, or null to drop it. */
    byte[] answer(byte[] q, boolean tcpTransport) {
        return answer(q, tcpTransport, null);
    }

    byte[] answer(byte[] q, boolean tcpTransport, InetAddress asker) {
        if (q.length < 12) return null;
        ByteBuffer b = ByteBuffer.wrap(q);
        int flags = b.getShort(2) & 0xffff;
        if ((flags & 0x8000) != 0) return null; // a response, not a query
        int opcode = (flags >> 11) & 0xf;
        int qd = b.getShort(4) & 0xffff;
        if (opcode != 0 || qd != 1) return forward(q, tcpTransport);
        int pos = 12;
        StringBuilder name = new StringBuilder();
        while (true) {
            if (pos >= q.length) return null;
            int len = q[pos] & 0xff;
            pos++;
            if (len == 0) break;
            if ((len & 0xc0) != 0 || pos + len > q.length) return null;
            if (!name.isEmpty()) name.append('.');
            name.append(new String(q, pos, len, java.nio.charset.StandardCharsets.US_ASCII));
            pos += len;
        }
        if (pos + 4 > q.length) return null;
        int qtype = b.getShort(pos) & 0xffff;
        int qclass = b.getShort(pos + 2) & 0xffff;
        int qend = pos + 4;
        if (qtype == 12 && qclass == 1) {
            String target = reverse(name.toString());
            if (target != null) {
                ByteBuffer r = ByteBuffer.allocate(qend + 12 + target.length() + 2);
                r.putShort(b.getShort(0));
                r.putShort((short) (0x8000 | 0x0400 | (flags & 0x0100) | 0x0080));
                r.putShort((short) 1).putShort((short) 1).putShort((short) 0).putShort((short) 0);
                r.put(q, 12, qend - 12);
                byte[] rdata = encodeName(target);
                r.putShort((short) 0xc00c).putShort((short) 12).putShort((short) 1).putInt(TTL).putShort((short) rdata.length);
                r.put(rdata);
                return Arrays.copyOf(r.array(), r.position());
            }
        }
        List<String> ips = lookup(name.toString());
        if (ips.isEmpty() && asker != null) ips = peers.lookup(name.toString(), asker);
        if (ips.isEmpty() || qclass != 1) return forward(q, tcpTransport);
        boolean a = qtype == 1 || qtype == 255;
        int count = a ? ips.size() : 0;
        ByteBuffer r = ByteBuffer.allocate(qend + count * 16);
        r.putShort(b.getShort(0));
        // QR, AA, copy RD, RA; RCODE 0
        r.putShort((short) (0x8000 | 0x0400 | (flags & 0x0100) | 0x0080));
        r.putShort((short) 1).putShort((short) count).putShort((short) 0).putShort((short) 0);
        r.put(q, 12, qend - 12);
        if (a) {
            for (String ip : ips) {
                r.putShort((short) 0xc00c).putShort((short) 1).putShort((short) 1).putInt(TTL).putShort((short) 4);
                r.putInt(Cidr.parseIp(ip));
            }
        }
        return Arrays.copyOf(r.array(), r.position());
    }

    /** For {@code d.c.b.a.in-addr.arpa} of a registered address: {@code <name>.<network>}, as docker answers. */
    String reverse(String qname) {
        String n = qname.toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) n = n.substring(0, n.length() - 1);
        if (!n.endsWith(".in-addr.arpa")) return null;
        String[] o = n.substring(0, n.length() - ".in-addr.arpa".length()).split("\\.");
        if (o.length != 4) return null;
        String ip = o[3] + "." + o[2] + "." + o[1] + "." + o[0];
        for (Entry e : entries.values()) {
            if (e.ip().equals(ip) && !e.names().isEmpty()) return e.names().getFirst() + "." + networkName;
        }
        return null;
    }

    private static byte[] encodeName(String name) {
        var out = new java.io.ByteArrayOutputStream();
        for (String label : name.split("\\.")) {
            byte[] l = label.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            out.write(Math.min(l.length, 63));
            out.write(l, 0, Math.min(l.length, 63));
        }
        out.write(0);
        return out.toByteArray();
    }

    /** Relays a query to the host's resolvers; SERVFAIL if none answers. */
    private byte[] forward(byte[] q, boolean tcpTransport) {
        for (InetSocketAddress up : upstreams) {
            try {
                if (tcpTransport) {
                    try (Socket s = new Socket()) {
                        s.connect(up, 2000);
                        s.setSoTimeout(4000);
                        DataOutputStream out = new DataOutputStream(s.getOutputStream());
                        out.writeShort(q.length);
                        out.write(q);
                        out.flush();
                        DataInputStream in = new DataInputStream(s.getInputStream());
                        int len = in.readUnsignedShort();
                        return in.readNBytes(len);
                    }
                }
                try (DatagramSocket s = new DatagramSocket()) {
                    s.setSoTimeout(2000);
                    // connected, so an ICMP port-unreachable from a dead resolver fails fast instead of timing out
                    s.connect(up);
                    s.send(new DatagramPacket(q, q.length, up));
                    byte[] buf = new byte[65535];
                    while (true) {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        s.receive(p);
                        // accept only the reply to this query ID
                        if (p.getLength() >= 2 && buf[0] == q[0] && buf[1] == q[1]) return Arrays.copyOf(buf, p.getLength());
                    }
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "dns upstream " + up + ": " + e);
            }
        }
        byte[] r = Arrays.copyOf(q, q.length);
        r[2] = (byte) (0x80 | (q[2] & 0x01));
        r[3] = (byte) (0x80 | 2); // RA, SERVFAIL
        return r;
    }

    @Override
    public void close() {
        closed = true;
        DatagramSocket u = udp;
        ServerSocket t = tcp;
        if (u != null) u.close();
        if (t != null) {
            try {
                t.close();
            } catch (IOException | RuntimeException ignored) {
                // closing
            }
        }
    }
}
