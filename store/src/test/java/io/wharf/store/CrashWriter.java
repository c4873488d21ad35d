package io.wharf.store;

import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The child process of {@link SqliteStoreTest#acknowledgedWritesSurviveKill9()}: writes until killed. */
public final class CrashWriter {
    public static void main(String[] args) throws Exception {
        SqliteStore store = SqliteStore.open(Path.of(args[0]));
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 8; t++) {
                int id = t;
                ex.submit(() -> {
                    for (int i = 0; ; i++) {
                        String key = "/crash/" + id + "/" + i;
                        KeyValue kv = store.create(key, new byte[256]);
                        synchronized (System.out) {
                            System.out.println(key + " " + kv.modRevision());
                            System.out.flush();
                        }
                    }
                });
            }
        }
    }
}
