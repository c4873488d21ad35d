package io.wharf.apiserver;

import java.util.Objects;

/**
 * CONTRACT (serving core <-> io.wharf.apiserver.kinds). A column of a meta.k8s.io/v1 Table (kubectl get).
 * As in real Kubernetes, the server always sends every column; kubectl shows {@code priority > 0} columns only with
 * {@code -o wide}. So "wide" columns are simply columns with priority 1.
 *
 * @param name        the header as kubectl prints it upper-cased: "Name", "Ready", "Status", "Restarts", "Age", "IP", "Node"
 * @param type        OpenAPI type of the cells: "string", "integer", "number", "boolean", "date"
 * @param format      "name" for the name column (kubectl uses it to print kind/name), "" otherwise
 * @param description shown nowhere important; may be ""
 * @param priority    0 = always shown, 1 = only with -o wide
 */
public record TableColumn(String name, String type, String format, String description, int priority) {
    public TableColumn {
        Objects.requireNonNull(name, "name");
        type = type == null || type.isEmpty() ? "string" : type;
        format = format == null ? "" : format;
        description = description == null ? "" : description;
        if (priority < 0) throw new IllegalArgumentException("priority must be >= 0");
    }

    /** The Name column every kind starts with: {@code new TableColumn("Name","string","name",...,0)}. */
    public static final TableColumn NAME = new TableColumn("Name", "string", "name",
            "Name must be unique within a namespace.", 0);
    /** The Age column: cells are strings like "5m", "3h2m", made by {@link ResourceStrategy#age}. */
    public static final TableColumn AGE = new TableColumn("Age", "string", "",
            "CreationTimestamp is a timestamp representing the server time when this object was created.", 0);

    public static TableColumn of(String name) { return new TableColumn(name, "string", "", "", 0); }
    public static TableColumn of(String name, String type) { return new TableColumn(name, type, "", "", 0); }
    public static TableColumn wide(String name) { return new TableColumn(name, "string", "", "", 1); }
}
