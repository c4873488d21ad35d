package io.wharf.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The parts of the host's resolv.conf that containers inherit. */
record HostResolv(List<String> nameservers, List<String> search, List<String> options) {
    static HostResolv read(Path file) {
        List<String> ns = new ArrayList<>();
        List<String> search = new ArrayList<>();
        List<String> options = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            lines = List.of();
        }
        for (String line : lines) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith(";")) continue;
            String[] t = l.split("\\s+");
            switch (t[0]) {
                case "nameserver" -> {
                    if (t.length > 1) ns.add(t[1]);
                }
                case "search", "domain" -> {
                    search.clear();
                    search.addAll(Arrays.asList(t).subList(1, t.length));
                }
                case "options" -> options.addAll(Arrays.asList(t).subList(1, t.length));
                default -> { }
            }
        }
        return new HostResolv(List.copyOf(ns), List.copyOf(search), List.copyOf(options));
    }
}
