package io.jetrt.experiments;

import io.jetrt.runtime.engine.MachineRates;
import io.jetrt.runtime.model.Model;

/** A variant composed on a backend and kept loaded while the workloads run, with the rates of the machine it runs on. */
record Contender(Variant variant, String backend, Model model, MachineRates rates) {
    String label() { return variant.name() + " " + backend; }
}
