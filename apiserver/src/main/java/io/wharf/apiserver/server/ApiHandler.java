package io.wharf.apiserver.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.wharf.apiserver.FieldError;
import io.wharf.apiserver.KindsProvider;
import io.wharf.apiserver.ResourceRegistry;
import io.wharf.apiserver.ResourceStrategy;
import io.wharf.apiserver.ResourceType;
import io.wharf.apiserver.auth.Authenticator;
import io.wharf.apiserver.auth.Rbac;
import io.wharf.apiserver.auth.ServiceAccountTokens;
import io.wharf.apiserver.auth.UserInfo;
import io.wharf.common.ErrorKind;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.store.KeyValue;
import io.wharf.store.ListResult;
import io.wharf.store.Watch;
import io.wharf.store.WatchEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The Kubernetes REST surface: routing, authentication and authorization, discovery and OpenAPI, and the generic
 * REST verbs for every registered type (get, list, watch, create, update, patch, delete, deletecollection) with the
 * subresources status, scale, binding, eviction and token. One instance per server; {@link #accept} runs on a virtual
 * thread per request. Every failure leaves as a {@code Status} (see {@link ApiException#from}).
 */
public final class ApiHandler implements Consumer<HttpExchange> {
    private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);
    private static final String TABLE_V1 = "application/json;as=Table;v=v1;g=meta.k8s.io";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<String> PUBLIC_PATHS = Set.of("/version", "/healthz", "/livez", "/readyz");
    private static final ObjectReader STRICT_JSON = Json.MAPPER.reader().with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** Version info served at /version. */
    public record VersionInfo(String major, String minor, String gitVersion) {}

    private final ResourceRegistry registry;
    private final Storage storage;
    private final KindsProvider kinds;
    private final Authenticator authn;
    private final Rbac rbac;
    private final ServiceAccountTokens saTokens;
    private final Discovery discovery;
    private final OpenApi openApi;
    private final Metrics metrics;
    private final WatchFanout fanout;
    private final VersionInfo version;
    private final Map<String, Object> allocLocks = new ConcurrentHashMap<>();
    private volatile boolean ready;
    private volatile String serverAddress = "127.0.0.1:6443";

    public ApiHandler(ResourceRegistry registry, Storage storage, KindsProvider kinds, Authenticator authn, Rbac rbac,
                      ServiceAccountTokens saTokens, Metrics metrics, VersionInfo version) {
        this.registry = registry;
        this.storage = storage;
        this.kinds = kinds;
        this.authn = authn;
        this.rbac = rbac;
        this.saTokens = saTokens;
        this.metrics = metrics;
        this.version = version;
        this.discovery = new Discovery(registry);
        this.openApi = new OpenApi(registry, kinds, version.gitVersion());
        this.fanout = new WatchFanout(storage);
    }

    public void setReady(boolean ready) { this.ready = ready; }
    public void setServerAddress(String a) { this.serverAddress = a; }
    public OpenApi openApi() { return openApi; }

    /** A parsed resource request (k8s RequestInfo). */
    record Req(String verb, ResourceRegistry.Entry entry, String namespace, String name, String subresource, boolean watch) {
        ResourceType type() { return entry.type(); }
        ResourceStrategy strategy() { return entry.strategy(); }
    }

    /** Per-request state: who, and the Warning headers to send. */
    static final class Ctx {
        final HttpExchange ex;
        final UserInfo user;
        final List<String> warnings = new ArrayList<>();
        Ctx(HttpExchange ex, UserInfo user) { this.ex = ex; this.user = user; }
    }

    @Override
    public void accept(HttpExchange ex) {
        long start = System.nanoTime();
        String verbForMetrics = ex.method();
        String group = "";
        String resource = "";
        try {
            String path = ex.path();
            UserInfo user = authn.authenticate(ex.peerCerts(), ex.header("Authorization")).orElse(null);
            if (user == null && !PUBLIC_PATHS.contains(path)) throw ApiException.unauthorized();
            Ctx ctx = new Ctx(ex, user);
            if (path.startsWith("/api/") || path.equals("/api") || path.startsWith("/apis/") || path.equals("/apis")) {
                Req req = parse(ex);
                if (req == null) {
                    authorizeNonResource(ctx, path);
                    discoveryRequest(ctx, path);
                } else {
                    verbForMetrics = req.watch ? "WATCH" : req.verb.toUpperCase();
                    group = req.type().group();
                    resource = req.type().plural();
                    authorize(ctx, req);
                    resource(ctx, req);
                }
            } else {
                if (user != null) authorizeNonResource(ctx, path);
                nonResource(ctx, path);
            }
        } catch (InterruptedException e) {
            // server shutting down: nothing to report
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            ApiException a = ApiException.from(t);
            if (a.code() >= 500 && a.code() != 503) log.warn("{} {}: {}", ex.method(), ex.uri(), t.toString(), t);
            if (!ex.responded()) sendStatus(ex, a, List.of());
        } finally {
            metrics.record(verbForMetrics, group, resource, ex.status(), System.nanoTime() - start);
        }
    }

    // ---- sending ----

    private static void sendJson(Ctx ctx, int code, JsonNode body) {
        sendJson(ctx.ex, code, "application/json", Json.bytes(body), ctx.warnings);
    }

    private static void sendJson(HttpExchange ex, int code, String contentType, byte[] body, List<String> warnings) {
        Map<String, String> h = new LinkedHashMap<>();
        if (!warnings.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (String w : warnings) {
                if (!sb.isEmpty()) sb.append(", ");
                sb.append("299 - \"").append(w.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
            h.put("Warning", sb.toString());
        }
        ex.send(code, contentType, body, h);
    }

    private static void sendStatus(HttpExchange ex, ApiException a, List<String> warnings) {
        sendJson(ex, a.code(), "application/json", Json.bytes(a.status()), warnings);
    }

    private static ObjectNode success(ResourceType t, String name, String uid) {
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Success");
        ObjectNode d = s.putObject("details");
        d.put("name", name);
        if (!t.group().isEmpty()) d.put("group", t.group());
        d.put("kind", t.plural());
        if (uid != null) d.put("uid", uid);
        return s;
    }

    // ---- non-resource endpoints ----

    private void nonResource(Ctx ctx, String path) {
        HttpExchange ex = ctx.ex;
        switch (path) {
            case "/version", "/version/" -> {
                ObjectNode v = Json.MAPPER.createObjectNode();
                v.put("major", version.major());
                v.put("minor", version.minor());
                v.put("emulationMajor", version.major());
                v.put("emulationMinor", version.minor());
                v.put("gitVersion", version.gitVersion());
                v.put("gitCommit", "0000000000000000000000000000000000000000");
                v.put("gitTreeState", "clean");
                v.put("buildDate", "2026-01-01T00:00:00Z");
                v.put("goVersion", "go1.23.0");
                v.put("compiler", "gc");
                v.put("platform", "linux/amd64");
                sendJson(ctx, 200, v);
            }
            case "/healthz", "/livez", "/readyz", "/healthz/ping", "/livez/ping", "/readyz/ping" -> {
                boolean ok = !path.startsWith("/readyz") || ready;
                ex.send(ok ? 200 : 503, "text/plain; charset=utf-8", (ok ? "ok" : "[-]wharf-ready failed: not ready\nreadyz check failed").getBytes(StandardCharsets.UTF_8), Map.of());
            }
            case "/metrics" -> ex.send(200, "text/plain; version=0.0.4; charset=utf-8", metrics.text().getBytes(StandardCharsets.UTF_8), Map.of());
            case "/openapi/v3", "/openapi/v3/" -> sendJson(ctx, 200, openApi.index());
            default -> {
                if (path.startsWith("/openapi/v3/")) {
                    byte[] doc = openApi.document(path.substring("/openapi/v3/".length()));
                    if (doc == null) throw ApiException.notFound("the server could not find the requested resource");
                    ex.send(200, "application/json", doc, Map.of());
                    return;
                }
                // /openapi/v2 (protobuf, only kubectl 1.27/1.28 need it) is not served: kubectl 1.29+ tolerates the 404.
                throw ApiException.notFound("the server could not find the requested resource");
            }
        }
    }

    private void discoveryRequest(Ctx ctx, String path) {
        HttpExchange ex = ctx.ex;
        if (!ex.method().equals("GET")) throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        String agg = Discovery.aggregatedType(ex.header("Accept"));
        String[] s = p.substring(1).split("/");
        ObjectNode body;
        if (p.equals("/api")) {
            if (agg != null) { sendJson(ex, 200, agg, Json.bytes(discovery.aggregated(true, agg)), List.of()); return; }
            body = discovery.apiVersions(serverAddress);
        } else if (p.equals("/apis")) {
            if (agg != null) { sendJson(ex, 200, agg, Json.bytes(discovery.aggregated(false, agg)), List.of()); return; }
            body = discovery.apiGroupList();
        } else if (s[0].equals("api") && s.length == 2) {
            body = discovery.resourceList("", s[1]);
        } else if (s[0].equals("apis") && s.length == 2) {
            body = discovery.apiGroup(s[1]);
        } else if (s[0].equals("apis") && s.length == 3) {
            body = discovery.resourceList(s[1], s[2]);
        } else body = null;
        if (body == null) throw ApiException.notFound("the server could not find the requested resource");
        sendJson(ctx, 200, body);
    }

    // ---- request parsing ----

    private Req parse(HttpExchange ex) {
        String[] parts = ex.path().substring(1).split("/");
        List<String> segs = new ArrayList<>();
        for (String x : parts) if (!x.isEmpty()) segs.add(x);
        String group;
        String version;
        int i;
        if (segs.getFirst().equals("api")) {
            if (segs.size() < 3) return null;
            group = "";
            version = segs.get(1);
            i = 2;
        } else {
            if (segs.size() < 4) return null;
            group = segs.get(1);
            version = segs.get(2);
            i = 3;
        }
        List<String> rest = segs.subList(i, segs.size());
        boolean watch = "true".equals(ex.param("watch")) || "1".equals(ex.param("watch"));
        if (!rest.isEmpty() && rest.getFirst().equals("watch")) { watch = true; rest = rest.subList(1, rest.size()); }
        String namespace = null;
        if (rest.size() >= 2 && rest.getFirst().equals("namespaces")) {
            namespace = rest.get(1);
            if (rest.size() > 2 && !(rest.size() == 3 && Set.of("status", "finalize").contains(rest.get(2)))) rest = rest.subList(2, rest.size());
            else namespace = null;
        }
        if (rest.isEmpty() || rest.size() > 3) throw ApiException.notFound("the server could not find the requested resource");
        String plural = rest.getFirst();
        String name = rest.size() > 1 ? rest.get(1) : null;
        String sub = rest.size() > 2 ? rest.get(2) : null;
        ResourceRegistry.Entry entry = registry.byResource(group, version, plural)
                .orElseThrow(() -> ApiException.notFound("the server could not find the requested resource"));
        if (!entry.type().namespaced()) namespace = null;
        else if (namespace == null && (name != null || ex.method().equals("POST")))
            throw ApiException.notFound("the server could not find the requested resource");
        if (sub != null && !entry.type().hasSubresource(sub) && !(sub.equals("finalize") && plural.equals("namespaces")))
            throw ApiException.notFound("the server could not find the requested resource");
        String verb = switch (ex.method()) {
            case "GET", "HEAD" -> name == null ? (watch ? "watch" : "list") : (watch ? "watch" : "get");
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name == null ? "deletecollection" : "delete";
            default -> throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        };
        return new Req(verb, entry, namespace, name, sub, watch);
    }

    // ---- authorization ----

    private void authorize(Ctx ctx, Req req) {
        ResourceType t = req.type();
        // Self reviews are open to every authenticated user (system:basic-user in Kubernetes).
        if (req.verb.equals("create") && (t.plural().equals("selfsubjectaccessreviews") || t.plural().equals("selfsubjectreviews")
                || t.plural().equals("selfsubjectrulesreviews"))) return;
        var attrs = new Rbac.Attributes(req.verb, t.group(), t.plural(), req.subresource, req.namespace, req.name, ctx.ex.path(), true);
        if (!rbac.authorize(ctx.user, attrs).allowed()) {
            String res = t.group().isEmpty() ? t.plural() : t.plural() + "." + t.group();
            String msg = t.qualifiedPlural() + (req.name != null ? " \"" + req.name + "\"" : "") + " is forbidden: User \"" + ctx.user.name()
                    + "\" cannot " + req.verb + " resource \"" + t.plural() + (req.subresource != null ? "/" + req.subresource : "") + "\" in API group \"" + t.group() + "\""
                    + (req.namespace != null ? " in the namespace \"" + req.namespace + "\"" : t.namespaced() ? "" : " at the cluster scope");
            throw ApiException.forbidden(msg, t, req.name);
        }
    }

    private void authorizeNonResource(Ctx ctx, String path) {
        if (ctx.user == null) return;
        String verb = ctx.ex.method().toLowerCase();
        if (!rbac.authorize(ctx.user, new Rbac.Attributes(verb, "", "", "", "", "", path, false)).allowed())
            throw new ApiException(ErrorKind.PERMISSION_DENIED, 403, "Forbidden",
                    "forbidden: User \"" + ctx.user.name() + "\" cannot " + verb + " path \"" + path + "\"", null);
    }

    // ---- resources ----

    private void resource(Ctx ctx, Req req) throws Exception {
        ResourceType t = req.type();
        if (req.verb.equals("create") && req.subresource == null && review(ctx, req)) return;
        if (req.subresource == null && !t.verbs().contains(req.verb) && !(req.watch && t.verbs().contains("watch")))
            throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        if (req.subresource != null) { subresource(ctx, req); return; }
        switch (req.verb) {
            case "get" -> get(ctx, req);
            case "list" -> list(ctx, req);
            case "watch" -> watch(ctx, req);
            case "create" -> create(ctx, req);
            case "update" -> update(ctx, req);
            case "patch" -> patch(ctx, req);
            case "delete" -> delete(ctx, req);
            case "deletecollection" -> deleteCollection(ctx, req);
            default -> throw ApiException.methodNotAllowed("unsupported verb " + req.verb);
        }
    }

    private ObjectNode load(Req req) {
        return storage.get(req.type(), req.namespace, req.name).orElseThrow(() -> ApiException.notFound(req.type(), req.name));
    }

    private static boolean wantsTable(HttpExchange ex) {
        String a = ex.header("Accept");
        return a != null && a.replace(" ", "").contains("as=Table") && a.contains("g=meta.k8s.io");
    }

    private void get(Ctx ctx, Req req) {
        if (!wantsTable(ctx.ex)) {
            KeyValue kv = storage.store().get(Storage.key(req.type(), req.namespace, req.name))
                    .orElseThrow(() -> ApiException.notFound(req.type(), req.name));
            sendJson(ctx.ex, 200, "application/json", storage.json(req.type(), kv), ctx.warnings);
            return;
        }
        ObjectNode obj = load(req);
        if (wantsTable(ctx.ex)) {
            sendJson(ctx, 200, table(ctx, req, List.of(obj), obj.path("metadata").path("resourceVersion").asText(), null, true));
            return;
        }
        sendJson(ctx, 200, obj);
    }

    // ---- list ----

    /**
     * One page of a list: the raw versions, and the decoded objects where selectors needed them (null entries are
     * decoded on demand by {@link #objects}; a plain JSON list never decodes, see {@link Storage#rawJson}).
     */
    private record Page(List<KeyValue> kvs, List<ObjectNode> items, long revision, String continueToken) {
        List<ObjectNode> objects(Storage storage, ResourceType t) {
            List<ObjectNode> out = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) out.add(items.get(i) != null ? items.get(i) : storage.decode(t, kvs.get(i)));
            return out;
        }
    }

    private Page listPage(Ctx ctx, Req req) {
        HttpExchange ex = ctx.ex;
        ResourceType t = req.type();
        LabelSelector ls = LabelSelector.parse(ex.param("labelSelector"));
        FieldSelector fs = fieldSelector(req, ex.param("fieldSelector"));
        int limit = parseInt(ex.param("limit"), 0, "limit");
        String prefix = Storage.prefix(t, req.namespace);
        long rev = 0;
        String start = null;
        String cont = ex.param("continue");
        if (cont != null && !cont.isEmpty()) {
            try {
                JsonNode c = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(cont));
                rev = c.path("rv").asLong();
                start = c.path("start").asText();
            } catch (Exception e) {
                throw ApiException.badRequest("continue key is not valid: " + e.getMessage());
            }
            if (!start.startsWith(prefix)) throw ApiException.badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        } else {
            String rv = ex.param("resourceVersion");
            String match = ex.param("resourceVersionMatch");
            if ("Exact".equals(match)) {
                if (rv == null || rv.isEmpty() || rv.equals("0")) throw ApiException.badRequest("resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"" + rv + "\"");
                rev = parseLong(rv, "resourceVersion");
            } else if (rv != null && !rv.isEmpty()) {
                parseLong(rv, "resourceVersion");
            }
        }
        List<ObjectNode> items = new ArrayList<>();
        List<KeyValue> kvs = new ArrayList<>();
        String pinned = fs.pinnedName();
        if (pinned != null && start == null) {
            ListResult lr = null;
            long r = rev != 0 ? rev : storage.store().currentRevision();
            var kv = rev == 0 ? storage.store().get(Storage.prefix(t, req.namespace) + pinned) : java.util.Optional.<KeyValue>empty();
            if (rev != 0) {
                lr = storage.listRaw(Storage.prefix(t, req.namespace) + pinned, null, 0, rev);
                for (KeyValue k : lr.items()) if (k.key().equals(Storage.prefix(t, req.namespace) + pinned)) kv = java.util.Optional.of(k);
                r = lr.revision();
            } else {
                // the key may live in another namespace when listing across namespaces
                if (req.namespace == null && t.namespaced()) {
                    lr = storage.listRaw(prefix, null, 0, 0);
                    r = lr.revision();
                    for (KeyValue k : lr.items()) if (k.key().endsWith("/" + pinned)) { ObjectNode o = storage.decode(t, k); if (ls.matches(o) && fs.matches(o)) { items.add(o); kvs.add(k); } }
                    return new Page(kvs, items, r, null);
                }
                r = Math.max(r, kv.map(KeyValue::modRevision).orElse(0L));
            }
            if (kv.isPresent()) {
                ObjectNode o = storage.decode(t, kv.get());
                if (ls.matches(o) && fs.matches(o)) { items.add(o); kvs.add(kv.get()); }
            }
            return new Page(kvs, items, r, null);
        }
        long snapshot;
        String next = start;
        boolean more;
        String lastKey = null;
        do {
            int want = limit <= 0 ? 0 : Math.max(limit - items.size(), 1);
            ListResult lr;
            try {
                lr = storage.listRaw(prefix, next, want == 0 ? 0 : (ls.isEverything() && fs.isEverything() ? want : Math.max(want, 100)), rev);
            } catch (WharfException e) {
                if (e.kind() == ErrorKind.GONE && cont != null)
                    throw ApiException.gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
                if (e.kind() == ErrorKind.GONE) throw ApiException.gone("too old resource version: " + rev);
                throw e;
            }
            snapshot = lr.revision();
            rev = snapshot;
            more = lr.more();
            boolean everything = ls.isEverything() && fs.isEverything();
            for (int idx = 0; idx < lr.items().size(); idx++) {
                KeyValue kv = lr.items().get(idx);
                lastKey = kv.key();
                ObjectNode o = everything ? null : storage.decode(t, kv);
                if (everything || (ls.matches(o) && fs.matches(o))) {
                    items.add(o);
                    kvs.add(kv);
                    if (limit > 0 && items.size() >= limit) {
                        // stop right after this item; more remain if the page had more items or the store has more
                        boolean rest = more || idx < lr.items().size() - 1;
                        String token = rest ? continueToken(snapshot, io.wharf.store.Keys.after(kv.key())) : null;
                        return new Page(kvs, items, snapshot, token);
                    }
                }
            }
            next = lr.continueKey();
        } while (more && next != null);
        return new Page(kvs, items, snapshot, null);
    }

    private static String continueToken(long rev, String start) {
        ObjectNode c = Json.MAPPER.createObjectNode().put("v", "meta.k8s.io/v1").put("rv", rev).put("start", start);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.bytes(c));
    }

    private FieldSelector fieldSelector(Req req, String s) {
        FieldSelector fs = FieldSelector.parse(s);
        Set<String> allowed = new HashSet<>(req.strategy().selectableFields());
        allowed.add("metadata.name");
        allowed.add("metadata.namespace");
        fs.check(allowed, req.type().kind());
        return fs;
    }

    private void list(Ctx ctx, Req req) {
        Page page = listPage(ctx, req);
        ResourceType t = req.type();
        if (wantsTable(ctx.ex)) {
            sendJson(ctx, 200, table(ctx, req, page.objects(storage, t), Long.toString(page.revision), page.continueToken, true));
            return;
        }
        // The list is written from the stored bytes (resourceVersion spliced in), without decoding each object.
        ObjectNode md = Json.MAPPER.createObjectNode();
        md.put("resourceVersion", Long.toString(page.revision));
        if (page.continueToken != null) md.put("continue", page.continueToken);
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream(256 + page.kvs.size() * 512);
        buf.writeBytes(("{\"kind\":\"" + t.listKind() + "\",\"apiVersion\":\"" + t.apiVersion() + "\",\"metadata\":").getBytes(StandardCharsets.UTF_8));
        buf.writeBytes(Json.bytes(md));
        buf.writeBytes(",\"items\":[".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < page.kvs.size(); i++) {
            if (i > 0) buf.write(',');
            ObjectNode decoded = page.items.get(i);
            buf.writeBytes(decoded != null ? Json.bytes(decoded) : storage.json(t, page.kvs.get(i)));
        }
        buf.writeBytes("]}".getBytes(StandardCharsets.UTF_8));
        sendJson(ctx.ex, 200, "application/json", buf.toByteArray(), ctx.warnings);
    }

    private ObjectNode table(Ctx ctx, Req req, List<ObjectNode> objs, String rv, String cont, boolean withColumns) {
        ResourceStrategy s = req.strategy();
        ObjectNode tbl = Json.MAPPER.createObjectNode();
        tbl.put("kind", "Table");
        tbl.put("apiVersion", "meta.k8s.io/v1");
        ObjectNode md = tbl.putObject("metadata");
        md.put("resourceVersion", rv);
        if (cont != null) md.put("continue", cont);
        if (withColumns) {
            ArrayNode cols = tbl.putArray("columnDefinitions");
            for (var c : s.tableColumns())
                cols.addObject().put("name", c.name()).put("type", c.type()).put("format", c.format()).put("description", c.description()).put("priority", c.priority());
        }
        ArrayNode rows = tbl.putArray("rows");
        String include = ctx.ex.param("includeObject");
        for (ObjectNode o : objs) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            List<Object> values;
            try {
                values = s.tableRow(o);
            } catch (RuntimeException e) {
                log.warn("tableRow of {} failed: {}", req.type().kind(), e.toString());
                values = ResourceStrategy.DEFAULT.tableRow(o);
            }
            for (Object v : values) cells.add(Json.MAPPER.valueToTree(v));
            if ("None".equals(include)) continue;
            if ("Object".equals(include)) { row.set("object", o); continue; }
            ObjectNode pom = row.putObject("object");
            pom.put("kind", "PartialObjectMetadata");
            pom.put("apiVersion", "meta.k8s.io/v1");
            pom.set("metadata", o.path("metadata").deepCopy());
        }
        return tbl;
    }

    // ---- watch ----

    private void watch(Ctx ctx, Req req) throws InterruptedException {
        HttpExchange ex = ctx.ex;
        ResourceType t = req.type();
        LabelSelector ls = LabelSelector.parse(ex.param("labelSelector"));
        FieldSelector fs = fieldSelector(req, ex.param("fieldSelector"));
        if (req.name != null) fs = new FieldSelector(concat(fs.terms(), new FieldSelector.Term("metadata.name", true, req.name)));
        String rvParam = ex.param("resourceVersion");
        boolean bookmarks = "true".equals(ex.param("allowWatchBookmarks"));
        boolean sendInitial = "true".equals(ex.param("sendInitialEvents"));
        int timeout = parseInt(ex.param("timeoutSeconds"), 1800, "timeoutSeconds");
        if (timeout <= 0) timeout = 1800;
        boolean table = wantsTable(ex);
        String prefix = Storage.prefix(t, req.namespace);

        List<ObjectNode> initial = new ArrayList<>();
        long from;
        boolean initialEvents = rvParam == null || rvParam.isEmpty() || rvParam.equals("0") || sendInitial;
        if (initialEvents) {
            ListResult lr = storage.listRaw(prefix, null, 0, 0);
            from = lr.revision();
            for (KeyValue kv : lr.items()) {
                ObjectNode o = storage.decode(t, kv);
                if (ls.matches(o) && fs.matches(o)) initial.add(o);
            }
        } else {
            from = parseLong(rvParam, "resourceVersion");
        }
        Watch w;
        try {
            w = storage.watchRaw(prefix, from, bookmarks);
        } catch (WharfException e) {
            if (e.kind() == ErrorKind.GONE) throw ApiException.gone("too old resource version: " + from + " (" + storage.store().compactRevision() + ")");
            throw e;
        }
        metrics.watchStarted();
        HttpExchange.Stream out = null;
        boolean handedOff = false;
        try (w) {
            out = ex.wantsWebSocket() ? ex.upgradeToWebSocket() : ex.stream(200, table ? TABLE_V1 : "application/json", Map.of());
            var closed = ex.closed();
            boolean[] first = {true};
            Function<ObjectNode, JsonNode> render = o -> {
                if (!table) return o;
                ObjectNode tb = table(ctx, req, List.of(o), o.path("metadata").path("resourceVersion").asText(), null, first[0]);
                first[0] = false;
                return tb;
            };
            for (ObjectNode o : initial) out.write(event("ADDED", render.apply(o)));
            if (initialEvents && sendInitial && bookmarks) out.write(event("BOOKMARK", bookmark(t, from, true)));
            long deadline = System.nanoTime() + Duration.ofSeconds(timeout).toNanos();
            // No selectors, no Table: events are written from the stored bytes without decoding.
            boolean plain = !table && ls.isEverything() && fs.isEverything();
            long lastRev = from;
            long lastBookmark = System.nanoTime();
            // Shared encoding and batched writes for the common watch (see WatchFanout). A watch behind the fan-out's
            // position is served here until it has caught up with the cache, then handed over.
            boolean fanoutable = plain && !ex.wantsWebSocket();
            boolean tryJoin = fanoutable;
            while (!closed.isDone() && System.nanoTime() < deadline) {
                if (tryJoin) {
                    WatchFanout.Member m = null;
                    try {
                        m = fanout.join(t, prefix, lastRev, bookmarks, ex);
                    } catch (WharfException e) {
                        log.debug("watch {} not joined to the fan-out: {}", ex.uri(), e.toString());
                        fanoutable = false;
                    }
                    if (m != null) {
                        w.close();
                        handedOff = true;
                        WatchFanout.End end = null;
                        try {
                            java.util.concurrent.CompletableFuture.anyOf(closed, m.ended).get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
                            end = m.ended.getNow(null);
                        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                            // the request's timeoutSeconds passed: end normally
                        } finally {
                            m.finish(end == null ? null : end.errorEvent(), !ex.http2() && !ex.keepAlive());
                        }
                        return;
                    }
                }
                List<WatchEvent> batch;
                try {
                    batch = w.pollBatch(256, Duration.ofSeconds(1));
                } catch (WharfException e) {
                    if (e.kind() == ErrorKind.GONE) {
                        out.write(event("ERROR", ApiException.gone("too old resource version: " + lastRev).status()));
                    }
                    break;
                }
                for (WatchEvent e : batch) {
                    switch (e) {
                        case WatchEvent.Put p when plain -> out.write(rawEvent(p.kv().isCreate() ? "ADDED" : "MODIFIED", storage.json(t, p.kv())));
                        case WatchEvent.Delete d when plain -> out.write(rawEvent("DELETED",
                                storage.json(t, new KeyValue(d.prev().key(), d.prev().value(), d.prev().createRevision(), d.revision()))));
                        case WatchEvent.Put p -> {
                            ObjectNode now = storage.decode(t, p.kv());
                            boolean nowMatch = ls.matches(now) && fs.matches(now);
                            boolean wasMatch = false;
                            if (p.prev() != null && !p.kv().isCreate()) {
                                ObjectNode prev = storage.decode(t, p.prev());
                                wasMatch = ls.matches(prev) && fs.matches(prev);
                            }
                            if (nowMatch) out.write(event(wasMatch ? "MODIFIED" : "ADDED", render.apply(now)));
                            else if (wasMatch) out.write(event("DELETED", render.apply(now)));
                        }
                        case WatchEvent.Delete d -> {
                            ObjectNode prev = storage.decode(t, d.prev());
                            prev.with("metadata").put("resourceVersion", Long.toString(d.revision()));
                            if (ls.matches(prev) && fs.matches(prev)) out.write(event("DELETED", render.apply(prev)));
                        }
                        case WatchEvent.Progress pr -> {
                            if (bookmarks && System.nanoTime() - lastBookmark > Duration.ofSeconds(5).toNanos()) {
                                lastBookmark = System.nanoTime();
                                out.write(event("BOOKMARK", bookmark(t, pr.revision(), false)));
                            }
                        }
                    }
                    lastRev = e.revision();
                }
                tryJoin = fanoutable && batch.size() < 256; // caught up with what the cache had: try again
                if (bookmarks && System.nanoTime() - lastBookmark > Duration.ofSeconds(30).toNanos()) {
                    lastBookmark = System.nanoTime();
                    out.write(event("BOOKMARK", bookmark(t, lastRev, false)));
                }
            }
        } catch (RuntimeException e) {
            // Headers are sent: report the failure in-band as an ERROR event, as kube-apiserver does.
            log.warn("watch {} failed: {}", ex.uri(), e.toString(), e);
            if (out != null) out.write(event("ERROR", ApiException.from(e).status()));
            else throw e;
        } finally {
            if (out != null && !handedOff) out.end();
            metrics.watchEnded();
        }
    }

    private static <T> List<T> concat(List<T> a, T b) {
        List<T> l = new ArrayList<>(a);
        l.add(b);
        return l;
    }

    static ObjectNode bookmark(ResourceType t, long rev, boolean initialEnd) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("kind", t.kind());
        o.put("apiVersion", t.apiVersion());
        ObjectNode md = o.putObject("metadata");
        md.put("resourceVersion", Long.toString(rev));
        if (initialEnd) md.putObject("annotations").put("k8s.io/initial-events-end", "true");
        return o;
    }

    static byte[] rawEvent(String type, byte[] obj) {
        byte[] head = ("{\"type\":\"" + type + "\",\"object\":").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + obj.length + 2];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(obj, 0, out, head.length, obj.length);
        out[out.length - 2] = '}';
        out[out.length - 1] = '\n';
        return out;
    }

    static byte[] event(String type, JsonNode obj) {
        ObjectNode e = Json.MAPPER.createObjectNode();
        e.put("type", type);
        e.set("object", obj);
        byte[] b = Json.bytes(e);
        byte[] out = java.util.Arrays.copyOf(b, b.length + 1);
        out[b.length] = '\n';
        return out;
    }

    // ---- decoding request bodies ----

    private ObjectNode decodeBody(Ctx ctx, Req req, boolean forCreate) {
        HttpExchange ex = ctx.ex;
        String ct = ex.header("Content-Type");
        String mt = ct == null ? "application/json" : ct.split(";")[0].trim().toLowerCase();
        byte[] body = ex.body();
        if (body.length == 0) throw ApiException.badRequest("the body of the request was empty");
        JsonNode n;
        String validation = fieldValidation(ex);
        switch (mt) {
            case "application/json", "*/*", "" -> n = parseJson(body, validation);
            case "application/yaml", "application/x-yaml", "text/yaml" -> n = parseYaml(body);
            case "application/vnd.kubernetes.protobuf" -> {
                if (kinds == null) throw ApiException.unsupportedMediaType(ct);
                try {
                    n = kinds.decodeProtobuf(body);
                } catch (WharfException e) {
                    if (e.kind() == ErrorKind.UNSUPPORTED) throw ApiException.unsupportedMediaType(ct);
                    if (e instanceof ApiException) throw e;
                    throw ApiException.badRequest(e.getMessage());
                } catch (RuntimeException e) {
                    throw ApiException.badRequest("malformed protobuf body: " + e.getMessage());
                }
            }
            default -> throw ApiException.unsupportedMediaType(ct);
        }
        if (!(n instanceof ObjectNode o)) throw ApiException.badRequest("the body must be a JSON object");
        checkTypeMeta(req, o);
        checkUnknownFields(ctx, req, o, validation);
        return o;
    }

    private static String fieldValidation(HttpExchange ex) {
        String v = ex.param("fieldValidation");
        if (v == null || v.isEmpty()) return "Warn";
        return switch (v) {
            case "Strict", "Warn", "Ignore" -> v;
            default -> throw ApiException.badRequest("fieldValidation parameter unsupported: " + v);
        };
    }

    private static JsonNode parseJson(byte[] body, String validation) {
        try {
            return (validation.equals("Strict") ? STRICT_JSON : Json.MAPPER.reader()).readTree(body);
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            throw ApiException.badRequest("request body exceeds parser limits: " + e.getOriginalMessage());
        } catch (com.fasterxml.jackson.core.JsonParseException e) {
            String m = e.getOriginalMessage();
            if (m != null && m.startsWith("Duplicate field")) throw ApiException.badRequest("strict decoding error: json: duplicate field " + m.substring("Duplicate field ".length()).replace('\'', '"'));
            throw ApiException.badRequest("couldn't get version/kind; json parse error: " + m);
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("couldn't get version/kind; json parse error: " + e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            throw ApiException.badRequest("malformed JSON body");
        }
    }

    private static JsonNode parseYaml(byte[] body) {
        try {
            JsonNode n = Json.YAML.readTree(body);
            return n == null ? Json.MAPPER.nullNode() : n;
        } catch (java.io.IOException | RuntimeException | StackOverflowError e) {
            throw ApiException.badRequest("error converting YAML to JSON: " + (e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("")));
        }
    }

    private static void checkTypeMeta(Req req, ObjectNode o) {
        ResourceType t = req.type();
        String av = o.path("apiVersion").asText("");
        String kind = o.path("kind").asText("");
        if (!av.isEmpty() && !av.equals(t.apiVersion()) || !kind.isEmpty() && !kind.equals(t.kind())) {
            throw ApiException.badRequest("the API version in the data (" + av + ") does not match the expected API version (" + t.apiVersion() + ")");
        }
        o.put("apiVersion", t.apiVersion());
        o.put("kind", t.kind());
        JsonNode md = o.get("metadata");
        if (md != null && !md.isObject() && !md.isNull())
            throw ApiException.badRequest(t.kind() + " in version \"" + t.version() + "\" cannot be handled as a " + t.kind() + ": json: cannot unmarshal " + md.getNodeType().name().toLowerCase() + " into Go struct field " + t.kind() + ".metadata of type v1.ObjectMeta");
        if (md == null || md.isNull()) o.putObject("metadata");
    }

    private void checkUnknownFields(Ctx ctx, Req req, ObjectNode o, String validation) {
        if (validation.equals("Ignore")) return;
        List<String> unknown;
        try {
            unknown = openApi.unknownFields(req.type(), o);
        } catch (RuntimeException e) {
            return;
        }
        if (unknown.isEmpty()) return;
        ResourceType t = req.type();
        if (validation.equals("Strict")) {
            StringBuilder sb = new StringBuilder(t.kind()).append(" in version \"").append(t.version()).append("\" cannot be handled as a ")
                    .append(t.kind()).append(": strict decoding error: ");
            for (int i = 0; i < unknown.size(); i++) sb.append(i == 0 ? "" : ", ").append("unknown field \"").append(unknown.get(i)).append('"');
            throw ApiException.badRequest(sb.toString());
        }
        for (String u : unknown) ctx.warnings.add("unknown field \"" + u + "\"");
    }

    // ---- create ----

    private static boolean dryRun(HttpExchange ex) {
        List<String> d = ex.query().get("dryRun");
        if (d == null) return false;
        for (String v : d) {
            if (v.equals("All")) return true;
            if (!v.isEmpty()) throw ApiException.badRequest("Invalid dry run value: " + v);
        }
        return false;
    }

    private void create(Ctx ctx, Req req) {
        ObjectNode obj = decodeBody(ctx, req, true);
        ObjectNode created = createObject(ctx, req, obj, false);
        sendJson(ctx, 201, created);
    }

    /** The create path shared by POST and server-side apply of a missing object. */
    private ObjectNode createObject(Ctx ctx, Req req, ObjectNode obj, boolean fromApply) {
        ResourceType t = req.type();
        ResourceStrategy s = req.strategy();
        ObjectNode md = obj.with("metadata");
        if (t.namespaced()) {
            String ns = md.path("namespace").asText("");
            if (!ns.isEmpty() && req.namespace != null && !ns.equals(req.namespace))
                throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
            md.put("namespace", req.namespace);
        } else md.remove("namespace");
        if (md.path("name").asText("").isEmpty()) {
            String gen = md.path("generateName").asText("");
            if (!gen.isEmpty()) md.put("name", (gen.length() > 58 ? gen.substring(0, 58) : gen) + randomSuffix());
        }
        String name = md.path("name").asText("");
        List<FieldError> errs = new ArrayList<>();
        if (name.isEmpty()) errs.add(FieldError.required("metadata.name", "name or generateName is required"));
        if (req.name != null && !req.name.equals(name) && !fromApply)
            throw ApiException.badRequest("the name of the object (" + name + ") does not match the name on the URL (" + req.name + ")");
        if (!errs.isEmpty()) throw ApiException.invalid(t, name, errs);
        if (t.namespaced()) requireActiveNamespace(req.namespace);
        s.applyDefaults(obj);
        // System fields: the client's values are never kept.
        md = obj.with("metadata");
        md.put("uid", UUID.randomUUID().toString());
        md.put("creationTimestamp", now());
        md.put("generation", 1);
        md.remove("resourceVersion");
        md.remove("deletionTimestamp");
        md.remove("deletionGracePeriodSeconds");
        md.remove("selfLink");
        if (!fromApply) md.remove("managedFields");
        s.prepareForCreate(obj);
        validateMeta(s, obj, errs);
        errs.addAll(s.validateCreate(obj));
        if (!errs.isEmpty()) throw ApiException.invalid(t, name, errs);
        if (!fromApply) ManagedFields.recordUpdate(null, obj, manager(ctx.ex), t.apiVersion(), "", s::patchMergeKey);
        if (dryRun(ctx.ex)) return obj;
        return allocateAndWrite(t, s, obj, null, name, () -> storage.create(t, obj));
    }

    /**
     * allocate then write. Only types whose allocate takes from a shared pool (Services) run this one at a time, so
     * creates of every other type proceed in parallel.
     */
    private ObjectNode allocateAndWrite(ResourceType t, ResourceStrategy s, ObjectNode obj, ObjectNode old, String name,
                                        java.util.function.Supplier<ObjectNode> write) {
        if (!s.allocatesFromSharedPool()) {
            List<FieldError> aerr = s.allocate(obj, old, storage);
            if (!aerr.isEmpty()) throw ApiException.invalid(t, name, aerr);
            return write.get();
        }
        synchronized (allocLock(t)) {
            List<FieldError> aerr = s.allocate(obj, old, storage);
            if (!aerr.isEmpty()) throw ApiException.invalid(t, name, aerr);
            return write.get();
        }
    }

    private Object allocLock(ResourceType t) {
        return allocLocks.computeIfAbsent(t.qualifiedPlural(), k -> new Object());
    }

    private static String manager(HttpExchange ex) {
        String m = ex.param("fieldManager");
        if (m != null && !m.isEmpty()) return m;
        String ua = ex.header("User-Agent");
        if (ua == null || ua.isEmpty()) return "unknown";
        int slash = ua.indexOf('/');
        return slash > 0 ? ua.substring(0, slash) : ua;
    }

    /** Namespace key -> {modRevision, 1 if terminating}: each create reads the Namespace, decoding it only when it changed. */
    private final Map<String, long[]> namespaceStates = new ConcurrentHashMap<>();

    private void requireActiveNamespace(String ns) {
        ResourceType nsType = registry.byResource("", "v1", "namespaces").map(ResourceRegistry.Entry::type).orElse(null);
        if (nsType == null) return;
        KeyValue kv = storage.store().get(Storage.key(nsType, null, ns)).orElseThrow(() -> ApiException.notFound(nsType, ns));
        long[] st = namespaceStates.get(kv.key());
        if (st == null || st[0] != kv.modRevision()) {
            ObjectNode n = storage.decode(nsType, kv);
            boolean terminating = n.path("metadata").has("deletionTimestamp") || "Terminating".equals(n.path("status").path("phase").asText());
            if (namespaceStates.size() > 10_000) namespaceStates.clear();
            st = new long[]{kv.modRevision(), terminating ? 1 : 0};
            namespaceStates.put(kv.key(), st);
        }
        if (st[1] == 1)
            throw new ApiException(ErrorKind.PERMISSION_DENIED, 403, "Forbidden",
                    "unable to create new content in namespace " + ns + " because it is being terminated", null);
    }

    private static void validateMeta(ResourceStrategy s, ObjectNode obj, List<FieldError> errs) {
        JsonNode md = obj.path("metadata");
        Validation.name(md.path("name").asText(""), s.nameRule(), errs);
        Validation.labels(md.get("labels"), errs);
        Validation.annotations(md.get("annotations"), errs);
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String randomSuffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5; i++) sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        return sb.toString();
    }

    // ---- update / patch ----

    private void update(Ctx ctx, Req req) {
        ObjectNode obj = decodeBody(ctx, req, false);
        String name = obj.path("metadata").path("name").asText("");
        if (!name.isEmpty() && !name.equals(req.name))
            throw ApiException.badRequest("the name of the object (" + name + ") does not match the name on the URL (" + req.name + ")");
        ObjectNode old = load(req);
        String rv = obj.path("metadata").path("resourceVersion").asText("");
        if (!rv.isEmpty() && !rv.equals(old.path("metadata").path("resourceVersion").asText()))
            throw ApiException.modified(req.type(), req.name);
        ObjectNode out = updateObject(ctx, req, old, obj, "");
        sendJson(ctx, 200, out);
    }

    /**
     * The update path shared by PUT, PATCH and the status subresource: keep system fields, apply strategy hooks,
     * bump generation, record managedFields, write with the old revision as precondition.
     */
    private ObjectNode updateObject(Ctx ctx, Req req, ObjectNode old, ObjectNode obj, String subresource) {
        ResourceType t = req.type();
        ResourceStrategy s = req.strategy();
        ObjectNode md = obj.with("metadata");
        JsonNode omd = old.path("metadata");
        md.put("name", omd.path("name").asText());
        if (t.namespaced()) md.put("namespace", omd.path("namespace").asText());
        else md.remove("namespace");
        for (String f : List.of("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds")) {
            if (omd.has(f)) md.set(f, omd.get(f).deepCopy()); else md.remove(f);
        }
        md.remove("selfLink");
        obj.put("apiVersion", t.apiVersion());
        obj.put("kind", t.kind());
        boolean hasStatus = t.hasSubresource("status");
        if (subresource.equals("status")) {
            // Only status changes through /status (and metadata labels/annotations stay as stored).
            JsonNode newStatus = obj.get("status");
            ObjectNode copy = old.deepCopy();
            if (newStatus != null) copy.set("status", newStatus.deepCopy()); else copy.remove("status");
            copy.with("metadata").put("resourceVersion", omd.path("resourceVersion").asText());
            obj = copy;
            md = obj.with("metadata");
            s.prepareForStatusUpdate(obj, old);
        } else {
            if (hasStatus) {
                if (old.has("status")) obj.set("status", old.get("status").deepCopy()); else obj.remove("status");
            }
            s.applyDefaults(obj);
            s.prepareForUpdate(obj, old);
        }
        md = obj.with("metadata");
        long gen = omd.path("generation").asLong(1);
        if (specChanged(old, obj)) gen++;
        md.put("generation", gen);
        List<FieldError> errs = new ArrayList<>();
        validateMeta(s, obj, errs);
        errs.addAll(s.validateUpdate(obj, old));
        if (!errs.isEmpty()) throw ApiException.invalid(t, req.name, errs);
        if (!"apply".equals(subresource)) {
            ManagedFields.recordUpdate(old, obj, manager(ctx.ex), t.apiVersion(), subresource.equals("status") ? "status" : "", s::patchMergeKey);
        }
        long oldRv = parseLong(omd.path("resourceVersion").asText("0"), "resourceVersion");
        // Nothing changed: answer with the stored object and write nothing (resourceVersion stays).
        if (sameExcept(old, obj, Set.of(), VOLATILE_META)) return old;
        if (dryRun(ctx.ex)) return obj;
        // Finalizers gone on an object being deleted: it goes away now.
        if (md.has("deletionTimestamp") && (!md.has("finalizers") || md.path("finalizers").isEmpty())) {
            ObjectNode gone = storage.delete(t, req.namespace, req.name, oldRv);
            s.release(gone);
            return gone;
        }
        ObjectNode toWrite = obj;
        return allocateAndWrite(t, s, obj, old, req.name, () -> storage.update(t, toWrite, oldRv));
    }

    private static final Set<String> VOLATILE_META = Set.of("resourceVersion", "managedFields");
    private static final Set<String> NOT_SPEC = Set.of("metadata", "status", "apiVersion", "kind");

    /** Whether anything outside metadata and status changed (generation +1). */
    private static boolean specChanged(ObjectNode a, ObjectNode b) {
        return !sameExcept(a, b, NOT_SPEC, null);
    }

    /**
     * {@code a} equals {@code b} leaving out the top-level fields {@code skipTop} and, when {@code skipMeta} is not null,
     * the metadata fields {@code skipMeta}. Compares in place: every update used to deep-copy both objects twice for this.
     */
    private static boolean sameExcept(ObjectNode a, ObjectNode b, Set<String> skipTop, Set<String> skipMeta) {
        java.util.Set<String> names = new java.util.HashSet<>();
        a.fieldNames().forEachRemaining(names::add);
        b.fieldNames().forEachRemaining(names::add);
        for (String f : names) {
            if (skipTop.contains(f)) continue;
            JsonNode x = a.get(f), y = b.get(f);
            if (skipMeta != null && f.equals("metadata")) {
                if (!sameExcept(x instanceof ObjectNode o ? o : Json.MAPPER.createObjectNode(),
                        y instanceof ObjectNode o ? o : Json.MAPPER.createObjectNode(), skipMeta, null)) return false;
            } else if (x == null || y == null || !x.equals(NUMERIC, y)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Leaf equality with numbers compared by value: the core writes generation as a long (LongNode) while decoding
     * gives an IntNode, and Jackson's equals calls those different, so every no-op update used to be written.
     */
    private static final java.util.Comparator<JsonNode> NUMERIC = (a, b) -> {
        if (a.equals(b)) return 0;
        if (a.isNumber() && b.isNumber()) return a.decimalValue().compareTo(b.decimalValue()) == 0 ? 0 : 1;
        return 1;
    };

    private void patch(Ctx ctx, Req req) {
        HttpExchange ex = ctx.ex;
        String ct = ex.header("Content-Type");
        String mt = ct == null ? "" : ct.split(";")[0].trim().toLowerCase();
        String validation = fieldValidation(ex);
        JsonNode patch = switch (mt) {
            case "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json" -> parseJson(nonEmpty(ex.body()), validation);
            case "application/apply-patch+yaml", "application/apply-patch+cbor" -> parseYaml(nonEmpty(ex.body()));
            default -> throw new ApiException(ErrorKind.UNSUPPORTED, 415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json", null);
        };
        ResourceType t = req.type();
        ResourceStrategy s = req.strategy();
        boolean apply = mt.startsWith("application/apply-patch");
        for (int attempt = 0; ; attempt++) {
            ObjectNode old = storage.get(t, req.namespace, req.name).orElse(null);
            if (old == null) {
                if (!apply) throw ApiException.notFound(t, req.name);
                if (!(patch instanceof ObjectNode po)) throw ApiException.badRequest("apply patch must be an object");
                ObjectNode body = po.deepCopy();
                checkTypeMeta(req, body);
                checkUnknownFields(ctx, req, body, validation);
                body.with("metadata").put("name", req.name);
                ObjectNode applied = ManagedFields.apply(null, body, ex.param("fieldManager"), true, t.apiVersion(), s::patchMergeKey);
                try {
                    sendJson(ctx, 201, createObject(ctx, req, applied, true));
                    return;
                } catch (ApiException e) {
                    if (e.code() == 409 && "AlreadyExists".equals(e.reason()) && attempt < 3) continue;
                    throw e;
                }
            }
            ObjectNode patched;
            switch (mt) {
                case "application/json-patch+json" -> {
                    JsonNode r = Patches.jsonPatch(old, patch);
                    if (!(r instanceof ObjectNode o)) throw ApiException.badRequest("the patch produced a non-object");
                    patched = o;
                }
                case "application/merge-patch+json" -> {
                    if (!patch.isObject()) throw ApiException.badRequest("merge patch must be a JSON object");
                    patched = (ObjectNode) Patches.mergePatch(old, patch);
                }
                case "application/strategic-merge-patch+json" -> patched = (ObjectNode) Patches.strategicMerge(old, patch, s::patchMergeKey);
                default -> {
                    if (!(patch instanceof ObjectNode po)) throw ApiException.badRequest("apply patch must be an object");
                    ObjectNode body = po.deepCopy();
                    checkTypeMeta(req, body);
                    String n = body.path("metadata").path("name").asText("");
                    if (!n.isEmpty() && !n.equals(req.name)) throw ApiException.badRequest("the name of the object (" + n + ") does not match the name on the URL (" + req.name + ")");
                    body.with("metadata").put("name", req.name);
                    patched = ManagedFields.apply(old, body, ex.param("fieldManager"), "true".equals(ex.param("force")), t.apiVersion(), s::patchMergeKey);
                }
            }
            if (!apply) checkUnknownFields(ctx, req, patched, validation);
            // A resourceVersion in the patch is a precondition.
            String prv = patch.path("metadata").path("resourceVersion").asText("");
            String orv = old.path("metadata").path("resourceVersion").asText();
            if (!prv.isEmpty() && !prv.equals(orv)) throw ApiException.modified(t, req.name);
            patched.with("metadata").put("resourceVersion", orv);
            try {
                ObjectNode out = updateObject(ctx, req, old, patched, apply ? "apply" : subresourceOf(req));
                sendJson(ctx, 200, out);
                return;
            } catch (ApiException e) {
                // Patches retry on a concurrent write unless the client pinned the resourceVersion (GuaranteedUpdate).
                if (e.code() == 409 && "Conflict".equals(e.reason()) && prv.isEmpty() && attempt < 5 && e.getMessage().contains("has been modified")) continue;
                throw e;
            }
        }
    }

    private static String subresourceOf(Req req) {
        return req.subresource == null ? "" : req.subresource;
    }

    private static byte[] nonEmpty(byte[] b) {
        if (b.length == 0) throw ApiException.badRequest("the body of the request was empty");
        return b;
    }

    // ---- delete ----

    private ObjectNode deleteOptions(HttpExchange ex) {
        ObjectNode opts = Json.MAPPER.createObjectNode();
        byte[] body = ex.body();
        if (body.length > 0) {
            JsonNode n = parseJson(body, "Ignore");
            if (n instanceof ObjectNode o) opts = o;
            else if (!n.isNull()) throw ApiException.badRequest("DeleteOptions must be a JSON object");
        }
        String gp = ex.param("gracePeriodSeconds");
        if (gp != null) opts.put("gracePeriodSeconds", parseLong(gp, "gracePeriodSeconds"));
        String pp = ex.param("propagationPolicy");
        if (pp != null) opts.put("propagationPolicy", pp);
        String od = ex.param("orphanDependents");
        if (od != null) opts.put("orphanDependents", Boolean.parseBoolean(od));
        String pp2 = opts.path("propagationPolicy").asText("");
        if (!pp2.isEmpty() && !Set.of("Orphan", "Background", "Foreground").contains(pp2))
            throw ApiException.invalid(ResourceType.of("meta.k8s.io", "v1", "DeleteOptions", "deleteoptions", false), "",
                    List.of(FieldError.notSupported("propagationPolicy", TextNode.valueOf(pp2), List.of("Foreground", "Background", "Orphan", "nil"))));
        return opts;
    }

    private void delete(Ctx ctx, Req req) {
        ObjectNode opts = deleteOptions(ctx.ex);
        ObjectNode out = deleteObject(ctx, req, req.name, opts);
        sendJson(ctx, 200, out);
    }

    private ObjectNode deleteObject(Ctx ctx, Req req, String name, ObjectNode opts) {
        ResourceType t = req.type();
        for (int attempt = 0; ; attempt++) {
            ObjectNode obj = storage.get(t, req.namespace, name).orElseThrow(() -> ApiException.notFound(t, name));
            ObjectNode md = obj.with("metadata");
            JsonNode pre = opts.path("preconditions");
            if (pre.hasNonNull("uid") && !pre.path("uid").asText().equals(md.path("uid").asText()))
                throw ApiException.conflict(t, name, "Precondition failed: UID in precondition: " + pre.path("uid").asText() + ", UID in object meta: " + md.path("uid").asText());
            if (pre.hasNonNull("resourceVersion") && !pre.path("resourceVersion").asText().equals(md.path("resourceVersion").asText()))
                throw ApiException.conflict(t, name, "Precondition failed: ResourceVersion in precondition: " + pre.path("resourceVersion").asText() + ", ResourceVersion in object meta: " + md.path("resourceVersion").asText());
            long rv = md.path("resourceVersion").asLong();
            boolean dry = dryRun(ctx.ex);
            String policy = opts.path("propagationPolicy").asText("");
            if (policy.isEmpty() && opts.path("orphanDependents").asBoolean(false)) policy = "Orphan";
            List<String> finalizers = new ArrayList<>();
            md.path("finalizers").forEach(f -> finalizers.add(f.asText()));
            boolean changed = false;
            if (policy.equals("Foreground") && !finalizers.contains("foregroundDeletion")) { finalizers.add("foregroundDeletion"); changed = true; }
            if (policy.equals("Orphan") && !finalizers.contains("orphan")) { finalizers.add("orphan"); changed = true; }
            boolean namespace = t.group().isEmpty() && t.plural().equals("namespaces");
            long grace = graceFor(t, obj, opts);
            try {
                if (namespace) {
                    if (md.has("deletionTimestamp")) return obj;
                    md.put("deletionTimestamp", now());
                    md.put("deletionGracePeriodSeconds", 0);
                    obj.with("status").put("phase", "Terminating");
                    if (dry) return obj;
                    ObjectNode out = storage.update(t, obj, rv);
                    Thread.ofVirtual().name("namespace-cleanup-" + name).start(() -> cleanupNamespace(name));
                    return out;
                }
                if (!finalizers.isEmpty() || grace > 0) {
                    if (md.has("deletionTimestamp") && !changed) {
                        // Already terminating; a shorter grace period (e.g. --force --grace-period=0) finishes it now.
                        if (grace == 0 && finalizers.isEmpty()) return finalDelete(t, req.namespace, name, rv, dry, obj);
                        return obj;
                    }
                    ArrayNode fa = Json.MAPPER.createArrayNode();
                    finalizers.forEach(fa::add);
                    if (!finalizers.isEmpty()) md.set("finalizers", fa);
                    md.put("deletionTimestamp", Instant.now().plusSeconds(grace).truncatedTo(ChronoUnit.SECONDS).toString());
                    md.put("deletionGracePeriodSeconds", grace);
                    if (dry) return obj;
                    return storage.update(t, obj, rv);
                }
                return finalDelete(t, req.namespace, name, rv, dry, obj);
            } catch (ApiException e) {
                if (e.code() == 409 && "Conflict".equals(e.reason()) && e.getMessage().contains("has been modified") && attempt < 5) continue;
                throw e;
            }
        }
    }

    private ObjectNode finalDelete(ResourceType t, String ns, String name, long rv, boolean dry, ObjectNode obj) {
        if (dry) return obj;
        ObjectNode gone = storage.delete(t, ns, name, rv);
        registry.byResource(t.group(), t.version(), t.plural()).ifPresent(e -> e.strategy().release(gone));
        return gone;
    }

    /**
     * Grace period: only pods bound to a node and still running wait for their kubelet (as in Kubernetes, where an
     * unscheduled or finished pod is deleted at once); everything else is deleted immediately.
     */
    private static long graceFor(ResourceType t, ObjectNode obj, ObjectNode opts) {
        if (!(t.group().isEmpty() && t.plural().equals("pods"))) return 0;
        if (obj.path("spec").path("nodeName").asText("").isEmpty()) return 0;
        String phase = obj.path("status").path("phase").asText("");
        if (phase.equals("Succeeded") || phase.equals("Failed")) return 0;
        if (opts.has("gracePeriodSeconds")) return Math.max(0, opts.path("gracePeriodSeconds").asLong());
        return obj.path("spec").path("terminationGracePeriodSeconds").asLong(30);
    }

    /** Deletes a terminating namespace's content, then the namespace (the namespace controller's job, done here). */
    private void cleanupNamespace(String ns) {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        try {
            while (System.nanoTime() < deadline) {
                int left = 0;
                for (ResourceRegistry.Entry e : registry.all()) {
                    ResourceType t = e.type();
                    if (!t.namespaced()) continue;
                    for (ObjectNode o : storage.list(t, ns)) {
                        left++;
                        ObjectNode md = o.with("metadata");
                        long rv = md.path("resourceVersion").asLong();
                        try {
                            if (md.path("finalizers").isEmpty()) {
                                ObjectNode gone = storage.delete(t, ns, md.path("name").asText(), rv);
                                e.strategy().release(gone);
                            } else if (!md.has("deletionTimestamp")) {
                                md.put("deletionTimestamp", now());
                                md.put("deletionGracePeriodSeconds", 0);
                                storage.update(t, o, rv);
                            }
                        } catch (WharfException ignored) { /* changed meanwhile: next round */ }
                    }
                }
                if (left == 0) break;
                Thread.sleep(500);
            }
            ResourceType nsType = registry.byResource("", "v1", "namespaces").orElseThrow().type();
            storage.get(nsType, null, ns).ifPresent(n -> storage.delete(nsType, null, ns, 0));
        } catch (Exception e) {
            log.warn("cleanup of namespace {} failed: {}", ns, e.toString());
        }
    }

    private void deleteCollection(Ctx ctx, Req req) {
        ObjectNode opts = deleteOptions(ctx.ex);
        Page page = listPage(ctx, req);
        ResourceType t = req.type();
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("kind", t.listKind());
        out.put("apiVersion", t.apiVersion());
        out.putObject("metadata");
        ArrayNode items = out.putArray("items");
        for (ObjectNode o : page.objects(storage, req.type())) {
            Req one = new Req("delete", req.entry, o.path("metadata").path("namespace").asText(null), o.path("metadata").path("name").asText(), null, false);
            try {
                items.add(deleteObject(ctx, one, one.name, opts));
            } catch (ApiException e) {
                if (e.code() != 404) throw e;
            }
        }
        sendJson(ctx, 200, out);
    }

    // ---- subresources ----

    private void subresource(Ctx ctx, Req req) {
        ResourceType t = req.type();
        String sub = req.subresource;
        ResourceType.Subresource sr = t.subresource(sub).orElse(null);
        String verb = req.verb;
        if (sr != null && !sr.verbs().contains(verb) && !(verb.equals("create") && sr.verbs().contains("create")))
            if (!(sub.equals("log") || sub.equals("exec") || sub.equals("attach") || sub.equals("portforward") || sub.equals("proxy")))
                throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        switch (sub) {
            case "status" -> status(ctx, req);
            case "scale" -> scale(ctx, req);
            case "binding" -> binding(ctx, req);
            case "eviction" -> eviction(ctx, req);
            case "token" -> token(ctx, req);
            case "finalize" -> finalizeNamespace(ctx, req);
            case "log", "exec", "attach", "portforward", "proxy" -> streaming(ctx, req);
            default -> throw ApiException.notFound("the server could not find the requested resource");
        }
    }

    private void status(Ctx ctx, Req req) {
        switch (req.verb) {
            case "get" -> sendJson(ctx, 200, load(req));
            case "update" -> {
                ObjectNode obj = decodeBody(ctx, req, false);
                ObjectNode old = load(req);
                String rv = obj.path("metadata").path("resourceVersion").asText("");
                if (!rv.isEmpty() && !rv.equals(old.path("metadata").path("resourceVersion").asText())) throw ApiException.modified(req.type(), req.name);
                sendJson(ctx, 200, updateObject(ctx, req, old, obj, "status"));
            }
            case "patch" -> patch(ctx, req);
            default -> throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
    }

    private void finalizeNamespace(Ctx ctx, Req req) {
        if (!req.verb.equals("update")) throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        ObjectNode obj = decodeBody(ctx, req, false);
        ObjectNode old = load(req);
        ObjectNode copy = old.deepCopy();
        copy.with("spec").set("finalizers", obj.path("spec").path("finalizers").deepCopy());
        long rv = old.path("metadata").path("resourceVersion").asLong();
        if (copy.path("metadata").has("deletionTimestamp") && copy.path("spec").path("finalizers").isEmpty() && copy.path("metadata").path("finalizers").isEmpty()) {
            sendJson(ctx, 200, storage.delete(req.type(), null, req.name, rv));
            return;
        }
        sendJson(ctx, 200, storage.update(req.type(), copy, rv));
    }

    /** labels.SelectorFromSet(m).String(): "a=b,c=d" sorted by key. */
    private static String formatLabelMap(JsonNode m) {
        java.util.TreeMap<String, String> sorted = new java.util.TreeMap<>();
        m.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().asText()));
        List<String> parts = new java.util.ArrayList<>();
        sorted.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(",", parts);
    }

    private static ObjectNode toScale(ResourceType t, ObjectNode obj) {
        ObjectNode sc = Json.MAPPER.createObjectNode();
        sc.put("kind", "Scale");
        sc.put("apiVersion", "autoscaling/v1");
        ObjectNode md = sc.putObject("metadata");
        JsonNode omd = obj.path("metadata");
        for (String f : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp"))
            if (omd.has(f)) md.set(f, omd.get(f).deepCopy());
        sc.putObject("spec").put("replicas", obj.path("spec").path("replicas").asInt(1));
        ObjectNode st = sc.putObject("status");
        st.put("replicas", obj.path("status").path("replicas").asInt(0));
        JsonNode sel = obj.path("spec").path("selector");
        // ReplicationController's selector is a plain label map, the others' a metav1.LabelSelector.
        boolean plainMap = t.group().isEmpty() && t.kind().equals("ReplicationController");
        if (sel.isObject()) st.put("selector", plainMap ? formatLabelMap(sel) : LabelSelector.format(sel));
        return sc;
    }

    private void scale(Ctx ctx, Req req) {
        ResourceType t = req.type();
        HttpExchange ex = ctx.ex;
        for (int attempt = 0; ; attempt++) {
            ObjectNode obj = load(req);
            ObjectNode current = toScale(t, obj);
            if (req.verb.equals("get")) { sendJson(ctx, 200, current); return; }
            ObjectNode desired;
            String rvPrecondition = "";
            if (req.verb.equals("update")) {
                JsonNode n = parseJson(nonEmpty(ex.body()), "Ignore");
                if (!(n instanceof ObjectNode o)) throw ApiException.badRequest("the body must be a Scale object");
                desired = o;
                rvPrecondition = o.path("metadata").path("resourceVersion").asText("");
            } else if (req.verb.equals("patch")) {
                String ct = ex.header("Content-Type");
                String mt = ct == null ? "" : ct.split(";")[0].trim();
                JsonNode p = parseJson(nonEmpty(ex.body()), "Ignore");
                desired = (ObjectNode) switch (mt) {
                    case "application/json-patch+json" -> Patches.jsonPatch(current, p);
                    case "application/merge-patch+json", "application/apply-patch+yaml" -> Patches.mergePatch(current, p);
                    case "application/strategic-merge-patch+json" -> Patches.strategicMerge(current, p, x -> null);
                    default -> throw ApiException.unsupportedMediaType(ct);
                };
                rvPrecondition = p.path("metadata").path("resourceVersion").asText("");
            } else throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
            JsonNode replicas = desired.path("spec").path("replicas");
            if (!replicas.isIntegralNumber() || replicas.asLong() < 0 || replicas.asLong() > Integer.MAX_VALUE)
                throw ApiException.invalid(ResourceType.of("autoscaling", "v1", "Scale", "scales", true), req.name,
                        List.of(FieldError.invalid("spec.replicas", replicas.isMissingNode() ? null : replicas, "must be greater than or equal to 0")));
            String orv = obj.path("metadata").path("resourceVersion").asText();
            if (!rvPrecondition.isEmpty() && !rvPrecondition.equals(orv)) throw ApiException.modified(t, req.name);
            ObjectNode updated = obj.deepCopy();
            updated.with("spec").put("replicas", replicas.asInt());
            try {
                ObjectNode out = updateObject(ctx, new Req("update", req.entry, req.namespace, req.name, null, false), obj, updated, "scale");
                sendJson(ctx, 200, toScale(t, out));
                return;
            } catch (ApiException e) {
                if (e.code() == 409 && rvPrecondition.isEmpty() && attempt < 5) continue;
                throw e;
            }
        }
    }

    private void binding(Ctx ctx, Req req) {
        if (!req.verb.equals("create")) throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        // client-go components (kube-scheduler) send the Binding as protobuf by default
        String ct = ctx.ex.header("Content-Type");
        JsonNode b;
        if (ct != null && ct.toLowerCase().startsWith("application/vnd.kubernetes.protobuf") && kinds != null) {
            try {
                b = kinds.decodeProtobuf(nonEmpty(ctx.ex.body()));
            } catch (WharfException e) {
                if (e instanceof ApiException) throw e;
                throw ApiException.badRequest(e.getMessage());
            } catch (RuntimeException e) {
                throw ApiException.badRequest("malformed protobuf body: " + e.getMessage());
            }
        } else b = parseJson(nonEmpty(ctx.ex.body()), "Ignore");
        String node = b.path("target").path("name").asText("");
        if (node.isEmpty()) throw ApiException.invalid(ResourceType.of("", "v1", "Binding", "bindings", true), req.name,
                List.of(FieldError.required("target.name", "")));
        for (int attempt = 0; ; attempt++) {
            ObjectNode pod = load(req);
            String cur = pod.path("spec").path("nodeName").asText("");
            if (!cur.isEmpty()) throw ApiException.conflict(req.type(), req.name, "pod " + req.name + " is already assigned to node \"" + cur + "\"");
            if (pod.path("metadata").has("deletionTimestamp")) throw ApiException.conflict(req.type(), req.name, "pod " + req.name + " is being deleted, cannot be assigned to a host");
            pod.with("spec").put("nodeName", node);
            JsonNode ann = b.path("metadata").path("annotations");
            if (ann.isObject()) ann.fields().forEachRemaining(e -> pod.with("metadata").with("annotations").set(e.getKey(), e.getValue()));
            try {
                storage.update(req.type(), pod, pod.path("metadata").path("resourceVersion").asLong());
                sendJson(ctx, 201, success(req.type(), req.name, null));
                return;
            } catch (ApiException e) {
                if (e.code() == 409 && attempt < 5) continue;
                throw e;
            }
        }
    }

    private void eviction(Ctx ctx, Req req) {
        if (!req.verb.equals("create")) throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        JsonNode ev = parseJson(nonEmpty(ctx.ex.body()), "Ignore");
        ObjectNode opts = ev.path("deleteOptions") instanceof ObjectNode o ? o.deepCopy() : Json.MAPPER.createObjectNode();
        deleteObject(ctx, new Req("delete", req.entry, req.namespace, req.name, null, false), req.name, opts);
        ObjectNode s = success(req.type(), req.name, null);
        s.remove("details");
        sendJson(ctx, 201, s);
    }

    private void token(Ctx ctx, Req req) {
        if (!req.verb.equals("create")) throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        ObjectNode sa = load(req);
        JsonNode tr = parseJson(nonEmpty(ctx.ex.body()), "Ignore");
        long exp = tr.path("spec").path("expirationSeconds").asLong(3600);
        if (exp < 600) throw ApiException.badRequest("spec.expirationSeconds: Invalid value: " + exp + ": may not specify a duration less than 10 minutes");
        List<String> aud = new ArrayList<>();
        tr.path("spec").path("audiences").forEach(a -> aud.add(a.asText()));
        String token = saTokens.issue(req.namespace, req.name, sa.path("metadata").path("uid").asText(), aud, exp);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("kind", "TokenRequest");
        out.put("apiVersion", "authentication.k8s.io/v1");
        out.putObject("metadata").put("name", req.name).put("namespace", req.namespace).put("creationTimestamp", (String) null);
        ObjectNode spec = out.putObject("spec");
        ArrayNode audA = spec.putArray("audiences");
        (aud.isEmpty() ? List.of(ServiceAccountTokens.ISSUER) : aud).forEach(audA::add);
        spec.put("expirationSeconds", exp);
        if (tr.path("spec").has("boundObjectRef")) spec.set("boundObjectRef", tr.path("spec").path("boundObjectRef").deepCopy());
        out.putObject("status").put("token", token).put("expirationTimestamp", Instant.now().plusSeconds(exp).truncatedTo(ChronoUnit.SECONDS).toString());
        sendJson(ctx, 201, out);
    }

    /** log/exec/attach/portforward/proxy: answered at once until a node agent serves them (never hangs). */
    private void streaming(Ctx ctx, Req req) {
        ObjectNode pod = load(req);
        String node = pod.path("spec").path("nodeName").asText("");
        // One sentence kubectl prints as is ("Error from server (BadRequest): ..." for logs, "error: unable to upgrade
        // connection: ..." for exec/attach/port-forward), saying why rather than only what.
        String what = req.type().singular() + " " + req.name;
        String why = "no node agent serves " + what + ": the node agent (kubelet) is not part of this Wharf yet";
        if (node.isEmpty()) throw ApiException.badRequest(why + " (" + what + " does not have a host assigned)");
        throw ApiException.unavailable(why + " (" + what + " is bound to node " + node + "; " + req.subresource + " needs its kubelet)");
    }

    // ---- reviews (authorization.k8s.io, authentication.k8s.io): created, never stored ----

    /** True if the request was a review handled here. Called before the generic create. */
    boolean review(Ctx ctx, Req req) {
        ResourceType t = req.type();
        if (t.group().equals("authorization.k8s.io") && t.plural().equals("selfsubjectaccessreviews") && req.verb.equals("create")) {
            JsonNode body = reviewBody(ctx);
            JsonNode ra = body.path("spec").path("resourceAttributes");
            JsonNode nra = body.path("spec").path("nonResourceAttributes");
            Rbac.Decision d;
            if (ra.isObject()) {
                d = rbac.authorize(ctx.user, new Rbac.Attributes(ra.path("verb").asText(""), ra.path("group").asText(""), ra.path("resource").asText(""),
                        ra.path("subresource").asText(""), ra.path("namespace").asText(""), ra.path("name").asText(""), "", true));
            } else {
                d = rbac.authorize(ctx.user, new Rbac.Attributes(nra.path("verb").asText(""), "", "", "", "", "", nra.path("path").asText(""), false));
            }
            ObjectNode out = body instanceof ObjectNode o ? o.deepCopy() : Json.MAPPER.createObjectNode();
            out.put("kind", "SelfSubjectAccessReview");
            out.put("apiVersion", "authorization.k8s.io/v1");
            out.with("metadata").put("creationTimestamp", (String) null);
            ObjectNode st = out.putObject("status");
            st.put("allowed", d.allowed());
            if (!d.reason().isEmpty()) st.put("reason", d.reason());
            sendJson(ctx, 201, out);
            return true;
        }
        if (t.group().equals("authentication.k8s.io") && t.plural().equals("selfsubjectreviews") && req.verb.equals("create")) {
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("kind", "SelfSubjectReview");
            out.put("apiVersion", t.apiVersion());
            out.putObject("metadata").put("creationTimestamp", (String) null);
            ObjectNode ui = out.putObject("status").putObject("userInfo");
            ui.put("username", ctx.user.name());
            if (!ctx.user.uid().isEmpty()) ui.put("uid", ctx.user.uid());
            ArrayNode g = ui.putArray("groups");
            ctx.user.groups().forEach(g::add);
            sendJson(ctx, 201, out);
            return true;
        }
        return false;
    }

    /** A review body in JSON, YAML or protobuf (kubectl 1.32+ sends protobuf for `auth can-i`). */
    private JsonNode reviewBody(Ctx ctx) {
        String ct = ctx.ex.header("Content-Type");
        byte[] body = nonEmpty(ctx.ex.body());
        if (ct != null && ct.startsWith("application/vnd.kubernetes.protobuf")) {
            return ReviewProtobuf.decode(body);
        }
        if (ct != null && ct.contains("yaml")) return parseYaml(body);
        return parseJson(body, "Ignore");
    }

    // ---- helpers ----

    private static int parseInt(String s, int dflt, String what) {
        if (s == null || s.isEmpty()) return dflt;
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid " + what + ": " + s);
        }
    }

    private static long parseLong(String s, String what) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid " + what + ": \"" + s + "\"");
        }
    }
}
