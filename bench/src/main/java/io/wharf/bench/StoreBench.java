package io.wharf.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.wharf.store.EtcdStore;
import io.wharf.store.SqliteStore;
import io.wharf.store.Store;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The store under the API server (issue 5, "Speed": creates durable), without HTTP: Wharf's SQLite store, Wharf's
 * etcd store on a local etcd, and raw etcd through jetcd (the floor any etcd-backed store stands on), side by side.
 * Creates come from {@code --c} concurrent writers (each create is acknowledged only once durable: SQLite WAL with
 * synchronous=FULL; etcd's own fsync), gets from {@code --c} readers of 100 of the keys just created. One JSON line per figure.
 *
 * <pre>
 * StoreBench sqlite --dir /tmp/x --c 32 --n 4000 --seconds 5
 * StoreBench etcd   --endpoints http://127.0.0.1:23790 --c 32 --n 4000 --seconds 5
 * StoreBench raw-etcd --endpoints http://127.0.0.1:23790 --c 32 --n 4000 --seconds 5
 * </pre>
 */
public final class StoreBench {
    /** About the size of a small ConfigMap as kube-apiserver stores it (JSON with managedFields). */
    private static final byte[] VALUE = ("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm\",\"namespace\":\"bench\","
            + "\"uid\":\"6b3c1f0e-8d0a-4c1e-9f55-1a2b3c4d5e6f\",\"creationTimestamp\":\"2026-11-27T20:00:00Z\",\"managedFields\":[{\"manager\":"
            + "\"kubectl\",\"operation\":\"Update\",\"apiVersion\":\"v1\",\"time\":\"2026-11-27T20:00:00Z\",\"fieldsType\":\"FieldsV1\","
            + "\"fieldsV1\":{\"f:data\":{\".\":{},\"f:key\":{}}}}]},\"data\":{\"key\":\"value-0123456789abcdef\"}}").getBytes(StandardCharsets.UTF_8);

    private StoreBench() {}

    public static void main(String[] argv) throws Exception {
        if (argv.length < 1) throw new IllegalArgumentException("usage: StoreBench sqlite|etcd|raw-etcd [options]");
        String mode = argv[0];
        Args a = new Args(Arrays.copyOfRange(argv, 1, argv.length));
        int c = a.integer("c", 32);
        long n = a.integer("n", 4000);
        Duration d = a.seconds("seconds", 5);
        String run = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
        switch (mode) {
            case "sqlite" -> {
                Path dir = Path.of(a.str("dir", null));
                a.done();
                try (Store s = SqliteStore.open(dir)) {
                    wharf("sqlite", s, c, n, d, run);
                }
            }
            case "etcd" -> {
                String ep = a.str("endpoints", null);
                a.done();
                try (Store s = EtcdStore.connect(ep.split(","))) {
                    wharf("etcd-store", s, c, n, d, run);
                }
            }
            case "raw-etcd" -> {
                String ep = a.str("endpoints", null);
                a.done();
                raw(ep.split(","), c, n, d, run);
            }
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
        System.exit(0);
    }

    private static void wharf(String name, Store s, int c, long n, Duration d, String run) throws Exception {
        String prefix = "/registry/configmaps/bench-" + run + "/";
        Load.run("warmup", c, 200, Duration.ofMinutes(1), (w, i) -> { s.create(prefix + "warm-" + w + "-" + i, VALUE); return 200; });
        List<String> made = Collections.synchronizedList(new ArrayList<>());
        System.out.println(Load.run(name + " create c=" + c, c, n, Duration.ofMinutes(10),
                (w, i) -> { s.create(prefix + "cm-" + w + "-" + i, VALUE); made.add(prefix + "cm-" + w + "-" + i); return 201; }).json());
        String[] keys = made.subList(0, Math.min(100, made.size())).toArray(String[]::new);
        System.out.println(Load.run(name + " get c=" + c, c, 0, d,
                (w, i) -> s.get(keys[(int) ((w * 7 + i) % keys.length)]).isPresent() ? 200 : 404).json());
    }

    private static void raw(String[] endpoints, int c, long n, Duration d, String run) throws Exception {
        try (Client client = Client.builder().endpoints(endpoints).build()) {
            KV kv = client.getKVClient();
            String prefix = "/raw-bench/" + run + "/";
            Load.run("warmup", c, 200, Duration.ofMinutes(1), (w, i) -> { kv.put(key(prefix + "warm-" + w + "-" + i), ByteSequence.from(VALUE)).get(); return 200; });
            List<String> made = Collections.synchronizedList(new ArrayList<>());
            System.out.println(Load.run("raw-etcd put c=" + c, c, n, Duration.ofMinutes(10),
                    (w, i) -> { kv.put(key(prefix + "cm-" + w + "-" + i), ByteSequence.from(VALUE)).get(); made.add(prefix + "cm-" + w + "-" + i); return 201; }).json());
            String[] keys = made.subList(0, Math.min(100, made.size())).toArray(String[]::new);
            System.out.println(Load.run("raw-etcd get c=" + c, c, 0, d,
                    (w, i) -> kv.get(key(keys[(int) ((w * 7 + i) % keys.length)])).get().getCount() == 1 ? 200 : 404).json());
        }
    }

    private static ByteSequence key(String k) {
        return ByteSequence.from(k, StandardCharsets.UTF_8);
    }
}
