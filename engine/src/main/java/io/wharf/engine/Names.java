package io.wharf.engine;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Docker-style IDs and names: 64-hex IDs, [a-zA-Z0-9][a-zA-Z0-9_.-]+ names, random adjective_surname names. */
public final class Names {
    private static final SecureRandom RANDOM = new SecureRandom();
    public static final Pattern VALID = Pattern.compile("^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$");

    // A subset of moby's namesgenerator lists (pkg/namesgenerator).
    private static final String[] LEFT = {"admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome",
            "beautiful", "blissful", "bold", "boring", "brave", "busy", "charming", "clever", "compassionate", "competent",
            "condescending", "confident", "cool", "cranky", "crazy", "dazzling", "determined", "distracted", "dreamy",
            "eager", "ecstatic", "elastic", "elated", "elegant", "eloquent", "epic", "exciting", "fervent", "festive",
            "flamboyant", "focused", "friendly", "frosty", "funny", "gallant", "gifted", "goofy", "gracious", "great",
            "happy", "hardcore", "heuristic", "hopeful", "hungry", "infallible", "inspiring", "intelligent", "interesting",
            "jolly", "jovial", "keen", "kind", "laughing", "loving", "lucid", "magical", "modest", "musing", "mystifying",
            "naughty", "nervous", "nice", "nifty", "nostalgic", "objective", "optimistic", "peaceful", "pedantic",
            "pensive", "practical", "priceless", "quirky", "quizzical", "recursing", "relaxed", "reverent", "romantic",
            "sad", "serene", "sharp", "silly", "sleepy", "stoic", "strange", "stupefied", "suspicious", "sweet", "tender",
            "thirsty", "trusting", "unruffled", "upbeat", "vibrant", "vigilant", "vigorous", "wizardly", "wonderful",
            "xenodochial", "youthful", "zealous", "zen"};
    private static final String[] RIGHT = {"agnesi", "albattani", "allen", "almeida", "archimedes", "ardinghelli", "aryabhata",
            "austin", "babbage", "banach", "bardeen", "bartik", "bassi", "bell", "benz", "bhabha", "bhaskara", "blackwell",
            "bohr", "booth", "borg", "bose", "boyd", "brahmagupta", "brattain", "brown", "carson", "chandrasekhar",
            "clarke", "colden", "cori", "cray", "curie", "darwin", "davinci", "dijkstra", "dubinsky", "easley", "edison",
            "einstein", "elion", "engelbart", "euclid", "euler", "fermat", "fermi", "feynman", "franklin", "galileo",
            "gates", "goldberg", "goldstine", "golick", "goodall", "hamilton", "hawking", "heisenberg", "hermann",
            "hodgkin", "hoover", "hopper", "hugle", "hypatia", "jackson", "jang", "jennings", "jepsen", "johnson",
            "joliot", "jones", "kalam", "kapitsa", "keldysh", "keller", "kepler", "khorana", "kilby", "kirch", "knuth",
            "kowalevski", "lalande", "lamarr", "lamport", "leakey", "leavitt", "lederberg", "lehmann", "lewin",
            "lichterman", "liskov", "lovelace", "lumiere", "mahavira", "mayer", "mccarthy", "mclean", "meitner",
            "mendel", "merkle", "mirzakhani", "montalcini", "moore", "morse", "napier", "nash", "newton", "nobel",
            "noether", "northcutt", "noyce", "panini", "pare", "pascal", "pasteur", "payne", "perlman", "pike",
            "poincare", "ptolemy", "raman", "ramanujan", "ride", "ritchie", "robinson", "roentgen", "rosalind",
            "saha", "sammet", "shannon", "shaw", "shockley", "sinoussi", "snyder", "spence", "stonebraker",
            "sutherland", "swanson", "swartz", "tesla", "thompson", "torvalds", "turing", "varahamihira", "vaughan",
            "villani", "visvesvaraya", "volhard", "wescoff", "wiles", "williams", "wilson", "wing", "wozniak", "wright",
            "wu", "yalow", "yonath", "zhukovsky"};

    private Names() {}

    public static String newId() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** adjective_surname; after a collision the caller retries with {@code retry > 0}, which appends a digit. */
    public static String random(int retry) {
        String n = LEFT[RANDOM.nextInt(LEFT.length)] + "_" + RIGHT[RANDOM.nextInt(RIGHT.length)];
        return retry > 0 ? n + RANDOM.nextInt(10) : n;
    }

    public static String shortId(String id) {
        if (id.startsWith("sha256:")) id = id.substring(7);
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
