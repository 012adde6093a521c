package io.jetrt.runtime.model;

import io.jetrt.spi.Weights;

/**
 * Weights whose float32 host copies can be dropped once a block has put them where it computes (on the device):
 * asked again, e.g. by a block re-bound later, they are read or drawn anew.
 */
interface HostCopies extends Weights {
    void dropHostCopies();

    /** Bytes of float32 copies held on the heap now. */
    long heldBytes();
}
