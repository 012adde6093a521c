package io.jetrt.experiments;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table with a header rule; text columns aligned left, numbers right. */
final class TextTable {
    private final List<String> headers;
    private final boolean[] right;
    private final List<List<String>> rows = new ArrayList<>();

    TextTable(List<String> headers, boolean[] rightAligned) {
        this.headers = headers;
        this.right = rightAligned;
    }

    void add(List<String> row) { rows.add(row); }

    String render() {
        int[] w = new int[headers.size()];
        for (int c = 0; c < w.length; c++) {
            w[c] = headers.get(c).length();
            for (List<String> r : rows) w[c] = Math.max(w[c], r.get(c).length());
        }
        StringBuilder b = new StringBuilder();
        line(b, headers, w);
        for (int c = 0; c < w.length; c++) b.append(c == 0 ? "" : "  ").append("-".repeat(w[c]));
        b.append('\n');
        for (List<String> r : rows) line(b, r, w);
        return b.toString();
    }

    private void line(StringBuilder b, List<String> cells, int[] w) {
        StringBuilder l = new StringBuilder();
        for (int c = 0; c < w.length; c++) {
            String s = cells.get(c);
            String pad = " ".repeat(w[c] - s.length());
            l.append(c == 0 ? "" : "  ").append(right[c] ? pad + s : s + pad);
        }
        b.append(l.toString().stripTrailing()).append('\n');
    }
}
