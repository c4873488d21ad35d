package io.wharf.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.common.ErrorKind;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.engine.wire.Filters;
import io.wharf.oci.ImageConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The engine's Docker semantics that need no runtime: config merging, bind specs, status words, events, volumes. */
class EngineLogicTest {
    static final String ID = "0123456789ab" + "0".repeat(52);

    static ImageConfig image(List<String> entrypoint, List<String> cmd, List<String> env) {
        ImageConfig.ContainerConfig cc = new ImageConfig.ContainerConfig("", Map.of("80/tcp", Map.of()), env, entrypoint, cmd,
                Map.of("/data", Map.of()), "/srv", Map.of("from", "image"), null, null, null, null, null, null);
        return new ImageConfig("amd64", "linux", null, null, null, null, cc, null, null, null);
    }

    static ObjectNode body(String json) throws Exception {
        return (ObjectNode) Json.MAPPER.readTree(json);
    }

    @Test
    void healthcheckMergesFromTheImageAndParsesAsDockerd() throws Exception {
        ObjectNode cfg = (ObjectNode) Json.MAPPER.readTree("{\"Healthcheck\":{\"Interval\":1000000000}}");
        Containers.mergeHealthcheck(cfg, new ImageConfig.Healthcheck(List.of("CMD-SHELL", "curl -f localhost"), 5_000_000_000L, 0, 0, 0, 4));
        HealthMonitor.Check c = HealthMonitor.Check.of(cfg.path("Healthcheck"));
        assertEquals(List.of("/bin/sh", "-c", "curl -f localhost"), c.argv());
        assertEquals(Duration.ofSeconds(1), c.interval());        // the container's value wins
        assertEquals(HealthMonitor.DEFAULT_TIMEOUT, c.timeout()); // neither set one
        assertEquals(4, c.retries());                             // the image's
        assertEquals(List.of("true"), HealthMonitor.Check.of(Json.MAPPER.readTree("{\"Test\":[\"CMD\",\"true\"]}")).argv());
        assertNull(HealthMonitor.Check.of(Json.MAPPER.readTree("{\"Test\":[\"NONE\"]}")));
        assertNull(HealthMonitor.Check.of(Json.MAPPER.createObjectNode()));
        ObjectNode none = Json.MAPPER.createObjectNode();
        Containers.mergeHealthcheck(none, null);
        assertFalse(none.has("Healthcheck"));
        assertEquals("30s", HealthMonitor.goDuration(Duration.ofSeconds(30)));
        assertEquals("1m30s", HealthMonitor.goDuration(Duration.ofSeconds(90)));
        assertEquals("500ms", HealthMonitor.goDuration(Duration.ofMillis(500)));
        assertEquals("1.5s", HealthMonitor.goDuration(Duration.ofMillis(1500)));
    }

    @Test
    void killSignalsCompareByNumberAsDockerdDoes() {
        assertEquals(9, Containers.signalNumber("KILL"));
        assertEquals(15, Containers.signalNumber("sigterm"));
        assertEquals(3, Containers.signalNumber("3"));
        assertEquals(-1, Containers.signalNumber("NOPE"));
        assertTrue(Containers.sameSignal("SIGQUIT", "3"));
        assertTrue(Containers.sameSignal("term", "SIGTERM"));
        assertFalse(Containers.sameSignal("HUP", "TERM"));
        assertFalse(Containers.sameSignal("NOPE", "NOPE"));
    }

    @Test
    void imageCmdIsUsedOnlyWithoutUserCommandOrEntrypoint() throws Exception {
        ObjectNode none = body("{\"Image\":\"x\",\"Cmd\":null,\"Env\":[\"A=user\"]}");
        Containers.mergeImageConfig(none, image(List.of("/entry"), List.of("default"), List.of("PATH=/bin", "A=image", "B=image")), ID);
        assertEquals(List.of("/entry", "default"), Containers.argv(none));
        assertEquals("[\"PATH=/bin\",\"A=user\",\"B=image\"]", none.get("Env").toString(), "user Env overrides the image's by key");
        assertEquals("/srv", none.get("WorkingDir").asText());
        assertEquals("0123456789ab", none.get("Hostname").asText());
        assertTrue(none.get("ExposedPorts").has("80/tcp"));
        assertTrue(none.get("Volumes").has("/data"));
        assertEquals("image", none.get("Labels").get("from").asText());

        ObjectNode cmd = body("{\"Image\":\"x\",\"Cmd\":[\"echo\",\"123\"]}");
        Containers.mergeImageConfig(cmd, image(List.of("/entry"), List.of("default"), null), ID);
        assertEquals(List.of("/entry", "echo", "123"), Containers.argv(cmd), "user Cmd replaces the image Cmd, Entrypoint stays");

        ObjectNode ep = body("{\"Image\":\"x\",\"Entrypoint\":[\"sh\"]}");
        Containers.mergeImageConfig(ep, image(List.of("/entry"), List.of("default"), null), ID);
        assertEquals(List.of("sh"), Containers.argv(ep), "a user Entrypoint drops the image Cmd");
        assertTrue(ep.get("Env").get(0).asText().startsWith("PATH="), "PATH is added when nobody sets it");

        ObjectNode empty = body("{\"Image\":\"x\"}");
        WharfException e = assertThrows(WharfException.class, () -> Containers.mergeImageConfig(empty, image(null, null, null), ID));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
    }

