package io.wharf.apiserver;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The fabric8 client's informer against Wharf sees every add/update/delete of 1,000 objects, in order per object. */
class Fabric8InformerIT {
    static final int N = 1000;

    @Test
    void informerSeesEveryEventInOrder() throws Exception {
        Path tmp = Files.createTempDirectory("wharf-apiserver-informer");
        try (ApiServer server = new ApiServer(ApiServerConfig.underRoot(tmp))) {
            server.start();
            Config config = Config.fromKubeconfig(Files.readString(server.kubeconfigPath()));
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
                client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("inf").endMetadata().build()).create();
                List<String> events = Collections.synchronizedList(new ArrayList<>());
                SharedIndexInformer<ConfigMap> inf = client.configMaps().inNamespace("inf").inform(new ResourceEventHandler<>() {
                    public void onAdd(ConfigMap o) { events.add("A " + o.getMetadata().getName()); }
                    public void onUpdate(ConfigMap a, ConfigMap b) {
                        if (!a.getMetadata().getResourceVersion().equals(b.getMetadata().getResourceVersion()))
                            events.add("U " + b.getMetadata().getName() + " " + b.getData().get("v"));
                    }
                    public void onDelete(ConfigMap o, boolean unknown) { events.add("D " + o.getMetadata().getName()); }
                }, 0);
                assertTrue(inf.hasSynced() || waitSynced(inf));
                ExecutorService pool = Executors.newFixedThreadPool(8);
                List<Future<?>> fs = new ArrayList<>();
                for (int w = 0; w < 8; w++) {
                    int worker = w;
                    fs.add(pool.submit(() -> {
                        for (int i = worker; i < N; i += 8) {
                            String name = "cm-" + i;
                            var cms = client.configMaps().inNamespace("inf");
                            cms.resource(new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().addToData("v", "1").build()).create();
                            cms.withName(name).edit(c -> new ConfigMapBuilder(c).addToData("v", "2").build());
                            cms.withName(name).delete();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) f.get(5, TimeUnit.MINUTES);
                pool.shutdown();
                long writesDone = System.nanoTime();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (events.size() < 3 * N && System.nanoTime() < deadline) Thread.sleep(100);
                System.out.printf("informer: %d events, last one %d ms after the last write%n", events.size(), (System.nanoTime() - writesDone) / 1_000_000);
                inf.close();
                // Close the server first: the JDK HTTP client's close() waits for open watch responses to end.
                server.close();
                assertEquals(3 * N, events.size(), "events seen");
                for (int i = 0; i < N; i++) {
                    String name = "cm-" + i;
                    List<String> mine = events.stream().filter(e -> e.split(" ")[1].equals(name)).toList();
                    assertEquals(List.of("A " + name, "U " + name + " 2", "D " + name), mine, name);
                }
            }
        } finally {
            try (var w = Files.walk(tmp)) {
                w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static boolean waitSynced(SharedIndexInformer<?> inf) throws InterruptedException {
        for (int i = 0; i < 100 && !inf.hasSynced(); i++) Thread.sleep(100);
        return inf.hasSynced();
    }
}
