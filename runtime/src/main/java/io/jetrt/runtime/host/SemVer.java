package io.jetrt.runtime.host;

/** A semantic version {@code major.minor.patch}; missing parts are 0, a qualifier is ignored for ordering. */
public record SemVer(int major, int minor, int patch) implements Comparable<SemVer> {

    public static SemVer parse(String v) {
        String[] parts = v.split("[.-]");
        int[] n = new int[3];
        for (int i = 0; i < 3 && i < parts.length; i++) {
            try {
                n[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("version must be major.minor.patch; got '" + v + "'");
            }
        }
        return new SemVer(n[0], n[1], n[2]);
    }

    @Override
    public int compareTo(SemVer o) {
        if (major != o.major) return Integer.compare(major, o.major);
        if (minor != o.minor) return Integer.compare(minor, o.minor);
        return Integer.compare(patch, o.patch);
    }

    @Override public String toString() { return major + "." + minor + "." + patch; }
}
