package io.jetrt.runtime.host;

import org.osgi.framework.ServiceReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends Felix's own log messages to SLF4J instead of stdout. */
final class FelixSlf4jLogger extends org.apache.felix.framework.Logger {
    private static final Logger log = LoggerFactory.getLogger("felix");

    @Override
    protected void doLog(org.osgi.framework.Bundle bundle, ServiceReference sr, int level, String msg, Throwable t) {
        String where = bundle == null ? msg : "[" + bundle.getSymbolicName() + "] " + msg;
        switch (level) {
            case LOG_ERROR -> log.error(where, t);
            case LOG_WARNING -> log.warn(where, t);
            case LOG_INFO -> log.debug(where, t);
            default -> log.trace(where, t);
        }
    }
}
