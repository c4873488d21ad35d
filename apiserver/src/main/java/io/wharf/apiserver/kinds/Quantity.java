package io.wharf.apiserver.kinds;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes resource quantity (k8s.io/apimachinery/pkg/api/resource.Quantity): "500m", "1Gi", "1e3". Parsing rounds
 * up to nano precision, and {@link #toString()} prints the canonical form the API server serializes ("0.5" -> "500m",
 * "1024Mi" -> "1Gi", "1000" -> "1k").
 */
public record Quantity(BigDecimal value, Format format) implements Comparable<Quantity> {

    /** How the quantity was written, which decides how it prints. */
    public enum Format { DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT }

    public static final String REGEX_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    private static final Pattern SYNTAX = Pattern.compile("^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$");
    private static final Map<String, Integer> DECIMAL = Map.of("n", -9, "u", -6, "m", -3, "", 0, "k", 3, "M", 6, "G", 9, "T", 12, "P", 15, "E", 18);
    private static final Map<String, Integer> BINARY = Map.of("Ki", 10, "Mi", 20, "Gi", 30, "Ti", 40, "Pi", 50, "Ei", 60);
    private static final String[] BIN_SUFFIX = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

    public Quantity {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(format, "format");
    }

    /** Parses a quantity; throws IllegalArgumentException with Kubernetes' message when malformed. */
    public static Quantity parse(String s) {
        if (s == null || s.isEmpty()) throw new IllegalArgumentException("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
        Matcher m = SYNTAX.matcher(s.trim());
        if (!m.matches()) throw new IllegalArgumentException(REGEX_MESSAGE);
        String num = m.group(1), suffix = m.group(2);
        BigDecimal base;
        try {
            base = new BigDecimal(num.startsWith("+") ? num.substring(1) : num);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(REGEX_MESSAGE);
        }
        BigDecimal v;
        Format f;
        if (DECIMAL.containsKey(suffix)) {
            v = base.scaleByPowerOfTen(DECIMAL.get(suffix));
            f = Format.DECIMAL_SI;
        } else if (BINARY.containsKey(suffix)) {
            v = base.multiply(new BigDecimal(BigInteger.TWO.pow(BINARY.get(suffix))));
            f = Format.BINARY_SI;
        } else if ((suffix.startsWith("e") || suffix.startsWith("E")) && suffix.length() > 1) {
            try {
                v = base.scaleByPowerOfTen(Integer.parseInt(suffix.substring(1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("unable to parse quantity's suffix");
            }
            f = Format.DECIMAL_EXPONENT;
        } else {
            throw new IllegalArgumentException("unable to parse quantity's suffix");
        }
        // Kubernetes keeps at most nano precision and rounds up (away from zero for positive values).
        if (v.scale() > 9) v = v.setScale(9, RoundingMode.UP);
        return new Quantity(v, f);
    }

    public static boolean isValid(String s) {
        try { parse(s); return true; } catch (IllegalArgumentException e) { return false; }
    }

    public int signum() { return value.signum(); }

    @Override
    public int compareTo(Quantity o) { return value.compareTo(o.value); }

    /** The canonical form (CanonicalizeBytes). */
    @Override
    public String toString() {
        if (value.signum() == 0) return "0";
        Format f = format;
        if (f == Format.BINARY_SI) {
            if (value.abs().compareTo(BigDecimal.valueOf(1024)) < 0) f = Format.DECIMAL_SI;
            else {
                BigDecimal stripped = value.stripTrailingZeros();
                if (stripped.scale() > 0) f = Format.DECIMAL_SI;
                else {
                    BigInteger n = stripped.toBigIntegerExact();
                    int i = 0;
                    BigInteger k = BigInteger.valueOf(1024);
                    while (i < 6 && n.mod(k).signum() == 0 && n.abs().compareTo(k) >= 0) { n = n.divide(k); i++; }
                    return n + BIN_SUFFIX[i];
                }
            }
        }
        BigDecimal s = value.stripTrailingZeros();
        BigInteger unscaled = s.unscaledValue();
        int exp = -s.scale();
        int e3 = Math.floorDiv(exp, 3) * 3;
        if (e3 > 18) e3 = 18;
        BigInteger mantissa = unscaled.multiply(BigInteger.TEN.pow(exp - e3));
        String suffix;
        if (f == Format.DECIMAL_EXPONENT) suffix = e3 == 0 ? "" : "e" + e3;
        else suffix = switch (e3) {
            case -9 -> "n"; case -6 -> "u"; case -3 -> "m"; case 0 -> ""; case 3 -> "k"; case 6 -> "M";
            case 9 -> "G"; case 12 -> "T"; case 15 -> "P"; default -> "E";
        };
        return mantissa + suffix;
    }
}
