package io.wharf.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.engine.wire.Filters;
import io.wharf.engine.wire.HttpRequest;
import io.wharf.engine.wire.HttpResponse;
import io.wharf.engine.wire.Router;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The /volumes endpoints (local driver). */
final class VolumesApi {
    private final Containers containers;
    private final Volumes volumes;

    VolumesApi(Containers containers) {
        this.containers = containers;
        this.volumes = containers.volumes();
    }

    void routes(Router r) {
        r.add("GET", "/volumes", this::list);
        r.add("POST", "/volumes/create", this::create);
        r.add("POST", "/volumes/prune", this::prune);
        r.add("GET", "/volumes/{name}", (q, s) -> {
            containers.awaitCleanups();
            s.json(200, volumes.toWire(volumes.get(q.param("name")), null));
        });
        r.add("DELETE", "/volumes/{name}", this::remove);
    }

    void list(HttpRequest req, HttpResponse resp) throws IOException {
        containers.awaitCleanups(); // anonymous volumes of --rm containers answered as removed
        Filters f = req.filters();
        List<Object> out = new ArrayList<>();
        for (Volumes.Volume v : volumes.list()) {
            if (!f.match("name", n -> v.name().contains(n))) continue;
            if (!f.matchLabels("label", v.labels())) continue;
            if (!f.match("driver", d -> d.equals("local"))) continue;
            boolean used = !containers.volumeUsers(v.name()).isEmpty();
            if (!f.match("dangling", d -> (d.equals("true") || d.equals("1")) != used)) continue;
            out.add(volumes.toWire(v, null));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Volumes", out);
        m.put("Warnings", null);
        resp.json(200, m);
    }

    void create(HttpRequest req, HttpResponse resp) throws IOException {
        JsonNode b = req.json(JsonNode.class, Json.MAPPER.createObjectNode());
        String driver = b.path("Driver").asText("local");
        if (!driver.isEmpty() && !driver.equals("local")) throw WharfException.notFound("plugin \"%s\" not found", driver);
        String name = b.path("Name").asText("");
        boolean existed = !name.isEmpty() && volumes.find(name) != null;
        Volumes.Volume v = volumes.create(name, map(b.path("Labels")), map(b.path("DriverOpts")), false);
        if (!existed) containers.events().emit("volume", "create", v.name(), Map.of("driver", "local"));
        resp.json(201, volumes.toWire(v, null));
    }

    static Map<String, String> map(JsonNode n) {
        Map<String, String> m = new LinkedHashMap<>();
        if (n != null && n.isObject()) n.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    void remove(HttpRequest req, HttpResponse resp) throws IOException {
        containers.awaitCleanups(); // anonymous volumes of --rm containers answered as removed
        Volumes.Volume v = volumes.get(req.param("name"));
        List<Container> users = containers.volumeUsers(v.name());
        if (!users.isEmpty()) {
            throw WharfException.conflict("remove %s: volume is in use - [%s]", v.name(), String.join(", ", Containers.map(users, c -> c.id)));
        }
        volumes.remove(v.name());
        containers.events().emit("volume", "destroy", v.name(), Map.of("driver", "local"));
        resp.status(204);
    }

    void prune(HttpRequest req, HttpResponse resp) throws IOException {
        containers.awaitCleanups(); // anonymous volumes of --rm containers answered as removed
        Filters f = req.filters();
        boolean all = f.match("all", x -> x.equals("true") || x.equals("1")) && f.has("all");
        List<String> deleted = new ArrayList<>();
        long reclaimed = 0;
        for (Volumes.Volume v : volumes.list()) {
            if (!containers.volumeUsers(v.name()).isEmpty()) continue;
            if (!all && !v.anonymous()) continue; // docker ≥23 prunes only anonymous volumes unless all=true
            if (!f.matchLabels("label", v.labels())) continue;
            reclaimed += volumes.size(v.name());
            volumes.remove(v.name());
            containers.events().emit("volume", "destroy", v.name(), Map.of("driver", "local"));
            deleted.add(v.name());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("VolumesDeleted", deleted.isEmpty() ? null : deleted);
        m.put("SpaceReclaimed", reclaimed);
        resp.json(200, m);
    }
}
