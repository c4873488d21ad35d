package io.wharf.controllers;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.SettableBeanProperty;
import com.fasterxml.jackson.databind.jsontype.TypeDeserializer;
import com.fasterxml.jackson.databind.util.AccessPattern;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Builds the deserializers of fabric8 model properties on first use instead of with their owner. Jackson resolves a
 * bean's property deserializers eagerly, so the first {@code PodList} decoded — even an empty one, as every informer's
 * first list in an idle cluster is — builds the deserializers of the whole Pod tree: several hundred model classes
 * (each with its generated builder and fluent class, loaded through the {@code edit()} methods Jackson introspects),
 * their reflection data and annotation proxies, ~10 MB of an idle server that has no pods at all. With this modifier
 * a property of a model type (or a collection or map of them) gets a {@link Lazy} deserializer that asks Jackson for
 * the real one the first time a value is actually read; after that it is the same deserializer Jackson would have
 * made. Properties with a deserializer of their own ({@code @JsonDeserialize}: quantities, int-or-string, the
 * polymorphic kind registry) keep it.
 */
final class LazyModelDeserializers extends BeanDeserializerModifier {
    private static final String MODEL = "io.fabric8.kubernetes.api.model.";

    @Override
    public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription beanDesc, BeanDeserializerBuilder builder) {
        if (!beanDesc.getBeanClass().getName().startsWith(MODEL)) return builder;
        List<SettableBeanProperty> lazy = new ArrayList<>();
        for (Iterator<SettableBeanProperty> it = builder.getProperties(); it.hasNext(); ) {
            SettableBeanProperty p = it.next();
            if (!p.hasValueDeserializer() && refersToModel(p.getType())) lazy.add(p.withValueDeserializer(new Lazy(p.getType(), p)));
        }
        for (SettableBeanProperty p : lazy) builder.addOrReplaceProperty(p, true);
        return builder;
    }

    /** A model class, or a container (list, map, array, reference) whose content is one. */
    static boolean refersToModel(JavaType t) {
        for (JavaType c = t; c != null; c = c.getContentType()) {
            if (c.getRawClass().getName().startsWith(MODEL)) return true;
        }
        return false;
    }

    /** Resolves the real deserializer on first use, with the property for context, as Jackson's own resolution would. */
    static final class Lazy extends JsonDeserializer<Object> {
        private final JavaType type;
        private final BeanProperty property;
        private volatile JsonDeserializer<Object> real;

        Lazy(JavaType type, BeanProperty property) {
            this.type = type;
            this.property = property;
        }

        JsonDeserializer<Object> real(DeserializationContext ctxt) throws JsonMappingException {
            JsonDeserializer<Object> r = real;
            if (r == null) real = r = ctxt.findContextualValueDeserializer(type, property);
            return r;
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return real(ctxt).deserialize(p, ctxt);
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt, Object intoValue) throws IOException {
            return real(ctxt).deserialize(p, ctxt, intoValue);
        }

        @Override
        public Object deserializeWithType(JsonParser p, DeserializationContext ctxt, TypeDeserializer typeDeserializer) throws IOException {
            return real(ctxt).deserializeWithType(p, ctxt, typeDeserializer);
        }

        @Override
        public Object deserializeWithType(JsonParser p, DeserializationContext ctxt, TypeDeserializer typeDeserializer, Object intoValue)
                throws IOException {
            return real(ctxt).deserializeWithType(p, ctxt, typeDeserializer, intoValue);
        }

        @Override
        public Object getNullValue(DeserializationContext ctxt) throws JsonMappingException {
            return real(ctxt).getNullValue(ctxt);
        }

        @Override
        public Object getEmptyValue(DeserializationContext ctxt) throws JsonMappingException {
            return real(ctxt).getEmptyValue(ctxt);
        }

        /** Asked per null with a context, never cached from a call without one (the real deserializer is not known yet). */
        @Override
        public AccessPattern getNullAccessPattern() {
            return AccessPattern.DYNAMIC;
        }

        @Override
        public AccessPattern getEmptyAccessPattern() {
            return AccessPattern.DYNAMIC;
        }

        @Override
        public Boolean supportsUpdate(DeserializationConfig config) {
            JsonDeserializer<Object> r = real;
            return r == null ? null : r.supportsUpdate(config);
        }

        @Override
        public Class<?> handledType() {
            return type.getRawClass();
        }
    }
}
