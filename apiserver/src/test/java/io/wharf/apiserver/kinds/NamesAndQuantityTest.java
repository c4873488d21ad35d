package io.wharf.apiserver.kinds;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class NamesAndQuantityTest {

    @Test
    void dns1123LabelMessagesAreKubernetes() {
        assertEquals(List.of(), Names.isDNS1123Label("my-name"));
        assertEquals(List.of("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"),
                Names.isDNS1123Label("My_Name"));
        assertEquals("must be no more than 63 characters", Names.isDNS1123Label("a".repeat(64)).getFirst());
        assertTrue(Names.isDNS1123Subdomain("example.com").isEmpty());
        assertEquals(List.of("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
                Names.isDNS1123Subdomain("Example.com"));
        assertFalse(Names.isDNS1035Label("1abc").isEmpty());
        assertTrue(Names.isDNS1035Label("abc-1").isEmpty());
    }

    @Test
    void qualifiedNamesAndLabelValues() {
        assertTrue(Names.isQualifiedName("node-role.kubernetes.io/control-plane").isEmpty());
        assertTrue(Names.isQualifiedName("app").isEmpty());
        assertEquals("prefix part must be non-empty", Names.isQualifiedName("/x").getFirst());
        assertTrue(Names.isQualifiedName("a/b/c").getFirst().startsWith("a qualified name must consist of"));
        assertTrue(Names.isValidLabelValue("").isEmpty());
        assertEquals(1, Names.isValidLabelValue("-bad").size());
        assertEquals(List.of("must be no more than 63 characters"), Names.isValidLabelValue("a".repeat(64)));
    }

    @Test
    void configKeysEnvNamesPortNames() {
        assertTrue(Names.isConfigMapKey("MYSQL_HOST").isEmpty());
        assertTrue(Names.isConfigMapKey("tls.crt").isEmpty());
        assertEquals(List.of("must not be '..'"), Names.isConfigMapKey(".."));
        assertFalse(Names.isConfigMapKey("a b").isEmpty());
        assertTrue(Names.isEnvVarName("MY_ENV.NAME").isEmpty());
        assertFalse(Names.isEnvVarName("1ABC").isEmpty());
        assertTrue(Names.isValidPortName("http").isEmpty());
        assertEquals(List.of("must contain at least one letter (a-z)"), Names.isValidPortName("8080"));
        assertEquals(List.of("must be no more than 15 characters"), Names.isValidPortName("abcdefghijklmnop"));
        assertEquals(List.of("must be between 1 and 65535, inclusive"), Names.isValidPortNum(0));
    }

    @Test
    void quantitiesCanonicalizeAsKubernetes() {
        assertEquals("500m", Quantity.parse("0.5").toString());
        assertEquals("500m", Quantity.parse("500m").toString());
        assertEquals("1", Quantity.parse("1000m").toString());
        assertEquals("1Gi", Quantity.parse("1Gi").toString());
        assertEquals("1Gi", Quantity.parse("1024Mi").toString());
        assertEquals("1536Mi", Quantity.parse("1.5Gi").toString());
        assertEquals("512", Quantity.parse("0.5Ki").toString());
        assertEquals("128974848", Quantity.parse("128974848").toString());
        assertEquals("129e6", Quantity.parse("129e6").toString());
        assertEquals("129M", Quantity.parse("129M").toString());
        assertEquals("1k", Quantity.parse("1000").toString());
        assertEquals("1500", Quantity.parse("1500").toString());
        assertEquals("100u", Quantity.parse("0.1m").toString());
        assertEquals("1n", Quantity.parse("0.0000000001").toString(), "rounds up to nano precision");
        assertEquals("0", Quantity.parse("0Mi").toString());
        assertEquals("-2", Quantity.parse("-2").toString());
        assertTrue(Quantity.parse("1Gi").compareTo(Quantity.parse("1000Mi")) > 0);
        assertEquals(0, Quantity.parse("1").compareTo(Quantity.parse("1000m")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantity.parse("1Mk"));
        assertEquals("unable to parse quantity's suffix", e.getMessage());
        assertEquals(Quantity.REGEX_MESSAGE, assertThrows(IllegalArgumentException.class, () -> Quantity.parse("1GB")).getMessage());
    }

    @Test
    void cronSchedules() {
        assertNull(Cron.validate("*/1 * * * *"));
        assertNull(Cron.validate("0 3 * * mon-fri"));
        assertNull(Cron.validate("@hourly"));
        assertNull(Cron.validate("@every 5m"));
        assertEquals("expected exactly 5 fields, found 1: hello", Cron.validate("hello"));
        assertEquals("end of range (60) above maximum (59): 60", Cron.validate("60 * * * *"));
        assertEquals("failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax", Cron.validate("x * * * *"));
        assertEquals("unrecognized descriptor: @sometimes", Cron.validate("@sometimes"));
        assertEquals("cannot use TZ or CRON_TZ in schedule, use timeZone field instead", Cron.validate("TZ=UTC 0 * * * *"));
    }
}
