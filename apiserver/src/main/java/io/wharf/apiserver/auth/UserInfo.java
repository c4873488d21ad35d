package io.wharf.apiserver.auth;

import java.util.List;
import java.util.Objects;

/** An authenticated user, as Kubernetes' user.Info: name, uid, groups (system:authenticated is always added). */
public record UserInfo(String name, String uid, List<String> groups) {
    public UserInfo {
        Objects.requireNonNull(name, "name");
        uid = uid == null ? "" : uid;
        List<String> g = new java.util.ArrayList<>(groups == null ? List.of() : groups);
        if (!g.contains("system:authenticated") && !name.equals("system:anonymous")) g.add("system:authenticated");
        groups = List.copyOf(g);
    }

    public boolean isMaster() { return groups.contains("system:masters"); }
}
