package io.wharf.engine;

import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.engine.wire.Filters;
import io.wharf.engine.wire.HttpRequest;
import io.wharf.engine.wire.HttpResponse;
import io.wharf.engine.wire.Router;
import io.wharf.image.CommitOptions;
import io.wharf.image.DeleteItem;
import io.wharf.image.HistoryItem;
import io.wharf.image.Image;
import io.wharf.image.ImageFilter;
import io.wharf.image.ImportOptions;
import io.wharf.image.PruneReport;
import io.wharf.oci.ImageConfig;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The /images endpoints plus /commit, delegating to the image module. Pull, push and build belong to other issues. */
final class ImagesApi {
    private final Containers containers;
    private final ImageAdapter images;

    ImagesApi(Containers containers, ImageAdapter images) {
        this.containers = containers;
        this.images = images;
    }

    void routes(Router r) {
        r.add("GET", "/images/json", this::list);
        r.add("POST", "/images/load", this::load);
        r.add("GET", "/images/get", (q, s) -> save(q.queryAll("names"), s));
        r.add("POST", "/images/prune", this::prune);
        r.add("POST", "/commit", this::commit);
        r.add("GET", "/images/{name*}/json", this::inspect);
        r.add("GET", "/images/{name*}/history", this::history);
        r.add("GET", "/images/{name*}/get", (q, s) -> save(List.of(q.param("name")), s));
        r.add("POST", "/images/{name*}/tag", this::tag);
        r.add("DELETE", "/images/{name*}", this::remove);
    }

    void list(HttpRequest req, HttpResponse resp) throws IOException {
        Filters f = req.filters();
        Boolean dangling = f.has("dangling") ? f.get("dangling").stream().anyMatch(v -> v.equals("true") || v.equals("1")) : null;
        List<String> refs = new ArrayList<>(f.get("reference"));
        ImageFilter filter = new ImageFilter(dangling, f.get("label"), refs,
                f.get("before").isEmpty() ? null : f.get("before").getFirst(),
                f.get("since").isEmpty() ? null : f.get("since").getFirst(),
                f.get("until").isEmpty() ? null : ContainersApi.parseTime(f.get("until").getFirst()), req.bool("all"));
        List<Object> out = new ArrayList<>();
        for (Image i : images.list(filter)) {
            Map<String, Object> m = ImageAdapter.summary(i, containers);
            if (!refs.isEmpty()) {
                // as dockerd: only the names that matched the reference filter
                m.put("RepoTags", i.repoTags().stream().filter(t -> io.wharf.image.ImageService.referenceMatches(t, refs)).toList());
                m.put("RepoDigests", i.repoDigests().stream().filter(t -> io.wharf.image.ImageService.referenceMatches(t, refs)).toList());
            }
            out.add(m);
        }
        resp.json(200, out);
    }

    /** POST /images/create with fromSrc=-: import. DistributionApi owns the route and hands over when there is no fromImage. */
    void create(HttpRequest req, HttpResponse resp) throws IOException {
        String src = req.query("fromSrc");
        if (src == null) {
            throw WharfException.invalid("either fromImage or fromSrc is required");
        }
        if (!src.equals("-")) throw WharfException.invalid("importing from a URL is not supported; pipe the file to docker import instead");
        String repo = req.query("repo", "");
        String tag = req.query("tag", "");
        String ref = repo.isEmpty() ? null : tag.isEmpty() ? repo : repo + ":" + tag;
        String id = images.importTar(req.body(), new ImportOptions(ref, req.queryAll("changes"), req.query("message"), req.query("platform")));
        events(id, "import", ref);
        OutputStream out = resp.stream(200, "application/json");
        out.write(Json.bytes(Map.of("status", id)));
        out.write("\r\n".getBytes());
    }

    void load(HttpRequest req, HttpResponse resp) throws IOException {
        List<String> lines = new ArrayList<>();
        try {
            images.load(req.body(), lines::add);
        } catch (WharfException e) {
            if (lines.isEmpty()) throw e;
            OutputStream out = resp.stream(200, "application/json");
            for (String l : lines) out.write((Json.string(Map.of("stream", l + "\n")) + "\r\n").getBytes());
            out.write((Json.string(Map.of("errorDetail", Map.of("message", e.getMessage()), "error", e.getMessage())) + "\r\n").getBytes());
            return;
        }
        for (String l : lines) {
            int c = l.indexOf(": ");
            events(c < 0 ? l : l.substring(c + 2), "load", null);
        }
        OutputStream out = resp.stream(200, "application/json");
        for (String l : lines) out.write((Json.string(Map.of("stream", l + "\n")) + "\r\n").getBytes());
    }

    void save(List<String> names, HttpResponse resp) throws IOException {
        if (names.isEmpty()) throw WharfException.invalid("no image names given");
        for (String n : names) images.get(n); // 404 before anything is streamed
        OutputStream out = resp.stream(200, "application/x-tar");
        java.io.BufferedOutputStream bo = new java.io.BufferedOutputStream(out, 64 * 1024);
        images.save(names, bo);
        bo.flush();
        for (String n : names) events(n, "save", null);
    }

    void inspect(HttpRequest req, HttpResponse resp) throws IOException {
        Image i = images.get(req.param("name"));
        resp.json(200, inspectBody(i));
    }

