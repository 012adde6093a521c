package io.jetrt.spi.baseline;

import aQute.bnd.differ.DiffPluginImpl;
import aQute.bnd.osgi.Jar;
import aQute.bnd.service.diff.Delta;
import aQute.bnd.service.diff.Diff;
import aQute.bnd.service.diff.Tree;
import aQute.bnd.service.diff.Type;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one rule bnd 7.2.3's baseline gets wrong for this SPI: a new abstract method in a consumer type (an interface
 * block bundles implement) needs a major bump. bnd computes the method's severity in a loop whose variable the
 * first default method of the interface overwrites with MINOR, so in {@code Block} and {@code BlockProvider}
 * (which have default methods) it reports a new abstract method as minor. This rule reads bnd's own diff tree.
 */
final class ConsumerTypeRule {
    private static final String PROVIDER_TYPE = "org.osgi.annotation.versioning.ProviderType";

    private ConsumerTypeRule() {}

    /** {@code Type.method(...)} for every abstract method {@code newer} adds to an interface not marked {@code @ProviderType}. */
    static List<String> newAbstractMethodsOfConsumerTypes(Path newer, Path older) throws Exception {
        DiffPluginImpl differ = new DiffPluginImpl();
        try (Jar n = new Jar(newer.toFile()); Jar o = new Jar(older.toFile())) {
            Diff api = differ.tree(n).diff(differ.tree(o)).get("<api>");
            List<String> found = new ArrayList<>();
            for (Diff pkg : api.getChildren()) {
                for (Diff type : pkg.getChildren()) {
                    if (type.getType() != Type.INTERFACE || type.getNewer() == null || isProviderType(type.getNewer())) continue;
                    if (type.getDelta() == Delta.ADDED) continue; // a new interface: no bundle implements it yet
                    for (Diff m : type.getChildren()) {
                        if (m.getType() == Type.METHOD && m.getDelta() == Delta.ADDED && isAbstract(m.getNewer())) {
                            found.add(type.getName() + "." + m.getName());
                        }
                    }
                }
            }
            return found;
        }
    }

    private static boolean isProviderType(Tree t) {
        for (Tree c : t.getChildren()) if (c.getType() == Type.ANNOTATED && c.getName().equals(PROVIDER_TYPE)) return true;
        return false;
    }

    private static boolean isAbstract(Tree method) {
        for (Tree c : method.getChildren()) if (c.getType() == Type.ACCESS && c.getName().equals("abstract")) return true;
        return false;
    }
}
