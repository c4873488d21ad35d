package io.wharf.network;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tiny DNS-over-TCP client for tests. */
final class DnsTcp {
    private DnsTcp() {}

    static byte[] query(String name, int type) {
        var out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[]{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            out.write(label.length());
            out.writeBytes(label.getBytes());
        }
        out.write(0);
        out.writeBytes(new byte[]{0, (byte) type, 0, 1});
        return out.toByteArray();
    }

    static void assertResolves(String server, String name, String ip) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(server, 53), 2000);
            s.setSoTimeout(3000);
            byte[] q = query(name, 1);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeShort(q.length);
            out.write(q);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] a = in.readNBytes(in.readUnsignedShort());
            assertEquals(0x12, a[0]);
            assertEquals(1, ((a[6] & 0xff) << 8) | (a[7] & 0xff), "one answer");
            int ipInt = Cidr.parseIp(ip);
            int n = a.length;
            int got = ((a[n - 4] & 0xff) << 24) | ((a[n - 3] & 0xff) << 16) | ((a[n - 2] & 0xff) << 8) | (a[n - 1] & 0xff);
            assertTrue(got == ipInt, "answer " + Cidr.formatIp(got));
        }
    }
}
