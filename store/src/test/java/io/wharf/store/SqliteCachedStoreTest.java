package io.wharf.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract, through a {@link WatchCache} over SQLite: the cache can stand in for the store. */
class SqliteCachedStoreTest extends StoreContractTest {
    @TempDir
    Path dir;

    private SqliteStore backing;

    @Override
    protected Store open() {
        backing = SqliteStore.open(dir);
        WatchCache c = new WatchCache(backing, "/test/");
        c.start();
        return c;
    }

    @Override
    protected Store reopen(Store old) {
        old.close();
        backing.close();
        return open();
    }

    @Override
    @org.junit.jupiter.api.AfterEach
    void tearDown() {
        super.tearDown();
        backing.close();
    }
}
