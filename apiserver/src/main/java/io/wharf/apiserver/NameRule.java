package io.wharf.apiserver;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * CONTRACT (serving core <-> io.wharf.apiserver.kinds): the rule metadata.name must follow, i.e. the {@code nameFn}
 * Kubernetes passes to ValidateObjectMeta for a kind. A strategy chooses it with {@link ResourceStrategy#nameRule()};
 * the core applies it once, so a strategy must not check the name's syntax again (that printed every error twice).
 * Messages are apimachinery's (k8s.io/apimachinery/pkg/util/validation and .../api/validation/path).
 */
public enum NameRule {
    /** Most kinds (Pod, ConfigMap, Deployment...): IsDNS1123Subdomain. */
    DNS_SUBDOMAIN,
    /** Namespace (and Node-less label names): IsDNS1123Label. */
    DNS_LABEL,
    /** Service: IsDNS1035Label (must start with a letter). */
    DNS_1035_LABEL,
    /** RBAC Role/ClusterRole/RoleBinding/ClusterRoleBinding: IsValidPathSegmentName, so "system:node" is fine. */
    PATH_SEGMENT;

    public static final String DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    public static final String DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*";
    public static final String DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";

    private static final Pattern DNS1123_LABEL = Pattern.compile(DNS1123_LABEL_FMT);
    private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile(DNS1123_SUBDOMAIN_FMT);
    private static final Pattern DNS1035_LABEL = Pattern.compile(DNS1035_LABEL_FMT);

    /** The problems of {@code name} under this rule (empty when valid), one message per problem as Kubernetes lists them. */
    public List<String> check(String name) {
        List<String> errs = new ArrayList<>(2);
        switch (this) {
            case DNS_SUBDOMAIN -> {
                if (name.length() > 253) errs.add(maxLen(253));
                if (!DNS1123_SUBDOMAIN.matcher(name).matches())
                    errs.add(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
                            DNS1123_SUBDOMAIN_FMT, "example.com"));
            }
            case DNS_LABEL -> {
                if (name.length() > 63) errs.add(maxLen(63));
                if (!DNS1123_LABEL.matcher(name).matches())
                    errs.add(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                            DNS1123_LABEL_FMT, "my-name", "123-abc"));
            }
            case DNS_1035_LABEL -> {
                if (name.length() > 63) errs.add(maxLen(63));
                if (!DNS1035_LABEL.matcher(name).matches())
                    errs.add(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
                            DNS1035_LABEL_FMT, "my-name", "abc-123"));
            }
            case PATH_SEGMENT -> {
                if (name.equals(".") || name.equals("..")) errs.add("may not be '" + name + "'");
                for (String s : new String[]{"/", "%"}) if (name.contains(s)) errs.add("may not contain '" + s + "'");
            }
        }
        return errs;
    }

    public static String maxLen(int n) { return "must be no more than " + n + " characters"; }

    /** validation.RegexError: the message, the examples and the regex. */
    public static String regexError(String msg, String fmt, String... examples) {
        StringBuilder sb = new StringBuilder(msg).append(" (e.g. ");
        for (int i = 0; i < examples.length; i++) {
            if (i > 0) sb.append(",  or ");
            sb.append('\'').append(examples[i]).append('\'');
        }
        return sb.append(", regex used for validation is '").append(fmt).append("')").toString();
    }
}
