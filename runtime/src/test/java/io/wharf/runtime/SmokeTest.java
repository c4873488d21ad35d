package io.wharf.runtime;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class SmokeTest {
    @Test
    void echoHello() throws Exception {
        try (Fixture f = new Fixture()) {
          for (int i = 0; i < 3; i++) {
            String id = f.newId();
            long t0 = System.nanoTime();
            ContainerState st = f.runtime.run(f.spec(id, "echo", "hello").build());
            long t1 = System.nanoTime();
            ExitStatus es = f.runtime.waitExit(id).get(10, TimeUnit.SECONDS);
            long t2 = System.nanoTime();
            System.out.println("run " + (t1 - t0) / 1_000_000 + " ms, exit after " + (t2 - t1) / 1_000_000 + " ms, pid " + st.pid());
            assertEquals(0, es.exitCode());
            var logs = f.runtime.logs(id, -1);
            assertEquals(1, logs.size(), logs.toString());
            assertEquals("hello\n", new String(logs.get(0).content()));
            long t3 = System.nanoTime();
            f.runtime.delete(id, false, false);
            System.out.println("delete " + (System.nanoTime() - t3) / 1_000_000 + " ms");
          }
        }
    }
}
