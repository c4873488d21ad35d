package io.wharf.network;

import io.wharf.common.WharfException;

/**
 * An IPv4 network in CIDR notation, always normalised to its network address ({@code 10.231.1.0/24}).
 * Wharf's bridge networks are IPv4 only for now, as docker's are by default.
 */
public record Cidr(int network, int prefix) implements Comparable<Cidr> {
    public Cidr {
        if (prefix < 0 || prefix > 32) throw WharfException.invalid("invalid prefix length %d", prefix);
        network = network & mask(prefix);
    }

    /** Parses {@code a.b.c.d/n}; host bits are cleared (docker rejects them; we are lenient). */
    public static Cidr parse(String text) {
        if (text == null) throw WharfException.invalid("missing subnet");
        int slash = text.indexOf('/');
        if (slash < 0) throw WharfException.invalid("invalid CIDR address: %s", text);
        int p;
        try {
            p = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw WharfException.invalid("invalid CIDR address: %s", text);
        }
        return new Cidr(parseIp(text.substring(0, slash)), p);
    }

    /** Parses a dotted-quad IPv4 address into an int (big-endian). */
    public static int parseIp(String text) {
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4) throw WharfException.invalid("invalid IPv4 address: %s", text);
        int v = 0;
        for (String part : parts) {
            int b;
            try {
                b = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                throw WharfException.invalid("invalid IPv4 address: %s", text);
            }
            if (b < 0 || b > 255 || part.isEmpty() || part.length() > 3) throw WharfException.invalid("invalid IPv4 address: %s", text);
            v = (v << 8) | b;
        }
        return v;
    }

    public static String formatIp(int ip) {
        return ((ip >>> 24) & 255) + "." + ((ip >>> 16) & 255) + "." + ((ip >>> 8) & 255) + "." + (ip & 255);
    }

    static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    public int mask() {
        return mask(prefix);
    }

    public boolean contains(int ip) {
        return (ip & mask()) == network;
    }

    public boolean contains(String ip) {
        return contains(parseIp(ip));
    }

    public boolean overlaps(Cidr other) {
        int p = Math.min(prefix, other.prefix);
        return (network & mask(p)) == (other.network & mask(p));
    }

    /** The n-th address of the network (1 = the first host, docker's default gateway). */
    public String host(int n) {
        return formatIp(network + n);
    }

    /** The network address, e.g. {@code 172.17.0.0}. */
    public String address() {
        return formatIp(network);
    }

    @Override
    public String toString() {
        return address() + "/" + prefix;
    }

    @Override
    public int compareTo(Cidr o) {
        int c = Integer.compareUnsigned(network, o.network);
        return c != 0 ? c : Integer.compare(prefix, o.prefix);
    }
}
