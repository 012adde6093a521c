package io.jetrt.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Command-line arguments: positionals, {@code --name value} options and {@code --flag} switches. */
final class Args {
    final List<String> positional = new ArrayList<>();
    private final Map<String, String> options = new LinkedHashMap<>();

    Args(String[] argv, Set<String> flags) {
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.startsWith("--")) {
                String name = a.substring(2);
                int eq = name.indexOf('=');
                if (eq >= 0) options.put(name.substring(0, eq), name.substring(eq + 1));
                else if (flags.contains(name)) options.put(name, "true");
                else if (i + 1 < argv.length) options.put(name, argv[++i]);
                else throw new IllegalArgumentException("option --" + name + " needs a value");
            } else {
                positional.add(a);
            }
        }
    }

    String get(String name, String fallback) { return options.getOrDefault(name, fallback); }

    boolean has(String name) { return options.containsKey(name); }

    int integer(String name, int fallback) {
        String v = options.get(name);
        try {
            return v == null ? fallback : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be an integer; got '" + v + "'");
        }
    }

    double number(String name, double fallback) {
        String v = options.get(name);
        try {
            return v == null ? fallback : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number; got '" + v + "'");
        }
    }

    /** Options not in {@code known}: a typo should fail loudly, not be ignored. */
    void rejectUnknown(Set<String> known) {
        for (String k : options.keySet()) {
            if (!known.contains(k)) throw new IllegalArgumentException("unknown option --" + k + "; known: --" + String.join(", --", known));
        }
    }
}
