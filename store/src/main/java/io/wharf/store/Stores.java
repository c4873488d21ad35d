package io.wharf.store;

import io.wharf.common.WharfException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens a {@link Store} from a datastore endpoint string, in the spirit of k3s's {@code --datastore-endpoint}:
 * <ul>
 *   <li>empty, null or {@code sqlite}: SQLite in {@link SqliteStore#DEFAULT_DIR} (or the given default dir);</li>
 *   <li>{@code sqlite:<dir>} or {@code sqlite://<dir>}: SQLite in that directory ({@code <dir>/state.db});</li>
 *   <li>{@code etcd://host:port[,host:port...]}: etcd at {@code http://host:port...};</li>
 *   <li>{@code http://host:port[,...]} or {@code https://...}: etcd at exactly those URLs.</li>
 * </ul>
 */
public final class Stores {
    private Stores() {}

    public static Store open(String endpoint) {
        return open(endpoint, SqliteStore.DEFAULT_DIR);
    }

    /** As {@link #open(String)}, with {@code defaultDir} for a plain {@code sqlite} endpoint. */
    public static Store open(String endpoint, Path defaultDir) {
        return open(endpoint, defaultDir, null);
    }

    /** As {@link #open(String, Path)}, with client TLS for etcd (may be null). */
    public static Store open(String endpoint, Path defaultDir, EtcdStore.Tls etcdTls) {
        String e = endpoint == null ? "" : endpoint.trim();
        if (e.isEmpty() || e.equals("sqlite")) {
            return SqliteStore.open(defaultDir);
        }
        if (e.startsWith("sqlite:")) {
            String dir = e.substring("sqlite:".length());
            if (dir.startsWith("//")) {
                dir = dir.substring(2);
            }
            if (dir.isEmpty()) {
                throw WharfException.invalid("datastore endpoint %s names no directory", endpoint);
            }
            return SqliteStore.open(Path.of(dir));
        }
        if (e.startsWith("etcd://") || e.startsWith("http://") || e.startsWith("https://")) {
            List<String> urls = new ArrayList<>();
            boolean bare = e.startsWith("etcd://");
            for (String part : (bare ? e.substring("etcd://".length()) : e).split(",")) {
                String u = part.trim();
                if (u.isEmpty()) {
                    continue;
                }
                urls.add(bare && !u.contains("://") ? "http://" + u : u);
            }
            if (urls.isEmpty()) {
                throw WharfException.invalid("datastore endpoint %s names no etcd host", endpoint);
            }
            return EtcdStore.connect(new EtcdStore.Options(urls, java.time.Duration.ofSeconds(10), 10_000).withTls(etcdTls));
        }
        throw WharfException.invalid("unknown datastore endpoint %s (use sqlite:<dir> or etcd://host:port[,host:port])", endpoint);
    }
}
