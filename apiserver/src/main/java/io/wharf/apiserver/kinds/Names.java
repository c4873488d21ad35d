package io.wharf.apiserver.kinds;

import io.wharf.apiserver.NameRule;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Name and key syntax checks with Kubernetes' exact messages (k8s.io/apimachinery/pkg/util/validation). Each check
 * returns the list of problems, empty when valid, like the Go functions of the same names.
 */
public final class Names {
    private Names() {}

    static final String DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    static final String DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*";
    static final String DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
    static final String QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    static final String LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?";
    static final String CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+";
    static final String ENV_VAR_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*";
    static final String WILDCARD_DNS1123_SUBDOMAIN_FMT = "\\*\\." + DNS1123_SUBDOMAIN_FMT;

    private static final Pattern QUALIFIED_NAME = Pattern.compile("^" + QUALIFIED_NAME_FMT + "$");
    private static final Pattern LABEL_VALUE = Pattern.compile("^" + LABEL_VALUE_FMT + "$");
    private static final Pattern CONFIG_KEY = Pattern.compile("^" + CONFIG_KEY_FMT + "$");
    private static final Pattern ENV_VAR = Pattern.compile("^" + ENV_VAR_FMT + "$");
    private static final Pattern WILDCARD_DNS1123_SUBDOMAIN = Pattern.compile("^" + WILDCARD_DNS1123_SUBDOMAIN_FMT + "$");
    private static final Pattern PORT_NAME_CHARS = Pattern.compile("^[-a-z0-9]+$");
    private static final Pattern PORT_NAME_ONE_LETTER = Pattern.compile(".*[a-z].*");

    static String regexError(String msg, String fmt, String... examples) {
        StringBuilder sb = new StringBuilder(msg).append(" (e.g. ");
        for (int i = 0; i < examples.length; i++) {
            if (i > 0) sb.append(",  or ");
            sb.append('\'').append(examples[i]).append('\'');
        }
        return sb.append(", regex used for validation is '").append(fmt).append("')").toString();
    }

    static String maxLenError(int n) { return "must be no more than " + n + " characters"; }

    public static List<String> isDNS1123Label(String v) { return NameRule.DNS_LABEL.check(v); }

    public static List<String> isDNS1123Subdomain(String v) { return NameRule.DNS_SUBDOMAIN.check(v); }

    public static List<String> isWildcardDNS1123Subdomain(String v) {
        List<String> errs = new ArrayList<>();
        if (v.length() > 253) errs.add(maxLenError(253));
        if (!WILDCARD_DNS1123_SUBDOMAIN.matcher(v).matches()) {
            errs.add(regexError("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
                    WILDCARD_DNS1123_SUBDOMAIN_FMT, "*.example.com"));
        }
        return errs;
    }

    public static List<String> isDNS1035Label(String v) { return NameRule.DNS_1035_LABEL.check(v); }

    /** Label keys, annotation keys, taint keys: an optional DNS subdomain prefix and a name part. */
    public static List<String> isQualifiedName(String v) {
        List<String> errs = new ArrayList<>();
        String[] parts = v.split("/", -1);
        String name;
        switch (parts.length) {
            case 1 -> name = parts[0];
            case 2 -> {
                String prefix = parts[0];
                name = parts[1];
                if (prefix.isEmpty()) errs.add("prefix part must be non-empty");
                else for (String m : isDNS1123Subdomain(prefix)) errs.add("prefix part " + m);
            }
            default -> {
                errs.add(regexError("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                        QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc") + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return errs;
            }
        }
        if (name.isEmpty()) errs.add("name part must be non-empty");
        else if (name.length() > 63) errs.add("name part " + maxLenError(63));
        if (!QUALIFIED_NAME.matcher(name).matches()) {
            errs.add("name part " + regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                    QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc"));
        }
        return errs;
    }

    public static List<String> isValidLabelValue(String v) {
        List<String> errs = new ArrayList<>();
        if (v.length() > 63) errs.add(maxLenError(63));
        if (!LABEL_VALUE.matcher(v).matches()) {
            errs.add(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                    LABEL_VALUE_FMT, "MyValue", "my_value", "12345"));
        }
        return errs;
    }

    public static List<String> isConfigMapKey(String v) {
        List<String> errs = new ArrayList<>();
        if (v.length() > 253) errs.add(maxLenError(253));
        if (!CONFIG_KEY.matcher(v).matches()) {
            errs.add(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                    CONFIG_KEY_FMT, "key.name", "KEY_NAME", "key-name"));
        }
        if (v.equals(".")) errs.add("must not be '.'");
        else if (v.equals("..")) errs.add("must not be '..'");
        else if (v.startsWith("..")) errs.add("must not start with '..'");
        return errs;
    }

    public static List<String> isEnvVarName(String v) {
        List<String> errs = new ArrayList<>();
        if (!ENV_VAR.matcher(v).matches()) {
            errs.add(regexError("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
                    ENV_VAR_FMT, "my.env-name", "MY_ENV.NAME", "MyEnvName1"));
        }
        return errs;
    }

    /** IANA_SVC_NAME, for container and service port names. */
    public static List<String> isValidPortName(String v) {
        List<String> errs = new ArrayList<>();
        if (v.length() > 15) errs.add(maxLenError(15));
        if (!PORT_NAME_CHARS.matcher(v).matches()) errs.add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        if (!PORT_NAME_ONE_LETTER.matcher(v).matches()) errs.add("must contain at least one letter (a-z)");
        if (v.contains("--")) errs.add("must not contain consecutive hyphens");
        if (!v.isEmpty() && (v.charAt(0) == '-' || v.charAt(v.length() - 1) == '-')) errs.add("must not begin or end with a hyphen");
        return errs;
    }

    public static List<String> isValidPortNum(long port) {
        return port >= 1 && port <= 65535 ? List.of() : List.of("must be between 1 and 65535, inclusive");
    }

    /** path-segment names (RBAC roles and bindings, ...): ValidatePathSegmentName. */
    public static List<String> isValidPathSegmentName(String v) { return NameRule.PATH_SEGMENT.check(v); }
}
