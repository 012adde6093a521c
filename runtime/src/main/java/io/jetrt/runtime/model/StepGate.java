package io.jetrt.runtime.model;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Orders model steps and bundle changes: every forward step holds the gate shared; installing, updating
 * or uninstalling bundles holds it exclusively. A step in flight therefore finishes on the implementation
 * it started with, and the next step sees the new bindings.
 */
public final class StepGate {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock(true);

    public void enterStep() { lock.readLock().lock(); }

    public void exitStep() { lock.readLock().unlock(); }

    public void beginChange() { lock.writeLock().lock(); }

    public void endChange() { lock.writeLock().unlock(); }
}
