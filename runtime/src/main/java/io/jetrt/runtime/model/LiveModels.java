package io.jetrt.runtime.model;

import io.jetrt.spi.BlockProvider;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * The models composed in this runtime, re-bound whenever a block provider service is registered,
 * modified or unregistered, until they are closed. Events arrive on the thread that changes the bundle or
 * on Felix's refresh thread, while a {@link io.jetrt.runtime.host.BundleManager} batch holds the
 * {@link StepGate} exclusively, so no step runs while layers are re-bound.
 */
public final class LiveModels implements ServiceListener, AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LiveModels.class);
    private final BundleContext context;
    private final Set<Model> models = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    public LiveModels(BundleContext context) {
        this.context = context;
        try {
            context.addServiceListener(this, "(" + Constants.OBJECTCLASS + "=" + BlockProvider.class.getName() + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    void add(Model m) { models.add(m); }

    void remove(Model m) { models.remove(m); }

    @Override
    public void serviceChanged(ServiceEvent event) {
        long gone = event.getType() == ServiceEvent.UNREGISTERING ? (Long) event.getServiceReference().getProperty(Constants.SERVICE_ID) : -1;
        List<Model> now;
        synchronized (models) {
            now = new ArrayList<>(models);
        }
        for (Model m : now) {
            try {
                m.rebind(gone);
            } catch (RuntimeException e) { // one model's trouble must not keep the others on a provider going away
                log.error("re-binding {} failed: {}", m.config().source(), e.toString());
            }
        }
    }

    @Override
    public void close() {
        try {
            context.removeServiceListener(this);
        } catch (IllegalStateException stopped) {
            // the framework is already down: nothing to listen to
        }
    }
}
