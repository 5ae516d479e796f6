package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.optim.SGD;
import dev.jrnn.tensor.Tensor;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Every way a parameter's values change (one element, a write through a view, an in-place op on the
 * last parameter, {@code loadStateDict}, an optimizer step), for tests of caches derived from the
 * weights. After each write the cached module must give what a freshly built module (nothing cached,
 * default mode) loaded with the same values gives, and something different from before the write.
 */
final class WeightWrites {

    private WeightWrites() {
    }

    /**
     * @param m the module under test, already in the mode whose cache is tested
     * @param make builds a module of the same configuration
     * @param run one forward (or step) of a module, returning a tensor to compare
     * @param element name of a 2-D parameter whose element (1, 2) is set
     * @param view name of a parameter written through {@code narrow(0, 0, 2)}
     */
    static <M extends Module> void assertEveryWriteIsSeen(M m, Supplier<M> make, Function<M, Tensor> run,
                                                          String element, String view) {
        Tensor first = run.apply(m);
        assertThat(run.apply(m).toArray()).as("a second call with the cache").isEqualTo(first.toArray());
        assertThat(first.toArray()).as("the first call").isEqualTo(fresh(m, make, run).toArray());

        Tensor before = run.apply(m);
        m.namedParameters().get(element).data().set(0.75f, 1, 2);
        seen(m, make, run, before, "set one element of " + element);

        before = run.apply(m);
        m.namedParameters().get(view).data().narrow(0, 0, 2).fillInPlace(0.4f);
        seen(m, make, run, before, "fill a view of " + view);

        before = run.apply(m);
        List<Parameter> ps = m.parameters();
        ps.get(ps.size() - 1).data().mulInPlace(-2f);
        seen(m, make, run, before, "scale the last parameter");

        before = run.apply(m);
        M other = make.get();
        for (Parameter p : other.parameters()) {
            p.data().mulInPlace(-1.5f);
        }
        m.loadStateDict(other.stateDict(), true);
        seen(m, make, run, before, "loadStateDict");

        before = run.apply(m);
        for (Parameter p : m.parameters()) {
            p.grad().fillInPlace(0.5f);
        }
        new SGD(List.copyOf(m.parameters()), 0.1).step();
        seen(m, make, run, before, "an SGD step");
    }

    private static <M extends Module> Tensor fresh(M m, Supplier<M> make, Function<M, Tensor> run) {
        M ref = make.get();
        ref.loadStateDict(m.stateDict(), true);
        return run.apply(ref);
    }

    private static <M extends Module> void seen(M m, Supplier<M> make, Function<M, Tensor> run, Tensor before,
                                                String write) {
        Tensor after = run.apply(m);
        assertThat(after.toArray()).as("after " + write).isEqualTo(fresh(m, make, run).toArray());
        assertThat(after.toArray()).as(write + " changed the result").isNotEqualTo(before.toArray());
    }
}
