package io.jetrt.runtime.verify;

import java.util.List;

/** The checks of one verify run, and whether all passed. */
public record VerifyReport(String subject, List<Check> checks) {

    public boolean passed() { return !checks.isEmpty() && checks.stream().allMatch(Check::pass); }

    public String format() {
        StringBuilder b = new StringBuilder("verify " + subject + "\n");
        for (Check c : checks) b.append("  ").append(c.line()).append('\n');
        long failed = checks.stream().filter(c -> !c.pass()).count();
        b.append(String.format("%d passed, %d failed%n", checks.size() - failed, failed));
        return b.toString();
    }
}
