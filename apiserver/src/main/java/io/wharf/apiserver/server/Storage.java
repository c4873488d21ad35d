package io.wharf.apiserver.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.ObjectReader;
import io.wharf.apiserver.ResourceType;
import io.wharf.common.ErrorKind;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.store.Deleted;
import io.wharf.store.KeyValue;
import io.wharf.store.ListResult;
import io.wharf.store.Store;
import io.wharf.store.Watch;
import io.wharf.store.WatchCache;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Objects on top of the byte store: key layout {@code /registry/<plural>[.<group>]/[<namespace>/]<name>}, JSON encoding,
 * and {@code metadata.resourceVersion} = the key's modRevision (never stored in the bytes, set on every read).
 */
public final class Storage implements ObjectReader {
    private final Store store;
    private final SecretCodec secrets;
    private final WatchCache cache;

    public Storage(Store store, SecretCodec secrets) {
        this(store, secrets, null);
    }

    /** With a started {@link WatchCache} over "/registry/": lists and watches are then served from memory. */
    public Storage(Store store, SecretCodec secrets, WatchCache cache) {
        this.store = store;
        this.secrets = secrets == null ? SecretCodec.NONE : secrets;
        this.cache = cache;
    }

    /** A page of raw keys (consistent when revision is 0). */
    public ListResult listRaw(String prefix, String startKey, int limit, long revision) {
        return cache != null ? cache.list(prefix, startKey, limit, revision) : store.list(prefix, startKey, limit, revision);
    }

    /** Watches raw keys strictly after {@code fromRevision}; Progress events only with a cache and bookmarks on. */
    public Watch watchRaw(String prefix, long fromRevision, boolean bookmarks) {
        return cache != null ? cache.watch(prefix, fromRevision, bookmarks) : store.watch(prefix, fromRevision);
    }

    public Store store() { return store; }

    public static String prefix(ResourceType t, String namespace) {
        String p = "/registry/" + t.qualifiedPlural() + "/";
        return t.namespaced() && namespace != null && !namespace.isEmpty() ? p + namespace + "/" : p;
    }

    public static String key(ResourceType t, String namespace, String name) {
        return prefix(t, t.namespaced() ? namespace : null) + name;
    }

    private boolean encrypted(ResourceType t) {
        return t.group().isEmpty() && t.plural().equals("secrets");
    }

    public ObjectNode decode(ResourceType t, KeyValue kv) {
        try {
            byte[] raw = encrypted(t) ? secrets.decrypt(kv.value()) : kv.value();
            ObjectNode o = (ObjectNode) Json.MAPPER.readTree(raw);
            o.with("metadata").put("resourceVersion", Long.toString(kv.modRevision()));
            return o;
        } catch (IOException | ClassCastException e) {
            throw WharfException.internal("corrupt object at " + kv.key(), e);
        }
    }

    /**
     * Encodes an object for the store, with apiVersion, kind and metadata first: {@link #json} relies on that order to
     * splice the resourceVersion into the stored bytes without decoding them.
     */
    private static final java.util.regex.Pattern HEAD =
            java.util.regex.Pattern.compile("^\\{\"apiVersion\":\"[^\"\\\\]*\",\"kind\":\"[^\"\\\\]*\",\"metadata\":\\{");

