package io.wharf.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.apiserver.pki.Pki;
import io.wharf.common.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The server over real HTTPS (HTTP/2 and HTTP/1.1) with a client certificate: wire behaviour and Status errors. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiServerWireTest {
    Path tmp;
    ApiServer server;
    HttpClient h2;
    HttpClient h1;
    HttpClient anonymous;
    String base;

    @BeforeAll
    void start() throws Exception {
        tmp = Files.createTempDirectory("wharf-apiserver-wire");
        server = new ApiServer(ApiServerConfig.underRoot(tmp));
        server.start();
        base = server.serverUrl();
        Pki pki = server.pki();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("admin", pki.adminKey(), new char[0], new Certificate[]{pki.adminCert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", pki.caCert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext mtls = SSLContext.getInstance("TLS");
        mtls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLContext plain = SSLContext.getInstance("TLS");
        plain.init(null, tmf.getTrustManagers(), null);
        h2 = HttpClient.newBuilder().sslContext(mtls).version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
        h1 = HttpClient.newBuilder().sslContext(mtls).version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        anonymous = HttpClient.newBuilder().sslContext(plain).build();
    }

    @AfterAll
    void stop() throws IOException {
        if (server != null) server.close();
        try (var w = Files.walk(tmp)) {
            w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    HttpResponse<String> call(HttpClient c, String method, String path, String contentType, byte[] body, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
        if (contentType != null) b.header("Content-Type", contentType);
        if (accept != null) b.header("Accept", accept);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> json(String method, String path, String body) throws Exception {
        return call(h2, method, path, "application/json", body == null ? null : body.replace('\'', '"').getBytes(StandardCharsets.UTF_8), null);
    }

    static JsonNode parse(HttpResponse<String> r) throws IOException {
        return Json.MAPPER.readTree(r.body());
    }

    @Test
    void versionOverHttp2AndHttp1() throws Exception {
        HttpResponse<String> r2 = call(h2, "GET", "/version", null, null, null);
        assertEquals(HttpClient.Version.HTTP_2, r2.version());
        assertEquals("31", parse(r2).path("minor").asText());
        HttpResponse<String> r1 = call(h1, "GET", "/version", null, null, null);
        assertEquals(HttpClient.Version.HTTP_1_1, r1.version());
        assertEquals("v1.31.0", parse(r1).path("gitVersion").asText());
        assertEquals(200, call(h1, "GET", "/readyz", null, null, null).statusCode());
        assertTrue(call(h1, "GET", "/metrics", null, null, null).body().contains("apiserver_request_total"));
    }

    @Test
    void anonymousIs401() throws Exception {
        HttpResponse<String> r = call(anonymous, "GET", "/api/v1/namespaces", null, null, null);
        assertEquals(401, r.statusCode());
        assertEquals("Unauthorized", parse(r).path("reason").asText());
        assertEquals(200, call(anonymous, "GET", "/version", null, null, null).statusCode());
    }

    @Test
    void discoveryLegacyAndAggregated() throws Exception {
        HttpResponse<String> agg = call(h2, "GET", "/apis", null, null,
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
        assertEquals("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", agg.headers().firstValue("Content-Type").orElse(""));
        assertEquals("APIGroupDiscoveryList", parse(agg).path("kind").asText());
        HttpResponse<String> beta = call(h2, "GET", "/api", null, null, "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
        assertEquals("apidiscovery.k8s.io/v2beta1", parse(beta).path("apiVersion").asText());
        assertEquals("APIVersions", parse(call(h2, "GET", "/api", null, null, "application/json")).path("kind").asText());
        JsonNode v1 = parse(call(h2, "GET", "/api/v1", null, null, null));
        assertEquals("APIResourceList", v1.path("kind").asText());
        assertTrue(v1.path("resources").toString().contains("\"namespaces\""));
        JsonNode oa = parse(call(h2, "GET", "/openapi/v3", null, null, null));
        String url = oa.path("paths").path("api/v1").path("serverRelativeURL").asText();
        assertTrue(url.startsWith("/openapi/v3/api/v1?hash="));
        assertEquals("3.0.0", parse(call(h2, "GET", url, null, null, null)).path("openapi").asText());
    }

    @Test
    void crudConflictsAndStatusErrors() throws Exception {
        String p = "/api/v1/namespaces/default/configmaps";
        HttpResponse<String> created = json("POST", p, "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c1'},'data':{'a':'1'}}");
        assertEquals(201, created.statusCode(), created.body());
        JsonNode c = parse(created);
        assertFalse(c.path("metadata").path("uid").asText().isEmpty());
        String rv = c.path("metadata").path("resourceVersion").asText();

        HttpResponse<String> dup = json("POST", p, "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c1'}}");
        assertEquals(409, dup.statusCode());
        assertEquals("AlreadyExists", parse(dup).path("reason").asText());

        assertEquals(200, json("PUT", p + "/c1", "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c1','resourceVersion':'" + rv + "'},'data':{'a':'2'}}").statusCode());
        HttpResponse<String> stale = json("PUT", p + "/c1", "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c1','resourceVersion':'" + rv + "'},'data':{'a':'3'}}");
        assertEquals(409, stale.statusCode());
        assertEquals("Operation cannot be fulfilled on configmaps \"c1\": the object has been modified; please apply your changes to the latest version and try again",
                parse(stale).path("message").asText());

        HttpResponse<String> gen = json("POST", p, "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'generateName':'g-'}}");
        assertTrue(parse(gen).path("metadata").path("name").asText().matches("g-[a-z0-9]{5}"));
        HttpResponse<String> dry = json("POST", p + "?dryRun=All", "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'dry'}}");
        assertEquals(201, dry.statusCode());
        assertEquals(404, json("GET", p + "/dry", null).statusCode());

        assertEquals(400, call(h2, "POST", p, "application/json", "{\"metadata\":".getBytes(), null).statusCode());
        assertEquals(400, call(h2, "POST", p, "application/yaml", "a: [".getBytes(), null).statusCode());
        assertEquals(400, call(h2, "POST", p, "application/vnd.kubernetes.protobuf", new byte[]{'k', '8', 's', 0, (byte) 0x0a, (byte) 0xff}, null).statusCode());
        assertEquals(400, call(h2, "POST", p, "application/json", "[1,2]".getBytes(), null).statusCode());
        assertEquals(400, call(h2, "POST", p, "application/json", "[".repeat(100_000).getBytes(), null).statusCode());
        assertEquals(415, call(h2, "POST", p, "text/plain", "x".getBytes(), null).statusCode());
        HttpResponse<String> bigH1 = call(h1, "POST", p, "application/json", new byte[4 * 1024 * 1024], null);
        assertEquals(413, bigH1.statusCode());
        assertEquals("RequestEntityTooLarge", parse(bigH1).path("reason").asText());
        HttpResponse<String> invalid = json("POST", p, "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'Bad_Name'}}");
        assertEquals(422, invalid.statusCode());
        assertEquals("Invalid", parse(invalid).path("reason").asText());
        HttpResponse<String> noNs = json("POST", "/api/v1/namespaces/nowhere/configmaps", "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'x'}}");
        assertEquals(404, noNs.statusCode());
        assertEquals("namespaces \"nowhere\" not found", parse(noNs).path("message").asText());
        assertEquals(404, json("GET", "/api/v1/namespaces/default/nosuchthings", null).statusCode());
    }

    @Test
    void namesFollowTheKindsRuleAndAreReportedOnce() throws Exception {
        HttpResponse<String> cr = json("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'ClusterRole','metadata':{'name':'system:wire-test'},'rules':[]}");
        assertEquals(201, cr.statusCode(), cr.body());
        HttpResponse<String> rb = json("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
                "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'RoleBinding','metadata':{'name':'system:wire:rb'},"
                        + "'roleRef':{'apiGroup':'rbac.authorization.k8s.io','kind':'ClusterRole','name':'system:wire-test'},"
                        + "'subjects':[{'kind':'User','apiGroup':'rbac.authorization.k8s.io','name':'u'}]}");
        assertEquals(201, rb.statusCode(), rb.body());
        assertEquals(200, json("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:wire-test", null).statusCode());
        HttpResponse<String> slash = json("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'ClusterRole','metadata':{'name':'a%b'},'rules':[]}");
        assertEquals(422, slash.statusCode(), slash.body());
        assertEquals("may not contain '%'", parse(slash).at("/details/causes/0/message").asText().replaceFirst("^Invalid value: \"a%b\": ", ""));

        HttpResponse<String> svc = json("POST", "/api/v1/namespaces/default/services",
                "{'apiVersion':'v1','kind':'Service','metadata':{'name':'1svc'},'spec':{'ports':[{'port':80}]}}");
        assertEquals(422, svc.statusCode(), svc.body());
        JsonNode causes = parse(svc).at("/details/causes");
        assertEquals(1, causes.size(), svc.body());
        assertEquals("metadata.name", causes.path(0).path("field").asText());
        assertTrue(causes.path(0).path("message").asText().contains("a DNS-1035 label"), svc.body());

        HttpResponse<String> cm = json("POST", "/api/v1/namespaces/default/configmaps",
                "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a:b'}}");
        assertEquals(422, cm.statusCode(), cm.body());
        assertTrue(parse(cm).at("/details/causes/0/message").asText().contains("RFC 1123 subdomain"), cm.body());
        HttpResponse<String> ns = json("POST", "/api/v1/namespaces", "{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'a.b'}}");
        assertEquals(422, ns.statusCode(), ns.body());
        assertTrue(parse(ns).at("/details/causes/0/message").asText().contains("RFC 1123 label"), ns.body());
    }

    @Test
    void streamingSubresourcesSayNoNodeAgentServesThePod() throws Exception {
        String pods = "/api/v1/namespaces/default/pods";
        assertEquals(201, json("POST", pods, "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'stream-free'},'spec':{'containers':[{'name':'c','image':'busybox'}]}}").statusCode());
        assertEquals(201, json("POST", pods, "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'stream-bound'},'spec':{'nodeName':'n1','containers':[{'name':'c','image':'busybox'}]}}").statusCode());
        HttpResponse<String> log = json("GET", pods + "/stream-free/log", null);
        assertEquals(400, log.statusCode(), log.body());
        assertEquals("no node agent serves pod stream-free: the node agent (kubelet) is not part of this Wharf yet (pod stream-free does not have a host assigned)",
                parse(log).path("message").asText());
        for (String sub : List.of("exec?command=true&stdout=true", "attach?stdout=true", "portforward?ports=80")) {
            HttpResponse<String> r = json("POST", pods + "/stream-bound/" + sub, null);
            assertEquals(503, r.statusCode(), sub + ": " + r.body());
            assertTrue(parse(r).path("message").asText().startsWith("no node agent serves pod stream-bound: the node agent (kubelet) is not part of this Wharf yet (pod stream-bound is bound to node n1; "), r.body());
        }
    }

    @Test
    void noOpUpdatesWriteNothingAndGenerationCountsSpecChangesOnly() throws Exception {
        String p = "/apis/apps/v1/namespaces/default/deployments";
        String d = "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'gen'},'spec':{'replicas':1,'selector':{'matchLabels':{'app':'g'}},"
                + "'template':{'metadata':{'labels':{'app':'g'}},'spec':{'containers':[{'name':'c','image':'busybox'}]}}}}";
        JsonNode created = parse(json("POST", p, d));
        String rv = created.at("/metadata/resourceVersion").asText();
        assertEquals(1, created.at("/metadata/generation").asInt());
        HttpResponse<String> same = call(h2, "PATCH", p + "/gen", "application/merge-patch+json", "{\"spec\":{\"replicas\":1}}".getBytes(StandardCharsets.UTF_8), null);
        assertEquals(200, same.statusCode(), same.body());
        assertEquals(rv, parse(same).at("/metadata/resourceVersion").asText(), "a patch that changes nothing writes nothing");
        JsonNode labelled = parse(call(h2, "PATCH", p + "/gen", "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}".getBytes(StandardCharsets.UTF_8), null));
        assertNotEquals(rv, labelled.at("/metadata/resourceVersion").asText());
        assertEquals(1, labelled.at("/metadata/generation").asInt(), "metadata changes keep the generation");
        JsonNode scaled = parse(call(h2, "PATCH", p + "/gen", "application/merge-patch+json", "{\"spec\":{\"replicas\":3}}".getBytes(StandardCharsets.UTF_8), null));
        assertEquals(2, scaled.at("/metadata/generation").asInt(), "spec changes bump it");

        // The latency histogram is cumulative, ending at +Inf = count.
        String m = call(h1, "GET", "/metrics", null, null, null).body();
        long prev = -1, inf = -1, count = -1;
        for (String line : m.split("\n")) {
            if (!line.contains("resource=\"deployments\",verb=\"PATCH\"")) continue;
            long v = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            if (line.startsWith("apiserver_request_duration_seconds_bucket") && line.contains("le=\"+Inf\"")) inf = v;
            else if (line.startsWith("apiserver_request_duration_seconds_bucket")) { assertTrue(v >= prev, line); prev = v; }
            else if (line.startsWith("apiserver_request_duration_seconds_count")) count = v;
        }
        assertEquals(3, count, m);
        assertEquals(count, inf);
        assertTrue(prev <= inf && prev >= 0, m);
    }

    @Test
    void parallelServiceCreatesGetDistinctClusterIps() throws Exception {
        int n = 8;
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> fs = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            String body = ("{'apiVersion':'v1','kind':'Service','metadata':{'name':'par-" + i + "'},'spec':{'type':'NodePort','ports':[{'port':80}]}}").replace('\'', '"');
            fs.add(h2.sendAsync(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/default/services"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        java.util.Set<String> ips = new java.util.HashSet<>();
        java.util.Set<String> ports = new java.util.HashSet<>();
        for (var f : fs) {
            HttpResponse<String> r = f.get();
            assertEquals(201, r.statusCode(), r.body());
            ips.add(parse(r).at("/spec/clusterIP").asText());
            ports.add(parse(r).at("/spec/ports/0/nodePort").asText());
        }
        assertEquals(n, ips.size(), ips.toString());
        assertEquals(n, ports.size(), ports.toString());
    }

    @Test
    void patchTypes() throws Exception {
        String p = "/api/v1/namespaces/default/configmaps";
        json("POST", p, "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'pt','labels':{'a':'1'}},'data':{'x':'1'}}");
        HttpResponse<String> m = call(h2, "PATCH", p + "/pt", "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"a\":null,\"b\":\"2\"}}}".getBytes(), null);
        assertEquals("{\"b\":\"2\"}", parse(m).path("metadata").path("labels").toString());
        HttpResponse<String> jp = call(h2, "PATCH", p + "/pt", "application/json-patch+json", "[{\"op\":\"replace\",\"path\":\"/data/x\",\"value\":\"9\"}]".getBytes(), null);
        assertEquals("9", parse(jp).path("data").path("x").asText());
        HttpResponse<String> smp = call(h2, "PATCH", p + "/pt", "application/strategic-merge-patch+json", "{\"data\":{\"y\":\"2\"}}".getBytes(), null);
        assertEquals("{\"x\":\"9\",\"y\":\"2\"}", parse(smp).path("data").toString());
        HttpResponse<String> ssa = call(h2, "PATCH", p + "/ssa?fieldManager=me", "application/apply-patch+yaml",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"ssa\"},\"data\":{\"k\":\"v\"}}".getBytes(), null);
        assertEquals(201, ssa.statusCode(), ssa.body());
        assertEquals("me", parse(ssa).path("metadata").path("managedFields").get(0).path("manager").asText());
        assertEquals(415, call(h2, "PATCH", p + "/pt", "application/json", "{}".getBytes(), null).statusCode());
        assertEquals(404, call(h2, "PATCH", p + "/absent", "application/merge-patch+json", "{}".getBytes(), null).statusCode());
    }

    @Test
    void listPagingSelectorsAndTable() throws Exception {
        json("POST", "/api/v1/namespaces", "{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'paging'}}");
        String p = "/api/v1/namespaces/paging/configmaps";
        for (int i = 0; i < 5; i++)
            json("POST", p, "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c" + i + "','labels':{'n':'" + (i % 2) + "'}}}");
        JsonNode page1 = parse(json("GET", p + "?limit=2", null));
        assertEquals(2, page1.path("items").size());
        String cont = page1.path("metadata").path("continue").asText();
        assertFalse(cont.isEmpty());
        JsonNode page2 = parse(json("GET", p + "?limit=10&continue=" + cont, null));
        assertEquals(3, page2.path("items").size());
        assertTrue(page2.path("metadata").path("continue").isMissingNode());
        assertEquals(2, parse(json("GET", p + "?labelSelector=n%3D1", null)).path("items").size());
        assertEquals(1, parse(json("GET", p + "?fieldSelector=metadata.name%3Dc3", null)).path("items").size());
        assertEquals(400, json("GET", p + "?fieldSelector=spec.bogus%3D1", null).statusCode());
        JsonNode table = parse(call(h2, "GET", p, null, null, "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"));
        assertEquals("Table", table.path("kind").asText());
        assertEquals(5, table.path("rows").size());
        assertEquals("PartialObjectMetadata", table.path("rows").get(0).path("object").path("kind").asText());
        assertFalse(table.path("metadata").path("resourceVersion").asText().isEmpty());
        // deletecollection by label
        assertEquals(200, json("DELETE", p + "?labelSelector=n%3D0", null).statusCode());
        assertEquals(2, parse(json("GET", p, null)).path("items").size());
    }

    /** The kinds kube-scheduler lists and watches (PV, PVC, StorageClass, CSINode, PDB, RC) over the wire. */
    @Test
    void storageAndPolicyKindsAreStoredListedWatchedAndPrinted() throws Exception {
        JsonNode core = parse(call(h2, "GET", "/api/v1", null, null, null));
        for (String r : List.of("\"persistentvolumes\"", "\"persistentvolumeclaims\"", "\"replicationcontrollers/scale\"", "\"persistentvolumes/status\""))
            assertTrue(core.path("resources").toString().contains(r), r);
        JsonNode storage = parse(call(h2, "GET", "/apis/storage.k8s.io/v1", null, null, null));
        for (String r : List.of("storageclasses", "csinodes", "csidrivers", "volumeattachments"))
            assertTrue(storage.path("resources").toString().contains("\"" + r + "\""), r);
        assertTrue(parse(call(h2, "GET", "/apis/policy/v1", null, null, null)).path("resources").toString().contains("\"poddisruptionbudgets\""));
        String agg = call(h2, "GET", "/apis", null, null, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList").body();
        assertTrue(agg.contains("\"storage.k8s.io\"") && agg.contains("\"poddisruptionbudgets\""), agg);

        String pvs = "/api/v1/persistentvolumes";
        String rv = parse(json("GET", pvs, null)).path("metadata").path("resourceVersion").asText();
        HttpResponse<InputStream> w = h2.send(HttpRequest.newBuilder(URI.create(base + pvs + "?watch=true&resourceVersion=" + rv + "&timeoutSeconds=5")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<String> pv = json("POST", pvs, "{'apiVersion':'v1','kind':'PersistentVolume','metadata':{'name':'wire-pv'},"
                + "'spec':{'capacity':{'storage':'5Gi'},'accessModes':['ReadWriteOnce'],'hostPath':{'path':'/tmp/wire-pv'}}}");
        assertEquals(201, pv.statusCode(), pv.body());
        assertEquals("Retain", parse(pv).at("/spec/persistentVolumeReclaimPolicy").asText());
        assertEquals("Pending", parse(pv).at("/status/phase").asText());
        var reader = new java.io.BufferedReader(new java.io.InputStreamReader(w.body(), StandardCharsets.UTF_8));
        JsonNode added = Json.MAPPER.readTree(reader.readLine());
        w.body().close();
        assertEquals("ADDED", added.path("type").asText());
        assertEquals("wire-pv", added.at("/object/metadata/name").asText());
        // status subresource: a binder would write the phase there
        HttpResponse<String> st = call(h2, "PATCH", pvs + "/wire-pv/status", "application/merge-patch+json", "{\"status\":{\"phase\":\"Available\"}}".getBytes(), null);
        assertEquals(200, st.statusCode(), st.body());
        JsonNode table = parse(call(h2, "GET", pvs, null, null, "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"));
        assertEquals("Access Modes", table.at("/columnDefinitions/2/name").asText());
        List<String> cells = new java.util.ArrayList<>();
        table.at("/rows/0/cells").forEach(c -> cells.add(c.asText()));
        assertEquals(List.of("wire-pv", "5Gi", "RWO", "Retain", "Available", ""), cells.subList(0, 6));
        assertEquals(422, json("POST", pvs, "{'apiVersion':'v1','kind':'PersistentVolume','metadata':{'name':'bad'},'spec':{}}").statusCode());

        HttpResponse<String> pvc = json("POST", "/api/v1/namespaces/default/persistentvolumeclaims", "{'apiVersion':'v1','kind':'PersistentVolumeClaim',"
                + "'metadata':{'name':'wire-pvc'},'spec':{'accessModes':['ReadWriteOnce'],'resources':{'requests':{'storage':'1Gi'}}}}");
        assertEquals(201, pvc.statusCode(), pvc.body());
        assertEquals("Pending", parse(pvc).at("/status/phase").asText());
        assertEquals(1, parse(json("GET", "/api/v1/persistentvolumeclaims", null)).path("items").size());

        HttpResponse<String> sc = json("POST", "/apis/storage.k8s.io/v1/storageclasses",
                "{'apiVersion':'storage.k8s.io/v1','kind':'StorageClass','metadata':{'name':'wire-sc'},'provisioner':'example.com/x'}");
        assertEquals(201, sc.statusCode(), sc.body());
        assertEquals("Immediate", parse(sc).path("volumeBindingMode").asText());
        assertEquals(201, json("POST", "/apis/storage.k8s.io/v1/csinodes",
                "{'apiVersion':'storage.k8s.io/v1','kind':'CSINode','metadata':{'name':'wire-node'},'spec':{'drivers':[]}}").statusCode());
        assertEquals(200, json("GET", "/apis/storage.k8s.io/v1/csinodes/wire-node", null).statusCode());
        assertEquals(201, json("POST", "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
                "{'apiVersion':'policy/v1','kind':'PodDisruptionBudget','metadata':{'name':'wire-pdb'},'spec':{'minAvailable':1,'selector':{'matchLabels':{'a':'b'}}}}").statusCode());
        assertEquals(1, parse(json("GET", "/apis/policy/v1/poddisruptionbudgets", null)).path("items").size());

        String rcs = "/api/v1/namespaces/default/replicationcontrollers";
        HttpResponse<String> rc = json("POST", rcs, "{'apiVersion':'v1','kind':'ReplicationController','metadata':{'name':'wire-rc'},"
                + "'spec':{'template':{'metadata':{'labels':{'app':'wire'}},'spec':{'containers':[{'name':'c','image':'busybox'}]}}}}");
        assertEquals(201, rc.statusCode(), rc.body());
        assertEquals("wire", parse(rc).at("/spec/selector/app").asText());
        JsonNode scale = parse(json("GET", rcs + "/wire-rc/scale", null));
        assertEquals(1, scale.at("/spec/replicas").asInt());
        assertEquals("app=wire", scale.at("/status/selector").asText());
        HttpResponse<String> scaled = call(h2, "PATCH", rcs + "/wire-rc/scale", "application/merge-patch+json", "{\"spec\":{\"replicas\":3}}".getBytes(), null);
        assertEquals(200, scaled.statusCode(), scaled.body());
        assertEquals(3, parse(json("GET", rcs + "/wire-rc", null)).at("/spec/replicas").asInt());
    }

    /** kube-scheduler (client-go's default content type) posts pods/binding as protobuf. */
    @Test
    void protobufBindingAssignsTheNode() throws Exception {
        String pods = "/api/v1/namespaces/default/pods";
        assertEquals(201, json("POST", pods, "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'pb-bind'},'spec':{'containers':[{'name':'c','image':'busybox'}]}}").statusCode());
        io.kubernetes.client.proto.V1.Binding binding = io.kubernetes.client.proto.V1.Binding.newBuilder()
                .setMetadata(io.kubernetes.client.proto.Meta.ObjectMeta.newBuilder().setName("pb-bind").setNamespace("default"))
                .setTarget(io.kubernetes.client.proto.V1.ObjectReference.newBuilder().setKind("Node").setName("node-pb")).build();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[]{0x6b, 0x38, 0x73, 0x00});
        io.kubernetes.client.proto.Runtime.Unknown.newBuilder()
                .setTypeMeta(io.kubernetes.client.proto.Runtime.TypeMeta.newBuilder().setApiVersion("v1").setKind("Binding"))
                .setRaw(binding.toByteString()).build().writeTo(out);
        HttpResponse<String> r = call(h2, "POST", pods + "/pb-bind/binding", "application/vnd.kubernetes.protobuf", out.toByteArray(), "application/json");
        assertEquals(201, r.statusCode(), r.body());
        assertEquals("node-pb", parse(json("GET", pods + "/pb-bind", null)).at("/spec/nodeName").asText());
    }

    @Test
    void watchFromResourceVersionAnd410() throws Exception {
        json("POST", "/api/v1/namespaces", "{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'watching'}}");
        String p = "/api/v1/namespaces/watching/configmaps";
        String rv = parse(json("GET", p, null)).path("metadata").path("resourceVersion").asText();
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + p + "?watch=true&resourceVersion=" + rv + "&timeoutSeconds=5")).build();
        HttpResponse<InputStream> w = h2.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, w.statusCode());
        json("POST", p, "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'w1'}}");
        json("DELETE", p + "/w1", null);
        var reader = new java.io.BufferedReader(new java.io.InputStreamReader(w.body(), StandardCharsets.UTF_8));
        JsonNode e1 = Json.MAPPER.readTree(reader.readLine());
        JsonNode e2 = Json.MAPPER.readTree(reader.readLine());
        w.body().close();
        assertEquals("ADDED", e1.path("type").asText());
        assertEquals("w1", e1.path("object").path("metadata").path("name").asText());
        assertEquals("DELETED", e2.path("type").asText());

        json("POST", p, "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'w2'}}");
        server.store().compact(server.store().currentRevision());
        HttpResponse<String> gone = json("GET", p + "?watch=true&resourceVersion=" + rv, null);
        assertTrue(gone.statusCode() == 410 || gone.body().contains("\"code\":410"), gone.statusCode() + " " + gone.body());
    }

    /**
     * Many plain watches of one prefix share one fan-out (WatchFanout): every watcher, over HTTP/2 (streams of one
     * connection) and HTTP/1.1 (chunked), gets every event once and in order, a watch from an older revision gets
     * the same events, and each response ends cleanly at timeoutSeconds (an HTTP/1.1 connection stays usable).
     */
    @Test
    void manyWatchersGetEveryEventInOrderAndEndCleanly() throws Exception {
        json("POST", "/api/v1/namespaces", "{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'fanout'}}");
        String p = "/api/v1/namespaces/fanout/configmaps";
        String rv0 = parse(json("GET", p, null)).path("metadata").path("resourceVersion").asText();
        List<java.util.concurrent.Future<List<String>>> watchers = new java.util.ArrayList<>();
        var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        java.util.function.BiFunction<HttpClient, String, java.util.concurrent.Future<List<String>>> open = (c, from) -> {
            try {
                HttpRequest req = HttpRequest.newBuilder(URI.create(base + p + "?watch=1&resourceVersion=" + from + "&timeoutSeconds=4")).build();
                HttpResponse<InputStream> w = c.send(req, HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, w.statusCode());
                return pool.submit(() -> {
                    List<String> lines = new java.util.ArrayList<>();
                    var reader = new java.io.BufferedReader(new java.io.InputStreamReader(w.body(), StandardCharsets.UTF_8));
                    for (String l; (l = reader.readLine()) != null; ) if (!l.isBlank()) lines.add(l);
                    return lines;
                });
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        for (int i = 0; i < 12; i++) watchers.add(open.apply(h2, rv0));
        List<HttpClient> h1s = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HttpClient c = HttpClient.newBuilder().sslContext(h1.sslContext()).version(HttpClient.Version.HTTP_1_1).build();
            h1s.add(c);
            watchers.add(open.apply(c, rv0));
        }
        for (int i = 0; i < 20; i++) json("POST", p, "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'f" + i + "'},'data':{'k':'v'}}");
        // joins late, from the first revision: it cannot share the fan-out's position and is served on its own
        watchers.add(open.apply(h2, rv0));
        json("PUT", p + "/f3", "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'f3'},'data':{'k':'changed'}}");
        json("DELETE", p + "/f4", null);
        for (var f : watchers) {
            List<String> lines = f.get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(22, lines.size(), String.join("\n", lines));
            long last = Long.parseLong(rv0);
            for (int i = 0; i < 22; i++) {
                JsonNode e = Json.MAPPER.readTree(lines.get(i));
                assertEquals(i < 20 ? "ADDED" : i == 20 ? "MODIFIED" : "DELETED", e.path("type").asText());
                assertEquals(i < 20 ? "f" + i : i == 20 ? "f3" : "f4", e.path("object").path("metadata").path("name").asText());
                long rv = e.path("object").path("metadata").path("resourceVersion").asLong();
                assertTrue(rv > last, "resourceVersions grow");
                last = rv;
            }
        }
        // the HTTP/1.1 connections that carried a watch serve the next request (nothing was written after the end)
        for (HttpClient c : h1s) {
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(base + p + "/f3")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("changed", parse(r).path("data").path("k").asText());
        }
        pool.shutdownNow();
    }

    @Test
    void deleteWithFinalizersPreconditionsAndNamespaceTermination() throws Exception {
        json("POST", "/api/v1/namespaces", "{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'fin'}}");
        String p = "/api/v1/namespaces/fin/configmaps";
        json("POST", p, "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'f','finalizers':['example.com/keep']}}");
        HttpResponse<String> pre = json("DELETE", p + "/f", "{'preconditions':{'uid':'not-the-uid'}}");
        assertEquals(409, pre.statusCode());
        JsonNode d = parse(json("DELETE", p + "/f", "{'propagationPolicy':'Foreground'}"));
        assertFalse(d.path("metadata").path("deletionTimestamp").asText().isEmpty());
        assertTrue(d.path("metadata").path("finalizers").toString().contains("foregroundDeletion"));
        // removing the finalizers completes the deletion
        call(h2, "PATCH", p + "/f", "application/merge-patch+json", "{\"metadata\":{\"finalizers\":null}}".getBytes(), null);
        assertEquals(404, json("GET", p + "/f", null).statusCode());
        json("POST", p, "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'g'}}");
        JsonNode ns = parse(json("DELETE", "/api/v1/namespaces/fin", null));
        assertEquals("Terminating", ns.path("status").path("phase").asText());
        HttpResponse<String> refused = json("POST", p, "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'late'}}");
        assertTrue(refused.statusCode() == 403 || refused.statusCode() == 404, refused.body());
        for (int i = 0; i < 50 && json("GET", "/api/v1/namespaces/fin", null).statusCode() != 404; i++) Thread.sleep(100);
        assertEquals(404, json("GET", "/api/v1/namespaces/fin", null).statusCode());
    }

    @Test
    void selfSubjectAccessReview() throws Exception {
        HttpResponse<String> r = json("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                "{'apiVersion':'authorization.k8s.io/v1','kind':'SelfSubjectAccessReview','spec':{'resourceAttributes':{'verb':'create','resource':'pods','namespace':'default'}}}");
        assertEquals(201, r.statusCode(), r.body());
        assertTrue(parse(r).path("status").path("allowed").asBoolean());
    }

    @Test
    void kubeconfigMergeKeepsOtherEntries() throws Exception {
        Path target = tmp.resolve("kube/config");
        Files.createDirectories(target.getParent());
        Files.writeString(target, "apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster: {server: https://x}\ncontexts: []\nusers: []\ncurrent-context: other\n");
        server.mergeIntoKubeconfig(target, false);
        JsonNode k = Json.YAML.readTree(target.toFile());
        assertEquals(2, k.path("clusters").size());
        assertEquals("other", k.path("current-context").asText());
        assertEquals(List.of("other", "wharf"), List.of(k.path("clusters").get(0).path("name").asText(), k.path("clusters").get(1).path("name").asText()));
    }
}
