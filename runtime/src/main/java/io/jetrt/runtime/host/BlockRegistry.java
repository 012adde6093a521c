package io.jetrt.runtime.host;

import io.jetrt.spi.BlockProvider;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Block providers in the OSGi service registry, looked up by type id or alias. Among several providers
 * of one type the highest implementation version wins, then the higher service ranking, then the
 * older service.
 */
public final class BlockRegistry {
    private static final Comparator<ProviderBinding> PREFERENCE =
            Comparator.comparing((ProviderBinding b) -> SemVer.parse(b.provider().version()))
                    .thenComparingInt(ProviderBinding::ranking)
                    .thenComparing(Comparator.comparingLong(ProviderBinding::serviceId).reversed());

    private final BundleContext context;
    /** Service objects taken so far, by service id: each is taken once and released when it unregisters. */
    private final Map<Long, BlockProvider> held = new ConcurrentHashMap<>();

    public BlockRegistry(BundleContext context) {
        this.context = context;
        try {
            context.addServiceListener(e -> {
                if (e.getType() != ServiceEvent.UNREGISTERING) return;
                if (held.remove((Long) e.getServiceReference().getProperty(Constants.SERVICE_ID)) != null) {
                    context.ungetService(e.getServiceReference());
                }
            }, "(" + Constants.OBJECTCLASS + "=" + BlockProvider.class.getName() + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** All providers now registered. */
    public List<ProviderBinding> all() { return all(-1); }

    /** The registered providers but {@code excludedServiceId}: references are read live, so a new one is seen at once. */
    private List<ProviderBinding> all(long excludedServiceId) {
        List<ProviderBinding> out = new ArrayList<>();
        try {
            for (ServiceReference<BlockProvider> ref : context.getServiceReferences(BlockProvider.class, null)) {
                long id = (Long) ref.getProperty(Constants.SERVICE_ID);
                if (id == excludedServiceId) continue;
                BlockProvider p = held.computeIfAbsent(id, k -> context.getService(ref));
                if (p == null) continue;
                Object rank = ref.getProperty(Constants.SERVICE_RANKING);
                out.add(new ProviderBinding(p, ref.getBundle(), rank instanceof Integer r ? r : 0, id));
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** The preferred provider of {@code type} (a type id or an alias). */
    public Optional<ProviderBinding> find(String type) { return find(type, null, -1); }

    /**
     * The preferred provider of {@code type} whose version matches {@code pin} (equal, or a prefix ending
     * before a dot; null = any), leaving out the service {@code excludedServiceId} (one being unregistered).
     */
    public Optional<ProviderBinding> find(String type, String pin, long excludedServiceId) {
        return all(excludedServiceId).stream()
                .filter(b -> b.provider().type().equals(type) || b.provider().aliases().contains(type))
                .filter(b -> pin == null || b.provider().version().equals(pin) || b.provider().version().startsWith(pin + "."))
                .max(PREFERENCE);
    }

    /** Type ids now offered, sorted. */
    public TreeSet<String> types() {
        TreeSet<String> t = new TreeSet<>();
        for (ProviderBinding b : all()) t.add(b.provider().type());
        return t;
    }
}
