package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Argument checks shared by the optimizers, schedulers and gradient clipping; each runs before the
 * call touches any state, so a rejected call leaves the optimizer and the parameters unchanged.
 */
final class Args {

    private Args() {
    }

    /**
     * {@return an immutable copy of an optimizer's parameter list}
     *
     * @throws NullPointerException naming the list or the index of a null element
     * @throws IllegalArgumentException for an empty list (torch: "optimizer got an empty parameter list")
     *     or a parameter listed twice (torch warns and will make it an error; a duplicate would be
     *     updated twice per step)
     */
    static List<Parameter> optimizerParams(List<Parameter> params) {
        Objects.requireNonNull(params, "params");
        List<Parameter> copy = new ArrayList<>(params.size());
        Set<Parameter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            if (p == null) {
                throw new NullPointerException("params[" + i + "] is null");
            }
            if (!seen.add(p)) {
                throw new IllegalArgumentException("optimizer got a parameter more than once: params[" + i
                        + "] (shape " + java.util.Arrays.toString(p.shape()) + ") appears earlier in the list");
            }
            copy.add(p);
        }
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("optimizer got an empty parameter list");
        }
        return List.copyOf(copy);
    }

    /** {@return the optimizer, after checking a scheduler factor is finite (before the scheduler touches it)} */
    static Optimizer finite(Optimizer optimizer, String name, double value) {
        Objects.requireNonNull(optimizer, "optimizer");
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be a finite number, got " + value);
        }
        return optimizer;
    }

    /** {@return the optimizer, after checking an integer scheduler argument is at least {@code min}} */
    static Optimizer atLeast(Optimizer optimizer, String name, int value, int min) {
        Objects.requireNonNull(optimizer, "optimizer");
        if (value < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
        }
        return optimizer;
    }

    /** Checks every element of a parameter list is non-null (gradient clipping). */
    static void noNulls(List<Parameter> params) {
        Objects.requireNonNull(params, "params");
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i) == null) {
                throw new NullPointerException("params[" + i + "] is null");
            }
        }
    }
}
