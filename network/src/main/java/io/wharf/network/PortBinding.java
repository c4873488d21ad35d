package io.wharf.network;

import io.wharf.common.WharfException;

import java.util.ArrayList;
import java.util.List;

/**
 * One published port: {@code hostIp:hostPort -> containerPort/protocol}. As a request, {@code hostPort == 0}
 * means "allocate an ephemeral port" (docker's {@code -P} or {@code -p 80}) and an empty {@code hostIp} means
 * all addresses (docker shows it as {@code 0.0.0.0}). In an {@link Endpoint} the host port is always resolved.
 *
 * <p>Docker's API carries these as {@code HostConfig.PortBindings: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}};
 * the engine turns each entry into one {@code PortBinding} ({@link #of}), and {@code -P} into one per exposed port
 * with host port 0.
 */
public record PortBinding(Protocol protocol, int containerPort, String hostIp, int hostPort) {
    public PortBinding {
        if (protocol == null) protocol = Protocol.TCP;
        if (containerPort < 1 || containerPort > 65535) throw WharfException.invalid("invalid containerPort: %d", containerPort);
        if (hostPort < 0 || hostPort > 65535) throw WharfException.invalid("invalid hostPort: %d", hostPort);
        if (hostIp == null || hostIp.equals("0.0.0.0")) hostIp = "";
        if (!hostIp.isEmpty()) Cidr.parseIp(hostIp);
    }

    /**
     * From the Docker API's shape: key {@code "80/tcp"} (protocol optional), HostIp (may be empty), HostPort
     * (may be empty = allocate).
     */
    public static PortBinding of(String portProto, String hostIp, String hostPort) {
        String[] pp = portProto.split("/", 2);
        int hp = 0;
        if (hostPort != null && !hostPort.isBlank()) {
            try {
                hp = Integer.parseInt(hostPort.trim());
            } catch (NumberFormatException e) {
                throw WharfException.invalid("invalid hostPort: %s", hostPort);
            }
        }
        return new PortBinding(Protocol.parse(pp.length > 1 ? pp[1] : "tcp"), parsePort(pp[0]), hostIp, hp);
    }

    /**
     * Parses the CLI spelling {@code [ip:][hostPort:]containerPort[/proto]} (ranges are not supported).
     * Returns a list to leave room for ranges later.
     */
    public static List<PortBinding> parse(String spec) {
        String proto = "tcp";
        String s = spec;
        int slash = s.lastIndexOf('/');
        if (slash >= 0) {
            proto = s.substring(slash + 1);
            s = s.substring(0, slash);
        }
        String[] parts = s.split(":", -1);
        String ip = "";
        String host = "";
        String container;
        switch (parts.length) {
            case 1 -> container = parts[0];
            case 2 -> { host = parts[0]; container = parts[1]; }
            case 3 -> { ip = parts[0]; host = parts[1]; container = parts[2]; }
            default -> throw WharfException.invalid("invalid port format: %s", spec);
        }
        List<PortBinding> out = new ArrayList<>();
        out.add(of(container + "/" + proto, ip, host));
        return out;
    }

    private static int parsePort(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw WharfException.invalid("invalid containerPort: %s", s);
        }
    }

    /** The host IP as docker reports it ({@code 0.0.0.0} when all addresses). */
    public String hostIpOrAny() {
        return hostIp.isEmpty() ? "0.0.0.0" : hostIp;
    }

    /** Docker's key for this binding: {@code "80/tcp"}. */
    public String key() {
        return containerPort + "/" + protocol.wire();
    }
}
