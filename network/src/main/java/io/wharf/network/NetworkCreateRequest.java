package io.wharf.network;

import io.wharf.common.WharfException;

import java.util.Map;

/**
 * {@code docker network create} ({@code POST /networks/create}): Name, Driver, Internal, Labels, Options and the
 * first IPAM.Config entry's Subnet/Gateway. Subnet and gateway are optional: without a subnet Wharf picks the next
 * free {@code 172.N.0.0/16} (N = 18..31), then {@code 192.168.N.0/20}, as docker's default address pools do.
 * A bridge device name can be chosen with option {@code com.docker.network.bridge.name}.
 */
public record NetworkCreateRequest(String name, String driver, String subnet, String gateway, boolean internal,
                                   Map<String, String> labels, Map<String, String> options) {
    /** The docker option naming the Linux bridge device. */
    public static final String BRIDGE_NAME_OPTION = "com.docker.network.bridge.name";

    public NetworkCreateRequest {
        if (name == null || name.isBlank()) throw WharfException.invalid("network name must not be empty");
        if (!name.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*"))
            throw WharfException.invalid("invalid network name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
        if (driver == null || driver.isEmpty()) driver = "bridge";
        if (!driver.equals("bridge"))
            throw WharfException.invalid("plugin \"%s\" not found: only the bridge driver is supported", driver);
        if (subnet != null && subnet.isEmpty()) subnet = null;
        if (gateway != null && gateway.isEmpty()) gateway = null;
        if (subnet != null) Cidr.parse(subnet);
        if (gateway != null) {
            if (subnet == null) throw WharfException.invalid("gateway %s given without a subnet", gateway);
            if (!Cidr.parse(subnet).contains(gateway))
                throw WharfException.invalid("no matching subnet for gateway %s", gateway);
        }
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    /** A bridge network with an automatically chosen subnet. */
    public static NetworkCreateRequest of(String name) {
        return new NetworkCreateRequest(name, "bridge", null, null, false, Map.of(), Map.of());
    }
}
