package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What the informer caches do to each object before they keep it, as client-go's {@code SharedInformer.SetTransform}
 * lets kube-scheduler and kube-controller-manager strip objects: with 10,000 pods the caches were most of the
 * controller manager's heap (about 18 KB a pod), of which little is information the controllers read.
 * <ul>
 *   <li>{@code metadata.managedFields} is dropped (server-side apply bookkeeping: nested maps of field paths, read by
 *       no controller; client-go's informers of kube-scheduler drop it the same way);</li>
 *   <li>every string is replaced by its canonical copy ({@link String#intern()}): images, imageIDs, namespaces, node
 *       names, condition types and reasons, label values repeat across thousands of objects; the JVM's string table
 *       holds them weakly, so a value no object uses any more is collected;</li>
 *   <li>each model object's {@code additionalProperties} map, empty for every field the model knows, and every other
 *       empty list or map field (the model makes an ArrayList for each list field: ~40 a pod) are replaced by one
 *       shared immutable empty map or list (an empty LinkedHashMap per object, ~70 objects a pod).</li>
 * </ul>
 * The object is changed in place, before the informer stores it and hands it to the event handlers, so the store
 * and the handlers see the same single copy. Cached objects are read-only anyway (copy before changing); the model's
 * builders copy the maps they are given, so {@code new PodBuilder(cached)} still yields a normal mutable object, and
 * {@code equals} treats an empty map the same whatever its class.
 */
public final class CacheTransform {
    private CacheTransform() {}

    private static final Map<String, Object> EMPTY = Collections.emptyMap();
    private static final List<Object> EMPTY_LIST = Collections.emptyList();

    /** The fields of a model class worth visiting, found once per class. */
    private record Plan(Field[] strings, Field[] others, Field additional, Field managedFields) {}

    private static final ClassValue<Plan> PLANS = new ClassValue<>() {
        @Override
        protected Plan computeValue(Class<?> type) {
            List<Field> strings = new ArrayList<>(), others = new ArrayList<>();
            Field additional = null, managed = null;
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) continue;
                    Class<?> t = f.getType();
                    if (t == Integer.class || t == Long.class || t == Boolean.class || t == Double.class) continue;
                    try {
                        f.setAccessible(true);
                    } catch (RuntimeException e) {
                        continue; // not ours to open: left as it is
                    }
                    if (c == ObjectMeta.class && f.getName().equals("managedFields")) managed = f;
                    else if (f.getName().equals("additionalProperties") && Map.class.isAssignableFrom(t)) additional = f;
                    else if (t == String.class) strings.add(f);
                    else others.add(f);
                }
            }
            return new Plan(strings.toArray(Field[]::new), others.toArray(Field[]::new), additional, managed);
        }
    };

    /** Slims {@code obj} in place (see the class comment) and returns it. */
    public static <T> T apply(T obj) {
        try {
            visit(obj, 0);
        } catch (IllegalAccessException | RuntimeException e) {
            // a model shape this walk does not know: the object stays as it is, only bigger
        }
        return obj;
    }

    private static Object visit(Object o, int depth) throws IllegalAccessException {
        if (o == null || depth > 64) return o;
        if (o instanceof String s) return s.intern();
        if (o instanceof List<?> l) {
            @SuppressWarnings("unchecked") List<Object> list = (List<Object>) l;
            for (int i = 0; i < list.size(); i++) {
                Object e = list.get(i), v = visit(e, depth + 1);
                if (v != e) list.set(i, v);
            }
            return o;
        }
        if (o instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked") Map<Object, Object> map = (Map<Object, Object>) m;
            // replaceAll, not entrySet(): a LinkedHashMap keeps the entry-set view it hands out, 16 bytes a map
            map.replaceAll((k, v) -> {
                try {
                    return visit(v, depth + 1);
                } catch (IllegalAccessException e) {
                    return v;
                }
            });
            return o;
        }
        // model classes: the resources and their parts, and the value types (Quantity, IntOrString) beside them
        if (!(o instanceof KubernetesResource) && !o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model.")) return o;
        Plan p = PLANS.get(o.getClass());
        if (p.managedFields() != null) p.managedFields().set(o, null);
        if (p.additional() != null) {
            Object a = p.additional().get(o);
            if (a instanceof Map<?, ?> m && m.isEmpty()) {
                if (m != EMPTY) p.additional().set(o, EMPTY);
            } else visit(a, depth + 1);
        }
        for (Field f : p.strings()) {
            String s = (String) f.get(o);
            if (s != null) {
                String c = s.intern();
                if (c != s) f.set(o, c);
            }
        }
        for (Field f : p.others()) {
            Object v = f.get(o);
            if (v == null) continue;
            Object nv;
            if (v instanceof List<?> l && l.isEmpty() && f.getType().isAssignableFrom(List.class)) nv = EMPTY_LIST;
            else if (v instanceof Map<?, ?> m && m.isEmpty() && f.getType().isAssignableFrom(Map.class)) nv = EMPTY;
            else nv = visit(v, depth + 1);
            if (nv != v) f.set(o, nv);
        }
        return o;
    }

    /** An informer item store that applies {@link #apply} to every object it is given. */
    public static <T extends HasMetadata> BasicItemStore<T> itemStore() {
        return new BasicItemStore<>(Cache::metaNamespaceKeyFunc) {
            @Override
            public T put(String key, T obj) {
                return super.put(key, apply(obj));
            }
        };
    }
}