    static Map<String, Object> inspectBody(Image i) {
        Map<String, Object> m = new LinkedHashMap<>();
        ImageConfig c = i.config();
        m.put("Id", i.id().toString());
        m.put("RepoTags", i.repoTags());
        m.put("RepoDigests", i.repoDigests());
        m.put("Parent", i.parent() == null ? "" : i.parent().toString());
        m.put("Comment", c.history() != null && !c.history().isEmpty() && c.history().getLast().comment() != null ? c.history().getLast().comment() : "");
        m.put("Created", c.created() == null ? Wire.ZERO_TIME : c.created());
        m.put("DockerVersion", c.extra().getOrDefault("docker_version", ""));
        m.put("Author", c.author() == null ? "" : c.author());
        m.put("Config", Json.MAPPER.valueToTree(c.configOrEmpty()));
        m.put("Architecture", c.architecture() == null ? "amd64" : c.architecture());
        m.put("Os", c.os() == null ? "linux" : c.os());
        m.put("Size", i.size());
        m.put("GraphDriver", Map.of("Name", "overlay2", "Data", Map.of()));
        Map<String, Object> rootfs = new LinkedHashMap<>();
        rootfs.put("Type", "layers");
        rootfs.put("Layers", i.diffIds().stream().map(Object::toString).toList());
        m.put("RootFS", rootfs);
        m.put("Metadata", Map.of("LastTagTime", i.lastTagTime() == null ? Wire.ZERO_TIME : Wire.time(i.lastTagTime())));
        return m;
    }

    void history(HttpRequest req, HttpResponse resp) throws IOException {
        List<Object> out = new ArrayList<>();
        for (HistoryItem h : images.history(req.param("name"))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Id", h.id());
            m.put("Created", h.created() == null ? 0 : h.created().getEpochSecond());
            m.put("CreatedBy", h.createdBy() == null ? "" : h.createdBy());
            m.put("Tags", h.tags().isEmpty() ? null : h.tags());
            m.put("Size", h.size());
            m.put("Comment", h.comment() == null ? "" : h.comment());
            out.add(m);
        }
        resp.json(200, out);
    }

    void tag(HttpRequest req, HttpResponse resp) throws IOException {
        String repo = req.query("repo", "");
        if (repo.isEmpty()) throw WharfException.invalid("repository name must have at least one component");
        String tag = req.query("tag", "");
        String target = tag.isEmpty() ? repo : repo + ":" + tag;
        Image i = images.get(req.param("name"));
        images.tag(req.param("name"), target);
        events(i.id().toString(), "tag", target);
        resp.send(201, "application/json", new byte[0]);
    }

    void remove(HttpRequest req, HttpResponse resp) throws IOException {
        String name = req.param("name");
        boolean force = req.bool("force");
        Image i = images.get(name);
        List<DeleteItem> items = images.remove(name, force, !req.bool("noprune"));
        List<Object> out = new ArrayList<>();
        for (DeleteItem d : items) {
            if (d.untagged() != null) {
                out.add(Map.of("Untagged", d.untagged()));
                events(i.id().toString(), "untag", d.untagged());
            }
            if (d.deleted() != null) {
                out.add(Map.of("Deleted", d.deleted()));
                events(d.deleted(), "delete", null);
            }
        }
        resp.json(200, out);
    }

    void prune(HttpRequest req, HttpResponse resp) throws IOException {
        Filters f = req.filters();
        boolean danglingOnly = !f.get("dangling").contains("false") && !f.get("dangling").contains("0");
        ImageFilter filter = new ImageFilter(danglingOnly ? Boolean.TRUE : Boolean.FALSE, f.get("label"), List.of(), null, null,
                f.get("until").isEmpty() ? null : ContainersApi.parseTime(f.get("until").getFirst()), false);
        PruneReport r = images.prune(filter);
        List<Object> del = new ArrayList<>();
        for (DeleteItem d : r.deleted()) del.add(d.untagged() != null ? Map.of("Untagged", d.untagged()) : Map.of("Deleted", d.deleted()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ImagesDeleted", del.isEmpty() ? null : del);
        m.put("SpaceReclaimed", r.spaceReclaimed());
        resp.json(200, m);
    }

    void commit(HttpRequest req, HttpResponse resp) throws IOException {
        Container c = containers.get(req.query("container", ""));
        String repo = req.query("repo", "");
        String tag = req.query("tag", "");
        String ref = repo.isEmpty() ? null : tag.isEmpty() ? repo : repo + ":" + tag;
        com.fasterxml.jackson.databind.JsonNode body = req.json(com.fasterxml.jackson.databind.JsonNode.class, null);
        ImageConfig.ContainerConfig cfg = Json.MAPPER.convertValue(body != null && body.isObject() && !body.isEmpty() ? body : c.config, ImageConfig.ContainerConfig.class);
        boolean pause = req.bool("pause", true) && c.state.running && !c.state.paused;
        if (pause) containers.pause(c.id);
        String id;
        try {
            id = images.commit(c.id, c.imageId, new CommitOptions(cfg, req.queryAll("changes"), ref, req.query("author"), req.query("comment"), null, false, Instant.now(), false));
        } finally {
            if (pause) containers.unpause(c.id);
        }
        containers.events().emit("container", "commit", c.id, Map.of("comment", req.query("comment", ""), "imageID", id, "imageRef", ref == null ? "" : ref, "name", c.bareName()));
        resp.json(201, Map.of("Id", id));
    }

    private void events(String id, String action, String name) {
        Map<String, String> a = new LinkedHashMap<>();
        if (name != null) a.put("name", name);
        containers.events().emit("image", action, id, a);
    }
}
