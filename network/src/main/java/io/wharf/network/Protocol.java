package io.wharf.network;

import io.wharf.common.WharfException;

import java.util.Locale;

/** Transport protocol of a published port, spelled as docker and CNI's portmap spell it ("tcp", "udp", "sctp"). */
public enum Protocol {
    TCP, UDP, SCTP;

    public static Protocol parse(String s) {
        if (s == null || s.isEmpty()) return TCP;
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "tcp" -> TCP;
            case "udp" -> UDP;
            case "sctp" -> SCTP;
            default -> throw WharfException.invalid("invalid proto: %s", s);
        };
    }

    /** The lower-case wire spelling. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
