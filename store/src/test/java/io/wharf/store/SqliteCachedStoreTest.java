package io.wharf.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract, through a {@link WatchCache} over SQLite: the cache can stand in for the store. */
class SqliteCachedStoreTest extends StoreContractTest {
    @TempDir
    Path dir;

    /** The owning form: closing the cache closes the store (reopen below relies on it: the file lock). */
    @Override
    protected Store open() {
        WatchCache c = WatchCache.owning(SqliteStore.open(dir), "/test/");
        c.start();
        return c;
    }

    @Override
    protected Store reopen(Store old) {
        old.close();
        return open();
    }
}