    /**
     * The JSON of a stored version with its resourceVersion, written from the stored bytes: the resourceVersion is
     * spliced in right after {@code "metadata":{} (encode puts apiVersion, kind and metadata first), so reads skip a
     * decode/encode round trip. Falls back to decoding for bytes of another shape.
     */
    public byte[] json(ResourceType t, KeyValue kv) {
        byte[] raw = encrypted(t) ? secrets.decrypt(kv.value()) : kv.value();
        String head = new String(raw, 0, Math.min(raw.length, 256), java.nio.charset.StandardCharsets.ISO_8859_1);
        var m = HEAD.matcher(head);
        if (!m.find()) return Json.bytes(decode(t, kv));
        int at = m.end();
        byte[] rv = ("\"resourceVersion\":\"" + kv.modRevision() + "\"" + (raw[at] == '}' ? "" : ",")).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] out = new byte[raw.length + rv.length];
        System.arraycopy(raw, 0, out, 0, at);
        System.arraycopy(rv, 0, out, at, rv.length);
        System.arraycopy(raw, at, out, at + rv.length, raw.length - at);
        return out;
    }

    public byte[] encode(ResourceType t, ObjectNode obj) {
        ObjectNode copy = Json.MAPPER.createObjectNode();
        copy.put("apiVersion", obj.path("apiVersion").asText(t.apiVersion()));
        copy.put("kind", obj.path("kind").asText(t.kind()));
        ObjectNode md = obj.path("metadata") instanceof ObjectNode m ? m.deepCopy() : Json.MAPPER.createObjectNode();
        md.remove("resourceVersion");
        copy.set("metadata", md);
        obj.fields().forEachRemaining(e -> {
            if (!copy.has(e.getKey())) copy.set(e.getKey(), e.getValue());
        });
        byte[] b = Json.bytes(copy);
        return encrypted(t) ? secrets.encrypt(b) : b;
    }

    public Optional<ObjectNode> get(ResourceType t, String namespace, String name) {
        return store.get(key(t, namespace, name)).map(kv -> decode(t, kv));
    }

    @Override
    public List<ObjectNode> list(ResourceType t, String namespace) {
        ListResult r = listRaw(prefix(t, namespace), null, 0, 0);
        List<ObjectNode> out = new ArrayList<>(r.items().size());
        for (KeyValue kv : r.items()) out.add(decode(t, kv));
        return out;
    }

    public ObjectNode create(ResourceType t, ObjectNode obj) {
        var md = obj.path("metadata");
        KeyValue kv;
        try {
            kv = store.create(key(t, md.path("namespace").asText(null), md.path("name").asText()), encode(t, obj));
        } catch (WharfException e) {
            if (e.kind() == ErrorKind.ALREADY_EXISTS) throw ApiException.alreadyExists(t, md.path("name").asText());
            throw e;
        }
        ObjectNode out = obj.deepCopy();
        out.with("metadata").put("resourceVersion", Long.toString(kv.modRevision()));
        return out;
    }

    /** Updates with an expected revision; a mismatch is the exact Kubernetes 409. */
    public ObjectNode update(ResourceType t, ObjectNode obj, long expectedRv) {
        var md = obj.path("metadata");
        String name = md.path("name").asText();
        KeyValue kv;
        try {
            kv = store.update(key(t, md.path("namespace").asText(null), name), encode(t, obj), expectedRv);
        } catch (WharfException e) {
            if (e.kind() == ErrorKind.CONFLICT) throw ApiException.modified(t, name);
            if (e.kind() == ErrorKind.NOT_FOUND) throw ApiException.notFound(t, name);
            throw e;
        }
        ObjectNode out = obj.deepCopy();
        out.with("metadata").put("resourceVersion", Long.toString(kv.modRevision()));
        return out;
    }

    public ObjectNode delete(ResourceType t, String namespace, String name, long expectedRv) {
        Deleted d;
        try {
            d = store.delete(key(t, namespace, name), expectedRv);
        } catch (WharfException e) {
            if (e.kind() == ErrorKind.CONFLICT) throw ApiException.modified(t, name);
            if (e.kind() == ErrorKind.NOT_FOUND) throw ApiException.notFound(t, name);
            throw e;
        }
        ObjectNode o = decode(t, d.previous());
        o.with("metadata").put("resourceVersion", Long.toString(d.revision()));
        return o;
    }

    /** Secret values at rest (EncryptionConfiguration aesgcm); NONE stores them as they are (the "identity" provider). */
    public interface SecretCodec {
        byte[] encrypt(byte[] plain);

        byte[] decrypt(byte[] stored);

        SecretCodec NONE = new SecretCodec() {
            public byte[] encrypt(byte[] p) { return p; }
            public byte[] decrypt(byte[] s) { return s; }
        };
    }
}
