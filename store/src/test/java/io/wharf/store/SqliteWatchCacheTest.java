package io.wharf.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteWatchCacheTest extends WatchCacheContractTest {
    @TempDir
    Path dir;

    @Override
    protected Store open() {
        return SqliteStore.open(dir);
    }
}