    @Test
    void bindSpecs() {
        assertEquals(new Containers.Bind("/opt", "/opt", false, ""), Containers.parseBind("/opt:/opt"));
        assertEquals(new Containers.Bind("myvol", "/data", true, "ro"), Containers.parseBind("myvol:/data:ro"));
        assertEquals(new Containers.Bind(null, "/anon", false, ""), Containers.parseBind("/anon"));
        assertThrows(WharfException.class, () -> Containers.parseBind("/a:relative"));
        assertThrows(WharfException.class, () -> Containers.parseBind("/a:/b:bogus"));
        assertThrows(WharfException.class, () -> Containers.parseBind("a:b:c:d"));
    }

    @Test
    void statusWordsAsDockerPrintsThem() {
        Instant now = Instant.parse("2026-01-01T12:00:00Z");
        Container c = new Container();
        Container.State s = new Container.State();
        assertEquals("Created", ContainersApi.statusText(s, c, now));
        s.running = true;
        s.startedAt = now.minusSeconds(5);
        assertEquals("Up 5 seconds", ContainersApi.statusText(s, c, now));
        s.paused = true;
        assertEquals("Up 5 seconds (Paused)", ContainersApi.statusText(s, c, now));
        s.running = false;
        s.paused = false;
        c.hasBeenStarted = true;
        s.exitCode = 137;
        s.finishedAt = now.minusSeconds(90);
        assertEquals("Exited (137) About a minute ago", ContainersApi.statusText(s, c, now));
        assertEquals("Less than a second", Wire.humanDuration(Duration.ofMillis(300)));
        assertEquals("3 hours", Wire.humanDuration(Duration.ofHours(3)));
    }

    @Test
    void timesInGoFormat() {
        assertEquals("0001-01-01T00:00:00Z", Wire.time(null));
        assertEquals("2026-01-01T12:00:00Z", Wire.time(Instant.parse("2026-01-01T12:00:00Z")));
        assertEquals("2026-01-01T12:00:00.1234Z", Wire.time(Instant.parse("2026-01-01T12:00:00.123400Z")));
        assertEquals(Instant.ofEpochSecond(1700000000, 500_000_000), ContainersApi.parseTime("1700000000.5"));
        assertEquals(Instant.parse("2026-01-01T12:00:00Z"), ContainersApi.parseTime("2026-01-01T12:00:00Z"));
        assertThrows(WharfException.class, () -> ContainersApi.parseTime("yesterday"));
    }

    @Test
    void eventsHaveBothShapesAndFilter() {
        Events ev = new Events(Clock.fixed(Instant.parse("2026-01-01T12:00:00Z"), ZoneOffset.UTC));
        ev.emit("container", "die", ID, Map.of("image", "bb:1", "name", "x", "exitCode", "3"));
        Events.Event e = ev.subscribe(x -> { }).getFirst();
        Map<String, Object> w = e.toWire();
        assertEquals("die", w.get("status"));
        assertEquals("bb:1", w.get("from"));
        assertEquals("container", w.get("Type"));
        assertEquals(1767268800L, w.get("time"));
        assertTrue(SystemApi.matches(e, Filters.parse("{\"type\":{\"container\":true},\"container\":{\"x\":true}}")));
        assertFalse(SystemApi.matches(e, Filters.parse("{\"type\":[\"image\"]}")));
        assertTrue(SystemApi.matches(e, Filters.parse("{\"event\":[\"die\"]}")));
        assertFalse(SystemApi.matches(e, Filters.parse("{\"container\":[\"other\"]}")));
    }

    @Test
    void localVolumes(@TempDir Path root) throws Exception {
        Volumes v = new Volumes(root);
        Volumes.Volume a = v.create("data1", Map.of("k", "v"), Map.of(), false);
        assertEquals(a, v.create("data1", Map.of(), Map.of(), false), "create is idempotent");
        assertTrue(Files.isDirectory(root.resolve("volumes/data1/_data")));
        Volumes.Volume anon = v.create(null, null, null, false);
        assertTrue(anon.name().matches("[0-9a-f]{64}") && anon.anonymous());
        assertEquals(2, v.list().size());
        assertEquals("local", v.toWire(a, null).get("Driver"));
        assertThrows(WharfException.class, () -> v.create("../escape", null, null, false));
        v.remove("data1");
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(WharfException.class, () -> v.get("data1")).kind());
    }

    @Test
    void randomNamesAndIds() {
        assertTrue(Names.newId().matches("[0-9a-f]{64}"));
        assertTrue(Names.random(0).matches("[a-z]+_[a-z]+"));
        assertTrue(Names.VALID.matcher("/" + Names.random(1)).matches());
        assertEquals("0123456789ab", Names.shortId("sha256:" + ID));
    }
}
