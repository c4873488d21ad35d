package io.wharf.apiserver.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.common.Json;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes the protobuf bodies kubectl 1.32+ sends for the review kinds the core answers itself
 * (SelfSubjectAccessReview from `auth can-i`, SelfSubjectReview from `auth whoami`), when the kinds package does not.
 * Field numbers from k8s.io/api/authorization/v1/generated.proto.
 */
final class ReviewProtobuf {
    private ReviewProtobuf() {}

    private record Field(int number, int wireType, long varint, byte[] bytes) {}

    static ObjectNode decode(byte[] body) {
        if (body.length < 4 || body[0] != 'k' || body[1] != '8' || body[2] != 's' || body[3] != 0)
            throw ApiException.badRequest("protobuf body without the k8s magic prefix");
        byte[] raw = null;
        String apiVersion = "";
        String kind = "";
        for (Field f : fields(body, 4, body.length)) {
            if (f.number == 1 && f.bytes != null) {
                for (Field t : fields(f.bytes, 0, f.bytes.length)) {
                    if (t.number == 1) apiVersion = str(t);
                    if (t.number == 2) kind = str(t);
                }
            } else if (f.number == 2 && f.bytes != null) raw = f.bytes;
        }
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("apiVersion", apiVersion);
        o.put("kind", kind);
        o.putObject("metadata");
        if (raw == null) return o;
        ObjectNode spec = o.putObject("spec");
        for (Field f : fields(raw, 0, raw.length)) {
            if (f.number != 2 || f.bytes == null) continue;
            for (Field s : fields(f.bytes, 0, f.bytes.length)) {
                if (s.bytes == null) continue;
                if (s.number == 1) {
                    ObjectNode ra = spec.putObject("resourceAttributes");
                    String[] names = {"", "namespace", "verb", "group", "version", "resource", "subresource", "name"};
                    for (Field a : fields(s.bytes, 0, s.bytes.length))
                        if (a.number >= 1 && a.number <= 7 && a.bytes != null && a.bytes.length > 0) ra.put(names[a.number], str(a));
                } else if (s.number == 2) {
                    ObjectNode na = spec.putObject("nonResourceAttributes");
                    for (Field a : fields(s.bytes, 0, s.bytes.length)) {
                        if (a.number == 1 && a.bytes != null) na.put("path", str(a));
                        if (a.number == 2 && a.bytes != null) na.put("verb", str(a));
                    }
                }
            }
        }
        return o;
    }

    private static String str(Field f) {
        return f.bytes == null ? "" : new String(f.bytes, StandardCharsets.UTF_8);
    }

    private static List<Field> fields(byte[] b, int from, int to) {
        List<Field> out = new ArrayList<>();
        int[] pos = {from};
        while (pos[0] < to) {
            long key = varint(b, pos, to);
            int number = (int) (key >>> 3);
            int wt = (int) (key & 7);
            switch (wt) {
                case 0 -> out.add(new Field(number, 0, varint(b, pos, to), null));
                case 1 -> { need(pos[0] + 8, to); pos[0] += 8; }
                case 2 -> {
                    long len = varint(b, pos, to);
                    if (len < 0 || len > to - pos[0]) throw ApiException.badRequest("malformed protobuf body: length out of range");
                    ByteArrayOutputStream bo = new ByteArrayOutputStream();
                    bo.write(b, pos[0], (int) len);
                    pos[0] += (int) len;
                    out.add(new Field(number, 2, 0, bo.toByteArray()));
                }
                case 5 -> { need(pos[0] + 4, to); pos[0] += 4; }
                default -> throw ApiException.badRequest("malformed protobuf body: wire type " + wt);
            }
        }
        return out;
    }

    private static void need(int end, int to) {
        if (end > to) throw ApiException.badRequest("malformed protobuf body: truncated");
    }

    private static long varint(byte[] b, int[] pos, int to) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= to) throw ApiException.badRequest("malformed protobuf body: truncated varint");
            int x = b[pos[0]++] & 0xff;
            v |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) return v;
        }
        throw ApiException.badRequest("malformed protobuf body: varint too long");
    }
}
